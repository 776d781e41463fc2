package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Webhook secrets must be used to sign, so they are stored as they are (the
// database is the trust boundary, as for the site secret); no read returns
// them, and only the answers that create or rotate one show it, once.

const webhookColumns = `w.id, w.org_id, COALESCE(o.name, ''), w.url, w.description, w.event_types, w.active, w.secret_rotated_at, w.created_at, w.updated_at, w.version`

const webhookFrom = ` FROM webhook_subscriptions w LEFT JOIN organisations o ON o.id = w.org_id`

func scanWebhook(row scanner) (*itsm.WebhookSubscription, error) {
	var s itsm.WebhookSubscription
	var org sql.NullInt64
	var types string
	var rotated, created, updated int64
	if err := row.Scan(&s.ID, &org, &s.OrgName, &s.URL, &s.Description, &types, &s.Active, &rotated, &created, &updated, &s.Version); err != nil {
		return nil, err
	}
	if org.Valid {
		s.OrgID = &org.Int64
	}
	if err := json.Unmarshal([]byte(types), &s.EventTypes); err != nil {
		return nil, fmt.Errorf("decode webhook %d event types: %w", s.ID, err)
	}
	s.SecretRotatedAt, s.CreatedAt, s.UpdatedAt = fromTS(rotated), fromTS(created), fromTS(updated)
	return &s, nil
}

// newWebhookSecret returns a fresh signing secret.
func newWebhookSecret() string { return "whsec_" + randomToken(32) }

// newDeliveryID returns a random UUID (version 4) for a delivery or event.
func newDeliveryID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// canSeeWebhook: administrators, managers and auditors all; customer
// administrators their organisation's.
func canSeeWebhook(a *itsm.Actor, s *itsm.WebhookSubscription) bool {
	if !a.CanReadWebhooks() {
		return false
	}
	scope := a.WebhookScope()
	return scope == 0 || (s.OrgID != nil && *s.OrgID == scope)
}

func (tx *Tx) findWebhook(id int64) (*itsm.WebhookSubscription, error) {
	s, err := scanWebhook(tx.queryRow(`SELECT `+webhookColumns+webhookFrom+` WHERE w.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("webhook subscription")
	} else if err != nil {
		return nil, fmt.Errorf("find webhook %d: %w", id, err)
	}
	if !canSeeWebhook(tx.actor, s) {
		return nil, itsm.ErrNotFound("webhook subscription")
	}
	return s, nil
}

// findWebhookToChange reads a subscription the caller may change.
func (tx *Tx) findWebhookToChange(id int64) (*itsm.WebhookSubscription, error) {
	s, err := tx.findWebhook(id)
	if err != nil {
		return nil, err
	}
	if !tx.actor.CanManageWebhooks() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change webhook subscriptions.")
	}
	return s, nil
}

// CreateWebhook stores a subscription and its new secret, returned once.
func (db *DB) CreateWebhook(ctx context.Context, s *itsm.WebhookSubscription) error {
	a := itsm.ActorFromContext(ctx)
	if !a.CanManageWebhooks() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only programme administrators and managers, and customer administrators for their own organisation, can add webhook subscriptions.")
	}
	if scope := a.WebhookScope(); scope != 0 {
		s.OrgID = &scope
	}
	if err := s.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if s.OrgID != nil {
			org, err := tx.findOrg(*s.OrgID)
			if err != nil || org.Kind != itsm.OrgCustomer {
				return &itsm.Error{Code: itsm.EINVALID, Message: "Choose a customer organisation, or none for a global subscription.", Fields: map[string]string{"organisation_id": "Choose a customer organisation, or none."}}
			}
		}
		secret := newWebhookSecret()
		id, err := tx.insert(`INSERT INTO webhook_subscriptions (org_id, url, description, event_types, secret, active, secret_rotated_at, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, s.OrgID, s.URL, s.Description, jsonText(s.EventTypes), secret, true, ts(tx.now), ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create webhook: %w", err)
		}
		got, err := tx.findWebhook(id)
		if err != nil {
			return err
		}
		*s = *got
		if err := tx.audit(itsm.AuditCreate, "webhook_subscription", id, s.OrgID, diff(nil, s)); err != nil {
			return err
		}
		s.Secret = secret
		return nil
	})
}

// FindWebhookByID returns a subscription the caller may see, without its
// secret.
func (db *DB) FindWebhookByID(ctx context.Context, id int64) (*itsm.WebhookSubscription, error) {
	var s *itsm.WebhookSubscription
	err := db.view(ctx, func(tx *Tx) (err error) { s, err = tx.findWebhook(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "webhook_subscription", strconv.FormatInt(id, 10), "webhook subscription not visible to the caller")
	}
	return s, err
}

// FindWebhooks returns a page of the subscriptions the caller may see.
func (db *DB) FindWebhooks(ctx context.Context, f itsm.WebhookFilter) ([]*itsm.WebhookSubscription, int, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.CanReadWebhooks() {
		return nil, 0, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to see webhook subscriptions.")
	}
	var w where
	if scope := a.WebhookScope(); scope != 0 {
		w.add("w.org_id = ?", scope)
	}
	if f.OrgID != nil {
		if *f.OrgID == 0 {
			w.add("w.org_id IS NULL")
		} else {
			w.add("w.org_id = ?", *f.OrgID)
		}
	}
	if f.Active != nil {
		w.add("w.active = ?", *f.Active)
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.WebhookSubscription
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if out, err = queryAll(tx, scanWebhook, `SELECT `+webhookColumns+webhookFrom+w.String()+` ORDER BY w.created_at DESC, w.id DESC LIMIT ? OFFSET ?`, append(w.args, limit, offset)...); err != nil {
			return err
		}
		return tx.queryRow(`SELECT COUNT(*) FROM webhook_subscriptions w`+w.String(), w.args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find webhooks: %w", err)
	}
	return out, total, nil
}

// UpdateWebhook changes a subscription's URL, description, event types or
// active flag.
func (db *DB) UpdateWebhook(ctx context.Context, id int64, upd itsm.WebhookSubscriptionUpdate) (*itsm.WebhookSubscription, error) {
	var out *itsm.WebhookSubscription
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findWebhookToChange(id)
		if err != nil {
			return err
		}
		s := *before
		if upd.URL != nil {
			s.URL = *upd.URL
		}
		if upd.Description != nil {
			s.Description = *upd.Description
		}
		if upd.EventTypes != nil {
			s.EventTypes = *upd.EventTypes
		}
		if upd.Active != nil {
			s.Active = *upd.Active
		}
		if err := s.Validate(); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE webhook_subscriptions SET url = ?, description = ?, event_types = ?, active = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			s.URL, s.Description, jsonText(s.EventTypes), s.Active, ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update webhook %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("webhook subscription")
		}
		if out, err = tx.findWebhook(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditUpdate, "webhook_subscription", id, out.OrgID, diff(before, out))
	})
	return out, err
}

// RotateWebhookSecret gives a subscription a new secret, returned once.
// Deliveries already queued are signed with the new one when they are sent.
func (db *DB) RotateWebhookSecret(ctx context.Context, id int64, version int64) (*itsm.WebhookSubscription, error) {
	var out *itsm.WebhookSubscription
	err := db.update(ctx, func(tx *Tx) error {
		if _, err := tx.findWebhookToChange(id); err != nil {
			return err
		}
		secret := newWebhookSecret()
		res, err := tx.exec(`UPDATE webhook_subscriptions SET secret = ?, secret_rotated_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			secret, ts(tx.now), ts(tx.now), id, version)
		if err != nil {
			return fmt.Errorf("rotate webhook %d secret: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("webhook subscription")
		}
		if out, err = tx.findWebhook(id); err != nil {
			return err
		}
		if err := tx.audit("rotate_secret", "webhook_subscription", id, out.OrgID, fields("secret_rotated_at", out.SecretRotatedAt)); err != nil {
			return err
		}
		out.Secret = secret
		return nil
	})
	return out, err
}

// DeleteWebhook removes a subscription and its delivery log.
func (db *DB) DeleteWebhook(ctx context.Context, id int64, version int64) error {
	return db.update(ctx, func(tx *Tx) error {
		s, err := tx.findWebhookToChange(id)
		if err != nil {
			return err
		}
		if s.Version != version {
			return itsm.ErrStale("webhook subscription")
		}
		if _, err := tx.exec(`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = ?)`, id); err != nil {
			return fmt.Errorf("delete webhook %d attempts: %w", id, err)
		}
		if _, err := tx.exec(`DELETE FROM webhook_deliveries WHERE subscription_id = ?`, id); err != nil {
			return fmt.Errorf("delete webhook %d deliveries: %w", id, err)
		}
		if _, err := tx.exec(`DELETE FROM webhook_subscriptions WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete webhook %d: %w", id, err)
		}
		return tx.audit(itsm.AuditDelete, "webhook_subscription", id, s.OrgID, diff(s, nil))
	})
}

// emitWebhook queues the event for every active subscription that asked
// for its type and may receive it: global ones always, an organisation's
// only for its own events. It writes nothing when none matches. The body is
// fixed here, so that retries and redeliveries send the same bytes; the jobs
// commit or roll back with the change that caused the event.
func (tx *Tx) emitWebhook(eventType string, orgID *int64, data any) error {
	return tx.emitWebhookTo(eventType, orgID, true, data)
}

// emitWebhookTo is emitWebhook with a choice: globals false sends only to
// orgID's own subscriptions, for events that reach several organisations
// (a document published to some customers) and must reach each global
// subscription once.
func (tx *Tx) emitWebhookTo(eventType string, orgID *int64, globals bool, data any) error {
	var subs []struct {
		id    int64
		types []string
	}
	rows, err := tx.query(`SELECT id, event_types FROM webhook_subscriptions WHERE active = ? AND ((? AND org_id IS NULL) OR org_id = ?) ORDER BY id`, true, globals, orgID)
	if err != nil {
		return fmt.Errorf("emit %s: find subscriptions: %w", eventType, err)
	}
	for rows.Next() {
		var id int64
		var types string
		if err := rows.Scan(&id, &types); err != nil {
			rows.Close()
			return fmt.Errorf("emit %s: %w", eventType, err)
		}
		var subscribed []string
		if err := json.Unmarshal([]byte(types), &subscribed); err != nil {
			rows.Close()
			return fmt.Errorf("emit %s: subscription %d: %w", eventType, id, err)
		}
		if itsm.WebhookMatches(subscribed, eventType) {
			subs = append(subs, struct {
				id    int64
				types []string
			}{id, subscribed})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("emit %s: %w", eventType, err)
	}
	if len(subs) == 0 {
		return nil
	}
	payload, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("emit %s: encode data: %w", eventType, err)
	}
	ev := itsm.WebhookEvent{ID: newDeliveryID(), Type: eventType, OccurredAt: tx.now, OrgID: orgID, Data: payload}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("emit %s: encode event: %w", eventType, err)
	}
	for _, s := range subs {
		id, err := tx.insert(`INSERT INTO webhook_deliveries (delivery_id, subscription_id, event_id, event_type, org_id, body, status, attempts, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`, newDeliveryID(), s.id, ev.ID, eventType, orgID, string(body), itsm.DeliveryPending, ts(tx.now))
		if err != nil {
			return fmt.Errorf("emit %s: record delivery: %w", eventType, err)
		}
		if err := tx.enqueue(itsm.WebhookJob{DeliveryID: id}); err != nil {
			return err
		}
	}
	return nil
}

// ticketEventData is what a ticket event says about the ticket: enough to
// act on, with the rest a GET of the ticket away.
type ticketEventData struct {
	ID         int64      `json:"id"`
	Ref        string     `json:"ref"`
	Type       string     `json:"type"`
	OrgID      int64      `json:"organisation_id"`
	Title      string     `json:"title"`
	Category   string     `json:"category"`
	Service    string     `json:"service"`
	Priority   string     `json:"priority"`
	Status     string     `json:"status"`
	PrevStatus string     `json:"previous_status,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
}

// emitTicketEvents emits ticket.created (before is nil) or ticket.updated,
// and ticket.resolved when the change resolved the ticket.
func (tx *Tx) emitTicketEvents(before, after *itsm.Ticket) error {
	d := ticketEventData{ID: after.ID, Ref: after.Ref, Type: string(after.Type), OrgID: after.OrgID, Title: after.Title, Category: after.Category,
		Service: after.Service, Priority: after.Priority, Status: string(after.Status), CreatedAt: after.CreatedAt, UpdatedAt: after.UpdatedAt, ResolvedAt: after.ResolvedAt}
	org := after.OrgID
	if before == nil {
		return tx.emitWebhook("ticket.created", &org, d)
	}
	if before.Status != after.Status {
		d.PrevStatus = string(before.Status)
	}
	if err := tx.emitWebhook("ticket.updated", &org, d); err != nil {
		return err
	}
	if after.Status == itsm.StatusResolved && before.Status != itsm.StatusResolved {
		return tx.emitWebhook("ticket.resolved", &org, d)
	}
	return nil
}
