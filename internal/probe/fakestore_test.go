package probe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// fakeStore keeps checks in memory and claims them by the contract of
// itsm.ProbeStore, as the database does: a check is claimable by the node at
// index i of the live nodes when its ID modulo their number is i, or by any
// node when it is overdue by more than two intervals; claiming moves its next
// due instant on by itsm.NextDue under the same lock.
type fakeStore struct {
	mu      sync.Mutex
	checks  []*fakeCheck
	nodes   map[string]time.Time // node → heartbeat expiry
	results []ranBy
	// failRecords makes that many RecordCheckResults calls fail.
	failRecords int
	// rejectCheck makes every batch with a result of this check fail.
	rejectCheck int64
	records     int
	prunes      []time.Time
}

type fakeCheck struct {
	check *itsm.Check
	next  time.Time
}

// ranBy is a result and the node that recorded it.
type ranBy struct {
	node string
	itsm.CheckResult
}

// newFakeStore holds n enabled checks of url, each due first at its phase
// within interval.
func newFakeStore(n int, interval time.Duration, url string) *fakeStore {
	f := &fakeStore{nodes: map[string]time.Time{}}
	now := time.Now()
	for id := int64(1); id <= int64(n); id++ {
		c := &itsm.Check{
			ID: id, Name: "Check " + strconv.FormatInt(id, 10), Service: "Purchasing", Component: "API", Kind: itsm.CheckHTTP,
			Method: "GET", URL: url + "?id=" + strconv.FormatInt(id, 10), ExpectStatus: "200-299",
			Interval: interval, Timeout: min(interval, 2*time.Second), Enabled: true, Version: 1,
		}
		f.checks = append(f.checks, &fakeCheck{check: c, next: itsm.FirstDue(id, interval, now)})
	}
	return f
}

// node is the store as one node sees it, so that results say who ran them.
func (f *fakeStore) node(name string) itsm.ProbeStore { return &nodeView{f, name} }

type nodeView struct {
	*fakeStore
	name string
}

func (f *fakeStore) HeartbeatProbeNode(ctx context.Context, node string, ttl time.Duration) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.nodes[node] = now.Add(ttl)
	var live []string
	for n, exp := range f.nodes {
		if exp.After(now) {
			live = append(live, n)
		}
	}
	slices.Sort(live)
	return live, nil
}

func (f *fakeStore) ClaimDueChecks(ctx context.Context, node string, nodes []string, until time.Time, limit int) ([]itsm.ProbeTask, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	i := slices.Index(nodes, node)
	var tasks []itsm.ProbeTask
	for _, fc := range f.checks {
		if len(tasks) == limit {
			break
		}
		c := fc.check
		if !c.Enabled || !fc.next.Before(until) {
			continue
		}
		mine := i >= 0 && int(c.ID%int64(len(nodes))) == i
		overdue := now.Sub(fc.next) > 2*c.Interval
		if !mine && !overdue {
			continue
		}
		cp := *c
		tasks = append(tasks, itsm.ProbeTask{Check: &cp, Due: fc.next})
		fc.next = itsm.NextDue(fc.next, c.Interval, now)
	}
	return tasks, nil
}

func (v *nodeView) RecordCheckResults(ctx context.Context, results []itsm.CheckResult) error {
	return v.record(ctx, v.name, results)
}

func (f *fakeStore) RecordCheckResults(ctx context.Context, results []itsm.CheckResult) error {
	return f.record(ctx, "", results)
}

func (f *fakeStore) record(ctx context.Context, node string, results []itsm.CheckResult) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records++
	if f.failRecords > 0 {
		f.failRecords--
		return errors.New("database is locked")
	}
	for _, r := range results {
		if r.CheckID == f.rejectCheck {
			return fmt.Errorf("record result of check %d: no such check", r.CheckID)
		}
	}
	for _, r := range results {
		f.results = append(f.results, ranBy{node, r})
	}
	return nil
}

func (f *fakeStore) PruneCheckSamples(ctx context.Context, before time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prunes = append(f.prunes, before)
	return 0, nil
}

// recorded returns a copy of the results recorded so far.
func (f *fakeStore) recorded() []ranBy {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.results)
}
