package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/notify"
)

// webhookJobTimeout bounds one delivery job: the sender's own time-out plus
// the two small transactions either side.
const webhookJobTimeout = 45 * time.Second

// webhookWorker delivers itsm.WebhookJob jobs (kind "webhook"). Each try
// is logged in the delivery log whatever its outcome; a failed try is
// returned as an error, so River retries it with its exponential back-off
// (attempt⁴ seconds, up to MaxAttempts) and nothing is lost while the
// receiver is down.
type webhookWorker struct {
	river.WorkerDefaults[itsm.WebhookJob]
	outbox itsm.WebhookOutbox
	sender *notify.WebhookSender
}

// Timeout implements river.Worker.
func (w *webhookWorker) Timeout(*river.Job[itsm.WebhookJob]) time.Duration { return webhookJobTimeout }

// Work sends the delivery and records the attempt.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[itsm.WebhookJob]) error {
	ctx = itsm.NewContextWithActor(ctx, itsm.SystemActor("webhook delivery"))
	send, err := w.outbox.WebhookToSend(ctx, job.Args.DeliveryID)
	switch {
	case itsm.ErrorCode(err) == itsm.ENOTFOUND:
		// The subscription was deleted, and its log with it.
		return river.JobCancel(fmt.Errorf("webhook delivery %d no longer exists", job.Args.DeliveryID))
	case err != nil:
		return fmt.Errorf("webhook delivery %d: %w", job.Args.DeliveryID, err)
	case !send.Active:
		_ = w.outbox.RecordWebhookAttempt(ctx, job.Args.DeliveryID, itsm.WebhookAttempt{Manual: job.Args.Manual, Error: "Not sent: the subscription is paused."})
		return river.JobCancel(fmt.Errorf("webhook delivery %d: the subscription is paused", job.Args.DeliveryID))
	}
	at := w.sender.Deliver(ctx, *send)
	at.Manual = job.Args.Manual
	if err := w.outbox.RecordWebhookAttempt(ctx, job.Args.DeliveryID, at); err != nil {
		return fmt.Errorf("webhook delivery %d: record attempt: %w", job.Args.DeliveryID, err)
	}
	if !at.Succeeded() {
		reason := at.Error
		if reason == "" && at.ResponseStatus != nil {
			reason = fmt.Sprintf("the receiver answered %d", *at.ResponseStatus)
		}
		return fmt.Errorf("webhook delivery %d, attempt %d: %s", job.Args.DeliveryID, job.Attempt, reason)
	}
	return nil
}

// HandleWebhooks returns a Config.Register entry that delivers webhook jobs
// from outbox with sender.
func HandleWebhooks(outbox itsm.WebhookOutbox, sender *notify.WebhookSender) func(*river.Workers) error {
	return func(w *river.Workers) error {
		if outbox == nil || sender == nil {
			return fmt.Errorf("webhook worker: no outbox or sender")
		}
		return river.AddWorkerSafely(w, &webhookWorker{outbox: outbox, sender: sender})
	}
}
