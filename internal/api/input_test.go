package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// bodyEndpoint is an endpoint that reads a JSON body, with a caller allowed
// to use it and a valid body, from which the bad ones are made.
type bodyEndpoint struct {
	name   string
	method string
	path   string
	caller *itsm.User // nil: anonymous
	valid  map[string]any
}

// bodyEndpoints returns every endpoint that takes a body, each with a valid
// body for the current state of e.
func bodyEndpoints(t *testing.T, e *env) []bodyEndpoint {
	fx := e.fx
	n := e.MustCount(t).users
	approve := e.MustRegister(t, fx.CustomerA, fmt.Sprintf("approve-%d@alpha.test", n))
	reject := e.MustRegister(t, fx.CustomerA, fmt.Sprintf("reject-%d@alpha.test", n))
	return append([]bodyEndpoint{
		{"create organisation", http.MethodPost, "/api/v1/organisations", fx.Admin,
			map[string]any{"name": "Gamma College", "kind": "customer", "time_zone": "Europe/London"}},
		{"update organisation", http.MethodPatch, idPath("/api/v1/organisations", fx.CustomerA.ID), fx.Admin,
			map[string]any{"version": e.MustOrg(t, fx.CustomerA.ID).Version, "name": "Alpha Council Renamed", "active": true}},
		{"create user", http.MethodPost, "/api/v1/users", fx.Admin,
			map[string]any{"organisation_id": fx.CustomerA.ID, "email": "valid@alpha.test", "name": "Valid Person", "role": "customer_user", "password": storetest.Password}},
		{"update user", http.MethodPatch, idPath("/api/v1/users", fx.CustomerUserA.ID), fx.Admin,
			map[string]any{"version": e.MustUser(t, fx.CustomerUserA.ID).Version, "name": "Catriona Renamed", "email": "renamed@alpha.test", "role": "customer_user", "status": "active"}},
		{"set password", http.MethodPut, idPath("/api/v1/users", fx.CustomerUserA.ID, "/password"), fx.Admin,
			map[string]any{"password": "a different long password"}},
		{"register", http.MethodPost, "/api/v1/registrations", nil,
			map[string]any{"organisation_id": fx.CustomerA.ID, "name": "Self Registrant", "email": "self@alpha.test", "password": storetest.Password}},
		{"approve registration", http.MethodPost, idPath("/api/v1/registrations", approve.ID, "/approve"), fx.Admin,
			map[string]any{"version": approve.Version}},
		{"reject registration", http.MethodPost, idPath("/api/v1/registrations", reject.ID, "/reject"), fx.Admin,
			map[string]any{"version": reject.Version}},
		{"create token", http.MethodPost, "/api/v1/tokens", fx.Admin,
			map[string]any{"name": "build server", "expires_at": "2027-03-31T23:00:00Z"}},
	}, deskBodyEndpoints(t, e)...)
}

// rawJSON encodes a body with its keys in sorted order.
func rawJSON(body map[string]any) string {
	b, _ := json.Marshal(body)
	return string(b)
}

func keysOf(body map[string]any) []string {
	var ks []string
	for k := range body {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func with(body map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for key, val := range body {
		out[key] = val
	}
	out[k] = v
	return out
}

// wrongTypes returns values of the wrong type for a field holding v.
func wrongTypes(v any) []any {
	switch v.(type) {
	case string:
		return []any{42, true, []string{"x"}, map[string]string{"x": "y"}}
	case bool:
		return []any{"true", 1, []bool{true}}
	case map[string]any:
		return []any{"{}", 1, true, []int{1}}
	case []any, []string, []float64:
		return []any{"x", 1, true, map[string]int{"x": 1}}
	default: // numbers
		return []any{"12", 1.5, true, []int{1}, map[string]int{"x": 1}}
	}
}

// badBody is a body that must be refused, with the status, code and
// (when the problem is in one field) the field the answer must name.
type badBody struct {
	what   string
	body   string
	header http.Header
	status int
	code   string
	field  string
}

func badBodies(ep bodyEndpoint) []badBody {
	valid := rawJSON(ep.valid)
	first := keysOf(ep.valid)[0]
	bad := []badBody{
		{what: "empty", body: ""},
		{what: "blank", body: "  \n"},
		{what: "an unclosed object", body: "{"},
		{what: "truncated after a key", body: `{"` + first + `":`},
		{what: "truncated", body: valid[:len(valid)-1]},
		{what: "a trailing comma", body: strings.TrimSuffix(valid, "}") + ",}"},
		{what: "single quotes", body: strings.ReplaceAll(valid, `"`, `'`)},
		{what: "an array", body: "[" + valid + "]"},
		{what: "a string", body: `"` + first + `"`},
		{what: "a number", body: "42"},
		{what: "null", body: "null"},
		{what: "two objects", body: valid + valid},
		{what: "trailing text", body: valid + " and more"},
		{what: "invalid UTF-8", body: strings.Replace(valid, `"`+first+`"`, "\"\xff\xfe\"", 1)},
		{what: "a comment", body: "/* hi */" + valid},
		{what: "an unknown field", body: rawJSON(with(ep.valid, "password_hash", "x")), field: "password_hash"},
		{what: "an unknown field with markup", body: rawJSON(with(ep.valid, "<script>", 1)), field: "<script>"},
		{what: "a field in the wrong case", body: strings.Replace(valid, `"`+first+`"`, `"`+strings.ToUpper(first)+`"`, 1), field: strings.ToUpper(first)},
		{what: "a repeated field", body: strings.TrimSuffix(valid, "}") + `,"` + first + `":` + mustJSON(ep.valid[first]) + "}", field: first},
		{what: "a null field", body: rawJSON(with(ep.valid, first, nil)), field: first},
		{what: "too large, declared", body: `{"` + first + `":"` + strings.Repeat("a", maxBody) + `"}`, status: http.StatusRequestEntityTooLarge, code: itsm.ETOOLARGE},
		{what: "form-encoded", body: first + "=x", header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
		{what: "text/plain JSON", body: valid, header: http.Header{"Content-Type": {"text/plain"}}},
		{what: "no Content-Type", body: valid, header: http.Header{"Content-Type": nil}},
		{what: "a Latin-1 charset", body: valid, header: http.Header{"Content-Type": {"application/json; charset=iso-8859-1"}}},
		{what: "a JSON-like type", body: valid, header: http.Header{"Content-Type": {"application/jsonp"}}},
		{what: "multipart", body: valid, header: http.Header{"Content-Type": {"multipart/form-data; boundary=x"}}},
	}
	for i := range bad {
		if bad[i].header != nil && bad[i].status == 0 {
			bad[i].status, bad[i].code = http.StatusUnsupportedMediaType, codeUnsupportedMediaType
		}
		if bad[i].status == 0 {
			bad[i].status, bad[i].code = http.StatusBadRequest, itsm.EINVALID
		}
	}
	for _, k := range keysOf(ep.valid) {
		for _, v := range wrongTypes(ep.valid[k]) {
			bad = append(bad, badBody{what: fmt.Sprintf("%s as %s", k, mustJSON(v)), body: rawJSON(with(ep.valid, k, v)),
				status: http.StatusBadRequest, code: itsm.EINVALID, field: k})
		}
	}
	return bad
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestBadBodies sends every kind of bad body to every endpoint that takes
// one: each is refused with a clear 4xx naming the field, and nothing
// changes.
func TestBadBodies(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		for _, ep := range bodyEndpoints(t, e) {
			t.Run(ep.name, func(t *testing.T) {
				for _, bad := range badBodies(ep) {
					before := e.MustCount(t)
					rep := e.MustDo(t, request{method: ep.method, path: ep.path, token: e.token(ep.caller), body: bad.body, header: bad.header})
					if rep.status != bad.status || rep.apiError().Code != bad.code {
						t.Errorf("%s: %d %+v, want %d %s", bad.what, rep.status, rep.apiError(), bad.status, bad.code)
						continue
					}
					d := rep.apiError()
					if bad.field != "" && d.Fields[bad.field] == "" {
						t.Errorf("%s: the error does not name %q: %+v", bad.what, bad.field, d)
					}
					if !strings.HasSuffix(d.Message, ".") {
						t.Errorf("%s: message %q is not a sentence", bad.what, d.Message)
					}
					e.MustUnchanged(t, before)
				}
				// Past the limit without declaring a length: the read stops
				// at the limit.
				before := e.MustCount(t)
				huge := `{"` + keysOf(ep.valid)[0] + `":"` + strings.Repeat("a", maxBody) + `"}`
				e.MustDo(t, request{method: ep.method, path: ep.path, token: e.token(ep.caller), body: huge, chunked: true}).
					MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)
				e.MustUnchanged(t, before)
				// The valid body itself is accepted, so the refusals above
				// were about what was wrong with them.
				rep := e.MustDo(t, request{method: ep.method, path: ep.path, token: e.token(ep.caller), body: ep.valid})
				if rep.status >= 300 {
					t.Errorf("valid body refused: %d %s", rep.status, rep.body)
				}
			})
		}
	})
}

// TestMaxBodyWithoutOuterLimit shows the API caps bodies itself when
// mounted without httpx.LimitBody.
func TestMaxBodyWithoutOuterLimit(t *testing.T) {
	a, err := New(Config{Services: stubServices(), MaxBody: 64})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/api/v1/organisations", strings.NewReader(`{"name":"`+strings.Repeat("a", 100)+`","kind":"customer"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer stw_good")
	w := httptest.NewRecorder()
	a.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), `"code":"too_large"`) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// TestMissingAndInvalidFields covers bodies that are well-formed JSON but
// not a valid change.
func TestMissingAndInvalidFields(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		admin := fx.Admin
		orgA, userA := idPath("/api/v1/organisations", fx.CustomerA.ID), idPath("/api/v1/users", fx.CustomerUserA.ID)
		reg := e.MustRegister(t, fx.CustomerA, "missing@alpha.test")
		for _, c := range []struct {
			what         string
			method, path string
			caller       *itsm.User
			body         any
			field        string
		}{
			{"organisation without a name", http.MethodPost, "/api/v1/organisations", admin, map[string]any{"kind": "customer"}, "name"},
			{"organisation with a blank name", http.MethodPost, "/api/v1/organisations", admin, map[string]any{"name": "   ", "kind": "customer"}, "name"},
			{"organisation without a kind", http.MethodPost, "/api/v1/organisations", admin, map[string]any{"name": "Delta"}, "kind"},
			{"organisation of an unknown kind", http.MethodPost, "/api/v1/organisations", admin, map[string]any{"name": "Delta", "kind": "vendor"}, "kind"},
			{"organisation in an unknown zone", http.MethodPost, "/api/v1/organisations", admin, map[string]any{"name": "Delta", "kind": "customer", "time_zone": "Mars/Olympus"}, "time_zone"},
			{"organisation with a control character", http.MethodPost, "/api/v1/organisations", admin, map[string]any{"name": "Delta\u2028Council", "kind": "customer"}, "name"},
			{"organisation with a long name", http.MethodPost, "/api/v1/organisations", admin, map[string]any{"name": strings.Repeat("n", 201), "kind": "customer"}, "name"},
			{"change without a version", http.MethodPatch, orgA, admin, map[string]any{"name": "Alpha"}, "version"},
			{"change with version 0", http.MethodPatch, orgA, admin, map[string]any{"version": 0, "name": "Alpha"}, "version"},
			{"change with a negative version", http.MethodPatch, orgA, admin, map[string]any{"version": -1, "name": "Alpha"}, "version"},
			{"change with nothing to change", http.MethodPatch, orgA, admin, map[string]any{"version": 1}, ""},
			{"user without a password", http.MethodPost, "/api/v1/users", admin, map[string]any{"organisation_id": fx.CustomerA.ID, "email": "p@alpha.test", "name": "P", "role": "customer_user"}, "password"},
			{"user with a short password", http.MethodPost, "/api/v1/users", admin, map[string]any{"organisation_id": fx.CustomerA.ID, "email": "p@alpha.test", "name": "P", "role": "customer_user", "password": "short"}, "password"},
			{"user with an unknown role", http.MethodPost, "/api/v1/users", admin, map[string]any{"organisation_id": fx.CustomerA.ID, "email": "p@alpha.test", "name": "P", "role": "root", "password": storetest.Password}, "role"},
			{"user in no organisation", http.MethodPost, "/api/v1/users", admin, map[string]any{"email": "p@alpha.test", "name": "P", "role": "customer_user", "password": storetest.Password}, "organisation_id"},
			{"user in a missing organisation", http.MethodPost, "/api/v1/users", admin, map[string]any{"organisation_id": 99999, "email": "p@alpha.test", "name": "P", "role": "customer_user", "password": storetest.Password}, "organisation_id"},
			{"user made pending by hand", http.MethodPatch, userA, admin, map[string]any{"version": 1, "status": "pending"}, "status"},
			{"user with an unknown status", http.MethodPatch, userA, admin, map[string]any{"version": 1, "status": "deleted"}, "status"},
			{"user without a version", http.MethodPatch, userA, admin, map[string]any{"name": "X"}, "version"},
			{"short password", http.MethodPut, userA + "/password", admin, map[string]any{"password": "elevenchars"}, "password"},
			{"huge password", http.MethodPut, userA + "/password", admin, map[string]any{"password": strings.Repeat("p", 257)}, "password"},
			{"registration to the programme", http.MethodPost, "/api/v1/registrations", nil, map[string]any{"organisation_id": fx.Programme.ID, "name": "R", "email": "r@x.org", "password": storetest.Password}, "organisation_id"},
			{"registration without a password", http.MethodPost, "/api/v1/registrations", nil, map[string]any{"organisation_id": fx.CustomerA.ID, "name": "R", "email": "r@x.org"}, "password"},
			{"decision without a version", http.MethodPost, idPath("/api/v1/registrations", reg.ID, "/approve"), admin, map[string]any{}, "version"},
			{"token without a name", http.MethodPost, "/api/v1/tokens", admin, map[string]any{}, "name"},
			{"token expiring in the past", http.MethodPost, "/api/v1/tokens", admin, map[string]any{"name": "old", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"},
			{"token expiring on no date", http.MethodPost, "/api/v1/tokens", admin, map[string]any{"name": "old", "expires_at": "next Tuesday"}, "expires_at"},
		} {
			before := e.MustCount(t)
			d := e.MustDo(t, request{method: c.method, path: c.path, token: e.token(c.caller), body: c.body}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
			if c.field != "" && d.Fields[c.field] == "" {
				t.Errorf("%s: the error does not name %s: %+v", c.what, c.field, d)
			}
			e.MustUnchanged(t, before)
		}
	})
}

// TestInvalidEmails refuses every malformed address wherever one is taken.
func TestInvalidEmails(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		for _, email := range []string{"", "   ", "no-at-sign", "two@@alpha.test", "a@b", "a@b.", "@alpha.test", "name@", "A Person <a@alpha.test>",
			"<a@alpha.test>", "a b@alpha.test", "a@alpha.test\r\nBcc: x@evil.test", "a@alpha.test,b@alpha.test", "a@alpha.test;b@alpha.test",
			"\"quoted\"@alpha.test", "x'--@alpha.test", "a@[127.0.0.1]", strings.Repeat("a", 250) + "@alpha.test", "a\u2028@alpha.test"} {
			before := e.MustCount(t)
			for _, c := range []struct {
				method, path string
				caller       *itsm.User
				body         map[string]any
			}{
				{http.MethodPost, "/api/v1/users", fx.Admin, map[string]any{"organisation_id": fx.CustomerA.ID, "email": email, "name": "P", "role": "customer_user", "password": storetest.Password}},
				{http.MethodPatch, idPath("/api/v1/users", fx.CustomerUserA.ID), fx.Admin, map[string]any{"version": e.MustUser(t, fx.CustomerUserA.ID).Version, "email": email}},
				{http.MethodPost, "/api/v1/registrations", nil, map[string]any{"organisation_id": fx.CustomerA.ID, "email": email, "name": "P", "password": storetest.Password}},
			} {
				d := e.MustDo(t, request{method: c.method, path: c.path, token: e.token(c.caller), body: c.body}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
				if d.Fields["email"] == "" {
					t.Errorf("%s %s with %q: the error does not name email: %+v", c.method, c.path, email, d)
				}
			}
			e.MustUnchanged(t, before)
		}
	})
}
