package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

const problemColumns = `p.id, p.ref, p.title, p.description, p.root_cause, p.workaround, p.known_error, p.status, p.provider_id, COALESCE(o.name, ''),
	p.owner_id, COALESCE(u.name, ''), (SELECT COUNT(*) FROM ticket_links l WHERE l.target_type = 'problem' AND l.target_id = p.id), p.created_at, p.updated_at, p.version`

const problemFrom = ` FROM problems p LEFT JOIN organisations o ON o.id = p.provider_id LEFT JOIN users u ON u.id = p.owner_id`

func scanProblem(row interface{ Scan(...any) error }, extra ...any) (*itsm.Problem, error) {
	var p itsm.Problem
	var provider, owner sql.NullInt64
	var created, updated int64
	if err := row.Scan(append([]any{&p.ID, &p.Ref, &p.Title, &p.Description, &p.RootCause, &p.Workaround, &p.KnownError, &p.Status, &provider, &p.Provider,
		&owner, &p.Owner, &p.Incidents, &created, &updated, &p.Version}, extra...)...); err != nil {
		return nil, err
	}
	if provider.Valid {
		p.ProviderID = &provider.Int64
	}
	if owner.Valid {
		p.OwnerID = &owner.Int64
	}
	p.CreatedAt, p.UpdatedAt = fromTS(created), fromTS(updated)
	return &p, nil
}

// scanProblemRow scans a problem with no extra columns.
func scanProblemRow(row scanner) (*itsm.Problem, error) { return scanProblem(row) }

// canSeeProblem: staff and auditors all; providers those assigned to them.
func canSeeProblem(a *itsm.Actor, p *itsm.Problem) bool {
	return a.ReadsEverything() || (a.IsProvider() && p.ProviderID != nil && *p.ProviderID == a.OrgID)
}

func (tx *Tx) findProblem(id int64) (*itsm.Problem, error) {
	p, err := scanProblem(tx.queryRow(`SELECT `+problemColumns+problemFrom+` WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("problem")
	} else if err != nil {
		return nil, fmt.Errorf("find problem %d: %w", id, err)
	}
	if !canSeeProblem(tx.actor, p) {
		return nil, itsm.ErrNotFound("problem")
	}
	if err := tx.scopeIncidentCounts([]*itsm.Problem{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// scopeIncidentCounts makes each problem's count of linked incidents count
// only those the caller may open: a provider sees how many of its own
// tickets a problem causes, not how many other customers' tickets it
// cannot see. Staff and auditors keep the full count.
func (tx *Tx) scopeIncidentCounts(ps []*itsm.Problem) error {
	a := tx.actor
	if a.ReadsEverything() || len(ps) == 0 {
		return nil
	}
	byID := make(map[int64]*itsm.Problem, len(ps))
	args := make([]any, 0, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
		p.Incidents = 0
		args = append(args, p.ID)
	}
	var w where
	w.add("l.target_type = 'problem' AND l.target_id IN ("+placeholders(len(ps), 1)+")", args...)
	ticketScope(a, &w)
	rows, err := tx.query(`SELECT l.target_id, COUNT(*) FROM ticket_links l JOIN tickets t ON t.id = l.ticket_id`+w.String()+` GROUP BY l.target_id`, w.args...)
	if err != nil {
		return fmt.Errorf("count incidents of problems: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		byID[id].Incidents = n
	}
	return rows.Err()
}

// CreateProblem records a problem (programme staff).
func (db *DB) CreateProblem(ctx context.Context, p *itsm.Problem) error {
	a := itsm.ActorFromContext(ctx)
	if !a.IsStaff() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk can record problems.")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.checkProblemRefs(p.ProviderID, p.OwnerID); err != nil {
			return err
		}
		n, err := tx.nextNumber("problem")
		if err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO problems (number, ref, title, description, root_cause, workaround, known_error, status, provider_id, owner_id, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, n, itsm.ProblemRef(n), p.Title, p.Description, p.RootCause, p.Workaround, p.KnownError, string(p.Status), p.ProviderID, p.OwnerID, ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create problem: %w", err)
		}
		got, err := tx.findProblem(id)
		if err != nil {
			return err
		}
		*p = *got
		return tx.audit(itsm.AuditCreate, "problem", id, nil, diff(nil, p))
	})
}

func (tx *Tx) checkProblemRefs(provider, owner *int64) error {
	if provider != nil {
		o, err := tx.findOrg(*provider)
		if err != nil || o.Kind != itsm.OrgProvider {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose a provider organisation.", Fields: map[string]string{"provider_id": "Choose a provider organisation."}}
		}
	}
	if owner != nil {
		u, err := tx.findUser(*owner)
		if err != nil || (!u.Role.IsStaff() && u.Role != itsm.RoleProviderAgent) || u.Status != itsm.UserActive {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose an active member of the service desk or the provider as owner.", Fields: map[string]string{"owner_id": "Choose an active owner."}}
		}
	}
	return nil
}

// FindProblemByID returns a problem the caller may see.
func (db *DB) FindProblemByID(ctx context.Context, id int64) (*itsm.Problem, error) {
	var p *itsm.Problem
	err := db.view(ctx, func(tx *Tx) (err error) { p, err = tx.findProblem(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "problem", strconv.FormatInt(id, 10), "problem not visible to the caller")
	}
	return p, err
}

// FindProblems returns a page of the problems the caller may see.
func (db *DB) FindProblems(ctx context.Context, f itsm.ProblemFilter) ([]*itsm.Problem, int, error) {
	a := itsm.ActorFromContext(ctx)
	var w where
	switch {
	case a.ReadsEverything():
	case a.IsProvider():
		w.add("p.provider_id = ?", a.OrgID)
	default:
		return nil, 0, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to browse problems.")
	}
	if f.Status != nil {
		w.add("p.status = ?", string(*f.Status))
	}
	if f.KnownError != nil {
		w.add("p.known_error = ?", *f.KnownError)
	}
	if f.ProviderID != nil {
		w.add("p.provider_id = ?", *f.ProviderID)
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.Problem
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if out, err = queryAll(tx, scanProblemRow, `SELECT `+problemColumns+problemFrom+w.String()+` ORDER BY p.updated_at DESC, p.id DESC LIMIT ? OFFSET ?`, append(w.args, limit, offset)...); err != nil {
			return err
		}
		if err := tx.scopeIncidentCounts(out); err != nil {
			return err
		}
		return tx.queryRow(`SELECT COUNT(*) FROM problems p`+w.String(), w.args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find problems: %w", err)
	}
	return out, total, nil
}

// UpdateProblem changes a problem (staff; the assigned provider may record
// root cause, workaround and status).
func (db *DB) UpdateProblem(ctx context.Context, id int64, upd itsm.ProblemUpdate) (*itsm.Problem, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.Problem
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findProblem(id)
		if err != nil {
			return err
		}
		if a.ReadOnly() || !(a.IsStaff() || a.IsProvider()) {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change problems.")
		}
		if a.IsProvider() && (upd.ProviderID != nil || upd.OwnerID != nil) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk can reassign a problem.")
		}
		p := *before
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = *src
			}
		}
		set(&p.Title, upd.Title)
		set(&p.Description, upd.Description)
		set(&p.RootCause, upd.RootCause)
		set(&p.Workaround, upd.Workaround)
		if upd.KnownError != nil {
			p.KnownError = *upd.KnownError
		}
		if upd.Status != nil {
			p.Status = *upd.Status
		}
		if upd.ProviderID != nil {
			p.ProviderID = upd.ProviderID
			if *upd.ProviderID == 0 {
				p.ProviderID = nil
			}
		}
		if upd.OwnerID != nil {
			p.OwnerID = upd.OwnerID
			if *upd.OwnerID == 0 {
				p.OwnerID = nil
			}
		}
		if err := p.Validate(); err != nil {
			return err
		}
		if err := tx.checkProblemRefs(p.ProviderID, p.OwnerID); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE problems SET title = ?, description = ?, root_cause = ?, workaround = ?, known_error = ?, status = ?, provider_id = ?, owner_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			p.Title, p.Description, p.RootCause, p.Workaround, p.KnownError, string(p.Status), p.ProviderID, p.OwnerID, ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update problem %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("problem")
		}
		if out, err = tx.findProblem(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditUpdate, "problem", id, nil, diff(before, out))
	})
	return out, err
}

// LinkIncident records that a ticket is caused by the problem.
func (db *DB) LinkIncident(ctx context.Context, problemID, ticketID int64) error {
	return db.linkIncident(ctx, problemID, ticketID, true)
}

// UnlinkIncident removes the link.
func (db *DB) UnlinkIncident(ctx context.Context, problemID, ticketID int64) error {
	return db.linkIncident(ctx, problemID, ticketID, false)
}

func (db *DB) linkIncident(ctx context.Context, problemID, ticketID int64, link bool) error {
	a := itsm.ActorFromContext(ctx)
	if !a.IsStaff() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk can link incidents to problems.")
	}
	return db.update(ctx, func(tx *Tx) error {
		p, err := tx.findProblem(problemID)
		if err != nil {
			return err
		}
		t, err := tx.visibleTicket(ticketID)
		if err != nil {
			return err
		}
		action := "link"
		if link {
			if t.Type != itsm.Incident {
				return &itsm.Error{Code: itsm.EINVALID, Message: fmt.Sprintf("%s is a service request; only incidents can be linked to a problem.", t.Ref),
					Fields: map[string]string{"ref": "Only incidents can be linked to a problem."}}
			}
			if _, err := tx.exec(`INSERT INTO ticket_links (ticket_id, kind, target_type, target_id, created_at) VALUES (?, 'caused_by', 'problem', ?, ?) ON CONFLICT DO NOTHING`, ticketID, problemID, ts(tx.now)); err != nil {
				return fmt.Errorf("link ticket %d to problem %d: %w", ticketID, problemID, err)
			}
		} else {
			action = "unlink"
			if _, err := tx.exec(`DELETE FROM ticket_links WHERE ticket_id = ? AND kind = 'caused_by' AND target_type = 'problem' AND target_id = ?`, ticketID, problemID); err != nil {
				return fmt.Errorf("unlink ticket %d from problem %d: %w", ticketID, problemID, err)
			}
		}
		if err := tx.addEvent(&itsm.TicketEvent{TicketID: ticketID, Type: "link", Body: action + " " + p.Ref, Public: false}); err != nil {
			return err
		}
		return tx.audit(action, "problem", problemID, nil, fields("ticket", t.Ref))
	})
}

// ProblemIncidents lists the visible tickets linked to a problem.
func (db *DB) ProblemIncidents(ctx context.Context, problemID int64) ([]*itsm.Ticket, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.Ticket
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findProblem(problemID); err != nil {
			return err
		}
		var w where
		ticketScope(a, &w)
		w.add("t.id IN (SELECT ticket_id FROM ticket_links WHERE target_type = 'problem' AND target_id = ?)", problemID)
		var err error
		out, err = queryAll(tx, scanTicketRow, `SELECT `+ticketColumns+ticketFrom+w.String()+` ORDER BY t.created_at DESC LIMIT 500`, w.args...)
		return err
	})
	return out, err
}

// TicketProblems lists the problems linked to a visible ticket. Customers
// see only known errors, and only their title, reference and workaround.
func (db *DB) TicketProblems(ctx context.Context, ticketID int64) ([]*itsm.Problem, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.Problem
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.visibleTicket(ticketID); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT `+problemColumns+problemFrom+` WHERE p.id IN (SELECT target_id FROM ticket_links WHERE ticket_id = ? AND target_type = 'problem') ORDER BY p.id`, ticketID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanProblem(rows)
			if err != nil {
				return err
			}
			switch {
			case a.ReadsEverything(), canSeeProblem(a, p):
				out = append(out, p)
			case p.KnownError:
				out = append(out, &itsm.Problem{ID: p.ID, Ref: p.Ref, Title: p.Title, Workaround: p.Workaround, KnownError: true, Status: p.Status})
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if a.IsProvider() {
			return tx.scopeIncidentCounts(out)
		}
		return nil
	})
	return out, err
}
