package itsm

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// EscalationStatus is where an escalation stands.
type EscalationStatus string

// Escalation statuses.
const (
	EscalationOpen         EscalationStatus = "open"
	EscalationAcknowledged EscalationStatus = "acknowledged"
	EscalationResolved     EscalationStatus = "resolved"
)

// EscalationTarget is how much business time the team has at each level
// before the escalation is overdue: one working day at level 1, half a day
// at level 2, two hours at level 3.
var EscalationTarget = map[int]time.Duration{1: 8 * time.Hour, 2: 4 * time.Hour, 3: 2 * time.Hour}

// Escalation is a customer's dispute of a ticket's handling, typically of a
// resolution from the provider. The programme team is the escalation point:
// it has levels 1–3, named contacts per provider and level, its own clock
// and a history.
type Escalation struct {
	ID        int64            `json:"id"`
	TicketID  int64            `json:"ticket_id"`
	TicketRef string           `json:"ticket_ref"`
	Title     string           `json:"ticket_title"`
	OrgID     int64            `json:"organisation_id"`
	OrgName   string           `json:"organisation_name"`
	Level     int              `json:"level"`
	Status    EscalationStatus `json:"status"`
	Reason    string           `json:"reason"`
	RaisedBy  string           `json:"raised_by_name"`
	OwnerID   *int64           `json:"owner_id"`
	Owner     string           `json:"owner_name"`
	DueAt     *time.Time       `json:"due_at"`
	Overdue   bool             `json:"overdue"`
	Outcome   string           `json:"outcome"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
	ClosedAt  *time.Time       `json:"closed_at"`
	Version   int64            `json:"version"`
}

// EscalationEvent is one line of an escalation's history.
type EscalationEvent struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor_name"`
	Type  string    `json:"type"` // raised, acknowledged, level, note, resolved
	Level int       `json:"level"`
	Body  string    `json:"body"`
}

// EscalationContact is a named person at a provider to notify when an
// escalation reaches a level.
type EscalationContact struct {
	ID         int64  `json:"id"`
	ProviderID int64  `json:"provider_id"`
	Level      int    `json:"level"`
	Name       string `json:"name"`
	Email      string `json:"email"`
}

// Validate checks a contact.
func (c *EscalationContact) Validate() error {
	var v Validation
	c.Name = strings.TrimSpace(c.Name)
	c.Email = NormaliseEmail(c.Email)
	v.Check(c.ProviderID > 0, "provider_id", "Choose the provider.")
	v.Check(c.Level >= 1 && c.Level <= 3, "level", "Choose level 1, 2 or 3.")
	v.Check(c.Name != "" && utf8.RuneCountInString(c.Name) <= 200 && !HasControl(c.Name), "name", "Enter the contact's name.")
	v.Check(ValidEmail(c.Email), "email", "Enter an email address in the correct format, like name@example.org.")
	return v.Err()
}

// EscalationFilter selects escalations.
type EscalationFilter struct {
	Open     *bool
	TicketID *int64
	Level    *int
	Offset   int
	Limit    int
}

// EscalationAction is what the team does to an escalation.
type EscalationAction struct {
	// Action: acknowledge, raise (to the next level), note, resolve.
	Action  string
	Body    string
	OwnerID *int64
	Version int64
}

// EscalationService manages escalations.
type EscalationService interface {
	// Escalate lets a customer dispute a ticket (reason required); a
	// resolved ticket is put back in progress.
	Escalate(ctx context.Context, ticketID int64, reason string) (*Escalation, error)
	FindEscalations(ctx context.Context, f EscalationFilter) ([]*Escalation, int, error)
	FindEscalationByID(ctx context.Context, id int64) (*Escalation, error)
	EscalationHistory(ctx context.Context, id int64) ([]*EscalationEvent, error)
	ActOnEscalation(ctx context.Context, id int64, act EscalationAction) (*Escalation, error)
	FindEscalationContacts(ctx context.Context, providerID int64) ([]*EscalationContact, error)
	AddEscalationContact(ctx context.Context, c *EscalationContact) error
	RemoveEscalationContact(ctx context.Context, id int64) error
}
