package web_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// env is a running web surface on a seeded, throw-away database, wrapped in
// the middleware it runs behind in production.
type env struct {
	t    *testing.T
	db   *store.DB
	f    *storetest.Fixture
	srv  *web.Server
	h    http.Handler
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{t: t, db: db, f: storetest.MustSeed(t, db), logs: &syncBuffer{}}
	srv, err := web.New(web.Config{
		Services: db.Services(),
		Logger:   slog.New(slog.NewTextHandler(e.logs, nil)),
		Version:  "test",
		Now:      storetest.ClockOf(db).Now,
		// The service management pages' extra services (management_test.go).
		DeskSettings: db,
		WhatIf:       db,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.h = httpx.Chain(srv.Handler(), httpx.WithRequestID, httpx.SecurityHeaders, httpx.LimitBody(64<<10, srv.TooLarge()))
	t.Cleanup(func() {
		if t.Failed() && e.logs.String() != "" {
			t.Logf("server log:\n%s", e.logs.String())
		}
	})
	return e
}

// anon returns a client that has not signed in.
func (e *env) anon() *webtest.Client { return webtest.NewClient(e.t, e.h) }

// as returns a client signed in as u.
func (e *env) as(u *itsm.User) *webtest.Client {
	e.t.Helper()
	c := webtest.NewClient(e.t, e.h)
	c.MustSignIn(u.Email, storetest.Password)
	return c
}

// mustStatus fails unless res has the status.
func mustStatus(t *testing.T, res *webtest.Response, want int, what string) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, res.StatusCode, want, excerpt(res.Body))
	}
}

func excerpt(body string) string {
	s := webtest.Text(body)
	if i := strings.Index(s, "Skip to main content"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

// seq makes names and addresses unique within a test.
var seq struct {
	sync.Mutex
	n int
}

func next() int {
	seq.Lock()
	defer seq.Unlock()
	seq.n++
	return seq.n
}

// mustUser creates an active person in org with the fixture password.
func (e *env) mustUser(org *itsm.Organisation, role itsm.Role) *itsm.User {
	e.t.Helper()
	n := next()
	u := &itsm.User{OrgID: org.ID, Name: fmt.Sprintf("Person %d", n), Email: fmt.Sprintf("person%d@example.test", n), Role: role}
	if err := e.db.CreateUser(storetest.System(), u, storetest.Password); err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	return u
}

// mustPending registers someone to org, as an anonymous visitor would.
func (e *env) mustPending(org *itsm.Organisation) *itsm.User {
	e.t.Helper()
	n := next()
	u, err := e.db.Register(storetest.Ctx(itsm.Anonymous("192.0.2.50")), itsm.Registration{
		OrgID: org.ID, Name: fmt.Sprintf("Applicant %d", n), Email: fmt.Sprintf("applicant%d@example.test", n), Password: storetest.Password})
	if err != nil {
		e.t.Fatalf("register: %v", err)
	}
	return u
}

// mustOrg reads an organisation as the system.
func (e *env) mustOrg(id int64) *itsm.Organisation {
	e.t.Helper()
	o, err := e.db.FindOrganisationByID(storetest.System(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// mustUserByID reads a person as the system.
func (e *env) mustUserByID(id int64) *itsm.User {
	e.t.Helper()
	u, err := e.db.FindUserByID(storetest.System(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// auditEntryOf returns the newest audit entry about an organisation.
func (e *env) auditEntryOf(orgID int64) int64 {
	e.t.Helper()
	es, _, err := e.db.FindAuditEntries(storetest.System(), itsm.AuditFilter{OrgID: &orgID, Limit: 1})
	if err != nil || len(es) == 0 {
		e.t.Fatalf("no audit entry for organisation %d: %v", orgID, err)
	}
	return es[0].ID
}

// auditCount counts entries with an action.
func (e *env) auditCount(action string) int {
	e.t.Helper()
	_, n, err := e.db.FindAuditEntries(storetest.System(), itsm.AuditFilter{Action: &action, Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// regexpFind returns the first submatch of pattern in s, or "".
func regexpFind(pattern, s string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if len(m) < 2 {
		return ""
	}
	return m[1]
}
