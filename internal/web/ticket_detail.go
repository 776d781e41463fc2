package web

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// ticketDetailPage is one ticket: what it is, its SLA clocks and their
// timeline, its history, files, watchers, links, problems and
// escalations, and the forms for what the viewer may do to it.
type ticketDetailPage struct {
	basePage
	Ticket      ticketRow
	Description template.HTML
	History     []historyItem
	Attachments []*itsm.Attachment
	Watchers    []*itsm.Watcher
	Links       []linkView
	Problems    []problemNote
	SLA         *slaView
	Escalations []*itsm.Escalation
	// Changes are the changes linked to the ticket (change_links.go).
	Changes linkedChanges
	// Integrations are the register's interfaces the ticket is about, and
	// Articles the help articles linked to it, both as the viewer may see.
	Integrations []*itsm.Integration
	Articles     []*itsm.Article

	// StaffView shows what only the service desk, auditors and providers
	// see: internal notes and files, and links to problems and
	// escalations.
	StaffView bool
	Watching  bool

	// What the viewer may do.
	CanComment, CanNote, CanChangeStatus, CanPrioritise, CanAssign          bool
	CanRouteToProvider, CanReopen, CanDispute, CanUpload, CanUploadInternal bool
	CanWatch, CanAddWatcher, CanLink                                        bool

	// The forms' choices.
	Visibilities, NextStatuses, Priorities, Agents, Providers, People, LinkKinds []option
	FileHint                                                                     string

	// The forms' values, kept when a form comes back with errors.
	Body, Visibility, Status, Note, Priority, PriorityReason, AssigneeID, ProviderID string
	ReopenReason, DisputeReason, WatcherID, LinkKind, LinkTarget                     string
	InternalFile                                                                     bool
}

var (
	visibilityOptions = []option{{"public", "A reply: the customer sees it"}, {"internal", "An internal note: only the service desk and the provider see it"}}
	linkKindOptions   = []option{{"duplicate_of", "Duplicate of"}, {"related", "Related to"}}
)

// formFields lists the ids of the form fields the page shows, in the
// page's order, so that the error summary links only to fields that are
// there.
func (p *ticketDetailPage) formFields() []string {
	var out []string
	add := func(shown bool, ids ...string) {
		if shown {
			out = append(out, ids...)
		}
	}
	add(p.CanReopen, "reopen_reason")
	add(p.CanDispute, "dispute_reason")
	add(p.CanNote, "visibility")
	add(p.CanComment, "body")
	add(p.CanUpload, "file")
	add(p.CanChangeStatus, "status", "note")
	add(p.CanPrioritise, "priority", "priority_reason")
	add(p.CanAssign, "assignee_id")
	add(p.CanRouteToProvider, "provider_id")
	add(p.CanAddWatcher, "watcher_id")
	add(p.CanLink, "link_kind", "link_target")
	return out
}

// historyItem is one line of a ticket's history.
type historyItem struct {
	At       time.Time
	Who      string
	What     string
	Body     template.HTML
	Internal bool
	Note     bool // an internal note, marked as such
}

// historyOf turns the events the viewer may see into the page's history.
// The store has already left out what customers may not see.
func historyOf(events []*itsm.TicketEvent, t *itsm.Ticket) []historyItem {
	out := make([]historyItem, 0, len(events))
	for _, e := range events {
		h := historyItem{At: e.At, Who: e.ActorName, Internal: !e.Public}
		switch e.Type {
		case "created":
			h.What = "Logged the " + strings.ToLower(t.Type.Label()) + " with priority " + e.Priority
		case "public_reply":
			h.What, h.Body = "Replied", markdown.Render(e.Body)
		case "internal_note":
			h.What, h.Body, h.Note = "Wrote an internal note", markdown.Render(e.Body), true
		case "status":
			h.What = "Changed the status to " + strings.ToLower(e.Status.Label())
		case "priority":
			h.What = "Changed the priority to " + e.Priority
			if e.Body != "" {
				h.Body = markdown.Render("Reason: " + e.Body)
			}
		case "assign":
			h.What = "Assigned the ticket to " + e.Body
			if e.Body == "" {
				h.What = "Unassigned the ticket"
			}
		case "escalate":
			h.What = "Escalated the ticket to " + e.Body
			if e.Body == "" {
				h.What = "Took the ticket back from the provider"
			}
		case "attachment":
			h.What = "Added the file " + e.Body
		case "link":
			// Problems record "link PRB-000001" and "unlink PRB-000001";
			// tickets "duplicate of INC-000002" and "related INC-000002".
			if ref, ok := strings.CutPrefix(e.Body, "unlink "); ok {
				h.What = "Unlinked the ticket from " + ref
			} else if ref, ok := strings.CutPrefix(e.Body, "link "); ok {
				h.What = "Linked the ticket to " + ref
			} else {
				h.What = "Linked the ticket: " + e.Body
			}
		default:
			h.What = humanise(e.Type)
		}
		if h.Who == "" {
			h.Who = "Steward"
		}
		out = append(out, h)
	}
	return out
}

// linkView is a link from the ticket to another record.
type linkView struct {
	Label, Ref, Href string
}

func linkViews(links []*itsm.TicketLink) []linkView {
	labels := map[string]string{"duplicate_of": "Duplicate of", "related": "Related to", "caused_by": "Caused by"}
	out := make([]linkView, 0, len(links))
	for _, l := range links {
		if l.TargetType == "problem" {
			continue // shown with the problems
		}
		v := linkView{Label: labels[l.Kind], Ref: l.TargetRef}
		if v.Label == "" {
			v.Label = humanise(l.Kind)
		}
		if l.TargetType == "ticket" {
			v.Href = "/tickets/" + strconv.FormatInt(l.TargetID, 10)
		}
		out = append(out, v)
	}
	return out
}

// problemNote is a problem linked to the ticket: customers see only known
// errors, with their workaround, and no link to the problem's page.
type problemNote struct {
	Ref, Title, Href, Status string
	KnownError               bool
	Workaround               template.HTML
}

func problemNotes(ps []*itsm.Problem, a *itsm.Actor) []problemNote {
	out := make([]problemNote, 0, len(ps))
	for _, p := range ps {
		n := problemNote{Ref: p.Ref, Title: p.Title, KnownError: p.KnownError, Status: humanise(string(p.Status))}
		if strings.TrimSpace(p.Workaround) != "" {
			n.Workaround = markdown.Render(p.Workaround)
		}
		// Staff and auditors open every problem, a provider those assigned
		// to it; others see the known error here only.
		if a.ReadsEverything() || (a.IsProvider() && p.ProviderID != nil && *p.ProviderID == a.OrgID) {
			n.Href = "/problems/" + strconv.FormatInt(p.ID, 10)
		}
		out = append(out, n)
	}
	return out
}

// slaView is the ticket's SLA section: both clocks and the resolution
// clock's timeline.
type slaView struct {
	Response, Resolution clockView
	Status               string
	Segments             []segmentView
}

// Clocks lists the response and resolution clocks, in that order.
func (v *slaView) Clocks() []clockView { return []clockView{v.Response, v.Resolution} }

// FileSize says a file's size the way people read it.
func (p *ticketDetailPage) FileSize(n int64) string { return fileSize(n) }

// fileSize says a file's size the way people read it: "900 bytes",
// "12 KB", "3.4 MB".
func fileSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1000*1000:
		return strconv.FormatInt((n+500)/1000, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
}

// clockView is one SLA clock as people read it.
type clockView struct {
	Name            string
	Target, Elapsed string
	Due, MetAt      time.Time
	Met, Breached   bool
	Paused          bool
	State, Tag      string
}

func clockOf(name string, c sla.Clock) clockView {
	v := clockView{Name: name, Target: businessTime(c.Target), Elapsed: businessTime(c.Elapsed),
		Due: c.Due, MetAt: c.MetAt, Met: c.Met, Breached: c.Breached, Paused: c.Paused}
	switch {
	case c.Met && c.Breached:
		v.State, v.Tag = "Met late (breached)", "ds_tag--red"
	case c.Met:
		v.State, v.Tag = "Met on time", "ds_tag--green"
	case c.Breached:
		v.State, v.Tag = "Breached", "ds_tag--red"
	case c.Paused:
		v.State, v.Tag = "Paused", "ds_tag--yellow"
	default:
		v.State, v.Tag = "Running", "ds_tag--blue"
	}
	return v
}

// segmentView is one stretch of the resolution clock's timeline.
type segmentView struct {
	From, To time.Time
	Length   string
	What     string
}

var segmentWords = map[sla.SegmentKind]string{
	sla.SegmentRunning:      "Running (working hours)",
	sla.SegmentOutsideHours: "Not counting: outside working hours",
	sla.SegmentPaused:       "Paused",
	sla.SegmentResolved:     "Stopped",
}

func slaViewOf(res *sla.Result) *slaView {
	if res == nil {
		return nil
	}
	v := &slaView{Response: clockOf("Response", res.Response), Resolution: clockOf("Resolution", res.Resolution),
		Status: strings.ToLower(itsm.TicketStatus(res.Status).Label())}
	for _, s := range res.Timeline() {
		what := segmentWords[s.Kind]
		if s.Status != "" {
			what += ": " + s.Status
		}
		v.Segments = append(v.Segments, segmentView{From: s.From, To: s.To, Length: businessTime(s.To.Sub(s.From)), What: what})
	}
	return v
}

// worksTicket mirrors the store: the service desk works every ticket, a
// provider those escalated to it; auditors work none.
func worksTicket(a *itsm.Actor, t *itsm.Ticket) bool {
	if a.ReadOnly() {
		return false
	}
	return a.IsStaff() || (a.IsProvider() && t.ProviderID != nil && *t.ProviderID == a.OrgID)
}

// findTicket reads the ticket named in the path; one the caller may not
// see does not exist.
func (s *Server) findTicket(r *http.Request) (*itsm.Ticket, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Tickets.FindTicketByID(r.Context(), id)
}

// ticketPage gathers everything the ticket's page shows to the viewer.
func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request, t *itsm.Ticket) (*ticketDetailPage, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	p := &ticketDetailPage{basePage: s.newPage(w, r, t.Ref+": "+t.Title), Ticket: ticketRow{t, s.now()},
		Description: markdown.Render(t.Description), StaffView: !a.IsCustomer(), Visibility: "public",
		Visibilities: visibilityOptions, LinkKinds: linkKindOptions, LinkKind: "related", FileHint: fileHint()}
	p.Heading = t.Ref + ": " + t.Title
	p.Caption = t.Type.Label() + " for " + t.OrgName
	p.BackHref = "/tickets"
	p.Wide = true

	var err error
	events, err := s.svc.Tickets.TicketEvents(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	p.History = historyOf(events, t)
	if p.Attachments, err = s.svc.Attachments.FindAttachments(ctx, t.ID); err != nil {
		return nil, err
	}
	if p.Watchers, err = s.svc.Relations.Watchers(ctx, t.ID); err != nil {
		return nil, err
	}
	for _, wt := range p.Watchers {
		p.Watching = p.Watching || wt.UserID == a.UserID
	}
	links, err := s.svc.Relations.TicketLinks(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	p.Links = linkViews(links)
	problems, err := s.svc.Problems.TicketProblems(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	p.Problems = problemNotes(problems, a)
	res, err := s.svc.Tickets.TicketSLA(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	p.SLA = slaViewOf(res)
	if p.Changes, err = s.ticketChanges(r, t.ID); err != nil {
		return nil, err
	}
	if p.Integrations, err = s.svc.Integrations.TicketIntegrations(ctx, t.ID); err != nil {
		return nil, err
	}
	if p.Articles, err = s.svc.Articles.TicketArticles(ctx, t.ID); err != nil {
		return nil, err
	}
	if p.Escalations, _, err = s.svc.Escalations.FindEscalations(ctx, itsm.EscalationFilter{TicketID: &t.ID, Limit: 50}); err != nil {
		return nil, err
	}
	openEscalation := false
	for _, e := range p.Escalations {
		openEscalation = openEscalation || e.Status != itsm.EscalationResolved
	}

	writes := a.SignedIn() && !a.ReadOnly()
	open := t.Status != itsm.StatusClosed
	works := worksTicket(a, t)
	p.CanComment = writes && open
	p.CanNote = p.CanComment && works
	p.CanUpload, p.CanUploadInternal = writes && open, writes && open && works
	p.CanWatch = writes
	p.CanReopen = writes && (a.IsCustomer() || a.IsStaff()) && t.Status == itsm.StatusResolved
	p.CanDispute = a.IsCustomer() && open && !openEscalation
	for _, st := range itsm.NextStatuses(t.Status) {
		// A resolved ticket goes back in progress only by re-opening, with
		// a reason.
		if t.Status == itsm.StatusResolved && st == itsm.StatusInProgress {
			continue
		}
		p.NextStatuses = append(p.NextStatuses, option{string(st), st.Label()})
	}
	p.CanChangeStatus = works && len(p.NextStatuses) > 0
	if p.CanChangeStatus {
		p.NextStatuses = append([]option{{"", "Choose a status"}}, p.NextStatuses...)
	}
	if a.IsStaff() {
		p.CanPrioritise, p.CanAssign, p.CanRouteToProvider = open, t.Status.Open(), open
		p.CanAddWatcher, p.CanLink = true, true
		p.Priority, p.AssigneeID, p.ProviderID = t.Priority, idValue(t.AssigneeID), idValue(t.ProviderID)
		p.Priorities = priorityOptions()
		agents, err := s.deskAgents(r)
		if err != nil {
			return nil, err
		}
		p.Agents = append([]option{{"0", "Nobody (unassigned)"}}, agents...)
		providers, err := s.orgsOfKind(r, itsm.OrgProvider)
		if err != nil {
			return nil, err
		}
		p.Providers = append([]option{{"0", "No provider (the service desk handles it)"}}, providers...)
		if p.People, err = s.watcherOptions(r, t, agents); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// watcherOptions lists who the service desk may add as a watcher: the
// customer organisation's people and the service desk's.
func (s *Server) watcherOptions(r *http.Request, t *itsm.Ticket, agents []option) ([]option, error) {
	active := itsm.UserActive
	people, _, err := s.svc.Users.FindUsers(r.Context(), itsm.UserFilter{OrgID: &t.OrgID, Status: &active, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := []option{{"", "Choose a person"}}
	for _, u := range people {
		out = append(out, option{strconv.FormatInt(u.ID, 10), u.Name + " (" + u.OrgName + ")"})
	}
	for _, o := range agents {
		out = append(out, option{o.Value, o.Label + " (service desk)"})
	}
	return out, nil
}

// ticketDetail shows a ticket to anyone who may see it (404 otherwise).
func (s *Server) ticketDetail(w http.ResponseWriter, r *http.Request) error {
	t, err := s.findTicket(r)
	if err != nil {
		return err
	}
	p, err := s.ticketPage(w, r, t)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "ticket_detail", p)
}

// ticketByRef sends a reference people say on the phone (INC-000123) to
// the ticket's page.
func (s *Server) ticketByRef(w http.ResponseWriter, r *http.Request) error {
	t, err := s.svc.Tickets.FindTicketByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, ticketHref(t), http.StatusSeeOther)
	return nil
}
