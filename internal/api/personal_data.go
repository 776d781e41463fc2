package api

import (
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// erasureRequest is the body of POST /api/v1/users/{id}/erase.
type erasureRequest struct {
	Reason       string `json:"reason"`
	ConfirmEmail string `json:"confirm_email"`
}

// getPersonalData serves GET /api/v1/users/{id}/personal-data: everything
// held about the person, for the programme's administrators and managers.
func (a *API) getPersonalData(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	p, err := a.svc.Users.PersonalData(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, p)
	return nil
}

// erasePerson serves POST /api/v1/users/{id}/erase. The person is found
// (404) and the caller's permission checked (403) before the body is judged,
// so that a caller who may not erase learns nothing from a 400.
func (a *API) erasePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in erasureRequest
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	u, err := a.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	if !itsm.ActorFromContext(r.Context()).CanManagePersonalData() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme's administrators and managers can erase a person's personal data.")
	}
	if u.ErasedAt != nil {
		return itsm.Errorf(itsm.ECONFLICT, "This person's personal data has already been erased.")
	}
	e := itsm.Erasure{Reason: in.Reason, ConfirmEmail: in.ConfirmEmail}
	if err := e.Check(u); err != nil {
		return err
	}
	sum, err := a.svc.Users.ErasePerson(r.Context(), id, e.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sum)
	return nil
}
