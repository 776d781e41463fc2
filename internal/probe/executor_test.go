package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

func TestHTTPCheck(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "all systems OK") })
	mux.HandleFunc("GET /unavailable", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /missing", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "database: connected\nstatus: "+r.URL.Query().Get("s")+"\n")
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(120 * time.Millisecond)
		fmt.Fprint(w, "OK")
	})
	mux.HandleFunc("GET /hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("GET /slow-body", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "start")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("GET /headers", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "s3cret" || r.Header.Get("Accept") != "application/json" {
			http.Error(w, "missing headers", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, r.UserAgent())
	})
	mux.HandleFunc("/submit", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusFound)
	})
	mux.HandleFunc("GET /loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("GET /large", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", MaxBody)))
		fmt.Fprint(w, "TAIL")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e := MustExecutor(t, ExecutorOptions{})

	tests := []struct {
		name   string
		path   string
		set    func(c *itsm.Check)
		up     bool
		status int
		err    string // exact, or a regular expression when it starts with ^
	}{
		{name: "expected status passes", path: "/ok", up: true, status: 200},
		{name: "unexpected status fails", path: "/unavailable", status: 503, err: "status 503, expected 200-299"},
		{name: "listed status passes", path: "/missing", set: func(c *itsm.Check) { c.ExpectStatus = "200-299, 404" }, up: true, status: 404},
		{name: "empty expected statuses mean 2xx", path: "/missing", set: func(c *itsm.Check) { c.ExpectStatus = "" }, status: 404, err: "status 404, expected 200-299"},
		{name: "body contains", path: "/ok", set: func(c *itsm.Check) { c.BodyContains = "OK" }, up: true, status: 200},
		{name: "body lacks the text", path: "/unavailable", set: func(c *itsm.Check) { c.ExpectStatus = "503"; c.BodyContains = "OK" }, status: 503, err: `body does not contain "OK"`},
		{name: "body matches", path: "/status?s=green", set: func(c *itsm.Check) { c.BodyMatches = `(?m)^status: (green|amber)$` }, up: true, status: 200},
		{name: "body does not match", path: "/status?s=red", set: func(c *itsm.Check) { c.BodyMatches = `(?m)^status: (green|amber)$` }, status: 200, err: `body does not match the pattern "(?m)^status: (green|amber)$"`},
		{name: "both body assertions", path: "/status?s=green", set: func(c *itsm.Check) { c.BodyContains = "connected"; c.BodyMatches = `green` }, up: true, status: 200},
		{name: "text past the first MiB is not read", path: "/large", set: func(c *itsm.Check) { c.BodyContains = "TAIL" }, status: 200, err: `body does not contain "TAIL" in its first 1 MiB`},
		{name: "slower than the maximum response time", path: "/slow", set: func(c *itsm.Check) { c.MaxResponse = 50 * time.Millisecond }, status: 200, err: `^responded in [1-9][0-9]{2} ms, over the 50 ms limit$`},
		{name: "within the maximum response time", path: "/slow", set: func(c *itsm.Check) { c.MaxResponse = time.Second }, up: true, status: 200},
		{name: "no answer within the time-out", path: "/hang", set: func(c *itsm.Check) { c.Timeout = 200 * time.Millisecond }, err: "timed out after 200 ms"},
		{name: "body not finished within the time-out", path: "/slow-body", set: func(c *itsm.Check) { c.Timeout = time.Second }, status: 200, err: "timed out after 1 s"},
		{name: "headers are sent", path: "/headers", set: func(c *itsm.Check) {
			c.Headers = []itsm.CheckHeader{{Name: "X-Api-Key", Value: "s3cret"}, {Name: "Accept", Value: "application/json"}}
			c.BodyContains = UserAgent
		}, up: true, status: 200},
		{name: "a header the check sets replaces the user agent", path: "/headers", set: func(c *itsm.Check) {
			c.Headers = []itsm.CheckHeader{{Name: "X-Api-Key", Value: "s3cret"}, {Name: "Accept", Value: "application/json"}, {Name: "User-Agent", Value: "Finance-Probe"}}
			c.BodyContains = "Finance-Probe"
		}, up: true, status: 200},
		{name: "without the headers", path: "/headers", status: 401, err: "status 401, expected 200-299"},
		{name: "POST", path: "/submit", set: func(c *itsm.Check) { c.Method = "POST"; c.ExpectStatus = "201" }, up: true, status: 201},
		{name: "GET where POST is needed", path: "/submit", set: func(c *itsm.Check) { c.ExpectStatus = "201" }, status: 405, err: "status 405, expected 201"},
		{name: "redirect followed", path: "/moved", set: func(c *itsm.Check) { c.BodyContains = "OK" }, up: true, status: 200},
		{name: "redirect not followed", path: "/moved", set: func(c *itsm.Check) { c.FollowRedirects = false }, status: 302, err: "status 302, expected 200-299"},
		{name: "redirect expected", path: "/moved", set: func(c *itsm.Check) { c.FollowRedirects = false; c.ExpectStatus = "301-302" }, up: true, status: 302},
		{name: "redirect loop", path: "/loop", err: "stopped after 10 redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := httpCheck(srv.URL + tt.path)
			if tt.set != nil {
				tt.set(c)
			}
			before := time.Now()
			r := e.Run(t.Context(), c, before)
			if r.Up != tt.up || r.StatusCode != tt.status {
				t.Fatalf("up %v, status %d (error %q); want up %v, status %d", r.Up, r.StatusCode, r.Error, tt.up, tt.status)
			}
			if strings.HasPrefix(tt.err, "^") {
				if !regexp.MustCompile(tt.err).MatchString(r.Error) {
					t.Errorf("error %q does not match %s", r.Error, tt.err)
				}
			} else if r.Error != tt.err {
				t.Errorf("error %q, want %q", r.Error, tt.err)
			}
			if r.CheckID != c.ID || r.Attempts != 1 || r.At.Before(before) || r.At.After(time.Now()) {
				t.Errorf("check %d, attempts %d, at %v; want check %d, 1 attempt, started after %v", r.CheckID, r.Attempts, r.At, c.ID, before)
			}
			if r.Up && r.Latency <= 0 {
				t.Errorf("latency %v, want the time the response took", r.Latency)
			}
		})
	}
}

func TestHTTPCheckLatencyIncludesBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "first part, ")
		w.(http.Flusher).Flush()
		time.Sleep(150 * time.Millisecond)
		fmt.Fprint(w, "second part")
	}))
	defer srv.Close()
	r := MustExecutor(t, ExecutorOptions{}).Run(t.Context(), httpCheck(srv.URL), time.Now())
	if !r.Up || r.Latency < 150*time.Millisecond {
		t.Fatalf("up %v, latency %v (error %q); want up, with the body's 150 ms counted", r.Up, r.Latency, r.Error)
	}
}

func TestHTTPCheckUnreachable(t *testing.T) {
	e := MustExecutor(t, ExecutorOptions{})
	r := e.Run(t.Context(), httpCheck("http://"+closedAddress(t)+"/health"), time.Now())
	if r.Up || r.Error != "connection refused" {
		t.Errorf("up %v, error %q; want down, connection refused", r.Up, r.Error)
	}
	// A server that speaks something other than HTTP.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	r = e.Run(t.Context(), httpCheck("http://"+l.Addr().String()+"/"), time.Now())
	// Which of the two the client sees depends on timing.
	if r.Up || r.Error != "the server closed the connection without answering" && r.Error != "connection reset by the server" {
		t.Errorf("up %v, error %q; want down, the server closed the connection", r.Up, r.Error)
	}
}

func TestHTTPCheckBadDefinition(t *testing.T) {
	e := MustExecutor(t, ExecutorOptions{})
	c := httpCheck("http://127.0.0.1:1/")
	c.ExpectStatus = "2xx"
	if r := e.Run(t.Context(), c, time.Now()); r.Up || !strings.HasPrefix(r.Error, "expected statuses are not valid") {
		t.Errorf("up %v, error %q; want down, expected statuses not valid", r.Up, r.Error)
	}
	c = httpCheck("http://127.0.0.1:1/")
	c.BodyMatches = "(unclosed"
	if r := e.Run(t.Context(), c, time.Now()); r.Up || !strings.HasPrefix(r.Error, "the body pattern is not a valid regular expression") {
		t.Errorf("up %v, error %q; want down, pattern not valid", r.Up, r.Error)
	}
	// The cache notices a changed definition under the same ID.
	c.BodyMatches = "OK"
	c.URL = "http://" + closedAddress(t) + "/"
	if r := e.Run(t.Context(), c, time.Now()); r.Error != "connection refused" {
		t.Errorf("error %q after fixing the pattern, want connection refused", r.Error)
	}
}

func TestHTTPCheckRetries(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%3 != 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "OK")
	}))
	defer srv.Close()
	e := MustExecutor(t, ExecutorOptions{RetryPause: 20 * time.Millisecond})

	c := httpCheck(srv.URL)
	c.Retries = 2
	start := time.Now()
	r := e.Run(t.Context(), c, start)
	if !r.Up || r.Attempts != 3 || r.Error != "" || r.StatusCode != 200 {
		t.Errorf("up %v, attempts %d, status %d, error %q; want up on the third attempt", r.Up, r.Attempts, r.StatusCode, r.Error)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("three attempts took %v, want the pauses between them", d)
	}

	calls.Store(0)
	c.Retries = 1
	r = e.Run(t.Context(), c, time.Now())
	if r.Up || r.Attempts != 2 || r.Error != "status 503, expected 200-299" {
		t.Errorf("up %v, attempts %d, error %q; want down after 2 attempts", r.Up, r.Attempts, r.Error)
	}

	// A retry that could not finish before the next run is due is not
	// attempted, so runs of one check never overlap.
	calls.Store(0)
	c.Retries, c.Interval, c.Timeout = 3, time.Second, 600*time.Millisecond
	r = e.Run(t.Context(), c, time.Now().Add(-500*time.Millisecond))
	if r.Up || r.Attempts != 1 {
		t.Errorf("up %v, attempts %d; want down after 1 attempt, with no time left for a retry", r.Up, r.Attempts)
	}

	// Cancelling stops the run.
	calls.Store(0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c.Interval = 0
	r = e.Run(ctx, c, time.Now())
	if r.Up || r.Attempts != 1 || r.Error != "the run was cancelled" {
		t.Errorf("up %v, attempts %d, error %q; want down, cancelled, 1 attempt", r.Up, r.Attempts, r.Error)
	}
}

func TestTCPCheck(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		io.Copy(io.Discard, conn) // until the check hangs up
		conn.Close()
		accepted <- struct{}{}
	}()
	e := MustExecutor(t, ExecutorOptions{})
	c := &itsm.Check{ID: 7, Kind: itsm.CheckTCP, Address: l.Addr().String(), Timeout: time.Second}
	r := e.Run(t.Context(), c, time.Now())
	if !r.Up || r.Error != "" || r.Attempts != 1 || r.Latency <= 0 || r.CheckID != 7 {
		t.Errorf("%+v; want up, with a latency", r)
	}
	select {
	case <-accepted:
	case <-time.After(2 * time.Second):
		t.Error("the check did not close its connection")
	}

	c.Address = closedAddress(t)
	c.Retries = 1
	r = e.Run(t.Context(), c, time.Now())
	if r.Up || r.Error != "connection refused" || r.Attempts != 2 {
		t.Errorf("up %v, error %q, attempts %d; want down, connection refused, after 2 attempts", r.Up, r.Error, r.Attempts)
	}
}

func TestDescribeHasNoGoNoise(t *testing.T) {
	e := MustExecutor(t, ExecutorOptions{})
	addr := closedAddress(t)
	for _, c := range []*itsm.Check{
		httpCheck("http://" + addr + "/"),
		{Kind: itsm.CheckTCP, Address: addr, Timeout: time.Second},
		{Kind: itsm.CheckTLS, Address: addr, Timeout: time.Second, CertWarnDays: 14},
	} {
		r := e.Run(t.Context(), c, time.Now())
		for _, noise := range []string{"dial", "tcp", "127.0.0.1", "Get ", "connect:"} {
			if strings.Contains(r.Error, noise) {
				t.Errorf("%s check error %q contains %q", c.Kind, r.Error, noise)
			}
		}
	}
}

func TestDescribe(t *testing.T) {
	// Errors the environment decides (DNS, routing) are built here rather
	// than provoked.
	wrap := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://finance.example.org/health", Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}}
	}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{wrap(&net.DNSError{Name: "finance.example.org", Err: "no such host", IsNotFound: true}), "host name finance.example.org not found"},
		{wrap(&net.DNSError{Name: "finance.example.org", Err: "i/o timeout", IsTimeout: true}), "looking up finance.example.org timed out"},
		{wrap(&net.DNSError{Name: "finance.example.org", Err: "server misbehaving"}), "looking up finance.example.org failed: server misbehaving"},
		{wrap(&os.SyscallError{Syscall: "connect", Err: syscall.EHOSTUNREACH}), "host unreachable"},
		{wrap(&os.SyscallError{Syscall: "connect", Err: syscall.ENETUNREACH}), "network unreachable"},
		{wrap(&os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}), "connection refused"},
		{wrap(context.DeadlineExceeded), "timed out"},
		{wrap(io.ErrUnexpectedEOF), "the server closed the connection without answering"},
		{wrap(errors.New("malformed HTTP response \"SSH-2.0\"")), "malformed HTTP response \"SSH-2.0\""},
	} {
		if got := describe(tt.err); got != tt.want {
			t.Errorf("describe(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{5 * time.Second: "5 s", 1500 * time.Millisecond: "1.5 s", 500 * time.Millisecond: "500 ms", time.Minute: "60 s"} {
		if got := formatLimit(d); got != want {
			t.Errorf("formatLimit(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int]string{0: "today", 1: "tomorrow", 5: "in 5 days"} {
		if got := inDays(n); got != want {
			t.Errorf("inDays(%d) = %q, want %q", n, got, want)
		}
	}
	if got := govukDate(time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC)); got != "3 December 2026" {
		t.Errorf("govukDate = %q, want 3 December 2026", got)
	}
	// Summer time: 23:30 UTC on 30 June is already 1 July in London.
	if got := govukDate(time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC)); got != "1 July 2026" {
		t.Errorf("govukDate in summer = %q, want 1 July 2026", got)
	}
	if got := quote(strings.Repeat("é", 70)); got != `"`+strings.Repeat("é", 60)+`…"` {
		t.Errorf("quote of long text = %q", got)
	}
}

func BenchmarkHTTPCheck(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"OK","database":"connected"}`)
	}))
	defer srv.Close()
	e := MustExecutor(b, ExecutorOptions{})
	c := httpCheck(srv.URL + "/health")
	c.BodyContains = `"status":"OK"`
	c.BodyMatches = `"database":"(connected|degraded)"`
	c.Headers = []itsm.CheckHeader{{Name: "Accept", Value: "application/json"}}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if r := e.Run(ctx, c, time.Now()); !r.Up {
			b.Fatalf("check failed: %s", r.Error)
		}
	}
}
