package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// breachingSoonWindow is how far ahead the "breaching soon" queue looks.
// It is clock time, not business time: TicketFilter.BreachingBefore takes
// an instant, and now + 4 hours is a simple approximation of "within 4
// business hours" that errs on the side of showing too little overnight
// and at weekends, when nobody is working the queue anyway. The queue also
// holds tickets already past due, which need attention first.
const breachingSoonWindow = 4 * time.Hour

// ticketRow is a ticket as lists and pages show it, at a moment (now).
type ticketRow struct {
	*itsm.Ticket
	now time.Time
}

func ticketRows(ts []*itsm.Ticket, now time.Time) []ticketRow {
	out := make([]ticketRow, len(ts))
	for i, t := range ts {
		out[i] = ticketRow{t, now}
	}
	return out
}

// Href is the ticket's page.
func (t ticketRow) Href() string { return ticketHref(t.Ticket) }

func ticketHref(t *itsm.Ticket) string { return "/tickets/" + strconv.FormatInt(t.ID, 10) }

// StatusClass is the DS tag colour of the ticket's status.
func (t ticketRow) StatusClass() string { return ticketStatusClass(t.Status) }

func ticketStatusClass(s itsm.TicketStatus) string {
	switch s {
	case itsm.StatusNew:
		return "ds_tag--blue"
	case itsm.StatusAssigned:
		return "ds_tag--teal"
	case itsm.StatusInProgress:
		return "ds_tag--darkblue"
	case itsm.StatusPendingCustomer:
		return "ds_tag--yellow"
	case itsm.StatusPendingProvider:
		return "ds_tag--orange"
	case itsm.StatusResolved:
		return "ds_tag--green"
	}
	return "ds_tag--grey"
}

// NextDue is the earliest SLA target not yet met (the response while it is
// unmet, then the resolution), or nil when the ticket is no longer open
// or has no service agreement.
func (t ticketRow) NextDue() *time.Time {
	if !t.Status.Open() {
		return nil
	}
	if t.ResponseMetAt == nil && t.ResponseDue != nil {
		return t.ResponseDue
	}
	return t.ResolutionDue
}

// SLAPaused reports whether the ticket's SLA clocks are paused now (a
// pausing status such as pending customer): no due instant is stored while
// they are, since it moves for as long as the pause lasts.
func (t ticketRow) SLAPaused() bool {
	return t.AgreementID != nil && t.Status.Open() && t.ResolutionDue == nil && (t.ResponseMetAt != nil || t.ResponseDue == nil)
}

// NextDueName says which target NextDue is.
func (t ticketRow) NextDueName() string {
	if t.ResponseMetAt == nil && t.ResponseDue != nil {
		return "Response"
	}
	return "Resolution"
}

// Breached reports whether either SLA target has been breached: as
// recorded when the ticket last changed, or since, by now passing the next
// target. A ticket pending the customer is paused (under the usual
// agreement), so its recorded target is not a deadline.
func (t ticketRow) Breached() bool {
	if t.ResponseBreached || t.ResolutionBreached {
		return true
	}
	due := t.NextDue()
	return due != nil && t.Status != itsm.StatusPendingCustomer && t.now.After(*due)
}

// AssigneeLabel names the assignee, or says there is none.
func (t ticketRow) AssigneeLabel() string {
	if t.Assignee == "" {
		return "Unassigned"
	}
	return t.Assignee
}

// ticketTable is what the "ticketTable" partial draws. With Selectable,
// each row has a checkbox for the bulk-assignment form around the table.
type ticketTable struct {
	Page        *basePage
	Rows        []ticketRow
	Caption     string
	HideCaption bool
	ShowOrg     bool
	Selectable  bool
}

var (
	ticketDueOptions  = []option{{"soon", "Due within 4 hours, or overdue"}, {"breached", "Overdue (target breached)"}}
	ticketSortOptions = sortOptions("-created", "Newest first", "created", "Oldest first", "-updated", "Recently changed",
		"priority", "Priority (P1 first)", "due", "Due soonest", "ref", "Reference")
	// ticketRefPattern is a whole reference, which the search finds
	// exactly instead of as words.
	ticketRefPattern = regexp.MustCompile(`^(?i)(INC|REQ)-\d{6}$`)
)

// ticketStatusOptions offers "open" (any status that still needs work)
// and then each status.
func ticketStatusOptions() []option {
	out := []option{{"open", "Open (not resolved or closed)"}}
	for _, s := range itsm.TicketStatuses {
		out = append(out, option{string(s), s.Label()})
	}
	return out
}

func categoryOptions() []option {
	out := make([]option, len(itsm.TicketCategories))
	for i, c := range itsm.TicketCategories {
		out[i] = option{c, c}
	}
	return out
}

// deskAgents lists the active members of the service desk, whom tickets
// are assigned to, by name.
func (s *Server) deskAgents(r *http.Request) ([]option, error) {
	active := itsm.UserActive
	var out []option
	for _, role := range []itsm.Role{itsm.RoleAgent, itsm.RoleManager, itsm.RoleAdmin} {
		users, _, err := s.svc.Users.FindUsers(r.Context(), itsm.UserFilter{Role: &role, Status: &active, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.OrgKind == itsm.OrgProgramme {
				out = append(out, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Label) < strings.ToLower(out[j].Label) })
	return out, nil
}

// ticketScope is what a viewer's ticket list offers: customers get the
// simple filters, providers the working ones, and those who read every
// ticket (staff and auditors) filter by organisation, provider and
// assignee too.
type ticketScope struct {
	Customer, Working, ReadsAll, Staff bool
	Agents, Orgs, Providers            []option
}

func (s *Server) ticketScopeOf(r *http.Request, a *itsm.Actor) (*ticketScope, error) {
	sc := &ticketScope{Customer: a.IsCustomer(), Working: !a.IsCustomer(), ReadsAll: a.ReadsEverything(), Staff: a.IsStaff()}
	if !sc.ReadsAll {
		return sc, nil
	}
	var err error
	if sc.Agents, err = s.deskAgents(r); err != nil {
		return nil, err
	}
	if sc.Orgs, err = s.orgsOfKind(r, itsm.OrgCustomer); err != nil {
		return nil, err
	}
	if sc.Providers, err = s.orgsOfKind(r, itsm.OrgProvider); err != nil {
		return nil, err
	}
	return sc, nil
}

// assigneeOptions are the assignee filter's choices.
func (sc *ticketScope) assigneeOptions() []option {
	out := []option{{"", "Anyone or nobody"}}
	if sc.Staff {
		out = append(out, option{"me", "Me"})
	}
	out = append(out, option{"none", "Nobody (unassigned)"})
	return append(out, sc.Agents...)
}

// ticketFilter reads a ticket list's filters from the query string.
func ticketFilter(q *listQuery, a *itsm.Actor, sc *ticketScope, now time.Time) itsm.TicketFilter {
	var f itsm.TicketFilter
	if t := itsm.TicketType(q.oneOf("type", ticketTypeOptions, "a type")); t != "" {
		f.Type = &t
	}
	switch st := q.oneOf("status", ticketStatusOptions(), "a status"); st {
	case "":
	case "open":
		open := true
		f.Open = &open
	default:
		f.Status = []itsm.TicketStatus{itsm.TicketStatus(st)}
	}
	if sc.Working {
		if p := q.oneOf("priority", priorityOptions(), "a priority"); p != "" {
			f.Priority = &p
		}
		if c := q.oneOf("category", categoryOptions(), "a category"); c != "" {
			f.Category = &c
		}
		switch q.oneOf("due", ticketDueOptions, "when the tickets are due") {
		case "soon":
			soon := now.Add(breachingSoonWindow)
			f.BreachingBefore = &soon
		case "breached":
			f.BreachingBefore = &now
		}
	}
	if sc.ReadsAll {
		f.OrgID = q.id("organisation", "the organisation's number")
		f.ProviderID = q.id("provider", "the provider's number")
		switch v := q.oneOf("assignee", sc.assigneeOptions(), "who the tickets are assigned to"); v {
		case "":
		case "me":
			f.AssigneeID = &a.UserID
		case "none":
			f.Unassigned = true
		default:
			id, _ := strconv.ParseInt(v, 10, 64)
			f.AssigneeID = &id
		}
	}
	if s := q.text("q"); ticketRefPattern.MatchString(s) {
		ref := strings.ToUpper(s)
		f.Ref = &ref
	} else if s != "" {
		f.Query = &s
	}
	f.Sort = q.sort(ticketSortOptions, "-created")
	return f
}

// queueLink is one of the ready-made views of the ticket list.
type queueLink struct {
	Label, Href string
	Current     bool
}

// ticketQueues are the views those who work tickets use every day, each a
// set of the list's own filters.
func ticketQueues(q *listQuery, sc *ticketScope) []queueLink {
	type queue struct {
		label string
		query url.Values
		show  bool
	}
	queues := []queue{
		{"Open", url.Values{"status": {"open"}}, true},
		{"Unassigned", url.Values{"assignee": {"none"}}, sc.ReadsAll},
		{"Assigned to me", url.Values{"assignee": {"me"}, "status": {"open"}}, sc.Staff},
		{"Breaching soon", url.Values{"due": {"soon"}, "sort": {"due"}}, true},
		{"Pending customer", url.Values{"status": {string(itsm.StatusPendingCustomer)}}, true},
		{"Pending provider", url.Values{"status": {string(itsm.StatusPendingProvider)}}, true},
		{"All tickets", url.Values{}, true},
	}
	current := q.keep.Encode()
	var out []queueLink
	for _, x := range queues {
		if !x.show {
			continue
		}
		href := "/tickets"
		if len(x.query) > 0 {
			href += "?" + x.query.Encode()
		}
		out = append(out, queueLink{Label: x.label, Href: href, Current: x.query.Encode() == current})
	}
	return out
}

// ticketListPage is the ticket list with its queues and filters.
type ticketListPage struct {
	basePage
	Scope                                  *ticketScope
	Table                                  ticketTable
	Pager                                  pager
	Queues                                 []queueLink
	Type, Status, Priority, Org, Provider  string
	Category, Assignee, Due, Q, Sort       string
	Types, Statuses, Priorities, Orgs      []option
	Providers, Categories, Assignees, Dues []option
	Sorts, AssignTo                        []option
	Filtered, CanBulkAssign, CanRaise      bool
	CSVHref, XLSXHref, Here                string
}

// ticketList shows the tickets the viewer may see: every ticket for staff
// and auditors, the organisation's for customers, those escalated to them
// for providers (the store applies the scope), with queues for those who
// work them, filters, sorting, paging and a CSV export.
func (s *Server) ticketList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	sc, err := s.ticketScopeOf(r, a)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := ticketFilter(q, a, sc, s.now())
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(page), pageSize
	tickets, total, err := s.svc.Tickets.FindTickets(ctx, f)
	if err != nil {
		return err
	}
	in := q.keep
	p := &ticketListPage{basePage: s.newPage(w, r, "Tickets"), Scope: sc,
		Type: in.Get("type"), Status: in.Get("status"), Priority: in.Get("priority"), Org: in.Get("organisation"),
		Provider: in.Get("provider"), Category: in.Get("category"), Assignee: in.Get("assignee"), Due: in.Get("due"),
		Q: in.Get("q"), Sort: f.Sort,
		Types: withAll("All types", ticketTypeOptions), Statuses: withAll("All statuses", ticketStatusOptions()),
		Priorities: withAll("All priorities", priorityOptions()), Categories: withAll("All categories", categoryOptions()),
		Dues: withAll("Any time", ticketDueOptions), Sorts: ticketSortOptions,
		Orgs: withAll("All customers", sc.Orgs), Providers: withAll("All providers", sc.Providers), Assignees: sc.assigneeOptions(),
		Filtered: q.filtered(), CanBulkAssign: a.IsStaff() && len(tickets) > 0, CanRaise: canRaiseTickets(a) == nil,
		CSVHref: q.href("/tickets.csv"), XLSXHref: q.href("/tickets.xlsx"), Here: r.URL.RequestURI()}
	p.Wide = true
	if sc.Customer {
		p.Caption = "Your organisation's tickets"
	} else {
		p.Queues = ticketQueues(q, sc)
	}
	if p.CanBulkAssign {
		p.AssignTo = append([]option{{"", "Choose a person"}, {"0", "Nobody (unassign)"}}, sc.Agents...)
	}
	p.Table = ticketTable{Page: &p.basePage, Rows: ticketRows(tickets, s.now()), Caption: "Tickets", ShowOrg: !sc.Customer, Selectable: p.CanBulkAssign}
	p.Pager = newPager(q, "/tickets", page, total, len(tickets), "tickets")
	p.setPaged("Tickets", p.Pager)
	return s.render(w, http.StatusOK, "ticket_list", p)
}

// ticketCSV exports every ticket matching the list's filters, times in
// RFC 3339 UTC.
func (s *Server) ticketCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := s.ticketExportFilter(r)
	if err != nil {
		return err
	}
	f.Limit = 500
	tickets, _, err := s.svc.Tickets.FindTickets(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "tickets.csv")
	_ = out.Write(ticketExportHeader...)
	writePages(s, ctx, out, "tickets", tickets, 0, func(n int) ([]*itsm.Ticket, error) {
		f.Offset += n
		page, _, err := s.svc.Tickets.FindTickets(ctx, f)
		return page, err
	}, func(t *itsm.Ticket) []string { return csvCells(ticketExportRow(t)) })
	return nil
}

// ticketExportFilter reads the list's filters for an export.
func (s *Server) ticketExportFilter(r *http.Request) (itsm.TicketFilter, error) {
	a := itsm.ActorFromContext(r.Context())
	sc, err := s.ticketScopeOf(r, a)
	if err != nil {
		return itsm.TicketFilter{}, err
	}
	q := newListQuery(r.URL.Query())
	f := ticketFilter(q, a, sc, s.now())
	return f, q.err()
}

// ticketExportHeader and ticketExportRow are the columns of the ticket
// exports, CSV and XLSX alike.
var ticketExportHeader = []string{"ref", "type", "title", "status", "priority", "impact", "urgency", "organisation", "requester", "assignee", "provider",
	"category", "service", "component", "created_at", "updated_at", "response_due", "response_met_at", "response_breached",
	"resolution_due", "resolution_breached", "resolved_at", "closed_at"}

func ticketExportRow(t *itsm.Ticket) []any {
	at := func(p *time.Time) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return []any{t.Ref, string(t.Type), t.Title, string(t.Status), t.Priority, string(t.Impact), string(t.Urgency),
		t.OrgName, t.Requester, t.Assignee, t.Provider, t.Category, t.Service, t.Component, t.CreatedAt, t.UpdatedAt,
		at(t.ResponseDue), at(t.ResponseMetAt), t.ResponseBreached, at(t.ResolutionDue), t.ResolutionBreached, at(t.ResolvedAt), at(t.ClosedAt)}
}

// ticketXLSX exports the tickets matching the list's filters as an Excel
// workbook, up to itsm.TicketTotalCap of them (the page says so).
func (s *Server) ticketXLSX(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := s.ticketExportFilter(r)
	if err != nil {
		return err
	}
	var rows [][]any
	f.Limit = 500
	for len(rows) < itsm.TicketTotalCap {
		tickets, _, err := s.svc.Tickets.FindTickets(ctx, f)
		if err != nil {
			return err
		}
		for _, t := range tickets {
			if len(rows) < itsm.TicketTotalCap {
				rows = append(rows, ticketExportRow(t))
			}
		}
		if len(tickets) < f.Limit {
			break
		}
		f.Offset += len(tickets)
	}
	var buf bytes.Buffer
	if err := report.WriteXLSX(&buf, "Tickets", ticketExportHeader, rows); err != nil {
		return fmt.Errorf("write the tickets as XLSX: %w", err)
	}
	httpx.ServeDownload(w, r, "tickets.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "", buf.Bytes())
	return nil
}

// maxBulk is the most tickets one bulk assignment changes (four pages).
const maxBulk = 100

// ticketBulkAssign assigns the tickets ticked on the list to one member of
// the service desk (or to nobody). Each ticket carries the version it was
// listed at, so one someone else changed meanwhile is left alone; the
// message back says exactly which were assigned and which were not, and
// why.
func (s *Server) ticketBulkAssign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if !a.IsStaff() {
		return forbidden("Only the service desk can assign tickets.")
	}
	back := localPath(r.PostFormValue("back"))
	if back != "/tickets" && !strings.HasPrefix(back, "/tickets?") {
		back = "/tickets"
	}
	fail := func(msg string) error {
		s.setFlash(w, flash{Kind: flashError, Message: msg})
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	agents, err := s.deskAgents(r)
	if err != nil {
		return err
	}
	to := r.PostFormValue("assignee_id")
	var assignee int64
	name := ""
	switch {
	case to == "":
		return fail("Choose who to assign the selected tickets to.")
	case to == "0":
	case hasOption(agents, to):
		assignee, _ = strconv.ParseInt(to, 10, 64)
		for _, o := range agents {
			if o.Value == to {
				name = o.Label
			}
		}
	default:
		return fail("Choose a member of the service desk from the list.")
	}
	picks := r.PostForm["ticket"]
	switch {
	case len(picks) == 0:
		return fail("Select at least one ticket to assign.")
	case len(picks) > maxBulk:
		return fail("Select " + strconv.Itoa(maxBulk) + " tickets or fewer at a time.")
	}
	var done int
	var refused []string
	for _, pick := range picks {
		idText, versionText, _ := strings.Cut(pick, ":")
		id, err1 := strconv.ParseInt(idText, 10, 64)
		version, err2 := strconv.ParseInt(versionText, 10, 64)
		if err1 != nil || err2 != nil || id <= 0 || version <= 0 {
			return fail("The form could not be read. Go back, reload the page and try again.")
		}
		_, err := s.svc.Tickets.UpdateTicket(ctx, id, itsm.TicketUpdate{AssigneeID: &assignee, Version: version})
		switch itsm.ErrorCode(err) {
		case "":
			done++
		case itsm.ECONFLICT, itsm.EINVALID, itsm.EFORBIDDEN, itsm.ENOTFOUND:
			ref := "Ticket " + idText
			if t, ferr := s.svc.Tickets.FindTicketByID(ctx, id); ferr == nil {
				ref = t.Ref
			}
			refused = append(refused, ref+" was not: "+itsm.ErrorMessage(err))
		default:
			return err
		}
	}
	outcome := plural(done, "ticket") + " assigned to " + name + "."
	if assignee == 0 {
		outcome = plural(done, "ticket") + " unassigned."
	}
	if len(refused) > 0 {
		return fail(outcome + " " + strings.Join(refused, " "))
	}
	return s.redirect(w, r, back, outcome)
}
