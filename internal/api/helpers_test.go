package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// maxBody is the API's limit on JSON bodies.
const maxBody = DefaultMaxBody

// env is the real API over a fresh, seeded database, wrapped as the server
// wraps it, with an API token for every fixture user.
type env struct {
	db      *store.DB
	fx      *storetest.Fixture
	api     *API
	handler http.Handler
	tokens  map[int64]string // user ID → bearer secret
}

// MustEnv seeds db and builds the API over it.
func MustEnv(tb testing.TB, db *store.DB) *env {
	tb.Helper()
	fx := storetest.MustSeed(tb, db)
	a, err := New(Config{Services: db.Services(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", Now: db.Now})
	if err != nil {
		tb.Fatalf("new API: %v", err)
	}
	// The server in front caps bodies at the API's largest, as the lead's
	// server does under /api/; the API applies each route's own limit.
	tooLarge := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.fail(w, r, "", errTooLarge(a.BodyLimit())) })
	e := &env{db: db, fx: fx, api: a, tokens: map[int64]string{},
		handler: httpx.Chain(a.Handler(), httpx.WithRequestID, httpx.SecurityHeaders, httpx.LimitBody(a.BodyLimit(), tooLarge))}
	for _, u := range fx.Users() {
		e.tokens[u.ID] = e.MustToken(tb, u)
	}
	return e
}

// MustToken makes a fresh API token for u.
func (e *env) MustToken(tb testing.TB, u *itsm.User) string {
	tb.Helper()
	_, secret, err := e.db.CreateAPIToken(storetest.As(u), u.ID, "test token", nil)
	if err != nil {
		tb.Fatalf("token for %s: %v", u.Email, err)
	}
	return secret
}

// token returns u's bearer secret; nil is the anonymous caller.
func (e *env) token(u *itsm.User) string {
	if u == nil {
		return ""
	}
	return e.tokens[u.ID]
}

// request is one API call.
type request struct {
	method, path string
	token        string      // bearer secret; "" sends no Authorization
	body         any         // a string is sent as is; anything else as JSON; nil sends nothing
	header       http.Header // extra headers; Content-Type defaults to application/json with a body
	chunked      bool        // send the body without a Content-Length
}

// reply is the API's answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// MustDo sends req through the real handler and checks the answer against
// the OpenAPI document (see conformance_test.go).
func (e *env) MustDo(tb testing.TB, req request) *reply {
	tb.Helper()
	var body []byte
	switch b := req.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			tb.Fatalf("encode request body: %v", err)
		}
	}
	r := httptest.NewRequest(req.method, req.path, bytes.NewReader(body))
	if req.body == nil {
		r.Body, r.ContentLength = http.NoBody, 0
	} else {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range req.header {
		r.Header.Del(k)
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	if req.chunked {
		r.ContentLength, r.TransferEncoding = -1, []string{"chunked"}
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, r)
	rep := &reply{status: w.Code, header: w.Result().Header, body: w.Body.Bytes()}
	conform(tb, e.api, r, body, rep)
	return rep
}

// get, post, patch, put and del are shorthands for MustDo.
func (e *env) get(tb testing.TB, u *itsm.User, path string) *reply {
	tb.Helper()
	return e.MustDo(tb, request{method: http.MethodGet, path: path, token: e.token(u)})
}

func (e *env) send(tb testing.TB, u *itsm.User, method, path string, body any) *reply {
	tb.Helper()
	return e.MustDo(tb, request{method: method, path: path, token: e.token(u), body: body})
}

// MustStatus fails unless the reply has the status.
func (r *reply) MustStatus(tb testing.TB, want int) *reply {
	tb.Helper()
	if r.status != want {
		tb.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
	return r
}

// MustDecode decodes the JSON body into v.
func (r *reply) MustDecode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.body, err)
	}
}

// apiError decodes the error shape; zero when the body is not one.
func (r *reply) apiError() errorDetail {
	var b errorBody
	_ = json.Unmarshal(r.body, &b)
	return b.Error
}

// MustError fails unless the reply is the error shape with the status and
// code, and returns it.
func (r *reply) MustError(tb testing.TB, status int, code string) errorDetail {
	tb.Helper()
	r.MustStatus(tb, status)
	d := r.apiError()
	if d.Code != code || d.Message == "" {
		tb.Fatalf("error %+v, want code %s with a message; body %s", d, code, r.body)
	}
	if !strings.HasSuffix(d.Message, ".") {
		tb.Fatalf("error message %q is not a whole sentence", d.Message)
	}
	return d
}

// counts is how many rows a few tables hold, and how many audit entries
// record a change (refusals excluded), to prove a refused request changed
// nothing.
type counts struct {
	orgs, users, tokens, changes, refusals                  int
	tickets, events, files, watchers, links                 int
	problems, escalations, escalationEvents, contacts, slas int
}

// MustCount reads the counts.
func (e *env) MustCount(tb testing.TB) counts {
	tb.Helper()
	var c counts
	for _, q := range []struct {
		dst   *int
		query string
	}{
		{&c.orgs, `SELECT COUNT(*) FROM organisations`},
		{&c.users, `SELECT COUNT(*) FROM users`},
		{&c.tokens, `SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL`},
		{&c.changes, `SELECT COUNT(*) FROM audit_log WHERE action <> 'access_refused'`},
		{&c.refusals, `SELECT COUNT(*) FROM audit_log WHERE action = 'access_refused'`},
		{&c.tickets, `SELECT COUNT(*) FROM tickets`},
		{&c.events, `SELECT COUNT(*) FROM ticket_events`},
		{&c.files, `SELECT COUNT(*) FROM attachments`},
		{&c.watchers, `SELECT COUNT(*) FROM ticket_watchers`},
		{&c.links, `SELECT COUNT(*) FROM ticket_links`},
		{&c.problems, `SELECT COUNT(*) FROM problems`},
		{&c.escalations, `SELECT COUNT(*) FROM escalations`},
		{&c.escalationEvents, `SELECT COUNT(*) FROM escalation_events`},
		{&c.contacts, `SELECT COUNT(*) FROM escalation_contacts`},
		{&c.slas, `SELECT COUNT(*) FROM service_agreements`},
	} {
		if err := e.db.SQL().QueryRow(q.query).Scan(q.dst); err != nil {
			tb.Fatalf("count: %v", err)
		}
	}
	return c
}

// MustUnchanged fails if anything but refusals changed since before.
func (e *env) MustUnchanged(tb testing.TB, before counts) {
	tb.Helper()
	after := e.MustCount(tb)
	after.refusals = before.refusals
	if after != before {
		tb.Fatalf("a refused request changed something: before %+v, after %+v", before, after)
	}
}

// MustUserByEmail finds a user by address as the system.
func (e *env) MustUserByEmail(tb testing.TB, email string) *itsm.User {
	tb.Helper()
	list, total, err := e.db.FindUsers(storetest.System(), itsm.UserFilter{Email: &email})
	if err != nil || total != 1 {
		tb.Fatalf("find user %s: %d found, %v", email, total, err)
	}
	return list[0]
}

// MustUser reads a user as the system.
func (e *env) MustUser(tb testing.TB, id int64) *itsm.User {
	tb.Helper()
	u, err := e.db.FindUserByID(storetest.System(), id)
	if err != nil {
		tb.Fatalf("find user %d: %v", id, err)
	}
	return u
}

// MustOrg reads an organisation as the system.
func (e *env) MustOrg(tb testing.TB, id int64) *itsm.Organisation {
	tb.Helper()
	o, err := e.db.FindOrganisationByID(storetest.System(), id)
	if err != nil {
		tb.Fatalf("find organisation %d: %v", id, err)
	}
	return o
}

// MustRegister makes a pending registration to org.
func (e *env) MustRegister(tb testing.TB, org *itsm.Organisation, email string) *itsm.User {
	tb.Helper()
	u, err := e.db.Register(storetest.Ctx(itsm.Anonymous("198.51.100.7")), itsm.Registration{OrgID: org.ID, Name: "Rowan Registrant", Email: email, Password: storetest.Password})
	if err != nil {
		tb.Fatalf("register %s: %v", email, err)
	}
	return u
}

// idPath joins a collection's path, an ID and an optional suffix.
func idPath(collection string, id int64, suffix ...string) string {
	return collection + "/" + strconv.FormatInt(id, 10) + strings.Join(suffix, "")
}
