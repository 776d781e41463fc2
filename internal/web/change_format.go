package web

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// This file holds how the change pages show and read money, effort and
// local dates and times.

// maxFormPence bounds any amount typed into a change form (£10,000,000),
// so that a slip of the finger is refused before it reaches the store.
const maxFormPence = 10_000_000_00

// pounds shows an amount of pence the way people read money: "£1,250.00",
// "-£75.50".
func pounds(pence int64) string {
	sign := ""
	if pence < 0 {
		sign = "-"
		if pence == math.MinInt64 {
			pence++ // cannot negate; a penny out of £92 quadrillion
		}
		pence = -pence
	}
	whole := strconv.FormatInt(pence/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	frac := pence % 100
	out := sign + "£" + b.String() + "."
	if frac < 10 {
		out += "0"
	}
	return out + strconv.FormatInt(frac, 10)
}

// poundsOr shows an optional amount, or none.
func poundsOr(pence *int64, none string) string {
	if pence == nil {
		return none
	}
	return pounds(*pence)
}

// poundsInput is an amount as a form field holds it: "1250.00".
func poundsInput(pence int64) string {
	sign := ""
	if pence < 0 {
		sign, pence = "-", -pence
	}
	frac := strconv.FormatInt(pence%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(pence/100, 10) + "." + frac
}

// parsePounds reads an amount of money people typed ("£1,250", "1250.5",
// "-300.00" when negative is allowed) as pence. It says what is wrong in a
// sentence naming what (e.g. "the cost").
func parsePounds(s, what string, allowNegative bool) (int64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "Enter " + what + " in pounds, like 1250.00."
	}
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, strings.TrimSpace(s[1:])
	}
	s = strings.TrimPrefix(s, "£")
	if !neg && strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" && !hasFrac {
		return 0, "Enter " + what + " in pounds, like 1250.00."
	}
	if !digits(whole) || (hasFrac && (len(frac) == 0 || len(frac) > 2 || !digits(frac))) || len(whole) > 12 {
		return 0, "Enter " + what + " in pounds and pence, like 1250.00."
	}
	var pence int64
	if whole != "" {
		n, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return 0, "Enter " + what + " in pounds and pence, like 1250.00."
		}
		pence = n * 100
	}
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		n, _ := strconv.ParseInt(frac, 10, 64)
		pence += n
	}
	if neg {
		if !allowNegative {
			return 0, "Enter " + what + " as a positive amount."
		}
		pence = -pence
	}
	if pence > maxFormPence || pence < -maxFormPence {
		return 0, "Enter " + what + " of £10,000,000.00 or less."
	}
	return pence, ""
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// days shows an effort in days to one decimal place: "12.5 days", "1 day".
func days(d float64) string {
	s := strconv.FormatFloat(math.Round(d*10)/10, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "1" {
		return "1 day"
	}
	return s + " days"
}

// parseDays reads an effort in days to one decimal place ("12.5").
func parseDays(s, what string, allowNegative bool) (float64, string) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "days")), "day"))
	if s == "" {
		return 0, "Enter " + what + " in days, like 12.5."
	}
	d, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(d) || math.IsInf(d, 0) {
		return 0, "Enter " + what + " as a number of days, like 12.5."
	}
	if _, frac, ok := strings.Cut(s, "."); ok && len(frac) > 1 {
		return 0, "Enter " + what + " to one decimal place, like 12.5."
	}
	if d < 0 && !allowNegative {
		return 0, "Enter " + what + " as a positive number of days."
	}
	if math.Abs(d) > 10000 {
		return 0, "Enter " + what + " of 10,000 days or fewer."
	}
	return d, ""
}

// londonLocation is the zone change windows are entered in: the service
// runs on UK time, whoever schedules it.
func londonLocation() *time.Location { return itsm.LoadLocation("Europe/London") }

// parseCalendarDate reads a calendar date (YYYY-MM-DD), such as a
// delivery date, as midnight UTC: the form every change date is kept in.
func parseCalendarDate(s, what string) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, "Enter " + what + ", like 2026-03-27."
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, "Enter " + what + " as a real date, like 2026-03-27."
	}
	return t, ""
}

// parseLocalDateTime reads a date (YYYY-MM-DD) and a time (HH:MM, 24-hour)
// in Europe/London. A time that does not exist (the hour skipped when the
// clocks go forward) is refused; one that happens twice (when they go
// back) is the first, British Summer Time.
func parseLocalDateTime(date, clock, what string) (time.Time, string) {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	if date == "" || clock == "" {
		return time.Time{}, "Enter the date and time " + what + ", like 2026-03-27 and 18:00."
	}
	loc := londonLocation()
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, loc)
	if err != nil {
		return time.Time{}, "Enter the date and time " + what + " as a real date and a 24-hour time, like 2026-03-27 and 18:00."
	}
	if t.Format("2006-01-02 15:04") != date+" "+clock {
		return time.Time{}, "The time " + what + " does not exist in the UK: the clocks go forward an hour that night. Choose another time."
	}
	// When the clocks go back the wall-clock hour happens twice; take the
	// first, in British Summer Time, whatever the library chose.
	if earlier := t.Add(-time.Hour); earlier.In(loc).Format("2006-01-02 15:04") == date+" "+clock {
		t = earlier
	}
	return t, ""
}

// localDateInput is a date as a date field holds it, in Europe/London.
func localDateInput(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(londonLocation()).Format("2006-01-02")
}

// localClockInput is a time of day as a time field holds it, in
// Europe/London.
func localClockInput(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(londonLocation()).Format("15:04")
}

// londonDateTime shows an instant in UK time, saying which: "27 Mar 2026
// 18:00 (GMT)".
func londonDateTime(t time.Time) string {
	l := t.In(londonLocation())
	return l.Format("2 Jan 2006 15:04") + " (" + l.Format("MST") + ")"
}
