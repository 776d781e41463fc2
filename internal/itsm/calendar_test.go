package itsm

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// london parses a wall-clock time in Europe/London.
func london(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, ReportLocation())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOverlapsIsHalfOpen(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 6, 1, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		name       string
		a0, a1     int
		b0, b1     int
		overlapped bool
	}{
		{"disjoint before", 1, 2, 3, 4, false},
		{"touching: a ends when b starts", 1, 3, 3, 5, false},
		{"touching: b ends when a starts", 3, 5, 1, 3, false},
		{"a inside b", 2, 3, 1, 4, true},
		{"b inside a", 1, 4, 2, 3, true},
		{"overlap at the start", 1, 3, 2, 4, true},
		{"overlap at the end", 2, 4, 1, 3, true},
		{"identical", 1, 2, 1, 2, true},
	}
	for _, c := range cases {
		if got := Overlaps(at(c.a0), at(c.a1), at(c.b0), at(c.b1)); got != c.overlapped {
			t.Errorf("%s: Overlaps = %v, want %v", c.name, got, c.overlapped)
		}
	}
}

func TestFindScheduleConflicts(t *testing.T) {
	// The financial year end freeze starts at midnight UK time on Sunday 29
	// March 2026, the night the clocks go forward at 01:00 GMT; it ends at
	// midnight BST on 15 April (23:00 UTC on 14 April).
	fye := FreezePeriod{ID: 7, Name: "Financial year end", Start: london(t, "2026-03-29 00:00"), End: london(t, "2026-04-15 00:00")}
	// A payroll freeze in the week the clocks go back (25 October 2026).
	payroll := FreezePeriod{ID: 8, Name: "Payroll run", Service: "Payroll", Start: london(t, "2026-10-24 18:00"), End: london(t, "2026-10-26 06:00")}
	freezes := []FreezePeriod{payroll, fye}
	rfc3 := ChangeWindow{ChangeID: 3, Ref: "RFC-0003", Title: "Upgrade the database", Service: "payroll", Start: london(t, "2026-10-25 01:30"), End: london(t, "2026-10-25 03:00")}
	rfc4 := ChangeWindow{ChangeID: 4, Ref: "RFC-0004", Title: "Patch", Service: "Housing", Start: utc(t, "2026-06-01T09:00:00Z"), End: utc(t, "2026-06-01T11:00:00Z")}
	windows := []ChangeWindow{rfc3, rfc4}

	cases := []struct {
		name  string
		w     ChangeWindow
		kinds []string // the conflicts' kinds in order
		refs  []string // overlap refs / freeze ids, as text, in order
		words []string // words the messages must hold
	}{
		{
			name:  "ends exactly when the freeze starts (00:00 GMT = 00:00 UTC on 29 March)",
			w:     ChangeWindow{ChangeID: 1, Service: "Housing", Start: utc(t, "2026-03-28T22:00:00Z"), End: utc(t, "2026-03-29T00:00:00Z")},
			kinds: nil,
		},
		{
			name:  "one microsecond into the freeze conflicts",
			w:     ChangeWindow{ChangeID: 1, Service: "Housing", Start: utc(t, "2026-03-28T22:00:00Z"), End: utc(t, "2026-03-29T00:00:00.000001Z")},
			kinds: []string{ConflictFreeze}, refs: []string{"7"},
			words: []string{`"Financial year end"`, "all services", "midnight on 29 March 2026", "midnight on 15 April 2026"},
		},
		{
			name:  "starts exactly when the freeze ends: midnight BST on 15 April is 23:00 UTC on 14 April",
			w:     ChangeWindow{ChangeID: 1, Service: "Housing", Start: utc(t, "2026-04-14T23:00:00Z"), End: utc(t, "2026-04-15T02:00:00Z")},
			kinds: nil,
		},
		{
			name:  "an hour before the end in UTC terms is still inside (BST)",
			w:     ChangeWindow{ChangeID: 1, Service: "Housing", Start: utc(t, "2026-04-14T22:00:00Z"), End: utc(t, "2026-04-15T02:00:00Z")},
			kinds: []string{ConflictFreeze}, refs: []string{"7"},
		},
		{
			name:  "the window in the missing hour of 29 March is inside the freeze",
			w:     ChangeWindow{ChangeID: 1, Start: utc(t, "2026-03-29T01:00:00Z"), End: utc(t, "2026-03-29T01:30:00Z")},
			kinds: []string{ConflictFreeze}, refs: []string{"7"},
		},
		{
			name:  "a service freeze does not apply to another service",
			w:     ChangeWindow{ChangeID: 1, Service: "Housing", Start: london(t, "2026-10-25 01:00"), End: london(t, "2026-10-25 04:00")},
			kinds: nil,
		},
		{
			name:  "the repeated hour of 25 October: service freeze and an overlapping change, case-insensitive",
			w:     ChangeWindow{ChangeID: 1, Service: "PAYROLL", Start: utc(t, "2026-10-25T01:15:00Z"), End: utc(t, "2026-10-25T01:45:00Z")},
			kinds: []string{ConflictFreeze, ConflictOverlap}, refs: []string{"8", "RFC-0003"},
			words: []string{`"Payroll run"`, "on Payroll", "6:00pm on 24 October 2026", "RFC-0003 (Upgrade the database)", "1:30am on 25 October 2026"},
		},
		{
			name:  "a window on no service conflicts with no change, only with global freezes",
			w:     ChangeWindow{ChangeID: 1, Service: "", Start: london(t, "2026-10-25 01:00"), End: london(t, "2026-10-25 04:00")},
			kinds: nil,
		},
		{
			name:  "touching another change's window does not conflict",
			w:     ChangeWindow{ChangeID: 1, Service: "Housing", Start: utc(t, "2026-06-01T11:00:00Z"), End: utc(t, "2026-06-01T12:00:00Z")},
			kinds: nil,
		},
		{
			name:  "a window never conflicts with its own change",
			w:     ChangeWindow{ChangeID: 4, Service: "Housing", Start: utc(t, "2026-06-01T10:00:00Z"), End: utc(t, "2026-06-01T12:00:00Z")},
			kinds: nil,
		},
		{
			name:  "a window given in New York time is compared as an instant",
			w:     ChangeWindow{ChangeID: 1, Service: "housing", Start: time.Date(2026, 6, 1, 6, 30, 0, 0, mustZone(t, "America/New_York")), End: time.Date(2026, 6, 1, 7, 30, 0, 0, mustZone(t, "America/New_York"))},
			kinds: []string{ConflictOverlap}, refs: []string{"RFC-0004"},
			words: []string{"RFC-0004 (Patch) on Housing", "10:00am on 1 June 2026", "midday on 1 June 2026"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := FindScheduleConflicts(c.w, windows, freezes)
			if len(got) != len(c.kinds) {
				t.Fatalf("got %d conflicts %+v, want kinds %v", len(got), got, c.kinds)
			}
			for i, g := range got {
				if g.Kind != c.kinds[i] {
					t.Errorf("conflict %d kind %q, want %q", i, g.Kind, c.kinds[i])
				}
				id := g.Ref
				if g.Kind == ConflictFreeze {
					id = strconv.FormatInt(g.FreezeID, 10)
				}
				if id != c.refs[i] {
					t.Errorf("conflict %d names %q, want %q", i, id, c.refs[i])
				}
				if !strings.HasPrefix(g.Message, "The window ") || !strings.HasSuffix(g.Message, ".") {
					t.Errorf("conflict %d message is not a sentence: %q", i, g.Message)
				}
			}
			all := ""
			for _, g := range got {
				all += g.Message + "\n"
			}
			for _, w := range c.words {
				if !strings.Contains(all, w) {
					t.Errorf("messages %q lack %q", all, w)
				}
			}
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("zone %s: %v", name, err)
	}
	return l
}

func TestChangeWindowValidate(t *testing.T) {
	start := utc(t, "2026-06-01T09:00:00Z")
	cases := []struct {
		name  string
		w     ChangeWindow
		field string
	}{
		{"fine", ChangeWindow{Service: " Payroll ", Start: start, End: start.Add(time.Hour)}, ""},
		{"exactly 14 days", ChangeWindow{Start: start, End: start.Add(MaxChangeWindow)}, ""},
		{"no start", ChangeWindow{End: start}, "window_start"},
		{"no end", ChangeWindow{Start: start}, "window_end"},
		{"end before start", ChangeWindow{Start: start, End: start.Add(-time.Minute)}, "window_end"},
		{"end equals start", ChangeWindow{Start: start, End: start}, "window_end"},
		{"longer than 14 days", ChangeWindow{Start: start, End: start.Add(MaxChangeWindow + time.Second)}, "window_end"},
		{"absurd year", ChangeWindow{Start: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(9999, 1, 2, 0, 0, 0, 0, time.UTC)}, "window_start"},
		{"service too long", ChangeWindow{Service: strings.Repeat("s", 101), Start: start, End: start.Add(time.Hour)}, "service"},
		{"service with a control character", ChangeWindow{Service: "Pay\x00roll", Start: start, End: start.Add(time.Hour)}, "service"},
	}
	for _, c := range cases {
		err := c.w.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if ErrorCode(err) != EINVALID || ErrorFields(err)[c.field] == "" {
			t.Errorf("%s: got %v, want EINVALID on %s", c.name, err, c.field)
		}
	}
	w := ChangeWindow{Service: " Payroll ", Start: start, End: start.Add(time.Hour)}
	_ = w.Validate()
	if w.Service != "Payroll" {
		t.Errorf("service not trimmed: %q", w.Service)
	}
}

func TestFreezePeriodValidate(t *testing.T) {
	start := london(t, "2026-03-25 00:00")
	ok := func() FreezePeriod {
		return FreezePeriod{Name: "Financial year end", Reason: "Accounts close.", Start: start, End: start.AddDate(0, 0, 21)}
	}
	cases := []struct {
		name  string
		edit  func(*FreezePeriod)
		field string
	}{
		{"fine", func(*FreezePeriod) {}, ""},
		{"a whole leap year", func(f *FreezePeriod) { f.Start = utc(t, "2028-01-01T00:00:00Z"); f.End = f.Start.Add(MaxFreezeLength) }, ""},
		{"no name", func(f *FreezePeriod) { f.Name = "  " }, "name"},
		{"long name", func(f *FreezePeriod) { f.Name = strings.Repeat("n", 101) }, "name"},
		{"long reason", func(f *FreezePeriod) { f.Reason = strings.Repeat("r", 2001) }, "reason"},
		{"long service", func(f *FreezePeriod) { f.Service = strings.Repeat("s", 101) }, "service"},
		{"no start", func(f *FreezePeriod) { f.Start = time.Time{} }, "start"},
		{"no end", func(f *FreezePeriod) { f.End = time.Time{} }, "end"},
		{"end before start", func(f *FreezePeriod) { f.End = f.Start.Add(-time.Hour) }, "end"},
		{"end equals start", func(f *FreezePeriod) { f.End = f.Start }, "end"},
		{"longer than a year", func(f *FreezePeriod) { f.End = f.Start.Add(MaxFreezeLength + time.Second) }, "end"},
		{"absurd year", func(f *FreezePeriod) { f.Start = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC) }, "start"},
	}
	for _, c := range cases {
		f := ok()
		c.edit(&f)
		err := f.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if ErrorCode(err) != EINVALID || ErrorFields(err)[c.field] == "" {
			t.Errorf("%s: got %v, want EINVALID on %s", c.name, err, c.field)
		}
	}
}

func TestFreezeAppliesTo(t *testing.T) {
	global := FreezePeriod{}
	payroll := FreezePeriod{Service: "Payroll"}
	if !global.AppliesTo("") || !global.AppliesTo("Housing") || global.ServiceLabel() != "all services" {
		t.Error("a global freeze applies to every service")
	}
	if !payroll.AppliesTo(" payroll ") || payroll.AppliesTo("Housing") || payroll.AppliesTo("") {
		t.Error("a service freeze applies to its service only, case-insensitively")
	}
}

func TestCalendarTime(t *testing.T) {
	cases := map[string]string{
		"2026-03-29T00:59:00Z": "12:59am on 29 March 2026", // GMT
		"2026-03-29T01:00:00Z": "2:00am on 29 March 2026",  // BST begins
		"2026-10-25T00:30:00Z": "1:30am on 25 October 2026",
		"2026-10-25T01:30:00Z": "1:30am on 25 October 2026", // the repeated hour
		"2026-06-01T11:00:00Z": "midday on 1 June 2026",
		"2026-12-31T00:00:00Z": "midnight on 31 December 2026",
	}
	for in, want := range cases {
		if got := CalendarTime(utc(t, in)); got != want {
			t.Errorf("CalendarTime(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestCalendarFilterValidate(t *testing.T) {
	from := utc(t, "2026-06-01T00:00:00Z")
	good := CalendarFilter{From: from, To: from.AddDate(0, 1, 0), Service: " Payroll "}
	if err := good.Validate(); err != nil || good.Service != "Payroll" {
		t.Errorf("good range: %v %q", err, good.Service)
	}
	for name, f := range map[string]CalendarFilter{
		"to":      {From: from, To: from},
		"from":    {To: from},
		"service": {From: from, To: from.Add(time.Hour), Service: strings.Repeat("x", 101)},
	} {
		if err := f.Validate(); ErrorFields(err)[name] == "" {
			t.Errorf("%s: got %v", name, err)
		}
	}
	long := CalendarFilter{From: from, To: from.Add(MaxCalendarRange + time.Hour)}
	if err := long.Validate(); ErrorFields(err)["to"] == "" {
		t.Errorf("a range over 400 days: %v", err)
	}
}

func TestFreezePermissions(t *testing.T) {
	for _, c := range []struct {
		a    Actor
		want bool
	}{
		{Actor{OrgKind: OrgProgramme, Role: RoleAdmin, UserID: 1}, true},
		{Actor{OrgKind: OrgProgramme, Role: RoleManager, UserID: 1}, true},
		{Actor{System: true}, true},
		{Actor{OrgKind: OrgProgramme, Role: RoleAgent, UserID: 1}, false},
		{Actor{OrgKind: OrgProgramme, Role: RoleAuditor, UserID: 1}, false},
		{Actor{OrgKind: OrgCustomer, Role: RoleCustomerAdmin, UserID: 1}, false},
		{Actor{OrgKind: OrgProvider, Role: RoleProviderAgent, UserID: 1}, false},
		{Actor{}, false},
	} {
		if got := c.a.CanManageFreezes(); got != c.want || c.a.CanOverrideFreeze() != c.want {
			t.Errorf("%s/%s: CanManageFreezes = %v, want %v", c.a.OrgKind, c.a.Role, got, c.want)
		}
	}
	if !HasFreezeConflict([]ScheduleConflict{{Kind: ConflictOverlap}, {Kind: ConflictFreeze}}) || HasFreezeConflict([]ScheduleConflict{{Kind: ConflictOverlap}}) {
		t.Error("HasFreezeConflict")
	}
}
