package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Mitigating actions on risks and issues. An action is visible to whoever
// may see its risk or issue. Programme staff manage actions; a provider
// records progress (the status) of the actions its people own.

const actionColumns = `a.id, a.parent_type, a.parent_id, COALESCE(r.ref, i.ref, ''), COALESCE(r.title, i.title, ''), COALESCE(r.created_at, i.created_at, 0),
	a.description, a.owner_id, COALESCE(u.name, ''), u.org_id, a.due_date, a.status, a.created_at, a.updated_at, a.version`

const actionFrom = ` FROM raid_actions a LEFT JOIN risks r ON a.parent_type = 'risk' AND r.id = a.parent_id
	LEFT JOIN programme_issues i ON a.parent_type = 'issue' AND i.id = a.parent_id LEFT JOIN users u ON u.id = a.owner_id`

// actionRow is an action with what its checks need: when its parent was
// raised and the organisation of its owner.
type actionRow struct {
	*itsm.RAIDAction
	raised   int64
	ownerOrg *int64
}

func actionScanner(now time.Time) func(scanner) (actionRow, error) {
	return func(row scanner) (actionRow, error) {
		var a itsm.RAIDAction
		var raised, due, created, updated int64
		var owner, ownerOrg sql.NullInt64
		if err := row.Scan(&a.ID, &a.ParentType, &a.ParentID, &a.ParentRef, &a.ParentTitle, &raised, &a.Description, &owner, &a.Owner, &ownerOrg,
			&due, &a.Status, &created, &updated, &a.Version); err != nil {
			return actionRow{}, err
		}
		a.OwnerID = nullID(owner)
		a.DueDate, a.CreatedAt, a.UpdatedAt = fromTS(due), fromTS(created), fromTS(updated)
		a.Overdue = a.Status == itsm.ActionOpen && itsm.RAIDDatePassed(a.DueDate, now)
		return actionRow{RAIDAction: &a, raised: raised, ownerOrg: nullID(ownerOrg)}, nil
	}
}

// actionScope limits actions to those whose risk or issue the caller may
// see; callers who see no part of the register see none.
func actionScope(a *itsm.Actor, w *where) {
	switch {
	case a.ReadsEverything():
	case a.IsProvider():
		w.add(`(a.parent_type = 'risk' AND a.parent_id IN (SELECT r2.id FROM risks r2 WHERE r2.provider_id = ? OR r2.owner_id IN (SELECT id FROM users WHERE org_id = ?))
			OR a.parent_type = 'issue' AND a.parent_id IN (SELECT i2.id FROM programme_issues i2 WHERE i2.provider_id = ? OR i2.owner_id IN (SELECT id FROM users WHERE org_id = ?)))`,
			a.OrgID, a.OrgID, a.OrgID, a.OrgID)
	default:
		w.add("1 = 0")
	}
}

func (tx *Tx) findAction(id int64) (actionRow, error) {
	var w where
	actionScope(tx.actor, &w)
	w.add("a.id = ?", id)
	row, err := actionScanner(tx.now)(tx.queryRow(`SELECT `+actionColumns+actionFrom+w.String(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return actionRow{}, itsm.ErrNotFound("action")
	} else if err != nil {
		return actionRow{}, fmt.Errorf("find action %d: %w", id, err)
	}
	return row, nil
}

// actionParent finds the visible risk or issue an action belongs to: when
// it was raised, its provider and its owner's organisation.
func (tx *Tx) actionParent(parentType string, id int64) (raised time.Time, provider, ownerOrg *int64, err error) {
	switch parentType {
	case itsm.ActionOnRisk:
		r, err := tx.findRisk(id)
		if err != nil {
			return time.Time{}, nil, nil, err
		}
		return r.CreatedAt, r.ProviderID, r.OwnerOrgID, nil
	case itsm.ActionOnIssue:
		i, err := tx.findIssue(id)
		if err != nil {
			return time.Time{}, nil, nil, err
		}
		return i.CreatedAt, i.ProviderID, i.OwnerOrgID, nil
	}
	return time.Time{}, nil, nil, fieldInvalid("parent_type", "An action belongs to a risk or an issue.")
}

// checkActionOwner allows the programme team, or an agent of the provider
// the risk or issue concerns (or whose person owns it).
func (tx *Tx) checkActionOwner(owner, provider, parentOwnerOrg *int64) error {
	if owner == nil {
		return nil
	}
	if err := tx.checkRAIDRefs(owner, nil); err != nil {
		return err
	}
	u, err := tx.findUser(*owner)
	if err != nil {
		return err
	}
	if u.Role == itsm.RoleProviderAgent && !sameID(provider, u.OrgID) && !sameID(parentOwnerOrg, u.OrgID) {
		return fieldInvalid("owner_id", "Choose an owner from the programme team or from the provider this concerns.")
	}
	return nil
}

func sameID(p *int64, id int64) bool { return p != nil && *p == id }

// AddAction adds a mitigating action to a visible risk or issue
// (programme staff) and tells its owner.
func (db *DB) AddAction(ctx context.Context, a *itsm.RAIDAction) error {
	actor := itsm.ActorFromContext(ctx)
	return db.update(ctx, func(tx *Tx) error {
		raised, provider, ownerOrg, err := tx.actionParent(a.ParentType, a.ParentID)
		if err != nil {
			return err
		}
		if err := canManageRAID(actor); err != nil {
			return err
		}
		if err := a.Validate(raised); err != nil {
			return err
		}
		if err := tx.checkActionOwner(a.OwnerID, provider, ownerOrg); err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO raid_actions (parent_type, parent_id, description, owner_id, due_date, status, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`, a.ParentType, a.ParentID, a.Description, a.OwnerID, ts(a.DueDate), string(a.Status), ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("add action: %w", err)
		}
		if err := tx.touchParent(a.ParentType, a.ParentID); err != nil {
			return err
		}
		got, err := tx.findAction(id)
		if err != nil {
			return err
		}
		*a = *got.RAIDAction
		if err := tx.audit(itsm.AuditCreate, "raid_action", id, nil, diff(nil, a)); err != nil {
			return err
		}
		return tx.notifyRAIDOwner(a.OwnerID, "["+a.ParentRef+"] An action for you, due "+a.DueDate.Format("2 January 2006"),
			fmt.Sprintf("You own an action on %s %s:\n\n%s\n\nIt is due on %s.\n", a.ParentRef, a.ParentTitle, a.Description, a.DueDate.Format("2 January 2006")))
	})
}

// touchParent marks the risk or issue as changed, so lists sorted by the
// last change show it.
func (tx *Tx) touchParent(parentType string, id int64) error {
	table := "risks"
	if parentType == itsm.ActionOnIssue {
		table = "programme_issues"
	}
	if _, err := tx.exec(`UPDATE `+table+` SET updated_at = ? WHERE id = ?`, ts(tx.now), id); err != nil {
		return fmt.Errorf("touch %s %d: %w", parentType, id, err)
	}
	return nil
}

// FindActionByID returns an action the caller may see.
func (db *DB) FindActionByID(ctx context.Context, id int64) (*itsm.RAIDAction, error) {
	var out *itsm.RAIDAction
	err := db.view(ctx, func(tx *Tx) error {
		row, err := tx.findAction(id)
		out = row.RAIDAction
		return err
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "raid_action", strconv.FormatInt(id, 10), "action not visible to the caller")
	}
	return out, err
}

// FindActions lists the actions the caller may see, soonest due first.
// Naming a parent the caller may not see is ENOTFOUND; listing every
// action is EFORBIDDEN for those who see no part of the register.
func (db *DB) FindActions(ctx context.Context, f itsm.ActionFilter) ([]*itsm.RAIDAction, int, error) {
	actor := itsm.ActorFromContext(ctx)
	var out []*itsm.RAIDAction
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		if f.ParentID != nil {
			if _, _, _, err := tx.actionParent(f.ParentType, *f.ParentID); err != nil {
				return err
			}
		} else if !actor.ReadsEverything() && !actor.IsProvider() {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to see the programme's risks and issues.")
		}
		var w where
		actionScope(tx.actor, &w)
		if f.ParentType != "" {
			w.add("a.parent_type = ?", f.ParentType)
		}
		if f.ParentID != nil {
			w.add("a.parent_id = ?", *f.ParentID)
		}
		if f.OwnerID != nil {
			w.add("a.owner_id = ?", *f.OwnerID)
		}
		if f.Status != nil {
			if !f.Status.Valid() {
				return fieldInvalid("status", "Choose open, done or cancelled.")
			}
			w.add("a.status = ?", string(*f.Status))
		}
		if f.Overdue != nil {
			if *f.Overdue {
				w.add("a.status = 'open' AND a.due_date < ?", tx.today())
			} else {
				w.add("NOT (a.status = 'open' AND a.due_date < ?)", tx.today())
			}
		}
		offset, limit := page(f.Offset, f.Limit)
		rows, err := queryAll(tx, actionScanner(tx.now), `SELECT `+actionColumns+actionFrom+w.String()+
			` ORDER BY CASE a.status WHEN 'open' THEN 0 ELSE 1 END, a.due_date, a.id LIMIT ? OFFSET ?`, append(w.args, limit, offset)...)
		if err != nil {
			return fmt.Errorf("find actions: %w", err)
		}
		for _, r := range rows {
			out = append(out, r.RAIDAction)
		}
		return tx.queryRow(`SELECT COUNT(*) FROM raid_actions a`+w.String(), w.args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// UpdateAction changes an action: programme staff change anything; a
// provider agent records the status of an action their organisation's
// people own.
func (db *DB) UpdateAction(ctx context.Context, id int64, upd itsm.ActionUpdate) (*itsm.RAIDAction, error) {
	actor := itsm.ActorFromContext(ctx)
	var out *itsm.RAIDAction
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findAction(id)
		if err != nil {
			return err
		}
		switch {
		case actor.IsStaff():
		case actor.IsProvider() && sameID(before.ownerOrg, actor.OrgID):
			if upd.Description != nil || upd.OwnerID != nil || upd.DueDate != nil {
				return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team can change an action's description, owner or due date; you can record its status.")
			}
		default:
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change this action.")
		}
		a := *before.RAIDAction
		if upd.Description != nil {
			a.Description = *upd.Description
		}
		if upd.OwnerID != nil {
			a.OwnerID = clearable(*upd.OwnerID)
		}
		if upd.DueDate != nil {
			a.DueDate = *upd.DueDate
		}
		if upd.Status != nil {
			a.Status = *upd.Status
		}
		if err := a.Validate(fromTS(before.raised)); err != nil {
			return err
		}
		if upd.OwnerID != nil {
			_, provider, ownerOrg, err := tx.actionParent(a.ParentType, a.ParentID)
			if err != nil {
				return err
			}
			if err := tx.checkActionOwner(a.OwnerID, provider, ownerOrg); err != nil {
				return err
			}
		}
		res, err := tx.exec(`UPDATE raid_actions SET description = ?, owner_id = ?, due_date = ?, status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			a.Description, a.OwnerID, ts(a.DueDate), string(a.Status), ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update action %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("action")
		}
		if err := tx.touchParent(a.ParentType, a.ParentID); err != nil {
			return err
		}
		got, err := tx.findAction(id)
		if err != nil {
			return err
		}
		out = got.RAIDAction
		if err := tx.audit(itsm.AuditUpdate, "raid_action", id, nil, diff(before.RAIDAction, out)); err != nil {
			return err
		}
		if out.OwnerID != nil && (before.OwnerID == nil || *before.OwnerID != *out.OwnerID) {
			return tx.notifyRAIDOwner(out.OwnerID, "["+out.ParentRef+"] An action for you, due "+out.DueDate.Format("2 January 2006"),
				fmt.Sprintf("You now own an action on %s %s:\n\n%s\n\nIt is due on %s.\n", out.ParentRef, out.ParentTitle, out.Description, out.DueDate.Format("2 January 2006")))
		}
		return nil
	})
	return out, err
}

// overdueItem is one overdue action or review to remind someone of.
type overdueItem struct {
	kind  string // "action" or "review"
	id    int64
	ref   string
	title string
	owner sql.NullInt64
	due   int64
}

// NotifyOverdueRAID reminds owners of overdue actions and overdue risk
// reviews, once per item per day: raid_reminders' primary key makes a
// second run that day, on this node or another, a no-op. Items without an
// active owner go to the programme's managers. It returns how many
// reminders were sent. A periodic job calls it.
func (db *DB) NotifyOverdueRAID(ctx context.Context) (int, error) {
	ctx = itsm.NewContextWithActor(ctx, itsm.SystemActor("RAID monitor"))
	sent := 0
	err := db.update(ctx, func(tx *Tx) error {
		today := tx.today()
		var items []overdueItem
		scan := func(kind string) func(scanner) (overdueItem, error) {
			return func(row scanner) (overdueItem, error) {
				it := overdueItem{kind: kind}
				err := row.Scan(&it.id, &it.ref, &it.title, &it.owner, &it.due)
				return it, err
			}
		}
		actions, err := queryAll(tx, scan("action"), `SELECT a.id, COALESCE(r.ref, i.ref, ''), a.description, a.owner_id, a.due_date
			FROM raid_actions a LEFT JOIN risks r ON a.parent_type = 'risk' AND r.id = a.parent_id
			LEFT JOIN programme_issues i ON a.parent_type = 'issue' AND i.id = a.parent_id
			WHERE a.status = 'open' AND a.due_date < ? ORDER BY a.due_date, a.id LIMIT 2000`, today)
		if err != nil {
			return fmt.Errorf("find overdue actions: %w", err)
		}
		reviews, err := queryAll(tx, scan("review"), `SELECT id, ref, title, owner_id, review_date FROM risks
			WHERE status IN ('open', 'mitigating') AND review_date < ? ORDER BY review_date, id LIMIT 2000`, today)
		if err != nil {
			return fmt.Errorf("find overdue reviews: %w", err)
		}
		items = append(actions, reviews...)
		managers, err := tx.emailsOf(`role = ? AND status = 'active'`, string(itsm.RoleManager))
		if err != nil {
			return err
		}
		for _, it := range items {
			res, err := tx.exec(`INSERT INTO raid_reminders (object_type, object_id, day, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				it.kind, it.id, today, ts(tx.now))
			if err != nil {
				return fmt.Errorf("record reminder: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			to := managers
			if it.owner.Valid {
				owner, err := tx.emailsOf(`id = ? AND status = 'active'`, it.owner.Int64)
				if err != nil {
					return err
				}
				if len(owner) > 0 {
					to = owner
				}
			}
			due := fromTS(it.due).Format("2 January 2006")
			subject, text := "["+it.ref+"] Action overdue since "+due, fmt.Sprintf("An action on %s was due on %s and is still open:\n\n%s\n\nRecord its progress or agree a new date.\n", it.ref, due, it.title)
			objectType := "raid_action"
			if it.kind == "review" {
				subject, text = "["+it.ref+"] Risk review overdue since "+due, fmt.Sprintf("The review of %s %s was due on %s.\n\nReview the risk and set the date of its next review.\n", it.ref, it.title, due)
				objectType = "risk"
			}
			if err := tx.audit("overdue_reminder", objectType, it.id, nil, fields("due", fromTS(it.due).Format(time.RFC3339), "to", len(to))); err != nil {
				return err
			}
			sent++
			if len(to) == 0 {
				continue
			}
			if err := tx.enqueue(itsm.EmailJob{To: to, Subject: subject, Text: text}); err != nil {
				return err
			}
		}
		return nil
	})
	return sent, err
}
