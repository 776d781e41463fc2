package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/notify"
)

// emailWorker delivers itsm.EmailJob jobs (kind "email").
type emailWorker struct {
	river.WorkerDefaults[itsm.EmailJob]
	mailer notify.Mailer
}

// Work sends the message. A message that can never be sent is cancelled
// rather than retried for weeks; any other failure is retried.
func (w *emailWorker) Work(ctx context.Context, job *river.Job[itsm.EmailJob]) error {
	err := w.mailer.Send(ctx, job.Args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, notify.ErrInvalidMessage):
		return river.JobCancel(fmt.Errorf("e-mail job %d: %w", job.ID, err))
	default:
		return fmt.Errorf("e-mail job %d, attempt %d: %w", job.ID, job.Attempt, err)
	}
}
