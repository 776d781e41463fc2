package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// TestUntrustedTextIsInert puts markup in names and checks every page that
// shows them escapes it.
func TestUntrustedTextIsInert(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		const evilOrg = `<script>alert("org")</script> Council`
		const evilUser = `<img src=x onerror=alert(1)> Smith`
		o := &itsm.Organisation{Name: evilOrg, Kind: itsm.OrgCustomer}
		if err := db.CreateOrganisation(storetest.System(), o); err != nil {
			t.Fatal(err)
		}
		u := &itsm.User{OrgID: o.ID, Name: evilUser, Email: "evil@example.test", Role: itsm.RoleCustomerAdmin}
		if err := db.CreateUser(storetest.System(), u, storetest.Password); err != nil {
			t.Fatal(err)
		}
		admin := e.as(e.f.Admin)
		evilAdmin := e.as(u)
		pages := map[*webtest.Client][]string{
			admin: {"/", "/organisations", "/organisations/" + id(o.ID), "/users", "/users/" + id(u.ID), "/audit",
				"/audit/" + id(e.auditEntryOf(o.ID)), "/users/" + id(u.ID) + "/edit", "/organisations/" + id(o.ID) + "/edit"},
			evilAdmin: {"/", "/account", "/organisations/" + id(o.ID)},
		}
		for c, paths := range pages {
			for _, p := range paths {
				res := c.Get(p)
				mustStatus(t, res, http.StatusOK, p)
				if strings.Contains(res.Body, `<script>alert`) || strings.Contains(res.Body, `<img src=x`) {
					t.Errorf("%s renders markup from a name", p)
				}
				if !strings.Contains(res.Body, "&lt;script&gt;") && !strings.Contains(res.Body, "&lt;img src=x") {
					t.Errorf("%s does not show the escaped name", p)
				}
			}
		}
		// Registration offers the organisation by name, escaped too.
		reg := e.anon().Get("/register")
		if strings.Contains(reg.Body, "<script>alert") || !strings.Contains(reg.Body, "&lt;script&gt;") {
			t.Error("registration form renders markup from an organisation's name")
		}
	})
}

// TestNoInlineScriptOrStyle checks pages obey the CSP: scripts and styles
// come from files only.
func TestNoInlineScriptOrStyle(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	c := e.as(e.f.Admin)
	inlineScript := regexp.MustCompile(`<script(?:\s+type="module")?>|<script\s+(?:[^>]*\s)?on\w+=|\son\w+="`)
	for _, p := range []string{"/", "/organisations", "/users", "/users/new", "/audit", "/account/tokens/new", "/nope"} {
		res := c.Get(p)
		if inlineScript.MatchString(res.Body) || strings.Contains(res.Body, "<style") || strings.Contains(res.Body, ` style="`) {
			t.Errorf("%s has inline script or style", p)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		for _, m := range regexp.MustCompile(`(?:src|href)="(https?:)?//`).FindAllString(res.Body, -1) {
			t.Errorf("%s loads something from outside the binary: %s", p, m)
		}
	}
}

// TestBadInputRerendersForm checks the GOV.UK error pattern: status 400,
// "Error: " in the title, a summary linking to each field, the fields marked
// and described, and the person's input kept.
func TestBadInputRerendersForm(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	c := e.as(e.f.Manager)
	res := c.Post("/organisations/new", url.Values{"name": {"  "}, "kind": {"provider"}, "time_zone": {"Mars/Olympus"}})
	mustStatus(t, res, http.StatusBadRequest, "invalid organisation")
	for _, want := range []string{
		"<title>Error: Add an organisation – Steward</title>",
		`class="ds_error-summary"`, `<a href="#name">Enter the organisation&#39;s name.</a>`,
		`<a href="#time_zone">Enter a time zone such as Europe/London.</a>`,
		`id="name" name="name" value="" autocomplete="organization" aria-describedby="name-error" aria-invalid="true"`,
		`value="Mars/Olympus"`, `value="provider" checked`,
	} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("re-rendered form lacks %s", want)
		}
	}
	if strings.Index(res.Body, `href="#name"`) > strings.Index(res.Body, `href="#time_zone"`) {
		t.Error("error summary is not in the form's order")
	}

	// Registration: passwords that differ, and one too short.
	anon := e.anon()
	anon.Get("/register")
	res = anon.Post("/register", url.Values{"organisation_id": {id(e.f.CustomerA.ID)}, "name": {"Rhona Reg"},
		"email": {"not-an-email"}, "password": {"short"}, "password_confirm": {"different"}})
	mustStatus(t, res, http.StatusBadRequest, "invalid registration")
	for _, want := range []string{`href="#email"`, `href="#password"`, `href="#password_confirm"`, `value="Rhona Reg"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("registration errors lack %s", want)
		}
	}
	if strings.Contains(res.Body, `value="short"`) {
		t.Error("a password was sent back to the browser")
	}

	// Registration for an address that has an account looks exactly like
	// a new one: the form cannot tell anyone who has an account.
	for _, email := range []string{"brand-new@alpha.test", e.f.CustomerUserB.Email} {
		anon := e.anon()
		anon.Get("/register")
		res = anon.Post("/register", url.Values{"organisation_id": {id(e.f.CustomerA.ID)}, "name": {"Rhona Reg"},
			"email": {email}, "password": {storetest.Password}, "password_confirm": {storetest.Password}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/register/complete?organisation="+id(e.f.CustomerA.ID) {
			t.Errorf("registering %s: %d to %q", email, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// TestStaleEditShowsConflict opens an edit form, lets someone else save
// first, and checks the second save is refused with the store's sentence
// and the person's input kept.
func TestStaleEditShowsConflict(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.as(e.f.Admin)
		org := e.mustOrg(e.f.CustomerA.ID)
		mustStatus(t, c.Get("/organisations/"+id(org.ID)+"/edit"), http.StatusOK, "edit form")
		other := "Alpha Council (renamed)"
		if _, err := db.UpdateOrganisation(storetest.As(e.f.Manager), org.ID, itsm.OrganisationUpdate{Name: &other, Version: org.Version}); err != nil {
			t.Fatal(err)
		}
		res := c.Post("/organisations/"+id(org.ID)+"/edit", url.Values{"name": {"Alpha City Council"}, "time_zone": {"Europe/London"},
			"active": {"true"}, "version": {id(org.Version)}})
		mustStatus(t, res, http.StatusConflict, "stale edit")
		text := webtest.Text(res.Body)
		if !strings.Contains(text, "Someone else changed this organisation since you opened it.") || !strings.Contains(res.Body, `value="Alpha City Council"`) {
			t.Errorf("conflict page:\n%s", excerpt(res.Body))
		}
		if got := e.mustOrg(org.ID).Name; got != other {
			t.Errorf("stale save overwrote the name: %q", got)
		}
		// With the current version the save goes through, with a flash.
		res = c.Post("/organisations/"+id(org.ID)+"/edit", url.Values{"name": {"Alpha City Council"}, "time_zone": {"Europe/London"},
			"active": {"true"}, "version": {id(org.Version + 1)}})
		mustStatus(t, res, http.StatusSeeOther, "current edit")
		if page := c.Get(res.Location()); !strings.Contains(page.Body, "Your changes to Alpha City Council have been saved.") {
			t.Errorf("no confirmation after saving:\n%s", excerpt(page.Body))
		}
	})
}

// TestCustomerAdminCannotGrantStaffRoles checks the form offers only the
// customer roles and refuses any other, for new people and for changes.
func TestCustomerAdminCannotGrantStaffRoles(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		c := e.as(f.CustomerAdminA)
		form := c.Get("/users/new")
		mustStatus(t, form, http.StatusOK, "new person form")
		for _, r := range itsm.Roles {
			offered := strings.Contains(form.Body, `value="`+string(r)+`"`)
			if want := r == itsm.RoleCustomerUser || r == itsm.RoleCustomerAdmin; offered != want {
				t.Errorf("role %s offered=%v, want %v", r, offered, want)
			}
		}
		for _, role := range []string{"agent", "manager", "admin", "auditor", "provider_agent"} {
			res := c.Post("/users/new", url.Values{"organisation_id": {id(f.CustomerA.ID)}, "name": {"Sneaky"}, "email": {"sneaky-" + role + "@alpha.test"},
				"role": {role}, "password": {storetest.Password}, "password_confirm": {storetest.Password}})
			mustStatus(t, res, http.StatusBadRequest, "grant "+role)
			if !strings.Contains(res.Body, "Choose one of the roles listed.") {
				t.Errorf("grant %s: no explanation", role)
			}
			if _, n, _ := db.FindUsers(storetest.System(), itsm.UserFilter{Email: ptr("sneaky-" + role + "@alpha.test")}); n != 0 {
				t.Errorf("grant %s: the account was created", role)
			}
		}
		// Promoting a colleague to a staff role is refused the same way.
		u := e.mustUser(f.CustomerA, itsm.RoleCustomerUser)
		res := c.Post("/users/"+id(u.ID)+"/edit", url.Values{"name": {u.Name}, "email": {u.Email}, "role": {"admin"}, "status": {"active"}, "version": {"1"}})
		mustStatus(t, res, http.StatusBadRequest, "promote to admin")
		if got := e.mustUserByID(u.ID).Role; got != itsm.RoleCustomerUser {
			t.Errorf("role became %s", got)
		}
		// A customer admin's new people always join their own organisation.
		res = c.Post("/users/new", url.Values{"organisation_id": {id(f.CustomerB.ID)}, "name": {"Colleague"}, "email": {"colleague@alpha.test"},
			"role": {"customer_user"}, "password": {storetest.Password}, "password_confirm": {storetest.Password}})
		mustStatus(t, res, http.StatusSeeOther, "add a colleague")
		users, _, _ := db.FindUsers(storetest.System(), itsm.UserFilter{Email: ptr("colleague@alpha.test")})
		if len(users) != 1 || users[0].OrgID != f.CustomerA.ID {
			t.Errorf("colleague created as %+v", users)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestProgrammeManagerChoosesOrganisationFirst checks the two-step form:
// the roles offered follow the chosen organisation's kind.
func TestProgrammeManagerChoosesOrganisationFirst(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	c := e.as(e.f.Manager)
	res := c.Get("/users/new")
	mustStatus(t, res, http.StatusOK, "choose organisation")
	if !strings.Contains(res.Body, `name="organisation_id"`) || strings.Contains(res.Body, `name="role"`) {
		t.Fatal("first step should ask only for the organisation")
	}
	res = c.Get("/users/new?organisation_id=" + id(e.f.Provider.ID))
	for _, r := range itsm.Roles {
		offered := strings.Contains(res.Body, `value="`+string(r)+`"`)
		if want := r == itsm.RoleProviderAgent || r == itsm.RoleAuditor; offered != want {
			t.Errorf("provider organisation: role %s offered=%v, want %v", r, offered, want)
		}
	}
	res = c.Get("/users/new?organisation_id=" + id(e.f.Programme.ID))
	if strings.Contains(res.Body, `value="admin"`) {
		t.Error("a manager is offered the administrator role")
	}
	res = c.Post("/users/new", url.Values{"organisation_id": {id(e.f.Provider.ID)}, "name": {"Pat Provider"}, "email": {"pat@provider.test"},
		"role": {"provider_agent"}, "password": {storetest.Password}, "password_confirm": {storetest.Password + "!"}})
	mustStatus(t, res, http.StatusBadRequest, "passwords differ")
	if !strings.Contains(res.Body, `href="#password_confirm"`) || !strings.Contains(res.Body, `value="pat@provider.test"`) {
		t.Errorf("mismatch not shown:\n%s", excerpt(res.Body))
	}
	res = c.Post("/users/new", url.Values{"organisation_id": {id(e.f.Provider.ID)}, "name": {"Pat Provider"}, "email": {"pat@provider.test"},
		"role": {"provider_agent"}, "password": {storetest.Password}, "password_confirm": {storetest.Password}})
	mustStatus(t, res, http.StatusSeeOther, "add provider agent")
	if page := c.Get(res.Location()); !strings.Contains(page.Body, "Pat Provider&#39;s account has been created.") {
		t.Errorf("no confirmation:\n%s", excerpt(page.Body))
	}
}
