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

// TestManagementPagePermissions is the permission matrix of the service
// management pages: problems, escalations and their contacts, agreements,
// SLA reports, the what-if comparison and the service desk settings.
func TestManagementPagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		d := e.mustDesk()
		prob, unassigned := "/problems/"+id(d.problem.ID), "/problems/"+id(d.unassigned.ID)
		escA, escB := "/escalations/"+id(d.escalationA.ID), "/escalations/"+id(d.escalationB.ID)
		orgA, orgB, provider := id(f.CustomerA.ID), id(f.CustomerB.ID), id(f.Provider.ID)
		cases := []struct {
			path string
			want want
		}{
			//                                admin mgr agent audit prov cAdmA cUsrA anon
			{"/problems", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/problems.csv", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/problems/new", want{ok, ok, ok, no, no, no, no, see}},
			{prob, want{ok, ok, ok, ok, ok, none, none, see}},
			{unassigned, want{ok, ok, ok, ok, none, none, none, see}},
			{prob + "/edit", want{ok, ok, ok, no, ok, none, none, see}},
			{unassigned + "/edit", want{ok, ok, ok, no, none, none, none, see}},
			{"/problems/999999", want{none, none, none, none, none, none, none, see}},
			{"/escalations", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/escalations.csv", want{ok, ok, ok, ok, ok, no, no, see}},
			{escA, want{ok, ok, ok, ok, ok, no, no, see}},
			{escB, want{ok, ok, ok, ok, none, no, no, see}},
			{"/organisations/" + provider + "/escalation-contacts", want{ok, ok, ok, ok, ok, none, none, see}},
			{"/organisations/" + orgA + "/escalation-contacts", want{none, none, none, none, none, none, none, see}},
			{"/agreements", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/agreements.csv", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/agreements/new", want{ok, ok, no, no, no, no, no, see}},
			{"/agreements/" + id(d.general.ID), want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/agreements/" + id(d.agreementB.ID), want{ok, ok, ok, ok, ok, none, none, see}},
			{"/reports/sla", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/reports/sla?organisation=" + orgA, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/reports/sla?organisation=" + orgB, want{ok, ok, ok, ok, ok, none, none, see}},
			{"/reports/sla.csv?organisation=" + orgB, want{ok, ok, ok, ok, ok, none, none, see}},
			{"/reports/sla.xlsx?organisation=" + orgB, want{ok, ok, ok, ok, ok, none, none, see}},
			{"/reports/sla?provider=" + provider, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/reports/sla?provider=" + orgB, want{ok, ok, ok, ok, none, ok, ok, see}},
			{"/sla/what-if", want{ok, ok, ok, ok, no, no, no, see}},
			{"/sla/what-if?agreement=" + id(d.general.ID), want{ok, ok, ok, ok, no, no, no, see}},
			{"/settings/service-desk", want{ok, ok, no, ok, no, no, no, see}},
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
	})
}

// managementPosts are the state-changing forms of the service management
// pages, each prepared afresh (new records, current versions) per role.
func (e *env) managementPosts(d *desk) []struct {
	name    string
	prepare func() (string, url.Values)
	want    want
} {
	f := e.f
	problemForm := func(p *itsm.Problem) url.Values {
		return url.Values{"title": {p.Title}, "description": {"Changed."}, "root_cause": {"A field length check."}, "workaround": {"Shorten the name."},
			"status": {"investigating"}, "provider_id": {idValue(p.ProviderID)}, "owner_id": {""}, "version": {id(p.Version)}}
	}
	escalationAct := func(action string) func() (string, url.Values) {
		return func() (string, url.Values) {
			_, esc := e.mustEscalation(f.CustomerUserA, true)
			return "/escalations/" + id(esc.ID) + "/" + action, url.Values{"version": {id(esc.Version)}, "raise_reason": {"The provider is not answering."},
				"note": {"Called the provider."}, "outcome": {"Upheld: the provider will fix it."}}
		}
	}
	return []struct {
		name    string
		prepare func() (string, url.Values)
		want    want
	}{
		{"record a problem", func() (string, url.Values) {
			return "/problems/new", url.Values{"title": {"Invoices bounce"}, "status": {"open"}, "provider_id": {id(f.Provider.ID)}}
		}, want{see, see, see, no, no, no, no, see}},
		{"change the provider's problem", func() (string, url.Values) {
			p := e.mustProblem("Provider's problem", f.Provider)
			return "/problems/" + id(p.ID) + "/edit", problemForm(p)
		}, want{see, see, see, no, see, none, none, see}},
		{"change an unassigned problem", func() (string, url.Values) {
			p := e.mustProblem("Nobody's problem", nil)
			return "/problems/" + id(p.ID) + "/edit", problemForm(p)
		}, want{see, see, see, no, none, none, none, see}},
		{"link an incident", func() (string, url.Values) {
			p := e.mustProblem("Linkable", f.Provider)
			return "/problems/" + id(p.ID) + "/incidents/link", url.Values{"ref": {strings.ToLower(d.ticketA.Ref)}}
		}, want{see, see, see, no, no, none, none, see}},
		{"unlink an incident", func() (string, url.Values) {
			return "/problems/" + id(d.problem.ID) + "/incidents/unlink", url.Values{"ticket_id": {id(d.ticketA.ID)}}
		}, want{see, see, see, no, no, none, none, see}},
		{"acknowledge an escalation", escalationAct("acknowledge"), want{see, see, see, no, no, no, no, see}},
		{"raise an escalation", escalationAct("raise"), want{see, see, see, no, no, no, no, see}},
		{"note on an escalation", escalationAct("note"), want{see, see, see, no, no, no, no, see}},
		{"resolve an escalation", escalationAct("resolve"), want{see, see, see, no, no, no, no, see}},
		{"add an escalation contact", func() (string, url.Values) {
			n := id(int64(next()))
			return "/organisations/" + id(f.Provider.ID) + "/escalation-contacts/add", url.Values{"level": {"2"}, "name": {"Duty manager " + n}, "email": {"duty" + n + "@provider.test"}}
		}, want{see, see, no, no, no, none, none, see}},
		{"remove an escalation contact", func() (string, url.Values) {
			c := e.mustContact(1)
			return "/organisations/" + id(f.Provider.ID) + "/escalation-contacts/remove", url.Values{"contact_id": {id(c.ID)}}
		}, want{see, see, no, no, no, none, none, see}},
		{"add an agreement", func() (string, url.Values) {
			return "/agreements/new", agreementForm(f.Provider.ID)
		}, want{see, see, no, no, no, no, no, see}},
		{"change the service desk settings", func() (string, url.Values) {
			return "/settings/service-desk", settingsForm("P1", "4")
		}, want{see, see, no, no, no, no, no, see}},
	}
}

// TestManagementPostPermissions is the matrix of the service management
// forms: who may (303), who is refused (403) and to whom the record does
// not exist (404).
func TestManagementPostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.mustDesk()
		clients := e.clients()
		for _, c := range e.managementPosts(d) {
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

// TestAuditorChangesNoManagementRecord posts every service management form
// as the auditor: each is refused and audited, and nothing changes.
func TestAuditorChangesNoManagementRecord(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	d := e.mustDesk()
	c := e.as(e.f.Auditor)
	posts := e.managementPosts(d)
	prepared := make([]struct {
		path string
		form url.Values
	}, len(posts))
	for i, p := range posts {
		prepared[i].path, prepared[i].form = p.prepare()
	}
	before := map[string]int{}
	for _, a := range []string{itsm.AuditCreate, itsm.AuditUpdate, itsm.AuditDelete, "link", "unlink", itsm.AuditAccessRefused} {
		before[a] = e.auditCount(a)
	}
	for _, p := range prepared {
		mustStatus(t, c.Post(p.path, p.form), http.StatusForbidden, "auditor POST "+p.path)
	}
	for a, n := range before {
		want := n
		if a == itsm.AuditAccessRefused {
			want += len(prepared)
		}
		if got := e.auditCount(a); got != want {
			t.Errorf("audit entries %q: %d, want %d", a, got, want)
		}
	}
	if p := e.mustProblemByID(d.problem.ID); p.Version != d.problem.Version || p.Incidents != 1 {
		t.Errorf("the auditor changed the problem: %+v", p)
	}
	if esc := e.mustEscalationByID(d.escalationA.ID); esc.Version != d.escalationA.Version {
		t.Errorf("the auditor acted on the escalation: %+v", esc)
	}
}

// mustContact names a provider contact at a level, as the system.
func (e *env) mustContact(level int) *itsm.EscalationContact {
	e.t.Helper()
	n := next()
	c := &itsm.EscalationContact{ProviderID: e.f.Provider.ID, Level: level, Name: "Contact " + id(int64(n)), Email: "contact" + id(int64(n)) + "@provider.test"}
	if err := e.db.AddEscalationContact(storetest.System(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// agreementForm is a valid new agreement: office hours with a lunch break
// on Fridays, Scotland's bank holidays and the usual targets.
func agreementForm(provider int64) url.Values {
	v := url.Values{"name": {"Agreement " + id(int64(next()))}, "provider_id": {id(provider)}, "customer_id": {""},
		"effective_from": {"2026-04-01"}, "time_zone": {"Europe/London"}, "holiday_set": {"scotland"},
		"extra_holidays": {"2026-12-24\n2026-12-31"}, "pause_statuses": {"pending customer"}, "warn_percentages": {"75, 90"}}
	for _, day := range []string{"mon", "tue", "wed", "thu"} {
		v.Set(day+"-1-start", "09:00")
		v.Set(day+"-1-end", "17:00")
	}
	v.Set("fri-1-start", "08:00")
	v.Set("fri-1-end", "12:30")
	v.Set("fri-2-start", "13:30")
	v.Set("fri-2-end", "17:00")
	for p, t := range itsm.DefaultTargets() {
		v.Set("target-"+p+"-response", t.Response)
		v.Set("target-"+p+"-resolution", t.Resolution)
	}
	return v
}

// settingsForm is the default priority matrix with high × high set to
// highHigh, and the reopen window.
func settingsForm(highHigh, reopen string) url.Values {
	v := url.Values{"reopen_days": {reopen}}
	for _, i := range []itsm.Level{itsm.High, itsm.Medium, itsm.Low} {
		for _, u := range []itsm.Level{itsm.High, itsm.Medium, itsm.Low} {
			v.Set("priority_matrix."+string(i)+"."+string(u), itsm.DefaultPriorityMatrix.Priority(i, u))
		}
	}
	v.Set("priority_matrix.high.high", highHigh)
	return v
}

func idValue(n *int64) string {
	if n == nil {
		return ""
	}
	return id(*n)
}
