package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// What the analysis pages share: figures in words, outages as rows, and the
// reading of periods.

// parseDay reads a YYYY-MM-DD date as the start of that day in UTC.
func parseDay(s string) (time.Time, error) { return time.Parse("2006-01-02", s) }

// statsRow is one line of a table of figures.
type statsRow struct {
	Label, Availability, Target, P50, P95, P99, Downtime string
	Outages                                              int
	Met                                                  *bool
}

// statsTable is a table of figures with its caption.
type statsTable struct {
	Caption string
	Rows    []statsRow
}

// targetText says the target and whether it was met: "99.5%: met",
// "99.5%: missed", "99.5%: no data", or "None set".
func targetText(st *itsm.AvailabilityStats) string {
	if st.TargetPercent <= 0 {
		return "None set"
	}
	t := report.AvailabilityText(st.TargetPercent)
	switch {
	case st.TargetMet == nil:
		return t + ": no data"
	case *st.TargetMet:
		return t + ": met"
	}
	return t + ": missed"
}

func newStatsRow(label string, st *itsm.AvailabilityStats) statsRow {
	row := statsRow{Label: label, Availability: report.AvailabilityText(st.Percent), Target: targetText(st),
		Outages: st.Outages, Downtime: report.DowntimeText(st.Downtime), Met: st.TargetMet}
	if st.Samples > 0 && st.Samples > st.Failures {
		row.P50, row.P95, row.P99 = report.LatencyText(st.P50), report.LatencyText(st.P95), report.LatencyText(st.P99)
	} else {
		row.P50, row.P95, row.P99 = "No data", "No data", "No data"
	}
	return row
}

// checkStateLabels name a check's own statuses, which differ from a
// service's on the status page.
var checkStateLabels = map[string]string{
	itsm.CheckUp: "Up", itsm.CheckDown: "Down", itsm.CheckWarning: "Warning", itsm.CheckMaintenance: "Failing during maintenance",
	itsm.CheckUnknown: "Not run yet",
}

// checkState is a check's status as a page shows it.
type checkState struct{ Status string }

func (v checkState) service() serviceState {
	switch v.Status {
	case itsm.CheckUp:
		return serviceState{itsm.StatusOperational}
	case itsm.CheckDown:
		return serviceState{itsm.StatusOutage}
	case itsm.CheckWarning:
		return serviceState{itsm.StatusDegraded}
	case itsm.CheckMaintenance:
		return serviceState{itsm.StatusMaintenance}
	}
	return serviceState{itsm.StatusNoData}
}

// Label is the status in words.
func (v checkState) Label() string {
	if l, ok := checkStateLabels[v.Status]; ok {
		return l
	}
	return v.Status
}

// Icon is the design system icon of the status.
func (v checkState) Icon() string { return v.service().Icon() }

// Tag is the tag colour of the status.
func (v checkState) Tag() string { return v.service().Tag() }

// outageView is an outage as the lists show it.
type outageView struct {
	*itsm.Outage
	now time.Time
}

// Open reports whether the outage is still going on.
func (v outageView) Open() bool { return v.EndedAt == nil }

// DurationText says how long it lasted, or has lasted so far.
func (v outageView) DurationText() string {
	d := report.DowntimeText(v.Duration(v.now))
	if v.EndedAt == nil {
		return d + " so far"
	}
	return d
}

// Where names the service and component.
func (v outageView) Where() string {
	if v.Component == "" || v.Component == v.Service {
		return v.Service
	}
	return v.Service + ": " + v.Component
}

func outageViews(list []*itsm.Outage, now time.Time) []outageView {
	out := make([]outageView, len(list))
	for i, o := range list {
		out[i] = outageView{Outage: o, now: now}
	}
	return out
}

// seriesRow is one row of a chart's data table.
type seriesRow struct {
	Period, Availability, P50, P95, P99 string
	Maintenance                         bool
}

func seriesRows(points []itsm.SeriesPoint, step time.Duration, loc *time.Location) []seriesRow {
	rows := make([]seriesRow, len(points))
	for i, p := range points {
		r := seriesRow{Period: report.BucketLabel(p.At, step, loc), Availability: report.DayFigures(p.Samples, p.Failures, p.Percent, false), Maintenance: p.Maintenance}
		if p.Samples > 0 {
			r.P50, r.P95, r.P99 = report.LatencyText(p.P50), report.LatencyText(p.P95), report.LatencyText(p.P99)
		} else {
			r.P50, r.P95, r.P99 = "–", "–", "–"
		}
		rows[i] = r
	}
	return rows
}

// kindLabel names a check's kind.
func kindLabel(kind string) string { return itsm.ChoiceLabel(itsm.CheckKinds, kind) }

// secondsText says a duration in whole seconds or minutes: "30 seconds",
// "5 minutes".
func secondsText(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return report.DowntimeText(d)
	}
	if d < time.Second {
		return report.LatencyText(d)
	}
	n := int64(d / time.Second)
	if n == 1 {
		return "1 second"
	}
	return strconv.FormatInt(n, 10) + " seconds"
}

// analysisPeriod is a period of the availability report: a UK month, an
// ISO week (Monday to Sunday, UK time) or a UK day.
type analysisPeriod struct {
	Kind     string // "month", "week" or "day"
	Value    string // as in the query: 2026-11, 2026-W48, 2026-11-29
	From, To time.Time
	Label    string
}

// parseAnalysisPeriod reads one of month, week and day from q (the current
// month when none is given); more than one, or one that is not a real
// period, is an EINVALID error naming the field.
func parseAnalysisPeriod(month, week, day string, now time.Time) (analysisPeriod, error) {
	loc := itsm.ReportLocation()
	given := 0
	for _, s := range []string{month, week, day} {
		if strings.TrimSpace(s) != "" {
			given++
		}
	}
	if given > 1 {
		field := "week"
		if strings.TrimSpace(month) == "" {
			field = "day"
		}
		return analysisPeriod{}, &itsm.Error{Code: itsm.EINVALID, Message: "Choose a month, a week or a day, not more than one.",
			Fields: map[string]string{field: "Choose a month, a week or a day, not more than one."}}
	}
	switch {
	case strings.TrimSpace(week) != "":
		week = strings.TrimSpace(week)
		var y, w int
		if n, err := fmt.Sscanf(week, "%d-W%d", &y, &w); err != nil || n != 2 || len(week) != 8 || w < 1 || w > 53 || y < 2000 || y > 2100 {
			return analysisPeriod{}, fieldErr("week", "Enter the week as a year and week number, like 2026-W48.")
		}
		// ISO week 1 holds 4 January; weeks start on Monday.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(w-1))
		if _, iw := monday.ISOWeek(); iw != w {
			return analysisPeriod{}, fieldErr("week", fmt.Sprintf("%d has no week %d: choose a week from 1 to 52 or 53.", y, w))
		}
		end := monday.AddDate(0, 0, 7)
		return analysisPeriod{Kind: "week", Value: week, From: monday, To: end,
			Label: "week " + strconv.Itoa(w) + " of " + strconv.Itoa(y) + " (" + monday.Format("2 January") + " to " + end.AddDate(0, 0, -1).Format("2 January 2006") + ")"}, nil
	case strings.TrimSpace(day) != "":
		day = strings.TrimSpace(day)
		t, err := time.ParseInLocation("2006-01-02", day, loc)
		if err != nil {
			return analysisPeriod{}, fieldErr("day", "Enter the day as a real date, like 2026-11-29.")
		}
		return analysisPeriod{Kind: "day", Value: day, From: t, To: t.AddDate(0, 0, 1), Label: t.Format("2 January 2006")}, nil
	}
	m := itsm.MonthStart(now)
	if s := strings.TrimSpace(month); s != "" {
		var err error
		if m, err = itsm.ParseMonth(s); err != nil {
			return analysisPeriod{}, fieldErr("month", "Enter the month as a year and month, like 2026-11.")
		}
	}
	return analysisPeriod{Kind: "month", Value: m.In(loc).Format("2006-01"), From: m, To: itsm.AddMonths(m, 1), Label: m.In(loc).Format("January 2006")}, nil
}

// measured clips a period to now: figures stop at the present, and a
// period that has not begun is refused.
func (p analysisPeriod) measured(now time.Time) (time.Time, time.Time, error) {
	if !p.From.Before(now) {
		return time.Time{}, time.Time{}, fieldErr(p.Kind, "That "+p.Kind+" has not begun yet: choose one that has.")
	}
	to := p.To
	if to.After(now) {
		to = now.Truncate(time.Minute).Add(time.Minute)
	}
	return p.From, to, nil
}

// outageTable is what the "outageTable" partial draws.
type outageTable struct {
	Page      *basePage
	Caption   string
	Rows      []outageView
	ShowCheck bool
}

// stepText names a chart's bucket: "15 minutes", "1 hour", "1 day".
func stepText(step time.Duration) string { return report.DowntimeText(step) }
