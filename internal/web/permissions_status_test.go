package web_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// statusSecret is the value of a check's secret header: it must never be on
// a page.
const statusSecret = "Bearer sup3r-s3cret-t0ken"

// monitoring is the fixture of the status and analysis pages: a public
// shared check operated by the provider (with a secret header), an internal
// shared check nobody operates, A's own check, and B's own check, which is
// down with an incident; two hours of results and a maintenance window
// planned for tomorrow.
type monitoring struct {
	portal, reporting, checkA, checkB *itsm.Check
	outageB                           *itsm.Outage
}

func (e *env) mustCheck(c *itsm.Check) *itsm.Check {
	e.t.Helper()
	if c.Kind == "" {
		c.Kind, c.URL = itsm.CheckHTTP, "https://portal.example.org/health"
	}
	c.Interval, c.Timeout, c.Enabled, c.IncidentAfter, c.IncidentPriority = time.Minute, 5*time.Second, true, 3, "P2"
	if err := e.db.CreateCheck(storetest.System(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) mustMonitoring() *monitoring {
	e.t.Helper()
	f := e.f
	clock := storetest.ClockOf(e.db)
	start := clock.Now()
	m := &monitoring{
		portal: e.mustCheck(&itsm.Check{Name: "Portal home", Service: "Purchasing portal", Component: "Web", Public: true, ProviderID: &f.Provider.ID,
			TargetPercent: 99.5, Headers: []itsm.CheckHeader{{Name: "Authorization", Value: statusSecret}, {Name: "Accept", Value: "text/html"}}}),
		reporting: e.mustCheck(&itsm.Check{Name: "Reporting database", Service: "Reporting", Component: "Database", Kind: itsm.CheckTCP, Address: "db.example.org:5432"}),
		checkA:    e.mustCheck(&itsm.Check{Name: "Alpha finance link", Service: "Alpha finance interface", OrgID: &f.CustomerA.ID}),
		checkB:    e.mustCheck(&itsm.Check{Name: "Beta finance link", Service: "Beta finance interface", OrgID: &f.CustomerB.ID, ProviderID: &f.Provider.ID}),
	}
	var rs []itsm.CheckResult
	for i := range 24 {
		at := start.Add(time.Duration(i) * 5 * time.Minute)
		for _, c := range []*itsm.Check{m.portal, m.reporting, m.checkA, m.checkB} {
			up := c != m.checkB || i < 20
			r := itsm.CheckResult{CheckID: c.ID, At: at, Up: up, Latency: time.Duration(80+i) * time.Millisecond, StatusCode: 200, Attempts: 1}
			if !up {
				r.StatusCode, r.Error = 503, "status 503 from 10.1.2.3, expected 200-299"
			}
			rs = append(rs, r)
		}
	}
	clock.Set(start.Add(2 * time.Hour))
	if err := e.db.RecordCheckResults(storetest.System(), rs); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.CreateMaintenance(storetest.As(f.Manager), &itsm.MaintenanceWindow{Title: "Portal database upgrade", Service: "Purchasing portal",
		StartsAt: start.Add(26 * time.Hour), EndsAt: start.Add(28 * time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
	outages, _, err := e.db.FindOutages(storetest.System(), itsm.OutageFilter{CheckID: &m.checkB.ID})
	if err != nil || len(outages) != 1 || outages[0].TicketID == nil {
		e.t.Fatalf("B's outage: %+v %v", outages, err)
	}
	m.outageB = outages[0]
	return m
}

// publicStatusClient is an anonymous client of a server started with the
// status page public.
func (e *env) publicStatusClient() *webtest.Client {
	e.t.Helper()
	srv, err := web.New(web.Config{Services: e.db.Services(), Logger: slog.New(slog.NewTextHandler(e.logs, nil)), Version: "test",
		Now: storetest.ClockOf(e.db).Now, PublicStatus: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return webtest.NewClient(e.t, httpx.Chain(srv.Handler(), httpx.WithRequestID, httpx.SecurityHeaders))
}

// statusRoutes are the routes this file's matrix covers.
var statusRoutes = []string{
	"GET /status", "GET /status.json", "GET /checks/{id}", "GET /outages", "GET /outages.csv",
	"GET /monitoring/availability", "GET /monitoring/availability.csv", "GET /monitoring/availability.xlsx",
}

// TestStatusPagePermissions is the matrix of the status and analysis
// pages. Decisions: the status page and its feed are for everyone signed
// in (anonymous visitors sign in unless the page is public); a check's page
// for staff, auditors and the provider that operates it (404 to anyone
// else); outages and the availability report for staff, auditors and
// providers, customers refused.
func TestStatusPagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		m := e.mustMonitoring()
		portal, reporting, checkA := "/checks/"+id(m.portal.ID), "/checks/"+id(m.reporting.ID), "/checks/"+id(m.checkA.ID)
		cases := []struct {
			path string
			want want
		}{
			//                                admin mgr agent audit prov cAdmA cUsrA anon
			{"/status", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/status.json", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{portal, want{ok, ok, ok, ok, ok, none, none, see}},
			{portal + "?period=7d", want{ok, ok, ok, ok, ok, none, none, see}},
			{portal + "?period=90d", want{ok, ok, ok, ok, ok, none, none, see}},
			{reporting + "?period=30d", want{ok, ok, ok, ok, none, none, none, see}},
			{checkA, want{ok, ok, ok, ok, none, none, none, see}},
			{"/checks/999999", want{none, none, none, none, none, none, none, see}},
			{"/outages", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/outages?state=open&service=Beta+finance+interface", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/outages.csv", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/monitoring/availability", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/monitoring/availability.csv?day=2026-03-02", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/monitoring/availability.xlsx?week=2026-W10", want{ok, ok, ok, ok, ok, no, no, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				res := clients[role].Get(c.path)
				if res.StatusCode != c.want[i] {
					t.Errorf("GET %s as %s: status %d, want %d\n%s", c.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
				if role == "anon" && res.StatusCode == see && !strings.HasPrefix(res.Location(), "/sign-in") {
					t.Errorf("GET %s as anon: redirect to %q, want the sign-in page", c.path, res.Location())
				}
			}
		}
		// A public status page lets anonymous visitors see it and its
		// feed, and nothing else.
		pub := e.publicStatusClient()
		for path, want := range map[string]int{"/status": ok, "/status.json": ok, portal: see, "/outages": see, "/monitoring/availability": see} {
			if res := pub.Get(path); res.StatusCode != want {
				t.Errorf("GET %s anonymously with a public status page: %d, want %d", path, res.StatusCode, want)
			}
		}
		// Everyone signed in has the status page in the menu.
		for role, c := range clients {
			body := c.Get("/account").Body
			if has := strings.Contains(body, `href="/status" class="ds_site-navigation__link`); has != (role != "anon") {
				t.Errorf("%s: status page in the menu = %v", role, has)
			}
		}
	})
}

// TestStatusRoutesAreCovered fails when a status or analysis route is
// added without a row in the matrix.
func TestStatusRoutesAreCovered(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	for _, p := range e.srv.Patterns() {
		method, path, _ := strings.Cut(p, " ")
		mine := strings.HasPrefix(path, "/status") || strings.HasPrefix(path, "/outages") || strings.HasPrefix(path, "/monitoring/") || path == "/checks/{id}"
		if mine && !contains(statusRoutes, method+" "+path) {
			t.Errorf("route %s has no row in TestStatusPagePermissions", p)
		}
	}
}

// statusFeed reads /status.json as the client.
func statusFeed(t *testing.T, c *webtest.Client) *itsm.StatusPage {
	t.Helper()
	res := c.Get("/status.json")
	mustStatus(t, res, http.StatusOK, "GET /status.json")
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("status feed Content-Type %q", ct)
	}
	var page itsm.StatusPage
	if err := json.Unmarshal([]byte(res.Body), &page); err != nil {
		t.Fatalf("status feed: %v\n%s", err, res.Body)
	}
	return &page
}

func feedServices(p *itsm.StatusPage) string {
	var s []string
	for _, svc := range p.Services {
		s = append(s, svc.Service+"="+svc.Status)
	}
	for _, o := range p.Incidents {
		s = append(s, "incident:"+o.Service)
	}
	return strings.Join(s, ",")
}

// TestStatusPageTenancyThroughTheWeb: customer A never sees B's service or
// incident on the page or in the feed, and B does; anonymous visitors are
// sent to sign in unless the page is public, and then see public shared
// checks only; causes (which can name internal hosts) are for staff.
func TestStatusPageTenancyThroughTheWeb(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		m := e.mustMonitoring()
		f := e.f
		for _, tc := range []struct {
			client     *webtest.Client
			who        string
			feed       string
			see, avoid []string
		}{
			{e.as(f.CustomerUserA), "customer A", "Alpha finance interface=operational,Purchasing portal=operational,Reporting=operational",
				[]string{"Alpha finance interface", "Portal database upgrade", "There are no problems happening now"}, []string{"Beta finance", "10.1.2.3", m.outageB.TicketRef}},
			{e.as(f.CustomerAdminB), "customer B", "Beta finance interface=outage,Purchasing portal=operational,Reporting=operational,incident:Beta finance interface",
				[]string{"Beta finance interface", "Some services are unavailable", m.outageB.TicketRef}, []string{"Alpha finance", "10.1.2.3"}},
			{e.publicStatusClient(), "anonymous (public page)", "Purchasing portal=operational",
				[]string{"Purchasing portal", "Portal database upgrade", "All services are operating normally"}, []string{"Alpha finance", "Beta finance", "Reporting"}},
			{e.as(f.Manager), "manager", "Alpha finance interface=operational,Beta finance interface=outage,Purchasing portal=operational,Reporting=operational,incident:Beta finance interface",
				[]string{"10.1.2.3", "Beta finance link", "/tickets/" + id(*m.outageB.TicketID)}, nil},
		} {
			if got := feedServices(statusFeed(t, tc.client)); got != tc.feed {
				t.Errorf("%s: feed\n got %s\nwant %s", tc.who, got, tc.feed)
			}
			res := tc.client.Get("/status")
			mustStatus(t, res, http.StatusOK, tc.who+" GET /status")
			for _, s := range tc.see {
				if !strings.Contains(res.Body, s) {
					t.Errorf("%s: the status page does not show %q", tc.who, s)
				}
			}
			for _, s := range tc.avoid {
				if strings.Contains(res.Body, s) {
					t.Errorf("%s: the status page shows %q", tc.who, s)
				}
			}
			if !strings.Contains(res.Body, "<title>2 Mar 2026: 100% available (0 of 24 checks failed)</title>") {
				t.Errorf("%s: no daily bars with their figures", tc.who)
			}
			if strings.Contains(res.Body, `http-equiv="refresh"`) || !strings.Contains(res.Body, "Updated <time") {
				t.Errorf("%s: the page must say when it was made and never refresh itself", tc.who)
			}
		}
		// Without --public-status anonymous visitors sign in, for the page
		// and the feed.
		anon := e.anon()
		for _, p := range []string{"/status", "/status.json"} {
			res := anon.Get(p)
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/sign-in") {
				t.Errorf("anonymous GET %s: %d %s", p, res.StatusCode, res.Location())
			}
		}
		// The customer's home page links to the status page.
		if body := e.as(f.CustomerUserA).Get("/").Body; !strings.Contains(body, `<a href="/status">`) {
			t.Error("the customer home page has no link to the status page")
		}
	})
}

// TestCheckDetailMasksSecrets: the check's page shows the header's name and
// the mask, never its value, to everyone who may open it; the figures,
// charts with their data tables and the outages are there.
func TestCheckDetailMasksSecrets(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	m := e.mustMonitoring()
	for _, u := range []*itsm.User{e.f.Manager, e.f.Auditor, e.f.ProviderAgent} {
		for _, period := range []string{"", "?period=7d", "?period=30d", "?period=90d"} {
			res := e.as(u).Get("/checks/" + id(m.portal.ID) + period)
			mustStatus(t, res, http.StatusOK, u.Email+" check page"+period)
			if strings.Contains(res.Body, "sup3r") || strings.Contains(res.Body, statusSecret) {
				t.Fatalf("%s: the check page shows the secret header value", u.Email)
			}
			for _, want := range []string{"Authorization: " + itsm.SecretMask, "Accept: text/html", "Last 24 hours", "99.5%: met", "Response times", "The charts’ figures as a table", "<desc id=\"check-availability-desc\">"} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("%s: the check page%s lacks %q", u.Email, period, want)
				}
			}
			manage := strings.Contains(res.Body, `href="/checks/`+id(m.portal.ID)+`/edit"`)
			if manage != (u == e.f.Manager) {
				t.Errorf("%s: management links shown = %v", u.Email, manage)
			}
		}
	}
	res := e.as(e.f.Manager).Get("/checks/" + id(m.checkB.ID))
	for _, want := range []string{"status 503 from 10.1.2.3", m.outageB.TicketRef, "Still going on", "Down"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("B's check page lacks %q\n%s", want, excerpt(res.Body))
		}
	}
}

// TestStatusPagesRefuseBadInput: a period the charts do not offer, a month
// or week that does not exist, two periods at once, a period not begun and
// reversed days are 400s that say what is wrong.
func TestStatusPagesRefuseBadInput(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	m := e.mustMonitoring()
	c := e.as(e.f.Manager)
	for path, msg := range map[string]string{
		"/checks/" + id(m.portal.ID) + "?period=1y":             "Choose a period for the charts",
		"/monitoring/availability?month=2026-13":                "Enter the month as a year and month",
		"/monitoring/availability?month=last":                   "Enter the month as a year and month",
		"/monitoring/availability?week=2026-W60":                "Enter the week as a year and week number",
		"/monitoring/availability?week=2025-W53":                "2025 has no week 53",
		"/monitoring/availability?day=2026-02-30":               "Enter the day as a real date",
		"/monitoring/availability?month=2026-03&day=2026-03-01": "not more than one",
		"/monitoring/availability?month=2027-01":                "That month has not begun yet",
		"/monitoring/availability?provider=x":                   "Choose a provider from the list",
		"/monitoring/availability.csv?month=2026-13":            "Enter the month as a year and month",
		"/outages?from=2026-03-02&to=2026-03-01":                "The last day must be the same as or after the first day",
		"/outages?from=yesterday":                               "Enter the first day as a real date",
		"/outages?state=maybe":                                  "Choose whether the outage is still going on",
		"/outages.csv?check=abc":                                "Enter the check's number as a number",
	} {
		res := c.Get(path)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(webtest.Text(res.Body), msg) {
			t.Errorf("GET %s: %d, want 400 saying %q\n%s", path, res.StatusCode, msg, excerpt(res.Body))
		}
	}
}

// TestAnalysisPages: the outage list filters and exports; the availability
// report lists services and checks with their targets and exports both.
func TestAnalysisPages(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	m := e.mustMonitoring()
	mgr, prov := e.as(e.f.Manager), e.as(e.f.ProviderAgent)

	body := mgr.Get("/outages?state=open").Body
	if !strings.Contains(body, "Beta finance link") || !strings.Contains(body, m.outageB.TicketRef) || !strings.Contains(body, `href="/checks/`+id(m.checkB.ID)+`"`) {
		t.Errorf("open outages:\n%s", excerpt(body))
	}
	if body := mgr.Get("/outages?state=ended").Body; strings.Contains(body, "Beta finance link") {
		t.Error("an open outage is listed as ended")
	}
	csv := mgr.Get("/outages.csv?check=" + id(m.checkB.ID))
	if csv.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(csv.Body, "Beta finance link") || !strings.Contains(csv.Body, m.outageB.TicketRef) || !strings.Contains(csv.Body, "2026-03-02T10:40:00Z") {
		t.Errorf("outage CSV:\n%s", csv.Body)
	}
	// The provider sees the outages of the checks it operates only.
	if body := prov.Get("/outages").Body; !strings.Contains(body, "Beta finance link") {
		t.Errorf("provider outages:\n%s", excerpt(body))
	}

	body = mgr.Get("/monitoring/availability?month=2026-03").Body
	for _, want := range []string{"March 2026", "Purchasing portal", "Portal home", "99.5%: met", "Beta finance link", "83.33%", "None set", "1 check met its target"} {
		if !strings.Contains(body, want) {
			t.Errorf("availability report lacks %q\n%s", want, excerpt(body))
		}
	}
	// The provider filter and the provider's own view leave out the
	// checks it does not operate.
	for _, c := range []*webtest.Client{prov} {
		body := c.Get("/monitoring/availability").Body
		if strings.Contains(body, "Reporting database") || strings.Contains(body, "Alpha finance link") || !strings.Contains(body, "Portal home") {
			t.Errorf("provider's availability report:\n%s", excerpt(body))
		}
	}
	body = mgr.Get("/monitoring/availability?provider=" + id(e.f.Provider.ID)).Body
	if strings.Contains(body, "Reporting database") || !strings.Contains(body, "Beta finance link") {
		t.Errorf("availability report for one provider:\n%s", excerpt(body))
	}
	res := mgr.Get("/monitoring/availability.csv?month=2026-03")
	if !strings.Contains(res.Header.Get("Content-Disposition"), "availability-month-2026-03.csv") ||
		!strings.Contains(res.Body, "service,Purchasing portal,,,,2026-03-01T00:00:00Z") || !strings.Contains(res.Body, "check,Beta finance interface,Beta finance link") {
		t.Errorf("availability CSV:\n%s", res.Body)
	}
	res = mgr.Get("/monitoring/availability.xlsx")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
		t.Errorf("availability XLSX: %d", res.StatusCode)
	}
}
