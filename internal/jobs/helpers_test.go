package jobs

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/notify"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// MustStore opens and migrates the Steward database at dsn, River's tables
// included; it migrates River twice to show that doing so is harmless.
func MustStore(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate store: %v", err)
	}
	for range 2 {
		if err := Migrate(ctx, string(db.Engine()), db.SQL(), db.Pool()); err != nil {
			tb.Fatalf("migrate job queue: %v", err)
		}
	}
	return db
}

// MustQueue starts a queue on db with cfg, filling in the database, a
// logger that writes to the test's output, and a short poll interval; it
// stops when the test ends.
func MustQueue(tb testing.TB, db *store.DB, cfg Config) *Queue {
	tb.Helper()
	cfg.Engine, cfg.DB, cfg.Pool = string(db.Engine()), db.SQL(), db.Pool()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(tb)
	}
	if cfg.Mailer == nil {
		cfg.Mailer = notify.LogMailer{Logger: cfg.Logger}
	}
	if cfg.FetchPollInterval == 0 {
		cfg.FetchPollInterval = 200 * time.Millisecond
	}
	q, err := New(cfg)
	if err != nil {
		tb.Fatalf("new queue: %v", err)
	}
	if err := q.Start(context.Background()); err != nil {
		tb.Fatalf("start queue: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			tb.Errorf("stop queue: %v", err)
		}
	})
	return q
}

// MustEnqueue inserts jobs in one transaction on db, committing it or
// rolling it back, as a store method would.
func MustEnqueue(tb testing.TB, db *store.DB, q *Queue, commit bool, jobs ...itsm.Job) {
	tb.Helper()
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatalf("begin: %v", err)
	}
	defer tx.Rollback()
	for _, j := range jobs {
		if err := q.Enqueue(ctx, tx, j); err != nil {
			tb.Fatalf("enqueue %s: %v", j.Kind(), err)
		}
	}
	if !commit {
		return
	}
	if err := tx.Commit(); err != nil {
		tb.Fatalf("commit: %v", err)
	}
}

// MustJobs lists the stored jobs of a kind, oldest first.
func MustJobs(tb testing.TB, q *Queue, kind string) []*rivertype.JobRow {
	tb.Helper()
	res, err := q.insert.JobList(context.Background(), river.NewJobListParams().Kinds(kind).First(10000))
	if err != nil {
		tb.Fatalf("list %s jobs: %v", kind, err)
	}
	return res.Jobs
}

// WaitJobs waits until every stored job of the kind is in one of the states
// and there are n of them, and returns them.
func WaitJobs(tb testing.TB, q *Queue, kind string, n int, timeout time.Duration, states ...rivertype.JobState) []*rivertype.JobRow {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		jobs := MustJobs(tb, q, kind)
		done := len(jobs) == n
		for _, j := range jobs {
			done = done && slices.Contains(states, j.State)
		}
		if done {
			return jobs
		}
		if time.Now().After(deadline) {
			for _, j := range jobs {
				tb.Logf("job %d: %s, attempt %d, errors %v", j.ID, j.State, j.Attempt, j.Errors)
			}
			tb.Fatalf("waited %s for %d %s job(s) in states %v; have %d", timeout, n, kind, states, len(jobs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metricValue returns the value of the metric with exactly these labels.
func metricValue(tb testing.TB, c prometheus.Collector, name string, labels map[string]string) float64 {
	tb.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		tb.Fatalf("register collector: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatalf("gather metrics: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metrics
				}
			}
			if g := m.GetGauge(); g != nil {
				return g.GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// testLogger logs warnings and errors to the test's output until the test
// ends, then discards them: a node left hanging by a test may still log.
func testLogger(tb testing.TB) *slog.Logger {
	w := &testWriter{w: tb.Output()}
	tb.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.w == nil {
		return len(p), nil
	}
	return w.w.Write(p)
}

func (w *testWriter) close() { w.mu.Lock(); w.w = nil; w.mu.Unlock() }

// dsn returns a fresh database of the engine.
func dsn(tb testing.TB, e store.Engine) string { return storetest.MustDSN(tb, e) }
