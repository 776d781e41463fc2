package itsm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// ImportedTicket is a ticket read from another service desk's export, with
// its history, ready to be created or brought up to date in Steward.
// ExternalRef identifies it in the source ("servicenow:INC0000045"): a
// second import of the same ticket updates it instead of duplicating it.
type ImportedTicket struct {
	ExternalRef string       `json:"external_ref"`
	Type        TicketType   `json:"type"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Category    string       `json:"category"`
	Service     string       `json:"service"`
	Component   string       `json:"component"`
	Requester   string       `json:"requester"` // the caller as the source names them; not a Steward user
	Impact      Level        `json:"impact"`
	Urgency     Level        `json:"urgency"`
	Priority    string       `json:"priority"`
	Status      TicketStatus `json:"status"`
	CreatedAt   time.Time    `json:"created_at"`
	// UpdatedAt is the source's last change to the ticket.
	UpdatedAt  time.Time  `json:"updated_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	ClosedAt   *time.Time `json:"closed_at"`
	// Events is the history in time order; the first is the created event
	// at CreatedAt. The SLA clocks are computed from it.
	Events []ImportedEvent `json:"events"`
}

// ImportedEvent is one line of an imported ticket's history. Types and
// fields are those of TicketEvent: created, status, priority, public_reply
// (By "staff" or "customer") and internal_note.
type ImportedEvent struct {
	At        time.Time    `json:"at"`
	Type      string       `json:"type"`
	ActorName string       `json:"actor_name"`
	By        string       `json:"by,omitempty"`
	Status    TicketStatus `json:"status,omitempty"`
	Priority  string       `json:"priority,omitempty"`
	Body      string       `json:"body,omitempty"`
	Public    bool         `json:"public"`
}

// importedEventTypes are the history lines an import may carry.
var importedEventTypes = map[string]bool{"created": true, "status": true, "priority": true, "public_reply": true, "internal_note": true}

// Validate checks an imported ticket before it is stored. The message names
// the ticket by its external reference, since imports report many at once.
func (t *ImportedTicket) Validate() error {
	var v Validation
	short := func(field, s string, max int) {
		v.Check(utf8.RuneCountInString(s) <= max && !HasControl(s), field, fmt.Sprintf("%s: the %s must be %d characters or fewer, without control characters.", t.ExternalRef, field, max))
	}
	v.Check(strings.TrimSpace(t.ExternalRef) != "", "external_ref", "An imported ticket needs its reference in the source.")
	short("external_ref", t.ExternalRef, 200)
	v.Check(t.Type.Valid(), "type", fmt.Sprintf("%s: %q is not a ticket type.", t.ExternalRef, t.Type))
	v.Check(strings.TrimSpace(t.Title) != "", "title", fmt.Sprintf("%s: the ticket has no title.", t.ExternalRef))
	short("title", t.Title, 200)
	v.Check(len(t.Description) <= 20000 && utf8.ValidString(t.Description), "description", fmt.Sprintf("%s: the description must be valid text of 20,000 characters or fewer.", t.ExternalRef))
	short("category", t.Category, 100)
	short("service", t.Service, 100)
	short("component", t.Component, 100)
	short("requester", t.Requester, 200)
	v.Check(t.Impact.Valid(), "impact", fmt.Sprintf("%s: %q is not an impact.", t.ExternalRef, t.Impact))
	v.Check(t.Urgency.Valid(), "urgency", fmt.Sprintf("%s: %q is not an urgency.", t.ExternalRef, t.Urgency))
	v.Check(ValidPriority(t.Priority), "priority", fmt.Sprintf("%s: %q is not a priority from P1 to P4.", t.ExternalRef, t.Priority))
	v.Check(t.Status.Valid(), "status", fmt.Sprintf("%s: %q is not a ticket status.", t.ExternalRef, t.Status))
	v.Check(!t.CreatedAt.IsZero(), "created_at", fmt.Sprintf("%s: the ticket has no creation time.", t.ExternalRef))
	if len(t.Events) == 0 || t.Events[0].Type != "created" || !t.Events[0].At.Equal(t.CreatedAt) {
		v.Add("events", fmt.Sprintf("%s: the history must start with the created event at the creation time.", t.ExternalRef))
	}
	for i, e := range t.Events {
		field := fmt.Sprintf("events[%d]", i)
		switch {
		case !importedEventTypes[e.Type]:
			v.Add(field, fmt.Sprintf("%s: %q is not an event type that can be imported.", t.ExternalRef, e.Type))
		case i > 0 && e.Type == "created":
			v.Add(field, fmt.Sprintf("%s: a ticket is created only once.", t.ExternalRef))
		case i > 0 && e.At.Before(t.Events[i-1].At):
			v.Add(field, fmt.Sprintf("%s: the history is not in time order at event %d.", t.ExternalRef, i+1))
		case e.Type == "status" && !e.Status.Valid():
			v.Add(field, fmt.Sprintf("%s: %q is not a ticket status.", t.ExternalRef, e.Status))
		case e.Type == "priority" && !ValidPriority(e.Priority):
			v.Add(field, fmt.Sprintf("%s: %q is not a priority from P1 to P4.", t.ExternalRef, e.Priority))
		case e.Type == "public_reply" && e.By != "staff" && e.By != "customer":
			v.Add(field, fmt.Sprintf("%s: a reply is by staff or customer, not %q.", t.ExternalRef, e.By))
		case len(e.Body) > 20000 || !utf8.ValidString(e.Body) || utf8.RuneCountInString(e.ActorName) > 200:
			v.Add(field, fmt.Sprintf("%s: event %d is too long or not valid text.", t.ExternalRef, i+1))
		}
	}
	return v.Err()
}

// ContentHash is a digest of everything the ticket says, times in UTC. An
// import whose digest matches the stored one has nothing to change.
func (t *ImportedTicket) ContentHash() string {
	c := *t
	utc := func(p *time.Time) *time.Time {
		if p == nil {
			return nil
		}
		u := p.UTC()
		return &u
	}
	c.CreatedAt, c.UpdatedAt, c.ResolvedAt, c.ClosedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC(), utc(t.ResolvedAt), utc(t.ClosedAt)
	c.Events = make([]ImportedEvent, len(t.Events))
	for i, e := range t.Events {
		e.At = e.At.UTC()
		c.Events[i] = e
	}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(append([]byte("steward-import-v1\n"), b...))
	return hex.EncodeToString(sum[:])
}

// ImportResult says what an import did to the stored tickets.
type ImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// WithoutAgreement counts the created or updated tickets for which no
	// service agreement was in force when they were created: they have no
	// SLA clocks.
	WithoutAgreement int `json:"without_agreement"`
	// Skipped lists the tickets left alone, and why.
	Skipped []ImportSkip `json:"skipped"`
}

// ImportSkip is a ticket an import refused, with the sentence saying why.
type ImportSkip struct {
	ExternalRef string `json:"external_ref"`
	Reason      string `json:"reason"`
}

// Add accumulates another batch's result.
func (r *ImportResult) Add(o ImportResult) {
	r.Created += o.Created
	r.Updated += o.Updated
	r.Unchanged += o.Unchanged
	r.WithoutAgreement += o.WithoutAgreement
	r.Skipped = append(r.Skipped, o.Skipped...)
}

// ImportSummary is what reading an export found: how much, what could not
// be read, which values had no mapping and the rules applied.
type ImportSummary struct {
	Source    string `json:"source"`
	Rows      int    `json:"rows"`  // data rows read, header excluded
	Bytes     int64  `json:"bytes"` // bytes of CSV read
	Incidents int    `json:"incidents"`
	// BadRows are rows that could not be used at all, in file order.
	BadRows []ImportProblem `json:"bad_rows"`
	// Unknown lists values outside the mapping, each handled by the rule
	// it names, most frequent first.
	Unknown []UnknownValue `json:"unknown"`
	// Clamped lists rows whose time was earlier than the row before them
	// in the history (or than the creation) and were moved up to it, so
	// that the history is in time order.
	Clamped []ImportProblem `json:"clamped"`
	// Rules are the mapping rules applied, in sentences for the operator.
	Rules []string `json:"rules"`
}

// ImportProblem is one unusable row of an export.
type ImportProblem struct {
	Line    int    `json:"line"`
	Ref     string `json:"ref,omitempty"`
	Problem string `json:"problem"`
}

// UnknownValue is a value of a column that the mapping does not know, how
// often it occurred, where first (up to MaxLines line numbers) and the
// rule that was applied to it.
type UnknownValue struct {
	Column string `json:"column"`
	Value  string `json:"value"`
	Count  int    `json:"count"`
	Lines  []int  `json:"lines"`
	Rule   string `json:"rule"`
}

// MaxLines is how many line numbers an UnknownValue keeps.
const MaxLines = 20

// SortUnknown orders unknown values most frequent first, then by column
// and value, so summaries read the same on every run.
func SortUnknown(u []UnknownValue) {
	sort.Slice(u, func(i, j int) bool {
		if u[i].Count != u[j].Count {
			return u[i].Count > u[j].Count
		}
		if u[i].Column != u[j].Column {
			return u[i].Column < u[j].Column
		}
		return u[i].Value < u[j].Value
	})
}

// TicketImporter stores imported tickets.
type TicketImporter interface {
	// ImportTickets creates or brings up to date the tickets of one
	// customer organisation, all or nothing, matching them by ExternalRef:
	// an unchanged ticket is left alone, a changed one is updated and its
	// imported history replaced, a new one gets a reference number.
	// Invalid tickets, and tickets already imported for another
	// organisation, are skipped and listed. EFORBIDDEN, EINVALID (the
	// organisation is not a customer).
	ImportTickets(ctx context.Context, orgID int64, tickets []ImportedTicket) (ImportResult, error)
}

// AgreementInForce picks the service agreement that applies to a ticket of
// the customer created at an instant: the customer's own agreement if one
// is in force, otherwise the general one; among those, the most recently
// effective, then the most recently made. It returns nil when none is in
// force.
func AgreementInForce(agreements []*ServiceAgreement, customerID int64, at time.Time) *ServiceAgreement {
	var best *ServiceAgreement
	rank := func(a *ServiceAgreement) int {
		if a.CustomerID != nil {
			return 0
		}
		return 1
	}
	for _, a := range agreements {
		if a.EffectiveFrom.After(at) || (a.CustomerID != nil && *a.CustomerID != customerID) {
			continue
		}
		if best == nil || rank(a) < rank(best) ||
			(rank(a) == rank(best) && (a.EffectiveFrom.After(best.EffectiveFrom) || (a.EffectiveFrom.Equal(best.EffectiveFrom) && a.ID > best.ID))) {
			best = a
		}
	}
	return best
}
