package web

import (
	"net/http"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// changeEditPage changes a change: its specification while it is not yet
// frozen (the requester, a customer admin of its organisation or the
// programme team), and the programme's own fields (major, provider,
// assignee) until it is closed.
type changeEditPage struct {
	basePage
	Change                                                changeView
	Spec, Staff                                           bool
	Summary, Description, Service, Justification, Subtype string
	ContractRef, Variation, CostImpact, TimeImpact        string
	ProviderID, AssigneeID                                string
	Major                                                 checkboxGroup
	Version                                               int64
	Subtypes, Providers, Assignees                        []option
}

// IsRFC reports whether the change is a request for change.
func (p *changeEditPage) IsRFC() bool { return p.Change.Kind == itsm.ChangeRFC }

// IsCCN reports whether the change is a contract change notice.
func (p *changeEditPage) IsCCN() bool { return p.Change.Kind == itsm.ChangeCCN }

// findChangeToEdit finds the change (404) and checks the viewer may change
// something on it (403 otherwise).
func (s *Server) findChangeToEdit(r *http.Request) (*itsm.ChangeRequest, bool, bool, error) {
	c, err := s.findChange(r)
	if err != nil {
		return nil, false, false, err
	}
	a := itsm.ActorFromContext(r.Context())
	if a.ReadOnly() {
		return nil, false, false, forbidden("Auditors can read changes but not change them.")
	}
	spec := canEditSpec(a, c)
	staff := a.IsStaff() && c.State.Open()
	if !spec && !staff {
		switch {
		case !ownsChange(a, c) || !c.State.Open():
			return nil, false, false, forbidden("You do not have permission to change " + c.Ref + ".")
		case c.SpecEditable():
			return nil, false, false, itsm.Errorf(itsm.ECONFLICT, "%s is with the programme team for review; you can change it again if they ask you questions.", c.Ref)
		}
		return nil, false, false, itsm.Errorf(itsm.ECONFLICT, "The specification of %s is frozen (version %d) and can no longer change. Raise a new change for anything more.", c.Ref, c.SpecVersion)
	}
	return c, spec, staff, nil
}

// ownsChange mirrors the store: the customer who raised a change, and the
// customer admins of its organisation, look after its specification.
func ownsChange(a *itsm.Actor, c *itsm.ChangeRequest) bool {
	return !a.ReadOnly() && a.IsCustomer() && (a.UserID == c.RequesterID || (a.Role == itsm.RoleCustomerAdmin && a.OrgID == c.OrgID))
}

// canEditSpec mirrors the store: the programme team edits the
// specification until it is frozen; its customer owners while it is a
// draft or the programme team has asked them questions.
func canEditSpec(a *itsm.Actor, c *itsm.ChangeRequest) bool {
	if a.ReadOnly() {
		return false
	}
	if a.IsStaff() {
		return c.SpecEditable()
	}
	return ownsChange(a, c) && (c.State == itsm.ChangeDraft || c.State == itsm.ChangeClarification)
}

func (s *Server) changeEditPage(w http.ResponseWriter, r *http.Request, c *itsm.ChangeRequest, spec, staff bool) (*changeEditPage, error) {
	p := &changeEditPage{basePage: s.newPage(w, r, "Change "+c.Ref), Change: changeView{c, itsm.ChangeToday(s.now())}, Spec: spec, Staff: staff,
		Subtypes: rfcSubtypeOptions, Version: c.Version}
	p.Caption = c.Title
	p.BackHref = changeHref(c)
	if staff {
		providers, err := s.orgsOfKind(r, itsm.OrgProvider)
		if err != nil {
			return nil, err
		}
		p.Providers = withAll("Not assigned to a provider", providers)
		assignees, err := s.programmeStaff(r)
		if err != nil {
			return nil, err
		}
		p.Assignees = withAll("Nobody", assignees)
	}
	return p, nil
}

func (p *changeEditPage) fillFrom(c *itsm.ChangeRequest) {
	p.Summary, p.Description, p.Service, p.Justification, p.Subtype = c.Title, c.Description, c.Service, c.Justification, string(c.Subtype)
	p.ContractRef, p.Variation = c.ContractRef, c.Variation
	if c.Kind == itsm.ChangeCCN {
		p.CostImpact = poundsInput(c.CostImpact)
		p.TimeImpact = strings.TrimSuffix(strings.TrimSuffix(days(c.TimeImpactDays), " days"), " day")
	}
	p.ProviderID, p.AssigneeID = idValue(c.ProviderID), idValue(c.AssigneeID)
	p.major(c.Major)
}

func (p *changeEditPage) major(on bool) {
	var checked []string
	if on {
		checked = []string{"yes"}
	}
	p.Major = newCheckboxGroup(&p.basePage, "major", "Major change", "A major change needs a decision of the change advisory board (CAB) before a manager approves it.",
		[]option{{"yes", "This is a major change"}}, checked)
}

// changeEditForm shows the form.
func (s *Server) changeEditForm(w http.ResponseWriter, r *http.Request) error {
	c, spec, staff, err := s.findChangeToEdit(r)
	if err != nil {
		return err
	}
	p, err := s.changeEditPage(w, r, c, spec, staff)
	if err != nil {
		return err
	}
	p.fillFrom(c)
	return s.render(w, http.StatusOK, "change_edit", p)
}

// changeUpdate saves the change unless someone else changed it since the
// form was opened.
func (s *Server) changeUpdate(w http.ResponseWriter, r *http.Request) error {
	c, spec, staff, err := s.findChangeToEdit(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	p, err := s.changeEditPage(w, r, c, spec, staff)
	if err != nil {
		return err
	}
	p.fillFrom(c)
	form := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	u := itsm.ChangeUpdate{Version: version}
	var v itsm.Validation
	if spec {
		p.Summary, p.Description, p.Service, p.Justification = form("title"), r.PostFormValue("description"), form("service"), r.PostFormValue("business_justification")
		u.Title, u.Description, u.Service, u.Justification = &p.Summary, &p.Description, &p.Service, &p.Justification
		switch c.Kind {
		case itsm.ChangeRFC:
			p.Subtype = form("subtype")
			sub := itsm.RFCSubtype(p.Subtype)
			u.Subtype = &sub
		case itsm.ChangeCCN:
			p.ContractRef, p.Variation, p.CostImpact, p.TimeImpact = form("contract_ref"), r.PostFormValue("variation"), form("cost_impact"), form("time_impact_days")
			u.ContractRef, u.Variation = &p.ContractRef, &p.Variation
			cost, msg := parsePounds(p.CostImpact, "the cost impact", true)
			if msg != "" {
				v.Add("cost_impact", msg)
			}
			d, msg := parseDays(p.TimeImpact, "the time impact", true)
			if msg != "" {
				v.Add("time_impact_days", msg)
			}
			u.CostImpact, u.TimeImpactDays = &cost, &d
		}
	}
	if staff {
		major := r.PostFormValue("major") == "yes"
		p.major(major)
		u.Major = &major
		p.ProviderID, p.AssigneeID = form("provider_id"), form("assignee_id")
		provider, ok := optionalID(p.ProviderID, p.Providers)
		v.Check(ok, "provider_id", "Choose a provider from the list, or none.")
		assignee, ok := optionalID(p.AssigneeID, p.Assignees)
		v.Check(ok, "assignee_id", "Choose an assignee from the list, or nobody.")
		none := int64(0)
		u.ProviderID, u.AssigneeID = &none, &none
		if provider != nil {
			u.ProviderID = provider
		}
		if assignee != nil {
			u.AssigneeID = assignee
		}
	}
	check := *c
	err = mergeErrors(v.Err(), u.Apply(&check))
	var saved *itsm.ChangeRequest
	if err == nil {
		saved, err = s.svc.Changes.UpdateChange(r.Context(), c.ID, u)
	}
	if formFailed(err) {
		p.Version = version
		p.setErrors(err, changeNewFields...)
		return s.render(w, formStatus(err), "change_edit", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, changeHref(saved), "Your changes to "+saved.Ref+" have been saved.")
}
