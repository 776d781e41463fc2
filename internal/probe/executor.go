package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

const (
	// UserAgent names Steward in every HTTP check's request, unless the
	// check sets its own User-Agent header.
	UserAgent = "Steward-Monitor/1"
	// MaxBody is how much of a response body a check reads and searches.
	MaxBody = 1 << 20
	// MaxRedirects is how many redirects a check follows before failing.
	MaxRedirects = 10
	// DefaultRetryPause is the pause between a failed attempt and a retry.
	DefaultRetryPause = time.Second
	// defaultTimeout applies to a check built without a time-out.
	defaultTimeout = 10 * time.Second
	// maxCompiled bounds the cache of compiled check definitions; it is
	// emptied when full, which only costs recompiling.
	maxCompiled = 100_000
)

// ExecutorOptions configure an Executor. The zero value is ready to use.
type ExecutorOptions struct {
	// RootCAs are the certificate authorities that verifying checks trust;
	// nil means the system's.
	RootCAs *x509.CertPool
	// RetryPause is the pause before a retry (default DefaultRetryPause).
	RetryPause time.Duration
	// Now is the clock (default time.Now): results' start instants, the
	// next due instant that bounds retries, and certificate expiry are
	// judged by it. Response times are measured by the real clock.
	Now func() time.Time
}

// Executor runs checks. It is safe for concurrent use and meant to be
// shared: its two HTTP transports (one verifying certificates, one not) keep
// connections alive between runs, so a check that runs every 30 seconds
// reuses its connection instead of dialling and shaking hands each time.
// HTTP checks honour the HTTP_PROXY, HTTPS_PROXY and NO_PROXY environment
// variables, as other HTTP clients on the host do.
type Executor struct {
	verifying, insecure *http.Transport
	// Clients by [verify][follow redirects]; all share the two transports.
	clients    [2][2]*http.Client
	dialer     net.Dialer
	rootCAs    *x509.CertPool
	retryPause time.Duration
	now        func() time.Time

	mu       sync.Mutex
	compiled map[int64]*compiledCheck
	bodies   sync.Pool // *bytes.Buffer
}

// NewExecutor makes an executor.
func NewExecutor(opts ExecutorOptions) *Executor {
	e := &Executor{
		rootCAs:    opts.RootCAs,
		retryPause: opts.RetryPause,
		now:        opts.Now,
		compiled:   map[int64]*compiledCheck{},
		dialer:     net.Dialer{KeepAlive: 30 * time.Second},
	}
	if e.retryPause <= 0 {
		e.retryPause = DefaultRetryPause
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.verifying = e.transport(&tls.Config{RootCAs: opts.RootCAs})
	e.insecure = e.transport(&tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the check asked not to verify
	follow := func(req *http.Request, via []*http.Request) error {
		if len(via) >= MaxRedirects {
			return errTooManyRedirects
		}
		return nil
	}
	noFollow := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for v, t := range []*http.Transport{e.insecure, e.verifying} {
		e.clients[v][0] = &http.Client{Transport: t, CheckRedirect: noFollow}
		e.clients[v][1] = &http.Client{Transport: t, CheckRedirect: follow}
	}
	return e
}

func (e *Executor) transport(tc *tls.Config) *http.Transport {
	return &http.Transport{
		Proxy:             http.ProxyFromEnvironment,
		DialContext:       e.dialer.DialContext,
		TLSClientConfig:   tc,
		ForceAttemptHTTP2: true,
		// Thousands of checks each keep one connection to their host
		// between runs, so the pool is bounded by the hosts checked, not
		// by a number; the idle time-out outlasts common intervals.
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       2 * time.Minute,
		TLSHandshakeTimeout:   0, // the attempt's deadline bounds it
		ExpectContinueTimeout: time.Second,
	}
}

// CloseIdleConnections closes the connections kept alive between runs.
func (e *Executor) CloseIdleConnections() {
	e.verifying.CloseIdleConnections()
	e.insecure.CloseIdleConnections()
}

// Run runs the check once, with its retries, and reports the result. due is
// the instant the run was due; the result's At is when it actually started.
// Each attempt is bounded by the check's time-out; after a failed attempt the
// check is tried again, up to its Retries, unless the retry could not finish
// before the next run is due (due plus the interval) so that runs of one
// check never overlap. The run passes if any attempt passes. Cancelling ctx
// aborts the run.
func (e *Executor) Run(ctx context.Context, c *itsm.Check, due time.Time) itsm.CheckResult {
	return e.run(ctx, ctx.Done(), c, due)
}

// run is Run with the attempts' context separate from stop, which only
// prevents further retries: a scheduler shutting down lets attempts in
// flight finish but starts no more.
func (e *Executor) run(ctx context.Context, stop <-chan struct{}, c *itsm.Check, due time.Time) itsm.CheckResult {
	res := itsm.CheckResult{CheckID: c.ID, At: e.now()}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	cc := e.compile(c)
	var next time.Time
	if c.Interval > 0 {
		next = due.Add(c.Interval)
	}
	for {
		res.Attempts++
		a := e.attempt(ctx, c, cc, timeout)
		res.Up, res.Latency, res.StatusCode, res.Error, res.Warning, res.CertExpiresAt =
			a.up, a.latency, a.status, a.err, a.warning, a.certExpires
		if a.up || res.Attempts > c.Retries || ctx.Err() != nil {
			return res
		}
		if !next.IsZero() && e.now().Add(e.retryPause+timeout).After(next) {
			return res
		}
		t := time.NewTimer(e.retryPause)
		select {
		case <-t.C:
		case <-stop:
			t.Stop()
			return res
		}
	}
}

// outcome is one attempt's result.
type outcome struct {
	up          bool
	latency     time.Duration
	status      int
	err         string
	warning     string
	certExpires *time.Time
	// failedIO is set when a network error, not a judgement on the
	// response, failed the attempt.
	failedIO bool
}

func (e *Executor) attempt(ctx context.Context, c *itsm.Check, cc *compiledCheck, timeout time.Duration) outcome {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var o outcome
	switch c.Kind {
	case itsm.CheckHTTP:
		o = e.checkHTTP(actx, c, cc)
	case itsm.CheckTCP:
		o = e.checkTCP(actx, c)
	case itsm.CheckTLS:
		o = e.checkTLS(actx, c)
	default:
		return outcome{err: fmt.Sprintf("%q is not a kind of check", c.Kind)}
	}
	if !o.up && o.err == "" {
		o.err = "failed"
	}
	// A deadline makes whatever was in progress fail with its own
	// complaint; the person needs to know it was the time-out.
	if o.failedIO && errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		o.err = "timed out after " + formatLimit(timeout)
	}
	return o
}

// compiledCheck is what a check's definition costs to prepare: parsed once
// and reused while the definition stays the same.
type compiledCheck struct {
	expect, pattern, contains string
	expectText                string // as the error message quotes it
	ranges                    []itsm.StatusRange
	expectErr                 string
	re                        *regexp.Regexp
	patternErr                string
	containsBytes             []byte
}

func (e *Executor) compile(c *itsm.Check) *compiledCheck {
	if c.Kind != itsm.CheckHTTP {
		return nil
	}
	e.mu.Lock()
	cc := e.compiled[c.ID]
	e.mu.Unlock()
	// Comparing the sources, not the version, keeps the cache right even
	// for checks that were never stored (ID 0) or edited in place.
	if cc != nil && cc.expect == c.ExpectStatus && cc.pattern == c.BodyMatches && cc.contains == c.BodyContains {
		return cc
	}
	cc = &compiledCheck{expect: c.ExpectStatus, pattern: c.BodyMatches, contains: c.BodyContains}
	cc.expectText = strings.TrimSpace(c.ExpectStatus)
	if cc.expectText == "" {
		cc.expectText = "200-299"
	}
	ranges, err := itsm.ParseExpectStatus(cc.expectText)
	if err != nil {
		cc.expectErr = "expected statuses are not valid: " + err.Error()
	}
	cc.ranges = ranges
	if c.BodyMatches != "" {
		re, err := regexp.Compile(c.BodyMatches)
		if err != nil {
			cc.patternErr = "the body pattern is not a valid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		}
		cc.re = re
	}
	cc.containsBytes = []byte(c.BodyContains)
	e.mu.Lock()
	if len(e.compiled) >= maxCompiled {
		clear(e.compiled)
	}
	e.compiled[c.ID] = cc
	e.mu.Unlock()
	return cc
}

func (e *Executor) checkHTTP(ctx context.Context, c *itsm.Check, cc *compiledCheck) outcome {
	if cc.expectErr != "" {
		return outcome{err: cc.expectErr}
	}
	if cc.patternErr != "" {
		return outcome{err: cc.patternErr}
	}
	method := c.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL, nil)
	if err != nil {
		return outcome{err: "the URL is not valid: " + describe(err)}
	}
	for _, h := range c.Headers {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", UserAgent)
	}
	verify, follow := 0, 0
	if c.VerifyTLS {
		verify = 1
	}
	if c.FollowRedirects {
		follow = 1
	}
	start := time.Now()
	resp, err := e.clients[verify][follow].Do(req)
	if err != nil {
		return outcome{err: describe(err), certExpires: certExpiry(err), failedIO: true}
	}
	defer resp.Body.Close()

	var body *bytes.Buffer
	truncated := false
	if c.BodyContains != "" || c.BodyMatches != "" {
		body = e.bodyBuffer()
		defer e.bodies.Put(body)
		n, err := body.ReadFrom(io.LimitReader(resp.Body, MaxBody+1))
		if err != nil {
			return outcome{status: resp.StatusCode, err: "reading the body: " + describe(err), failedIO: true}
		}
		if n > MaxBody {
			truncated = true
			body.Truncate(MaxBody)
		}
	} else if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, MaxBody)); err != nil {
		return outcome{status: resp.StatusCode, err: "reading the body: " + describe(err), failedIO: true}
	}
	o := outcome{latency: time.Since(start), status: resp.StatusCode}
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		t := resp.TLS.PeerCertificates[0].NotAfter.UTC()
		o.certExpires = &t
	}
	in := ""
	if truncated {
		in = " in its first 1 MiB"
	}
	switch {
	case !itsm.StatusExpected(cc.ranges, resp.StatusCode):
		o.err = fmt.Sprintf("status %d, expected %s", resp.StatusCode, cc.expectText)
	case c.BodyContains != "" && !bytes.Contains(body.Bytes(), cc.containsBytes):
		o.err = fmt.Sprintf("body does not contain %s%s", quote(c.BodyContains), in)
	case cc.re != nil && !cc.re.Match(body.Bytes()):
		o.err = fmt.Sprintf("body does not match the pattern %s%s", quote(c.BodyMatches), in)
	case c.MaxResponse > 0 && o.latency > c.MaxResponse:
		o.err = fmt.Sprintf("responded in %s ms, over the %s limit", groupDigits(o.latency.Milliseconds()), formatLimit(c.MaxResponse))
	default:
		o.up = true
	}
	return o
}

func (e *Executor) bodyBuffer() *bytes.Buffer {
	if b, ok := e.bodies.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (e *Executor) checkTCP(ctx context.Context, c *itsm.Check) outcome {
	start := time.Now()
	conn, err := e.dialer.DialContext(ctx, "tcp", c.Address)
	if err != nil {
		return outcome{err: describe(err), failedIO: true}
	}
	o := outcome{up: true, latency: time.Since(start)}
	conn.Close()
	return o
}

func (e *Executor) checkTLS(ctx context.Context, c *itsm.Check) outcome {
	host, _, err := net.SplitHostPort(c.Address)
	if err != nil {
		return outcome{err: "the address is not host:port"}
	}
	start := time.Now()
	raw, err := e.dialer.DialContext(ctx, "tcp", c.Address)
	if err != nil {
		return outcome{err: describe(err), failedIO: true}
	}
	defer raw.Close()
	conn := tls.Client(raw, &tls.Config{
		ServerName:         host,
		RootCAs:            e.rootCAs,
		InsecureSkipVerify: !c.VerifyTLS, //nolint:gosec // the check asked not to verify
	})
	if err := conn.HandshakeContext(ctx); err != nil {
		return outcome{err: describe(err), certExpires: certExpiry(err), failedIO: true}
	}
	o := outcome{latency: time.Since(start)}
	state := conn.ConnectionState()
	if len(state.PeerCertificates) == 0 {
		o.err = "TLS: the server sent no certificate"
		return o
	}
	leaf := state.PeerCertificates[0]
	expires := leaf.NotAfter.UTC()
	o.certExpires = &expires
	now := e.now()
	switch {
	case !now.Before(leaf.NotAfter):
		o.err = "certificate expired on " + govukDate(leaf.NotAfter)
	case now.Before(leaf.NotBefore):
		o.err = "certificate is not valid until " + govukDate(leaf.NotBefore)
	default:
		o.up = true
		if days := daysUntil(now, leaf.NotAfter); days <= c.CertWarnDays {
			o.warning = "certificate expires " + inDays(days) + " (" + govukDate(leaf.NotAfter) + ")"
		}
	}
	return o
}

// certExpiry finds the certificate a failed verification complained about,
// so that an expired or untrusted certificate still reports its expiry.
func certExpiry(err error) *time.Time {
	var cert *x509.Certificate
	// The verification error holds the chain as sent, leaf first; the x509
	// errors name the certificate that failed, which may be the issuer.
	if e, ok := errors.AsType[*tls.CertificateVerificationError](err); ok && len(e.UnverifiedCertificates) > 0 {
		cert = e.UnverifiedCertificates[0]
	} else if e, ok := errors.AsType[x509.HostnameError](err); ok {
		cert = e.Certificate
	} else if e, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		cert = e.Cert
	}
	if cert == nil {
		return nil
	}
	t := cert.NotAfter.UTC()
	return &t
}
