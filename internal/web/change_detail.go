package web

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// changeDetailPage is one change: what it is and where it stands, who acts
// next, its specification and frozen versions, questions and answers,
// estimates, CAB votes, budget and costs, links and history, and the forms
// for what the viewer may do to it now.
type changeDetailPage struct {
	basePage
	Change                     changeView
	Description, Justification template.HTML
	Variation                  template.HTML
	NextStep                   string
	Specs                      []specView
	Clarifications             []changeEventView
	Estimates                  []*itsm.ChangeEstimate
	Latest                     *itsm.ChangeEstimate
	Votes                      []*itsm.ChangeVote
	Tally                      itsm.VoteTally
	Costs                      []*itsm.ChangeCost
	History                    []changeEventView
	Tickets                    []*itsm.Ticket
	Problems                   []*itsm.Problem
	Attachments                []*itsm.ChangeAttachment
	// Risks are the linked risks, shown (ShowRisks) to those who may see
	// the register: staff, auditors and providers (their own risks).
	Risks                      []riskView
	ShowRisks                  bool
	Actions                    []actionForm
	RAGRules                   []string
	StaffView, ReadsEverything bool

	// What the viewer may do besides the lifecycle actions.
	CanEdit, CanSchedule, CanEstimate, CanVote, CanChooseMember bool
	CanAddCost, CanAdjustBudget, CanForecast, CanLink           bool
	CanUpload, CanUploadInternal                                bool

	// The forms' choices and values, kept when a form comes back with
	// errors.
	Members, VoteOptions, LinkKinds                      []option
	EffortDays, EstimateCost, DeliveryDate, EstimateNote string
	Vote, VoteComment, MemberID                          string
	CostDate, CostAmount, CostNote                       string
	Budget, BudgetReason, Forecast, ForecastNote         string
	LinkKind, LinkRef                                    string
	FileHint                                             string
	InternalFile                                         bool
}

// specView is a frozen specification as the page shows it.
type specView struct {
	*itsm.ChangeSpecVersion
	Body, Justification, Variation template.HTML
}

// actionForm is one lifecycle action's form on the change's page: a button,
// and the note, conditions, delivery date or review the action needs.
type actionForm struct {
	Action                            itsm.ChangeAction
	Label, Heading, Intro             string
	NoteID, NoteLabel, NoteHint, Note string
	HasNote, Conditions, Delivery     bool
	Review, Secondary, Warning        bool
	ConditionsValue, ActualDate       string
	ReviewOutcome                     string
	Outcomes                          []option
}

// changeEventView is one line of the change's history.
type changeEventView struct {
	At   time.Time
	Who  string
	What string
	Note template.HTML
}

var (
	voteOptions = []option{{string(itsm.VoteApprove), "Approve"}, {string(itsm.VoteReject), "Reject"}, {string(itsm.VoteAbstain), "Abstain"}}
	// reviewOutcomeOptions' values have no spaces, since a radio's id is
	// made from its value ("partly successful" is sent as
	// "partly_successful").
	reviewOutcomeOptions = []option{{"successful", "Successful: it does what was asked"},
		{"partly_successful", "Partly successful: some of it needs more work"},
		{"unsuccessful", "Unsuccessful: it did not achieve what was asked"}}
	changeLinkKinds = []option{{"ticket", "A ticket (INC- or REQ-)"}, {"problem", "A problem (PRB-)"}}
)

// eventWords says what each kind of history line means.
var eventWords = map[string]string{
	"created":                            "Raised the change",
	"updated":                            "Changed the details",
	string(itsm.ActSubmit):               "Submitted the change",
	string(itsm.ActStartReview):          "Started the specification review",
	string(itsm.ActRequestClarification): "Asked the requester questions about the specification",
	string(itsm.ActAnswerClarification):  "Answered the questions and resubmitted the specification",
	string(itsm.ActAcceptSpec):           "Accepted the specification and froze it",
	string(itsm.ActSubmitQuote):          "Sent the quote for acceptance",
	string(itsm.ActAcceptQuote):          "Accepted the quote",
	string(itsm.ActDeclineQuote):         "Declined the quote",
	string(itsm.ActApprove):              "Approved the change",
	string(itsm.ActSchedule):             "Scheduled the change",
	string(itsm.ActStartDelivery):        "Started delivery",
	string(itsm.ActDeliver):              "Recorded the delivery",
	string(itsm.ActClose):                "Closed the change after its post-implementation review",
	string(itsm.ActReject):               "Rejected the change",
	string(itsm.ActWithdraw):             "Withdrew the change",
	string(itsm.ActHold):                 "Put the change on hold",
	string(itsm.ActResume):               "Resumed the change",
	"estimate":                           "Recorded an estimate",
	"vote":                               "Recorded a CAB vote",
	"cost":                               "Recorded a cost",
	"budget":                             "Changed the approved budget",
	"forecast":                           "Updated the forecast delivery date",
	"link":                               "Linked",
	"unlink":                             "Unlinked",
	"freeze_override":                    "Scheduled into a freeze, overriding it",
	"attachment":                         "Added the file",
}

func changeEventViews(events []*itsm.ChangeEvent) []changeEventView {
	out := make([]changeEventView, 0, len(events))
	for _, e := range events {
		v := changeEventView{At: e.At, Who: e.ActorName, What: eventWords[e.Type]}
		if v.What == "" {
			v.What = humanise(e.Type)
		}
		if (e.Type == "link" || e.Type == "unlink" || e.Type == "attachment") && e.Note != "" {
			v.What += " " + e.Note
		} else if e.Note != "" {
			v.Note = markdown.Render(e.Note)
		}
		if e.FromState != "" && e.ToState != "" && e.FromState != e.ToState {
			v.What += " (" + string(e.FromState) + " → " + string(e.ToState) + ")"
		}
		if v.Who == "" {
			v.Who = "Steward"
		}
		out = append(out, v)
	}
	return out
}

// isManager reports whether the actor is a programme manager or
// administrator, who approves changes, records others' CAB votes and
// adjusts budgets.
func isManager(a *itsm.Actor) bool {
	return a.System || (a.IsStaff() && (a.Role == itsm.RoleManager || a.Role == itsm.RoleAdmin))
}

// assignedProvider reports whether the actor works for the provider the
// change is assigned to.
func assignedProvider(a *itsm.Actor, c *itsm.ChangeRequest) bool {
	return a.IsProvider() && c.ProviderID != nil && *c.ProviderID == a.OrgID
}

// nextStep says where the change stands and who acts next, in plain
// English.
func nextStep(c *itsm.ChangeRequest) string {
	org := c.OrgName
	if org == "" {
		org = "the customer organisation"
	}
	switch c.State {
	case itsm.ChangeDraft:
		return "This is a draft. The requester, a customer admin of " + org + " or the programme team submits it when the specification is ready."
	case itsm.ChangeSubmitted:
		return "Submitted. The programme team starts the specification review next."
	case itsm.ChangeSpecReview:
		return "The programme team is checking that the specification is accurate and complete. They accept it, or send it back to the requester with questions."
	case itsm.ChangeClarification:
		return "The programme team has asked questions about the specification. The requester, or a customer admin of " + org + ", answers them below, which sends it back for review."
	case itsm.ChangeEstimation:
		return "The specification is frozen as version " + strconv.Itoa(c.SpecVersion) + ". The provider (or the programme team) estimates the effort, cost and delivery date, then sends the quote for acceptance."
	case itsm.ChangeAwaitingAcceptance:
		if !c.CustomerSponsored {
			return "The quote waits for acceptance by a customer admin of " + org + ", or by a programme manager, as the programme team raised the change."
		}
		return "The quote waits for a customer admin of " + org + " to accept or decline it."
	case itsm.ChangeAwaitingApproval:
		if c.Major {
			return "The quote was accepted. This is a major change: the change advisory board (CAB) votes, then a programme manager records the decision and approves it."
		}
		return "The quote was accepted. A programme manager approves the change next."
	case itsm.ChangeApproved:
		return "Approved. The programme team schedules it into a target release and an implementation window."
	case itsm.ChangeScheduled:
		return "Scheduled. When the implementation window opens, the provider or the programme team starts delivery."
	case itsm.ChangeInDelivery:
		return "The provider is delivering the change. The provider or the programme team records the delivery date when it is done."
	case itsm.ChangeDelivered:
		return "Delivered. The programme team closes it after a post-implementation review."
	case itsm.ChangeClosed:
		return "Closed after its post-implementation review. Nothing more happens."
	case itsm.ChangeRejected:
		return "Rejected. Nothing more happens; raise a new change if it is needed again."
	case itsm.ChangeWithdrawn:
		return "Withdrawn. Nothing more happens; raise a new change if it is needed again."
	case itsm.ChangeOnHold:
		return "On hold. The programme team resumes it, back to " + string(c.HeldFrom) + ", when it can go on."
	}
	return ""
}

// actionFormFor describes the form of one lifecycle action.
func actionFormFor(act itsm.ChangeAction) actionForm {
	f := actionForm{Action: act, Label: act.Label(), NoteID: "note_" + string(act), HasNote: act.NeedsNote()}
	switch act {
	case itsm.ActRequestClarification:
		f.Heading, f.NoteLabel, f.NoteHint = "Send the specification back with questions", "Your questions", "Say what is unclear or missing. The requester answers and the specification comes back for review."
	case itsm.ActAnswerClarification:
		f.Heading, f.NoteLabel, f.NoteHint = "Answer the questions", "Your answers", "Answer each question. If the specification itself needs to change, edit it first."
	case itsm.ActAcceptSpec:
		f.Heading, f.Intro = "Accept the specification", "Accepting freezes the specification as a new version and sends the change for estimation."
	case itsm.ActSubmitQuote:
		f.Heading, f.Intro = "Send the quote", "The latest estimate becomes the quote the customer accepts or declines."
	case itsm.ActAcceptQuote:
		f.Heading, f.Intro = "Accept the quote", "Accepting the latest estimate's effort, cost and delivery date commits your organisation to it, subject to the programme's approval."
	case itsm.ActDeclineQuote:
		f.Heading, f.NoteLabel, f.NoteHint, f.Secondary = "Decline the quote", "Why do you decline it?", "The provider revises the estimate.", true
	case itsm.ActApprove:
		f.Heading, f.Conditions = "Approve the change", true
		f.Intro = "Approval sets the approved budget from the accepted quote and its delivery date as the committed date."
	case itsm.ActStartDelivery:
		f.Heading = "Start delivery"
	case itsm.ActDeliver:
		f.Heading, f.Delivery = "Record the delivery", true
	case itsm.ActClose:
		f.Heading, f.Review, f.NoteLabel, f.NoteHint = "Post-implementation review", true, "Review notes", "What went well, what did not, and any follow-up."
		f.Outcomes = reviewOutcomeOptions
	case itsm.ActReject:
		f.Heading, f.NoteLabel, f.NoteHint, f.Warning = "Reject the change", "Why is it rejected?", "The requester reads this.", true
	case itsm.ActWithdraw:
		f.Heading, f.NoteLabel, f.NoteHint, f.Warning = "Withdraw the change", "Why is it withdrawn?", "", true
	case itsm.ActHold:
		f.Heading, f.NoteLabel, f.NoteHint, f.Secondary = "Put the change on hold", "Why is it on hold?", "It resumes where it was.", true
	case itsm.ActResume:
		f.Heading, f.Secondary = "Resume the change", true
	case itsm.ActSubmit:
		f.Heading, f.Intro = "Submit the change", "The programme team reviews the specification once it is submitted."
	case itsm.ActStartReview:
		f.Heading = "Start the specification review"
	}
	return f
}

// findChange reads the change named in the path; one the caller may not
// see does not exist.
func (s *Server) findChange(r *http.Request) (*itsm.ChangeRequest, error) {
	if err := s.changesConfigured(); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Changes.FindChangeByID(r.Context(), id)
}

// changePage gathers everything the change's page shows to the viewer.
func (s *Server) changePage(w http.ResponseWriter, r *http.Request, c *itsm.ChangeRequest) (*changeDetailPage, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	today := itsm.ChangeToday(s.now())
	p := &changeDetailPage{basePage: s.newPage(w, r, c.Ref+": "+c.Title), Change: changeView{c, today},
		Description: markdown.Render(c.Description), Justification: markdown.Render(c.Justification), Variation: markdown.Render(c.Variation),
		NextStep: nextStep(c), RAGRules: itsm.ChangeRAGRules(), StaffView: !a.IsCustomer(), ReadsEverything: a.ReadsEverything(),
		VoteOptions: voteOptions, LinkKinds: changeLinkKinds, LinkKind: "ticket", Vote: string(itsm.VoteApprove)}
	p.Caption = c.Kind.Label() + " for " + c.OrgName
	p.BackHref = "/changes"
	p.Wide = true
	svc := s.svc.Changes

	specs, err := svc.ChangeSpecVersions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for i := len(specs) - 1; i >= 0; i-- { // newest first
		sv := specs[i]
		p.Specs = append(p.Specs, specView{sv, markdown.Render(sv.Description), markdown.Render(sv.Justification), markdown.Render(sv.Variation)})
	}
	events, err := svc.ChangeEvents(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	p.History = changeEventViews(events)
	for i, e := range events {
		if e.Type == string(itsm.ActRequestClarification) || e.Type == string(itsm.ActAnswerClarification) {
			p.Clarifications = append(p.Clarifications, p.History[i])
		}
	}
	if p.Estimates, err = svc.ChangeEstimates(ctx, c.ID); err != nil {
		return nil, err
	}
	if n := len(p.Estimates); n > 0 {
		p.Latest = p.Estimates[n-1]
	}
	if p.Votes, err = svc.ChangeVotes(ctx, c.ID); err != nil {
		return nil, err
	}
	p.Tally = itsm.TallyVotes(p.Votes)
	if p.Costs, err = svc.ChangeCosts(ctx, c.ID); err != nil {
		return nil, err
	}
	if p.Tickets, err = svc.ChangeTickets(ctx, c.ID); err != nil {
		return nil, err
	}
	if p.Problems, err = svc.ChangeProblems(ctx, c.ID); err != nil {
		return nil, err
	}
	if err := s.changeFilesAndRisks(r, p, c); err != nil {
		return nil, err
	}

	for _, act := range itsm.ChangeActionsFor(c, a) {
		if act == itsm.ActSchedule {
			p.CanSchedule = true
			continue
		}
		p.Actions = append(p.Actions, actionFormFor(act))
	}
	writes := a.SignedIn() && !a.ReadOnly()
	staff := writes && a.IsStaff()
	works := staff || (writes && assignedProvider(a, c))
	p.CanEdit = canEditSpec(a, c) || (staff && c.State.Open())
	p.CanEstimate = works && c.State == itsm.ChangeEstimation
	p.CanVote = staff && c.Major && c.State == itsm.ChangeAwaitingApproval
	p.CanChooseMember = p.CanVote && isManager(a)
	approved := c.ApprovedAt != nil || c.ApprovedBudget != nil
	p.CanAddCost = works && approved && c.State.Open() && c.State != itsm.ChangeClosed
	p.CanAdjustBudget = writes && isManager(a) && c.ApprovedBudget != nil && c.State.Open()
	p.CanForecast = works && (c.State == itsm.ChangeApproved || c.State == itsm.ChangeScheduled || c.State == itsm.ChangeInDelivery)
	p.CanLink = staff
	if c.ApprovedBudget != nil {
		p.Budget = poundsInput(*c.ApprovedBudget)
	}
	if c.ForecastDate != nil {
		p.Forecast = c.ForecastDate.UTC().Format("2006-01-02")
	}
	if p.CanChooseMember {
		staffOpts, err := s.programmeStaff(r)
		if err != nil {
			return nil, err
		}
		p.Members = append([]option{{"", "Yourself"}}, staffOpts...)
	}
	return p, nil
}

// formFields lists the ids of the fields the page's forms show, in the
// page's order, so that the error summary links only to fields that are
// there.
func (p *changeDetailPage) formFields() []string {
	var out []string
	add := func(shown bool, ids ...string) {
		if shown {
			out = append(out, ids...)
		}
	}
	for _, f := range p.Actions {
		add(f.Conditions, "conditions")
		add(f.Delivery, "actual_date")
		add(f.Review, "review_outcome")
		add(f.HasNote, f.NoteID)
	}
	add(p.CanEstimate, "effort_days", "cost", "delivery_date", "estimate_note")
	add(p.CanChooseMember, "member_id")
	add(p.CanVote, "vote", "vote_comment")
	add(p.CanForecast, "forecast_date", "forecast_note")
	add(p.CanAddCost, "cost_date", "cost_amount", "cost_note")
	add(p.CanAdjustBudget, "budget", "budget_reason")
	add(p.CanLink, "link_kind", "link_ref")
	add(p.CanUpload, "file")
	return out
}

// action returns the page's form for a lifecycle action, to keep what was
// typed in it.
func (p *changeDetailPage) action(act itsm.ChangeAction) *actionForm {
	for i := range p.Actions {
		if p.Actions[i].Action == act {
			return &p.Actions[i]
		}
	}
	return nil
}

// changeDetail shows a change to anyone who may see it (404 otherwise).
func (s *Server) changeDetail(w http.ResponseWriter, r *http.Request) error {
	c, err := s.findChange(r)
	if err != nil {
		return err
	}
	p, err := s.changePage(w, r, c)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "change_detail", p)
}

// EstimateText summarises an estimate revision.
func (p *changeDetailPage) EstimateText(e *itsm.ChangeEstimate) string {
	return days(e.EffortDays) + ", " + pounds(e.Cost) + ", delivered by " + calendarDate(e.DeliveryDate)
}

// Money shows an amount of pence as pounds.
func (p *changeDetailPage) Money(pence int64) string { return pounds(pence) }

// Days shows an effort in days.
func (p *changeDetailPage) Days(d float64) string { return days(d) }

// Day shows a calendar date (midnight UTC) the GOV.UK way.
func (p *changeDetailPage) Day(t time.Time) string { return calendarDate(t) }

// Markdown renders text people wrote.
func (p *changeDetailPage) Markdown(s string) template.HTML { return markdown.Render(s) }

// VoteLabel says a vote in words.
func (p *changeDetailPage) VoteLabel(v itsm.Vote) string {
	if v == "" {
		return ""
	}
	return strings.ToUpper(string(v)[:1]) + string(v)[1:]
}

// ReviewLabel says the review's outcome with a capital letter.
func (p *changeDetailPage) ReviewLabel() string {
	o := string(p.Change.ReviewOutcome)
	if o == "" {
		return ""
	}
	return strings.ToUpper(o[:1]) + o[1:]
}
