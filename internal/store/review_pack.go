package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// The review pack is assembled from the records of the review's period
// whenever it is read, in one read transaction; the availability figures
// come from the monitoring store afterwards.

// ReviewPack assembles a visible review's pack.
func (db *DB) ReviewPack(ctx context.Context, id int64) (*itsm.ReviewPack, error) {
	var p *itsm.ReviewPack
	err := db.view(ctx, func(tx *Tx) error {
		r, err := tx.findReview(id)
		if err != nil {
			return err
		}
		p = &itsm.ReviewPack{Review: r, From: r.PeriodStart().UTC(), To: r.PeriodEnd().UTC(), AsAt: tx.now}
		b, err := tx.reviewSLA(r)
		if err != nil {
			return err
		}
		p.SLA, p.Breaches = b.Rows(), b.Breaches()
		if p.Escalations, err = tx.packEscalations(r.ProviderID); err != nil {
			return err
		}
		if p.Problems, err = tx.packProblems(r.ProviderID); err != nil {
			return err
		}
		if p.Delivery, err = tx.packDelivery(r, true); err != nil {
			return err
		}
		if p.Risks, err = tx.packRisks(r.ProviderID); err != nil {
			return err
		}
		p.Actions, p.CarriedForward, err = tx.reviewActions(r)
		return err
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "review", strconv.FormatInt(id, 10), "pack of a review not visible to the caller")
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("review %d pack: %w", id, err)
	}
	p.Availability, p.AvailabilityChecked, err = db.reviewAvailability(ctx, p.Review.ProviderID, p.From, p.To)
	if err != nil {
		return nil, fmt.Errorf("review %d pack: %w", id, err)
	}
	p.Scorecard = scorecard(p.Review, p.SLA, p.Availability, p.Delivery)
	return p, nil
}

// scorecard takes the headline figures of a period.
func scorecard(r *itsm.Review, rows []itsm.SLAReportRow, avail []itsm.ServiceAvailability, d itsm.PackDelivery) itsm.Scorecard {
	s := itsm.Scorecard{ReviewID: r.ID, Title: r.Title, MeetingAt: r.MeetingAt, PeriodFrom: r.PeriodFrom, PeriodTo: r.PeriodTo,
		AvailabilityPercent: itsm.PooledAvailability(avail), OnTimePercent: d.OnTimePercent(), WithinBudgetPercent: d.WithinBudgetPercent()}
	if n := len(rows); n > 0 {
		s.ResponsePercent, s.ResolutionPercent = rows[n-1].ResponseMetPercent, rows[n-1].ResolutionMetPercent
	}
	return s
}

// ProviderScorecards returns the scorecards of the provider's latest 12
// reviews, oldest first, each for its own period.
func (db *DB) ProviderScorecards(ctx context.Context, providerID int64) ([]itsm.Scorecard, error) {
	a := itsm.ActorFromContext(ctx)
	if s := a.ReviewScope(); s < 0 || (s > 0 && s != providerID) {
		_ = db.RecordAccessRefused(ctx, "review_scorecard", "provider:"+strconv.FormatInt(providerID, 10), "scorecards of a provider not visible to the caller")
		return nil, itsm.ErrNotFound("provider")
	}
	var reviews []*itsm.Review
	var out []itsm.Scorecard
	err := db.view(ctx, func(tx *Tx) error {
		if err := tx.reviewProvider(providerID); err != nil {
			return itsm.ErrNotFound("provider")
		}
		var err error
		if reviews, err = queryAll(tx, scanReview, `SELECT `+reviewColumns+reviewFrom+` WHERE r.provider_id = ? ORDER BY r.meeting_at DESC, r.id DESC LIMIT 12`, providerID); err != nil {
			return err
		}
		slices.Reverse(reviews)
		for _, r := range reviews {
			b, err := tx.reviewSLA(r)
			if err != nil {
				return err
			}
			d, err := tx.packDelivery(r, false)
			if err != nil {
				return err
			}
			out = append(out, scorecard(r, b.Rows(), nil, d))
		}
		return nil
	})
	if err != nil {
		if itsm.ErrorCode(err) == itsm.ENOTFOUND {
			return nil, err
		}
		return nil, fmt.Errorf("scorecards of provider %d: %w", providerID, err)
	}
	for i, r := range reviews {
		avail, _, err := db.reviewAvailability(ctx, providerID, r.PeriodStart(), r.PeriodEnd())
		if err != nil {
			return nil, fmt.Errorf("scorecards of provider %d: %w", providerID, err)
		}
		out[i].AvailabilityPercent = itsm.PooledAvailability(avail)
	}
	return out, nil
}

// reviewAvailability reads, as the caller, the availability of the
// services whose checks the provider operates over [from, to). The
// monitoring store reads at most 366 days; a year-long period that gains
// an hour when the clocks change is trimmed by that hour at its start.
func (db *DB) reviewAvailability(ctx context.Context, providerID int64, from, to time.Time) ([]itsm.ServiceAvailability, bool, error) {
	if to.Sub(from) > maxStatsPeriod {
		from = to.Add(-maxStatsPeriod)
	}
	out, err := db.ServiceAvailability(ctx, itsm.ServiceAvailabilityFilter{From: from, To: to, ProviderID: &providerID})
	if err != nil {
		return nil, false, fmt.Errorf("availability of provider %d: %w", providerID, err)
	}
	return out, true, nil
}

// reviewSLA evaluates the SLA clocks of the tickets escalated to the
// review's provider and counts those that settle in its period, by the SLA report's
// rules: the candidates, the events streamed in ticket order, each ticket
// evaluated once with its agreement's policy.
func (tx *Tx) reviewSLA(r *itsm.Review) (*itsm.ReviewSLABuilder, error) {
	providerID, from, to := r.ProviderID, r.PeriodStart(), r.PeriodEnd()
	var w where
	ticketScope(tx.actor, &w)
	w.add("t.provider_id = ?", providerID)
	w.add("t.agreement_id IS NOT NULL")
	w.add("t.created_at < ?", ts(to))
	w.add("(t.is_open = ? OR t.resolved_at IS NULL OR t.resolved_at >= ? OR t.closed_at >= ? OR t.updated_at >= ?)", true, ts(from), ts(from), ts(from))
	type candidate struct {
		itsm.SLAReportTicket
		title     string
		agreement int64
	}
	tickets, err := queryAll(tx, func(row scanner) (candidate, error) {
		var c candidate
		err := row.Scan(&c.ID, &c.Ref, &c.title, &c.OrgID, &c.Priority, &c.agreement)
		c.ProviderID, c.ProviderName = &providerID, r.ProviderName
		return c, err
	}, `SELECT t.id, t.ref, t.title, t.org_id, t.priority, t.agreement_id FROM tickets t`+w.String()+` ORDER BY t.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("read the provider's tickets: %w", err)
	}
	b := itsm.NewReviewSLABuilder(from, to, tx.now)
	if len(tickets) == 0 {
		return b, nil
	}
	policies := map[int64]sla.Policy{}
	for _, t := range tickets {
		if _, ok := policies[t.agreement]; !ok {
			p, err := tx.policy(t.agreement)
			if err != nil {
				return nil, err
			}
			policies[t.agreement] = p
		}
	}
	byID := make(map[int64]int, len(tickets))
	for i, t := range tickets {
		byID[t.ID] = i
	}
	rows, err := tx.query(`SELECT e.ticket_id, e.at, e.type, e.by_kind, e.status, e.priority
		FROM tickets t CROSS JOIN ticket_events e`+w.String()+`
		AND e.ticket_id = t.id AND e.type IN ('created', 'public_reply', 'status', 'priority') ORDER BY t.id, e.at, e.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("read ticket events: %w", err)
	}
	defer rows.Close()
	current := int64(-1)
	created := ""
	var events []sla.Event
	flush := func() {
		i, ok := byID[current]
		if !ok {
			return
		}
		t := tickets[i]
		priority := t.Priority
		if created != "" {
			priority = created
		}
		res, err := sla.Evaluate(policies[t.agreement], priority, events, tx.now)
		if err != nil {
			return // unmeasurable history: the SLA report names these
		}
		b.Add(t.SLAReportTicket, t.title, res)
	}
	for rows.Next() {
		var id, at int64
		var typ, by, status, priority string
		if err := rows.Scan(&id, &at, &typ, &by, &status, &priority); err != nil {
			return nil, fmt.Errorf("read ticket events: %w", err)
		}
		if id != current {
			if current >= 0 {
				flush()
			}
			current, created, events = id, "", events[:0]
		}
		if typ == sla.EventCreated {
			created = priority
		}
		events = append(events, slaEvent(fromTS(at), typ, by, status, priority))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read ticket events: %w", err)
	}
	if current >= 0 {
		flush()
	}
	return b, nil
}

// packEscalations lists the open escalations of tickets escalated to the
// provider, highest level first.
func (tx *Tx) packEscalations(providerID int64) ([]*itsm.Escalation, error) {
	var w where
	escalationScope(tx.actor, &w)
	w.add("t.provider_id = ?", providerID)
	w.add("e.status <> ?", string(itsm.EscalationResolved))
	out, err := queryAll(tx, func(row scanner) (*itsm.Escalation, error) {
		e, _, err := scanEscalation(row, tx.now)
		return e, err
	}, `SELECT `+escalationColumns+escalationFrom+w.String()+` ORDER BY e.level DESC, e.due_at, e.id LIMIT 200`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("read open escalations: %w", err)
	}
	return out, nil
}

// packProblems lists the open problems assigned to the provider.
func (tx *Tx) packProblems(providerID int64) ([]*itsm.Problem, error) {
	out, err := queryAll(tx, scanProblemRow, `SELECT `+problemColumns+problemFrom+` WHERE p.provider_id = ? AND p.status IN (?, ?) ORDER BY p.created_at, p.id LIMIT 200`,
		providerID, string(itsm.ProblemOpen), string(itsm.ProblemInvestigating))
	if err != nil {
		return nil, fmt.Errorf("read open problems: %w", err)
	}
	if err := tx.scopeIncidentCounts(out); err != nil {
		return nil, err
	}
	return out, nil
}

// packDelivery counts the changes assigned to the provider and delivered
// in the review's period (dates, both included), as ProviderDeliveryScore
// counts a quarter, and lists those late or over budget when asked.
func (tx *Tx) packDelivery(r *itsm.Review, list bool) (itsm.PackDelivery, error) {
	var d itsm.PackDelivery
	changes, err := queryAll(tx, func(row scanner) (itsm.PackChange, error) {
		var c itsm.PackChange
		var committed, budget sql.NullInt64
		var actual int64
		if err := row.Scan(&c.ID, &c.Ref, &c.Title, &committed, &actual, &budget, &c.ActualCost); err != nil {
			return c, err
		}
		c.CommittedDate, c.ActualDate = fromNullTS(committed), fromTS(actual)
		c.ApprovedBudget = nullID(budget)
		c.Late = c.CommittedDate == nil || c.ActualDate.After(*c.CommittedDate)
		c.OverBudget = c.ApprovedBudget == nil || c.ActualCost > *c.ApprovedBudget
		return c, nil
	}, `SELECT c.id, c.ref, c.title, c.committed_date, c.actual_date, c.approved_budget, c.actual_cost FROM change_requests c
		WHERE c.provider_id = ? AND c.actual_date >= ? AND c.actual_date < ? AND c.state IN (?, ?) ORDER BY c.actual_date, c.id`,
		r.ProviderID, ts(r.PeriodFrom), ts(r.PeriodTo.AddDate(0, 0, 1)), string(itsm.ChangeDelivered), string(itsm.ChangeClosed))
	if err != nil {
		return d, fmt.Errorf("read delivered changes: %w", err)
	}
	d.Exceptions = []itsm.PackChange{}
	for _, c := range changes {
		d.Delivered++
		if !c.Late {
			d.OnTime++
		}
		if !c.OverBudget {
			d.WithinBudget++
		}
		if list && (c.Late || c.OverBudget) {
			d.Exceptions = append(d.Exceptions, c)
		}
	}
	return d, nil
}

// packRisks lists the live risks the provider's people own or that concern
// the provider, highest score first.
func (tx *Tx) packRisks(providerID int64) ([]*itsm.Risk, error) {
	out, err := queryAll(tx, riskScanner(tx.now), `SELECT `+riskColumns+riskFrom+`
		WHERE (r.provider_id = ? OR r.owner_id IN (SELECT id FROM users WHERE org_id = ?)) AND r.status IN (?, ?) ORDER BY r.score DESC, r.review_date, r.id LIMIT 200`,
		tx.today(), providerID, providerID, string(itsm.RiskOpen), string(itsm.RiskMitigating))
	if err != nil {
		return nil, fmt.Errorf("read the provider's risks: %w", err)
	}
	return out, nil
}
