package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// canErasePerson mirrors the store's rule for erasing someone's personal
// data: the programme's administrators and managers, only an administrator
// for an administrator, never oneself, and only once.
func canErasePerson(a *itsm.Actor, u *itsm.User) bool {
	return a.CanManagePersonalData() && u.ID != a.UserID && u.ErasedAt == nil &&
		(u.Role != itsm.RoleAdmin || a.CanGrantRole(itsm.RoleAdmin, u.OrgKind))
}

// personalDataDownload sends everything held about a person as a JSON
// attachment. The store refuses (404 or 403) those who may not, and audits
// the export.
func (s *Server) personalDataDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.svc.Users.PersonalData(r.Context(), id)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="personal-data-user-`+strconv.FormatInt(id, 10)+`.json"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// erasePage confirms the erasure of a person's personal data: it says what
// happens and what stays, and asks for a reason and the person's e-mail
// address typed again.
type erasePage struct {
	basePage
	User                 *itsm.User
	Reason, ConfirmEmail string
}

// erasedPage shows what an erasure did.
type erasedPage struct {
	basePage
	UserID  int64
	Summary *itsm.ErasureSummary
}

var eraseFields = []string{"reason", "confirm_email"}

// findPersonToErase finds a person the caller can see (404 otherwise) whose
// personal data the caller may erase (403, or 409 once erased).
func (s *Server) findPersonToErase(r *http.Request) (*itsm.User, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	u, err := s.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	a := itsm.ActorFromContext(r.Context())
	switch {
	case !a.CanManagePersonalData():
		return nil, forbidden("Only the programme's administrators and managers can erase a person's personal data.")
	case u.ErasedAt != nil:
		return nil, itsm.Errorf(itsm.ECONFLICT, "This person's personal data has already been erased.")
	case u.ID == a.UserID:
		return nil, forbidden("You cannot erase your own personal data. Ask another administrator or manager to do it.")
	case !canErasePerson(a, u):
		return nil, forbidden("Only an administrator can erase an administrator's personal data.")
	}
	return u, nil
}

func (s *Server) newErasePage(w http.ResponseWriter, r *http.Request, u *itsm.User) *erasePage {
	p := &erasePage{basePage: s.newPage(w, r, "Erase "+u.Name+"'s personal data"), User: u}
	p.Caption = u.OrgName
	p.BackHref = "/users/" + strconv.FormatInt(u.ID, 10)
	return p
}

// eraseForm shows the confirmation page.
func (s *Server) eraseForm(w http.ResponseWriter, r *http.Request) error {
	u, err := s.findPersonToErase(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "user_erase", s.newErasePage(w, r, u))
}

// erase erases the person's personal data once the reason is given and the
// address typed matches; otherwise it shows the form again, changing
// nothing.
func (s *Server) erase(w http.ResponseWriter, r *http.Request) error {
	u, err := s.findPersonToErase(r)
	if err != nil {
		return err
	}
	e := itsm.Erasure{Reason: r.PostFormValue("reason"), ConfirmEmail: strings.TrimSpace(r.PostFormValue("confirm_email"))}
	err = e.Check(u)
	var sum *itsm.ErasureSummary
	if err == nil {
		sum, err = s.svc.Users.ErasePerson(r.Context(), u.ID, e.Reason)
	}
	if formFailed(err) {
		p := s.newErasePage(w, r, u)
		p.Reason, p.ConfirmEmail = e.Reason, e.ConfirmEmail
		p.setErrors(err, eraseFields...)
		return s.render(w, formStatus(err), "user_erase", p)
	} else if err != nil {
		return err
	}
	p := &erasedPage{basePage: s.newPage(w, r, "Personal data erased"), UserID: u.ID, Summary: sum}
	p.Caption = u.OrgName
	return s.render(w, http.StatusOK, "user_erased", p)
}
