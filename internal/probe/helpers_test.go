package probe

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// MustExecutor makes an executor with quick retries whose idle connections
// are closed when the test ends.
func MustExecutor(tb testing.TB, opts ExecutorOptions) *Executor {
	tb.Helper()
	if opts.RetryPause == 0 {
		opts.RetryPause = 10 * time.Millisecond
	}
	e := NewExecutor(opts)
	tb.Cleanup(e.CloseIdleConnections)
	return e
}

// httpCheck is an HTTP check of url as a person would set it up.
func httpCheck(url string) *itsm.Check {
	return &itsm.Check{
		ID: 1, Name: "Health", Service: "Purchasing", Kind: itsm.CheckHTTP,
		Method: "GET", URL: url, ExpectStatus: "200-299",
		Timeout: 2 * time.Second, VerifyTLS: true, FollowRedirects: true,
	}
}

// closedAddress is a local address nothing listens on.
func closedAddress(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

// MustCA makes a self-signed certificate authority.
func MustCA(tb testing.TB) *testCA {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("generate CA key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Steward Test CA"},
		NotBefore:             time.Now().Add(-365 * 24 * time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatalf("create CA certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("parse CA certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// MustLeaf issues a certificate for 127.0.0.1 and localhost valid over
// [notBefore, notAfter].
func (ca *testCA) MustLeaf(tb testing.TB, notBefore, notAfter time.Time) tls.Certificate {
	tb.Helper()
	return ca.MustLeafFor(tb, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, notBefore, notAfter)
}

// MustLeafFor issues a certificate for the names and addresses given.
func (ca *testCA) MustLeafFor(tb testing.TB, names []string, ips []net.IP, notBefore, notAfter time.Time) tls.Certificate {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("generate leaf key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		IPAddresses:  ips,
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		tb.Fatalf("create leaf certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("parse leaf certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key, Leaf: leaf}
}

// MustTLSServer serves handler over TLS with cert.
func MustTLSServer(tb testing.TB, cert tls.Certificate, handler http.Handler) *httptest.Server {
	tb.Helper()
	srv := httptest.NewUnstartedServer(handler)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes the checks fail on purpose
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return srv
}

// noonInDays is noon, UK time, n calendar days from today.
func noonInDays(n int) time.Time {
	y, m, d := time.Now().In(itsm.ReportLocation()).Date()
	return time.Date(y, m, d+n, 12, 0, 0, 0, itsm.ReportLocation())
}

// testLogger logs to the test's output until the test ends, then discards:
// a scheduler that a failing test left running may still log.
func testLogger(tb testing.TB, level slog.Level) *slog.Logger {
	w := &testWriter{w: tb.Output()}
	tb.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

type testWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.w == nil {
		return len(p), nil
	}
	return w.w.Write(p)
}

func (w *testWriter) close() {
	w.mu.Lock()
	w.w = nil
	w.mu.Unlock()
}

// assertNoLeaks fails unless, within a couple of seconds, no goroutine is
// left running the package's code or holding an HTTP client connection.
func assertNoLeaks(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.Contains(g, "assertNoLeaks") {
				continue
			}
			if strings.Contains(g, "internal/probe.(*") || strings.Contains(g, "net/http.(*persistConn)") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d goroutine(s) left running:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
