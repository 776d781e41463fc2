package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// ticketNewPage is "Report an issue": the customer area's form, which the
// service desk also uses to log a ticket for a customer. Staff first choose
// the customer organisation (ChooseOrg), then see its people as possible
// requesters and may override the priority, with a reason.
type ticketNewPage struct {
	basePage
	Staff, ChooseOrg bool
	Org              *itsm.Organisation
	OrgID            string
	Orgs, Requesters []option

	// Summary is the ticket's title (Title is the page's).
	Type, Summary, Description, Category, Service, Component string
	Impact, Urgency, Priority, PriorityReason, RequesterID   string

	Types, Categories, Impacts, Urgencies, Priorities []option
	FileHint                                          string

	// Suggestions are help articles that may answer the issue, found from
	// its summary when the customer asks (Suggested).
	Suggestions []articleView
	Suggested   bool
}

var ticketNewFields = []string{"organisation_id", "type", "requester_id", "title", "description", "category", "service", "component",
	"impact", "urgency", "priority", "priority_reason", "file"}

var (
	ticketKindOptions = []option{
		{string(itsm.Incident), "An incident: something is broken or not working as it should"},
		{string(itsm.Request), "A request: a question, how to do something, or help with an integration"},
	}
	impactOptions = []option{
		{string(itsm.High), "High: many people, or a whole organisation, cannot work"},
		{string(itsm.Medium), "Medium: a team or several people are affected"},
		{string(itsm.Low), "Low: one person is affected, or there is a way round it"},
	}
	urgencyOptions = []option{
		{string(itsm.High), "High: work has stopped, or a deadline today is at risk"},
		{string(itsm.Medium), "Medium: it needs fixing within a day or two"},
		{string(itsm.Low), "Low: it can wait"},
	}
)

// fileHint lists what may be attached, for every upload field.
func fileHint() string {
	return "Optional. A screenshot or a log helps. " + strings.Join(itsm.AttachmentExtensions(), ", ") +
		" files up to 10 MB. If the form shows a problem, choose the file again."
}

// canRaiseTickets mirrors the store: customers raise tickets for their own
// organisation and the service desk for any customer; providers and
// auditors raise none.
func canRaiseTickets(a *itsm.Actor) error {
	if !a.SignedIn() || a.ReadOnly() || !(a.IsCustomer() || a.IsStaff()) {
		return forbidden("You do not have permission to raise tickets.")
	}
	return nil
}

// customerOrgs lists the active customer organisations, for the service
// desk to log a ticket for.
func (s *Server) customerOrgs(r *http.Request) ([]option, error) {
	kind, active := itsm.OrgCustomer, true
	orgs, _, err := s.svc.Organisations.FindOrganisations(r.Context(), itsm.OrganisationFilter{Kind: &kind, Active: &active, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := []option{{"", "Choose an organisation"}}
	for _, o := range orgs {
		out = append(out, option{strconv.FormatInt(o.ID, 10), o.Name})
	}
	return out, nil
}

// orgForNewTicket finds the organisation a ticket is for: a customer's own,
// or the customer organisation the service desk chose (nil while none has
// been).
func (s *Server) orgForNewTicket(r *http.Request, a *itsm.Actor, chosen string) (*itsm.Organisation, error) {
	if !a.IsStaff() {
		return s.svc.Organisations.FindOrganisationByID(r.Context(), a.OrgID)
	}
	if chosen == "" {
		return nil, nil
	}
	bad := fieldErr("organisation_id", "Choose a customer organisation from the list.")
	id, err := strconv.ParseInt(chosen, 10, 64)
	if err != nil || id <= 0 {
		return nil, bad
	}
	org, err := s.svc.Organisations.FindOrganisationByID(r.Context(), id)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND || (err == nil && org.Kind != itsm.OrgCustomer) {
		return nil, bad
	}
	return org, err
}

func (s *Server) ticketNewPage(w http.ResponseWriter, r *http.Request, a *itsm.Actor, org *itsm.Organisation) (*ticketNewPage, error) {
	title := "Report an issue"
	if a.IsStaff() {
		title = "Log a ticket"
	}
	p := &ticketNewPage{basePage: s.newPage(w, r, title), Staff: a.IsStaff(),
		Type: string(itsm.Incident), Impact: string(itsm.Medium), Urgency: string(itsm.Medium),
		Types: ticketKindOptions, Impacts: impactOptions, Urgencies: urgencyOptions,
		Categories: append([]option{{"", "Not sure"}}, categoryOptions()...),
		Priorities: append([]option{{"", "Work it out from the impact and urgency"}}, priorityOptions()...),
		FileHint:   fileHint()}
	p.BackHref = "/tickets"
	if !p.Staff {
		p.Caption = "Customer area"
		return p, nil
	}
	if org == nil {
		p.ChooseOrg = true
		orgs, err := s.customerOrgs(r)
		if err != nil {
			return nil, err
		}
		p.Orgs = orgs
		return p, nil
	}
	p.Org, p.OrgID, p.Caption = org, strconv.FormatInt(org.ID, 10), org.Name
	var err error
	p.Requesters, err = s.requesterOptions(r, org)
	return p, err
}

// requesterOptions lists the people of a customer organisation who may be
// a ticket's requester.
func (s *Server) requesterOptions(r *http.Request, org *itsm.Organisation) ([]option, error) {
	active := itsm.UserActive
	people, _, err := s.svc.Users.FindUsers(r.Context(), itsm.UserFilter{OrgID: &org.ID, Status: &active, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := []option{{"", "Nobody in particular (you will be the requester)"}}
	for _, u := range people {
		out = append(out, option{strconv.FormatInt(u.ID, 10), u.Name})
	}
	return out, nil
}

// ticketNewForm shows the form.
func (s *Server) ticketNewForm(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	if err := canRaiseTickets(a); err != nil {
		return err
	}
	org, err := s.orgForNewTicket(r, a, r.URL.Query().Get("organisation_id"))
	if formFailed(err) {
		p, perr := s.ticketNewPage(w, r, a, nil)
		if perr != nil {
			return perr
		}
		p.setErrors(err, ticketNewFields...)
		return s.render(w, formStatus(err), "ticket_new", p)
	} else if err != nil {
		return err
	}
	p, err := s.ticketNewPage(w, r, a, org)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "ticket_new", p)
}

// ticketCreate logs the ticket, then adds the file, if one was chosen.
// A file whose name or size is wrong is refused with the form, before
// anything is logged; one the store refuses after the ticket exists (its
// content does not match its type, say) never loses the ticket: the
// ticket's page opens with a message saying the file was not added and
// why.
func (s *Server) ticketCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canRaiseTickets(a); err != nil {
		return err
	}
	org, err := s.orgForNewTicket(r, a, r.PostFormValue("organisation_id"))
	if err != nil && !formFailed(err) {
		return err
	}
	if err == nil && org == nil {
		err = fieldErr("organisation_id", "Choose a customer organisation from the list.")
	}
	form := r.PostFormValue
	n := itsm.NewTicket{Type: itsm.TicketType(form("type")), Title: form("title"), Description: form("description"),
		Category: form("category"), Service: strings.TrimSpace(form("service")), Component: strings.TrimSpace(form("component")),
		Impact: itsm.Level(form("impact")), Urgency: itsm.Level(form("urgency"))}
	requester, priority, reason := form("requester_id"), "", ""
	if a.IsStaff() {
		priority, reason = form("priority"), form("priority_reason")
		n.Priority, n.PriorityReason = priority, reason
	}
	if form("suggest") != "" && !a.IsStaff() {
		return s.ticketSuggest(w, r, a, org, n)
	}
	file, fileErr := formFile(r, "file")
	if file != nil {
		defer file.Close()
	}
	if c := itsm.ErrorCode(fileErr); c != "" && c != itsm.EINVALID && c != itsm.ETOOLARGE {
		return fileErr
	}
	var v itsm.Validation
	v.Check(n.Category == "" || hasOption(categoryOptions(), n.Category), "category", "Choose a category from the list.")
	if err == nil && org != nil {
		n.OrgID = org.ID
		if a.IsStaff() && requester != "" {
			people, perr := s.requesterOptions(r, org)
			if perr != nil {
				return perr
			}
			if !hasOption(people, requester) {
				v.Add("requester_id", "Choose the person who reported it from the list.")
			}
			n.RequesterID, _ = strconv.ParseInt(requester, 10, 64)
		}
	}
	status := http.StatusBadRequest
	if itsm.ErrorCode(fileErr) == itsm.ETOOLARGE {
		status = http.StatusRequestEntityTooLarge
	}
	if err == nil {
		checked := n // Validate tidies its receiver; the store validates again
		err = mergeErrors(v.Err(), checked.Validate(), fileErr)
	} else {
		err = mergeErrors(err, v.Err(), fileErr)
	}
	var t *itsm.Ticket
	if err == nil {
		t, err = s.svc.Tickets.CreateTicket(ctx, n)
		status = formStatus(err)
	}
	if formFailed(err) {
		p, perr := s.ticketNewPage(w, r, a, org)
		if perr != nil {
			return perr
		}
		p.Type, p.Summary, p.Description, p.Category, p.Service, p.Component = string(n.Type), n.Title, n.Description, n.Category, n.Service, n.Component
		p.Impact, p.Urgency, p.Priority, p.PriorityReason, p.RequesterID = string(n.Impact), string(n.Urgency), priority, reason, requester
		p.setErrors(err, ticketNewFields...)
		return s.render(w, status, "ticket_new", p)
	} else if err != nil {
		return err
	}
	msg := t.Ref + " has been logged."
	if file == nil {
		return s.redirect(w, r, ticketHref(t), msg)
	}
	if _, err := s.svc.Attachments.AddAttachment(ctx, t.ID, itsm.NewAttachment{Filename: file.name, Data: file}); err != nil {
		why := itsm.ErrorMessage(err)
		if itsm.ErrorCode(err) == itsm.EINTERNAL {
			s.log.ErrorContext(ctx, "add the file of a new ticket", "request_id", httpx.RequestID(ctx), "ticket", t.Ref, "error", err)
			why = "There was a problem on our side."
		}
		s.setFlash(w, flash{Kind: flashError, Message: msg + " But your file " + file.name + " was not added: " + why + " Add it again below."})
		http.Redirect(w, r, ticketHref(t), http.StatusSeeOther)
		return nil
	}
	return s.redirect(w, r, ticketHref(t), msg+" Your file "+file.name+" has been added.")
}
