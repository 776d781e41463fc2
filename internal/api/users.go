package api

import (
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// userCreate is the body of POST /api/v1/users.
type userCreate struct {
	OrgID    int64  `json:"organisation_id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// userChange is the body of PATCH /api/v1/users/{id}.
type userChange struct {
	Version *int64  `json:"version"`
	Name    *string `json:"name"`
	Email   *string `json:"email"`
	Role    *string `json:"role"`
	Status  *string `json:"status"`
}

// passwordChange is the body of PUT /api/v1/users/{id}/password.
type passwordChange struct {
	Password string `json:"password"`
}

func validRole(s string) bool { return itsm.Role(s).Valid() }

func validStatus(s string) bool { return itsm.UserStatus(s).Valid() }

// getMe serves GET /api/v1/me: the account the token acts as.
func (a *API) getMe(w http.ResponseWriter, r *http.Request) error {
	u, err := a.svc.Users.FindUserByID(r.Context(), itsm.ActorFromContext(r.Context()).UserID)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, u.Version, u)
	return nil
}

// listUsers serves GET /api/v1/users: the people the caller may see.
func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "organisation_id", "email", "role", "status", "q", "sort")
	if err != nil {
		return err
	}
	f := itsm.UserFilter{OrgID: q.id("organisation_id"), Email: q.text("email"), Query: q.text("q")}
	if s := q.oneOf("role", validRole, "customer_user, customer_admin, agent, manager, provider_agent, auditor or admin"); s != nil {
		role := itsm.Role(*s)
		f.Role = &role
	}
	if s := q.oneOf("status", validStatus, "pending, active, disabled or rejected"); s != nil {
		status := itsm.UserStatus(*s)
		f.Status = &status
	}
	if s := q.text("sort"); s != nil {
		f.Sort = *s
	}
	return a.findUsers(w, r, q, f)
}

// findUsers runs a validated user query and writes the page.
func (a *API) findUsers(w http.ResponseWriter, r *http.Request, q *query, f itsm.UserFilter) error {
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	users, total, err := a.svc.Users.FindUsers(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, users, total, p)
	return nil
}

// createUser serves POST /api/v1/users: an active account with a password,
// in an organisation the caller manages and with a role they may grant.
func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in userCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	u := &itsm.User{OrgID: in.OrgID, Email: in.Email, Name: in.Name, Role: itsm.Role(in.Role)}
	if err := a.svc.Users.CreateUser(r.Context(), u, in.Password); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeRecord(w, http.StatusCreated, u.Version, u)
	return nil
}

// getUser serves GET /api/v1/users/{id}.
func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	u, err := a.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, u.Version, u)
	return nil
}

// updateUser serves PATCH /api/v1/users/{id}. Status may move only between
// active and disabled here; pending accounts are decided through
// /api/v1/registrations.
func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in userChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.Name == nil && in.Email == nil && in.Role == nil && in.Status == nil {
		return errNothingToChange
	}
	upd := itsm.UserUpdate{Name: in.Name, Email: in.Email, Version: version}
	if in.Role != nil {
		role := itsm.Role(*in.Role)
		upd.Role = &role
	}
	if in.Status != nil {
		status := itsm.UserStatus(*in.Status)
		if status != itsm.UserActive && status != itsm.UserDisabled {
			return fieldError("status", "Set status to active or disabled; registrations are approved or rejected under /api/v1/registrations.")
		}
		upd.Status = &status
	}
	u, err := a.svc.Users.UpdateUser(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, u.Version, u)
	return nil
}

// setPassword serves PUT /api/v1/users/{id}/password: your own, or that of
// someone whose organisation you manage. The password is taken literally
// and hashed; the person's sessions end.
func (a *API) setPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in passwordChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := a.svc.Users.SetPassword(r.Context(), id, in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
