package itsm

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// WebhookEventTypes are the events a subscription may ask for. A type ending
// in ".*" stands for every event of its kind ("change.*" is change.created,
// change.approved and any added later). Events of areas still being built are
// listed and accepted so that subscriptions can be set up ahead of them.
var WebhookEventTypes = []IntegrationChoice{
	{"ticket.created", "A ticket is raised"},
	{"ticket.updated", "A ticket changes (status, priority, assignment, escalation)"},
	{"ticket.resolved", "A ticket is resolved"},
	{"change.*", "Any change request event"},
	{"release.*", "Any release event"},
	{"document.published", "A document version is published"},
}

// WebhookSignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>" keyed with the subscription's secret>".
const WebhookSignatureHeader = "Steward-Signature"

// WebhookReplayWindow is how old a signature timestamp receivers should
// accept; older deliveries are to be refused as replays.
const WebhookReplayWindow = 5 * time.Minute

// WebhookMatches reports whether a subscription's event types include the
// event type.
func WebhookMatches(subscribed []string, eventType string) bool {
	for _, s := range subscribed {
		if s == eventType || (strings.HasSuffix(s, ".*") && strings.HasPrefix(eventType, strings.TrimSuffix(s, "*"))) {
			return true
		}
	}
	return false
}

// WebhookSubscription sends events to a receiver's URL. OrgID nil is a
// global subscription (every organisation's events, managed by programme
// administrators and managers); otherwise only that organisation's events
// (managed also by its customer administrators).
type WebhookSubscription struct {
	ID          int64    `json:"id"`
	OrgID       *int64   `json:"organisation_id"`
	OrgName     string   `json:"organisation_name"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	EventTypes  []string `json:"event_types"`
	Active      bool     `json:"active"`
	// Secret is set only in the answer that creates the subscription or
	// rotates its secret; it is never shown again.
	Secret          string    `json:"secret,omitempty"`
	SecretRotatedAt time.Time `json:"secret_rotated_at"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Version         int64     `json:"version"`
}

// Validate checks a subscription's own fields.
func (s *WebhookSubscription) Validate() error {
	var v Validation
	s.URL = strings.TrimSpace(s.URL)
	s.Description = strings.TrimSpace(s.Description)
	if msg := CheckWebhookURL(s.URL); msg != "" {
		v.Add("url", msg)
	}
	v.Check(utf8.RuneCountInString(s.Description) <= 200 && !HasControl(s.Description), "description", "The description must be 200 characters or fewer, without control characters.")
	seen := map[string]bool{}
	var types []string
	for _, t := range s.EventTypes {
		t = strings.TrimSpace(t)
		if seen[t] {
			continue
		}
		seen[t] = true
		types = append(types, t)
		if _, ok := ChoiceValue(WebhookEventTypes, t); !ok || strings.Contains(t, " ") {
			v.Add("event_types", "Choose event types from the list: ticket.created, ticket.updated, ticket.resolved, change.*, release.* or document.published.")
		}
	}
	s.EventTypes = types
	v.Check(len(types) > 0, "event_types", "Choose at least one event type.")
	return v.Err()
}

// CheckWebhookURL returns why a receiver URL is refused, or "". It must be
// https, or http to a loopback host (for development). Whether the host
// resolves to an address deliveries may reach is checked at each delivery,
// on the address actually dialled.
func CheckWebhookURL(raw string) string {
	if raw == "" {
		return "Enter the URL of the receiver, like https://erp.example.org/steward/webhook."
	}
	if len(raw) > 2000 || HasControl(raw) {
		return "The URL must be 2,000 characters or fewer, without spaces or control characters."
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "Enter a full URL, like https://erp.example.org/steward/webhook."
	}
	if u.User != nil {
		return "The URL must not contain a user name or password; the signature authenticates deliveries."
	}
	if u.Fragment != "" || strings.ContainsAny(raw, " \t") {
		return "The URL must not contain spaces or a # fragment."
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return ""
		}
		return "Use an https URL; plain http is allowed only to localhost, for development."
	}
	return "Use an https URL."
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// WebhookSubscriptionUpdate is a partial change; nil fields are left alone.
type WebhookSubscriptionUpdate struct {
	URL         *string
	Description *string
	EventTypes  *[]string
	Active      *bool
	Version     int64
}

// WebhookFilter selects subscriptions.
type WebhookFilter struct {
	OrgID  *int64 // 0 selects global subscriptions
	Active *bool
	Offset int
	Limit  int
}

// WebhookEvent is the JSON body of every delivery.
type WebhookEvent struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	OrgID      *int64          `json:"organisation_id"`
	Data       json.RawMessage `json:"data"`
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event sent (or to be sent) to one subscription.
// DeliveryID is sent as the Steward-Delivery header and stays the same on
// every attempt and redelivery, so that receivers can ignore repeats.
type WebhookDelivery struct {
	ID             int64      `json:"id"`
	DeliveryID     string     `json:"delivery_id"`
	SubscriptionID int64      `json:"subscription_id"`
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type"`
	OrgID          *int64     `json:"organisation_id"`
	Body           string     `json:"body"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatus     *int       `json:"last_response_status"`
	LastAttemptAt  *time.Time `json:"last_attempt_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

// WebhookAttempt is one try at a delivery: when, the receiver's answer (or
// the error), how long it took and the start of what it said.
type WebhookAttempt struct {
	At             time.Time `json:"at"`
	Manual         bool      `json:"manual"`
	ResponseStatus *int      `json:"response_status"`
	LatencyMS      int64     `json:"latency_ms"`
	ResponseBody   string    `json:"response_body"`
	Error          string    `json:"error"`
}

// Succeeded reports whether the receiver accepted the delivery (2xx).
func (a WebhookAttempt) Succeeded() bool {
	return a.Error == "" && a.ResponseStatus != nil && *a.ResponseStatus >= 200 && *a.ResponseStatus < 300
}

// MaxWebhookResponseBody is how much of a receiver's answer is kept.
const MaxWebhookResponseBody = 2048

// WebhookJob delivers one delivery; Manual marks a redelivery someone asked
// for.
type WebhookJob struct {
	DeliveryID int64 `json:"delivery_id"`
	Manual     bool  `json:"manual,omitempty"`
}

// Kind implements Job.
func (WebhookJob) Kind() string { return "webhook" }

// WebhookSend is what the delivery worker needs to send a delivery.
type WebhookSend struct {
	DeliveryID string
	EventType  string
	URL        string
	Secret     string
	Body       []byte
	Active     bool
}

// CanManageWebhooks reports whether the actor may manage some
// subscriptions: programme administrators and managers (all), customer
// administrators (their organisation's).
func (a *Actor) CanManageWebhooks() bool {
	if a.ReadOnly() {
		return false
	}
	return a.System || (a.OrgKind == OrgProgramme && (a.Role == RoleAdmin || a.Role == RoleManager)) ||
		(a.Role == RoleCustomerAdmin && a.OrgKind == OrgCustomer)
}

// CanReadWebhooks reports whether the actor may browse subscriptions:
// whoever manages them, and auditors (who read everything).
func (a *Actor) CanReadWebhooks() bool { return a.CanManageWebhooks() || a.Role == RoleAuditor }

// WebhookScope returns the one organisation whose subscriptions the actor
// sees, 0 for all.
func (a *Actor) WebhookScope() int64 {
	if a.Role == RoleCustomerAdmin && !a.System {
		return a.OrgID
	}
	return 0
}

// WebhookService manages subscriptions and their deliveries. Reads of a
// subscription the caller may not see are ENOTFOUND; changes by those who
// may only read are EFORBIDDEN.
type WebhookService interface {
	// CreateWebhook stores a subscription with a new secret, returned once
	// in s.Secret.
	CreateWebhook(ctx context.Context, s *WebhookSubscription) error
	FindWebhookByID(ctx context.Context, id int64) (*WebhookSubscription, error)
	FindWebhooks(ctx context.Context, f WebhookFilter) ([]*WebhookSubscription, int, error)
	UpdateWebhook(ctx context.Context, id int64, upd WebhookSubscriptionUpdate) (*WebhookSubscription, error)
	// RotateWebhookSecret replaces the secret; the new one is returned
	// once, in Secret.
	RotateWebhookSecret(ctx context.Context, id int64, version int64) (*WebhookSubscription, error)
	DeleteWebhook(ctx context.Context, id int64, version int64) error
	// FindWebhookDeliveries lists a subscription's deliveries, newest first.
	FindWebhookDeliveries(ctx context.Context, subscriptionID int64, offset, limit int) ([]*WebhookDelivery, int, error)
	// FindWebhookDelivery returns one delivery and its attempts, oldest
	// first.
	FindWebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, []*WebhookAttempt, error)
	// RedeliverWebhook queues the delivery again: the same body and
	// delivery ID, a new signature timestamp. The reason, if given, is
	// audited.
	RedeliverWebhook(ctx context.Context, id int64, reason string) (*WebhookDelivery, error)
}

// WebhookOutbox is what the delivery worker calls, as the system.
type WebhookOutbox interface {
	// WebhookToSend returns what to send for a delivery; ENOTFOUND when the
	// delivery or its subscription is gone.
	WebhookToSend(ctx context.Context, deliveryID int64) (*WebhookSend, error)
	// RecordWebhookAttempt logs one attempt and updates the delivery's
	// state.
	RecordWebhookAttempt(ctx context.Context, deliveryID int64, at WebhookAttempt) error
}
