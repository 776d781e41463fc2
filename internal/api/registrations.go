package api

import (
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// registrationCreate is the body of POST /api/v1/registrations.
type registrationCreate struct {
	OrgID    int64  `json:"organisation_id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// decision is the body of POST /api/v1/registrations/{id}/approve and
// /reject.
type decision struct {
	Version *int64 `json:"version"`
}

// listRegistrations serves GET /api/v1/registrations: the pending accounts
// the caller may see, oldest first unless sorted otherwise.
func (a *API) listRegistrations(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "organisation_id", "q", "sort")
	if err != nil {
		return err
	}
	pending := itsm.UserPending
	f := itsm.UserFilter{OrgID: q.id("organisation_id"), Query: q.text("q"), Status: &pending, Sort: "created"}
	if s := q.text("sort"); s != nil {
		f.Sort = *s
	}
	return a.findUsers(w, r, q, f)
}

// register serves POST /api/v1/registrations: someone without an account
// asks to join a customer organisation. The account stays pending until
// that organisation's customer admin or the programme team decides.
func (a *API) register(w http.ResponseWriter, r *http.Request) error {
	var in registrationCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if _, err := a.svc.Users.Register(r.Context(), itsm.Registration{OrgID: in.OrgID, Name: in.Name, Email: in.Email, Password: in.Password}); err != nil {
		return err
	}
	// The same answer whether or not the address already has an account
	// (its owner is e-mailed instead), so that registering cannot be used
	// to learn who has one.
	writeJSON(w, http.StatusAccepted, registrationReceived{OrgID: in.OrgID, Status: "received",
		Message: "Thank you. Your organisation's administrator will check your request; we will e-mail you when it has been decided."})
	return nil
}

// registrationReceived answers a registration.
type registrationReceived struct {
	OrgID   int64  `json:"organisation_id"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// approveRegistration serves POST /api/v1/registrations/{id}/approve.
func (a *API) approveRegistration(w http.ResponseWriter, r *http.Request) error {
	return a.decide(w, r, true)
}

// rejectRegistration serves POST /api/v1/registrations/{id}/reject.
func (a *API) rejectRegistration(w http.ResponseWriter, r *http.Request) error {
	return a.decide(w, r, false)
}

func (a *API) decide(w http.ResponseWriter, r *http.Request, approve bool) error {
	id, err := pathID(r, "registration")
	if err != nil {
		return err
	}
	var in decision
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	u, err := a.svc.Users.DecideRegistration(r.Context(), id, approve, version)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, u.Version, u)
	return nil
}
