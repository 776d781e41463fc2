package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// changeAction runs one of the forms on a change's page. The change is the
// one named in the path (404 when the caller may not see it); auditors are
// refused every change. On success the browser goes back to the change
// with do's message. An error the person can fix (a validation error or a
// conflict) shows the change again as it is now, with the error summary,
// the messages beside the form's fields (the store's field names renamed to
// the page's ids) and the person's input kept by keep. A file too large
// (ETOOLARGE) comes back the same way, with 413.
func (s *Server) changeAction(w http.ResponseWriter, r *http.Request, do func(c *itsm.ChangeRequest) (string, error),
	keep func(p *changeDetailPage), rename map[string]string) error {
	ctx := r.Context()
	c, err := s.findChange(r)
	if err != nil {
		return err
	}
	if itsm.ActorFromContext(ctx).ReadOnly() {
		return forbidden("Auditors can read changes but not change them.")
	}
	msg, err := do(c)
	if err == nil {
		return s.redirect(w, r, changeHref(c), msg)
	}
	code := itsm.ErrorCode(err)
	if !formFailed(err) && code != itsm.ETOOLARGE {
		return err
	}
	now, ferr := s.svc.Changes.FindChangeByID(ctx, c.ID)
	if ferr != nil {
		return ferr
	}
	p, perr := s.changePage(w, r, now)
	if perr != nil {
		return perr
	}
	if keep != nil {
		keep(p)
	}
	p.setErrors(renameFields(err, rename), p.formFields()...)
	status := formStatus(err)
	if code == itsm.ETOOLARGE {
		status = http.StatusRequestEntityTooLarge
	}
	return s.render(w, status, "change_detail", p)
}

// changeTransition takes a lifecycle action other than scheduling: the
// action is a hidden field of each action's form.
func (s *Server) changeTransition(w http.ResponseWriter, r *http.Request) error {
	act := itsm.ChangeAction(r.PostFormValue("action"))
	noteID := "note_" + string(act)
	note, conditions, actual, outcome := r.PostFormValue(noteID), r.PostFormValue("conditions"), r.PostFormValue("actual_date"), r.PostFormValue("review_outcome")
	review := itsm.ReviewOutcome(strings.ReplaceAll(outcome, "_", " "))
	return s.changeAction(w, r, func(c *itsm.ChangeRequest) (string, error) {
		if !act.Valid() || act == itsm.ActSchedule {
			return "", itsm.Errorf(itsm.EINVALID, "The form does not say what to do. Go back, reload the page and try again.")
		}
		version, err := formVersion(r)
		if err != nil {
			return "", err
		}
		t := itsm.ChangeTransition{Action: act, Note: note, Conditions: conditions, ReviewOutcome: review, Version: version}
		if act == itsm.ActDeliver {
			d, msg := parseCalendarDate(actual, "the date the change was delivered")
			if msg != "" {
				return "", fieldErr("actual_date", msg)
			}
			t.ActualDate = d
		}
		if act == itsm.ActClose && outcome != "" && !review.Valid() {
			return "", fieldErr("review_outcome", "Choose whether the change was successful, partly successful or unsuccessful.")
		}
		saved, err := s.svc.Changes.TransitionChange(r.Context(), c.ID, t)
		if err != nil {
			return "", err
		}
		return transitionMessage(saved, act), nil
	}, func(p *changeDetailPage) {
		if f := p.action(act); f != nil {
			f.Note, f.ConditionsValue, f.ActualDate, f.ReviewOutcome = note, conditions, actual, outcome
		}
	}, map[string]string{"note": noteID, "estimate": "effort_days"})
}

// transitionMessage confirms an action in a sentence.
func transitionMessage(c *itsm.ChangeRequest, act itsm.ChangeAction) string {
	switch act {
	case itsm.ActSubmit:
		return c.Ref + " has been submitted."
	case itsm.ActRequestClarification:
		return "Your questions have been sent to the requester of " + c.Ref + "."
	case itsm.ActAnswerClarification:
		return "Your answers have been sent. " + c.Ref + " is back in specification review."
	case itsm.ActAcceptSpec:
		return "The specification of " + c.Ref + " is accepted and frozen as version " + strconv.Itoa(c.SpecVersion) + "."
	case itsm.ActSubmitQuote:
		return "The quote for " + c.Ref + " has been sent for acceptance."
	case itsm.ActAcceptQuote:
		return "You have accepted the quote for " + c.Ref + "."
	case itsm.ActDeclineQuote:
		return "You have declined the quote for " + c.Ref + "."
	case itsm.ActApprove:
		return c.Ref + " is approved."
	case itsm.ActDeliver:
		return c.Ref + " is recorded as delivered."
	case itsm.ActClose:
		return c.Ref + " is closed."
	}
	return c.Ref + " is now " + string(c.State) + "."
}

// changeEstimate records an estimate revision (the assigned provider or
// the programme team, while the change is being estimated).
func (s *Server) changeEstimate(w http.ResponseWriter, r *http.Request) error {
	effort, cost, date, note := r.PostFormValue("effort_days"), r.PostFormValue("cost"), r.PostFormValue("delivery_date"), r.PostFormValue("estimate_note")
	return s.changeAction(w, r, func(c *itsm.ChangeRequest) (string, error) {
		var v itsm.Validation
		e := itsm.NewChangeEstimate{Note: note}
		var msg string
		if e.EffortDays, msg = parseDays(effort, "the effort", false); msg != "" {
			v.Add("effort_days", msg)
		}
		if e.Cost, msg = parsePounds(cost, "the cost", false); msg != "" {
			v.Add("cost", msg)
		}
		if e.DeliveryDate, msg = parseCalendarDate(date, "the proposed delivery date"); msg != "" {
			v.Add("delivery_date", msg)
		}
		if err := v.Err(); err != nil {
			return "", err
		}
		saved, err := s.svc.Changes.AddChangeEstimate(r.Context(), c.ID, e)
		if err != nil {
			return "", err
		}
		return "Estimate revision " + strconv.Itoa(saved.Revision) + " for " + c.Ref + " has been recorded.", nil
	}, func(p *changeDetailPage) {
		p.EffortDays, p.EstimateCost, p.DeliveryDate, p.EstimateNote = effort, cost, date, note
	}, map[string]string{"note": "estimate_note"})
}

// changeVote records a CAB member's vote on a major change; a manager may
// record another member's vote, taken in the meeting.
func (s *Server) changeVote(w http.ResponseWriter, r *http.Request) error {
	vote, comment, member := r.PostFormValue("vote"), r.PostFormValue("vote_comment"), r.PostFormValue("member_id")
	return s.changeAction(w, r, func(c *itsm.ChangeRequest) (string, error) {
		a := itsm.ActorFromContext(r.Context())
		if !a.IsStaff() {
			return "", forbidden("Only the programme team votes on changes.")
		}
		n := itsm.NewChangeVote{Vote: itsm.Vote(vote), Comment: comment}
		if member != "" {
			if !isManager(a) {
				return "", forbidden("Only a programme manager can record another member's vote.")
			}
			staff, err := s.programmeStaff(r)
			if err != nil {
				return "", err
			}
			id, ok := optionalID(member, staff)
			if !ok {
				return "", fieldErr("member_id", "Choose the member whose vote this is from the list.")
			}
			n.MemberID = *id
		}
		saved, err := s.svc.Changes.RecordChangeVote(r.Context(), c.ID, n)
		if err != nil {
			return "", err
		}
		return "The vote of " + saved.Member + " on " + c.Ref + " has been recorded.", nil
	}, func(p *changeDetailPage) { p.Vote, p.VoteComment, p.MemberID = vote, comment, member },
		map[string]string{"comment": "vote_comment", "member": "member_id"})
}

// changeCost records an actual cost (the assigned provider or the
// programme team, once the change is approved).
func (s *Server) changeCost(w http.ResponseWriter, r *http.Request) error {
	date, amount, note := r.PostFormValue("cost_date"), r.PostFormValue("cost_amount"), r.PostFormValue("cost_note")
	return s.changeAction(w, r, func(c *itsm.ChangeRequest) (string, error) {
		var v itsm.Validation
		n := itsm.NewChangeCost{Note: note}
		var msg string
		if n.Date, msg = parseCalendarDate(date, "the date of the cost"); msg != "" {
			v.Add("cost_date", msg)
		}
		if n.Amount, msg = parsePounds(amount, "the amount", false); msg != "" {
			v.Add("cost_amount", msg)
		} else if n.Amount == 0 {
			v.Add("cost_amount", "Enter an amount of more than £0.00.")
		}
		if err := v.Err(); err != nil {
			return "", err
		}
		saved, err := s.svc.Changes.AddChangeCost(r.Context(), c.ID, n)
		if err != nil {
			return "", err
		}
		return "A cost of " + pounds(saved.Amount) + " has been recorded against " + c.Ref + ".", nil
	}, func(p *changeDetailPage) { p.CostDate, p.CostAmount, p.CostNote = date, amount, note },
		map[string]string{"date": "cost_date", "amount": "cost_amount", "note": "cost_note"})
}

// changeBudget changes the approved budget (programme managers, with a
// reason).
func (s *Server) changeBudget(w http.ResponseWriter, r *http.Request) error {
	budget, reason := r.PostFormValue("budget"), r.PostFormValue("budget_reason")
	return s.changeAction(w, r, func(c *itsm.ChangeRequest) (string, error) {
		version, err := formVersion(r)
		if err != nil {
			return "", err
		}
		pence, msg := parsePounds(budget, "the approved budget", false)
		if msg != "" {
			return "", fieldErr("budget", msg)
		}
		saved, err := s.svc.Changes.AdjustChangeBudget(r.Context(), c.ID, itsm.ChangeBudgetAdjustment{Budget: pence, Reason: reason, Version: version})
		if err != nil {
			return "", err
		}
		return "The approved budget of " + saved.Ref + " is now " + poundsOr(saved.ApprovedBudget, "not set") + ".", nil
	}, func(p *changeDetailPage) { p.Budget, p.BudgetReason = budget, reason }, map[string]string{"reason": "budget_reason"})
}

// changeForecast records the forecast delivery date (the assigned
// provider or the programme team).
func (s *Server) changeForecast(w http.ResponseWriter, r *http.Request) error {
	date, note := r.PostFormValue("forecast_date"), r.PostFormValue("forecast_note")
	return s.changeAction(w, r, func(c *itsm.ChangeRequest) (string, error) {
		version, err := formVersion(r)
		if err != nil {
			return "", err
		}
		d, msg := parseCalendarDate(date, "the forecast delivery date")
		if msg != "" {
			return "", fieldErr("forecast_date", msg)
		}
		saved, err := s.svc.Changes.UpdateChangeForecast(r.Context(), c.ID, itsm.ChangeForecast{Date: d, Note: note, Version: version})
		if err != nil {
			return "", err
		}
		return "The forecast delivery date of " + saved.Ref + " is now " + calendarDateOr(saved.ForecastDate, "not set") + ".", nil
	}, func(p *changeDetailPage) { p.Forecast, p.ForecastNote = date, note }, map[string]string{"note": "forecast_note"})
}

// changeLink links a ticket or a problem to the change by its reference
// (the programme team).
func (s *Server) changeLink(w http.ResponseWriter, r *http.Request) error {
	kind, ref := r.PostFormValue("link_kind"), normaliseRef(r.PostFormValue("link_ref"))
	return s.changeAction(w, r, func(c *itsm.ChangeRequest) (string, error) {
		ctx := r.Context()
		if !itsm.ActorFromContext(ctx).IsStaff() {
			return "", forbidden("Only the programme team can link tickets and problems to changes.")
		}
		if ref == "" {
			return "", fieldErr("link_ref", "Enter the reference of the ticket or problem, like INC-000123 or PRB-000004.")
		}
		switch kind {
		case "ticket":
			t, err := s.svc.Tickets.FindTicketByRef(ctx, ref)
			if itsm.ErrorCode(err) == itsm.ENOTFOUND {
				return "", fieldErr("link_ref", "There is no ticket "+ref+", or you cannot see it. Check the reference.")
			} else if err != nil {
				return "", err
			}
			if err := s.svc.Changes.LinkChangeTicket(ctx, c.ID, t.ID); err != nil {
				return "", renameFields(err, map[string]string{"ticket_id": "link_ref"})
			}
		case "problem":
			pr, err := s.findProblemByRef(r, ref)
			if err != nil {
				return "", err
			}
			if err := s.svc.Changes.LinkChangeProblem(ctx, c.ID, pr.ID); err != nil {
				return "", renameFields(err, map[string]string{"problem_id": "link_ref"})
			}
		default:
			return "", fieldErr("link_kind", "Choose whether you are linking a ticket or a problem.")
		}
		return ref + " is now linked to " + c.Ref + ".", nil
	}, func(p *changeDetailPage) { p.LinkKind, p.LinkRef = kind, ref }, nil)
}

// findProblemByRef finds a problem the caller can see by its reference;
// one that does not exist is a field error of the link form.
func (s *Server) findProblemByRef(r *http.Request, ref string) (*itsm.Problem, error) {
	missing := fieldErr("link_ref", "There is no problem "+ref+", or you cannot see it. Check the reference.")
	if !strings.HasPrefix(ref, "PRB-") {
		return nil, missing
	}
	// Problems have no look-up by reference; there are few of them, so
	// read them a page at a time.
	f := itsm.ProblemFilter{Limit: 500}
	for range 40 {
		ps, _, err := s.svc.Problems.FindProblems(r.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.Ref == ref {
				return p, nil
			}
		}
		if len(ps) < f.Limit {
			break
		}
		f.Offset += len(ps)
	}
	return nil, missing
}

// changeUnlink removes a ticket's or a problem's link to the change.
func (s *Server) changeUnlink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.findChange(r)
	if err != nil {
		return err
	}
	if !itsm.ActorFromContext(ctx).IsStaff() {
		return forbidden("Only the programme team can unlink tickets and problems from changes.")
	}
	bad := itsm.Errorf(itsm.EINVALID, "The form does not say what to unlink. Go back, reload the page and try again.")
	if v := r.PostFormValue("ticket_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return bad
		}
		t, err := s.svc.Tickets.FindTicketByID(ctx, id)
		if err != nil {
			return err
		}
		if err := s.svc.Changes.UnlinkChangeTicket(ctx, c.ID, t.ID); err != nil {
			return err
		}
		return s.redirect(w, r, changeHref(c), t.Ref+" is no longer linked to "+c.Ref+".")
	}
	if v := r.PostFormValue("problem_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return bad
		}
		p, err := s.svc.Problems.FindProblemByID(ctx, id)
		if err != nil {
			return err
		}
		if err := s.svc.Changes.UnlinkChangeProblem(ctx, c.ID, p.ID); err != nil {
			return err
		}
		return s.redirect(w, r, changeHref(c), p.Ref+" is no longer linked to "+c.Ref+".")
	}
	return bad
}
