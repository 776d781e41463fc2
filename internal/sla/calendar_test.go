package sla

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestAddBusinessTime(t *testing.T) {
	cal := MustScotlandCalendar(t)
	lunch := MustCalendar(t, CalendarConfig{
		Location: MustLocation(t, "Europe/London"),
		Week:     OfficeHours(MustInterval(t, "08:00", "12:30"), MustInterval(t, "13:30", "17:00")),
	})
	tests := []struct {
		name  string
		cal   *Calendar
		start string
		d     time.Duration
		want  string
	}{
		{"within a day", cal, "2026-03-02 09:00", 30 * time.Minute, "2026-03-02 09:30"},
		{"used up exactly at closing is due at closing", cal, "2026-03-02 09:00", 8 * time.Hour, "2026-03-02 17:00"},
		{"used up exactly at closing from mid-afternoon", cal, "2026-03-02 16:00", time.Hour, "2026-03-02 17:00"},
		{"one second past closing rolls to the next opening", cal, "2026-03-02 16:00", time.Hour + time.Second, "2026-03-03 09:00:01"},
		{"started outside hours in the evening", cal, "2026-03-02 20:15", 30 * time.Minute, "2026-03-03 09:30"},
		{"started before opening", cal, "2026-03-02 07:00", time.Hour, "2026-03-02 10:00"},
		{"over the weekend", cal, "2026-03-06 16:30", time.Hour, "2026-03-09 09:30"},
		{"started on a Saturday", cal, "2026-03-07 11:00", 4 * time.Hour, "2026-03-09 13:00"},
		{"36 hours is four and a half days", cal, "2026-03-02 09:00", 36 * time.Hour, "2026-03-06 13:00"},
		{"over Christmas 2026 (Boxing Day substitute on Monday 28)", cal, "2026-12-24 16:00", 2 * time.Hour, "2026-12-29 10:00"},
		{"started on a holiday (Christmas Day)", cal, "2026-12-25 10:00", 30 * time.Minute, "2026-12-29 09:30"},
		{"started on 2 January in Scotland", cal, "2026-01-02 10:00", time.Hour, "2026-01-05 10:00"},
		{"Good Friday and no Easter Monday in Scotland", cal, "2026-04-02 16:00", 2 * time.Hour, "2026-04-06 10:00"},
		{"across the lunch break", lunch, "2026-03-02 12:00", time.Hour, "2026-03-02 14:00"},
		{"used up at the start of lunch is due then", lunch, "2026-03-02 12:00", 30 * time.Minute, "2026-03-02 12:30"},
		{"started during lunch", lunch, "2026-03-02 12:45", 15 * time.Minute, "2026-03-02 13:45"},
		{"a whole day with lunch is 8h", lunch, "2026-03-02 08:00", 8 * time.Hour, "2026-03-02 17:00"},
		{"zero returns the start even outside hours", cal, "2026-03-07 11:00", 0, "2026-03-07 11:00"},
		{"fractional seconds survive", cal, "2026-03-02 09:00:00.25", time.Minute, "2026-03-02 09:01:00.25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.AddBusinessTime(MustLondon(t, tt.start), tt.d)
			if want := MustLondon(t, tt.want); !got.Equal(want) {
				t.Errorf("AddBusinessTime(%s, %s) = %s, want %s", tt.start, tt.d, got, want)
			}
		})
	}
}

func TestBusinessTime(t *testing.T) {
	cal := MustScotlandCalendar(t)
	tests := []struct {
		name     string
		from, to string
		want     time.Duration
	}{
		{"one working day", "2026-03-02 09:00", "2026-03-02 17:00", 8 * time.Hour},
		{"the whole calendar day", "2026-03-02 00:00", "2026-03-03 00:00", 8 * time.Hour},
		{"Friday afternoon to Monday morning", "2026-03-06 16:00", "2026-03-09 10:00", 2 * time.Hour},
		{"a weekend", "2026-03-07 00:00", "2026-03-09 00:00", 0},
		{"a holiday", "2026-12-25 00:00", "2026-12-26 00:00", 0},
		{"a week with a holiday (St Andrew's Day, Monday 30 Nov 2026)", "2026-11-30 00:00", "2026-12-07 00:00", 32 * time.Hour},
		{"reversed is zero", "2026-03-02 17:00", "2026-03-02 09:00", 0},
		{"a year (2026 has 261 weekdays, 9 of them Scottish holidays)", "2026-01-01 00:00", "2027-01-01 00:00", (261 - 9) * 8 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.BusinessTime(MustLondon(t, tt.from), MustLondon(t, tt.to)); got != tt.want {
				t.Errorf("BusinessTime(%s, %s) = %s, want %s", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

// TestDaylightSaving pins the wall-clock rule: 09:00–17:00 local is 8 h on
// every weekday, including the weeks the clocks change (last Sunday of March
// and of October), while business time is still real elapsed time.
func TestDaylightSaving(t *testing.T) {
	london := MustLocation(t, "Europe/London")
	office := MustCalendar(t, CalendarConfig{Location: london, Week: OfficeHours(MustInterval(t, "09:00", "17:00"))})
	for _, week := range []string{"2026-03-23", "2026-03-30", "2026-10-19", "2026-10-26", "2027-03-22", "2027-03-29"} {
		monday := MustLondon(t, week+" 00:00")
		for i := range 5 {
			day := monday.AddDate(0, 0, i)
			if got := office.BusinessTime(day, day.AddDate(0, 0, 1)); got != 8*time.Hour {
				t.Errorf("business time on %s = %s, want 8h", day.Format("Mon 2 Jan 2006"), got)
			}
			open := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, london)
			if due := office.AddBusinessTime(open, 8*time.Hour); !due.Equal(open.Add(8 * time.Hour)) {
				t.Errorf("8h from %s due %s", open, due)
			}
		}
	}

	// Across the change: Friday 27 March 2026 09:00 GMT to Monday 30 March
	// 17:00 BST is two full days, although 80 hours minus 1 pass in real time.
	from, to := MustLondon(t, "2026-03-27 09:00"), MustLondon(t, "2026-03-30 17:00")
	if got := office.BusinessTime(from, to); got != 16*time.Hour {
		t.Errorf("across March change: %s, want 16h", got)
	}
	if got := office.AddBusinessTime(MustLondon(t, "2026-03-27 16:00"), 2*time.Hour); !got.Equal(MustLondon(t, "2026-03-30 10:00")) {
		t.Errorf("due across March change = %s, want Mon 30 Mar 10:00 BST", got)
	}
	if got := office.AddBusinessTime(MustLondon(t, "2026-10-23 16:00"), 2*time.Hour); !got.Equal(MustLondon(t, "2026-10-26 10:00")) {
		t.Errorf("due across October change = %s, want Mon 26 Oct 10:00 GMT", got)
	}
	if got := office.BusinessTime(MustLondon(t, "2026-10-23 09:00"), MustLondon(t, "2026-10-26 17:00")); got != 16*time.Hour {
		t.Errorf("across October change: %s, want 16h", got)
	}

	// A working day that spans the change itself is measured in real time:
	// Sunday 00:00–24:00 is 23 h in March and 25 h in October, and an
	// interval 00:30–03:00 is 1 h 30 in March (01:00 GMT jumps to 02:00
	// BST) and 3 h 30 in October (01:00–02:00 happens twice).
	sundays := MustCalendar(t, CalendarConfig{Location: london, Week: Week{time.Sunday: {MustInterval(t, "00:00", "24:00")}}})
	night := MustCalendar(t, CalendarConfig{Location: london, Week: Week{time.Sunday: {MustInterval(t, "00:30", "03:00")}}})
	dst := []struct {
		cal  *Calendar
		day  string
		want time.Duration
	}{
		{sundays, "2026-03-29", 23 * time.Hour},
		{sundays, "2026-10-25", 25 * time.Hour},
		{sundays, "2026-03-22", 24 * time.Hour},
		{night, "2026-03-29", 90 * time.Minute},
		{night, "2026-10-25", 210 * time.Minute},
		{night, "2026-03-22", 150 * time.Minute},
	}
	for _, tt := range dst {
		day := MustLondon(t, tt.day+" 00:00")
		if got := tt.cal.BusinessTime(day, day.AddDate(0, 0, 1)); got != tt.want {
			t.Errorf("Sunday %s: %s, want %s", tt.day, got, tt.want)
		}
		if due := tt.cal.AddBusinessTime(day, tt.want); tt.cal.BusinessTime(day, due) != tt.want || tt.cal.IsWorking(due) {
			t.Errorf("Sunday %s: due for %s = %s, the end of the day's work", tt.day, tt.want, due)
		}
	}

	// A calendar working 00:00–24:00 every day agrees with a 24×7 one,
	// whatever the clocks do.
	allWeek := Week{}
	for d := range allWeek {
		allWeek[d] = []Interval{MustInterval(t, "00:00", "24:00")}
	}
	everyDay := MustCalendar(t, CalendarConfig{Location: london, Week: allWeek})
	always := MustCalendar(t, CalendarConfig{Location: london, AllDay: true})
	for _, s := range []string{"2026-03-28 22:00", "2026-10-24 23:30", "2026-06-01 12:00"} {
		start := MustLondon(t, s)
		for _, d := range []time.Duration{time.Hour, 3 * time.Hour, 26 * time.Hour, 100 * time.Hour} {
			if a, b := everyDay.AddBusinessTime(start, d), always.AddBusinessTime(start, d); !a.Equal(b) {
				t.Errorf("from %s + %s: 00:00–24:00 week gives %s, 24×7 gives %s", s, d, a, b)
			}
		}
	}
}

func Test24x7(t *testing.T) {
	cal := MustCalendar(t, CalendarConfig{AllDay: true})
	start := MustLondon(t, "2026-03-07 22:00") // a Saturday night
	if got := cal.AddBusinessTime(start, 4*time.Hour); !got.Equal(MustLondon(t, "2026-03-08 02:00")) {
		t.Errorf("24×7 due = %s", got)
	}
	if got := cal.BusinessTime(MustLondon(t, "2026-03-28 12:00"), MustLondon(t, "2026-03-29 12:00")); got != 23*time.Hour {
		t.Errorf("24×7 across the March change = %s, want 23h of real time", got)
	}
	if !cal.IsWorking(start) || !cal.NextWorkingInstant(start).Equal(start) {
		t.Error("every instant of a 24×7 calendar is working")
	}
	if cal.Location().String() != "Europe/London" {
		t.Errorf("default zone = %s", cal.Location())
	}
}

func TestNextWorkingInstantAndIsWorking(t *testing.T) {
	cal := MustCalendar(t, CalendarConfig{
		Location:   MustLocation(t, "Europe/London"),
		Week:       OfficeHours(MustInterval(t, "08:00", "12:30"), MustInterval(t, "13:30", "17:00")),
		HolidaySet: SetScotland,
	})
	tests := []struct {
		at      string
		working bool
		next    string
	}{
		{"2026-03-02 08:00", true, "2026-03-02 08:00"},
		{"2026-03-02 07:59:59", false, "2026-03-02 08:00"},
		{"2026-03-02 12:29:59", true, "2026-03-02 12:29:59"},
		{"2026-03-02 12:30", false, "2026-03-02 13:30"},
		{"2026-03-02 16:59", true, "2026-03-02 16:59"},
		{"2026-03-02 17:00", false, "2026-03-03 08:00"},
		{"2026-03-07 10:00", false, "2026-03-09 08:00"},
		{"2026-12-24 18:00", false, "2026-12-29 08:00"},
		{"2026-12-25 10:00", false, "2026-12-29 08:00"},
	}
	for _, tt := range tests {
		at := MustLondon(t, tt.at)
		if got := cal.IsWorking(at); got != tt.working {
			t.Errorf("IsWorking(%s) = %v", tt.at, got)
		}
		if got := cal.NextWorkingInstant(at); !got.Equal(MustLondon(t, tt.next)) {
			t.Errorf("NextWorkingInstant(%s) = %s, want %s", tt.at, got, tt.next)
		}
	}
}

func TestNewCalendarValidation(t *testing.T) {
	nine, five := MustInterval(t, "09:00", "17:00"), MustInterval(t, "12:00", "13:00")
	tests := []struct {
		name  string
		cfg   CalendarConfig
		field string
	}{
		{"no working time", CalendarConfig{}, "week"},
		{"overlapping intervals", CalendarConfig{Week: Week{time.Monday: {nine, five}}}, "week.mon[1]"},
		{"end before start", CalendarConfig{Week: Week{time.Tuesday: {{Start: 17 * time.Hour, End: 9 * time.Hour}}}}, "week.tue[0]"},
		{"past midnight", CalendarConfig{Week: Week{time.Friday: {{Start: 22 * time.Hour, End: 26 * time.Hour}}}}, "week.fri[0]"},
		{"24×7 with a week", CalendarConfig{AllDay: true, Week: Week{time.Monday: {nine}}}, "week"},
		{"24×7 with holidays", CalendarConfig{AllDay: true, HolidaySet: SetScotland}, "holiday_set"},
		{"unknown holiday set", CalendarConfig{Week: OfficeHours(nine), HolidaySet: "wales"}, "holiday_set"},
		{"impossible holiday", CalendarConfig{Week: OfficeHours(nine), Holidays: []Date{{2026, time.February, 30}}}, "holidays[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCalendar(tt.cfg)
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if verr.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", verr.Field, tt.field, err)
			}
		})
	}
	// Adjacent intervals merge, and order does not matter.
	cal := MustCalendar(t, CalendarConfig{Week: Week{time.Monday: {MustInterval(t, "13:00", "17:00"), MustInterval(t, "09:00", "13:00")}}})
	if got := cal.AddBusinessTime(MustLondon(t, "2026-03-02 12:00"), time.Hour); !got.Equal(MustLondon(t, "2026-03-02 13:00")) {
		t.Errorf("merged intervals: %s", got)
	}
}

func TestParseInterval(t *testing.T) {
	for _, bad := range [][2]string{{"9:00", "17:00"}, {"09:00", "25:00"}, {"17:00", "09:00"}, {"09:00", "09:00"}, {"24:00", "24:00"}, {"09:60", "10:00"}, {"nine", "five"}} {
		if _, err := ParseInterval(bad[0], bad[1]); err == nil {
			t.Errorf("ParseInterval(%q, %q) accepted", bad[0], bad[1])
		}
	}
	iv := MustInterval(t, "13:30", "24:00")
	if iv.Start != 13*time.Hour+30*time.Minute || iv.End != 24*time.Hour || iv.String() != "13:30–24:00" {
		t.Errorf("got %v", iv)
	}
}

// referenceBusinessTime is a deliberately naive model of the rules: for each
// local day, build every interval with time.Date and add its overlap. It
// shares nothing with the fast path except the configuration.
func referenceBusinessTime(cal *Calendar, from, to time.Time) time.Duration {
	if cal.Is24x7() {
		return max(to.Sub(from), 0)
	}
	loc := cal.Location()
	week := cal.Week()
	var sum time.Duration
	y, m, d := from.In(loc).AddDate(0, 0, -1).Date()
	for day := time.Date(y, m, d, 0, 0, 0, 0, loc); day.Before(to); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc) {
		if cal.IsHoliday(DateOf(day)) {
			continue
		}
		y, m, d := day.Date()
		for _, iv := range week[day.Weekday()] {
			s := time.Date(y, m, d, 0, 0, int(iv.Start/time.Second), 0, loc)
			e := time.Date(y, m, d, 0, 0, int(iv.End/time.Second), 0, loc)
			if s.Before(from) {
				s = from
			}
			if e.After(to) {
				e = to
			}
			if e.After(s) {
				sum += e.Sub(s)
			}
		}
	}
	return sum
}

// TestProperties checks, on random starts and targets, that the due instant
// is never before the start, that exactly the target of business time lies
// between them, that it is the earliest such instant, that later targets are
// never due earlier, and that BusinessTime agrees with a naive model.
func TestProperties(t *testing.T) {
	london := MustLocation(t, "Europe/London")
	odd := Week{
		time.Monday:    {MustInterval(t, "08:00", "12:30"), MustInterval(t, "13:30", "17:00")},
		time.Wednesday: {MustInterval(t, "00:00", "24:00")},
		time.Thursday:  {MustInterval(t, "00:00", "06:00"), MustInterval(t, "22:00", "24:00")},
		time.Friday:    {MustInterval(t, "09:00", "16:00")},
		time.Sunday:    {MustInterval(t, "00:30", "03:00")},
	}
	calendars := map[string]*Calendar{
		"scotland":     MustScotlandCalendar(t),
		"odd":          MustCalendar(t, CalendarConfig{Location: london, Week: odd, HolidaySet: SetEnglandAndWales}),
		"new york":     MustCalendar(t, CalendarConfig{Location: MustLocation(t, "America/New_York"), Week: OfficeHours(MustInterval(t, "09:00", "17:00"))}),
		"lord howe":    MustCalendar(t, CalendarConfig{Location: MustLocation(t, "Australia/Lord_Howe"), Week: odd}),
		"24x7 kolkata": MustCalendar(t, CalendarConfig{Location: MustLocation(t, "Asia/Kolkata"), AllDay: true}),
	}
	// Most starts fall in 2020–2030; one in four falls in 2035–2105, where
	// zones run on their TZ footer rules (and ZoneBounds has a leap-year bug
	// the walk must survive: golang/go#81583).
	first, far := MustLondon(t, "2020-01-01 00:00"), MustLondon(t, "2035-01-01 00:00")
	for name, cal := range calendars {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			for range 4000 {
				start := first.Add(time.Duration(rng.Int64N(int64(11 * 365 * 24 * time.Hour))))
				if rng.IntN(4) == 0 {
					start = far.Add(time.Duration(rng.Int64N(int64(70 * 365 * 24 * time.Hour))))
				}
				if rng.IntN(3) == 0 {
					start = start.Truncate(time.Hour) // land on interval edges often
				}
				d1 := time.Duration(rng.Int64N(int64(60*time.Hour))) + 1
				if rng.IntN(3) == 0 {
					d1 = d1.Truncate(30 * time.Minute)
				}
				d2 := d1 + time.Duration(rng.Int64N(int64(8*time.Hour)))
				due1, due2 := cal.AddBusinessTime(start, d1), cal.AddBusinessTime(start, d2)
				if due1.Before(start) {
					t.Fatalf("due %s before start %s (target %s)", due1, start, d1)
				}
				if got := cal.BusinessTime(start, due1); got != d1 {
					t.Fatalf("BusinessTime(%s, due %s) = %s, want target %s", start, due1, got, d1)
				}
				if d1 > 0 && cal.BusinessTime(start, due1.Add(-time.Nanosecond)) >= d1 {
					t.Fatalf("due %s for %s from %s is not the earliest", due1, d1, start)
				}
				if due2.Before(due1) {
					t.Fatalf("target %s due %s, larger target %s due earlier %s", d1, due1, d2, due2)
				}
				to := start.Add(time.Duration(rng.Int64N(int64(20 * 24 * time.Hour))))
				if got, want := cal.BusinessTime(start, to), referenceBusinessTime(cal, start, to); got != want {
					t.Fatalf("BusinessTime(%s, %s) = %s, reference %s", start, to, got, want)
				}
				if nw := cal.NextWorkingInstant(start); nw.Before(start) || cal.BusinessTime(start, nw) != 0 || (!cal.IsWorking(nw) && !cal.Is24x7()) {
					t.Fatalf("NextWorkingInstant(%s) = %s", start, nw)
				}
			}
		})
	}
}

// TestExtremeInputsTerminate: absurd instants and durations must still
// return, because a bad row in the database must not hang the SLA job.
func TestExtremeInputsTerminate(t *testing.T) {
	cal := MustScotlandCalendar(t)
	// The last day of 2040 is where ZoneBounds stalls (golang/go#81583).
	if got := cal.AddBusinessTime(MustLondon(t, "2040-12-28 16:00"), 16*time.Hour); !got.Equal(MustLondon(t, "2041-01-03 16:00")) {
		t.Errorf("across the end of 2040: %s", got)
	}
	var zero time.Time
	if got := cal.AddBusinessTime(zero, time.Hour); got.Before(zero) || cal.BusinessTime(zero, got) != time.Hour {
		t.Errorf("from the zero time: %s", got)
	}
	start := MustLondon(t, "2026-03-02 09:00")
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	if got := cal.BusinessTime(start, far); got <= 0 {
		t.Errorf("BusinessTime to 9999 = %s", got)
	}
	if got := cal.AddBusinessTime(start, time.Duration(1<<63-1)); !got.After(start) {
		t.Errorf("AddBusinessTime(max) = %s", got)
	}
}

func BenchmarkNewCalendarScotland(b *testing.B) {
	loc := MustLocation(b, "Europe/London")
	week := OfficeHours(MustInterval(b, "09:00", "17:00"))
	for b.Loop() {
		if _, err := NewCalendar(CalendarConfig{Location: loc, Week: week, HolidaySet: SetScotland}); err != nil {
			b.Fatal(err)
		}
	}
}
