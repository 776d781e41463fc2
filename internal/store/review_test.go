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

// mustReview plans a review of the fixture's provider as the manager.
func mustReview(t *testing.T, db *store.DB, f *storetest.Fixture, title string, from, to, meeting time.Time) *itsm.Review {
	t.Helper()
	r := &itsm.Review{ProviderID: f.Provider.ID, Title: title, PeriodFrom: from, PeriodTo: to, MeetingAt: meeting, Location: "Room 2 and Teams"}
	if err := db.CreateReview(storetest.As(f.Manager), r); err != nil {
		t.Fatalf("create review %s: %v", title, err)
	}
	return r
}

// mustDeliveredChange takes an approved change (quoted for committed,
// costing quote pence) through scheduling and delivery on actual, spending
// spent pence on the way. It moves the clock.
func mustDeliveredChange(t *testing.T, db *store.DB, f *storetest.Fixture, title string, quote, spent int64, committed, actual time.Time) *itsm.ChangeRequest {
	t.Helper()
	clock := storetest.ClockOf(db)
	clock.Set(committed.AddDate(0, 0, -20).Add(9 * time.Hour))
	agent, prov := storetest.As(f.Agent), storetest.As(f.ProviderAgent)
	c := mustApproved(t, db, f, title, quote, committed)
	var err error
	if c, _, err = db.ScheduleChange(agent, c.ID, itsm.ChangeSchedule{TargetRelease: "2026.2", WindowStart: committed.AddDate(0, 0, -3), WindowEnd: committed.AddDate(0, 0, -2), Version: c.Version}); err != nil {
		t.Fatalf("schedule %s: %v", title, err)
	}
	c = step(t, db, prov, c, itsm.ChangeTransition{Action: itsm.ActStartDelivery})
	if _, err := db.AddChangeCost(prov, c.ID, itsm.NewChangeCost{Date: committed.AddDate(0, 0, -20), Amount: spent, Note: "Development"}); err != nil {
		t.Fatalf("cost of %s: %v", title, err)
	}
	c, _ = db.FindChangeByID(agent, c.ID)
	clock.Set(actual.Add(15 * time.Hour))
	return step(t, db, prov, c, itsm.ChangeTransition{Action: itsm.ActDeliver, ActualDate: actual})
}

func TestReviewPackFigures(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		// The SLA scenario: the provider's tickets in February are T1 (P3,
		// both targets met, 10 business hours to resolve) and T3 (P3,
		// response met, resolution due Mon 9 Feb 17:00 and resolved Tue 10
		// Feb 10:00: a breach by 17 hours, 25 business hours to resolve).
		f := seedSLAScenario(t, db)
		clock := storetest.ClockOf(db)
		sys := storetest.System()
		t7, err := db.FindTicketByRef(sys, "INC-000009")
		if err != nil || t7.Title != "T7" {
			t.Fatalf("T7: %v %+v", err, t7)
		}

		// Change delivery in February: one late (committed 10 Feb,
		// delivered 12 Feb), one over budget (£1,000.00 quoted, £1,500.00
		// spent, delivered on time), and one in March (out of the period).
		late := mustDeliveredChange(t, db, f, "Late change", 100000, 90000, day(2026, 2, 10), day(2026, 2, 12))
		over := mustDeliveredChange(t, db, f, "Over-budget change", 100000, 150000, day(2026, 2, 25), day(2026, 2, 24))
		mustDeliveredChange(t, db, f, "March change", 50000, 10000, day(2026, 3, 20), day(2026, 3, 19))

		// Availability: the provider's portal check ran five times on 10
		// February, failing once (80%); a check nobody operates does not
		// count.
		clock.Set(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC))
		prov := f.Provider.ID
		portal := mustCheck(t, db, "Portal", "Purchasing portal", func(c *itsm.Check) { c.ProviderID = &prov; c.IncidentAfter = 3 })
		unoperated := mustCheck(t, db, "Reporting", "Reporting", nil)
		var rs []itsm.CheckResult
		for i, up := range []bool{true, true, false, true, true} {
			at := time.Date(2026, 2, 10, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * 30 * time.Second)
			rs = append(rs, result(portal.ID, at, up, 100+20*i), result(unoperated.ID, at, false, 100))
		}
		clock.Set(time.Date(2026, 2, 10, 10, 5, 0, 0, time.UTC))
		if err := db.RecordCheckResults(sys, rs); err != nil {
			t.Fatal(err)
		}

		clock.Set(time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC))
		// An open escalation of T7 (escalated to the provider), an open
		// problem of the provider, a risk its agent owns, and a risk of
		// nobody at the provider that must not appear.
		if _, err := db.Escalate(storetest.As(f.CustomerUserB), t7.ID, "Nobody has told us when this will be fixed."); err != nil {
			t.Fatalf("escalate T7: %v", err)
		}
		if err := db.CreateProblem(storetest.As(f.Agent), &itsm.Problem{Title: "Nightly batch overruns", ProviderID: &prov}); err != nil {
			t.Fatal(err)
		}
		owned := mustRisk(t, db, f, &itsm.Risk{Title: "Hosting contract renewal slips", OwnerID: &f.ProviderAgent.ID, Likelihood: 4, Impact: 3, Status: itsm.RiskOpen})
		mustRisk(t, db, f, &itsm.Risk{Title: "Programme budget cut", OwnerID: &f.Agent.ID, Likelihood: 2, Impact: 2, Status: itsm.RiskOpen})

		r := mustReview(t, db, f, itsm.DefaultReviewTitle(day(2026, 2, 1)), day(2026, 2, 1), day(2026, 2, 28), time.Date(2026, 3, 27, 14, 0, 0, 0, time.UTC))
		if r.Title != "Performance review, Q1 2026" || r.Status != itsm.ReviewPlanned || r.ProviderName != f.Provider.Name {
			t.Fatalf("review: %+v", r)
		}
		p, err := db.ReviewPack(storetest.As(f.Auditor), r.ID)
		if err != nil {
			t.Fatalf("pack: %v", err)
		}
		if !p.From.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) || !p.To.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("period %v to %v", p.From, p.To)
		}
		var lines []string
		for _, row := range p.SLA {
			lines = append(lines, rowLine(row))
		}
		assertLines(t, lines, []string{
			"all Hosting Provider Ltd//P3 tickets 2 | resp 2 met 2 breached 0 open 0 100.00% | res 2 met 1 breached 1 open 0 50.00% | resolved 2 mean 63000 median 63000 p90 90000",
			"all All providers/All customers/All priorities tickets 2 | resp 2 met 2 breached 0 open 0 100.00% | res 2 met 1 breached 1 open 0 50.00% | resolved 2 mean 63000 median 63000 p90 90000",
		})
		if len(p.Breaches) != 1 || p.Breaches[0].TicketRef != "INC-000004" || p.Breaches[0].Target != itsm.TargetResolution || p.Breaches[0].Over != 17*time.Hour || p.Breaches[0].Open {
			t.Fatalf("breaches: %+v", p.Breaches)
		}
		if len(p.Escalations) != 1 || p.Escalations[0].TicketRef != "INC-000009" {
			t.Fatalf("escalations: %+v", p.Escalations)
		}
		if len(p.Problems) != 1 || p.Problems[0].Title != "Nightly batch overruns" {
			t.Fatalf("problems: %+v", p.Problems)
		}
		d := p.Delivery
		if d.Delivered != 2 || d.OnTime != 1 || d.WithinBudget != 1 || len(d.Exceptions) != 2 ||
			d.Exceptions[0].Ref != late.Ref || !d.Exceptions[0].Late || d.Exceptions[0].OverBudget ||
			d.Exceptions[1].Ref != over.Ref || d.Exceptions[1].Late || !d.Exceptions[1].OverBudget || d.Exceptions[1].ActualCost != 150000 {
			t.Fatalf("delivery: %+v", d)
		}
		if len(p.Risks) != 1 || p.Risks[0].ID != owned.ID || p.Risks[0].Score != 12 {
			t.Fatalf("risks: %+v", p.Risks)
		}
		sc := p.Scorecard
		if *sc.ResponsePercent != 100 || *sc.ResolutionPercent != 50 || *sc.OnTimePercent != 50 || *sc.WithinBudgetPercent != 50 {
			t.Fatalf("scorecard: %+v", sc)
		}
		if !p.AvailabilityChecked || len(p.Availability) != 1 || p.Availability[0].Service != "Purchasing portal" || p.Availability[0].Samples != 5 ||
			p.Availability[0].Failures != 1 || sc.AvailabilityPercent == nil || *sc.AvailabilityPercent != 80 {
			t.Fatalf("availability: %+v, scorecard %v", p.Availability, sc.AvailabilityPercent)
		}

		// The provider's agent reads its pack; customers and another
		// provider's agent do not, and an access refusal is audited.
		if _, err := db.ReviewPack(storetest.As(f.ProviderAgent), r.ID); err != nil {
			t.Fatalf("provider's pack: %v", err)
		}
		other := &itsm.Organisation{Name: "Other Provider plc", Kind: itsm.OrgProvider}
		if err := db.CreateOrganisation(sys, other); err != nil {
			t.Fatal(err)
		}
		otherAgent := &itsm.User{OrgID: other.ID, Email: "agent@other.test", Name: "Olly Other", Role: itsm.RoleProviderAgent}
		if err := db.CreateUser(sys, otherAgent, storetest.Password); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*itsm.User{otherAgent, f.CustomerAdminA, f.CustomerUserA, f.CustomerAdminB, f.CustomerUserB} {
			if _, err := db.ReviewPack(storetest.As(u), r.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("%s read the pack: %v", u.Email, err)
			}
			if _, err := db.FindReviewByID(storetest.As(u), r.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("%s read the review: %v", u.Email, err)
			}
			if list, total, err := db.FindReviews(storetest.As(u), itsm.ReviewFilter{}); err != nil || total != 0 || len(list) != 0 {
				t.Fatalf("%s lists %d reviews: %v", u.Email, total, err)
			}
			if _, err := db.ProviderScorecards(storetest.As(u), f.Provider.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("%s read the scorecards: %v", u.Email, err)
			}
		}
		if n := countAudit(t, db, itsm.AuditAccessRefused); n == 0 {
			t.Fatal("no access_refused audit entries")
		}

		// The scorecard trend: a second review of March.
		mustReview(t, db, f, "March review", day(2026, 3, 1), day(2026, 3, 31), time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
		cards, err := db.ProviderScorecards(storetest.As(f.ProviderAgent), f.Provider.ID)
		if err != nil || len(cards) != 2 || cards[0].ReviewID != r.ID || *cards[0].ResolutionPercent != 50 || cards[0].AvailabilityPercent == nil || *cards[0].AvailabilityPercent != 80 {
			t.Fatalf("scorecards: %v %+v", err, cards)
		}
		// March: T7's response met; one change delivered on time and
		// within budget.
		if c := cards[1]; *c.ResponsePercent != 100 || c.ResolutionPercent != nil || c.AvailabilityPercent != nil || *c.OnTimePercent != 100 || *c.WithinBudgetPercent != 100 {
			t.Fatalf("March scorecard: %+v", c)
		}
	})
}

func TestReviewRulesAndActions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		sys := storetest.System()
		mgr, agent, prov, aud := storetest.As(f.Manager), storetest.As(f.Agent), storetest.As(f.ProviderAgent), storetest.As(f.Auditor)
		meeting := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

		// Bad input names the field and writes nothing.
		for _, c := range []struct {
			r     itsm.Review
			field string
		}{
			{itsm.Review{ProviderID: f.Provider.ID, Title: "Reversed", PeriodFrom: day(2026, 2, 1), PeriodTo: day(2026, 1, 1), MeetingAt: meeting}, "period_to"},
			{itsm.Review{ProviderID: f.Provider.ID, Title: "Too long", PeriodFrom: day(2025, 1, 1), PeriodTo: day(2026, 1, 1), MeetingAt: meeting}, "period_to"},
			{itsm.Review{ProviderID: f.Provider.ID, Title: "  ", PeriodFrom: day(2025, 10, 1), PeriodTo: day(2025, 12, 31), MeetingAt: meeting}, "title"},
			{itsm.Review{ProviderID: 9999, Title: "Unknown provider", PeriodFrom: day(2025, 10, 1), PeriodTo: day(2025, 12, 31), MeetingAt: meeting}, "provider_id"},
			{itsm.Review{ProviderID: f.CustomerA.ID, Title: "A customer", PeriodFrom: day(2025, 10, 1), PeriodTo: day(2025, 12, 31), MeetingAt: meeting}, "provider_id"},
			{itsm.Review{ProviderID: f.Provider.ID, Title: "No meeting", PeriodFrom: day(2025, 10, 1), PeriodTo: day(2025, 12, 31)}, "meeting_at"},
			{itsm.Review{ProviderID: f.Provider.ID, Title: "Odd status", Status: "cancelled", PeriodFrom: day(2025, 10, 1), PeriodTo: day(2025, 12, 31), MeetingAt: meeting}, "status"},
		} {
			r := c.r
			if err := db.CreateReview(mgr, &r); itsm.ErrorCode(err) != itsm.EINVALID || itsm.ErrorFields(err)[c.field] == "" {
				t.Fatalf("%s: %v, want a problem with %s", c.r.Title, err, c.field)
			}
		}
		if _, total, _ := db.FindReviews(sys, itsm.ReviewFilter{}); total != 0 {
			t.Fatalf("%d reviews written by bad input", total)
		}
		// A year to the day before is the longest period.
		mustReview(t, db, f, "A whole year", day(2025, 1, 1), day(2025, 12, 31), meeting)

		// Who plans: managers and administrators only.
		for _, c := range []struct {
			u    *itsm.User
			code string
		}{{f.Agent, itsm.EFORBIDDEN}, {f.Auditor, itsm.EFORBIDDEN}, {f.ProviderAgent, itsm.EFORBIDDEN}, {f.CustomerAdminA, itsm.ENOTFOUND}} {
			r := itsm.Review{ProviderID: f.Provider.ID, Title: "Q4", PeriodFrom: day(2025, 10, 1), PeriodTo: day(2025, 12, 31), MeetingAt: meeting}
			if err := db.CreateReview(storetest.As(c.u), &r); itsm.ErrorCode(err) != c.code {
				t.Fatalf("%s planned a review: %v, want %s", c.u.Email, err, c.code)
			}
		}

		first := mustReview(t, db, f, "August review", day(2026, 5, 1), day(2026, 7, 31), time.Date(2026, 8, 12, 10, 0, 0, 0, time.UTC))
		second := mustReview(t, db, f, "November review", day(2026, 8, 1), day(2026, 10, 31), time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC))

		// Agents record minutes and attendees, but not the title; a stale
		// version is a conflict.
		minutes := "## Service\n\nThe provider reported **two** outages."
		attendees := []itsm.ReviewAttendee{{Name: "Priya Shah", Role: "Hosting Provider, service manager", Attended: true}, {Name: " ", Role: ""}}
		got, err := db.UpdateReview(agent, first.ID, itsm.ReviewUpdate{Minutes: &minutes, Attendees: &attendees, Version: first.Version})
		if err != nil || got.Minutes != minutes || len(got.Attendees) != 1 || !got.Attendees[0].Attended || got.Version != 2 {
			t.Fatalf("agent's minutes: %v %+v", err, got)
		}
		title := "Renamed"
		if _, err := db.UpdateReview(agent, first.ID, itsm.ReviewUpdate{Title: &title, Version: got.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("agent renamed: %v", err)
		}
		for _, u := range []*itsm.User{f.Auditor, f.ProviderAgent} {
			if _, err := db.UpdateReview(storetest.As(u), first.ID, itsm.ReviewUpdate{Minutes: &minutes, Version: got.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
				t.Fatalf("%s changed the minutes: %v", u.Email, err)
			}
		}
		if _, err := db.UpdateReview(mgr, first.ID, itsm.ReviewUpdate{Title: &title, Version: first.Version}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale version: %v", err)
		}
		held := itsm.ReviewHeld
		if got, err = db.UpdateReview(mgr, first.ID, itsm.ReviewUpdate{Status: &held, Version: got.Version}); err != nil || got.Status != itsm.ReviewHeld {
			t.Fatalf("held: %v", err)
		}
		blank := ""
		if _, err := db.UpdateReview(mgr, first.ID, itsm.ReviewUpdate{Title: &blank, Version: got.Version}); itsm.ErrorFields(err)["title"] == "" {
			t.Fatalf("blank title: %v", err)
		}

		// Actions: one owned by the provider's agent (open), one by a
		// named outsider (done), one by a customer (refused).
		open := &itsm.ReviewAction{Title: "Send the capacity plan", OwnerID: &f.ProviderAgent.ID, DueDate: day(2026, 9, 1)}
		if err := db.CreateReviewAction(agent, first.ID, open); err != nil || open.OwnerName != f.ProviderAgent.Name || open.Status != itsm.ReviewActionOpen {
			t.Fatalf("action: %v %+v", err, open)
		}
		done := &itsm.ReviewAction{Title: "Circulate the minutes", OwnerName: "Jo Bloggs (consultant)", DueDate: day(2026, 8, 20), Status: itsm.ReviewActionDone}
		if err := db.CreateReviewAction(mgr, first.ID, done); err != nil {
			t.Fatal(err)
		}
		bad := &itsm.ReviewAction{Title: "Customer action", OwnerID: &f.CustomerUserA.ID, DueDate: day(2026, 9, 1)}
		if err := db.CreateReviewAction(mgr, first.ID, bad); itsm.ErrorFields(err)["owner"] == "" {
			t.Fatalf("customer owner: %v", err)
		}
		if err := db.CreateReviewAction(prov, first.ID, &itsm.ReviewAction{Title: "x", OwnerName: "y", DueDate: day(2026, 9, 1)}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("provider recorded an action: %v", err)
		}
		if err := db.CreateReviewAction(mgr, first.ID, &itsm.ReviewAction{Title: "No owner", DueDate: day(2026, 9, 1)}); itsm.ErrorFields(err)["owner"] == "" {
			t.Fatalf("no owner: %v", err)
		}

		// The open action is carried forward into November's review, and
		// flagged overdue once its day has passed; the done one is not.
		storetest.ClockOf(db).Set(time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
		own, carried, err := db.ReviewActions(aud, second.ID)
		if err != nil || len(own) != 0 || len(carried) != 1 || carried[0].ID != open.ID || !carried[0].Overdue || carried[0].ReviewTitle != "August review" {
			t.Fatalf("carried: %v %+v %+v", err, own, carried)
		}
		// The first review does not carry its own actions.
		if _, carried, _ := db.ReviewActions(aud, first.ID); len(carried) != 0 {
			t.Fatalf("first review carries %+v", carried)
		}

		// The owner closes it (status and note only); another provider's
		// agent cannot see it; closing it anywhere closes it everywhere.
		note := "Sent on 10 November."
		newTitle := "Something else"
		if _, err := db.UpdateReviewAction(prov, open.ID, itsm.ReviewActionUpdate{Title: &newTitle, Version: open.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("owner retitled: %v", err)
		}
		other := &itsm.Organisation{Name: "Other Provider plc", Kind: itsm.OrgProvider}
		if err := db.CreateOrganisation(sys, other); err != nil {
			t.Fatal(err)
		}
		otherAgent := &itsm.User{OrgID: other.ID, Email: "agent@other.test", Name: "Olly Other", Role: itsm.RoleProviderAgent}
		if err := db.CreateUser(sys, otherAgent, storetest.Password); err != nil {
			t.Fatal(err)
		}
		st := itsm.ReviewActionDone
		if _, err := db.UpdateReviewAction(storetest.As(otherAgent), open.ID, itsm.ReviewActionUpdate{Status: &st, Version: open.Version}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("other provider closed it: %v", err)
		}
		if _, err := db.UpdateReviewAction(storetest.As(f.CustomerAdminA), open.ID, itsm.ReviewActionUpdate{Status: &st, Version: open.Version}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("customer closed it: %v", err)
		}
		if _, err := db.UpdateReviewAction(aud, open.ID, itsm.ReviewActionUpdate{Status: &st, Version: open.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor closed it: %v", err)
		}
		closed, err := db.UpdateReviewAction(prov, open.ID, itsm.ReviewActionUpdate{Status: &st, Note: &note, Version: open.Version})
		if err != nil || closed.Status != itsm.ReviewActionDone || closed.Note != note || closed.Overdue {
			t.Fatalf("owner closed: %v %+v", err, closed)
		}
		if _, err := db.UpdateReviewAction(agent, open.ID, itsm.ReviewActionUpdate{Status: &st, Version: open.Version}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale action: %v", err)
		}
		if _, carried, _ := db.ReviewActions(aud, second.ID); len(carried) != 0 {
			t.Fatalf("still carried: %+v", carried)
		}

		// Owners offered: programme and provider people, no customers.
		owners, err := db.ReviewActionOwners(agent, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range owners {
			names = append(names, u.Name)
			if u.OrgKind == itsm.OrgCustomer {
				t.Fatalf("customer offered as owner: %s", u.Email)
			}
		}
		if !strings.Contains(strings.Join(names, ","), f.ProviderAgent.Name) {
			t.Fatalf("owners: %v", names)
		}

		// Lists: filters and the provider's scope.
		if _, total, err := db.FindReviews(prov, itsm.ReviewFilter{}); err != nil || total != 3 {
			t.Fatalf("provider lists %d: %v", total, err)
		}
		if _, total, _ := db.FindReviews(storetest.As(otherAgent), itsm.ReviewFilter{}); total != 0 {
			t.Fatalf("other provider lists %d", total)
		}
		if list, total, _ := db.FindReviews(aud, itsm.ReviewFilter{Status: &held, Sort: "meeting_asc"}); total != 1 || list[0].ID != first.ID {
			t.Fatalf("held filter: %d", total)
		}
		if _, _, err := db.FindReviews(aud, itsm.ReviewFilter{Sort: "sideways"}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("bad sort: %v", err)
		}

		// Every change is audited.
		for action, want := range map[string]int{itsm.AuditCreate: 3, itsm.AuditUpdate: 2} {
			entries, _, err := db.FindAuditEntries(sys, itsm.AuditFilter{Action: &action, ObjectType: ptr("review")})
			if err != nil || len(entries) != want {
				t.Fatalf("%d review %s entries, want %d: %v", len(entries), action, want, err)
			}
		}
		created, _, _ := db.FindAuditEntries(sys, itsm.AuditFilter{Action: ptr(itsm.AuditCreate), ObjectType: ptr("review_action")})
		updated, _, _ := db.FindAuditEntries(sys, itsm.AuditFilter{Action: ptr(itsm.AuditUpdate), ObjectType: ptr("review_action")})
		if entries := append(created, updated...); len(entries) != 3 {
			t.Fatalf("%d review_action entries", len(entries))
		}
	})
}

func TestSeedDemoReviews(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite)
	if _, err := db.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	sys := storetest.System()
	reviews, total, err := db.FindReviews(sys, itsm.ReviewFilter{Sort: "meeting_asc"})
	if err != nil || total != 3 {
		t.Fatalf("%d demo reviews: %v", total, err)
	}
	if reviews[0].Minutes == "" || reviews[1].Minutes == "" || reviews[2].Status != itsm.ReviewPlanned || len(reviews[1].Attendees) != 4 {
		t.Fatalf("demo reviews: %+v", reviews)
	}
	// The open action of the first review is carried into both later ones.
	for _, r := range reviews[1:] {
		_, carried, err := db.ReviewActions(sys, r.ID)
		if err != nil || len(carried) != 1 || carried[0].ReviewID != reviews[0].ID {
			t.Fatalf("carried into %s: %v %+v", r.Title, err, carried)
		}
	}
	if _, err := db.ReviewPack(sys, reviews[2].ID); err != nil {
		t.Fatalf("pack of the planned review: %v", err)
	}
}
