package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// registerPage is the form to ask for an account in a customer area.
type registerPage struct {
	basePage
	Organisations      []option
	OrgID, Name, Email string
}

var registerFields = []string{"organisation_id", "name", "email", "password", "password_confirm"}

// registerCompletePage confirms a registration was received.
type registerCompletePage struct {
	basePage
	OrgName string
}

func (s *Server) registrableOptions(r *http.Request) ([]option, error) {
	orgs, err := s.svc.Organisations.FindRegistrableOrganisations(r.Context())
	if err != nil {
		return nil, err
	}
	opts := []option{{Value: "", Label: "Choose your organisation"}}
	for _, o := range orgs {
		opts = append(opts, option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
	}
	return opts, nil
}

// registerForm shows the registration form to people who are not signed in.
func (s *Server) registerForm(w http.ResponseWriter, r *http.Request) error {
	if itsm.ActorFromContext(r.Context()).SignedIn() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	opts, err := s.registrableOptions(r)
	if err != nil {
		return err
	}
	p := &registerPage{basePage: s.newPage(w, r, "Register for the customer area"), Organisations: opts}
	return s.render(w, http.StatusOK, "register", p)
}

// register records a pending registration; the organisation's admin (or
// the programme team) must approve it before the person can sign in.
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	p := &registerPage{
		OrgID: r.PostFormValue("organisation_id"),
		Name:  strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")),
	}
	password, confirm := r.PostFormValue("password"), r.PostFormValue("password_confirm")
	orgID, _ := strconv.ParseInt(p.OrgID, 10, 64)
	reg := itsm.Registration{OrgID: orgID, Name: p.Name, Email: p.Email, Password: password}

	var v itsm.Validation
	passwordsMatch(&v, password, confirm)
	err := mergeErrors(reg.Validate(), v.Err())
	if err == nil {
		// A nil user (the address already has an account) gets the same
		// answer: the owner of the address is told by e-mail.
		_, err = s.svc.Users.Register(r.Context(), reg)
	}
	if formFailed(err) {
		opts, oerr := s.registrableOptions(r)
		if oerr != nil {
			return oerr
		}
		p.basePage = s.newPage(w, r, "Register for the customer area")
		p.Organisations = opts
		p.setErrors(err, registerFields...)
		return s.render(w, formStatus(err), "register", p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/register/complete?organisation="+strconv.FormatInt(reg.OrgID, 10), http.StatusSeeOther)
	return nil
}

// registerComplete says what happens next.
func (s *Server) registerComplete(w http.ResponseWriter, r *http.Request) error {
	p := &registerCompletePage{basePage: s.newPage(w, r, "Registration received")}
	p.NoHeader = true
	if id, err := strconv.ParseInt(r.URL.Query().Get("organisation"), 10, 64); err == nil {
		orgs, err := s.svc.Organisations.FindRegistrableOrganisations(r.Context())
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if o.ID == id {
				p.OrgName = o.Name
			}
		}
	}
	return s.render(w, http.StatusOK, "register_complete", p)
}
