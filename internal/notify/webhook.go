package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Webhook deliveries are signed so that receivers can tell they came from
// Steward and were not replayed:
//
//	Steward-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// v1 is the lower-case hex HMAC-SHA256, keyed with the subscription's secret
// (the whole "whsec_…" string), of the timestamp, a full stop and the raw
// request body: "1767225600.{…}". A receiver recomputes it over the body
// bytes as received (before parsing the JSON), compares in constant time,
// and refuses a timestamp more than itsm.WebhookReplayWindow from its own
// clock. Steward-Delivery is the same on every attempt and redelivery of one
// delivery, so receivers can ignore ones they have already processed.

// SignWebhook returns the Steward-Signature header value for body sent at t.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + webhookMAC(secret, ts, body)
}

func webhookMAC(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is returned by VerifyWebhook for a delivery whose
// signature does not match, is malformed or is outside the replay window.
var ErrBadSignature = errors.New("webhook signature does not verify")

// VerifyWebhook checks a Steward-Signature header as a receiver should: the
// MAC over "t.body" with the secret, and a timestamp within window of now.
// It is what Steward's own tests use, and an example for receivers.
func VerifyWebhook(secret, header string, body []byte, now time.Time, window time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: malformed header", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > window || d < -window {
		return fmt.Errorf("%w: timestamp outside the replay window", ErrBadSignature)
	}
	want := webhookMAC(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("%w: signature mismatch", ErrBadSignature)
}

// WebhookPolicy says which receiver addresses deliveries may reach.
type WebhookPolicy struct {
	// AllowPrivate lets deliveries reach private, loopback, link-local and
	// other non-public addresses (an on-premises receiver). Cloud metadata
	// addresses stay refused unless AllowMetadata is also set.
	AllowPrivate bool
	// AllowLoopback lets deliveries reach loopback addresses only
	// (development and tests).
	AllowLoopback bool
	// AllowMetadata lets deliveries reach 169.254.169.254 and the like.
	AllowMetadata bool
	// Timeout bounds one attempt, from dialling to the end of the answer
	// (default 10 seconds).
	Timeout time.Duration
	// UserAgent is sent with every delivery.
	UserAgent string
}

// WebhookSender delivers signed webhook requests, refusing to dial addresses
// the policy forbids. The check runs on the address actually dialled (a
// net.Dialer Control function), after DNS resolution, so a name that
// resolves to a public address when the subscription is saved and to a
// private one later (DNS rebinding) is still refused. It uses no proxy and
// follows no redirects.
type WebhookSender struct {
	policy WebhookPolicy
	client *http.Client
	now    func() time.Time
}

// NewWebhookSender returns a sender with the policy.
func NewWebhookSender(p WebhookPolicy) *WebhookSender {
	if p.Timeout <= 0 {
		p.Timeout = 10 * time.Second
	}
	if p.UserAgent == "" {
		p.UserAgent = "Steward-Webhooks/1"
	}
	s := &WebhookSender{policy: p, now: time.Now}
	dialer := &net.Dialer{Timeout: p.Timeout, Control: s.control}
	s.client = &http.Client{
		Timeout: p.Timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   p.Timeout,
			ResponseHeaderTimeout: p.Timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

// ErrForbiddenAddress marks a delivery refused because the receiver's
// address is not allowed by the policy.
var ErrForbiddenAddress = errors.New("the receiver's address is not allowed")

// control refuses connections to addresses the policy forbids.
func (s *WebhookSender) control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if why := s.policy.refuse(ip.Unmap()); why != "" {
		return fmt.Errorf("%w: %s is %s (allow it with --webhook-allow-private)", ErrForbiddenAddress, ip, why)
	}
	return nil
}

// metadataAddrs are cloud instance-metadata endpoints.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("169.254.170.2"), netip.MustParseAddr("100.100.100.200"),
	netip.MustParseAddr("fd00:ec2::254"),
}

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// refuse says why the policy refuses ip, or "".
func (p WebhookPolicy) refuse(ip netip.Addr) string {
	for _, m := range metadataAddrs {
		if ip == m && !p.AllowMetadata {
			return "a cloud metadata address"
		}
	}
	switch {
	case ip.IsLoopback():
		if p.AllowLoopback || p.AllowPrivate {
			return ""
		}
		return "a loopback address"
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "not a unicast address"
	case ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), sharedAddressSpace.Contains(ip):
		if p.AllowPrivate {
			return ""
		}
		return "a private or link-local address"
	}
	return ""
}

// Deliver sends one delivery and reports the attempt: the receiver's status,
// the start of its answer, how long it took, or the error. It never returns
// an error itself; a non-2xx answer or an error is a failed attempt.
func (s *WebhookSender) Deliver(ctx context.Context, d itsm.WebhookSend) itsm.WebhookAttempt {
	start := s.now()
	at := itsm.WebhookAttempt{At: start.UTC()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		at.Error = "The receiver URL is not valid: " + err.Error()
		return at
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", s.policy.UserAgent)
	h.Set("Steward-Event", d.EventType)
	h.Set("Steward-Delivery", d.DeliveryID)
	h.Set(itsm.WebhookSignatureHeader, SignWebhook(d.Secret, start, d.Body))
	res, err := s.client.Do(req)
	at.LatencyMS = time.Since(start).Milliseconds()
	if err != nil {
		at.Error = describeSendError(err)
		return at
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, itsm.MaxWebhookResponseBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // let the connection be reused
	at.LatencyMS = time.Since(start).Milliseconds()
	code := res.StatusCode
	at.ResponseStatus = &code
	at.ResponseBody = string(b)
	if code >= 300 && code < 400 {
		at.Error = "The receiver answered with a redirect, which deliveries do not follow; use the final URL."
	}
	return at
}

func describeSendError(err error) string {
	switch {
	case errors.Is(err, ErrForbiddenAddress):
		var e error = err
		for errors.Unwrap(e) != nil && !strings.HasPrefix(e.Error(), ErrForbiddenAddress.Error()) {
			e = errors.Unwrap(e)
		}
		return "Refused: " + e.Error() + "."
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(err.Error(), "Client.Timeout"):
		return "The receiver did not answer in time."
	}
	return err.Error()
}
