package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// The analysis side of monitoring: the status page as JSON, a check's
// figures and series, outages and availability by service and check. Who
// may: the status page, everyone signed in (the store chooses what);
// figures, series, outages and availability, staff, auditors and providers
// (the checks they operate), customers refused (404 for a check, 403 for
// the lists). Durations are integer milliseconds (response times) and
// seconds (downtime, steps); percentages are numbers, -1 without samples.

// statsShape is itsm.AvailabilityStats with its durations as numbers.
type statsShape struct {
	From            time.Time `json:"from"`
	To              time.Time `json:"to"`
	Samples         int64     `json:"samples"`
	Failures        int64     `json:"failures"`
	Percent         float64   `json:"availability_percent"`
	P50MS           int64     `json:"p50_ms"`
	P95MS           int64     `json:"p95_ms"`
	P99MS           int64     `json:"p99_ms"`
	Outages         int       `json:"outages"`
	DowntimeSeconds int64     `json:"downtime_seconds"`
	TargetPercent   float64   `json:"target_percent"`
	TargetMet       *bool     `json:"target_met"`
}

func statsOf(st *itsm.AvailabilityStats) statsShape {
	return statsShape{From: st.From.UTC(), To: st.To.UTC(), Samples: st.Samples, Failures: st.Failures, Percent: st.Percent,
		P50MS: st.P50.Milliseconds(), P95MS: st.P95.Milliseconds(), P99MS: st.P99.Milliseconds(),
		Outages: st.Outages, DowntimeSeconds: int64(st.Downtime / time.Second), TargetPercent: st.TargetPercent, TargetMet: st.TargetMet}
}

// checkStatsShape is the answer of GET /api/v1/checks/{id}/stats.
type checkStatsShape struct {
	CheckID   int64  `json:"check_id"`
	CheckName string `json:"check_name"`
	Service   string `json:"service"`
	statsShape
}

// seriesPointShape is one bucket of a series.
type seriesPointShape struct {
	At          time.Time `json:"at"`
	Samples     int64     `json:"samples"`
	Failures    int64     `json:"failures"`
	Percent     float64   `json:"availability_percent"`
	P50MS       int64     `json:"p50_ms"`
	P95MS       int64     `json:"p95_ms"`
	P99MS       int64     `json:"p99_ms"`
	Maintenance bool      `json:"maintenance"`
}

// seriesShape is the answer of GET /api/v1/checks/{id}/series.
type seriesShape struct {
	CheckID     int64              `json:"check_id"`
	From        time.Time          `json:"from"`
	To          time.Time          `json:"to"`
	StepSeconds int64              `json:"step_seconds"`
	Points      []seriesPointShape `json:"points"`
}

// outageShape is an outage with its length so far.
type outageShape struct {
	*itsm.Outage
	DurationSeconds int64 `json:"duration_seconds"`
}

// serviceAvailabilityShape is one service's line of the availability
// answer.
type serviceAvailabilityShape struct {
	Service string `json:"service"`
	Checks  int    `json:"checks"`
	statsShape
}

// checkAvailabilityShape is one check's line of the availability answer.
type checkAvailabilityShape struct {
	CheckID      int64  `json:"check_id"`
	CheckName    string `json:"check_name"`
	Service      string `json:"service"`
	Component    string `json:"component"`
	ProviderID   *int64 `json:"provider_id"`
	ProviderName string `json:"provider_name"`
	statsShape
}

// availabilityShape is the answer of GET /api/v1/availability.
type availabilityShape struct {
	From     time.Time                  `json:"from"`
	To       time.Time                  `json:"to"`
	Services []serviceAvailabilityShape `json:"services"`
	Checks   []checkAvailabilityShape   `json:"checks"`
}

// period reads from and to (RFC 3339), defaulting to the span before to
// (now by default). The store judges the order and the length.
func (a *API) period(q *query, span time.Duration) (time.Time, time.Time) {
	to := a.clock().UTC()
	if t := q.instant("to"); t != nil {
		to = *t
	}
	from := to.Add(-span)
	if f := q.instant("from"); f != nil {
		from = *f
	}
	return from, to
}

func (a *API) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}

// getStatusPage serves GET /api/v1/status: the status page the caller may
// see.
func (a *API) getStatusPage(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	if err := q.err(); err != nil {
		return err
	}
	st, err := a.svc.Monitor.StatusPage(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// checkStats serves GET /api/v1/checks/{id}/stats: a check's figures over
// [from, to), by default the last 24 hours.
func (a *API) checkStats(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "check")
	if err != nil {
		return err
	}
	q, err := parseQuery(r, "from", "to")
	if err != nil {
		return err
	}
	from, to := a.period(q, 24*time.Hour)
	if err := q.err(); err != nil {
		return err
	}
	c, err := a.svc.Monitor.FindCheckByID(r.Context(), id)
	if err != nil {
		return err
	}
	st, err := a.svc.Monitor.CheckStats(r.Context(), id, from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, checkStatsShape{CheckID: c.ID, CheckName: c.Name, Service: c.Service, statsShape: statsOf(st)})
	return nil
}

// parseStep reads a step such as 15m, 1h, 6h or 1d, or a number of
// seconds.
func parseStep(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || n < 1 || n > 366 {
			return 0, fmt.Errorf("bad days")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// defaultStep keeps a chart of span between about 90 and 170 points.
func defaultStep(span time.Duration) time.Duration {
	switch {
	case span <= 24*time.Hour:
		return 15 * time.Minute
	case span <= 7*24*time.Hour:
		return time.Hour
	case span <= 31*24*time.Hour:
		return 6 * time.Hour
	}
	return 24 * time.Hour
}

// checkSeries serves GET /api/v1/checks/{id}/series: a check's
// availability and response-time percentiles per step over [from, to).
func (a *API) checkSeries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "check")
	if err != nil {
		return err
	}
	q, err := parseQuery(r, "from", "to", "step")
	if err != nil {
		return err
	}
	from, to := a.period(q, 24*time.Hour)
	step := defaultStep(to.Sub(from))
	if s, ok := q.get("step"); ok {
		d, err := parseStep(s)
		if err != nil || d <= 0 {
			q.v.Add("step", "Give step as a length such as 15m, 1h, 6h or 1d, or a number of seconds.")
		} else {
			step = d
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	points, err := a.svc.Monitor.CheckSeries(r.Context(), id, from, to, step)
	if err != nil {
		return err
	}
	out := seriesShape{CheckID: id, From: from.UTC().Truncate(time.Minute), To: to.UTC().Truncate(time.Minute), StepSeconds: int64(step / time.Second),
		Points: make([]seriesPointShape, len(points))}
	for i, p := range points {
		out.Points[i] = seriesPointShape{At: p.At.UTC(), Samples: p.Samples, Failures: p.Failures, Percent: p.Percent,
			P50MS: p.P50.Milliseconds(), P95MS: p.P95.Milliseconds(), P99MS: p.P99.Milliseconds(), Maintenance: p.Maintenance}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listOutages serves GET /api/v1/outages: the outages of the checks the
// caller may read, newest first.
func (a *API) listOutages(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "check_id", "service", "provider_id", "open", "from", "to")
	if err != nil {
		return err
	}
	f := itsm.OutageFilter{CheckID: q.id("check_id"), Service: q.text("service"), ProviderID: q.id("provider_id"), Open: q.boolean("open"),
		From: q.instant("from"), To: q.instant("to")}
	p := q.paging()
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		q.v.Add("to", "Give to after from.")
	}
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	list, total, err := a.svc.Monitor.FindOutages(r.Context(), f)
	if err != nil {
		return err
	}
	now := a.clock()
	items := make([]outageShape, len(list))
	for i, o := range list {
		items[i] = outageShape{Outage: o, DurationSeconds: int64(o.Duration(now) / time.Second)}
	}
	writePage(w, items, total, p)
	return nil
}

// getAvailability serves GET /api/v1/availability: every visible
// service's and check's figures over [from, to), this month (UK time) so
// far by default, optionally for one provider's checks or one service.
func (a *API) getAvailability(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "from", "to", "provider_id", "service")
	if err != nil {
		return err
	}
	now := a.clock().UTC()
	from, to := itsm.MonthStart(now), now
	if f := q.instant("from"); f != nil {
		from = *f
	}
	if t := q.instant("to"); t != nil {
		to = *t
	} else if !to.After(from) {
		to = from.Add(time.Minute) // the first minute of the month
	}
	providerID, service := q.id("provider_id"), q.text("service")
	if err := q.err(); err != nil {
		return err
	}
	ctx := r.Context()
	services, err := a.svc.Monitor.ServiceAvailability(ctx, itsm.ServiceAvailabilityFilter{From: from, To: to, ProviderID: providerID, Service: service})
	if err != nil {
		return err
	}
	out := availabilityShape{From: from.UTC(), To: to.UTC(), Services: []serviceAvailabilityShape{}, Checks: []checkAvailabilityShape{}}
	for i := range services {
		out.Services = append(out.Services, serviceAvailabilityShape{Service: services[i].Service, Checks: services[i].Checks, statsShape: statsOf(&services[i].AvailabilityStats)})
	}
	if service != nil && len(services) > 0 {
		// The service matched in any case; checks are listed by its
		// stored name.
		service = &services[0].Service
	}
	checks, _, err := a.svc.Monitor.FindChecks(ctx, itsm.CheckFilter{ProviderID: providerID, Service: service, Sort: "service", Limit: -1})
	if err != nil {
		return err
	}
	for _, c := range checks {
		st, err := a.svc.Monitor.CheckStats(ctx, c.ID, from, to)
		if err != nil {
			return err
		}
		out.Checks = append(out.Checks, checkAvailabilityShape{CheckID: c.ID, CheckName: c.Name, Service: c.Service, Component: c.Component,
			ProviderID: c.ProviderID, ProviderName: c.ProviderName, statsShape: statsOf(st)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
