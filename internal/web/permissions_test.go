package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// The roles of the matrix, in column order. anon has not signed in.
var roles = []string{"admin", "manager", "agent", "auditor", "provider", "custAdminA", "custUserA", "anon"}

// want lists the expected status per role, in the order of roles.
type want [8]int

const (
	ok   = http.StatusOK
	see  = http.StatusSeeOther
	no   = http.StatusForbidden
	none = http.StatusNotFound
)

func (e *env) clients() map[string]*webtest.Client {
	f := e.f
	return map[string]*webtest.Client{
		"admin": e.as(f.Admin), "manager": e.as(f.Manager), "agent": e.as(f.Agent), "auditor": e.as(f.Auditor),
		"provider": e.as(f.ProviderAgent), "custAdminA": e.as(f.CustomerAdminA), "custUserA": e.as(f.CustomerUserA),
		"anon": e.anon(),
	}
}

// TestPagePermissions is the permission matrix of every page: who gets it
// (200), who is refused (403), to whom it does not exist (404), and that
// anonymous visitors are sent to sign in (303).
func TestPagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		orgA, orgB := id(f.CustomerA.ID), id(f.CustomerB.ID)
		userA, userB := id(f.CustomerUserA.ID), id(f.CustomerUserB.ID)
		entryA, entryB := id(e.auditEntryOf(f.CustomerA.ID)), id(e.auditEntryOf(f.CustomerB.ID))
		pendingA := id(e.mustPending(f.CustomerA).ID)
		cases := []struct {
			path string
			want want
		}{
			//                                admin mgr agent audit prov cAdmA cUsrA anon
			{"/", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/organisations", want{ok, ok, ok, ok, no, no, no, see}},
			{"/organisations.csv", want{ok, ok, ok, ok, no, no, no, see}},
			{"/organisations/new", want{ok, ok, no, no, no, no, no, see}},
			{"/organisations/" + orgA, want{ok, ok, ok, ok, none, ok, ok, see}},
			{"/organisations/" + orgB, want{ok, ok, ok, ok, none, none, none, see}},
			{"/organisations/" + orgA + "/edit", want{ok, ok, no, no, none, no, no, see}},
			{"/organisations/999999", want{none, none, none, none, none, none, none, see}},
			{"/users", want{ok, ok, ok, ok, no, ok, no, see}},
			{"/users.csv", want{ok, ok, ok, ok, no, ok, no, see}},
			{"/users/new", want{ok, ok, no, no, no, ok, no, see}},
			{"/users/new?organisation_id=" + orgA, want{ok, ok, no, no, no, ok, no, see}},
			{"/users/" + userA, want{ok, ok, ok, ok, none, ok, ok, see}},
			{"/users/" + userB, want{ok, ok, ok, ok, none, none, none, see}},
			{"/users/" + pendingA, want{ok, ok, ok, ok, none, ok, ok, see}},
			{"/users/" + userA + "/edit", want{ok, ok, no, no, none, ok, no, see}},
			{"/users/" + userB + "/edit", want{ok, ok, no, no, none, none, none, see}},
			{"/users/" + id(f.Admin.ID) + "/edit", want{ok, no, no, no, none, none, none, see}},
			{"/users/" + userA + "/password", want{ok, ok, no, no, none, ok, 303, see}},
			{"/users/" + userB + "/password", want{ok, ok, no, no, none, none, none, see}},
			{"/registrations", want{ok, ok, no, no, no, ok, no, see}},
			{"/audit", want{ok, ok, no, ok, no, ok, no, see}},
			{"/audit.csv", want{ok, ok, no, ok, no, ok, no, see}},
			{"/audit/" + entryA, want{ok, ok, no, ok, no, ok, no, see}},
			{"/audit/" + entryB, want{ok, ok, no, ok, no, none, no, see}},
			{"/account", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/account/password", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/account/tokens", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/account/tokens/new", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/accessibility", want{ok, ok, ok, ok, ok, ok, ok, ok}},
			{"/sign-in", want{see, see, see, see, see, see, see, ok}},
			{"/register", want{see, see, see, see, see, see, see, ok}},
			{"/register/complete?organisation=" + orgA, want{ok, ok, ok, ok, ok, ok, ok, ok}},
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

// TestNavigationByRole checks each role's menu offers only what it may use.
func TestNavigationByRole(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	clients := e.clients()
	// Everyone signed in has the service desk's tickets and SLA reports;
	// customers report issues; those who work or audit the desk see
	// problems and escalations.
	desk := []string{"/tickets", "/reports/sla"}
	working := append([]string{"/problems", "/escalations"}, desk...)
	customer := append([]string{"/tickets/new"}, desk...)
	managers := []string{"/organisations", "/users", "/registrations", "/audit"}
	all := append(slices.Clone(managers), "/tickets", "/tickets/new", "/problems", "/escalations", "/reports/sla")
	offers := map[string][]string{
		"admin":      append(slices.Clone(managers), working...),
		"manager":    append(slices.Clone(managers), working...),
		"agent":      append([]string{"/organisations", "/users"}, working...),
		"auditor":    append([]string{"/organisations", "/users", "/audit"}, working...),
		"provider":   working,
		"custAdminA": append([]string{"/users", "/registrations", "/audit"}, customer...),
		"custUserA":  customer,
	}
	for role, links := range offers {
		body := clients[role].Get("/account").Body
		for _, href := range all {
			has := strings.Contains(body, `href="`+href+`" class="ds_site-navigation__link`)
			if has != contains(links, href) {
				t.Errorf("%s: menu link %s shown=%v, want %v", role, href, has, !has)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// TestPostPermissions is the matrix of every state-changing form: who may
// (303), who is refused (403) and to whom the record does not exist (404).
// The auditor is refused every change to a record.
func TestPostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		type prepared struct {
			path string
			form url.Values
		}
		cases := []struct {
			name    string
			prepare func() prepared
			want    want
		}{
			{"create organisation", func() prepared {
				return prepared{"/organisations/new", url.Values{"name": {"Council " + id(int64(next()))}, "kind": {"customer"}, "time_zone": {"Europe/London"}}}
			}, want{see, see, no, no, no, no, no, see}},
			{"change organisation A", func() prepared {
				o := e.mustOrg(f.CustomerA.ID)
				return prepared{"/organisations/" + id(o.ID) + "/edit", url.Values{"name": {o.Name}, "time_zone": {"Europe/London"}, "active": {"true"}, "version": {id(o.Version)}}}
			}, want{see, see, no, no, none, no, no, see}},
			{"add person to A", func() prepared {
				n := id(int64(next()))
				return prepared{"/users/new", url.Values{"organisation_id": {id(f.CustomerA.ID)}, "name": {"New " + n}, "email": {"new" + n + "@alpha.test"},
					"role": {"customer_user"}, "password": {storetest.Password}, "password_confirm": {storetest.Password}}}
			}, want{see, see, no, no, no, see, no, see}},
			{"change person in A", func() prepared {
				u := e.mustUser(f.CustomerA, itsm.RoleCustomerUser)
				return prepared{"/users/" + id(u.ID) + "/edit", url.Values{"name": {u.Name + " Jr"}, "email": {u.Email}, "role": {"customer_user"}, "status": {"active"}, "version": {id(u.Version)}}}
			}, want{see, see, no, no, none, see, no, see}},
			{"change person in B", func() prepared {
				u := e.mustUser(f.CustomerB, itsm.RoleCustomerUser)
				return prepared{"/users/" + id(u.ID) + "/edit", url.Values{"name": {u.Name + " Jr"}, "email": {u.Email}, "role": {"customer_user"}, "status": {"active"}, "version": {id(u.Version)}}}
			}, want{see, see, no, no, none, none, none, see}},
			{"set password of person in A", func() prepared {
				u := e.mustUser(f.CustomerA, itsm.RoleCustomerUser)
				return prepared{"/users/" + id(u.ID) + "/password", url.Values{"password": {"a brand new passphrase"}, "password_confirm": {"a brand new passphrase"}}}
			}, want{see, see, no, no, none, see, no, see}},
			{"approve registration in A", func() prepared {
				u := e.mustPending(f.CustomerA)
				return prepared{"/registrations/" + id(u.ID) + "/approve", url.Values{"version": {id(u.Version)}}}
			}, want{see, see, no, no, none, see, no, see}},
			{"reject registration in A", func() prepared {
				u := e.mustPending(f.CustomerA)
				return prepared{"/registrations/" + id(u.ID) + "/reject", url.Values{"version": {id(u.Version)}}}
			}, want{see, see, no, no, none, see, no, see}},
			{"approve registration in B", func() prepared {
				u := e.mustPending(f.CustomerB)
				return prepared{"/registrations/" + id(u.ID) + "/approve", url.Values{"version": {id(u.Version)}}}
			}, want{see, see, no, no, none, none, none, see}},
			// Everyone manages their own API tokens; the store lets auditors
			// hold tokens so that they can export evidence through the API.
			{"create own API token", func() prepared {
				return prepared{"/account/tokens/new", url.Values{"name": {"script"}, "expiry": {"30"}}}
			}, want{ok, ok, ok, ok, ok, ok, ok, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				p := c.prepare()
				res := clients[role].Post(p.path, p.form)
				if res.StatusCode != c.want[i] {
					t.Errorf("%s (POST %s) as %s: status %d, want %d\n%s", c.name, p.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
	})
}

// TestAuditorChangesNothing posts every state-changing route of the route
// table that touches a record as the auditor: each is refused, and the
// audit log records the refusals and nothing else.
func TestAuditorChangesNothing(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	c := e.as(f.Auditor)
	target := e.mustUser(f.CustomerA, itsm.RoleCustomerUser)
	pending := e.mustPending(f.CustomerA)
	org := e.mustOrg(f.CustomerA.ID)
	posts := map[string]url.Values{
		"/organisations/new":                     {"name": {"Audited Council"}, "kind": {"customer"}, "time_zone": {"Europe/London"}},
		"/organisations/" + id(org.ID) + "/edit": {"name": {"Renamed"}, "time_zone": {"Europe/London"}, "active": {"false"}, "version": {id(org.Version)}},
		"/users/new": {"organisation_id": {id(f.CustomerA.ID)}, "name": {"X"}, "email": {"x@alpha.test"}, "role": {"customer_user"},
			"password": {storetest.Password}, "password_confirm": {storetest.Password}},
		"/users/" + id(target.ID) + "/edit":               {"name": {"Renamed"}, "email": {target.Email}, "role": {"customer_admin"}, "status": {"disabled"}, "version": {"1"}},
		"/users/" + id(target.ID) + "/password":           {"password": {"another long password"}, "password_confirm": {"another long password"}},
		"/registrations/" + id(pending.ID) + "/approve":   {"version": {id(pending.Version)}},
		"/registrations/" + id(pending.ID) + "/reject":    {"version": {id(pending.Version)}},
		"/users/" + id(f.CustomerAdminA.ID) + "/password": {"password": {"another long password"}, "password_confirm": {"another long password"}},
	}
	created, updated := e.auditCount(itsm.AuditCreate), e.auditCount(itsm.AuditUpdate)
	refused := e.auditCount(itsm.AuditAccessRefused)
	for path, form := range posts {
		mustStatus(t, c.Post(path, form), http.StatusForbidden, "auditor POST "+path)
	}
	if n := e.auditCount(itsm.AuditCreate); n != created {
		t.Errorf("auditor created %d records", n-created)
	}
	if n := e.auditCount(itsm.AuditUpdate); n != updated {
		t.Errorf("auditor changed %d records", n-updated)
	}
	if n := e.auditCount(itsm.AuditAccessRefused); n != refused+len(posts) {
		t.Errorf("refusals audited: %d, want %d", n-refused, len(posts))
	}
	if u := e.mustUserByID(pending.ID); u.Status != itsm.UserPending {
		t.Errorf("registration is %s after the auditor's posts", u.Status)
	}
	if o := e.mustOrg(org.ID); o.Name != org.Name || !o.Active {
		t.Errorf("organisation changed by the auditor: %+v", o)
	}
}
