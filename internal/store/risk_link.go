package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Links between risks and change requests (risk_changes). Programme staff
// link them; whoever sees the risk sees the linked changes they may see
// (a provider: those assigned to it), and the change's page lists the
// linked risks its viewer may see.

// linkedChangeScope limits change requests to those the caller may see
// from a risk: everything for staff and auditors, those assigned to a
// provider for its agents.
func linkedChangeScope(a *itsm.Actor, w *where) {
	switch {
	case a.ReadsEverything():
	case a.IsProvider():
		w.add("c.provider_id = ?", a.OrgID)
	default:
		w.add("1 = 0")
	}
}

func scanLinkedChange(row scanner) (*itsm.LinkedChange, error) {
	var c itsm.LinkedChange
	return &c, row.Scan(&c.ID, &c.Ref, &c.Title, &c.Status)
}

// LinkRiskChange links a risk to a change request (programme staff).
// Linking twice is not an error.
func (db *DB) LinkRiskChange(ctx context.Context, riskID, changeID int64) error {
	return db.linkRiskChange(ctx, riskID, changeID, true)
}

// UnlinkRiskChange removes the link; removing a missing link is not an
// error.
func (db *DB) UnlinkRiskChange(ctx context.Context, riskID, changeID int64) error {
	return db.linkRiskChange(ctx, riskID, changeID, false)
}

func (db *DB) linkRiskChange(ctx context.Context, riskID, changeID int64, link bool) error {
	a := itsm.ActorFromContext(ctx)
	return db.update(ctx, func(tx *Tx) error {
		r, err := tx.findRisk(riskID)
		if err != nil {
			return err
		}
		if err := canManageRAID(a); err != nil {
			return err
		}
		c, err := scanLinkedChange(tx.queryRow(`SELECT c.id, c.ref, c.title, c.state FROM change_requests c WHERE c.id = ?`, changeID))
		if errors.Is(err, sql.ErrNoRows) {
			return itsm.ErrNotFound("change request")
		} else if err != nil {
			return fmt.Errorf("find change %d: %w", changeID, err)
		}
		action := "link"
		if link {
			_, err = tx.exec(`INSERT INTO risk_changes (risk_id, change_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, riskID, changeID, ts(tx.now))
		} else {
			action = "unlink"
			_, err = tx.exec(`DELETE FROM risk_changes WHERE risk_id = ? AND change_id = ?`, riskID, changeID)
		}
		if err != nil {
			return fmt.Errorf("%s risk %d and change %d: %w", action, riskID, changeID, err)
		}
		return tx.audit(action, "risk", riskID, nil, fields("risk", r.Ref, "change", c.Ref))
	})
}

// RiskChanges lists the change requests linked to a visible risk that the
// caller may see.
func (db *DB) RiskChanges(ctx context.Context, riskID int64) ([]*itsm.LinkedChange, error) {
	var out []*itsm.LinkedChange
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findRisk(riskID); err != nil {
			return err
		}
		var w where
		linkedChangeScope(tx.actor, &w)
		w.add("c.id IN (SELECT change_id FROM risk_changes WHERE risk_id = ?)", riskID)
		var err error
		out, err = queryAll(tx, scanLinkedChange, `SELECT c.id, c.ref, c.title, c.state FROM change_requests c`+w.String()+` ORDER BY c.id LIMIT 500`, w.args...)
		return err
	})
	return out, err
}

// RisksForChange lists the risks linked to a change request that the
// caller may see, highest score first. Customers see none.
func (db *DB) RisksForChange(ctx context.Context, changeID int64) ([]*itsm.Risk, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.ReadsEverything() && !a.IsProvider() {
		return nil, nil
	}
	risks, _, err := db.FindRisks(ctx, itsm.RiskFilter{ChangeID: &changeID, Limit: 500})
	return risks, err
}
