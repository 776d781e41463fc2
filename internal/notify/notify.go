// Package notify delivers Steward's outgoing messages: e-mail through an SMTP
// server, or to the log in development when no server is configured.
//
// A Mailer is called by the job queue's e-mail worker, never directly by a
// request: the message was written to the outbox in the same transaction as
// the change it reports, and a failed delivery is retried with back-off. An
// error from Send therefore means "try again later", except one that wraps
// ErrInvalidMessage, which no retry can fix.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Mailer delivers one e-mail message.
type Mailer interface {
	// Send delivers msg. It returns an error wrapping ErrInvalidMessage when
	// the message itself is at fault, and any other error when delivery may
	// succeed later.
	Send(ctx context.Context, msg itsm.EmailJob) error
}

// ErrInvalidMessage marks a message that can never be delivered as it stands
// (no recipients, a malformed address, a line break in the subject).
var ErrInvalidMessage = errors.New("invalid e-mail message")

// checkMessage reports what makes msg undeliverable, wrapping
// ErrInvalidMessage.
func checkMessage(msg itsm.EmailJob) error {
	if len(msg.To) == 0 {
		return fmt.Errorf("%w: no recipients", ErrInvalidMessage)
	}
	for _, to := range msg.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("%w: recipient %q is not an e-mail address", ErrInvalidMessage, to)
		}
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return fmt.Errorf("%w: the subject contains a line break", ErrInvalidMessage)
	}
	return nil
}
