package report

import (
	"io"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// AvailabilityRow is one line of the availability report: a service (its
// checks pooled) or one check, with its figures over the report's period.
type AvailabilityRow struct {
	// Level is "service" or "check".
	Level     string
	Service   string
	Check     string // empty for a service
	Component string
	Provider  string
	Stats     itsm.AvailabilityStats
}

// AvailabilityHeader is the availability report's columns, in both CSV and
// XLSX. Percentages are numbers (99.95), response times milliseconds and
// downtime seconds, so that a spreadsheet can sum and compare them.
var AvailabilityHeader = []string{
	"Level", "Service", "Check", "Component", "Provider", "Period start (UTC)", "Period end (UTC)",
	"Availability %", "Target %", "Target met", "Samples", "Failures",
	"Median response ms", "p95 response ms", "p99 response ms", "Outages", "Downtime seconds",
}

// AvailabilitySheetName is the name of the report's sheet.
const AvailabilitySheetName = "Availability"

func targetMetText(st itsm.AvailabilityStats) string {
	switch {
	case st.TargetMet == nil:
		return ""
	case *st.TargetMet:
		return "yes"
	}
	return "no"
}

func percentOrBlank(p float64) string {
	if p < 0 {
		return ""
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// WriteAvailabilityCSV writes the report as CSV: instants in RFC 3339 UTC,
// percentages to three decimal places (blank without samples), response
// times in milliseconds and downtime in seconds.
func WriteAvailabilityCSV(w io.Writer, rows []AvailabilityRow) error {
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		st := r.Stats
		target := ""
		if st.TargetPercent > 0 {
			target = strconv.FormatFloat(st.TargetPercent, 'f', -1, 64)
		}
		out = append(out, []string{
			r.Level, r.Service, r.Check, r.Component, r.Provider, Time(st.From), Time(st.To),
			percentOrBlank(st.Percent), target, targetMetText(st),
			strconv.FormatInt(st.Samples, 10), strconv.FormatInt(st.Failures, 10),
			strconv.FormatInt(st.P50.Milliseconds(), 10), strconv.FormatInt(st.P95.Milliseconds(), 10), strconv.FormatInt(st.P99.Milliseconds(), 10),
			strconv.Itoa(st.Outages), strconv.FormatInt(int64(st.Downtime/time.Second), 10),
		})
	}
	return WriteCSV(w, AvailabilityHeader, out)
}

// WriteAvailabilityXLSX writes the report as a workbook of one sheet with
// the same columns as the CSV; services' lines are in bold.
func WriteAvailabilityXLSX(w io.Writer, rows []AvailabilityRow) error {
	out := make([][]any, 0, len(rows))
	for _, r := range rows {
		st := r.Stats
		var pct, target any
		if st.Percent >= 0 {
			pct = float64(int64(st.Percent*1000)) / 1000
		}
		if st.TargetPercent > 0 {
			target = st.TargetPercent
		}
		out = append(out, []any{
			r.Level, r.Service, r.Check, r.Component, r.Provider, st.From.UTC(), st.To.UTC(),
			pct, target, targetMetText(st), st.Samples, st.Failures,
			st.P50.Milliseconds(), st.P95.Milliseconds(), st.P99.Milliseconds(), st.Outages, int64(st.Downtime / time.Second),
		})
	}
	return writeXLSX(w, xlsxSheet{name: AvailabilitySheetName, header: AvailabilityHeader, rows: out, filter: true,
		bold: func(i int) bool { return rows[i].Level == "service" }})
}
