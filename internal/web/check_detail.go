package web

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// A check's page is for those who may read checks: staff and auditors
// every check, a provider the checks it operates. To anyone else the check
// does not exist (the store answers ENOTFOUND). Secret header values are
// masked before anything reaches the template.

// chartPeriod is one choice of the check page's charts: how far back and
// the bucket each bar or point covers.
type chartPeriod struct {
	Value, Label string
	Span, Step   time.Duration
}

// chartPeriods are the periods the charts offer, with steps that keep each
// chart between 90 and 170 points.
var chartPeriods = []chartPeriod{
	{"24h", "Last 24 hours", 24 * time.Hour, 15 * time.Minute},
	{"7d", "Last 7 days", 7 * 24 * time.Hour, time.Hour},
	{"30d", "Last 30 days", 30 * 24 * time.Hour, 6 * time.Hour},
	{"90d", "Last 90 days", 90 * 24 * time.Hour, 24 * time.Hour},
}

// periodLink is one of the chart period links.
type periodLink struct {
	Label, Href string
	Current     bool
}

// checkDetailPage is a check's page.
type checkDetailPage struct {
	basePage
	Check             *itsm.Check // masked
	State             checkState
	KindLabel         string
	Interval, Timeout string
	MaxResponse       string
	LastLatency       string
	CertExpiry        string
	CertSoon          bool
	Figures           statsTable
	Period            chartPeriod
	Periods           []periodLink
	AvailabilityChart template.HTML
	LatencyChart      template.HTML
	Series            []seriesRow
	Outages           []outageView
	OutageTable       outageTable
	OutageTotal       int
	ChartCaption      string
	OutagesHref       string
	CanManage         bool
}

// checkDetail shows a check: its definition (secrets masked), state,
// figures for the usual periods, charts for the chosen one and its recent
// outages.
func (s *Server) checkDetail(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if !a.CanReadChecks() {
		// Customers read the status page; to them a check does not exist.
		return errPageNotFound
	}
	var period chartPeriod
	want := r.URL.Query().Get("period")
	for _, p := range chartPeriods {
		if p.Value == want || (want == "" && p.Value == "24h") {
			period = p
		}
	}
	if period.Value == "" {
		return fieldErr("period", "Choose a period for the charts: 24h, 7d, 30d or 90d.")
	}
	stored, err := s.svc.Monitor.FindCheckByID(ctx, id)
	if err != nil {
		return err
	}
	c := stored.Masked()
	p := &checkDetailPage{basePage: s.newPage(w, r, c.Name), Check: c, State: checkState{c.Status}, KindLabel: kindLabel(c.Kind),
		Interval: secondsText(c.Interval), Timeout: secondsText(c.Timeout), Period: period, CanManage: a.CanManageChecks()}
	p.Caption = c.Service
	p.BackHref = "/checks"
	p.Wide = true
	if c.MaxResponse > 0 {
		p.MaxResponse = report.LatencyText(c.MaxResponse)
	}
	if c.LastCheckedAt != nil {
		p.LastLatency = report.LatencyText(c.LastLatency)
	}
	now := s.now().UTC()
	if c.CertExpiresAt != nil {
		left := c.CertExpiresAt.Sub(now)
		days := int(left.Hours() / 24)
		switch {
		case left <= 0:
			p.CertExpiry = "Expired on " + p.Date(*c.CertExpiresAt)
		case days == 0:
			p.CertExpiry = "Expires today, " + p.DateTime(*c.CertExpiresAt)
		default:
			p.CertExpiry = "Expires on " + p.Date(*c.CertExpiresAt) + " (in " + report.DowntimeText(time.Duration(days)*24*time.Hour) + ")"
		}
		p.CertSoon = left < time.Duration(max(c.CertWarnDays, 1))*24*time.Hour
	}

	// Figures for the usual periods; this month is in UK time.
	p.Figures.Caption = "Figures for " + c.Name + ", planned maintenance excluded"
	month := itsm.MonthStart(now)
	for _, f := range []struct {
		label    string
		from, to time.Time
	}{
		{"Last 24 hours", now.Add(-24 * time.Hour), now},
		{"Last 7 days", now.AddDate(0, 0, -7), now},
		{"Last 30 days", now.AddDate(0, 0, -30), now},
		{"This month (" + month.Format("January 2006") + ")", month, maxTime(now, month.Add(time.Minute))},
	} {
		st, err := s.svc.Monitor.CheckStats(ctx, c.ID, f.from, f.to)
		if err != nil {
			return err
		}
		p.Figures.Rows = append(p.Figures.Rows, newStatsRow(f.label, st))
	}

	// Charts: buckets aligned to the step, the last one holding now.
	to := now.Truncate(period.Step).Add(period.Step)
	from := to.Add(-period.Span)
	points, err := s.svc.Monitor.CheckSeries(ctx, c.ID, from, to, period.Step)
	if err != nil {
		return err
	}
	loc := p.location()
	opts := report.SeriesChartOptions{Step: period.Step, Location: loc}
	opts.Title, opts.ID = "Availability, "+lowerFirst(period.Label), "check-availability"
	// The chart functions escape every piece of text they write and build
	// the rest from numbers and constants.
	p.AvailabilityChart = template.HTML(report.SeriesAvailabilitySVG(points, opts))
	opts.Title, opts.ID = "Response times, "+lowerFirst(period.Label), "check-latency"
	p.LatencyChart = template.HTML(report.SeriesLatencySVG(points, opts))
	p.Series = seriesRows(points, period.Step, loc)
	p.ChartCaption = "Availability and response times, " + lowerFirst(period.Label) + ", by period of " + stepText(period.Step)
	base := "/checks/" + strconv.FormatInt(c.ID, 10)
	for _, cp := range chartPeriods {
		href := base + "?period=" + cp.Value
		p.Periods = append(p.Periods, periodLink{Label: cp.Label, Href: href, Current: cp.Value == period.Value})
	}

	outages, total, err := s.svc.Monitor.FindOutages(ctx, itsm.OutageFilter{CheckID: &c.ID, Limit: 10})
	if err != nil {
		return err
	}
	p.Outages, p.OutageTotal = outageViews(outages, now), total
	p.OutageTable = outageTable{Page: &p.basePage, Caption: "The check’s most recent outages, newest first", Rows: p.Outages}
	p.OutagesHref = "/outages?check=" + strconv.FormatInt(c.ID, 10)
	return s.render(w, http.StatusOK, "check_detail", p)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// lowerFirst lowers a label's first letter for use inside a sentence.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
