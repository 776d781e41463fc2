package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// The availability report is for those who may read checks: staff and
// auditors every service and check, a provider those it operates (the
// store scopes both). Customers are refused: they read the status page.

// availabilityFields are the report's filters in form order.
var availabilityFields = []string{"month", "week", "day", "provider"}

// availabilityRowView is a line of the report as the page shows it.
type availabilityRowView struct {
	statsRow
	Service, Check, Component, Provider, Href string
	Checks                                    int
}

// availabilityPage is the availability report with its filters.
type availabilityPage struct {
	basePage
	Month, Week, Day, Provider string
	Providers                  []option
	ShowProviderFilter         bool
	Period                     analysisPeriod
	MeasuredTo                 time.Time
	Partial                    bool
	Services, Checks           []availabilityRowView
	Met, Missed                int
	CSVHref, XLSXHref          string
}

// availabilityData is the report: a line per service, then a line per
// check.
type availabilityData struct {
	Period analysisPeriod
	From   time.Time
	To     time.Time
	Rows   []report.AvailabilityRow
	// checkIDs are the numbers of the checks' rows, in order.
	checkIDs []int64
}

// runAvailability reads the filters and works the report out. A mistake in
// the filters is an EINVALID error naming the page's fields.
func (s *Server) runAvailability(r *http.Request) (*availabilityData, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if !a.CanReadChecks() {
		return nil, forbidden("The availability report is for the programme team and the providers who operate the checks. Customers can see the service status page.")
	}
	in := r.URL.Query()
	now := s.now().UTC()
	period, err := parseAnalysisPeriod(in.Get("month"), in.Get("week"), in.Get("day"), now)
	if err != nil {
		return nil, err
	}
	var v itsm.Validation
	var providerID *int64
	if ps := in.Get("provider"); ps != "" {
		n, perr := strconv.ParseInt(ps, 10, 64)
		if perr != nil || n <= 0 {
			v.Add("provider", "Choose a provider from the list.")
		} else {
			providerID = &n
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	from, to, err := period.measured(now)
	if err != nil {
		return nil, err
	}
	data := &availabilityData{Period: period, From: from, To: to}
	services, err := s.svc.Monitor.ServiceAvailability(ctx, itsm.ServiceAvailabilityFilter{From: from, To: to, ProviderID: providerID})
	if err != nil {
		return nil, err
	}
	for _, sa := range services {
		data.Rows = append(data.Rows, report.AvailabilityRow{Level: "service", Service: sa.Service, Stats: sa.AvailabilityStats})
	}
	checks, _, err := s.svc.Monitor.FindChecks(ctx, itsm.CheckFilter{ProviderID: providerID, Sort: "service", Limit: -1})
	if err != nil {
		return nil, err
	}
	for _, c := range checks {
		st, err := s.svc.Monitor.CheckStats(ctx, c.ID, from, to)
		if err != nil {
			return nil, fmt.Errorf("figures of check %d: %w", c.ID, err)
		}
		data.Rows = append(data.Rows, report.AvailabilityRow{Level: "check", Service: c.Service, Check: c.Name, Component: c.Component,
			Provider: c.ProviderName, Stats: *st})
	}
	// Keep each check's number for its link.
	data.checkIDs = make([]int64, len(checks))
	for i, c := range checks {
		data.checkIDs[i] = c.ID
	}
	return data, nil
}

// availabilityReport shows the report.
func (s *Server) availabilityReport(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	if !a.CanReadChecks() {
		return forbidden("The availability report is for the programme team and the providers who operate the checks. Customers can see the service status page.")
	}
	in := r.URL.Query()
	p := &availabilityPage{basePage: s.newPage(w, r, "Availability report"), Month: in.Get("month"), Week: in.Get("week"), Day: in.Get("day"), Provider: in.Get("provider")}
	p.Wide = true
	if a.ReadsEverything() {
		providers, err := s.orgsOfKind(r, itsm.OrgProvider)
		if err != nil {
			return err
		}
		p.Providers, p.ShowProviderFilter = withAll("All providers", providers), true
	}
	data, err := s.runAvailability(r)
	if err != nil {
		if !formFailed(err) {
			return err
		}
		p.setErrors(err, availabilityFields...)
		return s.render(w, http.StatusBadRequest, "availability_report", p)
	}
	p.Period, p.MeasuredTo, p.Partial = data.Period, data.To, data.To.Before(data.Period.To)
	ci := 0
	for _, row := range data.Rows {
		v := availabilityRowView{statsRow: newStatsRow("", &row.Stats), Service: row.Service, Check: row.Check, Component: row.Component, Provider: row.Provider}
		if row.Level == "service" {
			v.Label = row.Service
			p.Services = append(p.Services, v)
			continue
		}
		v.Label = row.Check
		v.Href = "/checks/" + strconv.FormatInt(data.checkIDs[ci], 10)
		ci++
		if row.Stats.TargetMet != nil {
			if *row.Stats.TargetMet {
				p.Met++
			} else {
				p.Missed++
			}
		}
		p.Checks = append(p.Checks, v)
	}
	for i := range p.Services {
		for _, c := range p.Checks {
			if c.Service == p.Services[i].Service {
				p.Services[i].Checks++
			}
		}
	}
	p.Heading = "Availability report"
	p.Title = "Availability report, " + data.Period.Label
	keep := r.URL.Query()
	keep.Del("page")
	suffix := ""
	if enc := keep.Encode(); enc != "" {
		suffix = "?" + enc
	}
	p.CSVHref, p.XLSXHref = "/monitoring/availability.csv"+suffix, "/monitoring/availability.xlsx"+suffix
	return s.render(w, http.StatusOK, "availability_report", p)
}

// availabilityCSV downloads the report as CSV.
func (s *Server) availabilityCSV(w http.ResponseWriter, r *http.Request) error {
	return s.availabilityDownload(w, r, "csv", "text/csv; charset=utf-8", report.WriteAvailabilityCSV)
}

// availabilityXLSX downloads the report as an Excel workbook.
func (s *Server) availabilityXLSX(w http.ResponseWriter, r *http.Request) error {
	return s.availabilityDownload(w, r, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", report.WriteAvailabilityXLSX)
}

// availabilityDownload writes the report into a buffer first, so that a
// failure is an error page rather than half a file.
func (s *Server) availabilityDownload(w http.ResponseWriter, r *http.Request, ext, contentType string, write func(io.Writer, []report.AvailabilityRow) error) error {
	data, err := s.runAvailability(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := write(&buf, data.Rows); err != nil {
		return fmt.Errorf("write availability report as %s: %w", ext, err)
	}
	name := "availability-" + data.Period.Kind + "-" + data.Period.Value + "." + ext
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}
