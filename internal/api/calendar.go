package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// freezeCreate is the body of POST /api/v1/freezes.
type freezeCreate struct {
	Name    string    `json:"name"`
	Reason  string    `json:"reason"`
	Service string    `json:"service"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// freezeChange is the body of PATCH /api/v1/freezes/{id}.
type freezeChange struct {
	Version *int64     `json:"version"`
	Name    *string    `json:"name"`
	Reason  *string    `json:"reason"`
	Service *string    `json:"service"`
	Start   *time.Time `json:"start"`
	End     *time.Time `json:"end"`
}

// windowCheck is the body of POST /api/v1/calendar/check.
type windowCheck struct {
	ChangeID int64     `json:"change_id"`
	Service  string    `json:"service"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// conflictList is the answer of a window check.
type conflictList struct {
	Conflicts []itsm.ScheduleConflict `json:"conflicts"`
	// Refused is true when a freeze conflicts: scheduling would be refused
	// unless a programme manager overrides it with a reason.
	Refused bool `json:"refused"`
}

// listFreezes serves GET /api/v1/freezes: every freeze period, to everyone
// signed in, earliest start first.
func (a *API) listFreezes(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "from", "to", "service")
	if err != nil {
		return err
	}
	f := itsm.FreezeFilter{From: q.instant("from"), To: q.instant("to"), Service: q.text("service")}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	if f.Service != nil && len([]rune(*f.Service)) > itsm.MaxServiceLength {
		return fieldError("service", "Give service as a name of 100 characters or fewer.")
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		return fieldError("to", "Give to as an instant after from.")
	}
	f.Offset, f.Limit = p.offset, p.limit
	freezes, total, err := a.svc.Calendar.FindFreezes(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, freezes, total, p)
	return nil
}

// createFreeze serves POST /api/v1/freezes (programme managers and
// administrators).
func (a *API) createFreeze(w http.ResponseWriter, r *http.Request) error {
	var in freezeCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	f := &itsm.FreezePeriod{Name: in.Name, Reason: in.Reason, Service: in.Service, Start: in.Start, End: in.End}
	if err := a.svc.Calendar.CreateFreeze(r.Context(), f); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/freezes/"+strconv.FormatInt(f.ID, 10))
	writeRecord(w, http.StatusCreated, f.Version, f)
	return nil
}

// getFreeze serves GET /api/v1/freezes/{id}.
func (a *API) getFreeze(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "freeze period")
	if err != nil {
		return err
	}
	f, err := a.svc.Calendar.FindFreezeByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, f.Version, f)
	return nil
}

// updateFreeze serves PATCH /api/v1/freezes/{id}.
func (a *API) updateFreeze(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "freeze period")
	if err != nil {
		return err
	}
	var in freezeChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.Name == nil && in.Reason == nil && in.Service == nil && in.Start == nil && in.End == nil {
		return errNothingToChange
	}
	f, err := a.svc.Calendar.UpdateFreeze(r.Context(), id, itsm.FreezeUpdate{Name: in.Name, Reason: in.Reason, Service: in.Service,
		Start: in.Start, End: in.End, Version: version})
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, f.Version, f)
	return nil
}

// deleteFreeze serves DELETE /api/v1/freezes/{id}?version=N.
func (a *API) deleteFreeze(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "freeze period")
	if err != nil {
		return err
	}
	q, err := parseQuery(r, "version")
	if err != nil {
		return err
	}
	if err := q.err(); err != nil {
		return err
	}
	s, ok := q.get("version")
	version, perr := strconv.ParseInt(s, 10, 64)
	if !ok || perr != nil || version < 1 {
		return fieldError("version", "Give version, the version of the freeze period you last read, as a query parameter: ?version=3.")
	}
	if err := a.svc.Calendar.DeleteFreeze(r.Context(), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getCalendar serves GET /api/v1/calendar?from=…&to=…: the windows of the
// changes the caller may see and the freezes overlapping the range, each
// window with its conflicts.
func (a *API) getCalendar(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "from", "to", "service")
	if err != nil {
		return err
	}
	from, to, svc := q.instant("from"), q.instant("to"), q.text("service")
	if err := q.err(); err != nil {
		return err
	}
	f := itsm.CalendarFilter{}
	if from == nil {
		return fieldError("from", "Give from, the start of the range, as an RFC 3339 date and time, such as 2026-03-01T00:00:00Z.")
	}
	if to == nil {
		return fieldError("to", "Give to, the end of the range, as an RFC 3339 date and time, such as 2026-04-01T00:00:00Z.")
	}
	f.From, f.To = *from, *to
	if svc != nil {
		f.Service = *svc
	}
	cal, err := a.svc.Calendar.CalendarFor(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cal)
	return nil
}

// checkWindow serves POST /api/v1/calendar/check: the conflicts a window
// would have, with the windows the caller may see and every freeze.
func (a *API) checkWindow(w http.ResponseWriter, r *http.Request) error {
	var in windowCheck
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.ChangeID < 0 {
		return fieldError("change_id", "Give change_id as the ID of the change being scheduled, or leave it out.")
	}
	cs, err := a.svc.Calendar.CheckWindow(r.Context(), itsm.ChangeWindow{ChangeID: in.ChangeID, Service: in.Service, Start: in.Start, End: in.End})
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []itsm.ScheduleConflict{}
	}
	writeJSON(w, http.StatusOK, conflictList{Conflicts: cs, Refused: itsm.HasFreezeConflict(cs)})
	return nil
}
