package store

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// seedChanges adds change requests in the states people need to see: one
// waiting for clarification, one quote waiting for the customer admin, one
// scheduled and on track (green), one over its forecast and nearly out of
// budget (amber), one late (red), one delivered and closed, and a draft RFC
// raised from the demo problem. Like seedServiceDesk it moves the clock
// back so that the history, committed dates and costs have real ages.
func (db *DB) seedChanges(ctx context.Context, orgs map[string]*itsm.Organisation, accounts []DemoAccount) error {
	realNow := db.Now
	defer func() { db.Now = realNow }()
	today := itsm.ChangeToday(realNow())
	start := today.AddDate(0, 0, -70).Add(9 * time.Hour)
	clock := start
	db.Now = func() time.Time { return clock }
	at := func(days int) { clock = start.AddDate(0, 0, days) }

	sys := itsm.NewContextWithActor(ctx, itsm.SystemActor("demo seed"))
	as := func(email string) context.Context {
		us, _, err := db.FindUsers(sys, itsm.UserFilter{Email: &email, Limit: 1})
		if err != nil || len(us) == 0 {
			return itsm.NewContextWithActor(ctx, itsm.Anonymous("127.0.0.1"))
		}
		u := us[0]
		return itsm.NewContextWithActor(ctx, &itsm.Actor{UserID: u.ID, Name: u.Name, Email: u.Email, OrgID: u.OrgID, OrgKind: u.OrgKind, Role: u.Role, IP: "127.0.0.1"})
	}
	agent, mgr, prov := as("agent@programme.example"), as("manager@programme.example"), as("agent@cairngorm.example")
	provider := orgs["Cairngorm Hosting Services Ltd"].ID
	var err error
	var c *itsm.ChangeRequest
	do := func(ctx context.Context, t itsm.ChangeTransition) {
		if err != nil {
			return
		}
		clock = clock.Add(3 * time.Hour)
		t.Version = c.Version
		c, err = db.TransitionChange(ctx, c.ID, t)
	}
	raise := func(ctx context.Context, n itsm.NewChange) {
		if err != nil {
			return
		}
		n.Submit = true
		if c, err = db.CreateChange(ctx, n); err != nil {
			return
		}
		var assignee int64
		if ac := itsm.ActorFromContext(agent); ac != nil {
			assignee = ac.UserID
		}
		c, err = db.UpdateChange(agent, c.ID, itsm.ChangeUpdate{ProviderID: &provider, AssigneeID: &assignee, Version: c.Version})
	}
	estimate := func(days float64, cost int64, delivery time.Time) {
		if err != nil {
			return
		}
		do(agent, itsm.ChangeTransition{Action: itsm.ActStartReview})
		do(agent, itsm.ChangeTransition{Action: itsm.ActAcceptSpec})
		if err == nil {
			_, err = db.AddChangeEstimate(prov, c.ID, itsm.NewChangeEstimate{EffortDays: days, Cost: cost, DeliveryDate: delivery, Note: "Includes testing and release notes."})
		}
		if err == nil {
			c, err = db.FindChangeByID(agent, c.ID)
		}
		do(prov, itsm.ChangeTransition{Action: itsm.ActSubmitQuote})
	}
	approve := func(admin string) {
		do(as(admin), itsm.ChangeTransition{Action: itsm.ActAcceptQuote})
		do(mgr, itsm.ChangeTransition{Action: itsm.ActApprove, Conditions: "Release notes to customers five working days before."})
	}
	cost := func(amount int64, note string) {
		if err == nil {
			_, err = db.AddChangeCost(prov, c.ID, itsm.NewChangeCost{Date: itsm.ChangeToday(clock), Amount: amount, Note: note})
		}
	}
	// schedule books the first window from the given day that no freeze
	// refuses, as a planner would.
	schedule := func(fromDay int, release, service string) {
		for d := fromDay; err == nil && d < fromDay+120; d += 7 {
			s := itsm.ChangeSchedule{TargetRelease: release, Service: service, WindowStart: start.AddDate(0, 0, d).Add(9 * time.Hour), WindowEnd: start.AddDate(0, 0, d).Add(13 * time.Hour), Version: c.Version}
			var cs []itsm.ScheduleConflict
			if cs, err = db.ChangeScheduleConflicts(agent, c.ID, s); err != nil || itsm.HasFreezeConflict(cs) {
				continue
			}
			c, _, err = db.ScheduleChange(agent, c.ID, s)
			return
		}
	}

	// Red: committed for three weeks ago and still in delivery.
	at(0)
	raise(as("finance@strathallan.example"), itsm.NewChange{Kind: itsm.ChangeWorkRequest, Title: "Nightly UBL invoice export to the new ledger",
		Description: "Export the day's approved invoices as **UBL 2.1** to the ledger's SFTP drop at 02:00.", Service: "Integration", Justification: "The old ledger is switched off at the end of the year."})
	estimate(12, 1450000, start.AddDate(0, 0, 49))
	at(3)
	approve("admin@strathallan.example")
	schedule(10, "2026.10", "Integration")
	at(20)
	do(prov, itsm.ChangeTransition{Action: itsm.ActStartDelivery})
	cost(980000, "Development, sprints 1 and 2")
	if err == nil {
		c, err = db.UpdateChangeForecast(prov, c.ID, itsm.ChangeForecast{Date: today.AddDate(0, 0, 10), Note: "The ledger's test SFTP server was unavailable for two weeks.", Version: c.Version})
	}

	// Amber: a CCN nearly out of budget and forecast past its date.
	at(5)
	raise(as("admin@inverdee.example"), itsm.NewChange{Kind: itsm.ChangeCCN, Title: "Extend supplier directory hosting capacity", Description: "Double the search cluster for the new academic year.",
		Service: "Supplier directory", ContractRef: "CHS-HOST-2025-03", Variation: "Two further search nodes for twelve months.", CostImpact: 2400000, TimeImpactDays: 0})
	estimate(6.5, 2400000, today.AddDate(0, 0, 30))
	at(8)
	approve("admin@inverdee.example")
	schedule(40, "2026.11", "Supplier directory")
	at(60)
	cost(2250000, "Search nodes, twelve months in advance")
	if err == nil {
		c, err = db.UpdateChangeForecast(prov, c.ID, itsm.ChangeForecast{Date: today.AddDate(0, 0, 40), Note: "Hardware lead time.", Version: c.Version})
	}

	// Green: scheduled and on track.
	at(30)
	raise(as("buyer@glenmorven.example"), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCNewFunctionality, Title: "Show supplier ratings on catalogue pages",
		Description: "Show each supplier's average delivery rating next to its catalogue items.", Service: "Catalogues", Justification: "Buyers choose reliable suppliers without leaving the catalogue."})
	estimate(8, 640000, today.AddDate(0, 0, 45))
	at(34)
	approve("admin@glenmorven.example")
	schedule(80, "2026.12", "Catalogues")
	cost(120000, "Design")

	// Closed: delivered on time and within budget.
	at(1)
	raise(as("buyer@glenmorven.example"), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCCosmetic, Title: "Larger Approve button on mobile",
		Description: "Make the Approve button at least 44 by 44 pixels on small screens.", Service: "Purchasing"})
	estimate(1.5, 90000, start.AddDate(0, 0, 30))
	at(2)
	approve("admin@glenmorven.example")
	schedule(9, "2026.9", "Purchasing")
	at(16)
	do(prov, itsm.ChangeTransition{Action: itsm.ActStartDelivery})
	cost(85000, "Development and testing")
	do(prov, itsm.ChangeTransition{Action: itsm.ActDeliver, ActualDate: itsm.ChangeToday(clock)})
	at(30)
	do(agent, itsm.ChangeTransition{Action: itsm.ActClose, ReviewOutcome: itsm.ReviewSuccessful, Note: "No more mis-taps reported by buyers."})

	// A quote waiting for the customer admin.
	at(62)
	raise(as("finance@strathallan.example"), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCChangeExisting, Title: "Add cost centre to invoice approval e-mails",
		Description: "Include the cost centre code in the subject of approval e-mails.", Service: "e-Invoicing"})
	estimate(2, 150000, today.AddDate(0, 0, 21))

	// Waiting for the requester's answer.
	at(66)
	raise(as("buyer@glenmorven.example"), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCNewFunctionality, Title: "Bulk approve purchase orders",
		Description: "Let approvers tick several orders and approve them together.", Service: "Purchasing"})
	do(agent, itsm.ChangeTransition{Action: itsm.ActStartReview})
	do(agent, itsm.ChangeTransition{Action: itsm.ActRequestClarification, Note: "Should bulk approval be limited to orders under the approver's own limit, or follow each order's limit?"})
	if err != nil {
		return fmt.Errorf("seed changes: %w", err)
	}

	// The problem's permanent fix, as a draft RFC.
	ps, _, perr := db.FindProblems(agent, itsm.ProblemFilter{Limit: 1})
	if perr == nil && len(ps) == 1 {
		at(69)
		if _, err := db.RaiseChangeFromProblem(agent, ps[0].ID, orgs["Glenmorven Council"].ID); err != nil {
			return fmt.Errorf("seed change from problem: %w", err)
		}
	}
	return nil
}
