package api

import (
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// webhookCreate is the body of POST /api/v1/webhooks.
type webhookCreate struct {
	OrgID       *int64   `json:"organisation_id"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	EventTypes  []string `json:"event_types"`
}

// webhookChange is the body of PATCH /api/v1/webhooks/{id}.
type webhookChange struct {
	Version     *int64    `json:"version"`
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	EventTypes  *[]string `json:"event_types"`
	Active      *bool     `json:"active"`
}

// versionOnly is the body of an action that needs only the version read.
type versionOnly struct {
	Version *int64 `json:"version"`
}

// redelivery is the body of POST /api/v1/webhook-deliveries/{id}/redeliver.
type redelivery struct {
	Reason string `json:"reason"`
}

// deliveryWithAttempts is one delivery and its log.
type deliveryWithAttempts struct {
	*itsm.WebhookDelivery
	AttemptLog []*itsm.WebhookAttempt `json:"attempt_log"`
}

// listWebhooks serves GET /api/v1/webhooks: administrators, managers and
// auditors see every subscription, customer administrators their
// organisation's; anyone else is refused.
func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "organisation_id", "active")
	if err != nil {
		return err
	}
	f := itsm.WebhookFilter{OrgID: q.id("organisation_id"), Active: q.boolean("active")}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	subs, total, err := a.svc.Webhooks.FindWebhooks(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, subs, total, p)
	return nil
}

// createWebhook serves POST /api/v1/webhooks. The answer holds the secret,
// which is never shown again.
func (a *API) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhookCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.OrgID != nil && *in.OrgID < 1 {
		return fieldError("organisation_id", "Give organisation_id as the ID of a customer organisation, or leave it out for a global subscription.")
	}
	s := &itsm.WebhookSubscription{OrgID: in.OrgID, URL: in.URL, Description: in.Description, EventTypes: in.EventTypes, Active: true}
	if err := a.svc.Webhooks.CreateWebhook(r.Context(), s); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+strconv.FormatInt(s.ID, 10))
	writeRecord(w, http.StatusCreated, s.Version, s)
	return nil
}

// getWebhook serves GET /api/v1/webhooks/{id}.
func (a *API) getWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "webhook subscription")
	if err != nil {
		return err
	}
	s, err := a.svc.Webhooks.FindWebhookByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, s.Version, s)
	return nil
}

// updateWebhook serves PATCH /api/v1/webhooks/{id}.
func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "webhook subscription")
	if err != nil {
		return err
	}
	var in webhookChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.URL == nil && in.Description == nil && in.EventTypes == nil && in.Active == nil {
		return errNothingToChange
	}
	s, err := a.svc.Webhooks.UpdateWebhook(r.Context(), id, itsm.WebhookSubscriptionUpdate{URL: in.URL, Description: in.Description,
		EventTypes: in.EventTypes, Active: in.Active, Version: version})
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, s.Version, s)
	return nil
}

// rotateWebhookSecret serves POST /api/v1/webhooks/{id}/rotate-secret: the
// answer holds the new secret, once.
func (a *API) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "webhook subscription")
	if err != nil {
		return err
	}
	var in versionOnly
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	s, err := a.svc.Webhooks.RotateWebhookSecret(r.Context(), id, version)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, s.Version, s)
	return nil
}

// deleteWebhook serves DELETE /api/v1/webhooks/{id}: the subscription and
// its delivery log go; queued deliveries are dropped.
func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "webhook subscription")
	if err != nil {
		return err
	}
	s, err := a.svc.Webhooks.FindWebhookByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.svc.Webhooks.DeleteWebhook(r.Context(), id, s.Version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listWebhookDeliveries serves GET /api/v1/webhooks/{id}/deliveries,
// newest first.
func (a *API) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "webhook subscription")
	if err != nil {
		return err
	}
	p, err := listPaging(r)
	if err != nil {
		return err
	}
	ds, total, err := a.svc.Webhooks.FindWebhookDeliveries(r.Context(), id, p.offset, p.limit)
	if err != nil {
		return err
	}
	writePage(w, ds, total, p)
	return nil
}

// getWebhookDelivery serves GET /api/v1/webhook-deliveries/{id}: the
// delivery, its body and every attempt.
func (a *API) getWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	d, attempts, err := a.svc.Webhooks.FindWebhookDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	if attempts == nil {
		attempts = []*itsm.WebhookAttempt{}
	}
	writeJSON(w, http.StatusOK, deliveryWithAttempts{d, attempts})
	return nil
}

// redeliverWebhook serves POST /api/v1/webhook-deliveries/{id}/redeliver:
// the same body and delivery ID, signed anew when sent.
func (a *API) redeliverWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	var in redelivery
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	d, err := a.svc.Webhooks.RedeliverWebhook(r.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, d)
	return nil
}
