package store_test

import (
	"encoding/json"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// webhookEvents returns the events queued since the outbox held before
// jobs, by subscription.
func webhookEvents(t *testing.T, db *store.DB, f *storetest.Fixture, before int) map[int64][]itsm.WebhookEvent {
	t.Helper()
	out := map[int64][]itsm.WebhookEvent{}
	for _, j := range storetest.OutboxOf(db).Jobs()[before:] {
		w, ok := j.(itsm.WebhookJob)
		if !ok {
			continue
		}
		d, _, err := db.FindWebhookDelivery(storetest.As(f.Admin), w.DeliveryID)
		if err != nil {
			t.Fatal(err)
		}
		var ev itsm.WebhookEvent
		if err := json.Unmarshal([]byte(d.Body), &ev); err != nil {
			t.Fatal(err)
		}
		out[d.SubscriptionID] = append(out[d.SubscriptionID], ev)
	}
	return out
}

// TestChangeAndDocumentWebhooks: change events reach the global webhooks
// and the change's organisation's, never another customer's; a document
// published to one customer reaches each global webhook once and only the
// webhooks of organisations that may read it.
func TestChangeAndDocumentWebhooks(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		types := []string{"change.*", "document.published"}
		global := &itsm.WebhookSubscription{URL: "https://hooks.example.org/all", EventTypes: types}
		a := &itsm.WebhookSubscription{URL: "https://a.example.org/hook", EventTypes: types}
		b := &itsm.WebhookSubscription{URL: "https://b.example.org/hook", EventTypes: types}
		for _, c := range []struct {
			u *itsm.User
			s *itsm.WebhookSubscription
		}{{f.Manager, global}, {f.CustomerAdminA, a}, {f.CustomerAdminB, b}} {
			if err := db.CreateWebhook(storetest.As(c.u), c.s); err != nil {
				t.Fatal(err)
			}
		}

		before := len(storetest.OutboxOf(db).Jobs())
		c, err := db.CreateChange(storetest.As(f.CustomerUserA), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCNewFunctionality,
			Title: "Bulk upload of catalogues", Description: "Let buyers upload a catalogue as CSV.", Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		got := webhookEvents(t, db, f, before)
		if len(got[b.ID]) != 0 || len(got[global.ID]) == 0 || len(got[a.ID]) != len(got[global.ID]) {
			t.Fatalf("change events by subscription: global %d, A %d, B %d", len(got[global.ID]), len(got[a.ID]), len(got[b.ID]))
		}
		seen := map[string]bool{}
		for _, ev := range got[a.ID] {
			seen[ev.Type] = true
			var d struct {
				Ref   string `json:"ref"`
				State string `json:"state"`
			}
			if err := json.Unmarshal(ev.Data, &d); err != nil || d.Ref != c.Ref || ev.OrgID == nil || *ev.OrgID != f.CustomerA.ID {
				t.Fatalf("event %s: %s %v", ev.Type, ev.Data, err)
			}
		}
		if !seen["change.created"] || !seen["change.submit"] {
			t.Fatalf("change events %v, want change.created and change.submit", seen)
		}

		d := mustDocument(t, db, f, "Release 4.2 notes", itsm.DocReleaseNotes, itsm.Audience{Visibility: itsm.VisibleNamed, CustomerIDs: []int64{f.CustomerA.ID}})
		before = len(storetest.OutboxOf(db).Jobs())
		v := mustUpload(t, db, storetest.As(f.Manager), d.ID, "notes.md", []byte("# Release 4.2\n\nFaster search.\n"))
		got = webhookEvents(t, db, f, before)
		if len(got[global.ID]) != 1 || len(got[a.ID]) != 1 || len(got[b.ID]) != 0 {
			t.Fatalf("document events by subscription: global %d, A %d, B %d", len(got[global.ID]), len(got[a.ID]), len(got[b.ID]))
		}
		var data struct {
			VersionID int64 `json:"version_id"`
		}
		if ev := got[a.ID][0]; ev.Type != "document.published" || json.Unmarshal(ev.Data, &data) != nil || data.VersionID != v.ID {
			t.Fatalf("document event %+v", ev)
		}
	})
}
