package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// day is a calendar date as the change rules keep it.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// mustChange raises a submitted RFC for customer A's user.
func mustChange(t *testing.T, db *store.DB, f *storetest.Fixture, title string) *itsm.ChangeRequest {
	t.Helper()
	c, err := db.CreateChange(storetest.As(f.CustomerUserA), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCNewFunctionality,
		Title: title, Description: "Let buyers export their basket as CSV.", Service: "Ordering", Justification: "Saves re-keying.", Submit: true})
	if err != nil {
		t.Fatalf("raise change: %v", err)
	}
	return c
}

// step takes an action and fails the test if it is refused.
func step(t *testing.T, db *store.DB, ctx context.Context, c *itsm.ChangeRequest, tr itsm.ChangeTransition) *itsm.ChangeRequest {
	t.Helper()
	tr.Version = c.Version
	out, err := db.TransitionChange(ctx, c.ID, tr)
	if err != nil {
		t.Fatalf("%s on %s (%s): %v", tr.Action, c.Ref, c.State, err)
	}
	return out
}

// mustApproved takes a change through review, estimation and approval
// with the provider assigned; cost is the quote in pence.
func mustApproved(t *testing.T, db *store.DB, f *storetest.Fixture, title string, cost int64, delivery time.Time) *itsm.ChangeRequest {
	t.Helper()
	agent, mgr := storetest.As(f.Agent), storetest.As(f.Manager)
	c := mustChange(t, db, f, title)
	var err error
	if c, err = db.UpdateChange(agent, c.ID, itsm.ChangeUpdate{ProviderID: &f.Provider.ID, AssigneeID: &f.Agent.ID, Version: c.Version}); err != nil {
		t.Fatal(err)
	}
	c = step(t, db, agent, c, itsm.ChangeTransition{Action: itsm.ActStartReview})
	c = step(t, db, agent, c, itsm.ChangeTransition{Action: itsm.ActAcceptSpec})
	if _, err := db.AddChangeEstimate(storetest.As(f.ProviderAgent), c.ID, itsm.NewChangeEstimate{EffortDays: 4.5, Cost: cost, DeliveryDate: delivery}); err != nil {
		t.Fatal(err)
	}
	c, _ = db.FindChangeByID(agent, c.ID)
	c = step(t, db, storetest.As(f.ProviderAgent), c, itsm.ChangeTransition{Action: itsm.ActSubmitQuote})
	c = step(t, db, storetest.As(f.CustomerAdminA), c, itsm.ChangeTransition{Action: itsm.ActAcceptQuote})
	return step(t, db, mgr, c, itsm.ChangeTransition{Action: itsm.ActApprove})
}

func TestChangeLifecycle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		cust, custAdmin, agent, mgr, prov := storetest.As(f.CustomerUserA), storetest.As(f.CustomerAdminA), storetest.As(f.Agent), storetest.As(f.Manager), storetest.As(f.ProviderAgent)
		c := mustChange(t, db, f, "Basket export")
		if c.Ref != "RFC-0001" || c.State != itsm.ChangeSubmitted || !c.CustomerSponsored || c.OrgID != f.CustomerA.ID || c.RAG != itsm.ChangeRAGGrey {
			t.Fatalf("raised: %+v", c)
		}
		w, err := db.CreateChange(agent, itsm.NewChange{Kind: itsm.ChangeWorkRequest, OrgID: f.CustomerB.ID, Title: "Reindex", Description: "Rebuild the search index."})
		if err != nil || w.Ref != "WR-0001" || w.State != itsm.ChangeDraft || w.CustomerSponsored {
			t.Fatalf("work request: %v %+v", err, w)
		}
		// Review with a question and an answer.
		c = step(t, db, agent, c, itsm.ChangeTransition{Action: itsm.ActStartReview})
		c = step(t, db, agent, c, itsm.ChangeTransition{Action: itsm.ActRequestClarification, Note: "Which columns?"})
		if c.State != itsm.ChangeClarification {
			t.Fatalf("state %s", c.State)
		}
		desc := "Export code, description, quantity and price."
		if c, err = db.UpdateChange(cust, c.ID, itsm.ChangeUpdate{Description: &desc, Version: c.Version}); err != nil {
			t.Fatalf("requester edits while clarifying: %v", err)
		}
		c = step(t, db, cust, c, itsm.ChangeTransition{Action: itsm.ActAnswerClarification, Note: "Code, description, quantity, price."})
		c = step(t, db, agent, c, itsm.ChangeTransition{Action: itsm.ActAcceptSpec})
		if c.SpecVersion != 1 || c.State != itsm.ChangeEstimation {
			t.Fatalf("frozen: %+v", c)
		}
		if _, err := db.UpdateChange(agent, c.ID, itsm.ChangeUpdate{Description: &desc, Version: c.Version}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("edited a frozen specification: %v", err)
		}
		vs, _ := db.ChangeSpecVersions(cust, c.ID)
		if len(vs) != 1 || vs[0].Description != desc {
			t.Fatalf("spec versions: %+v", vs)
		}
		// The quote cannot be sent without an estimate; the provider is not
		// assigned yet, so it cannot see the change at all.
		if _, err := db.TransitionChange(agent, c.ID, itsm.ChangeTransition{Action: itsm.ActSubmitQuote, Version: c.Version}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("quote without estimate: %v", err)
		}
		if _, err := db.AddChangeEstimate(prov, c.ID, itsm.NewChangeEstimate{EffortDays: 3, Cost: 100000, DeliveryDate: day(2026, 4, 1)}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("unassigned provider estimated: %v", err)
		}
		if c, err = db.UpdateChange(agent, c.ID, itsm.ChangeUpdate{ProviderID: &f.Provider.ID, AssigneeID: &f.Agent.ID, Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddChangeEstimate(prov, c.ID, itsm.NewChangeEstimate{EffortDays: 3, Cost: 100000, DeliveryDate: day(2026, 4, 1)}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddChangeEstimate(prov, c.ID, itsm.NewChangeEstimate{EffortDays: 4.5, Cost: 150000, DeliveryDate: day(2026, 4, 15), Note: "Includes tests."}); err != nil {
			t.Fatal(err)
		}
		es, _ := db.ChangeEstimates(cust, c.ID)
		if len(es) != 2 || es[1].Revision != 2 || es[1].EffortDays != 4.5 {
			t.Fatalf("estimates: %+v", es)
		}
		c, _ = db.FindChangeByID(agent, c.ID)
		c = step(t, db, prov, c, itsm.ChangeTransition{Action: itsm.ActSubmitQuote})
		// Only a customer admin of Alpha Council accepts.
		for _, who := range []*itsm.User{f.CustomerUserA, f.Agent, f.Manager, f.ProviderAgent} {
			_, err := db.TransitionChange(storetest.As(who), c.ID, itsm.ChangeTransition{Action: itsm.ActAcceptQuote, Version: c.Version})
			if itsm.ErrorCode(err) != itsm.EFORBIDDEN || !strings.Contains(itsm.ErrorMessage(err), "Only a customer admin of Alpha Council") {
				t.Fatalf("%s accepted the quote: %v", who.Name, err)
			}
		}
		if _, err := db.TransitionChange(storetest.As(f.CustomerAdminB), c.ID, itsm.ChangeTransition{Action: itsm.ActAcceptQuote, Version: c.Version}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("another customer's admin: %v", err)
		}
		if _, err := db.TransitionChange(mgr, c.ID, itsm.ChangeTransition{Action: itsm.ActSchedule, Version: c.Version}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("schedule through a transition: %v", err)
		}
		if _, _, err := db.ScheduleChange(mgr, c.ID, itsm.ChangeSchedule{TargetRelease: "2026.4", WindowStart: day(2026, 4, 10), WindowEnd: day(2026, 4, 11), Version: c.Version}); itsm.ErrorCode(err) != itsm.ECONFLICT ||
			!strings.Contains(itsm.ErrorMessage(err), "cannot be scheduled before its quote is accepted and approved") {
			t.Fatalf("scheduled before approval: %v", err)
		}
		c = step(t, db, custAdmin, c, itsm.ChangeTransition{Action: itsm.ActAcceptQuote})
		if c.CommittedDate == nil || !c.CommittedDate.Equal(day(2026, 4, 15)) || c.AcceptedEstimateID == nil {
			t.Fatalf("accepted quote: %+v", c)
		}
		if _, err := db.TransitionChange(agent, c.ID, itsm.ChangeTransition{Action: itsm.ActApprove, Version: c.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("agent approved: %v", err)
		}
		c = step(t, db, mgr, c, itsm.ChangeTransition{Action: itsm.ActApprove, Conditions: "Deploy out of hours."})
		if c.ApprovedBudget == nil || *c.ApprovedBudget != 150000 || c.RAG != itsm.ChangeRAGGreen {
			t.Fatalf("approved: %+v", c)
		}
		// A freeze refuses scheduling unless a manager overrides it.
		fz := &itsm.FreezePeriod{Name: "Financial year end", Start: day(2026, 3, 28), End: day(2026, 4, 8)}
		if err := db.CreateFreeze(mgr, fz); err != nil {
			t.Fatal(err)
		}
		in := itsm.ChangeSchedule{TargetRelease: "2026.4", WindowStart: day(2026, 4, 6), WindowEnd: day(2026, 4, 7), Version: c.Version}
		if cs, err := db.ChangeScheduleConflicts(agent, c.ID, in); err != nil || !itsm.HasFreezeConflict(cs) {
			t.Fatalf("preview: %v %+v", err, cs)
		}
		if _, _, err := db.ScheduleChange(agent, c.ID, in); itsm.ErrorCode(err) != itsm.EINVALID || !strings.Contains(itsm.ErrorMessage(err), "Financial year end") {
			t.Fatalf("scheduled into a freeze: %v", err)
		}
		if _, _, err := db.ScheduleChange(mgr, c.ID, in); itsm.ErrorCode(err) != itsm.EINVALID || itsm.ErrorFields(err)["override_reason"] == "" {
			t.Fatalf("manager without a reason: %v", err)
		}
		out := itsm.ChangeSchedule{TargetRelease: "2026.4", WindowStart: day(2026, 4, 9), WindowEnd: day(2026, 4, 10), Version: c.Version}
		if c, _, err = db.ScheduleChange(agent, c.ID, out); err != nil || c.State != itsm.ChangeScheduled || c.Service != "Ordering" {
			t.Fatalf("schedule: %v %+v", err, c)
		}
		in.Version, in.OverrideReason = c.Version, "Statutory deadline."
		if c, _, err = db.ScheduleChange(mgr, c.ID, in); err != nil || !c.WindowStart.Equal(day(2026, 4, 6)) {
			t.Fatalf("override: %v", err)
		}
		if n := countAudit(t, db, "freeze_override"); n != 1 {
			t.Fatalf("%d freeze_override audit entries", n)
		}
		// Delivery, costs, forecast and the review.
		if _, err := db.AddChangeCost(cust, c.ID, itsm.NewChangeCost{Date: day(2026, 3, 1), Amount: 100, Note: "x"}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer recorded a cost: %v", err)
		}
		if _, err := db.AddChangeCost(prov, c.ID, itsm.NewChangeCost{Date: day(2026, 3, 1), Amount: 140000, Note: "Development"}); err != nil {
			t.Fatal(err)
		}
		c, _ = db.FindChangeByID(agent, c.ID)
		if c.ActualCost != 140000 || c.RAG != itsm.ChangeRAGAmber {
			t.Fatalf("after cost: %d %s", c.ActualCost, c.RAG)
		}
		c = step(t, db, prov, c, itsm.ChangeTransition{Action: itsm.ActStartDelivery})
		c = step(t, db, prov, c, itsm.ChangeTransition{Action: itsm.ActDeliver, ActualDate: day(2026, 3, 2)})
		if _, err := db.TransitionChange(agent, c.ID, itsm.ChangeTransition{Action: itsm.ActClose, Version: c.Version}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("closed without a review: %v", err)
		}
		c = step(t, db, agent, c, itsm.ChangeTransition{Action: itsm.ActClose, ReviewOutcome: itsm.ReviewSuccessful, Note: "Buyers use it daily."})
		if c.State != itsm.ChangeClosed || c.ReviewOutcome != itsm.ReviewSuccessful {
			t.Fatalf("closed: %+v", c)
		}
		evs, _ := db.ChangeEvents(cust, c.ID)
		if len(evs) < 12 {
			t.Fatalf("history has %d events", len(evs))
		}
		score, err := db.ProviderDeliveryScore(prov, f.Provider.ID, itsm.Quarter{Year: 2026, Q: 1})
		if err != nil || score.Delivered != 1 || score.OnTime != 1 || score.WithinBudget != 1 || score.OnTimeAndWithinBudget != 1 {
			t.Fatalf("delivery score: %v %+v", err, score)
		}
		if _, err := db.ProviderDeliveryScore(cust, f.Provider.ID, itsm.Quarter{Year: 2026, Q: 1}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("customer read a delivery score: %v", err)
		}
		// Notifications went to the requester and the customer admin.
		found := false
		for _, j := range storetest.OutboxOf(db).Jobs() {
			if e, ok := j.(itsm.EmailJob); ok && strings.Contains(e.Subject, "Closed") && strings.Contains(strings.Join(e.To, ","), f.CustomerAdminA.Email) && strings.Contains(strings.Join(e.To, ","), f.CustomerUserA.Email) {
				found = true
			}
		}
		if !found {
			t.Fatalf("no closing e-mail to the requester and customer admin: %+v", storetest.OutboxOf(db).Jobs())
		}
	})
}

// countAudit counts audit entries with an action.
func countAudit(t *testing.T, db *store.DB, action string) int {
	t.Helper()
	_, n, err := db.FindAuditEntries(storetest.System(), itsm.AuditFilter{Action: &action})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
