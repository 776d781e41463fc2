package sla

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// holidayList is a hand-written list: "YYYY-MM-DD Name" per line.
func holidayList(tb testing.TB, lines string) []Holiday {
	tb.Helper()
	var out []Holiday
	for _, line := range strings.Split(strings.TrimSpace(lines), "\n") {
		line = strings.TrimSpace(line)
		date, name, _ := strings.Cut(line, " ")
		d, err := ParseDate(date)
		if err != nil {
			tb.Fatalf("bad line %q: %v", line, err)
		}
		out = append(out, Holiday{Date: d, Name: name, Substitute: strings.HasSuffix(name, " (substitute day)")})
	}
	return out
}

func formatHolidays(hs []Holiday) string {
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "  %s %s %s\n", h.Date, h.Date.Weekday().String()[:3], h.Name)
	}
	return b.String()
}

func compareHolidays(t *testing.T, what string, got, want []Holiday) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot\n%swant\n%s", what, formatHolidays(got), formatHolidays(want))
	}
}

// scotland2020to2030 is written out by hand: 2020–2027 as gov.uk publishes
// them, 2028–2030 worked out from the rules with a wall calendar.
const scotland2020to2030 = `
2020-01-01 New Year's Day
2020-01-02 2nd January
2020-04-10 Good Friday
2020-05-08 Early May bank holiday (VE day)
2020-05-25 Spring bank holiday
2020-08-03 Summer bank holiday
2020-11-30 St Andrew's Day
2020-12-25 Christmas Day
2020-12-28 Boxing Day (substitute day)
2021-01-01 New Year's Day
2021-01-04 2nd January (substitute day)
2021-04-02 Good Friday
2021-05-03 Early May bank holiday
2021-05-31 Spring bank holiday
2021-08-02 Summer bank holiday
2021-11-30 St Andrew's Day
2021-12-27 Christmas Day (substitute day)
2021-12-28 Boxing Day (substitute day)
2022-01-03 New Year's Day (substitute day)
2022-01-04 2nd January (substitute day)
2022-04-15 Good Friday
2022-05-02 Early May bank holiday
2022-06-02 Spring bank holiday
2022-06-03 Platinum Jubilee bank holiday
2022-08-01 Summer bank holiday
2022-09-19 Bank Holiday for the State Funeral of Queen Elizabeth II
2022-11-30 St Andrew's Day
2022-12-26 Boxing Day
2022-12-27 Christmas Day (substitute day)
2023-01-02 New Year's Day (substitute day)
2023-01-03 2nd January (substitute day)
2023-04-07 Good Friday
2023-05-01 Early May bank holiday
2023-05-08 Bank holiday for the coronation of King Charles III
2023-05-29 Spring bank holiday
2023-08-07 Summer bank holiday
2023-11-30 St Andrew's Day
2023-12-25 Christmas Day
2023-12-26 Boxing Day
2024-01-01 New Year's Day
2024-01-02 2nd January
2024-03-29 Good Friday
2024-05-06 Early May bank holiday
2024-05-27 Spring bank holiday
2024-08-05 Summer bank holiday
2024-12-02 St Andrew's Day (substitute day)
2024-12-25 Christmas Day
2024-12-26 Boxing Day
2025-01-01 New Year's Day
2025-01-02 2nd January
2025-04-18 Good Friday
2025-05-05 Early May bank holiday
2025-05-26 Spring bank holiday
2025-08-04 Summer bank holiday
2025-12-01 St Andrew's Day (substitute day)
2025-12-25 Christmas Day
2025-12-26 Boxing Day
2026-01-01 New Year's Day
2026-01-02 2nd January
2026-04-03 Good Friday
2026-05-04 Early May bank holiday
2026-05-25 Spring bank holiday
2026-08-03 Summer bank holiday
2026-11-30 St Andrew's Day
2026-12-25 Christmas Day
2026-12-28 Boxing Day (substitute day)
2027-01-01 New Year's Day
2027-01-04 2nd January (substitute day)
2027-03-26 Good Friday
2027-05-03 Early May bank holiday
2027-05-31 Spring bank holiday
2027-08-02 Summer bank holiday
2027-11-30 St Andrew's Day
2027-12-27 Christmas Day (substitute day)
2027-12-28 Boxing Day (substitute day)
2028-01-03 New Year's Day (substitute day)
2028-01-04 2nd January (substitute day)
2028-04-14 Good Friday
2028-05-01 Early May bank holiday
2028-05-29 Spring bank holiday
2028-08-07 Summer bank holiday
2028-11-30 St Andrew's Day
2028-12-25 Christmas Day
2028-12-26 Boxing Day
2029-01-01 New Year's Day
2029-01-02 2nd January
2029-03-30 Good Friday
2029-05-07 Early May bank holiday
2029-05-28 Spring bank holiday
2029-08-06 Summer bank holiday
2029-11-30 St Andrew's Day
2029-12-25 Christmas Day
2029-12-26 Boxing Day
2030-01-01 New Year's Day
2030-01-02 2nd January
2030-04-19 Good Friday
2030-05-06 Early May bank holiday
2030-05-27 Spring bank holiday
2030-08-05 Summer bank holiday
2030-12-02 St Andrew's Day (substitute day)
2030-12-25 Christmas Day
2030-12-26 Boxing Day
`

func TestScotland2020To2030(t *testing.T) {
	want := holidayList(t, scotland2020to2030)
	var got []Holiday
	for y := 2020; y <= 2030; y++ {
		hs, err := HolidaySet(SetScotland, y)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, hs...)
	}
	compareHolidays(t, "scotland 2020–2030", got, want)
	for _, h := range got {
		if wd := h.Date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("%s %s falls on a %s", h.Date, h.Name, wd)
		}
	}
}

func TestEnglandAndWalesAndNorthernIreland(t *testing.T) {
	tests := []struct {
		set  string
		year int
		want string
	}{
		{SetEnglandAndWales, 2020, `
2020-01-01 New Year's Day
2020-04-10 Good Friday
2020-04-13 Easter Monday
2020-05-08 Early May bank holiday (VE day)
2020-05-25 Spring bank holiday
2020-08-31 Summer bank holiday
2020-12-25 Christmas Day
2020-12-28 Boxing Day (substitute day)`},
		{SetEnglandAndWales, 2022, `
2022-01-03 New Year's Day (substitute day)
2022-04-15 Good Friday
2022-04-18 Easter Monday
2022-05-02 Early May bank holiday
2022-06-02 Spring bank holiday
2022-06-03 Platinum Jubilee bank holiday
2022-08-29 Summer bank holiday
2022-09-19 Bank Holiday for the State Funeral of Queen Elizabeth II
2022-12-26 Boxing Day
2022-12-27 Christmas Day (substitute day)`},
		{SetEnglandAndWales, 2026, `
2026-01-01 New Year's Day
2026-04-03 Good Friday
2026-04-06 Easter Monday
2026-05-04 Early May bank holiday
2026-05-25 Spring bank holiday
2026-08-31 Summer bank holiday
2026-12-25 Christmas Day
2026-12-28 Boxing Day (substitute day)`},
		{SetNorthernIreland, 2023, `
2023-01-02 New Year's Day (substitute day)
2023-03-17 St Patrick's Day
2023-04-07 Good Friday
2023-04-10 Easter Monday
2023-05-01 Early May bank holiday
2023-05-08 Bank holiday for the coronation of King Charles III
2023-05-29 Spring bank holiday
2023-07-12 Battle of the Boyne (Orangemen's Day)
2023-08-28 Summer bank holiday
2023-12-25 Christmas Day
2023-12-26 Boxing Day`},
		{SetNorthernIreland, 2024, `
2024-01-01 New Year's Day
2024-03-18 St Patrick's Day (substitute day)
2024-03-29 Good Friday
2024-04-01 Easter Monday
2024-05-06 Early May bank holiday
2024-05-27 Spring bank holiday
2024-07-12 Battle of the Boyne (Orangemen's Day)
2024-08-26 Summer bank holiday
2024-12-25 Christmas Day
2024-12-26 Boxing Day`},
		{SetNorthernIreland, 2025, `
2025-01-01 New Year's Day
2025-03-17 St Patrick's Day
2025-04-18 Good Friday
2025-04-21 Easter Monday
2025-05-05 Early May bank holiday
2025-05-26 Spring bank holiday
2025-07-14 Battle of the Boyne (Orangemen's Day) (substitute day)
2025-08-25 Summer bank holiday
2025-12-25 Christmas Day
2025-12-26 Boxing Day`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.set, tt.year), func(t *testing.T) {
			got, err := HolidaySet(tt.set, tt.year)
			if err != nil {
				t.Fatal(err)
			}
			compareHolidays(t, fmt.Sprint(tt.set, " ", tt.year), got, holidayList(t, tt.want))
		})
	}
}

func TestHolidaySetErrors(t *testing.T) {
	if _, err := HolidaySet("wales", 2026); err == nil || !strings.Contains(err.Error(), `"wales" is not a known holiday set`) {
		t.Errorf("unknown set: %v", err)
	}
	if got := HolidaySetNames(); !slices.Equal(got, []string{"england-and-wales", "northern-ireland", "scotland"}) {
		t.Errorf("HolidaySetNames() = %v", got)
	}
}

func TestEasterSunday(t *testing.T) {
	for _, s := range []string{"2000-04-23", "2008-03-23", "2011-04-24", "2019-04-21", "2024-03-31", "2025-04-20", "2026-04-05", "2038-04-25", "2285-03-22"} {
		want, _ := ParseDate(s)
		if got := EasterSunday(want.Year); got != want {
			t.Errorf("EasterSunday(%d) = %s, want %s", want.Year, got, want)
		}
	}
}

//go:embed testdata/bank-holidays-sample.json
var govUKSample []byte

// TestParseGovUKBankHolidays reads a sample in gov.uk's format (typographic
// apostrophes, substitutes in notes) and checks that it matches the rules.
func TestParseGovUKBankHolidays(t *testing.T) {
	got, err := ParseGovUKBankHolidays(bytes.NewReader(govUKSample))
	if err != nil {
		t.Fatal(err)
	}
	for set, years := range map[string][]int{SetEnglandAndWales: {2020}, SetScotland: {2022, 2023}, SetNorthernIreland: {2025}} {
		var want []Holiday
		for _, y := range years {
			hs, _ := HolidaySet(set, y)
			want = append(want, hs...)
		}
		compareHolidays(t, set, got[set], want)
	}
	if h := got[SetScotland][0]; h.Name != "New Year's Day (substitute day)" || !h.Substitute {
		t.Errorf("first Scottish holiday = %+v", h)
	}

	if _, err := ParseGovUKBankHolidays(strings.NewReader(`{"scotland":{"events":[{"title":"X","date":"2026-13-01"}]}}`)); err == nil || !strings.Contains(err.Error(), "scotland.events[0].date") {
		t.Errorf("bad date: %v", err)
	}
	if _, err := ParseGovUKBankHolidays(strings.NewReader(`[`)); err == nil {
		t.Error("bad JSON accepted")
	}
}

func TestCalendarHolidaysCombine(t *testing.T) {
	cal := MustCalendar(t, CalendarConfig{
		Week:       OfficeHours(MustInterval(t, "09:00", "17:00")),
		HolidaySet: SetScotland,
		Holidays:   []Date{{2026, time.December, 24}, {2026, time.December, 31}},
	})
	got := cal.Holidays(Date{2026, time.December, 1}, Date{2027, time.January, 4})
	var names []string
	for _, d := range got {
		names = append(names, d.String())
	}
	want := []string{"2026-12-24", "2026-12-25", "2026-12-28", "2026-12-31", "2027-01-01", "2027-01-04"}
	if !slices.Equal(names, want) {
		t.Errorf("Holidays = %v, want %v", names, want)
	}
	if !cal.IsHoliday(Date{2026, time.December, 24}) || cal.IsHoliday(Date{2026, time.December, 23}) {
		t.Error("IsHoliday wrong around Christmas Eve")
	}
}
