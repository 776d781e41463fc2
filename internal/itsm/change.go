package itsm

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// ChangeKind is one of the three kinds of change request, each with its own
// form and reference series.
type ChangeKind string

// Change kinds.
const (
	// ChangeRFC is a request for change: change existing functionality,
	// change cosmetics, or add new functionality.
	ChangeRFC ChangeKind = "rfc"
	// ChangeCCN is a contract change notice: a variation of the provider's
	// contractual scope, cost or time.
	ChangeCCN ChangeKind = "ccn"
	// ChangeWorkRequest is a piece of work by the provider.
	ChangeWorkRequest ChangeKind = "work_request"
)

// ChangeKinds lists the kinds in display order.
var ChangeKinds = []ChangeKind{ChangeRFC, ChangeCCN, ChangeWorkRequest}

// Valid reports whether k is a known kind.
func (k ChangeKind) Valid() bool { return k == ChangeRFC || k == ChangeCCN || k == ChangeWorkRequest }

// RefPrefix is the start of the kind's references: RFC, CCN or WR.
func (k ChangeKind) RefPrefix() string {
	switch k {
	case ChangeRFC:
		return "RFC"
	case ChangeCCN:
		return "CCN"
	case ChangeWorkRequest:
		return "WR"
	}
	return "CHG"
}

// Label is the kind as people say it.
func (k ChangeKind) Label() string {
	switch k {
	case ChangeRFC:
		return "Request for change"
	case ChangeCCN:
		return "Contract change notice"
	case ChangeWorkRequest:
		return "Work request"
	}
	return string(k)
}

// ChangeRef formats a change reference: RFC-0001, CCN-0001, WR-0001.
func ChangeRef(k ChangeKind, n int64) string { return fmt.Sprintf("%s-%04d", k.RefPrefix(), n) }

// RFCSubtype says what a request for change does.
type RFCSubtype string

// RFC subtypes.
const (
	RFCChangeExisting   RFCSubtype = "change_existing"
	RFCCosmetic         RFCSubtype = "cosmetic"
	RFCNewFunctionality RFCSubtype = "new_functionality"
)

// RFCSubtypes lists the subtypes in display order.
var RFCSubtypes = []RFCSubtype{RFCChangeExisting, RFCCosmetic, RFCNewFunctionality}

// Valid reports whether s is a known subtype.
func (s RFCSubtype) Valid() bool {
	return s == RFCChangeExisting || s == RFCCosmetic || s == RFCNewFunctionality
}

// Label is the subtype as people say it.
func (s RFCSubtype) Label() string {
	switch s {
	case RFCChangeExisting:
		return "Change existing functionality"
	case RFCCosmetic:
		return "Cosmetic change"
	case RFCNewFunctionality:
		return "New functionality"
	}
	return string(s)
}

// ChangeState is where a change request stands in its lifecycle. The values
// are the words people use, as for ticket statuses.
type ChangeState string

// Change states, in lifecycle order.
const (
	ChangeDraft              ChangeState = "draft"
	ChangeSubmitted          ChangeState = "submitted"
	ChangeSpecReview         ChangeState = "specification review"
	ChangeClarification      ChangeState = "clarification needed"
	ChangeEstimation         ChangeState = "estimation"
	ChangeAwaitingAcceptance ChangeState = "awaiting acceptance" // the quote waits for the customer admin
	ChangeAwaitingApproval   ChangeState = "awaiting approval"   // the accepted quote waits for the programme (and CAB)
	ChangeApproved           ChangeState = "approved"
	ChangeScheduled          ChangeState = "scheduled"
	ChangeInDelivery         ChangeState = "in delivery"
	ChangeDelivered          ChangeState = "delivered"
	ChangeClosed             ChangeState = "closed"
	ChangeRejected           ChangeState = "rejected"
	ChangeWithdrawn          ChangeState = "withdrawn"
	ChangeOnHold             ChangeState = "on hold"
)

// ChangeStates lists every state in lifecycle order.
var ChangeStates = []ChangeState{
	ChangeDraft, ChangeSubmitted, ChangeSpecReview, ChangeClarification, ChangeEstimation,
	ChangeAwaitingAcceptance, ChangeAwaitingApproval, ChangeApproved, ChangeScheduled,
	ChangeInDelivery, ChangeDelivered, ChangeClosed, ChangeRejected, ChangeWithdrawn, ChangeOnHold,
}

// Valid reports whether s is a known state.
func (s ChangeState) Valid() bool {
	for _, x := range ChangeStates {
		if x == s {
			return true
		}
	}
	return false
}

// Label is the state with a capital letter.
func (s ChangeState) Label() string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Open reports whether the change still needs work: not closed, rejected or
// withdrawn. Delivered changes are open until their review closes them.
func (s ChangeState) Open() bool {
	return s != ChangeClosed && s != ChangeRejected && s != ChangeWithdrawn
}

// ChangeOpenStates are the states Open reports true for, for queries.
var ChangeOpenStates = func() []ChangeState {
	var out []ChangeState
	for _, s := range ChangeStates {
		if s.Open() {
			out = append(out, s)
		}
	}
	return out
}()

// Limits on change request amounts.
const (
	// MaxChangePence bounds every amount of money on a change (£10,000,000).
	MaxChangePence = 10_000_000_00
	// MaxChangeDays bounds effort and time impact (about ten years of days).
	MaxChangeDays = 3650
	// ChangeTotalCap is where change counts stop, as for tickets.
	ChangeTotalCap = TicketTotalCap
)

// ChangeRequest is an RFC, a CCN or a work request.
type ChangeRequest struct {
	ID   int64      `json:"id"`
	Ref  string     `json:"ref"`
	Kind ChangeKind `json:"kind"`
	// Subtype is set for RFCs only.
	Subtype RFCSubtype `json:"subtype,omitempty"`
	// ContractRef, Variation, CostImpact (pence, may be negative) and
	// TimeImpactDays (may be negative) are set for CCNs only.
	ContractRef    string  `json:"contract_ref,omitempty"`
	Variation      string  `json:"variation,omitempty"`
	CostImpact     int64   `json:"cost_impact"`
	TimeImpactDays float64 `json:"time_impact_days"`

	OrgID       int64  `json:"organisation_id"`
	OrgName     string `json:"organisation_name"`
	RequesterID int64  `json:"requester_id"`
	Requester   string `json:"requester_name"`
	// CustomerSponsored is true when the requester works for the customer
	// organisation; when false (raised by staff) the programme may accept
	// the quote instead of the customer admin.
	CustomerSponsored bool   `json:"customer_sponsored"`
	Title             string `json:"title"`
	Description       string `json:"description"` // Markdown
	Service           string `json:"service"`
	Justification     string `json:"business_justification"`
	ProviderID        *int64 `json:"provider_id"`
	Provider          string `json:"provider_name"`
	AssigneeID        *int64 `json:"assignee_id"`
	Assignee          string `json:"assignee_name"`
	// Major changes need a change advisory board (CAB) decision.
	Major bool        `json:"major"`
	State ChangeState `json:"state"`
	// HeldFrom is the state an on-hold change resumes to.
	HeldFrom   ChangeState `json:"held_from,omitempty"`
	HoldReason string      `json:"hold_reason,omitempty"`
	// RejectReason says why a rejected change was rejected.
	RejectReason string `json:"reject_reason,omitempty"`
	// SpecVersion is the number of the latest frozen specification, 0
	// before the specification is accepted.
	SpecVersion int `json:"spec_version"`
	// AcceptedEstimateID is the estimate revision whose quote was accepted.
	AcceptedEstimateID *int64     `json:"accepted_estimate_id"`
	QuoteAcceptedAt    *time.Time `json:"quote_accepted_at"`
	QuoteAcceptedBy    string     `json:"quote_accepted_by"`
	ApprovedAt         *time.Time `json:"approved_at"`
	ApprovedBy         string     `json:"approved_by"`
	// Conditions are the CAB's or the approver's conditions.
	Conditions string `json:"conditions,omitempty"`

	// ApprovedBudget is the baseline cost in pence, set at approval from the
	// accepted quote and adjustable by a manager with a reason.
	ApprovedBudget *int64 `json:"approved_budget"`
	// ActualCost is the sum of the cost entries, kept on the row.
	ActualCost int64 `json:"actual_cost"`
	// CommittedDate is the accepted quote's delivery date; ForecastDate is
	// the latest forecast; ActualDate is when it was delivered. All are
	// calendar dates, held as midnight UTC.
	CommittedDate *time.Time `json:"committed_date"`
	ForecastDate  *time.Time `json:"forecast_date"`
	ActualDate    *time.Time `json:"actual_date"`

	// Scheduling: the calendar reads these.
	TargetRelease string     `json:"target_release"`
	WindowStart   *time.Time `json:"window_start"`
	WindowEnd     *time.Time `json:"window_end"`

	// The post-implementation review that closes the change.
	ReviewOutcome ReviewOutcome `json:"review_outcome,omitempty"`
	ReviewNotes   string        `json:"review_notes,omitempty"`

	// RAG is derived by RAGOfChange when the change is read.
	RAG ChangeRAG `json:"rag"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// ReviewOutcome is the verdict of a post-implementation review.
type ReviewOutcome string

// Review outcomes.
const (
	ReviewSuccessful       ReviewOutcome = "successful"
	ReviewPartlySuccessful ReviewOutcome = "partly successful"
	ReviewUnsuccessful     ReviewOutcome = "unsuccessful"
)

// ReviewOutcomes lists the outcomes in display order.
var ReviewOutcomes = []ReviewOutcome{ReviewSuccessful, ReviewPartlySuccessful, ReviewUnsuccessful}

// Valid reports whether o is a known outcome.
func (o ReviewOutcome) Valid() bool {
	return o == ReviewSuccessful || o == ReviewPartlySuccessful || o == ReviewUnsuccessful
}

// Window returns the change's implementation window for the calendar, or
// false when it has none.
func (c *ChangeRequest) Window() (ChangeWindow, bool) {
	if c.WindowStart == nil || c.WindowEnd == nil {
		return ChangeWindow{}, false
	}
	return ChangeWindow{ChangeID: c.ID, Ref: c.Ref, Title: c.Title, Service: c.Service,
		Start: *c.WindowStart, End: *c.WindowEnd, State: string(c.State), OrgID: c.OrgID,
		OrgName: c.OrgName, ProviderID: c.ProviderID, TargetRelease: c.TargetRelease}, true
}

// SpecEditable reports whether the specification (title, description,
// service, justification, kind-specific fields) may still change: only before
// it is frozen.
func (c *ChangeRequest) SpecEditable() bool {
	switch c.State {
	case ChangeDraft, ChangeSubmitted, ChangeSpecReview, ChangeClarification:
		return true
	}
	return false
}

// DaysToTenths converts days to tenths of a day, the unit the store keeps.
func DaysToTenths(d float64) int64 { return int64(math.Round(d * 10)) }

// TenthsToDays converts tenths of a day back to days.
func TenthsToDays(t int64) float64 { return float64(t) / 10 }

// validDays reports whether d is a whole number of tenths of a day within
// ±MaxChangeDays.
func validDays(d float64) bool {
	if math.IsNaN(d) || math.IsInf(d, 0) || math.Abs(d) > MaxChangeDays {
		return false
	}
	return math.Abs(d*10-math.Round(d*10)) < 1e-6
}

// DateOnly returns t's calendar date in loc as midnight UTC, the form every
// change date is kept in.
func DateOnly(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ChangeToday is today's date for change rules: the date in Europe/London
// (the programme's zone), as midnight UTC.
func ChangeToday(now time.Time) time.Time { return DateOnly(now, LoadLocation(DefaultTimeZone)) }

// checkText adds problems for a free-text field.
func checkText(v *Validation, field, val string, maxRunes int, single bool, msg string) {
	ok := utf8.RuneCountInString(val) <= maxRunes
	if single {
		ok = ok && !HasControl(val)
	}
	v.Check(ok, field, msg)
}

// NewChange is what a person submits to raise a change request.
type NewChange struct {
	Kind    ChangeKind
	Subtype RFCSubtype // RFCs
	// OrgID: staff choose any customer organisation; customers get their own.
	OrgID int64
	// RequesterID: staff may raise on behalf of a customer user; 0 means the
	// caller.
	RequesterID   int64
	Title         string
	Description   string
	Service       string
	Justification string
	// CCNs.
	ContractRef    string
	Variation      string
	CostImpact     int64
	TimeImpactDays float64
	// Staff only.
	Major      bool
	ProviderID *int64
	AssigneeID *int64
	// Submit raises the change as submitted rather than as a draft.
	Submit bool
}

// Validate checks a new change's own fields.
func (n *NewChange) Validate() error {
	var v Validation
	n.Title = strings.TrimSpace(n.Title)
	n.Description = strings.TrimSpace(n.Description)
	n.Service = strings.TrimSpace(n.Service)
	n.Justification = strings.TrimSpace(n.Justification)
	n.ContractRef = strings.TrimSpace(n.ContractRef)
	n.Variation = strings.TrimSpace(n.Variation)
	v.Check(n.Kind.Valid(), "kind", "Choose whether this is a request for change, a contract change notice or a work request.")
	validateSpec(&v, n.Kind, n.Subtype, n.Title, n.Description, n.Service, n.Justification, n.ContractRef, n.Variation, n.CostImpact, n.TimeImpactDays)
	return v.Err()
}

// validateSpec checks the specification fields common to creating and
// editing a change.
func validateSpec(v *Validation, kind ChangeKind, sub RFCSubtype, title, desc, service, just, contract, variation string, cost int64, days float64) {
	v.Check(title != "", "title", "Enter a short title for the change.")
	checkText(v, "title", title, 200, true, "The title must be 200 characters or fewer, without control characters.")
	v.Check(desc != "", "description", "Describe the change: what should happen, for whom, and how you will know it works.")
	checkText(v, "description", desc, 20000, false, "The description must be 20,000 characters or fewer.")
	checkText(v, "service", service, MaxServiceLength, true, "The service name must be 100 characters or fewer.")
	checkText(v, "business_justification", just, 5000, false, "The business justification must be 5,000 characters or fewer.")
	switch kind {
	case ChangeRFC:
		v.Check(sub.Valid(), "subtype", "Choose whether the change alters existing functionality, is cosmetic, or adds new functionality.")
	case ChangeCCN:
		v.Check(contract != "", "contract_ref", "Enter the contract reference the variation applies to.")
		checkText(v, "contract_ref", contract, 100, true, "The contract reference must be 100 characters or fewer.")
		v.Check(variation != "", "variation", "Describe the variation to the contract's scope, cost or time.")
		checkText(v, "variation", variation, 5000, false, "The variation must be 5,000 characters or fewer.")
		v.Check(cost >= -MaxChangePence && cost <= MaxChangePence, "cost_impact", "The cost impact must be between -£10,000,000.00 and £10,000,000.00.")
		v.Check(validDays(days), "time_impact_days", "The time impact must be a number of days to one decimal place, at most 3,650 either way.")
	}
	if kind != ChangeRFC {
		v.Check(sub == "", "subtype", "Only a request for change has a subtype.")
	}
	if kind != ChangeCCN {
		v.Check(contract == "" && variation == "" && cost == 0 && days == 0, "contract_ref", "Only a contract change notice has a contract reference, variation and impacts.")
	}
}

// ChangeUpdate edits a change. Nil fields are left alone. Specification
// fields change only while SpecEditable; Major, ProviderID and AssigneeID are
// staff-only and change until the change is closed.
type ChangeUpdate struct {
	Title          *string
	Description    *string
	Service        *string
	Justification  *string
	Subtype        *RFCSubtype
	ContractRef    *string
	Variation      *string
	CostImpact     *int64
	TimeImpactDays *float64
	Major          *bool
	ProviderID     *int64 // 0 unassigns the provider
	AssigneeID     *int64 // 0 unassigns
	Version        int64
}

// SpecChanged reports whether the update touches the specification.
func (u *ChangeUpdate) SpecChanged() bool {
	return u.Title != nil || u.Description != nil || u.Service != nil || u.Justification != nil ||
		u.Subtype != nil || u.ContractRef != nil || u.Variation != nil || u.CostImpact != nil || u.TimeImpactDays != nil
}

// Apply applies the update's specification fields to c and validates them.
func (u *ChangeUpdate) Apply(c *ChangeRequest) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&c.Title, u.Title)
	set(&c.Description, u.Description)
	set(&c.Service, u.Service)
	set(&c.Justification, u.Justification)
	set(&c.ContractRef, u.ContractRef)
	set(&c.Variation, u.Variation)
	if u.Subtype != nil {
		c.Subtype = *u.Subtype
	}
	if u.CostImpact != nil {
		c.CostImpact = *u.CostImpact
	}
	if u.TimeImpactDays != nil {
		c.TimeImpactDays = *u.TimeImpactDays
	}
	if u.Major != nil {
		c.Major = *u.Major
	}
	var v Validation
	validateSpec(&v, c.Kind, c.Subtype, c.Title, c.Description, c.Service, c.Justification, c.ContractRef, c.Variation, c.CostImpact, c.TimeImpactDays)
	return v.Err()
}

// ChangeSpecVersion is a frozen copy of an accepted specification. Every
// acceptance freezes a new numbered version; none is ever changed.
type ChangeSpecVersion struct {
	ID            int64     `json:"id"`
	ChangeID      int64     `json:"change_id"`
	Number        int       `json:"number"`
	Title         string    `json:"title"`
	Description   string    `json:"description"`
	Service       string    `json:"service"`
	Justification string    `json:"business_justification"`
	Subtype       string    `json:"subtype,omitempty"`
	ContractRef   string    `json:"contract_ref,omitempty"`
	Variation     string    `json:"variation,omitempty"`
	FrozenByID    *int64    `json:"frozen_by_id"`
	FrozenBy      string    `json:"frozen_by_name"`
	FrozenAt      time.Time `json:"frozen_at"`
}

// ChangeEvent is one line of a change's history: a transition, an estimate,
// a vote, a cost, a budget or forecast change, a link.
type ChangeEvent struct {
	ID        int64       `json:"id"`
	ChangeID  int64       `json:"change_id"`
	At        time.Time   `json:"at"`
	Type      string      `json:"type"` // the ChangeAction, or created, updated, estimate, vote, cost, budget, forecast, link, unlink
	FromState ChangeState `json:"from_state,omitempty"`
	ToState   ChangeState `json:"to_state,omitempty"`
	ActorID   *int64      `json:"actor_id"`
	ActorName string      `json:"actor_name"`
	Note      string      `json:"note,omitempty"`
}

// ChangeFilter selects change requests for the portfolio. Nil fields do not
// filter.
type ChangeFilter struct {
	OrgID      *int64
	ProviderID *int64
	Kind       *ChangeKind
	State      []ChangeState
	RAG        *ChangeRAG
	// Open keeps changes that are not closed, rejected or withdrawn.
	Open        *bool
	AssigneeID  *int64
	RequesterID *int64
	Query       *string // words (or word prefixes) in the reference, title or service
	// Sort: "-updated" (default), "updated", "-created", "created", "ref",
	// "-ref", "title", "state", "committed", "-committed", "budget",
	// "-budget", "cost", "-cost".
	Sort   string
	Offset int
	Limit  int
}

// ChangeSorts lists the sort keys ListChanges accepts.
var ChangeSorts = []string{"-updated", "updated", "-created", "created", "ref", "-ref", "title", "state", "committed", "-committed", "budget", "-budget", "cost", "-cost"}

// ValidChangeSort reports whether s is a sort key ListChanges accepts ("" is
// the default).
func ValidChangeSort(s string) bool {
	if s == "" {
		return true
	}
	for _, x := range ChangeSorts {
		if x == s {
			return true
		}
	}
	return false
}

// Validate checks the filter's enumerations.
func (f *ChangeFilter) Validate() error {
	var v Validation
	if f.Kind != nil {
		v.Check(f.Kind.Valid(), "kind", "Choose rfc, ccn or work_request.")
	}
	for _, s := range f.State {
		v.Check(s.Valid(), "state", fmt.Sprintf("%q is not a change state.", s))
	}
	if f.RAG != nil {
		v.Check(f.RAG.Valid(), "rag", "Choose red, amber, green or grey.")
	}
	v.Check(ValidChangeSort(f.Sort), "sort", "Choose a sort order from the list.")
	v.Check(f.Offset >= 0, "offset", "The offset cannot be negative.")
	v.Check(f.Limit >= 0 && f.Limit <= 500, "limit", "The page size must be between 1 and 500.")
	if f.Query != nil {
		v.Check(utf8.RuneCountInString(*f.Query) <= 200, "q", "The search must be 200 characters or fewer.")
	}
	return v.Err()
}

// ChangeService manages change requests from raising to the
// post-implementation review. Tenancy: programme staff and auditors read
// every change; customers read their own organisation's; providers read the
// changes assigned to them. A change the caller may not see is ENOTFOUND,
// and so are its estimates, votes, costs, versions and history. Auditors
// change nothing (EFORBIDDEN).
type ChangeService interface {
	// CreateChange raises a change, as a draft or (Submit) submitted.
	// EINVALID (fields), EFORBIDDEN (providers, auditors; staff-only
	// fields from customers), ENOTFOUND (unknown organisation, requester,
	// provider or assignee).
	CreateChange(ctx context.Context, n NewChange) (*ChangeRequest, error)
	// FindChangeByID returns the change. ENOTFOUND when absent or not visible.
	FindChangeByID(ctx context.Context, id int64) (*ChangeRequest, error)
	// FindChangeByRef finds by reference (RFC-0001). ENOTFOUND.
	FindChangeByRef(ctx context.Context, ref string) (*ChangeRequest, error)
	// ListChanges returns a page of the portfolio and the total matching,
	// capped at ChangeTotalCap+1. EINVALID (filter).
	ListChanges(ctx context.Context, f ChangeFilter) ([]*ChangeRequest, int, error)
	// UpdateChange edits the specification (requester or staff, while
	// SpecEditable) or the staff fields. EINVALID, EFORBIDDEN, ENOTFOUND,
	// ECONFLICT (stale version, or the specification is frozen).
	UpdateChange(ctx context.Context, id int64, u ChangeUpdate) (*ChangeRequest, error)
	// TransitionChange performs a lifecycle action other than scheduling
	// (see ChangeAction and CheckChangeAction). EINVALID (missing reason,
	// answer, review…; preconditions such as no estimate or no CAB votes),
	// EFORBIDDEN (the caller's role may not), ECONFLICT (the state does not
	// allow it, or a stale version), ENOTFOUND.
	TransitionChange(ctx context.Context, id int64, t ChangeTransition) (*ChangeRequest, error)
	// ScheduleChange schedules (or reschedules) an approved change into an
	// implementation window. A window inside a freeze is refused (EINVALID
	// naming the freeze) unless a programme manager gives an override
	// reason; overlaps with other changes are returned but do not refuse.
	// EINVALID, EFORBIDDEN, ECONFLICT, ENOTFOUND.
	ScheduleChange(ctx context.Context, id int64, s ChangeSchedule) (*ChangeRequest, []ScheduleConflict, error)
	// ChangeScheduleConflicts previews the conflicts of a window for the
	// change without scheduling it. EINVALID, ENOTFOUND.
	ChangeScheduleConflicts(ctx context.Context, id int64, s ChangeSchedule) ([]ScheduleConflict, error)
	// AddChangeEstimate records an estimate revision while the change is in
	// estimation: programme staff or an agent of the assigned provider.
	// EINVALID, EFORBIDDEN, ECONFLICT (wrong state), ENOTFOUND.
	AddChangeEstimate(ctx context.Context, id int64, e NewChangeEstimate) (*ChangeEstimate, error)
	// ChangeEstimates lists every revision, oldest first. ENOTFOUND.
	ChangeEstimates(ctx context.Context, id int64) ([]*ChangeEstimate, error)
	// RecordChangeVote records (or replaces) a CAB member's vote on a major
	// change awaiting approval; members are programme staff. EINVALID,
	// EFORBIDDEN, ECONFLICT (not major, wrong state), ENOTFOUND.
	RecordChangeVote(ctx context.Context, id int64, v NewChangeVote) (*ChangeVote, error)
	// ChangeVotes lists the votes. ENOTFOUND.
	ChangeVotes(ctx context.Context, id int64) ([]*ChangeVote, error)
	// AddChangeCost records an actual cost once the change is approved:
	// programme staff or an agent of the assigned provider. EINVALID,
	// EFORBIDDEN, ECONFLICT (before approval, or closed), ENOTFOUND.
	AddChangeCost(ctx context.Context, id int64, c NewChangeCost) (*ChangeCost, error)
	// ChangeCosts lists the cost entries, oldest first. ENOTFOUND.
	ChangeCosts(ctx context.Context, id int64) ([]*ChangeCost, error)
	// AdjustChangeBudget changes the approved budget: programme managers
	// only, after approval, with a reason. EINVALID, EFORBIDDEN,
	// ECONFLICT, ENOTFOUND.
	AdjustChangeBudget(ctx context.Context, id int64, b ChangeBudgetAdjustment) (*ChangeRequest, error)
	// UpdateChangeForecast records a forecast delivery date after approval
	// and before delivery: programme staff or the assigned provider.
	// EINVALID, EFORBIDDEN, ECONFLICT, ENOTFOUND.
	UpdateChangeForecast(ctx context.Context, id int64, f ChangeForecast) (*ChangeRequest, error)
	// ChangeSpecVersions lists the frozen specifications, oldest first.
	// ENOTFOUND.
	ChangeSpecVersions(ctx context.Context, id int64) ([]*ChangeSpecVersion, error)
	// ChangeEvents lists the history, oldest first. ENOTFOUND.
	ChangeEvents(ctx context.Context, id int64) ([]*ChangeEvent, error)
	// LinkChangeTicket links a ticket to the change (programme staff).
	// EFORBIDDEN, ENOTFOUND, ECONFLICT (already linked).
	LinkChangeTicket(ctx context.Context, changeID, ticketID int64) error
	// UnlinkChangeTicket removes the link. EFORBIDDEN, ENOTFOUND.
	UnlinkChangeTicket(ctx context.Context, changeID, ticketID int64) error
	// ChangeTickets lists the linked tickets the caller may see. ENOTFOUND.
	ChangeTickets(ctx context.Context, changeID int64) ([]*Ticket, error)
	// TicketChanges lists the changes linked to a ticket that the caller may
	// see. ENOTFOUND (ticket).
	TicketChanges(ctx context.Context, ticketID int64) ([]*ChangeRequest, error)
	// LinkChangeProblem links a problem to the change (programme staff).
	// EFORBIDDEN, ENOTFOUND, ECONFLICT (already linked).
	LinkChangeProblem(ctx context.Context, changeID, problemID int64) error
	// UnlinkChangeProblem removes the link. EFORBIDDEN, ENOTFOUND.
	UnlinkChangeProblem(ctx context.Context, changeID, problemID int64) error
	// ChangeProblems lists the linked problems the caller may see (customers
	// see none). ENOTFOUND.
	ChangeProblems(ctx context.Context, changeID int64) ([]*Problem, error)
	// ProblemChanges lists the changes linked to a problem that the caller
	// may see. ENOTFOUND (problem).
	ProblemChanges(ctx context.Context, problemID int64) ([]*ChangeRequest, error)
	// RaiseChangeFromProblem raises a draft RFC to fix a problem: title,
	// description (root cause, workaround) and provider prefilled from the
	// problem, for the customer organisation orgID, linked to the problem.
	// Programme staff only. EINVALID, EFORBIDDEN, ENOTFOUND.
	RaiseChangeFromProblem(ctx context.Context, problemID, orgID int64) (*ChangeRequest, error)
	// ProviderDeliveryScore is the "on time and within budget" figure of a
	// provider for a quarter: the changes it delivered in the quarter, how
	// many by their committed date and within their approved budget.
	// Programme staff, auditors and the provider itself. EINVALID,
	// ENOTFOUND (provider not visible).
	ProviderDeliveryScore(ctx context.Context, providerID int64, q Quarter) (*DeliveryScore, error)
}
