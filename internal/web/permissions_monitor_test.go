package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// managedCheckSecret is the Authorization value of the fixture's checks: no page,
// export or re-rendered form may ever show it.
const managedCheckSecret = "Bearer s3cret-token-value"

// checkDesk is the fixture of the monitoring pages: a check operated by
// the fixture's provider, one nobody operates, and a planned maintenance
// window tomorrow.
type checkDesk struct {
	operated, other *itsm.Check
	window          *itsm.MaintenanceWindow
}

// mustManagedCheck adds an HTTP check with a secret header as the system.
func (e *env) mustManagedCheck(name, service string, provider *int64) *itsm.Check {
	e.t.Helper()
	c := &itsm.Check{Name: name, Service: service, Component: "Web", Kind: itsm.CheckHTTP, URL: "https://portal.example.org/health",
		Interval: 30 * time.Second, Timeout: 5 * time.Second, Enabled: true, VerifyTLS: true, ProviderID: provider,
		Headers: []itsm.CheckHeader{{Name: "Authorization", Value: managedCheckSecret}, {Name: "Accept", Value: "application/json"}}}
	if err := e.db.CreateCheck(storetest.System(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// mustPlannedWindow plans a window starting in `in` and lasting two hours.
func (e *env) mustPlannedWindow(title string, in time.Duration) *itsm.MaintenanceWindow {
	e.t.Helper()
	now := storetest.ClockOf(e.db).Now()
	m := &itsm.MaintenanceWindow{Title: title, Service: "Purchasing portal", StartsAt: now.Add(in), EndsAt: now.Add(in + 2*time.Hour)}
	if err := e.db.CreateMaintenance(storetest.As(e.f.Manager), m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) mustCheckDesk() *checkDesk {
	e.t.Helper()
	return &checkDesk{operated: e.mustManagedCheck("Portal home", "Purchasing portal", &e.f.Provider.ID),
		other: e.mustManagedCheck("Finance API", "Finance interface", nil), window: e.mustPlannedWindow("Database upgrade", 24*time.Hour)}
}

// checkPagesRoutes are the routes this file's matrices cover; the test below
// keeps the list true to the route table (the check detail page,
// GET /checks/{id}, belongs to the status pages).
var checkPagesRoutes = []string{
	"GET /checks", "GET /checks.csv", "GET /checks/new", "POST /checks/new", "GET /checks/import", "POST /checks/import",
	"GET /checks/{id}/edit", "POST /checks/{id}/edit", "GET /checks/{id}/delete", "POST /checks/{id}/delete",
	"POST /checks/{id}/pause", "POST /checks/{id}/resume",
	"GET /maintenance", "GET /maintenance.csv", "GET /maintenance/new", "POST /maintenance/new", "POST /maintenance/{id}/delete",
}

// TestCheckPagesPermissions is the matrix of the monitoring pages.
// Decisions: managers and administrators manage checks and maintenance;
// agents and auditors read; the provider reads the checks it operates
// (others do not exist for it); customers have no monitoring pages.
func TestCheckPagesPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.mustCheckDesk()
		op, other := "/checks/"+id(d.operated.ID), "/checks/"+id(d.other.ID)
		cases := []struct {
			path string
			want want
		}{
			//                                admin mgr agent audit prov cAdmA cUsrA anon
			{"/checks", want{ok, ok, ok, ok, ok, none, none, see}},
			{"/checks.csv", want{ok, ok, ok, ok, ok, none, none, see}},
			{"/checks/new", want{ok, ok, no, no, no, none, none, see}},
			{"/checks/import", want{ok, ok, no, no, no, none, none, see}},
			{op + "/edit", want{ok, ok, no, no, no, none, none, see}},
			{other + "/edit", want{ok, ok, no, no, none, none, none, see}},
			{op + "/delete", want{ok, ok, no, no, no, none, none, see}},
			{other + "/delete", want{ok, ok, no, no, none, none, none, see}},
			{"/checks/999999/edit", want{none, none, none, none, none, none, none, see}},
			{"/maintenance", want{ok, ok, ok, ok, ok, none, none, see}},
			{"/maintenance.csv", want{ok, ok, ok, ok, ok, none, none, see}},
			{"/maintenance/new", want{ok, ok, no, no, no, none, none, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				res := clients[role].Get(c.path)
				if res.StatusCode != c.want[i] {
					t.Errorf("GET %s as %s: status %d, want %d\n%s", c.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
		// The provider's list and export hold only the check it operates.
		for _, path := range []string{"/checks", "/checks.csv"} {
			body := clients["provider"].Get(path).Body
			if strings.Contains(body, "Finance API") || !strings.Contains(body, "Portal home") {
				t.Errorf("GET %s as the provider shows the wrong checks\n%s", path, excerpt(body))
			}
		}
	})
}

// checkPagesPosts are the state-changing forms, each prepared afresh.
func (e *env) checkPagesPosts(d *checkDesk) []struct {
	name    string
	prepare func() (string, url.Values)
	want    want
} {
	form := func(c *itsm.Check) url.Values {
		return url.Values{"name": {c.Name}, "service": {c.Service}, "kind": {"http"}, "url": {"https://portal.example.org/changed"}, "method": {"GET"},
			"expect_status": {"200-299"}, "interval": {"60"}, "timeout": {"10"}, "retries": {"0"}, "incident_after": {"3"},
			"target_calendar": {"24x7"}, "version": {id(c.Version)}}
	}
	fresh := func(provider *int64, action string) func() (string, url.Values) {
		return func() (string, url.Values) {
			c := e.mustManagedCheck("Check "+id(int64(next())), "Purchasing portal", provider)
			return "/checks/" + id(c.ID) + "/" + action, form(c)
		}
	}
	p := &e.f.Provider.ID
	return []struct {
		name    string
		prepare func() (string, url.Values)
		want    want
	}{
		{"add a check", func() (string, url.Values) {
			f := form(&itsm.Check{Name: "New " + id(int64(next())), Service: "Purchasing portal"})
			return "/checks/new", f
		}, want{see, see, no, no, no, none, none, see}},
		{"change an operated check", fresh(p, "edit"), want{see, see, no, no, no, none, none, see}},
		{"change another check", fresh(nil, "edit"), want{see, see, no, no, none, none, none, see}},
		{"pause an operated check", fresh(p, "pause"), want{see, see, no, no, no, none, none, see}},
		{"resume another check", fresh(nil, "resume"), want{see, see, no, no, none, none, none, see}},
		{"delete an operated check", fresh(p, "delete"), want{see, see, no, no, no, none, none, see}},
		{"plan maintenance", func() (string, url.Values) {
			day := storetest.ClockOf(e.db).Now().AddDate(0, 0, 3).Format("2006-01-02")
			return "/maintenance/new", url.Values{"title": {"Patching"}, "starts_at_date": {day}, "starts_at_time": {"18:00"},
				"ends_at_date": {day}, "ends_at_time": {"20:00"}}
		}, want{see, see, no, no, no, none, none, see}},
		{"cancel maintenance", func() (string, url.Values) {
			return "/maintenance/" + id(e.mustPlannedWindow("Window "+id(int64(next())), 48*time.Hour).ID) + "/delete", nil
		}, want{see, see, no, no, no, none, none, see}},
	}
}

// TestCheckPagesPostPermissions is the matrix of the monitoring forms.
func TestCheckPagesPostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.mustCheckDesk()
		clients := e.clients()
		for _, c := range e.checkPagesPosts(d) {
			for i, role := range roles {
				path, form := c.prepare()
				res := clients[role].Post(path, form)
				if res.StatusCode != c.want[i] {
					t.Errorf("%s (POST %s) as %s: status %d, want %d\n%s", c.name, path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
		// The import is a multipart form.
		for i, role := range roles {
			res := postMultipart(clients[role], "/checks/import", url.Values{"mode": {"check"}},
				fileUpload{field: "file", name: "checks.yaml", data: []byte("- {name: A, service: S, kind: tcp, address: 'a.example.org:1'}\n")})
			want := want{ok, ok, no, no, no, none, none, see}[i]
			if res.StatusCode != want {
				t.Errorf("import as %s: status %d, want %d\n%s", role, res.StatusCode, want, excerpt(res.Body))
			}
		}
	})
}

// TestCheckPagesRoutesAreCovered fails when a monitoring route is added
// without a row in these matrices.
func TestCheckPagesRoutesAreCovered(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	patterns := e.srv.Patterns()
	for _, p := range patterns {
		_, path, _ := strings.Cut(p, " ")
		mine := (strings.HasPrefix(path, "/checks") && path != "/checks/{id}") || strings.HasPrefix(path, "/maintenance")
		if mine && !contains(checkPagesRoutes, p) {
			t.Errorf("route %s is not in checkPagesRoutes", p)
		}
	}
	for _, p := range checkPagesRoutes {
		if !contains(patterns, p) {
			t.Errorf("checkPagesRoutes lists %s, which the route table does not serve", p)
		}
	}
}

// TestCheckPagesNavigation: "Monitoring" for staff, auditors and providers;
// not for customers.
func TestCheckPagesNavigation(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	clients := e.clients()
	for _, role := range roles[:7] {
		body := clients[role].Get("/account").Body
		has := strings.Contains(body, `href="/checks" class="ds_site-navigation__link`)
		if want := role != "custAdminA" && role != "custUserA"; has != want {
			t.Errorf("%s: Monitoring link shown=%v, want %v", role, has, want)
		}
	}
	mustStatus(t, clients["manager"].Get("/checks"), http.StatusOK, "list")
}
