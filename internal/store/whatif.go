package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

var _ itsm.WhatIfService = (*DB)(nil)

// SLAHistories returns the SLA histories of the tickets created in
// [from, to) under an agreement, for the what-if comparison: each ticket's
// priority at creation and its created, public reply, status and priority
// events in order. Only programme staff and auditors may replay histories,
// since they span every customer.
//
// It reads the tickets in one query and their events in a second, ordered
// by ticket, as the SLA report does.
func (db *DB) SLAHistories(ctx context.Context, agreementID int64, from, to time.Time) ([]itsm.SLAHistory, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.ReadsEverything() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team and auditors can compare service agreements.")
	}
	if !from.Before(to) {
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: "The end of the period must be after its start.",
			Fields: map[string]string{"to": "The end of the period must be after its start."}}
	}
	var w where
	w.add("t.agreement_id = ?", agreementID)
	w.add("t.created_at >= ?", ts(from))
	w.add("t.created_at < ?", ts(to))
	var out []itsm.SLAHistory
	err := db.view(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM service_agreements WHERE id = ?`, agreementID).Scan(&n); err != nil {
			return fmt.Errorf("find agreement %d: %w", agreementID, err)
		}
		if n == 0 {
			return itsm.ErrNotFound("service agreement")
		}
		if err := tx.queryRow(`SELECT COUNT(*) FROM tickets t`+w.String(), w.args...).Scan(&n); err != nil {
			return fmt.Errorf("count tickets: %w", err)
		}
		if n > itsm.MaxWhatIfTickets {
			msg := fmt.Sprintf("The period has %d tickets under this agreement; choose a shorter period with at most %d.", n, itsm.MaxWhatIfTickets)
			return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"from": msg}}
		}
		var err error
		if out, err = tx.slaHistoryTickets(&w, n); err != nil {
			return err
		}
		return tx.slaHistoryEvents(&w, out)
	})
	if err != nil {
		if itsm.ErrorCode(err) == itsm.ENOTFOUND {
			_ = db.RecordAccessRefused(ctx, "service_agreement", strconv.FormatInt(agreementID, 10), "agreement not found for a what-if comparison")
		}
		return nil, fmt.Errorf("SLA histories of agreement %d: %w", agreementID, err)
	}
	return out, nil
}

// slaHistoryTickets reads the tickets of a what-if comparison in id order.
func (tx *Tx) slaHistoryTickets(w *where, n int) ([]itsm.SLAHistory, error) {
	rows, err := tx.query(`SELECT t.id, t.ref, t.priority FROM tickets t`+w.String()+` ORDER BY t.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	defer rows.Close()
	out := make([]itsm.SLAHistory, 0, n)
	for rows.Next() {
		var h itsm.SLAHistory
		if err := rows.Scan(&h.TicketID, &h.Ref, &h.Priority); err != nil {
			return nil, fmt.Errorf("read tickets: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	return out, nil
}

// slaHistoryEvents fills in the histories' events, and each one's priority
// at creation from its created event.
func (tx *Tx) slaHistoryEvents(w *where, hs []itsm.SLAHistory) error {
	index := make(map[int64]int, len(hs))
	for i, h := range hs {
		index[h.TicketID] = i
	}
	rows, err := tx.query(`SELECT e.ticket_id, e.at, e.type, e.by_kind, e.status, e.priority
		FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id`+w.String()+`
		AND e.type IN ('created', 'public_reply', 'status', 'priority') ORDER BY t.id, e.at, e.id`, w.args...)
	if err != nil {
		return fmt.Errorf("read ticket events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var typ, by, status, priority string
		if err := rows.Scan(&id, &at, &typ, &by, &status, &priority); err != nil {
			return fmt.Errorf("read ticket events: %w", err)
		}
		i, ok := index[id]
		if !ok {
			continue // created after the tickets were read
		}
		h := &hs[i]
		if typ == "created" && priority != "" {
			h.Priority = priority
		}
		h.Events = append(h.Events, slaEvent(fromTS(at), typ, by, status, priority))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read ticket events: %w", err)
	}
	return nil
}
