package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// integrationFormPage adds an interface to the register or changes one.
type integrationFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel string
	Editing, ChooseOrg              bool
	Version                         int64
	OrgID, Name, System, Vendor     string
	SysVersion, Direction, Format   string
	Transport, Schedule, Status     string
	Contacts, Documents, Notes      string
	Environments                    checkboxGroup
	Orgs, Directions, Formats       []option
	Transports, Statuses            []option
}

var integrationFields = []string{"organisation_id", "name", "system", "vendor", "system_version", "direction", "format", "transport",
	"schedule", "environments", "status", "contacts", "documents", "notes"}

// integrationInput is what the form sent.
type integrationInput struct {
	org, name, system, vendor, sysVersion, direction, format, transport string
	schedule, status, contacts, documents, notes                        string
	environments                                                        []string
}

func readIntegrationForm(r *http.Request) integrationInput {
	f := r.PostFormValue
	return integrationInput{org: f("organisation_id"), name: f("name"), system: f("system"), vendor: f("vendor"), sysVersion: f("system_version"),
		direction: f("direction"), format: f("format"), transport: f("transport"), schedule: f("schedule"), status: f("status"),
		contacts: f("contacts"), documents: f("documents"), notes: f("notes"), environments: r.PostForm["environments"]}
}

// entry turns the input into a register entry, with the problems only the
// form can see (contacts it cannot read).
func (in integrationInput) entry() (*itsm.Integration, error) {
	g := &itsm.Integration{Name: in.name, System: in.system, Vendor: in.vendor, SysVersion: in.sysVersion, Direction: in.direction,
		Format: in.format, Transport: in.transport, Schedule: in.schedule, Status: in.status, Notes: in.notes, Environments: in.environments}
	g.OrgID, _ = strconv.ParseInt(in.org, 10, 64)
	var v itsm.Validation
	contacts, err := itsm.ParseContacts(strings.Join(strings.Split(strings.ReplaceAll(in.contacts, "\r\n", "\n"), "\n"), ";"))
	if err != nil {
		v.Add("contacts", "Write one contact a line, as Name <email> (role).")
	}
	g.Contacts = contacts
	for _, line := range strings.Split(strings.ReplaceAll(in.documents, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			g.Documents = append(g.Documents, line)
		}
	}
	return g, v.Err()
}

func contactLines(cs []itsm.IntegrationContact) string {
	return strings.ReplaceAll(itsm.FormatContacts(cs), "; ", "\n")
}

func (s *Server) integrationFormPage(w http.ResponseWriter, r *http.Request, title string, chooseOrg bool) (*integrationFormPage, error) {
	p := &integrationFormPage{basePage: s.newPage(w, r, title), ChooseOrg: chooseOrg,
		Directions: append([]option{{"", "Choose a direction"}}, integrationOptions(itsm.IntegrationDirections)...),
		Formats:    append([]option{{"", "Choose a format"}}, integrationOptions(itsm.IntegrationFormats)...),
		Transports: append([]option{{"", "Choose a transport"}}, integrationOptions(itsm.IntegrationTransports)...),
		Statuses:   integrationOptions(itsm.IntegrationStatuses)}
	if chooseOrg {
		orgs, err := s.customerOrgs(r)
		if err != nil {
			return nil, err
		}
		p.Orgs = orgs
	}
	return p, nil
}

func (p *integrationFormPage) fill(in integrationInput) {
	p.OrgID, p.Name, p.System, p.Vendor, p.SysVersion = in.org, in.name, in.system, in.vendor, in.sysVersion
	p.Direction, p.Format, p.Transport, p.Schedule, p.Status = in.direction, in.format, in.transport, in.schedule, in.status
	p.Contacts, p.Documents, p.Notes = in.contacts, in.documents, in.notes
	p.Environments = newCheckboxGroup(&p.basePage, "environments", "Environments", "Where the interface runs. Choose all that apply.",
		integrationOptions(itsm.IntegrationEnvironments), in.environments)
}

func canAddIntegrations(a *itsm.Actor) error {
	if !a.CanManageSomeIntegrations() {
		return forbidden("Only the service desk and your organisation's administrators can add interfaces to the register.")
	}
	return nil
}

// integrationNewForm shows the form for a new entry.
func (s *Server) integrationNewForm(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	if err := canAddIntegrations(a); err != nil {
		return err
	}
	p, err := s.integrationFormPage(w, r, "Add an interface", a.IsStaff())
	if err != nil {
		return err
	}
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/integrations/new", "/integrations", "Add interface", "/integrations"
	p.fill(integrationInput{status: "planned", org: r.URL.Query().Get("organisation")})
	return s.render(w, http.StatusOK, "integration_form", p)
}

// integrationCreate adds the entry and shows it.
func (s *Server) integrationCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canAddIntegrations(a); err != nil {
		return err
	}
	p, err := s.integrationFormPage(w, r, "Add an interface", a.IsStaff())
	if err != nil {
		return err
	}
	in := readIntegrationForm(r)
	if !a.IsStaff() {
		in.org = strconv.FormatInt(a.OrgID, 10)
	}
	g, err := in.entry()
	var v itsm.Validation
	if a.IsStaff() {
		v.Check(in.org != "" && hasOption(p.Orgs, in.org), "organisation_id", "Choose the customer organisation the interface belongs to.")
	}
	check := *g
	err = mergeErrors(v.Err(), err, check.Validate())
	if err == nil {
		err = s.svc.Integrations.CreateIntegration(ctx, g)
	}
	if formFailed(err) {
		p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/integrations/new", "/integrations", "Add interface", "/integrations"
		p.fill(in)
		p.setErrors(err, integrationFields...)
		return s.render(w, formStatus(err), "integration_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, integrationHref(g), g.Name+" has been added to "+g.OrgName+"'s register.")
}

// findIntegrationToEdit finds an entry the caller can see (404 otherwise)
// and may change (403 otherwise).
func (s *Server) findIntegrationToEdit(r *http.Request) (*itsm.Integration, error) {
	g, err := s.findIntegration(r)
	if err != nil {
		return nil, err
	}
	if !itsm.ActorFromContext(r.Context()).CanManageIntegration(g.OrgID) {
		return nil, forbidden("Only the service desk and " + g.OrgName + "'s administrators can change this interface.")
	}
	return g, nil
}

func (s *Server) integrationEditPage(w http.ResponseWriter, r *http.Request, g *itsm.Integration) (*integrationFormPage, error) {
	p, err := s.integrationFormPage(w, r, "Change "+g.Name, false)
	if err != nil {
		return nil, err
	}
	p.Caption = g.OrgName
	p.Editing, p.Version = true, g.Version
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = integrationHref(g)+"/edit", integrationHref(g), "Save changes", integrationHref(g)
	return p, nil
}

// integrationEditForm shows the form to change an entry.
func (s *Server) integrationEditForm(w http.ResponseWriter, r *http.Request) error {
	g, err := s.findIntegrationToEdit(r)
	if err != nil {
		return err
	}
	p, err := s.integrationEditPage(w, r, g)
	if err != nil {
		return err
	}
	p.fill(integrationInput{org: strconv.FormatInt(g.OrgID, 10), name: g.Name, system: g.System, vendor: g.Vendor, sysVersion: g.SysVersion,
		direction: g.Direction, format: g.Format, transport: g.Transport, schedule: g.Schedule, status: g.Status,
		contacts: contactLines(g.Contacts), documents: strings.Join(g.Documents, "\n"), notes: g.Notes, environments: g.Environments})
	return s.render(w, http.StatusOK, "integration_form", p)
}

// integrationUpdate saves the change unless someone else changed the entry
// since the form was opened.
func (s *Server) integrationUpdate(w http.ResponseWriter, r *http.Request) error {
	g, err := s.findIntegrationToEdit(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	p, err := s.integrationEditPage(w, r, g)
	if err != nil {
		return err
	}
	in := readIntegrationForm(r)
	in.org = strconv.FormatInt(g.OrgID, 10)
	want, err := in.entry()
	check := *want
	err = mergeErrors(err, check.Validate())
	var saved *itsm.Integration
	if err == nil {
		envs := want.Environments
		if envs == nil {
			envs = []string{}
		}
		saved, err = s.svc.Integrations.UpdateIntegration(r.Context(), g.ID, itsm.IntegrationUpdate{Name: &want.Name, System: &want.System, Vendor: &want.Vendor,
			SysVersion: &want.SysVersion, Direction: &want.Direction, Format: &want.Format, Transport: &want.Transport, Status: &want.Status,
			Schedule: &want.Schedule, Notes: &want.Notes, Environments: &envs, Contacts: &want.Contacts, Documents: &want.Documents, Version: version})
	}
	if formFailed(err) {
		p.fill(in)
		p.Version = version
		p.setErrors(err, integrationFields...)
		return s.render(w, formStatus(err), "integration_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, integrationHref(saved), "Your changes to "+saved.Name+" have been saved.")
}

// integrationIssuePage is "Report an integration issue": the ticket form,
// prefilled for the interface, whose ticket is linked to it.
type integrationIssuePage struct {
	basePage
	Entry                integrationView
	Summary, Description string
	Impact, Urgency      string
	Impacts, Urgencies   []option
}

var integrationIssueFields = []string{"title", "description", "impact", "urgency"}

func (s *Server) integrationIssuePage(w http.ResponseWriter, r *http.Request, g *itsm.Integration) (*integrationIssuePage, error) {
	a := itsm.ActorFromContext(r.Context())
	if err := canRaiseTickets(a); err != nil {
		return nil, err
	}
	if !a.IsStaff() && a.OrgID != g.OrgID {
		return nil, forbidden("Only " + g.OrgName + " and the service desk can report issues with this interface.")
	}
	p := &integrationIssuePage{basePage: s.newPage(w, r, "Report an integration issue"), Entry: integrationView{g},
		Impacts: impactOptions, Urgencies: urgencyOptions}
	p.Caption = g.Name
	p.BackHref = integrationHref(g)
	return p, nil
}

// integrationIssueForm shows the prefilled form.
func (s *Server) integrationIssueForm(w http.ResponseWriter, r *http.Request) error {
	g, err := s.findIntegration(r)
	if err != nil {
		return err
	}
	p, err := s.integrationIssuePage(w, r, g)
	if err != nil {
		return err
	}
	p.Summary = g.Name + ": "
	p.Description = "Interface: " + g.Name + " (" + g.System + ", " + integrationView{g}.DirectionLabel() + ", " + integrationView{g}.FormatLabel() +
		" over " + integrationView{g}.TransportLabel() + ")\n\nWhat happened, and since when:\n"
	p.Impact, p.Urgency = string(itsm.Medium), string(itsm.Medium)
	return s.render(w, http.StatusOK, "integration_issue", p)
}

// integrationIssueCreate raises the ticket (category "Integration issue")
// and links it to the interface.
func (s *Server) integrationIssueCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, err := s.findIntegration(r)
	if err != nil {
		return err
	}
	p, err := s.integrationIssuePage(w, r, g)
	if err != nil {
		return err
	}
	form := r.PostFormValue
	n := itsm.NewTicket{Type: itsm.Incident, OrgID: g.OrgID, Title: form("title"), Description: form("description"), Category: itsm.IntegrationIssueCategory,
		Service: "Integration", Component: g.Name, Impact: itsm.Level(form("impact")), Urgency: itsm.Level(form("urgency"))}
	checked := n
	err = checked.Validate()
	var t *itsm.Ticket
	if err == nil {
		t, err = s.svc.Tickets.CreateTicket(ctx, n)
	}
	if err == nil {
		err = s.svc.Integrations.LinkIntegrationTicket(ctx, g.ID, t.ID)
	}
	if formFailed(err) {
		p.Summary, p.Description, p.Impact, p.Urgency = n.Title, n.Description, string(n.Impact), string(n.Urgency)
		p.setErrors(err, integrationIssueFields...)
		return s.render(w, formStatus(err), "integration_issue", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, ticketHref(t), t.Ref+" has been raised and linked to "+g.Name+".")
}
