package sla

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Holiday is one bank holiday: the day off and its name as gov.uk writes it.
//
// Names use a plain apostrophe ("New Year's Day") where gov.uk's feed uses a
// typographic one, so that names compare equal however they were typed;
// ParseGovUKBankHolidays normalises the feed the same way. A substitute day
// (the weekday off when the holiday falls at a weekend) has Substitute set
// and " (substitute day)" appended to its name, as gov.uk's pages show it.
type Holiday struct {
	Date       Date
	Name       string
	Substitute bool
}

// Names of the built-in holiday sets, matching the division keys of gov.uk's
// bank-holidays.json.
const (
	SetEnglandAndWales = "england-and-wales"
	SetScotland        = "scotland"
	SetNorthernIreland = "northern-ireland"
)

const substituteSuffix = " (substitute day)"

// HolidaySetNames returns the names of the built-in holiday sets, sorted.
func HolidaySetNames() []string {
	return []string{SetEnglandAndWales, SetNorthernIreland, SetScotland}
}

// holidayRule returns the rule that computes a built-in set's holidays.
func holidayRule(name string) (func(year int) []Holiday, bool) {
	switch name {
	case SetEnglandAndWales, SetScotland, SetNorthernIreland:
		return func(year int) []Holiday { return ukBankHolidays(name, year) }, true
	}
	return nil, false
}

func unknownSetMessage(name string) string {
	return fmt.Sprintf("%q is not a known holiday set (known: %s)", name, strings.Join(HolidaySetNames(), ", "))
}

// HolidaySet returns the bank holidays of a built-in set in one year, in date
// order. They are computed by rule, so any year works; the one-off changes
// of 2020 (VE day), 2022 (Platinum Jubilee, the State Funeral of Queen
// Elizabeth II) and 2023 (the coronation) are built in. Earlier one-offs
// (such as 2012's Diamond Jubilee) are not, and the rules are today's: for
// years before they were enacted (St Andrew's Day dates from 2007) the
// answer is what the rules would give, not history.
func HolidaySet(name string, year int) ([]Holiday, error) {
	rule, ok := holidayRule(name)
	if !ok {
		return nil, fmt.Errorf("holiday set: %s", unknownSetMessage(name))
	}
	if year < 1583 || year > 9999 {
		return nil, fmt.Errorf("holiday set %s: year %d is outside 1583–9999, where the Gregorian Easter rule applies", name, year)
	}
	return rule(year), nil
}

// ukBankHolidays applies the rules of the Banking and Financial Dealings Act
// 1971 and the royal proclamations that follow it, as gov.uk publishes them.
func ukBankHolidays(set string, year int) []Holiday {
	var hs []Holiday
	add := func(actual, nominal Date, name string) {
		h := Holiday{Date: actual, Name: name}
		if actual != nominal {
			h.Substitute = true
			h.Name += substituteSuffix
		}
		hs = append(hs, h)
	}
	date := func(m time.Month, d int) Date { return Date{Year: year, Month: m, Day: d} }

	// New Year's Day moves to the next weekday. In Scotland 2 January is a
	// holiday too and takes the next weekday not already taken, so when
	// 1 January is a Sunday gov.uk lists New Year's Day on Monday 2 and
	// "2nd January" on Tuesday 3, both as substitutes.
	newYear := nextWeekday(date(time.January, 1))
	add(newYear, date(time.January, 1), "New Year's Day")
	if set == SetScotland {
		second := nextWeekday(date(time.January, 2))
		if second == newYear {
			second = nextWeekday(second.AddDays(1))
		}
		add(second, date(time.January, 2), "2nd January")
	}

	if set == SetNorthernIreland {
		add(nextWeekday(date(time.March, 17)), date(time.March, 17), "St Patrick's Day")
	}

	easter := EasterSunday(year)
	add(easter.AddDays(-2), easter.AddDays(-2), "Good Friday")
	if set != SetScotland {
		add(easter.AddDays(1), easter.AddDays(1), "Easter Monday")
	}

	earlyMay := firstMonday(year, time.May)
	switch year {
	case 2020:
		// Moved to Friday 8 May for the 75th anniversary of VE day.
		d := date(time.May, 8)
		add(d, d, "Early May bank holiday (VE day)")
	default:
		add(earlyMay, earlyMay, "Early May bank holiday")
	}
	if year == 2023 {
		d := date(time.May, 8)
		add(d, d, "Bank holiday for the coronation of King Charles III")
	}

	switch year {
	case 2022:
		// Moved to Thursday 2 June, with the Friday added, for the
		// Platinum Jubilee.
		spring, jubilee := date(time.June, 2), date(time.June, 3)
		add(spring, spring, "Spring bank holiday")
		add(jubilee, jubilee, "Platinum Jubilee bank holiday")
	default:
		spring := lastMonday(year, time.May)
		add(spring, spring, "Spring bank holiday")
	}

	if set == SetNorthernIreland {
		add(nextWeekday(date(time.July, 12)), date(time.July, 12), "Battle of the Boyne (Orangemen's Day)")
	}

	summer := lastMonday(year, time.August)
	if set == SetScotland {
		summer = firstMonday(year, time.August)
	}
	add(summer, summer, "Summer bank holiday")

	if year == 2022 {
		d := date(time.September, 19)
		add(d, d, "Bank Holiday for the State Funeral of Queen Elizabeth II")
	}

	if set == SetScotland {
		add(nextWeekday(date(time.November, 30)), date(time.November, 30), "St Andrew's Day")
	}

	// Christmas and Boxing Day. When Christmas is a Sunday, Boxing Day keeps
	// Monday 26 and Christmas moves to Tuesday 27; when it is a Saturday
	// both move, to Monday 27 and Tuesday 28.
	christmas, boxing := date(time.December, 25), date(time.December, 26)
	switch christmas.Weekday() {
	case time.Saturday:
		add(christmas.AddDays(2), christmas, "Christmas Day")
		add(boxing.AddDays(2), boxing, "Boxing Day")
	case time.Sunday:
		add(boxing, boxing, "Boxing Day")
		add(christmas.AddDays(2), christmas, "Christmas Day")
	case time.Friday:
		add(christmas, christmas, "Christmas Day")
		add(boxing.AddDays(2), boxing, "Boxing Day")
	default:
		add(christmas, christmas, "Christmas Day")
		add(boxing, boxing, "Boxing Day")
	}

	slices.SortStableFunc(hs, func(a, b Holiday) int { return compareDates(a.Date, b.Date) })
	return hs
}

// EasterSunday returns the date of Easter Sunday in the Gregorian calendar,
// by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
func EasterSunday(year int) Date {
	a := year % 19
	b := year / 100
	c := year % 100
	d := b / 4
	e := b % 4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i := c / 4
	k := c % 4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{Year: year, Month: time.Month(month), Day: day}
}

// nextWeekday returns d, or the following Monday if d is at a weekend.
func nextWeekday(d Date) Date {
	switch d.Weekday() {
	case time.Saturday:
		return d.AddDays(2)
	case time.Sunday:
		return d.AddDays(1)
	}
	return d
}

func firstMonday(year int, m time.Month) Date {
	d := Date{Year: year, Month: m, Day: 1}
	return d.AddDays(int(time.Monday-d.Weekday()+7) % 7)
}

func lastMonday(year int, m time.Month) Date {
	d := Date{Year: year, Month: m, Day: daysIn(year, m)}
	return d.AddDays(-(int(d.Weekday()-time.Monday+7) % 7))
}
