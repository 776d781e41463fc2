package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// This file links changes to tickets and problems, and raises an RFC from a
// problem.

// LinkChangeTicket links a ticket to the change (programme staff).
func (db *DB) LinkChangeTicket(ctx context.Context, changeID, ticketID int64) error {
	return db.linkChange(ctx, changeID, "ticket", ticketID, true)
}

// UnlinkChangeTicket removes the link (programme staff).
func (db *DB) UnlinkChangeTicket(ctx context.Context, changeID, ticketID int64) error {
	return db.linkChange(ctx, changeID, "ticket", ticketID, false)
}

// LinkChangeProblem links a problem to the change (programme staff).
func (db *DB) LinkChangeProblem(ctx context.Context, changeID, problemID int64) error {
	return db.linkChange(ctx, changeID, "problem", problemID, true)
}

// UnlinkChangeProblem removes the link (programme staff).
func (db *DB) UnlinkChangeProblem(ctx context.Context, changeID, problemID int64) error {
	return db.linkChange(ctx, changeID, "problem", problemID, false)
}

func (db *DB) linkChange(ctx context.Context, changeID int64, kind string, targetID int64, link bool) error {
	return db.update(ctx, func(tx *Tx) error { return tx.linkChange(changeID, kind, targetID, link) })
}

// linkChange links (or unlinks) a ticket or problem in tx.
func (tx *Tx) linkChange(changeID int64, kind string, targetID int64, link bool) error {
	a := tx.actor
	c, err := tx.findChange(changeID)
	if err != nil {
		return err
	}
	if a.ReadOnly() || !a.IsStaff() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team can link changes to %ss.", kind)
	}
	var ref, table, col string
	switch kind {
	case "ticket":
		t, err := tx.visibleTicket(targetID)
		if err != nil {
			return err
		}
		ref, table, col = t.Ref, "change_tickets", "ticket_id"
	default:
		p, err := tx.findProblem(targetID)
		if err != nil {
			return err
		}
		ref, table, col = p.Ref, "change_problems", "problem_id"
	}
	action := "link"
	if link {
		if _, err := tx.exec(`INSERT INTO `+table+` (change_id, `+col+`, created_at) VALUES (?, ?, ?)`, changeID, targetID, ts(tx.now)); err != nil {
			if isUniqueViolation(err) {
				return itsm.Errorf(itsm.ECONFLICT, "%s is already linked to %s.", ref, c.Ref)
			}
			return fmt.Errorf("link change %d to %s %d: %w", changeID, kind, targetID, err)
		}
	} else {
		action = "unlink"
		res, err := tx.exec(`DELETE FROM `+table+` WHERE change_id = ? AND `+col+` = ?`, changeID, targetID)
		if err != nil {
			return fmt.Errorf("unlink change %d from %s %d: %w", changeID, kind, targetID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.Errorf(itsm.ENOTFOUND, "%s is not linked to %s.", ref, c.Ref)
		}
	}
	if err := tx.changeEvent(changeID, action, "", "", ref); err != nil {
		return err
	}
	return tx.audit(action, "change", changeID, &c.OrgID, fields(kind, ref))
}

// ChangeTickets lists the visible tickets linked to a visible change.
func (db *DB) ChangeTickets(ctx context.Context, changeID int64) ([]*itsm.Ticket, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.Ticket
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findChange(changeID); err != nil {
			return err
		}
		var w where
		ticketScope(a, &w)
		w.add("t.id IN (SELECT ticket_id FROM change_tickets WHERE change_id = ?)", changeID)
		var err error
		out, err = queryAll(tx, scanTicketRow, `SELECT `+ticketColumns+ticketFrom+w.String()+` ORDER BY t.created_at DESC LIMIT 500`, w.args...)
		return err
	})
	return out, err
}

// TicketChanges lists the visible changes linked to a visible ticket.
func (db *DB) TicketChanges(ctx context.Context, ticketID int64) ([]*itsm.ChangeRequest, error) {
	return db.linkedChanges(ctx, func(tx *Tx) error { _, err := tx.visibleTicket(ticketID); return err },
		"c.id IN (SELECT change_id FROM change_tickets WHERE ticket_id = ?)", ticketID)
}

// ProblemChanges lists the visible changes linked to a visible problem.
func (db *DB) ProblemChanges(ctx context.Context, problemID int64) ([]*itsm.ChangeRequest, error) {
	return db.linkedChanges(ctx, func(tx *Tx) error { _, err := tx.findProblem(problemID); return err },
		"c.id IN (SELECT change_id FROM change_problems WHERE problem_id = ?)", problemID)
}

func (db *DB) linkedChanges(ctx context.Context, check func(*Tx) error, cond string, id int64) ([]*itsm.ChangeRequest, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.ChangeRequest
	err := db.view(ctx, func(tx *Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		var w where
		changeScope(a, &w)
		w.add(cond, id)
		var err error
		if out, err = queryAll(tx, scanChange, `SELECT `+changeColumns+changeFrom+w.String()+` ORDER BY c.created_at DESC LIMIT 500`, w.args...); err != nil {
			return err
		}
		today := itsm.ChangeToday(tx.now)
		for _, c := range out {
			c.RAG = itsm.RAGOfChange(c, today)
		}
		return nil
	})
	return out, err
}

// ChangeProblems lists the problems linked to a visible change that the
// caller may see (customers see none).
func (db *DB) ChangeProblems(ctx context.Context, changeID int64) ([]*itsm.Problem, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.Problem
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findChange(changeID); err != nil {
			return err
		}
		all, err := queryAll(tx, scanProblemRow, `SELECT `+problemColumns+problemFrom+` WHERE p.id IN (SELECT problem_id FROM change_problems WHERE change_id = ?) ORDER BY p.id`, changeID)
		if err != nil {
			return err
		}
		for _, p := range all {
			if canSeeProblem(a, p) {
				out = append(out, p)
			}
		}
		return tx.scopeIncidentCounts(out)
	})
	return out, err
}

// RaiseChangeFromProblem raises a draft RFC to fix a problem, prefilled from
// it and linked to it, for a customer organisation (programme staff).
func (db *DB) RaiseChangeFromProblem(ctx context.Context, problemID, orgID int64) (*itsm.ChangeRequest, error) {
	a := itsm.ActorFromContext(ctx)
	if a.ReadOnly() || !a.IsStaff() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team can raise a change from a problem.")
	}
	var out *itsm.ChangeRequest
	err := db.update(ctx, func(tx *Tx) error {
		p, err := tx.findProblem(problemID)
		if err != nil {
			return err
		}
		title := "Fix " + p.Ref + ": " + p.Title
		if utf8.RuneCountInString(title) > 200 {
			title = string([]rune(title)[:199]) + "…"
		}
		var d strings.Builder
		fmt.Fprintf(&d, "This change fixes the cause of problem %s.\n\n", p.Ref)
		if s := strings.TrimSpace(p.Description); s != "" {
			d.WriteString("## The problem\n\n" + s + "\n\n")
		}
		if s := strings.TrimSpace(p.RootCause); s != "" {
			d.WriteString("## Root cause\n\n" + s + "\n\n")
		}
		if s := strings.TrimSpace(p.Workaround); s != "" {
			d.WriteString("## Workaround until the fix\n\n" + s + "\n")
		}
		desc := d.String()
		if len(desc) > 20000 {
			desc = desc[:19990]
			for !utf8.ValidString(desc) {
				desc = desc[:len(desc)-1]
			}
		}
		n := itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCChangeExisting, OrgID: orgID, Title: title, Description: desc,
			Justification: fmt.Sprintf("Removes the cause of %d linked incident(s) recorded against %s.", p.Incidents, p.Ref), ProviderID: p.ProviderID}
		if out, err = tx.createChange(n); err != nil {
			return err
		}
		if err := tx.linkChange(out.ID, "problem", problemID, true); err != nil {
			return err
		}
		out, err = tx.findChange(out.ID)
		return err
	})
	return out, err
}
