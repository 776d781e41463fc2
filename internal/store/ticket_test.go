package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func mustAgreement(t *testing.T, db *store.DB, f *storetest.Fixture) *itsm.ServiceAgreement {
	t.Helper()
	ag := &itsm.ServiceAgreement{Name: "Help desk agreement", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
	if err := db.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
		t.Fatal(err)
	}
	return ag
}

func TestTicketLifecycleAndSLA(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mustAgreement(t, db, f)
		clock := storetest.ClockOf(db) // Monday 2 March 2026, 09:00 GMT
		cust := storetest.As(f.CustomerUserA)
		tk, err := db.CreateTicket(cust, itsm.NewTicket{Title: "Cannot approve orders", Description: "The approve button does nothing.", Impact: itsm.Medium, Urgency: itsm.Medium})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Ref != "INC-000001" || tk.Priority != "P3" || tk.OrgID != f.CustomerA.ID || tk.Status != itsm.StatusNew {
			t.Fatalf("ticket: %+v", tk)
		}
		if want := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC); tk.ResponseDue == nil || !tk.ResponseDue.Equal(want) {
			t.Fatalf("response due %v, want %v", tk.ResponseDue, want)
		}
		// Customer B cannot see it; the provider cannot until escalated.
		if _, err := db.FindTicketByID(storetest.As(f.CustomerUserB), tk.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("customer B read A's ticket: %v", err)
		}
		if _, err := db.FindTicketByID(storetest.As(f.ProviderAgent), tk.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("provider read an unescalated ticket: %v", err)
		}
		if _, total, _ := db.FindTickets(storetest.As(f.CustomerUserB), itsm.TicketFilter{}); total != 0 {
			t.Fatalf("customer B lists %d tickets", total)
		}
		// The customer cannot change status or priority.
		st := itsm.StatusResolved
		if _, err := db.UpdateTicket(cust, tk.ID, itsm.TicketUpdate{Status: &st, Version: tk.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer resolved: %v", err)
		}
		// An agent assigns and replies an hour later: response met.
		clock.Advance(time.Hour)
		agent := storetest.As(f.Agent)
		aid := f.Agent.ID
		tk, err = db.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{AssigneeID: &aid, Version: tk.Version})
		if err != nil || tk.Status != itsm.StatusAssigned {
			t.Fatalf("assign: %v %+v", err, tk)
		}
		if _, err := db.AddComment(agent, tk.ID, itsm.Comment{Body: "Looking into it."}); err != nil {
			t.Fatal(err)
		}
		tk, _ = db.FindTicketByID(agent, tk.ID)
		if tk.ResponseMetAt == nil || !tk.ResponseMetAt.Equal(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) || tk.ResponseBreached {
			t.Fatalf("response met: %+v", tk)
		}
		// Pending the customer pauses resolution; a customer reply resumes.
		pc := itsm.StatusPendingCustomer
		due := *tk.ResolutionDue
		if tk, err = db.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{Status: &pc, Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		// While paused no due instant is stored: it moves as the pause lasts.
		if tk.ResolutionDue != nil {
			t.Fatalf("paused ticket stores resolution due %v", tk.ResolutionDue)
		}
		if read, _ := db.FindTicketByID(agent, tk.ID); read.ResolutionDue != nil {
			t.Fatalf("paused ticket reads back resolution due %v", read.ResolutionDue)
		}
		clock.Advance(2 * time.Hour)
		if _, err := db.AddComment(cust, tk.ID, itsm.Comment{Body: "Here is a screenshot."}); err != nil {
			t.Fatal(err)
		}
		tk, _ = db.FindTicketByID(agent, tk.ID)
		// Two business hours of pause push Wednesday 17:00 to Thursday 11:00.
		if want := time.Date(2026, 3, 5, 11, 0, 0, 0, time.UTC); tk.Status != itsm.StatusInProgress || !tk.ResolutionDue.Equal(want) || !due.Equal(time.Date(2026, 3, 4, 17, 0, 0, 0, time.UTC)) {
			t.Fatalf("after customer reply: status %s due %v (was %v)", tk.Status, tk.ResolutionDue, due)
		}
		// Customers do not see internal notes.
		if _, err := db.AddComment(cust, tk.ID, itsm.Comment{Body: "x", Internal: true}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer internal note: %v", err)
		}
		if _, err := db.AddComment(agent, tk.ID, itsm.Comment{Body: "Provider bug suspected", Internal: true}); err != nil {
			t.Fatal(err)
		}
		evs, _ := db.TicketEvents(cust, tk.ID)
		for _, e := range evs {
			if !e.Public {
				t.Fatalf("customer sees internal event %+v", e)
			}
		}
		// Escalate to the provider: now they see it.
		pid := f.Provider.ID
		if tk, err = db.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{ProviderID: &pid, Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindTicketByID(storetest.As(f.ProviderAgent), tk.ID); err != nil {
			t.Fatalf("provider cannot see escalated ticket: %v", err)
		}
		// Resolving needs a note; an illegal move is refused with a reason.
		if _, err := db.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{Status: &st, Version: tk.Version}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("resolve without note: %v", err)
		}
		cl := itsm.StatusClosed
		if _, err := db.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{Status: &cl, Version: tk.Version}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("close from in progress: %v", err)
		}
		if tk, err = db.UpdateTicket(storetest.As(f.ProviderAgent), tk.ID, itsm.TicketUpdate{Status: &st, Note: "Fixed in patch 4.2.1", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		if tk.ResolvedAt == nil || tk.Status != itsm.StatusResolved {
			t.Fatalf("resolved: %+v", tk)
		}
		// Stale versions are refused.
		if _, err := db.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{Status: &cl, Version: tk.Version - 1}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale: %v", err)
		}
		// The customer re-opens within the window.
		if tk, err = db.ReopenTicket(cust, tk.ID, "Still failing for our finance team", tk.Version); err != nil || tk.Status != itsm.StatusInProgress {
			t.Fatalf("reopen: %v %+v", err, tk)
		}
		// Search finds it by words and by reference.
		q := "approve"
		if _, total, err := db.FindTickets(agent, itsm.TicketFilter{Query: &q}); err != nil || total != 1 {
			t.Fatalf("search: %d %v", total, err)
		}
		q = "INC-000001"
		if _, total, err := db.FindTickets(agent, itsm.TicketFilter{Query: &q}); err != nil || total != 1 {
			t.Fatalf("search by ref: %d %v", total, err)
		}
		q = `"; DROP TABLE tickets; --`
		if _, _, err := db.FindTickets(agent, itsm.TicketFilter{Query: &q}); err != nil {
			t.Fatalf("search with metacharacters: %v", err)
		}
	})
}

func TestSLAAlertsFireOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mustAgreement(t, db, f)
		clock := storetest.ClockOf(db)
		tk, err := db.CreateTicket(storetest.As(f.Agent), itsm.NewTicket{OrgID: f.CustomerA.ID, RequesterID: f.CustomerUserA.ID, Title: "Outage", Description: "Site down", Impact: itsm.High, Urgency: itsm.High})
		if err != nil || tk.Priority != "P1" {
			t.Fatalf("create: %v %+v", err, tk)
		}
		// P1: response 30m. At 23 minutes the 75 % warning has fired.
		clock.Advance(23 * time.Minute)
		n, err := db.FireSLAAlerts(storetest.System())
		if err != nil || n != 1 {
			t.Fatalf("first run fired %d, %v", n, err)
		}
		if n, _ := db.FireSLAAlerts(storetest.System()); n != 0 {
			t.Fatalf("second run fired %d again", n)
		}
		clock.Advance(10 * time.Minute) // past 90 % and the breach
		if n, _ := db.FireSLAAlerts(storetest.System()); n != 2 {
			t.Fatalf("after breach fired %d, want 2 (90%% and breach)", n)
		}
		tk, _ = db.FindTicketByID(storetest.As(f.Agent), tk.ID)
		if !tk.ResponseBreached {
			t.Fatal("response not marked breached")
		}
	})
}

// A response given after its due instant, before the alert job noticed the
// breach, still records and notifies the breach — once.
func TestSLABreachOfALateResponseFiresOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mustAgreement(t, db, f)
		clock := storetest.ClockOf(db)
		tk, err := db.CreateTicket(storetest.As(f.Agent), itsm.NewTicket{OrgID: f.CustomerA.ID, RequesterID: f.CustomerUserA.ID, Title: "Outage", Description: "Site down", Impact: itsm.High, Urgency: itsm.High})
		if err != nil || tk.Priority != "P1" {
			t.Fatalf("create: %v %+v", err, tk)
		}
		alerts := func() int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM sla_alerts WHERE ticket_id = ` + strconv.FormatInt(tk.ID, 10) + ` AND clock = 'response' AND threshold = 'breach'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		breach := "sla_breach"
		clock.Advance(31 * time.Minute) // P1 response: 30m; the job has not run
		if _, err := db.AddComment(storetest.As(f.Agent), tk.ID, itsm.Comment{Body: "Sorry for the wait: looking now."}); err != nil {
			t.Fatal(err)
		}
		if n := alerts(); n != 1 {
			t.Fatalf("%d response breach alerts after a late reply, want 1", n)
		}
		entries, _, err := db.FindAuditEntries(storetest.As(f.Admin), itsm.AuditFilter{Action: &breach, Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].ActorName != "SLA monitor" {
			t.Fatalf("sla_breach audit entries: %d, %v", len(entries), err)
		}
		// Neither the job nor another reply fires it again.
		if _, err := db.FireSLAAlerts(storetest.System()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddComment(storetest.As(f.Agent), tk.ID, itsm.Comment{Body: "Fixed the cache."}); err != nil {
			t.Fatal(err)
		}
		if entries, _, _ := db.FindAuditEntries(storetest.As(f.Admin), itsm.AuditFilter{Action: &breach, Limit: 10}); len(entries) != 1 || alerts() != 1 {
			t.Fatalf("the breach fired again: %d entries, %d alerts", len(entries), alerts())
		}
	})
}

// TestCreateTicketMatchesReadBack: CreateTicket builds the new ticket and
// its SLA cache in memory instead of reading them back; what it returns is
// what a read returns, and what it stores is what a recompute from the
// stored history derives — with and without an agreement, for a customer
// and for staff overriding the priority on someone's behalf.
func TestCreateTicketMatchesReadBack(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		agent := storetest.As(f.Agent)
		check := func(tk *itsm.Ticket) {
			t.Helper()
			got, err := db.FindTicketByID(agent, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(tk)
			b, _ := json.Marshal(got)
			if string(a) != string(b) {
				t.Errorf("CreateTicket returned\n%s\nbut a read gives\n%s", a, b)
			}
			before := slaCache(t, db)[tk.ID]
			if _, err := db.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{Version: got.Version}); err != nil {
				t.Fatal(err)
			}
			if after := slaCache(t, db)[tk.ID]; after != before {
				t.Errorf("%s: stored SLA %s, recomputed %s", tk.Ref, before, after)
			}
		}
		plain, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "No agreement yet", Description: "Before any agreement.", Impact: itsm.Low, Urgency: itsm.Low})
		if err != nil {
			t.Fatal(err)
		}
		if plain.AgreementID != nil || plain.ResponseDue != nil {
			t.Fatalf("ticket without an agreement has clocks: %+v", plain)
		}
		check(plain)
		mustAgreement(t, db, f)
		for _, n := range []struct {
			ctx context.Context
			n   itsm.NewTicket
		}{
			{storetest.As(f.CustomerUserA), itsm.NewTicket{Type: itsm.Incident, Title: "Cannot approve orders", Description: "The approve button fails.", Impact: itsm.High, Urgency: itsm.Medium}},
			{agent, itsm.NewTicket{Type: itsm.Request, OrgID: f.CustomerA.ID, RequesterID: f.CustomerAdminA.ID, Title: "How do I export?", Description: "Exports.", Impact: itsm.Low, Urgency: itsm.Low, Priority: "P1", PriorityReason: "Board meeting today."}},
			{agent, itsm.NewTicket{OrgID: f.CustomerB.ID, Title: "Raised by the desk", Description: "No requester named.", Impact: itsm.Medium, Urgency: itsm.Medium}},
		} {
			tk, err := db.CreateTicket(n.ctx, n.n)
			if err != nil {
				t.Fatal(err)
			}
			if tk.AgreementID == nil || tk.ResponseDue == nil || tk.ResolutionDue == nil {
				t.Fatalf("%s has no clocks: %+v", tk.Ref, tk)
			}
			check(tk)
		}
	})
}

// TestCreateTicketConcurrentFirstNumber: many tickets opened at once, the
// first of their type among them, all succeed with distinct references
// (the counter is started by an upsert, not a racing insert).
func TestCreateTicketConcurrentFirstNumber(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		ctx := storetest.As(f.CustomerUserA)
		const n = 12
		refs := make(chan string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk, err := db.CreateTicket(ctx, itsm.NewTicket{Type: itsm.Request, Title: fmt.Sprintf("Question %d", i), Description: "At once.", Impact: itsm.Low, Urgency: itsm.Low})
				if err != nil {
					t.Error(err)
					return
				}
				refs <- tk.Ref
			}()
		}
		wg.Wait()
		close(refs)
		seen := map[string]bool{}
		for r := range refs {
			if seen[r] {
				t.Errorf("reference %s given twice", r)
			}
			seen[r] = true
		}
		if len(seen) != n || !seen["REQ-000001"] || !seen[fmt.Sprintf("REQ-%06d", n)] {
			t.Errorf("references %v", seen)
		}
	})
}
