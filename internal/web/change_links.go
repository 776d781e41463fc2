package web

import (
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// This file shows changes on the pages of the tickets and problems they
// are linked to, and raises an RFC for a problem's fix.

// linkedChanges is the "Changes" section of a ticket's or a problem's page.
type linkedChanges struct {
	Changes []changeView
	// CanRaise offers the problem's "Raise an RFC for the fix" form, with
	// the customer organisations to raise it for.
	CanRaise bool
	Orgs     []option
	Org      string
	// All is set when the viewer sees every change, so that "none" means
	// none at all.
	All bool
}

// ticketChanges lists the changes linked to a ticket that the viewer may
// see.
func (s *Server) ticketChanges(r *http.Request, ticketID int64) (linkedChanges, error) {
	if s.svc.Changes == nil {
		return linkedChanges{}, nil
	}
	cs, err := s.svc.Changes.TicketChanges(r.Context(), ticketID)
	if err != nil {
		return linkedChanges{}, err
	}
	a := itsm.ActorFromContext(r.Context())
	return linkedChanges{Changes: changeViews(cs, itsm.ChangeToday(s.now())), All: a.ReadsEverything()}, nil
}

// problemChanges lists the changes linked to a problem, and offers the
// programme team the form to raise an RFC for its fix.
func (s *Server) problemChanges(r *http.Request, problemID int64) (linkedChanges, error) {
	if s.svc.Changes == nil {
		return linkedChanges{}, nil
	}
	cs, err := s.svc.Changes.ProblemChanges(r.Context(), problemID)
	if err != nil {
		return linkedChanges{}, err
	}
	a := itsm.ActorFromContext(r.Context())
	out := linkedChanges{Changes: changeViews(cs, itsm.ChangeToday(s.now())), All: a.ReadsEverything()}
	if a.IsStaff() && !a.ReadOnly() {
		out.CanRaise = true
		if out.Orgs, err = s.customerOrgs(r); err != nil {
			return linkedChanges{}, err
		}
	}
	return out, nil
}

// problemRaiseChange raises a draft RFC for the problem's fix, for the
// customer organisation chosen, linked to the problem, and opens it.
func (s *Server) problemRaiseChange(w http.ResponseWriter, r *http.Request) error {
	if err := s.changesConfigured(); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := s.findProblem(r)
	if err != nil {
		return err
	}
	a := itsm.ActorFromContext(ctx)
	if !a.IsStaff() || a.ReadOnly() {
		return forbidden("Only the programme team can raise a change for a problem's fix.")
	}
	orgValue := r.PostFormValue("organisation_id")
	orgs, err := s.customerOrgs(r)
	if err != nil {
		return err
	}
	org, ok := optionalID(orgValue, orgs)
	var c *itsm.ChangeRequest
	if !ok || org == nil {
		err = fieldErr("organisation_id", "Choose the customer organisation the change is for.")
	} else {
		c, err = s.svc.Changes.RaiseChangeFromProblem(ctx, p.ID, *org)
		err = renameFields(err, map[string]string{"org_id": "organisation_id", "organisation": "organisation_id"})
	}
	if formFailed(err) {
		page, perr := s.problemDetailPage(w, r, p)
		if perr != nil {
			return perr
		}
		page.Changes.Org = orgValue
		page.setErrors(err, "ref", "organisation_id")
		return s.render(w, formStatus(err), "problem_detail", page)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, changeHref(c), c.Ref+" has been raised as a draft for the fix of "+p.Ref+". Check the specification and submit it.")
}
