package sla

import "time"

// SegmentKind says what the resolution clock was doing during a segment of
// the ticket's timeline.
type SegmentKind string

// Segment kinds, worded for the ticket's SLA view.
const (
	// SegmentRunning: open, in working hours; the clock counts.
	SegmentRunning SegmentKind = "running"
	// SegmentOutsideHours: open, but outside working hours or on a holiday.
	SegmentOutsideHours SegmentKind = "outside hours"
	// SegmentPaused: in a pausing status, named by Segment.Status.
	SegmentPaused SegmentKind = "paused"
	// SegmentResolved: resolved or closed (Segment.Status), before the
	// ticket was re-opened.
	SegmentResolved SegmentKind = "resolved"
)

// Segment is one stretch of the clock's timeline, [From, To).
type Segment struct {
	Kind     SegmentKind
	From, To time.Time
	// Status is the status that paused or stopped the clock; empty for
	// running and outside-hours segments.
	Status string
}

// Timeline returns the resolution clock's history from creation to the
// final resolution (or to now, while open): when it ran, when it was outside
// hours, when and why it was paused. It is computed on demand because a
// ticket open for months has hundreds of segments that the SLA job never
// needs.
func (r Result) Timeline() []Segment {
	if r.cal == nil || len(r.periods) == 0 {
		return nil
	}
	end := r.now
	if r.Resolution.Met {
		end = r.Resolution.MetAt
	}
	var out []Segment
	loc := r.cal.Location()
	add := func(s Segment) {
		if !s.To.After(s.From) {
			return
		}
		s.From, s.To = s.From.In(loc), s.To.In(loc)
		if n := len(out); n > 0 && out[n-1].Kind == s.Kind && out[n-1].Status == s.Status && out[n-1].To.Equal(s.From) {
			out[n-1].To = s.To
			return
		}
		out = append(out, s)
	}
	for _, p := range r.periods {
		if !p.from.Before(end) {
			break
		}
		to := minTime(p.to, end)
		switch p.kind {
		case periodPaused:
			add(Segment{Kind: SegmentPaused, From: p.from, To: to, Status: p.status})
		case periodStopped:
			add(Segment{Kind: SegmentResolved, From: p.from, To: to, Status: p.status})
		case periodRunning:
			at := p.from
			r.cal.eachWorkingSpan(p.from, to, func(s, e time.Time) {
				add(Segment{Kind: SegmentOutsideHours, From: at, To: s})
				add(Segment{Kind: SegmentRunning, From: s, To: e})
				at = e
			})
			add(Segment{Kind: SegmentOutsideHours, From: at, To: to})
		}
	}
	return out
}
