package sla

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo
)

// MustLocation loads a time zone or fails the test.
func MustLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load %s: %v", name, err)
	}
	return loc
}

// MustCalendar builds a calendar or fails the test.
func MustCalendar(tb testing.TB, cfg CalendarConfig) *Calendar {
	tb.Helper()
	c, err := NewCalendar(cfg)
	if err != nil {
		tb.Fatalf("NewCalendar: %v", err)
	}
	return c
}

// MustInterval parses "HH:MM" pairs or fails the test.
func MustInterval(tb testing.TB, start, end string) Interval {
	tb.Helper()
	iv, err := ParseInterval(start, end)
	if err != nil {
		tb.Fatalf("ParseInterval(%q, %q): %v", start, end, err)
	}
	return iv
}

// MustScotlandCalendar is the typical agreement: Monday to Friday
// 09:00–17:00 Europe/London with Scotland's bank holidays.
func MustScotlandCalendar(tb testing.TB) *Calendar {
	tb.Helper()
	return MustCalendar(tb, CalendarConfig{
		Location:   MustLocation(tb, "Europe/London"),
		Week:       OfficeHours(MustInterval(tb, "09:00", "17:00")),
		HolidaySet: SetScotland,
	})
}

// MustLondon parses a London wall-clock time "2006-01-02 15:04[:05]".
func MustLondon(tb testing.TB, s string) time.Time {
	tb.Helper()
	loc := MustLocation(tb, "Europe/London")
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t
		}
	}
	tb.Fatalf("bad London time %q", s)
	return time.Time{}
}
