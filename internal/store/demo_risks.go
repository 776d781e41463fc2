package store

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// seedRisks adds a believable programme risk register: a dozen risks,
// some re-scored, with mitigating actions (one overdue), a risk that
// occurred and became an issue, and an issue raised directly. The clock is
// moved back while it works, so that the register has a history.
func (db *DB) seedRisks(ctx context.Context, orgs map[string]*itsm.Organisation, accounts []DemoAccount) error {
	realNow := db.Now
	defer func() { db.Now = realNow }()
	today := itsm.RAIDDate(realNow())
	start := today.AddDate(0, 0, -45).Add(10 * time.Hour)
	clock := start
	db.Now = func() time.Time { return clock }

	users := map[string]int64{}
	for _, a := range accounts {
		us, _, err := db.FindUsers(itsm.NewContextWithActor(ctx, itsm.SystemActor("demo seed")), itsm.UserFilter{Email: &a.Email, Limit: 1})
		if err != nil || len(us) == 0 {
			return fmt.Errorf("seed risks: find %s: %v", a.Email, err)
		}
		users[a.Email] = us[0].ID
	}
	staff := func(email string) context.Context {
		return itsm.NewContextWithActor(ctx, &itsm.Actor{UserID: users[email], Name: "Hamish Grant", Email: email,
			OrgID: orgs["National e-Procurement Programme"].ID, OrgKind: itsm.OrgProgramme, Role: itsm.RoleManager, IP: "127.0.0.1"})
	}
	manager := staff("manager@programme.example")
	provider := orgs["Cairngorm Hosting Services Ltd"].ID
	owner := func(email string) *int64 { id := users[email]; return &id }
	date := func(days int) time.Time { return today.AddDate(0, 0, days) }
	dateP := func(days int) *time.Time { d := date(days); return &d }

	type action struct {
		desc  string
		owner string
		due   int // days from today
		done  bool
	}
	risks := []struct {
		r       itsm.Risk
		rescore [2]int // new likelihood and impact, when set
		note    string
		actions []action
	}{
		{itsm.Risk{Title: "Provider key staff turnover", Description: "Two of the five engineers who know the invoicing interface have handed in their notice.",
			Category: itsm.RiskCategoryPeople, Likelihood: 3, Impact: 4, Proximity: itsm.ProximityNear, ReviewDate: date(10), OwnerID: owner("agent@cairngorm.example"), ProviderID: &provider},
			[2]int{4, 4}, "A third engineer has been approached by a competitor.",
			[]action{{"Agree a knowledge-transfer and retention plan with the provider", "agent@cairngorm.example", -3, false},
				{"Document the invoicing interface's deployment runbook", "agent@cairngorm.example", 14, false}}},
		{itsm.Risk{Title: "Financial year end freeze delays invoicing interface release", Description: "The release is planned for late March, inside the year-end change freeze.",
			Category: itsm.RiskCategoryCommercial, Likelihood: 4, Impact: 4, ProximityDate: dateP(100), ReviewDate: date(20), OwnerID: owner("manager@programme.example"), ProviderID: &provider},
			[2]int{}, "", []action{{"Ask the change advisory board for a freeze exemption", "manager@programme.example", 21, false}}},
		{itsm.Risk{Title: "PEPPOL access point certificate expires", Description: "The access point's certificate expires in the spring; renewal needs the supplier's sign-off.",
			Category: itsm.RiskCategoryTechnical, Likelihood: 2, Impact: 5, ProximityDate: dateP(70), ReviewDate: date(30), OwnerID: owner("agent@programme.example"), ProviderID: &provider},
			[2]int{}, "", []action{{"Raise the renewal request with the certificate authority", "agent@programme.example", 30, false}}},
		{itsm.Risk{Title: "Supplier data migration misses personal data", Description: "Sole traders' records hold personal data that the migration scripts do not classify.",
			Category: itsm.RiskCategoryDataProtection, Likelihood: 3, Impact: 5, Proximity: itsm.ProximityImminent, ReviewDate: date(-2), OwnerID: owner("admin@programme.example")},
			[2]int{}, "", []action{{"Run a data protection impact assessment of the migration", "admin@programme.example", 7, false}}},
		{itsm.Risk{Title: "Hosting contract renewal slips", Description: "The hosting contract ends in nine months and procurement has not started.",
			Category: itsm.RiskCategoryCommercial, Likelihood: 2, Impact: 4, Proximity: itsm.ProximityFar, ReviewDate: date(45), OwnerID: owner("manager@programme.example"), ProviderID: &provider},
			[2]int{}, "", nil},
		{itsm.Risk{Title: "Phishing campaign targets buyers", Description: "Councils report emails imitating purchase order approvals.",
			Category: itsm.RiskCategorySecurity, Likelihood: 4, Impact: 3, Proximity: itsm.ProximityImminent, ReviewDate: date(5), OwnerID: owner("agent@programme.example")},
			[2]int{3, 3}, "Awareness campaign sent to every customer; reports have dropped.",
			[]action{{"Send a security awareness note to every customer", "agent@programme.example", -20, true}}},
		{itsm.Risk{Title: "Catalogue suppliers stop publishing price updates", Description: "Smaller suppliers find the catalogue upload format hard to use.",
			Category: itsm.RiskCategoryService, Likelihood: 3, Impact: 2, Proximity: itsm.ProximityNear, ReviewDate: date(25), OwnerID: owner("agent@programme.example")},
			[2]int{}, "", nil},
		{itsm.Risk{Title: "Customer finance teams not ready for e-invoicing", Description: "Two health boards have not yet trained their accounts payable teams.",
			Category: itsm.RiskCategoryPeople, Likelihood: 3, Impact: 3, Proximity: itsm.ProximityNear, ReviewDate: date(12), OwnerID: owner("manager@programme.example")},
			[2]int{}, "", []action{{"Run two training sessions for accounts payable teams", "manager@programme.example", 18, false}}},
		{itsm.Risk{Title: "Search performance degrades as the supplier directory grows", Description: "Search slows past 200,000 suppliers.",
			Category: itsm.RiskCategoryTechnical, Likelihood: 2, Impact: 3, Proximity: itsm.ProximityFar, ReviewDate: date(60), OwnerID: owner("agent@cairngorm.example"), ProviderID: &provider},
			[2]int{}, "", nil},
		{itsm.Risk{Title: "Budget reduction in the next spending review", Description: "The programme's budget may be cut by up to 10 %.",
			Category: itsm.RiskCategoryCommercial, Likelihood: 2, Impact: 5, Proximity: itsm.ProximityFar, ReviewDate: date(90), OwnerID: owner("admin@programme.example")},
			[2]int{}, "", nil},
		{itsm.Risk{Title: "Single sign-on provider outage", Description: "Buyers cannot sign in when the identity provider is down.",
			Category: itsm.RiskCategoryService, Likelihood: 1, Impact: 4, Proximity: itsm.ProximityFar, ReviewDate: date(40), OwnerID: owner("agent@programme.example"), Status: itsm.RiskClosed},
			[2]int{}, "", nil},
		{itsm.Risk{Title: "Year-end invoice backlog", Description: "Invoices submitted in the last week of March may not be paid before year end.",
			Category: itsm.RiskCategoryService, Likelihood: 4, Impact: 4, Proximity: itsm.ProximityImminent, ReviewDate: date(3), OwnerID: owner("manager@programme.example"), ProviderID: &provider},
			[2]int{5, 4}, "Invoices are already queueing.", nil},
	}
	var occurred *itsm.Risk
	for i := range risks {
		clock = start.Add(time.Duration(i) * 26 * time.Hour)
		r := risks[i].r
		if r.Proximity == "" && r.ProximityDate == nil {
			r.Proximity = itsm.ProximityNear
		}
		if err := db.CreateRisk(manager, &r); err != nil {
			return fmt.Errorf("seed risk %q: %w", r.Title, err)
		}
		for _, a := range risks[i].actions {
			act := &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: r.ID, Description: a.desc, OwnerID: owner(a.owner), DueDate: date(a.due)}
			if act.DueDate.Before(itsm.RAIDDate(clock)) {
				act.DueDate = itsm.RAIDDate(clock) // not before the risk was raised
			}
			if err := db.AddAction(manager, act); err != nil {
				return fmt.Errorf("seed action %q: %w", a.desc, err)
			}
			if a.done {
				done := itsm.ActionDone
				if _, err := db.UpdateAction(manager, act.ID, itsm.ActionUpdate{Status: &done, Version: act.Version}); err != nil {
					return fmt.Errorf("seed action %q: %w", a.desc, err)
				}
			}
		}
		if nl := risks[i].rescore; nl[0] != 0 {
			clock = clock.Add(12 * 24 * time.Hour)
			got, err := db.UpdateRisk(manager, r.ID, itsm.RiskUpdate{Likelihood: &nl[0], Impact: &nl[1], ScoreNote: risks[i].note, Version: r.Version})
			if err != nil {
				return fmt.Errorf("seed re-score of %q: %w", r.Title, err)
			}
			r = *got
		}
		if r.Title == "Year-end invoice backlog" {
			occurred = &r
		}
	}
	// The backlog happened: it becomes an issue, with an action.
	clock = today.AddDate(0, 0, -2).Add(9 * time.Hour)
	st := itsm.RiskOccurred
	got, err := db.UpdateRisk(manager, occurred.ID, itsm.RiskUpdate{Status: &st, Version: occurred.Version})
	if err != nil || got.IssueID == nil {
		return fmt.Errorf("seed occurred risk: %v", err)
	}
	if err := db.AddAction(manager, &itsm.RAIDAction{ParentType: itsm.ActionOnIssue, ParentID: *got.IssueID, Description: "Agree a payment run with the customers' finance teams",
		OwnerID: owner("manager@programme.example"), DueDate: date(4)}); err != nil {
		return fmt.Errorf("seed issue action: %w", err)
	}
	direct := &itsm.ProgrammeIssue{Title: "Supplier onboarding backlog", Description: "Forty suppliers are waiting for catalogue approval.",
		Severity: itsm.SeverityMedium, Status: itsm.IssueInProgress, OwnerID: owner("agent@programme.example")}
	if err := db.CreateIssue(manager, direct); err != nil {
		return fmt.Errorf("seed issue: %w", err)
	}
	return nil
}
