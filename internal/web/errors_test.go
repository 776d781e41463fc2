package web_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// TestStaticAssets checks assets are served from the binary at hashed,
// immutable URLs.
func TestStaticAssets(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	c := e.anon()
	page := c.Get("/sign-in")
	for _, asset := range []struct{ name, kind string }{
		{"vendor/sgds/design-system.min.css", "text/css; charset=utf-8"},
		{"vendor/sgds/design-system.js", "text/javascript; charset=utf-8"},
		{"app.js", "text/javascript; charset=utf-8"},
		{"app.css", "text/css; charset=utf-8"},
		{"vendor/sgds/images/icons.stack.svg", "image/svg+xml"},
	} {
		u := regexpFind(`"(/static/[0-9a-f]{16}/`+asset.name+`)`, page.Body)
		if u == "" {
			t.Errorf("page does not link %s", asset.name)
			continue
		}
		res := c.Get(u)
		mustStatus(t, res, http.StatusOK, u)
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", u, got)
		}
		if got := res.Header.Get("Content-Type"); got != asset.kind {
			t.Errorf("%s: Content-Type %q, want %q", u, got, asset.kind)
		}
	}
	res := c.Get("/static/0000000000000000/app.css")
	mustStatus(t, res, http.StatusOK, "old hash")
	if res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("an old hash must not be cached for ever: %q", res.Header.Get("Cache-Control"))
	}
	mustStatus(t, c.Get("/static/0000000000000000/nope.css"), http.StatusNotFound, "unknown asset")
}

// TestErrorPages checks 404, 405 and 413 come as pages in the site's
// layout.
func TestErrorPages(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	c := e.as(e.f.Agent)

	res := c.Get("/no-such-page")
	mustStatus(t, res, http.StatusNotFound, "unknown page")
	if !strings.Contains(res.Body, "<title>Page not found – Steward</title>") || !strings.Contains(res.Body, `class="ds_site-header"`) {
		t.Errorf("404 page:\n%s", excerpt(res.Body))
	}

	req := httptest.NewRequest(http.MethodDelete, webtest.Origin+"/organisations", nil)
	res = c.Do(req)
	mustStatus(t, res, http.StatusMethodNotAllowed, "DELETE a list")
	if res.Header.Get("Allow") != "GET, HEAD" || !strings.Contains(res.Body, "That cannot be done here") {
		t.Errorf("405: Allow %q\n%s", res.Header.Get("Allow"), excerpt(res.Body))
	}
	res = c.Post("/organisations", nil)
	mustStatus(t, res, http.StatusMethodNotAllowed, "POST to a list")

	big := url.Values{"name": {strings.Repeat("x", 70<<10)}, "expiry": {"30"}}
	res = c.Post("/account/tokens/new", big)
	mustStatus(t, res, http.StatusRequestEntityTooLarge, "declared too large")
	if !strings.Contains(res.Body, "What you sent is too large") {
		t.Errorf("413 page:\n%s", excerpt(res.Body))
	}
	req = httptest.NewRequest(http.MethodPost, webtest.Origin+"/account/tokens/new", strings.NewReader(big.Encode()+"&csrf_token="+c.Token()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.ContentLength = -1 // streamed: only reading finds it too large
	res = c.Do(req)
	mustStatus(t, res, http.StatusRequestEntityTooLarge, "streamed too large")
}

// failingOrgs breaks one search, as a lost database would.
type failingOrgs struct{ itsm.OrganisationService }

func (s failingOrgs) FindOrganisations(ctx context.Context, f itsm.OrganisationFilter) ([]*itsm.Organisation, int, error) {
	if f.Query != nil && *f.Query == "boom" {
		return nil, 0, errors.New("connection refused: secret details")
	}
	return s.OrganisationService.FindOrganisations(ctx, f)
}

// TestUnexpectedErrorsAreHidden checks an unexpected error reads "Internal
// error." with a reference, and is logged with the request ID.
func TestUnexpectedErrorsAreHidden(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite)
	f := storetest.MustSeed(t, db)
	svc := db.Services()
	svc.Organisations = failingOrgs{svc.Organisations}
	logs := &syncBuffer{}
	srv, err := web.New(web.Config{Services: svc, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c := webtest.NewClient(t, httpx.Chain(srv.Handler(), httpx.WithRequestID))
	c.MustSignIn(f.Auditor.Email, storetest.Password)
	res := c.Get("/organisations?q=boom")
	mustStatus(t, res, http.StatusInternalServerError, "failing list")
	reqID := res.Header.Get("X-Request-ID")
	if strings.Contains(res.Body, "secret details") || !strings.Contains(res.Body, "Internal error.") || !strings.Contains(res.Body, reqID) {
		t.Errorf("500 page:\n%s", excerpt(res.Body))
	}
	if !strings.Contains(logs.String(), "request_id="+reqID) || !strings.Contains(logs.String(), "secret details") {
		t.Errorf("log lacks the request ID or the error:\n%s", logs.String())
	}
}

// TestNewRefusesIncompleteServices checks start-up fails fast.
func TestNewRefusesIncompleteServices(t *testing.T) {
	if _, err := web.New(web.Config{}); err == nil {
		t.Fatal("New accepted a Config without services")
	}
	db := storetest.MustOpen(t, store.SQLite)
	if _, err := web.New(web.Config{Services: db.Services(), TrustedOrigins: []string{"not a url"}}); err == nil {
		t.Fatal("New accepted a bad trusted origin")
	}
}
