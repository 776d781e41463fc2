package notify

import (
	"context"
	"errors"
	"log/slog"

	"github.com/steward-itsm/steward/internal/itsm"
)

// LogMailer writes each message to a log instead of sending it, so that a
// development server with no SMTP server still shows what it would have sent.
// Messages may hold sign-in and password-reset links: do not use it where the
// log is read by people who should not have them.
type LogMailer struct {
	Logger *slog.Logger
}

// Send logs msg at Info level.
func (m LogMailer) Send(ctx context.Context, msg itsm.EmailJob) error {
	if m.Logger == nil {
		return errors.New("log e-mail: the LogMailer has no logger")
	}
	if err := checkMessage(msg); err != nil {
		return err
	}
	m.Logger.InfoContext(ctx, "e-mail not sent: no SMTP server is configured",
		"to", msg.To, "subject", msg.Subject, "text", msg.Text)
	return nil
}
