package jobs

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/steward-itsm/steward/internal/notify"
	"github.com/steward-itsm/steward/internal/store"
)

// ticketBreached stands for a domain job defined in itsm.
type ticketBreached struct {
	TicketID int64 `json:"ticket_id"`
}

func (ticketBreached) Kind() string { return "test_ticket_breached" }

// webhookJob is a domain job no worker on this node handles.
type webhookJob struct {
	URL string `json:"url"`
}

func (webhookJob) Kind() string { return "test_webhook" }

// digestJob is queued at most once an hour per organisation.
type digestJob struct {
	OrgID int64 `json:"org_id"`
}

func (digestJob) Kind() string             { return "test_digest" }
func (digestJob) UniqueFor() time.Duration { return time.Hour }

func TestDomainJobs(t *testing.T) {
	db := MustStore(t, dsn(t, store.SQLite))
	got := make(chan int64, 1)
	q := MustQueue(t, db, Config{Register: []func(*river.Workers) error{
		Handle(func(ctx context.Context, j ticketBreached) error { got <- j.TicketID; return nil }),
	}})

	t.Run("handled through Handle", func(t *testing.T) {
		MustEnqueue(t, db, q, true, ticketBreached{TicketID: 42})
		select {
		case id := <-got:
			if id != 42 {
				t.Fatalf("worker got ticket %d, want 42", id)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the worker did not run")
		}
		WaitJobs(t, q, "test_ticket_breached", 1, 5*time.Second, completed)
	})

	t.Run("stored without a worker here", func(t *testing.T) {
		MustEnqueue(t, db, q, true, webhookJob{URL: "https://example.org/hook"})
		jobs := MustJobs(t, q, "test_webhook")
		if len(jobs) != 1 {
			t.Fatalf("%d webhook jobs stored, want 1", len(jobs))
		}
		var args webhookJob
		if err := json.Unmarshal(jobs[0].EncodedArgs, &args); err != nil || args.URL != "https://example.org/hook" {
			t.Fatalf("stored arguments %s (%v)", jobs[0].EncodedArgs, err)
		}
	})

	t.Run("unique", func(t *testing.T) {
		MustEnqueue(t, db, q, true, digestJob{OrgID: 1})
		MustEnqueue(t, db, q, true, digestJob{OrgID: 1}, digestJob{OrgID: 2})
		jobs := MustJobs(t, q, "test_digest")
		if len(jobs) != 2 {
			t.Fatalf("%d digest jobs stored, want 2 (one per organisation)", len(jobs))
		}
	})
}

// TestPeriodic shows a periodic job runs when its node becomes leader, and
// that a new leader in the same period does not run it again.
func TestPeriodic(t *testing.T) {
	t.Parallel()
	db := MustStore(t, dsn(t, store.SQLite))
	var runs atomic.Int32
	cleanup := Periodic{Kind: "session_cleanup", Every: time.Hour, Run: func(context.Context) error {
		runs.Add(1)
		return nil
	}}
	period := time.Now().Truncate(cleanup.Every)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	first := MustQueue(t, db, Config{ID: "first", Periodic: []Periodic{cleanup}})
	WaitJobs(t, first, "session_cleanup", 1, 10*time.Second, completed)
	if err := first.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}

	second := MustQueue(t, db, Config{ID: "second", Periodic: []Periodic{cleanup}})
	// Give the second node time to be elected and schedule its first run.
	time.Sleep(2500 * time.Millisecond)
	if time.Now().Truncate(cleanup.Every) != period {
		t.Skip("the hour turned during the test; a second run would be right")
	}
	if n := len(MustJobs(t, second, "session_cleanup")); n != 1 || runs.Load() != 1 {
		t.Fatalf("%d jobs stored and %d runs, want 1 of each", n, runs.Load())
	}
}

// TestPeriodicRetried shows a failing periodic run is retried.
func TestPeriodicRetried(t *testing.T) {
	t.Parallel()
	db := MustStore(t, dsn(t, store.SQLite))
	var runs atomic.Int32
	q := MustQueue(t, db, Config{Periodic: []Periodic{{Kind: "session_cleanup", Every: time.Hour, Run: func(context.Context) error {
		if runs.Add(1) == 1 {
			return context.DeadlineExceeded
		}
		return nil
	}}}})
	job := WaitJobs(t, q, "session_cleanup", 1, 15*time.Second, completed)[0]
	if job.Attempt != 2 || runs.Load() != 2 {
		t.Fatalf("attempt %d after %d runs, want 2 and 2", job.Attempt, runs.Load())
	}
}

// TestStop shows Stop lets a running job finish, and when its deadline comes
// first cancels the job so that it is tried again rather than lost.
func TestStop(t *testing.T) {
	t.Run("waits for running jobs", func(t *testing.T) {
		t.Parallel()
		db := MustStore(t, dsn(t, store.SQLite))
		var log runLog
		started := make(chan struct{})
		q := MustQueue(t, db, Config{Register: []func(*river.Workers) error{countWorker(&log, "n", func(ctx context.Context, _ *river.Job[countJob]) error {
			close(started)
			time.Sleep(300 * time.Millisecond)
			return nil
		})}})
		MustEnqueue(t, db, q, true, countJob{})
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Fatalf("stop: %v", err)
		}
		if j := MustJobs(t, q, "test_count"); len(j) != 1 || j[0].State != completed {
			t.Fatalf("after Stop: %+v, want the job completed", j)
		}
	})
	t.Run("cancels running jobs at the deadline", func(t *testing.T) {
		t.Parallel()
		db := MustStore(t, dsn(t, store.SQLite))
		var log runLog
		started := make(chan struct{}, 1)
		q := MustQueue(t, db, Config{Register: []func(*river.Workers) error{countWorker(&log, "n", func(ctx context.Context, _ *river.Job[countJob]) error {
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		})}})
		MustEnqueue(t, db, q, true, countJob{})
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err := q.Stop(ctx)
		if err == nil || !strings.Contains(err.Error(), "cancelled") {
			t.Fatalf("stop = %v, want an error saying jobs were cancelled", err)
		}
		j := MustJobs(t, q, "test_count")
		if len(j) != 1 || (j[0].State != rivertype.JobStateAvailable && j[0].State != rivertype.JobStateRetryable) {
			t.Fatalf("after Stop: %+v, want the job waiting to be tried again", j)
		}
	})
}

func TestNewRefusesBadConfig(t *testing.T) {
	db := MustStore(t, dsn(t, store.SQLite))
	mailer := notify.LogMailer{}
	run := func(context.Context) error { return nil }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no database", Config{Engine: SQLite, Mailer: mailer}, "no database"},
		{"no mailer", Config{Engine: SQLite, DB: db.SQL()}, "no mailer"},
		{"unknown engine", Config{Engine: "mysql", DB: db.SQL(), Mailer: mailer}, `unknown database engine "mysql"`},
		{"PostgreSQL without pool", Config{Engine: Postgres, DB: db.SQL(), Mailer: mailer}, "no pgx pool"},
		{"periodic without kind", Config{Engine: SQLite, DB: db.SQL(), Mailer: mailer, Periodic: []Periodic{{Every: time.Hour, Run: run}}}, "periodic job has no kind"},
		{"periodic without interval", Config{Engine: SQLite, DB: db.SQL(), Mailer: mailer, Periodic: []Periodic{{Kind: "x", Run: run}}}, "interval 0s is not positive"},
		{"periodic without Run", Config{Engine: SQLite, DB: db.SQL(), Mailer: mailer, Periodic: []Periodic{{Kind: "x", Every: time.Hour}}}, "no Run function"},
		{"periodic kind taken", Config{Engine: SQLite, DB: db.SQL(), Mailer: mailer, Periodic: []Periodic{{Kind: "email", Every: time.Hour, Run: run}}}, `periodic job email: worker for kind "email" is already registered`},
		{"worker kind taken", Config{Engine: SQLite, DB: db.SQL(), Mailer: mailer, Register: []func(*river.Workers) error{Handle(func(context.Context, ticketBreached) error { return nil }), Handle(func(context.Context, ticketBreached) error { return nil })}}, "already registered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if err := Migrate(context.Background(), "mysql", nil, nil); err == nil || !strings.Contains(err.Error(), "unknown database engine") {
		t.Errorf("Migrate with an unknown engine = %v", err)
	}
}
