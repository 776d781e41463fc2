package api

import (
	"fmt"
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// watcherAdd is the body of POST /api/v1/tickets/{id}/watchers.
type watcherAdd struct {
	// UserID is who is to watch; the caller when left out.
	UserID *int64 `json:"user_id"`
}

// linkCreate is the body of POST /api/v1/tickets/{id}/links.
type linkCreate struct {
	Kind     string `json:"kind"`
	TargetID int64  `json:"target_id"`
}

// listWatchers serves GET /api/v1/tickets/{id}/watchers: who is told
// about the ticket's changes, by name.
func (a *API) listWatchers(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "ticket", a.svc.Relations.Watchers)
}

// addWatcher serves POST /api/v1/tickets/{id}/watchers: anyone who can see
// a ticket may watch it; the service desk may add anyone else who can see
// it. Watching twice is not an error.
func (a *API) addWatcher(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	var in watcherAdd
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	user := itsm.ActorFromContext(r.Context()).UserID
	if in.UserID != nil {
		if *in.UserID < 1 {
			return fieldError("user_id", "Give user_id as the ID of a person, or leave it out to watch the ticket yourself.")
		}
		user = *in.UserID
	}
	if err := a.svc.Relations.Watch(r.Context(), id, user); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// removeWatcher serves DELETE /api/v1/tickets/{id}/watchers/{user_id}:
// yourself, or (the service desk) anyone. Removing someone who is not
// watching is not an error; someone who does not exist is not found.
func (a *API) removeWatcher(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	user, err := pathInt(r, "user_id", "watcher")
	if err != nil {
		return err
	}
	err = a.svc.Relations.Unwatch(r.Context(), id, user)
	if itsm.ErrorCode(err) == itsm.EINVALID {
		// The service names user_id as a field; here it is the address.
		return itsm.ErrNotFound("watcher")
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listLinks serves GET /api/v1/tickets/{id}/links: the tickets and
// problems the ticket is linked to that the caller may see.
func (a *API) listLinks(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "ticket", a.svc.Relations.TicketLinks)
}

// addLink serves POST /api/v1/tickets/{id}/links: the service desk records
// that the ticket duplicates or relates to another. Linking twice is not an
// error.
func (a *API) addLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	var in linkCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.TargetID < 1 {
		return fieldError("target_id", "Give target_id as the ID of the other ticket.")
	}
	if err := a.svc.Relations.LinkTickets(r.Context(), id, in.Kind, in.TargetID); err != nil {
		return err
	}
	links, err := a.svc.Relations.TicketLinks(r.Context(), id)
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Kind == in.Kind && l.TargetType == "ticket" && l.TargetID == in.TargetID {
			writeJSON(w, http.StatusCreated, l)
			return nil
		}
	}
	return fmt.Errorf("link ticket %d to %d: the new link is not among the ticket's links", id, in.TargetID)
}
