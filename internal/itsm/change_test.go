package itsm

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// persona is someone who may try an action on the change in changeFor.
type persona struct {
	name  string
	actor *Actor
}

const (
	orgA, orgB, provP, provQ = 10, 11, 20, 21
	requesterID              = 100
)

func personas() []persona {
	return []persona{
		{"requester", &Actor{UserID: requesterID, OrgID: orgA, OrgKind: OrgCustomer, Role: RoleCustomerUser}},
		{"org_user", &Actor{UserID: 101, OrgID: orgA, OrgKind: OrgCustomer, Role: RoleCustomerUser}},
		{"org_admin", &Actor{UserID: 102, OrgID: orgA, OrgKind: OrgCustomer, Role: RoleCustomerAdmin}},
		{"other_admin", &Actor{UserID: 103, OrgID: orgB, OrgKind: OrgCustomer, Role: RoleCustomerAdmin}},
		{"agent", &Actor{UserID: 1, OrgID: 1, OrgKind: OrgProgramme, Role: RoleAgent}},
		{"manager", &Actor{UserID: 2, OrgID: 1, OrgKind: OrgProgramme, Role: RoleManager}},
		{"admin", &Actor{UserID: 3, OrgID: 1, OrgKind: OrgProgramme, Role: RoleAdmin}},
		{"provider", &Actor{UserID: 4, OrgID: provP, OrgKind: OrgProvider, Role: RoleProviderAgent}},
		{"other_provider", &Actor{UserID: 5, OrgID: provQ, OrgKind: OrgProvider, Role: RoleProviderAgent}},
		{"auditor", &Actor{UserID: 6, OrgID: 1, OrgKind: OrgProgramme, Role: RoleAuditor}},
		{"system", SystemActor("test")},
		{"anonymous", &Actor{Name: "anonymous"}},
	}
}

// The lifecycle as the design says it, written out independently of the
// table in change_rules.go.
var (
	staff          = []string{"agent", "manager", "admin", "system"}
	managers       = []string{"manager", "admin", "system"}
	owners         = []string{"requester", "org_admin", "agent", "manager", "admin", "system"}
	workers        = []string{"agent", "manager", "admin", "system", "provider"}
	preDeliv       = []ChangeState{ChangeDraft, ChangeSubmitted, ChangeSpecReview, ChangeClarification, ChangeEstimation, ChangeAwaitingAcceptance, ChangeAwaitingApproval, ChangeApproved, ChangeScheduled}
	holdableStates = []ChangeState{ChangeSubmitted, ChangeSpecReview, ChangeClarification, ChangeEstimation, ChangeAwaitingAcceptance, ChangeAwaitingApproval, ChangeApproved, ChangeScheduled, ChangeInDelivery}
)

// designFrom is where each action may be taken from (on hold handled
// apart).
var designFrom = map[ChangeAction][]ChangeState{
	ActSubmit:               {ChangeDraft},
	ActStartReview:          {ChangeSubmitted},
	ActRequestClarification: {ChangeSpecReview},
	ActAnswerClarification:  {ChangeClarification},
	ActAcceptSpec:           {ChangeSpecReview},
	ActSubmitQuote:          {ChangeEstimation},
	ActAcceptQuote:          {ChangeAwaitingAcceptance},
	ActDeclineQuote:         {ChangeAwaitingAcceptance},
	ActApprove:              {ChangeAwaitingApproval},
	ActSchedule:             {ChangeApproved, ChangeScheduled},
	ActStartDelivery:        {ChangeScheduled},
	ActDeliver:              {ChangeInDelivery},
	ActClose:                {ChangeDelivered},
	ActReject:               {ChangeSpecReview, ChangeClarification, ChangeEstimation, ChangeAwaitingAcceptance, ChangeAwaitingApproval},
	ActWithdraw:             preDeliv,
	ActHold:                 holdableStates,
	ActResume:               {ChangeOnHold},
}

// designWho is who may take the action on c.
func designWho(c *ChangeRequest, act ChangeAction) []string {
	switch act {
	case ActSubmit, ActAnswerClarification, ActWithdraw:
		return owners
	case ActSubmitQuote, ActStartDelivery, ActDeliver:
		return workers
	case ActAcceptQuote, ActDeclineQuote:
		if c.CustomerSponsored {
			return []string{"org_admin"}
		}
		return []string{"org_admin", "manager", "admin", "system"}
	case ActApprove:
		return managers
	case ActReject:
		if c.State == ChangeAwaitingAcceptance || c.State == ChangeAwaitingApproval {
			return managers
		}
		return staff
	}
	return staff
}

func designStateAllows(c *ChangeRequest, act ChangeAction) bool {
	if c.State == ChangeOnHold && act == ActWithdraw {
		return slices.Contains(preDeliv, c.HeldFrom)
	}
	if c.State == ChangeOnHold {
		return act == ActResume
	}
	return slices.Contains(designFrom[act], c.State)
}

// TestChangeLifecycleExhaustive tries every action from every state (on
// hold from every state it can be held from), on changes with and without a
// customer sponsor, as every kind of person, against the design above.
func TestChangeLifecycleExhaustive(t *testing.T) {
	var changes []*ChangeRequest
	for _, sponsored := range []bool{true, false} {
		for _, s := range ChangeStates {
			if s == ChangeOnHold {
				for _, from := range holdableStates {
					changes = append(changes, &ChangeRequest{Ref: "RFC-0001", OrgID: orgA, OrgName: "Glenmorven Council", RequesterID: requesterID, ProviderID: ptr(int64(provP)), CustomerSponsored: sponsored, State: s, HeldFrom: from})
				}
				continue
			}
			changes = append(changes, &ChangeRequest{Ref: "RFC-0001", OrgID: orgA, OrgName: "Glenmorven Council", RequesterID: requesterID, ProviderID: ptr(int64(provP)), CustomerSponsored: sponsored, State: s})
		}
	}
	tried, allowed := 0, 0
	for _, c := range changes {
		for _, act := range ChangeActions {
			for _, p := range personas() {
				tried++
				err := CheckChangeAction(c, p.actor, act)
				what := fmt.Sprintf("%s (held from %q, sponsored %v) %s by %s", c.State, c.HeldFrom, c.CustomerSponsored, act, p.name)
				var want string
				switch {
				case p.name == "auditor":
					want = EFORBIDDEN
				case !designStateAllows(c, act):
					want = ECONFLICT
				case !slices.Contains(designWho(c, act), p.name):
					want = EFORBIDDEN
				}
				if ErrorCode(err) != want {
					t.Errorf("%s: got %v, want %q", what, err, want)
					continue
				}
				if err == nil {
					allowed++
					continue
				}
				if msg := ErrorMessage(err); !strings.HasSuffix(msg, ".") || len(msg) < 20 {
					t.Errorf("%s: %q is not a sentence saying why", what, msg)
				}
			}
		}
	}
	if tried != 2*(len(ChangeStates)-1+len(holdableStates))*len(ChangeActions)*len(personas()) || allowed == 0 {
		t.Fatalf("tried %d, allowed %d", tried, allowed)
	}
	if err := CheckChangeAction(&ChangeRequest{State: ChangeDraft}, SystemActor("x"), "teleport"); ErrorCode(err) != EINVALID {
		t.Fatalf("unknown action: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestChangeSentences(t *testing.T) {
	c := &ChangeRequest{Ref: "RFC-0007", OrgID: orgA, OrgName: "Glenmorven Council", RequesterID: requesterID, CustomerSponsored: true, State: ChangeAwaitingAcceptance}
	agent := personas()[4].actor
	if err := CheckChangeAction(c, agent, ActAcceptQuote); ErrorMessage(err) != "Only a customer admin of Glenmorven Council can accept the quote." {
		t.Errorf("accept quote as agent: %v", err)
	}
	c.State = ChangeEstimation
	if err := CheckChangeAction(c, agent, ActSchedule); !strings.Contains(ErrorMessage(err), "A change cannot be scheduled before its quote is accepted and approved.") {
		t.Errorf("schedule in estimation: %v", err)
	}
	c.State = ChangeClosed
	if err := CheckChangeAction(c, agent, ActHold); !strings.Contains(ErrorMessage(err), "closed") {
		t.Errorf("hold when closed: %v", err)
	}
	c.State, c.HeldFrom = ChangeOnHold, ChangeInDelivery
	if err := CheckChangeAction(c, agent, ActWithdraw); !strings.Contains(ErrorMessage(err), "delivery has started") {
		t.Errorf("withdraw held delivery: %v", err)
	}
	if got := ChangeActionTarget(c, ActResume); got != ChangeInDelivery {
		t.Errorf("resume goes to %s", got)
	}
	c.State = ChangeApproved
	if got := ChangeActionsFor(c, agent); !slices.Equal(got, []ChangeAction{ActSchedule, ActWithdraw, ActHold}) {
		t.Errorf("agent's actions on an approved change: %v", got)
	}
}

func TestRAGOfChange(t *testing.T) {
	today := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	d := func(day int) *time.Time { t := time.Date(2026, 6, day, 0, 0, 0, 0, time.UTC); return &t }
	budget := func(p int64) *int64 { return &p }
	for _, c := range []struct {
		name string
		c    ChangeRequest
		want ChangeRAG
	}{
		{"not approved", ChangeRequest{State: ChangeEstimation}, ChangeRAGGrey},
		{"budget but no committed date", ChangeRequest{State: ChangeApproved, ApprovedBudget: budget(1000)}, ChangeRAGGrey},
		{"withdrawn after approval", ChangeRequest{State: ChangeWithdrawn, ApprovedBudget: budget(1000), CommittedDate: d(1)}, ChangeRAGGrey},
		{"rejected", ChangeRequest{State: ChangeRejected, ApprovedBudget: budget(1000), CommittedDate: d(1)}, ChangeRAGGrey},
		{"on track", ChangeRequest{State: ChangeScheduled, ApprovedBudget: budget(1000), CommittedDate: d(20), ActualCost: 500}, ChangeRAGGreen},
		{"exactly 90% of budget", ChangeRequest{State: ChangeScheduled, ApprovedBudget: budget(1000), CommittedDate: d(20), ActualCost: 900}, ChangeRAGGreen},
		{"past 90% of budget", ChangeRequest{State: ChangeScheduled, ApprovedBudget: budget(1000), CommittedDate: d(20), ActualCost: 901}, ChangeRAGAmber},
		{"exactly the budget", ChangeRequest{State: ChangeScheduled, ApprovedBudget: budget(1000), CommittedDate: d(20), ActualCost: 1000}, ChangeRAGAmber},
		{"over budget", ChangeRequest{State: ChangeScheduled, ApprovedBudget: budget(1000), CommittedDate: d(20), ActualCost: 1001}, ChangeRAGRed},
		{"zero budget, no cost", ChangeRequest{State: ChangeApproved, ApprovedBudget: budget(0), CommittedDate: d(20)}, ChangeRAGGreen},
		{"zero budget, a penny", ChangeRequest{State: ChangeApproved, ApprovedBudget: budget(0), CommittedDate: d(20), ActualCost: 1}, ChangeRAGRed},
		{"forecast after committed", ChangeRequest{State: ChangeInDelivery, ApprovedBudget: budget(1000), CommittedDate: d(20), ForecastDate: d(21)}, ChangeRAGAmber},
		{"forecast on committed", ChangeRequest{State: ChangeInDelivery, ApprovedBudget: budget(1000), CommittedDate: d(20), ForecastDate: d(20)}, ChangeRAGGreen},
		{"committed date is today", ChangeRequest{State: ChangeInDelivery, ApprovedBudget: budget(1000), CommittedDate: d(10)}, ChangeRAGGreen},
		{"committed date passed undelivered", ChangeRequest{State: ChangeInDelivery, ApprovedBudget: budget(1000), CommittedDate: d(9)}, ChangeRAGRed},
		{"delivered late", ChangeRequest{State: ChangeDelivered, ApprovedBudget: budget(1000), CommittedDate: d(5), ActualDate: d(6)}, ChangeRAGRed},
		{"delivered on time, committed since passed", ChangeRequest{State: ChangeClosed, ApprovedBudget: budget(1000), CommittedDate: d(5), ActualDate: d(5)}, ChangeRAGGreen},
		{"delivered, stale forecast late", ChangeRequest{State: ChangeDelivered, ApprovedBudget: budget(1000), CommittedDate: d(5), ForecastDate: d(8), ActualDate: d(4)}, ChangeRAGGreen},
		{"on hold, late", ChangeRequest{State: ChangeOnHold, HeldFrom: ChangeScheduled, ApprovedBudget: budget(1000), CommittedDate: d(1)}, ChangeRAGRed},
	} {
		if got := RAGOfChange(&c.c, today); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if len(ChangeRAGRules()) < 4 {
		t.Error("the rules are not written out")
	}
}

func TestChangeVarianceAndQuarter(t *testing.T) {
	b := int64(1000)
	c := ChangeRequest{ApprovedBudget: &b, ActualCost: 1250}
	committed, forecast := time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC)
	c.CommittedDate, c.ForecastDate = &committed, &forecast
	v := c.Variance()
	if *v.Cost != 250 || *v.Days != 7 {
		t.Fatalf("variance %d %d", *v.Cost, *v.Days)
	}
	if (&ChangeRequest{}).Variance() != (ChangeVariance{}) {
		t.Fatal("variance without a baseline")
	}
	q, err := ParseQuarter("2026-q4")
	if err != nil || q.String() != "2026-Q4" || !q.Start().Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) || !q.End().Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("quarter %v %v", q, err)
	}
	for _, bad := range []string{"", "2026", "2026-Q0", "2026-Q5", "Q1-2026", "1999-Q1"} {
		if _, err := ParseQuarter(bad); ErrorCode(err) != EINVALID {
			t.Errorf("%q parsed", bad)
		}
	}
	if QuarterOf(time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)) != (Quarter{2026, 1}) {
		t.Error("quarter of 31 March")
	}
	s := DeliveryScore{Delivered: 3, OnTime: 2}
	if p, ok := s.Percent(s.OnTime); !ok || p != 67 {
		t.Errorf("percent %d", p)
	}
	if _, ok := (&DeliveryScore{}).Percent(0); ok {
		t.Error("a percentage of nothing")
	}
	if ChangeRef(ChangeWorkRequest, 7) != "WR-0007" || ChangeRef(ChangeCCN, 12345) != "CCN-12345" {
		t.Error("references")
	}
}

func TestChangeValidation(t *testing.T) {
	today := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	rfc := func(f func(*NewChange)) NewChange {
		n := NewChange{Kind: ChangeRFC, Subtype: RFCCosmetic, Title: "T", Description: "D"}
		f(&n)
		return n
	}
	ccn := func(f func(*NewChange)) NewChange {
		n := NewChange{Kind: ChangeCCN, Title: "T", Description: "D", ContractRef: "C-1", Variation: "More", CostImpact: -5000, TimeImpactDays: -2.5}
		f(&n)
		return n
	}
	for _, c := range []struct {
		n     NewChange
		field string
	}{
		{rfc(func(*NewChange) {}), ""},
		{ccn(func(*NewChange) {}), ""},
		{rfc(func(n *NewChange) { n.Kind = "memo" }), "kind"},
		{rfc(func(n *NewChange) { n.Title = "  " }), "title"},
		{rfc(func(n *NewChange) { n.Title = strings.Repeat("x", 201) }), "title"},
		{rfc(func(n *NewChange) { n.Title = "a\x00b" }), "title"},
		{rfc(func(n *NewChange) { n.Description = "" }), "description"},
		{rfc(func(n *NewChange) { n.Subtype = "" }), "subtype"},
		{rfc(func(n *NewChange) { n.Service = strings.Repeat("s", 101) }), "service"},
		{rfc(func(n *NewChange) { n.CostImpact = 5 }), "contract_ref"},
		{ccn(func(n *NewChange) { n.ContractRef = "" }), "contract_ref"},
		{ccn(func(n *NewChange) { n.Variation = "" }), "variation"},
		{ccn(func(n *NewChange) { n.CostImpact = MaxChangePence + 1 }), "cost_impact"},
		{ccn(func(n *NewChange) { n.TimeImpactDays = 0.25 }), "time_impact_days"},
		{ccn(func(n *NewChange) { n.TimeImpactDays = 4000 }), "time_impact_days"},
		{ccn(func(n *NewChange) { n.Subtype = RFCCosmetic }), "subtype"},
	} {
		err := c.n.Validate()
		if (c.field == "") != (err == nil) || (c.field != "" && ErrorFields(err)[c.field] == "") {
			t.Errorf("%+v: %v, want a problem with %q", c.n, err, c.field)
		}
	}
	for _, c := range []struct {
		tr    ChangeTransition
		field string
	}{
		{ChangeTransition{Action: ActSubmit}, ""},
		{ChangeTransition{Action: "fly"}, "action"},
		{ChangeTransition{Action: ActSchedule}, "action"},
		{ChangeTransition{Action: ActReject}, "note"},
		{ChangeTransition{Action: ActHold, Note: " "}, "note"},
		{ChangeTransition{Action: ActSubmit, Conditions: "x"}, "conditions"},
		{ChangeTransition{Action: ActDeliver}, "actual_date"},
		{ChangeTransition{Action: ActDeliver, ActualDate: today.AddDate(0, 0, 1)}, "actual_date"},
		{ChangeTransition{Action: ActDeliver, ActualDate: today}, ""},
		{ChangeTransition{Action: ActSubmit, ActualDate: today}, "actual_date"},
		{ChangeTransition{Action: ActClose, Note: "n"}, "review_outcome"},
		{ChangeTransition{Action: ActClose, Note: "n", ReviewOutcome: "meh"}, "review_outcome"},
		{ChangeTransition{Action: ActClose, Note: "n", ReviewOutcome: ReviewSuccessful}, ""},
		{ChangeTransition{Action: ActApprove, ReviewOutcome: ReviewSuccessful}, "review_outcome"},
	} {
		err := c.tr.Validate(today)
		if (c.field == "") != (err == nil) || (c.field != "" && ErrorFields(err)[c.field] == "") {
			t.Errorf("%+v: %v, want a problem with %q", c.tr, err, c.field)
		}
	}
	start := time.Date(2026, 4, 6, 18, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		s     ChangeSchedule
		field string
	}{
		{ChangeSchedule{TargetRelease: "R", WindowStart: start, WindowEnd: start.Add(time.Hour)}, ""},
		{ChangeSchedule{WindowStart: start, WindowEnd: start.Add(time.Hour)}, "target_release"},
		{ChangeSchedule{TargetRelease: "R", WindowStart: start, WindowEnd: start}, "window_end"},
		{ChangeSchedule{TargetRelease: "R", WindowStart: start, WindowEnd: start.Add(-time.Hour)}, "window_end"},
		{ChangeSchedule{TargetRelease: "R", WindowStart: start, WindowEnd: start.Add(15 * 24 * time.Hour)}, "window_end"},
		{ChangeSchedule{TargetRelease: "R", WindowEnd: start}, "window_start"},
	} {
		err := c.s.Validate("Ordering")
		if (c.field == "") != (err == nil) || (c.field != "" && ErrorFields(err)[c.field] == "") {
			t.Errorf("%+v: %v, want a problem with %q", c.s, err, c.field)
		}
	}
	if err := (&ChangeSchedule{TargetRelease: "R", WindowStart: start, WindowEnd: start.Add(time.Hour)}).Validate(""); ErrorFields(err)["service"] == "" {
		t.Errorf("no service: %v", err)
	}
	for _, c := range []struct {
		e     NewChangeEstimate
		field string
	}{
		{NewChangeEstimate{EffortDays: 0.1, Cost: 0, DeliveryDate: today}, ""},
		{NewChangeEstimate{EffortDays: 0, Cost: 1, DeliveryDate: today}, "effort_days"},
		{NewChangeEstimate{EffortDays: 1.05, Cost: 1, DeliveryDate: today}, "effort_days"},
		{NewChangeEstimate{EffortDays: 1, Cost: -1, DeliveryDate: today}, "cost"},
		{NewChangeEstimate{EffortDays: 1, Cost: MaxChangePence + 1, DeliveryDate: today}, "cost"},
		{NewChangeEstimate{EffortDays: 1, Cost: 1, DeliveryDate: today.AddDate(0, 0, -1)}, "delivery_date"},
		{NewChangeEstimate{EffortDays: 1, Cost: 1}, "delivery_date"},
	} {
		err := c.e.Validate(today)
		if (c.field == "") != (err == nil) || (c.field != "" && ErrorFields(err)[c.field] == "") {
			t.Errorf("%+v: %v, want a problem with %q", c.e, err, c.field)
		}
	}
	for _, c := range []struct {
		c     NewChangeCost
		field string
	}{
		{NewChangeCost{Date: today, Amount: 1, Note: "n"}, ""},
		{NewChangeCost{Date: today, Amount: MaxChangePence, Note: "n"}, ""},
		{NewChangeCost{Date: today, Amount: 0, Note: "n"}, "amount"},
		{NewChangeCost{Date: today, Amount: -10, Note: "n"}, "amount"},
		{NewChangeCost{Date: today, Amount: MaxChangePence + 1, Note: "n"}, "amount"},
		{NewChangeCost{Date: today.AddDate(0, 0, 1), Amount: 1, Note: "n"}, "date"},
		{NewChangeCost{Date: today, Amount: 1}, "note"},
	} {
		err := c.c.Validate(today)
		if (c.field == "") != (err == nil) || (c.field != "" && ErrorFields(err)[c.field] == "") {
			t.Errorf("%+v: %v, want a problem with %q", c.c, err, c.field)
		}
	}
	f := ChangeFilter{State: []ChangeState{"pondering"}}
	if ErrorFields(f.Validate())["state"] == "" {
		t.Error("unknown state accepted")
	}
}
