package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

var _ itsm.SLAReportService = (*DB)(nil)

// SLAReport evaluates the SLA clocks of the tickets the caller may see and
// counts them by month, provider, customer and priority, following the
// counting rules documented on itsm.SLAReport. Staff and auditors report
// on everything; a customer only on its own organisation (asking for
// another is ENOTFOUND, as if it did not exist); a provider only on the
// tickets escalated to it.
//
// It reads the candidate tickets in one query and their SLA events in a
// second, ordered by ticket, and evaluates each ticket once with its
// agreement's (cached) policy, so the cost is two scans whatever the number
// of tickets.
func (db *DB) SLAReport(ctx context.Context, f itsm.SLAReportFilter) (*itsm.SLAReport, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.SignedIn() {
		return nil, itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to see service level reports.")
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	switch {
	case a.ReadsEverything():
	case a.IsCustomer():
		if f.OrgID != nil && *f.OrgID != a.OrgID {
			_ = db.RecordAccessRefused(ctx, "sla_report", "organisation:"+strconv.FormatInt(*f.OrgID, 10), "another customer's SLA report")
			return nil, itsm.ErrNotFound("organisation")
		}
		org := a.OrgID
		f.OrgID = &org
	case a.IsProvider():
		if f.ProviderID != nil && *f.ProviderID != a.OrgID {
			_ = db.RecordAccessRefused(ctx, "sla_report", "provider:"+strconv.FormatInt(*f.ProviderID, 10), "another provider's SLA report")
			return nil, itsm.ErrNotFound("provider")
		}
		p := a.OrgID
		f.ProviderID = &p
	default:
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to see service level reports.")
	}

	// Candidates: tickets with an agreement, created before the period
	// ends, and either still open (a running clock may have fallen due in
	// the period) or finally stopped in or after the period starts. A
	// stopped ticket's clocks all stopped by its final resolution, so one
	// resolved before From has nothing in the period. updated_at is a
	// second witness, in case an import's resolved_at disagrees with the
	// history the clocks are computed from.
	var w where
	ticketScope(a, &w)
	w.add("t.agreement_id IS NOT NULL")
	w.add("t.created_at < ?", ts(f.To))
	w.add("(t.is_open = ? OR t.resolved_at IS NULL OR t.resolved_at >= ? OR t.closed_at >= ? OR t.updated_at >= ?)", true, ts(f.From), ts(f.From), ts(f.From))
	if f.OrgID != nil {
		w.add("t.org_id = ?", *f.OrgID)
	}
	if f.ProviderID != nil {
		w.add("t.provider_id = ?", *f.ProviderID)
	}
	if f.Priority != nil {
		w.add("t.priority = ?", *f.Priority)
	}
	if f.Type != nil {
		w.add("t.type = ?", string(*f.Type))
	}

	b := itsm.NewSLAReportBuilder(f)
	var asAt time.Time
	err := db.view(ctx, func(tx *Tx) error {
		asAt = tx.now
		tickets, err := tx.slaReportTickets(&w)
		if err != nil {
			return err
		}
		return tx.evaluateSLAReport(&w, tickets, b)
	})
	if err != nil {
		return nil, fmt.Errorf("SLA report: %w", err)
	}
	return b.Report(asAt), nil
}

// slaReportTicket is a candidate ticket of an SLA report.
type slaReportTicket struct {
	itsm.SLAReportTicket
	agreement int64
}

// slaReportTickets reads the candidate tickets in id order.
func (tx *Tx) slaReportTickets(w *where) ([]slaReportTicket, error) {
	rows, err := tx.query(`SELECT t.id, t.ref, t.org_id, o.name, t.provider_id, COALESCE(p.name, ''), t.priority, t.agreement_id
		FROM tickets t JOIN organisations o ON o.id = t.org_id LEFT JOIN organisations p ON p.id = t.provider_id`+w.String()+` ORDER BY t.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	defer rows.Close()
	var out []slaReportTicket
	for rows.Next() {
		var t slaReportTicket
		var provider sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Ref, &t.OrgID, &t.OrgName, &provider, &t.ProviderName, &t.Priority, &t.agreement); err != nil {
			return nil, fmt.Errorf("read tickets: %w", err)
		}
		if provider.Valid {
			t.ProviderID = &provider.Int64
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	return out, nil
}

// evaluateSLAReport streams the SLA events of the candidate tickets, in
// ticket order, evaluating each ticket as its last event goes by.
func (tx *Tx) evaluateSLAReport(w *where, tickets []slaReportTicket, b *itsm.SLAReportBuilder) error {
	// Load every policy first: PostgreSQL cannot run another query on the
	// transaction's connection while the events are streaming.
	policies := map[int64]sla.Policy{}
	for _, t := range tickets {
		if _, ok := policies[t.agreement]; ok {
			continue
		}
		p, err := tx.policy(t.agreement)
		if err != nil {
			return err
		}
		policies[t.agreement] = p
	}
	// CROSS JOIN makes SQLite drive the join from the candidate tickets in
	// id order, reading each one's events from the (ticket_id, at, id)
	// index: no sort, and a one-month report on years of history does not
	// scan every event. PostgreSQL plans it as the inner join it is.
	rows, err := tx.query(`SELECT e.ticket_id, e.at, e.type, e.by_kind, e.status, e.priority
		FROM tickets t CROSS JOIN ticket_events e`+w.String()+`
		AND e.ticket_id = t.id AND e.type IN ('created', 'public_reply', 'status', 'priority') ORDER BY t.id, e.at, e.id`, w.args...)
	if err != nil {
		return fmt.Errorf("read ticket events: %w", err)
	}
	defer rows.Close()
	var (
		next    int // tickets[next] is the first not yet evaluated
		current = int64(-1)
		created string // the priority the current ticket was created with
		events  []sla.Event
	)
	flush := func() error {
		// Tickets with no SLA events at all are unmeasurable.
		for next < len(tickets) && tickets[next].ID < current {
			b.Unmeasured(tickets[next].Ref)
			next++
		}
		if next >= len(tickets) || tickets[next].ID != current {
			return nil // not a candidate: cannot happen with the same WHERE
		}
		t := tickets[next]
		next++
		policy := policies[t.agreement]
		priority := t.Priority
		if created != "" {
			priority = created
		}
		res, err := sla.Evaluate(policy, priority, events, tx.now)
		if err != nil {
			b.Unmeasured(t.Ref)
			return nil
		}
		b.Add(t.SLAReportTicket, res)
		return nil
	}
	for rows.Next() {
		var id, at int64
		var typ, by, status, priority string
		if err := rows.Scan(&id, &at, &typ, &by, &status, &priority); err != nil {
			return fmt.Errorf("read ticket events: %w", err)
		}
		if id != current {
			if current >= 0 {
				if err := flush(); err != nil {
					return err
				}
			}
			current, created, events = id, "", events[:0]
		}
		if typ == sla.EventCreated {
			created = priority
		}
		events = append(events, slaEvent(fromTS(at), typ, by, status, priority))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read ticket events: %w", err)
	}
	if current >= 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	for ; next < len(tickets); next++ {
		b.Unmeasured(tickets[next].Ref)
	}
	return nil
}

// slaEvent turns a stored event into the SLA engine's, keeping only the
// fields its type uses (as slaEvents does).
func slaEvent(at time.Time, typ, by, status, priority string) sla.Event {
	e := sla.Event{At: at, Type: typ}
	switch typ {
	case sla.EventPublicReply:
		e.By = by
	case sla.EventStatus, sla.EventCreated:
		e.Status = status
	case sla.EventPriority:
		e.Priority = priority
	}
	return e
}
