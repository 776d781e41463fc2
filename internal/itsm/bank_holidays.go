package itsm

import (
	"slices"

	"github.com/steward-itsm/steward/internal/sla"
)

// MaxBankHolidaysFile bounds a gov.uk bank-holidays.json file taken by the
// web form, the API and the CLI: gov.uk's own is about 20 KB.
const MaxBankHolidaysFile = 1 << 20

// BankHolidayDivisions are the divisions of gov.uk's bank-holidays.json
// ("england-and-wales", "scotland", "northern-ireland") with the names
// people know them by, in the order gov.uk lists them.
func BankHolidayDivisions() [][2]string {
	return [][2]string{
		{sla.SetEnglandAndWales, "England and Wales"},
		{sla.SetScotland, "Scotland"},
		{sla.SetNorthernIreland, "Northern Ireland"},
	}
}

// AddHolidayDates returns holidays with the dates of add included, sorted
// and without repeats. Entries of holidays that are not dates are kept as
// they are, first, for validation to report.
func AddHolidayDates(holidays []string, add []sla.Holiday) []string {
	var bad []string
	seen := map[string]bool{}
	var dates []string
	keep := func(s string) {
		if !seen[s] {
			seen[s] = true
			dates = append(dates, s)
		}
	}
	for _, s := range holidays {
		d, err := sla.ParseDate(s)
		if err != nil || !d.Valid() {
			bad = append(bad, s)
			continue
		}
		keep(d.String())
	}
	for _, h := range add {
		keep(h.Date.String())
	}
	slices.Sort(dates)
	return append(bad, dates...)
}

// ApplyBankHolidays adds the bank holidays of one division of gov.uk's
// bank-holidays.json (feed) to the calendar's holidays, sorted and without
// repeats, for the API and the CLI. The calendar is checked first, so a
// mistake in its own holidays is reported at the position it was given.
// Mistakes are *sla.ValidationError naming "bank_holidays" (a 24×7
// calendar has no holidays), "bank_holidays.feed",
// "bank_holidays.division" or the calendar's own field.
func ApplyBankHolidays(cal *CalendarSpec, feed []byte, division string) error {
	if cal.AllDay {
		return &sla.ValidationError{Field: "bank_holidays", Message: "a 24×7 calendar counts every instant, so it cannot have bank holidays"}
	}
	if _, err := cal.Build(); err != nil {
		return err
	}
	if len(feed) > MaxBankHolidaysFile {
		return &sla.ValidationError{Field: "bank_holidays.feed", Message: "is larger than 1 MiB; gov.uk's bank-holidays.json is about 20 KB"}
	}
	hs, err := sla.GovUKDivisionHolidays(feed, division)
	if err != nil {
		if ve, ok := err.(*sla.ValidationError); ok {
			return &sla.ValidationError{Field: "bank_holidays." + ve.Field, Message: ve.Message}
		}
		return err
	}
	cal.Holidays = AddHolidayDates(cal.Holidays, hs)
	return nil
}
