package sla

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Event types in a ticket's history, as recorded by the ticket service.
const (
	// EventCreated opens the ticket; it must be the first event and only once.
	EventCreated = "created"
	// EventPublicReply is a reply the customer can see; By says who wrote it.
	EventPublicReply = "public_reply"
	// EventStatus moves the ticket to Status.
	EventStatus = "status"
	// EventPriority changes the ticket's priority to Priority.
	EventPriority = "priority"
)

// Authors of public replies. Only staff (programme or provider) replies
// meet the response target; a customer chasing does not.
const (
	ByStaff    = "staff"
	ByCustomer = "customer"
)

// Statuses with a meaning for the clocks. A move to StatusResolved resolves
// the ticket. StatusClosed also stops the clock: a ticket closed without
// being resolved (a duplicate, say) has no more work to time. A move out of
// either to any other status re-opens the ticket.
const (
	StatusResolved = "resolved"
	StatusClosed   = "closed"
	// DefaultPauseStatus is the pausing status when a policy names none.
	DefaultPauseStatus = "pending customer"
)

// DefaultWarnFractions are the fractions of a target at which warnings fire
// when a policy names none: 75 % and 90 %. The breach is at 100 %, the due
// instant itself.
func DefaultWarnFractions() []float64 { return []float64{0.75, 0.90} }

// Event is one entry in a ticket's history. Only the fields its Type uses
// may be set: By for public replies, Status for status changes (and,
// optionally, the status a ticket was created in), Priority for priority
// changes.
type Event struct {
	At       time.Time
	Type     string
	By       string
	Status   string
	Priority string
}

// Target is a priority's pair of SLA targets, amounts of business time.
type Target struct {
	Response   time.Duration
	Resolution time.Duration
}

// Targets maps each priority ("P1".."P4") to its targets.
type Targets map[string]Target

// Policy is what a service agreement says about SLA clocks: the calendar
// business time is counted in, the targets per priority, which statuses
// pause the clock, and when to warn.
type Policy struct {
	Calendar *Calendar
	Targets  Targets
	// PauseStatuses lists the statuses in which the clocks do not run,
	// compared case-insensitively. Nil means DefaultPauseStatus; an empty,
	// non-nil slice means nothing pauses.
	PauseStatuses []string
	// WarnFractions lists fractions of the target, each strictly between 0
	// and 1, at which warnings fire. Nil means DefaultWarnFractions; an
	// empty, non-nil slice means no warnings.
	WarnFractions []float64
}

// Validate checks the policy. Errors are *ValidationError with fields such
// as "targets.P2.response" or "pause_statuses[0]".
func (p Policy) Validate() error {
	if p.Calendar == nil {
		return &ValidationError{Field: "calendar", Message: "is missing"}
	}
	if len(p.Targets) == 0 {
		return &ValidationError{Field: "targets", Message: "no priorities have targets; give at least one, e.g. P1"}
	}
	for prio, t := range p.Targets {
		if strings.TrimSpace(prio) == "" {
			return &ValidationError{Field: "targets", Message: "a priority name is empty"}
		}
		if t.Response <= 0 {
			return &ValidationError{Field: "targets." + prio + ".response", Message: fmt.Sprintf("must be a positive amount of business time, not %s", t.Response)}
		}
		if t.Resolution <= 0 {
			return &ValidationError{Field: "targets." + prio + ".resolution", Message: fmt.Sprintf("must be a positive amount of business time, not %s", t.Resolution)}
		}
	}
	for i, s := range p.PauseStatuses {
		field := fmt.Sprintf("pause_statuses[%d]", i)
		switch {
		case strings.TrimSpace(s) == "":
			return &ValidationError{Field: field, Message: "is empty"}
		case isStopStatus(s):
			return &ValidationError{Field: field, Message: fmt.Sprintf("%q stops the clock, so it cannot also pause it", s)}
		}
	}
	for i, f := range p.WarnFractions {
		if !(f > 0 && f < 1) {
			return &ValidationError{Field: fmt.Sprintf("warn_fractions[%d]", i), Message: fmt.Sprintf("%v is not strictly between 0 and 1; the breach itself is at 1", f)}
		}
	}
	return nil
}

// MaxTargetYears bounds a target: at most this many years of the calendar's
// business time. A longer target is a typing mistake, and on a calendar
// with little working time its due instant would lie beyond the horizon
// every walk stops at (about 250 years), so no real instant could be given.
const MaxTargetYears = 10

// MaxTarget returns the longest target the calendar accepts: MaxTargetYears
// years (521 weeks) of its weekly working time.
func (c *Calendar) MaxTarget() time.Duration {
	var week time.Duration
	if c.allDay {
		week = 7 * 24 * time.Hour
	} else {
		for _, t := range c.dayTotal {
			week += time.Duration(t)
		}
	}
	return week * 521
}

// ValidateLimits checks that no target is longer than the calendar's
// MaxTarget, naming the first such field in priority order. It is separate
// from Validate so that agreements stored before the limit existed still
// evaluate: new agreements and simulations are checked with both.
func (p Policy) ValidateLimits() error {
	if p.Calendar == nil {
		return &ValidationError{Field: "calendar", Message: "is missing"}
	}
	limit := p.Calendar.MaxTarget()
	prios := make([]string, 0, len(p.Targets))
	for prio := range p.Targets {
		prios = append(prios, prio)
	}
	slices.Sort(prios)
	for _, prio := range prios {
		t := p.Targets[prio]
		if t.Response > limit {
			return &ValidationError{Field: "targets." + prio + ".response", Message: tooLongTarget(t.Response, limit)}
		}
		if t.Resolution > limit {
			return &ValidationError{Field: "targets." + prio + ".resolution", Message: tooLongTarget(t.Resolution, limit)}
		}
	}
	return nil
}

func tooLongTarget(d, limit time.Duration) string {
	return fmt.Sprintf("%s is more than %d years of this calendar's business time; give at most %s", formatTarget(d), MaxTargetYears, formatTarget(limit))
}

// formatTarget writes a target as it is typed: 20840h, 90h30m.
func formatTarget(d time.Duration) string {
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case d%time.Minute != 0:
		return d.String()
	case m == 0:
		return fmt.Sprintf("%dh", h)
	case h == 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// Warning is the instant a clock reaches one warning fraction of its target.
// For a clock still short of it, At is a forecast that assumes the clock
// keeps running from now; it moves if the ticket is paused.
type Warning struct {
	Fraction float64
	At       time.Time
	// Reached reports whether the clock had got there by the time it
	// stopped (or by now, if it is still running). A job fires each reached
	// warning once, keyed by ticket, clock and fraction.
	Reached bool
}

// Clock is the evaluated state of one SLA clock (response or resolution).
type Clock struct {
	// Target is the business time allowed, from the priority in force at
	// evaluation: a priority change re-targets the clock from its start.
	Target time.Duration
	// Start is when the clock started: creation, or the next opening if
	// the ticket was created outside working hours.
	Start time.Time
	// Due is the earliest instant at which the business time counted
	// reaches Target. While the clock is short of its target this is a
	// forecast that assumes it keeps running from now (or from when it was
	// met); a pause moves it.
	Due time.Time
	// Met reports whether the clock has stopped: the response given, or the
	// ticket resolved (and not since re-opened). MetAt is when.
	Met   bool
	MetAt time.Time
	// Breached is true if the clock was met after Due or, still running,
	// now is past Due. Met exactly at Due is on time.
	Breached bool
	// Paused is true if the clock is not met and the ticket is in a pausing
	// status now.
	Paused bool
	// Elapsed is the business time counted, excluding pauses and time
	// resolved, up to MetAt or now. For a resolved ticket's resolution clock
	// it is the business time to resolve.
	Elapsed time.Duration
	// Warnings holds the policy's warning fractions in the policy's order.
	Warnings []Warning

	cal     *Calendar
	periods []period
	end     time.Time // where counting stops: MetAt, or now
}

// Remaining returns the business time left before the clock breaches;
// negative once it has.
func (c Clock) Remaining() time.Duration { return c.Target - c.Elapsed }

// At returns the instant at which the clock reaches fraction of its target
// (1 is Due). A job uses it to find when each warning threshold is, or was,
// reached, so it can fire each once. Like Due, an instant the clock has not
// yet reached is a forecast that assumes it keeps running. A Clock not made
// by Evaluate returns the zero time.
func (c Clock) At(fraction float64) time.Time {
	return c.locate(time.Duration(math.Round(float64(c.Target) * fraction)))
}

// locate returns the earliest instant at which the clock has counted x of
// business time, forecasting beyond the clock's end if it has not yet.
func (c Clock) locate(x time.Duration) time.Time {
	if c.cal == nil {
		return time.Time{}
	}
	if x > c.Elapsed {
		return c.cal.AddBusinessTime(c.end, x-c.Elapsed)
	}
	remaining := x
	for _, p := range c.periods {
		if p.kind != periodRunning || !p.from.Before(c.end) {
			continue
		}
		to := minTime(p.to, c.end)
		if bt := c.cal.BusinessTime(p.from, to); bt < remaining {
			remaining -= bt
			continue
		}
		return c.cal.AddBusinessTime(p.from, remaining)
	}
	return c.cal.AddBusinessTime(c.end, remaining)
}

// Result is a ticket's evaluated SLA state at one instant.
type Result struct {
	// Priority is the priority in force at evaluation.
	Priority string
	// Status is the ticket's status at evaluation ("" if no status was
	// ever recorded).
	Status     string
	Created    time.Time
	Response   Clock
	Resolution Clock

	now     time.Time
	cal     *Calendar
	periods []period
}

// BusinessTimeToResolve returns the business time the ticket took to
// resolve, counting every open spell across re-openings, and false if it is
// not resolved.
func (r Result) BusinessTimeToResolve() (time.Duration, bool) {
	if !r.Resolution.Met {
		return 0, false
	}
	return r.Resolution.Elapsed, true
}

type periodKind uint8

const (
	periodRunning periodKind = iota // open, not paused: counts in working hours
	periodPaused                    // in a pausing status
	periodStopped                   // resolved or closed, until re-opened
)

// period is a stretch of a ticket's life in one clock state.
type period struct {
	from, to time.Time
	kind     periodKind
	status   string
}

// Evaluate computes a ticket's response and resolution clocks at now from
// its event history. priority is the priority the ticket was created with;
// priority events change it. Events must be in time order (equal instants
// keep their given order) and start with a created event; events after now
// are ignored, so Evaluate also answers "what did the clock say at now?".
// Invalid input is a *ValidationError naming the field, such as
// "events[2].at" or "priority".
func Evaluate(policy Policy, priority string, events []Event, now time.Time) (Result, error) {
	if err := policy.Validate(); err != nil {
		return Result{}, err
	}
	if _, ok := policy.Targets[priority]; !ok {
		return Result{}, &ValidationError{Field: "priority", Message: unknownPriorityMessage(priority, policy.Targets)}
	}
	if err := validateEvents(policy, events); err != nil {
		return Result{}, err
	}
	created := events[0].At
	if created.After(now) {
		return Result{}, &ValidationError{Field: "events[0].at", Message: fmt.Sprintf("the ticket was created at %s, after now (%s)", created.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))}
	}
	pause := policy.PauseStatuses
	if pause == nil {
		pause = []string{DefaultPauseStatus}
	}
	kindOf := func(status string) periodKind {
		switch {
		case isStopStatus(status):
			return periodStopped
		case containsFold(pause, status):
			return periodPaused
		}
		return periodRunning
	}

	nStatus := 1
	for _, ev := range events {
		if ev.Type == EventStatus {
			nStatus++
		}
	}
	r := Result{Priority: priority, Status: events[0].Status, Created: created, now: now, cal: policy.Calendar}
	periods := make([]period, 0, nStatus)
	cur := period{from: created, kind: kindOf(r.Status), status: r.Status}
	var responseAt, resolvedAt time.Time
	if cur.kind == periodStopped {
		responseAt, resolvedAt = created, created
	}
	for _, ev := range events[1:] {
		if ev.At.After(now) {
			break
		}
		switch ev.Type {
		case EventPublicReply:
			if ev.By == ByStaff && responseAt.IsZero() {
				responseAt = ev.At
			}
		case EventPriority:
			r.Priority = ev.Priority
		case EventStatus:
			r.Status = ev.Status
			kind := kindOf(ev.Status)
			if kind == cur.kind && (kind == periodRunning || strings.EqualFold(cur.status, ev.Status)) {
				continue
			}
			switch {
			case kind == periodStopped && cur.kind != periodStopped:
				resolvedAt = ev.At
				if responseAt.IsZero() {
					responseAt = ev.At
				}
			case kind != periodStopped && cur.kind == periodStopped:
				resolvedAt = time.Time{} // re-opened: the clock resumes
			}
			cur.to = ev.At
			periods = append(periods, cur)
			cur = period{from: ev.At, kind: kind, status: ev.Status}
		}
	}
	cur.to = now
	periods = append(periods, cur)
	pausedNow := cur.kind == periodPaused
	// Drop zero-length periods (several changes at one instant) so the
	// timeline has no empty segments; keep the last if nothing else is left.
	kept := periods[:0]
	for _, p := range periods {
		if p.to.After(p.from) {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		kept = append(kept, cur)
	}
	r.periods = kept

	target := policy.Targets[r.Priority]
	fractions := policy.WarnFractions
	if fractions == nil {
		fractions = DefaultWarnFractions()
	}
	start := policy.Calendar.NextWorkingInstant(created)
	r.Response = newClock(policy.Calendar, kept, target.Response, start, responseAt, now, pausedNow, fractions)
	r.Resolution = newClock(policy.Calendar, kept, target.Resolution, start, resolvedAt, now, pausedNow, fractions)
	return r, nil
}

// newClock evaluates one clock over the ticket's periods. metAt is zero if
// the clock has not been met.
func newClock(cal *Calendar, periods []period, target time.Duration, start, metAt, now time.Time, pausedNow bool, fractions []float64) Clock {
	c := Clock{Target: target, Start: start, cal: cal, periods: periods, end: now}
	if !metAt.IsZero() {
		c.Met, c.MetAt, c.end = true, metAt, metAt
	}
	var elapsed time.Duration
	for _, p := range periods {
		if !p.from.Before(c.end) {
			break
		}
		if p.kind == periodRunning {
			elapsed += cal.BusinessTime(p.from, minTime(p.to, c.end))
		}
	}
	c.Elapsed = elapsed
	c.Paused = !c.Met && pausedNow
	c.Due = c.locate(target)
	if c.Met {
		c.Breached = c.MetAt.After(c.Due)
	} else {
		c.Breached = now.After(c.Due)
	}
	if len(fractions) > 0 {
		c.Warnings = make([]Warning, len(fractions))
		for i, f := range fractions {
			at := c.At(f)
			c.Warnings[i] = Warning{Fraction: f, At: at, Reached: !at.After(c.end)}
		}
	}
	return c
}

// validateEvents checks the history's shape before any clock is computed, so
// a bad history is refused whole rather than half-evaluated.
func validateEvents(policy Policy, events []Event) error {
	if len(events) == 0 {
		return &ValidationError{Field: "events", Message: "is empty; a ticket's history starts with its created event"}
	}
	for i, ev := range events {
		field := func(name string) string { return fmt.Sprintf("events[%d].%s", i, name) }
		if ev.At.IsZero() {
			return &ValidationError{Field: field("at"), Message: "is missing"}
		}
		if i == 0 && ev.Type != EventCreated {
			return &ValidationError{Field: field("type"), Message: fmt.Sprintf("the first event must be %q, not %q", EventCreated, ev.Type)}
		}
		if i > 0 && ev.At.Before(events[i-1].At) {
			return &ValidationError{Field: field("at"), Message: fmt.Sprintf("%s is earlier than events[%d] (%s); events must be in time order",
				ev.At.UTC().Format(time.RFC3339Nano), i-1, events[i-1].At.UTC().Format(time.RFC3339Nano))}
		}
		notHere := func(name, value string) error {
			if value == "" {
				return nil
			}
			return &ValidationError{Field: field(name), Message: fmt.Sprintf("a %s event has no %s", ev.Type, name)}
		}
		var err error
		switch ev.Type {
		case EventCreated:
			if i > 0 {
				return &ValidationError{Field: field("type"), Message: "a ticket is created only once; only events[0] may be \"created\""}
			}
			err = firstErr(notHere("by", ev.By), notHere("priority", ev.Priority))
		case EventPublicReply:
			if ev.By != ByStaff && ev.By != ByCustomer {
				return &ValidationError{Field: field("by"), Message: fmt.Sprintf("must be %q or %q, not %q", ByStaff, ByCustomer, ev.By)}
			}
			err = firstErr(notHere("status", ev.Status), notHere("priority", ev.Priority))
		case EventStatus:
			if strings.TrimSpace(ev.Status) == "" {
				return &ValidationError{Field: field("status"), Message: "is missing; a status event says which status the ticket moved to"}
			}
			err = firstErr(notHere("by", ev.By), notHere("priority", ev.Priority))
		case EventPriority:
			if strings.TrimSpace(ev.Priority) == "" {
				return &ValidationError{Field: field("priority"), Message: "is missing; a priority event says which priority the ticket moved to"}
			}
			if _, ok := policy.Targets[ev.Priority]; !ok {
				return &ValidationError{Field: field("priority"), Message: unknownPriorityMessage(ev.Priority, policy.Targets)}
			}
			err = firstErr(notHere("by", ev.By), notHere("status", ev.Status))
		default:
			return &ValidationError{Field: field("type"), Message: fmt.Sprintf("%q is not an event type (use %s, %s, %s or %s)", ev.Type, EventCreated, EventPublicReply, EventStatus, EventPriority)}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func unknownPriorityMessage(p string, targets Targets) string {
	names := make([]string, 0, len(targets))
	for k := range targets {
		names = append(names, k)
	}
	slices.Sort(names)
	return fmt.Sprintf("%q has no targets (priorities with targets: %s)", p, strings.Join(names, ", "))
}

func isStopStatus(s string) bool {
	return strings.EqualFold(s, StatusResolved) || strings.EqualFold(s, StatusClosed)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
