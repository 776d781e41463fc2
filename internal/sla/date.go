package sla

import (
	"cmp"
	"fmt"
	"time"
)

// Date is a civil (calendar) date with no time of day and no time zone.
//
// Holidays are whole local days in the calendar's own zone, so they are kept
// as civil dates rather than time.Time values: a time.Time would pin the day
// to one zone and invite off-by-one-day mistakes when compared in another.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses an ISO 8601 calendar date such as "2026-12-25".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// String formats the date as YYYY-MM-DD, the form gov.uk and the API use.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Weekday returns the day of the week the date falls on.
func (d Date) Weekday() time.Weekday {
	return weekdayOfDay(d.dayNumber())
}

// Valid reports whether the date exists in the proleptic Gregorian calendar
// (no 30 February), so callers can reject it before it is silently normalised.
func (d Date) Valid() bool {
	if d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

// AddDays returns the date n days later (earlier when n is negative).
func (d Date) AddDays(n int) Date {
	return dateOfDay(d.dayNumber() + int64(n))
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.dayNumber() < e.dayNumber() }

func compareDates(a, b Date) int { return cmp.Compare(a.dayNumber(), b.dayNumber()) }

// dayNumber returns the number of days since 1970-01-01 (negative before it).
//
// It is Howard Hinnant's days_from_civil: integer arithmetic only, because
// the calendar's hot path converts between days and dates and cannot afford
// time.Date's zone lookups.
func (d Date) dayNumber() int64 {
	y := int64(d.Year)
	m := int64(d.Month)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + int64(d.Day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// dateOfDay is the inverse of dayNumber (Hinnant's civil_from_days).
func dateOfDay(z int64) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{Year: int(y), Month: time.Month(m), Day: int(d)}
}

// weekdayOfDay returns the weekday of a day number; 1970-01-01 was a Thursday.
func weekdayOfDay(z int64) time.Weekday {
	return time.Weekday(floorMod(z+4, 7))
}

func daysIn(year int, m time.Month) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	return a - floorDiv(a, b)*b
}
