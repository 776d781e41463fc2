package api

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// sqlish are strings that would break a query built by concatenation.
var sqlish = []string{
	`Robert'); DROP TABLE users; --`,
	`' OR '1'='1' --`,
	`" OR ""="`,
	`1; DELETE FROM organisations WHERE 1=1`,
	`%' OR name LIKE '%`,
	`\'; SELECT pg_sleep(10); --`,
	`' UNION SELECT password_hash, email FROM users --`,
	`x'); ATTACH DATABASE '/tmp/x.db' AS x; --`,
}

// TestSQLMetacharacters puts SQL in every string field, query parameter,
// path and the bearer token. Free text is stored and returned literally;
// everything else is refused and changes nothing; the tables and the audit
// chain survive.
func TestSQLMetacharacters(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		admin := fx.Admin
		seeded := e.MustCount(t)
		for i, s := range sqlish {
			password := s + " and more"
			// Free text is data.
			var o itsm.Organisation
			e.send(t, admin, http.MethodPost, "/api/v1/organisations", map[string]any{"name": s, "kind": "customer"}).MustStatus(t, http.StatusCreated).MustDecode(t, &o)
			if o.Name != s || e.MustOrg(t, o.ID).Name != s {
				t.Errorf("organisation name %q stored as %q", s, e.MustOrg(t, o.ID).Name)
			}
			var u itsm.User
			email := fmt.Sprintf("sql%d@alpha.test", i)
			e.send(t, admin, http.MethodPost, "/api/v1/users", map[string]any{"organisation_id": fx.CustomerA.ID, "email": email, "name": s, "role": "customer_user", "password": password}).
				MustStatus(t, http.StatusCreated).MustDecode(t, &u)
			if e.MustUser(t, u.ID).Name != s {
				t.Errorf("user name %q stored as %q", s, e.MustUser(t, u.ID).Name)
			}
			if _, _, _, err := db.SignIn(storetest.Ctx(itsm.Anonymous("192.0.2.60")), email, password); err != nil {
				t.Errorf("password %q does not sign in: %v", password, err)
			}
			e.send(t, admin, http.MethodPatch, idPath("/api/v1/users", u.ID), map[string]any{"version": u.Version, "name": s + "!"}).MustStatus(t, http.StatusOK)
			if e.MustUser(t, u.ID).Name != s+"!" {
				t.Errorf("changed name %q stored as %q", s+"!", e.MustUser(t, u.ID).Name)
			}
			var created tokenCreated
			e.send(t, fx.Agent, http.MethodPost, "/api/v1/tokens", map[string]any{"name": s}).MustStatus(t, http.StatusCreated).MustDecode(t, &created)
			if created.Token.Name != s {
				t.Errorf("token name %q stored as %q", s, created.Token.Name)
			}
			e.send(t, nil, http.MethodPost, "/api/v1/registrations", map[string]any{"organisation_id": fx.CustomerA.ID, "name": s, "email": fmt.Sprintf("reg-sql%d@alpha.test", i), "password": password}).
				MustStatus(t, http.StatusAccepted)

			// Anything that is not free text is refused.
			before := e.MustCount(t)
			for _, c := range []struct {
				method, path string
				caller       *itsm.User
				body         map[string]any
			}{
				{http.MethodPost, "/api/v1/organisations", admin, map[string]any{"name": "Kind Test", "kind": s}},
				{http.MethodPost, "/api/v1/organisations", admin, map[string]any{"name": "Zone Test", "kind": "customer", "time_zone": s}},
				{http.MethodPatch, idPath("/api/v1/organisations", o.ID), admin, map[string]any{"version": 1, "time_zone": s}},
				{http.MethodPost, "/api/v1/users", admin, map[string]any{"organisation_id": fx.CustomerA.ID, "email": s, "name": "E", "role": "customer_user", "password": password}},
				{http.MethodPost, "/api/v1/users", admin, map[string]any{"organisation_id": fx.CustomerA.ID, "email": "role@alpha.test", "name": "E", "role": s, "password": password}},
				{http.MethodPatch, idPath("/api/v1/users", u.ID), admin, map[string]any{"version": u.Version + 1, "email": s}},
				{http.MethodPatch, idPath("/api/v1/users", u.ID), admin, map[string]any{"version": u.Version + 1, "role": s}},
				{http.MethodPatch, idPath("/api/v1/users", u.ID), admin, map[string]any{"version": u.Version + 1, "status": s}},
				{http.MethodPost, "/api/v1/registrations", nil, map[string]any{"organisation_id": fx.CustomerA.ID, "name": "R", "email": s, "password": password}},
				{http.MethodPost, "/api/v1/tokens", admin, map[string]any{"name": "T", "expires_at": s}},
			} {
				e.send(t, c.caller, c.method, c.path, c.body).MustError(t, http.StatusBadRequest, itsm.EINVALID)
			}
			q := url.QueryEscape(s)
			for _, p := range []string{"/api/v1/users?sort=" + q, "/api/v1/users?organisation_id=" + q, "/api/v1/users?role=" + q, "/api/v1/users?status=" + q,
				"/api/v1/organisations?kind=" + q, "/api/v1/organisations?sort=" + q, "/api/v1/audit?from=" + q, "/api/v1/audit?actor_id=" + q, "/api/v1/tokens?limit=" + q} {
				e.get(t, admin, p).MustError(t, http.StatusBadRequest, itsm.EINVALID)
			}
			for _, token := range []string{s, "stw_" + s} {
				e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", header: http.Header{"Authorization": {"Bearer " + token}}}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
			}
			for _, p := range []string{"/api/v1/users/", "/api/v1/organisations/", "/api/v1/audit/"} {
				e.get(t, admin, p+url.PathEscape(s)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			}
			// Search text only ever narrows what the caller may see.
			var users page[itsm.User]
			e.get(t, fx.CustomerUserA, "/api/v1/users?q="+q).MustStatus(t, http.StatusOK).MustDecode(t, &users)
			for _, u := range users.Items {
				if u.OrgID != fx.CustomerA.ID {
					t.Errorf("search %q shows customer A %s of organisation %d", s, u.Email, u.OrgID)
				}
			}
			e.get(t, fx.CustomerUserA, "/api/v1/users?email="+q).MustStatus(t, http.StatusOK).MustDecode(t, &users)
			if users.Total != 0 {
				t.Errorf("email search %q found %d", s, users.Total)
			}
			var audit page[itsm.AuditEntry]
			e.get(t, fx.CustomerAdminA, "/api/v1/audit?action="+q+"&object_type="+q+"&object_id="+q).MustStatus(t, http.StatusOK).MustDecode(t, &audit)
			if audit.Total != 0 {
				t.Errorf("audit search %q found %d", s, audit.Total)
			}
			e.MustUnchanged(t, before)
		}
		after := e.MustCount(t)
		n := len(sqlish)
		if after.orgs != seeded.orgs+n || after.users != seeded.users+2*n || after.tokens != seeded.tokens+n {
			t.Fatalf("rows: before %+v, after %+v", seeded, after)
		}
		if problems, err := db.VerifyAuditChain(storetest.System(), nil); err != nil || len(problems) != 0 {
			t.Fatalf("audit chain: %v %v", problems, err)
		}
	})
}

// TestMarkupStoredLiterally: markup in every name is stored as typed and
// returned JSON-escaped, never as live markup.
func TestMarkupStoredLiterally(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		for i, s := range []string{`<script>alert("Steward")</script>`, `"><img src=x onerror=alert(1)>`, `<svg/onload=alert(1)> & co`} {
			var o itsm.Organisation
			orgRep := e.send(t, fx.Admin, http.MethodPost, "/api/v1/organisations", map[string]any{"name": s, "kind": "customer"}).MustStatus(t, http.StatusCreated)
			orgRep.MustDecode(t, &o)
			var u itsm.User
			userRep := e.send(t, fx.CustomerAdminA, http.MethodPost, "/api/v1/users", map[string]any{"organisation_id": fx.CustomerA.ID, "email": fmt.Sprintf("markup%d@alpha.test", i),
				"name": s, "role": "customer_user", "password": storetest.Password}).MustStatus(t, http.StatusCreated)
			userRep.MustDecode(t, &u)
			e.send(t, nil, http.MethodPost, "/api/v1/registrations", map[string]any{"organisation_id": fx.CustomerA.ID, "name": s,
				"email": fmt.Sprintf("markup-reg%d@alpha.test", i), "password": storetest.Password}).MustStatus(t, http.StatusAccepted)
			r := e.MustUserByEmail(t, fmt.Sprintf("markup-reg%d@alpha.test", i))
			var tok tokenCreated
			tokRep := e.send(t, fx.CustomerUserA, http.MethodPost, "/api/v1/tokens", map[string]any{"name": s}).MustStatus(t, http.StatusCreated)
			tokRep.MustDecode(t, &tok)
			// Renaming a seeded record takes markup too.
			orgB := e.MustOrg(t, fx.CustomerB.ID)
			renameOrg := e.send(t, fx.Manager, http.MethodPatch, idPath("/api/v1/organisations", orgB.ID), map[string]any{"version": orgB.Version, "name": s + " B"}).MustStatus(t, http.StatusOK)
			userB := e.MustUser(t, fx.CustomerUserB.ID)
			renameUser := e.send(t, fx.CustomerAdminB, http.MethodPatch, idPath("/api/v1/users", userB.ID), map[string]any{"version": userB.Version, "name": s + " B"}).MustStatus(t, http.StatusOK)
			tokens, err := db.FindAPITokens(storetest.As(fx.CustomerUserA), fx.CustomerUserA.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				what  string
				reply *reply
				got   string
				want  string
			}{
				{"organisation", orgRep, e.MustOrg(t, o.ID).Name, s},
				{"user", userRep, e.MustUser(t, u.ID).Name, s},
				{"registration", e.get(t, fx.Agent, idPath("/api/v1/users", r.ID)), e.MustUser(t, r.ID).Name, s},
				{"token", tokRep, tokens[0].Name, s},
				{"renamed organisation", renameOrg, e.MustOrg(t, orgB.ID).Name, s + " B"},
				{"renamed user", renameUser, e.MustUser(t, userB.ID).Name, s + " B"},
				{"a user of the renamed organisation", e.get(t, fx.Agent, idPath("/api/v1/users", fx.CustomerAdminB.ID)), e.MustUser(t, fx.CustomerAdminB.ID).OrgName, s + " B"},
			} {
				if c.got != c.want {
					t.Errorf("%s: stored %q, want %q", c.what, c.got, c.want)
				}
				if bytes.ContainsAny(c.reply.body, "<>&") || !bytes.Contains(c.reply.body, []byte(`\u003c`)) {
					t.Errorf("%s: markup is not escaped in %s", c.what, c.reply.body)
				}
			}
			// Lists escape too.
			if list := e.get(t, fx.Agent, "/api/v1/users?limit=500"); bytes.ContainsAny(list.body, "<>") {
				t.Errorf("the user list holds raw markup")
			}
		}
		// So do errors that quote what was sent.
		rep := e.send(t, fx.Admin, http.MethodPost, "/api/v1/tokens", `{"name":"x","<script>":1}`)
		rep.MustError(t, http.StatusBadRequest, itsm.EINVALID)
		if bytes.ContainsAny(rep.body, "<>") {
			t.Errorf("error holds raw markup: %s", rep.body)
		}
	})
}

// TestPasswordHashIsALiteralPassword: a stored hash sent as a password is
// just text: it is hashed again, does not sign in as the password it came
// from, and is no bearer token either.
func TestPasswordHashIsALiteralPassword(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		hashOf := func(id int64) string {
			var h string
			if err := db.SQL().QueryRow(fmt.Sprintf(`SELECT password_hash FROM users WHERE id = %d`, id)).Scan(&h); err != nil {
				t.Fatal(err)
			}
			return h
		}
		signIn := func(email, password string) error {
			_, _, _, err := db.SignIn(storetest.Ctx(itsm.Anonymous("192.0.2.70")), email, password)
			return err
		}
		hash := hashOf(fx.CustomerUserB.ID) // the hash of storetest.Password
		for _, token := range []string{hash, "stw_" + hash} {
			e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", header: http.Header{"Authorization": {"Bearer " + token}}}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		}

		// As someone's new password.
		e.send(t, fx.Admin, http.MethodPut, idPath("/api/v1/users", fx.CustomerUserA.ID, "/password"), map[string]any{"password": hash}).MustStatus(t, http.StatusNoContent)
		if stored := hashOf(fx.CustomerUserA.ID); stored == hash {
			t.Fatal("the submitted hash was stored as the hash")
		}
		if err := signIn("user@alpha.test", storetest.Password); err == nil {
			t.Fatal("the hash's plaintext signs in")
		}
		if err := signIn("user@alpha.test", hash); err != nil {
			t.Fatalf("the hash, as literal text, does not sign in: %v", err)
		}

		// As a new account's password.
		var u itsm.User
		e.send(t, fx.Admin, http.MethodPost, "/api/v1/users", map[string]any{"organisation_id": fx.CustomerA.ID, "email": "hash@alpha.test", "name": "Hash Person",
			"role": "customer_user", "password": hash}).MustStatus(t, http.StatusCreated).MustDecode(t, &u)
		if hashOf(u.ID) == hash || signIn("hash@alpha.test", storetest.Password) == nil || signIn("hash@alpha.test", hash) != nil {
			t.Fatal("a new account's hash-shaped password was not taken literally")
		}

		// As a registration's password.
		e.send(t, nil, http.MethodPost, "/api/v1/registrations", map[string]any{"organisation_id": fx.CustomerA.ID, "name": "Hash Registrant",
			"email": "hash-reg@alpha.test", "password": hash}).MustStatus(t, http.StatusAccepted)
		r := e.MustUserByEmail(t, "hash-reg@alpha.test")
		e.send(t, fx.CustomerAdminA, http.MethodPost, idPath("/api/v1/registrations", r.ID, "/approve"), map[string]any{"version": r.Version}).MustStatus(t, http.StatusOK)
		if hashOf(r.ID) == hash || signIn("hash-reg@alpha.test", storetest.Password) == nil || signIn("hash-reg@alpha.test", hash) != nil {
			t.Fatal("a registration's hash-shaped password was not taken literally")
		}
	})
}

// TestIdentityHeadersIgnored: only the bearer token says who is calling;
// identity and forwarding headers and cookies are ignored, and the audit
// log records the connection's address.
func TestIdentityHeadersIgnored(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		spoof := http.Header{
			"X-Remote-User": {"admin@programme.test"}, "Remote-User": {"admin@programme.test"}, "X-Forwarded-User": {"admin@programme.test"},
			"X-User": {"admin@programme.test"}, "X-User-Id": {fmt.Sprint(fx.Admin.ID)}, "X-Auth-Request-Email": {"admin@programme.test"},
			"X-Forwarded-For": {"10.9.8.7"}, "X-Real-Ip": {"10.9.8.7"}, "Forwarded": {"for=10.9.8.7"}, "X-Request-Id": {"spoofed-request-id"},
		}
		before := e.MustCount(t)
		e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", header: spoof}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/organisations", header: spoof, body: map[string]any{"name": "Spoofed", "kind": "customer"}}).
			MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.MustUnchanged(t, before)

		// With a customer's token the caller is that customer, whatever the
		// headers say.
		var me itsm.User
		e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", token: e.token(fx.CustomerUserA), header: spoof}).MustStatus(t, http.StatusOK).MustDecode(t, &me)
		if me.ID != fx.CustomerUserA.ID {
			t.Fatalf("acting as %d", me.ID)
		}
		rep := e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/organisations", token: e.token(fx.CustomerUserA), header: spoof,
			body: map[string]any{"name": "Spoofed", "kind": "customer"}})
		rep.MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		action := itsm.AuditAccessRefused
		refusals, _, err := db.FindAuditEntries(storetest.System(), itsm.AuditFilter{Action: &action, Limit: 1})
		if err != nil || len(refusals) != 1 {
			t.Fatalf("refusal not audited: %v", err)
		}
		got := refusals[0]
		if got.ActorID == nil || *got.ActorID != fx.CustomerUserA.ID || got.IP != "192.0.2.1" || got.ObjectType != "organisation" ||
			got.RequestID != rep.header.Get("X-Request-ID") || got.RequestID == "spoofed-request-id" {
			t.Fatalf("refusal recorded as %+v (request %s)", got, rep.header.Get("X-Request-ID"))
		}

		// A browser session is not an API credential, in a cookie or as a
		// bearer token.
		session, _, _, err := db.SignIn(storetest.Ctx(itsm.Anonymous("192.0.2.80")), "admin@programme.test", storetest.Password)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []http.Header{
			{"Cookie": {"steward_session=" + session + "; session=" + session}},
			{"Authorization": {"Bearer " + session}},
		} {
			e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", header: h}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		}
	})
}
