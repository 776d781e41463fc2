package web

import (
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// accountPage is the signed-in person's own account.
type accountPage struct {
	basePage
	User *itsm.User
}

// account shows the person their own account.
func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	u, err := s.svc.Users.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		return err
	}
	p := &accountPage{basePage: s.newPage(w, r, "Your account"), User: u}
	return s.render(w, http.StatusOK, "account", p)
}

func (s *Server) ownPasswordPage(w http.ResponseWriter, r *http.Request) *passwordPage {
	p := &passwordPage{basePage: s.newPage(w, r, "Change your password"), Own: true,
		Action: "/account/password", CancelHref: "/account", SubmitLabel: "Change password"}
	p.Caption = "Your account"
	return p
}

// accountPasswordForm shows the form to change one's own password.
func (s *Server) accountPasswordForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "password", s.ownPasswordPage(w, r))
}

// accountPassword changes one's own password after checking the current
// one, so that someone who finds a signed-in browser cannot lock its owner
// out. The check is a sign-in, so it is throttled and audited like one.
// Changing the password ends every session, this one included: the person
// signs in again with the new password.
func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	current, password := r.PostFormValue("current_password"), r.PostFormValue("password")

	var v itsm.Validation
	v.Check(current != "", "current_password", "Enter your current password.")
	passwordsMatch(&v, password, r.PostFormValue("password_confirm"))
	err := mergeErrors(v.Err(), itsm.ValidatePassword("password", password))
	if err == nil {
		// The session this makes is ended at once by SetPassword.
		_, _, _, err = s.svc.Auth.SignIn(ctx, a.Email, current)
		if itsm.ErrorCode(err) == itsm.EUNAUTHORIZED {
			err = &itsm.Error{Code: itsm.EINVALID, Message: "Your current password is not right.", Fields: map[string]string{"current_password": "Your current password is not right."}}
		}
	}
	if err == nil {
		err = s.svc.Users.SetPassword(ctx, a.UserID, password)
	}
	if formFailed(err) {
		p := s.ownPasswordPage(w, r)
		p.setErrors(err, passwordFields...)
		return s.render(w, formStatus(err), "password", p)
	} else if err != nil {
		return err
	}
	s.clearCookie(w, sessionCookie)
	s.setFlash(w, flash{Kind: flashSuccess, Message: "Your password has been changed. Sign in with your new password."})
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
	return nil
}
