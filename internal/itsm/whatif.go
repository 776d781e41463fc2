package itsm

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/steward-itsm/steward/internal/sla"
)

// SLAHistory is one ticket as the what-if comparison replays it: the
// priority it was created with and the events that drive its SLA clocks,
// in time order, starting with its creation.
type SLAHistory struct {
	TicketID int64
	Ref      string
	// Priority is the priority the ticket was created with; priority
	// events in Events change it.
	Priority string
	Events   []sla.Event
}

// MaxWhatIfTickets bounds the tickets one comparison replays, so that a
// period chosen by mistake cannot tie up the server.
const MaxWhatIfTickets = 20000

// WhatIfService reads the ticket histories that the what-if comparison
// replays under a changed service agreement.
type WhatIfService interface {
	// SLAHistories returns, in ticket order, the SLA histories of the
	// tickets created in [from, to) under the agreement. Programme staff
	// and auditors only: EFORBIDDEN for anyone else; ENOTFOUND for an
	// unknown agreement; EINVALID ("to") when from is not before to, and
	// ("from") when the period holds more than MaxWhatIfTickets tickets.
	SLAHistories(ctx context.Context, agreementID int64, from, to time.Time) ([]SLAHistory, error)
}

// WhatIfFigures counts the clocks of a group of tickets under one policy.
// A clock counts as in the SLA report: once it has stopped (met if it
// stopped by its due instant) or, still running, once it is past due (a
// breach); a running clock not yet due is not counted.
type WhatIfFigures struct {
	Responses, ResponsesMet     int
	Resolutions, ResolutionsMet int
}

// ResponseMetPercent is the percentage of responses counted that met their
// target; nil when none were counted.
func (f WhatIfFigures) ResponseMetPercent() *float64 { return percent(f.ResponsesMet, f.Responses) }

// ResolutionMetPercent is the percentage of resolutions counted that met
// their target; nil when none were counted.
func (f WhatIfFigures) ResolutionMetPercent() *float64 {
	return percent(f.ResolutionsMet, f.Resolutions)
}

// WhatIfRow compares one priority's compliance (or, with Priority empty,
// every priority's) under the baseline and the candidate policy.
type WhatIfRow struct {
	Priority            string
	Tickets             int
	Baseline, Candidate WhatIfFigures
}

// ResponseChange is the candidate's response compliance less the
// baseline's, in percentage points; nil when either counted nothing.
func (r WhatIfRow) ResponseChange() *float64 {
	return pointsChange(r.Baseline.ResponseMetPercent(), r.Candidate.ResponseMetPercent())
}

// ResolutionChange is the candidate's resolution compliance less the
// baseline's, in percentage points; nil when either counted nothing.
func (r WhatIfRow) ResolutionChange() *float64 {
	return pointsChange(r.Baseline.ResolutionMetPercent(), r.Candidate.ResolutionMetPercent())
}

func pointsChange(before, after *float64) *float64 {
	if before == nil || after == nil {
		return nil
	}
	d := *after - *before
	return &d
}

// Clock outcomes of a what-if change.
const (
	WhatIfMet        = "met"
	WhatIfBreached   = "breached"
	WhatIfNotCounted = "not counted yet"
)

// WhatIfChange is one clock whose outcome the candidate policy changes.
type WhatIfChange struct {
	TicketID int64
	Ref      string
	Priority string
	// Clock is "response" or "resolution"; Before and After are WhatIfMet,
	// WhatIfBreached or WhatIfNotCounted.
	Clock, Before, After string
}

// MaxWhatIfChanges is how many changed clocks a comparison lists.
const MaxWhatIfChanges = 50

// WhatIfComparison is the compliance of a period's tickets under an
// agreement as it is (the baseline) and as it might be (the candidate).
type WhatIfComparison struct {
	// AsAt is the instant the clocks were evaluated at.
	AsAt time.Time
	// Tickets is the number of tickets replayed, Unmeasured how many of
	// them could not be evaluated under one of the policies (named in
	// UnmeasuredRefs, up to 20).
	Tickets        int
	Unmeasured     int
	UnmeasuredRefs []string
	// Rows has one row per priority in order, then the total of all of
	// them (Priority "").
	Rows []WhatIfRow
	// Changes lists up to MaxWhatIfChanges clocks whose outcome differs,
	// in ticket order; ChangesTotal counts them all.
	Changes      []WhatIfChange
	ChangesTotal int
}

// Total returns the row of every priority.
func (c *WhatIfComparison) Total() WhatIfRow {
	if n := len(c.Rows); n > 0 {
		return c.Rows[n-1]
	}
	return WhatIfRow{}
}

// CompareSLAPolicies replays each ticket's history under both policies at
// now and counts, per priority in force at now, how many response and
// resolution clocks each would have met.
func CompareSLAPolicies(baseline, candidate sla.Policy, histories []SLAHistory, now time.Time) *WhatIfComparison {
	out := &WhatIfComparison{AsAt: now.UTC(), Tickets: len(histories)}
	rows := map[string]*WhatIfRow{}
	total := &WhatIfRow{}
	for _, h := range histories {
		before, err := sla.Evaluate(baseline, h.Priority, h.Events, now)
		if err != nil {
			out.unmeasured(h.Ref)
			continue
		}
		after, err := sla.Evaluate(candidate, h.Priority, h.Events, now)
		if err != nil {
			out.unmeasured(h.Ref)
			continue
		}
		row, ok := rows[before.Priority]
		if !ok {
			row = &WhatIfRow{Priority: before.Priority}
			rows[before.Priority] = row
		}
		for _, r := range []*WhatIfRow{row, total} {
			r.Tickets++
			r.Baseline.add(before)
			r.Candidate.add(after)
		}
		for _, c := range []struct {
			name          string
			before, after sla.Clock
		}{{"response", before.Response, after.Response}, {"resolution", before.Resolution, after.Resolution}} {
			b, a := whatIfOutcome(c.before), whatIfOutcome(c.after)
			if b == a {
				continue
			}
			out.ChangesTotal++
			if len(out.Changes) < MaxWhatIfChanges {
				out.Changes = append(out.Changes, WhatIfChange{TicketID: h.TicketID, Ref: h.Ref, Priority: before.Priority, Clock: c.name, Before: b, After: a})
			}
		}
	}
	for _, p := range Priorities {
		if _, ok := rows[p]; !ok {
			rows[p] = &WhatIfRow{Priority: p}
		}
	}
	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
	}
	slices.SortFunc(out.Rows, func(a, b WhatIfRow) int { return cmp.Compare(a.Priority, b.Priority) })
	out.Rows = append(out.Rows, *total)
	return out
}

func (c *WhatIfComparison) unmeasured(ref string) {
	c.Unmeasured++
	if len(c.UnmeasuredRefs) < 20 {
		c.UnmeasuredRefs = append(c.UnmeasuredRefs, ref)
	}
}

// add counts one ticket's clocks.
func (f *WhatIfFigures) add(res sla.Result) {
	if _, met, ok := settled(res.Response); ok {
		f.Responses++
		if met {
			f.ResponsesMet++
		}
	}
	if _, met, ok := settled(res.Resolution); ok {
		f.Resolutions++
		if met {
			f.ResolutionsMet++
		}
	}
}

func whatIfOutcome(c sla.Clock) string {
	_, met, ok := settled(c)
	switch {
	case !ok:
		return WhatIfNotCounted
	case met:
		return WhatIfMet
	}
	return WhatIfBreached
}
