package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// escalationCreate is the body of POST /api/v1/tickets/{id}/escalate.
type escalationCreate struct {
	Reason string `json:"reason"`
}

// escalationAct is the body of POST /api/v1/escalations/{id}/actions.
type escalationAct struct {
	Action  string `json:"action"`
	Body    string `json:"body"`
	OwnerID *int64 `json:"owner_id"`
	Version *int64 `json:"version"`
}

// contactCreate is the body of POST
// /api/v1/organisations/{id}/escalation-contacts.
type contactCreate struct {
	Level int    `json:"level"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

var escalationActions = []string{"acknowledge", "raise", "note", "resolve"}

func validLevel(s string) bool { return s == "1" || s == "2" || s == "3" }

// escalate serves POST /api/v1/tickets/{id}/escalate: a customer (or the
// service desk on their behalf) disputes a ticket's handling, with a
// reason. The programme team is the escalation point; a resolved ticket
// goes back in progress.
func (a *API) escalate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	var in escalationCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	e, err := a.svc.Escalations.Escalate(r.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/escalations/"+strconv.FormatInt(e.ID, 10))
	writeRecord(w, http.StatusCreated, e.Version, e)
	return nil
}

// listEscalations serves GET /api/v1/escalations: open ones first, highest
// level and soonest due first. Customers see their organisation's;
// providers those on tickets escalated to them.
func (a *API) listEscalations(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "open", "ticket_id", "level")
	if err != nil {
		return err
	}
	f := itsm.EscalationFilter{Open: q.boolean("open"), TicketID: q.id("ticket_id")}
	if s := q.oneOf("level", validLevel, "1, 2 or 3"); s != nil {
		level, _ := strconv.Atoi(*s)
		f.Level = &level
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	escalations, total, err := a.svc.Escalations.FindEscalations(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, escalations, total, p)
	return nil
}

// getEscalation serves GET /api/v1/escalations/{id}.
func (a *API) getEscalation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "escalation")
	if err != nil {
		return err
	}
	e, err := a.svc.Escalations.FindEscalationByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, e.Version, e)
	return nil
}

// escalationHistory serves GET /api/v1/escalations/{id}/history, oldest
// first.
func (a *API) escalationHistory(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "escalation", a.svc.Escalations.EscalationHistory)
}

// actOnEscalation serves POST /api/v1/escalations/{id}/actions: the
// programme team acknowledges an escalation (and takes it on), raises it to
// the next level, adds a note, or resolves it with an outcome.
func (a *API) actOnEscalation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "escalation")
	if err != nil {
		return err
	}
	var in escalationAct
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if !slices.Contains(escalationActions, in.Action) {
		return fieldError("action", "Set action to acknowledge, raise, note or resolve.")
	}
	if in.OwnerID != nil && *in.OwnerID < 1 {
		return fieldError("owner_id", "Give owner_id as the ID of a member of the programme team.")
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	e, err := a.svc.Escalations.ActOnEscalation(r.Context(), id, itsm.EscalationAction{Action: in.Action, Body: in.Body, OwnerID: in.OwnerID, Version: version})
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, e.Version, e)
	return nil
}

// provider reads the {id} path value as a provider the caller may see; any
// other organisation has no escalation contacts, so it is not found.
func (a *API) provider(r *http.Request) (int64, error) {
	id, err := pathID(r, "provider")
	if err != nil {
		return 0, err
	}
	o, err := a.svc.Organisations.FindOrganisationByID(r.Context(), id)
	if err != nil {
		return 0, err
	}
	if o.Kind != itsm.OrgProvider {
		return 0, itsm.ErrNotFound("provider")
	}
	return id, nil
}

// listEscalationContacts serves GET
// /api/v1/organisations/{id}/escalation-contacts: a provider's named
// contacts by level, for programme staff, auditors and the provider itself.
func (a *API) listEscalationContacts(w http.ResponseWriter, r *http.Request) error {
	id, err := a.provider(r)
	if err != nil {
		return err
	}
	p, err := listPaging(r)
	if err != nil {
		return err
	}
	contacts, err := a.svc.Escalations.FindEscalationContacts(r.Context(), id)
	if err != nil {
		return err
	}
	writeList(w, contacts, p)
	return nil
}

// addEscalationContact serves POST
// /api/v1/organisations/{id}/escalation-contacts (programme managers and
// administrators): someone at the provider to tell when an escalation
// reaches the level, or any level above it.
func (a *API) addEscalationContact(w http.ResponseWriter, r *http.Request) error {
	id, err := a.provider(r)
	if err != nil {
		return err
	}
	var in contactCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	c := &itsm.EscalationContact{ProviderID: id, Level: in.Level, Name: in.Name, Email: in.Email}
	if err := a.svc.Escalations.AddEscalationContact(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// removeEscalationContact serves DELETE /api/v1/escalation-contacts/{id}
// (programme managers and administrators).
func (a *API) removeEscalationContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "contact")
	if err != nil {
		return err
	}
	if err := a.svc.Escalations.RemoveEscalationContact(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
