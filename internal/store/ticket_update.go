package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// TicketEvents returns a ticket's history; customers do not see internal
// notes.
func (db *DB) TicketEvents(ctx context.Context, id int64) ([]*itsm.TicketEvent, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.TicketEvent
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.visibleTicket(id); err != nil {
			return err
		}
		q := `SELECT id, ticket_id, at, type, actor_id, actor_name, by_kind, status, priority, body, public FROM ticket_events WHERE ticket_id = ?`
		args := []any{id}
		if a.IsCustomer() {
			q += ` AND public = ?`
			args = append(args, true)
		}
		rows, err := tx.query(q+` ORDER BY at, id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e itsm.TicketEvent
			var at int64
			var actor *int64
			if err := rows.Scan(&e.ID, &e.TicketID, &at, &e.Type, &actor, &e.ActorName, &e.By, &e.Status, &e.Priority, &e.Body, &e.Public); err != nil {
				return err
			}
			e.At, e.ActorID = fromTS(at), actor
			out = append(out, &e)
		}
		return rows.Err()
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "ticket", strconv.FormatInt(id, 10), "ticket history not visible to the caller")
	}
	return out, err
}

// canWorkTicket reports whether the actor may change a visible ticket's
// status and write internal notes: programme staff, and the provider it is
// escalated to.
func canWorkTicket(a *itsm.Actor, t *itsm.Ticket) bool {
	if a.ReadOnly() {
		return false
	}
	return a.IsStaff() || (a.IsProvider() && t.ProviderID != nil && *t.ProviderID == a.OrgID)
}

func validBody(field, body string, required bool) error {
	var v itsm.Validation
	if required {
		v.Check(strings.TrimSpace(body) != "", field, "Enter your message.")
	}
	v.Check(len(body) <= 20000, field, "The message must be 20,000 characters or fewer.")
	v.Check(utf8.ValidString(body), field, "The message contains characters that are not valid text.")
	return v.Err()
}

// AddComment adds a public reply or an internal note. A staff reply meets
// the response target; a customer's reply to a ticket pending the customer
// puts it back in progress.
func (db *DB) AddComment(ctx context.Context, id int64, c itsm.Comment) (*itsm.TicketEvent, error) {
	a := itsm.ActorFromContext(ctx)
	if err := validBody("body", c.Body, true); err != nil {
		return nil, err
	}
	var ev *itsm.TicketEvent
	err := db.update(ctx, func(tx *Tx) error {
		t, err := tx.visibleTicket(id)
		if err != nil {
			return err
		}
		if a.ReadOnly() || !a.SignedIn() {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to write on tickets.")
		}
		if c.Internal && !canWorkTicket(a, t) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk and the provider can write internal notes.")
		}
		if t.Status == itsm.StatusClosed {
			return itsm.Errorf(itsm.ECONFLICT, "%s is closed; raise a new ticket and mention this reference.", t.Ref)
		}
		typ := "public_reply"
		if c.Internal {
			typ = "internal_note"
		}
		ev = &itsm.TicketEvent{TicketID: id, Type: typ, By: byKind(a), Body: strings.TrimSpace(c.Body), Public: !c.Internal}
		if err := tx.addEvent(ev); err != nil {
			return err
		}
		if a.IsCustomer() && t.Status == itsm.StatusPendingCustomer {
			if err := tx.setStatus(t, itsm.StatusInProgress); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`UPDATE tickets SET updated_at = ? WHERE id = ?`, ts(tx.now), id); err != nil {
			return fmt.Errorf("touch ticket %d: %w", id, err)
		}
		if err := tx.recomputeSLALive(id); err != nil {
			return err
		}
		if err := tx.audit("comment", "ticket", id, &t.OrgID, fields("type", typ, "event", ev.ID)); err != nil {
			return err
		}
		if c.Internal {
			return nil
		}
		if byKind(a) == "staff" {
			return tx.notifyWatchers(t, fmt.Sprintf("[%s] New reply: %s", t.Ref, t.Title),
				fmt.Sprintf("%s replied on %s:\n\n%s\n\nReply in the customer area.\n", a.Name, t.Ref, ev.Body))
		}
		if t.AssigneeID != nil {
			to, err := tx.emailsOf(`id = ? AND status = 'active'`, *t.AssigneeID)
			if err != nil || len(to) == 0 {
				return err
			}
			return tx.enqueue(itsm.EmailJob{To: to, Subject: fmt.Sprintf("[%s] Customer reply: %s", t.Ref, t.Title), Text: fmt.Sprintf("%s replied:\n\n%s\n", a.Name, ev.Body)})
		}
		return nil
	})
	return ev, err
}

// notifyWatchers e-mails the requester and watchers (never the actor).
func (tx *Tx) notifyWatchers(t *itsm.Ticket, subject, text string) error {
	to, err := tx.emailsOf(`status = 'active' AND id <> ? AND id IN (SELECT user_id FROM ticket_watchers WHERE ticket_id = ?)`, tx.actor.UserID, t.ID)
	if err != nil || len(to) == 0 {
		return err
	}
	return tx.enqueue(itsm.EmailJob{To: to, Subject: subject, Text: text})
}

// setStatus moves a ticket and records the event; callers check the move.
func (tx *Tx) setStatus(t *itsm.Ticket, to itsm.TicketStatus) error {
	var resolved, closed any
	switch to {
	case itsm.StatusResolved:
		resolved = ts(tx.now)
	case itsm.StatusClosed:
		resolved, closed = tsp(t.ResolvedAt), ts(tx.now)
	}
	if _, err := tx.exec(`UPDATE tickets SET status = ?, is_open = ?, resolved_at = ?, closed_at = ?, updated_at = ? WHERE id = ?`,
		string(to), to.Open(), resolved, closed, ts(tx.now), t.ID); err != nil {
		return fmt.Errorf("set status of ticket %d: %w", t.ID, err)
	}
	if err := tx.addEvent(&itsm.TicketEvent{TicketID: t.ID, Type: "status", Status: to, Public: true}); err != nil {
		return err
	}
	t.Status = to
	return nil
}

// UpdateTicket changes a ticket's status, priority, assignment, escalation
// to a provider, or classification, checking the lifecycle and who may.
func (db *DB) UpdateTicket(ctx context.Context, id int64, upd itsm.TicketUpdate) (*itsm.Ticket, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.Ticket
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.visibleTicket(id)
		if err != nil {
			return err
		}
		if !canWorkTicket(a, before) {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change this ticket.")
		}
		if before.Version != upd.Version {
			return itsm.ErrStale("ticket")
		}
		t := *before
		var v itsm.Validation
		if err := validBody("note", upd.Note, false); err != nil {
			return err
		}
		if upd.Priority != nil && *upd.Priority != t.Priority {
			if !a.IsStaff() {
				return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk can change a ticket's priority.")
			}
			v.Check(itsm.ValidPriority(*upd.Priority), "priority", "Choose a priority from P1 to P4.")
			v.Check(strings.TrimSpace(upd.PriorityReason) != "", "priority_reason", "Give a reason for changing the priority.")
		}
		if upd.AssigneeID != nil && !a.IsStaff() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk can assign tickets.")
		}
		if upd.ProviderID != nil && !a.IsStaff() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk can escalate tickets to a provider.")
		}
		for _, f := range []struct {
			name string
			v    *string
		}{{"category", upd.Category}, {"service", upd.Service}, {"component", upd.Component}} {
			if f.v != nil {
				v.Check(utf8.RuneCountInString(*f.v) <= 100 && !itsm.HasControl(*f.v), f.name, "Use 100 characters or fewer, without control characters.")
			}
		}
		if upd.Status != nil && *upd.Status != t.Status {
			if ok, why := itsm.CanMove(t.Status, *upd.Status); !ok {
				v.Add("status", why)
			} else if *upd.Status == itsm.StatusResolved && strings.TrimSpace(upd.Note) == "" {
				v.Add("note", "Describe the resolution for the customer.")
			} else if *upd.Status == itsm.StatusInProgress && t.Status == itsm.StatusResolved {
				v.Add("status", "Use re-open to put a resolved ticket back in progress, with a reason.")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if upd.AssigneeID != nil {
			if *upd.AssigneeID == 0 {
				t.AssigneeID, t.Assignee = nil, ""
			} else {
				u, err := tx.findUser(*upd.AssigneeID)
				if err != nil || !u.Role.IsStaff() || u.OrgKind != itsm.OrgProgramme || u.Status != itsm.UserActive {
					return &itsm.Error{Code: itsm.EINVALID, Message: "Choose an active member of the service desk.", Fields: map[string]string{"assignee_id": "Choose an active member of the service desk."}}
				}
				t.AssigneeID, t.Assignee = &u.ID, u.Name
			}
			if _, err := tx.exec(`UPDATE tickets SET assignee_id = ? WHERE id = ?`, t.AssigneeID, id); err != nil {
				return fmt.Errorf("assign ticket %d: %w", id, err)
			}
			if err := tx.addEvent(&itsm.TicketEvent{TicketID: id, Type: "assign", Body: t.Assignee, Public: false}); err != nil {
				return err
			}
			if t.AssigneeID != nil && t.Status == itsm.StatusNew && upd.Status == nil {
				if err := tx.setStatus(&t, itsm.StatusAssigned); err != nil {
					return err
				}
			}
		}
		if upd.ProviderID != nil {
			if *upd.ProviderID == 0 {
				t.ProviderID, t.Provider = nil, ""
			} else {
				p, err := tx.findOrg(*upd.ProviderID)
				if err != nil || p.Kind != itsm.OrgProvider {
					return &itsm.Error{Code: itsm.EINVALID, Message: "Choose a provider organisation.", Fields: map[string]string{"provider_id": "Choose a provider organisation."}}
				}
				t.ProviderID, t.Provider = &p.ID, p.Name
			}
			if _, err := tx.exec(`UPDATE tickets SET provider_id = ? WHERE id = ?`, t.ProviderID, id); err != nil {
				return fmt.Errorf("escalate ticket %d: %w", id, err)
			}
			if err := tx.addEvent(&itsm.TicketEvent{TicketID: id, Type: "escalate", Body: t.Provider, Public: false}); err != nil {
				return err
			}
			if t.ProviderID != nil {
				to, err := tx.emailsOf(`org_id = ? AND role = ? AND status = 'active'`, *t.ProviderID, string(itsm.RoleProviderAgent))
				if err != nil {
					return err
				}
				if len(to) > 0 {
					if err := tx.enqueue(itsm.EmailJob{To: to, Subject: fmt.Sprintf("[%s] Escalated to %s: %s", t.Ref, t.Provider, t.Title),
						Text: fmt.Sprintf("%s (%s, %s) has been escalated to you by %s.\n", t.Ref, t.OrgName, t.Priority, a.Name)}); err != nil {
						return err
					}
				}
			}
		}
		if upd.Priority != nil && *upd.Priority != t.Priority {
			t.Priority = *upd.Priority
			if _, err := tx.exec(`UPDATE tickets SET priority = ? WHERE id = ?`, t.Priority, id); err != nil {
				return fmt.Errorf("reprioritise ticket %d: %w", id, err)
			}
			if err := tx.addEvent(&itsm.TicketEvent{TicketID: id, Type: "priority", Priority: t.Priority, Body: strings.TrimSpace(upd.PriorityReason), Public: false}); err != nil {
				return err
			}
		}
		if upd.Category != nil {
			t.Category = strings.TrimSpace(*upd.Category)
		}
		if upd.Service != nil {
			t.Service = strings.TrimSpace(*upd.Service)
		}
		if upd.Component != nil {
			t.Component = strings.TrimSpace(*upd.Component)
		}
		if strings.TrimSpace(upd.Note) != "" {
			if err := tx.addEvent(&itsm.TicketEvent{TicketID: id, Type: "public_reply", By: byKind(a), Body: strings.TrimSpace(upd.Note), Public: true}); err != nil {
				return err
			}
		}
		statusChanged := upd.Status != nil && *upd.Status != before.Status
		if statusChanged {
			if err := tx.setStatus(&t, *upd.Status); err != nil {
				return err
			}
		}
		res, err := tx.exec(`UPDATE tickets SET category = ?, service = ?, component = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			t.Category, t.Service, t.Component, ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update ticket %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("ticket")
		}
		if err := tx.recomputeSLALive(id); err != nil {
			return err
		}
		if out, err = tx.findTicket(id); err != nil {
			return err
		}
		d := diff(before, out)
		if upd.PriorityReason != "" && upd.Priority != nil {
			d = mergeDiff(d, fields("priority_reason", upd.PriorityReason))
		}
		if err := tx.audit(itsm.AuditUpdate, "ticket", id, &out.OrgID, d); err != nil {
			return err
		}
		if err := tx.emitTicketEvents(before, out); err != nil {
			return err
		}
		if statusChanged || strings.TrimSpace(upd.Note) != "" {
			text := fmt.Sprintf("%s is now %s.\n", t.Ref, out.Status)
			if upd.Note != "" {
				text += "\n" + strings.TrimSpace(upd.Note) + "\n"
			}
			return tx.notifyWatchers(out, fmt.Sprintf("[%s] %s: %s", t.Ref, out.Status.Label(), t.Title), text)
		}
		return nil
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "ticket", strconv.FormatInt(id, 10), "update of a ticket not visible to the caller")
	}
	return out, err
}

// ReopenTicket puts a resolved ticket back in progress within the reopen
// window; the resolution clock resumes from now.
func (db *DB) ReopenTicket(ctx context.Context, id int64, reason string, version int64) (*itsm.Ticket, error) {
	a := itsm.ActorFromContext(ctx)
	if err := validBody("reason", reason, true); err != nil {
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: "Say why the ticket needs more work.", Fields: map[string]string{"reason": "Say why the ticket needs more work."}}
	}
	var out *itsm.Ticket
	err := db.update(ctx, func(tx *Tx) error {
		t, err := tx.visibleTicket(id)
		if err != nil {
			return err
		}
		if a.ReadOnly() || a.IsProvider() || !a.SignedIn() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the customer or the service desk can re-open a ticket.")
		}
		if t.Version != version {
			return itsm.ErrStale("ticket")
		}
		if t.Status != itsm.StatusResolved {
			return &itsm.Error{Code: itsm.EINVALID, Message: fmt.Sprintf("Only a resolved ticket can be re-opened; %s is %s.", t.Ref, t.Status), Fields: map[string]string{"status": "Only a resolved ticket can be re-opened."}}
		}
		days, err := tx.reopenDays()
		if err != nil {
			return err
		}
		if days == 0 {
			return &itsm.Error{Code: itsm.EINVALID, Message: fmt.Sprintf("Re-opening resolved tickets is turned off for this service desk, so %s cannot be re-opened; raise a new ticket and mention it.", t.Ref)}
		}
		if t.ResolvedAt != nil && tx.now.Sub(*t.ResolvedAt) > time.Duration(days)*24*time.Hour {
			return &itsm.Error{Code: itsm.EINVALID, Message: fmt.Sprintf("%s was resolved more than %d days ago, so it can no longer be re-opened; raise a new ticket and mention it.", t.Ref, days)}
		}
		if err := tx.addEvent(&itsm.TicketEvent{TicketID: id, Type: "public_reply", By: byKind(a), Body: "Re-opened: " + strings.TrimSpace(reason), Public: true}); err != nil {
			return err
		}
		if err := tx.setStatus(t, itsm.StatusInProgress); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE tickets SET resolved_at = NULL, version = version + 1 WHERE id = ?`, id); err != nil {
			return fmt.Errorf("reopen ticket %d: %w", id, err)
		}
		if err := tx.recomputeSLALive(id); err != nil {
			return err
		}
		if out, err = tx.findTicket(id); err != nil {
			return err
		}
		if err := tx.audit("transition:reopen", "ticket", id, &out.OrgID, fields("reason", reason)); err != nil {
			return err
		}
		if err := tx.emitTicketEvents(&itsm.Ticket{Status: itsm.StatusResolved}, out); err != nil {
			return err
		}
		return tx.notifyWatchers(out, fmt.Sprintf("[%s] Re-opened: %s", t.Ref, t.Title), fmt.Sprintf("%s re-opened %s: %s\n", a.Name, t.Ref, reason))
	})
	return out, err
}
