package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

var escalationStateOptions = []option{{"open", "Open"}, {"resolved", "Resolved"}}

var escalationLevelOptions = []option{{"1", "Level 1"}, {"2", "Level 2"}, {"3", "Level 3"}}

// escalationView is an escalation as the pages show it.
type escalationView struct{ *itsm.Escalation }

// StatusLabel is the status as a person reads it.
func (v escalationView) StatusLabel() string { return humanise(string(v.Status)) }

// StatusTag is the DS tag colour of the status.
func (v escalationView) StatusTag() string {
	switch v.Status {
	case itsm.EscalationAcknowledged:
		return "ds_tag--blue"
	case itsm.EscalationResolved:
		return "ds_tag--green"
	}
	return "ds_tag--yellow"
}

// OwnerLabel names the owner, or says there is none.
func (v escalationView) OwnerLabel() string {
	if v.OwnerID == nil {
		return "Nobody yet"
	}
	return v.Owner
}

// Target is the business time the team has at the escalation's level.
func (v escalationView) Target() string { return businessTime(itsm.EscalationTarget[v.Level]) }

func escalationViews(es []*itsm.Escalation) []escalationView {
	out := make([]escalationView, len(es))
	for i, e := range es {
		out[i] = escalationView{e}
	}
	return out
}

// canBrowseEscalations: the queue is the programme team's (auditors read
// it); a provider sees the escalations of tickets escalated to it.
// Customers follow their escalations on their tickets.
func canBrowseEscalations(a *itsm.Actor) error {
	if !a.ReadsEverything() && !a.IsProvider() {
		return forbidden("The escalation queue is for the programme team. Follow your escalation on its ticket.")
	}
	return nil
}

// escalationListPage is the escalation queue.
type escalationListPage struct {
	basePage
	Escalations     []escalationView
	Pager           pager
	States, Levels  []option
	State, Level    string
	Filtered        bool
	CSVHref         string
	ReadsEverything bool
	// ContactPages links to the escalation contacts of each provider the
	// viewer may see (Value is the address, Label the provider's name).
	ContactPages []option
}

func escalationFilter(q *listQuery) itsm.EscalationFilter {
	var f itsm.EscalationFilter
	if s := q.oneOf("state", escalationStateOptions, "open or resolved"); s != "" {
		open := s == "open"
		f.Open = &open
	}
	if l := q.oneOf("level", escalationLevelOptions, "a level"); l != "" {
		n, _ := strconv.Atoi(l)
		f.Level = &n
	}
	return f
}

// escalationList shows the queue: open escalations first, highest level
// first, then soonest due; overdue ones are tagged.
func (s *Server) escalationList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canBrowseEscalations(a); err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := escalationFilter(q)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(page), pageSize
	es, total, err := s.svc.Escalations.FindEscalations(ctx, f)
	if err != nil {
		return err
	}
	p := &escalationListPage{basePage: s.newPage(w, r, "Escalations"), Escalations: escalationViews(es),
		States: withAll("Open and resolved", escalationStateOptions), Levels: withAll("All levels", escalationLevelOptions),
		State: q.keep.Get("state"), Level: q.keep.Get("level"), Filtered: q.filtered(), CSVHref: q.href("/escalations.csv"),
		ReadsEverything: a.ReadsEverything()}
	providers, err := s.orgsOfKind(r, itsm.OrgProvider)
	if err != nil {
		return err
	}
	for _, o := range providers {
		p.ContactPages = append(p.ContactPages, option{Value: "/organisations/" + o.Value + "/escalation-contacts", Label: o.Label})
	}
	p.Wide = true
	p.Pager = newPager(q, "/escalations", page, total, len(es), "escalations")
	p.setPaged("Escalations", p.Pager)
	return s.render(w, http.StatusOK, "escalation_list", p)
}

// escalationCSV exports every escalation matching the queue's filters.
func (s *Server) escalationCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := canBrowseEscalations(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := escalationFilter(q)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	es, _, err := s.svc.Escalations.FindEscalations(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "escalations.csv")
	_ = out.Write("id", "ticket_id", "ticket_ref", "ticket_title", "organisation_id", "organisation", "level", "status", "overdue",
		"due_at", "owner_id", "owner", "raised_by", "reason", "outcome", "created_at", "closed_at")
	writePages(s, ctx, out, "escalations", es, 0, func(n int) ([]*itsm.Escalation, error) {
		f.Offset += n
		page, _, err := s.svc.Escalations.FindEscalations(ctx, f)
		return page, err
	}, func(e *itsm.Escalation) []string {
		return []string{strconv.FormatInt(e.ID, 10), strconv.FormatInt(e.TicketID, 10), e.TicketRef, e.Title, strconv.FormatInt(e.OrgID, 10), e.OrgName,
			strconv.Itoa(e.Level), string(e.Status), strconv.FormatBool(e.Overdue), csvTimeOr(e.DueAt), idValue(e.OwnerID), e.Owner, e.RaisedBy,
			e.Reason, e.Outcome, csvTime(e.CreatedAt), csvTimeOr(e.ClosedAt)}
	})
	return nil
}

// escalationDetailPage is one escalation, its clock, its history and the
// team's actions.
type escalationDetailPage struct {
	basePage
	Escalation                       escalationView
	Reason, Outcome                  []string
	History                          []escalationEvent
	CanAct, CanRaise, CanAcknowledge bool
	NextLevel                        int
	RaiseReason, Note, OutcomeText   string
	// Provider and Contacts name the ticket's provider and its contacts
	// at this level and the next, who are e-mailed when the escalation
	// reaches their level.
	Provider               string
	Contacts, NextContacts []*itsm.EscalationContact
	ShowContacts           bool
}

// escalationEvent is a line of an escalation's history as people read it.
type escalationEvent struct {
	*itsm.EscalationEvent
	What string
}

var escalationEventLabels = map[string]string{
	"raised": "Escalated", "acknowledged": "Acknowledged", "level": "Raised a level", "note": "Note", "resolved": "Resolved",
}

// escalationActionFields are the action forms' inputs, for the error
// summary.
var escalationActionFields = []string{"raise_reason", "note", "outcome"}

func (s *Server) escalationDetailPage(w http.ResponseWriter, r *http.Request, e *itsm.Escalation) (*escalationDetailPage, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	events, err := s.svc.Escalations.EscalationHistory(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	open := e.Status != itsm.EscalationResolved
	p := &escalationDetailPage{basePage: s.newPage(w, r, "Escalation of "+e.TicketRef), Escalation: escalationView{e},
		Reason: paragraphs(e.Reason), Outcome: paragraphs(e.Outcome),
		CanAct: a.IsStaff() && open, CanRaise: a.IsStaff() && open && e.Level < 3, NextLevel: e.Level + 1,
		CanAcknowledge: a.IsStaff() && open && (e.Status == itsm.EscalationOpen || e.OwnerID == nil || *e.OwnerID != a.UserID)}
	if a.ReadsEverything() || a.IsProvider() {
		t, err := s.svc.Tickets.FindTicketByID(ctx, e.TicketID)
		if err != nil {
			return nil, err
		}
		if t.ProviderID != nil {
			contacts, err := s.svc.Escalations.FindEscalationContacts(ctx, *t.ProviderID)
			if err != nil {
				return nil, err
			}
			p.Provider, p.ShowContacts = t.Provider, true
			for _, c := range contacts {
				switch c.Level {
				case e.Level:
					p.Contacts = append(p.Contacts, c)
				case e.Level + 1:
					p.NextContacts = append(p.NextContacts, c)
				}
			}
		}
	}
	for _, ev := range events {
		what := escalationEventLabels[ev.Type]
		if what == "" {
			what = humanise(ev.Type)
		}
		p.History = append(p.History, escalationEvent{EscalationEvent: ev, What: what})
	}
	p.Caption = e.Title
	p.BackHref = "/escalations"
	p.Wide = true
	return p, nil
}

// escalationDetail shows an escalation to the team, auditors and the
// provider of its ticket.
func (s *Server) escalationDetail(w http.ResponseWriter, r *http.Request) error {
	e, err := s.findEscalation(r)
	if err != nil {
		return err
	}
	p, err := s.escalationDetailPage(w, r, e)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "escalation_detail", p)
}

func (s *Server) findEscalation(r *http.Request) (*itsm.Escalation, error) {
	if err := canBrowseEscalations(itsm.ActorFromContext(r.Context())); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Escalations.FindEscalationByID(r.Context(), id)
}

func (s *Server) escalationAcknowledge(w http.ResponseWriter, r *http.Request) error {
	return s.actOnEscalation(w, r, "acknowledge", "")
}

func (s *Server) escalationRaise(w http.ResponseWriter, r *http.Request) error {
	return s.actOnEscalation(w, r, "raise", "raise_reason")
}

func (s *Server) escalationNote(w http.ResponseWriter, r *http.Request) error {
	return s.actOnEscalation(w, r, "note", "note")
}

func (s *Server) escalationResolve(w http.ResponseWriter, r *http.Request) error {
	return s.actOnEscalation(w, r, "resolve", "outcome")
}

// escalationActionMessages say, for each action, what the body must hold
// and what was done.
var escalationActionMessages = map[string]struct{ empty, done string }{
	"acknowledge": {"", "You acknowledged the escalation and own it now."},
	"raise":       {"Say why the escalation needs the next level.", "The escalation has been raised to level %d."},
	"note":        {"Enter the note.", "Your note has been added."},
	"resolve":     {"Say what the outcome is: the customer is told it.", "The escalation has been resolved. The customer has been told the outcome."},
}

// actOnEscalation performs one of the team's actions with the version the
// page showed; a stale page gets the fresh escalation and the store's
// sentence, with what was typed kept.
func (s *Server) actOnEscalation(w http.ResponseWriter, r *http.Request, action, bodyField string) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	e, err := s.findEscalation(r)
	if err != nil {
		return err
	}
	if !a.IsStaff() {
		return forbidden("Only the programme team can act on escalations.")
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	msgs := escalationActionMessages[action]
	act := itsm.EscalationAction{Action: action, Version: version}
	if bodyField != "" {
		act.Body = strings.TrimSpace(r.PostFormValue(bodyField))
	}
	switch {
	case action == "acknowledge" && a.UserID != 0:
		act.OwnerID = &a.UserID
	case bodyField != "" && act.Body == "":
		err = fieldErr(bodyField, msgs.empty)
	case len(act.Body) > textareaMax:
		err = fieldErr(bodyField, "Use 20,000 characters or fewer.")
	case action == "raise" && e.Level >= 3:
		err = itsm.Errorf(itsm.EINVALID, "The escalation is already at level 3, the highest. Add a note or resolve it instead.")
	}
	var saved *itsm.Escalation
	if err == nil {
		saved, err = s.svc.Escalations.ActOnEscalation(ctx, e.ID, act)
		err = remapFields(err, func(f string) string {
			if f == "body" {
				return bodyField
			}
			return "" // "action" and the like: no input to point at
		})
	}
	if formFailed(err) {
		if fresh, ferr := s.svc.Escalations.FindEscalationByID(ctx, e.ID); ferr == nil {
			e = fresh
		}
		p, perr := s.escalationDetailPage(w, r, e)
		if perr != nil {
			return perr
		}
		switch bodyField {
		case "raise_reason":
			p.RaiseReason = act.Body
		case "note":
			p.Note = act.Body
		case "outcome":
			p.OutcomeText = act.Body
		}
		p.setErrors(err, escalationActionFields...)
		return s.render(w, formStatus(err), "escalation_detail", p)
	} else if err != nil {
		return err
	}
	done := msgs.done
	if action == "raise" {
		done = fmt.Sprintf(done, saved.Level)
	}
	return s.redirect(w, r, "/escalations/"+strconv.FormatInt(saved.ID, 10), done)
}

// NextContactsHint tells the person raising the level who will be told.
func (p *escalationDetailPage) NextContactsHint() string {
	if !p.ShowContacts {
		return "The programme’s managers are told."
	}
	if len(p.NextContacts) == 0 {
		return fmt.Sprintf("%s has named no contacts for level %d; the programme’s managers are told.", p.Provider, p.NextLevel)
	}
	names := make([]string, len(p.NextContacts))
	for i, c := range p.NextContacts {
		names[i] = c.Name + " (" + c.Email + ")"
	}
	return fmt.Sprintf("%s’s level %d contacts are told: %s.", p.Provider, p.NextLevel, strings.Join(names, ", "))
}
