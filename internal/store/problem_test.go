package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func TestProblemsAndEscalations(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mustAgreement(t, db, f)
		agent, cust := storetest.As(f.Agent), storetest.As(f.CustomerUserA)
		tk, err := db.CreateTicket(cust, itsm.NewTicket{Title: "Invoices rejected", Description: "PEPPOL invoices bounce", Impact: itsm.High, Urgency: itsm.Medium})
		if err != nil {
			t.Fatal(err)
		}
		// Problems: staff only; customers see known errors on their ticket.
		if err := db.CreateProblem(cust, &itsm.Problem{Title: "x"}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer created a problem: %v", err)
		}
		p := &itsm.Problem{Title: "UBL validator rejects long supplier names", RootCause: "Field length check", ProviderID: &f.Provider.ID}
		if err := db.CreateProblem(agent, p); err != nil || p.Ref != "PRB-000001" {
			t.Fatalf("create problem: %v %+v", err, p)
		}
		if err := db.LinkIncident(agent, p.ID, tk.ID); err != nil {
			t.Fatal(err)
		}
		// A service request is not an incident: it cannot be linked.
		req, err := db.CreateTicket(cust, itsm.NewTicket{Type: itsm.Request, Title: "How do I add a buyer?", Description: "New starter", Impact: itsm.Low, Urgency: itsm.Low})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.LinkIncident(agent, p.ID, req.ID); itsm.ErrorCode(err) != itsm.EINVALID || !strings.Contains(err.Error(), "only incidents") {
			t.Fatalf("linking a request to a problem: %v, want refused", err)
		}
		if probs, _ := db.TicketProblems(cust, tk.ID); len(probs) != 0 {
			t.Fatalf("customer sees a problem that is not a known error: %+v", probs)
		}
		ke, wa := true, "Shorten the supplier name to 70 characters."
		if p, err = db.UpdateProblem(agent, p.ID, itsm.ProblemUpdate{KnownError: &ke, Workaround: &wa, Version: p.Version}); err != nil {
			t.Fatal(err)
		}
		probs, _ := db.TicketProblems(cust, tk.ID)
		if len(probs) != 1 || probs[0].Workaround != wa || probs[0].RootCause != "" {
			t.Fatalf("customer's view of the known error: %+v", probs)
		}
		if p.Incidents != 1 {
			t.Fatalf("incident count %d", p.Incidents)
		}
		if _, err := db.FindProblemByID(cust, p.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("customer opened the problem: %v", err)
		}
		if _, err := db.FindProblemByID(storetest.As(f.ProviderAgent), p.ID); err != nil {
			t.Fatalf("provider cannot see its problem: %v", err)
		}
		// The provider counts only the incidents it may open: none of
		// them is escalated to it yet. Staff count them all.
		if pp, _ := db.FindProblemByID(storetest.As(f.ProviderAgent), p.ID); pp.Incidents != 0 {
			t.Errorf("the provider counts %d incidents it cannot open", pp.Incidents)
		}
		if ps, _, _ := db.FindProblems(storetest.As(f.ProviderAgent), itsm.ProblemFilter{}); len(ps) != 1 || ps[0].Incidents != 0 {
			t.Errorf("the provider's problem list counts incidents it cannot open: %+v", ps)
		}
		if pp, _ := db.FindProblemByID(agent, p.ID); pp.Incidents != 1 {
			t.Errorf("staff count %d incidents, want 1", pp.Incidents)
		}
		// Resolve, then the customer disputes it: an escalation at level 1.
		pid := f.Provider.ID
		tk, _ = db.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{ProviderID: &pid, Version: tk.Version})
		st := itsm.StatusResolved
		if tk, err = db.UpdateTicket(storetest.As(f.ProviderAgent), tk.ID, itsm.TicketUpdate{Status: &st, Note: "Works for us", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Escalate(storetest.As(f.CustomerUserB), tk.ID, "No"); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("other customer escalated: %v", err)
		}
		if _, err := db.Escalate(cust, tk.ID, "  "); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("escalation without reason: %v", err)
		}
		e, err := db.Escalate(cust, tk.ID, "It still fails for every invoice over £10,000.")
		if err != nil || e.Level != 1 || e.Status != itsm.EscalationOpen || e.DueAt == nil {
			t.Fatalf("escalate: %v %+v", err, e)
		}
		if _, err := db.Escalate(cust, tk.ID, "again"); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("double escalation: %v", err)
		}
		tk, _ = db.FindTicketByID(agent, tk.ID)
		if tk.Status != itsm.StatusInProgress {
			t.Fatalf("disputed ticket status %s", tk.Status)
		}
		// The team's queue shows it; B's customer does not.
		open := true
		if _, total, _ := db.FindEscalations(agent, itsm.EscalationFilter{Open: &open}); total != 1 {
			t.Fatalf("team queue has %d", total)
		}
		if _, total, _ := db.FindEscalations(storetest.As(f.CustomerUserB), itsm.EscalationFilter{}); total != 0 {
			t.Fatalf("customer B sees %d escalations", total)
		}
		if _, err := db.ActOnEscalation(cust, e.ID, itsm.EscalationAction{Action: "resolve", Body: "x", Version: e.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer acted on escalation: %v", err)
		}
		storetest.ClockOf(db).Advance(time.Hour)
		if e, err = db.ActOnEscalation(agent, e.ID, itsm.EscalationAction{Action: "acknowledge", Version: e.Version}); err != nil || e.OwnerID == nil {
			t.Fatalf("acknowledge: %v %+v", err, e)
		}
		if e, err = db.ActOnEscalation(agent, e.ID, itsm.EscalationAction{Action: "raise", Body: "Provider unresponsive", Version: e.Version}); err != nil || e.Level != 2 {
			t.Fatalf("raise: %v %+v", err, e)
		}
		if e, err = db.ActOnEscalation(agent, e.ID, itsm.EscalationAction{Action: "note", Body: "INTERNAL: contract penalty may apply", Version: e.Version}); err != nil {
			t.Fatalf("note: %v", err)
		}
		if e, err = db.ActOnEscalation(agent, e.ID, itsm.EscalationAction{Action: "resolve", Body: "Upheld: provider to patch", Version: e.Version}); err != nil || e.Status != itsm.EscalationResolved {
			t.Fatalf("resolve: %v %+v", err, e)
		}
		hist, err := db.EscalationHistory(agent, e.ID)
		if err != nil || len(hist) != 5 {
			t.Fatalf("history: %v %d", err, len(hist))
		}
		// The customer sees the raise, the levels and the outcome, but not
		// the team's reason for raising the level.
		custHist, err := db.EscalationHistory(cust, e.ID)
		if err != nil || len(custHist) != 4 {
			t.Fatalf("customer's history: %v %d", err, len(custHist))
		}
		for _, ev := range custHist {
			if strings.Contains(ev.Body, "Provider unresponsive") || strings.Contains(ev.Body, "INTERNAL") {
				t.Errorf("the customer sees the team's reason for raising the level: %+v", ev)
			}
		}
	})
}

// A dispute the service desk records for a customer (on the phone) is the
// customer's voice: it does not meet the response clock.
func TestStaffEscalationIsNotAResponse(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mustAgreement(t, db, f)
		tk, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "Orders stuck", Description: "Since 09:00", Impact: itsm.Medium, Urgency: itsm.Medium})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Escalate(storetest.As(f.Agent), tk.ID, "Customer phoned: nobody has replied"); err != nil {
			t.Fatal(err)
		}
		res, err := db.TicketSLA(storetest.As(f.Agent), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Response.Met {
			t.Errorf("the escalation met the response clock at %v", res.Response.MetAt)
		}
	})
}
