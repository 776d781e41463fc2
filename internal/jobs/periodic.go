package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// periodicMaxAttempts is how often a failed periodic run is retried; the
// next period's run comes anyway.
const periodicMaxAttempts = 5

// Periodic is work the leader node schedules every interval, such as
// deleting expired sessions. It runs once when a node becomes leader and then
// every Every; at most one run is queued per Every-long period however often
// the leadership changes.
type Periodic struct {
	// Kind names the job, e.g. "session_cleanup".
	Kind  string
	Every time.Duration
	// Run does the work; an error is retried with back-off.
	Run func(ctx context.Context) error
}

// periodicArgs are the arguments of every periodic job: just its kind, so
// that one worker type serves them all.
type periodicArgs struct {
	Name string `json:"name"`
}

// Kind implements river.JobArgs.
func (a periodicArgs) Kind() string { return a.Name }

// periodicWorker runs one Periodic.
type periodicWorker struct {
	river.WorkerDefaults[periodicArgs]
	run func(ctx context.Context) error
}

// Work runs the periodic work.
func (w *periodicWorker) Work(ctx context.Context, job *river.Job[periodicArgs]) error {
	if err := w.run(ctx); err != nil {
		return fmt.Errorf("periodic job %s: %w", job.Kind, err)
	}
	return nil
}

// register adds p's worker to workers and returns its schedule.
func (p Periodic) register(workers *river.Workers) (_ *river.PeriodicJob, err error) {
	switch {
	case p.Kind == "":
		return nil, errors.New("periodic job has no kind")
	case p.Every <= 0:
		return nil, fmt.Errorf("periodic job %s: interval %s is not positive", p.Kind, p.Every)
	case p.Run == nil:
		return nil, fmt.Errorf("periodic job %s: no Run function", p.Kind)
	}
	// River keys workers by the kind of their zero arguments; AddWorkerArgs
	// takes the arguments explicitly, so one type can serve several kinds.
	// It panics on a duplicate kind.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("periodic job %s: %v", p.Kind, r)
		}
	}()
	river.AddWorkerArgs(workers, periodicArgs{Name: p.Kind}, &periodicWorker{run: p.Run})
	return river.NewPeriodicJob(river.PeriodicInterval(p.Every),
		func() (river.JobArgs, *river.InsertOpts) {
			return periodicArgs{Name: p.Kind}, &river.InsertOpts{
				MaxAttempts: periodicMaxAttempts,
				UniqueOpts:  river.UniqueOpts{ByPeriod: p.Every},
			}
		},
		&river.PeriodicJobOpts{ID: p.Kind, RunOnStart: true}), nil
}
