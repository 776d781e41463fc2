package store

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// seedReviews adds the demo provider's performance reviews: the last two
// quarters' meetings, held and minuted, with actions (one still open, so it
// is carried into the next pack), and the coming quarter's meeting,
// planned.
func (db *DB) seedReviews(ctx context.Context, orgs map[string]*itsm.Organisation, accounts []DemoAccount) error {
	sys := itsm.NewContextWithActor(ctx, itsm.SystemActor("demo seed"))
	users := map[string]int64{}
	for _, a := range accounts {
		us, _, err := db.FindUsers(sys, itsm.UserFilter{Email: &a.Email, Limit: 1})
		if err != nil || len(us) == 0 {
			return fmt.Errorf("seed reviews: find %s: %v", a.Email, err)
		}
		users[a.Email] = us[0].ID
	}
	manager := itsm.NewContextWithActor(ctx, &itsm.Actor{UserID: users["manager@programme.example"], Name: "Hamish Grant", Email: "manager@programme.example",
		OrgID: orgs["National e-Procurement Programme"].ID, OrgKind: itsm.OrgProgramme, Role: itsm.RoleManager, IP: "127.0.0.1"})
	provider := orgs["Cairngorm Hosting Services Ltd"]
	owner := func(email string) *int64 { id := users[email]; return &id }

	// Quarters: the one before last, the last (both reviewed), and the
	// current one (its review is planned for just after it ends).
	now := db.Now().UTC()
	q := itsm.QuarterOf(now)
	prev := func(q itsm.Quarter) itsm.Quarter {
		if q.Q--; q.Q == 0 {
			q.Q, q.Year = 4, q.Year-1
		}
		return q
	}
	last := prev(q)
	before := prev(last)
	meeting := func(q itsm.Quarter, days int) time.Time {
		d := q.End().AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, itsm.ReportLocation()).UTC()
	}
	attendees := []itsm.ReviewAttendee{
		{Name: "Hamish Grant", Role: "National e-Procurement Programme, programme manager", Attended: true},
		{Name: "Eilidh MacLeod", Role: "National e-Procurement Programme, service desk", Attended: true},
		{Name: "Priya Shah", Role: "Cairngorm Hosting Services Ltd, service delivery manager", Attended: true},
		{Name: "Fiona Stewart", Role: "Glenmorven Council, customer representative", Attended: false},
	}
	type action struct {
		title, owner, name string
		due                int // days after the meeting
		status, note       string
	}
	reviews := []struct {
		q       itsm.Quarter
		status  string
		minutes string
		actions []action
	}{
		{before, itsm.ReviewClosed, "## Service levels\n\nResponse targets were met throughout. Two P2 resolutions were late; both were waiting on a database patch.\n\n" +
			"## Changes\n\nThe supplier catalogue import was delivered a week late. Cairngorm will give earlier warning of slips.\n\n## Agreed\n\n- Patch schedule to be shared monthly.\n- Capacity plan for the next financial year to follow.",
			[]action{
				{"Share the monthly database patch schedule", "agent@cairngorm.example", "", 14, itsm.ReviewActionDone, "Shared; now sent on the first Monday of each month."},
				{"Send the capacity plan for next financial year", "agent@cairngorm.example", "", 30, itsm.ReviewActionOpen, ""},
			}},
		{last, itsm.ReviewHeld, "## Service levels\n\nAll P1 targets were met. One resolution breach on an invoicing incident, caused by a failed overnight batch.\n\n" +
			"## Availability\n\nThe purchasing portal was above its 99.5% target.\n\n## Risks\n\nKey staff turnover at the provider remains the highest risk.",
			[]action{
				{"Add monitoring of the overnight invoice batch", "agent@cairngorm.example", "", 21, itsm.ReviewActionDone, "Batch check added to the portal's health endpoint."},
				{"Circulate the knowledge-transfer plan", "", "Alasdair Munro (Cairngorm, head of engineering)", 28, itsm.ReviewActionDropped, "Superseded by the risk register's action."},
			}},
		{q, itsm.ReviewPlanned, "", nil},
	}
	for i, rv := range reviews {
		r := &itsm.Review{ProviderID: provider.ID, Title: itsm.DefaultReviewTitle(rv.q.Start()), PeriodFrom: rv.q.Start(), PeriodTo: rv.q.End().AddDate(0, 0, -1),
			MeetingAt: meeting(rv.q, 10+i), Location: "Programme office, Edinburgh, and Microsoft Teams", Status: rv.status, Minutes: rv.minutes}
		if rv.status != itsm.ReviewPlanned {
			r.Attendees = attendees
		}
		if err := db.CreateReview(manager, r); err != nil {
			return fmt.Errorf("seed review %s: %w", r.Title, err)
		}
		for _, a := range rv.actions {
			act := &itsm.ReviewAction{Title: a.title, OwnerName: a.name, DueDate: itsm.RAIDDate(r.MeetingAt).AddDate(0, 0, a.due), Status: a.status, Note: a.note}
			if a.owner != "" {
				act.OwnerID = owner(a.owner)
			}
			if err := db.CreateReviewAction(manager, r.ID, act); err != nil {
				return fmt.Errorf("seed review action %q: %w", a.title, err)
			}
		}
	}
	return nil
}
