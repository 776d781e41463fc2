package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

const escalationColumns = `e.id, e.ticket_id, t.ref, t.title, e.org_id, o.name, e.level, e.status, e.reason, COALESCE(r.name, ''), e.owner_id, COALESCE(w.name, ''),
	e.due_at, e.outcome, e.created_at, e.updated_at, e.closed_at, e.version, t.provider_id`

const escalationFrom = ` FROM escalations e JOIN tickets t ON t.id = e.ticket_id JOIN organisations o ON o.id = e.org_id
	LEFT JOIN users r ON r.id = e.raised_by LEFT JOIN users w ON w.id = e.owner_id`

func scanEscalation(row interface{ Scan(...any) error }, now time.Time, extra ...any) (*itsm.Escalation, *int64, error) {
	var e itsm.Escalation
	var owner, due, closed, provider sql.NullInt64
	var created, updated int64
	if err := row.Scan(append([]any{&e.ID, &e.TicketID, &e.TicketRef, &e.Title, &e.OrgID, &e.OrgName, &e.Level, &e.Status, &e.Reason, &e.RaisedBy, &owner, &e.Owner,
		&due, &e.Outcome, &created, &updated, &closed, &e.Version, &provider}, extra...)...); err != nil {
		return nil, nil, err
	}
	if owner.Valid {
		e.OwnerID = &owner.Int64
	}
	e.DueAt, e.ClosedAt = fromNullTS(due), fromNullTS(closed)
	e.CreatedAt, e.UpdatedAt = fromTS(created), fromTS(updated)
	e.Overdue = e.Status != itsm.EscalationResolved && e.DueAt != nil && now.After(*e.DueAt)
	var p *int64
	if provider.Valid {
		p = &provider.Int64
	}
	return &e, p, nil
}

// escalationScope: staff and auditors see all; customers their own
// organisation's; providers those on tickets escalated to them.
func escalationScope(a *itsm.Actor, w *where) { assignedScope(a, w, "e.org_id", "t.provider_id") }

func (tx *Tx) findEscalation(id int64) (*itsm.Escalation, error) {
	var w where
	escalationScope(tx.actor, &w)
	w.add("e.id = ?", id)
	e, _, err := scanEscalation(tx.queryRow(`SELECT `+escalationColumns+escalationFrom+w.String(), w.args...), tx.now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("escalation")
	} else if err != nil {
		return nil, fmt.Errorf("find escalation %d: %w", id, err)
	}
	return e, nil
}

// escalationDue is when an escalation at a level is overdue: the level's
// target in the ticket's business hours (24×7 without an agreement).
func (tx *Tx) escalationDue(ticketID int64, level int) (time.Time, error) {
	target := itsm.EscalationTarget[level]
	var agreement sql.NullInt64
	if err := tx.queryRow(`SELECT agreement_id FROM tickets WHERE id = ?`, ticketID).Scan(&agreement); err != nil {
		return time.Time{}, fmt.Errorf("read ticket %d: %w", ticketID, err)
	}
	if !agreement.Valid {
		return tx.now.Add(target), nil
	}
	p, err := tx.policy(agreement.Int64)
	if err != nil {
		return time.Time{}, err
	}
	return p.Calendar.AddBusinessTime(tx.now, target), nil
}

func (tx *Tx) escalationEvent(id int64, typ string, level int, body string) error {
	_, err := tx.exec(`INSERT INTO escalation_events (escalation_id, at, actor_name, type, level, body) VALUES (?, ?, ?, ?, ?, ?)`, id, ts(tx.now), tx.actor.Name, typ, level, body)
	if err != nil {
		return fmt.Errorf("record escalation event: %w", err)
	}
	return nil
}

// notifyEscalation e-mails the provider's named contacts for the level and
// the programme's managers.
func (tx *Tx) notifyEscalation(e *itsm.Escalation, provider *int64, subject, text string) error {
	var to []string
	if provider != nil {
		rows, err := tx.query(`SELECT email FROM escalation_contacts WHERE provider_id = ? AND level <= ? ORDER BY level, email`, *provider, e.Level)
		if err != nil {
			return fmt.Errorf("find escalation contacts: %w", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			to = append(to, s)
		}
		rows.Close()
	}
	managers, err := tx.emailsOf(`role = ? AND status = 'active'`, string(itsm.RoleManager))
	if err != nil {
		return err
	}
	to = append(to, managers...)
	if len(to) == 0 {
		return nil
	}
	return tx.enqueue(itsm.EmailJob{To: to, Subject: subject, Text: text})
}

// Escalate records a customer's dispute of a ticket. A resolved ticket goes
// back in progress; a closed one cannot be escalated.
func (db *DB) Escalate(ctx context.Context, ticketID int64, reason string) (*itsm.Escalation, error) {
	a := itsm.ActorFromContext(ctx)
	reason = strings.TrimSpace(reason)
	if err := validBody("reason", reason, true); err != nil {
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: "Tell us why you are not satisfied.", Fields: map[string]string{"reason": "Tell us why you are not satisfied."}}
	}
	var out *itsm.Escalation
	err := db.update(ctx, func(tx *Tx) error {
		t, err := tx.visibleTicket(ticketID)
		if err != nil {
			return err
		}
		if !a.IsCustomer() && !a.IsStaff() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the customer or the service desk can escalate a ticket.")
		}
		if t.Status == itsm.StatusClosed {
			return itsm.Errorf(itsm.EINVALID, "%s is closed; raise a new ticket and mention it.", t.Ref)
		}
		var open int
		if err := tx.queryRow(`SELECT COUNT(*) FROM escalations WHERE ticket_id = ? AND status <> 'resolved'`, ticketID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return itsm.Errorf(itsm.ECONFLICT, "%s is already escalated; the programme team is looking at it.", t.Ref)
		}
		due, err := tx.escalationDue(ticketID, 1)
		if err != nil {
			return err
		}
		var raisedBy *int64
		if a.UserID != 0 {
			raisedBy = &a.UserID
		}
		id, err := tx.insert(`INSERT INTO escalations (ticket_id, org_id, level, status, reason, raised_by, due_at, created_at, updated_at, version) VALUES (?, ?, 1, 'open', ?, ?, ?, ?, ?, 1)`,
			ticketID, t.OrgID, reason, raisedBy, ts(due), ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("escalate ticket %d: %w", ticketID, err)
		}
		if err := tx.escalationEvent(id, "raised", 1, reason); err != nil {
			return err
		}
		// The dispute is the customer's voice even when the service desk
		// records it for them (a phone call): it must not count as the
		// team's first response on the SLA clock.
		if err := tx.addEvent(&itsm.TicketEvent{TicketID: ticketID, Type: "public_reply", By: "customer", Body: "Escalated to the programme team: " + reason, Public: true}); err != nil {
			return err
		}
		if t.Status == itsm.StatusResolved {
			if err := tx.setStatus(t, itsm.StatusInProgress); err != nil {
				return err
			}
			if _, err := tx.exec(`UPDATE tickets SET resolved_at = NULL, version = version + 1 WHERE id = ?`, ticketID); err != nil {
				return err
			}
			if err := tx.recomputeSLALive(ticketID); err != nil {
				return err
			}
		}
		var provider *int64
		if out, err = tx.findEscalation(id); err != nil {
			return err
		}
		provider = t.ProviderID
		if err := tx.audit(itsm.AuditCreate, "escalation", id, &t.OrgID, diff(nil, out)); err != nil {
			return err
		}
		return tx.notifyEscalation(out, provider, fmt.Sprintf("[%s] Escalated by %s (level 1)", t.Ref, t.OrgName),
			fmt.Sprintf("%s escalated %s %s:\n\n%s\n\nThe programme team must respond by %s UTC.\n", a.Name, t.Ref, t.Title, reason, due.Format("2 Jan 2006 15:04")))
	})
	return out, err
}

// FindEscalations returns a page of escalations, open and most urgent first.
func (db *DB) FindEscalations(ctx context.Context, f itsm.EscalationFilter) ([]*itsm.Escalation, int, error) {
	a := itsm.ActorFromContext(ctx)
	var w where
	escalationScope(a, &w)
	if f.Open != nil {
		if *f.Open {
			w.add("e.status <> 'resolved'")
		} else {
			w.add("e.status = 'resolved'")
		}
	}
	if f.TicketID != nil {
		w.add("e.ticket_id = ?", *f.TicketID)
	}
	if f.Level != nil {
		w.add("e.level = ?", *f.Level)
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.Escalation
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT `+escalationColumns+escalationFrom+w.String()+` ORDER BY CASE WHEN e.status = 'resolved' THEN 1 ELSE 0 END, e.level DESC, e.due_at, e.id LIMIT ? OFFSET ?`, append(w.args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, _, err := scanEscalation(rows, tx.now)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.queryRow(`SELECT COUNT(*)`+escalationFrom+w.String(), w.args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find escalations: %w", err)
	}
	return out, total, nil
}

// FindEscalationByID returns an escalation the caller may see.
func (db *DB) FindEscalationByID(ctx context.Context, id int64) (*itsm.Escalation, error) {
	var e *itsm.Escalation
	err := db.view(ctx, func(tx *Tx) (err error) { e, err = tx.findEscalation(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "escalation", strconv.FormatInt(id, 10), "escalation not visible to the caller")
	}
	return e, err
}

// EscalationHistory returns an escalation's events in order. The team's
// notes and its reasons for raising a level are its own record: customers
// and providers see the raise, the levels and the outcome, without them.
func (db *DB) EscalationHistory(ctx context.Context, id int64) ([]*itsm.EscalationEvent, error) {
	var out []*itsm.EscalationEvent
	private := !itsm.ActorFromContext(ctx).ReadsEverything()
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findEscalation(id); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT at, actor_name, type, level, body FROM escalation_events WHERE escalation_id = ? ORDER BY at, id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ev itsm.EscalationEvent
			var at int64
			if err := rows.Scan(&at, &ev.Actor, &ev.Type, &ev.Level, &ev.Body); err != nil {
				return err
			}
			ev.At = fromTS(at)
			if private {
				switch ev.Type {
				case "note":
					continue
				case "level", "acknowledged":
					ev.Body = ""
				}
			}
			out = append(out, &ev)
		}
		return rows.Err()
	})
	return out, err
}

// ActOnEscalation lets the programme team acknowledge (and take ownership),
// raise to the next level, add a note, or resolve with an outcome.
func (db *DB) ActOnEscalation(ctx context.Context, id int64, act itsm.EscalationAction) (*itsm.Escalation, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.IsStaff() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team can act on escalations.")
	}
	body := strings.TrimSpace(act.Body)
	if err := validBody("body", body, act.Action == "note" || act.Action == "resolve" || act.Action == "raise"); err != nil {
		return nil, err
	}
	var out *itsm.Escalation
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findEscalation(id)
		if err != nil {
			return err
		}
		if before.Version != act.Version {
			return itsm.ErrStale("escalation")
		}
		if before.Status == itsm.EscalationResolved {
			return itsm.Errorf(itsm.EINVALID, "The escalation is resolved; the customer can escalate the ticket again if needed.")
		}
		level, status, owner := before.Level, before.Status, before.OwnerID
		due := before.DueAt
		var closed any
		outcome := before.Outcome
		switch act.Action {
		case "acknowledge":
			status = itsm.EscalationAcknowledged
			if owner == nil && a.UserID != 0 {
				owner = &a.UserID
			}
		case "raise":
			if level >= 3 {
				return &itsm.Error{Code: itsm.EINVALID, Message: "The escalation is already at level 3, the highest.", Fields: map[string]string{"action": "Already at level 3."}}
			}
			level++
			d, err := tx.escalationDue(before.TicketID, level)
			if err != nil {
				return err
			}
			due = &d
		case "note":
		case "resolve":
			status, closed, outcome = itsm.EscalationResolved, ts(tx.now), body
		default:
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose acknowledge, raise, note or resolve.", Fields: map[string]string{"action": "Choose acknowledge, raise, note or resolve."}}
		}
		if act.OwnerID != nil {
			u, err := tx.findUser(*act.OwnerID)
			if err != nil || !u.Role.IsStaff() {
				return &itsm.Error{Code: itsm.EINVALID, Message: "Choose a member of the programme team as owner.", Fields: map[string]string{"owner_id": "Choose a member of the programme team."}}
			}
			owner = &u.ID
		}
		res, err := tx.exec(`UPDATE escalations SET level = ?, status = ?, owner_id = ?, due_at = ?, outcome = ?, closed_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			level, string(status), owner, tsp(due), outcome, closed, ts(tx.now), id, act.Version)
		if err != nil {
			return fmt.Errorf("update escalation %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("escalation")
		}
		typ := map[string]string{"acknowledge": "acknowledged", "raise": "level", "note": "note", "resolve": "resolved"}[act.Action]
		if err := tx.escalationEvent(id, typ, level, body); err != nil {
			return err
		}
		if out, err = tx.findEscalation(id); err != nil {
			return err
		}
		if err := tx.audit("transition:"+act.Action, "escalation", id, &out.OrgID, diff(before, out)); err != nil {
			return err
		}
		var provider *int64
		_ = tx.queryRow(`SELECT provider_id FROM tickets WHERE id = ?`, out.TicketID).Scan(&provider)
		switch act.Action {
		case "raise":
			return tx.notifyEscalation(out, provider, fmt.Sprintf("[%s] Escalation raised to level %d", out.TicketRef, level),
				fmt.Sprintf("%s raised the escalation of %s to level %d:\n\n%s\n", a.Name, out.TicketRef, level, body))
		case "resolve":
			to, err := tx.emailsOf(`id IN (SELECT raised_by FROM escalations WHERE id = ?) AND status = 'active'`, id)
			if err != nil || len(to) == 0 {
				return err
			}
			return tx.enqueue(itsm.EmailJob{To: to, Subject: fmt.Sprintf("[%s] Your escalation has been resolved", out.TicketRef), Text: body + "\n"})
		}
		return nil
	})
	return out, err
}

// FindEscalationContacts lists a provider's named contacts by level.
func (db *DB) FindEscalationContacts(ctx context.Context, providerID int64) ([]*itsm.EscalationContact, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.ReadsEverything() && !(a.IsProvider() && a.OrgID == providerID) {
		return nil, itsm.ErrNotFound("provider")
	}
	var out []*itsm.EscalationContact
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, provider_id, level, name, email FROM escalation_contacts WHERE provider_id = ? ORDER BY level, name`, providerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c itsm.EscalationContact
			if err := rows.Scan(&c.ID, &c.ProviderID, &c.Level, &c.Name, &c.Email); err != nil {
				return err
			}
			out = append(out, &c)
		}
		return rows.Err()
	})
	return out, err
}

// AddEscalationContact names a provider contact for a level (managers and
// administrators).
func (db *DB) AddEscalationContact(ctx context.Context, c *itsm.EscalationContact) error {
	if !itsm.ActorFromContext(ctx).CanManageOrgs() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only managers and administrators can change escalation contacts.")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		o, err := tx.findOrg(c.ProviderID)
		if err != nil || o.Kind != itsm.OrgProvider {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose a provider organisation.", Fields: map[string]string{"provider_id": "Choose a provider organisation."}}
		}
		id, err := tx.insert(`INSERT INTO escalation_contacts (provider_id, level, name, email) VALUES (?, ?, ?, ?)`, c.ProviderID, c.Level, c.Name, c.Email)
		if isUniqueViolation(err) {
			return itsm.Errorf(itsm.ECONFLICT, "%s is already a level %d contact.", c.Email, c.Level)
		} else if err != nil {
			return fmt.Errorf("add escalation contact: %w", err)
		}
		c.ID = id
		return tx.audit(itsm.AuditCreate, "escalation_contact", id, &c.ProviderID, diff(nil, c))
	})
}

// RemoveEscalationContact removes a named contact.
func (db *DB) RemoveEscalationContact(ctx context.Context, id int64) error {
	if !itsm.ActorFromContext(ctx).CanManageOrgs() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only managers and administrators can change escalation contacts.")
	}
	return db.update(ctx, func(tx *Tx) error {
		var c itsm.EscalationContact
		err := tx.queryRow(`SELECT id, provider_id, level, name, email FROM escalation_contacts WHERE id = ?`, id).Scan(&c.ID, &c.ProviderID, &c.Level, &c.Name, &c.Email)
		if errors.Is(err, sql.ErrNoRows) {
			return itsm.ErrNotFound("contact")
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM escalation_contacts WHERE id = ?`, id); err != nil {
			return fmt.Errorf("remove escalation contact %d: %w", id, err)
		}
		return tx.audit(itsm.AuditDelete, "escalation_contact", id, &c.ProviderID, diff(&c, nil))
	})
}
