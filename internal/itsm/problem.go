package itsm

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ProblemStatus is where a problem investigation stands.
type ProblemStatus string

// Problem statuses.
const (
	ProblemOpen          ProblemStatus = "open"
	ProblemInvestigating ProblemStatus = "investigating"
	ProblemResolved      ProblemStatus = "resolved"
	ProblemClosed        ProblemStatus = "closed"
)

// ProblemStatuses lists the statuses in order.
var ProblemStatuses = []ProblemStatus{ProblemOpen, ProblemInvestigating, ProblemResolved, ProblemClosed}

// Valid reports whether s is a known status.
func (s ProblemStatus) Valid() bool {
	for _, x := range ProblemStatuses {
		if x == s {
			return true
		}
	}
	return false
}

// Problem is the underlying cause of one or more incidents.
type Problem struct {
	ID          int64         `json:"id"`
	Ref         string        `json:"ref"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	RootCause   string        `json:"root_cause"`
	Workaround  string        `json:"workaround"`
	KnownError  bool          `json:"known_error"`
	Status      ProblemStatus `json:"status"`
	ProviderID  *int64        `json:"provider_id"`
	Provider    string        `json:"provider_name"`
	OwnerID     *int64        `json:"owner_id"`
	Owner       string        `json:"owner_name"`
	Incidents   int           `json:"incident_count"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Version     int64         `json:"version"`
}

// ProblemRef formats a problem reference.
func ProblemRef(n int64) string { return fmt.Sprintf("PRB-%06d", n) }

// Validate checks a problem's fields.
func (p *Problem) Validate() error {
	var v Validation
	p.Title = strings.TrimSpace(p.Title)
	v.Check(p.Title != "", "title", "Enter a short summary of the problem.")
	v.Check(utf8.RuneCountInString(p.Title) <= 200 && !HasControl(p.Title), "title", "The summary must be 200 characters or fewer, without control characters.")
	for _, f := range []struct{ name, val string }{{"description", p.Description}, {"root_cause", p.RootCause}, {"workaround", p.Workaround}} {
		v.Check(len(f.val) <= 20000, f.name, "Use 20,000 characters or fewer.")
	}
	if p.Status == "" {
		p.Status = ProblemOpen
	}
	v.Check(p.Status.Valid(), "status", "Choose open, investigating, resolved or closed.")
	if p.KnownError {
		v.Check(strings.TrimSpace(p.Workaround) != "", "workaround", "A known error needs a workaround, even if it is 'none yet'.")
	}
	return v.Err()
}

// ProblemFilter selects problems.
type ProblemFilter struct {
	Status     *ProblemStatus
	KnownError *bool
	ProviderID *int64
	Offset     int
	Limit      int
}

// ProblemUpdate is a partial change.
type ProblemUpdate struct {
	Title       *string
	Description *string
	RootCause   *string
	Workaround  *string
	KnownError  *bool
	Status      *ProblemStatus
	ProviderID  *int64
	OwnerID     *int64
	Version     int64
}

// ProblemService manages problems. Programme staff manage them; providers
// read and update those assigned to them; auditors read all; customers
// see only the known errors linked to their own tickets, on the ticket.
type ProblemService interface {
	CreateProblem(ctx context.Context, p *Problem) error
	FindProblemByID(ctx context.Context, id int64) (*Problem, error)
	FindProblems(ctx context.Context, f ProblemFilter) ([]*Problem, int, error)
	UpdateProblem(ctx context.Context, id int64, upd ProblemUpdate) (*Problem, error)
	// LinkIncident records that a ticket is caused by the problem.
	LinkIncident(ctx context.Context, problemID, ticketID int64) error
	// UnlinkIncident removes that link.
	UnlinkIncident(ctx context.Context, problemID, ticketID int64) error
	// ProblemIncidents lists the tickets linked to a problem that the
	// caller may see.
	ProblemIncidents(ctx context.Context, problemID int64) ([]*Ticket, error)
	// TicketProblems lists the problems linked to a ticket; customers get
	// only known errors, with title and workaround.
	TicketProblems(ctx context.Context, ticketID int64) ([]*Problem, error)
}
