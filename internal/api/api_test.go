package api

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestVersionsAndETags: a change must carry the version last read; a stale
// one is refused with the store's sentence and changes nothing.
func TestVersionsAndETags(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		admin, manager := fx.Admin, fx.Manager

		// A new record: 201, Location, ETag of version 1.
		created := e.send(t, admin, http.MethodPost, "/api/v1/organisations", map[string]any{"name": "Epsilon University", "kind": "customer"}).MustStatus(t, http.StatusCreated)
		var o itsm.Organisation
		created.MustDecode(t, &o)
		if o.Version != 1 || created.header.Get("ETag") != `W/"1"` || created.header.Get("Location") != idPath("/api/v1/organisations", o.ID) {
			t.Fatalf("created: version %d, ETag %s, Location %s", o.Version, created.header.Get("ETag"), created.header.Get("Location"))
		}
		orgPath := created.header.Get("Location")
		if got := e.get(t, admin, orgPath).MustStatus(t, http.StatusOK); got.header.Get("ETag") != `W/"1"` {
			t.Fatalf("GET ETag %s", got.header.Get("ETag"))
		}

		// Two people read version 1; the first change wins...
		first := e.send(t, admin, http.MethodPatch, orgPath, map[string]any{"version": 1, "name": "Epsilon University of Stirling"}).MustStatus(t, http.StatusOK)
		first.MustDecode(t, &o)
		if o.Version != 2 || first.header.Get("ETag") != `W/"2"` || o.Name != "Epsilon University of Stirling" {
			t.Fatalf("after change: %+v, ETag %s", o, first.header.Get("ETag"))
		}
		// ...and the second, still holding version 1, is refused.
		before := e.MustCount(t)
		d := e.send(t, manager, http.MethodPatch, orgPath, map[string]any{"version": 1, "name": "Overwritten"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		if d.Message != itsm.ErrStale("organisation").Message {
			t.Fatalf("stale message %q", d.Message)
		}
		e.MustUnchanged(t, before)
		if got := e.MustOrg(t, o.ID); got.Name != "Epsilon University of Stirling" || got.Version != 2 {
			t.Fatalf("stale change landed: %+v", got)
		}
		// A version from the future is stale too.
		e.send(t, manager, http.MethodPatch, orgPath, map[string]any{"version": 99, "active": false}).MustError(t, http.StatusConflict, itsm.ECONFLICT)

		// People.
		userPath := idPath("/api/v1/users", fx.CustomerUserA.ID)
		v := e.MustUser(t, fx.CustomerUserA.ID).Version
		e.send(t, admin, http.MethodPatch, userPath, map[string]any{"version": v, "name": "Catriona Fresh"}).MustStatus(t, http.StatusOK)
		d = e.send(t, fx.CustomerAdminA, http.MethodPatch, userPath, map[string]any{"version": v, "name": "Catriona Stale"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		if d.Message != itsm.ErrStale("account").Message {
			t.Fatalf("stale message %q", d.Message)
		}
		if got := e.get(t, admin, userPath).MustStatus(t, http.StatusOK); got.header.Get("ETag") != etag(v+1) {
			t.Fatalf("user ETag %s, want %s", got.header.Get("ETag"), etag(v+1))
		}

		// Registrations: decided with the version read, once.
		reg := e.MustRegister(t, fx.CustomerA, "versioned@alpha.test")
		e.send(t, admin, http.MethodPost, idPath("/api/v1/registrations", reg.ID, "/approve"), map[string]any{"version": reg.Version + 1}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, admin, http.MethodPost, idPath("/api/v1/registrations", reg.ID, "/reject"), map[string]any{"version": reg.Version + 1}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		approved := e.send(t, fx.CustomerAdminA, http.MethodPost, idPath("/api/v1/registrations", reg.ID, "/approve"), map[string]any{"version": reg.Version}).MustStatus(t, http.StatusOK)
		if approved.header.Get("ETag") != etag(reg.Version+1) {
			t.Fatalf("approved ETag %s", approved.header.Get("ETag"))
		}
		// Once decided it is no longer a registration.
		e.send(t, admin, http.MethodPost, idPath("/api/v1/registrations", reg.ID, "/reject"), map[string]any{"version": reg.Version + 1}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
	})
}

// TestDuplicates: a second record with the same name or e-mail is a
// conflict naming the field.
func TestDuplicates(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		for _, c := range []struct {
			method, path string
			caller       *itsm.User
			body         map[string]any
			field        string
		}{
			{http.MethodPost, "/api/v1/organisations", fx.Admin, map[string]any{"name": "ALPHA COUNCIL", "kind": "customer"}, "name"},
			{http.MethodPost, "/api/v1/organisations", fx.Admin, map[string]any{"name": "Second Programme", "kind": "programme"}, "kind"},
			{http.MethodPatch, idPath("/api/v1/organisations", fx.CustomerA.ID), fx.Admin, map[string]any{"version": fx.CustomerA.Version, "name": "Beta Health Board"}, "name"},
			{http.MethodPost, "/api/v1/users", fx.Admin, map[string]any{"organisation_id": fx.CustomerA.ID, "email": "USER@beta.test", "name": "Dup", "role": "customer_user", "password": storetest.Password}, "email"},
			{http.MethodPatch, idPath("/api/v1/users", fx.CustomerUserA.ID), fx.Admin, map[string]any{"version": fx.CustomerUserA.Version, "email": "admin@alpha.test"}, "email"},
		} {
			before := e.MustCount(t)
			d := e.send(t, c.caller, c.method, c.path, c.body).MustError(t, http.StatusConflict, itsm.ECONFLICT)
			if d.Fields[c.field] == "" {
				t.Errorf("%s %s: conflict does not name %s: %+v", c.method, c.path, c.field, d)
			}
			e.MustUnchanged(t, before)
		}
		// Registering an address that has an account is answered as any
		// registration, so nobody learns who has one; nothing is created
		// and the address's owner is told by e-mail.
		before := e.MustCount(t)
		var got registrationReceived
		e.send(t, nil, http.MethodPost, "/api/v1/registrations", map[string]any{"organisation_id": fx.CustomerA.ID, "email": "USER@alpha.test", "name": "Dup", "password": storetest.Password}).
			MustStatus(t, http.StatusAccepted).MustDecode(t, &got)
		if got.Status != "received" || got.OrgID != fx.CustomerA.ID {
			t.Fatalf("duplicate registration answered %+v", got)
		}
		after := e.MustCount(t)
		if after.users != before.users {
			t.Fatalf("a duplicate registration created an account: %d → %d", before.users, after.users)
		}
	})
}

// TestTokens: the secret is shown once; a revoked, expired or orphaned
// token is refused with 401 and a challenge.
func TestTokens(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		created := e.send(t, fx.CustomerUserA, http.MethodPost, "/api/v1/tokens", map[string]any{"name": "reporting script", "expires_at": "2026-03-02T10:30:00+01:00"}).MustStatus(t, http.StatusCreated)
		var out tokenCreated
		created.MustDecode(t, &out)
		if !strings.HasPrefix(out.Secret, "stw_") || out.Token.UserID != fx.CustomerUserA.ID || !out.Token.ExpiresAt.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) {
			t.Fatalf("created %+v", out)
		}
		me := e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", token: out.Secret}).MustStatus(t, http.StatusOK)
		var u itsm.User
		me.MustDecode(t, &u)
		if u.ID != fx.CustomerUserA.ID {
			t.Fatalf("the new token acts as %d", u.ID)
		}
		list := e.get(t, fx.CustomerUserA, "/api/v1/tokens").MustStatus(t, http.StatusOK)
		if bytes.Contains(list.body, []byte(out.Secret)) || bytes.Contains(list.body, []byte(out.Secret[12:])) {
			t.Fatal("the token list shows a secret")
		}

		// Expired: the clock passes the expiry.
		storetest.ClockOf(db).Advance(time.Hour)
		e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", token: out.Secret}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Revoked.
		tok, secret, err := db.CreateAPIToken(storetest.As(fx.CustomerUserA), fx.CustomerUserA.ID, "to revoke", nil)
		if err != nil {
			t.Fatal(err)
		}
		e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", token: secret}).MustStatus(t, http.StatusOK)
		e.MustDo(t, request{method: http.MethodDelete, path: idPath("/api/v1/tokens", tok.ID), token: secret}).MustStatus(t, http.StatusNoContent)
		rep := e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", token: secret})
		rep.MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		if rep.header.Get("WWW-Authenticate") != `Bearer realm="Steward API", error="invalid_token"` {
			t.Fatalf("challenge %q", rep.header.Get("WWW-Authenticate"))
		}
		// Revoking twice is not an error.
		e.send(t, fx.CustomerUserA, http.MethodDelete, idPath("/api/v1/tokens", tok.ID), nil).MustStatus(t, http.StatusNoContent)
		// Unknown tokens and bad IDs are 404.
		e.send(t, fx.CustomerUserA, http.MethodDelete, "/api/v1/tokens/999999", nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)

		// A disabled account's tokens stop working.
		v := e.MustUser(t, fx.CustomerUserA.ID).Version
		e.send(t, fx.CustomerAdminA, http.MethodPatch, idPath("/api/v1/users", fx.CustomerUserA.ID), map[string]any{"version": v, "status": "disabled"}).MustStatus(t, http.StatusOK)
		e.get(t, fx.CustomerUserA, "/api/v1/me").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// No token, or not a bearer token.
		rep = e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me"})
		rep.MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		if rep.header.Get("WWW-Authenticate") != `Bearer realm="Steward API"` {
			t.Fatalf("challenge %q", rep.header.Get("WWW-Authenticate"))
		}
		good := e.token(fx.Admin)
		for _, h := range [][]string{{"Bearer"}, {"Bearer "}, {"Basic YWRtaW5AcHJvZ3JhbW1lLnRlc3Q6Y29ycmVjdCBob3JzZQ=="}, {"Token " + good}, {good},
			{"Bearer " + good, "Bearer " + good}, {"Bearer " + good + "x"}, {"Bearer " + strings.Repeat("a", 5000)}} {
			e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", header: http.Header{"Authorization": h}}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		}
		// The scheme is case-insensitive (RFC 9110).
		e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", header: http.Header{"Authorization": {"bearer " + good}}}).MustStatus(t, http.StatusOK)
		// An invalid token is refused even where none is needed.
		e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/registrations", token: "stw_nonsense",
			body: map[string]any{"organisation_id": fx.CustomerA.ID, "name": "R", "email": "r@alpha.test", "password": storetest.Password}}).
			MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
	})
}

// TestLists: paging with totals, filters and sorting, and strict query
// parameters.
func TestLists(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		for i := range 7 {
			if err := db.CreateOrganisation(storetest.System(), &itsm.Organisation{Name: fmt.Sprintf("Zeta Trust %d", i), Kind: itsm.OrgCustomer}); err != nil {
				t.Fatal(err)
			}
		}
		orgPage := func(query string) page[itsm.Organisation] {
			t.Helper()
			var p page[itsm.Organisation]
			e.get(t, fx.Agent, "/api/v1/organisations"+query).MustStatus(t, http.StatusOK).MustDecode(t, &p)
			return p
		}
		if p := orgPage(""); p.Total != 11 || len(p.Items) != 11 || p.Offset != 0 || p.Limit != 50 {
			t.Fatalf("default page: total %d, %d items, offset %d, limit %d", p.Total, len(p.Items), p.Offset, p.Limit)
		}
		if p := orgPage("?limit=3"); p.Total != 11 || len(p.Items) != 3 || p.Limit != 3 {
			t.Fatalf("limit 3: total %d, %d items", p.Total, len(p.Items))
		}
		if p := orgPage("?offset=9&limit=3"); p.Total != 11 || len(p.Items) != 2 || p.Offset != 9 {
			t.Fatalf("last page: total %d, %d items", p.Total, len(p.Items))
		}
		if p := orgPage("?offset=100"); p.Total != 11 || len(p.Items) != 0 {
			t.Fatalf("past the end: total %d, %d items", p.Total, len(p.Items))
		}
		if p := orgPage("?limit=500&sort=-name"); p.Items[0].Name != "Zeta Trust 6" || p.Limit != 500 {
			t.Fatalf("sorted by -name: first %s", p.Items[0].Name)
		}
		if p := orgPage("?kind=provider"); p.Total != 1 || p.Items[0].ID != fx.Provider.ID {
			t.Fatalf("kind filter: %d", p.Total)
		}
		if p := orgPage("?q=zeta&limit=2"); p.Total != 7 || len(p.Items) != 2 {
			t.Fatalf("q filter: %d", p.Total)
		}
		if p := orgPage("?active=false"); p.Total != 0 {
			t.Fatalf("active filter: %d", p.Total)
		}

		var users page[itsm.User]
		e.get(t, fx.Agent, fmt.Sprintf("/api/v1/users?organisation_id=%d&role=customer_admin", fx.CustomerA.ID)).MustStatus(t, http.StatusOK).MustDecode(t, &users)
		if users.Total != 1 || users.Items[0].ID != fx.CustomerAdminA.ID {
			t.Fatalf("user filters: %d", users.Total)
		}
		e.get(t, fx.Agent, "/api/v1/users?email=USER@ALPHA.TEST&status=active").MustStatus(t, http.StatusOK).MustDecode(t, &users)
		if users.Total != 1 || users.Items[0].ID != fx.CustomerUserA.ID {
			t.Fatalf("email filter: %d", users.Total)
		}
		var tokens page[itsm.APIToken]
		for range 3 {
			e.MustToken(t, fx.Agent)
		}
		e.get(t, fx.Agent, "/api/v1/tokens?offset=1&limit=2").MustStatus(t, http.StatusOK).MustDecode(t, &tokens)
		if tokens.Total != 4 || len(tokens.Items) != 2 {
			t.Fatalf("token page: total %d, %d items", tokens.Total, len(tokens.Items))
		}
		e.get(t, fx.Agent, "/api/v1/tokens?offset=9223372036854775807").MustStatus(t, http.StatusOK).MustDecode(t, &tokens)
		if tokens.Total != 4 || len(tokens.Items) != 0 {
			t.Fatalf("token page past the end: total %d, %d items", tokens.Total, len(tokens.Items))
		}

		var audit page[itsm.AuditEntry]
		e.get(t, fx.Auditor, fmt.Sprintf("/api/v1/audit?object_type=user&object_id=%d&action=create", fx.CustomerUserB.ID)).MustStatus(t, http.StatusOK).MustDecode(t, &audit)
		if audit.Total != 1 || *audit.Items[0].OrgID != fx.CustomerB.ID {
			t.Fatalf("audit filters: %d", audit.Total)
		}
		e.get(t, fx.Auditor, fmt.Sprintf("/api/v1/audit?actor_id=%d&organisation_id=%d", fx.Admin.ID, fx.CustomerA.ID)).MustStatus(t, http.StatusOK).MustDecode(t, &audit)
		e.get(t, fx.Auditor, "/api/v1/audit?from=2026-03-02T09:00:00Z&to=2026-03-02T09:00:01Z&limit=1").MustStatus(t, http.StatusOK).MustDecode(t, &audit)
		if audit.Total == 0 || len(audit.Items) != 1 {
			t.Fatalf("audit time window: %d", audit.Total)
		}
		e.get(t, fx.Auditor, "/api/v1/audit?from=2026-03-02T10:00:00%2B01:00&to=2026-03-02T09:00:00Z").MustStatus(t, http.StatusBadRequest)
		e.get(t, fx.Auditor, "/api/v1/audit?to=2026-03-02T09:00:00Z").MustStatus(t, http.StatusOK).MustDecode(t, &audit)
		if audit.Total != 0 {
			t.Fatalf("audit before the start: %d", audit.Total)
		}

		for _, bad := range []struct{ path, field string }{
			{"/api/v1/organisations?limit=0", "limit"},
			{"/api/v1/organisations?limit=501", "limit"},
			{"/api/v1/organisations?limit=-1", "limit"},
			{"/api/v1/organisations?limit=ten", "limit"},
			{"/api/v1/organisations?limit=1.5", "limit"},
			{"/api/v1/organisations?limit=", "limit"},
			{"/api/v1/organisations?limit=1&limit=2", "limit"},
			{"/api/v1/organisations?offset=-1", "offset"},
			{"/api/v1/organisations?offset=1e3", "offset"},
			{"/api/v1/organisations?offset=99999999999999999999", "offset"},
			{"/api/v1/organisations?orgnisation_id=1", "orgnisation_id"},
			{"/api/v1/organisations?kind=vendor", "kind"},
			{"/api/v1/organisations?active=yes", "active"},
			{"/api/v1/organisations?active=1", "active"},
			{"/api/v1/organisations?sort=name%3B%20DROP%20TABLE%20organisations", "sort"},
			{"/api/v1/users?organisation_id=abc", "organisation_id"},
			{"/api/v1/users?organisation_id=0", "organisation_id"},
			{"/api/v1/users?role=root", "role"},
			{"/api/v1/users?status=gone", "status"},
			{"/api/v1/users?sort=password_hash", "sort"},
			{"/api/v1/users?page=2", "page"},
			{"/api/v1/registrations?status=active", "status"},
			{"/api/v1/registrations?sort=-", "sort"},
			{"/api/v1/tokens?limit=1000", "limit"},
			{"/api/v1/tokens?user_id=1", "user_id"},
			{"/api/v1/audit?from=yesterday", "from"},
			{"/api/v1/audit?to=2026-03-02", "to"},
			{"/api/v1/audit?actor_id=-5", "actor_id"},
			{"/api/v1/audit?sort=at", "sort"},
			{"/api/v1/audit?limit=0", "limit"},
		} {
			d := e.get(t, fx.Admin, bad.path).MustError(t, http.StatusBadRequest, itsm.EINVALID)
			if d.Fields[bad.field] == "" {
				t.Errorf("%s: the error does not name %s: %+v", bad.path, bad.field, d)
			}
		}
		e.get(t, fx.Admin, "/api/v1/users?q=%zz").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.Admin, "/api/v1/users?sort=name;DROP").MustError(t, http.StatusBadRequest, itsm.EINVALID)
	})
}

// TestRouting: unknown paths are 404, wrong methods 405 with Allow, and IDs
// that are not positive integers 404, all in the error shape.
func TestRouting(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		admin := e.fx.Admin
		for _, p := range []string{"/api/", "/api/v1", "/api/v1/", "/api/v2/users", "/api/v1/nothing", "/api/v1/users/1/nothing", "/api/v1/organisations/1/users",
			"/api/v1/users/", "/api/openapi.yaml", "/api/v1//users", "/api/v1/./me", "/api/v1/users/../me", "/api//openapi.json"} {
			e.get(t, admin, p).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		}
		for _, c := range []struct{ method, path, allow string }{
			{http.MethodDelete, "/api/v1/users", "GET, HEAD, POST"},
			{http.MethodPut, "/api/v1/organisations/1", "GET, HEAD, PATCH"},
			{http.MethodGet, "/api/v1/users/1/password", "PUT"},
			{http.MethodGet, "/api/v1/registrations/1/approve", "POST"},
			{http.MethodPatch, "/api/v1/tokens/1", "DELETE"},
			{http.MethodPost, "/api/v1/me", "GET, HEAD"},
			{http.MethodOptions, "/api/v1/audit", "GET, HEAD"},
			{http.MethodPost, "/api/openapi.json", "GET, HEAD"},
		} {
			rep := e.MustDo(t, request{method: c.method, path: c.path, token: e.token(admin)})
			rep.MustError(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
			if rep.header.Get("Allow") != c.allow {
				t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, rep.header.Get("Allow"), c.allow)
			}
		}
		for _, id := range []string{"abc", "0", "-1", "01", "1.0", "1e3", "%201", "99999999999999999999", "0x10", "1%3B%20DROP%20TABLE%20users"} {
			for _, p := range []string{"/api/v1/organisations/", "/api/v1/users/", "/api/v1/audit/"} {
				e.get(t, admin, p+id).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			}
			e.send(t, admin, http.MethodDelete, "/api/v1/tokens/"+id, nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			e.send(t, admin, http.MethodPost, "/api/v1/registrations/"+id+"/approve", map[string]any{"version": 1}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		}
		// HEAD answers like GET (net/http drops the body).
		e.MustDo(t, request{method: http.MethodHead, path: "/api/v1/me", token: e.token(admin)}).MustStatus(t, http.StatusOK)
		// Every answer is uncacheable, except the public document.
		if got := e.get(t, admin, "/api/v1/me").header.Get("Cache-Control"); got != "no-store" {
			t.Fatalf("Cache-Control %q", got)
		}
		if doc := e.get(t, nil, "/api/openapi.json").MustStatus(t, http.StatusOK); !bytes.Contains(doc.body, []byte(`"openapi": "3.1.0"`)) {
			t.Fatal("the document is not served to anonymous callers")
		}
	})
}

// TestInternalErrors: an unexpected error is logged with the request ID
// and shown only as "Internal error.".
func TestInternalErrors(t *testing.T) {
	var logs bytes.Buffer
	a, err := New(Config{Services: stubServices(), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := httpx.Chain(a.Handler(), httpx.WithRequestID)
	r := httptest.NewRequest(http.MethodGet, "/api/v1/organisations", nil)
	r.Header.Set("Authorization", "Bearer stw_good")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError || w.Body.String() != `{"error":{"code":"internal","message":"Internal error."}}`+"\n" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	id := w.Header().Get("X-Request-ID")
	if id == "" || !strings.Contains(logs.String(), "request_id="+id) || !strings.Contains(logs.String(), "10.0.0.5:5432 refused") {
		t.Fatalf("log %q does not name request %s and the cause", logs.String(), id)
	}
}

func TestNewNeedsServices(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without services succeeded")
	}
}
