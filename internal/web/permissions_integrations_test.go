package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// integrationDesk is the fixture of the integration pages: an interface of
// each customer, a global webhook, one of A's and one of B's, and a
// delivery to each of the first two.
type integrationDesk struct {
	entryA, entryB         *itsm.Integration
	global, hookA, hookB   *itsm.WebhookSubscription
	deliveryGlobal, delivA int64
	ticketA                *itsm.Ticket
}

func (e *env) mustIntegration(org *itsm.Organisation, name string) *itsm.Integration {
	e.t.Helper()
	g := &itsm.Integration{OrgID: org.ID, Name: name, System: "Oracle Fusion", Vendor: "Oracle", Direction: "inbound_invoices", Format: "ubl",
		Transport: "sftp", Schedule: "hourly", Environments: []string{"production"}, Status: "live",
		Contacts: []itsm.IntegrationContact{{Name: "Ann Finance", Email: "ann@finance.test", Role: "lead"}}}
	if err := e.db.CreateIntegration(storetest.System(), g); err != nil {
		e.t.Fatal(err)
	}
	return g
}

func (e *env) mustWebhook(as *itsm.User, org *int64) *itsm.WebhookSubscription {
	e.t.Helper()
	s := &itsm.WebhookSubscription{OrgID: org, URL: "https://hooks.example.org/" + id(int64(next())), EventTypes: []string{"ticket.created"}}
	if err := e.db.CreateWebhook(storetest.As(as), s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) mustIntegrationDesk() *integrationDesk {
	e.t.Helper()
	f := e.f
	e.mustAgreement("Help desk agreement", nil, storetest.ClockOf(e.db).Now().AddDate(0, -1, 0))
	d := &integrationDesk{entryA: e.mustIntegration(f.CustomerA, "Invoices to Oracle"), entryB: e.mustIntegration(f.CustomerB, "Orders to SAP")}
	d.global = e.mustWebhook(f.Manager, nil)
	d.hookA = e.mustWebhook(f.CustomerAdminA, nil)
	d.hookB = e.mustWebhook(f.CustomerAdminB, nil)
	t, err := e.db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "Invoices stuck", Description: "Since 09:00", Impact: itsm.Medium, Urgency: itsm.Medium})
	if err != nil {
		e.t.Fatal(err)
	}
	d.ticketA = t
	for _, sub := range []*itsm.WebhookSubscription{d.global, d.hookA} {
		ds, _, err := e.db.FindWebhookDeliveries(storetest.As(f.Admin), sub.ID, 0, 1)
		if err != nil || len(ds) != 1 {
			e.t.Fatalf("deliveries of %d: %v %v", sub.ID, ds, err)
		}
		if sub == d.global {
			d.deliveryGlobal = ds[0].ID
		} else {
			d.delivA = ds[0].ID
		}
	}
	return d
}

// integrationRoutes are the routes this file's matrices cover; the test
// below keeps the list true to the route table.
var integrationRoutes = []string{
	"GET /integrations", "GET /integrations.csv", "GET /integrations/new", "POST /integrations/new", "GET /integrations/{id}",
	"GET /integrations/{id}/edit", "POST /integrations/{id}/edit", "GET /integrations/{id}/report-issue", "POST /integrations/{id}/report-issue",
	"POST /integrations/{id}/tickets/link", "POST /integrations/{id}/tickets/unlink",
	"GET /webhooks", "GET /webhooks/new", "POST /webhooks/new", "GET /webhooks/{id}", "GET /webhooks/{id}/edit", "POST /webhooks/{id}/edit",
	"POST /webhooks/{id}/rotate", "POST /webhooks/{id}/delete", "GET /webhook-deliveries/{id}", "POST /webhook-deliveries/{id}/redeliver",
	"GET /import", "POST /import", "GET /exports/{kind}",
}

// TestIntegrationPagePermissions is the matrix of the integration pages.
// Decisions: everyone signed in reads the register (customers their own
// organisation's); staff and customer administrators change it; webhooks
// are for administrators, managers and customer administrators, with
// auditors reading; imports are for those who manage the records.
func TestIntegrationPagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.mustIntegrationDesk()
		a, b := "/integrations/"+id(d.entryA.ID), "/integrations/"+id(d.entryB.ID)
		hg, ha, hb := "/webhooks/"+id(d.global.ID), "/webhooks/"+id(d.hookA.ID), "/webhooks/"+id(d.hookB.ID)
		cases := []struct {
			path string
			want want
		}{
			//                                admin mgr agent audit prov cAdmA cUsrA anon
			{"/integrations", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/integrations.csv", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/integrations/new", want{ok, ok, ok, no, no, ok, no, see}},
			{a, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{b, want{ok, ok, ok, ok, ok, none, none, see}},
			{a + "/edit", want{ok, ok, ok, no, no, ok, no, see}},
			{b + "/edit", want{ok, ok, ok, no, no, none, none, see}},
			{a + "/report-issue", want{ok, ok, ok, no, no, ok, ok, see}},
			{b + "/report-issue", want{ok, ok, ok, no, no, none, none, see}},
			{"/integrations/999999", want{none, none, none, none, none, none, none, see}},
			{"/webhooks", want{ok, ok, no, ok, no, ok, no, see}},
			{"/webhooks/new", want{ok, ok, no, no, no, ok, no, see}},
			{hg, want{ok, ok, no, ok, no, none, no, see}},
			{ha, want{ok, ok, no, ok, no, ok, no, see}},
			{hb, want{ok, ok, no, ok, no, none, no, see}},
			{ha + "/edit", want{ok, ok, no, no, no, ok, no, see}},
			{hg + "/edit", want{ok, ok, no, no, no, none, no, see}},
			{"/webhook-deliveries/" + id(d.delivA), want{ok, ok, no, ok, no, ok, no, see}},
			{"/webhook-deliveries/" + id(d.deliveryGlobal), want{ok, ok, no, ok, no, none, no, see}},
			{"/import", want{ok, ok, ok, no, no, ok, no, see}},
			{"/exports/integrations", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/exports/organisations", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/exports/users", want{ok, ok, ok, ok, no, ok, no, see}},
			{"/exports/tickets", want{none, none, none, none, none, none, none, see}},
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
		// Tenancy of lists and exports: A's people never see B's entry.
		for _, role := range []string{"custAdminA", "custUserA"} {
			for _, path := range []string{"/integrations", "/integrations.csv", "/exports/integrations"} {
				body := clients[role].Get(path).Body
				if strings.Contains(body, "Orders to SAP") || !strings.Contains(body, "Invoices to Oracle") {
					t.Errorf("GET %s as %s shows the wrong entries\n%s", path, role, excerpt(body))
				}
			}
		}
		// Secrets are never on a page after the one that creates them.
		for _, path := range []string{"/webhooks", hg, hg + "/edit"} {
			if body := clients["admin"].Get(path).Body; strings.Contains(body, "whsec_") {
				t.Errorf("GET %s shows a secret", path)
			}
		}
	})
}

// integrationPosts are the state-changing forms, each prepared afresh per
// role.
func (e *env) integrationPosts(d *integrationDesk) []struct {
	name    string
	prepare func() (string, url.Values)
	want    want
} {
	f := e.f
	entryForm := func(g *itsm.Integration) url.Values {
		return url.Values{"name": {g.Name}, "system": {"Oracle Fusion"}, "direction": {"inbound_invoices"}, "format": {"ubl"}, "transport": {"sftp"},
			"status": {"testing"}, "environments": {"test"}, "contacts": {"Ann Finance <ann@finance.test> (lead)"}, "version": {id(g.Version)}}
	}
	fresh := func(org *itsm.Organisation) func() (string, url.Values) {
		return func() (string, url.Values) {
			g := e.mustIntegration(org, "Interface "+id(int64(next())))
			return "/integrations/" + id(g.ID) + "/edit", entryForm(g)
		}
	}
	hookOf := func(as *itsm.User, action string) func() (string, url.Values) {
		return func() (string, url.Values) {
			s := e.mustWebhook(as, nil)
			return "/webhooks/" + id(s.ID) + "/" + action, url.Values{"version": {id(s.Version)}, "url": {"https://changed.example.org/hook"},
				"event_types": {"ticket.created", "change.*"}, "active": {"yes"}}
		}
	}
	return []struct {
		name    string
		prepare func() (string, url.Values)
		want    want
	}{
		{"add an interface", func() (string, url.Values) {
			return "/integrations/new", url.Values{"organisation_id": {id(f.CustomerA.ID)}, "name": {"New " + id(int64(next()))}, "system": {"Civica"},
				"direction": {"payments"}, "format": {"csv"}, "transport": {"sftp"}, "status": {"planned"}}
		}, want{see, see, see, no, no, see, no, see}},
		{"change A's interface", fresh(f.CustomerA), want{see, see, see, no, no, see, no, see}},
		{"change B's interface", fresh(f.CustomerB), want{see, see, see, no, no, none, none, see}},
		{"report an issue with A's interface", func() (string, url.Values) {
			return "/integrations/" + id(d.entryA.ID) + "/report-issue", url.Values{"title": {"Invoices stuck"}, "description": {"Since 09:00"}, "impact": {"medium"}, "urgency": {"high"}}
		}, want{see, see, see, no, no, see, see, see}},
		{"link a ticket to A's interface", func() (string, url.Values) {
			return "/integrations/" + id(d.entryA.ID) + "/tickets/link", url.Values{"ref": {d.ticketA.Ref}}
		}, want{see, see, see, no, no, see, see, see}},
		{"unlink a ticket from A's interface", func() (string, url.Values) {
			return "/integrations/" + id(d.entryA.ID) + "/tickets/unlink", url.Values{"ticket_id": {id(d.ticketA.ID)}}
		}, want{see, see, see, no, no, see, no, see}},
		{"add a webhook", func() (string, url.Values) {
			return "/webhooks/new", url.Values{"url": {"https://erp.example.org/hook"}, "event_types": {"ticket.created"}, "organisation_id": {""}}
		}, want{ok, ok, no, no, no, ok, no, see}}, // the secret's page
		{"change a global webhook", hookOf(f.Admin, "edit"), want{see, see, no, no, no, none, no, see}},
		{"change A's webhook", hookOf(f.CustomerAdminA, "edit"), want{see, see, no, no, no, see, no, see}},
		{"rotate A's webhook's secret", hookOf(f.CustomerAdminA, "rotate"), want{ok, ok, no, no, no, ok, no, see}},
		{"delete B's webhook", hookOf(f.CustomerAdminB, "delete"), want{see, see, no, no, no, none, no, see}},
		{"redeliver A's delivery", func() (string, url.Values) {
			return "/webhook-deliveries/" + id(d.delivA) + "/redeliver", nil
		}, want{see, see, no, no, no, see, no, see}},
	}
}

// TestIntegrationPostPermissions is the matrix of the integration forms.
func TestIntegrationPostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.mustIntegrationDesk()
		clients := e.clients()
		for _, c := range e.integrationPosts(d) {
			for i, role := range roles {
				path, form := c.prepare()
				res := clients[role].Post(path, form)
				if res.StatusCode != c.want[i] {
					t.Errorf("%s (POST %s) as %s: status %d, want %d\n%s", c.name, path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
	})
}

// TestAuditorChangesNoIntegration posts every integration form as the
// auditor: each is refused, and nothing but refusals is audited.
func TestAuditorChangesNoIntegration(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	d := e.mustIntegrationDesk()
	c := e.as(e.f.Auditor)
	var prepared [][2]any
	for _, p := range e.integrationPosts(d) {
		path, form := p.prepare()
		prepared = append(prepared, [2]any{path, form})
	}
	changes := func() int {
		var n int
		if err := e.db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action <> 'access_refused'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := changes()
	for _, p := range prepared {
		mustStatus(t, c.Post(p[0].(string), p[1].(url.Values)), http.StatusForbidden, "auditor POST "+p[0].(string))
	}
	if after := changes(); after != before {
		t.Fatalf("the auditor's refused posts wrote %d audit entries", after-before)
	}
}

// TestIntegrationRoutesAreCovered fails when an integration route is added
// without a row in these matrices.
func TestIntegrationRoutesAreCovered(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	patterns := e.srv.Patterns()
	for _, p := range patterns {
		_, path, _ := strings.Cut(p, " ")
		mine := strings.HasPrefix(path, "/integrations") || strings.HasPrefix(path, "/webhook") || path == "/import" || strings.HasPrefix(path, "/exports/")
		if mine && !contains(integrationRoutes, p) {
			t.Errorf("route %s is not in integrationRoutes", p)
		}
	}
	for _, p := range integrationRoutes {
		if !contains(patterns, p) {
			t.Errorf("integrationRoutes lists %s, which the route table does not serve", p)
		}
	}
}

// TestIntegrationNavigation: the register for everyone signed in; webhooks
// for administrators, managers and customer administrators.
func TestIntegrationNavigation(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	clients := e.clients()
	for _, role := range roles[:7] {
		body := clients[role].Get("/account").Body
		if !strings.Contains(body, `href="/integrations" class="ds_site-navigation__link`) {
			t.Errorf("%s has no Integrations link", role)
		}
		hooks := strings.Contains(body, `href="/webhooks" class="ds_site-navigation__link`)
		if want := role == "admin" || role == "manager" || role == "custAdminA"; hooks != want {
			t.Errorf("%s: Webhooks link shown=%v, want %v", role, hooks, want)
		}
	}
}
