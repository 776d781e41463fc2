// Package jobs is Steward's background job queue, built on River.
//
// Jobs are rows in the river_job table of Steward's own database. A change
// that must cause work (an e-mail, later a webhook or an SLA check) inserts
// its job through Queue.Enqueue inside the change's own transaction, so the
// work is done if and only if the change commits. Every node runs workers;
// a job is claimed by exactly one of them (SELECT … FOR UPDATE SKIP LOCKED
// on PostgreSQL, the single writer on SQLite). One node at a time is elected
// leader and runs the maintenance: it schedules periodic jobs, moves retries
// back into the queue, and rescues jobs left running by a node that died.
//
// Delivery is at least once: a job whose node dies after the work is done but
// before it is recorded runs again, so workers must tolerate a repeat.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/notify"
)

// Engines, as named by the store.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Defaults for a zero Config.
const (
	// DefaultMaxAttempts spreads retries over about three weeks with
	// River's back-off (attempt⁴ seconds), long enough to outlast any mail
	// server outage.
	DefaultMaxAttempts = 25
	// DefaultWorkersPostgres and DefaultWorkersSQLite are how many jobs a
	// node works at once. SQLite has one writer shared with the web, so it
	// runs fewer.
	DefaultWorkersPostgres = 10
	DefaultWorkersSQLite   = 4
	// DefaultFetchPollInterval is how often a node looks for new jobs when
	// nothing told it of one. PostgreSQL nodes are told at once (LISTEN/
	// NOTIFY); SQLite nodes only poll, so this bounds how late a job starts.
	DefaultFetchPollInterval = time.Second
	// hardStopGrace is how long Stop waits for jobs to return after
	// cancelling them, once its own deadline has passed.
	hardStopGrace = 5 * time.Second
)

// Config configures a Queue.
type Config struct {
	// Engine is SQLite or Postgres.
	Engine string
	// DB is the store's writable database. On SQLite it must be the
	// single-connection pool the store writes through: River's queries then
	// queue behind the web's transactions instead of failing as busy.
	DB *sql.DB
	// Pool is the store's pgx pool (PostgreSQL only); workers use it so
	// that they hear of new jobs through LISTEN/NOTIFY.
	Pool *pgxpool.Pool
	// Mailer delivers e-mail jobs.
	Mailer notify.Mailer
	// Logger receives River's and the workers' logs; nil discards them.
	Logger *slog.Logger
	// Workers is how many jobs this node works at once.
	Workers int
	// Periodic lists work the leader schedules at fixed intervals.
	Periodic []Periodic
	// Register adds workers for other job kinds (see Handle). Jobs of kinds
	// no node has a worker for are stored and fail until one does.
	Register []func(*river.Workers) error
	// ID names this node in job attempts and leader election; it must be
	// unique among running nodes. Empty means host name and start time.
	ID string
	// MaxAttempts is how often a job is tried before it is discarded.
	MaxAttempts int
	// JobTimeout cancels a job's context after this long (default one
	// minute, or half of RescueStuckJobsAfter when that is shorter).
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running before the
	// leader assumes its node died and schedules it again (default one
	// hour). It must exceed the longest a job can legitimately run.
	RescueStuckJobsAfter time.Duration
	// FetchPollInterval is how often a node polls for jobs; see
	// DefaultFetchPollInterval.
	FetchPollInterval time.Duration

	// leaderElectionDisabled keeps this node from leading (tests use it to
	// choose which node rescues a stuck job).
	leaderElectionDisabled bool
}

// worker is the part of a River client that works jobs; it hides the
// driver's transaction type, which differs between engines.
type worker interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
}

// Queue is one node's connection to the job queue: it enqueues jobs inside
// the caller's transactions and, once started, works them.
type Queue struct {
	logger  *slog.Logger
	work    worker
	insert  *river.Client[*sql.Tx] // database/sql transactions, as the store uses
	metrics *collector

	mu      sync.Mutex
	started bool
	events  sync.WaitGroup // the goroutine counting finished jobs
}

// New makes a queue for one node. Run Migrate first.
func New(cfg Config) (*Queue, error) {
	if cfg.DB == nil {
		return nil, errors.New("new job queue: no database")
	}
	if cfg.Mailer == nil {
		return nil, errors.New("new job queue: no mailer (use notify.LogMailer when there is no SMTP server)")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &emailWorker{mailer: cfg.Mailer}); err != nil {
		return nil, fmt.Errorf("new job queue: register e-mail worker: %w", err)
	}
	var periodic []*river.PeriodicJob
	for _, p := range cfg.Periodic {
		pj, err := p.register(workers)
		if err != nil {
			return nil, fmt.Errorf("new job queue: %w", err)
		}
		periodic = append(periodic, pj)
	}
	for i, register := range cfg.Register {
		if register == nil {
			return nil, fmt.Errorf("new job queue: Register[%d] is nil", i)
		}
		if err := register(workers); err != nil {
			return nil, fmt.Errorf("new job queue: register workers: %w", err)
		}
	}

	n := cfg.Workers
	if n <= 0 {
		n = DefaultWorkersPostgres
		if cfg.Engine == SQLite {
			n = DefaultWorkersSQLite
		}
	}
	jobTimeout := cfg.JobTimeout
	if jobTimeout == 0 && cfg.RescueStuckJobsAfter > 0 && cfg.RescueStuckJobsAfter < 2*river.JobTimeoutDefault {
		jobTimeout = cfg.RescueStuckJobsAfter / 2
	}
	maxAttempts := cmp.Or(cfg.MaxAttempts, DefaultMaxAttempts)
	rc := &river.Config{
		ID:                     cfg.ID,
		Logger:                 logger,
		MaxAttempts:            maxAttempts,
		JobTimeout:             jobTimeout,
		RescueStuckJobsAfter:   cfg.RescueStuckJobsAfter,
		FetchPollInterval:      cmp.Or(cfg.FetchPollInterval, DefaultFetchPollInterval),
		Queues:                 map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}},
		Workers:                workers,
		PeriodicJobs:           periodic,
		LeaderElectionDisabled: cfg.leaderElectionDisabled,
		// Another node, perhaps running a newer version, may work kinds
		// this one does not know.
		SkipUnknownJobCheck: true,
	}
	q := &Queue{logger: logger}
	switch cfg.Engine {
	case SQLite:
		// SQLite has no LISTEN: River would otherwise poll a notification
		// table twenty times a second on the one write connection.
		rc.PollOnly = true
		c, err := river.NewClient(riversqlite.New(cfg.DB), rc)
		if err != nil {
			return nil, fmt.Errorf("new job queue on SQLite: %w", err)
		}
		q.work, q.insert = c, c
	case Postgres:
		if cfg.Pool == nil {
			return nil, errors.New("new job queue on PostgreSQL: no pgx pool")
		}
		c, err := river.NewClient[pgx.Tx](riverpgxv5.New(cfg.Pool), rc)
		if err != nil {
			return nil, fmt.Errorf("new job queue on PostgreSQL: %w", err)
		}
		// The store's transactions are database/sql ones, so inserts go
		// through an insert-only client on the database/sql driver; the
		// rows and notifications are the same.
		ins, err := river.NewClient(riverdatabasesql.New(cfg.DB), &river.Config{
			Logger:              logger,
			MaxAttempts:         maxAttempts,
			SkipUnknownJobCheck: true,
		})
		if err != nil {
			return nil, fmt.Errorf("new job queue on PostgreSQL: insert client: %w", err)
		}
		q.work, q.insert = c, ins
	default:
		return nil, fmt.Errorf("new job queue: unknown database engine %q (want %q or %q)", cfg.Engine, SQLite, Postgres)
	}
	q.metrics = newCollector(cfg.Engine, cfg.DB)
	return q, nil
}

// UniqueJob is implemented by a job that must not be queued twice: while an
// identical job (same kind and arguments) is waiting, running or finished
// within the same UniqueFor-long period, enqueueing another does nothing.
type UniqueJob interface {
	itsm.Job
	UniqueFor() time.Duration
}

// Enqueue inserts job into the queue inside tx; it is a store.Enqueuer. The
// job is stored as its Kind with its JSON encoding as arguments, so any
// domain job can be queued; a worker for the kind is registered separately.
func (q *Queue) Enqueue(ctx context.Context, tx *sql.Tx, job itsm.Job) error {
	if tx == nil {
		return errors.New("insert into job queue: no transaction")
	}
	if job == nil {
		return errors.New("insert into job queue: no job")
	}
	var opts *river.InsertOpts
	if u, ok := job.(UniqueJob); ok {
		opts = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: u.UniqueFor()}}
	}
	if _, err := q.insert.InsertTx(ctx, tx, job, opts); err != nil {
		return fmt.Errorf("insert into job queue: %w", err)
	}
	return nil
}

// Start starts working jobs in the background and returns. Cancelling ctx
// does not stop the queue (so that a signal does not abandon running jobs):
// call Stop.
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return nil
	}
	events, unsubscribe := q.work.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	if err := q.work.Start(context.WithoutCancel(ctx)); err != nil {
		unsubscribe()
		return fmt.Errorf("start job queue: %w", err)
	}
	q.started = true
	q.events.Add(1)
	go func() {
		defer q.events.Done()
		for ev := range events { // closed when the client stops
			q.metrics.count(ev)
			if ev.Kind == river.EventKindJobFailed && ev.Job.State == rivertype.JobStateDiscarded {
				q.logger.Error("job failed for the last time and was discarded",
					"job_id", ev.Job.ID, "kind", ev.Job.Kind, "attempts", ev.Job.Attempt, "error", lastError(ev))
			}
		}
	}()
	return nil
}

// lastError returns the error of the event's latest attempt.
func lastError(ev *river.Event) string {
	if n := len(ev.Job.Errors); n > 0 {
		return ev.Job.Errors[n-1].Error
	}
	return ""
}

// Stop stops fetching jobs and waits for running ones to finish. If ctx ends
// first, it cancels them (they are retried, here or on another node) and
// returns an error saying so.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.started {
		return nil
	}
	err := q.work.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		q.logger.Warn("jobs still running at the shutdown deadline are being cancelled; they will be retried")
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopGrace)
		defer cancel()
		if herr := q.work.StopAndCancel(hard); herr != nil {
			return fmt.Errorf("stop job queue: running jobs ignored cancellation: %w", herr)
		}
		err = fmt.Errorf("stop job queue: running jobs did not finish in time and were cancelled: %w", err)
	} else if err != nil {
		return fmt.Errorf("stop job queue: %w", err)
	}
	q.events.Wait()
	q.started = false
	return err
}

// Handle returns a Config.Register entry that works jobs of the domain type
// T (stored under T's Kind) by calling fn with the decoded job. An error
// from fn is retried with back-off.
func Handle[T itsm.Job](fn func(ctx context.Context, job T) error) func(*river.Workers) error {
	return func(w *river.Workers) error {
		return river.AddWorkerSafely(w, river.WorkFunc(func(ctx context.Context, j *river.Job[T]) error {
			return fn(ctx, j.Args)
		}))
	}
}
