// Package notifytest runs a real SMTP server on the loopback interface for
// tests, keeping every message it accepts so tests can read them back.
package notifytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/steward-itsm/steward/internal/notify"
)

// From is the sender of the Config a Server returns.
const From = "Steward <steward@example.test>"

// Message is one message the server accepted.
type Message struct {
	From string   // envelope sender
	To   []string // envelope recipients
	Data []byte   // the message as sent
	User string   // the authenticated user, if any
	TLS  bool     // whether the connection was encrypted
}

// Parse reads the message's header and body.
func (m Message) Parse() (*mail.Message, error) {
	return mail.ReadMessage(bytes.NewReader(m.Data))
}

// Server is an SMTP server for tests.
type Server struct {
	Host string
	Port int

	mode    string // notify.TLSNone, TLSStartTLS or TLSImplicit
	tlsConf *tls.Config
	roots   *x509.CertPool

	mu       sync.Mutex
	srv      *smtp.Server
	messages []Message
	failData []*smtp.SMTPError
	users    map[string]string
	arrived  chan struct{}
}

// New makes a server with the TLS mode (notify.TLSNone, TLSStartTLS or
// TLSImplicit) on a free loopback port, without starting it, so a test can
// show what happens while the server is down. It is stopped when the test
// ends.
func New(tb testing.TB, mode string) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("reserve a port for the SMTP server: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{Host: "127.0.0.1", Port: port, mode: mode, users: map[string]string{}, arrived: make(chan struct{}, 1)}
	if mode != notify.TLSNone {
		s.tlsConf, s.roots = mustCertificate(tb)
	}
	tb.Cleanup(s.Stop)
	return s
}

// MustStart makes and starts a server.
func MustStart(tb testing.TB, mode string) *Server {
	tb.Helper()
	s := New(tb, mode)
	s.MustListen(tb)
	return s
}

// MustListen starts accepting connections on the server's port.
func (s *Server) MustListen(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return
	}
	var ln net.Listener
	var err error
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	// The port was free a moment ago; retry briefly in case the kernel
	// still holds it.
	for range 50 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("start SMTP server on %s: %v", addr, err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "mail.example.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	// Offer AUTH on a plain connection too, so tests can show the client
	// declines to send a password over it.
	srv.AllowInsecureAuth = true
	switch s.mode {
	case notify.TLSStartTLS:
		srv.TLSConfig = s.tlsConf
	case notify.TLSImplicit:
		ln = tls.NewListener(ln, s.tlsConf)
	}
	s.srv = srv
	go srv.Serve(ln)
}

// Stop closes the server; MustListen starts it again on the same port.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Config returns a configuration that reaches the server, trusting its
// certificate.
func (s *Server) Config() notify.SMTPConfig {
	return notify.SMTPConfig{Host: s.Host, Port: s.Port, From: From, TLS: s.mode, RootCAs: s.roots}
}

// RequireAuth makes the server offer AUTH PLAIN and refuse mail from anyone
// who has not signed in as user with password.
func (s *Server) RequireAuth(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[user] = password
}

// FailData makes the server answer the next DATA commands with code (a 4xx
// or 5xx), n times, before accepting messages again.
func (s *Server) FailData(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failData = append(s.failData, &smtp.SMTPError{
			Code:         code,
			EnhancedCode: smtp.EnhancedCode{code / 100, 3, 0},
			Message:      "Test server refuses this message",
		})
	}
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitMessages waits up to timeout for at least n messages and returns all
// accepted so far, failing the test if fewer arrive.
func (s *Server) WaitMessages(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			tb.Fatalf("SMTP server: waited %s for %d message(s), got %d", timeout, n, len(s.Messages()))
		}
	}
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{s: s, tls: isTLS}, nil
}

// session is one SMTP conversation.
type session struct {
	s    *Server
	tls  bool
	user string
	msg  Message
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if len(ss.s.users) == 0 {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		ss.s.mu.Lock()
		defer ss.s.mu.Unlock()
		if want, ok := ss.s.users[username]; !ok || want != password {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	needAuth := len(ss.s.users) > 0
	ss.s.mu.Unlock()
	if needAuth && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.msg = Message{From: from, User: ss.user, TLS: ss.tls}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if len(ss.s.failData) > 0 {
		e := ss.s.failData[0]
		ss.s.failData = ss.s.failData[1:]
		return e
	}
	ss.msg.Data = data
	ss.s.messages = append(ss.s.messages, ss.msg)
	select {
	case ss.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset() { ss.msg = Message{} }

func (ss *session) Logout() error { return nil }

// mustCertificate makes a self-signed certificate for 127.0.0.1 and a pool
// that trusts it.
func mustCertificate(tb testing.TB) (*tls.Config, *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("make test certificate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Steward test SMTP server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatalf("make test certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("read test certificate: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	conf := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}
	return conf, roots
}
