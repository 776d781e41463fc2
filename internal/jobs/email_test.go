package jobs

import (
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/notify"
	"github.com/steward-itsm/steward/internal/notify/notifytest"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

var (
	completed = rivertype.JobStateCompleted
	cancelled = rivertype.JobStateCancelled
)

// TestEmailOutbox shows the outbox: an e-mail queued in a transaction that
// commits is delivered through a real SMTP server; one queued in a
// transaction that rolls back leaves no trace and is never sent.
func TestEmailOutbox(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			db := MustStore(t, dsn(t, e))
			srv := notifytest.MustStart(t, notify.TLSNone)
			q := MustQueue(t, db, Config{Mailer: notify.NewSMTP(srv.Config())})

			MustEnqueue(t, db, q, false, itsm.EmailJob{To: []string{"eve@example.org"}, Subject: "Rolled back", Text: "Never sent."})
			MustEnqueue(t, db, q, true, itsm.EmailJob{To: []string{"ada@example.org"}, Subject: "Committed", Text: "Sent."})

			srv.WaitMessages(t, 1, 10*time.Second)
			WaitJobs(t, q, "email", 1, 10*time.Second, completed)
			// Another poll or two in which the rolled-back job could show up.
			time.Sleep(500 * time.Millisecond)
			msgs := srv.Messages()
			if len(msgs) != 1 || msgs[0].To[0] != "ada@example.org" {
				t.Fatalf("delivered %+v, want only the committed message", msgs)
			}
			if jobs := MustJobs(t, q, "email"); len(jobs) != 1 {
				t.Fatalf("%d e-mail jobs stored, want 1 (the rolled-back one must not exist)", len(jobs))
			}
			if got := metricValue(t, q.Collector(), "steward_jobs", map[string]string{"state": "completed"}); got != 1 {
				t.Errorf("steward_jobs{state=completed} = %v, want 1", got)
			}
			if got := metricValue(t, q.Collector(), "steward_jobs_worked_total", map[string]string{"kind": "email", "outcome": "completed"}); got != 1 {
				t.Errorf("steward_jobs_worked_total{email,completed} = %v, want 1", got)
			}
		})
	}
}

// TestEmailRetried shows nothing is lost when the mail server fails: the job
// fails, is retried with back-off, and the message arrives once, when the
// server recovers.
func TestEmailRetried(t *testing.T) {
	cases := []struct {
		name string
		// breaks the server before the job runs, and returns what the
		// failed attempt's error must mention and how to mend the server.
		fail func(t *testing.T, srv *notifytest.Server) (mentions string, mend func())
	}{
		{"temporary refusal of DATA", func(t *testing.T, srv *notifytest.Server) (string, func()) {
			srv.MustListen(t)
			srv.FailData(1, 451)
			return "451", func() {}
		}},
		{"permanent refusal of DATA", func(t *testing.T, srv *notifytest.Server) (string, func()) {
			srv.MustListen(t)
			srv.FailData(1, 554)
			return "554", func() {}
		}},
		{"server down at first", func(t *testing.T, srv *notifytest.Server) (string, func()) {
			return "connection refused", func() { srv.MustListen(t) }
		}},
	}
	for _, e := range storetest.Engines(t) {
		for _, tc := range cases {
			t.Run(string(e)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				db := MustStore(t, dsn(t, e))
				srv := notifytest.New(t, notify.TLSNone)
				mentions, mend := tc.fail(t, srv)
				q := MustQueue(t, db, Config{Mailer: notify.NewSMTP(srv.Config())})

				MustEnqueue(t, db, q, true, itsm.EmailJob{To: []string{"ada@example.org"}, Subject: "Persistent", Text: "Hello."})
				// Wait for the failed first attempt before mending the server.
				deadline := time.Now().Add(10 * time.Second)
				for {
					jobs := MustJobs(t, q, "email")
					if len(jobs) == 1 && len(jobs[0].Errors) > 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("the first attempt did not fail: %+v", jobs)
					}
					time.Sleep(20 * time.Millisecond)
				}
				mend()

				srv.WaitMessages(t, 1, 15*time.Second)
				job := WaitJobs(t, q, "email", 1, 10*time.Second, completed)[0]
				if n := len(srv.Messages()); n != 1 {
					t.Errorf("server holds %d messages, want exactly 1", n)
				}
				if job.Attempt != 2 || len(job.Errors) != 1 || !strings.Contains(job.Errors[0].Error, mentions) {
					t.Errorf("job: attempt %d, errors %+v; want attempt 2 after one error mentioning %q", job.Attempt, job.Errors, mentions)
				}
				for outcome, want := range map[string]float64{"failed": 1, "completed": 1} {
					if got := metricValue(t, q.Collector(), "steward_jobs_worked_total", map[string]string{"kind": "email", "outcome": outcome}); got != want {
						t.Errorf("steward_jobs_worked_total{email,%s} = %v, want %v", outcome, got, want)
					}
				}
			})
		}
	}
}

// TestEmailInvalidCancelled shows a message that can never be sent is
// cancelled at once instead of being retried for weeks.
func TestEmailInvalidCancelled(t *testing.T) {
	db := MustStore(t, dsn(t, store.SQLite))
	srv := notifytest.MustStart(t, notify.TLSNone)
	q := MustQueue(t, db, Config{Mailer: notify.NewSMTP(srv.Config())})
	MustEnqueue(t, db, q, true, itsm.EmailJob{To: []string{"not an address"}, Subject: "Hello", Text: "Hello."})
	job := WaitJobs(t, q, "email", 1, 10*time.Second, cancelled)[0]
	if job.Attempt != 1 || len(job.Errors) != 1 || !strings.Contains(job.Errors[0].Error, "not an e-mail address") {
		t.Errorf("job: attempt %d, errors %+v", job.Attempt, job.Errors)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server holds %d messages", n)
	}
}
