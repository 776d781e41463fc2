package probe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/probe"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// countingStore counts the results one node records.
type countingStore struct {
	itsm.ProbeStore
	results atomic.Int64
}

func (c *countingStore) RecordCheckResults(ctx context.Context, rs []itsm.CheckResult) error {
	err := c.ProbeStore.RecordCheckResults(ctx, rs)
	if err == nil {
		c.results.Add(int64(len(rs)))
	}
	return err
}

// TestTwoNodesOnPostgreSQL runs two schedulers, each with its own
// connection pool as two `steward serve` processes would have, against one
// PostgreSQL database: every check runs on exactly one node per interval
// and, when one node stops, the other takes over its checks.
func TestTwoNodesOnPostgreSQL(t *testing.T) {
	if os.Getenv("STEWARD_TEST_POSTGRES") == "" {
		if os.Getenv("STEWARD_TEST_REQUIRE_POSTGRES") != "" {
			t.Fatal("STEWARD_TEST_REQUIRE_POSTGRES is set but STEWARD_TEST_POSTGRES is not")
		}
		t.Skip("set STEWARD_TEST_POSTGRES to run the two-node test on PostgreSQL")
	}
	const interval = 2 * time.Second
	var mu sync.Mutex
	hits := map[int][]time.Time{}
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/c/"))
		mu.Lock()
		hits[n] = append(hits[n], time.Now())
		mu.Unlock()
		_, _ = w.Write([]byte("OK"))
	}))
	defer target.Close()

	dsn := storetest.MustDSN(t, store.Postgres)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.Enqueue = storetest.DiscardJobs
		return db
	}
	db1 := open()
	if _, err := db1.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db2 := open()
	const checks = 30
	defs := make([]*itsm.Check, checks)
	for i := range defs {
		defs[i] = &itsm.Check{Name: fmt.Sprintf("Check %d", i), Service: "Portal", Kind: itsm.CheckHTTP, URL: fmt.Sprintf("%s/c/%d", target.URL, i),
			Interval: 10 * time.Second, Timeout: time.Second, Enabled: true}
	}
	if res, err := db1.ImportChecks(storetest.System(), defs, false); err != nil || len(res.Errors) > 0 {
		t.Fatalf("import: %v %+v", err, res)
	}
	// Validation keeps real checks at 10 s or more; the test shortens the
	// interval in the database to see many intervals in a few seconds.
	now := time.Now().UnixMicro()
	if _, err := db1.SQL().Exec(`UPDATE monitor_checks SET interval_ms = $1, next_due = $2 + (id * 137 % $1) * 1000`, interval.Milliseconds(), now); err != nil {
		t.Fatal(err)
	}

	opts := func(node string) probe.Options {
		return probe.Options{Node: node, Tick: 200 * time.Millisecond, NodeTTL: 2 * time.Second, FlushEvery: 200 * time.Millisecond, Concurrency: 8}
	}
	ctx := itsm.NewContextWithActor(context.Background(), itsm.SystemActor("monitoring"))
	n1, n2 := &countingStore{ProbeStore: db1}, &countingStore{ProbeStore: db2}
	ctx1, stop1 := context.WithCancel(ctx)
	ctx2, stop2 := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, s := range []struct {
		ctx   context.Context
		store *countingStore
		node  string
	}{{ctx1, n1, "node-1"}, {ctx2, n2, "node-2"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := probe.NewScheduler(s.store, opts(s.node)).Run(s.ctx); err != nil {
				t.Errorf("%s: %v", s.node, err)
			}
		}()
	}
	time.Sleep(8 * time.Second)
	if n1.results.Load() == 0 || n2.results.Load() == 0 {
		t.Fatalf("both nodes should run checks: node 1 ran %d, node 2 ran %d", n1.results.Load(), n2.results.Load())
	}
	stop2()
	handover := time.Now()
	before := n1.results.Load()
	time.Sleep(10 * time.Second)
	stop1()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for i := range checks {
		ts := hits[i]
		sort.Slice(ts, func(a, b int) bool { return ts[a].Before(ts[b]) })
		for j := 1; j < len(ts); j++ {
			if gap := ts[j].Sub(ts[j-1]); gap < interval/2 {
				t.Errorf("check %d ran twice within %s (runs %d and %d)", i, gap.Round(time.Millisecond), j-1, j)
			}
		}
		// After the handover (the dead node's heartbeat expires in 2 s,
		// or its overdue checks are taken after two intervals), node 1
		// runs every check, once an interval.
		late := 0
		for _, at := range ts {
			if at.After(handover.Add(5 * time.Second)) {
				late++
			}
		}
		if late < 2 {
			t.Errorf("check %d ran %d times in the last 5 s after node 2 stopped: not taken over", i, late)
		}
	}
	if n1.results.Load()-before < checks*3 {
		t.Errorf("node 1 ran %d checks after node 2 stopped", n1.results.Load()-before)
	}
}
