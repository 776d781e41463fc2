package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Provider performance reviews: staff and auditors read every review, a
// provider's agents their own provider's (customers get 404s and empty
// lists); managers and administrators plan and change reviews; all
// programme staff record minutes, attendees and actions; a provider's
// agent changes the status and note of an action it owns.

// reviewCreate is the body of POST /api/v1/reviews.
type reviewCreate struct {
	ProviderID int64                 `json:"provider_id"`
	Title      *string               `json:"title"`
	PeriodFrom string                `json:"period_from"`
	PeriodTo   string                `json:"period_to"`
	MeetingAt  string                `json:"meeting_at"`
	Location   string                `json:"location"`
	Status     string                `json:"status"`
	Attendees  []itsm.ReviewAttendee `json:"attendees"`
	Minutes    string                `json:"minutes"`
}

// reviewChange is the body of PATCH /api/v1/reviews/{id}.
type reviewChange struct {
	Version    *int64                 `json:"version"`
	Title      *string                `json:"title"`
	PeriodFrom *string                `json:"period_from"`
	PeriodTo   *string                `json:"period_to"`
	MeetingAt  *string                `json:"meeting_at"`
	Location   *string                `json:"location"`
	Status     *string                `json:"status"`
	Attendees  *[]itsm.ReviewAttendee `json:"attendees"`
	Minutes    *string                `json:"minutes"`
}

// reviewActionCreate is the body of POST /api/v1/reviews/{id}/actions.
type reviewActionCreate struct {
	Title     string `json:"title"`
	OwnerID   *int64 `json:"owner_id"`
	OwnerName string `json:"owner_name"`
	DueDate   string `json:"due_date"`
	Status    string `json:"status"`
	Note      string `json:"note"`
}

// reviewActionChange is the body of PATCH /api/v1/review-actions/{id}.
type reviewActionChange struct {
	Version   *int64  `json:"version"`
	Title     *string `json:"title"`
	OwnerID   *int64  `json:"owner_id"`
	OwnerName *string `json:"owner_name"`
	DueDate   *string `json:"due_date"`
	Status    *string `json:"status"`
	Note      *string `json:"note"`
}

// meetingTime reads an RFC 3339 instant.
func meetingTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fieldError(field, "Give "+field+" as an RFC 3339 date and time, such as 2026-10-14T10:00:00+01:00.")
	}
	return t, nil
}

// listReviews serves GET /api/v1/reviews.
func (a *API) listReviews(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "provider_id", "status", "sort")
	if err != nil {
		return err
	}
	f := itsm.ReviewFilter{ProviderID: q.id("provider_id"), Status: q.oneOf("status", validChoice(itsm.ReviewStatuses), "planned, held or closed")}
	if s := q.oneOf("sort", func(s string) bool { return s == "meeting" || s == "meeting_asc" || s == "provider" || s == "title" }, "meeting, meeting_asc, provider or title"); s != nil {
		f.Sort = *s
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	reviews, total, err := a.svc.Reviews.FindReviews(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, reviews, total, p)
	return nil
}

// createReview serves POST /api/v1/reviews (managers and administrators).
// A missing title is the default for the period ("Performance review, Q3
// 2026"); an empty one is refused.
func (a *API) createReview(w http.ResponseWriter, r *http.Request) error {
	var in reviewCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	rv := &itsm.Review{ProviderID: in.ProviderID, Location: in.Location, Status: in.Status, Attendees: in.Attendees, Minutes: in.Minutes}
	var err error
	if rv.PeriodFrom, err = raidDate("period_from", in.PeriodFrom); err != nil {
		return err
	}
	if rv.PeriodTo, err = raidDate("period_to", in.PeriodTo); err != nil {
		return err
	}
	if rv.MeetingAt, err = meetingTime("meeting_at", in.MeetingAt); err != nil {
		return err
	}
	rv.Title = itsm.DefaultReviewTitle(rv.PeriodFrom)
	if in.Title != nil {
		rv.Title = *in.Title
	}
	if err := a.svc.Reviews.CreateReview(r.Context(), rv); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/reviews/"+strconv.FormatInt(rv.ID, 10))
	writeRecord(w, http.StatusCreated, rv.Version, rv)
	return nil
}

// getReview serves GET /api/v1/reviews/{id}.
func (a *API) getReview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "review")
	if err != nil {
		return err
	}
	rv, err := a.svc.Reviews.FindReviewByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, rv.Version, rv)
	return nil
}

// updateReview serves PATCH /api/v1/reviews/{id}: managers and
// administrators any field, agents the minutes and attendees.
func (a *API) updateReview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "review")
	if err != nil {
		return err
	}
	var in reviewChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	upd := itsm.ReviewUpdate{Title: in.Title, Location: in.Location, Status: in.Status, Minutes: in.Minutes, Attendees: in.Attendees, Version: version}
	for _, d := range []struct {
		field string
		src   *string
		dst   **time.Time
		date  bool
	}{{"period_from", in.PeriodFrom, &upd.PeriodFrom, true}, {"period_to", in.PeriodTo, &upd.PeriodTo, true}, {"meeting_at", in.MeetingAt, &upd.MeetingAt, false}} {
		if d.src == nil {
			continue
		}
		var t time.Time
		if d.date {
			t, err = raidDate(d.field, *d.src)
		} else {
			t, err = meetingTime(d.field, *d.src)
		}
		if err != nil {
			return err
		}
		*d.dst = &t
	}
	if upd.Title == nil && upd.Location == nil && upd.Status == nil && upd.Minutes == nil && upd.Attendees == nil &&
		upd.PeriodFrom == nil && upd.PeriodTo == nil && upd.MeetingAt == nil {
		return errNothingToChange
	}
	rv, err := a.svc.Reviews.UpdateReview(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, rv.Version, rv)
	return nil
}

// reviewPack serves GET /api/v1/reviews/{id}/pack: the pack's figures.
func (a *API) reviewPack(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "review")
	if err != nil {
		return err
	}
	p, err := a.svc.Reviews.ReviewPack(r.Context(), id)
	if err != nil {
		return err
	}
	emptyLists(p)
	// Availability with its response times and downtime as numbers, as the
	// monitoring answers give them.
	avail := make([]serviceAvailabilityShape, len(p.Availability))
	for i := range p.Availability {
		avail[i] = serviceAvailabilityShape{Service: p.Availability[i].Service, Checks: p.Availability[i].Checks, statsShape: statsOf(&p.Availability[i].AvailabilityStats)}
	}
	writeJSON(w, http.StatusOK, struct {
		*itsm.ReviewPack
		Availability []serviceAvailabilityShape `json:"availability"`
	}{p, avail})
	return nil
}

// emptyLists makes the pack's lists [] rather than null.
func emptyLists(p *itsm.ReviewPack) {
	if p.SLA == nil {
		p.SLA = []itsm.SLAReportRow{}
	}
	if p.Breaches == nil {
		p.Breaches = []itsm.PackBreach{}
	}
	if p.Availability == nil {
		p.Availability = []itsm.ServiceAvailability{}
	}
	if p.Escalations == nil {
		p.Escalations = []*itsm.Escalation{}
	}
	if p.Problems == nil {
		p.Problems = []*itsm.Problem{}
	}
	if p.Delivery.Exceptions == nil {
		p.Delivery.Exceptions = []itsm.PackChange{}
	}
	if p.Risks == nil {
		p.Risks = []*itsm.Risk{}
	}
	if p.Actions == nil {
		p.Actions = []*itsm.ReviewAction{}
	}
	if p.CarriedForward == nil {
		p.CarriedForward = []*itsm.ReviewAction{}
	}
}

// listReviewActions serves GET /api/v1/reviews/{id}/actions: the review's
// own actions and those carried forward into it.
func (a *API) listReviewActions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "review")
	if err != nil {
		return err
	}
	own, carried, err := a.svc.Reviews.ReviewActions(r.Context(), id)
	if err != nil {
		return err
	}
	if own == nil {
		own = []*itsm.ReviewAction{}
	}
	if carried == nil {
		carried = []*itsm.ReviewAction{}
	}
	writeJSON(w, http.StatusOK, map[string][]*itsm.ReviewAction{"actions": own, "carried_forward": carried})
	return nil
}

// createReviewAction serves POST /api/v1/reviews/{id}/actions.
func (a *API) createReviewAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "review")
	if err != nil {
		return err
	}
	var in reviewActionCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	act := &itsm.ReviewAction{Title: in.Title, OwnerID: in.OwnerID, OwnerName: in.OwnerName, Status: in.Status, Note: in.Note}
	if act.DueDate, err = raidDate("due_date", in.DueDate); err != nil {
		return err
	}
	if err := a.svc.Reviews.CreateReviewAction(r.Context(), id, act); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/review-actions/"+strconv.FormatInt(act.ID, 10))
	writeRecord(w, http.StatusCreated, act.Version, act)
	return nil
}

// getReviewAction serves GET /api/v1/review-actions/{id}.
func (a *API) getReviewAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "action")
	if err != nil {
		return err
	}
	act, err := a.svc.Reviews.FindReviewActionByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, act.Version, act)
	return nil
}

// updateReviewAction serves PATCH /api/v1/review-actions/{id}: staff any
// field, the owner at the provider its status and note.
func (a *API) updateReviewAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "action")
	if err != nil {
		return err
	}
	var in reviewActionChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	upd := itsm.ReviewActionUpdate{Title: in.Title, OwnerID: in.OwnerID, OwnerName: in.OwnerName, Status: in.Status, Note: in.Note, Version: version}
	if in.DueDate != nil {
		d, err := raidDate("due_date", *in.DueDate)
		if err != nil {
			return err
		}
		upd.DueDate = &d
	}
	if upd == (itsm.ReviewActionUpdate{Version: version}) {
		return errNothingToChange
	}
	act, err := a.svc.Reviews.UpdateReviewAction(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, act.Version, act)
	return nil
}
