package itsm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ChangeAction is a lifecycle step a person takes on a change request.
type ChangeAction string

// Change actions. The table changeMoves says from which states each is
// allowed, where it leads and who may take it.
const (
	ActSubmit               ChangeAction = "submit"
	ActStartReview          ChangeAction = "start_review"
	ActRequestClarification ChangeAction = "request_clarification"
	ActAnswerClarification  ChangeAction = "answer_clarification"
	ActAcceptSpec           ChangeAction = "accept_specification"
	ActSubmitQuote          ChangeAction = "submit_quote"
	ActAcceptQuote          ChangeAction = "accept_quote"
	ActDeclineQuote         ChangeAction = "decline_quote"
	ActApprove              ChangeAction = "approve"
	ActSchedule             ChangeAction = "schedule"
	ActStartDelivery        ChangeAction = "start_delivery"
	ActDeliver              ChangeAction = "deliver"
	ActClose                ChangeAction = "close"
	ActReject               ChangeAction = "reject"
	ActWithdraw             ChangeAction = "withdraw"
	ActHold                 ChangeAction = "hold"
	ActResume               ChangeAction = "resume"
)

// ChangeActions lists every action in lifecycle order.
var ChangeActions = []ChangeAction{
	ActSubmit, ActStartReview, ActRequestClarification, ActAnswerClarification, ActAcceptSpec,
	ActSubmitQuote, ActAcceptQuote, ActDeclineQuote, ActApprove, ActSchedule, ActStartDelivery,
	ActDeliver, ActClose, ActReject, ActWithdraw, ActHold, ActResume,
}

// Valid reports whether a is a known action.
func (a ChangeAction) Valid() bool { return slices.Contains(ChangeActions, a) }

// Label is the action as a button says it.
func (a ChangeAction) Label() string {
	switch a {
	case ActSubmit:
		return "Submit"
	case ActStartReview:
		return "Start specification review"
	case ActRequestClarification:
		return "Ask the requester questions"
	case ActAnswerClarification:
		return "Answer and resubmit"
	case ActAcceptSpec:
		return "Accept the specification"
	case ActSubmitQuote:
		return "Send the quote for acceptance"
	case ActAcceptQuote:
		return "Accept the quote"
	case ActDeclineQuote:
		return "Decline the quote"
	case ActApprove:
		return "Approve"
	case ActSchedule:
		return "Schedule"
	case ActStartDelivery:
		return "Start delivery"
	case ActDeliver:
		return "Record delivery"
	case ActClose:
		return "Close after review"
	case ActReject:
		return "Reject"
	case ActWithdraw:
		return "Withdraw"
	case ActHold:
		return "Put on hold"
	case ActResume:
		return "Resume"
	}
	return string(a)
}

// NeedsNote reports whether the action needs a note (a reason, questions,
// an answer or the review's notes).
func (a ChangeAction) NeedsNote() bool {
	switch a {
	case ActRequestClarification, ActAnswerClarification, ActDeclineQuote, ActReject, ActWithdraw, ActHold, ActClose:
		return true
	}
	return false
}

// changeParty is who someone is to a change.
type changeParty int

const (
	partyStaff     changeParty = 1 << iota // programme agent, manager or admin (or the system)
	partyManager                           // programme manager or admin (or the system)
	partyProvider                          // an agent of the assigned provider
	partyRequester                         // the person who raised it
	partyOrgAdmin                          // a customer admin of the change's organisation
	partyOrgMember                         // anyone of the customer organisation
)

// partiesOf returns every party the actor is to the change.
func partiesOf(c *ChangeRequest, a *Actor) changeParty {
	var p changeParty
	if a.ReadOnly() || !a.SignedIn() {
		return 0
	}
	if a.IsStaff() {
		p |= partyStaff
	}
	if a.System || (a.OrgKind == OrgProgramme && (a.Role == RoleManager || a.Role == RoleAdmin)) {
		p |= partyManager
	}
	if a.IsProvider() && c.ProviderID != nil && *c.ProviderID == a.OrgID {
		p |= partyProvider
	}
	if a.UserID != 0 && a.UserID == c.RequesterID {
		p |= partyRequester
	}
	if a.IsCustomer() && a.OrgID == c.OrgID {
		p |= partyOrgMember
		if a.Role == RoleCustomerAdmin {
			p |= partyOrgAdmin
		}
	}
	return p
}

// changeMove is one row of the lifecycle table.
type changeMove struct {
	action ChangeAction
	from   []ChangeState
	to     ChangeState // "" for resume (to the held-from state) and schedule from scheduled
	who    changeParty
}

// beforeDelivery are the states a change can be withdrawn from.
var beforeDelivery = []ChangeState{ChangeDraft, ChangeSubmitted, ChangeSpecReview, ChangeClarification,
	ChangeEstimation, ChangeAwaitingAcceptance, ChangeAwaitingApproval, ChangeApproved, ChangeScheduled}

// holdable are the states a change can be put on hold from.
var holdable = []ChangeState{ChangeSubmitted, ChangeSpecReview, ChangeClarification, ChangeEstimation,
	ChangeAwaitingAcceptance, ChangeAwaitingApproval, ChangeApproved, ChangeScheduled, ChangeInDelivery}

// changeMoves is the lifecycle. Acceptance of the quote has its own rule
// (see quoteAcceptors); rejection by agents is limited to the review and
// estimation stages (see rejectors).
var changeMoves = []changeMove{
	{ActSubmit, []ChangeState{ChangeDraft}, ChangeSubmitted, partyStaff | partyRequester | partyOrgAdmin},
	{ActStartReview, []ChangeState{ChangeSubmitted}, ChangeSpecReview, partyStaff},
	{ActRequestClarification, []ChangeState{ChangeSpecReview}, ChangeClarification, partyStaff},
	{ActAnswerClarification, []ChangeState{ChangeClarification}, ChangeSpecReview, partyStaff | partyRequester | partyOrgAdmin},
	{ActAcceptSpec, []ChangeState{ChangeSpecReview}, ChangeEstimation, partyStaff},
	{ActSubmitQuote, []ChangeState{ChangeEstimation}, ChangeAwaitingAcceptance, partyStaff | partyProvider},
	{ActAcceptQuote, []ChangeState{ChangeAwaitingAcceptance}, ChangeAwaitingApproval, partyOrgAdmin},
	{ActDeclineQuote, []ChangeState{ChangeAwaitingAcceptance}, ChangeEstimation, partyOrgAdmin},
	{ActApprove, []ChangeState{ChangeAwaitingApproval}, ChangeApproved, partyManager},
	{ActSchedule, []ChangeState{ChangeApproved, ChangeScheduled}, ChangeScheduled, partyStaff},
	{ActStartDelivery, []ChangeState{ChangeScheduled}, ChangeInDelivery, partyStaff | partyProvider},
	{ActDeliver, []ChangeState{ChangeInDelivery}, ChangeDelivered, partyStaff | partyProvider},
	{ActClose, []ChangeState{ChangeDelivered}, ChangeClosed, partyStaff},
	{ActReject, []ChangeState{ChangeSpecReview, ChangeClarification, ChangeEstimation, ChangeAwaitingAcceptance, ChangeAwaitingApproval}, ChangeRejected, partyStaff},
	{ActWithdraw, append(slices.Clone(beforeDelivery), ChangeOnHold), ChangeWithdrawn, partyStaff | partyRequester | partyOrgAdmin},
	{ActHold, holdable, ChangeOnHold, partyStaff},
	{ActResume, []ChangeState{ChangeOnHold}, "", partyStaff},
}

func moveFor(a ChangeAction) changeMove {
	for _, m := range changeMoves {
		if m.action == a {
			return m
		}
	}
	return changeMove{}
}

// ChangeActionTarget returns the state the action leads to from c's state.
func ChangeActionTarget(c *ChangeRequest, act ChangeAction) ChangeState {
	if act == ActResume {
		return c.HeldFrom
	}
	return moveFor(act).to
}

// CheckChangeAction reports whether the actor may take the action on the
// change now, and if not, says why in a sentence: ECONFLICT when the change's
// state does not allow it, EFORBIDDEN when the actor may not, EINVALID for an
// unknown action. It checks the lifecycle and roles only; the data the action
// needs (a reason, an estimate, CAB votes) is checked by ChangeTransition's
// Validate and the store.
func CheckChangeAction(c *ChangeRequest, a *Actor, act ChangeAction) error {
	if !act.Valid() {
		return &Error{Code: EINVALID, Message: fmt.Sprintf("%q is not a change action.", act), Fields: map[string]string{"action": "Choose an action from the list."}}
	}
	if a.ReadOnly() {
		return Errorf(EFORBIDDEN, "Auditors can read changes but not change them.")
	}
	if err := checkChangeState(c, act); err != nil {
		return err
	}
	return checkChangeParty(c, a, act)
}

// checkChangeState is the lifecycle half of CheckChangeAction.
func checkChangeState(c *ChangeRequest, act ChangeAction) error {
	m := moveFor(act)
	ok := slices.Contains(m.from, c.State)
	if ok && act == ActWithdraw && c.State == ChangeOnHold {
		ok = slices.Contains(beforeDelivery, c.HeldFrom)
	}
	if ok {
		return nil
	}
	ref := c.Ref
	if ref == "" {
		ref = "This change"
	}
	switch {
	case c.State == ChangeClosed:
		return Errorf(ECONFLICT, "%s is closed; raise a new change and mention its reference.", ref)
	case c.State == ChangeRejected || c.State == ChangeWithdrawn:
		return Errorf(ECONFLICT, "%s was %s and cannot change any more; raise a new change if it is needed again.", ref, c.State)
	case c.State == ChangeOnHold && act != ActWithdraw:
		return Errorf(ECONFLICT, "%s is on hold; resume it first.", ref)
	}
	var why string
	switch act {
	case ActSubmit:
		why = "Only a draft can be submitted."
	case ActStartReview:
		why = "The specification review starts only once the change has been submitted."
	case ActRequestClarification:
		why = "Questions can be asked only while the specification is under review."
	case ActAnswerClarification:
		why = "There are no questions waiting for an answer."
	case ActAcceptSpec:
		why = "The specification can be accepted only while it is under review."
	case ActSubmitQuote:
		why = "A quote can be sent only while the change is being estimated."
	case ActAcceptQuote, ActDeclineQuote:
		why = "There is no quote waiting for the customer's acceptance."
	case ActApprove:
		why = "A change can be approved only after the customer has accepted the quote."
	case ActSchedule:
		why = "A change cannot be scheduled before its quote is accepted and approved."
	case ActStartDelivery:
		why = "Delivery starts only once the change is scheduled."
	case ActDeliver:
		why = "A change can be recorded as delivered only while it is in delivery."
	case ActClose:
		why = "A change is closed after its post-implementation review, once it has been delivered."
	case ActReject:
		why = "A change can be rejected only during specification review, estimation or approval."
	case ActWithdraw:
		why = "A change cannot be withdrawn once delivery has started."
	case ActHold:
		why = "Only a change that has been submitted and not yet delivered can be put on hold."
	case ActResume:
		why = "Only a change on hold can be resumed."
	}
	return Errorf(ECONFLICT, "%s is %s. %s", ref, c.State, why)
}

// checkChangeParty is the role half of CheckChangeAction.
func checkChangeParty(c *ChangeRequest, a *Actor, act ChangeAction) error {
	p := partiesOf(c, a)
	who := moveFor(act).who
	org := c.OrgName
	if org == "" {
		org = "the customer organisation"
	}
	switch act {
	case ActAcceptQuote, ActDeclineQuote:
		if !c.CustomerSponsored {
			who |= partyManager
		}
		if p&who != 0 {
			return nil
		}
		verb := "accept"
		if act == ActDeclineQuote {
			verb = "decline"
		}
		if c.CustomerSponsored {
			return Errorf(EFORBIDDEN, "Only a customer admin of %s can %s the quote.", org, verb)
		}
		return Errorf(EFORBIDDEN, "Only a customer admin of %s or a programme manager can %s the quote.", org, verb)
	case ActReject:
		if c.State == ChangeAwaitingAcceptance || c.State == ChangeAwaitingApproval {
			who = partyManager
		}
	}
	if p&who != 0 {
		return nil
	}
	switch act {
	case ActApprove:
		return Errorf(EFORBIDDEN, "Only a programme manager can approve a change.")
	case ActReject:
		if who == partyManager {
			return Errorf(EFORBIDDEN, "Only a programme manager can reject a change at the approval stage.")
		}
		return Errorf(EFORBIDDEN, "Only the programme team can reject a change.")
	case ActSubmit, ActAnswerClarification, ActWithdraw:
		return Errorf(EFORBIDDEN, "Only the requester, a customer admin of %s or the programme team can %s this change.", org, strings.ReplaceAll(string(act), "_clarification", ""))
	case ActSubmitQuote, ActStartDelivery, ActDeliver:
		return Errorf(EFORBIDDEN, "Only the programme team or the assigned provider can do that.")
	}
	return Errorf(EFORBIDDEN, "Only the programme team can do that.")
}

// ChangeActionsFor lists the actions the actor may take on the change now,
// in lifecycle order, for the page's buttons.
func ChangeActionsFor(c *ChangeRequest, a *Actor) []ChangeAction {
	var out []ChangeAction
	for _, act := range ChangeActions {
		if CheckChangeAction(c, a, act) == nil {
			out = append(out, act)
		}
	}
	return out
}

// ChangeTransition is a lifecycle action with what it needs. Scheduling has
// its own operation (ChangeSchedule).
type ChangeTransition struct {
	Action ChangeAction
	// Note is the reason (reject, withdraw, hold, decline_quote), the
	// questions (request_clarification), the answer
	// (answer_clarification), the review's notes (close), or an optional
	// comment for other actions.
	Note string
	// Conditions are the approval's (or CAB's) conditions (approve).
	Conditions string
	// ActualDate is the delivery date (deliver).
	ActualDate time.Time
	// ReviewOutcome is the post-implementation review's verdict (close).
	ReviewOutcome ReviewOutcome
	Version       int64
}

// Validate checks what the action needs, against today's date (midnight
// UTC).
func (t *ChangeTransition) Validate(today time.Time) error {
	var v Validation
	t.Note = strings.TrimSpace(t.Note)
	t.Conditions = strings.TrimSpace(t.Conditions)
	if !t.Action.Valid() {
		v.Add("action", fmt.Sprintf("%q is not a change action.", t.Action))
		return v.Err()
	}
	if t.Action == ActSchedule {
		v.Add("action", "Schedule a change with its target release and implementation window.")
		return v.Err()
	}
	if t.Action.NeedsNote() {
		msg := "Give a reason."
		switch t.Action {
		case ActRequestClarification:
			msg = "Write the questions the requester needs to answer."
		case ActAnswerClarification:
			msg = "Answer the questions about the specification."
		case ActClose:
			msg = "Write the notes of the post-implementation review."
		case ActDeclineQuote:
			msg = "Say why the quote is declined, so that the provider can revise it."
		}
		v.Check(t.Note != "", "note", msg)
	}
	checkText(&v, "note", t.Note, 5000, false, "The note must be 5,000 characters or fewer.")
	checkText(&v, "conditions", t.Conditions, 5000, false, "The conditions must be 5,000 characters or fewer.")
	if t.Action != ActApprove {
		v.Check(t.Conditions == "", "conditions", "Conditions are recorded only when a change is approved.")
	}
	if t.Action == ActDeliver {
		v.Check(!t.ActualDate.IsZero(), "actual_date", "Enter the date the change was delivered.")
		if !t.ActualDate.IsZero() {
			t.ActualDate = DateOnly(t.ActualDate, time.UTC)
			v.Check(!t.ActualDate.After(today), "actual_date", "The delivery date cannot be in the future.")
			v.Check(sensibleYear(t.ActualDate), "actual_date", "The delivery date must be between the years 2000 and 2100.")
		}
	} else {
		v.Check(t.ActualDate.IsZero(), "actual_date", "A delivery date is recorded only when the change is delivered.")
	}
	if t.Action == ActClose {
		v.Check(t.ReviewOutcome.Valid(), "review_outcome", "Choose whether the change was successful, partly successful or unsuccessful.")
	} else {
		v.Check(t.ReviewOutcome == "", "review_outcome", "A review outcome is recorded only when the change is closed.")
	}
	return v.Err()
}

// ChangeSchedule puts an approved change into a target release and an
// implementation window.
type ChangeSchedule struct {
	TargetRelease string
	WindowStart   time.Time
	WindowEnd     time.Time
	// Service is the service the window affects; empty means the change's
	// own service.
	Service string
	// OverrideReason, given by a programme manager, schedules a window
	// inside a freeze; it is audited as freeze_override.
	OverrideReason string
	Version        int64
}

// Validate checks the schedule; service is the change's own service, used
// when the schedule names none.
func (s *ChangeSchedule) Validate(service string) error {
	s.TargetRelease = strings.TrimSpace(s.TargetRelease)
	s.OverrideReason = strings.TrimSpace(s.OverrideReason)
	s.Service = strings.TrimSpace(s.Service)
	if s.Service == "" {
		s.Service = strings.TrimSpace(service)
	}
	w := ChangeWindow{Service: s.Service, Start: s.WindowStart, End: s.WindowEnd}
	var v Validation
	if err := w.Validate(); err != nil {
		fields := ErrorFields(err)
		for _, k := range []string{"window_start", "window_end", "service"} {
			if m, ok := fields[k]; ok {
				v.Add(k, m)
			}
		}
	}
	v.Check(s.Service != "", "service", "Enter the service the change affects, so that clashes can be found.")
	v.Check(s.TargetRelease != "", "target_release", "Enter the target release, such as 2026.12.")
	checkText(&v, "target_release", s.TargetRelease, 100, true, "The target release must be 100 characters or fewer.")
	checkText(&v, "override_reason", s.OverrideReason, 2000, false, "The override reason must be 2,000 characters or fewer.")
	return v.Err()
}

// ChangeRAG is a change's red, amber, green (or grey) status.
type ChangeRAG string

// Change RAG statuses.
const (
	ChangeRAGRed   ChangeRAG = "red"
	ChangeRAGAmber ChangeRAG = "amber"
	ChangeRAGGreen ChangeRAG = "green"
	ChangeRAGGrey  ChangeRAG = "grey"
)

// ChangeRAGs lists the statuses, worst first.
var ChangeRAGs = []ChangeRAG{ChangeRAGRed, ChangeRAGAmber, ChangeRAGGreen, ChangeRAGGrey}

// Valid reports whether r is a known status.
func (r ChangeRAG) Valid() bool {
	return r == ChangeRAGRed || r == ChangeRAGAmber || r == ChangeRAGGreen || r == ChangeRAGGrey
}

// Label is the status as people say it.
func (r ChangeRAG) Label() string {
	switch r {
	case ChangeRAGRed:
		return "Red"
	case ChangeRAGAmber:
		return "Amber"
	case ChangeRAGGreen:
		return "Green"
	case ChangeRAGGrey:
		return "Not yet baselined"
	}
	return string(r)
}

// ChangeRAGRules are the rules RAGOfChange applies, for the pages and exports.
// The store's RAG filter applies the same rules in SQL.
func ChangeRAGRules() []string {
	return []string{
		"Grey (not yet baselined): the change has no approved budget and committed date yet, or it was rejected or withdrawn.",
		"Red: the actual cost exceeds the approved budget; or the committed date has passed and the change is not delivered; or it was delivered after the committed date.",
		"Amber: not red, and the actual cost is more than 90% of the approved budget, or the forecast date is after the committed date while the change is not delivered.",
		"Green: baselined and neither red nor amber.",
		"Dates are calendar dates in the UK (Europe/London); the committed date is the last day that counts as on time.",
	}
}

// RAGOfChange derives the change's RAG status on the given day (midnight UTC,
// see ChangeToday) by the rules in ChangeRAGRules.
func RAGOfChange(c *ChangeRequest, today time.Time) ChangeRAG {
	if c.State == ChangeRejected || c.State == ChangeWithdrawn || c.ApprovedBudget == nil || c.CommittedDate == nil {
		return ChangeRAGGrey
	}
	budget, committed := *c.ApprovedBudget, *c.CommittedDate
	delivered := c.ActualDate != nil
	switch {
	case c.ActualCost > budget,
		!delivered && today.After(committed),
		delivered && c.ActualDate.After(committed):
		return ChangeRAGRed
	case c.ActualCost*10 > budget*9,
		!delivered && c.ForecastDate != nil && c.ForecastDate.After(committed):
		return ChangeRAGAmber
	}
	return ChangeRAGGreen
}

// ChangeVariance is how far a change is from its baseline.
type ChangeVariance struct {
	// Cost is actual cost minus approved budget in pence (positive is
	// over budget); nil before the budget is set.
	Cost *int64 `json:"cost"`
	// Days is the delivery date (actual, else forecast) minus the
	// committed date (positive is late); nil when either is unknown.
	Days *int `json:"days"`
}

// Variance returns the change's cost and schedule variance.
func (c *ChangeRequest) Variance() ChangeVariance {
	var v ChangeVariance
	if c.ApprovedBudget != nil {
		d := c.ActualCost - *c.ApprovedBudget
		v.Cost = &d
	}
	end := c.ActualDate
	if end == nil {
		end = c.ForecastDate
	}
	if c.CommittedDate != nil && end != nil {
		d := int(end.Sub(*c.CommittedDate).Round(24*time.Hour) / (24 * time.Hour))
		v.Days = &d
	}
	return v
}

// Quarter is a calendar quarter: Q1 is January to March.
type Quarter struct {
	Year int
	Q    int
}

// QuarterOf returns the quarter that t (in UTC) falls in.
func QuarterOf(t time.Time) Quarter {
	t = t.UTC()
	return Quarter{Year: t.Year(), Q: (int(t.Month())-1)/3 + 1}
}

// ParseQuarter reads "2026-Q4".
func ParseQuarter(s string) (Quarter, error) {
	bad := &Error{Code: EINVALID, Message: "Enter the quarter like 2026-Q4.", Fields: map[string]string{"quarter": "Enter the quarter like 2026-Q4."}}
	y, q, ok := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), "-Q")
	if !ok {
		return Quarter{}, bad
	}
	year, err1 := strconv.Atoi(y)
	n, err2 := strconv.Atoi(q)
	out := Quarter{Year: year, Q: n}
	if err1 != nil || err2 != nil || out.Validate() != nil {
		return Quarter{}, bad
	}
	return out, nil
}

// Validate checks the quarter.
func (q Quarter) Validate() error {
	if q.Q < 1 || q.Q > 4 || q.Year < 2000 || q.Year > 2100 {
		return &Error{Code: EINVALID, Message: "Choose a quarter from 1 to 4 of a year between 2000 and 2100.", Fields: map[string]string{"quarter": "Choose a quarter from 1 to 4 of a year between 2000 and 2100."}}
	}
	return nil
}

// String formats the quarter as "2026-Q4".
func (q Quarter) String() string { return fmt.Sprintf("%d-Q%d", q.Year, q.Q) }

// Start is the quarter's first day, midnight UTC.
func (q Quarter) Start() time.Time {
	return time.Date(q.Year, time.Month((q.Q-1)*3+1), 1, 0, 0, 0, 0, time.UTC)
}

// End is the first day after the quarter, midnight UTC (exclusive).
func (q Quarter) End() time.Time { return q.Start().AddDate(0, 3, 0) }

// DeliveryScore is a provider's "on time and within budget" figure for a
// quarter, counted over the changes assigned to it whose actual delivery
// date falls in the quarter.
type DeliveryScore struct {
	ProviderID int64  `json:"provider_id"`
	Provider   string `json:"provider_name"`
	Quarter    string `json:"quarter"`
	Delivered  int    `json:"delivered"`
	// OnTime: delivered on or before the committed date.
	OnTime int `json:"on_time"`
	// WithinBudget: actual cost at most the approved budget.
	WithinBudget int `json:"within_budget"`
	// OnTimeAndWithinBudget: both.
	OnTimeAndWithinBudget int `json:"on_time_and_within_budget"`
}

// Percent returns n as a whole-number percentage of the delivered changes,
// and false when none were delivered.
func (d *DeliveryScore) Percent(n int) (int, bool) {
	if d.Delivered == 0 {
		return 0, false
	}
	return (n*100 + d.Delivered/2) / d.Delivered, true
}

// DeliveryScoreRules say how the figure is counted, for pages and exports.
func DeliveryScoreRules() []string {
	return []string{
		"Counts the changes assigned to the provider whose actual delivery date falls in the quarter (calendar quarters, Q1 is January to March).",
		"On time: delivered on or before the committed date (the accepted quote's delivery date).",
		"Within budget: the actual cost is at most the approved budget.",
		"Percentages are rounded to the nearest whole number.",
	}
}
