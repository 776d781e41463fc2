package web

import (
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// ticketAction runs one of the forms on a ticket's page. The ticket is the
// one named in the path (404 when the caller may not see it); auditors are
// refused every change. On success the browser goes back to the ticket
// with change's message. An error the person can fix (a validation error,
// a conflict, a file too large) shows the ticket again as it is now, with
// the error summary, the messages beside the form's fields (the store's
// field names renamed to the page's ids) and the person's input kept by
// keep. Because the page shows the ticket as it is now, someone who lost a
// race sees the other change and can send theirs again.
func (s *Server) ticketAction(w http.ResponseWriter, r *http.Request, change func(t *itsm.Ticket) (string, error),
	keep func(p *ticketDetailPage), rename map[string]string) error {
	ctx := r.Context()
	t, err := s.findTicket(r)
	if err != nil {
		return err
	}
	if itsm.ActorFromContext(ctx).ReadOnly() {
		return forbidden("Auditors can read tickets but not change them.")
	}
	msg, err := change(t)
	if err == nil {
		return s.redirect(w, r, ticketHref(t), msg)
	}
	code := itsm.ErrorCode(err)
	if !formFailed(err) && code != itsm.ETOOLARGE {
		return err
	}
	now, ferr := s.svc.Tickets.FindTicketByID(ctx, t.ID)
	if ferr != nil {
		return ferr
	}
	p, perr := s.ticketPage(w, r, now)
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
	return s.render(w, status, "ticket_detail", p)
}

// renameFields returns err with its field names changed by names (the
// store calls a re-opening's reason "reason"; the page has two reasons).
func renameFields(err error, names map[string]string) error {
	e, ok := err.(*itsm.Error)
	if !ok || len(names) == 0 || len(e.Fields) == 0 {
		return err
	}
	out := &itsm.Error{Code: e.Code, Message: e.Message, Fields: maps.Clone(e.Fields)}
	for from, to := range names {
		if msg, ok := out.Fields[from]; ok {
			delete(out.Fields, from)
			out.Fields[to] = msg
		}
	}
	return out
}

// ticketComment adds a reply, or an internal note for those who work the
// ticket.
func (s *Server) ticketComment(w http.ResponseWriter, r *http.Request) error {
	body, visibility := r.PostFormValue("body"), r.PostFormValue("visibility")
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		if visibility != "" && !hasOption(visibilityOptions, visibility) {
			return "", fieldErr("visibility", "Choose whether this is a reply or an internal note.")
		}
		internal := visibility == "internal"
		if _, err := s.svc.Tickets.AddComment(r.Context(), t.ID, itsm.Comment{Body: body, Internal: internal}); err != nil {
			return "", err
		}
		if internal {
			return "Your internal note has been added to " + t.Ref + ".", nil
		}
		return "Your reply has been added to " + t.Ref + ".", nil
	}, func(p *ticketDetailPage) { p.Body, p.Visibility = body, visibility }, nil)
}

// ticketStatus moves the ticket along its lifecycle (the service desk, and
// the provider it is escalated to). Resolving needs a note for the
// customer.
func (s *Server) ticketStatus(w http.ResponseWriter, r *http.Request) error {
	to, note := r.PostFormValue("status"), r.PostFormValue("note")
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		version, err := formVersion(r)
		if err != nil {
			return "", err
		}
		if to == "" {
			return "", fieldErr("status", "Choose the ticket's new status.")
		}
		st := itsm.TicketStatus(to)
		saved, err := s.svc.Tickets.UpdateTicket(r.Context(), t.ID, itsm.TicketUpdate{Status: &st, Note: note, Version: version})
		if err != nil {
			return "", err
		}
		return saved.Ref + " is now " + strings.ToLower(saved.Status.Label()) + ".", nil
	}, func(p *ticketDetailPage) { p.Status, p.Note = to, note }, nil)
}

// ticketPriority changes the priority, with a reason (the service desk).
func (s *Server) ticketPriority(w http.ResponseWriter, r *http.Request) error {
	priority, reason := r.PostFormValue("priority"), r.PostFormValue("priority_reason")
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		if !itsm.ActorFromContext(r.Context()).IsStaff() {
			return "", forbidden("Only the service desk can change a ticket's priority.")
		}
		version, err := formVersion(r)
		if err != nil {
			return "", err
		}
		if priority == t.Priority {
			return "", fieldErr("priority", t.Ref+" is already "+priority+"; choose a different priority.")
		}
		saved, err := s.svc.Tickets.UpdateTicket(r.Context(), t.ID, itsm.TicketUpdate{Priority: &priority, PriorityReason: reason, Version: version})
		if err != nil {
			return "", err
		}
		return saved.Ref + " is now " + saved.Priority + ".", nil
	}, func(p *ticketDetailPage) { p.Priority, p.PriorityReason = priority, reason }, nil)
}

// chosenID reads an id chosen from a select, where "0" means none.
func chosenID(value, field, msg string) (int64, error) {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id < 0 {
		return 0, fieldErr(field, msg)
	}
	return id, nil
}

// ticketAssign assigns the ticket to a member of the service desk, or to
// nobody (the service desk).
func (s *Server) ticketAssign(w http.ResponseWriter, r *http.Request) error {
	to := r.PostFormValue("assignee_id")
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		if !itsm.ActorFromContext(r.Context()).IsStaff() {
			return "", forbidden("Only the service desk can assign tickets.")
		}
		version, err := formVersion(r)
		if err != nil {
			return "", err
		}
		id, err := chosenID(to, "assignee_id", "Choose a member of the service desk from the list.")
		if err != nil {
			return "", err
		}
		saved, err := s.svc.Tickets.UpdateTicket(r.Context(), t.ID, itsm.TicketUpdate{AssigneeID: &id, Version: version})
		if err != nil {
			return "", err
		}
		if saved.Assignee == "" {
			return saved.Ref + " is no longer assigned to anyone.", nil
		}
		return saved.Ref + " is assigned to " + saved.Assignee + ".", nil
	}, func(p *ticketDetailPage) { p.AssigneeID = to }, nil)
}

// ticketProvider escalates the ticket to a provider, or takes it back
// (the service desk).
func (s *Server) ticketProvider(w http.ResponseWriter, r *http.Request) error {
	to := r.PostFormValue("provider_id")
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		if !itsm.ActorFromContext(r.Context()).IsStaff() {
			return "", forbidden("Only the service desk can escalate tickets to a provider.")
		}
		version, err := formVersion(r)
		if err != nil {
			return "", err
		}
		id, err := chosenID(to, "provider_id", "Choose a provider from the list.")
		if err != nil {
			return "", err
		}
		saved, err := s.svc.Tickets.UpdateTicket(r.Context(), t.ID, itsm.TicketUpdate{ProviderID: &id, Version: version})
		if err != nil {
			return "", err
		}
		if saved.Provider == "" {
			return saved.Ref + " is back with the service desk.", nil
		}
		return saved.Ref + " has been escalated to " + saved.Provider + ".", nil
	}, func(p *ticketDetailPage) { p.ProviderID = to }, nil)
}

// ticketReopen puts a resolved ticket back in progress, with a reason
// (the customer or the service desk, within the re-open window; outside
// it the store's sentence says so).
func (s *Server) ticketReopen(w http.ResponseWriter, r *http.Request) error {
	reason := r.PostFormValue("reopen_reason")
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		a := itsm.ActorFromContext(r.Context())
		if !a.IsCustomer() && !a.IsStaff() {
			return "", forbidden("Only the customer or the service desk can re-open a ticket.")
		}
		version, err := formVersion(r)
		if err != nil {
			return "", err
		}
		saved, err := s.svc.Tickets.ReopenTicket(r.Context(), t.ID, reason, version)
		if err != nil {
			return "", err
		}
		return saved.Ref + " has been re-opened.", nil
	}, func(p *ticketDetailPage) { p.ReopenReason = reason }, map[string]string{"reason": "reopen_reason", "status": "reopen_reason"})
}

// ticketEscalate lets a customer dispute the ticket's handling (usually a
// resolution from the provider): the programme team, the escalation
// point, takes it up at level 1 and a resolved ticket goes back in
// progress. The service desk may raise one on a customer's behalf.
func (s *Server) ticketEscalate(w http.ResponseWriter, r *http.Request) error {
	reason := r.PostFormValue("dispute_reason")
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		a := itsm.ActorFromContext(r.Context())
		if !a.IsCustomer() && !a.IsStaff() {
			return "", forbidden("Only the customer or the service desk can escalate a ticket to the programme team.")
		}
		e, err := s.svc.Escalations.Escalate(r.Context(), t.ID, reason)
		if err != nil {
			return "", err
		}
		msg := t.Ref + " has been escalated to the programme team."
		if e.DueAt != nil {
			_, loc := s.viewerOrg(r)
			msg += " They will respond by " + e.DueAt.In(loc).Format("2 Jan 2006 15:04") + "."
		}
		return msg, nil
	}, func(p *ticketDetailPage) { p.DisputeReason = reason }, map[string]string{"reason": "dispute_reason"})
}

// ticketWatch and ticketUnwatch start and stop the viewer's own watching.
func (s *Server) ticketWatch(w http.ResponseWriter, r *http.Request) error {
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		a := itsm.ActorFromContext(r.Context())
		if err := s.svc.Relations.Watch(r.Context(), t.ID, a.UserID); err != nil {
			return "", err
		}
		return "You are now watching " + t.Ref + ". We will email you when it changes.", nil
	}, nil, nil)
}

func (s *Server) ticketUnwatch(w http.ResponseWriter, r *http.Request) error {
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		a := itsm.ActorFromContext(r.Context())
		if err := s.svc.Relations.Unwatch(r.Context(), t.ID, a.UserID); err != nil {
			return "", err
		}
		return "You are no longer watching " + t.Ref + ".", nil
	}, nil, nil)
}

// ticketAddWatcher adds someone who may see the ticket as a watcher (the
// service desk).
func (s *Server) ticketAddWatcher(w http.ResponseWriter, r *http.Request) error {
	who := r.PostFormValue("watcher_id")
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		ctx := r.Context()
		if !itsm.ActorFromContext(ctx).IsStaff() {
			return "", forbidden("Only the service desk can add other people as watchers.")
		}
		id, err := chosenID(who, "watcher_id", "Choose a person from the list.")
		if err != nil || id == 0 {
			return "", fieldErr("watcher_id", "Choose a person from the list.")
		}
		if err := s.svc.Relations.Watch(ctx, t.ID, id); err != nil {
			return "", err
		}
		u, err := s.svc.Users.FindUserByID(ctx, id)
		if err != nil {
			return "", err
		}
		return u.Name + " is now watching " + t.Ref + ".", nil
	}, func(p *ticketDetailPage) { p.WatcherID = who }, map[string]string{"user_id": "watcher_id"})
}

// ticketLink records that the ticket duplicates or relates to another,
// named by its reference (the service desk).
func (s *Server) ticketLink(w http.ResponseWriter, r *http.Request) error {
	kind, target := r.PostFormValue("link_kind"), normaliseRef(r.PostFormValue("link_target"))
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		ctx := r.Context()
		if !itsm.ActorFromContext(ctx).IsStaff() {
			return "", forbidden("Only the service desk can link tickets.")
		}
		var v itsm.Validation
		v.Check(hasOption(linkKindOptions, kind), "link_kind", "Choose whether the ticket duplicates or relates to the other.")
		v.Check(target != "", "link_target", "Enter the other ticket's reference, like INC-000123.")
		if err := v.Err(); err != nil {
			return "", err
		}
		other, err := s.svc.Tickets.FindTicketByRef(ctx, target)
		if itsm.ErrorCode(err) == itsm.ENOTFOUND {
			return "", fieldErr("link_target", "There is no ticket "+target+", or you cannot see it. Check the reference.")
		} else if err != nil {
			return "", err
		}
		if err := s.svc.Relations.LinkTickets(ctx, t.ID, kind, other.ID); err != nil {
			return "", err
		}
		return t.Ref + " is now linked to " + other.Ref + ".", nil
	}, func(p *ticketDetailPage) { p.LinkKind, p.LinkTarget = kind, target }, map[string]string{"kind": "link_kind", "target_id": "link_target"})
}
