package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Programme issues: the same tenancy as risks.

const issueColumns = `i.id, i.ref, i.title, i.description, i.severity, i.owner_id, COALESCE(iu.name, ''), iu.org_id, i.status, i.risk_id, COALESCE(ir.ref, ''),
	i.provider_id, COALESCE(io.name, ''),
	(SELECT COUNT(*) FROM raid_actions a WHERE a.parent_type = 'issue' AND a.parent_id = i.id AND a.status = 'open'),
	(SELECT COUNT(*) FROM raid_actions a WHERE a.parent_type = 'issue' AND a.parent_id = i.id AND a.status = 'open' AND a.due_date < ?),
	i.created_at, i.updated_at, i.version`

const issueFrom = ` FROM programme_issues i LEFT JOIN users iu ON iu.id = i.owner_id LEFT JOIN risks ir ON ir.id = i.risk_id
	LEFT JOIN organisations io ON io.id = i.provider_id`

func scanIssue(row scanner) (*itsm.ProgrammeIssue, error) {
	var i itsm.ProgrammeIssue
	var owner, ownerOrg, risk, provider sql.NullInt64
	var created, updated int64
	if err := row.Scan(&i.ID, &i.Ref, &i.Title, &i.Description, &i.Severity, &owner, &i.Owner, &ownerOrg, &i.Status, &risk, &i.RiskRef,
		&provider, &i.Provider, &i.OpenActions, &i.OverdueActions, &created, &updated, &i.Version); err != nil {
		return nil, err
	}
	i.OwnerID, i.OwnerOrgID, i.RiskID, i.ProviderID = nullID(owner), nullID(ownerOrg), nullID(risk), nullID(provider)
	i.CreatedAt, i.UpdatedAt = fromTS(created), fromTS(updated)
	return &i, nil
}

func (tx *Tx) findIssue(id int64) (*itsm.ProgrammeIssue, error) {
	var w where
	if err := raidScope(tx.actor, &w, "i.provider_id", "i.owner_id"); err != nil {
		return nil, itsm.ErrNotFound("issue")
	}
	w.add("i.id = ?", id)
	i, err := scanIssue(tx.queryRow(`SELECT `+issueColumns+issueFrom+w.String(), append([]any{tx.today()}, w.args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("issue")
	} else if err != nil {
		return nil, fmt.Errorf("find issue %d: %w", id, err)
	}
	return i, nil
}

// createIssue inserts a validated issue and audits it; the caller checks
// permission.
func (tx *Tx) createIssue(i *itsm.ProgrammeIssue) error {
	if err := i.Validate(); err != nil {
		return err
	}
	if err := tx.checkRAIDRefs(i.OwnerID, i.ProviderID); err != nil {
		return err
	}
	n, err := tx.nextNumber("programme_issue")
	if err != nil {
		return err
	}
	id, err := tx.insert(`INSERT INTO programme_issues (number, ref, title, description, severity, owner_id, status, risk_id, provider_id, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, n, itsm.IssueRef(n), i.Title, i.Description, string(i.Severity), i.OwnerID, string(i.Status),
		i.RiskID, i.ProviderID, ts(tx.now), ts(tx.now))
	if err != nil {
		return fmt.Errorf("create issue: %w", err)
	}
	got, err := tx.findIssue(id)
	if err != nil {
		return err
	}
	*i = *got
	if err := tx.audit(itsm.AuditCreate, "programme_issue", id, nil, diff(nil, i)); err != nil {
		return err
	}
	return tx.notifyRAIDOwner(i.OwnerID, "["+i.Ref+"] You own a programme issue",
		fmt.Sprintf("%s %s (%s severity) has been raised with you as its owner.\n", i.Ref, i.Title, i.Severity))
}

// CreateIssue records a programme issue (programme staff). A risk it is
// raised from must exist.
func (db *DB) CreateIssue(ctx context.Context, i *itsm.ProgrammeIssue) error {
	if err := canManageRAID(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	if err := i.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if i.RiskID != nil {
			if _, err := tx.findRisk(*i.RiskID); err != nil {
				return fieldInvalid("risk_id", "Choose an existing risk, or none.")
			}
		}
		return tx.createIssue(i)
	})
}

// FindIssueByID returns an issue the caller may see.
func (db *DB) FindIssueByID(ctx context.Context, id int64) (*itsm.ProgrammeIssue, error) {
	var i *itsm.ProgrammeIssue
	err := db.view(ctx, func(tx *Tx) (err error) { i, err = tx.findIssue(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "programme_issue", strconv.FormatInt(id, 10), "issue not visible to the caller")
	}
	return i, err
}

// FindIssues returns a page of the issues the caller may see: the most
// severe first, then the most recently changed.
func (db *DB) FindIssues(ctx context.Context, f itsm.IssueFilter) ([]*itsm.ProgrammeIssue, int, error) {
	var out []*itsm.ProgrammeIssue
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		var w where
		if err := raidScope(tx.actor, &w, "i.provider_id", "i.owner_id"); err != nil {
			return err
		}
		var v itsm.Validation
		v.Check(f.Status == nil || f.Status.Valid(), "status", "Choose open, in progress, resolved or closed.")
		v.Check(f.Severity == nil || f.Severity.Valid(), "severity", "Choose critical, high, medium or low.")
		if err := v.Err(); err != nil {
			return err
		}
		if f.Status != nil {
			w.add("i.status = ?", string(*f.Status))
		}
		if f.Severity != nil {
			w.add("i.severity = ?", string(*f.Severity))
		}
		if f.OwnerID != nil {
			w.add("i.owner_id = ?", *f.OwnerID)
		}
		if f.ProviderID != nil {
			w.add("i.provider_id = ?", *f.ProviderID)
		}
		if f.RiskID != nil {
			w.add("i.risk_id = ?", *f.RiskID)
		}
		if f.Overdue != nil {
			cond := "i.id IN (SELECT a.parent_id FROM raid_actions a WHERE a.status = 'open' AND a.due_date < ? AND a.parent_type = 'issue')"
			if !*f.Overdue {
				cond = "NOT " + cond
			}
			w.add(cond, tx.today())
		}
		offset, limit := page(f.Offset, f.Limit)
		var err error
		out, err = queryAll(tx, scanIssue, `SELECT `+issueColumns+issueFrom+w.String()+`
			ORDER BY CASE i.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, i.updated_at DESC, i.id DESC LIMIT ? OFFSET ?`,
			append(append([]any{tx.today()}, w.args...), limit, offset)...)
		if err != nil {
			return fmt.Errorf("find issues: %w", err)
		}
		return tx.queryRow(`SELECT COUNT(*)`+issueFrom+w.String(), w.args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// UpdateIssue changes an issue (programme staff).
func (db *DB) UpdateIssue(ctx context.Context, id int64, upd itsm.IssueUpdate) (*itsm.ProgrammeIssue, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.ProgrammeIssue
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findIssue(id)
		if err != nil {
			return err
		}
		if err := canManageRAID(a); err != nil {
			return err
		}
		i := *before
		if upd.Title != nil {
			i.Title = *upd.Title
		}
		if upd.Description != nil {
			i.Description = *upd.Description
		}
		if upd.Severity != nil {
			i.Severity = *upd.Severity
		}
		if upd.Status != nil {
			i.Status = *upd.Status
		}
		if upd.OwnerID != nil {
			i.OwnerID = clearable(*upd.OwnerID)
		}
		if upd.ProviderID != nil {
			i.ProviderID = clearable(*upd.ProviderID)
		}
		if err := i.Validate(); err != nil {
			return err
		}
		if err := tx.checkRAIDRefs(i.OwnerID, i.ProviderID); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE programme_issues SET title = ?, description = ?, severity = ?, owner_id = ?, status = ?, provider_id = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`, i.Title, i.Description, string(i.Severity), i.OwnerID, string(i.Status), i.ProviderID, ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update issue %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("issue")
		}
		if out, err = tx.findIssue(id); err != nil {
			return err
		}
		if err := tx.audit(itsm.AuditUpdate, "programme_issue", id, nil, diff(before, out)); err != nil {
			return err
		}
		if out.OwnerID != nil && (before.OwnerID == nil || *before.OwnerID != *out.OwnerID) {
			return tx.notifyRAIDOwner(out.OwnerID, "["+out.Ref+"] You now own a programme issue",
				fmt.Sprintf("%s %s (%s severity) is now yours to manage.\n", out.Ref, out.Title, out.Severity))
		}
		return nil
	})
	return out, err
}
