package itsm

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/sla"
)

// Review statuses: a meeting is planned, then held (minutes and actions are
// being recorded), then closed (the record is final).
const (
	ReviewPlanned = "planned"
	ReviewHeld    = "held"
	ReviewClosed  = "closed"
)

// ReviewStatuses are the statuses in lifecycle order.
var ReviewStatuses = []IntegrationChoice{{ReviewPlanned, "Planned"}, {ReviewHeld, "Held"}, {ReviewClosed, "Closed"}}

// Review action statuses.
const (
	ReviewActionOpen    = "open"
	ReviewActionDone    = "done"
	ReviewActionDropped = "dropped"
)

// ReviewActionStatuses are the statuses of an action.
var ReviewActionStatuses = []IntegrationChoice{{ReviewActionOpen, "Open"}, {ReviewActionDone, "Done"}, {ReviewActionDropped, "Dropped"}}

// MaxReviewAttendees is how many attendees one review records.
const MaxReviewAttendees = 50

// ReviewAttendee is one person at (or invited to) a review meeting.
type ReviewAttendee struct {
	Name string `json:"name"`
	// Role is the person's organisation and role, as free text
	// ("Cairngorm Hosting, service manager").
	Role     string `json:"role"`
	Attended bool   `json:"attended"`
}

// Review is one provider performance review meeting. PeriodFrom and PeriodTo
// are dates (midnight UTC), both included; the pack covers them in UK time.
type Review struct {
	ID           int64            `json:"id"`
	ProviderID   int64            `json:"provider_id"`
	ProviderName string           `json:"provider_name"`
	Title        string           `json:"title"`
	PeriodFrom   time.Time        `json:"period_from"`
	PeriodTo     time.Time        `json:"period_to"`
	MeetingAt    time.Time        `json:"meeting_at"`
	Location     string           `json:"location"`
	Status       string           `json:"status"`
	Attendees    []ReviewAttendee `json:"attendees"`
	Minutes      string           `json:"minutes"`
	OpenActions  int              `json:"open_actions"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
	Version      int64            `json:"version"`
}

// DefaultReviewTitle is the title a review of a period gets unless someone
// gives another: "Performance review, Q3 2026" for the quarter the period
// starts in.
func DefaultReviewTitle(from time.Time) string {
	q := QuarterOf(from)
	return fmt.Sprintf("Performance review, Q%d %d", q.Q, q.Year)
}

// PeriodStart is the first instant of the review's period, in UK time.
func (r *Review) PeriodStart() time.Time { return reviewDayStart(r.PeriodFrom) }

// PeriodEnd is the first instant after the review's period, in UK time.
func (r *Review) PeriodEnd() time.Time { return reviewDayStart(r.PeriodTo.AddDate(0, 0, 1)) }

// reviewDayStart is midnight in Europe/London of the date d (held as
// midnight UTC).
func reviewDayStart(d time.Time) time.Time {
	y, m, day := d.UTC().Date()
	return time.Date(y, m, day, 0, 0, 0, 0, ReportLocation())
}

// Normalise tidies what people typed: trimmed text, dates as dates, no
// empty attendees, the default title and status.
func (r *Review) Normalise() {
	r.Title = strings.TrimSpace(r.Title)
	r.Location = strings.TrimSpace(r.Location)
	r.Status = strings.TrimSpace(r.Status)
	r.Minutes = strings.TrimSpace(strings.ReplaceAll(r.Minutes, "\r\n", "\n"))
	if r.Status == "" {
		r.Status = ReviewPlanned
	}
	if !r.PeriodFrom.IsZero() {
		r.PeriodFrom = RAIDDate(r.PeriodFrom)
	}
	if !r.PeriodTo.IsZero() {
		r.PeriodTo = RAIDDate(r.PeriodTo)
	}
	r.MeetingAt = r.MeetingAt.UTC()
	attendees := []ReviewAttendee{}
	for _, a := range r.Attendees {
		a.Name, a.Role = strings.TrimSpace(a.Name), strings.TrimSpace(a.Role)
		if a.Name != "" || a.Role != "" {
			attendees = append(attendees, a)
		}
	}
	r.Attendees = attendees
}

// Validate checks a review's fields, naming each field at fault. A blank
// title is refused: the forms and the API fill in DefaultReviewTitle when
// none was given.
func (r *Review) Validate() error {
	r.Normalise()
	var v Validation
	switch {
	case r.Title == "":
		v.Add("title", "Enter a title for the review, for example Performance review, Q3 2026.")
	case utf8.RuneCountInString(r.Title) > 200 || HasControl(r.Title):
		v.Add("title", "The title must be 200 characters or fewer, without control characters.")
	}
	v.Check(r.ProviderID > 0, "provider_id", "Choose the provider whose performance is reviewed.")
	switch {
	case r.PeriodFrom.IsZero():
		v.Add("period_from", "Enter the first day of the period the review covers.")
	case !sensibleYear(r.PeriodFrom):
		v.Add("period_from", "The first day of the period must be between the years 2000 and 2100.")
	}
	switch {
	case r.PeriodTo.IsZero():
		v.Add("period_to", "Enter the last day of the period the review covers.")
	case !r.PeriodFrom.IsZero() && r.PeriodTo.Before(r.PeriodFrom):
		v.Add("period_to", "The last day of the period must be the same as or after the first day.")
	case !r.PeriodFrom.IsZero() && !r.PeriodTo.Before(r.PeriodFrom.AddDate(1, 0, 0)):
		v.Add("period_to", "A review can cover at most one year: the last day must be before "+r.PeriodFrom.AddDate(1, 0, 0).Format("2 January 2006")+".")
	}
	switch {
	case r.MeetingAt.IsZero():
		v.Add("meeting_at", "Enter the date and time of the meeting.")
	case !sensibleYear(r.MeetingAt):
		v.Add("meeting_at", "The meeting must be between the years 2000 and 2100.")
	}
	v.Check(utf8.RuneCountInString(r.Location) <= 500 && !HasControl(r.Location), "location", "The location or link must be 500 characters or fewer, on one line.")
	if _, ok := ChoiceValue(ReviewStatuses, r.Status); !ok {
		v.Add("status", "Choose the status: "+choiceList(ReviewStatuses)+".")
	} else {
		r.Status, _ = ChoiceValue(ReviewStatuses, r.Status)
	}
	v.Check(len(r.Attendees) <= MaxReviewAttendees, "attendees", fmt.Sprintf("Record %d attendees or fewer.", MaxReviewAttendees))
	for _, a := range r.Attendees {
		switch {
		case a.Name == "":
			v.Add("attendees", "Give each attendee a name.")
		case utf8.RuneCountInString(a.Name) > 200 || utf8.RuneCountInString(a.Role) > 200 || HasControl(a.Name) || HasControl(a.Role):
			v.Add("attendees", "Attendees' names and roles must be 200 characters or fewer, without control characters.")
		}
	}
	v.Check(len(r.Minutes) <= 100000 && utf8.ValidString(r.Minutes), "minutes", "Use 100,000 characters or fewer for the minutes.")
	return v.Err()
}

// ReviewFilter selects reviews. Nil fields do not filter.
type ReviewFilter struct {
	ProviderID *int64
	Status     *string
	Sort       string // "meeting" (default, newest first), "meeting_asc", "provider", "title"
	Offset     int
	Limit      int
}

// ReviewUpdate is a partial change; nil fields are left alone. Version must
// be the version the caller read.
type ReviewUpdate struct {
	Title, Location, Status, Minutes *string
	PeriodFrom, PeriodTo, MeetingAt  *time.Time
	Attendees                        *[]ReviewAttendee
	Version                          int64
}

// RecordOnly reports whether the update changes only what agents may
// record: the minutes and the attendees.
func (u *ReviewUpdate) RecordOnly() bool {
	return u.Title == nil && u.Location == nil && u.Status == nil && u.PeriodFrom == nil && u.PeriodTo == nil && u.MeetingAt == nil
}

// ReviewAction is an action agreed at a review. Its owner is a person in
// Steward (OwnerID, from the programme or the review's provider) or a name.
type ReviewAction struct {
	ID       int64  `json:"id"`
	ReviewID int64  `json:"review_id"`
	Title    string `json:"title"`
	OwnerID  *int64 `json:"owner_id"`
	// OwnerName is the owner's name: the person's, or the free text given.
	OwnerName string    `json:"owner_name"`
	DueDate   time.Time `json:"due_date"`
	Status    string    `json:"status"`
	Note      string    `json:"note"`
	Overdue   bool      `json:"overdue"`
	// ReviewTitle and ReviewMeetingAt name the review the action was
	// agreed at, for actions carried forward into a later review.
	ReviewTitle     string    `json:"review_title"`
	ReviewMeetingAt time.Time `json:"review_meeting_at"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Version         int64     `json:"version"`
}

// Derive fills the fields computed at now: an open action is overdue once
// the whole of its due day has passed.
func (a *ReviewAction) Derive(now time.Time) {
	a.Overdue = a.Status == ReviewActionOpen && RAIDDatePassed(a.DueDate, now)
}

// Validate checks an action's fields.
func (a *ReviewAction) Validate() error {
	var v Validation
	a.Title, a.OwnerName, a.Status = strings.TrimSpace(a.Title), strings.TrimSpace(a.OwnerName), strings.TrimSpace(a.Status)
	a.Note = strings.TrimSpace(strings.ReplaceAll(a.Note, "\r\n", "\n"))
	if a.Status == "" {
		a.Status = ReviewActionOpen
	}
	switch {
	case a.Title == "":
		v.Add("title", "Enter what the action is.")
	case utf8.RuneCountInString(a.Title) > 500 || HasControl(a.Title):
		v.Add("title", "The action must be 500 characters or fewer, on one line.")
	}
	v.Check(a.OwnerID != nil || a.OwnerName != "", "owner", "Choose the action's owner or enter their name.")
	v.Check(utf8.RuneCountInString(a.OwnerName) <= 200 && !HasControl(a.OwnerName), "owner", "The owner's name must be 200 characters or fewer.")
	switch {
	case a.DueDate.IsZero():
		v.Add("due_date", "Enter the date the action is due.")
	case !sensibleYear(a.DueDate):
		v.Add("due_date", "The due date must be between the years 2000 and 2100.")
	default:
		a.DueDate = RAIDDate(a.DueDate)
	}
	if s, ok := ChoiceValue(ReviewActionStatuses, a.Status); ok {
		a.Status = s
	} else {
		v.Add("status", "Choose the status: "+choiceList(ReviewActionStatuses)+".")
	}
	v.Check(len(a.Note) <= 10000 && utf8.ValidString(a.Note), "note", "Use 10,000 characters or fewer for the note.")
	return v.Err()
}

// ReviewActionUpdate is a partial change of an action; Version must match.
// A provider's agent who owns the action may change only its Status and
// Note.
type ReviewActionUpdate struct {
	Title, OwnerName, Status, Note *string
	// OwnerID, when set, replaces the owner: 0 clears it (OwnerName then
	// names the owner).
	OwnerID *int64
	DueDate *time.Time
	Version int64
}

// CanReadReviews reports whether the actor may see reviews at all: staff,
// auditors and providers' agents (their own provider's). Customers see
// none.
func (a *Actor) CanReadReviews() bool { return a.ReadsEverything() || a.IsProvider() }

// ReviewScope returns the provider the actor's review reads are limited to,
// 0 for every provider and -1 for none.
func (a *Actor) ReviewScope() int64 {
	switch {
	case a.ReadsEverything():
		return 0
	case a.IsProvider():
		return a.OrgID
	}
	return -1
}

// CanManageReviews reports whether the actor may plan reviews and change
// everything about them: programme managers and administrators.
func (a *Actor) CanManageReviews() bool {
	return a.System || (a.OrgKind == OrgProgramme && (a.Role == RoleManager || a.Role == RoleAdmin))
}

// CanRecordReviews reports whether the actor may record what happened at a
// review (minutes, attendees and actions): all programme staff, agents
// included, because agents often take the minutes.
func (a *Actor) CanRecordReviews() bool { return a.IsStaff() }

// CanUpdateReviewAction reports whether the actor may change an action:
// programme staff any action; a provider's agent the status and note of an
// action they own.
func (a *Actor) CanUpdateReviewAction(act *ReviewAction) bool {
	if a.CanRecordReviews() {
		return true
	}
	return a.IsProvider() && act.OwnerID != nil && *act.OwnerID == a.UserID
}

// ReviewPack is everything a review looks at, for the review's period and
// provider. It is built from the records when asked for; nothing of it is
// stored, so a pack read after the meeting reflects later corrections.
type ReviewPack struct {
	Review *Review `json:"review"`
	// From and To are the period's instants, [From, To), in UK time.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	AsAt time.Time `json:"as_at"`
	// SLA is one row per priority (P1 to P4, those with anything counted)
	// and last an overall row, counted by the SLA report's rules.
	SLA      []SLAReportRow `json:"sla"`
	Breaches []PackBreach   `json:"breaches"`
	// Availability is per service of the checks the provider operates;
	// AvailabilityChecked is false when the figures could not be read.
	Availability        []ServiceAvailability `json:"availability"`
	AvailabilityChecked bool                  `json:"availability_checked"`
	Escalations         []*Escalation         `json:"open_escalations"`
	Problems            []*Problem            `json:"open_problems"`
	Delivery            PackDelivery          `json:"change_delivery"`
	Risks               []*Risk               `json:"risks"`
	// Actions are this review's; CarriedForward are the actions still open
	// from earlier reviews of the same provider, oldest review first.
	Actions        []*ReviewAction `json:"actions"`
	CarriedForward []*ReviewAction `json:"carried_forward"`
	Scorecard      Scorecard       `json:"scorecard"`
}

// Target names in breaches.
const (
	TargetResponse   = "response"
	TargetResolution = "resolution"
)

// PackBreach is one SLA target missed in the period.
type PackBreach struct {
	TicketID  int64     `json:"ticket_id"`
	TicketRef string    `json:"ticket_ref"`
	Title     string    `json:"title"`
	Priority  string    `json:"priority"`
	Target    string    `json:"target"` // TargetResponse or TargetResolution
	Due       time.Time `json:"due"`
	// Open is true when the clock is still running past its due time.
	Open bool `json:"open"`
	// Over is how late the target was met, or how far past due an open
	// clock is at AsAt (wall-clock time).
	Over        time.Duration `json:"-"`
	OverSeconds int64         `json:"over_seconds"`
}

// PackChange is one change delivered late or over budget.
type PackChange struct {
	ID             int64      `json:"id"`
	Ref            string     `json:"ref"`
	Title          string     `json:"title"`
	CommittedDate  *time.Time `json:"committed_date"`
	ActualDate     time.Time  `json:"actual_date"`
	ApprovedBudget *int64     `json:"approved_budget_pence"`
	ActualCost     int64      `json:"actual_cost_pence"`
	Late           bool       `json:"late"`
	OverBudget     bool       `json:"over_budget"`
}

// PackDelivery is the change delivery of the period: changes assigned to the
// provider whose actual delivery date falls in it, counted as
// DeliveryScoreRules say.
type PackDelivery struct {
	Delivered    int          `json:"delivered"`
	OnTime       int          `json:"on_time"`
	WithinBudget int          `json:"within_budget"`
	Exceptions   []PackChange `json:"late_or_over_budget"`
}

// OnTimePercent is the share delivered on time, nil when none delivered.
func (d PackDelivery) OnTimePercent() *float64 { return percent(d.OnTime, d.Delivered) }

// WithinBudgetPercent is the share within budget, nil when none delivered.
func (d PackDelivery) WithinBudgetPercent() *float64 { return percent(d.WithinBudget, d.Delivered) }

// Scorecard is the five headline figures of a review's period. A nil figure
// had nothing to count.
type Scorecard struct {
	ReviewID            int64     `json:"review_id"`
	Title               string    `json:"title"`
	MeetingAt           time.Time `json:"meeting_at"`
	PeriodFrom          time.Time `json:"period_from"`
	PeriodTo            time.Time `json:"period_to"`
	ResponsePercent     *float64  `json:"response_met_percent"`
	ResolutionPercent   *float64  `json:"resolution_met_percent"`
	AvailabilityPercent *float64  `json:"availability_percent"`
	OnTimePercent       *float64  `json:"on_time_percent"`
	WithinBudgetPercent *float64  `json:"within_budget_percent"`
}

// PooledAvailability is the availability over every service's samples
// together, nil without samples.
func PooledAvailability(services []ServiceAvailability) *float64 {
	var samples, failures int64
	for _, s := range services {
		samples += s.Samples
		failures += s.Failures
	}
	if samples == 0 {
		return nil
	}
	p := 100 * float64(samples-failures) / float64(samples)
	return &p
}

// ReviewPackRules explain, for the pack's pages, what each section counts.
func ReviewPackRules() []string {
	return []string{
		"The period runs from the start of its first day to the end of its last day, UK time.",
		"Service levels count the tickets escalated to the provider, by the rules of the SLA report: a clock counts in the period it stopped in, or, still running past due, as an open breach in the period it fell due.",
		"Availability pools the samples of the checks the provider operates, maintenance windows excluded.",
		"Change delivery counts the changes assigned to the provider whose actual delivery date falls in the period: on time if delivered on or before the committed date, within budget if the actual cost is at most the approved budget.",
		"Risks are those open or being mitigated that the provider's people own or that concern the provider.",
		"Actions carried forward are those still open from earlier reviews of the same provider; closing one anywhere closes it everywhere.",
	}
}

// ReviewSLABuilder counts a review period's SLA clocks by priority, with the
// SLA report's rules (see SLAReport), and lists the breaches.
type ReviewSLABuilder struct {
	from, to time.Time
	asAt     time.Time
	byPrio   map[string]*slaTally
	all      slaTally
	breaches []PackBreach
}

// NewReviewSLABuilder starts counting clocks that settle in [from, to),
// evaluated at asAt.
func NewReviewSLABuilder(from, to, asAt time.Time) *ReviewSLABuilder {
	return &ReviewSLABuilder{from: from, to: to, asAt: asAt, byPrio: map[string]*slaTally{}, all: slaTally{row: SLAReportRow{Level: SLAOverallRow}}}
}

// Add counts one ticket's evaluated clocks.
func (b *ReviewSLABuilder) Add(t SLAReportTicket, title string, res sla.Result) {
	for i, c := range []sla.Clock{res.Response, res.Resolution} {
		at, met, ok := settled(c)
		if !ok || at.Before(b.from) || !at.Before(b.to) {
			continue
		}
		g, ok := b.byPrio[t.Priority]
		if !ok {
			g = &slaTally{row: SLAReportRow{Level: SLAGroupRow, Priority: t.Priority, ProviderID: t.ProviderID, ProviderName: t.ProviderName}}
			b.byPrio[t.Priority] = g
		}
		for _, tally := range []*slaTally{g, &b.all} {
			tally.count(t.ID, i == 1, met, c)
		}
		if !met {
			br := PackBreach{TicketID: t.ID, TicketRef: t.Ref, Title: title, Priority: t.Priority, Target: TargetResponse, Due: c.Due, Open: !c.Met}
			if i == 1 {
				br.Target = TargetResolution
			}
			end := b.asAt
			if c.Met {
				end = c.MetAt
			}
			br.Over = end.Sub(c.Due)
			br.OverSeconds = int64(br.Over.Seconds())
			b.breaches = append(b.breaches, br)
		}
	}
}

// Rows returns one row per priority in order, then the overall row.
func (b *ReviewSLABuilder) Rows() []SLAReportRow {
	out := []SLAReportRow{}
	for _, p := range Priorities {
		if g, ok := b.byPrio[p]; ok {
			out = append(out, g.finish())
		}
	}
	for p, g := range b.byPrio {
		if !ValidPriority(p) {
			out = append(out, g.finish())
		}
	}
	return append(out, b.all.finish())
}

// Breaches returns the breaches, most overdue first within each target
// kind, responses first.
func (b *ReviewSLABuilder) Breaches() []PackBreach {
	out := slices.Clone(b.breaches)
	slices.SortStableFunc(out, func(x, y PackBreach) int {
		if x.Target != y.Target {
			return strings.Compare(y.Target, x.Target) // "response" before "resolution"
		}
		if d := cmp.Compare(y.Over, x.Over); d != 0 {
			return d
		}
		return cmp.Compare(x.TicketID, y.TicketID)
	})
	return out
}

// ReviewService keeps provider performance reviews, their actions and
// packs. Reads are scoped: staff and auditors see every review, a
// provider's agents their own provider's, customers none (ENOTFOUND for a
// review by ID, an empty list otherwise). Errors: EINVALID naming the field,
// EFORBIDDEN for a caller who may see but not change, ENOTFOUND, ECONFLICT
// for a stale version.
type ReviewService interface {
	// CreateReview plans a review (managers and administrators).
	CreateReview(ctx context.Context, r *Review) error
	FindReviewByID(ctx context.Context, id int64) (*Review, error)
	FindReviews(ctx context.Context, f ReviewFilter) ([]*Review, int, error)
	// UpdateReview changes a review: managers and administrators anything,
	// agents the minutes and attendees only.
	UpdateReview(ctx context.Context, id int64, upd ReviewUpdate) (*Review, error)
	// ReviewActions returns the review's own actions and the open actions
	// carried forward from earlier reviews of the same provider.
	ReviewActions(ctx context.Context, reviewID int64) (own, carried []*ReviewAction, err error)
	// CreateReviewAction records an action agreed at the review (staff).
	CreateReviewAction(ctx context.Context, reviewID int64, act *ReviewAction) error
	FindReviewActionByID(ctx context.Context, id int64) (*ReviewAction, error)
	// UpdateReviewAction changes an action: staff anything, its owner at
	// the provider the status and note.
	UpdateReviewAction(ctx context.Context, id int64, upd ReviewActionUpdate) (*ReviewAction, error)
	// ReviewActionOwners lists the people who may own the review's actions:
	// the programme's and the provider's active users.
	ReviewActionOwners(ctx context.Context, reviewID int64) ([]*User, error)
	// ReviewPack assembles the review's pack for its period.
	ReviewPack(ctx context.Context, id int64) (*ReviewPack, error)
	// ProviderScorecards returns the scorecard of each of the provider's
	// reviews (at most the latest 12), oldest first.
	ProviderScorecards(ctx context.Context, providerID int64) ([]Scorecard, error)
}
