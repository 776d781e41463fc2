package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// Who uses provider performance reviews: programme staff and auditors see
// every review; a provider's agents see their own provider's reviews and
// packs and may change the status and note of actions they own; customers
// get 404 everywhere. Managers and administrators plan reviews and change
// everything; agents record minutes, attendees and actions.

// reviewDate formats a review date (held as midnight UTC) the GOV.UK way,
// whatever the viewer's time zone.
func reviewDate(t time.Time) string { return t.UTC().Format("2 January 2006") }

// reviewView is a review as the pages show it.
type reviewView struct{ *itsm.Review }

// Href is the review's page.
func (v reviewView) Href() string { return reviewHref(v.ID) }

func reviewHref(id int64) string { return "/reviews/" + strconv.FormatInt(id, 10) }

// PeriodText says the period, "1 July 2026 to 30 September 2026".
func (v reviewView) PeriodText() string {
	return reviewDate(v.PeriodFrom) + " to " + reviewDate(v.PeriodTo)
}

// StatusLabel is the status as people read it.
func (v reviewView) StatusLabel() string { return itsm.ChoiceLabel(itsm.ReviewStatuses, v.Status) }

// StatusTag is the DS tag colour of the status.
func (v reviewView) StatusTag() string {
	switch v.Status {
	case itsm.ReviewHeld:
		return "ds_tag--green"
	case itsm.ReviewClosed:
		return "ds_tag--grey"
	}
	return "ds_tag--blue"
}

// reviewActionView is a review action as the pages show it.
type reviewActionView struct {
	*itsm.ReviewAction
	CanEdit bool
}

// DueText is the due date.
func (v reviewActionView) DueText() string { return reviewDate(v.DueDate) }

// StatusLabel is the status as people read it, "Overdue" when it is.
func (v reviewActionView) StatusLabel() string {
	if v.Overdue {
		return "Overdue"
	}
	return itsm.ChoiceLabel(itsm.ReviewActionStatuses, v.Status)
}

// StatusTag is the DS tag colour of the status.
func (v reviewActionView) StatusTag() string {
	switch {
	case v.Overdue:
		return "ds_tag--red"
	case v.Status == itsm.ReviewActionDone:
		return "ds_tag--green"
	case v.Status == itsm.ReviewActionDropped:
		return "ds_tag--grey"
	}
	return "ds_tag--blue"
}

// CarriedFrom says which review the action was agreed at.
func (v reviewActionView) CarriedFrom() string {
	return "Carried forward from the review of " + reviewDate(v.ReviewMeetingAt)
}

func reviewActionViews(a *itsm.Actor, acts []*itsm.ReviewAction) []reviewActionView {
	out := make([]reviewActionView, len(acts))
	for i, act := range acts {
		out[i] = reviewActionView{act, a.CanUpdateReviewAction(act)}
	}
	return out
}

// canSeeReviews refuses customers (and anyone else outside) with a 404, as
// if reviews did not exist.
func canSeeReviews(a *itsm.Actor) error {
	if !a.CanReadReviews() {
		return itsm.ErrNotFound("page")
	}
	return nil
}

var reviewSortOptions = sortOptions("meeting", "Meeting date, newest first", "meeting_asc", "Meeting date, oldest first", "provider", "Provider", "title", "Title")

func reviewStatusOptions() []option { return integrationOptions(itsm.ReviewStatuses) }

// reviewListPage is the list of reviews.
type reviewListPage struct {
	basePage
	Reviews                           []reviewView
	Pager                             pager
	Providers, Statuses, Sorts        []option
	Provider, Status, Sort            string
	ShowProviders, Filtered, CanPlan  bool
	CSVHref, ScorecardHref            string
	ScorecardProvider, ScorecardLabel string
}

func reviewFilter(q *listQuery, showProviders bool) itsm.ReviewFilter {
	f := itsm.ReviewFilter{Sort: q.sort(reviewSortOptions, "meeting")}
	if showProviders {
		f.ProviderID = q.id("provider", "the provider's number")
	}
	if s := q.oneOf("status", reviewStatusOptions(), "a status"); s != "" {
		f.Status = &s
	}
	return f
}

// reviewList shows the reviews the viewer may see.
func (s *Server) reviewList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canSeeReviews(a); err != nil {
		return err
	}
	showProviders := a.ReadsEverything()
	q := newListQuery(r.URL.Query())
	f := reviewFilter(q, showProviders)
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(pg), pageSize
	reviews, total, err := s.svc.Reviews.FindReviews(ctx, f)
	if err != nil {
		return err
	}
	p := &reviewListPage{basePage: s.newPage(w, r, "Provider performance reviews"), Statuses: withAll("All statuses", reviewStatusOptions()),
		Sorts: reviewSortOptions, Provider: q.keep.Get("provider"), Status: q.keep.Get("status"), Sort: f.Sort, ShowProviders: showProviders,
		Filtered: q.filtered(), CanPlan: a.CanManageReviews(), CSVHref: q.href("/reviews.csv")}
	if p.Sort == "" {
		p.Sort = "meeting"
	}
	for _, rv := range reviews {
		p.Reviews = append(p.Reviews, reviewView{rv})
	}
	if showProviders {
		provs, err := s.orgsOfKind(r, itsm.OrgProvider)
		if err != nil {
			return err
		}
		p.Providers = withAll("All providers", provs)
	} else {
		p.ScorecardHref = "/reviews/scorecard?provider=" + strconv.FormatInt(a.OrgID, 10)
	}
	p.Wide = true
	p.Pager = newPager(q, "/reviews", pg, total, len(reviews), "reviews")
	p.setPaged("Provider performance reviews", p.Pager)
	return s.render(w, http.StatusOK, "review_list", p)
}

// reviewCSV exports every review matching the list's filters.
func (s *Server) reviewCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canSeeReviews(a); err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := reviewFilter(q, a.ReadsEverything())
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	reviews, _, err := s.svc.Reviews.FindReviews(ctx, f)
	if err != nil {
		return err
	}
	out := newSafeCSV(w, "reviews.csv")
	_ = out.Write("id", "provider", "title", "period_from", "period_to", "meeting_at", "location", "status", "attendees", "open_actions")
	writePages(s, ctx, out, "reviews", reviews, 0, func(n int) ([]*itsm.Review, error) {
		f.Offset += n
		page, _, err := s.svc.Reviews.FindReviews(ctx, f)
		return page, err
	}, func(rv *itsm.Review) []string {
		return []string{strconv.FormatInt(rv.ID, 10), rv.ProviderName, rv.Title, rv.PeriodFrom.Format("2006-01-02"), rv.PeriodTo.Format("2006-01-02"),
			rv.MeetingAt.UTC().Format(time.RFC3339), rv.Location, rv.Status, strconv.Itoa(len(rv.Attendees)), strconv.Itoa(rv.OpenActions)}
	})
	return nil
}

// findReview reads the review named in the path (404 when not visible).
func (s *Server) findReview(r *http.Request) (*itsm.Review, error) {
	if err := canSeeReviews(itsm.ActorFromContext(r.Context())); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Reviews.FindReviewByID(r.Context(), id)
}

// reviewDetailPage is one review: the meeting, attendees, actions (its own
// and those carried forward) and minutes, with the forms to record them.
type reviewDetailPage struct {
	basePage
	Review                     reviewView
	Minutes                    template.HTML
	Actions, Carried           []reviewActionView
	CanEdit, CanRecord         bool
	NewAttendee                attendeeInput
	NewAction                  reviewActionInput
	Owners, ActionStatuses     []option
	AttendedOptions            []option
	AttendeeError, ActionError bool
}

func (s *Server) reviewDetailPage(w http.ResponseWriter, r *http.Request, rv *itsm.Review) (*reviewDetailPage, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	own, carried, err := s.svc.Reviews.ReviewActions(ctx, rv.ID)
	if err != nil {
		return nil, err
	}
	p := &reviewDetailPage{basePage: s.newPage(w, r, rv.Title), Review: reviewView{rv}, Actions: reviewActionViews(a, own), Carried: reviewActionViews(a, carried),
		CanEdit: a.CanManageReviews() || a.CanRecordReviews(), CanRecord: a.CanRecordReviews(),
		ActionStatuses: integrationOptions(itsm.ReviewActionStatuses), AttendedOptions: []option{{"yes", "Yes"}, {"no", "No"}},
		NewAttendee: attendeeInput{attended: "yes"}, NewAction: reviewActionInput{status: itsm.ReviewActionOpen}}
	if rv.Minutes != "" {
		p.Minutes = markdown.Render(rv.Minutes)
	}
	if p.CanRecord {
		if p.Owners, err = s.reviewOwnerOptions(r, rv.ID); err != nil {
			return nil, err
		}
	}
	p.Caption = rv.ProviderName
	p.BackHref = "/reviews"
	p.Wide = true
	return p, nil
}

// reviewOwnerOptions offers the people who may own the review's actions.
func (s *Server) reviewOwnerOptions(r *http.Request, reviewID int64) ([]option, error) {
	users, err := s.svc.Reviews.ReviewActionOwners(r.Context(), reviewID)
	if err != nil {
		return nil, err
	}
	out := []option{{"", "Someone not listed (enter their name below)"}}
	for _, u := range users {
		out = append(out, option{strconv.FormatInt(u.ID, 10), u.Name + " (" + u.OrgName + ")"})
	}
	return out, nil
}

// reviewDetail shows a review to anyone who may see it.
func (s *Server) reviewDetail(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.findReview(r)
	if err != nil {
		return err
	}
	p, err := s.reviewDetailPage(w, r, rv)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "review_detail", p)
}

// reviewPackPage is the review pack: the period's figures for the meeting,
// printable, every figure in a table.
type reviewPackPage struct {
	basePage
	Review           reviewView
	Pack             *itsm.ReviewPack
	Actions, Carried []reviewActionView
	Rules            []string
}

// Percent formats an optional percentage.
func (p *reviewPackPage) Percent(v *float64, none string) string {
	return report.OptionalPercent(v, none)
}

// Met says "75% (3 of 4)".
func (p *reviewPackPage) Met(pct *float64, met, of int) string {
	if pct == nil {
		return "None counted"
	}
	return report.PercentText(*pct) + " (" + strconv.Itoa(met) + " of " + strconv.Itoa(of) + ")"
}

// Share says "1 of 2 (50%)" or that none were delivered.
func (p *reviewPackPage) Share(n, of int) string {
	if of == 0 {
		return "None delivered"
	}
	return strconv.Itoa(n) + " of " + strconv.Itoa(of) + " (" + report.PercentText(100*float64(n)/float64(of)) + ")"
}

// Seconds says an optional business time.
func (p *reviewPackPage) Seconds(v *int64) string { return report.SecondsText(v) }

// Duration says a duration in words.
func (p *reviewPackPage) Duration(d time.Duration) string { return report.DurationText(d) }

// Millis says a response time.
func (p *reviewPackPage) Millis(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}

// Money shows pence as pounds.
func (p *reviewPackPage) Money(pence int64) string { return pounds(pence) }

// DateOnly formats a date held as midnight UTC.
func (p *reviewPackPage) DateOnly(t time.Time) string { return reviewDate(t) }

// AvailabilityText is the pooled availability for the scorecard.
func (p *reviewPackPage) AvailabilityText() string { return report.AvailabilityFigure(p.Pack) }

// reviewPack shows the pack page.
func (s *Server) reviewPack(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.findReview(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	pack, err := s.svc.Reviews.ReviewPack(ctx, rv.ID)
	if err != nil {
		return err
	}
	a := itsm.ActorFromContext(ctx)
	p := &reviewPackPage{basePage: s.newPage(w, r, "Review pack: "+rv.Title), Review: reviewView{pack.Review}, Pack: pack,
		Actions: reviewActionViews(a, pack.Actions), Carried: reviewActionViews(a, pack.CarriedForward), Rules: itsm.ReviewPackRules()}
	p.Caption = rv.ProviderName
	p.BackHref = reviewHref(rv.ID)
	p.Wide = true
	return s.render(w, http.StatusOK, "review_pack", p)
}

// reviewPackPDF sends the pack as a PDF download.
func (s *Server) reviewPackPDF(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.findReview(r)
	if err != nil {
		return err
	}
	pack, err := s.svc.Reviews.ReviewPack(r.Context(), rv.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	_, loc := s.viewerOrg(r)
	if err := report.ReviewPackPDF(&buf, pack, loc); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="review-pack-`+strconv.FormatInt(rv.ID, 10)+`.pdf"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
	return nil
}

// reviewScorecardPage is a provider's scorecard across its reviews.
type reviewScorecardPage struct {
	basePage
	Providers     []option
	Provider      string
	ShowProviders bool
	Cards         []itsm.Scorecard
	Chart         template.HTML
}

// Percent formats an optional percentage.
func (p *reviewScorecardPage) Percent(v *float64) string {
	return report.OptionalPercent(v, "None counted")
}

// reviewScorecard shows the scorecard trend of a provider: staff and
// auditors choose the provider, a provider's agents see their own.
func (s *Server) reviewScorecard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canSeeReviews(a); err != nil {
		return err
	}
	p := &reviewScorecardPage{basePage: s.newPage(w, r, "Provider scorecard"), ShowProviders: a.ReadsEverything()}
	p.BackHref = "/reviews"
	q := newListQuery(r.URL.Query())
	provider := q.id("provider", "the provider's number")
	if err := q.err(); err != nil {
		return err
	}
	if provider == nil && a.IsProvider() {
		provider = &a.OrgID
	}
	if p.ShowProviders {
		provs, err := s.orgsOfKind(r, itsm.OrgProvider)
		if err != nil {
			return err
		}
		p.Providers = append([]option{{"", "Choose a provider"}}, provs...)
	}
	if provider != nil {
		cards, err := s.svc.Reviews.ProviderScorecards(ctx, *provider)
		if err != nil {
			return err
		}
		p.Provider, p.Cards = strconv.FormatInt(*provider, 10), cards
		name := ""
		for _, o := range p.Providers {
			if o.Value == p.Provider {
				name = o.Label
			}
		}
		if a.IsProvider() {
			name = p.OrgName
		}
		title := "Scorecard by review"
		if name != "" {
			title += ": " + name
			p.Caption = name
		}
		// ScorecardTrendSVG escapes every piece of text it writes.
		p.Chart = template.HTML(report.ScorecardTrendSVG(cards, report.ChartOptions{Title: title}))
	}
	return s.render(w, http.StatusOK, "review_scorecard", p)
}

// reviewActionTable is what the "reviewActionTable" partial draws.
type reviewActionTable struct {
	Caption        string
	Actions        []reviewActionView
	Carried, Print bool
}

// OwnTable is the table of the review's own actions.
func (p *reviewDetailPage) OwnTable() reviewActionTable {
	return reviewActionTable{Caption: "Actions from this review", Actions: p.Actions}
}

// CarriedTable is the table of actions carried forward.
func (p *reviewDetailPage) CarriedTable() reviewActionTable {
	return reviewActionTable{Caption: "Actions carried forward from earlier reviews", Actions: p.Carried, Carried: true}
}

// OwnTable is the table of the review's own actions.
func (p *reviewPackPage) OwnTable() reviewActionTable {
	return reviewActionTable{Caption: "Actions from this review", Actions: p.Actions}
}

// CarriedTable is the table of actions carried forward.
func (p *reviewPackPage) CarriedTable() reviewActionTable {
	return reviewActionTable{Caption: "Actions carried forward from earlier reviews", Actions: p.Carried, Carried: true}
}

// Pct formats a percentage the GOV.UK way.
func (p *reviewPackPage) Pct(v float64) string { return report.PercentText(v) }

// Availability formats an availability percentage to two decimal places,
// rounded down, so that 99.87% never reads as a met 99.9% target.
func (p *reviewPackPage) Availability(v float64) string { return report.AvailabilityText(v) }

// TargetText says an availability target and whether it was met: "99.5%
// (met)", or "None set".
func (p *reviewPackPage) TargetText(target float64, met *bool) string {
	if target <= 0 {
		return "None set"
	}
	s := report.PercentText(target)
	switch {
	case met == nil:
	case *met:
		s += " (met)"
	default:
		s += " (missed)"
	}
	return s
}

// Cap starts a status or trend with a capital letter for the tables.
func (p *reviewPackPage) Cap(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
