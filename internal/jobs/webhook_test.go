package jobs

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/notify"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// hook is one request the test receiver got.
type hook struct {
	delivery, signature string
	body                []byte
	at                  time.Time
}

// TestWebhookDeliveredRetriedAndRedelivered runs the real queue over a real
// database against a local receiver that fails its first request: the
// delivery is retried and arrives, every attempt is logged, and a manual
// redelivery carries the identical body and delivery ID with a valid new
// signature.
func TestWebhookDeliveredRetriedAndRedelivered(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			db := MustStore(t, dsn(t, engine))
			f := storetest.MustSeed(t, db)
			var mu sync.Mutex
			var got []hook
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = append(got, hook{r.Header.Get("Steward-Delivery"), r.Header.Get("Steward-Signature"), b, time.Now()})
				mu.Unlock()
				if calls.Add(1) == 1 {
					http.Error(w, "database is down", http.StatusServiceUnavailable)
					return
				}
				w.WriteHeader(http.StatusAccepted)
			}))
			defer srv.Close()
			sender := notify.NewWebhookSender(notify.WebhookPolicy{AllowLoopback: true, Timeout: 5 * time.Second})
			q := MustQueue(t, db, Config{Register: []func(*river.Workers) error{HandleWebhooks(db, sender)}})
			db.Enqueue = q.Enqueue

			sub := &itsm.WebhookSubscription{URL: srv.URL + "/steward", EventTypes: []string{"ticket.created"}}
			if err := db.CreateWebhook(storetest.As(f.Admin), sub); err != nil {
				t.Fatal(err)
			}
			mustDeskAgreement(t, db, f)
			_, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "Invoices rejected", Description: "Since 09:00", Impact: itsm.High, Urgency: itsm.High})
			if err != nil {
				t.Fatal(err)
			}
			job := WaitJobs(t, q, "webhook", 1, 20*time.Second, rivertype.JobStateCompleted)[0]
			if job.Attempt != 2 {
				t.Fatalf("delivered at attempt %d, want 2", job.Attempt)
			}
			mu.Lock()
			first := append([]hook(nil), got...)
			mu.Unlock()
			if len(first) != 2 || string(first[0].body) != string(first[1].body) || first[0].delivery != first[1].delivery || first[0].delivery == "" {
				t.Fatalf("received %+v", first)
			}
			for _, h := range first {
				if err := notify.VerifyWebhook(sub.Secret, h.signature, h.body, h.at, itsm.WebhookReplayWindow); err != nil {
					t.Fatalf("signature: %v", err)
				}
			}
			deliveries, _, err := db.FindWebhookDeliveries(storetest.As(f.Admin), sub.ID, 0, 10)
			if err != nil || len(deliveries) != 1 {
				t.Fatalf("deliveries %v %v", deliveries, err)
			}
			d, attempts, err := db.FindWebhookDelivery(storetest.As(f.Admin), deliveries[0].ID)
			if err != nil || d.Status != itsm.DeliveryDelivered || d.Attempts != 2 || len(attempts) != 2 ||
				*attempts[0].ResponseStatus != 503 || attempts[0].ResponseBody != "database is down\n" || *attempts[1].ResponseStatus != 202 {
				t.Fatalf("delivery log %+v %+v %v", d, attempts, err)
			}
			if d.DeliveryID != first[0].delivery || string(first[0].body) != d.Body {
				t.Fatalf("logged delivery %s differs from the one sent", d.DeliveryID)
			}

			// A redelivery: identical body and delivery ID, a signature
			// that verifies, logged as manual.
			if _, err := db.RedeliverWebhook(storetest.As(f.Manager), d.ID, "receiver was down"); err != nil {
				t.Fatal(err)
			}
			WaitJobs(t, q, "webhook", 2, 20*time.Second, rivertype.JobStateCompleted)
			mu.Lock()
			last := got[len(got)-1]
			n := len(got)
			mu.Unlock()
			if n != 3 || string(last.body) != string(first[0].body) || last.delivery != first[0].delivery {
				t.Fatalf("redelivery %+v", last)
			}
			if err := notify.VerifyWebhook(sub.Secret, last.signature, last.body, last.at, itsm.WebhookReplayWindow); err != nil {
				t.Fatalf("redelivery signature: %v", err)
			}
			if _, attempts, _ = db.FindWebhookDelivery(storetest.As(f.Admin), d.ID); len(attempts) != 3 || !attempts[2].Manual {
				t.Fatalf("redelivery not logged: %+v", attempts)
			}
		})
	}
}

// TestWebhookToPrivateAddressRefused shows a receiver the policy forbids is
// never reached: the attempt is logged as refused and retried later (the
// configuration may change), not dropped.
func TestWebhookToPrivateAddressRefused(t *testing.T) {
	t.Parallel()
	db := MustStore(t, dsn(t, store.SQLite))
	f := storetest.MustSeed(t, db)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	q := MustQueue(t, db, Config{Register: []func(*river.Workers) error{HandleWebhooks(db, notify.NewWebhookSender(notify.WebhookPolicy{}))}})
	db.Enqueue = q.Enqueue
	sub := &itsm.WebhookSubscription{URL: srv.URL, EventTypes: []string{"ticket.created"}}
	if err := db.CreateWebhook(storetest.As(f.Admin), sub); err != nil {
		t.Fatal(err)
	}
	mustDeskAgreement(t, db, f)
	if _, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "x", Description: "y", Impact: itsm.Low, Urgency: itsm.Low}); err != nil {
		t.Fatal(err)
	}
	WaitJobs(t, q, "webhook", 1, 10*time.Second, rivertype.JobStateRetryable)
	ds, _, _ := db.FindWebhookDeliveries(storetest.As(f.Admin), sub.ID, 0, 10)
	_, attempts, err := db.FindWebhookDelivery(storetest.As(f.Admin), ds[0].ID)
	if err != nil || len(attempts) == 0 || calls.Load() != 0 {
		t.Fatalf("%d attempts, %d calls: %v", len(attempts), calls.Load(), err)
	}
	for _, at := range attempts {
		if at.ResponseStatus != nil || !strings.Contains(at.Error, "loopback") {
			t.Fatalf("attempt %+v", at)
		}
	}
	t.Logf("logged: %s", attempts[0].Error)
}

// mustDeskAgreement gives the fixture a service agreement so that tickets
// can be raised.
func mustDeskAgreement(t *testing.T, db *store.DB, f *storetest.Fixture) {
	t.Helper()
	ag := &itsm.ServiceAgreement{Name: "Standard", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
	if err := db.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
		t.Fatal(err)
	}
}
