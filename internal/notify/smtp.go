package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/steward-itsm/steward/internal/itsm"
)

// TLS modes of an SMTPConfig.
const (
	// TLSStartTLS connects in plain text and insists on upgrading with
	// STARTTLS before anything else is sent (the submission port, 587).
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit = "tls"
	// TLSNone never encrypts: only for a relay on the same host or network.
	// Passwords are then sent only by challenge-response mechanisms.
	TLSNone = "none"
)

// smtpTimeout bounds connecting and each SMTP command, so a server that
// stops answering fails the attempt (and the job is retried) rather than
// holding a worker.
const smtpTimeout = 30 * time.Second

// SMTPConfig says how to reach an SMTP server.
type SMTPConfig struct {
	Host string
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port               int
	Username, Password string
	// From is the From header and envelope sender, an address with an
	// optional name: "Steward <steward@example.org>".
	From string
	// TLS is one of "starttls" (the default), "tls" or "none".
	TLS string
	// RootCAs, when set, replaces the system's trusted certificate
	// authorities, for a relay with a certificate from a private authority.
	RootCAs *x509.CertPool
}

// withDefaults fills in the TLS mode and the port.
func (c SMTPConfig) withDefaults() SMTPConfig {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = 465
		case TLSNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
	return c
}

// Validate reports the first thing wrong with the configuration, in a
// sentence an operator can act on.
func (c SMTPConfig) Validate() error {
	c = c.withDefaults()
	if c.Host == "" {
		return errors.New("SMTP configuration: no server host name")
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("SMTP configuration: port %d is not between 1 and 65535", c.Port)
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("SMTP configuration: TLS mode %q is not one of starttls, tls or none", c.TLS)
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("SMTP configuration: a password was given without a user name")
	}
	if c.From == "" {
		return errors.New("SMTP configuration: no From address")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("SMTP configuration: From address %q is not an e-mail address", c.From)
	}
	return nil
}

// ParseSMTPURL reads a server URL of the form
//
//	smtp://user:password@host:port?tls=starttls&from=steward@example.org
//
// smtps:// means tls=tls. The user name and password must be URL-escaped;
// so must a From address with a display name. From may be left out and set
// afterwards. Errors never repeat the URL, which may hold a password.
func ParseSMTPURL(s string) (SMTPConfig, error) {
	var c SMTPConfig
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return c, fmt.Errorf("SMTP URL is malformed: %w", err)
	}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		c.TLS = TLSImplicit
	default:
		return c, fmt.Errorf("SMTP URL must start smtp:// or smtps://, not %q", u.Scheme+"://")
	}
	if u.Opaque != "" {
		return c, errors.New("SMTP URL must start smtp:// or smtps:// followed by the host")
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return c, errors.New("SMTP URL has no host")
	}
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return c, fmt.Errorf("SMTP URL port %q is not a number between 1 and 65535", p)
		}
		c.Port = port
	}
	if u.Path != "" && u.Path != "/" {
		return c, fmt.Errorf("SMTP URL has a path (%q); put settings after ?, such as ?tls=starttls", u.Path)
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return c, errors.New("SMTP URL settings after ? are malformed")
	}
	for k, v := range q {
		if len(v) != 1 {
			return c, fmt.Errorf("SMTP URL gives %s more than once", k)
		}
		switch k {
		case "tls":
			mode := strings.ToLower(v[0])
			if c.TLS == TLSImplicit && mode != TLSImplicit {
				return c, fmt.Errorf("SMTP URL says smtps:// but tls=%s; use smtp:// for starttls or none", v[0])
			}
			c.TLS = mode
		case "from":
			c.From = v[0]
		default:
			return c, fmt.Errorf("SMTP URL setting %q is not recognised; the settings are tls and from", k)
		}
	}
	c = c.withDefaults()
	check := c
	if check.From == "" {
		check.From = "from@example.invalid" // the caller supplies it
	}
	if err := check.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// SMTP sends plain-text e-mail through an SMTP server, one connection per
// message.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP returns a Mailer for the server. The configuration is checked when
// each message is sent (call Validate to fail at start-up instead); a
// message that fails for want of configuration is retried, so correcting
// the configuration and restarting delivers it.
func NewSMTP(cfg SMTPConfig) *SMTP {
	return &SMTP{cfg: cfg.withDefaults()}
}

// Send delivers msg as a plain-text, UTF-8 message.
func (s *SMTP) Send(ctx context.Context, msg itsm.EmailJob) error {
	cfg := s.cfg
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("send e-mail: %w", err)
	}
	if err := checkMessage(msg); err != nil {
		return err
	}
	m, err := buildMessage(cfg.From, msg)
	if err != nil {
		return err
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(smtpTimeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}),
	}
	switch cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if cfg.Username != "" {
		// Auto-discovery picks the strongest mechanism the server offers
		// and, on an unencrypted connection, refuses those that would
		// reveal the password.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("send e-mail: configure SMTP client: %w", err)
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("send e-mail %q via %s: %w", msg.Subject, addr, err)
	}
	return nil
}

// buildMessage makes the MIME message: From, To, Subject, Date, a
// Message-ID in the sender's domain, and an Auto-Submitted header so that
// mail systems do not send vacation replies to it.
func buildMessage(from string, msg itsm.EmailJob) (*gomail.Msg, error) {
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("send e-mail: From address %q is not an e-mail address", from)
	}
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.From(from); err != nil {
		return nil, fmt.Errorf("send e-mail: set From %q: %w", from, err)
	}
	if err := m.To(msg.To...); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	m.Subject(msg.Subject)
	m.SetDate()
	domain := sender.Address[strings.LastIndexByte(sender.Address, '@')+1:]
	m.SetMessageIDWithValue(strings.ToLower(rand.Text()) + "@" + domain)
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	m.SetBodyString(gomail.TypeTextPlain, msg.Text)
	return m, nil
}
