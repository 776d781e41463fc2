package probe

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-itsm/steward/internal/itsm"
)

// target is a real HTTP server that checks probe: it notes when each check
// arrived and how many requests were in flight at once.
type target struct {
	srv   *httptest.Server
	delay time.Duration

	inFlight, maxInFlight atomic.Int64
	mu                    sync.Mutex
	hits                  map[int64][]time.Time
}

func newTarget(tb testing.TB, delay time.Duration) *target {
	t := &target{delay: delay, hits: map[int64][]time.Time{}}
	t.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := t.inFlight.Add(1)
		defer t.inFlight.Add(-1)
		for m := t.maxInFlight.Load(); n > m && !t.maxInFlight.CompareAndSwap(m, n); m = t.maxInFlight.Load() {
		}
		id, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
		t.mu.Lock()
		t.hits[id] = append(t.hits[id], time.Now())
		t.mu.Unlock()
		time.Sleep(t.delay)
		fmt.Fprint(w, "OK")
	}))
	tb.Cleanup(t.srv.Close)
	return t
}

// arrivals returns every check's arrival times.
func (t *target) arrivals() map[int64][]time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[int64][]time.Time, len(t.hits))
	for id, h := range t.hits {
		out[id] = slices.Clone(h)
	}
	return out
}

// start runs a scheduler until the returned stop is called; stop waits for
// Run to return and fails the test if it takes longer than limit.
func start(tb testing.TB, s *Scheduler, limit time.Duration) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					tb.Errorf("scheduler %s: %v", s.Node(), err)
				}
			case <-time.After(limit):
				tb.Fatalf("scheduler %s did not stop within %v", s.Node(), limit)
			}
		})
	}
	tb.Cleanup(stop)
	return stop
}

func TestSchedulerSpreadsRuns(t *testing.T) {
	const checks, interval = 200, 2 * time.Second
	tgt := newTarget(t, 0)
	store := newFakeStore(checks, interval, tgt.srv.URL)
	reg := prometheus.NewPedanticRegistry()
	s := NewScheduler(store.node("a"), Options{
		Node: "a", Tick: 100 * time.Millisecond, FlushEvery: 100 * time.Millisecond,
		Metrics: NewMetrics(reg), Logger: testLogger(t, slog.LevelWarn),
	})
	t0 := time.Now()
	stop := start(t, s, 5*time.Second)
	time.Sleep(2*interval + 200*time.Millisecond)
	stop()

	// Two intervals in buckets of a tenth of an interval: no bucket may
	// hold more than three times the mean.
	const buckets = 20
	counts := make([]int, buckets)
	total := 0
	arrivals := tgt.arrivals()
	for id := int64(1); id <= checks; id++ {
		hits := arrivals[id]
		if len(hits) < 2 || len(hits) > 3 {
			t.Errorf("check %d ran %d times in two intervals, want 2 (or 3 when its phase falls at the very start)", id, len(hits))
		}
		for i, at := range hits {
			if b := int(at.Sub(t0) / (interval / 10)); b >= 0 && b < buckets {
				counts[b]++
				total++
			}
			// Each run starts at its due instant: one interval apart.
			if i > 0 {
				if gap := at.Sub(hits[i-1]); gap < interval-300*time.Millisecond || gap > interval+300*time.Millisecond {
					t.Errorf("check %d ran %v after its previous run, want about %v", id, gap, interval)
				}
			}
		}
	}
	mean := float64(total) / buckets
	for b, n := range counts {
		if float64(n) > 3*mean {
			t.Errorf("%d runs in tenth %d of the interval, over three times the mean of %.1f: %v", n, b, mean, counts)
		}
	}
	t.Logf("runs per tenth of an interval: %v", counts)

	// Every run was recorded, and reported to Prometheus.
	results := store.recorded()
	hits := 0
	for _, h := range arrivals {
		hits += len(h)
	}
	if len(results) != hits {
		t.Errorf("%d results recorded, want one for each of the %d runs", len(results), hits)
	}
	for _, r := range results {
		if !r.Up || r.Attempts != 1 || r.node != "a" {
			t.Fatalf("result %+v, want up after 1 attempt on node a", r)
		}
	}
	if got := metricValue(t, reg, "steward_check_runs_total", map[string]string{"result": "up"}); got != float64(hits) {
		t.Errorf("steward_check_runs_total{result=up} = %v, want %d", got, hits)
	}
	if got := metricValue(t, reg, "steward_check_up", map[string]string{"check_id": "7", "check": "Check 7", "service": "Purchasing", "component": "API"}); got != 1 {
		t.Errorf("steward_check_up for check 7 = %v, want 1", got)
	}
	if got := histogramCount(t, reg, "steward_check_latency_seconds"); got != uint64(hits) {
		t.Errorf("steward_check_latency_seconds counted %d runs, want %d", got, hits)
	}
	if len(store.prunes) != 1 {
		t.Errorf("pruned %d times, want once at start", len(store.prunes))
	}
	assertNoLeaks(t)
}

func TestSchedulerBoundsConcurrency(t *testing.T) {
	// 60 checks a second that each take 100 ms want 6 running at once.
	tgt := newTarget(t, 100*time.Millisecond)
	store := newFakeStore(60, time.Second, tgt.srv.URL)
	s := NewScheduler(store, Options{
		Node: "a", Concurrency: 3, Tick: 50 * time.Millisecond, FlushEvery: 100 * time.Millisecond,
		Logger: testLogger(t, slog.LevelError),
	})
	stop := start(t, s, 2*time.Second)
	time.Sleep(1500 * time.Millisecond)
	stopping := time.Now()
	stop()
	if d := time.Since(stopping); d > time.Second {
		t.Errorf("stopping took %v, want the runs in flight (100 ms) only", d)
	}
	if got := tgt.maxInFlight.Load(); got != 3 {
		t.Errorf("at most %d checks ran at once, want the bound, 3", got)
	}
	// The runs in flight at the stop finished and were written.
	hits := 0
	for _, h := range tgt.arrivals() {
		hits += len(h)
	}
	if got := len(store.recorded()); got != hits || hits < 20 {
		t.Errorf("%d results recorded for %d runs, want all of at least 20", got, hits)
	}
	assertNoLeaks(t)
}

func TestSchedulerNodesShareAndTakeOver(t *testing.T) {
	const checks, interval, ttl = 40, 600 * time.Millisecond, 500 * time.Millisecond
	tgt := newTarget(t, 0)
	store := newFakeStore(checks, interval, tgt.srv.URL)
	opts := func(node string) Options {
		return Options{Node: node, Tick: 50 * time.Millisecond, NodeTTL: ttl, FlushEvery: 50 * time.Millisecond, Logger: testLogger(t, slog.LevelWarn)}
	}
	a := NewScheduler(store.node("a"), opts("a"))
	b := NewScheduler(store.node("b"), opts("b"))
	stopA := start(t, a, 3*time.Second)
	stopB := start(t, b, 3*time.Second)

	time.Sleep(4 * interval)
	stopA()
	stopped := time.Now()
	time.Sleep(ttl + 3*interval)
	stopB()

	results := store.recorded()
	byNode := map[string]int{}
	runs := map[int64][]ranBy{}
	for _, r := range results {
		byNode[r.node]++
		runs[r.CheckID] = append(runs[r.CheckID], r)
	}
	if byNode["a"] < checks || byNode["b"] < checks {
		t.Errorf("runs by node: %v; want both nodes to run their share", byNode)
	}
	for id := int64(1); id <= checks; id++ {
		rs := runs[id]
		slices.SortFunc(rs, func(x, y ranBy) int { return x.At.Compare(y.At) })
		// Never twice in one interval, on whichever node.
		for i := 1; i < len(rs); i++ {
			// Half an interval apart at least, less a little for a start
			// held up by the machine.
			if gap := rs[i].At.Sub(rs[i-1].At); gap < interval/2-30*time.Millisecond {
				t.Errorf("check %d ran on %s and then on %s only %v later, twice in one interval", id, rs[i-1].node, rs[i].node, gap)
			}
		}
		// B took over A's share within a couple of intervals.
		took := false
		for _, r := range rs {
			took = took || (r.node == "b" && r.At.After(stopped.Add(ttl+interval)))
		}
		if !took {
			t.Errorf("check %d did not run on b after a stopped: %v", id, rs)
		}
	}
	assertNoLeaks(t)
}

func TestSchedulerKeepsResultsWhileTheStoreFails(t *testing.T) {
	tgt := newTarget(t, 0)
	store := newFakeStore(20, time.Second, tgt.srv.URL)
	store.failRecords = 2
	var logs strings.Builder
	var logMu sync.Mutex
	s := NewScheduler(store, Options{
		Node: "a", Tick: 50 * time.Millisecond, FlushEvery: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
			logMu.Lock()
			defer logMu.Unlock()
			return logs.Write(p)
		}), nil)),
	})
	stop := start(t, s, 2*time.Second)
	time.Sleep(1200 * time.Millisecond)
	stop()
	hits := 0
	for _, h := range tgt.arrivals() {
		hits += len(h)
	}
	if got := len(store.recorded()); got != hits || hits < 20 {
		t.Errorf("%d results recorded for %d runs, want every run despite the failed writes", got, hits)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if n := strings.Count(logs.String(), "probe record check results: kept for the next flush"); n != 2 {
		t.Errorf("logged %d failed writes, want 2:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "error=\"database is locked\"") {
		t.Errorf("the log does not say why the write failed:\n%s", logs.String())
	}
	assertNoLeaks(t)
}

func TestFlushCapsTheBuffer(t *testing.T) {
	store := &fakeStore{nodes: map[string]time.Time{}, failRecords: 2}
	var logs strings.Builder
	s := NewScheduler(store, Options{MaxBuffered: 5, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	base := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	add := func(ids ...int64) {
		for _, id := range ids {
			// Out of order, as runs finish.
			s.incoming = append(s.incoming, itsm.CheckResult{CheckID: id, At: base.Add(time.Duration(id) * time.Second)})
		}
	}
	add(2, 1, 3)
	pending := s.flush(t.Context(), nil)
	if len(pending) != 3 || len(s.incoming) != 0 {
		t.Fatalf("after a failed write %d results are pending, %d incoming; want 3 kept", len(pending), len(s.incoming))
	}
	add(4, 6, 5, 7)
	pending = s.flush(t.Context(), pending)
	var ids []int64
	for _, r := range pending {
		ids = append(ids, r.CheckID)
	}
	if !slices.Equal(ids, []int64{3, 4, 5, 6, 7}) {
		t.Errorf("kept %v, want the newest five in order of starting", ids)
	}
	if !strings.Contains(logs.String(), "dropped=2") {
		t.Errorf("the log does not count the dropped results:\n%s", logs.String())
	}
	pending = s.flush(t.Context(), pending)
	if len(pending) != 0 || len(store.recorded()) != 5 {
		t.Errorf("%d pending, %d recorded after the store recovered; want all 5 recorded", len(pending), len(store.recorded()))
	}
}

func TestFlushDropsResultsTheStoreRefuses(t *testing.T) {
	store := &fakeStore{nodes: map[string]time.Time{}, rejectCheck: 13}
	var logs strings.Builder
	s := NewScheduler(store, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	for id := int64(11); id <= 15; id++ {
		s.incoming = append(s.incoming, itsm.CheckResult{CheckID: id, At: at})
	}
	// The batch is kept while it might be the store's fault...
	var pending []itsm.CheckResult
	for range isolateAfter - 1 {
		if pending = s.flush(t.Context(), pending); len(pending) != 5 {
			t.Fatalf("%d results pending after a refused write, want 5", len(pending))
		}
	}
	// ...then written a result at a time, dropping the one refused.
	if pending = s.flush(t.Context(), pending); len(pending) != 0 {
		t.Fatalf("%d results pending after writing one at a time, want none", len(pending))
	}
	var ids []int64
	for _, r := range store.recorded() {
		ids = append(ids, r.CheckID)
	}
	if !slices.Equal(ids, []int64{11, 12, 14, 15}) {
		t.Errorf("recorded checks %v, want all but 13", ids)
	}
	if !strings.Contains(logs.String(), `msg="probe result dropped: the store refuses it"`) || !strings.Contains(logs.String(), "check_id=13") || !strings.Contains(logs.String(), "no such check") {
		t.Errorf("the log does not name the dropped result and why:\n%s", logs.String())
	}

	// When the store refuses everything, it is down: nothing is dropped.
	down := &fakeStore{nodes: map[string]time.Time{}, failRecords: 1000}
	s = NewScheduler(down, Options{})
	for id := int64(1); id <= 20; id++ {
		s.incoming = append(s.incoming, itsm.CheckResult{CheckID: id, At: at})
	}
	pending = nil
	for range isolateAfter + 1 {
		pending = s.flush(t.Context(), pending)
	}
	if len(pending) != 20 {
		t.Errorf("%d results kept while the store is down, want all 20", len(pending))
	}
	if want := isolateAfter + 1 + 2*isolateProbes; down.records != want {
		t.Errorf("%d writes tried, want %d: a few single results, not all 20, each time", down.records, want)
	}
}

func TestSchedulerRejectsSecondRun(t *testing.T) {
	tgt := newTarget(t, 0)
	s := NewScheduler(newFakeStore(1, time.Second, tgt.srv.URL), Options{Tick: 50 * time.Millisecond})
	host, _ := os.Hostname()
	if !strings.HasPrefix(s.Node(), host+"-"+strconv.Itoa(os.Getpid())+"-") || s.Node() == NewScheduler(nil, Options{}).Node() {
		t.Errorf("default node name %q, want host-pid-random", s.Node())
	}
	stop := start(t, s, 2*time.Second)
	time.Sleep(100 * time.Millisecond)
	if err := s.Run(t.Context()); err == nil {
		t.Error("a second Run at once succeeded, want an error")
	}
	stop()
	if err := NewScheduler(nil, Options{}).Run(t.Context()); err == nil {
		t.Error("Run without a store succeeded, want an error")
	}
	assertNoLeaks(t)
}

func TestMetricsRetireRenamedChecks(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	c := &itsm.Check{ID: 9, Name: "Invoices API", Service: "Finance", Component: "SAP"}
	m.Observe(c, itsm.CheckResult{Up: false})
	labels := map[string]string{"check_id": "9", "check": "Invoices API", "service": "Finance", "component": "SAP"}
	if got := metricValue(t, reg, "steward_check_up", labels); got != 0 {
		t.Errorf("up = %v after a failure, want 0", got)
	}
	c2 := *c
	c2.Name = "Invoice API"
	m.Observe(&c2, itsm.CheckResult{Up: true, StatusCode: 200, Latency: 30 * time.Millisecond})
	labels["check"] = "Invoice API"
	if got := metricValue(t, reg, "steward_check_up", labels); got != 1 {
		t.Errorf("up = %v after renaming and passing, want 1", got)
	}
	if n := seriesCount(t, reg, "steward_check_up"); n != 1 {
		t.Errorf("%d steward_check_up series, want the old name's retired", n)
	}
	if got := metricValue(t, reg, "steward_check_runs_total", map[string]string{"result": "down"}); got != 1 {
		t.Errorf("down runs = %v, want 1", got)
	}
	if got := histogramCount(t, reg, "steward_check_latency_seconds"); got != 1 {
		t.Errorf("latency samples = %d, want only the run that got an answer", got)
	}
	// A name that is not UTF-8 is reported, not a panic.
	m.Observe(&itsm.Check{ID: 10, Name: "Bad \xff name", Service: "Finance"}, itsm.CheckResult{Up: true})
	if got := metricValue(t, reg, "steward_check_up", map[string]string{"check_id": "10", "check": "Bad \uFFFD name", "service": "Finance", "component": ""}); got != 1 {
		t.Errorf("up = %v for a check whose name is not UTF-8, want 1", got)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// metricValue returns the gauge or counter with exactly these labels.
func metricValue(tb testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	tb.Helper()
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
	tb.Fatalf("no %s%v", name, labels)
	return 0
}

// histogramCount sums the samples of every series of a histogram.
func histogramCount(tb testing.TB, reg *prometheus.Registry, name string) uint64 {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatalf("gather metrics: %v", err)
	}
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

// seriesCount is the number of series a metric has.
func seriesCount(tb testing.TB, reg *prometheus.Registry, name string) int {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatalf("gather metrics: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

func TestStartAt(t *testing.T) {
	s := NewScheduler(&fakeStore{}, Options{Tick: time.Second})
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	c := &itsm.Check{ID: 42, Interval: time.Minute}

	due := now.Add(300 * time.Millisecond)
	if at, ok := s.startAt(itsm.ProbeTask{Check: c, Due: due}, now, now); !ok || !at.Equal(due) {
		t.Errorf("a task due now starts at %v (%v), want its due instant %v", at, ok, due)
	}
	// Overdue by ten minutes, next due 40 s from now: started within the
	// next 10 s, by phase.
	overdue := now.Add(-10*time.Minute - 20*time.Second)
	at, ok := s.startAt(itsm.ProbeTask{Check: c, Due: overdue}, now, now)
	if !ok || at.Before(now) || !at.Before(now.Add(10*time.Second)) {
		t.Errorf("an overdue task starts at %v (%v), want within 10 s of %v", at, ok, now)
	}
	c2 := *c
	c2.ID = 43
	if at2, _ := s.startAt(itsm.ProbeTask{Check: &c2, Due: overdue}, now, now); at2.Equal(at) {
		t.Errorf("overdue checks 42 and 43 both start at %v, want them spread", at)
	}
	// Overdue, next due in 20 s: less than half an interval away, skipped.
	if at, ok := s.startAt(itsm.ProbeTask{Check: c, Due: now.Add(-10*time.Minute - 40*time.Second)}, now, now); ok {
		t.Errorf("an overdue task whose next run is 20 s away starts at %v, want it skipped", at)
	}
	// Claimed a moment before a due instant passed: the store moved the
	// check on to that instant, not the one after, so the overdue run is
	// skipped even though by now the next is an interval away.
	claimedAt := now.Add(-100 * time.Millisecond)
	if at, ok := s.startAt(itsm.ProbeTask{Check: c, Due: now.Add(-10 * time.Minute)}, claimedAt, now); ok {
		t.Errorf("an overdue task whose next run was due as it was claimed starts at %v, want it skipped", at)
	}
}

// A check that stops running on this node (deleted, paused or taken over
// by another node) leaves /metrics after three intervals, at least five
// minutes; one still running stays.
func TestMetricsRetireStoppedChecks(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	stopped := &itsm.Check{ID: 1, Name: "Old API", Service: "Finance", Interval: time.Minute}
	hourly := &itsm.Check{ID: 2, Name: "Nightly export", Service: "Finance", Interval: time.Hour}
	running := &itsm.Check{ID: 3, Name: "Portal", Service: "Purchasing", Interval: 30 * time.Second}
	m.Observe(stopped, itsm.CheckResult{At: t0, Up: true, StatusCode: 200})
	m.Observe(hourly, itsm.CheckResult{At: t0, Up: true, StatusCode: 200})
	for i := range 20 {
		m.Observe(running, itsm.CheckResult{At: t0.Add(time.Duration(i) * 30 * time.Second), Up: true, StatusCode: 200})
	}
	if n := m.Retire(t0.Add(4 * time.Minute)); n != 0 {
		t.Errorf("retired %d series after 4 minutes, want none (five minutes at least)", n)
	}
	if n := m.Retire(t0.Add(6 * time.Minute)); n != 1 {
		t.Errorf("retired %d series after 6 minutes, want the stopped one-minute check's", n)
	}
	if n := seriesCount(t, reg, "steward_check_up"); n != 2 {
		t.Errorf("%d steward_check_up series, want 2", n)
	}
	if n := seriesCount(t, reg, "steward_check_latency_seconds"); n != 2 {
		t.Errorf("%d latency series, want 2", n)
	}
	if n := m.Retire(t0.Add(3*time.Hour + time.Second)); n != 2 {
		t.Errorf("retired %d after three hours, want the hourly check and the one that stopped at 09:09:30", n)
	}
	if n := seriesCount(t, reg, "steward_check_up"); n != 0 {
		t.Errorf("%d steward_check_up series left, want 0", n)
	}
	// A retired check that runs again comes back.
	m.Observe(stopped, itsm.CheckResult{At: t0.Add(4 * time.Hour), Up: false})
	if got := metricValue(t, reg, "steward_check_up", map[string]string{"check_id": "1", "check": "Old API", "service": "Finance", "component": ""}); got != 0 {
		t.Errorf("up = %v for a check that ran again and failed, want 0", got)
	}
}
