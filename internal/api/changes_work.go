package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// changeEstimate is the body of POST /api/v1/changes/{id}/estimates.
type changeEstimate struct {
	EffortDays   float64 `json:"effort_days"`
	Cost         int64   `json:"cost"`
	DeliveryDate string  `json:"delivery_date"`
	Note         string  `json:"note"`
}

// changeVote is the body of POST /api/v1/changes/{id}/votes.
type changeVote struct {
	MemberID int64  `json:"member_id"`
	Vote     string `json:"vote"`
	Comment  string `json:"comment"`
}

// changeCost is the body of POST /api/v1/changes/{id}/costs.
type changeCost struct {
	Date   string `json:"date"`
	Amount int64  `json:"amount"`
	Note   string `json:"note"`
}

// changeBudget is the body of PUT /api/v1/changes/{id}/budget.
type changeBudget struct {
	Budget  int64  `json:"budget"`
	Reason  string `json:"reason"`
	Version *int64 `json:"version"`
}

// changeForecast is the body of PUT /api/v1/changes/{id}/forecast.
type changeForecast struct {
	ForecastDate string `json:"forecast_date"`
	Note         string `json:"note"`
	Version      *int64 `json:"version"`
}

// changeSchedule is the body of POST /api/v1/changes/{id}/schedule and of
// POST /api/v1/changes/{id}/schedule/check.
type changeSchedule struct {
	TargetRelease  string     `json:"target_release"`
	WindowStart    *time.Time `json:"window_start"`
	WindowEnd      *time.Time `json:"window_end"`
	Service        string     `json:"service"`
	OverrideReason string     `json:"override_reason"`
	Version        *int64     `json:"version"`
}

// scheduled is the answer to scheduling: the change and the conflicts the
// window has (overlaps, and freezes a manager overrode).
type scheduled struct {
	Change    *itsm.ChangeRequest     `json:"change"`
	Conflicts []itsm.ScheduleConflict `json:"conflicts"`
}

// changeConflicts is the answer to a conflict check.
type changeConflicts struct {
	Conflicts []itsm.ScheduleConflict `json:"conflicts"`
}

// changeTicketLink and changeProblemLink are the bodies of the link routes.
type changeTicketLink struct {
	TicketID int64 `json:"ticket_id"`
}

type changeProblemLink struct {
	ProblemID int64 `json:"problem_id"`
}

// problemRFC is the body of POST /api/v1/problems/{id}/changes.
type problemRFC struct {
	OrgID int64 `json:"organisation_id"`
}

// addChangeEstimate serves POST /api/v1/changes/{id}/estimates.
func (a *API) addChangeEstimate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	var in changeEstimate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	n := itsm.NewChangeEstimate{EffortDays: in.EffortDays, Cost: in.Cost, Note: in.Note}
	if in.DeliveryDate != "" {
		if n.DeliveryDate, err = parseDate("delivery_date", in.DeliveryDate); err != nil {
			return err
		}
	}
	e, err := a.svc.Changes.AddChangeEstimate(r.Context(), id, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

// listChangeEstimates serves GET /api/v1/changes/{id}/estimates.
func (a *API) listChangeEstimates(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "change", a.svc.Changes.ChangeEstimates)
}

// recordChangeVote serves POST /api/v1/changes/{id}/votes.
func (a *API) recordChangeVote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	var in changeVote
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.MemberID < 0 {
		return fieldError("member_id", "Give member_id as the ID of a member of the programme team, or leave it out for yourself.")
	}
	v, err := a.svc.Changes.RecordChangeVote(r.Context(), id, itsm.NewChangeVote{MemberID: in.MemberID, Vote: itsm.Vote(in.Vote), Comment: in.Comment})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// listChangeVotes serves GET /api/v1/changes/{id}/votes.
func (a *API) listChangeVotes(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "change", a.svc.Changes.ChangeVotes)
}

// addChangeCost serves POST /api/v1/changes/{id}/costs.
func (a *API) addChangeCost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	var in changeCost
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	n := itsm.NewChangeCost{Amount: in.Amount, Note: in.Note}
	if in.Date != "" {
		if n.Date, err = parseDate("date", in.Date); err != nil {
			return err
		}
	}
	c, err := a.svc.Changes.AddChangeCost(r.Context(), id, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// listChangeCosts serves GET /api/v1/changes/{id}/costs.
func (a *API) listChangeCosts(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "change", a.svc.Changes.ChangeCosts)
}

// setChangeBudget serves PUT /api/v1/changes/{id}/budget.
func (a *API) setChangeBudget(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	var in changeBudget
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	c, err := a.svc.Changes.AdjustChangeBudget(r.Context(), id, itsm.ChangeBudgetAdjustment{Budget: in.Budget, Reason: in.Reason, Version: version})
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, c.Version, c)
	return nil
}

// setChangeForecast serves PUT /api/v1/changes/{id}/forecast.
func (a *API) setChangeForecast(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	var in changeForecast
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	f := itsm.ChangeForecast{Note: in.Note, Version: version}
	if in.ForecastDate != "" {
		if f.Date, err = parseDate("forecast_date", in.ForecastDate); err != nil {
			return err
		}
	}
	c, err := a.svc.Changes.UpdateChangeForecast(r.Context(), id, f)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, c.Version, c)
	return nil
}

// toSchedule turns the body into the domain's schedule.
func (in changeSchedule) toSchedule(version int64) itsm.ChangeSchedule {
	s := itsm.ChangeSchedule{TargetRelease: in.TargetRelease, Service: in.Service, OverrideReason: in.OverrideReason, Version: version}
	if in.WindowStart != nil {
		s.WindowStart = *in.WindowStart
	}
	if in.WindowEnd != nil {
		s.WindowEnd = *in.WindowEnd
	}
	return s
}

// scheduleChange serves POST /api/v1/changes/{id}/schedule.
func (a *API) scheduleChange(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	var in changeSchedule
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	c, conflicts, err := a.svc.Changes.ScheduleChange(r.Context(), id, in.toSchedule(version))
	if err != nil {
		return err
	}
	if conflicts == nil {
		conflicts = []itsm.ScheduleConflict{}
	}
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, http.StatusOK, scheduled{Change: c, Conflicts: conflicts})
	return nil
}

// checkChangeSchedule serves POST /api/v1/changes/{id}/schedule/check: the
// conflicts a window would have, without scheduling.
func (a *API) checkChangeSchedule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	var in changeSchedule
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Version != nil || in.OverrideReason != "" {
		return fieldError("version", "A conflict check takes the window, the service and the target release only.")
	}
	conflicts, err := a.svc.Changes.ChangeScheduleConflicts(r.Context(), id, in.toSchedule(0))
	if err != nil {
		return err
	}
	if conflicts == nil {
		conflicts = []itsm.ScheduleConflict{}
	}
	writeJSON(w, http.StatusOK, changeConflicts{Conflicts: conflicts})
	return nil
}

// listChangeSpecVersions serves GET /api/v1/changes/{id}/spec-versions.
func (a *API) listChangeSpecVersions(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "change", a.svc.Changes.ChangeSpecVersions)
}

// listChangeHistory serves GET /api/v1/changes/{id}/history.
func (a *API) listChangeHistory(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "change", a.svc.Changes.ChangeEvents)
}

// listChangeTickets serves GET /api/v1/changes/{id}/tickets.
func (a *API) listChangeTickets(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "change", a.svc.Changes.ChangeTickets)
}

// listChangeProblems serves GET /api/v1/changes/{id}/problems.
func (a *API) listChangeProblems(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "change", a.svc.Changes.ChangeProblems)
}

// linkTarget links or unlinks a ticket or problem. The change is looked up
// first so that a missing target, the only other thing the service can
// fail to find, is a field of the body.
func (a *API) linkTarget(w http.ResponseWriter, r *http.Request, target int64, field string, do func(ctx context.Context, changeID, targetID int64) error) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	if _, err := a.svc.Changes.FindChangeByID(r.Context(), id); err != nil {
		return err
	}
	err = do(r.Context(), id, target)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND && field != "" {
		return fieldError(field, "Give "+field+" as the ID of an existing record.")
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// linkChangeTicket serves POST /api/v1/changes/{id}/tickets.
func (a *API) linkChangeTicket(w http.ResponseWriter, r *http.Request) error {
	if _, err := pathID(r, "change"); err != nil {
		return err
	}
	var in changeTicketLink
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.TicketID < 1 {
		return fieldError("ticket_id", "Give ticket_id as the ID of an existing ticket.")
	}
	return a.linkTarget(w, r, in.TicketID, "ticket_id", a.svc.Changes.LinkChangeTicket)
}

// unlinkChangeTicket serves DELETE /api/v1/changes/{id}/tickets/{ticket_id}.
func (a *API) unlinkChangeTicket(w http.ResponseWriter, r *http.Request) error {
	if _, err := pathID(r, "change"); err != nil {
		return err
	}
	ticket, err := pathInt(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	return a.linkTarget(w, r, ticket, "", a.svc.Changes.UnlinkChangeTicket)
}

// linkChangeProblem serves POST /api/v1/changes/{id}/problems.
func (a *API) linkChangeProblem(w http.ResponseWriter, r *http.Request) error {
	if _, err := pathID(r, "change"); err != nil {
		return err
	}
	var in changeProblemLink
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.ProblemID < 1 {
		return fieldError("problem_id", "Give problem_id as the ID of an existing problem.")
	}
	return a.linkTarget(w, r, in.ProblemID, "problem_id", a.svc.Changes.LinkChangeProblem)
}

// unlinkChangeProblem serves DELETE /api/v1/changes/{id}/problems/{problem_id}.
func (a *API) unlinkChangeProblem(w http.ResponseWriter, r *http.Request) error {
	if _, err := pathID(r, "change"); err != nil {
		return err
	}
	problem, err := pathInt(r, "problem_id", "problem")
	if err != nil {
		return err
	}
	return a.linkTarget(w, r, problem, "", a.svc.Changes.UnlinkChangeProblem)
}

// raiseChangeFromProblem serves POST /api/v1/problems/{id}/changes: a
// draft RFC to fix the problem, prefilled and linked.
func (a *API) raiseChangeFromProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "problem")
	if err != nil {
		return err
	}
	var in problemRFC
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.OrgID < 1 {
		return fieldError("organisation_id", "Give organisation_id as the ID of the customer organisation the change is for.")
	}
	c, err := a.svc.Changes.RaiseChangeFromProblem(r.Context(), id, in.OrgID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/changes/"+strconv.FormatInt(c.ID, 10))
	writeRecord(w, http.StatusCreated, c.Version, c)
	return nil
}

// getDeliveryScore serves GET /api/v1/providers/{id}/delivery-score:
// the provider's on-time-and-within-budget figure for ?quarter=2026-Q1
// (the current quarter when left out).
func (a *API) getDeliveryScore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "provider")
	if err != nil {
		return err
	}
	q, err := parseQuery(r, "quarter")
	if err != nil {
		return err
	}
	quarter := itsm.QuarterOf(a.now())
	if s, ok := q.get("quarter"); ok {
		if quarter, err = itsm.ParseQuarter(s); err != nil {
			q.v.Add("quarter", "Give quarter like 2026-Q1.")
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	score, err := a.svc.Changes.ProviderDeliveryScore(r.Context(), id, quarter)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, score)
	return nil
}
