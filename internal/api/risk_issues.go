package api

import (
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// issueCreate is the body of POST /api/v1/programme-issues.
type issueCreate struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Severity    string `json:"severity"`
	OwnerID     *int64 `json:"owner_id"`
	Status      string `json:"status"`
	RiskID      *int64 `json:"risk_id"`
	ProviderID  *int64 `json:"provider_id"`
}

// issueChange is the body of PATCH /api/v1/programme-issues/{id}.
type issueChange struct {
	Version     *int64  `json:"version"`
	Title       *string `json:"title"`
	Description *string `json:"description"`
	Severity    *string `json:"severity"`
	OwnerID     *int64  `json:"owner_id"`
	Status      *string `json:"status"`
	ProviderID  *int64  `json:"provider_id"`
}

const (
	issueStatusChoices   = "open, in_progress, resolved or closed"
	issueSeverityChoices = "critical, high, medium or low"
	actionStatusChoices  = "open, done or cancelled"
)

func validIssueStatus(s string) bool   { return itsm.IssueStatus(s).Valid() }
func validIssueSeverity(s string) bool { return itsm.IssueSeverity(s).Valid() }
func validActionStatus(s string) bool  { return itsm.ActionStatus(s).Valid() }

// listIssues serves GET /api/v1/programme-issues: the most severe first.
func (a *API) listIssues(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "status", "severity", "owner_id", "provider_id", "risk_id", "overdue")
	if err != nil {
		return err
	}
	f := itsm.IssueFilter{OwnerID: q.id("owner_id"), ProviderID: q.id("provider_id"), RiskID: q.id("risk_id"), Overdue: q.boolean("overdue")}
	if s := q.oneOf("status", validIssueStatus, issueStatusChoices); s != nil {
		st := itsm.IssueStatus(*s)
		f.Status = &st
	}
	if s := q.oneOf("severity", validIssueSeverity, issueSeverityChoices); s != nil {
		sev := itsm.IssueSeverity(*s)
		f.Severity = &sev
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	issues, total, err := a.svc.Risks.FindIssues(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, issues, total, p)
	return nil
}

// createIssue serves POST /api/v1/programme-issues (programme staff).
func (a *API) createIssue(w http.ResponseWriter, r *http.Request) error {
	var in issueCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := checkRefs(in.ProviderID, in.OwnerID, 1); err != nil {
		return err
	}
	if in.RiskID != nil && *in.RiskID < 1 {
		return fieldError("risk_id", "Give risk_id as the ID of a risk.")
	}
	x := &itsm.ProgrammeIssue{Title: in.Title, Description: in.Description, Severity: itsm.IssueSeverity(in.Severity), OwnerID: in.OwnerID,
		Status: itsm.IssueStatus(in.Status), RiskID: in.RiskID, ProviderID: in.ProviderID}
	if err := a.svc.Risks.CreateIssue(r.Context(), x); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/programme-issues/"+strconv.FormatInt(x.ID, 10))
	writeRecord(w, http.StatusCreated, x.Version, x)
	return nil
}

// getIssue serves GET /api/v1/programme-issues/{id}.
func (a *API) getIssue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "issue")
	if err != nil {
		return err
	}
	x, err := a.svc.Risks.FindIssueByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, x.Version, x)
	return nil
}

// updateIssue serves PATCH /api/v1/programme-issues/{id}.
func (a *API) updateIssue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "issue")
	if err != nil {
		return err
	}
	var in issueChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.Title == nil && in.Description == nil && in.Severity == nil && in.OwnerID == nil && in.Status == nil && in.ProviderID == nil {
		return errNothingToChange
	}
	if err := checkRefs(in.ProviderID, in.OwnerID, 0); err != nil {
		return err
	}
	upd := itsm.IssueUpdate{Title: in.Title, Description: in.Description, OwnerID: in.OwnerID, ProviderID: in.ProviderID, Version: version}
	if in.Severity != nil {
		if !validIssueSeverity(*in.Severity) {
			return fieldError("severity", "Set severity to "+issueSeverityChoices+".")
		}
		s := itsm.IssueSeverity(*in.Severity)
		upd.Severity = &s
	}
	if in.Status != nil {
		if !validIssueStatus(*in.Status) {
			return fieldError("status", "Set status to "+issueStatusChoices+".")
		}
		s := itsm.IssueStatus(*in.Status)
		upd.Status = &s
	}
	x, err := a.svc.Risks.UpdateIssue(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, x.Version, x)
	return nil
}

// listIssueActions serves GET /api/v1/programme-issues/{id}/actions.
func (a *API) listIssueActions(w http.ResponseWriter, r *http.Request) error {
	return a.listParentActions(w, r, itsm.ActionOnIssue)
}

// addIssueAction serves POST /api/v1/programme-issues/{id}/actions.
func (a *API) addIssueAction(w http.ResponseWriter, r *http.Request) error {
	return a.addParentAction(w, r, itsm.ActionOnIssue)
}

// listActions serves GET /api/v1/raid-actions: every action the caller may
// see, open first and soonest due first; ?overdue=true for the overdue.
func (a *API) listActions(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "owner_id", "status", "overdue")
	if err != nil {
		return err
	}
	f := itsm.ActionFilter{OwnerID: q.id("owner_id"), Overdue: q.boolean("overdue")}
	if s := q.oneOf("status", validActionStatus, actionStatusChoices); s != nil {
		st := itsm.ActionStatus(*s)
		f.Status = &st
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	acts, total, err := a.svc.Risks.FindActions(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, acts, total, p)
	return nil
}

// getAction serves GET /api/v1/raid-actions/{id}.
func (a *API) getAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "action")
	if err != nil {
		return err
	}
	x, err := a.svc.Risks.FindActionByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, x.Version, x)
	return nil
}

// updateAction serves PATCH /api/v1/raid-actions/{id}: programme staff
// change anything; a provider agent sets the status of an action its
// people own. owner_id 0 clears the owner.
func (a *API) updateAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "action")
	if err != nil {
		return err
	}
	var in actionChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.Description == nil && in.OwnerID == nil && in.DueDate == nil && in.Status == nil {
		return errNothingToChange
	}
	if err := checkRefs(nil, in.OwnerID, 0); err != nil {
		return err
	}
	upd := itsm.ActionUpdate{Description: in.Description, OwnerID: in.OwnerID, Version: version}
	if in.DueDate != nil {
		d, err := raidDate("due_date", *in.DueDate)
		if err != nil {
			return err
		}
		upd.DueDate = &d
	}
	if in.Status != nil {
		if !validActionStatus(*in.Status) {
			return fieldError("status", "Set status to "+actionStatusChoices+".")
		}
		s := itsm.ActionStatus(*in.Status)
		upd.Status = &s
	}
	x, err := a.svc.Risks.UpdateAction(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, x.Version, x)
	return nil
}
