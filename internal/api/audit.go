package api

import (
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// listAudit serves GET /api/v1/audit: the entries the caller may read,
// newest first. Administrators, managers and auditors read every entry;
// customer admins their own organisation's; anyone else is refused.
func (a *API) listAudit(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "actor_id", "organisation_id", "action", "object_type", "object_id", "from", "to")
	if err != nil {
		return err
	}
	f := itsm.AuditFilter{
		ActorID: q.id("actor_id"), OrgID: q.id("organisation_id"),
		Action: q.text("action"), ObjectType: q.text("object_type"), ObjectID: q.text("object_id"),
		From: q.instant("from"), To: q.instant("to"),
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		q.v.Add("to", "Give a to that is later than from.")
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	entries, total, err := a.svc.Audit.FindAuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, entries, total, p)
	return nil
}

// getAudit serves GET /api/v1/audit/{id}.
func (a *API) getAudit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "audit entry")
	if err != nil {
		return err
	}
	e, err := a.svc.Audit.FindAuditEntryByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}
