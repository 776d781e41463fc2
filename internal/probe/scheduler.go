package probe

import (
	"cmp"
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Scheduler defaults.
const (
	DefaultConcurrency  = 64
	DefaultTick         = time.Second
	DefaultNodeTTL      = 30 * time.Second
	DefaultRawRetention = 7 * 24 * time.Hour
	DefaultFlushEvery   = time.Second
	// DefaultMaxBuffered is how many results wait for the database while it
	// is unavailable before the oldest are dropped: over ten minutes of
	// 5,000 checks at a 30-second interval.
	DefaultMaxBuffered = 100_000

	// batchSize is the most results handed to the store at once.
	batchSize = 1000
	// claimLimit is the most checks claimed in one call; a full claim is
	// followed at once by another.
	claimLimit = 1000
	// pruneEvery is how often raw samples past their retention are pruned.
	pruneEvery = time.Hour
	// isolateAfter is how many flushes in a row must fail before the
	// failing batch is written a result at a time.
	isolateAfter = 3
	// isolateProbes is how many results in a row may be refused, none
	// written, before the store is taken to be down rather than the results
	// at fault.
	isolateProbes = 5
	// dispatchSlack is how early a run may start to share a wake-up with
	// the one before it.
	dispatchSlack = 10 * time.Millisecond
	// finalFlushTimeout bounds the last flush after the scheduler stops.
	finalFlushTimeout = 10 * time.Second
)

// Options configure a Scheduler. Zero values take the defaults.
type Options struct {
	// Node names this process among the nodes that share the checks; it
	// must be unique. Default: host name, process ID and a random suffix.
	Node string
	// Concurrency bounds the checks running at once (default 64).
	Concurrency int
	// Tick is how often due checks are claimed, and how far ahead
	// (default 1 s).
	Tick time.Duration
	// NodeTTL is how long a node counts as alive after its last heartbeat
	// (default 30 s); heartbeats are sent well within it.
	NodeTTL time.Duration
	// RawRetention is how long raw samples are kept (default 7 days);
	// roll-ups are kept for good.
	RawRetention time.Duration
	// FlushEvery is how often results are written (default 1 s).
	FlushEvery time.Duration
	// MaxBuffered caps the results waiting for the database (default
	// DefaultMaxBuffered); past it the oldest are dropped.
	MaxBuffered int
	// Metrics, when set, receive every run.
	Metrics *Metrics
	// Executor runs the checks; nil makes one with default options.
	Executor *Executor
	// Logger receives errors and notices; nil discards them.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Scheduler runs this node's share of the checks at their due instants and
// records the results. See the package documentation for the design.
type Scheduler struct {
	store   itsm.ProbeStore
	opts    Options
	exec    *Executor
	ownExec bool
	log     *slog.Logger
	now     func() time.Time

	running atomic.Bool
	// backlog counts claimed tasks not yet started; claiming pauses while
	// it is large, so an overloaded node sheds checks to the others.
	backlog atomic.Int64

	mu       sync.Mutex
	incoming []itsm.CheckResult
	full     chan struct{} // a batch is ready to flush

	// failedFlushes counts writes refused in a row (flushLoop only).
	failedFlushes int
}

// NewScheduler makes a scheduler of the checks in store.
func NewScheduler(store itsm.ProbeStore, opts Options) *Scheduler {
	if opts.Node == "" {
		opts.Node = defaultNode()
	}
	opts.Concurrency = cmp.Or(max(opts.Concurrency, 0), DefaultConcurrency)
	opts.Tick = cmp.Or(max(opts.Tick, 0), DefaultTick)
	opts.NodeTTL = cmp.Or(max(opts.NodeTTL, 0), DefaultNodeTTL)
	opts.RawRetention = cmp.Or(max(opts.RawRetention, 0), DefaultRawRetention)
	opts.FlushEvery = cmp.Or(max(opts.FlushEvery, 0), DefaultFlushEvery)
	opts.MaxBuffered = cmp.Or(max(opts.MaxBuffered, 0), DefaultMaxBuffered)
	s := &Scheduler{store: store, opts: opts, exec: opts.Executor, log: opts.Logger, now: opts.Now, full: make(chan struct{}, 1)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.exec == nil {
		s.exec = NewExecutor(ExecutorOptions{Now: s.now})
		s.ownExec = true
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("node", opts.Node)
	return s
}

// Node is the name this scheduler's node goes by.
func (s *Scheduler) Node() string { return s.opts.Node }

func defaultNode() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "probe"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// heartbeatEvery is how often the node reports that it is alive: often
// enough that two missed heartbeats do not let it expire.
func (s *Scheduler) heartbeatEvery() time.Duration {
	return max(min(5*s.opts.Tick, s.opts.NodeTTL/3), time.Millisecond)
}

// Run claims and runs checks until ctx is cancelled. It then claims no
// more, lets the runs in flight finish (each within its time-out, with no
// further retries), writes their results and returns nil. It returns an
// error only when it cannot start.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.store == nil {
		return errors.New("run probe scheduler: no store")
	}
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("run probe scheduler: already running")
	}
	defer s.running.Store(false)
	s.backlog.Store(0)
	s.log.Info("probe scheduler started", "concurrency", s.opts.Concurrency)

	claimed := make(chan claim, 16)
	var loops, runs sync.WaitGroup
	loops.Go(func() { s.claimLoop(ctx, claimed) })
	loops.Go(func() { s.dispatchLoop(ctx, claimed, &runs) })
	stopFlush := make(chan struct{})
	var flusher sync.WaitGroup
	flusher.Go(func() { s.flushLoop(stopFlush) })

	<-ctx.Done()
	loops.Wait()
	runs.Wait()
	close(stopFlush)
	flusher.Wait()
	if s.ownExec {
		s.exec.CloseIdleConnections()
	}
	s.log.Info("probe scheduler stopped")
	return nil
}

// claimLoop heartbeats, claims the checks due before the next tick and
// hands them to the dispatcher; it also prunes old samples.
func (s *Scheduler) claimLoop(ctx context.Context, claimed chan<- claim) {
	tick := time.NewTicker(s.opts.Tick)
	defer tick.Stop()
	var nodes []string
	var lastBeat, lastPrune, lastRetire time.Time
	for {
		now := s.now()
		if nodes == nil || now.Sub(lastBeat) >= s.heartbeatEvery() {
			live, err := s.store.HeartbeatProbeNode(ctx, s.opts.Node, s.opts.NodeTTL)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				// Keep claiming with the nodes last known: the store
				// decides, and the database is likely back soon.
				s.log.Error("probe heartbeat", "error", err)
			default:
				nodes, lastBeat = live, now
			}
		}
		// Series of checks this node no longer runs leave /metrics.
		if now.Sub(lastRetire) >= time.Minute {
			lastRetire = now
			s.opts.Metrics.Retire(now)
		}
		// One node prunes; which one does not matter.
		if len(nodes) > 0 && nodes[0] == s.opts.Node && now.Sub(lastPrune) >= pruneEvery {
			lastPrune = now
			s.prune(ctx, now)
		}
		if nodes != nil {
			s.claim(ctx, nodes, now, claimed)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Scheduler) claim(ctx context.Context, nodes []string, now time.Time, claimed chan<- claim) {
	until := now.Add(s.opts.Tick)
	for s.backlog.Load() < claimLimit {
		at := s.now()
		tasks, err := s.store.ClaimDueChecks(ctx, s.opts.Node, nodes, until, claimLimit)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Error("probe claim due checks", "nodes", len(nodes), "until", until, "error", err)
			return
		}
		if len(tasks) == 0 {
			return
		}
		s.backlog.Add(int64(len(tasks)))
		select {
		case claimed <- claim{tasks, at}:
		case <-ctx.Done():
			return
		}
		if len(tasks) < claimLimit {
			return
		}
	}
	s.log.Warn("probe node is behind: claiming paused", "waiting", s.backlog.Load())
}

func (s *Scheduler) prune(ctx context.Context, now time.Time) {
	before := now.Add(-s.opts.RawRetention)
	n, err := s.store.PruneCheckSamples(ctx, before)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("probe prune check samples", "before", before, "error", err)
		}
		return
	}
	s.log.Info("probe pruned check samples", "before", before, "deleted", n)
}

// dispatchLoop starts each claimed task at its instant, as a semaphore
// slot allows.
func (s *Scheduler) dispatchLoop(ctx context.Context, claimed <-chan claim, runs *sync.WaitGroup) {
	sem := make(chan struct{}, s.opts.Concurrency)
	runCtx := context.WithoutCancel(ctx)
	var q taskQueue
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	defer func() {
		if len(q) > 0 {
			s.log.Info("probe scheduler stopped before claimed checks were due", "skipped", len(q))
		}
		s.backlog.Add(-int64(len(q)))
	}()
	for {
		// Wait for the next start, or a slot when a start is due.
		var due <-chan time.Time
		var slot chan<- struct{}
		if len(q) > 0 {
			// Runs due within dispatchSlack start together: one wake-up
			// instead of several a few milliseconds apart.
			if d := q[0].start.Sub(s.now()); d > dispatchSlack {
				timer.Reset(d)
				due = timer.C
			} else {
				slot = sem
			}
		}
		select {
		case <-ctx.Done():
			return
		case c := <-claimed:
			now := s.now()
			for _, t := range c.tasks {
				if t.Check == nil {
					s.backlog.Add(-1)
					continue
				}
				if at, ok := s.startAt(t, c.at, now); ok {
					heap.Push(&q, queued{task: t, start: at})
					continue
				}
				s.backlog.Add(-1)
				s.log.Debug("probe overdue run skipped: the next is due soon", "check_id", t.Check.ID, "due", t.Due)
			}
		case <-due:
		case slot <- struct{}{}:
			t := heap.Pop(&q).(queued).task
			s.backlog.Add(-1)
			runs.Go(func() {
				defer func() { <-sem }()
				s.runTask(runCtx, ctx.Done(), t)
			})
		}
		// Since Go 1.23 a stopped timer delivers nothing stale.
		timer.Stop()
	}
}

// startAt is when to start a task claimed at claimedAt: its due instant;
// or, when it is overdue (after downtime, or taken over from a dead node), a
// moment within the next few seconds set by its phase, so that a backlog
// does not start in one burst. An overdue run that would start within half
// an interval of the check's next due instant is skipped (ok false): the
// next run stands for the interval, and one check never runs twice in one
// interval.
func (s *Scheduler) startAt(t itsm.ProbeTask, claimedAt, now time.Time) (at time.Time, ok bool) {
	if !t.Due.Before(now.Add(-s.opts.Tick)) || t.Check.Interval <= 0 {
		return t.Due, true
	}
	// The claim moved the check on to its next due instant as of the
	// store's clock during the call; reckoned from the call's start, this
	// is never later than that.
	next := itsm.NextDue(t.Due, t.Check.Interval, claimedAt)
	window := min(10*time.Second, next.Sub(now)-t.Check.Interval/2)
	if window <= 0 {
		return time.Time{}, false
	}
	return itsm.FirstDue(t.Check.ID, window, now), true
}

func (s *Scheduler) runTask(ctx context.Context, stop <-chan struct{}, t itsm.ProbeTask) {
	r := s.exec.run(ctx, stop, t.Check, t.Due)
	s.opts.Metrics.Observe(t.Check, r)
	s.mu.Lock()
	s.incoming = append(s.incoming, r)
	n := len(s.incoming)
	s.mu.Unlock()
	if n >= batchSize {
		select {
		case s.full <- struct{}{}:
		default:
		}
	}
}

// flushLoop writes results in batches every FlushEvery, or sooner when a
// batch is full. Results the store refuses are kept for the next flush, up
// to MaxBuffered.
func (s *Scheduler) flushLoop(stop <-chan struct{}) {
	tick := time.NewTicker(s.opts.FlushEvery)
	defer tick.Stop()
	var pending []itsm.CheckResult
	for {
		select {
		case <-stop:
			fctx, cancel := context.WithTimeout(context.Background(), finalFlushTimeout)
			pending = s.flush(fctx, pending)
			cancel()
			if len(pending) > 0 {
				s.log.Error("probe results lost at shutdown: the store did not take them", "results", len(pending))
			}
			return
		case <-tick.C:
		case <-s.full:
		}
		fctx, cancel := context.WithTimeout(context.Background(), max(10*s.opts.FlushEvery, finalFlushTimeout))
		pending = s.flush(fctx, pending)
		cancel()
	}
}

// flush hands pending and newly arrived results to the store, a batch at a
// time, and returns those still to be written.
func (s *Scheduler) flush(ctx context.Context, pending []itsm.CheckResult) []itsm.CheckResult {
	s.mu.Lock()
	pending = append(pending, s.incoming...)
	clear(s.incoming)
	s.incoming = s.incoming[:0]
	s.mu.Unlock()
	if over := len(pending) - s.opts.MaxBuffered; over > 0 {
		s.log.Error("probe results dropped: the store has been failing and the buffer is full",
			"dropped", over, "kept", s.opts.MaxBuffered)
		pending = pending[:copy(pending, pending[over:])]
	}
	if len(pending) == 0 {
		return pending
	}
	// Runs finish out of order; the store reads each check's results in
	// the order they started.
	slices.SortStableFunc(pending, func(a, b itsm.CheckResult) int { return a.At.Compare(b.At) })
	done := 0
	for done < len(pending) {
		batch := pending[done:min(done+batchSize, len(pending))]
		err := s.store.RecordCheckResults(ctx, batch)
		if err == nil {
			s.failedFlushes = 0
			done += len(batch)
			continue
		}
		s.failedFlushes++
		if s.failedFlushes >= isolateAfter && s.isolate(ctx, batch) {
			s.failedFlushes = 0
			done += len(batch)
			continue
		}
		s.log.Error("probe record check results: kept for the next flush",
			"results", len(batch), "buffered", len(pending)-done, "error", err)
		break
	}
	n := copy(pending, pending[done:])
	clear(pending[n:])
	return pending[:n]
}

// isolate writes a batch the store keeps refusing one result at a time, in
// case a few results (say of a check deleted while it ran) spoil the batch.
// If some are written, those refused are dropped and logged, and it
// reports true; if none are, the store itself is failing, and it reports
// false having written nothing.
func (s *Scheduler) isolate(ctx context.Context, batch []itsm.CheckResult) bool {
	type refusal struct {
		r   itsm.CheckResult
		err error
	}
	var refused []refusal
	written := false
	for i := range batch {
		if err := s.store.RecordCheckResults(ctx, batch[i:i+1]); err != nil {
			refused = append(refused, refusal{batch[i], err})
			if !written && len(refused) >= isolateProbes {
				return false
			}
			continue
		}
		written = true
	}
	if !written {
		return false
	}
	for _, f := range refused {
		s.log.Error("probe result dropped: the store refuses it", "check_id", f.r.CheckID, "at", f.r.At, "error", f.err)
	}
	return true
}

// claim is a batch of claimed tasks and when the claim was asked for.
type claim struct {
	tasks []itsm.ProbeTask
	at    time.Time
}

// queued is a claimed task waiting for its start.
type queued struct {
	task  itsm.ProbeTask
	start time.Time
}

// taskQueue is a min-heap of tasks by start.
type taskQueue []queued

func (q taskQueue) Len() int           { return len(q) }
func (q taskQueue) Less(i, j int) bool { return q[i].start.Before(q[j].start) }
func (q taskQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *taskQueue) Push(x any)        { *q = append(*q, x.(queued)) }
func (q *taskQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	old[len(old)-1] = queued{}
	*q = old[:len(old)-1]
	return x
}
