package sla

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeZone is the zone a calendar uses when none is given: Steward's
// users are UK public-sector bodies.
const DefaultTimeZone = "Europe/London"

// MaxIntervalsPerDay bounds the working intervals of one weekday. A day split
// into more than 48 pieces is a data-entry mistake, and the bound lets the
// calendar walk days without allocating.
const MaxIntervalsPerDay = 48

// Holiday sets are expanded for these years when a calendar is built, so the
// hot path is a bit test rather than a rule evaluation. Instants outside the
// range see only explicitly listed holidays.
const (
	HolidaySetFirstYear = 1970
	HolidaySetLastYear  = 2199
)

const (
	nsPerSecond = int64(time.Second)
	secsPerDay  = 86400
	nsPerDay    = secsPerDay * nsPerSecond
	// walkHorizon bounds how far (in seconds) a single walk goes, keeping
	// nanosecond positions relative to the start well inside int64.
	walkHorizon = 250 * 366 * secsPerDay
)

// Interval is a working interval within one local day, in wall-clock time
// since local midnight: 09:00–17:00 is {9h, 17h}. End may be 24h (midnight at
// the end of the day). Intervals are wall-clock rather than elapsed time so
// that 09:00–17:00 means the same thing on the days the clocks change.
type Interval struct {
	Start time.Duration
	End   time.Duration
}

// ParseInterval parses a working interval written as two local wall-clock
// times, "HH:MM" or "HH:MM:SS", such as "09:00" and "17:00". "24:00" is
// accepted as an end, meaning midnight at the end of the day.
func ParseInterval(start, end string) (Interval, error) {
	s, err := parseWallClock(start)
	if err != nil {
		return Interval{}, err
	}
	e, err := parseWallClock(end)
	if err != nil {
		return Interval{}, err
	}
	if s == 24*time.Hour {
		return Interval{}, fmt.Errorf("an interval cannot start at 24:00")
	}
	if e <= s {
		return Interval{}, fmt.Errorf("%s–%s ends before it starts", start, end)
	}
	return Interval{Start: s, End: e}, nil
}

// String formats the interval the way it is written in configuration,
// "09:00–17:00".
func (iv Interval) String() string {
	return formatWallClock(iv.Start) + "–" + formatWallClock(iv.End)
}

func parseWallClock(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a time of day in the form HH:MM", s)
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, bad
	}
	var v [3]int
	for i, p := range parts {
		if len(p) != 2 {
			return 0, bad
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, bad
		}
		v[i] = n
	}
	if v[1] > 59 || v[2] > 59 || v[0] > 24 || (v[0] == 24 && (v[1] != 0 || v[2] != 0)) {
		return 0, bad
	}
	return time.Duration(v[0])*time.Hour + time.Duration(v[1])*time.Minute + time.Duration(v[2])*time.Second, nil
}

func formatWallClock(d time.Duration) string {
	h := int(d / time.Hour)
	m := int(d % time.Hour / time.Minute)
	s := int(d % time.Minute / time.Second)
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// Week holds the working intervals of each weekday, indexed by time.Weekday
// (Sunday is 0). A day with no intervals is not a working day.
type Week [7][]Interval

// weekdayKeys are the short lower-case names of the weekdays, as used in
// configuration and in validation error field names ("week.mon[0]").
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// WeekdayKey returns the configuration key of a weekday: "mon" for Monday.
func WeekdayKey(d time.Weekday) string { return weekdayKeys[d] }

// OfficeHours returns the common Monday-to-Friday week with the same working
// intervals each day, for example OfficeHours(Interval{9 * time.Hour, 17 * time.Hour}).
func OfficeHours(intervals ...Interval) Week {
	var w Week
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = slices.Clone(intervals)
	}
	return w
}

// CalendarConfig describes a business-hours calendar. It is the input to
// NewCalendar, which validates it once so that the calendar's hot path can
// trust its data.
type CalendarConfig struct {
	// Location is the calendar's time zone; nil means DefaultTimeZone.
	Location *time.Location
	// Week gives the working intervals of each weekday. It must have some
	// working time unless AllDay is set, and must be empty if it is.
	Week Week
	// AllDay makes the calendar 24×7: every instant is business time and
	// there are no holidays.
	AllDay bool
	// HolidaySet names a built-in set of bank holidays (see HolidaySetNames),
	// expanded for HolidaySetFirstYear to HolidaySetLastYear. Empty means none.
	HolidaySet string
	// Holidays lists extra whole local days off; they combine with HolidaySet.
	Holidays []Date
}

// span is a working interval as nanoseconds since local midnight, or, on the
// days a walk computes by hand, as positions relative to the walk's base.
type span struct{ start, end int64 }

// Calendar is a validated business-hours calendar. It is immutable, so one
// Calendar may be shared by any number of goroutines.
//
// Internally each weekday's intervals are kept as nanosecond offsets with a
// precomputed day total, and holidays as a bitset over day numbers, so a due
// instant costs one zone lookup plus a few operations per calendar day.
type Calendar struct {
	loc      *time.Location
	allDay   bool
	week     [7][]span
	dayTotal [7]int64
	config   Week

	holidays    []Date // sorted, unique
	holidayBase int64  // day number of bit 0
	holidayBits []uint64
}

// NewCalendar validates cfg and builds a Calendar. Invalid configuration is
// reported as a *ValidationError whose Field is relative to the config, such
// as "week.mon[1]" or "holidays[0]".
func NewCalendar(cfg CalendarConfig) (*Calendar, error) {
	c := &Calendar{loc: cfg.Location, allDay: cfg.AllDay}
	if c.loc == nil {
		loc, err := time.LoadLocation(DefaultTimeZone)
		if err != nil {
			return nil, &ValidationError{Field: "location", Message: fmt.Sprintf("the default time zone %s is not available: %v", DefaultTimeZone, err)}
		}
		c.loc = loc
	}
	hasWork := false
	for d := range cfg.Week {
		if len(cfg.Week[d]) > 0 {
			hasWork = true
		}
	}
	if cfg.AllDay {
		if hasWork {
			return nil, &ValidationError{Field: "week", Message: "must be empty for a 24×7 calendar, which counts every instant"}
		}
		if cfg.HolidaySet != "" {
			return nil, &ValidationError{Field: "holiday_set", Message: "a 24×7 calendar counts every instant, so it cannot have holidays"}
		}
		if len(cfg.Holidays) > 0 {
			return nil, &ValidationError{Field: "holidays", Message: "a 24×7 calendar counts every instant, so it cannot have holidays"}
		}
		return c, nil
	}
	if !hasWork {
		return nil, &ValidationError{Field: "week", Message: "has no working hours on any day; give at least one working interval or make the calendar 24×7"}
	}
	for d := range cfg.Week {
		spans, err := daySpans(time.Weekday(d), cfg.Week[d])
		if err != nil {
			return nil, err
		}
		c.week[d] = spans
		c.config[d] = slices.Clone(cfg.Week[d])
		for _, s := range spans {
			c.dayTotal[d] += s.end - s.start
		}
	}

	var days []Date
	if cfg.HolidaySet != "" {
		rule, ok := holidayRule(cfg.HolidaySet)
		if !ok {
			return nil, &ValidationError{Field: "holiday_set", Message: unknownSetMessage(cfg.HolidaySet)}
		}
		for y := HolidaySetFirstYear; y <= HolidaySetLastYear; y++ {
			for _, h := range rule(y) {
				days = append(days, h.Date)
			}
		}
	}
	for i, d := range cfg.Holidays {
		if !d.Valid() {
			return nil, &ValidationError{Field: fmt.Sprintf("holidays[%d]", i), Message: fmt.Sprintf("%s is not a real date", d)}
		}
		days = append(days, d)
	}
	c.setHolidays(days)
	return c, nil
}

// daySpans validates one weekday's intervals and turns them into sorted,
// merged spans. Adjacent intervals (12:00–13:00, 13:00–17:00) are merged
// because a due instant at their shared edge belongs to neither end.
func daySpans(d time.Weekday, ivs []Interval) ([]span, error) {
	key := "week." + weekdayKeys[d]
	if len(ivs) > MaxIntervalsPerDay {
		return nil, &ValidationError{Field: key, Message: fmt.Sprintf("has %d working intervals; at most %d are allowed", len(ivs), MaxIntervalsPerDay)}
	}
	order := make([]int, len(ivs))
	for i, iv := range ivs {
		field := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case iv.Start < 0 || iv.End > 24*time.Hour:
			return nil, &ValidationError{Field: field, Message: fmt.Sprintf("%s is not within one day (00:00 to 24:00)", iv)}
		case iv.End <= iv.Start:
			return nil, &ValidationError{Field: field, Message: fmt.Sprintf("%s ends before it starts; split an overnight shift into two days", iv)}
		}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(ivs[a].Start, ivs[b].Start) })
	var spans []span
	for k, i := range order {
		iv := ivs[i]
		if k > 0 {
			prev := ivs[order[k-1]]
			if iv.Start < prev.End {
				return nil, &ValidationError{Field: fmt.Sprintf("%s[%d]", key, i), Message: fmt.Sprintf("%s overlaps %s", iv, prev)}
			}
			if int64(iv.Start) == spans[len(spans)-1].end {
				spans[len(spans)-1].end = int64(iv.End)
				continue
			}
		}
		spans = append(spans, span{int64(iv.Start), int64(iv.End)})
	}
	return spans, nil
}

func (c *Calendar) setHolidays(days []Date) {
	if len(days) == 0 {
		return
	}
	slices.SortFunc(days, compareDates)
	days = slices.Compact(days)
	c.holidays = days
	first, last := days[0].dayNumber(), days[len(days)-1].dayNumber()
	c.holidayBase = first
	c.holidayBits = make([]uint64, (last-first)/64+1)
	for _, d := range days {
		i := d.dayNumber() - first
		c.holidayBits[i>>6] |= 1 << (i & 63)
	}
}

// isHolidayDay reports whether local day number n is a holiday.
func (c *Calendar) isHolidayDay(n int64) bool {
	i := n - c.holidayBase
	if i < 0 || i >= int64(len(c.holidayBits))*64 {
		return false
	}
	return c.holidayBits[i>>6]&(1<<(i&63)) != 0
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Is24x7 reports whether every instant is business time.
func (c *Calendar) Is24x7() bool { return c.allDay }

// Week returns a copy of the configured working intervals.
func (c *Calendar) Week() Week {
	var w Week
	for d := range c.config {
		w[d] = slices.Clone(c.config[d])
	}
	return w
}

// Holidays returns the calendar's holidays from..to inclusive, in order.
func (c *Calendar) Holidays(from, to Date) []Date {
	lo, _ := slices.BinarySearchFunc(c.holidays, from, compareDates)
	hi, found := slices.BinarySearchFunc(c.holidays, to, compareDates)
	if found {
		hi++
	}
	if lo >= hi {
		return nil
	}
	return slices.Clone(c.holidays[lo:hi])
}

// IsHoliday reports whether the local day d is a holiday.
func (c *Calendar) IsHoliday(d Date) bool {
	return !c.allDay && c.isHolidayDay(d.dayNumber())
}

// IsWorking reports whether t falls inside a working interval. Intervals are
// half-open: 17:00 is not inside 09:00–17:00, 09:00 is.
func (c *Calendar) IsWorking(t time.Time) bool {
	if c.allDay {
		return true
	}
	var w walker
	p := w.init(c, t)
	day, _ := w.nextDay()
	for _, sp := range day.spans {
		if s, e := sp.start+day.shift, sp.end+day.shift; s <= p && p < e {
			return true
		}
	}
	return false
}

// NextWorkingInstant returns t if it is a working instant, otherwise the
// start of the next working interval. A clock created outside working hours
// starts here.
func (c *Calendar) NextWorkingInstant(t time.Time) time.Time {
	if c.allDay {
		return t.In(c.loc)
	}
	var w walker
	p := w.init(c, t)
	for {
		day, ok := w.nextDay()
		if !ok {
			return w.instant(day.start)
		}
		for _, sp := range day.spans {
			if e := sp.end + day.shift; e > p {
				return w.instant(max(sp.start+day.shift, p))
			}
		}
	}
}

// BusinessTime returns the length of the overlap of [from, to) with the
// working intervals; zero if to is not after from. Like every walk, it stops
// about 250 years after from.
func (c *Calendar) BusinessTime(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if c.allDay {
		return to.Sub(from)
	}
	var w walker
	p := w.init(c, from)
	end := w.position(to)
	var sum int64
	for {
		day, ok := w.nextDay()
		if !ok || day.start >= end {
			break
		}
		if day.total == 0 {
			continue
		}
		first, last := day.spans[0].start+day.shift, day.spans[len(day.spans)-1].end+day.shift
		if first >= end {
			break
		}
		if first >= p && last <= end {
			sum += day.total
			continue
		}
		for _, sp := range day.spans {
			s, e := max(sp.start+day.shift, p), min(sp.end+day.shift, end)
			if e > s {
				sum += e - s
			}
		}
	}
	return time.Duration(sum)
}

// AddBusinessTime returns the earliest instant at which d of business time
// has elapsed since start: the due instant of a target d for a clock running
// from start. A target used up exactly at the end of a working interval is
// due at that end (17:00), not at the next opening. For d <= 0 it returns
// start itself; a clock that starts outside working hours should start from
// NextWorkingInstant, which Evaluate does. The result is in the calendar's
// time zone.
func (c *Calendar) AddBusinessTime(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start.In(c.loc)
	}
	if c.allDay {
		return start.Add(d).In(c.loc)
	}
	var w walker
	p := w.init(c, start)
	remaining := int64(d)
	for {
		day, ok := w.nextDay()
		if !ok {
			return w.instant(day.start)
		}
		if day.total == 0 {
			continue
		}
		// Most days of a multi-day target are wholly consumed: skip them
		// using the precomputed total.
		if day.total < remaining && day.spans[0].start+day.shift >= p {
			remaining -= day.total
			continue
		}
		for _, sp := range day.spans {
			s, e := sp.start+day.shift, sp.end+day.shift
			if e <= p {
				continue
			}
			s = max(s, p)
			if e-s >= remaining {
				return w.instant(s + remaining)
			}
			remaining -= e - s
		}
	}
}

// eachWorkingSpan calls fn for each maximal piece of working time within
// [from, to), in order. The timeline uses it to split running time from
// time outside hours.
func (c *Calendar) eachWorkingSpan(from, to time.Time, fn func(s, e time.Time)) {
	if !to.After(from) {
		return
	}
	if c.allDay {
		fn(from, to)
		return
	}
	var w walker
	p := w.init(c, from)
	end := w.position(to)
	// Working time continues across midnight when one day ends at 24:00
	// and the next starts at 00:00; report it as one piece.
	var openS, openE int64
	open := false
	for {
		day, ok := w.nextDay()
		if !ok || day.start >= end {
			break
		}
		for _, sp := range day.spans {
			s, e := max(sp.start+day.shift, p), min(sp.end+day.shift, end)
			if e <= s {
				continue
			}
			if open && s == openE {
				openE = e
				continue
			}
			if open {
				fn(w.instant(openS), w.instant(openE))
			}
			openS, openE, open = s, e, true
		}
	}
	if open {
		fn(w.instant(openS), w.instant(openE))
	}
}

// zoneCursor caches the UTC offset in force over a stretch of time, so the
// walk turns local days into instants with a subtraction and asks the
// time package again only when it crosses a transition (twice a year).
type zoneCursor struct {
	loc         *time.Location
	off         int64 // seconds east of UTC
	from, until int64 // unix seconds; off holds for [from, until)
}

func (z *zoneCursor) at(unix int64) {
	t := time.Unix(unix, 0).In(z.loc)
	_, off := t.Zone()
	s, e := t.ZoneBounds()
	z.off = int64(off)
	z.from, z.until = math.MinInt64, math.MaxInt64
	if !s.IsZero() {
		z.from = s.Unix()
	}
	if !e.IsZero() {
		z.until = e.Unix()
	}
	if z.until > unix {
		return
	}
	// ZoneBounds can report an end at or before the instant asked about: on
	// 31 December of leap years served by the zone's TZ footer rule, such as
	// 2040 in Europe/London (golang/go#81583). That end is a clipped year
	// boundary, not a transition, and asking again there gets the same
	// answer, so a walk would never move on. Look a day later instead and
	// keep the offset if it holds across the gap; failing that, trust it
	// for an hour only, which is slow but still correct.
	z.from, z.until = unix, unix+3600
	probe := unix + secsPerDay
	next := time.Unix(probe, 0).In(z.loc)
	if _, off := next.Zone(); int64(off) != z.off {
		return
	}
	s2, e2 := next.ZoneBounds()
	if s2.IsZero() || e2.IsZero() || s2.Unix() > probe || e2.Unix() <= probe {
		return
	}
	if s2.Unix() > unix {
		if _, off := time.Unix(s2.Unix()-1, 0).In(z.loc).Zone(); int64(off) != z.off {
			return
		}
	}
	z.until = e2.Unix()
}

// walker visits a calendar's local days in order from a starting instant.
// Positions are nanoseconds relative to base (a whole unix second), which
// keeps the arithmetic in int64 without losing sub-second precision.
type walker struct {
	c    *Calendar
	base int64
	day  int64
	z    zoneCursor
	buf  [MaxIntervalsPerDay]span
}

// workDay is one local day's working time as positions relative to the
// walker's base: span offsets plus shift (shift is zero when the spans were
// computed individually on a zone-transition day).
type workDay struct {
	spans []span
	shift int64
	total int64
	start int64 // position of local midnight
}

// init positions the walker on t's local day and returns t's position.
func (w *walker) init(c *Calendar, t time.Time) int64 {
	w.c = c
	w.base = t.Unix()
	w.z.loc = c.loc
	w.z.at(w.base)
	w.day = floorDiv(w.base+w.z.off, secsPerDay)
	return int64(t.Nanosecond())
}

// position returns t relative to the walker's base, clamped to the horizon.
func (w *walker) position(t time.Time) int64 {
	d := t.Unix() - w.base
	if d > walkHorizon {
		return walkHorizon * nsPerSecond
	}
	return d*nsPerSecond + int64(t.Nanosecond())
}

func (w *walker) instant(p int64) time.Time {
	return time.Unix(w.base, p).In(w.c.loc)
}

// nextDay returns the next local day's working time and advances. It returns
// false once the walk passes its horizon (about 250 years), so a walk always
// ends even for absurd inputs.
func (w *walker) nextDay() (workDay, bool) {
	n := w.day
	w.day++
	start := n*secsPerDay - w.z.off
	for start >= w.z.until {
		w.z.at(w.z.until)
		start = n*secsPerDay - w.z.off
	}
	if start-w.base > walkHorizon {
		return workDay{start: walkHorizon * nsPerSecond}, false
	}
	day := workDay{start: (start - w.base) * nsPerSecond}
	wd := weekdayOfDay(n)
	if w.c.dayTotal[wd] == 0 || w.c.isHolidayDay(n) {
		return day, true
	}
	if start >= w.z.from && start+secsPerDay <= w.z.until {
		day.spans, day.shift, day.total = w.c.week[wd], day.start, w.c.dayTotal[wd]
		return day, true
	}
	// The offset changes during this day: map each wall-clock edge to its
	// instant with time.Date, which applies the zone's rules for skipped
	// and repeated hours, so 09:00–17:00 stays 09:00–17:00 local.
	date := dateOfDay(n)
	edge := func(wall int64) int64 {
		t := time.Date(date.Year, date.Month, date.Day, 0, 0, int(wall/nsPerSecond), int(wall%nsPerSecond), w.c.loc)
		return (t.Unix()-w.base)*nsPerSecond + int64(t.Nanosecond())
	}
	prev := int64(math.MinInt64)
	spans := w.buf[:0]
	for _, sp := range w.c.week[wd] {
		s := max(edge(sp.start), prev)
		e := max(edge(sp.end), s)
		spans = append(spans, span{s, e})
		day.total += e - s
		prev = e
	}
	day.spans = spans
	return day, true
}

// WorkingSpans returns the maximal pieces of working time within
// [from, to), in order. Availability targets over business hours count
// only these.
func (c *Calendar) WorkingSpans(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	c.eachWorkingSpan(from, to, func(s, e time.Time) { out = append(out, [2]time.Time{s, e}) })
	return out
}
