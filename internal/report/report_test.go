package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
	"github.com/steward-itsm/steward/internal/sla"
)

func london(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, itsm.ReportLocation())
}

// clock makes an evaluated SLA clock: met at metAt (zero: still running),
// due at due, with elapsed business time.
func clock(metAt, due time.Time, elapsed time.Duration, now time.Time) sla.Clock {
	c := sla.Clock{Due: due, Elapsed: elapsed}
	if !metAt.IsZero() {
		c.Met, c.MetAt, c.Breached = true, metAt, metAt.After(due)
	} else {
		c.Breached = now.After(due)
	}
	return c
}

// sampleReport covers June and July 2026 (July starts at 23:00 UTC on 30
// June) with a customer whose name would be a formula, one month with
// nothing resolved and an open breach.
func sampleReport(t *testing.T) *itsm.SLAReport {
	t.Helper()
	f := itsm.SLAReportFilter{From: london(2026, 6, 1, 0, 0), To: london(2026, 8, 1, 0, 0)}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	now := london(2026, 7, 20, 12, 0)
	b := itsm.NewSLAReportBuilder(f)
	provider := int64(2)
	evil := itsm.SLAReportTicket{OrgID: 3, OrgName: `=HYPERLINK("http://example.test","Click")`, ProviderID: &provider, ProviderName: "Hosting <&> Ltd", Priority: "P2"}
	plain := itsm.SLAReportTicket{OrgID: 4, OrgName: "Beta Health Board", Priority: "P3"}
	add := func(id int64, tk itsm.SLAReportTicket, resp, res sla.Clock) {
		tk.ID = id
		b.Add(tk, sla.Result{Response: resp, Resolution: res})
	}
	// June: two answered on time, one late; two resolved (2 h on time, 10 h late).
	add(1, evil, clock(london(2026, 6, 1, 9, 30), london(2026, 6, 1, 10, 0), 0, now), clock(london(2026, 6, 1, 11, 0), london(2026, 6, 1, 17, 0), 2*time.Hour, now))
	add(2, evil, clock(london(2026, 6, 2, 11, 0), london(2026, 6, 2, 10, 0), 0, now), clock(london(2026, 6, 3, 17, 0), london(2026, 6, 2, 17, 0), 10*time.Hour, now))
	add(3, plain, clock(london(2026, 6, 30, 16, 0), london(2026, 6, 30, 17, 0), 0, now), clock(time.Time{}, london(2026, 7, 31, 17, 0), time.Hour, now))
	// July: an open ticket breached on both clocks.
	add(4, plain, clock(time.Time{}, london(2026, 7, 1, 10, 0), 0, now), clock(time.Time{}, london(2026, 7, 3, 17, 0), 0, now))
	return b.Report(now)
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"Alpha Council":     "Alpha Council",
		"=1+1":              "'=1+1",
		"+44 20 7946 0000":  "'+44 20 7946 0000",
		"-2+3":              "'-2+3",
		"@SUM(A1:A2)":       "'@SUM(A1:A2)",
		"\tx":               "'\tx",
		"\rx":               "'\rx",
		"-12":               "-12",
		"+3.5":              "+3.5",
		"-":                 "'-",
		"12":                "12",
		"a=b":               "a=b",
		"2026-01-01T00:00Z": "2026-01-01T00:00Z",
	} {
		if got := report.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteSLACSV(t *testing.T) {
	r := sampleReport(t)
	var buf bytes.Buffer
	if err := report.WriteSLACSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v\n%s", err, buf.String())
	}
	if len(recs) != 1+len(r.Rows) {
		t.Fatalf("%d records for %d rows", len(recs), len(r.Rows))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok {
			t.Fatalf("no column %q in %v", name, recs[0])
		}
		return rec[i]
	}
	// Rows: June's two groups and total, July's group and total, overall.
	first := recs[1]
	for name, want := range map[string]string{
		"month": "2026-06", "month_start": "2026-05-31T23:00:00Z", "level": "group", "provider_id": "2", "provider": "Hosting <&> Ltd",
		"organisation": `'=HYPERLINK("http://example.test","Click")`, "priority": "P2", "tickets": "2",
		"responses": "2", "responses_met": "1", "response_met_percent": "50.00", "response_breaches": "1",
		"resolutions": "2", "resolutions_met": "1", "resolution_met_percent": "50.00", "resolution_breaches": "1",
		"resolved": "2", "mean_resolve_seconds": "21600", "median_resolve_seconds": "21600", "p90_resolve_seconds": "36000",
		"as_at": "2026-07-20T11:00:00Z",
	} {
		if got := get(first, name); got != want {
			t.Errorf("first row %s = %q, want %q", name, got, want)
		}
	}
	july := recs[4]
	for name, want := range map[string]string{
		"month": "2026-07", "month_start": "2026-06-30T23:00:00Z", "level": "group", "provider": "Not escalated", "provider_id": "",
		"responses": "1", "response_met_percent": "0.00", "response_breaches_open": "1",
		"resolutions": "1", "resolution_breaches_open": "1", "resolved": "0", "mean_resolve_seconds": "",
	} {
		if got := get(july, name); got != want {
			t.Errorf("July's row %s = %q, want %q", name, got, want)
		}
	}
	overall := recs[len(recs)-1]
	for name, want := range map[string]string{
		"month": "", "month_start": "", "level": "overall", "provider": "", "organisation": "",
		"tickets": "4", "responses": "4", "responses_met": "2", "response_met_percent": "50.00",
		"resolutions": "3", "resolutions_met": "1", "resolution_met_percent": "33.33",
	} {
		if got := get(overall, name); got != want {
			t.Errorf("overall %s = %q, want %q", name, got, want)
		}
	}
}

func TestWriteSLAXLSX(t *testing.T) {
	r := sampleReport(t)
	var buf bytes.Buffer
	if err := report.WriteSLAXLSX(&buf, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("workbook does not open: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "SLA compliance" || got[1] != "About this report" {
		t.Fatalf("sheets %v", got)
	}
	const sh = "SLA compliance"
	rows, err := f.GetRows(sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(r.Rows) || rows[0][0] != "Month" || rows[0][8] != "Response met %" {
		t.Fatalf("rows: %q", rows)
	}
	// Formatted as people see them.
	if rows[1][0] != "June 2026" || rows[1][3] != `=HYPERLINK("http://example.test","Click")` || rows[1][8] != "50.0%" || rows[1][17] != "6.00" || rows[1][19] != "10.00" {
		t.Fatalf("first row %q", rows[1])
	}
	if last := rows[len(rows)-1]; last[0] != "All months" || last[1] != "Overall total" || last[13] != "33.3%" {
		t.Fatalf("overall row %q", last)
	}
	// A name that looks like a formula is text, not a formula.
	if formula, _ := f.GetCellFormula(sh, "D2"); formula != "" {
		t.Fatalf("D2 is a formula: %q", formula)
	}
	// Numbers are numbers: the percentage is stored as a fraction.
	if raw, _ := f.GetCellValue(sh, "I2", excelize.Options{RawCellValue: true}); raw != "0.5" {
		t.Fatalf("I2 raw value %q, want 0.5", raw)
	}
	if typ, _ := f.GetCellType(sh, "F2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Fatalf("F2 type %v", typ)
	}
	// A month with nothing resolved has empty times, not zero.
	if v, _ := f.GetCellValue(sh, "R5"); v != "" {
		t.Fatalf("July's mean time %q, want empty", v)
	}
	panes, err := f.GetPanes(sh)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Fatalf("header not frozen: %+v %v", panes, err)
	}
	hasFilter := false
	for _, dn := range f.GetDefinedName() {
		hasFilter = hasFilter || dn.Name == "_xlnm._FilterDatabase" && dn.Scope == sh
	}
	if !hasFilter {
		t.Fatalf("no filter on the header: %+v", f.GetDefinedName())
	}
	if w, _ := f.GetColWidth(sh, "D"); w < 20 {
		t.Fatalf("customer column width %v", w)
	}
	// Totals are bold.
	id, _ := f.GetCellStyle(sh, "F4")
	if st, _ := f.GetStyle(id); st == nil || st.Font == nil || !st.Font.Bold {
		t.Fatalf("June's total is not bold: %+v", st)
	}
	// The notes say what the file covers and when it was worked out.
	notes, _ := f.GetRows("About this report")
	text := fmt.Sprint(notes)
	for _, want := range []string{"June 2026 to July 2026", "2026-07-20 11:00:00", "All customers", "How tickets are counted", "breach in the month the clock fell due"} {
		if !strings.Contains(text, want) {
			t.Errorf("notes lack %q: %q", want, notes)
		}
	}
}

func TestWriteXLSXValueTypes(t *testing.T) {
	when := time.Date(2026, 11, 29, 14, 5, 0, 0, time.FixedZone("BST", 3600))
	var none *int64
	seven := int64(7)
	var buf bytes.Buffer
	err := report.WriteXLSX(&buf, "Tickets: all/open?", []string{"Text", "Int", "Pointer", "Nil", "Time", "Percent", "Hours", "Month", "Bool"},
		[][]any{{"@cmd", 42, &seven, none, when, report.Percent(95.5), report.Hours(1.25), report.Month(london(2026, 7, 1, 0, 0)), true}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sh := f.GetSheetList()[0]
	if sh != "Tickets  all open" {
		t.Fatalf("sheet name %q", sh)
	}
	rows, _ := f.GetRows(sh)
	want := []string{"@cmd", "42", "7", "", "2026-11-29 13:05:00", "95.5%", "1.25", "July 2026", "TRUE"}
	if len(rows) != 2 || strings.Join(rows[1], "|") != strings.Join(want, "|") {
		t.Fatalf("row %q, want %q", rows[1], want)
	}
}

func TestWriteCSVGeneric(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, []string{"ref", "title"}, [][]string{{"INC-000001", "=cmd|' /C calc'!A0"}, {"INC-000002", "Line one\nline two, \"quoted\""}}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[1][1] != "'=cmd|' /C calc'!A0" || recs[2][1] != "Line one\nline two, \"quoted\"" {
		t.Fatalf("records %q", recs)
	}
}

func TestSLATrendSVG(t *testing.T) {
	r := sampleReport(t)
	svg := report.SLATrendSVG(r, report.ChartOptions{ID: "trend 1"})
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var (
		stack   []string
		title   string
		desc    string
		ids     = map[string]bool{}
		root    xml.StartElement
		circles int
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				root = tok.Copy()
			}
			stack = append(stack, tok.Name.Local)
			switch tok.Name.Local {
			case "script", "style", "foreignObject", "image", "a":
				t.Fatalf("SVG has a <%s> element", tok.Name.Local)
			case "circle":
				circles++
			}
			for _, a := range tok.Attr {
				if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") || a.Name.Local == "href" {
					t.Fatalf("SVG has a %s attribute on <%s>", a.Name.Local, tok.Name.Local)
				}
				if a.Name.Local == "id" {
					ids[a.Value] = true
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 2 && stack[1] == "title" {
				title += string(tok)
			}
			if len(stack) == 2 && stack[1] == "desc" {
				desc += string(tok)
			}
		}
	}
	attr := func(name string) string {
		for _, a := range root.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	if root.Name.Local != "svg" || attr("role") != "img" || attr("viewBox") == "" {
		t.Fatalf("root %+v", root)
	}
	for _, id := range strings.Fields(attr("aria-labelledby")) {
		if !ids[id] {
			t.Fatalf("aria-labelledby names %q, which is not in the SVG", id)
		}
	}
	if title != "Service level targets met by month, June 2026 to July 2026" {
		t.Fatalf("title %q", title)
	}
	for _, want := range []string{"June 2026, 66.7% met (2 of 3 responses)", "July 2026, 0% met (0 of 1 response)", "June 2026, 50% met (1 of 2 resolutions)"} {
		if !strings.Contains(desc, want) {
			t.Errorf("description lacks %q:\n%s", want, desc)
		}
	}
	// One response marker a month plus the legend's.
	if circles != 3 {
		t.Fatalf("%d circles", circles)
	}
}

func TestSLATrendSVGNothingCounted(t *testing.T) {
	f := itsm.SLAReportFilter{From: london(2026, 1, 1, 0, 0), To: london(2026, 4, 1, 0, 0)}
	r := itsm.NewSLAReportBuilder(f).Report(london(2026, 4, 2, 0, 0))
	svg := string(report.SLATrendSVG(r, report.ChartOptions{}))
	if !strings.Contains(svg, "Nothing was counted in this period.") || !strings.Contains(svg, "January 2026, no responses counted") || strings.Contains(svg, "<path") {
		t.Fatalf("empty chart:\n%s", svg)
	}
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatal(err)
	}
}
