package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// Who uses the integration register: everyone signed in reads it (customers
// their own organisation's entries; staff, auditors and providers, who
// operate the interfaces, every organisation's); programme staff and the
// organisation's customer administrators change it; customer users report
// integration issues against it.

func integrationOptions(choices []itsm.IntegrationChoice) []option {
	out := make([]option, len(choices))
	for i, c := range choices {
		out[i] = option{Value: c.Value, Label: c.Label}
	}
	return out
}

// integrationView is an entry as the pages show it.
type integrationView struct{ *itsm.Integration }

// DirectionLabel, FormatLabel, TransportLabel and StatusLabel are the
// fields as people read them.
func (v integrationView) DirectionLabel() string {
	return itsm.ChoiceLabel(itsm.IntegrationDirections, v.Direction)
}

// FormatLabel is the format as people read it.
func (v integrationView) FormatLabel() string {
	return itsm.ChoiceLabel(itsm.IntegrationFormats, v.Format)
}

// TransportLabel is the transport as people read it.
func (v integrationView) TransportLabel() string {
	return itsm.ChoiceLabel(itsm.IntegrationTransports, v.Transport)
}

// StatusLabel is the status as people read it.
func (v integrationView) StatusLabel() string {
	return itsm.ChoiceLabel(itsm.IntegrationStatuses, v.Status)
}

// StatusTag is the DS tag colour of the status.
func (v integrationView) StatusTag() string {
	switch v.Status {
	case "live":
		return "ds_tag--green"
	case "testing", "in_build":
		return "ds_tag--yellow"
	case "retired":
		return "ds_tag--grey"
	}
	return ""
}

// EnvironmentsLabel lists the environments, or says there are none.
func (v integrationView) EnvironmentsLabel() string {
	if len(v.Environments) == 0 {
		return "None recorded"
	}
	labels := make([]string, len(v.Environments))
	for i, e := range v.Environments {
		labels[i] = itsm.ChoiceLabel(itsm.IntegrationEnvironments, e)
	}
	return strings.Join(labels, ", ")
}

// Href is the entry's page.
func (v integrationView) Href() string { return integrationHref(v.Integration) }

func integrationHref(g *itsm.Integration) string {
	return "/integrations/" + strconv.FormatInt(g.ID, 10)
}

var integrationSortOptions = sortOptions("name", "Name", "organisation", "Organisation", "updated", "Most recently changed")

// integrationListPage is the register.
type integrationListPage struct {
	basePage
	Entries                                  []integrationView
	Pager                                    pager
	Orgs, Statuses, Directions, Sorts        []option
	Org, Status, Direction, Query, Sort      string
	ShowOrgFilter, Filtered, CanAdd, CanHook bool
	CSVHref                                  string
}

func integrationFilter(q *listQuery, showOrgs bool) itsm.IntegrationFilter {
	f := itsm.IntegrationFilter{Sort: q.sort(integrationSortOptions, "name")}
	if showOrgs {
		f.OrgID = q.id("organisation", "the organisation's number")
	}
	if s := q.oneOf("status", integrationOptions(itsm.IntegrationStatuses), "a status"); s != "" {
		f.Status = &s
	}
	if d := q.oneOf("direction", integrationOptions(itsm.IntegrationDirections), "a direction"); d != "" {
		f.Direction = &d
	}
	if t := q.text("q"); t != "" {
		f.Query = &t
	}
	return f
}

// integrationList shows the entries the viewer may see.
func (s *Server) integrationList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	showOrgs := a.ReadsEverything()
	q := newListQuery(r.URL.Query())
	f := integrationFilter(q, showOrgs)
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(pg), pageSize
	entries, total, err := s.svc.Integrations.FindIntegrations(ctx, f)
	if err != nil {
		return err
	}
	p := &integrationListPage{basePage: s.newPage(w, r, "Integration register"),
		Statuses: withAll("All statuses", integrationOptions(itsm.IntegrationStatuses)), Directions: withAll("All directions", integrationOptions(itsm.IntegrationDirections)),
		Sorts: integrationSortOptions, Org: q.keep.Get("organisation"), Status: q.keep.Get("status"), Direction: q.keep.Get("direction"), Query: q.keep.Get("q"),
		Sort: f.Sort, ShowOrgFilter: showOrgs, Filtered: q.filtered(), CanAdd: a.CanManageSomeIntegrations(), CanHook: a.CanReadWebhooks(),
		CSVHref: q.href("/integrations.csv")}
	if p.Sort == "" {
		p.Sort = "name"
	}
	for _, g := range entries {
		p.Entries = append(p.Entries, integrationView{g})
	}
	if showOrgs {
		orgs, err := s.orgsOfKind(r, itsm.OrgCustomer)
		if err != nil {
			return err
		}
		p.Orgs = withAll("All organisations", orgs)
	}
	p.Wide = true
	p.Pager = newPager(q, "/integrations", pg, total, len(entries), "interfaces")
	p.setPaged("Integration register", p.Pager)
	return s.render(w, http.StatusOK, "integration_list", p)
}

// integrationCSV exports every entry matching the list's filters, with the
// columns an import reads.
func (s *Server) integrationCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	q := newListQuery(r.URL.Query())
	f := integrationFilter(q, a.ReadsEverything())
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	entries, _, err := s.svc.Integrations.FindIntegrations(ctx, f)
	if err != nil {
		return err
	}
	out := newSafeCSV(w, "integrations.csv")
	_ = out.Write(itsm.CSVIntegrations.Columns()...)
	writePages(s, ctx, out, "integrations", entries, 0, func(n int) ([]*itsm.Integration, error) {
		f.Offset += n
		page, _, err := s.svc.Integrations.FindIntegrations(ctx, f)
		return page, err
	}, func(g *itsm.Integration) []string {
		return itsm.IntegrationCSVRow(g)
	})
	return nil
}

// safeCSV is an export whose cells go through report.SafeCell, the
// formula-injection guard every export shares.
type safeCSV struct{ *csvWriter }

func newSafeCSV(w http.ResponseWriter, filename string) safeCSV {
	return safeCSV{newCSV(w, filename)}
}

// Write writes one row of guarded cells.
func (c safeCSV) Write(cells ...string) error {
	row := make([]string, len(cells))
	for i, s := range cells {
		row[i] = report.SafeCell(s)
	}
	return c.w.Write(row)
}

// integrationDetailPage is one entry, its linked tickets and its history.
type integrationDetailPage struct {
	basePage
	Entry                       integrationView
	Notes                       []string
	Tickets                     []*itsm.Ticket
	History                     []*itsm.IntegrationChange
	CanEdit, CanLink, CanReport bool
	Ref                         string // typed in the link form
}

var integrationLinkFields = []string{"ref"}

// integrationTicketTable is what the "integrationTickets" partial draws.
type integrationTicketTable struct {
	Page            *basePage
	Caption, Action string
	Tickets         []*itsm.Ticket
	CanUnlink       bool
}

// TicketTable is the table of the entry's linked tickets.
func (p *integrationDetailPage) TicketTable() integrationTicketTable {
	return integrationTicketTable{Page: &p.basePage, Caption: "Tickets about " + p.Entry.Name + " (" + strconv.Itoa(len(p.Tickets)) + ")",
		Action: integrationHref(p.Entry.Integration) + "/tickets/unlink", Tickets: p.Tickets, CanUnlink: p.CanEdit}
}

var integrationFieldLabels = map[string]string{"name": "Name", "system": "Back-office system", "vendor": "Vendor", "system_version": "Version",
	"direction": "Direction", "format": "Format", "transport": "Transport", "schedule": "Schedule", "environments": "Environments",
	"status": "Status", "contacts": "Contacts", "documents": "Documents", "notes": "Notes"}

// FieldLabel names a field of the history as people read it.
func (p *integrationDetailPage) FieldLabel(field string) string {
	if l, ok := integrationFieldLabels[field]; ok {
		return l
	}
	return field
}

func (s *Server) integrationDetailPage(w http.ResponseWriter, r *http.Request, g *itsm.Integration) (*integrationDetailPage, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	tickets, err := s.svc.Integrations.IntegrationTickets(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	hist, err := s.svc.Integrations.IntegrationHistory(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	p := &integrationDetailPage{basePage: s.newPage(w, r, g.Name), Entry: integrationView{g}, Notes: paragraphs(g.Notes), Tickets: tickets, History: hist,
		CanEdit: a.CanManageIntegration(g.OrgID), CanLink: a.CanManageIntegration(g.OrgID) || (a.IsCustomer() && a.OrgID == g.OrgID),
		CanReport: canRaiseTickets(a) == nil && (a.IsStaff() || a.OrgID == g.OrgID)}
	p.Caption = g.OrgName + ": integration register"
	p.BackHref = "/integrations"
	p.Wide = true
	return p, nil
}

// findIntegration reads the entry named in the path (404 when not visible).
func (s *Server) findIntegration(r *http.Request) (*itsm.Integration, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Integrations.FindIntegrationByID(r.Context(), id)
}

// integrationDetail shows an entry to anyone who may see it.
func (s *Server) integrationDetail(w http.ResponseWriter, r *http.Request) error {
	g, err := s.findIntegration(r)
	if err != nil {
		return err
	}
	p, err := s.integrationDetailPage(w, r, g)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "integration_detail", p)
}

// integrationLink links a ticket, by reference, to the entry.
func (s *Server) integrationLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, err := s.findIntegration(r)
	if err != nil {
		return err
	}
	if a := itsm.ActorFromContext(ctx); !a.CanManageIntegration(g.OrgID) && !(a.IsCustomer() && a.OrgID == g.OrgID) {
		return forbidden("Only the service desk and " + g.OrgName + " can link tickets to this interface.")
	}
	ref := normaliseRef(r.PostFormValue("ref"))
	var t *itsm.Ticket
	if ref == "" {
		err = fieldErr("ref", "Enter the reference of the ticket, like INC-000123.")
	} else if t, err = s.svc.Tickets.FindTicketByRef(ctx, ref); itsm.ErrorCode(err) == itsm.ENOTFOUND {
		err = fieldErr("ref", "There is no ticket "+ref+", or you cannot see it. Check the reference.")
	}
	if err == nil {
		err = s.svc.Integrations.LinkIntegrationTicket(ctx, g.ID, t.ID)
		if fields := itsm.ErrorFields(err); fields["ticket_id"] != "" {
			err = fieldErr("ref", fields["ticket_id"])
		}
	}
	if formFailed(err) {
		p, perr := s.integrationDetailPage(w, r, g)
		if perr != nil {
			return perr
		}
		p.Ref = ref
		p.setErrors(err, integrationLinkFields...)
		return s.render(w, formStatus(err), "integration_detail", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, integrationHref(g), t.Ref+" is now linked to "+g.Name+".")
}

// integrationUnlink removes a ticket's link to the entry.
func (s *Server) integrationUnlink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, err := s.findIntegration(r)
	if err != nil {
		return err
	}
	if !itsm.ActorFromContext(ctx).CanManageIntegration(g.OrgID) {
		return forbidden("Only the service desk and " + g.OrgName + "'s administrators can unlink tickets from this interface.")
	}
	ticketID, err := strconv.ParseInt(r.PostFormValue("ticket_id"), 10, 64)
	if err != nil || ticketID <= 0 {
		return itsm.Errorf(itsm.EINVALID, "The form does not say which ticket to unlink. Go back, reload the page and try again.")
	}
	t, err := s.svc.Tickets.FindTicketByID(ctx, ticketID)
	if err != nil {
		return err
	}
	if err := s.svc.Integrations.UnlinkIntegrationTicket(ctx, g.ID, t.ID); err != nil {
		return err
	}
	return s.redirect(w, r, integrationHref(g), t.Ref+" is no longer linked to "+g.Name+".")
}
