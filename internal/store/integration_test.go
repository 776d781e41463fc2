package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// mustIntegration adds an interface to org's register as the system.
func mustIntegration(t *testing.T, db *store.DB, org *itsm.Organisation, name string) *itsm.Integration {
	t.Helper()
	g := &itsm.Integration{OrgID: org.ID, Name: name, System: "Oracle Fusion", Vendor: "Oracle", Direction: "inbound_invoices", Format: "UBL",
		Transport: "sftp", Schedule: "hourly 07:00–19:00", Environments: []string{"production", "test"}, Status: "live",
		Contacts: []itsm.IntegrationContact{{Name: "Ann Finance", Email: "Ann@Example.org", Role: "Finance systems lead"}}}
	if err := db.CreateIntegration(storetest.System(), g); err != nil {
		t.Fatalf("create integration %s: %v", name, err)
	}
	return g
}

func TestIntegrationRegister(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		a := mustIntegration(t, db, f.CustomerA, "Invoices to Oracle Fusion")
		b := mustIntegration(t, db, f.CustomerB, "Orders to SAP")
		if a.Format != "ubl" || strings.Join(a.Environments, ",") != "test,production" || a.Contacts[0].Email != "ann@example.org" {
			t.Fatalf("entry not normalised: %+v", a)
		}

		// Tenancy: A's people never see B's entry; staff, auditors and
		// providers see both.
		for _, u := range []*itsm.User{f.CustomerUserA, f.CustomerAdminA} {
			if _, err := db.FindIntegrationByID(storetest.As(u), b.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("%s opened B's entry: %v", u.Email, err)
			}
			list, total, err := db.FindIntegrations(storetest.As(u), itsm.IntegrationFilter{})
			if err != nil || total != 1 || list[0].ID != a.ID {
				t.Fatalf("%s lists %d entries: %v", u.Email, total, err)
			}
			rows, err := db.ExportCSV(storetest.As(u), itsm.CSVIntegrations)
			if err != nil || len(rows) != 2 || rows[1][1] != a.Name {
				t.Fatalf("%s exports %v: %v", u.Email, rows, err)
			}
			if _, err := db.IntegrationHistory(storetest.As(u), b.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("%s read B's history: %v", u.Email, err)
			}
		}
		for _, u := range []*itsm.User{f.Agent, f.Auditor, f.ProviderAgent} {
			if _, total, err := db.FindIntegrations(storetest.As(u), itsm.IntegrationFilter{}); err != nil || total != 2 {
				t.Fatalf("%s lists %d entries: %v", u.Email, total, err)
			}
		}

		// Changes: customer admins their own; users, providers and
		// auditors read only; B's admin cannot find A's entry.
		status := "retired"
		for _, c := range []struct {
			u    *itsm.User
			code string
		}{{f.CustomerUserA, itsm.EFORBIDDEN}, {f.ProviderAgent, itsm.EFORBIDDEN}, {f.Auditor, itsm.EFORBIDDEN}, {f.CustomerAdminB, itsm.ENOTFOUND}} {
			if _, err := db.UpdateIntegration(storetest.As(c.u), a.ID, itsm.IntegrationUpdate{Status: &status, Version: a.Version}); itsm.ErrorCode(err) != c.code {
				t.Fatalf("%s changed A's entry: %v, want %s", c.u.Email, err, c.code)
			}
		}
		version := "24D"
		got, err := db.UpdateIntegration(storetest.As(f.CustomerAdminA), a.ID, itsm.IntegrationUpdate{Status: &status, SysVersion: &version, Version: a.Version})
		if err != nil || got.Status != "retired" || got.Version != 2 {
			t.Fatalf("customer admin's change: %+v %v", got, err)
		}
		if _, err := db.UpdateIntegration(storetest.As(f.Agent), a.ID, itsm.IntegrationUpdate{Status: &status, Version: a.Version}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale version: %v", err)
		}
		bad := "fax"
		if _, err := db.UpdateIntegration(storetest.As(f.Agent), a.ID, itsm.IntegrationUpdate{Transport: &bad, Version: got.Version}); itsm.ErrorFields(err)["transport"] == "" {
			t.Fatalf("bad transport: %v", err)
		}
		// A customer admin cannot add to another organisation's register:
		// the entry is made in their own.
		g := &itsm.Integration{OrgID: f.CustomerB.ID, Name: "Payments", System: "Civica", Direction: "payments", Format: "csv", Transport: "sftp"}
		if err := db.CreateIntegration(storetest.As(f.CustomerAdminA), g); err != nil || g.OrgID != f.CustomerA.ID {
			t.Fatalf("customer admin's entry: %+v %v", g, err)
		}
		if err := db.CreateIntegration(storetest.As(f.CustomerUserA), &itsm.Integration{Name: "x"}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer user created an entry: %v", err)
		}
		dup := &itsm.Integration{OrgID: f.CustomerA.ID, Name: "Payments", System: "Civica", Direction: "payments", Format: "csv", Transport: "sftp"}
		if err := db.CreateIntegration(storetest.As(f.Agent), dup); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("duplicate name: %v", err)
		}

		// History: every changed field, who, old and new.
		hist, err := db.IntegrationHistory(storetest.As(f.CustomerUserA), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		changes := map[string]*itsm.IntegrationChange{}
		for _, h := range hist {
			if _, ok := changes[h.Field]; !ok {
				changes[h.Field] = h
			}
		}
		if c := changes["status"]; c == nil || c.OldValue != "Live" || c.NewValue != "Retired" || c.ActorName != f.CustomerAdminA.Name {
			t.Fatalf("status history: %+v", c)
		}
		if c := changes["system_version"]; c == nil || c.OldValue != "" || c.NewValue != "24D" {
			t.Fatalf("version history: %+v", c)
		}
		var audited int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE object_type = 'integration' AND action IN ('create', 'update')`).Scan(&audited); err != nil || audited != 4 {
			t.Fatalf("%d audit entries: %v", audited, err)
		}

		// Integration issues: a customer user links their own ticket; not
		// another organisation's; B cannot see the links.
		mustAgreement(t, db, f)
		tk, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "Invoices stuck", Description: "Nothing since 09:00", Category: itsm.IntegrationIssueCategory, Impact: itsm.Medium, Urgency: itsm.High})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.LinkIntegrationTicket(storetest.As(f.CustomerUserA), a.ID, tk.ID); err != nil {
			t.Fatalf("link: %v", err)
		}
		if err := db.LinkIntegrationTicket(storetest.As(f.Agent), b.ID, tk.ID); itsm.ErrorFields(err)["ticket_id"] == "" {
			t.Fatalf("linked a ticket of another organisation: %v", err)
		}
		if ts, err := db.IntegrationTickets(storetest.As(f.CustomerUserA), a.ID); err != nil || len(ts) != 1 || ts[0].ID != tk.ID {
			t.Fatalf("linked tickets: %v %v", ts, err)
		}
		if gs, err := db.TicketIntegrations(storetest.As(f.Agent), tk.ID); err != nil || len(gs) != 1 || gs[0].ID != a.ID || gs[0].Tickets != 1 {
			t.Fatalf("ticket's interfaces: %v %v", gs, err)
		}
		if _, err := db.IntegrationTickets(storetest.As(f.CustomerUserB), a.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("B read A's linked tickets: %v", err)
		}
		if err := db.UnlinkIntegrationTicket(storetest.As(f.CustomerUserA), a.ID, tk.ID); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer user unlinked: %v", err)
		}
	})
}

func TestWebhookSubscriptionsAndEvents(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mustAgreement(t, db, f)
		global := &itsm.WebhookSubscription{URL: "https://hooks.example.org/all", EventTypes: []string{"ticket.created", "ticket.resolved"}}
		if err := db.CreateWebhook(storetest.As(f.Manager), global); err != nil || !strings.HasPrefix(global.Secret, "whsec_") {
			t.Fatalf("create global: %+v %v", global, err)
		}
		// A customer admin's subscription is their organisation's, whatever
		// they ask for.
		other := f.CustomerB.ID
		own := &itsm.WebhookSubscription{OrgID: &other, URL: "http://127.0.0.1:9/hook", EventTypes: []string{"ticket.created", "change.*"}}
		if err := db.CreateWebhook(storetest.As(f.CustomerAdminA), own); err != nil || own.OrgID == nil || *own.OrgID != f.CustomerA.ID {
			t.Fatalf("create own: %+v %v", own, err)
		}
		bsub := &itsm.WebhookSubscription{URL: "https://b.example.org/hook", EventTypes: []string{"ticket.created"}}
		if err := db.CreateWebhook(storetest.As(f.CustomerAdminB), bsub); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			u    *itsm.User
			code string
		}{{f.Agent, itsm.EFORBIDDEN}, {f.CustomerUserA, itsm.EFORBIDDEN}, {f.Auditor, itsm.EFORBIDDEN}, {f.ProviderAgent, itsm.EFORBIDDEN}} {
			if err := db.CreateWebhook(storetest.As(c.u), &itsm.WebhookSubscription{URL: "https://x.example.org", EventTypes: []string{"ticket.created"}}); itsm.ErrorCode(err) != c.code {
				t.Fatalf("%s created a subscription: %v", c.u.Email, err)
			}
		}
		for _, bad := range []string{"http://hooks.example.org/x", "ftp://x.example.org", "https://user:pw@x.example.org", "not a url"} {
			if err := db.CreateWebhook(storetest.As(f.Admin), &itsm.WebhookSubscription{URL: bad, EventTypes: []string{"ticket.created"}}); itsm.ErrorFields(err)["url"] == "" {
				t.Fatalf("accepted %q: %v", bad, err)
			}
		}
		if err := db.CreateWebhook(storetest.As(f.Admin), &itsm.WebhookSubscription{URL: "https://x.example.org", EventTypes: []string{"ticket.deleted"}}); itsm.ErrorFields(err)["event_types"] == "" {
			t.Fatalf("accepted an unknown event type: %v", err)
		}
		// Secrets are never read back.
		got, err := db.FindWebhookByID(storetest.As(f.Admin), global.ID)
		if err != nil || got.Secret != "" {
			t.Fatalf("read back: %+v %v", got, err)
		}
		if _, err := db.FindWebhookByID(storetest.As(f.CustomerAdminA), global.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("customer admin read the global subscription: %v", err)
		}
		if _, err := db.FindWebhookByID(storetest.As(f.CustomerAdminA), bsub.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("A read B's subscription: %v", err)
		}
		if list, total, err := db.FindWebhooks(storetest.As(f.Auditor), itsm.WebhookFilter{}); err != nil || total != 3 || list[0].Secret != "" {
			t.Fatalf("auditor's list: %d %v", total, err)
		}

		// An A ticket goes to the global and A's subscriptions, not B's.
		before := len(storetest.OutboxOf(db).Jobs())
		tk, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "Orders not sent", Description: "Since 10:00", Impact: itsm.High, Urgency: itsm.High})
		if err != nil {
			t.Fatal(err)
		}
		var jobs []itsm.WebhookJob
		for _, j := range storetest.OutboxOf(db).Jobs()[before:] {
			if w, ok := j.(itsm.WebhookJob); ok {
				jobs = append(jobs, w)
			}
		}
		if len(jobs) != 2 {
			t.Fatalf("%d webhook jobs for a ticket of A, want 2", len(jobs))
		}
		subs := map[int64]bool{}
		var eventIDs []string
		for _, j := range jobs {
			d, attempts, err := db.FindWebhookDelivery(storetest.As(f.Admin), j.DeliveryID)
			if err != nil || d.Status != itsm.DeliveryPending || len(attempts) != 0 {
				t.Fatalf("delivery %d: %+v %v", j.DeliveryID, d, err)
			}
			subs[d.SubscriptionID] = true
			var ev itsm.WebhookEvent
			if err := json.Unmarshal([]byte(d.Body), &ev); err != nil || ev.Type != "ticket.created" || ev.OrgID == nil || *ev.OrgID != f.CustomerA.ID || !strings.Contains(string(ev.Data), tk.Ref) {
				t.Fatalf("body %s: %v", d.Body, err)
			}
			eventIDs = append(eventIDs, ev.ID)
		}
		if !subs[global.ID] || !subs[own.ID] || eventIDs[0] != eventIDs[1] {
			t.Fatalf("deliveries went to %v with events %v", subs, eventIDs)
		}
		if _, _, err := db.FindWebhookDelivery(storetest.As(f.CustomerAdminB), jobs[0].DeliveryID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("B read A's delivery: %v", err)
		}

		// Resolving emits ticket.updated (nobody asked) and ticket.resolved
		// (the global subscription).
		before = len(storetest.OutboxOf(db).Jobs())
		st := itsm.StatusResolved
		if _, err := db.UpdateTicket(storetest.As(f.Agent), tk.ID, itsm.TicketUpdate{Status: &st, Note: "Fixed", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		if n := len(storetest.OutboxOf(db).Jobs()[before:]); n != 2 { // the watchers' e-mail and one webhook
			t.Fatalf("%d jobs after resolving, want 2", n)
		}

		// The worker's side: only the system reads the secret.
		if _, err := db.WebhookToSend(storetest.As(f.Admin), jobs[0].DeliveryID); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("admin read what to send: %v", err)
		}
		send, err := db.WebhookToSend(storetest.System(), jobs[0].DeliveryID)
		if err != nil || !strings.HasPrefix(send.Secret, "whsec_") || len(send.Body) == 0 {
			t.Fatalf("to send: %+v %v", send, err)
		}
		code := 503
		if err := db.RecordWebhookAttempt(storetest.System(), jobs[0].DeliveryID, itsm.WebhookAttempt{ResponseStatus: &code, LatencyMS: 12, ResponseBody: strings.Repeat("é", 2000) + "\x00"}); err != nil {
			t.Fatal(err)
		}
		d, attempts, err := db.FindWebhookDelivery(storetest.As(f.Admin), jobs[0].DeliveryID)
		if err != nil || d.Status != itsm.DeliveryFailed || d.Attempts != 1 || len(attempts) != 1 || len(attempts[0].ResponseBody) > itsm.MaxWebhookResponseBody {
			t.Fatalf("after a failed attempt: %+v %+v %v", d, attempts, err)
		}
		// Redelivery: managers yes, auditors no.
		if _, err := db.RedeliverWebhook(storetest.As(f.Auditor), d.ID, ""); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor redelivered: %v", err)
		}
		if d, err = db.RedeliverWebhook(storetest.As(f.Manager), d.ID, "receiver was down"); err != nil || d.Status != itsm.DeliveryPending {
			t.Fatalf("redeliver: %+v %v", d, err)
		}

		// Rotation shows a new secret once; deletion removes the log.
		rot, err := db.RotateWebhookSecret(storetest.As(f.Admin), global.ID, global.Version)
		if err != nil || rot.Secret == global.Secret || rot.Secret == "" {
			t.Fatalf("rotate: %v", err)
		}
		if err := db.DeleteWebhook(storetest.As(f.Admin), global.ID, global.Version); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale delete: %v", err)
		}
		if err := db.DeleteWebhook(storetest.As(f.Admin), global.ID, rot.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := db.WebhookToSend(storetest.System(), jobs[0].DeliveryID); err != nil && itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatal(err)
		}
	})
}

// TestSeedDemoIntegrations: every demo customer has interfaces, one has a
// history of changes and the PEPPOL ticket is linked to its interface.
func TestSeedDemoIntegrations(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite)
	if _, err := db.SeedDemo(storetest.System()); err != nil {
		t.Fatal(err)
	}
	gs, total, err := db.FindIntegrations(storetest.System(), itsm.IntegrationFilter{Sort: "organisation"})
	if err != nil || total != 7 {
		t.Fatalf("%d demo interfaces: %v", total, err)
	}
	orgs := map[string]int{}
	linked := 0
	for _, g := range gs {
		orgs[g.OrgName]++
		linked += g.Tickets
	}
	if len(orgs) != 3 || linked != 1 {
		t.Fatalf("interfaces per organisation %v, %d linked tickets", orgs, linked)
	}
}
