package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// received is one request a test receiver got.
type received struct {
	header http.Header
	body   []byte
}

func mustReceiver(t *testing.T, status int) (*httptest.Server, func() []received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Header.Clone(), b})
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte("thanks\x00 " + strings.Repeat("x", 5000)))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received { mu.Lock(); defer mu.Unlock(); return append([]received(nil), got...) }
}

// TestWebhookSignatureVerifies checks a delivery against the documented
// algorithm, computed here independently of SignWebhook.
func TestWebhookSignatureVerifies(t *testing.T) {
	srv, got := mustReceiver(t, http.StatusNoContent)
	s := NewWebhookSender(WebhookPolicy{AllowLoopback: true})
	body := []byte(`{"id":"e1","type":"ticket.created","data":{"ref":"INC-000001"}}`)
	secret := "whsec_test-secret"
	at := s.Deliver(context.Background(), itsm.WebhookSend{DeliveryID: "d-1", EventType: "ticket.created", URL: srv.URL + "/hook", Secret: secret, Body: body})
	if !at.Succeeded() || *at.ResponseStatus != 204 || at.Error != "" {
		t.Fatalf("attempt %+v", at)
	}
	r := got()
	if len(r) != 1 || string(r[0].body) != string(body) {
		t.Fatalf("received %v", r)
	}
	h := r[0].header
	if h.Get("Steward-Event") != "ticket.created" || h.Get("Steward-Delivery") != "d-1" || h.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", h)
	}
	sig := h.Get("Steward-Signature")
	var ts, v1 string
	for _, p := range strings.Split(sig, ",") {
		k, v, _ := strings.Cut(p, "=")
		if k == "t" {
			ts = v
		} else if k == "v1" {
			v1 = v
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	if want := hex.EncodeToString(mac.Sum(nil)); v1 != want {
		t.Fatalf("v1 %s, want %s", v1, want)
	}
	sec, _ := strconv.ParseInt(ts, 10, 64)
	if d := time.Since(time.Unix(sec, 0)); d < 0 || d > time.Minute {
		t.Fatalf("timestamp %s is not now", ts)
	}
	if err := VerifyWebhook(secret, sig, body, time.Now(), itsm.WebhookReplayWindow); err != nil {
		t.Fatalf("verify: %v", err)
	}
	// Tampering, another secret and an old timestamp all fail.
	for name, err := range map[string]error{
		"tampered body": VerifyWebhook(secret, sig, append([]byte(nil), append(body, ' ')...), time.Now(), itsm.WebhookReplayWindow),
		"wrong secret":  VerifyWebhook("whsec_other", sig, body, time.Now(), itsm.WebhookReplayWindow),
		"replayed":      VerifyWebhook(secret, sig, body, time.Now().Add(10*time.Minute), itsm.WebhookReplayWindow),
		"malformed":     VerifyWebhook(secret, "v1=abc", body, time.Now(), itsm.WebhookReplayWindow),
	} {
		if !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The answer is kept short and the latency measured.
	if len(at.ResponseBody) > itsm.MaxWebhookResponseBody {
		t.Fatalf("kept %d bytes of the answer", len(at.ResponseBody))
	}
}

func TestWebhookFailuresAreAttempts(t *testing.T) {
	failing, _ := mustReceiver(t, http.StatusInternalServerError)
	s := NewWebhookSender(WebhookPolicy{AllowLoopback: true})
	at := s.Deliver(context.Background(), itsm.WebhookSend{URL: failing.URL, Secret: "s", Body: []byte("{}")})
	if at.Succeeded() || at.ResponseStatus == nil || *at.ResponseStatus != 500 || !strings.HasPrefix(at.ResponseBody, "thanks") {
		t.Fatalf("attempt %+v", at)
	}
	redirect := httptest.NewServer(http.RedirectHandler("https://elsewhere.example.org/", http.StatusFound))
	defer redirect.Close()
	if at := s.Deliver(context.Background(), itsm.WebhookSend{URL: redirect.URL, Secret: "s", Body: []byte("{}")}); at.Succeeded() || !strings.Contains(at.Error, "redirect") {
		t.Fatalf("redirect followed: %+v", at)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(500 * time.Millisecond) }))
	defer slow.Close()
	quick := NewWebhookSender(WebhookPolicy{AllowLoopback: true, Timeout: 100 * time.Millisecond})
	if at := quick.Deliver(context.Background(), itsm.WebhookSend{URL: slow.URL, Secret: "s", Body: []byte("{}")}); at.Succeeded() || !strings.Contains(at.Error, "in time") {
		t.Fatalf("slow receiver: %+v", at)
	}
}

// TestWebhookSSRF shows the policy is applied to the address dialled.
func TestWebhookSSRF(t *testing.T) {
	srv, got := mustReceiver(t, http.StatusOK)
	strict := NewWebhookSender(WebhookPolicy{})
	at := strict.Deliver(context.Background(), itsm.WebhookSend{URL: srv.URL, Secret: "s", Body: []byte("{}")})
	if at.Succeeded() || !strings.Contains(at.Error, "loopback") || len(got()) != 0 {
		t.Fatalf("loopback not refused: %+v", at)
	}
	// A name that resolves to loopback is refused on the resolved address.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	if at := strict.Deliver(context.Background(), itsm.WebhookSend{URL: "http://localhost:" + port, Secret: "s", Body: []byte("{}")}); at.Succeeded() || !strings.Contains(at.Error, "Refused") {
		t.Fatalf("localhost not refused: %+v", at)
	}

	// A receiver on a non-loopback private address: blocked with loopback
	// allowed (the test configuration), reached only with private allowed.
	loopbackOnly := NewWebhookSender(WebhookPolicy{AllowLoopback: true})
	if addr, ok := privateInterfaceAddr(); ok {
		ln, err := net.Listen("tcp", net.JoinHostPort(addr.String(), "0"))
		if err != nil {
			t.Fatalf("listen on %s: %v", addr, err)
		}
		priv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}}
		priv.Start()
		defer priv.Close()
		if at := loopbackOnly.Deliver(context.Background(), itsm.WebhookSend{URL: priv.URL, Secret: "s", Body: []byte("{}")}); at.Succeeded() || !strings.Contains(at.Error, "private") {
			t.Fatalf("private receiver %s not refused: %+v", priv.URL, at)
		}
		if at := NewWebhookSender(WebhookPolicy{AllowPrivate: true}).Deliver(context.Background(), itsm.WebhookSend{URL: priv.URL, Secret: "s", Body: []byte("{}")}); !at.Succeeded() {
			t.Fatalf("private receiver %s refused when allowed: %+v", priv.URL, at)
		}
	} else {
		t.Log("no private interface address: checking the refusal without a receiver")
	}
	// Refused before any packet is sent, so these need no network.
	for _, u := range []string{"http://10.1.2.3/", "http://192.168.0.10:8080/", "http://[fd00::1]/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/"} {
		if at := loopbackOnly.Deliver(context.Background(), itsm.WebhookSend{URL: u, Secret: "s", Body: []byte("{}")}); !strings.HasPrefix(at.Error, "Refused") {
			t.Errorf("%s: %+v", u, at)
		}
	}
	if at := NewWebhookSender(WebhookPolicy{AllowPrivate: true}).Deliver(context.Background(), itsm.WebhookSend{URL: "http://169.254.169.254/", Secret: "s", Body: []byte("{}")}); !strings.Contains(at.Error, "metadata") {
		t.Errorf("metadata reached with private allowed: %+v", at)
	}
}

// privateInterfaceAddr returns one of this machine's private, non-loopback
// IPv4 addresses.
func privateInterfaceAddr() (netip.Addr, bool) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return netip.Addr{}, false
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Is4() && p.Addr().IsPrivate() {
			return p.Addr(), true
		}
	}
	return netip.Addr{}, false
}
