package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/steward-itsm/steward/internal/itsm"
)

// ReviewPackPDF writes a provider performance review pack as an A4 PDF: the
// same sections and figures as the pack page, as real text (the standard
// Helvetica font, Windows-1252 encoded), so that it can be searched, copied
// and read by assistive technology and by pdftotext. Dates and times are in
// loc (UK time when nil).
func ReviewPackPDF(w io.Writer, p *itsm.ReviewPack, loc *time.Location) error {
	if loc == nil {
		loc = itsm.ReportLocation()
	}
	d := &packPDF{pdf: fpdf.New("P", "mm", "A4", ""), loc: loc}
	d.tr = d.pdf.UnicodeTranslatorFromDescriptor("")
	r := p.Review
	pdf := d.pdf
	pdf.SetTitle(r.Title+": "+r.ProviderName, true)
	pdf.SetSubject("Provider performance review pack", true)
	pdf.SetAuthor("Steward", true)
	pdf.SetLang("en-GB")
	pdf.SetCreationDate(p.AsAt)
	pdf.SetModificationDate(p.AsAt)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(80, 80, 80)
		pdf.CellFormat(0, 5, d.tr(fmt.Sprintf("%s: %s. Page %d of {nb}. Prepared %s.", r.ProviderName, r.Title, pdf.PageNo(), d.dateTime(p.AsAt))), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 18)
	pdf.MultiCell(0, 8, d.tr(r.Title), "", "L", false)
	pdf.SetFont("Helvetica", "", 11)
	d.line("Provider: " + r.ProviderName)
	d.line("Period: " + d.date(r.PeriodFrom) + " to " + d.date(r.PeriodTo))
	d.line("Meeting: " + d.dateTime(r.MeetingAt) + locationText(r.Location))
	d.line("Status: " + itsm.ChoiceLabel(itsm.ReviewStatuses, r.Status))
	pdf.Ln(2)

	sc := p.Scorecard
	d.heading("Scorecard")
	d.table([]string{"Measure", "Figure"}, []float64{90, 90}, [][]string{
		{"Response targets met", OptionalPercent(sc.ResponsePercent, "None counted")},
		{"Resolution targets met", OptionalPercent(sc.ResolutionPercent, "None counted")},
		{"Availability", AvailabilityFigure(p)},
		{"Changes delivered on time", OptionalPercent(sc.OnTimePercent, "No changes delivered")},
		{"Changes delivered within budget", OptionalPercent(sc.WithinBudgetPercent, "No changes delivered")},
	})

	d.heading("1. Service levels by priority")
	rows := [][]string{}
	for _, s := range p.SLA {
		prio := s.Priority
		if s.Level == itsm.SLAOverallRow {
			prio = "All priorities"
		}
		rows = append(rows, []string{prio, strconv.Itoa(s.Tickets),
			metText(s.ResponseMetPercent, s.ResponsesMet, s.Responses), metText(s.ResolutionMetPercent, s.ResolutionsMet, s.Resolutions),
			strconv.Itoa(s.ResponseBreaches + s.ResolutionBreaches),
			SecondsText(s.MeanResolveSeconds), SecondsText(s.MedianResolveSeconds), SecondsText(s.P90ResolveSeconds)})
	}
	d.table([]string{"Priority", "Tickets", "Responses met", "Resolutions met", "Breaches", "Mean to resolve", "Median", "90th percentile"},
		[]float64{22, 16, 26, 26, 18, 26, 24, 22}, rows)
	d.note("Times to resolve are business time under the service agreement.")

	d.heading("2. Breaches")
	if len(p.Breaches) == 0 {
		d.line("No targets were breached in the period.")
	} else {
		rows = rows[:0]
		for _, b := range p.Breaches {
			by := DurationText(b.Over)
			if b.Open {
				by += " (still open)"
			}
			rows = append(rows, []string{b.TicketRef, b.Title, b.Priority, capitalise(b.Target), d.dateTime(b.Due), by})
		}
		d.table([]string{"Ticket", "Title", "Priority", "Target", "Due", "Late by"}, []float64{22, 58, 16, 22, 30, 32}, rows)
	}

	d.heading("3. Availability and response times")
	switch {
	case !p.AvailabilityChecked:
		d.line("Availability figures are not available from this installation.")
	case len(p.Availability) == 0:
		d.line("No checks: the provider operates no monitored checks.")
	default:
		rows = rows[:0]
		for _, a := range p.Availability {
			pct, p50, p95, p99, down := "No samples", "-", "-", "-", "None"
			if a.Percent >= 0 {
				pct, p50, p95, p99 = AvailabilityText(a.Percent), millis(a.P50), millis(a.P95), millis(a.P99)
			}
			if a.Outages > 0 {
				down = DurationText(a.Downtime)
			}
			target := "None set"
			if a.TargetPercent > 0 {
				target = PercentText(a.TargetPercent)
				if a.TargetMet != nil {
					target += map[bool]string{true: " (met)", false: " (missed)"}[*a.TargetMet]
				}
			}
			rows = append(rows, []string{a.Service, strconv.Itoa(a.Checks), pct, target, p50, p95, p99, strconv.Itoa(a.Outages), down})
		}
		d.table([]string{"Service", "Checks", "Availability", "Target", "p50", "p95", "p99", "Outages", "Downtime"},
			[]float64{36, 14, 22, 26, 16, 16, 16, 14, 20}, rows)
	}

	d.heading("4. Open escalations and problems")
	if len(p.Escalations) == 0 {
		d.line("No open escalations.")
	} else {
		rows = rows[:0]
		for _, e := range p.Escalations {
			due := "Not set"
			if e.DueAt != nil {
				due = d.dateTime(*e.DueAt)
				if e.Overdue {
					due += " (overdue)"
				}
			}
			rows = append(rows, []string{e.TicketRef, e.Title, e.OrgName, "Level " + strconv.Itoa(e.Level), capitalise(string(e.Status)), due})
		}
		d.table([]string{"Ticket", "Title", "Customer", "Level", "Status", "Due"}, []float64{22, 50, 34, 16, 24, 34}, rows)
	}
	if len(p.Problems) == 0 {
		d.line("No open problems.")
	} else {
		rows = rows[:0]
		for _, pr := range p.Problems {
			known := "No"
			if pr.KnownError {
				known = "Yes"
			}
			rows = append(rows, []string{pr.Ref, pr.Title, capitalise(string(pr.Status)), known, strconv.Itoa(pr.Incidents)})
		}
		d.table([]string{"Problem", "Title", "Status", "Known error", "Incidents"}, []float64{24, 86, 26, 22, 22}, rows)
	}

	dl := p.Delivery
	d.heading("5. Change delivery")
	d.line(fmt.Sprintf("Changes delivered: %d. On time: %s. Within budget: %s.", dl.Delivered,
		shareText(dl.OnTime, dl.Delivered), shareText(dl.WithinBudget, dl.Delivered)))
	if len(dl.Exceptions) > 0 {
		rows = rows[:0]
		for _, c := range dl.Exceptions {
			committed, budget := "None", "None"
			if c.CommittedDate != nil {
				committed = d.date(*c.CommittedDate)
			}
			if c.ApprovedBudget != nil {
				budget = PenceText(*c.ApprovedBudget)
			}
			var why []string
			if c.Late {
				why = append(why, "late")
			}
			if c.OverBudget {
				why = append(why, "over budget")
			}
			rows = append(rows, []string{c.Ref, c.Title, committed, d.date(c.ActualDate), budget, PenceText(c.ActualCost), capitalise(strings.Join(why, " and "))})
		}
		d.table([]string{"Change", "Title", "Committed", "Delivered", "Budget", "Actual cost", "Exception"}, []float64{20, 36, 22, 22, 22, 24, 34}, rows)
	}

	d.heading("6. Risks owned by the provider")
	if len(p.Risks) == 0 {
		d.line("No open risks owned by or concerning the provider.")
	} else {
		rows = rows[:0]
		for _, rk := range p.Risks {
			rows = append(rows, []string{rk.Ref, rk.Title, or(rk.Owner, "No owner"), strconv.Itoa(rk.Score), capitalise(string(rk.Trend)), d.date(rk.ReviewDate)})
		}
		d.table([]string{"Risk", "Title", "Owner", "Score", "Trend", "Next review"}, []float64{20, 70, 34, 14, 18, 24}, rows)
	}

	d.heading("7. Actions")
	d.actions("Actions from this review", p.Actions, false)
	d.actions("Carried forward from earlier reviews", p.CarriedForward, true)

	d.heading("Attendees")
	if len(r.Attendees) == 0 {
		d.line("No attendees recorded.")
	} else {
		rows = rows[:0]
		for _, a := range r.Attendees {
			rows = append(rows, []string{a.Name, a.Role, map[bool]string{true: "Yes", false: "No"}[a.Attended]})
		}
		d.table([]string{"Name", "Organisation and role", "Attended"}, []float64{60, 90, 30}, rows)
	}
	if r.Minutes != "" {
		d.heading("Minutes")
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(0, 5, d.tr(r.Minutes), "", "L", false)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("review pack PDF: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("review pack PDF: %w", err)
	}
	return nil
}

// packPDF draws the pack's parts.
type packPDF struct {
	pdf *fpdf.Fpdf
	tr  func(string) string
	loc *time.Location
}

func (d *packPDF) date(t time.Time) string { return t.UTC().Format("2 January 2006") }

func (d *packPDF) dateTime(t time.Time) string { return t.In(d.loc).Format("2 January 2006 15:04") }

func (d *packPDF) heading(s string) {
	d.pdf.Ln(3)
	d.pdf.SetFont("Helvetica", "B", 13)
	d.pdf.MultiCell(0, 7, d.tr(s), "", "L", false)
	d.pdf.SetFont("Helvetica", "", 10)
}

func (d *packPDF) line(s string) {
	d.pdf.SetFont("Helvetica", "", 10)
	d.pdf.MultiCell(0, 5.5, d.tr(s), "", "L", false)
}

func (d *packPDF) note(s string) {
	d.pdf.SetFont("Helvetica", "I", 8.5)
	d.pdf.MultiCell(0, 4.5, d.tr(s), "", "L", false)
	d.pdf.SetFont("Helvetica", "", 10)
}

// table draws a table whose cells wrap; a row that would cross the page
// foot starts a new page and repeats the header.
func (d *packPDF) table(header []string, widths []float64, rows [][]string) {
	pdf := d.pdf
	const lh = 4.6
	var draw func(cells []string, bold bool)
	draw = func(cells []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 8.5)
		lines := 1
		for i, c := range cells {
			if n := len(pdf.SplitLines([]byte(d.tr(c)), widths[i]-2)); n > lines {
				lines = n
			}
		}
		h := float64(lines)*lh + 1.5
		_, pageH := pdf.GetPageSize()
		_, _, _, bottom := pdf.GetMargins()
		if pdf.GetY()+h > pageH-bottom && !bold {
			pdf.AddPage()
			draw(header, true)
			pdf.SetFont("Helvetica", style, 8.5)
		}
		x, y := pdf.GetX(), pdf.GetY()
		for i, c := range cells {
			if bold {
				pdf.SetFillColor(243, 242, 241)
				pdf.Rect(x, y, widths[i], h, "F")
			}
			pdf.Rect(x, y, widths[i], h, "D")
			pdf.SetXY(x+1, y+0.75)
			pdf.MultiCell(widths[i]-2, lh, d.tr(c), "", "L", false)
			x += widths[i]
		}
		pdf.SetXY(15, y+h)
	}
	// Keep the header with at least one row.
	if _, pageH := pdf.GetPageSize(); pdf.GetY()+4*lh+3 > pageH-18 {
		pdf.AddPage()
	}
	draw(header, true)
	for _, r := range rows {
		draw(r, false)
	}
	pdf.SetFont("Helvetica", "", 10)
	pdf.Ln(1.5)
}

func (d *packPDF) actions(caption string, acts []*itsm.ReviewAction, carried bool) {
	d.pdf.SetFont("Helvetica", "B", 10)
	d.pdf.MultiCell(0, 6, d.tr(caption), "", "L", false)
	if len(acts) == 0 {
		d.line("None.")
		return
	}
	rows := [][]string{}
	for _, a := range acts {
		status := itsm.ChoiceLabel(itsm.ReviewActionStatuses, a.Status)
		if a.Overdue {
			status += " (overdue)"
		}
		row := []string{a.Title, a.OwnerName, d.date(a.DueDate), status}
		if carried {
			row = append(row, "Review of "+d.date(a.ReviewMeetingAt))
		}
		rows = append(rows, row)
	}
	if carried {
		d.table([]string{"Action", "Owner", "Due", "Status", "Carried forward from"}, []float64{56, 30, 24, 30, 40}, rows)
		return
	}
	d.table([]string{"Action", "Owner", "Due", "Status"}, []float64{86, 40, 28, 26}, rows)
}

func locationText(l string) string {
	if l == "" {
		return ""
	}
	return ", " + l
}

// AvailabilityFigure is the pooled availability on a pack's scorecard.
func AvailabilityFigure(p *itsm.ReviewPack) string {
	switch {
	case !p.AvailabilityChecked:
		return "Not available"
	case len(p.Availability) == 0:
		return "No checks"
	}
	if p.Scorecard.AvailabilityPercent == nil {
		return "No samples"
	}
	return AvailabilityText(*p.Scorecard.AvailabilityPercent)
}

// OptionalPercent formats a percentage, or says none when nil.
func OptionalPercent(p *float64, none string) string {
	if p == nil {
		return none
	}
	return PercentText(*p)
}

// metText says "50% (1 of 2)" or "None counted".
func metText(pct *float64, met, of int) string {
	if pct == nil {
		return "None counted"
	}
	return fmt.Sprintf("%s (%d of %d)", PercentText(*pct), met, of)
}

// shareText says "1 of 2 (50%)", or "none delivered".
func shareText(n, of int) string {
	if of == 0 {
		return "none delivered"
	}
	return fmt.Sprintf("%d of %d (%s)", n, of, PercentText(100*float64(n)/float64(of)))
}

// SecondsText says an optional number of seconds in hours and minutes, or
// "None" when there was nothing to measure.
func SecondsText(s *int64) string {
	if s == nil {
		return "None"
	}
	return DurationText(time.Duration(*s) * time.Second)
}

// DurationText says a duration in days, hours and minutes, largest first:
// "17 hours", "2 days 3 hours", "45 minutes".
func DurationText(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	for _, p := range []struct {
		n    int
		unit string
	}{{days, "day"}, {h, "hour"}, {m, "minute"}} {
		switch {
		case p.n == 1:
			parts = append(parts, "1 "+p.unit)
		case p.n > 1:
			parts = append(parts, strconv.Itoa(p.n)+" "+p.unit+"s")
		}
	}
	return strings.Join(parts, " ")
}

// millis says a response time in milliseconds, "120 ms".
func millis(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}

// PenceText shows an amount of pence as money: "£1,250.00".
func PenceText(pence int64) string {
	sign := ""
	if pence < 0 {
		sign, pence = "-", -pence
	}
	whole := strconv.FormatInt(pence/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s£%s.%02d", sign, b.String(), pence%100)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func or(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
