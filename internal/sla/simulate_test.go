package sla

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// workedExample is an end-to-end what-if request. The expected answers,
// worked by hand (Europe/London, Monday–Friday 09:00–17:00, Scotland's
// holidays plus Friday 13 March 2026 as a local holiday):
//
//	T1 P2, created Mon 2 Mar 08:15, before opening: the clock starts 09:00.
//	   Staff reply 09:40. Pending customer 11:00 (2 h used) to Tue 10:00.
//	   Raised to P1 at 11:00 Tue, so both targets restart from 09:00 Mon
//	   with P1's: response due 09:30 Mon, so the 09:40 reply is a breach;
//	   resolution 4 h = 2 h Monday + 2 h from Tue 10:00, due Tue 12:00.
//	   Resolved Tue 11:45: on time, 3 h 45 m = 13,500 s of business time.
//	T2 P1, created Thu 12 Mar 16:45. Friday 13 is a holiday, so 15 min on
//	   Thursday and the rest from Monday 16 09:00: response due 09:15,
//	   resolution due 12:45. Nothing happened by now: both breached.
//	T3 P2, created Fri 27 Mar 15:00 GMT; the clocks go forward on Sunday.
//	   Response due 16:00 GMT, met 15:30. Resolution: 2 h on Friday and 6 h
//	   from Mon 30 Mar 09:00 BST, due 15:00 BST (14:00Z). Resolved 10:00
//	   BST: 3 h of business time.
//	T4 P1, created Tue 31 Mar 09:00 BST, reply 09:10, resolved 10:00 BST
//	   (1 h), re-opened Wed 1 Apr 09:00 BST: 3 h left, due 12:00 BST
//	   (11:00Z); now is 13:00 BST, so breached and not resolved.
const workedExample = `{
  "calendar": {
    "timezone": "Europe/London",
    "week": {
      "mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]],
      "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]]
    },
    "holidays": ["2026-03-13"],
    "holiday_set": "scotland",
    "24x7": false
  },
  "targets": {
    "P1": {"response": "30m", "resolution": "4h"},
    "P2": {"response": "1h", "resolution": "8h"}
  },
  "pause_statuses": ["pending customer"],
  "now": "2026-04-01T12:00:00Z",
  "tickets": [
    {"id": "T1", "priority": "P2", "events": [
      {"at": "2026-03-02T08:15:00Z", "type": "created"},
      {"at": "2026-03-02T09:40:00Z", "type": "public_reply", "by": "staff"},
      {"at": "2026-03-02T11:00:00Z", "type": "status", "status": "pending customer"},
      {"at": "2026-03-02T15:00:00Z", "type": "public_reply", "by": "customer"},
      {"at": "2026-03-03T10:00:00Z", "type": "status", "status": "open"},
      {"at": "2026-03-03T11:00:00Z", "type": "priority", "priority": "P1"},
      {"at": "2026-03-03T11:45:00Z", "type": "status", "status": "resolved"}
    ]},
    {"id": "T2", "priority": "P1", "events": [
      {"at": "2026-03-12T16:45:00Z", "type": "created"}
    ]},
    {"id": "T3", "priority": "P2", "events": [
      {"at": "2026-03-27T15:00:00Z", "type": "created"},
      {"at": "2026-03-27T15:30:00Z", "type": "public_reply", "by": "staff"},
      {"at": "2026-03-30T09:00:00Z", "type": "status", "status": "resolved"}
    ]},
    {"id": "T4", "priority": "P1", "events": [
      {"at": "2026-03-31T08:00:00Z", "type": "created"},
      {"at": "2026-03-31T08:10:00Z", "type": "public_reply", "by": "staff"},
      {"at": "2026-03-31T09:00:00Z", "type": "status", "status": "resolved"},
      {"at": "2026-04-01T08:00:00Z", "type": "status", "status": "open"}
    ]}
  ]
}`

const workedExampleOutput = `{"tickets":[
{"id":"T1","response_due":"2026-03-02T09:30:00Z","response_met":"2026-03-02T09:40:00Z","response_breached":true,
 "resolution_due":"2026-03-03T12:00:00Z","resolved":"2026-03-03T11:45:00Z","resolution_breached":false,"business_seconds_to_resolve":13500},
{"id":"T2","response_due":"2026-03-16T09:15:00Z","response_met":null,"response_breached":true,
 "resolution_due":"2026-03-16T12:45:00Z","resolved":null,"resolution_breached":true,"business_seconds_to_resolve":null},
{"id":"T3","response_due":"2026-03-27T16:00:00Z","response_met":"2026-03-27T15:30:00Z","response_breached":false,
 "resolution_due":"2026-03-30T14:00:00Z","resolved":"2026-03-30T09:00:00Z","resolution_breached":false,"business_seconds_to_resolve":10800},
{"id":"T4","response_due":"2026-03-31T08:30:00Z","response_met":"2026-03-31T08:10:00Z","response_breached":false,
 "resolution_due":"2026-04-01T11:00:00Z","resolved":null,"resolution_breached":true,"business_seconds_to_resolve":null}
]}`

func TestSimulateWorkedExample(t *testing.T) {
	in, err := DecodeSimulationInput(strings.NewReader(workedExample))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Simulate(in, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(workedExampleOutput)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("output:\n%s\nwant:\n%s", got, want.Bytes())
	}
}

// TestSimulateDefaults: now comes from the caller when the request has none,
// the time zone defaults to Europe/London and the pausing status to
// "pending customer"; an explicit empty list means nothing pauses.
func TestSimulateDefaults(t *testing.T) {
	in := SimulationInput{
		Calendar: SimulationCalendar{Week: SimulationWeek{Mon: [][]string{{"09:00", "17:00"}}, Tue: [][]string{{"09:00", "17:00"}}}},
		Targets:  map[string]SimulationTarget{"P1": {Response: "30m", Resolution: "4h"}},
		Tickets: []SimulationTicket{{ID: "A", Priority: "P1", Events: []SimulationEvent{
			{At: "2026-07-06T08:00:00Z", Type: "created"}, // 09:00 BST, Monday
			{At: "2026-07-06T09:00:00Z", Type: "status", Status: "pending customer"},
		}}},
	}
	now := time.Date(2026, 7, 7, 8, 0, 0, 0, time.UTC)
	out, err := Simulate(in, now)
	if err != nil {
		t.Fatal(err)
	}
	// Paused since 10:00 BST with 1 h used: forecast from now (Tue 09:00 BST) is 12:00 BST.
	if got := out.Tickets[0].ResolutionDue; !got.Equal(time.Date(2026, 7, 7, 11, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("paused due = %s", got)
	}
	in.PauseStatuses = []string{}
	out, err = Simulate(in, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Tickets[0].ResolutionDue; !got.Equal(time.Date(2026, 7, 6, 12, 0, 0, 0, time.UTC)) || !out.Tickets[0].ResolutionBreached {
		t.Errorf("unpaused due = %s, breached %v", got, out.Tickets[0].ResolutionBreached)
	}
}

func TestSimulateRejects(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		field  string
		phrase string
	}{
		{"unknown top-level field", func(m map[string]any) { m["tickts"] = []any{} }, "tickts", "not a known field"},
		{"unknown event field", func(m map[string]any) { event(m, 0, 1)["when"] = "now" }, "tickets[0].events[1].when", "not a known field"},
		{"unknown weekday", func(m map[string]any) { cal(m)["week"].(map[string]any)["funday"] = []any{} }, "calendar.week.funday", "not a known field"},
		{"tickets not an array", func(m map[string]any) { m["tickets"] = "T1" }, "tickets", "must be a JSON array, not a string"},
		{"24x7 as a string", func(m map[string]any) { cal(m)["24x7"] = "no" }, "calendar.24x7", "must be true or false"},
		{"time zone typo", func(m map[string]any) { cal(m)["timezone"] = "Europe/Lndon" }, "calendar.timezone", `"Europe/Lndon" is not a known time zone`},
		{"Local time zone", func(m map[string]any) { cal(m)["timezone"] = "Local" }, "calendar.timezone", "name the zone"},
		{"interval not a pair", func(m map[string]any) { week(m)["mon"] = []any{[]any{"09:00", "12:00", "17:00"}} }, "calendar.week.mon[0]", "pair"},
		{"interval bad time", func(m map[string]any) { week(m)["tue"] = []any{[]any{"9am", "17:00"}} }, "calendar.week.tue[0]", `"9am" is not a time of day`},
		{"interval backwards", func(m map[string]any) { week(m)["tue"] = []any{[]any{"17:00", "09:00"}} }, "calendar.week.tue[0]", "ends before it starts"},
		{"overlapping intervals", func(m map[string]any) {
			week(m)["wed"] = []any{[]any{"09:00", "13:00"}, []any{"12:00", "17:00"}}
		}, "calendar.week.wed[1]", "overlaps"},
		{"impossible holiday", func(m map[string]any) { cal(m)["holidays"] = []any{"2026-02-30"} }, "calendar.holidays[0]", "not a date"},
		{"unknown holiday set", func(m map[string]any) { cal(m)["holiday_set"] = "wales" }, "calendar.holiday_set", "england-and-wales, northern-ireland, scotland"},
		{"no week and not 24x7", func(m map[string]any) { delete(cal(m), "week") }, "calendar.week", "no working hours"},
		{"24x7 with a week", func(m map[string]any) {
			cal(m)["24x7"] = true
			delete(cal(m), "holiday_set")
			delete(cal(m), "holidays")
		}, "calendar.week", "24×7"},
		{"bad duration", func(m map[string]any) { target(m, "P2")["response"] = "30x" }, "targets.P2.response", `"30x" is not a duration`},
		{"missing target", func(m map[string]any) { delete(target(m, "P1"), "resolution") }, "targets.P1.resolution", "missing"},
		{"negative target", func(m map[string]any) { target(m, "P1")["resolution"] = "-1h" }, "targets.P1.resolution", "positive"},
		{"empty pause status", func(m map[string]any) { m["pause_statuses"] = []any{""} }, "pause_statuses[0]", "empty"},
		{"bad now", func(m map[string]any) { m["now"] = "yesterday" }, "now", "RFC 3339"},
		{"missing ticket id", func(m map[string]any) { delete(ticket(m, 0), "id") }, "tickets[0].id", "missing"},
		{"duplicate ticket id", func(m map[string]any) { ticket(m, 1)["id"] = "T1" }, "tickets[1].id", "already used by tickets[0]"},
		{"unknown priority", func(m map[string]any) { ticket(m, 0)["priority"] = "P9" }, "tickets[0].priority", `"P9" has no targets (priorities with targets: P1, P2)`},
		{"unknown new priority", func(m map[string]any) { event(m, 0, 5)["priority"] = "P7" }, "tickets[0].events[5].priority", `"P7" has no targets`},
		{"events out of order", func(m map[string]any) { event(m, 0, 2)["at"] = "2026-03-02T09:00:00Z" }, "tickets[0].events[2].at", "time order"},
		{"first event not created", func(m map[string]any) { event(m, 0, 0)["type"] = "status"; event(m, 0, 0)["status"] = "open" }, "tickets[0].events[0].type", `must be "created"`},
		{"bad instant", func(m map[string]any) { event(m, 0, 1)["at"] = "2026-03-02 09:40" }, "tickets[0].events[1].at", "not an RFC 3339 instant"},
		{"unknown author", func(m map[string]any) { event(m, 0, 1)["by"] = "agent" }, "tickets[0].events[1].by", `must be "staff" or "customer"`},
		{"unknown event type", func(m map[string]any) { event(m, 0, 1)["type"] = "note" }, "tickets[0].events[1].type", "not an event type"},
		{"created after now", func(m map[string]any) { m["now"] = "2026-03-01T00:00:00Z" }, "tickets[0].events[0].at", "after now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(workedExample), &m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m)
			body, _ := json.Marshal(m)
			err := simulateJSON(body)
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if verr.Field != tt.field || !strings.Contains(verr.Message, tt.phrase) {
				t.Errorf("got %q\nwant field %q with %q", err, tt.field, tt.phrase)
			}
		})
	}

	// The exact sentence the brief promises.
	var m map[string]any
	_ = json.Unmarshal([]byte(workedExample), &m)
	cal(m)["timezone"] = "Europe/Lndon"
	body, _ := json.Marshal(m)
	if err := simulateJSON(body); err == nil || err.Error() != `calendar.timezone: "Europe/Lndon" is not a known time zone` {
		t.Errorf("time zone error = %v", err)
	}

	for _, bad := range []string{`{"tickets": [`, `{} {}`, `null`, `[]`} {
		var verr *ValidationError
		if err := simulateJSON([]byte(bad)); !errors.As(err, &verr) {
			t.Errorf("%s: err = %v, want *ValidationError", bad, err)
		}
	}
}

func simulateJSON(body []byte) error {
	in, err := DecodeSimulationInput(bytes.NewReader(body))
	if err != nil {
		return err
	}
	_, err = Simulate(in, time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC))
	return err
}

func cal(m map[string]any) map[string]any  { return m["calendar"].(map[string]any) }
func week(m map[string]any) map[string]any { return cal(m)["week"].(map[string]any) }
func target(m map[string]any, p string) map[string]any {
	return m["targets"].(map[string]any)[p].(map[string]any)
}
func ticket(m map[string]any, i int) map[string]any {
	return m["tickets"].([]any)[i].(map[string]any)
}
func event(m map[string]any, i, j int) map[string]any {
	return ticket(m, i)["events"].([]any)[j].(map[string]any)
}
