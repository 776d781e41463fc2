package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// calendarWindow is a change window as one day of the calendar shows it.
type calendarWindow struct {
	*itsm.CalendarEntry
	// Times is the part of the window on this day, in the viewer's zone:
	// "09:00 to 11:30", "from 22:00", "until 02:00" or "all day".
	Times string
}

// StateLabel is the change's state with a capital letter.
func (w calendarWindow) StateLabel() string { return sentenceCase(w.State) }

// calendarFreeze is a freeze period as one day shows it.
type calendarFreeze struct {
	*itsm.FreezePeriod
	Times string
}

// calendarDay is one day of the month or week view.
type calendarDay struct {
	Date    time.Time
	Number  int
	Label   string // "Monday 23 March 2026"
	InRange bool   // false for the days of the grid outside the month
	Today   bool
	Windows []calendarWindow
	Freezes []calendarFreeze
}

// Empty reports whether nothing happens on the day.
func (d calendarDay) Empty() bool { return len(d.Windows) == 0 && len(d.Freezes) == 0 }

// calendarPage is the month or week view of the change calendar.
type calendarPage struct {
	basePage
	Week                       bool
	Label, Param               string
	Service                    string
	Weeks                      [][]calendarDay // month view: Monday-first rows
	Days                       []calendarDay   // week view
	PrevHref, NextHref         string
	PrevLabel, NextLabel       string
	TodayHref, OtherViewHref   string
	Windows                    []*itsm.CalendarEntry
	Freezes                    []*itsm.FreezePeriod
	Conflicted                 []*itsm.CalendarEntry
	CanManageFreezes, Filtered bool
}

// calendarWeekdays heads the month grid's columns.
var calendarWeekdays = []struct{ Short, Long string }{
	{"Mon", "Monday"}, {"Tue", "Tuesday"}, {"Wed", "Wednesday"}, {"Thu", "Thursday"},
	{"Fri", "Friday"}, {"Sat", "Saturday"}, {"Sun", "Sunday"},
}

// Weekdays returns the grid's column headings.
func (p *calendarPage) Weekdays() []struct{ Short, Long string } { return calendarWeekdays }

// calendarService reads and checks the service filter.
func calendarService(q url.Values) (string, error) {
	svc := strings.TrimSpace(q.Get("service"))
	if utf8.RuneCountInString(svc) > itsm.MaxServiceLength || itsm.HasControl(svc) {
		return "", fieldErr("service", "The service name must be 100 characters or fewer.")
	}
	return svc, nil
}

// calendarHref builds a calendar address keeping the service filter.
func calendarHref(base, key, value, service string) string {
	v := url.Values{}
	if value != "" {
		v.Set(key, value)
	}
	if service != "" {
		v.Set("service", service)
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

// startOfDay is midnight at the start of t's day in loc.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// mondayOf is the start of the Monday of t's week in loc.
func mondayOf(t time.Time, loc *time.Location) time.Time {
	d := startOfDay(t, loc)
	back := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -back)
}

// calendarMonth shows a month of windows and freezes as a grid of weeks.
func (s *Server) calendarMonth(w http.ResponseWriter, r *http.Request) error {
	p := &calendarPage{basePage: s.newPage(w, r, "Change calendar")}
	loc := p.location()
	q := r.URL.Query()
	service, err := calendarService(q)
	if err != nil {
		return err
	}
	now := s.now().In(loc)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	if m := strings.TrimSpace(q.Get("month")); m != "" {
		t, err := time.ParseInLocation("2006-01", m, loc)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			return fieldErr("month", "Enter the month as a year and month between 2000 and 2100, like 2026-03.")
		}
		first = t
	}
	next := first.AddDate(0, 1, 0)
	gridStart := mondayOf(first, loc)
	gridEnd := mondayOf(next.AddDate(0, 0, 6), loc)
	cal, err := s.svc.Calendar.CalendarFor(r.Context(), itsm.CalendarFilter{From: gridStart, To: gridEnd, Service: service})
	if err != nil {
		return err
	}
	days := calendarDays(cal, gridStart, gridEnd, loc, now)
	for i := range days {
		days[i].InRange = !days[i].Date.Before(first) && days[i].Date.Before(next)
	}
	for i := 0; i+7 <= len(days); i += 7 {
		p.Weeks = append(p.Weeks, days[i:i+7])
	}
	p.Label, p.Param = first.Format("January 2006"), first.Format("2006-01")
	p.Heading = "Change calendar: " + p.Label
	p.Title = p.Heading
	prev := first.AddDate(0, -1, 0)
	p.PrevHref, p.PrevLabel = calendarHref("/calendar", "month", prev.Format("2006-01"), service), prev.Format("January 2006")
	p.NextHref, p.NextLabel = calendarHref("/calendar", "month", next.Format("2006-01"), service), next.Format("January 2006")
	p.TodayHref = calendarHref("/calendar", "", "", service)
	week := first
	if now.Year() == first.Year() && now.Month() == first.Month() {
		week = now
	}
	p.OtherViewHref = calendarHref("/calendar/week", "week", mondayOf(week, loc).Format("2006-01-02"), service)
	s.fillCalendar(p, cal, first, next, service)
	return s.render(w, http.StatusOK, "calendar_month", p)
}

// calendarWeek shows one week, a row per day.
func (s *Server) calendarWeek(w http.ResponseWriter, r *http.Request) error {
	p := &calendarPage{basePage: s.newPage(w, r, "Change calendar"), Week: true}
	loc := p.location()
	q := r.URL.Query()
	service, err := calendarService(q)
	if err != nil {
		return err
	}
	now := s.now().In(loc)
	start := mondayOf(now, loc)
	if d := strings.TrimSpace(q.Get("week")); d != "" {
		t, err := time.ParseInLocation("2006-01-02", d, loc)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			return fieldErr("week", "Enter a day of the week as a real date between 2000 and 2100, like 2026-03-23.")
		}
		start = mondayOf(t, loc)
	}
	end := start.AddDate(0, 0, 7)
	cal, err := s.svc.Calendar.CalendarFor(r.Context(), itsm.CalendarFilter{From: start, To: end, Service: service})
	if err != nil {
		return err
	}
	p.Days = calendarDays(cal, start, end, loc, now)
	for i := range p.Days {
		p.Days[i].InRange = true
	}
	p.Label, p.Param = "Week beginning "+start.Format("Monday 2 January 2006"), start.Format("2006-01-02")
	p.Heading = "Change calendar: week beginning " + start.Format("2 January 2006")
	p.Title = p.Heading
	prev := start.AddDate(0, 0, -7)
	p.PrevHref, p.PrevLabel = calendarHref("/calendar/week", "week", prev.Format("2006-01-02"), service), "Week beginning "+prev.Format("2 January 2006")
	p.NextHref, p.NextLabel = calendarHref("/calendar/week", "week", end.Format("2006-01-02"), service), "Week beginning "+end.Format("2 January 2006")
	p.TodayHref = calendarHref("/calendar/week", "", "", service)
	p.OtherViewHref = calendarHref("/calendar", "month", start.Format("2006-01"), service)
	s.fillCalendar(p, cal, start, end, service)
	return s.render(w, http.StatusOK, "calendar_week", p)
}

// fillCalendar sets what the month and week views share: the lists of
// windows, freezes and conflicts in [from, to).
func (s *Server) fillCalendar(p *calendarPage, cal *itsm.Calendar, from, to time.Time, service string) {
	p.Wide = true
	p.Service, p.Filtered = service, service != ""
	p.CanManageFreezes = p.Actor.CanManageFreezes()
	for _, w := range cal.Windows {
		if !itsm.Overlaps(w.Start, w.End, from, to) {
			continue
		}
		p.Windows = append(p.Windows, w)
		if len(w.Conflicts) > 0 {
			p.Conflicted = append(p.Conflicted, w)
		}
	}
	for _, f := range cal.Freezes {
		if itsm.Overlaps(f.Start, f.End, from, to) {
			p.Freezes = append(p.Freezes, f)
		}
	}
}

// calendarDays lays the calendar out as days from start to end (midnights
// in loc), each with the windows and freezes that touch it.
func calendarDays(cal *itsm.Calendar, start, end time.Time, loc *time.Location, now time.Time) []calendarDay {
	var days []calendarDay
	today := startOfDay(now, loc)
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		next := d.AddDate(0, 0, 1)
		day := calendarDay{Date: d, Number: d.Day(), Label: d.Format("Monday 2 January 2006"), Today: d.Equal(today)}
		for _, f := range cal.Freezes {
			if itsm.Overlaps(f.Start, f.End, d, next) {
				day.Freezes = append(day.Freezes, calendarFreeze{FreezePeriod: f, Times: dayTimes(f.Start, f.End, d, next, loc)})
			}
		}
		for _, w := range cal.Windows {
			if itsm.Overlaps(w.Start, w.End, d, next) {
				day.Windows = append(day.Windows, calendarWindow{CalendarEntry: w, Times: dayTimes(w.Start, w.End, d, next, loc)})
			}
		}
		days = append(days, day)
	}
	return days
}

// dayTimes says which part of the day [d, next) the interval covers.
func dayTimes(start, end, d, next time.Time, loc *time.Location) string {
	startsToday, endsToday := !start.Before(d), end.Before(next)
	switch {
	case startsToday && endsToday:
		return start.In(loc).Format("15:04") + " to " + end.In(loc).Format("15:04")
	case startsToday:
		return "from " + start.In(loc).Format("15:04")
	case endsToday:
		return "until " + end.In(loc).Format("15:04")
	}
	return "all day"
}

// sentenceCase capitalises the first letter.
func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}
