package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/sla"
)

// ticketSLA is the answer to GET /api/v1/tickets/{id}/sla: the ticket's
// clocks evaluated now from its history, and the resolution clock's
// timeline. A ticket without a service agreement runs no clocks: its
// clocks are null and its timeline empty.
type ticketSLA struct {
	TicketID    int64  `json:"ticket_id"`
	Ref         string `json:"ref"`
	AgreementID *int64 `json:"agreement_id"`
	// Priority and Status are those in force at EvaluatedAt.
	Priority    string      `json:"priority"`
	Status      string      `json:"status"`
	EvaluatedAt time.Time   `json:"evaluated_at"`
	Response    *slaClock   `json:"response"`
	Resolution  *slaClock   `json:"resolution"`
	Timeline    []slaPeriod `json:"timeline"`
}

// slaClock is one clock. Durations are whole seconds of business time;
// the target is also written as the agreement writes it ("4h").
type slaClock struct {
	Target           string       `json:"target"`
	TargetSeconds    int64        `json:"target_seconds"`
	Start            time.Time    `json:"start"`
	Due              time.Time    `json:"due"`
	Met              bool         `json:"met"`
	MetAt            *time.Time   `json:"met_at"`
	Breached         bool         `json:"breached"`
	Paused           bool         `json:"paused"`
	ElapsedSeconds   int64        `json:"elapsed_seconds"`
	RemainingSeconds int64        `json:"remaining_seconds"`
	Warnings         []slaWarning `json:"warnings"`
}

// slaWarning is one warning threshold: when the clock reaches the
// fraction of its target (a forecast until reached) and whether it has.
type slaWarning struct {
	Fraction float64   `json:"fraction"`
	At       time.Time `json:"at"`
	Reached  bool      `json:"reached"`
}

// slaPeriod is one stretch of the resolution clock's timeline: running,
// outside hours, paused (in Status) or resolved (Status: resolved or
// closed) until re-opened.
type slaPeriod struct {
	Kind   sla.SegmentKind `json:"kind"`
	From   time.Time       `json:"from"`
	To     time.Time       `json:"to"`
	Status string          `json:"status"`
}

// getTicketSLA serves GET /api/v1/tickets/{id}/sla.
func (a *API) getTicketSLA(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	t, err := a.svc.Tickets.FindTicketByID(r.Context(), id)
	if err != nil {
		return err
	}
	res, err := a.svc.Tickets.TicketSLA(r.Context(), id)
	if err != nil {
		return err
	}
	out := ticketSLA{TicketID: t.ID, Ref: t.Ref, AgreementID: t.AgreementID, Priority: t.Priority, Status: string(t.Status),
		EvaluatedAt: a.now().UTC(), Timeline: []slaPeriod{}}
	if res != nil {
		out.Priority, out.Response, out.Resolution = res.Priority, clockOf(res.Response), clockOf(res.Resolution)
		if res.Status != "" {
			out.Status = res.Status
		}
		for _, s := range res.Timeline() {
			out.Timeline = append(out.Timeline, slaPeriod{Kind: s.Kind, From: s.From.UTC(), To: s.To.UTC(), Status: s.Status})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func clockOf(c sla.Clock) *slaClock {
	out := &slaClock{Target: shortDuration(c.Target), TargetSeconds: int64(c.Target / time.Second), Start: c.Start.UTC(), Due: c.Due.UTC(),
		Met: c.Met, Breached: c.Breached, Paused: c.Paused, ElapsedSeconds: int64(c.Elapsed / time.Second),
		RemainingSeconds: int64(c.Remaining() / time.Second), Warnings: []slaWarning{}}
	if c.Met {
		at := c.MetAt.UTC()
		out.MetAt = &at
	}
	for _, wn := range c.Warnings {
		out.Warnings = append(out.Warnings, slaWarning{Fraction: wn.Fraction, At: wn.At.UTC(), Reached: wn.Reached})
	}
	return out
}

// shortDuration writes a duration as people write targets: 4h, 30m, 1h30m
// rather than 4h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
