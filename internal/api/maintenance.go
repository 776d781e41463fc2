package api

import (
	"net/http"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// maintenancePlan is the body of POST /api/v1/maintenance.
type maintenancePlan struct {
	Title    string    `json:"title"`
	Service  string    `json:"service"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Notes    string    `json:"notes"`
}

// listMaintenance serves GET /api/v1/maintenance: planned windows and the
// windows of scheduled changes, overlapping [from, to) (by default from
// now for a year). Staff, auditors and providers see all; customers those
// of the services on their status page.
func (a *API) listMaintenance(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "service", "from", "to")
	if err != nil {
		return err
	}
	f := itsm.MaintenanceFilter{Service: q.text("service"), From: q.instant("from"), To: q.instant("to")}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	windows, total, err := a.svc.Monitor.FindMaintenance(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, windows, total, p)
	return nil
}

// createMaintenance serves POST /api/v1/maintenance (managers and
// administrators).
func (a *API) createMaintenance(w http.ResponseWriter, r *http.Request) error {
	var in maintenancePlan
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	m := &itsm.MaintenanceWindow{Title: in.Title, Service: in.Service, StartsAt: in.StartsAt, EndsAt: in.EndsAt, Notes: in.Notes}
	if err := a.svc.Monitor.CreateMaintenance(r.Context(), m); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

// deleteMaintenance serves DELETE /api/v1/maintenance/{id}: a planned
// window that has not begun.
func (a *API) deleteMaintenance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "maintenance window")
	if err != nil {
		return err
	}
	if err := a.svc.Monitor.DeleteMaintenance(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
