package sla

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"
)

// SimulationInput is the what-if simulator's request: a calendar, targets
// and ticket histories, all as plain JSON values so that every mistake can
// be reported against the field that holds it. Instants are RFC 3339,
// durations are Go durations ("30m", "4h", "36h").
type SimulationInput struct {
	Calendar SimulationCalendar          `json:"calendar"`
	Targets  map[string]SimulationTarget `json:"targets"`
	// PauseStatuses defaults to ["pending customer"] when absent; an empty
	// list means nothing pauses.
	PauseStatuses []string `json:"pause_statuses"`
	// Now is the instant to evaluate at; empty means the caller's now.
	Now     string             `json:"now,omitempty"`
	Tickets []SimulationTicket `json:"tickets"`
}

// SimulationCalendar is a calendar as JSON. Holidays and HolidaySet combine.
type SimulationCalendar struct {
	// Timezone is an IANA zone name; empty means Europe/London.
	Timezone   string         `json:"timezone,omitempty"`
	Week       SimulationWeek `json:"week"`
	Holidays   []string       `json:"holidays,omitempty"`
	HolidaySet string         `json:"holiday_set,omitempty"`
	AllDay     bool           `json:"24x7,omitempty"`
}

// SimulationWeek gives each weekday's working intervals as ["HH:MM",
// "HH:MM"] pairs, e.g. "mon": [["08:00","12:30"],["13:30","17:00"]].
type SimulationWeek struct {
	Mon [][]string `json:"mon,omitempty"`
	Tue [][]string `json:"tue,omitempty"`
	Wed [][]string `json:"wed,omitempty"`
	Thu [][]string `json:"thu,omitempty"`
	Fri [][]string `json:"fri,omitempty"`
	Sat [][]string `json:"sat,omitempty"`
	Sun [][]string `json:"sun,omitempty"`
}

// days returns the week's intervals indexed by time.Weekday.
func (w SimulationWeek) days() [7][][]string {
	return [7][][]string{w.Sun, w.Mon, w.Tue, w.Wed, w.Thu, w.Fri, w.Sat}
}

// SimulationTarget is one priority's targets as Go durations.
type SimulationTarget struct {
	Response   string `json:"response"`
	Resolution string `json:"resolution"`
}

// SimulationTicket is one ticket: its priority at creation and its history.
type SimulationTicket struct {
	ID       string            `json:"id"`
	Priority string            `json:"priority"`
	Events   []SimulationEvent `json:"events"`
}

// SimulationEvent is an Event as JSON.
type SimulationEvent struct {
	At       string `json:"at"`
	Type     string `json:"type"`
	By       string `json:"by,omitempty"`
	Status   string `json:"status,omitempty"`
	Priority string `json:"priority,omitempty"`
}

// SimulationOutput is the simulator's answer, one outcome per ticket in
// input order.
type SimulationOutput struct {
	Tickets []SimulationOutcome `json:"tickets"`
}

// SimulationOutcome is one ticket's clocks. Instants are UTC and marshal as
// RFC 3339 (fractional seconds only when present); a null means not yet.
type SimulationOutcome struct {
	ID                 string     `json:"id"`
	ResponseDue        time.Time  `json:"response_due"`
	ResponseMet        *time.Time `json:"response_met"`
	ResponseBreached   bool       `json:"response_breached"`
	ResolutionDue      time.Time  `json:"resolution_due"`
	Resolved           *time.Time `json:"resolved"`
	ResolutionBreached bool       `json:"resolution_breached"`
	// BusinessSecondsToResolve is whole seconds of business time, rounded
	// down; null while unresolved.
	BusinessSecondsToResolve *int64 `json:"business_seconds_to_resolve"`
}

// DecodeSimulationInput reads a simulation request. It refuses unknown
// fields, naming them with their full path ("tickets[0].events[1].when"),
// because a misspelt optional field would otherwise be silently ignored and
// the simulation would answer a different question. Every error except a
// failure to read r is a *ValidationError. It reads r to the end, so an HTTP
// handler should bound the body (http.MaxBytesReader).
func DecodeSimulationInput(r io.Reader) (SimulationInput, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return SimulationInput{}, fmt.Errorf("read simulation input: %w", err)
	}
	// First pass: generic, to find unknown fields and wrong types with the
	// path to them, which encoding/json's own errors do not give.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return SimulationInput{}, &ValidationError{Message: "the request is not valid JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return SimulationInput{}, &ValidationError{Message: "the request has more data after its JSON object"}
	}
	if generic == nil {
		return SimulationInput{}, &ValidationError{Message: "the request is null; send a JSON object"}
	}
	if verr := checkJSONShape(generic, reflect.TypeFor[SimulationInput](), ""); verr != nil {
		return SimulationInput{}, verr
	}
	var in SimulationInput
	strict := json.NewDecoder(bytes.NewReader(data))
	strict.DisallowUnknownFields()
	if err := strict.Decode(&in); err != nil {
		// Unreachable after the shape check, but kept as the backstop.
		return SimulationInput{}, &ValidationError{Message: "the request does not match the simulation format: " + err.Error()}
	}
	return in, nil
}

// Simulate evaluates every ticket in the request under its calendar and
// targets, at in.Now or, when that is empty, at now (pass the service's
// clock so tests are deterministic). Invalid input is a *ValidationError
// naming the field, e.g. `calendar.timezone: "Europe/Lndon" is not a known
// time zone`.
func Simulate(in SimulationInput, now time.Time) (SimulationOutput, error) {
	cal, err := in.Calendar.build()
	if err != nil {
		return SimulationOutput{}, err
	}
	policy := Policy{Calendar: cal, Targets: make(Targets, len(in.Targets)), PauseStatuses: in.PauseStatuses}
	prios := make([]string, 0, len(in.Targets))
	for p := range in.Targets {
		prios = append(prios, p)
	}
	slices.Sort(prios) // report the first error deterministically
	for _, p := range prios {
		t := in.Targets[p]
		resp, err := parseTarget("targets."+p+".response", t.Response)
		if err != nil {
			return SimulationOutput{}, err
		}
		res, err := parseTarget("targets."+p+".resolution", t.Resolution)
		if err != nil {
			return SimulationOutput{}, err
		}
		policy.Targets[p] = Target{Response: resp, Resolution: res}
	}
	if err := policy.Validate(); err != nil {
		return SimulationOutput{}, err
	}
	if err := policy.ValidateLimits(); err != nil {
		return SimulationOutput{}, err
	}
	if in.Now != "" {
		t, err := time.Parse(time.RFC3339, in.Now)
		if err != nil {
			return SimulationOutput{}, &ValidationError{Field: "now", Message: badInstant(in.Now)}
		}
		now = t
	}

	out := SimulationOutput{Tickets: make([]SimulationOutcome, 0, len(in.Tickets))}
	seen := make(map[string]int, len(in.Tickets))
	events := make([]Event, 0, 16)
	for i, tk := range in.Tickets {
		prefix := fmt.Sprintf("tickets[%d]", i)
		if strings.TrimSpace(tk.ID) == "" {
			return SimulationOutput{}, &ValidationError{Field: prefix + ".id", Message: "is missing"}
		}
		if j, dup := seen[tk.ID]; dup {
			return SimulationOutput{}, &ValidationError{Field: prefix + ".id", Message: fmt.Sprintf("%q is already used by tickets[%d]", tk.ID, j)}
		}
		seen[tk.ID] = i
		if tk.Priority == "" {
			return SimulationOutput{}, &ValidationError{Field: prefix + ".priority", Message: "is missing"}
		}
		events = events[:0]
		for j, ev := range tk.Events {
			at, err := time.Parse(time.RFC3339, ev.At)
			if err != nil {
				return SimulationOutput{}, &ValidationError{Field: fmt.Sprintf("%s.events[%d].at", prefix, j), Message: badInstant(ev.At)}
			}
			events = append(events, Event{At: at, Type: ev.Type, By: ev.By, Status: ev.Status, Priority: ev.Priority})
		}
		res, err := Evaluate(policy, tk.Priority, events, now)
		if err != nil {
			var verr *ValidationError
			if errors.As(err, &verr) {
				return SimulationOutput{}, verr.within(prefix)
			}
			return SimulationOutput{}, fmt.Errorf("simulate %s: %w", prefix, err)
		}
		o := SimulationOutcome{
			ID:                 tk.ID,
			ResponseDue:        res.Response.Due.UTC(),
			ResponseBreached:   res.Response.Breached,
			ResolutionDue:      res.Resolution.Due.UTC(),
			ResolutionBreached: res.Resolution.Breached,
		}
		if res.Response.Met {
			t := res.Response.MetAt.UTC()
			o.ResponseMet = &t
		}
		if d, ok := res.BusinessTimeToResolve(); ok {
			t := res.Resolution.MetAt.UTC()
			secs := int64(d / time.Second)
			o.Resolved, o.BusinessSecondsToResolve = &t, &secs
		}
		out.Tickets = append(out.Tickets, o)
	}
	return out, nil
}

// build turns the JSON calendar into a Calendar, naming fields as the JSON
// does ("calendar.week.mon[0]").
func (sc SimulationCalendar) build() (*Calendar, error) {
	cfg := CalendarConfig{AllDay: sc.AllDay, HolidaySet: sc.HolidaySet}
	tz := sc.Timezone
	if tz == "" {
		tz = DefaultTimeZone
	}
	if strings.EqualFold(tz, "local") {
		return nil, &ValidationError{Field: "calendar.timezone", Message: `"Local" depends on the server's settings; name the zone, e.g. "Europe/London"`}
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, &ValidationError{Field: "calendar.timezone", Message: fmt.Sprintf("%q is not a known time zone", tz)}
	}
	cfg.Location = loc
	for d, ivs := range sc.Week.days() {
		for i, pair := range ivs {
			field := fmt.Sprintf("calendar.week.%s[%d]", weekdayKeys[d], i)
			if len(pair) != 2 {
				return nil, &ValidationError{Field: field, Message: `must be a pair of times like ["09:00", "17:00"]`}
			}
			iv, err := ParseInterval(pair[0], pair[1])
			if err != nil {
				return nil, &ValidationError{Field: field, Message: err.Error()}
			}
			cfg.Week[d] = append(cfg.Week[d], iv)
		}
	}
	for i, s := range sc.Holidays {
		d, err := ParseDate(s)
		if err != nil || !d.Valid() {
			return nil, &ValidationError{Field: fmt.Sprintf("calendar.holidays[%d]", i), Message: fmt.Sprintf("%q is not a date in the form YYYY-MM-DD", s)}
		}
		cfg.Holidays = append(cfg.Holidays, d)
	}
	cal, err := NewCalendar(cfg)
	if err != nil {
		var verr *ValidationError
		if errors.As(err, &verr) {
			return nil, verr.within("calendar")
		}
		return nil, fmt.Errorf("build calendar: %w", err)
	}
	return cal, nil
}

func parseTarget(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, &ValidationError{Field: field, Message: "is missing; write a duration like 30m, 4h or 36h"}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, &ValidationError{Field: field, Message: fmt.Sprintf("%q is not a duration; write it like 30m, 4h or 36h", s)}
	}
	if d <= 0 {
		return 0, &ValidationError{Field: field, Message: fmt.Sprintf("%q is not a positive amount of business time", s)}
	}
	return d, nil
}

func badInstant(s string) string {
	if s == "" {
		return "is missing; give an RFC 3339 instant such as 2026-03-02T08:15:00Z"
	}
	return fmt.Sprintf("%q is not an RFC 3339 instant such as 2026-03-02T08:15:00Z", s)
}
