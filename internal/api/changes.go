package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// This file serves change requests: the portfolio, raising and editing,
// and the lifecycle. Estimates, votes, costs, the budget, the forecast,
// scheduling, links and the delivery score are in changes_work.go.

// changeCreate is the body of POST /api/v1/changes.
type changeCreate struct {
	Kind           string  `json:"kind"`
	Subtype        string  `json:"subtype"`
	OrgID          int64   `json:"organisation_id"`
	RequesterID    int64   `json:"requester_id"`
	Title          string  `json:"title"`
	Description    string  `json:"description"`
	Service        string  `json:"service"`
	Justification  string  `json:"business_justification"`
	ContractRef    string  `json:"contract_ref"`
	Variation      string  `json:"variation"`
	CostImpact     int64   `json:"cost_impact"`
	TimeImpactDays float64 `json:"time_impact_days"`
	Major          bool    `json:"major"`
	ProviderID     *int64  `json:"provider_id"`
	AssigneeID     *int64  `json:"assignee_id"`
	Submit         bool    `json:"submit"`
}

// changePatch is the body of PATCH /api/v1/changes/{id}.
type changePatch struct {
	Version        *int64   `json:"version"`
	Title          *string  `json:"title"`
	Description    *string  `json:"description"`
	Service        *string  `json:"service"`
	Justification  *string  `json:"business_justification"`
	Subtype        *string  `json:"subtype"`
	ContractRef    *string  `json:"contract_ref"`
	Variation      *string  `json:"variation"`
	CostImpact     *int64   `json:"cost_impact"`
	TimeImpactDays *float64 `json:"time_impact_days"`
	Major          *bool    `json:"major"`
	ProviderID     *int64   `json:"provider_id"`
	AssigneeID     *int64   `json:"assignee_id"`
}

// changeTransition is the body of POST /api/v1/changes/{id}/transitions.
type changeTransition struct {
	Action        string  `json:"action"`
	Note          string  `json:"note"`
	Conditions    string  `json:"conditions"`
	ActualDate    *string `json:"actual_date"`
	ReviewOutcome string  `json:"review_outcome"`
	Version       *int64  `json:"version"`
}

// parseDate reads a calendar date sent as 2026-04-15 (or as an RFC 3339
// instant, whose UTC date counts).
func parseDate(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return itsm.DateOnly(t, time.UTC), nil
	}
	return time.Time{}, fieldError(field, "Give "+field+" as a date, such as 2026-04-15.")
}

// checkIDs checks IDs sent in a body: each at least least (1 on creation;
// 0 on a change, where 0 clears).
func checkIDs(least int64, ids map[string]*int64) error {
	for name, id := range ids {
		if id != nil && *id < least {
			if least == 0 {
				return fieldError(name, "Give "+name+" as the ID of a record, or 0 for none.")
			}
			return fieldError(name, "Give "+name+" as the ID of a record.")
		}
	}
	return nil
}

func validChangeKind(s string) bool  { return itsm.ChangeKind(s).Valid() }
func validChangeState(s string) bool { return itsm.ChangeState(s).Valid() }
func validChangeRAG(s string) bool   { return itsm.ChangeRAG(s).Valid() }

// listChanges serves GET /api/v1/changes: the portfolio the caller may see.
func (a *API) listChanges(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "organisation_id", "provider_id", "kind", "state*", "rag", "open", "assignee_id", "requester_id", "q", "sort")
	if err != nil {
		return err
	}
	f := itsm.ChangeFilter{OrgID: q.id("organisation_id"), ProviderID: q.id("provider_id"), Open: q.boolean("open"),
		AssigneeID: q.id("assignee_id"), RequesterID: q.id("requester_id"), Query: q.text("q")}
	if s := q.oneOf("kind", validChangeKind, "rfc, ccn or work_request"); s != nil {
		k := itsm.ChangeKind(*s)
		f.Kind = &k
	}
	for _, s := range q.list("state") {
		if !validChangeState(s) {
			q.v.Add("state", "Give state as change states, such as submitted or in delivery.")
			break
		}
		f.State = append(f.State, itsm.ChangeState(s))
	}
	if s := q.oneOf("rag", validChangeRAG, "red, amber, green or grey"); s != nil {
		rag := itsm.ChangeRAG(*s)
		f.RAG = &rag
	}
	if s := q.oneOf("sort", itsm.ValidChangeSort, strings.Join(itsm.ChangeSorts, ", ")); s != nil {
		f.Sort = *s
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	out, total, err := a.svc.Changes.ListChanges(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, out, total, p)
	return nil
}

// createChange serves POST /api/v1/changes.
func (a *API) createChange(w http.ResponseWriter, r *http.Request) error {
	var in changeCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := checkIDs(1, map[string]*int64{"provider_id": in.ProviderID, "assignee_id": in.AssigneeID}); err != nil {
		return err
	}
	if in.OrgID < 0 {
		return fieldError("organisation_id", "Give organisation_id as the ID of a customer organisation.")
	}
	c, err := a.svc.Changes.CreateChange(r.Context(), itsm.NewChange{Kind: itsm.ChangeKind(in.Kind), Subtype: itsm.RFCSubtype(in.Subtype),
		OrgID: in.OrgID, RequesterID: in.RequesterID, Title: in.Title, Description: in.Description, Service: in.Service,
		Justification: in.Justification, ContractRef: in.ContractRef, Variation: in.Variation, CostImpact: in.CostImpact,
		TimeImpactDays: in.TimeImpactDays, Major: in.Major, ProviderID: in.ProviderID, AssigneeID: in.AssigneeID, Submit: in.Submit})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		return fieldError("organisation_id", "Give organisation_id as the ID of a customer organisation you may raise changes for.")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/changes/"+strconv.FormatInt(c.ID, 10))
	writeRecord(w, http.StatusCreated, c.Version, c)
	return nil
}

// getChange serves GET /api/v1/changes/{id}.
func (a *API) getChange(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	c, err := a.svc.Changes.FindChangeByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, c.Version, c)
	return nil
}

// updateChange serves PATCH /api/v1/changes/{id}.
func (a *API) updateChange(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	var in changePatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	u := itsm.ChangeUpdate{Title: in.Title, Description: in.Description, Service: in.Service, Justification: in.Justification,
		ContractRef: in.ContractRef, Variation: in.Variation, CostImpact: in.CostImpact, TimeImpactDays: in.TimeImpactDays,
		Major: in.Major, ProviderID: in.ProviderID, AssigneeID: in.AssigneeID, Version: version}
	if in.Subtype != nil {
		s := itsm.RFCSubtype(*in.Subtype)
		u.Subtype = &s
	}
	if !u.SpecChanged() && u.Major == nil && u.ProviderID == nil && u.AssigneeID == nil {
		return errNothingToChange
	}
	if err := checkIDs(0, map[string]*int64{"provider_id": in.ProviderID, "assignee_id": in.AssigneeID}); err != nil {
		return err
	}
	c, err := a.svc.Changes.UpdateChange(r.Context(), id, u)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, c.Version, c)
	return nil
}

// transitionChange serves POST /api/v1/changes/{id}/transitions: one
// lifecycle action, with what it needs.
func (a *API) transitionChange(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	var in changeTransition
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	t := itsm.ChangeTransition{Action: itsm.ChangeAction(in.Action), Note: in.Note, Conditions: in.Conditions,
		ReviewOutcome: itsm.ReviewOutcome(in.ReviewOutcome), Version: version}
	if in.ActualDate != nil {
		if t.ActualDate, err = parseDate("actual_date", *in.ActualDate); err != nil {
			return err
		}
	}
	c, err := a.svc.Changes.TransitionChange(r.Context(), id, t)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, c.Version, c)
	return nil
}

// changeRules is the body of GET /api/v1/change-rules.
type changeRules struct {
	RAG           []string `json:"rag"`
	DeliveryScore []string `json:"delivery_score"`
}

// getChangeRules serves GET /api/v1/change-rules: the documented RAG and
// delivery-score rules.
func (a *API) getChangeRules(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	if err := q.err(); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changeRules{RAG: itsm.ChangeRAGRules(), DeliveryScore: itsm.DeliveryScoreRules()})
	return nil
}
