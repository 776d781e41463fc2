package probe

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

func TestTLSCheck(t *testing.T) {
	ca := MustCA(t)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "OK") })
	expiresSoon := noonInDays(3)
	soon := MustTLSServer(t, ca.MustLeaf(t, time.Now().Add(-24*time.Hour), expiresSoon), ok)
	expiredOn := noonInDays(-2)
	expired := MustTLSServer(t, ca.MustLeaf(t, time.Now().Add(-30*24*time.Hour), expiredOn), ok)
	lasting := MustTLSServer(t, ca.MustLeaf(t, time.Now().Add(-24*time.Hour), noonInDays(200)), ok)

	plain := MustExecutor(t, ExecutorOptions{})
	trusting := MustExecutor(t, ExecutorOptions{RootCAs: ca.pool})
	date := func(t time.Time) string { return t.In(itsm.ReportLocation()).Format("2 January 2006") }
	soonWarning := "certificate expires in 3 days (" + date(expiresSoon) + ")"

	tests := []struct {
		name    string
		exec    *Executor
		srv     *httptest.Server
		verify  bool
		warn    int
		up      bool
		err     string
		warning string
		expires time.Time
	}{
		{"expiring, not verified", plain, soon, false, 14, true, "", soonWarning, expiresSoon},
		{"expiring, verified against its CA", trusting, soon, true, 14, true, "", soonWarning, expiresSoon},
		{"expiring, outside the warning period", plain, soon, false, 2, true, "", "", expiresSoon},
		{"unknown authority", plain, soon, true, 14, false, "TLS: certificate signed by unknown authority", "", expiresSoon},
		{"lasting", trusting, lasting, true, 14, true, "", "", noonInDays(200)},
		{"expired, not verified", plain, expired, false, 14, false, "certificate expired on " + date(expiredOn), "", expiredOn},
		{"expired, verified", trusting, expired, true, 14, false, "certificate expired on " + date(expiredOn), "", expiredOn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := strings.TrimPrefix(tt.srv.URL, "https://")
			c := &itsm.Check{ID: 3, Kind: itsm.CheckTLS, Address: addr, VerifyTLS: tt.verify, CertWarnDays: tt.warn, Timeout: 2 * time.Second}
			r := tt.exec.Run(t.Context(), c, time.Now())
			if r.Up != tt.up || r.Error != tt.err || r.Warning != tt.warning {
				t.Errorf("up %v, error %q, warning %q; want up %v, error %q, warning %q", r.Up, r.Error, r.Warning, tt.up, tt.err, tt.warning)
			}
			if r.CertExpiresAt == nil || !r.CertExpiresAt.Equal(tt.expires) {
				t.Errorf("certificate expires at %v, want %v", r.CertExpiresAt, tt.expires)
			}
			if r.Up && r.Latency <= 0 {
				t.Errorf("latency %v, want the handshake's time", r.Latency)
			}
		})
	}

	t.Run("name mismatch", func(t *testing.T) {
		other := MustTLSServer(t, ca.MustLeafFor(t, []string{"finance.example.org"}, nil, time.Now().Add(-time.Hour), noonInDays(90)), ok)
		c := &itsm.Check{Kind: itsm.CheckTLS, Address: strings.TrimPrefix(other.URL, "https://"), VerifyTLS: true, CertWarnDays: 14, Timeout: 2 * time.Second}
		r := trusting.Run(t.Context(), c, time.Now())
		if r.Up || r.Error != "TLS: certificate is not valid for 127.0.0.1" || r.CertExpiresAt == nil {
			t.Errorf("up %v, error %q, expires %v; want down, not valid for 127.0.0.1, with the expiry", r.Up, r.Error, r.CertExpiresAt)
		}
	})

	t.Run("not TLS", func(t *testing.T) {
		srv := httptest.NewServer(ok)
		defer srv.Close()
		c := &itsm.Check{Kind: itsm.CheckTLS, Address: strings.TrimPrefix(srv.URL, "http://"), CertWarnDays: 14, Timeout: 2 * time.Second}
		r := plain.Run(t.Context(), c, time.Now())
		if r.Up || r.Error != "TLS: the server did not answer with TLS" {
			t.Errorf("up %v, error %q; want down, not TLS", r.Up, r.Error)
		}
	})
}

func TestHTTPSCheck(t *testing.T) {
	ca := MustCA(t)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "OK") })
	expiresAt := noonInDays(40)
	srv := MustTLSServer(t, ca.MustLeaf(t, time.Now().Add(-time.Hour), expiresAt), ok)
	expiredOn := noonInDays(-1)
	expired := MustTLSServer(t, ca.MustLeaf(t, time.Now().Add(-30*24*time.Hour), expiredOn), ok)
	plain := MustExecutor(t, ExecutorOptions{})
	trusting := MustExecutor(t, ExecutorOptions{RootCAs: ca.pool})

	c := httpCheck(srv.URL)
	c.BodyContains = "OK"
	r := plain.Run(t.Context(), c, time.Now())
	if r.Up || r.Error != "TLS: certificate signed by unknown authority" {
		t.Errorf("verifying with the system's roots: up %v, error %q; want down, unknown authority", r.Up, r.Error)
	}
	c.VerifyTLS = false
	r = plain.Run(t.Context(), c, time.Now())
	if !r.Up || r.CertExpiresAt == nil || !r.CertExpiresAt.Equal(expiresAt) {
		t.Errorf("not verifying: up %v, error %q, certificate expires %v; want up, expiring %v", r.Up, r.Error, r.CertExpiresAt, expiresAt)
	}
	c.VerifyTLS = true
	if r = trusting.Run(t.Context(), c, time.Now()); !r.Up {
		t.Errorf("verifying against the CA: error %q, want up", r.Error)
	}
	c.URL = expired.URL
	r = trusting.Run(t.Context(), c, time.Now())
	if r.Up || r.Error != "certificate expired on "+expiredOn.In(itsm.ReportLocation()).Format("2 January 2006") {
		t.Errorf("expired: up %v, error %q; want down, expired", r.Up, r.Error)
	}
}
