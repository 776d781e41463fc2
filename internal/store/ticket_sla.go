package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// slaEvents reads the events of a ticket that drive its SLA clocks.
func (tx *Tx) slaEvents(ticketID int64) ([]sla.Event, error) {
	rows, err := tx.query(`SELECT at, type, by_kind, status, priority FROM ticket_events
		WHERE ticket_id = ? AND type IN ('created', 'public_reply', 'status', 'priority') ORDER BY at, id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read SLA events of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var out []sla.Event
	for rows.Next() {
		var at int64
		var typ, by, status, priority string
		if err := rows.Scan(&at, &typ, &by, &status, &priority); err != nil {
			return nil, err
		}
		out = append(out, slaEvent(fromTS(at), typ, by, status, priority))
	}
	return out, rows.Err()
}

// ticketSLA evaluates a ticket's clocks from its history at tx.now. ok is
// false when the ticket has no service agreement.
func (tx *Tx) ticketSLA(ticketID int64) (res sla.Result, policy sla.Policy, ok bool, err error) {
	var agreement sql.NullInt64
	var priority string
	if err := tx.queryRow(`SELECT agreement_id, priority FROM tickets WHERE id = ?`, ticketID).Scan(&agreement, &priority); err != nil {
		return sla.Result{}, sla.Policy{}, false, fmt.Errorf("read ticket %d: %w", ticketID, err)
	}
	if !agreement.Valid {
		return sla.Result{}, sla.Policy{}, false, nil
	}
	policy, err = tx.policy(agreement.Int64)
	if err != nil {
		return sla.Result{}, sla.Policy{}, false, err
	}
	events, err := tx.slaEvents(ticketID)
	if err != nil {
		return sla.Result{}, sla.Policy{}, false, err
	}
	// The created event carries the priority at creation.
	created := priority
	if len(events) > 0 && events[0].Type == "created" {
		var p string
		if err := tx.queryRow(`SELECT priority FROM ticket_events WHERE ticket_id = ? AND type = 'created'`, ticketID).Scan(&p); err == nil && p != "" {
			created = p
		}
	}
	res, err = sla.Evaluate(policy, created, events, tx.now)
	if err != nil {
		return sla.Result{}, sla.Policy{}, false, fmt.Errorf("evaluate SLA of ticket %d: %w", ticketID, err)
	}
	return res, policy, true, nil
}

// recomputeSLA derives the ticket's stored due instants and breach flags
// from its event history. They are a cache for queues, never a counter.
func (tx *Tx) recomputeSLA(ticketID int64) error {
	_, err := tx.recomputeSLAResult(ticketID)
	return err
}

// recomputeSLALive recomputes after something happened to the ticket now
// (a reply, a status change, an escalation), and records the breach of a
// clock that has just stopped late: the periodic alert job looks only at
// running clocks, so a response given or a resolution made after its due
// instant, before the job noticed, would otherwise never be alerted. The
// primary key of sla_alerts keeps it to once per clock, whoever gets there
// first. Imports recompute without this, so history is not alerted.
func (tx *Tx) recomputeSLALive(ticketID int64) error {
	res, err := tx.recomputeSLAResult(ticketID)
	if err != nil || res == nil {
		return err
	}
	var t *itsm.Ticket
	for _, clock := range []struct {
		name string
		c    sla.Clock
	}{{"response", res.Response}, {"resolution", res.Resolution}} {
		if !clock.c.Met || !clock.c.Breached {
			continue
		}
		n, err := tx.insertAlert(ticketID, clock.name, "breach")
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		if t == nil {
			if t, err = tx.findTicket(ticketID); err != nil {
				return err
			}
		}
		// The breach is the SLA monitor's finding, not the act of the
		// person whose late reply stopped the clock.
		person := tx.actor
		tx.actor = itsm.SystemActor("SLA monitor")
		err = tx.notifySLA(t, clock.name, "breach", clock.c.Due)
		tx.actor = person
		if err != nil {
			return err
		}
	}
	return nil
}

// recomputeSLAResult stores the ticket's evaluation and returns it; nil
// when the ticket has no agreement.
func (tx *Tx) recomputeSLAResult(ticketID int64) (*sla.Result, error) {
	res, _, ok, err := tx.ticketSLA(ticketID)
	if err != nil || !ok {
		return nil, err
	}
	c := slaColumnsOf(res)
	_, err = tx.exec(`UPDATE tickets SET response_due = ?, response_met_at = ?, resolution_due = ?, response_breached = ?, resolution_breached = ?, next_due = ?, next_alert_at = ? WHERE id = ?`,
		c.responseDue, c.responseMet, c.resolutionDue, c.responseBreached, c.resolutionBreached, c.nextDue, c.nextAlert, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store SLA of ticket %d: %w", ticketID, err)
	}
	return &res, nil
}

// slaColumns are the stored SLA cache of a ticket.
type slaColumns struct {
	responseDue, responseMet, resolutionDue, nextDue, nextAlert any
	responseBreached, resolutionBreached                        bool
}

// slaColumnsOf is what a ticket's evaluation stores: due instants, when the
// response was met, breaches, the earliest unmet due instant (for the
// "breaching soon" queue) and when the next alert fires.
//
// A paused clock's due instant moves for as long as the pause lasts, so none
// is stored while it is paused (the ticket's SLA view forecasts one from the
// present); it is stored again when the clock runs, which recomputes.
func slaColumnsOf(res sla.Result) slaColumns {
	c := slaColumns{responseDue: ts(res.Response.Due), resolutionDue: ts(res.Resolution.Due),
		responseBreached: res.Response.Breached, resolutionBreached: res.Resolution.Breached}
	if res.Response.Paused {
		c.responseDue = nil
	}
	if res.Resolution.Paused {
		c.resolutionDue = nil
	}
	if res.Response.Met {
		c.responseMet = ts(res.Response.MetAt)
	}
	// A paused clock cannot breach, so it has no place in the "breaching
	// soon" and "breached" queues until it runs again (which recomputes).
	var next time.Time
	for _, k := range []sla.Clock{res.Response, res.Resolution} {
		if !k.Met && !k.Paused && (next.IsZero() || k.Due.Before(next)) {
			next = k.Due
		}
	}
	if !next.IsZero() {
		c.nextDue = ts(next)
	}
	if a := nextAlertAt(res); !a.IsZero() {
		c.nextAlert = ts(a)
	}
	return c
}

// threshold is a point on an SLA clock at which an alert fires.
type threshold struct {
	name    string // "75%", "90%", "breach"
	at      time.Time
	reached bool
}

// alertThresholds lists a clock's warnings and its breach in firing order.
func alertThresholds(c sla.Clock) []threshold {
	out := make([]threshold, 0, len(c.Warnings)+1)
	for _, w := range c.Warnings {
		out = append(out, threshold{strconv.Itoa(int(w.Fraction*100+0.5)) + "%", w.At, w.Reached})
	}
	return append(out, threshold{"breach", c.Due, c.Breached})
}

// nextAlertAt is the earliest instant at which a running clock reaches a
// threshold it has not reached yet; zero when nothing is left to fire.
func nextAlertAt(res sla.Result) time.Time {
	var next time.Time
	for _, c := range []sla.Clock{res.Response, res.Resolution} {
		if c.Met || c.Paused {
			continue
		}
		for _, th := range alertThresholds(c) {
			if !th.reached && (next.IsZero() || th.at.Before(next)) {
				next = th.at
			}
		}
	}
	return next
}

// FireSLAAlerts finds open tickets whose clocks have reached a warning
// threshold or breached, records each alert once (the primary key of
// sla_alerts makes a second node's insert a no-op), notifies the assignee
// or the programme's managers, and re-arms the next alert. It returns how
// many alerts fired. A periodic job calls it.
func (db *DB) FireSLAAlerts(ctx context.Context) (int, error) {
	ctx = itsm.NewContextWithActor(ctx, itsm.SystemActor("SLA monitor"))
	var ids []int64
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id FROM tickets WHERE next_alert_at IS NOT NULL AND next_alert_at <= ? AND is_open = ? ORDER BY next_alert_at LIMIT 1000`, ts(tx.now), true)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("find SLA alerts due: %w", err)
	}
	fired := 0
	for _, id := range ids {
		err := db.update(ctx, func(tx *Tx) error {
			res, _, ok, err := tx.ticketSLA(id)
			if err != nil || !ok {
				return err
			}
			t, err := tx.findTicket(id)
			if err != nil {
				return err
			}
			for _, clock := range []struct {
				name string
				c    sla.Clock
			}{{"response", res.Response}, {"resolution", res.Resolution}} {
				if clock.c.Met {
					continue
				}
				for _, th := range alertThresholds(clock.c) {
					if !th.reached {
						continue
					}
					n, err := tx.insertAlert(id, clock.name, th.name)
					if err != nil {
						return err
					}
					if n == 0 {
						continue
					}
					fired++
					// A warning first noticed after the breach is recorded
					// but not sent: the breach says more.
					if th.name != "breach" && clock.c.Breached {
						continue
					}
					if err := tx.notifySLA(t, clock.name, th.name, clock.c.Due); err != nil {
						return err
					}
				}
			}
			return tx.recomputeSLA(id)
		})
		if err != nil {
			return fired, fmt.Errorf("fire SLA alerts of ticket %d: %w", id, err)
		}
	}
	return fired, nil
}

// insertAlert records an alert once; it returns 0 when it was already fired.
func (tx *Tx) insertAlert(ticketID int64, clock, threshold string) (int64, error) {
	res, err := tx.exec(`INSERT INTO sla_alerts (ticket_id, clock, threshold, fired_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, ticketID, clock, threshold, ts(tx.now))
	if err != nil {
		return 0, fmt.Errorf("record SLA alert: %w", err)
	}
	return res.RowsAffected()
}

func (tx *Tx) notifySLA(t *itsm.Ticket, clock, threshold string, due time.Time) error {
	var to []string
	var err error
	if t.AssigneeID != nil {
		to, err = tx.emailsOf(`id = ? AND status = 'active'`, *t.AssigneeID)
	} else {
		to, err = tx.emailsOf(`role = ? AND status = 'active'`, string(itsm.RoleManager))
	}
	if err != nil {
		return err
	}
	subject := fmt.Sprintf("[%s] %s target %s reached", t.Ref, clock, threshold)
	if threshold == "breach" {
		subject = fmt.Sprintf("[%s] %s target breached", t.Ref, clock)
	}
	if err := tx.audit("sla_"+threshold, "ticket", t.ID, &t.OrgID, fields("clock", clock, "threshold", threshold, "due", due.UTC().Format(time.RFC3339))); err != nil {
		return err
	}
	if len(to) == 0 {
		return nil
	}
	return tx.enqueue(itsm.EmailJob{To: to, Subject: subject,
		Text: fmt.Sprintf("%s %s (%s, %s) — the %s clock is due %s UTC.\n", t.Ref, t.Title, t.OrgName, t.Priority, clock, due.UTC().Format("2 Jan 2006 15:04"))})
}

// TicketSLA returns a ticket's SLA evaluation now, for its timeline view.
func (db *DB) TicketSLA(ctx context.Context, id int64) (*sla.Result, error) {
	if _, err := db.FindTicketByID(ctx, id); err != nil {
		return nil, err
	}
	var out *sla.Result
	err := db.view(ctx, func(tx *Tx) error {
		res, _, ok, err := tx.ticketSLA(id)
		if err != nil || !ok {
			return err
		}
		out = &res
		return nil
	})
	return out, err
}

// Settings that staff can change.
const (
	settingPriorityMatrix = "priority_matrix"
	settingReopenDays     = "reopen_days"
)

// DefaultReopenDays is how long after resolution a ticket may be re-opened.
const DefaultReopenDays = 10

func (tx *Tx) setting(name string, v any) (bool, error) {
	var s string
	err := tx.queryRow(`SELECT value FROM settings WHERE name = ?`, name).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("read setting %s: %w", name, err)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return false, fmt.Errorf("decode setting %s: %w", name, err)
	}
	return true, nil
}

func (tx *Tx) putSetting(name string, v any) error {
	b, _ := json.Marshal(v)
	_, err := tx.exec(`INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, string(b))
	if err != nil {
		return fmt.Errorf("write setting %s: %w", name, err)
	}
	return nil
}

func (tx *Tx) priorityMatrix() (itsm.PriorityMatrix, error) {
	m := itsm.PriorityMatrix{}
	ok, err := tx.setting(settingPriorityMatrix, &m)
	if err != nil || !ok {
		return itsm.DefaultPriorityMatrix, err
	}
	return m, nil
}

func (tx *Tx) reopenDays() (int, error) {
	n := DefaultReopenDays
	_, err := tx.setting(settingReopenDays, &n)
	return n, err
}

// DeskSettings returns the priority matrix and reopen window.
func (db *DB) DeskSettings(ctx context.Context) (itsm.DeskSettings, error) {
	var s itsm.DeskSettings
	err := db.view(ctx, func(tx *Tx) (err error) {
		if s.PriorityMatrix, err = tx.priorityMatrix(); err != nil {
			return err
		}
		s.ReopenDays, err = tx.reopenDays()
		return err
	})
	return s, err
}

// SetDeskSettings changes the priority matrix and reopen window
// (administrators and managers).
func (db *DB) SetDeskSettings(ctx context.Context, s itsm.DeskSettings) error {
	a := itsm.ActorFromContext(ctx)
	if !a.CanManageOrgs() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only managers and administrators can change the service desk's rules.")
	}
	var v itsm.Validation
	for _, i := range []itsm.Level{itsm.High, itsm.Medium, itsm.Low} {
		for _, u := range []itsm.Level{itsm.High, itsm.Medium, itsm.Low} {
			p, ok := s.PriorityMatrix[i][u]
			v.Check(ok && itsm.ValidPriority(p), "priority_matrix."+string(i)+"."+string(u), fmt.Sprintf("Choose P1 to P4 for %s impact and %s urgency.", i, u))
		}
	}
	v.Check(s.ReopenDays >= 0 && s.ReopenDays <= 365, "reopen_days", "The reopen window must be between 0 and 365 days.")
	if err := v.Err(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		before := itsm.DeskSettings{}
		before.PriorityMatrix, _ = tx.priorityMatrix()
		before.ReopenDays, _ = tx.reopenDays()
		if err := tx.putSetting(settingPriorityMatrix, s.PriorityMatrix); err != nil {
			return err
		}
		if err := tx.putSetting(settingReopenDays, s.ReopenDays); err != nil {
			return err
		}
		return tx.auditRef(itsm.AuditUpdate, "settings", "service_desk", nil, diff(before, s))
	})
}

// SiteSecret returns the installation's random secret for signing cookies,
// made on first use and shared by every node through the database.
func (db *DB) SiteSecret(ctx context.Context) ([]byte, error) {
	var secret []byte
	err := db.update(ctx, func(tx *Tx) error {
		var s string
		ok, err := tx.setting("site_secret", &s)
		if err != nil {
			return err
		}
		if !ok {
			s = randomToken(32)
			if err := tx.putSetting("site_secret", s); err != nil {
				return err
			}
		}
		secret = []byte(s)
		return nil
	})
	return secret, err
}
