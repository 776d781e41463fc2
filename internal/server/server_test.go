package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/server"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web"
)

func mustServer(t *testing.T) *httptest.Server {
	t.Helper()
	db := storetest.MustOpen(t, store.SQLite)
	storetest.MustSeed(t, db)
	h, err := server.New(server.Config{Services: db.Services(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", Now: db.Now,
		Ready: func(ctx context.Context) error { return db.Ping(ctx) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestOperationsEndpointsAndHeaders(t *testing.T) {
	srv := mustServer(t)
	for _, c := range []struct {
		path, want string
		status     int
	}{
		{"/healthz", `"status":"ok"`, 200},
		{"/readyz", `"status":"ready"`, 200},
		{"/metrics", "steward_http_requests_total", 200},
		{"/api/openapi.json", `"openapi"`, 200},
		{"/sign-in", "Sign in", 200},
	} {
		res, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("GET %s: %d %.200s", c.path, res.StatusCode, body)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q", c.path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") == "" || res.Header.Get("X-Request-ID") == "" {
			t.Errorf("GET %s: security headers missing: %v", c.path, res.Header)
		}
	}
	// Metrics are labelled by route pattern, not raw path.
	res, _ := http.Get(srv.URL + "/metrics")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `route="GET /sign-in"`) {
		t.Errorf("metrics lack the route label:\n%.2000s", body)
	}
}

func TestBodyLimits(t *testing.T) {
	srv := mustServer(t)
	big := bytes.Repeat([]byte("a"), 2<<20)
	res, err := http.Post(srv.URL+"/sign-in", "application/x-www-form-urlencoded", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB sign-in form: %d, want 413", res.StatusCode)
	}
	res, err = http.Post(srv.URL+"/api/v1/registrations", "application/json", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"too_large"`) {
		t.Errorf("2 MiB API body: %d %s", res.StatusCode, body)
	}
}

// TestUploadFormsTakeLargeBodies: the web forms that carry a file
// (web.IsUpload) take bodies past the usual 1 MiB limit, up to a file of
// 10 MiB; every other form is held to 1 MiB.
func TestUploadFormsTakeLargeBodies(t *testing.T) {
	srv := mustServer(t)
	big := bytes.Repeat([]byte("a"), 2<<20)
	for _, c := range []struct {
		path   string
		upload bool
	}{
		{"/tickets/new", true}, {"/tickets/1/attachments", true}, {"/changes/new", true}, {"/changes/1/attachments", true}, {"/import", true}, {"/checks/import", true}, {"/agreements/new", true},
		{"/tickets/1/comment", false}, {"/changes/1/transition", false}, {"/changes/1/edit", false},
	} {
		if got := web.IsUpload(httptest.NewRequest(http.MethodPost, c.path, nil)); got != c.upload {
			t.Errorf("web.IsUpload(POST %s) = %v, want %v", c.path, got, c.upload)
		}
		res, err := http.Post(srv.URL+c.path, "multipart/form-data; boundary=x", bytes.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if tooLarge := res.StatusCode == http.StatusRequestEntityTooLarge; tooLarge == c.upload {
			t.Errorf("2 MiB to POST %s: %d", c.path, res.StatusCode)
		}
	}
}
