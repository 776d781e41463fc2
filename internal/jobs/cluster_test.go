package jobs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
)

// countJob is a test job; workers record which node ran which job.
type countJob struct {
	N int `json:"n"`
}

func (countJob) Kind() string { return "test_count" }

// runLog records job executions across nodes.
type runLog struct {
	mu   sync.Mutex
	runs map[int64][]string // job ID → nodes, one per execution
}

func (l *runLog) add(id int64, node string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.runs == nil {
		l.runs = map[int64][]string{}
	}
	l.runs[id] = append(l.runs[id], node)
}

func (l *runLog) snapshot() map[int64][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[int64][]string, len(l.runs))
	for id, nodes := range l.runs {
		out[id] = slices.Clone(nodes)
	}
	return out
}

// countWorker registers a test_count worker that records its runs under
// node and then does what work says.
func countWorker(log *runLog, node string, work func(ctx context.Context, job *river.Job[countJob]) error) func(*river.Workers) error {
	return func(w *river.Workers) error {
		return river.AddWorkerSafely(w, river.WorkFunc(func(ctx context.Context, job *river.Job[countJob]) error {
			log.add(job.ID, node)
			return work(ctx, job)
		}))
	}
}

// TestTwoNodesRunEachJobOnce runs two nodes on one PostgreSQL database, as
// two servers behind a load balancer would: both work the queue, and every
// job runs exactly once.
func TestTwoNodesRunEachJobOnce(t *testing.T) {
	t.Parallel()
	const n = 100
	url := dsn(t, store.Postgres)
	dbA, dbB := MustStore(t, url), MustStore(t, url)
	var log runLog
	slow := func(ctx context.Context, _ *river.Job[countJob]) error {
		time.Sleep(10 * time.Millisecond) // long enough that one node cannot take everything
		return nil
	}
	qa := MustQueue(t, dbA, Config{ID: "node-a", Workers: 4, Register: []func(*river.Workers) error{countWorker(&log, "node-a", slow)}})
	qb := MustQueue(t, dbB, Config{ID: "node-b", Workers: 4, Register: []func(*river.Workers) error{countWorker(&log, "node-b", slow)}})

	// Half the jobs come from each node's transactions.
	var fromA, fromB []itsm.Job
	for i := range n {
		if i%2 == 0 {
			fromA = append(fromA, countJob{N: i})
		} else {
			fromB = append(fromB, countJob{N: i})
		}
	}
	MustEnqueue(t, dbA, qa, true, fromA...)
	MustEnqueue(t, dbB, qb, true, fromB...)

	jobs := WaitJobs(t, qa, "test_count", n, 20*time.Second, completed)
	runs := log.snapshot()
	perNode := map[string]int{}
	for _, j := range jobs {
		nodes := runs[j.ID]
		if len(nodes) != 1 {
			t.Errorf("job %d ran %d times (%v), want once", j.ID, len(nodes), nodes)
			continue
		}
		perNode[nodes[0]]++
		if j.Attempt != 1 || len(j.AttemptedBy) != 1 || j.AttemptedBy[0] != nodes[0] {
			t.Errorf("job %d: attempt %d by %v, but ran on %s", j.ID, j.Attempt, j.AttemptedBy, nodes[0])
		}
	}
	if len(runs) != n {
		t.Errorf("%d distinct jobs ran, want %d", len(runs), n)
	}
	t.Logf("jobs per node: %v", perNode)
	if perNode["node-a"] == 0 || perNode["node-b"] == 0 {
		t.Errorf("jobs per node %v: both nodes should have worked", perNode)
	}
}

// TestStuckJobRescued shows a job held by a node that stops answering is not
// lost: node A takes the job and hangs (as a node killed mid-job leaves it,
// "running" with nobody working it); once RescueStuckJobsAfter has passed,
// node B, the leader, puts it back in the queue and runs it.
func TestStuckJobRescued(t *testing.T) {
	t.Parallel()
	const rescueAfter = 2 * time.Second
	url := dsn(t, store.Postgres)
	dbA, dbB := MustStore(t, url), MustStore(t, url)
	var log runLog
	taken := make(chan struct{})
	release := make(chan struct{})
	hang := func(ctx context.Context, _ *river.Job[countJob]) error {
		close(taken)
		<-release // ignores ctx: this node is gone as far as anyone can tell
		return nil
	}
	// A never leads, so that B is elected as soon as it starts and runs
	// the rescuer straight away rather than at its next half-minute tick.
	qa := MustQueue(t, dbA, Config{ID: "node-a", RescueStuckJobsAfter: rescueAfter, leaderElectionDisabled: true,
		Register: []func(*river.Workers) error{countWorker(&log, "node-a", hang)}})
	t.Cleanup(func() { close(release) }) // runs before qa stops

	MustEnqueue(t, dbA, qa, true, countJob{N: 1})
	select {
	case <-taken:
	case <-time.After(10 * time.Second):
		t.Fatal("node A did not take the job")
	}
	tookAt := time.Now()
	// A stops fetching but cannot finish: its job stays running.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := qa.work.StopAndCancel(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stopping node A = %v, want it stuck on its job", err)
	}
	if j := MustJobs(t, qa, "test_count"); len(j) != 1 || j[0].State != "running" {
		t.Fatalf("jobs after node A stopped: %+v, want one running", j)
	}

	time.Sleep(time.Until(tookAt.Add(rescueAfter + 200*time.Millisecond)))
	qb := MustQueue(t, dbB, Config{ID: "node-b", RescueStuckJobsAfter: rescueAfter,
		Register: []func(*river.Workers) error{countWorker(&log, "node-b", func(context.Context, *river.Job[countJob]) error { return nil })}})

	job := WaitJobs(t, qb, "test_count", 1, 15*time.Second, completed)[0]
	if got := log.snapshot()[job.ID]; !slices.Equal(got, []string{"node-a", "node-b"}) {
		t.Errorf("job ran on %v, want node-a then node-b", got)
	}
	if job.Attempt != 2 || !slices.Equal(job.AttemptedBy, []string{"node-a", "node-b"}) ||
		len(job.Errors) != 1 || !strings.Contains(job.Errors[0].Error, "Stuck job rescued") {
		t.Errorf("job: attempt %d by %v, errors %+v; want a rescue, then attempt 2 by node-b", job.Attempt, job.AttemptedBy, job.Errors)
	}
}
