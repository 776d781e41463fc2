package sla

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// testTargets are the targets the clock tests use.
var testTargets = Targets{
	"P1": {Response: 30 * time.Minute, Resolution: 4 * time.Hour},
	"P2": {Response: time.Hour, Resolution: 8 * time.Hour},
	"P3": {Response: 4 * time.Hour, Resolution: 16 * time.Hour},
	"P4": {Response: 8 * time.Hour, Resolution: 36 * time.Hour},
}

// history builds a ticket history from London wall-clock times.
type history struct {
	tb     testing.TB
	events []Event
}

func newHistory(tb testing.TB, created string) *history {
	return &history{tb: tb, events: []Event{{At: MustLondon(tb, created), Type: EventCreated}}}
}

func (h *history) staff(at string) *history {
	h.events = append(h.events, Event{At: MustLondon(h.tb, at), Type: EventPublicReply, By: ByStaff})
	return h
}

func (h *history) customer(at string) *history {
	h.events = append(h.events, Event{At: MustLondon(h.tb, at), Type: EventPublicReply, By: ByCustomer})
	return h
}

func (h *history) status(at, status string) *history {
	h.events = append(h.events, Event{At: MustLondon(h.tb, at), Type: EventStatus, Status: status})
	return h
}

func (h *history) priority(at, p string) *history {
	h.events = append(h.events, Event{At: MustLondon(h.tb, at), Type: EventPriority, Priority: p})
	return h
}

// want is the expected state of a ticket's clocks; empty strings mean
// "not met" for the met instants.
type want struct {
	responseDue, responseMet string
	responseBreached         bool
	resolutionDue, resolved  string
	resolutionBreached       bool
	toResolve                time.Duration
	paused                   bool
}

func TestEvaluate(t *testing.T) {
	scotland := MustScotlandCalendar(t)
	lunch := MustCalendar(t, CalendarConfig{
		Location:   MustLocation(t, "Europe/London"),
		Week:       OfficeHours(MustInterval(t, "08:00", "12:30"), MustInterval(t, "13:30", "17:00")),
		HolidaySet: SetScotland,
	})
	allDay := MustCalendar(t, CalendarConfig{AllDay: true})
	h := func(created string) *history { return newHistory(t, created) }

	tests := []struct {
		name     string
		cal      *Calendar
		priority string
		history  *history
		now      string
		want     want
	}{
		{
			name: "response met by a staff reply", cal: scotland, priority: "P1",
			history: h("2026-03-02 10:00").staff("2026-03-02 10:20"), now: "2026-03-02 11:00",
			want: want{responseDue: "2026-03-02 10:30", responseMet: "2026-03-02 10:20", resolutionDue: "2026-03-02 14:00"},
		},
		{
			name: "a customer reply does not meet the response", cal: scotland, priority: "P1",
			history: h("2026-03-02 10:00").customer("2026-03-02 10:10"), now: "2026-03-02 10:45",
			want: want{responseDue: "2026-03-02 10:30", responseBreached: true, resolutionDue: "2026-03-02 14:00"},
		},
		{
			name: "created on a Saturday starts on Monday at opening", cal: scotland, priority: "P1",
			history: h("2026-03-07 11:00"), now: "2026-03-09 09:10",
			want: want{responseDue: "2026-03-09 09:30", resolutionDue: "2026-03-09 13:00"},
		},
		{
			name: "created in the evening", cal: scotland, priority: "P2",
			history: h("2026-03-02 19:45"), now: "2026-03-02 20:00",
			want: want{responseDue: "2026-03-03 10:00", resolutionDue: "2026-03-03 17:00"},
		},
		{
			name: "created on Christmas Day 2026 starts after the Boxing Day substitute", cal: scotland, priority: "P1",
			history: h("2026-12-25 10:00"), now: "2026-12-25 12:00",
			want: want{responseDue: "2026-12-29 09:30", resolutionDue: "2026-12-29 13:00"},
		},
		{
			name: "target used up exactly at closing is due at 17:00 and met then", cal: scotland, priority: "P2",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:30").status("2026-03-02 17:00", StatusResolved), now: "2026-03-03 12:00",
			want: want{responseDue: "2026-03-02 10:00", responseMet: "2026-03-02 09:30", resolutionDue: "2026-03-02 17:00", resolved: "2026-03-02 17:00", toResolve: 8 * time.Hour},
		},
		{
			name: "resolved one second after the due instant is a breach", cal: scotland, priority: "P2",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:30").status("2026-03-02 17:00:01", StatusResolved), now: "2026-03-03 12:00",
			want: want{responseDue: "2026-03-02 10:00", responseMet: "2026-03-02 09:30", resolutionDue: "2026-03-02 17:00", resolved: "2026-03-02 17:00:01", resolutionBreached: true, toResolve: 8 * time.Hour},
		},
		{
			name: "resolved before the next opening is still after a 17:00 due instant", cal: scotland, priority: "P2",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:30").status("2026-03-03 08:59", StatusResolved), now: "2026-03-03 12:00",
			want: want{responseDue: "2026-03-02 10:00", responseMet: "2026-03-02 09:30", resolutionDue: "2026-03-02 17:00", resolved: "2026-03-03 08:59", resolutionBreached: true, toResolve: 8 * time.Hour},
		},
		{
			name: "open clock is not breached at the due instant", cal: scotland, priority: "P1",
			history: h("2026-03-02 10:00"), now: "2026-03-02 10:30",
			want: want{responseDue: "2026-03-02 10:30", resolutionDue: "2026-03-02 14:00"},
		},
		{
			name: "open clock is breached one second past due", cal: scotland, priority: "P1",
			history: h("2026-03-02 10:00"), now: "2026-03-02 10:30:01",
			want: want{responseDue: "2026-03-02 10:30", responseBreached: true, resolutionDue: "2026-03-02 14:00"},
		},
		{
			name: "pause across a weekend moves the due instant", cal: scotland, priority: "P2",
			history: h("2026-03-06 10:00").staff("2026-03-06 10:30").
				status("2026-03-06 12:00", DefaultPauseStatus).status("2026-03-09 14:00", "in progress"),
			now:  "2026-03-10 09:00",
			want: want{responseDue: "2026-03-06 11:00", responseMet: "2026-03-06 10:30", resolutionDue: "2026-03-10 12:00"},
		},
		{
			name: "paused now: due is forecast from now", cal: scotland, priority: "P2",
			history: h("2026-03-06 10:00").staff("2026-03-06 10:30").status("2026-03-06 12:00", DefaultPauseStatus),
			now:     "2026-03-07 12:00",
			want:    want{responseDue: "2026-03-06 11:00", responseMet: "2026-03-06 10:30", resolutionDue: "2026-03-09 15:00", paused: true},
		},
		{
			name: "the response clock pauses too", cal: scotland, priority: "P3",
			history: h("2026-03-02 09:00").status("2026-03-02 10:00", "Pending Customer").
				status("2026-03-03 10:00", "open").staff("2026-03-03 12:00"),
			now:  "2026-03-03 12:00",
			want: want{responseDue: "2026-03-03 13:00", responseMet: "2026-03-03 12:00", resolutionDue: "2026-03-04 17:00"},
		},
		{
			name: "re-opened and resolved again: time resolved does not count", cal: scotland, priority: "P1",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:10").status("2026-03-02 11:00", StatusResolved).
				status("2026-03-04 10:00", "in progress").status("2026-03-04 12:00", StatusResolved),
			now:  "2026-03-05 09:00",
			want: want{responseDue: "2026-03-02 09:30", responseMet: "2026-03-02 09:10", resolutionDue: "2026-03-04 12:00", resolved: "2026-03-04 12:00", toResolve: 4 * time.Hour},
		},
		{
			name: "re-opened and still open", cal: scotland, priority: "P1",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:10").status("2026-03-02 11:00", StatusResolved).
				status("2026-03-04 10:00", "in progress"),
			now:  "2026-03-04 11:00",
			want: want{responseDue: "2026-03-02 09:30", responseMet: "2026-03-02 09:10", resolutionDue: "2026-03-04 12:00"},
		},
		{
			name: "re-opened from closed and resolved late", cal: scotland, priority: "P1",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:10").status("2026-03-02 11:00", StatusResolved).
				status("2026-03-03 09:00", StatusClosed).status("2026-03-04 10:00", "open").status("2026-03-04 12:00:01", StatusResolved),
			now:  "2026-03-05 09:00",
			want: want{responseDue: "2026-03-02 09:30", responseMet: "2026-03-02 09:10", resolutionDue: "2026-03-04 12:00", resolved: "2026-03-04 12:00:01", resolutionBreached: true, toResolve: 4*time.Hour + time.Second},
		},
		{
			name: "a move to resolved meets the response if nothing did before", cal: scotland, priority: "P1",
			history: h("2026-03-02 09:00").status("2026-03-02 09:20", StatusResolved), now: "2026-03-02 10:00",
			want: want{responseDue: "2026-03-02 09:30", responseMet: "2026-03-02 09:20", resolutionDue: "2026-03-02 13:00", resolved: "2026-03-02 09:20", toResolve: 20 * time.Minute},
		},
		{
			name: "closing without resolving stops the clock", cal: scotland, priority: "P1",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:05").status("2026-03-02 09:50", StatusClosed), now: "2026-03-02 15:00",
			want: want{responseDue: "2026-03-02 09:30", responseMet: "2026-03-02 09:05", resolutionDue: "2026-03-02 13:00", resolved: "2026-03-02 09:50", toResolve: 50 * time.Minute},
		},
		{
			name: "priority raised: targets recomputed from the original start", cal: scotland, priority: "P3",
			history: h("2026-03-02 09:00").priority("2026-03-02 10:00", "P1").staff("2026-03-02 10:05"), now: "2026-03-02 11:00",
			want: want{responseDue: "2026-03-02 09:30", responseMet: "2026-03-02 10:05", responseBreached: true, resolutionDue: "2026-03-02 13:00"},
		},
		{
			name: "priority raised after the new target has passed breaches at once", cal: scotland, priority: "P3",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:15").priority("2026-03-02 14:00", "P1"), now: "2026-03-02 14:00",
			want: want{responseDue: "2026-03-02 09:30", responseMet: "2026-03-02 09:15", resolutionDue: "2026-03-02 13:00", resolutionBreached: true},
		},
		{
			name: "priority lowered", cal: scotland, priority: "P1",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:15").priority("2026-03-02 12:00", "P4"), now: "2026-03-04 09:00",
			want: want{responseDue: "2026-03-02 17:00", responseMet: "2026-03-02 09:15", resolutionDue: "2026-03-06 13:00"},
		},
		{
			name: "24×7 counts the weekend", cal: allDay, priority: "P1",
			history: h("2026-03-07 22:00"), now: "2026-03-07 22:10",
			want: want{responseDue: "2026-03-07 22:30", resolutionDue: "2026-03-08 02:00"},
		},
		{
			name: "several intervals a day: the lunch break does not count", cal: lunch, priority: "P1",
			history: h("2026-03-02 12:15").staff("2026-03-02 13:45"), now: "2026-03-02 14:00",
			want: want{responseDue: "2026-03-02 13:45", responseMet: "2026-03-02 13:45", resolutionDue: "2026-03-03 08:15"},
		},
		{
			name: "across the March clock change", cal: scotland, priority: "P2",
			history: h("2026-03-27 13:00").staff("2026-03-27 13:30").status("2026-03-30 13:00", StatusResolved), now: "2026-03-31 09:00",
			want: want{responseDue: "2026-03-27 14:00", responseMet: "2026-03-27 13:30", resolutionDue: "2026-03-30 13:00", resolved: "2026-03-30 13:00", toResolve: 8 * time.Hour},
		},
		{
			name: "across the October clock change", cal: scotland, priority: "P3",
			history: h("2026-10-23 09:00").staff("2026-10-23 09:30"), now: "2026-10-26 12:00",
			want: want{responseDue: "2026-10-23 13:00", responseMet: "2026-10-23 09:30", resolutionDue: "2026-10-26 17:00"},
		},
		{
			name: "events after now are ignored", cal: scotland, priority: "P1",
			history: h("2026-03-02 09:00").staff("2026-03-02 09:10").status("2026-03-02 12:00", StatusResolved), now: "2026-03-02 11:00",
			want: want{responseDue: "2026-03-02 09:30", responseMet: "2026-03-02 09:10", resolutionDue: "2026-03-02 13:00"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := Policy{Calendar: tt.cal, Targets: testTargets}
			r, err := Evaluate(policy, tt.priority, tt.history.events, MustLondon(t, tt.now))
			if err != nil {
				t.Fatal(err)
			}
			checkInstant(t, "response due", r.Response.Due, tt.want.responseDue)
			checkMet(t, "response met", r.Response, tt.want.responseMet)
			checkInstant(t, "resolution due", r.Resolution.Due, tt.want.resolutionDue)
			checkMet(t, "resolved", r.Resolution, tt.want.resolved)
			if r.Response.Breached != tt.want.responseBreached {
				t.Errorf("response breached = %v, want %v", r.Response.Breached, tt.want.responseBreached)
			}
			if r.Resolution.Breached != tt.want.resolutionBreached {
				t.Errorf("resolution breached = %v, want %v", r.Resolution.Breached, tt.want.resolutionBreached)
			}
			d, ok := r.BusinessTimeToResolve()
			if ok != (tt.want.resolved != "") || d != tt.want.toResolve {
				t.Errorf("business time to resolve = %s, %v; want %s", d, ok, tt.want.toResolve)
			}
			if r.Resolution.Paused != tt.want.paused {
				t.Errorf("paused = %v, want %v", r.Resolution.Paused, tt.want.paused)
			}
			if !r.Resolution.At(1).Equal(r.Resolution.Due) || !r.Response.At(1).Equal(r.Response.Due) {
				t.Errorf("At(1) differs from Due")
			}
		})
	}
}

func checkInstant(t *testing.T, what string, got time.Time, want string) {
	t.Helper()
	if w := MustLondon(t, want); !got.Equal(w) {
		t.Errorf("%s = %s, want %s", what, got.In(w.Location()).Format("Mon 2 Jan 15:04:05"), w.Format("Mon 2 Jan 15:04:05"))
	}
}

func checkMet(t *testing.T, what string, c Clock, want string) {
	t.Helper()
	switch {
	case want == "" && c.Met:
		t.Errorf("%s at %s, want not met", what, c.MetAt)
	case want != "" && !c.Met:
		t.Errorf("%s not met, want %s", what, want)
	case want != "":
		checkInstant(t, what, c.MetAt, want)
	}
}

func TestWarnings(t *testing.T) {
	policy := Policy{Calendar: MustScotlandCalendar(t), Targets: testTargets}
	events := newHistory(t, "2026-03-02 09:00").staff("2026-03-02 09:05").events
	r, err := Evaluate(policy, "P1", events, MustLondon(t, "2026-03-02 12:10"))
	if err != nil {
		t.Fatal(err)
	}
	ws := r.Resolution.Warnings
	if len(ws) != 2 || ws[0].Fraction != 0.75 || ws[1].Fraction != 0.9 {
		t.Fatalf("warnings = %+v", ws)
	}
	checkInstant(t, "75% warning", ws[0].At, "2026-03-02 12:00")
	checkInstant(t, "90% warning", ws[1].At, "2026-03-02 12:36")
	if !ws[0].Reached || ws[1].Reached {
		t.Errorf("reached = %v, %v; want true, false", ws[0].Reached, ws[1].Reached)
	}
	// The response was met at 09:05, before 75 % of 30 minutes.
	for _, w := range r.Response.Warnings {
		if w.Reached {
			t.Errorf("response warning %v reached though met at 09:05", w.Fraction)
		}
	}

	// Warnings straddle the end of the day: 75 % of 8 h from 13:00 is
	// 19:00 of business time, i.e. Tuesday 11:00.
	policy.WarnFractions = []float64{0.5, 0.75}
	events = newHistory(t, "2026-03-02 13:00").events
	r, err = Evaluate(policy, "P2", events, MustLondon(t, "2026-03-03 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	checkInstant(t, "50% warning", r.Resolution.Warnings[0].At, "2026-03-02 17:00")
	checkInstant(t, "75% warning", r.Resolution.Warnings[1].At, "2026-03-03 11:00")
	if !r.Resolution.Warnings[0].Reached || r.Resolution.Warnings[1].Reached {
		t.Errorf("warnings = %+v", r.Resolution.Warnings)
	}

	// A pause after a warning was reached leaves it where it was, and moves
	// the later one.
	events = newHistory(t, "2026-03-02 09:00").status("2026-03-02 12:30", DefaultPauseStatus).status("2026-03-03 09:00", "open").events
	r, err = Evaluate(Policy{Calendar: policy.Calendar, Targets: testTargets}, "P1", events, MustLondon(t, "2026-03-03 09:10"))
	if err != nil {
		t.Fatal(err)
	}
	checkInstant(t, "75% warning before the pause", r.Resolution.Warnings[0].At, "2026-03-02 12:00")
	checkInstant(t, "90% warning after the pause", r.Resolution.Warnings[1].At, "2026-03-03 09:06")
	checkInstant(t, "due after the pause", r.Resolution.Due, "2026-03-03 09:30")

	// No warnings when the policy asks for none.
	r, _ = Evaluate(Policy{Calendar: policy.Calendar, Targets: testTargets, WarnFractions: []float64{}}, "P1", events, MustLondon(t, "2026-03-03 09:10"))
	if len(r.Resolution.Warnings) != 0 {
		t.Errorf("warnings = %+v, want none", r.Resolution.Warnings)
	}
}

func TestTimeline(t *testing.T) {
	policy := Policy{Calendar: MustScotlandCalendar(t), Targets: testTargets}
	events := newHistory(t, "2026-03-06 16:00").staff("2026-03-06 16:10").
		status("2026-03-09 10:00", DefaultPauseStatus).status("2026-03-09 11:00", "in progress").
		status("2026-03-09 12:00", StatusResolved).status("2026-03-10 10:00", "in progress").
		status("2026-03-10 10:30", StatusResolved).events
	r, err := Evaluate(policy, "P2", events, MustLondon(t, "2026-03-11 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	type seg struct {
		kind     SegmentKind
		from, to string
		status   string
	}
	want := []seg{
		{SegmentRunning, "2026-03-06 16:00", "2026-03-06 17:00", ""},
		{SegmentOutsideHours, "2026-03-06 17:00", "2026-03-09 09:00", ""},
		{SegmentRunning, "2026-03-09 09:00", "2026-03-09 10:00", ""},
		{SegmentPaused, "2026-03-09 10:00", "2026-03-09 11:00", DefaultPauseStatus},
		{SegmentRunning, "2026-03-09 11:00", "2026-03-09 12:00", ""},
		{SegmentResolved, "2026-03-09 12:00", "2026-03-10 10:00", StatusResolved},
		{SegmentRunning, "2026-03-10 10:00", "2026-03-10 10:30", ""},
	}
	got := r.Timeline()
	if len(got) != len(want) {
		t.Fatalf("timeline has %d segments, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || !g.From.Equal(MustLondon(t, w.from)) || !g.To.Equal(MustLondon(t, w.to)) || g.Status != w.status {
			t.Errorf("segment %d = %s %s–%s %q, want %s %s–%s %q", i, g.Kind, g.From.Format("Mon 15:04"), g.To.Format("Mon 15:04"), g.Status, w.kind, w.from, w.to, w.status)
		}
	}
	if d, _ := r.BusinessTimeToResolve(); d != 3*time.Hour+30*time.Minute {
		t.Errorf("business time to resolve = %s, want 3h30m", d)
	}
	// The running segments add up to the business time to resolve.
	var sum time.Duration
	for _, s := range got {
		if s.Kind == SegmentRunning {
			sum += s.To.Sub(s.From)
		}
	}
	if sum != 3*time.Hour+30*time.Minute {
		t.Errorf("running segments sum to %s", sum)
	}
}

func TestEvaluateRejects(t *testing.T) {
	cal := MustScotlandCalendar(t)
	at := func(s string) time.Time { return MustLondon(t, s) }
	created := Event{At: at("2026-03-02 09:00"), Type: EventCreated}
	now := at("2026-03-03 09:00")
	tests := []struct {
		name     string
		policy   Policy
		priority string
		events   []Event
		field    string
	}{
		{"no events", Policy{Calendar: cal, Targets: testTargets}, "P1", nil, "events"},
		{"first is not created", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{{At: at("2026-03-02 09:00"), Type: EventStatus, Status: "open"}}, "events[0].type"},
		{"created twice", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{created, created}, "events[1].type"},
		{"out of order", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{created, {At: at("2026-03-02 08:00"), Type: EventPublicReply, By: ByStaff}}, "events[1].at"},
		{"unknown type", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{created, {At: at("2026-03-02 10:00"), Type: "comment"}}, "events[1].type"},
		{"reply without author", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{created, {At: at("2026-03-02 10:00"), Type: EventPublicReply}}, "events[1].by"},
		{"status event without status", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{created, {At: at("2026-03-02 10:00"), Type: EventStatus}}, "events[1].status"},
		{"status event with an author", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{created, {At: at("2026-03-02 10:00"), Type: EventStatus, Status: "open", By: ByStaff}}, "events[1].by"},
		{"unknown new priority", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{created, {At: at("2026-03-02 10:00"), Type: EventPriority, Priority: "P9"}}, "events[1].priority"},
		{"unknown priority", Policy{Calendar: cal, Targets: testTargets}, "P9", []Event{created}, "priority"},
		{"missing instant", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{{Type: EventCreated}}, "events[0].at"},
		{"created after now", Policy{Calendar: cal, Targets: testTargets}, "P1", []Event{{At: at("2026-03-04 09:00"), Type: EventCreated}}, "events[0].at"},
		{"no calendar", Policy{Targets: testTargets}, "P1", []Event{created}, "calendar"},
		{"zero target", Policy{Calendar: cal, Targets: Targets{"P1": {Response: 0, Resolution: time.Hour}}}, "P1", []Event{created}, "targets.P1.response"},
		{"resolved cannot pause", Policy{Calendar: cal, Targets: testTargets, PauseStatuses: []string{"Resolved"}}, "P1", []Event{created}, "pause_statuses[0]"},
		{"warning at 100 %", Policy{Calendar: cal, Targets: testTargets, WarnFractions: []float64{0.5, 1}}, "P1", []Event{created}, "warn_fractions[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Evaluate(tt.policy, tt.priority, tt.events, now)
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if verr.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", verr.Field, tt.field, err)
			}
		})
	}
}

// TestEvaluateProperties checks invariants over random histories: business
// time to resolve equals the running time in the timeline, a clock met at
// or before Due is never breached and one met after always is, warnings
// come in order before Due, and re-evaluating is deterministic.
func TestEvaluateProperties(t *testing.T) {
	policy, tickets, prios, now := benchTickets(3000, 99)
	for i, evs := range tickets {
		r, err := Evaluate(policy, prios[i], evs, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []Clock{r.Response, r.Resolution} {
			if c.Met && c.Breached != c.MetAt.After(c.Due) {
				t.Fatalf("ticket %d: met %s due %s breached %v", i, c.MetAt, c.Due, c.Breached)
			}
			if c.Due.Before(c.Start) {
				t.Fatalf("ticket %d: due %s before start %s", i, c.Due, c.Start)
			}
			prev := c.Start
			for _, w := range c.Warnings {
				if w.At.Before(prev) || w.At.After(c.Due) {
					t.Fatalf("ticket %d: warning %v at %s outside [%s, %s]", i, w.Fraction, w.At, prev, c.Due)
				}
				prev = w.At
			}
			if (c.Elapsed >= c.Target) != (c.Met && !c.MetAt.Before(c.Due) || !c.Met && !now.Before(c.Due)) {
				t.Fatalf("ticket %d: elapsed %s of %s but due %s (met %v at %s)", i, c.Elapsed, c.Target, c.Due, c.Met, c.MetAt)
			}
		}
		var running time.Duration
		tl := r.Timeline()
		for j, s := range tl {
			if j > 0 && !tl[j-1].To.Equal(s.From) {
				t.Fatalf("ticket %d: timeline gap at %d", i, j)
			}
			if s.Kind == SegmentRunning {
				running += s.To.Sub(s.From)
			}
		}
		if running != r.Resolution.Elapsed {
			t.Fatalf("ticket %d: timeline runs %s, clock elapsed %s", i, running, r.Resolution.Elapsed)
		}
		again, _ := Evaluate(policy, prios[i], slices.Clone(evs), now)
		if !again.Resolution.Due.Equal(r.Resolution.Due) || again.Resolution.Elapsed != r.Resolution.Elapsed {
			t.Fatalf("ticket %d: evaluation not deterministic", i)
		}
	}
}
