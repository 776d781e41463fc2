package itsm

import (
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/sla"
)

func TestReviewValidate(t *testing.T) {
	good := func() Review {
		return Review{ProviderID: 2, Title: " Q3 ", PeriodFrom: day(2026, 7, 1), PeriodTo: day(2026, 9, 30),
			MeetingAt: time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC), Attendees: []ReviewAttendee{{Name: " Priya ", Role: "Provider"}, {}}}
	}
	r := good()
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.Title != "Q3" || r.Status != ReviewPlanned || len(r.Attendees) != 1 || r.Attendees[0].Name != "Priya" {
		t.Fatalf("not normalised: %+v", r)
	}
	for _, tc := range []struct {
		field string
		mod   func(*Review)
	}{
		{"title", func(r *Review) { r.Title = "" }},
		{"provider_id", func(r *Review) { r.ProviderID = 0 }},
		{"period_to", func(r *Review) { r.PeriodTo = day(2026, 6, 30) }},
		{"period_to", func(r *Review) { r.PeriodTo = day(2027, 7, 1) }},
		{"period_from", func(r *Review) { r.PeriodFrom = time.Time{} }},
		{"meeting_at", func(r *Review) { r.MeetingAt = time.Time{} }},
		{"status", func(r *Review) { r.Status = "cancelled" }},
		{"attendees", func(r *Review) { r.Attendees = []ReviewAttendee{{Role: "Nameless"}} }},
		{"location", func(r *Review) { r.Location = "a\nb" }},
	} {
		r := good()
		tc.mod(&r)
		if f := ErrorFields(r.Validate()); f[tc.field] == "" {
			t.Errorf("%s: want a problem, got %v", tc.field, f)
		}
	}
	// The same day, and a year less a day, are allowed.
	for _, to := range []time.Time{day(2026, 7, 1), day(2027, 6, 30)} {
		r := good()
		r.PeriodTo = to
		if err := r.Validate(); err != nil {
			t.Errorf("to %v: %v", to, err)
		}
	}
}

func TestReviewPeriodAndTitle(t *testing.T) {
	if got := DefaultReviewTitle(day(2026, 7, 1)); got != "Performance review, Q3 2026" {
		t.Fatalf("title %q", got)
	}
	// A summer period starts and ends at midnight BST, 23:00 UTC.
	r := Review{PeriodFrom: day(2026, 7, 1), PeriodTo: day(2026, 9, 30)}
	if got, want := r.PeriodStart().UTC(), time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("start %v, want %v", got, want)
	}
	if got, want := r.PeriodEnd().UTC(), time.Date(2026, 9, 30, 23, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("end %v, want %v", got, want)
	}
}

func TestReviewActionRules(t *testing.T) {
	owner := int64(7)
	a := ReviewAction{Title: "Send the plan", OwnerID: &owner, DueDate: time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)}
	if err := a.Validate(); err != nil || a.Status != ReviewActionOpen || !a.DueDate.Equal(day(2026, 3, 10)) {
		t.Fatalf("%v %+v", err, a)
	}
	a.Derive(time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC))
	if a.Overdue {
		t.Fatal("overdue on its due day")
	}
	a.Derive(time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC))
	if !a.Overdue {
		t.Fatal("not overdue the day after")
	}
	if f := ErrorFields((&ReviewAction{Title: "x", DueDate: day(2026, 1, 1)}).Validate()); f["owner"] == "" {
		t.Fatal("no owner accepted")
	}
	prov := &Actor{UserID: 7, OrgID: 2, OrgKind: OrgProvider, Role: RoleProviderAgent}
	other := &Actor{UserID: 8, OrgID: 2, OrgKind: OrgProvider, Role: RoleProviderAgent}
	agent := &Actor{UserID: 3, OrgID: 1, OrgKind: OrgProgramme, Role: RoleAgent}
	auditor := &Actor{UserID: 4, OrgID: 1, OrgKind: OrgProgramme, Role: RoleAuditor}
	for _, tc := range []struct {
		a    *Actor
		want bool
	}{{prov, true}, {other, false}, {agent, true}, {auditor, false}} {
		if got := tc.a.CanUpdateReviewAction(&a); got != tc.want {
			t.Errorf("user %d: %v, want %v", tc.a.UserID, got, tc.want)
		}
	}
	if agent.CanManageReviews() || !agent.CanRecordReviews() || auditor.CanRecordReviews() || !auditor.CanReadReviews() {
		t.Fatal("staff rules")
	}
	cust := &Actor{UserID: 9, OrgID: 5, OrgKind: OrgCustomer, Role: RoleCustomerAdmin}
	if cust.CanReadReviews() || cust.ReviewScope() != -1 || prov.ReviewScope() != 2 || auditor.ReviewScope() != 0 {
		t.Fatal("scopes")
	}
}

func TestReviewSLABuilder(t *testing.T) {
	from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	asAt := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	at := func(d, h int) time.Time { return time.Date(2026, 2, d, h, 0, 0, 0, time.UTC) }
	met := func(due, when time.Time, elapsed time.Duration) sla.Clock {
		return sla.Clock{Due: due, Met: true, MetAt: when, Breached: when.After(due), Elapsed: elapsed}
	}
	b := NewReviewSLABuilder(from, to, asAt)
	// P2: response on time, resolution two hours late.
	b.Add(SLAReportTicket{ID: 1, Ref: "INC-1", Priority: "P2"}, "One", sla.Result{Response: met(at(2, 10), at(2, 9), time.Hour), Resolution: met(at(2, 17), at(2, 19), 10*time.Hour)})
	// P1: response still running and past due since 26 Feb; resolution not due yet.
	b.Add(SLAReportTicket{ID: 2, Ref: "INC-2", Priority: "P1"}, "Two", sla.Result{Response: sla.Clock{Due: at(26, 9), Breached: true}, Resolution: sla.Clock{Due: asAt.Add(time.Hour)}})
	// Resolved in March: out of the period.
	b.Add(SLAReportTicket{ID: 3, Ref: "INC-3", Priority: "P2"}, "Three", sla.Result{Response: met(at(27, 10), at(27, 9), time.Hour), Resolution: met(to.Add(48*time.Hour), to.Add(time.Hour), 8*time.Hour)})
	rows := b.Rows()
	if len(rows) != 3 || rows[0].Priority != "P1" || rows[1].Priority != "P2" || rows[2].Level != SLAOverallRow {
		t.Fatalf("rows %+v", rows)
	}
	all := rows[2]
	if all.Tickets != 3 || all.Responses != 3 || all.ResponsesMet != 2 || all.ResponseBreachesOpen != 1 || all.Resolutions != 1 || all.ResolutionBreaches != 1 ||
		*all.MeanResolveSeconds != 36000 {
		t.Fatalf("overall %+v", all)
	}
	br := b.Breaches()
	if len(br) != 2 || br[0].TicketRef != "INC-2" || br[0].Target != TargetResponse || !br[0].Open || br[0].Over != asAt.Sub(at(26, 9)) ||
		br[1].TicketRef != "INC-1" || br[1].Over != 2*time.Hour {
		t.Fatalf("breaches %+v", br)
	}
	if p := PooledAvailability([]ServiceAvailability{{AvailabilityStats: AvailabilityStats{Samples: 3, Failures: 1}}, {AvailabilityStats: AvailabilityStats{Samples: 1}}}); p == nil || *p != 75 {
		t.Fatalf("pooled %v", p)
	}
	if PooledAvailability(nil) != nil {
		t.Fatal("pooled availability of nothing")
	}
}
