package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// ticketCreate is the body of POST /api/v1/tickets.
type ticketCreate struct {
	Type           string `json:"type"`
	OrgID          int64  `json:"organisation_id"`
	RequesterID    int64  `json:"requester_id"`
	Title          string `json:"title"`
	Description    string `json:"description"`
	Category       string `json:"category"`
	Service        string `json:"service"`
	Component      string `json:"component"`
	Impact         string `json:"impact"`
	Urgency        string `json:"urgency"`
	Priority       string `json:"priority"`
	PriorityReason string `json:"priority_reason"`
}

// ticketChange is the body of PATCH /api/v1/tickets/{id}.
type ticketChange struct {
	Version        *int64  `json:"version"`
	Status         *string `json:"status"`
	Priority       *string `json:"priority"`
	PriorityReason *string `json:"priority_reason"`
	AssigneeID     *int64  `json:"assignee_id"`
	ProviderID     *int64  `json:"provider_id"`
	Category       *string `json:"category"`
	Service        *string `json:"service"`
	Component      *string `json:"component"`
	Note           *string `json:"note"`
}

// reopening is the body of POST /api/v1/tickets/{id}/reopen.
type reopening struct {
	Reason  string `json:"reason"`
	Version *int64 `json:"version"`
}

// commentCreate is the body of POST /api/v1/tickets/{id}/comments.
type commentCreate struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal"`
}

// ticketSorts are the orders FindTickets knows.
var ticketSorts = []string{"created", "-created", "updated", "-updated", "priority", "-priority", "due", "ref", "-ref"}

func validTicketSort(s string) bool { return slices.Contains(ticketSorts, s) }

func validTicketType(s string) bool { return itsm.TicketType(s).Valid() }

const ticketStatusChoices = "new, assigned, in progress, pending customer, pending provider, resolved or closed"

// listTickets serves GET /api/v1/tickets: the tickets the caller may see
// (customers their organisation's, providers those escalated to them),
// newest first unless sorted otherwise.
func (a *API) listTickets(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "type", "organisation_id", "status*", "open", "priority", "assignee_id", "unassigned",
		"provider_id", "category", "breaching_before", "q", "sort")
	if err != nil {
		return err
	}
	f := itsm.TicketFilter{OrgID: q.id("organisation_id"), Open: q.boolean("open"), AssigneeID: q.id("assignee_id"),
		ProviderID: q.id("provider_id"), Category: q.text("category"), BreachingBefore: q.instant("breaching_before"), Query: q.text("q")}
	if s := q.oneOf("type", validTicketType, "incident or request"); s != nil {
		typ := itsm.TicketType(*s)
		f.Type = &typ
	}
	for _, s := range q.list("status") {
		if !itsm.TicketStatus(s).Valid() {
			q.v.Add("status", "Give status as one or more of "+ticketStatusChoices+", repeated or separated by commas.")
			continue
		}
		f.Status = append(f.Status, itsm.TicketStatus(s))
	}
	f.Priority = q.oneOf("priority", itsm.ValidPriority, "P1, P2, P3 or P4")
	if b := q.boolean("unassigned"); b != nil {
		f.Unassigned = *b
	}
	if s := q.oneOf("sort", validTicketSort, "created, -created, updated, -updated, priority, -priority, due, ref or -ref"); s != nil {
		f.Sort = *s
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	tickets, total, err := a.svc.Tickets.FindTickets(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, tickets, total, p)
	return nil
}

// createTicket serves POST /api/v1/tickets. Customers raise tickets for
// their own organisation, as themselves; the service desk chooses the
// organisation and may raise on behalf of one of its people, and may
// override the priority with a reason.
func (a *API) createTicket(w http.ResponseWriter, r *http.Request) error {
	var in ticketCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	// The service puts a customer's own organisation and name on the
	// ticket whatever was sent; refuse anything else rather than ignore it.
	if actor := itsm.ActorFromContext(r.Context()); actor.IsCustomer() {
		if in.OrgID != 0 && in.OrgID != actor.OrgID {
			return fieldError("organisation_id", "You can raise tickets only for your own organisation: leave organisation_id out.")
		}
		if in.RequesterID != 0 && in.RequesterID != actor.UserID {
			return fieldError("requester_id", "Only the service desk can raise a ticket on someone else's behalf: leave requester_id out.")
		}
	}
	if in.PriorityReason != "" && in.Priority == "" {
		return errReasonWithoutPriority
	}
	t, err := a.svc.Tickets.CreateTicket(r.Context(), itsm.NewTicket{
		Type: itsm.TicketType(in.Type), OrgID: in.OrgID, RequesterID: in.RequesterID, Title: in.Title, Description: in.Description,
		Category: in.Category, Service: in.Service, Component: in.Component, Impact: itsm.Level(in.Impact), Urgency: itsm.Level(in.Urgency),
		Priority: in.Priority, PriorityReason: in.PriorityReason,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(t.ID, 10))
	writeRecord(w, http.StatusCreated, t.Version, t)
	return nil
}

var errReasonWithoutPriority = fieldError("priority_reason", "Send priority_reason only with the priority it explains.")

// getTicket serves GET /api/v1/tickets/{id}.
func (a *API) getTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	t, err := a.svc.Tickets.FindTicketByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, t.Version, t)
	return nil
}

// updateTicket serves PATCH /api/v1/tickets/{id}: the service desk, and
// the provider a ticket is escalated to, move it through its lifecycle and
// classify it; only the service desk reprioritises, assigns and escalates.
// assignee_id 0 unassigns and provider_id 0 withdraws the escalation, since
// null is never a value in this API.
func (a *API) updateTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	var in ticketChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.PriorityReason != nil && in.Priority == nil {
		return errReasonWithoutPriority
	}
	if in.Status == nil && in.Priority == nil && in.AssigneeID == nil && in.ProviderID == nil && in.Category == nil &&
		in.Service == nil && in.Component == nil && in.Note == nil {
		return errNothingToChange
	}
	upd := itsm.TicketUpdate{Priority: in.Priority, AssigneeID: in.AssigneeID, ProviderID: in.ProviderID,
		Category: in.Category, Service: in.Service, Component: in.Component, Version: version}
	if in.Status != nil {
		status := itsm.TicketStatus(*in.Status)
		if !status.Valid() {
			return fieldError("status", "Set status to one of "+ticketStatusChoices+".")
		}
		upd.Status = &status
	}
	if in.PriorityReason != nil {
		upd.PriorityReason = *in.PriorityReason
	}
	if in.AssigneeID != nil && *in.AssigneeID < 0 {
		return fieldError("assignee_id", "Give assignee_id as the ID of a member of the service desk, or 0 to unassign.")
	}
	if in.ProviderID != nil && *in.ProviderID < 0 {
		return fieldError("provider_id", "Give provider_id as the ID of a provider organisation, or 0 to withdraw the escalation.")
	}
	if in.Note != nil {
		upd.Note = *in.Note
	}
	t, err := a.svc.Tickets.UpdateTicket(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, t.Version, t)
	return nil
}

// reopenTicket serves POST /api/v1/tickets/{id}/reopen: the customer or
// the service desk puts a resolved ticket back in progress, with a reason,
// within the re-open window.
func (a *API) reopenTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	var in reopening
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	t, err := a.svc.Tickets.ReopenTicket(r.Context(), id, in.Reason, version)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, t.Version, t)
	return nil
}

// listTicketEvents serves GET /api/v1/tickets/{id}/events: the ticket's
// history, oldest first; customers do not see internal notes.
func (a *API) listTicketEvents(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "ticket", a.svc.Tickets.TicketEvents)
}

// addComment serves POST /api/v1/tickets/{id}/comments: a public reply, or
// an internal note that only the service desk and the provider see.
func (a *API) addComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	var in commentCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	ev, err := a.svc.Tickets.AddComment(r.Context(), id, itsm.Comment{Body: in.Body, Internal: in.Internal})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ev)
	return nil
}
