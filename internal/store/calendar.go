package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// activeWindowStates are the change states whose windows are booked: only
// they conflict with a new window.
var activeWindowStates = []string{string(itsm.ChangeScheduled), string(itsm.ChangeInDelivery)}

// hiddenWindowStates are the states whose windows no longer show on the
// calendar: the change will not happen.
var hiddenWindowStates = []string{string(itsm.ChangeWithdrawn), string(itsm.ChangeRejected)}

const windowColumns = `c.id, c.ref, c.title, c.service, c.window_start, c.window_end, c.state, c.organisation_id, COALESCE(o.name, ''), c.provider_id, c.target_release`

const windowFrom = ` FROM change_requests c LEFT JOIN organisations o ON o.id = c.organisation_id`

func scanWindow(row scanner) (itsm.ChangeWindow, error) {
	var w itsm.ChangeWindow
	var start, end int64
	var provider sql.NullInt64
	if err := row.Scan(&w.ChangeID, &w.Ref, &w.Title, &w.Service, &start, &end, &w.State, &w.OrgID, &w.OrgName, &provider, &w.TargetRelease); err != nil {
		return w, err
	}
	w.Start, w.End = fromTS(start), fromTS(end)
	if provider.Valid {
		w.ProviderID = &provider.Int64
	}
	return w, nil
}

// inList returns "(?, ?, …)" and the values as arguments.
func inList(vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ") + ")", args
}

// windowScope limits change windows to those the actor may see, like
// changes: staff and auditors all, customers their own organisation's,
// providers those assigned to them, anyone else none.
func windowScope(a *itsm.Actor, w *where) { changeScope(a, w) }

// overlapWhere selects windows overlapping [start, end). Because no window
// is longer than itsm.MaxChangeWindow, a window that overlaps must start in
// [start - MaxChangeWindow, end): the bound lets the (service, window_start)
// index read only that slice.
func overlapWhere(w *where, r itsm.ChangeWindow) {
	w.add("c.window_start >= ? AND c.window_start < ? AND c.window_end > ?", ts(r.Start.Add(-itsm.MaxChangeWindow)), ts(r.End), ts(r.Start))
}

// scheduleConflicts returns the conflicts of w with the scheduled and
// in-delivery windows of other changes on the same service (compared
// case-insensitively; an empty service overlaps nothing) and with the
// freezes that apply to its service. It sees every change, whoever the
// caller is: scheduling must not miss a clash the scheduler cannot see.
func (tx *Tx) scheduleConflicts(w itsm.ChangeWindow) ([]itsm.ScheduleConflict, error) {
	return tx.conflictsFor(w, false)
}

// conflictsFor finds w's conflicts; scoped limits the overlapping windows to
// those the caller may see.
func (tx *Tx) conflictsFor(w itsm.ChangeWindow, scoped bool) ([]itsm.ScheduleConflict, error) {
	var others []itsm.ChangeWindow
	if svc := strings.TrimSpace(w.Service); svc != "" {
		var wh where
		in, args := inList(activeWindowStates)
		wh.add("LOWER(c.service) = LOWER(?)", svc)
		overlapWhere(&wh, w)
		wh.add("c.state IN "+in, args...)
		if w.ChangeID != 0 {
			wh.add("c.id <> ?", w.ChangeID)
		}
		if scoped {
			windowScope(tx.actor, &wh)
		}
		var err error
		if others, err = queryAll(tx, scanWindow, `SELECT `+windowColumns+windowFrom+wh.String()+` ORDER BY c.window_start, c.id LIMIT 200`, wh.args...); err != nil {
			return nil, fmt.Errorf("find overlapping windows: %w", err)
		}
	}
	freezes, err := tx.freezesOverlapping(w.Start, w.End, w.Service, true)
	if err != nil {
		return nil, err
	}
	return itsm.FindScheduleConflicts(w, others, freezes), nil
}

// CheckWindow validates a window and returns its conflicts with the windows
// the caller may see and with the freezes.
func (db *DB) CheckWindow(ctx context.Context, w itsm.ChangeWindow) ([]itsm.ScheduleConflict, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.SignedIn() {
		return nil, itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to continue.")
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	var out []itsm.ScheduleConflict
	err := db.view(ctx, func(tx *Tx) (err error) {
		out, err = tx.conflictsFor(w, true)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("check window: %w", err)
	}
	return out, nil
}

// CalendarFor returns the windows the caller may see and every freeze
// overlapping the range, each window with its conflicts among them.
func (db *DB) CalendarFor(ctx context.Context, f itsm.CalendarFilter) (*itsm.Calendar, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.SignedIn() {
		return nil, itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to continue.")
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var out *itsm.Calendar
	err := db.view(ctx, func(tx *Tx) (err error) {
		out, err = tx.calendar(f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return out, nil
}

// maxCalendarWindows caps the windows one calendar read returns.
const maxCalendarWindows = 5000

// calendar reads the range for tx's actor.
func (tx *Tx) calendar(f itsm.CalendarFilter) (*itsm.Calendar, error) {
	// Read windows from a little either side of the range so that the
	// conflicts of windows at its edges are complete.
	outer := itsm.ChangeWindow{Start: f.From.Add(-itsm.MaxChangeWindow), End: f.To.Add(itsm.MaxChangeWindow)}
	var wh where
	wh.add("c.window_start IS NOT NULL AND c.window_end IS NOT NULL")
	overlapWhere(&wh, outer)
	in, args := inList(hiddenWindowStates)
	wh.add("c.state NOT IN "+in, args...)
	if f.Service != "" {
		wh.add("LOWER(c.service) = LOWER(?)", f.Service)
	}
	windowScope(tx.actor, &wh)
	all, err := queryAll(tx, scanWindow, `SELECT `+windowColumns+windowFrom+wh.String()+` ORDER BY c.window_start, c.id LIMIT ?`, append(wh.args, maxCalendarWindows)...)
	if err != nil {
		return nil, fmt.Errorf("find windows: %w", err)
	}
	freezes, err := tx.freezesOverlapping(outer.Start, outer.End, f.Service, f.Service != "")
	if err != nil {
		return nil, err
	}
	var active []itsm.ChangeWindow
	for _, w := range all {
		if isActiveWindow(w.State) {
			active = append(active, w)
		}
	}
	cal := &itsm.Calendar{From: f.From.UTC(), To: f.To.UTC(), Windows: []*itsm.CalendarEntry{}, Freezes: []*itsm.FreezePeriod{}}
	for _, w := range all {
		if !itsm.Overlaps(w.Start, w.End, f.From, f.To) {
			continue
		}
		e := &itsm.CalendarEntry{ChangeWindow: w, Conflicts: []itsm.ScheduleConflict{}}
		if isActiveWindow(w.State) {
			e.Conflicts = itsm.FindScheduleConflicts(w, active, freezes)
		}
		cal.Windows = append(cal.Windows, e)
	}
	for i := range freezes {
		if itsm.Overlaps(freezes[i].Start, freezes[i].End, f.From, f.To) {
			cal.Freezes = append(cal.Freezes, &freezes[i])
		}
	}
	return cal, nil
}

func isActiveWindow(state string) bool {
	for _, s := range activeWindowStates {
		if s == state {
			return true
		}
	}
	return false
}
