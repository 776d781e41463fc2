package itsm

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/sla"
)

// TicketType distinguishes incidents (something is broken) from requests
// (questions, how-to, integration issues).
type TicketType string

// Ticket types.
const (
	Incident TicketType = "incident"
	Request  TicketType = "request"
)

// Valid reports whether t is a known type.
func (t TicketType) Valid() bool { return t == Incident || t == Request }

// Label is the type as a person reads it.
func (t TicketType) Label() string {
	if t == Request {
		return "Request"
	}
	return "Incident"
}

// RefPrefix is the prefix of the type's reference numbers.
func (t TicketType) RefPrefix() string {
	if t == Request {
		return "REQ"
	}
	return "INC"
}

// TicketRef formats a ticket reference people can say on the phone.
func TicketRef(t TicketType, number int64) string {
	return fmt.Sprintf("%s-%06d", t.RefPrefix(), number)
}

// TicketStatus is where a ticket stands. The values are the words people
// use, so that service agreements name their pausing statuses plainly.
type TicketStatus string

// Ticket statuses.
const (
	StatusNew             TicketStatus = "new"
	StatusAssigned        TicketStatus = "assigned"
	StatusInProgress      TicketStatus = "in progress"
	StatusPendingCustomer TicketStatus = "pending customer"
	StatusPendingProvider TicketStatus = "pending provider"
	StatusResolved        TicketStatus = "resolved"
	StatusClosed          TicketStatus = "closed"
)

// TicketStatuses lists the statuses in lifecycle order.
var TicketStatuses = []TicketStatus{StatusNew, StatusAssigned, StatusInProgress, StatusPendingCustomer, StatusPendingProvider, StatusResolved, StatusClosed}

// Valid reports whether s is a known status.
func (s TicketStatus) Valid() bool {
	for _, x := range TicketStatuses {
		if x == s {
			return true
		}
	}
	return false
}

// Label is the status with a capital letter.
func (s TicketStatus) Label() string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Open reports whether the ticket still needs work.
func (s TicketStatus) Open() bool { return s != StatusResolved && s != StatusClosed }

// ticketMoves is the lifecycle: from each status, where a ticket may go.
var ticketMoves = map[TicketStatus][]TicketStatus{
	StatusNew:             {StatusAssigned, StatusInProgress, StatusPendingCustomer, StatusPendingProvider, StatusResolved},
	StatusAssigned:        {StatusInProgress, StatusPendingCustomer, StatusPendingProvider, StatusResolved},
	StatusInProgress:      {StatusPendingCustomer, StatusPendingProvider, StatusResolved},
	StatusPendingCustomer: {StatusInProgress, StatusResolved},
	StatusPendingProvider: {StatusInProgress, StatusResolved},
	StatusResolved:        {StatusClosed, StatusInProgress},
	StatusClosed:          {},
}

// NextStatuses returns where a ticket in status s may move.
func NextStatuses(s TicketStatus) []TicketStatus { return ticketMoves[s] }

// CanMove reports whether the lifecycle allows from → to, and if not, a
// sentence saying why.
func CanMove(from, to TicketStatus) (bool, string) {
	if !to.Valid() {
		return false, fmt.Sprintf("%q is not a ticket status.", to)
	}
	if from == to {
		return false, fmt.Sprintf("The ticket is already %s.", from)
	}
	for _, s := range ticketMoves[from] {
		if s == to {
			return true, ""
		}
	}
	if from == StatusClosed {
		return false, "The ticket is closed; raise a new one and mention this reference."
	}
	return false, fmt.Sprintf("A ticket that is %s cannot move to %s.", from, to)
}

// Level is an impact or urgency level.
type Level string

// Levels.
const (
	High   Level = "high"
	Medium Level = "medium"
	Low    Level = "low"
)

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l == High || l == Medium || l == Low }

// Label is the level with a capital letter.
func (l Level) Label() string {
	if l == "" {
		return ""
	}
	return strings.ToUpper(string(l[:1])) + string(l[1:])
}

// Priorities, most urgent first.
var Priorities = []string{"P1", "P2", "P3", "P4"}

// ValidPriority reports whether p is P1..P4.
func ValidPriority(p string) bool {
	for _, x := range Priorities {
		if x == p {
			return true
		}
	}
	return false
}

// PriorityMatrix maps impact × urgency to a priority.
type PriorityMatrix map[Level]map[Level]string

// DefaultPriorityMatrix is the usual ITIL matrix: high/high is P1,
// low/low is P4.
var DefaultPriorityMatrix = PriorityMatrix{
	High:   {High: "P1", Medium: "P2", Low: "P3"},
	Medium: {High: "P2", Medium: "P3", Low: "P4"},
	Low:    {High: "P3", Medium: "P4", Low: "P4"},
}

// Priority returns the priority for an impact and urgency.
func (m PriorityMatrix) Priority(impact, urgency Level) string {
	if p, ok := m[impact][urgency]; ok {
		return p
	}
	return "P4"
}

// Ticket is an incident or a request.
type Ticket struct {
	ID          int64        `json:"id"`
	Ref         string       `json:"ref"`
	Type        TicketType   `json:"type"`
	OrgID       int64        `json:"organisation_id"`
	OrgName     string       `json:"organisation_name"`
	RequesterID int64        `json:"requester_id"`
	Requester   string       `json:"requester_name"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Category    string       `json:"category"`
	Service     string       `json:"service"`
	Component   string       `json:"component"`
	Impact      Level        `json:"impact"`
	Urgency     Level        `json:"urgency"`
	Priority    string       `json:"priority"`
	Status      TicketStatus `json:"status"`
	AssigneeID  *int64       `json:"assignee_id"`
	Assignee    string       `json:"assignee_name"`
	ProviderID  *int64       `json:"provider_id"`
	Provider    string       `json:"provider_name"`
	AgreementID *int64       `json:"agreement_id"`
	// ResponseDue and ResolutionDue are derived from the event history each
	// time it changes; they are stored only so queues can sort and filter
	// by them.
	ResponseDue        *time.Time `json:"response_due"`
	ResponseMetAt      *time.Time `json:"response_met_at"`
	ResolutionDue      *time.Time `json:"resolution_due"`
	ResponseBreached   bool       `json:"response_breached"`
	ResolutionBreached bool       `json:"resolution_breached"`
	ExternalRef        string     `json:"external_ref,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	ResolvedAt         *time.Time `json:"resolved_at"`
	ClosedAt           *time.Time `json:"closed_at"`
	Version            int64      `json:"version"`
}

// Ticket categories offered on forms; imported tickets may carry others.
var TicketCategories = []string{"Access and sign-in", "Ordering and catalogues", "Invoices and payments", "Finance integration", IntegrationIssueCategory, "Supplier management", "Reports", "Performance", "How to", "Other"}

// NewTicket is what a person submits to open a ticket.
type NewTicket struct {
	Type        TicketType
	OrgID       int64 // staff choose; customers get their own
	RequesterID int64 // staff may raise on behalf of a customer user
	Title       string
	Description string
	Category    string
	Service     string
	Component   string
	Impact      Level
	Urgency     Level
	// Priority overrides the matrix (staff only) and needs a reason.
	Priority       string
	PriorityReason string
}

// Validate checks a new ticket's own fields.
func (n *NewTicket) Validate() error {
	var v Validation
	n.Title = strings.TrimSpace(n.Title)
	n.Description = strings.TrimSpace(n.Description)
	if n.Type == "" {
		n.Type = Incident
	}
	v.Check(n.Type.Valid(), "type", "Choose whether this is an incident or a request.")
	v.Check(n.Title != "", "title", "Enter a short summary of the problem.")
	v.Check(utf8.RuneCountInString(n.Title) <= 200, "title", "The summary must be 200 characters or fewer.")
	v.Check(!HasControl(n.Title), "title", "The summary must not contain control characters.")
	v.Check(n.Description != "", "description", "Describe what happened, what you expected and who is affected.")
	v.Check(len(n.Description) <= 20000, "description", "The description must be 20,000 characters or fewer.")
	v.Check(utf8.RuneCountInString(n.Category) <= 100 && !HasControl(n.Category), "category", "Choose a category.")
	v.Check(utf8.RuneCountInString(n.Service) <= 100 && !HasControl(n.Service), "service", "The service name must be 100 characters or fewer.")
	v.Check(utf8.RuneCountInString(n.Component) <= 100 && !HasControl(n.Component), "component", "The component name must be 100 characters or fewer.")
	if n.Impact == "" {
		n.Impact = Medium
	}
	if n.Urgency == "" {
		n.Urgency = Medium
	}
	v.Check(n.Impact.Valid(), "impact", "Choose high, medium or low impact.")
	v.Check(n.Urgency.Valid(), "urgency", "Choose high, medium or low urgency.")
	if n.Priority != "" {
		v.Check(ValidPriority(n.Priority), "priority", "Choose a priority from P1 to P4.")
		v.Check(strings.TrimSpace(n.PriorityReason) != "", "priority_reason", "Give a reason for overriding the priority.")
	}
	return v.Err()
}

// TicketTotalCap is where ticket counts stop: FindTickets reports a total of
// TicketTotalCap+1 for "more than 10,000", because counting a million-ticket
// history exactly would cost far more than showing a page of it.
const TicketTotalCap = 10000

// TicketFilter selects tickets. Nil fields do not filter.
type TicketFilter struct {
	ID          *int64
	Ref         *string
	Type        *TicketType
	OrgID       *int64
	RequesterID *int64
	Status      []TicketStatus
	Open        *bool
	Priority    *string
	AssigneeID  *int64
	Unassigned  bool
	ProviderID  *int64
	Category    *string
	// BreachingBefore selects open tickets whose response or resolution is
	// due before this instant ("breaching soon").
	BreachingBefore *time.Time
	Query           *string // full-text search
	Sort            string  // "-created" (default), "created", "priority", "due", "-updated", "ref"
	Offset          int
	Limit           int
}

// TicketEvent is one line of a ticket's history; the SLA clocks are
// recomputed from these.
type TicketEvent struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket_id"`
	At       time.Time `json:"at"`
	// Type: created, public_reply, internal_note, status, priority,
	// assign, escalate, attachment, watch, link.
	Type      string `json:"type"`
	ActorID   *int64 `json:"actor_id"`
	ActorName string `json:"actor_name"`
	// By is "staff" (programme or provider) or "customer" for replies.
	By       string       `json:"by,omitempty"`
	Status   TicketStatus `json:"status,omitempty"`
	Priority string       `json:"priority,omitempty"`
	Body     string       `json:"body,omitempty"`
	Public   bool         `json:"public"`
}

// Comment is a reply or note to add to a ticket.
type Comment struct {
	Body string
	// Internal notes are seen by programme and provider staff only.
	Internal bool
}

// TicketUpdate changes a ticket's classification, status or assignment.
// Nil fields are left alone.
type TicketUpdate struct {
	Status         *TicketStatus
	Priority       *string
	PriorityReason string
	AssigneeID     *int64 // 0 unassigns
	ProviderID     *int64 // 0 withdraws the escalation
	Category       *string
	Service        *string
	Component      *string
	// Note is a public reply written with the change (e.g. the resolution).
	Note    string
	Version int64
}

// TicketService manages incidents and requests.
type TicketService interface {
	// CreateTicket opens a ticket. EINVALID, EFORBIDDEN.
	CreateTicket(ctx context.Context, n NewTicket) (*Ticket, error)
	// FindTicketByID returns ENOTFOUND when absent or not visible.
	FindTicketByID(ctx context.Context, id int64) (*Ticket, error)
	// FindTicketByRef finds by reference (INC-000123).
	FindTicketByRef(ctx context.Context, ref string) (*Ticket, error)
	// FindTickets returns a page and the total matching.
	FindTickets(ctx context.Context, f TicketFilter) ([]*Ticket, int, error)
	// TicketEvents returns the history the caller may see (customers do not
	// see internal notes).
	TicketEvents(ctx context.Context, id int64) ([]*TicketEvent, error)
	// AddComment adds a public reply or an internal note.
	AddComment(ctx context.Context, id int64, c Comment) (*TicketEvent, error)
	// UpdateTicket changes status, priority, assignment or classification.
	UpdateTicket(ctx context.Context, id int64, upd TicketUpdate) (*Ticket, error)
	// ReopenTicket re-opens a resolved ticket within the reopen window.
	ReopenTicket(ctx context.Context, id int64, reason string, version int64) (*Ticket, error)
	// TicketSLA evaluates the ticket's SLA clocks now from its history, for
	// the timeline view; nil when the ticket has no service agreement.
	TicketSLA(ctx context.Context, id int64) (*sla.Result, error)
}
