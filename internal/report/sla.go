package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// slaCSVHeader names the SLA report's CSV columns: machine-friendly names,
// since a CSV is read by programs as often as by people.
var slaCSVHeader = []string{
	"month", "month_start", "level", "provider_id", "provider", "organisation_id", "organisation", "priority",
	"tickets",
	"responses", "responses_met", "response_met_percent", "response_breaches", "response_breaches_open",
	"resolutions", "resolutions_met", "resolution_met_percent", "resolution_breaches", "resolution_breaches_open",
	"resolved", "mean_resolve_seconds", "median_resolve_seconds", "p90_resolve_seconds", "as_at",
}

// WriteSLACSV writes an SLA compliance report as CSV, one line per row of
// the report (groups, month totals and the overall total, told apart by
// the level column). Months are ISO 8601 ("2026-01") with the month's first
// instant in RFC 3339 UTC beside them; percentages have two decimal places
// and are empty when nothing was counted; times are whole seconds of
// business time. The last column, as_at, is when the clocks were evaluated
// (RFC 3339 UTC), since later changes to tickets can change earlier months.
func WriteSLACSV(w io.Writer, r *itsm.SLAReport) error {
	rows := make([][]string, 0, len(r.Rows))
	asAt := Time(r.AsAt)
	for i := range r.Rows {
		row := &r.Rows[i]
		var provider, org string
		if row.Level == itsm.SLAGroupRow {
			provider, org = row.ProviderLabel(), row.OrgName
		}
		rows = append(rows, []string{
			ISOMonth(row.Month), Time(row.Month), string(row.Level), optInt(row.ProviderID), provider, intOrBlank(row.OrgID), org, row.Priority,
			strconv.Itoa(row.Tickets),
			strconv.Itoa(row.Responses), strconv.Itoa(row.ResponsesMet), optPercent(row.ResponseMetPercent), strconv.Itoa(row.ResponseBreaches), strconv.Itoa(row.ResponseBreachesOpen),
			strconv.Itoa(row.Resolutions), strconv.Itoa(row.ResolutionsMet), optPercent(row.ResolutionMetPercent), strconv.Itoa(row.ResolutionBreaches), strconv.Itoa(row.ResolutionBreachesOpen),
			strconv.Itoa(row.Resolved), optInt(row.MeanResolveSeconds), optInt(row.MedianResolveSeconds), optInt(row.P90ResolveSeconds), asAt,
		})
	}
	return WriteCSV(w, slaCSVHeader, rows)
}

// slaXLSXHeader names the SLA report's spreadsheet columns for people.
var slaXLSXHeader = []string{
	"Month", "Row", "Provider", "Customer", "Priority",
	"Tickets",
	"Responses", "Responses met", "Response met %", "Response breaches", "of which open",
	"Resolutions", "Resolutions met", "Resolution met %", "Resolution breaches", "of which open",
	"Resolved", "Mean hours to resolve", "Median hours to resolve", "90th percentile hours to resolve",
}

// SLASheetName is the name of the SLA report's sheet.
const SLASheetName = "SLA compliance"

// SLANotesSheetName is the name of the sheet that says what the SLA report
// covers and how it counts.
const SLANotesSheetName = "About this report"

// WriteSLAXLSX writes an SLA compliance report as a workbook. The first
// sheet, "SLA compliance", has the figures: months as dates shown "January
// 2026", percentages as percentages, times to resolve in business hours,
// totals in bold, a filter on every column. The second, "About this
// report", gives the period, when the clocks were evaluated, the filters
// and the counting rules, so that the file stands on its own as evidence.
func WriteSLAXLSX(w io.Writer, r *itsm.SLAReport) error {
	rows := make([][]any, 0, len(r.Rows))
	for i := range r.Rows {
		row := &r.Rows[i]
		var month any
		if !row.Month.IsZero() {
			month = Month(row.Month)
		} else {
			month = "All months"
		}
		rows = append(rows, []any{
			month, row.Level.Label(), row.ProviderLabel(), row.OrgLabel(), row.PriorityLabel(),
			row.Tickets,
			row.Responses, row.ResponsesMet, optPercentCell(row.ResponseMetPercent), row.ResponseBreaches, row.ResponseBreachesOpen,
			row.Resolutions, row.ResolutionsMet, optPercentCell(row.ResolutionMetPercent), row.ResolutionBreaches, row.ResolutionBreachesOpen,
			row.Resolved, hoursCell(row.MeanResolveSeconds), hoursCell(row.MedianResolveSeconds), hoursCell(row.P90ResolveSeconds),
		})
	}
	return writeXLSX(w,
		xlsxSheet{name: SLASheetName, header: slaXLSXHeader, rows: rows, filter: true,
			bold: func(i int) bool { return r.Rows[i].Level != itsm.SLAGroupRow }},
		xlsxSheet{name: SLANotesSheetName, header: []string{"Item", "Detail"}, rows: slaNotes(r)})
}

// slaNotes describes what a report covers and how it counts.
func slaNotes(r *itsm.SLAReport) [][]any {
	period := ""
	if n := len(r.Months); n > 0 {
		period = longMonth(r.Months[0])
		if n > 1 {
			period += " to " + longMonth(r.Months[n-1])
		}
	}
	f := r.Filter
	customer, provider, priority, types := "All customers", "All providers", "All priorities", "Incidents and requests"
	if f.OrgID != nil {
		customer = "Organisation " + strconv.FormatInt(*f.OrgID, 10)
	}
	if f.ProviderID != nil {
		provider = "Organisation " + strconv.FormatInt(*f.ProviderID, 10)
	}
	for i := range r.Rows {
		row := &r.Rows[i]
		if f.OrgID != nil && row.OrgID == *f.OrgID && row.OrgName != "" {
			customer = row.OrgName
		}
		if f.ProviderID != nil && row.ProviderID != nil && *row.ProviderID == *f.ProviderID && row.ProviderName != "" {
			provider = row.ProviderName
		}
	}
	if f.Priority != nil {
		priority = *f.Priority
	}
	if f.Type != nil {
		types = f.Type.Label() + "s only"
	}
	notes := [][]any{
		{"Report", "SLA compliance: response and resolution targets met"},
		{"Period", period},
		{"Worked out at (UTC)", r.AsAt},
		{"Customer", customer},
		{"Provider", provider},
		{"Priority", priority},
		{"Tickets", types},
	}
	if r.Unmeasured > 0 {
		notes = append(notes, []any{"Tickets that could not be measured", fmt.Sprintf("%d: %s", r.Unmeasured, strings.Join(r.UnmeasuredRefs, ", "))})
	}
	for i, rule := range itsm.SLAReportRules() {
		label := ""
		if i == 0 {
			label = "How tickets are counted"
		}
		notes = append(notes, []any{label, rule})
	}
	return notes
}

func optInt(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

func intOrBlank(v int64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

func optPercent(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', 2, 64)
}

func optPercentCell(p *float64) any {
	if p == nil {
		return nil
	}
	return Percent(*p)
}

func hoursCell(s *int64) any {
	if s == nil {
		return nil
	}
	return Hours(float64(*s) / 3600)
}
