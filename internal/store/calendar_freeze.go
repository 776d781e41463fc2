package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

const freezeColumns = `f.id, f.name, f.reason, f.service, f.starts_at, f.ends_at, f.created_by, COALESCE(u.name, ''), f.created_at, f.updated_at, f.version`

const freezeFrom = ` FROM freeze_periods f LEFT JOIN users u ON u.id = f.created_by`

func scanFreeze(row scanner) (itsm.FreezePeriod, error) {
	var f itsm.FreezePeriod
	var start, end, created, updated int64
	var by sql.NullInt64
	if err := row.Scan(&f.ID, &f.Name, &f.Reason, &f.Service, &start, &end, &by, &f.CreatedBy, &created, &updated, &f.Version); err != nil {
		return f, err
	}
	f.Start, f.End, f.CreatedAt, f.UpdatedAt = fromTS(start), fromTS(end), fromTS(created), fromTS(updated)
	if by.Valid {
		f.CreatedByID = &by.Int64
	}
	return f, nil
}

func scanFreezePtr(row scanner) (*itsm.FreezePeriod, error) {
	f, err := scanFreeze(row)
	return &f, err
}

// freezesOverlapping returns the freezes overlapping [from, to) by start.
// With applying, only those that apply to service (global ones and the
// service's own, case-insensitively); otherwise every freeze.
func (tx *Tx) freezesOverlapping(from, to time.Time, service string, applying bool) ([]itsm.FreezePeriod, error) {
	var w where
	w.add("f.starts_at < ? AND f.ends_at > ?", ts(to), ts(from))
	if applying {
		if svc := strings.TrimSpace(service); svc != "" {
			w.add("(f.service = '' OR LOWER(f.service) = LOWER(?))", svc)
		} else {
			w.add("f.service = ''")
		}
	}
	out, err := queryAll(tx, scanFreeze, `SELECT `+freezeColumns+freezeFrom+w.String()+` ORDER BY f.starts_at, f.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find freezes: %w", err)
	}
	return out, nil
}

func (tx *Tx) findFreeze(id int64) (*itsm.FreezePeriod, error) {
	f, err := scanFreeze(tx.queryRow(`SELECT `+freezeColumns+freezeFrom+` WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("freeze period")
	} else if err != nil {
		return nil, fmt.Errorf("find freeze %d: %w", id, err)
	}
	return &f, nil
}

// canManageFreezes refuses everyone but programme managers and administrators.
func canManageFreezes(a *itsm.Actor) error {
	if !a.SignedIn() {
		return itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to continue.")
	}
	if !a.CanManageFreezes() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only programme managers and administrators can change freeze periods.")
	}
	return nil
}

// CreateFreeze adds a freeze period (programme managers and administrators).
func (db *DB) CreateFreeze(ctx context.Context, f *itsm.FreezePeriod) error {
	a := itsm.ActorFromContext(ctx)
	if err := canManageFreezes(a); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		var by *int64
		if a.UserID != 0 {
			by = &a.UserID
		}
		id, err := tx.insert(`INSERT INTO freeze_periods (name, reason, service, starts_at, ends_at, created_by, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			f.Name, f.Reason, f.Service, ts(f.Start), ts(f.End), by, ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create freeze: %w", err)
		}
		got, err := tx.findFreeze(id)
		if err != nil {
			return err
		}
		*f = *got
		return tx.audit(itsm.AuditCreate, "freeze_period", id, nil, diff(nil, f))
	})
}

// FindFreezeByID returns a freeze period; everyone signed in may read them.
func (db *DB) FindFreezeByID(ctx context.Context, id int64) (*itsm.FreezePeriod, error) {
	if !itsm.ActorFromContext(ctx).SignedIn() {
		return nil, itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to continue.")
	}
	var f *itsm.FreezePeriod
	err := db.view(ctx, func(tx *Tx) (err error) { f, err = tx.findFreeze(id); return err })
	return f, err
}

// FindFreezes lists freeze periods by start; everyone signed in may read them.
func (db *DB) FindFreezes(ctx context.Context, f itsm.FreezeFilter) ([]*itsm.FreezePeriod, int, error) {
	if !itsm.ActorFromContext(ctx).SignedIn() {
		return nil, 0, itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to continue.")
	}
	var w where
	if f.From != nil {
		w.add("f.ends_at > ?", ts(*f.From))
	}
	if f.To != nil {
		w.add("f.starts_at < ?", ts(*f.To))
	}
	if f.Service != nil {
		if svc := strings.TrimSpace(*f.Service); svc != "" {
			w.add("(f.service = '' OR LOWER(f.service) = LOWER(?))", svc)
		}
	}
	order := ` ORDER BY f.starts_at, f.id`
	if f.Latest {
		order = ` ORDER BY f.starts_at DESC, f.id DESC`
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.FreezePeriod
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if out, err = queryAll(tx, scanFreezePtr, `SELECT `+freezeColumns+freezeFrom+w.String()+order+` LIMIT ? OFFSET ?`, append(w.args, limit, offset)...); err != nil {
			return err
		}
		return tx.queryRow(`SELECT COUNT(*) FROM freeze_periods f`+w.String(), w.args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find freezes: %w", err)
	}
	if out == nil {
		out = []*itsm.FreezePeriod{}
	}
	return out, total, nil
}

// UpdateFreeze changes a freeze period at the given version.
func (db *DB) UpdateFreeze(ctx context.Context, id int64, upd itsm.FreezeUpdate) (*itsm.FreezePeriod, error) {
	a := itsm.ActorFromContext(ctx)
	if err := canManageFreezes(a); err != nil {
		return nil, err
	}
	var out *itsm.FreezePeriod
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findFreeze(id)
		if err != nil {
			return err
		}
		f := *before
		for _, s := range []struct{ dst, src *string }{{&f.Name, upd.Name}, {&f.Reason, upd.Reason}, {&f.Service, upd.Service}} {
			if s.src != nil {
				*s.dst = *s.src
			}
		}
		if upd.Start != nil {
			f.Start = *upd.Start
		}
		if upd.End != nil {
			f.End = *upd.End
		}
		if err := f.Validate(); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE freeze_periods SET name = ?, reason = ?, service = ?, starts_at = ?, ends_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			f.Name, f.Reason, f.Service, ts(f.Start), ts(f.End), ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update freeze %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("freeze period")
		}
		if out, err = tx.findFreeze(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditUpdate, "freeze_period", id, nil, diff(before, out))
	})
	return out, err
}

// DeleteFreeze removes a freeze period at the given version.
func (db *DB) DeleteFreeze(ctx context.Context, id, version int64) error {
	a := itsm.ActorFromContext(ctx)
	if err := canManageFreezes(a); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		before, err := tx.findFreeze(id)
		if err != nil {
			return err
		}
		res, err := tx.exec(`DELETE FROM freeze_periods WHERE id = ? AND version = ?`, id, version)
		if err != nil {
			return fmt.Errorf("delete freeze %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("freeze period")
		}
		return tx.audit(itsm.AuditDelete, "freeze_period", id, nil, diff(before, nil))
	})
}
