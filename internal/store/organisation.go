package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

const orgColumns = `id, name, kind, time_zone, active, version, created_at, updated_at`

func scanOrg(row interface{ Scan(...any) error }, extra ...any) (*itsm.Organisation, error) {
	var o itsm.Organisation
	var created, updated int64
	if err := row.Scan(append([]any{&o.ID, &o.Name, &o.Kind, &o.TimeZone, &o.Active, &o.Version, &created, &updated}, extra...)...); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = fromTS(created), fromTS(updated)
	return &o, nil
}

// FindOrganisationByID returns an organisation the caller may see.
func (db *DB) FindOrganisationByID(ctx context.Context, id int64) (*itsm.Organisation, error) {
	var o *itsm.Organisation
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		o, err = tx.findOrg(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !itsm.ActorFromContext(ctx).CanSeeOrg(o.ID) {
		_ = db.RecordAccessRefused(ctx, "organisation", strconv.FormatInt(id, 10), "organisation not visible to the caller")
		return nil, itsm.ErrNotFound("organisation")
	}
	return o, nil
}

// findOrg reads an organisation without scoping; callers check visibility.
func (tx *Tx) findOrg(id int64) (*itsm.Organisation, error) {
	o, err := scanOrg(tx.queryRow(`SELECT `+orgColumns+` FROM organisations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("organisation")
	} else if err != nil {
		return nil, fmt.Errorf("find organisation %d: %w", id, err)
	}
	return o, nil
}

// FindOrganisations returns a page of the organisations the caller may see.
func (db *DB) FindOrganisations(ctx context.Context, f itsm.OrganisationFilter) ([]*itsm.Organisation, int, error) {
	a := itsm.ActorFromContext(ctx)
	var w where
	if s := a.OrgScope(); s != 0 {
		w.add("id = ?", s)
	}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.Kind != nil {
		w.add("kind = ?", string(*f.Kind))
	}
	if f.Active != nil {
		w.add("active = ?", *f.Active)
	}
	if f.Query != nil && *f.Query != "" {
		w.add(`lower(name) LIKE ? ESCAPE '\'`, likePattern(*f.Query))
	}
	order := map[string]string{"": "lower(name), id", "name": "lower(name), id", "-name": "lower(name) DESC, id DESC",
		"created": "created_at, id", "-created": "created_at DESC, id DESC", "kind": "kind, lower(name)"}[f.Sort]
	if order == "" {
		return nil, 0, &itsm.Error{Code: itsm.EINVALID, Message: "Sort by name, -name, created, -created or kind.", Fields: map[string]string{"sort": "Sort by name, -name, created, -created or kind."}}
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.Organisation
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT `+orgColumns+`, COUNT(*) OVER () FROM organisations`+w.String()+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(w.args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrg(rows, &total)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 && offset > 0 {
			return tx.queryRow(`SELECT COUNT(*) FROM organisations`+w.String(), w.args...).Scan(&total)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find organisations: %w", err)
	}
	return out, total, nil
}

// CreateOrganisation creates an organisation. Only programme managers and
// administrators (and the system) may.
func (db *DB) CreateOrganisation(ctx context.Context, o *itsm.Organisation) error {
	a := itsm.ActorFromContext(ctx)
	if !a.CanManageOrgs() {
		return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to create organisations.")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		o.Active, o.Version, o.CreatedAt, o.UpdatedAt = true, 1, tx.now, tx.now
		if o.Kind == itsm.OrgProgramme {
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM organisations WHERE kind = 'programme'`).Scan(&n); err != nil {
				return fmt.Errorf("create organisation: %w", err)
			} else if n > 0 {
				return &itsm.Error{Code: itsm.ECONFLICT, Message: "There is already a programme organisation; there can be only one.", Fields: map[string]string{"kind": "There is already a programme organisation."}}
			}
		}
		id, err := tx.insert(`INSERT INTO organisations (name, kind, time_zone, active, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			o.Name, string(o.Kind), o.TimeZone, true, 1, ts(tx.now), ts(tx.now))
		if isUniqueViolation(err) {
			return &itsm.Error{Code: itsm.ECONFLICT, Message: "An organisation with that name already exists.", Fields: map[string]string{"name": "An organisation with that name already exists."}}
		} else if err != nil {
			return fmt.Errorf("create organisation: %w", err)
		}
		o.ID = id
		return tx.audit(itsm.AuditCreate, "organisation", id, &id, diff(nil, o))
	})
}

// UpdateOrganisation changes an organisation if the caller's version is
// current.
func (db *DB) UpdateOrganisation(ctx context.Context, id int64, upd itsm.OrganisationUpdate) (*itsm.Organisation, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.Organisation
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findOrg(id)
		if err != nil {
			return err
		}
		if !a.CanSeeOrg(id) {
			return itsm.ErrNotFound("organisation")
		}
		if !a.CanManageOrgs() {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change organisations.")
		}
		o := *before
		if upd.Name != nil {
			o.Name = *upd.Name
		}
		if upd.TimeZone != nil {
			o.TimeZone = *upd.TimeZone
		}
		if upd.Active != nil {
			o.Active = *upd.Active
		}
		if err := o.Validate(); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE organisations SET name = ?, time_zone = ?, active = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			o.Name, o.TimeZone, o.Active, ts(tx.now), id, upd.Version)
		if isUniqueViolation(err) {
			return &itsm.Error{Code: itsm.ECONFLICT, Message: "An organisation with that name already exists.", Fields: map[string]string{"name": "An organisation with that name already exists."}}
		} else if err != nil {
			return fmt.Errorf("update organisation %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("organisation")
		}
		o.Version, o.UpdatedAt = before.Version+1, tx.now
		out = &o
		return tx.audit(itsm.AuditUpdate, "organisation", id, &id, diff(before, &o))
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND && !a.CanSeeOrg(id) {
		_ = db.RecordAccessRefused(ctx, "organisation", strconv.FormatInt(id, 10), "update of an organisation not visible to the caller")
	}
	return out, err
}

// FindRegistrableOrganisations lists active customer organisations by name.
func (db *DB) FindRegistrableOrganisations(ctx context.Context) ([]*itsm.Organisation, error) {
	var out []*itsm.Organisation
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, name FROM organisations WHERE kind = 'customer' AND active = ? ORDER BY lower(name)`, true)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o := &itsm.Organisation{Kind: itsm.OrgCustomer, Active: true}
			if err := rows.Scan(&o.ID, &o.Name); err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("find registrable organisations: %w", err)
	}
	return out, nil
}
