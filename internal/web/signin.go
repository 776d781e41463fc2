package web

import (
	"net/http"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// signInPage is the sign-in form.
type signInPage struct {
	basePage
	Email string
	Next  string
}

var signInFields = []string{"email", "password"}

// signInForm shows the sign-in form; a signed-in person goes straight on.
func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if itsm.ActorFromContext(r.Context()).SignedIn() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	p := &signInPage{basePage: s.newPage(w, r, "Sign in"), Next: next}
	return s.render(w, http.StatusOK, "sign_in", p)
}

// signIn checks the credentials, starts a session and goes on to the page
// the person first asked for. A wrong password or an inactive account gets
// one sentence for both, so that the form does not reveal which accounts
// exist; throttling shows the store's sentence on a 429 page.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := localPath(r.PostFormValue("next"))
	p := &signInPage{Email: email, Next: next}

	var v itsm.Validation
	v.Check(email != "", "email", "Enter your email address.")
	v.Check(password != "", "password", "Enter your password.")
	err := v.Err()
	var token string
	if err == nil {
		token, _, _, err = s.svc.Auth.SignIn(ctx, email, password)
	}
	if itsm.ErrorCode(err) == itsm.EUNAUTHORIZED {
		err = &itsm.Error{Code: itsm.EINVALID, Message: itsm.ErrorMessage(err), Fields: map[string]string{"email": itsm.ErrorMessage(err)}}
	}
	if formFailed(err) {
		p.basePage = s.newPage(w, r, "Sign in")
		p.setErrors(err, signInFields...)
		return s.render(w, formStatus(err), "sign_in", p)
	} else if err != nil {
		return err
	}
	// A browser that was still signed in as someone else stops being so.
	if st := sessionFrom(ctx); st.token != "" {
		if err := s.svc.Auth.SignOut(ctx, st.token); err != nil {
			s.log.WarnContext(ctx, "end the previous session", "error", err)
		}
	}
	s.setSessionCookie(w, token)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// signOut ends the session and says so on the sign-in page.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.Auth.SignOut(r.Context(), sessionFrom(r.Context()).token); err != nil {
		return err
	}
	s.clearCookie(w, sessionCookie)
	s.setFlash(w, flash{Kind: flashInfo, Message: "You have signed out."})
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
	return nil
}
