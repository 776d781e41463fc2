package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// maintenanceChangeStates are the change states whose windows are
// maintenance: planned and done, not abandoned.
var maintenanceChangeStates = []string{string(itsm.ChangeScheduled), string(itsm.ChangeInDelivery), string(itsm.ChangeDelivered), string(itsm.ChangeClosed)}

// MaxMaintenanceWindow bounds one planned window: longer work is planned as
// several windows, so a typo cannot hide a month of outages.
const MaxMaintenanceWindow = 7 * 24 * time.Hour

// maintenanceBetween returns the planned windows and change windows that
// overlap [from, to), for one service (case-insensitively; planned windows
// for every service included) or for all when service is nil. It sees every
// window: maintenance is not secret within the programme.
func (tx *Tx) maintenanceBetween(service *string, from, to time.Time) ([]*itsm.MaintenanceWindow, error) {
	var out []*itsm.MaintenanceWindow
	w := &where{}
	w.add("m.ends_at > ? AND m.starts_at < ?", ts(from), ts(to))
	if service != nil {
		w.add("(m.service = '' OR LOWER(m.service) = LOWER(?))", *service)
	}
	rows, err := tx.query(`SELECT m.id, m.title, m.service, m.starts_at, m.ends_at, m.notes, m.created_at FROM maintenance_windows m`+w.String()+` ORDER BY m.starts_at, m.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find maintenance windows: %w", err)
	}
	for rows.Next() {
		m := &itsm.MaintenanceWindow{Source: "planned"}
		var s, e, c int64
		if err := rows.Scan(&m.ID, &m.Title, &m.Service, &s, &e, &m.Notes, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read maintenance window: %w", err)
		}
		m.StartsAt, m.EndsAt, m.CreatedAt = fromTS(s), fromTS(e), fromTS(c)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cw := &where{}
	in, args := inList(maintenanceChangeStates)
	cw.add("c.state IN "+in, args...)
	cw.add("c.service <> ''")
	cw.add("c.window_start >= ? AND c.window_start < ? AND c.window_end > ?", ts(from.Add(-itsm.MaxChangeWindow)), ts(to), ts(from))
	if service != nil {
		cw.add("LOWER(c.service) = LOWER(?)", *service)
	}
	rows, err = tx.query(`SELECT c.id, c.ref, c.title, c.service, c.window_start, c.window_end, c.created_at, c.organisation_id, c.provider_id FROM change_requests c`+cw.String()+` ORDER BY c.window_start, c.id`, cw.args...)
	if err != nil {
		return nil, fmt.Errorf("find change windows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, s, e, c int64
		var provider sql.NullInt64
		m := &itsm.MaintenanceWindow{Source: "change"}
		if err := rows.Scan(&id, &m.ChangeRef, &m.Title, &m.Service, &s, &e, &c, &m.ChangeOrgID, &provider); err != nil {
			return nil, fmt.Errorf("read change window: %w", err)
		}
		m.ChangeID, m.StartsAt, m.EndsAt, m.CreatedAt, m.ChangeProviderID = &id, fromTS(s), fromTS(e), fromTS(c), nullID(provider)
		m.Title = m.ChangeRef + ": " + m.Title
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartsAt.Before(out[j].StartsAt) })
	return out, nil
}

// maintenanceSet answers "was service in maintenance at t?" for a batch.
type maintenanceSet []*itsm.MaintenanceWindow

func (s maintenanceSet) covers(service string, t time.Time) bool {
	for _, m := range s {
		if (m.Service == "" || strings.EqualFold(m.Service, service)) && !t.Before(m.StartsAt) && t.Before(m.EndsAt) {
			return true
		}
	}
	return false
}

// intervals returns the windows that apply to service, as [start, end)
// pairs.
func (s maintenanceSet) intervals(service string) [][2]time.Time {
	var out [][2]time.Time
	for _, m := range s {
		if m.Service == "" || strings.EqualFold(m.Service, service) {
			out = append(out, [2]time.Time{m.StartsAt, m.EndsAt})
		}
	}
	return out
}

// CreateMaintenance plans a maintenance window (programme managers and
// administrators).
func (db *DB) CreateMaintenance(ctx context.Context, m *itsm.MaintenanceWindow) error {
	if !itsm.ActorFromContext(ctx).CanManageChecks() {
		return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to plan maintenance.")
	}
	m.Title, m.Service, m.Notes = strings.TrimSpace(m.Title), strings.TrimSpace(m.Service), strings.TrimSpace(m.Notes)
	m.StartsAt, m.EndsAt = m.StartsAt.UTC().Truncate(time.Minute), m.EndsAt.UTC().Truncate(time.Minute)
	f := map[string]string{}
	switch {
	case m.Title == "":
		f["title"] = "Enter what the maintenance is for."
	case utf8.RuneCountInString(m.Title) > 200:
		f["title"] = "The title must be 200 characters or fewer."
	}
	if utf8.RuneCountInString(m.Service) > 120 {
		f["service"] = "The service must be 120 characters or fewer."
	}
	if utf8.RuneCountInString(m.Notes) > 4000 {
		f["notes"] = "The notes must be 4,000 characters or fewer."
	}
	switch {
	case m.StartsAt.IsZero():
		f["starts_at"] = "Enter when the maintenance starts."
	case m.EndsAt.IsZero():
		f["ends_at"] = "Enter when the maintenance ends."
	case !m.EndsAt.After(m.StartsAt):
		f["ends_at"] = "The maintenance must end after it starts."
	case m.EndsAt.Sub(m.StartsAt) > MaxMaintenanceWindow:
		f["ends_at"] = "A maintenance window may last at most 7 days; plan longer work as several windows."
	case !m.EndsAt.After(db.now()):
		f["ends_at"] = "The maintenance must end in the future: past failures cannot be excused after the event."
	}
	if len(f) > 0 {
		return &itsm.Error{Code: itsm.EINVALID, Message: "The maintenance window could not be saved: correct the fields shown.", Fields: f}
	}
	a := itsm.ActorFromContext(ctx)
	var by any
	if a.UserID != 0 {
		by = a.UserID
	}
	return db.update(ctx, func(tx *Tx) error {
		id, err := tx.insert(`INSERT INTO maintenance_windows (title, service, starts_at, ends_at, notes, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.Title, m.Service, ts(m.StartsAt), ts(m.EndsAt), m.Notes, by, ts(tx.now))
		if err != nil {
			return fmt.Errorf("create maintenance window: %w", err)
		}
		m.ID, m.Source, m.CreatedAt = id, "planned", tx.now
		return tx.audit(itsm.AuditCreate, "maintenance", id, nil, diff(nil, m))
	})
}

// DeleteMaintenance cancels a planned window. A window that has begun can
// no longer be removed: it has already excused failures.
func (db *DB) DeleteMaintenance(ctx context.Context, id int64) error {
	if !itsm.ActorFromContext(ctx).CanManageChecks() {
		return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to cancel maintenance.")
	}
	return db.update(ctx, func(tx *Tx) error {
		m := &itsm.MaintenanceWindow{Source: "planned"}
		var s, e, c int64
		err := tx.queryRow(`SELECT id, title, service, starts_at, ends_at, notes, created_at FROM maintenance_windows WHERE id = ?`, id).
			Scan(&m.ID, &m.Title, &m.Service, &s, &e, &m.Notes, &c)
		if errors.Is(err, sql.ErrNoRows) {
			return itsm.ErrNotFound("maintenance window")
		} else if err != nil {
			return fmt.Errorf("find maintenance window %d: %w", id, err)
		}
		m.StartsAt, m.EndsAt, m.CreatedAt = fromTS(s), fromTS(e), fromTS(c)
		if !m.StartsAt.After(tx.now) {
			return itsm.Errorf(itsm.ECONFLICT, "This maintenance has already begun, so it stays on record; it ends at its planned time.")
		}
		if _, err := tx.exec(`DELETE FROM maintenance_windows WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete maintenance window %d: %w", id, err)
		}
		return tx.audit(itsm.AuditDelete, "maintenance", id, nil, diff(m, nil))
	})
}

// FindMaintenance lists planned and change windows overlapping the period
// (by default from now on). Customers see the windows of the services they
// can see on the status page; anyone else signed in sees all.
func (db *DB) FindMaintenance(ctx context.Context, f itsm.MaintenanceFilter) ([]*itsm.MaintenanceWindow, int, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.SignedIn() {
		return nil, 0, itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to see planned maintenance.")
	}
	from, to := db.now(), db.now().AddDate(1, 0, 0)
	if f.From != nil {
		from = *f.From
	}
	if f.To != nil {
		to = *f.To
	}
	if !to.After(from) {
		return nil, 0, &itsm.Error{Code: itsm.EINVALID, Message: "The period must end after it starts.", Fields: map[string]string{"to": "The end must be after the start."}}
	}
	var all []*itsm.MaintenanceWindow
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if all, err = tx.maintenanceBetween(f.Service, from, to); err != nil {
			return err
		}
		redactChangeWindows(a, all)
		if a.ReadsEverything() || a.IsProvider() {
			return nil
		}
		visible, err := tx.statusServices(a)
		if err != nil {
			return err
		}
		kept := all[:0]
		for _, m := range all {
			if m.Service == "" || visible[strings.ToLower(m.Service)] {
				kept = append(kept, m)
			}
		}
		all = kept
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	total := len(all)
	off, lim := page(f.Offset, f.Limit)
	if off > len(all) {
		off = len(all)
	}
	end := min(off+lim, len(all))
	return all[off:end], total, nil
}

// statusServices are the services (lower-cased) whose checks a viewer of
// the status page may see: the shared service's, and a customer's own.
// An anonymous viewer sees public checks of the shared service only.
func (tx *Tx) statusServices(a *itsm.Actor) (map[string]bool, error) {
	w := &where{}
	statusScope(a, w)
	rows, err := tx.query(`SELECT DISTINCT LOWER(c.service) FROM monitor_checks c`+w.String(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("find status services: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out[s] = true
	}
	return out, rows.Err()
}

// statusScope limits monitor_checks c to what the status page shows the
// actor: enabled checks; everything for staff and auditors; the provider's
// own and the shared ones for providers; the shared service and its own
// organisation's for customers; public shared checks for anyone else.
func statusScope(a *itsm.Actor, w *where) {
	w.add("c.enabled = ?", true)
	switch {
	case a.ReadsEverything():
	case a.IsProvider():
		w.add("(c.org_id IS NULL OR c.provider_id = ?)", a.OrgID)
	case a.IsCustomer():
		w.add("(c.org_id IS NULL OR c.org_id = ?)", a.OrgID)
	default:
		w.add("c.org_id IS NULL AND c.public = ?", true)
	}
}

// redactChangeWindows leaves, on change windows the actor may not see, only
// that a change is planned on the service: another customer's change title
// and reference are theirs.
func redactChangeWindows(a *itsm.Actor, ms []*itsm.MaintenanceWindow) {
	for _, m := range ms {
		if m.Source == "change" && !seesAssigned(a, m.ChangeOrgID, m.ChangeProviderID) {
			m.Title, m.ChangeRef, m.ChangeID, m.Notes = "Planned change to "+m.Service, "", nil, ""
		}
	}
}
