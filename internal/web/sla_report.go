package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

var ticketTypeOptions = []option{{string(itsm.Incident), "Incidents"}, {string(itsm.Request), "Requests"}}

// slaReportFields are the report's filters in form order.
var slaReportFields = []string{"from", "to", "provider", "organisation", "priority", "type"}

// slaRowView is a row of the SLA report with its figures in words.
type slaRowView struct{ itsm.SLAReportRow }

// MonthLabel names the row's month, "January 2026".
func (v slaRowView) MonthLabel() string {
	if v.Month.IsZero() {
		return "All months"
	}
	return v.Month.In(itsm.ReportLocation()).Format("January 2006")
}

// ResponseMet says the share of responses on time.
func (v slaRowView) ResponseMet() string {
	return metText(v.ResponseMetPercent, v.ResponsesMet, v.Responses)
}

// ResolutionMet says the share of resolutions on time.
func (v slaRowView) ResolutionMet() string {
	return metText(v.ResolutionMetPercent, v.ResolutionsMet, v.Resolutions)
}

// MeanResolve says the mean business time to resolve in hours and minutes.
func (v slaRowView) MeanResolve() string {
	return businessSeconds(v.MeanResolveSeconds, "None resolved")
}

// MedianResolve says the median business time to resolve.
func (v slaRowView) MedianResolve() string {
	return businessSeconds(v.MedianResolveSeconds, "None resolved")
}

// P90Resolve says the business time within which 90% were resolved.
func (v slaRowView) P90Resolve() string { return businessSeconds(v.P90ResolveSeconds, "None resolved") }

// metText says a share of targets met: "95% (19 of 20)".
func metText(pct *float64, met, of int) string {
	if pct == nil {
		return "None counted"
	}
	return fmt.Sprintf("%s (%d of %d)", report.PercentText(*pct), met, of)
}

// slaReportPage is the SLA compliance report with its filters.
type slaReportPage struct {
	basePage
	From, To, Provider, Organisation, Priority, Type string
	Providers, Customers, Priorities, Types          []option
	ShowProviderFilter, ShowOrgFilter                bool

	Report            *itsm.SLAReport
	Period            string
	Overall           slaRowView
	Breaches, Open    int
	Chart             template.HTML
	Months, Groups    []slaRowView
	Pager             pager
	Rules             []string
	CSVHref, XLSXHref string
}

// slaReportQuery reads the report's filters: whole months, from and to
// both included (the last six months, this one so far included, when
// absent), and the provider,
// customer, priority and type. Ids are passed to the store even when the
// page offers no choice, so that a customer asking for another customer's
// figures is told they do not exist.
func slaReportQuery(q *listQuery, now time.Time) itsm.SLAReportFilter {
	thisMonth := itsm.MonthStart(now)
	f := itsm.SLAReportFilter{From: itsm.AddMonths(thisMonth, -5), To: itsm.AddMonths(thisMonth, 1)}
	if s := q.in.Get("from"); s != "" {
		if m, err := itsm.ParseMonth(s); err != nil {
			q.v.Add("from", "Enter the first month as a month and year, like 2026-01.")
		} else {
			f.From = m
			q.keep.Set("from", s)
		}
	}
	if s := q.in.Get("to"); s != "" {
		if m, err := itsm.ParseMonth(s); err != nil {
			q.v.Add("to", "Enter the last month as a month and year, like 2026-06.")
		} else {
			f.To = itsm.AddMonths(m, 1)
			q.keep.Set("to", s)
		}
	}
	f.ProviderID = q.id("provider", "the provider’s number")
	f.OrgID = q.id("organisation", "the organisation’s number")
	if p := q.oneOf("priority", priorityOptions(), "a priority from P1 to P4"); p != "" {
		f.Priority = &p
	}
	if t := itsm.TicketType(q.oneOf("type", ticketTypeOptions, "incidents or requests")); t != "" {
		f.Type = &t
	}
	return f
}

// slaReportFieldID maps the report filter's field names to the page's.
func slaReportFieldID(f string) string {
	switch f {
	case "provider_id":
		return "provider"
	case "organisation_id":
		return "organisation"
	}
	return f
}

// runSLAReport reads the filters and makes the report. A mistake in the
// filters is an EINVALID error naming the page's fields.
func (s *Server) runSLAReport(r *http.Request, q *listQuery) (*itsm.SLAReport, itsm.SLAReportFilter, error) {
	f := slaReportQuery(q, s.now())
	err := q.err()
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		return nil, f, remapFields(err, slaReportFieldID)
	}
	rep, err := s.svc.Reports.SLAReport(r.Context(), f)
	return rep, f, err
}

// slaReport shows the SLA compliance report to anyone signed in: the store
// limits a customer to its own organisation and a provider to the tickets
// escalated to it.
func (s *Server) slaReport(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	q := newListQuery(r.URL.Query())
	page := q.page()
	rep, f, err := s.runSLAReport(r, q)
	if err != nil && !formFailed(err) {
		return err
	}
	p := &slaReportPage{basePage: s.newPage(w, r, "Service level (SLA) report"),
		From: orDefault(q.in.Get("from"), report.ISOMonth(f.From)), To: orDefault(q.in.Get("to"), report.ISOMonth(itsm.AddMonths(f.To, -1))),
		Provider: q.in.Get("provider"), Organisation: q.in.Get("organisation"), Priority: q.in.Get("priority"), Type: q.in.Get("type"),
		Priorities: withAll("All priorities", priorityOptions()), Types: withAll("Incidents and requests", ticketTypeOptions),
		Rules: itsm.SLAReportRules()}
	p.Wide = true
	if a.ReadsEverything() {
		providers, perr := s.orgsOfKind(r, itsm.OrgProvider)
		if perr != nil {
			return perr
		}
		customers, perr := s.orgsOfKind(r, itsm.OrgCustomer)
		if perr != nil {
			return perr
		}
		// Outages of the shared service raise incidents in the programme's
		// own organisation, so its rows can be chosen too.
		programme, perr := s.orgsOfKind(r, itsm.OrgProgramme)
		if perr != nil {
			return perr
		}
		for _, o := range programme {
			o.Label += " (the shared service)"
			customers = append(customers, o)
		}
		p.Providers, p.Customers = withAll("All providers", providers), withAll("All customers", customers)
		p.ShowProviderFilter, p.ShowOrgFilter = true, true
	}
	if err != nil {
		p.setErrors(err, slaReportFields...)
		return s.render(w, formStatus(err), "sla_report", p)
	}
	p.Report = rep
	p.Period = periodText(rep.Months)
	p.Overall = slaRowView{rep.Overall()}
	p.Breaches = p.Overall.ResponseBreaches + p.Overall.ResolutionBreaches
	p.Open = p.Overall.ResponseBreachesOpen + p.Overall.ResolutionBreachesOpen
	// SLATrendSVG escapes every piece of text it writes (titles, month
	// names, descriptions) and builds the rest from numbers and constants,
	// so its markup is safe to put in the page as it is.
	p.Chart = template.HTML(report.SLATrendSVG(rep, report.ChartOptions{Title: "SLA targets met by month"}))
	var groups []slaRowView
	for _, row := range rep.Rows {
		switch row.Level {
		case itsm.SLAMonthRow:
			p.Months = append(p.Months, slaRowView{row})
		case itsm.SLAGroupRow:
			groups = append(groups, slaRowView{row})
		}
	}
	from := min(offset(page), len(groups))
	p.Groups = groups[from:min(from+pageSize, len(groups))]
	p.Pager = newPager(q, "/reports/sla", page, len(groups), len(p.Groups), "groups")
	p.setPaged("Service level (SLA) report", p.Pager)
	p.CSVHref, p.XLSXHref = q.href("/reports/sla.csv"), q.href("/reports/sla.xlsx")
	return s.render(w, http.StatusOK, "sla_report", p)
}

// periodText says which months a report covers.
func periodText(months []time.Time) string {
	if len(months) == 0 {
		return ""
	}
	first := months[0].In(itsm.ReportLocation()).Format("January 2006")
	if len(months) == 1 {
		return first
	}
	return first + " to " + months[len(months)-1].In(itsm.ReportLocation()).Format("January 2006")
}

// slaReportCSV downloads the report as CSV, with the page's filters.
func (s *Server) slaReportCSV(w http.ResponseWriter, r *http.Request) error {
	return s.slaReportDownload(w, r, "csv", "text/csv; charset=utf-8", report.WriteSLACSV)
}

// slaReportXLSX downloads the report as an Excel workbook.
func (s *Server) slaReportXLSX(w http.ResponseWriter, r *http.Request) error {
	return s.slaReportDownload(w, r, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", report.WriteSLAXLSX)
}

// slaReportDownload writes the report into a buffer first, so that a
// failure is an error page rather than half a file.
func (s *Server) slaReportDownload(w http.ResponseWriter, r *http.Request, ext, contentType string, write func(io.Writer, *itsm.SLAReport) error) error {
	q := newListQuery(r.URL.Query())
	rep, f, err := s.runSLAReport(r, q)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := write(&buf, rep); err != nil {
		return fmt.Errorf("write SLA report as %s: %w", ext, err)
	}
	name := "sla-report-" + report.ISOMonth(f.From) + "-to-" + report.ISOMonth(itsm.AddMonths(f.To, -1)) + "." + ext
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
