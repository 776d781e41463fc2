package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/steward-itsm/steward/internal/itsm"
)

// This file holds what a change costs and when it lands: estimate
// revisions, CAB votes, actual costs, the budget and forecast, and the
// provider's delivery score; and the read-only lists of a change's
// specification versions and history.

const estimateColumns = `id, change_id, revision, effort_tenths, cost, delivery_date, note, author_id, author_name, created_at`

func scanEstimate(row scanner) (*itsm.ChangeEstimate, error) {
	var e itsm.ChangeEstimate
	var tenths, delivery, created int64
	var rev int64
	if err := row.Scan(&e.ID, &e.ChangeID, &rev, &tenths, &e.Cost, &delivery, &e.Note, &e.AuthorID, &e.Author, &created); err != nil {
		return nil, err
	}
	e.Revision, e.EffortDays = int(rev), itsm.TenthsToDays(tenths)
	e.DeliveryDate, e.CreatedAt = fromTS(delivery), fromTS(created)
	return &e, nil
}

// actorID is the caller's user id for author columns, or nil for the system.
func (tx *Tx) actorID() *int64 {
	if tx.actor.UserID == 0 {
		return nil
	}
	id := tx.actor.UserID
	return &id
}

// canWorkChange reports whether the actor is programme staff or an agent of
// the change's assigned provider: those who estimate, cost and forecast.
func canWorkChange(a *itsm.Actor, c *itsm.ChangeRequest) bool {
	if a.ReadOnly() {
		return false
	}
	return a.IsStaff() || (a.IsProvider() && c.ProviderID != nil && *c.ProviderID == a.OrgID)
}

// AddChangeEstimate records an estimate revision while the change is in
// estimation.
func (db *DB) AddChangeEstimate(ctx context.Context, id int64, n itsm.NewChangeEstimate) (*itsm.ChangeEstimate, error) {
	var out *itsm.ChangeEstimate
	err := db.update(ctx, func(tx *Tx) error {
		c, err := tx.findChange(id)
		if err != nil {
			return err
		}
		if !canWorkChange(tx.actor, c) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team or the assigned provider can estimate a change.")
		}
		if c.State != itsm.ChangeEstimation {
			return itsm.Errorf(itsm.ECONFLICT, "%s is %s. Estimates are recorded while a change is in estimation.", c.Ref, c.State)
		}
		if err := n.Validate(itsm.ChangeToday(tx.now)); err != nil {
			return err
		}
		var rev int64
		if err := tx.queryRow(`SELECT COALESCE(MAX(revision), 0) + 1 FROM change_estimates WHERE change_id = ?`, id).Scan(&rev); err != nil {
			return fmt.Errorf("next estimate revision of change %d: %w", id, err)
		}
		eid, err := tx.insert(`INSERT INTO change_estimates (change_id, revision, effort_tenths, cost, delivery_date, note, author_id, author_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, rev, itsm.DaysToTenths(n.EffortDays), n.Cost, ts(n.DeliveryDate), n.Note, tx.actorID(), tx.actor.Name, ts(tx.now))
		if err != nil {
			return fmt.Errorf("record estimate of change %d: %w", id, err)
		}
		if out, err = scanEstimate(tx.queryRow(`SELECT `+estimateColumns+` FROM change_estimates WHERE id = ?`, eid)); err != nil {
			return fmt.Errorf("read estimate %d: %w", eid, err)
		}
		note := fmt.Sprintf("Revision %d: %.1f days, %s, delivery by %s.", rev, out.EffortDays, penceText(out.Cost), out.DeliveryDate.Format("2006-01-02"))
		if err := tx.changeEvent(id, "estimate", "", "", note); err != nil {
			return err
		}
		if err := tx.touchChange(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditCreate, "change_estimate", eid, &c.OrgID, diff(nil, out))
	})
	return out, err
}

// penceText formats pence for history notes and e-mail: £1,250.00.
func penceText(p int64) string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	whole := fmt.Sprint(p / 100)
	var b []byte
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, whole[i])
	}
	return fmt.Sprintf("%s£%s.%02d", sign, b, p%100)
}

// touchChange marks a change as updated without a new version: appended
// records (estimates, votes, costs) do not make an open form stale.
func (tx *Tx) touchChange(id int64) error {
	if _, err := tx.exec(`UPDATE change_requests SET updated_at = ? WHERE id = ?`, ts(tx.now), id); err != nil {
		return fmt.Errorf("touch change %d: %w", id, err)
	}
	return nil
}

// ChangeEstimates lists a visible change's estimate revisions, oldest first.
func (db *DB) ChangeEstimates(ctx context.Context, id int64) ([]*itsm.ChangeEstimate, error) {
	var out []*itsm.ChangeEstimate
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findChange(id); err != nil {
			return err
		}
		var err error
		out, err = queryAll(tx, scanEstimate, `SELECT `+estimateColumns+` FROM change_estimates WHERE change_id = ? ORDER BY revision`, id)
		return err
	})
	return out, err
}

const voteColumns = `id, change_id, member_id, member_name, vote, comment, at`

func scanVote(row scanner) (*itsm.ChangeVote, error) {
	var v itsm.ChangeVote
	var at int64
	if err := row.Scan(&v.ID, &v.ChangeID, &v.MemberID, &v.Member, &v.Vote, &v.Comment, &at); err != nil {
		return nil, err
	}
	v.At = fromTS(at)
	return &v, nil
}

// RecordChangeVote records (or replaces) a CAB member's vote on a major
// change awaiting approval. Members are programme staff; a manager may
// record another member's vote taken in the meeting.
func (db *DB) RecordChangeVote(ctx context.Context, id int64, n itsm.NewChangeVote) (*itsm.ChangeVote, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.ChangeVote
	err := db.update(ctx, func(tx *Tx) error {
		c, err := tx.findChange(id)
		if err != nil {
			return err
		}
		if a.ReadOnly() || !a.IsStaff() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only members of the change advisory board (the programme team) can vote.")
		}
		if !c.Major {
			return itsm.Errorf(itsm.ECONFLICT, "%s is not a major change, so the change advisory board does not vote on it.", c.Ref)
		}
		if c.State != itsm.ChangeAwaitingApproval {
			return itsm.Errorf(itsm.ECONFLICT, "%s is %s. The change advisory board votes while a change awaits approval.", c.Ref, c.State)
		}
		if err := n.Validate(); err != nil {
			return err
		}
		member := n.MemberID
		if member == 0 {
			member = a.UserID
		}
		if member == 0 {
			return fieldErr("member_id", "Choose the member of the change advisory board who voted.")
		}
		if member != a.UserID && !a.CanOverrideFreeze() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only a programme manager can record another member's vote.")
		}
		u, err := tx.findUser(member)
		if err != nil || u.OrgKind != itsm.OrgProgramme || !u.Role.IsStaff() || u.Status != itsm.UserActive {
			return fieldErr("member_id", "Choose an active member of the programme team.")
		}
		vid, err := tx.insert(`INSERT INTO change_votes (change_id, member_id, member_name, vote, comment, at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (change_id, member_id) DO UPDATE SET vote = excluded.vote, comment = excluded.comment, at = excluded.at, member_name = excluded.member_name`,
			id, member, u.Name, string(n.Vote), n.Comment, ts(tx.now))
		if err != nil {
			return fmt.Errorf("record vote on change %d: %w", id, err)
		}
		if out, err = scanVote(tx.queryRow(`SELECT `+voteColumns+` FROM change_votes WHERE id = ?`, vid)); err != nil {
			return fmt.Errorf("read vote %d: %w", vid, err)
		}
		note := fmt.Sprintf("%s votes %s.", u.Name, n.Vote)
		if n.Comment != "" {
			note += " " + n.Comment
		}
		if err := tx.changeEvent(id, "vote", "", "", note); err != nil {
			return err
		}
		if err := tx.touchChange(id); err != nil {
			return err
		}
		return tx.audit("vote", "change", id, &c.OrgID, fields("member", u.Name, "vote", string(n.Vote), "comment", n.Comment))
	})
	return out, err
}

// ChangeVotes lists a visible change's CAB votes.
func (db *DB) ChangeVotes(ctx context.Context, id int64) ([]*itsm.ChangeVote, error) {
	var out []*itsm.ChangeVote
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findChange(id); err != nil {
			return err
		}
		var err error
		out, err = queryAll(tx, scanVote, `SELECT `+voteColumns+` FROM change_votes WHERE change_id = ? ORDER BY at, id`, id)
		return err
	})
	return out, err
}

const costColumns = `id, change_id, cost_date, amount, note, author_id, author_name, created_at`

func scanCost(row scanner) (*itsm.ChangeCost, error) {
	var e itsm.ChangeCost
	var date, created int64
	if err := row.Scan(&e.ID, &e.ChangeID, &date, &e.Amount, &e.Note, &e.AuthorID, &e.Author, &created); err != nil {
		return nil, err
	}
	e.Date, e.CreatedAt = fromTS(date), fromTS(created)
	return &e, nil
}

// costedStates are the states in which actual costs are recorded: from
// approval until the review closes the change.
var costedStates = []itsm.ChangeState{itsm.ChangeApproved, itsm.ChangeScheduled, itsm.ChangeInDelivery, itsm.ChangeDelivered}

// baselined reports whether the change is (or, on hold, was) in one of the
// states.
func inStates(c *itsm.ChangeRequest, states []itsm.ChangeState) bool {
	s := c.State
	if s == itsm.ChangeOnHold {
		s = c.HeldFrom
	}
	return slices.Contains(states, s)
}

// AddChangeCost records an actual cost and adds it to the change's
// actual_cost in the same transaction.
func (db *DB) AddChangeCost(ctx context.Context, id int64, n itsm.NewChangeCost) (*itsm.ChangeCost, error) {
	var out *itsm.ChangeCost
	err := db.update(ctx, func(tx *Tx) error {
		c, err := tx.findChange(id)
		if err != nil {
			return err
		}
		if !canWorkChange(tx.actor, c) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team or the assigned provider can record costs.")
		}
		if !inStates(c, costedStates) {
			return itsm.Errorf(itsm.ECONFLICT, "%s is %s. Actual costs are recorded from approval until the change is closed.", c.Ref, c.State)
		}
		if err := n.Validate(itsm.ChangeToday(tx.now)); err != nil {
			return err
		}
		cid, err := tx.insert(`INSERT INTO change_costs (change_id, cost_date, amount, note, author_id, author_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, ts(n.Date), n.Amount, n.Note, tx.actorID(), tx.actor.Name, ts(tx.now))
		if err != nil {
			return fmt.Errorf("record cost of change %d: %w", id, err)
		}
		if _, err := tx.exec(`UPDATE change_requests SET actual_cost = actual_cost + ?, updated_at = ? WHERE id = ?`, n.Amount, ts(tx.now), id); err != nil {
			return fmt.Errorf("add cost to change %d: %w", id, err)
		}
		if out, err = scanCost(tx.queryRow(`SELECT `+costColumns+` FROM change_costs WHERE id = ?`, cid)); err != nil {
			return fmt.Errorf("read cost %d: %w", cid, err)
		}
		if err := tx.changeEvent(id, "cost", "", "", fmt.Sprintf("%s on %s: %s", penceText(n.Amount), n.Date.Format("2006-01-02"), n.Note)); err != nil {
			return err
		}
		return tx.audit(itsm.AuditCreate, "change_cost", cid, &c.OrgID, diff(nil, out))
	})
	return out, err
}

// ChangeCosts lists a visible change's cost entries, oldest first.
func (db *DB) ChangeCosts(ctx context.Context, id int64) ([]*itsm.ChangeCost, error) {
	var out []*itsm.ChangeCost
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findChange(id); err != nil {
			return err
		}
		var err error
		out, err = queryAll(tx, scanCost, `SELECT `+costColumns+` FROM change_costs WHERE change_id = ? ORDER BY cost_date, id`, id)
		return err
	})
	return out, err
}

// AdjustChangeBudget changes the approved budget (programme managers, with
// a reason kept in the history and the audit log).
func (db *DB) AdjustChangeBudget(ctx context.Context, id int64, b itsm.ChangeBudgetAdjustment) (*itsm.ChangeRequest, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.ChangeRequest
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findChange(id)
		if err != nil {
			return err
		}
		if a.ReadOnly() || !a.CanOverrideFreeze() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only a programme manager can change an approved budget.")
		}
		if before.ApprovedBudget == nil {
			return itsm.Errorf(itsm.ECONFLICT, "%s has no approved budget yet; it is set when the change is approved.", before.Ref)
		}
		if !before.State.Open() {
			return itsm.Errorf(itsm.ECONFLICT, "%s is %s; its budget can no longer change.", before.Ref, before.State)
		}
		if err := b.Validate(); err != nil {
			return err
		}
		c := *before
		c.ApprovedBudget, c.Version = &b.Budget, b.Version
		if err := tx.saveChange(&c); err != nil {
			return err
		}
		if err := tx.changeEvent(id, "budget", "", "", fmt.Sprintf("Approved budget changed from %s to %s: %s", penceText(*before.ApprovedBudget), penceText(b.Budget), b.Reason)); err != nil {
			return err
		}
		if out, err = tx.findChange(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditUpdate, "change", id, &out.OrgID, mergeDiff(diff(before, out), fields("reason", b.Reason)))
	})
	return out, err
}

// forecastStates are the states in which the forecast delivery date moves.
var forecastStates = []itsm.ChangeState{itsm.ChangeApproved, itsm.ChangeScheduled, itsm.ChangeInDelivery}

// UpdateChangeForecast records the forecast delivery date (programme staff
// or the assigned provider) between approval and delivery.
func (db *DB) UpdateChangeForecast(ctx context.Context, id int64, f itsm.ChangeForecast) (*itsm.ChangeRequest, error) {
	var out *itsm.ChangeRequest
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findChange(id)
		if err != nil {
			return err
		}
		if !canWorkChange(tx.actor, before) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team or the assigned provider can forecast delivery.")
		}
		if !inStates(before, forecastStates) {
			return itsm.Errorf(itsm.ECONFLICT, "%s is %s. The forecast is kept between approval and delivery.", before.Ref, before.State)
		}
		if err := f.Validate(itsm.ChangeToday(tx.now)); err != nil {
			return err
		}
		c := *before
		c.ForecastDate, c.Version = &f.Date, f.Version
		if err := tx.saveChange(&c); err != nil {
			return err
		}
		note := "Forecast delivery " + f.Date.Format("2006-01-02") + "."
		if f.Note != "" {
			note += " " + f.Note
		}
		if err := tx.changeEvent(id, "forecast", "", "", note); err != nil {
			return err
		}
		if out, err = tx.findChange(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditUpdate, "change", id, &out.OrgID, diff(before, out))
	})
	return out, err
}

// ChangeSpecVersions lists a visible change's frozen specifications.
func (db *DB) ChangeSpecVersions(ctx context.Context, id int64) ([]*itsm.ChangeSpecVersion, error) {
	var out []*itsm.ChangeSpecVersion
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findChange(id); err != nil {
			return err
		}
		var err error
		out, err = queryAll(tx, func(row scanner) (*itsm.ChangeSpecVersion, error) {
			var v itsm.ChangeSpecVersion
			var n, at int64
			if err := row.Scan(&v.ID, &v.ChangeID, &n, &v.Title, &v.Description, &v.Service, &v.Justification, &v.Subtype, &v.ContractRef, &v.Variation, &v.FrozenByID, &v.FrozenBy, &at); err != nil {
				return nil, err
			}
			v.Number, v.FrozenAt = int(n), fromTS(at)
			return &v, nil
		}, `SELECT id, change_id, number, title, description, service, justification, subtype, contract_ref, variation, frozen_by, frozen_by_name, frozen_at
			FROM change_spec_versions WHERE change_id = ? ORDER BY number`, id)
		return err
	})
	return out, err
}

// ChangeEvents lists a visible change's history, oldest first.
func (db *DB) ChangeEvents(ctx context.Context, id int64) ([]*itsm.ChangeEvent, error) {
	var out []*itsm.ChangeEvent
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findChange(id); err != nil {
			return err
		}
		var err error
		out, err = queryAll(tx, func(row scanner) (*itsm.ChangeEvent, error) {
			var e itsm.ChangeEvent
			var at int64
			if err := row.Scan(&e.ID, &e.ChangeID, &at, &e.Type, &e.FromState, &e.ToState, &e.ActorID, &e.ActorName, &e.Note); err != nil {
				return nil, err
			}
			e.At = fromTS(at)
			return &e, nil
		}, `SELECT id, change_id, at, type, from_state, to_state, actor_id, actor_name, note FROM change_events WHERE change_id = ? ORDER BY id`, id)
		return err
	})
	return out, err
}

// ProviderDeliveryScore counts a provider's changes delivered in the
// quarter, on time and within budget (see itsm.DeliveryScoreRules).
func (db *DB) ProviderDeliveryScore(ctx context.Context, providerID int64, q itsm.Quarter) (*itsm.DeliveryScore, error) {
	a := itsm.ActorFromContext(ctx)
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if !a.ReadsEverything() && !(a.IsProvider() && a.OrgID == providerID) {
		return nil, itsm.ErrNotFound("provider")
	}
	out := &itsm.DeliveryScore{ProviderID: providerID, Quarter: q.String()}
	err := db.view(ctx, func(tx *Tx) error {
		o, err := tx.findOrg(providerID)
		if err != nil || o.Kind != itsm.OrgProvider {
			return itsm.ErrNotFound("provider")
		}
		out.Provider = o.Name
		return tx.queryRow(`SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN c.actual_date <= c.committed_date THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN c.actual_cost <= c.approved_budget THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN c.actual_date <= c.committed_date AND c.actual_cost <= c.approved_budget THEN 1 ELSE 0 END), 0)
			FROM change_requests c WHERE c.provider_id = ? AND c.actual_date >= ? AND c.actual_date < ? AND c.state IN (?, ?)`,
			providerID, ts(q.Start()), ts(q.End()), string(itsm.ChangeDelivered), string(itsm.ChangeClosed)).
			Scan(&out.Delivered, &out.OnTime, &out.WithinBudget, &out.OnTimeAndWithinBudget)
	})
	if err != nil {
		return nil, fmt.Errorf("delivery score of provider %d: %w", providerID, err)
	}
	return out, nil
}
