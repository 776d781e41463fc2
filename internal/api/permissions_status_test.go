package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// monitoringFixture is a public shared check the provider operates, an
// internal shared check, A's own check and B's own check (down, with an
// incident), with two hours of results from the fixture's clock.
type monitoringFixture struct {
	portal, reporting, checkA, checkB *itsm.Check
	start                             time.Time
}

func mustMonitoringFixture(t *testing.T, e *env) *monitoringFixture {
	t.Helper()
	fx := e.fx
	mk := func(c *itsm.Check) *itsm.Check {
		if c.Kind == "" {
			c.Kind, c.URL = itsm.CheckHTTP, "https://portal.example.org/health"
		}
		c.Interval, c.Timeout, c.Enabled, c.IncidentAfter, c.IncidentPriority = time.Minute, 5*time.Second, true, 3, "P2"
		if err := e.db.CreateCheck(storetest.System(), c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	clock := storetest.ClockOf(e.db)
	m := &monitoringFixture{start: clock.Now(),
		portal: mk(&itsm.Check{Name: "Portal home", Service: "Purchasing portal", Public: true, ProviderID: &fx.Provider.ID, TargetPercent: 99.5,
			Headers: []itsm.CheckHeader{{Name: "Authorization", Value: "Bearer api-s3cret"}}}),
		reporting: mk(&itsm.Check{Name: "Reporting database", Service: "Reporting", Kind: itsm.CheckTCP, Address: "db.example.org:5432"}),
		checkA:    mk(&itsm.Check{Name: "Alpha finance link", Service: "Alpha finance interface", OrgID: &fx.CustomerA.ID}),
		checkB:    mk(&itsm.Check{Name: "Beta finance link", Service: "Beta finance interface", OrgID: &fx.CustomerB.ID, ProviderID: &fx.Provider.ID}),
	}
	var rs []itsm.CheckResult
	for i := range 24 {
		at := m.start.Add(time.Duration(i) * 5 * time.Minute)
		for _, c := range []*itsm.Check{m.portal, m.reporting, m.checkA, m.checkB} {
			up := c != m.checkB || i < 20
			r := itsm.CheckResult{CheckID: c.ID, At: at, Up: up, Latency: 120 * time.Millisecond, StatusCode: 200, Attempts: 1}
			if !up {
				r.StatusCode, r.Error = 503, "status 503 from 10.1.2.3"
			}
			rs = append(rs, r)
		}
	}
	clock.Set(m.start.Add(2 * time.Hour))
	if err := e.db.RecordCheckResults(storetest.System(), rs); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStatusPermissionMatrix tries the status and analysis endpoints as
// every caller. Decisions: the status page is for everyone signed in (the
// store chooses what); a check's figures and series for staff, auditors and
// the provider that operates it (404 to anyone else); outages and
// availability for staff, auditors and providers, customers refused.
func TestStatusPermissionMatrix(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		m := mustMonitoringFixture(t, e)
		get := func(p string) func(*testing.T, *env, caller) request {
			return func(*testing.T, *env, caller) request { return request{method: http.MethodGet, path: p} }
		}
		portal, reporting := idPath("/api/v1/checks", m.portal.ID), idPath("/api/v1/checks", m.reporting.ID)
		cases := []permCase{
			//                                      anon admin mgr agent audit prov cAdmA cUsrA
			{"the status page", want{s401, s200, s200, s200, s200, s200, s200, s200}, get("/api/v1/status"), nil},
			{"the portal's figures", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(portal + "/stats"), nil},
			{"the portal's series", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(portal + "/series?step=1h"), nil},
			{"the reporting check's figures", want{s401, s200, s200, s200, s200, s404, s404, s404}, get(reporting + "/stats"), nil},
			{"an absent check's series", want{s401, s404, s404, s404, s404, s404, s404, s404}, get("/api/v1/checks/999999/series"), nil},
			{"outages", want{s401, s200, s200, s200, s200, s200, s403, s403}, get("/api/v1/outages"), nil},
			{"availability", want{s401, s200, s200, s200, s200, s200, s403, s403}, get("/api/v1/availability"), nil},
		}
		for _, pc := range cases {
			t.Run(pc.name, func(t *testing.T) {
				for j, c := range callers(e.fx) {
					req := pc.build(t, e, c)
					req.token = e.token(c.user)
					rep := e.MustDo(t, req)
					if rep.status != pc.want[j] {
						t.Errorf("%s: %s %s → %d, want %d; %s", c.name, req.method, req.path, rep.status, pc.want[j], rep.body)
					}
				}
			})
		}
	})
}

// TestStatusFeedTenancy: through the API, customer A never sees B's
// service or incident, and B sees its own without the cause; providers see
// the checks they operate only in the figures.
func TestStatusFeedTenancy(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		mustMonitoringFixture(t, e)
		fx := e.fx
		feed := func(u *itsm.User) string {
			var p itsm.StatusPage
			e.get(t, u, "/api/v1/status").MustStatus(t, http.StatusOK).MustDecode(t, &p)
			var s []string
			for _, svc := range p.Services {
				s = append(s, svc.Service+"="+svc.Status)
				if len(svc.Days) != 90 {
					t.Errorf("%s: %d days for %s", u.Email, len(svc.Days), svc.Service)
				}
			}
			for _, o := range p.Incidents {
				s = append(s, "incident:"+o.Service+":"+o.Cause)
			}
			return strings.Join(s, ",")
		}
		for u, want := range map[*itsm.User]string{
			fx.CustomerUserA:  "Alpha finance interface=operational,Purchasing portal=operational,Reporting=operational",
			fx.CustomerAdminB: "Beta finance interface=outage,Purchasing portal=operational,Reporting=operational,incident:Beta finance interface:",
			fx.Auditor:        "Alpha finance interface=operational,Beta finance interface=outage,Purchasing portal=operational,Reporting=operational,incident:Beta finance interface:status 503 from 10.1.2.3",
		} {
			if got := feed(u); got != want {
				t.Errorf("%s: status\n got %s\nwant %s", u.Email, got, want)
			}
		}
		var av availabilityShape
		e.get(t, fx.ProviderAgent, "/api/v1/availability").MustStatus(t, http.StatusOK).MustDecode(t, &av)
		var names []string
		for _, c := range av.Checks {
			names = append(names, c.CheckName)
		}
		if got := strings.Join(names, ","); got != "Beta finance link,Portal home" {
			t.Errorf("provider's availability covers %s", got)
		}
	})
}

// TestStatusFigures: the figures, series, outages and availability carry
// durations as whole milliseconds and seconds and agree with what was
// recorded.
func TestStatusFigures(t *testing.T) {
	e := MustEnv(t, storetest.MustOpen(t, store.SQLite))
	m := mustMonitoringFixture(t, e)
	fx := e.fx
	var st checkStatsShape
	e.get(t, fx.Manager, idPath("/api/v1/checks", m.checkB.ID, "/stats")).MustStatus(t, http.StatusOK).MustDecode(t, &st)
	if st.Samples != 24 || st.Failures != 4 || st.Outages != 1 || st.DowntimeSeconds != 20*60 || st.P50MS < 100 || st.P50MS > 150 || st.CheckName != "Beta finance link" {
		t.Errorf("B's figures: %+v", st)
	}
	var portal checkStatsShape
	from := m.start.Format(time.RFC3339)
	e.get(t, fx.ProviderAgent, idPath("/api/v1/checks", m.portal.ID, "/stats")+"?from="+from).MustStatus(t, http.StatusOK).MustDecode(t, &portal)
	if portal.Percent != 100 || portal.TargetMet == nil || !*portal.TargetMet || portal.TargetPercent != 99.5 || !portal.From.Equal(m.start) {
		t.Errorf("portal's figures: %+v", portal)
	}
	var series seriesShape
	e.get(t, fx.Manager, idPath("/api/v1/checks", m.checkB.ID, "/series")+"?from="+from+"&to="+m.start.Add(2*time.Hour).Format(time.RFC3339)+"&step=30m").
		MustStatus(t, http.StatusOK).MustDecode(t, &series)
	if len(series.Points) != 4 || series.StepSeconds != 1800 || series.Points[3].Failures != 4 || series.Points[0].Percent != 100 {
		t.Errorf("series: %+v", series)
	}
	var outages page[outageShape]
	e.get(t, fx.Auditor, "/api/v1/outages?open=true&check_id="+fmt.Sprint(m.checkB.ID)).MustStatus(t, http.StatusOK).MustDecode(t, &outages)
	if outages.Total != 1 || outages.Items[0].DurationSeconds != 20*60 || outages.Items[0].TicketRef == "" {
		t.Errorf("outages: %+v", outages)
	}
	e.get(t, fx.Auditor, "/api/v1/outages?open=false").MustStatus(t, http.StatusOK).MustDecode(t, &outages)
	if outages.Total != 0 {
		t.Errorf("ended outages: %+v", outages)
	}
	var av availabilityShape
	e.get(t, fx.Manager, "/api/v1/availability?provider_id="+fmt.Sprint(fx.Provider.ID)+"&from="+from).MustStatus(t, http.StatusOK).MustDecode(t, &av)
	if len(av.Services) != 2 || len(av.Checks) != 2 || av.Services[0].Service != "Beta finance interface" || av.Services[0].Failures != 4 {
		t.Errorf("availability: %+v", av)
	}
	e.get(t, fx.Manager, "/api/v1/availability?service=purchasing+PORTAL&from="+from).MustStatus(t, http.StatusOK).MustDecode(t, &av)
	if len(av.Services) != 1 || len(av.Checks) != 1 || av.Checks[0].CheckName != "Portal home" || av.Checks[0].TargetMet == nil || !*av.Checks[0].TargetMet {
		t.Errorf("availability of one service: %+v", av)
	}
}

// TestStatusBadInput: a reversed period, a step too small or unreadable, a
// period over a year, an unknown parameter and bad filters are 400s that
// name the field.
func TestStatusBadInput(t *testing.T) {
	e := MustEnv(t, storetest.MustOpen(t, store.SQLite))
	m := mustMonitoringFixture(t, e)
	stats, series := idPath("/api/v1/checks", m.portal.ID, "/stats"), idPath("/api/v1/checks", m.portal.ID, "/series")
	for path, field := range map[string]string{
		stats + "?from=2026-03-02T10:00:00Z&to=2026-03-01T10:00:00Z":             "to",
		stats + "?from=2025-01-01T00:00:00Z&to=2026-03-01T00:00:00Z":             "to",
		stats + "?from=yesterday":                                                "from",
		series + "?step=30s":                                                     "step",
		series + "?step=fortnightly":                                             "step",
		series + "?step=90s":                                                     "step",
		series + "?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&step=1m":    "step",
		"/api/v1/outages?open=maybe":                                             "open",
		"/api/v1/outages?from=2026-03-02T10:00:00Z&to=2026-03-01T00:00:00Z":      "to",
		"/api/v1/outages?check=1":                                                "check",
		"/api/v1/availability?from=2026-03-02T10:00:00Z&to=2026-03-01T00:00:00Z": "to",
		"/api/v1/availability?from=2024-03-02T10:00:00Z&to=2026-03-01T00:00:00Z": "to",
		"/api/v1/availability?provider_id=x":                                     "provider_id",
		"/api/v1/status?verbose=1":                                               "verbose",
	} {
		d := e.get(t, e.fx.Manager, path).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		if d.Fields[field] == "" {
			t.Errorf("GET %s: no message for %s: %+v", path, field, d)
		}
	}
}
