package web

import (
	"net/http"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// changeNewPage is "Raise a change": first the choice of kind (Choose),
// then the kind's own form with its guidance. The programme team also
// chooses the customer organisation and may set the staff-only fields.
type changeNewPage struct {
	basePage
	Choose, Staff bool
	Kind          string
	KindLabel     string

	// Summary is the change's title (Title is the page's).
	Summary, Description, Service, Justification, Subtype string
	ContractRef, Variation, CostImpact, TimeImpact        string
	OrgID, ProviderID, AssigneeID                         string
	Major                                                 checkboxGroup

	Kinds, Subtypes, Orgs, Providers, Assignees []option
	// FileHint says what may be attached (a specification, a mock-up).
	FileHint string
}

// IsRFC reports whether the form is a request for change's.
func (p *changeNewPage) IsRFC() bool { return p.Kind == string(itsm.ChangeRFC) }

// IsCCN reports whether the form is a contract change notice's.
func (p *changeNewPage) IsCCN() bool { return p.Kind == string(itsm.ChangeCCN) }

// IsWorkRequest reports whether the form is a work request's.
func (p *changeNewPage) IsWorkRequest() bool { return p.Kind == string(itsm.ChangeWorkRequest) }

var changeNewFields = []string{"organisation_id", "kind", "title", "subtype", "description", "business_justification", "service",
	"contract_ref", "variation", "cost_impact", "time_impact_days", "major", "provider_id", "assignee_id", "file"}

var rfcSubtypeOptions = []option{
	{string(itsm.RFCChangeExisting), "Change existing functionality: something the service does should work differently"},
	{string(itsm.RFCCosmetic), "A cosmetic change: wording, layout or appearance, with no change to how it works"},
	{string(itsm.RFCNewFunctionality), "New functionality: the service should do something it cannot do today"},
}

// changeFileHint lists what may be attached to a change, for its upload
// fields.
func changeFileHint() string {
	return "Optional. A fuller specification, a mock-up or a spreadsheet helps. " + strings.Join(itsm.AttachmentExtensions(), ", ") +
		" files up to 10 MB. If the form shows a problem, choose the file again."
}

// canRaiseChanges mirrors the store: customers raise changes for their own
// organisation and the programme team for any customer; providers and
// auditors raise none.
func canRaiseChanges(a *itsm.Actor) error {
	if !a.SignedIn() || a.ReadOnly() || !(a.IsCustomer() || a.IsStaff()) {
		return forbidden("Only customers and the programme team can raise changes.")
	}
	return nil
}

// programmeStaff lists the programme's active agents, managers and
// administrators, who may be a change's assignee or a CAB member.
func (s *Server) programmeStaff(r *http.Request) ([]option, error) {
	return s.deskAgents(r)
}

func (s *Server) changeNewPage(w http.ResponseWriter, r *http.Request, a *itsm.Actor, kind string) (*changeNewPage, error) {
	p := &changeNewPage{basePage: s.newPage(w, r, "Raise a change"), Staff: a.IsStaff(), Kind: kind, Kinds: changeKindOptions,
		Subtypes: rfcSubtypeOptions}
	p.BackHref = "/changes"
	if a.IsCustomer() {
		p.Caption = "Customer area"
	}
	if !itsm.ChangeKind(kind).Valid() {
		p.Choose = true
		p.Kind = ""
		return p, nil
	}
	p.KindLabel = itsm.ChangeKind(kind).Label()
	p.Title = "Raise a " + strings.ToLower(p.KindLabel)
	if p.IsCCN() {
		p.Title = "Raise a contract change notice (CCN)"
	} else if p.IsRFC() {
		p.Title = "Raise a request for change (RFC)"
	}
	p.BackHref = "/changes/new"
	p.FileHint = changeFileHint()
	p.Major = newCheckboxGroup(&p.basePage, "major", "Major change", "A major change needs a decision of the change advisory board (CAB) before a manager approves it.",
		[]option{{"yes", "This is a major change"}}, nil)
	if !p.Staff {
		return p, nil
	}
	var err error
	if p.Orgs, err = s.customerOrgs(r); err != nil {
		return nil, err
	}
	providers, err := s.orgsOfKind(r, itsm.OrgProvider)
	if err != nil {
		return nil, err
	}
	p.Providers = withAll("Not assigned to a provider yet", providers)
	staff, err := s.programmeStaff(r)
	if err != nil {
		return nil, err
	}
	p.Assignees = withAll("Nobody yet", staff)
	return p, nil
}

// changeNewForm shows the choice of kind, or the kind's form.
func (s *Server) changeNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.changesConfigured(); err != nil {
		return err
	}
	a := itsm.ActorFromContext(r.Context())
	if err := canRaiseChanges(a); err != nil {
		return err
	}
	kind := r.URL.Query().Get("kind")
	if kind != "" && !itsm.ChangeKind(kind).Valid() {
		return errPageNotFound
	}
	p, err := s.changeNewPage(w, r, a, kind)
	if err != nil {
		return err
	}
	if p.IsRFC() {
		p.Subtype = string(itsm.RFCChangeExisting)
	}
	return s.render(w, http.StatusOK, "change_new", p)
}

// changeCreate raises the change, as a draft or submitted, and shows it.
func (s *Server) changeCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.changesConfigured(); err != nil {
		return err
	}
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canRaiseChanges(a); err != nil {
		return err
	}
	form := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	kind := form("kind")
	if !itsm.ChangeKind(kind).Valid() {
		p, err := s.changeNewPage(w, r, a, "")
		if err != nil {
			return err
		}
		p.setErrors(fieldErr("kind", "Choose whether this is a request for change, a contract change notice or a work request."))
		return s.render(w, http.StatusBadRequest, "change_new", p)
	}
	p, err := s.changeNewPage(w, r, a, kind)
	if err != nil {
		return err
	}
	p.Summary, p.Description, p.Service, p.Justification = form("title"), r.PostFormValue("description"), form("service"), r.PostFormValue("business_justification")
	p.Subtype, p.ContractRef, p.Variation, p.CostImpact, p.TimeImpact = form("subtype"), form("contract_ref"), r.PostFormValue("variation"), form("cost_impact"), form("time_impact_days")
	p.OrgID, p.ProviderID, p.AssigneeID = form("organisation_id"), form("provider_id"), form("assignee_id")
	major := r.PostFormValue("major") == "yes"

	n := itsm.NewChange{Kind: itsm.ChangeKind(kind), Title: p.Summary, Description: p.Description, Service: p.Service,
		Justification: p.Justification, Submit: r.PostFormValue("submit") != "draft"}
	var v itsm.Validation
	switch n.Kind {
	case itsm.ChangeRFC:
		n.Subtype = itsm.RFCSubtype(p.Subtype)
	case itsm.ChangeCCN:
		n.ContractRef, n.Variation = p.ContractRef, p.Variation
		var msg string
		if n.CostImpact, msg = parsePounds(p.CostImpact, "the cost impact", true); msg != "" {
			v.Add("cost_impact", msg)
		}
		if n.TimeImpactDays, msg = parseDays(p.TimeImpact, "the time impact", true); msg != "" {
			v.Add("time_impact_days", msg)
		}
	}
	if p.Staff {
		org, ok := optionalID(p.OrgID, p.Orgs)
		v.Check(ok && org != nil, "organisation_id", "Choose the customer organisation the change is for.")
		if org != nil {
			n.OrgID = *org
		}
		n.ProviderID, ok = optionalID(p.ProviderID, p.Providers)
		v.Check(ok, "provider_id", "Choose a provider from the list, or none.")
		n.AssigneeID, ok = optionalID(p.AssigneeID, p.Assignees)
		v.Check(ok, "assignee_id", "Choose an assignee from the list, or nobody.")
		n.Major = major
	} else {
		n.OrgID = a.OrgID
	}
	// A file whose name or size is wrong is refused with the form, before
	// anything is raised.
	file, fileErr := formFile(r, "file")
	if file != nil {
		defer file.Close()
		if err := s.changeFilesConfigured(); err != nil {
			return err
		}
	}
	if c := itsm.ErrorCode(fileErr); c != "" && c != itsm.EINVALID && c != itsm.ETOOLARGE {
		return fileErr
	}
	checked := n // Validate tidies its receiver; the store validates again
	err = mergeErrors(v.Err(), checked.Validate(), fileErr)
	status := http.StatusBadRequest
	if itsm.ErrorCode(fileErr) == itsm.ETOOLARGE {
		status = http.StatusRequestEntityTooLarge
	}
	var c *itsm.ChangeRequest
	if err == nil {
		c, err = s.svc.Changes.CreateChange(ctx, n)
		status = formStatus(err)
	}
	if formFailed(err) {
		var selected []string
		if major {
			selected = []string{"yes"}
		}
		p.setErrors(err, changeNewFields...)
		p.Major = newCheckboxGroup(&p.basePage, "major", p.Major.Legend, p.Major.Hint, []option{{"yes", "This is a major change"}}, selected)
		return s.render(w, status, "change_new", p)
	} else if err != nil {
		return err
	}
	msg := c.Ref + " has been submitted. The programme team will review the specification."
	if c.State == itsm.ChangeDraft {
		msg = c.Ref + " has been saved as a draft. Submit it when the specification is ready."
	}
	if file != nil {
		return s.addNewChangeFile(w, r, c, msg, file)
	}
	return s.redirect(w, r, changeHref(c), msg)
}
