package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

var errTooManyRedirects = errors.New("stopped after 10 redirects")

// describe turns a network error into a short sentence a person
// understands: the cause, without Go's wrapping ("Get \"…\": dial tcp
// 127.0.0.1:1: connect: …").
func describe(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*net.DNSError](err); ok {
		switch {
		case e.IsNotFound:
			return "host name " + e.Name + " not found"
		case e.IsTimeout:
			return "looking up " + e.Name + " timed out"
		}
		return "looking up " + e.Name + " failed: " + e.Err
	}
	if e, ok := errors.AsType[x509.CertificateInvalidError](err); ok && e.Cert != nil && e.Reason == x509.Expired {
		if time.Now().Before(e.Cert.NotBefore) {
			return "certificate is not valid until " + govukDate(e.Cert.NotBefore)
		}
		return "certificate expired on " + govukDate(e.Cert.NotAfter)
	}
	if e, ok := errors.AsType[x509.HostnameError](err); ok {
		return "TLS: certificate is not valid for " + e.Host
	}
	if _, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		return "TLS: " + strings.TrimPrefix(innermost(err).Error(), "x509: ")
	}
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return "TLS: certificate signed by unknown authority"
	}
	if _, ok := errors.AsType[tls.RecordHeaderError](err); ok {
		return "TLS: the server did not answer with TLS"
	}
	if e, ok := errors.AsType[tls.AlertError](err); ok {
		return "TLS: the server refused the handshake (" + e.Error() + ")"
	}
	switch {
	case errors.Is(err, errTooManyRedirects):
		return errTooManyRedirects.Error()
	case errors.Is(err, context.Canceled):
		return "the run was cancelled"
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the server"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "address not available"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection without answering"
	}
	msg := innermost(err).Error()
	if msg == "http: server closed idle connection" {
		// net/http's name for a connection closed before any answer.
		return "the server closed the connection without answering"
	}
	msg = strings.TrimPrefix(msg, "tls: ")
	msg = strings.TrimPrefix(msg, "net/http: ")
	return msg
}

func isTimeout(err error) bool {
	e, ok := errors.AsType[net.Error](err)
	return ok && e.Timeout()
}

// innermost is the error at the end of the wrapping chain: the cause.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// formatLimit writes a time limit the way people set it: "5 s", "1.5 s",
// "500 ms".
func formatLimit(d time.Duration) string {
	if d < time.Second {
		return groupDigits(d.Milliseconds()) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}

// groupDigits writes n with thousands separators: 12,345.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// quote puts text in quotation marks, shortened when it is long.
func quote(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return `"` + s + `"`
}

// govukDate writes a date the GOV.UK way, in UK time: "3 December 2026".
func govukDate(t time.Time) string {
	return t.In(itsm.ReportLocation()).Format("2 January 2006")
}

// daysUntil counts the calendar days, in UK time, from now's date to t's.
func daysUntil(now, t time.Time) int {
	loc := itsm.ReportLocation()
	day := func(x time.Time) time.Time {
		y, m, d := x.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return int(day(t).Sub(day(now)).Hours() / 24)
}

// inDays says when something n days ahead happens: "today", "tomorrow",
// "in 5 days".
func inDays(n int) string {
	switch n {
	case 0:
		return "today"
	case 1:
		return "tomorrow"
	}
	return "in " + strconv.Itoa(n) + " days"
}
