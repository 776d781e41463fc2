package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/notify"
	"github.com/steward-itsm/steward/internal/notify/notifytest"
)

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		url     string
		want    notify.SMTPConfig
		wantErr string
	}{
		{url: "smtp://mailer:s%40cret@mail.example.org:2525?tls=starttls&from=steward@example.org",
			want: notify.SMTPConfig{Host: "mail.example.org", Port: 2525, Username: "mailer", Password: "s@cret", From: "steward@example.org", TLS: "starttls"}},
		{url: "smtp://mail.example.org",
			want: notify.SMTPConfig{Host: "mail.example.org", Port: 587, TLS: "starttls"}},
		{url: "smtps://mail.example.org",
			want: notify.SMTPConfig{Host: "mail.example.org", Port: 465, TLS: "tls"}},
		{url: "smtp://localhost?tls=none&from=Steward%20%3Csteward%40example.org%3E",
			want: notify.SMTPConfig{Host: "localhost", Port: 25, TLS: "none", From: "Steward <steward@example.org>"}},
		{url: "smtp://[::1]:25?tls=NONE", want: notify.SMTPConfig{Host: "::1", Port: 25, TLS: "none"}},
		{url: "http://mail.example.org", wantErr: `SMTP URL must start smtp:// or smtps://, not "http://"`},
		{url: "mail.example.org:587", wantErr: "SMTP URL must start smtp:// or smtps://"},
		{url: "smtp://:587", wantErr: "SMTP URL has no host"},
		{url: "smtp://mail.example.org:0", wantErr: `SMTP URL port "0" is not a number between 1 and 65535`},
		{url: "smtp://mail.example.org:99999", wantErr: `SMTP URL port "99999" is not a number between 1 and 65535`},
		{url: "smtp://mail.example.org?tls=ssl", wantErr: `TLS mode "ssl" is not one of starttls, tls or none`},
		{url: "smtps://mail.example.org?tls=none", wantErr: "SMTP URL says smtps:// but tls=none"},
		{url: "smtp://mail.example.org?tsl=none", wantErr: `SMTP URL setting "tsl" is not recognised`},
		{url: "smtp://mail.example.org?from=not-an-address", wantErr: `From address "not-an-address" is not an e-mail address`},
		{url: "smtp://mail.example.org/relay", wantErr: "SMTP URL has a path"},
		{url: "smtp://:pw@mail.example.org", wantErr: "a password was given without a user name"},
		{url: "smtp://user:p%zz@mail.example.org", wantErr: "SMTP URL is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := notify.ParseSMTPURL(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "p%zz") || strings.Contains(err.Error(), "pw@") {
					t.Errorf("error %q repeats the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestSMTPSends sends through a real server in each TLS mode and reads back
// a plain-text UTF-8 message with the expected headers.
func TestSMTPSends(t *testing.T) {
	for _, mode := range []string{notify.TLSNone, notify.TLSStartTLS, notify.TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			srv := notifytest.MustStart(t, mode)
			m := notify.NewSMTP(srv.Config())
			msg := itsm.EmailJob{
				To:      []string{"ada@example.org", "Bob Jones <bob@example.org>"},
				Subject: "Your ticket’s priority was raised — £0 change",
				Text:    "Hello Ada,\n\nThe priority of ticket T-1 is now P1.\n\nSteward\n",
			}
			if err := m.Send(context.Background(), msg); err != nil {
				t.Fatalf("send: %v", err)
			}
			got := srv.WaitMessages(t, 1, 5*time.Second)
			if len(got) != 1 {
				t.Fatalf("server holds %d messages, want 1", len(got))
			}
			sent := got[0]
			if sent.TLS != (mode != notify.TLSNone) {
				t.Errorf("connection encrypted = %v in mode %s", sent.TLS, mode)
			}
			if sent.From != "steward@example.test" {
				t.Errorf("envelope sender = %q", sent.From)
			}
			if strings.Join(sent.To, ",") != "ada@example.org,bob@example.org" {
				t.Errorf("envelope recipients = %q", sent.To)
			}
			pm, err := sent.Parse()
			if err != nil {
				t.Fatalf("parse message: %v", err)
			}
			h := pm.Header
			if from := h.Get("From"); !strings.Contains(from, "Steward") || !strings.Contains(from, "<steward@example.test>") {
				t.Errorf("From = %q", from)
			}
			if to := h.Get("To"); !strings.Contains(to, "<ada@example.org>") || !strings.Contains(to, "<bob@example.org>") {
				t.Errorf("To = %q", to)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
			if err != nil || subject != msg.Subject {
				t.Errorf("Subject = %q (%v), want %q", subject, err, msg.Subject)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "utf-8") {
				t.Errorf("Content-Type = %q, want plain text in UTF-8", ct)
			}
			if h.Get("Date") == "" {
				t.Error("no Date header")
			}
			if id := h.Get("Message-Id"); !strings.HasSuffix(id, "@example.test>") {
				t.Errorf("Message-ID = %q, want one in the sender's domain", id)
			}
			if h.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("Auto-Submitted = %q", h.Get("Auto-Submitted"))
			}
			if h.Get("User-Agent") != "" || h.Get("X-Mailer") != "" {
				t.Errorf("message names its mailer: %q %q", h.Get("User-Agent"), h.Get("X-Mailer"))
			}
			body := readBody(t, pm.Body, h.Get("Content-Transfer-Encoding"))
			if strings.ReplaceAll(body, "\r\n", "\n") != msg.Text {
				t.Errorf("body = %q, want %q", body, msg.Text)
			}
		})
	}
}

func readBody(t *testing.T, r io.Reader, encoding string) string {
	t.Helper()
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

var hello = itsm.EmailJob{To: []string{"ada@example.org"}, Subject: "Hello", Text: "Hello."}

func TestSMTPAuthenticates(t *testing.T) {
	srv := notifytest.MustStart(t, notify.TLSStartTLS)
	srv.RequireAuth("mailer", "correct horse")
	cfg := srv.Config()
	cfg.Username, cfg.Password = "mailer", "correct horse"
	if err := notify.NewSMTP(cfg).Send(context.Background(), hello); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].User != "mailer" {
		t.Fatalf("messages = %+v, want one from user mailer", got)
	}

	cfg.Password = "wrong"
	if err := notify.NewSMTP(cfg).Send(context.Background(), hello); err == nil {
		t.Fatal("send with the wrong password succeeded")
	}
}

// TestSMTPFailures shows each way delivery can fail returns an error (so
// the job is retried) and sends nothing.
func TestSMTPFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("password over an unencrypted connection", func(t *testing.T) {
		srv := notifytest.MustStart(t, notify.TLSNone)
		srv.RequireAuth("mailer", "secret")
		cfg := srv.Config()
		cfg.Username, cfg.Password = "mailer", "secret"
		if err := notify.NewSMTP(cfg).Send(ctx, hello); err == nil {
			t.Fatal("sent a password over plain text")
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("server accepted %d messages", n)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := notifytest.MustStart(t, notify.TLSStartTLS)
		cfg := srv.Config()
		cfg.RootCAs = nil
		err := notify.NewSMTP(cfg).Send(ctx, hello)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("error = %v, want a certificate error", err)
		}
	})
	t.Run("STARTTLS required but not offered", func(t *testing.T) {
		srv := notifytest.MustStart(t, notify.TLSNone)
		cfg := srv.Config()
		cfg.TLS = notify.TLSStartTLS
		if err := notify.NewSMTP(cfg).Send(ctx, hello); err == nil {
			t.Fatal("sent without encryption although STARTTLS was required")
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("server accepted %d messages", n)
		}
	})
	t.Run("server refuses DATA", func(t *testing.T) {
		srv := notifytest.MustStart(t, notify.TLSNone)
		srv.FailData(1, 451)
		m := notify.NewSMTP(srv.Config())
		err := m.Send(ctx, hello)
		if err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("error = %v, want the server's 451", err)
		}
		if errors.Is(err, notify.ErrInvalidMessage) {
			t.Errorf("a refusal by the server is marked as an invalid message: %v", err)
		}
		if err := m.Send(ctx, hello); err != nil {
			t.Fatalf("second send: %v", err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("server holds %d messages, want 1", n)
		}
	})
	t.Run("server down", func(t *testing.T) {
		srv := notifytest.New(t, notify.TLSNone)
		if err := notify.NewSMTP(srv.Config()).Send(ctx, hello); err == nil {
			t.Fatal("send to a server that is down succeeded")
		}
	})
	t.Run("bad configuration", func(t *testing.T) {
		err := notify.NewSMTP(notify.SMTPConfig{Host: "mail.example.org"}).Send(ctx, hello)
		if err == nil || !strings.Contains(err.Error(), "no From address") {
			t.Fatalf("error = %v, want no From address", err)
		}
	})
}

func TestInvalidMessages(t *testing.T) {
	srv := notifytest.MustStart(t, notify.TLSNone)
	mailers := map[string]notify.Mailer{
		"smtp": notify.NewSMTP(srv.Config()),
		"log":  notify.LogMailer{Logger: slog.New(slog.DiscardHandler)},
	}
	msgs := map[string]itsm.EmailJob{
		"no recipients":     {Subject: "Hello", Text: "Hello."},
		"bad address":       {To: []string{"ada at example.org"}, Subject: "Hello", Text: "Hello."},
		"header injection":  {To: []string{"ada@example.org"}, Subject: "Hello\r\nBcc: eve@example.org", Text: "Hello."},
		"line feed subject": {To: []string{"ada@example.org"}, Subject: "Hello\nthere", Text: "Hello."},
	}
	for mname, m := range mailers {
		for name, msg := range msgs {
			t.Run(mname+"/"+name, func(t *testing.T) {
				if err := m.Send(context.Background(), msg); !errors.Is(err, notify.ErrInvalidMessage) {
					t.Fatalf("error = %v, want ErrInvalidMessage", err)
				}
			})
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server accepted %d invalid messages", n)
	}
}

func TestLogMailer(t *testing.T) {
	var buf bytes.Buffer
	m := notify.LogMailer{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	if err := m.Send(context.Background(), itsm.EmailJob{To: []string{"ada@example.org"}, Subject: "Reset your password", Text: "Follow this link."}); err != nil {
		t.Fatalf("send: %v", err)
	}
	var rec struct {
		Level   string   `json:"level"`
		To      []string `json:"to"`
		Subject string   `json:"subject"`
		Text    string   `json:"text"`
	}
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("read log line %q: %v", buf.String(), err)
	}
	if rec.Level != "INFO" || len(rec.To) != 1 || rec.To[0] != "ada@example.org" || rec.Subject != "Reset your password" || rec.Text != "Follow this link." {
		t.Errorf("log line = %s", buf.String())
	}
	if err := (notify.LogMailer{}).Send(context.Background(), hello); err == nil {
		t.Error("a LogMailer with no logger reported success")
	}
}
