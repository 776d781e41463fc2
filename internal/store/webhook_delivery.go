package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

const deliveryColumns = `d.id, d.delivery_id, d.subscription_id, d.event_id, d.event_type, d.org_id, d.body, d.status, d.attempts, d.last_status, d.last_attempt_at, d.created_at`

func scanDelivery(row scanner) (*itsm.WebhookDelivery, error) {
	var d itsm.WebhookDelivery
	var org, last, lastAt sql.NullInt64
	var created int64
	if err := row.Scan(&d.ID, &d.DeliveryID, &d.SubscriptionID, &d.EventID, &d.EventType, &org, &d.Body, &d.Status, &d.Attempts, &last, &lastAt, &created); err != nil {
		return nil, err
	}
	if org.Valid {
		d.OrgID = &org.Int64
	}
	if last.Valid {
		n := int(last.Int64)
		d.LastStatus = &n
	}
	d.LastAttemptAt = fromNullTS(lastAt)
	d.CreatedAt = fromTS(created)
	return &d, nil
}

// findDelivery reads a delivery whose subscription the caller may see.
func (tx *Tx) findDelivery(id int64) (*itsm.WebhookDelivery, *itsm.WebhookSubscription, error) {
	d, err := scanDelivery(tx.queryRow(`SELECT `+deliveryColumns+` FROM webhook_deliveries d WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, itsm.ErrNotFound("delivery")
	} else if err != nil {
		return nil, nil, fmt.Errorf("find delivery %d: %w", id, err)
	}
	s, err := tx.findWebhook(d.SubscriptionID)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		return nil, nil, itsm.ErrNotFound("delivery")
	}
	return d, s, err
}

// FindWebhookDeliveries lists a visible subscription's deliveries, newest
// first.
func (db *DB) FindWebhookDeliveries(ctx context.Context, subscriptionID int64, offset, limit int) ([]*itsm.WebhookDelivery, int, error) {
	offset, limit = page(offset, limit)
	var out []*itsm.WebhookDelivery
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findWebhook(subscriptionID); err != nil {
			return err
		}
		var err error
		if out, err = queryAll(tx, scanDelivery, `SELECT `+deliveryColumns+` FROM webhook_deliveries d WHERE d.subscription_id = ? ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?`,
			subscriptionID, limit, offset); err != nil {
			return err
		}
		return tx.queryRow(`SELECT COUNT(*) FROM webhook_deliveries WHERE subscription_id = ?`, subscriptionID).Scan(&total)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// FindWebhookDelivery returns a visible delivery and its attempts.
func (db *DB) FindWebhookDelivery(ctx context.Context, id int64) (*itsm.WebhookDelivery, []*itsm.WebhookAttempt, error) {
	var d *itsm.WebhookDelivery
	var attempts []*itsm.WebhookAttempt
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if d, _, err = tx.findDelivery(id); err != nil {
			return err
		}
		attempts, err = tx.deliveryAttempts(id)
		return err
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "webhook_delivery", strconv.FormatInt(id, 10), "delivery not visible to the caller")
	}
	return d, attempts, err
}

func (tx *Tx) deliveryAttempts(id int64) ([]*itsm.WebhookAttempt, error) {
	return queryAll(tx, func(row scanner) (*itsm.WebhookAttempt, error) {
		var a itsm.WebhookAttempt
		var at int64
		var status sql.NullInt64
		if err := row.Scan(&at, &a.Manual, &status, &a.LatencyMS, &a.ResponseBody, &a.Error); err != nil {
			return nil, err
		}
		a.At = fromTS(at)
		if status.Valid {
			n := int(status.Int64)
			a.ResponseStatus = &n
		}
		return &a, nil
	}, `SELECT at, manual, response_status, latency_ms, response_body, error FROM webhook_attempts WHERE delivery_id = ? ORDER BY at, id`, id)
}

// RedeliverWebhook queues a delivery again, with the same body and delivery
// ID; the worker signs it with a new timestamp.
func (db *DB) RedeliverWebhook(ctx context.Context, id int64, reason string) (*itsm.WebhookDelivery, error) {
	if len(reason) > 1000 || itsm.HasControl(reason) {
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: "Give a reason of 1,000 characters or fewer, on one line.", Fields: map[string]string{"reason": "Give a reason of 1,000 characters or fewer, on one line."}}
	}
	var out *itsm.WebhookDelivery
	err := db.update(ctx, func(tx *Tx) error {
		d, s, err := tx.findDelivery(id)
		if err != nil {
			return err
		}
		if !tx.actor.CanManageWebhooks() {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to redeliver webhooks.")
		}
		if !s.Active {
			return itsm.Errorf(itsm.ECONFLICT, "The subscription is paused; make it active before redelivering.")
		}
		if _, err := tx.exec(`UPDATE webhook_deliveries SET status = ? WHERE id = ?`, itsm.DeliveryPending, id); err != nil {
			return fmt.Errorf("redeliver %d: %w", id, err)
		}
		if err := tx.enqueue(itsm.WebhookJob{DeliveryID: id, Manual: true}); err != nil {
			return err
		}
		d.Status = itsm.DeliveryPending
		out = d
		return tx.audit("redeliver", "webhook_subscription", s.ID, s.OrgID, fields("delivery_id", d.DeliveryID, "event_type", d.EventType, "reason", reason))
	})
	return out, err
}

// WebhookToSend returns what the worker sends for a delivery (system only).
func (db *DB) WebhookToSend(ctx context.Context, deliveryID int64) (*itsm.WebhookSend, error) {
	if !itsm.ActorFromContext(ctx).System {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Only the delivery worker sends webhooks.")
	}
	var out itsm.WebhookSend
	err := db.view(ctx, func(tx *Tx) error {
		var body string
		err := tx.queryRow(`SELECT d.delivery_id, d.event_type, d.body, w.url, w.secret, w.active FROM webhook_deliveries d JOIN webhook_subscriptions w ON w.id = d.subscription_id WHERE d.id = ?`,
			deliveryID).Scan(&out.DeliveryID, &out.EventType, &body, &out.URL, &out.Secret, &out.Active)
		if errors.Is(err, sql.ErrNoRows) {
			return itsm.ErrNotFound("delivery")
		} else if err != nil {
			return fmt.Errorf("find delivery %d to send: %w", deliveryID, err)
		}
		out.Body = []byte(body)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RecordWebhookAttempt logs an attempt and moves the delivery to delivered
// or (until a later attempt succeeds) failed (system only).
func (db *DB) RecordWebhookAttempt(ctx context.Context, deliveryID int64, at itsm.WebhookAttempt) error {
	if !itsm.ActorFromContext(ctx).System {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only the delivery worker records webhook attempts.")
	}
	body := truncateUTF8(at.ResponseBody, itsm.MaxWebhookResponseBody)
	errText := truncateUTF8(at.Error, 1000)
	status := itsm.DeliveryFailed
	if at.Succeeded() {
		status = itsm.DeliveryDelivered
	}
	return db.update(ctx, func(tx *Tx) error {
		if at.At.IsZero() {
			at.At = tx.now
		}
		var code any
		if at.ResponseStatus != nil {
			code = *at.ResponseStatus
		}
		res, err := tx.exec(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status = ?, last_attempt_at = ? WHERE id = ?`,
			status, code, ts(at.At), deliveryID)
		if err != nil {
			return fmt.Errorf("record attempt at delivery %d: %w", deliveryID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrNotFound("delivery")
		}
		if _, err := tx.exec(`INSERT INTO webhook_attempts (delivery_id, at, manual, response_status, latency_ms, response_body, error) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			deliveryID, ts(at.At), at.Manual, code, at.LatencyMS, body, errText); err != nil {
			return fmt.Errorf("record attempt at delivery %d: %w", deliveryID, err)
		}
		return nil
	})
}

// truncateUTF8 keeps at most n bytes of valid UTF-8 text, replacing
// invalid bytes and control characters other than line breaks and tabs.
func truncateUTF8(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
