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

// The risk register. Tenancy: programme staff and auditors see every risk;
// a provider sees the risks its people own or that concern it
// (risks.provider_id); customers see none. Only programme staff change
// risks.

const riskColumns = `r.id, r.ref, r.title, r.description, r.category, r.owner_id, COALESCE(ru.name, ''), ru.org_id, r.likelihood, r.impact,
	r.previous_score, r.proximity, r.proximity_date, r.status, r.review_date, r.provider_id, COALESCE(po.name, ''),
	(SELECT MIN(i.id) FROM programme_issues i WHERE i.risk_id = r.id),
	(SELECT COUNT(*) FROM raid_actions a WHERE a.parent_type = 'risk' AND a.parent_id = r.id AND a.status = 'open'),
	(SELECT COUNT(*) FROM raid_actions a WHERE a.parent_type = 'risk' AND a.parent_id = r.id AND a.status = 'open' AND a.due_date < ?),
	r.created_at, r.updated_at, r.version`

const riskFrom = ` FROM risks r LEFT JOIN users ru ON ru.id = r.owner_id LEFT JOIN organisations po ON po.id = r.provider_id`

// riskScanner scans a risk row, deriving its score, RAG, trend, proximity
// and overdue flags at now.
func riskScanner(now time.Time) func(scanner) (*itsm.Risk, error) {
	return func(row scanner) (*itsm.Risk, error) {
		var r itsm.Risk
		var owner, ownerOrg, proxDate, provider, issue sql.NullInt64
		var review, created, updated int64
		if err := row.Scan(&r.ID, &r.Ref, &r.Title, &r.Description, &r.Category, &owner, &r.Owner, &ownerOrg, &r.Likelihood, &r.Impact,
			&r.PreviousScore, &r.Proximity, &proxDate, &r.Status, &review, &provider, &r.Provider, &issue,
			&r.OpenActions, &r.OverdueActions, &created, &updated, &r.Version); err != nil {
			return nil, err
		}
		r.OwnerID, r.OwnerOrgID, r.ProviderID, r.IssueID = nullID(owner), nullID(ownerOrg), nullID(provider), nullID(issue)
		r.ProximityDate = fromNullTS(proxDate)
		r.ReviewDate, r.CreatedAt, r.UpdatedAt = fromTS(review), fromTS(created), fromTS(updated)
		r.Derive(now)
		return &r, nil
	}
}

func nullID(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	n := v.Int64
	return &n
}

// today is the start of the current UTC day, for overdue comparisons: a
// date is overdue when it is before today.
func (tx *Tx) today() int64 { return ts(itsm.RAIDDate(tx.now)) }

// raidScope limits a query to the records a provider may see: those whose
// provider is the caller's organisation or whose owner works there. It
// needs no join, so counts read the table alone. It returns EFORBIDDEN for
// callers who see no part of the register.
func raidScope(a *itsm.Actor, w *where, providerCol, ownerCol string) error {
	switch {
	case a.ReadsEverything():
		return nil
	case a.IsProvider():
		w.add("("+providerCol+" = ? OR "+ownerCol+" IN (SELECT id FROM users WHERE org_id = ?))", a.OrgID, a.OrgID)
		return nil
	}
	return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to see the programme's risks and issues.")
}

func (tx *Tx) findRisk(id int64) (*itsm.Risk, error) {
	var w where
	if err := raidScope(tx.actor, &w, "r.provider_id", "r.owner_id"); err != nil {
		return nil, itsm.ErrNotFound("risk")
	}
	w.add("r.id = ?", id)
	r, err := riskScanner(tx.now)(tx.queryRow(`SELECT `+riskColumns+riskFrom+w.String(), append([]any{tx.today()}, w.args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("risk")
	} else if err != nil {
		return nil, fmt.Errorf("find risk %d: %w", id, err)
	}
	return r, nil
}

// canManageRAID: programme staff change the register.
func canManageRAID(a *itsm.Actor) error {
	if !a.IsStaff() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team can change the risk and issue register.")
	}
	return nil
}

// checkRAIDRefs checks an owner (an active member of the programme or a
// provider) and a provider organisation, naming the field at fault.
func (tx *Tx) checkRAIDRefs(owner, provider *int64) error {
	if provider != nil {
		o, err := tx.findOrg(*provider)
		if err != nil || o.Kind != itsm.OrgProvider {
			return fieldInvalid("provider_id", "Choose a provider organisation, or none.")
		}
	}
	if owner != nil {
		u, err := tx.findUser(*owner)
		if err != nil || (!u.Role.IsStaff() && u.Role != itsm.RoleProviderAgent) || u.Status != itsm.UserActive {
			return fieldInvalid("owner_id", "Choose an active member of the programme team or of a provider as owner.")
		}
	}
	return nil
}

func fieldInvalid(field, msg string) error {
	return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

// storedProximity is the band kept on the row: from the date when there is
// one (pages derive it afresh), otherwise the one chosen.
func storedProximity(r *itsm.Risk, now time.Time) string {
	if r.ProximityDate != nil {
		return string(itsm.ProximityOf(*r.ProximityDate, now))
	}
	return string(r.Proximity)
}

// CreateRisk records a risk (programme staff) and tells its owner.
func (db *DB) CreateRisk(ctx context.Context, r *itsm.Risk) error {
	if err := canManageRAID(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.checkRAIDRefs(r.OwnerID, r.ProviderID); err != nil {
			return err
		}
		n, err := tx.nextNumber("risk")
		if err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO risks (number, ref, title, description, category, owner_id, likelihood, impact, score, previous_score, proximity, proximity_date, status, review_date, provider_id, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, 1)`,
			n, itsm.RiskRef(n), r.Title, r.Description, string(r.Category), r.OwnerID, r.Likelihood, r.Impact, r.Likelihood*r.Impact,
			storedProximity(r, tx.now), tsp(r.ProximityDate), string(r.Status), ts(r.ReviewDate), r.ProviderID, ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create risk: %w", err)
		}
		got, err := tx.findRisk(id)
		if err != nil {
			return err
		}
		*r = *got
		if err := tx.audit(itsm.AuditCreate, "risk", id, nil, diff(nil, r)); err != nil {
			return err
		}
		return tx.notifyRAIDOwner(r.OwnerID, "["+r.Ref+"] You own a programme risk",
			fmt.Sprintf("%s %s has been recorded with you as its owner.\n\nScore %d (likelihood %d × impact %d); next review %s.\n",
				r.Ref, r.Title, r.Score, r.Likelihood, r.Impact, r.ReviewDate.Format("2 January 2006")))
	})
}

// notifyRAIDOwner e-mails an owner, unless there is none, it is the caller,
// or they are no longer active.
func (tx *Tx) notifyRAIDOwner(owner *int64, subject, text string) error {
	if owner == nil || *owner == tx.actor.UserID {
		return nil
	}
	to, err := tx.emailsOf(`id = ? AND status = 'active'`, *owner)
	if err != nil || len(to) == 0 {
		return err
	}
	return tx.enqueue(itsm.EmailJob{To: to, Subject: subject, Text: text})
}

// FindRiskByID returns a risk the caller may see.
func (db *DB) FindRiskByID(ctx context.Context, id int64) (*itsm.Risk, error) {
	var r *itsm.Risk
	err := db.view(ctx, func(tx *Tx) (err error) { r, err = tx.findRisk(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "risk", strconv.FormatInt(id, 10), "risk not visible to the caller")
	}
	return r, err
}

// riskWhere builds the scope and filters of a risk query. Likelihood and
// impact are left out when cells is false (the heat map counts every cell).
func riskWhere(a *itsm.Actor, f itsm.RiskFilter, today int64, cells bool) (where, error) {
	var w where
	if err := raidScope(a, &w, "r.provider_id", "r.owner_id"); err != nil {
		return w, err
	}
	if err := f.Check(); err != nil {
		return w, err
	}
	if f.Status != nil {
		w.add("r.status = ?", string(*f.Status))
	}
	if f.Live != nil {
		if *f.Live {
			w.add("r.status IN ('open', 'mitigating')")
		} else {
			w.add("r.status IN ('closed', 'occurred')")
		}
	}
	if f.Category != nil {
		w.add("r.category = ?", string(*f.Category))
	}
	if f.OwnerID != nil {
		w.add("r.owner_id = ?", *f.OwnerID)
	}
	if f.ProviderID != nil {
		w.add("r.provider_id = ?", *f.ProviderID)
	}
	if f.MinScore != nil {
		w.add("r.score >= ?", *f.MinScore)
	}
	if f.MaxScore != nil {
		w.add("r.score <= ?", *f.MaxScore)
	}
	if cells && f.Likelihood != nil {
		w.add("r.likelihood = ?", *f.Likelihood)
	}
	if cells && f.Impact != nil {
		w.add("r.impact = ?", *f.Impact)
	}
	if f.Overdue != nil {
		// The overdue actions' risks are read once (the IN list), not
		// looked up row by row.
		cond := `(r.status IN ('open', 'mitigating') AND r.review_date < ?
			OR r.id IN (SELECT a.parent_id FROM raid_actions a WHERE a.status = 'open' AND a.due_date < ? AND a.parent_type = 'risk'))`
		if !*f.Overdue {
			cond = "NOT " + cond
		}
		w.add(cond, today, today)
	}
	if f.ChangeID != nil {
		w.add("r.id IN (SELECT risk_id FROM risk_changes WHERE change_id = ?)", *f.ChangeID)
	}
	return w, nil
}

var riskOrder = map[string]string{
	"":        "r.score DESC, r.review_date, r.id",
	"score":   "r.score DESC, r.review_date, r.id",
	"review":  "r.review_date, r.score DESC, r.id",
	"ref":     "r.number",
	"updated": "r.updated_at DESC, r.id DESC",
}

// FindRisks returns a page of the risks the caller may see, highest score
// first unless the filter sorts otherwise.
func (db *DB) FindRisks(ctx context.Context, f itsm.RiskFilter) ([]*itsm.Risk, int, error) {
	var out []*itsm.Risk
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		w, err := riskWhere(tx.actor, f, tx.today(), true)
		if err != nil {
			return err
		}
		offset, limit := page(f.Offset, f.Limit)
		args := append(append([]any{tx.today()}, w.args...), limit, offset)
		// The page's IDs come from the risks table alone, in an index's
		// order where one fits; the joins and counts then run for the page
		// only.
		order := riskOrder[f.Sort]
		page := `(SELECT r.id FROM risks r` + w.String() + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?)`
		if out, err = queryAll(tx, riskScanner(tx.now), `SELECT `+riskColumns+riskFrom+` WHERE r.id IN `+page+` ORDER BY `+order, args...); err != nil {
			return fmt.Errorf("find risks: %w", err)
		}
		return tx.queryRow(`SELECT COUNT(*) FROM risks r`+w.String(), w.args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// RiskHeatMap counts the matching risks by likelihood and impact.
func (db *DB) RiskHeatMap(ctx context.Context, f itsm.RiskFilter) (*itsm.HeatMap, error) {
	h := itsm.NewHeatMap()
	err := db.view(ctx, func(tx *Tx) error {
		w, err := riskWhere(tx.actor, f, tx.today(), false)
		if err != nil {
			return err
		}
		rows, err := tx.query(`SELECT r.likelihood, r.impact, COUNT(*) FROM risks r`+w.String()+` GROUP BY r.likelihood, r.impact`, w.args...)
		if err != nil {
			return fmt.Errorf("count risks by cell: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var l, i, n int
			if err := rows.Scan(&l, &i, &n); err != nil {
				return err
			}
			h.Add(l, i, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// UpdateRisk changes a risk (programme staff). A change of likelihood or
// impact needs a note and is kept in the score history; a risk that
// occurs raises a programme issue in the same transaction.
func (db *DB) UpdateRisk(ctx context.Context, id int64, upd itsm.RiskUpdate) (*itsm.Risk, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.Risk
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findRisk(id)
		if err != nil {
			return err
		}
		if err := canManageRAID(a); err != nil {
			return err
		}
		r := *before
		applyRiskUpdate(&r, upd)
		if err := r.Validate(); err != nil {
			return err
		}
		rescored := r.Likelihood != before.Likelihood || r.Impact != before.Impact
		if rescored && len(upd.ScoreNote) == 0 {
			return fieldInvalid("score_note", "Say why the likelihood or impact changed: the note is kept in the risk's history.")
		}
		if len(upd.ScoreNote) > 2000 {
			return fieldInvalid("score_note", "Keep the note to 2,000 characters or fewer.")
		}
		if err := tx.checkRAIDRefs(r.OwnerID, r.ProviderID); err != nil {
			return err
		}
		previous := before.PreviousScore
		if rescored {
			previous = before.Likelihood * before.Impact
		}
		res, err := tx.exec(`UPDATE risks SET title = ?, description = ?, category = ?, owner_id = ?, likelihood = ?, impact = ?, score = ?, previous_score = ?,
			proximity = ?, proximity_date = ?, status = ?, review_date = ?, provider_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			r.Title, r.Description, string(r.Category), r.OwnerID, r.Likelihood, r.Impact, r.Likelihood*r.Impact, previous,
			storedProximity(&r, tx.now), tsp(r.ProximityDate), string(r.Status), ts(r.ReviewDate), r.ProviderID, ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update risk %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("risk")
		}
		if rescored {
			if err := tx.recordScoreChange(before, &r, upd.ScoreNote); err != nil {
				return err
			}
		}
		if r.Status == itsm.RiskOccurred && before.Status != itsm.RiskOccurred && before.IssueID == nil {
			if err := tx.raiseIssueFromRisk(&r); err != nil {
				return err
			}
		}
		if out, err = tx.findRisk(id); err != nil {
			return err
		}
		d := diff(before, out)
		if upd.ScoreNote != "" {
			d = mergeDiff(d, fields("score_note", upd.ScoreNote))
		}
		if err := tx.audit(itsm.AuditUpdate, "risk", id, nil, d); err != nil {
			return err
		}
		if out.OwnerID != nil && (before.OwnerID == nil || *before.OwnerID != *out.OwnerID) {
			return tx.notifyRAIDOwner(out.OwnerID, "["+out.Ref+"] You now own a programme risk",
				fmt.Sprintf("%s %s is now yours to manage.\n\nScore %d; next review %s.\n", out.Ref, out.Title, out.Score, out.ReviewDate.Format("2 January 2006")))
		}
		return nil
	})
	return out, err
}

func applyRiskUpdate(r *itsm.Risk, upd itsm.RiskUpdate) {
	setString := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	setString(&r.Title, upd.Title)
	setString(&r.Description, upd.Description)
	if upd.Category != nil {
		r.Category = *upd.Category
	}
	if upd.OwnerID != nil {
		r.OwnerID = clearable(*upd.OwnerID)
	}
	if upd.ProviderID != nil {
		r.ProviderID = clearable(*upd.ProviderID)
	}
	if upd.Likelihood != nil {
		r.Likelihood = *upd.Likelihood
	}
	if upd.Impact != nil {
		r.Impact = *upd.Impact
	}
	if upd.Proximity != nil {
		r.Proximity = *upd.Proximity
		r.ProximityDate = nil
	}
	if upd.ProximityDate != nil {
		r.ProximityDate = nil
		if !upd.ProximityDate.IsZero() {
			d := *upd.ProximityDate
			r.ProximityDate = &d
		}
	}
	if upd.Status != nil {
		r.Status = *upd.Status
	}
	if upd.ReviewDate != nil {
		r.ReviewDate = *upd.ReviewDate
	}
}

// clearable turns an ID where 0 means none into an optional ID.
func clearable(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func (tx *Tx) recordScoreChange(before, after *itsm.Risk, note string) error {
	var actor *int64
	if tx.actor.UserID != 0 {
		actor = &tx.actor.UserID
	}
	_, err := tx.exec(`INSERT INTO risk_score_changes (risk_id, at, actor_id, actor_name, old_likelihood, old_impact, new_likelihood, new_impact, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, before.ID, ts(tx.now), actor, tx.actor.Name, before.Likelihood, before.Impact, after.Likelihood, after.Impact, note)
	if err != nil {
		return fmt.Errorf("record score change of risk %d: %w", before.ID, err)
	}
	return tx.audit("rescore", "risk", before.ID, nil, fields("likelihood", map[string]int{"from": before.Likelihood, "to": after.Likelihood},
		"impact", map[string]int{"from": before.Impact, "to": after.Impact}, "score", map[string]int{"from": before.Likelihood * before.Impact, "to": after.Likelihood * after.Impact},
		"note", note))
}

// raiseIssueFromRisk records the programme issue a risk became when it
// occurred, with the risk's owner and provider.
func (tx *Tx) raiseIssueFromRisk(r *itsm.Risk) error {
	i := &itsm.ProgrammeIssue{Title: r.Title, Description: "Raised from " + r.Ref + " when the risk occurred.\n\n" + r.Description,
		Severity: itsm.SeverityForScore(r.Likelihood * r.Impact), OwnerID: r.OwnerID, RiskID: &r.ID, ProviderID: r.ProviderID}
	if len(i.Description) > 20000 {
		i.Description = i.Description[:20000]
	}
	return tx.createIssue(i)
}

// RiskHistory lists a visible risk's score changes, newest first.
func (db *DB) RiskHistory(ctx context.Context, riskID int64) ([]*itsm.ScoreChange, error) {
	var out []*itsm.ScoreChange
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findRisk(riskID); err != nil {
			return err
		}
		var err error
		out, err = queryAll(tx, scanScoreChange, `SELECT id, risk_id, at, actor_id, actor_name, old_likelihood, old_impact, new_likelihood, new_impact, note
			FROM risk_score_changes WHERE risk_id = ? ORDER BY at DESC, id DESC LIMIT 500`, riskID)
		return err
	})
	return out, err
}

func scanScoreChange(row scanner) (*itsm.ScoreChange, error) {
	var c itsm.ScoreChange
	var at int64
	var actor sql.NullInt64
	if err := row.Scan(&c.ID, &c.RiskID, &at, &actor, &c.ActorName, &c.OldLikelihood, &c.OldImpact, &c.NewLikelihood, &c.NewImpact, &c.Note); err != nil {
		return nil, err
	}
	c.At, c.ActorID = fromTS(at), nullID(actor)
	c.OldScore, c.NewScore = c.OldLikelihood*c.OldImpact, c.NewLikelihood*c.NewImpact
	return &c, nil
}

// RAIDSummary counts what needs attention in the part of the register the
// caller may see.
func (db *DB) RAIDSummary(ctx context.Context) (*itsm.RAIDSummary, error) {
	var s itsm.RAIDSummary
	err := db.view(ctx, func(tx *Tx) error {
		var w where
		if err := raidScope(tx.actor, &w, "r.provider_id", "r.owner_id"); err != nil {
			return err
		}
		today := tx.today()
		live := " r.status IN ('open', 'mitigating')"
		cond := w.String()
		if cond == "" {
			cond = " WHERE" + live
		} else {
			cond += " AND" + live
		}
		if err := tx.queryRow(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN r.score >= 15 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN r.review_date < ? THEN 1 ELSE 0 END), 0) FROM risks r`+cond,
			append([]any{today}, w.args...)...).Scan(&s.LiveRisks, &s.RedRisks, &s.OverdueReviews); err != nil {
			return fmt.Errorf("count risks: %w", err)
		}
		var iw where
		_ = raidScope(tx.actor, &iw, "i.provider_id", "i.owner_id")
		iw.add("i.status IN ('open', 'in_progress')")
		if err := tx.queryRow(`SELECT COUNT(*) FROM programme_issues i`+iw.String(), iw.args...).Scan(&s.OpenIssues); err != nil {
			return fmt.Errorf("count issues: %w", err)
		}
		var aw where
		actionScope(tx.actor, &aw)
		aw.add("a.status = 'open' AND a.due_date < ?", today)
		if err := tx.queryRow(`SELECT COUNT(*) FROM raid_actions a`+aw.String(), aw.args...).Scan(&s.OverdueActions); err != nil {
			return fmt.Errorf("count overdue actions: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}
