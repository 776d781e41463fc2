package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// userNewPage adds a person. Which roles can be given depends on the kind
// of organisation, so a programme manager first chooses the organisation
// (ChooseOrg) and then sees only the roles they may grant there; a customer
// admin's organisation is always their own.
type userNewPage struct {
	basePage
	ChooseOrg         bool
	Orgs, Roles       []option
	Org               *itsm.Organisation
	OrgID             string
	Name, Email, Role string
}

var userNewFields = []string{"organisation_id", "name", "email", "role", "password", "password_confirm"}

// manageableOrgs lists the organisations the actor may add people to.
func (s *Server) manageableOrgs(r *http.Request, a *itsm.Actor) ([]option, error) {
	orgs, _, err := s.svc.Organisations.FindOrganisations(r.Context(), itsm.OrganisationFilter{Limit: 500})
	if err != nil {
		return nil, err
	}
	out := []option{{Value: "", Label: "Choose an organisation"}}
	for _, o := range orgs {
		if a.CanManageUsersIn(o.ID, o.Kind) {
			out = append(out, option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
		}
	}
	return out, nil
}

// orgForNewUser finds the organisation a new person joins: the customer
// admin's own, or the one chosen (404 when not visible, 403 when the actor
// does not manage it). It returns nil when a choice is still to be made.
func (s *Server) orgForNewUser(r *http.Request, a *itsm.Actor, chosen string) (*itsm.Organisation, error) {
	if !canCreateUsers(a) {
		return nil, forbidden("You do not have permission to add people.")
	}
	id := a.OrgID
	if a.ReadsEverything() {
		if chosen == "" {
			return nil, nil
		}
		var err error
		if id, err = strconv.ParseInt(chosen, 10, 64); err != nil || id <= 0 {
			return nil, &itsm.Error{Code: itsm.EINVALID, Message: "Choose an organisation from the list.", Fields: map[string]string{"organisation_id": "Choose an organisation from the list."}}
		}
	}
	org, err := s.svc.Organisations.FindOrganisationByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !a.CanManageUsersIn(org.ID, org.Kind) {
		return nil, forbidden("You do not have permission to add people to " + org.Name + ".")
	}
	return org, nil
}

func (s *Server) userNewPage(w http.ResponseWriter, r *http.Request, a *itsm.Actor, org *itsm.Organisation) (*userNewPage, error) {
	p := &userNewPage{basePage: s.newPage(w, r, "Add a person")}
	p.BackHref = "/users"
	if org == nil {
		p.ChooseOrg = true
		orgs, err := s.manageableOrgs(r, a)
		if err != nil {
			return nil, err
		}
		p.Orgs = orgs
		return p, nil
	}
	p.Org, p.OrgID = org, strconv.FormatInt(org.ID, 10)
	p.Caption = org.Name
	p.Roles = roleOptions(a, org.Kind, "")
	if len(p.Roles) > 0 {
		p.Role = p.Roles[0].Value
	}
	return p, nil
}

// userNewForm shows the form to add a person.
func (s *Server) userNewForm(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	org, err := s.orgForNewUser(r, a, r.URL.Query().Get("organisation_id"))
	if formFailed(err) {
		p, perr := s.userNewPage(w, r, a, nil)
		if perr != nil {
			return perr
		}
		p.setErrors(err, userNewFields...)
		return s.render(w, formStatus(err), "user_new", p)
	} else if err != nil {
		return err
	}
	p, err := s.userNewPage(w, r, a, org)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "user_new", p)
}

// userCreate adds the person with a role the actor may grant there.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	org, err := s.orgForNewUser(r, a, r.PostFormValue("organisation_id"))
	if err != nil && !formFailed(err) {
		return err
	}
	u := &itsm.User{
		Name:  strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")),
		Role:  itsm.Role(r.PostFormValue("role")),
	}
	password, confirm := r.PostFormValue("password"), r.PostFormValue("password_confirm")
	if err == nil && org == nil {
		err = &itsm.Error{Code: itsm.EINVALID, Message: "Choose an organisation from the list.", Fields: map[string]string{"organisation_id": "Choose an organisation from the list."}}
	}
	if err == nil {
		u.OrgID = org.ID
		var v itsm.Validation
		// Only the roles offered may be given: a customer admin never
		// sees, and so never grants, a staff role.
		v.Check(hasOption(roleOptions(a, org.Kind, ""), string(u.Role)), "role", "Choose one of the roles listed.")
		passwordsMatch(&v, password, confirm)
		if err = v.Err(); err == nil {
			err = s.svc.Users.CreateUser(r.Context(), u, password)
		}
	}
	if formFailed(err) {
		p, perr := s.userNewPage(w, r, a, org)
		if perr != nil {
			return perr
		}
		p.Name, p.Email, p.Role = u.Name, u.Email, string(u.Role)
		p.setErrors(err, userNewFields...)
		return s.render(w, formStatus(err), "user_new", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), u.Name+"'s account has been created.")
}

// findUserToEdit finds a person the caller can see (404 otherwise) and
// checks they may change the account (403 otherwise).
func (s *Server) findUserToEdit(r *http.Request) (*itsm.User, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	u, err := s.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !canEditUser(itsm.ActorFromContext(r.Context()), u) {
		return nil, forbidden("You do not have permission to change " + u.Name + "'s account.")
	}
	return u, nil
}

// userEditPage changes a person's name, email address, role and status.
// People cannot change their own role or status.
type userEditPage struct {
	basePage
	User                      *itsm.User
	Self                      bool
	Name, Email, Role, Status string
	Version                   int64
	Roles, Statuses           []option
}

var userEditFields = []string{"name", "email", "role", "status"}

func (s *Server) userEditPage(w http.ResponseWriter, r *http.Request, u *itsm.User) *userEditPage {
	a := itsm.ActorFromContext(r.Context())
	p := &userEditPage{basePage: s.newPage(w, r, "Change "+u.Name+"'s account"), User: u, Self: u.ID == a.UserID,
		Name: u.Name, Email: u.Email, Role: string(u.Role), Status: string(u.Status), Version: u.Version,
		Roles: roleOptions(a, u.OrgKind, u.Role)}
	p.Caption = u.OrgName
	p.BackHref = "/users/" + strconv.FormatInt(u.ID, 10)
	p.Statuses = []option{{string(itsm.UserActive), "Active: can sign in"}, {string(itsm.UserDisabled), "Disabled: cannot sign in"}}
	if u.Status == itsm.UserPending || u.Status == itsm.UserRejected {
		p.Statuses = append(p.Statuses, option{string(u.Status), statusLabel(u.Status)})
	}
	return p
}

// userEditForm shows the form to change an account.
func (s *Server) userEditForm(w http.ResponseWriter, r *http.Request) error {
	u, err := s.findUserToEdit(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "user_edit", s.userEditPage(w, r, u))
}

// userUpdate saves the change unless someone else changed the account
// since the form was opened.
func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) error {
	u, err := s.findUserToEdit(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	p := s.userEditPage(w, r, u)
	p.Name, p.Email, p.Version = strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("email")), version
	upd := itsm.UserUpdate{Name: &p.Name, Email: &p.Email, Version: version}
	var v itsm.Validation
	if !p.Self {
		p.Role, p.Status = r.PostFormValue("role"), r.PostFormValue("status")
		v.Check(hasOption(p.Roles, p.Role), "role", "Choose one of the roles listed.")
		v.Check(hasOption(p.Statuses, p.Status), "status", "Choose whether the person can sign in.")
		role, status := itsm.Role(p.Role), itsm.UserStatus(p.Status)
		upd.Role, upd.Status = &role, &status
	}
	err = v.Err()
	if err == nil {
		_, err = s.svc.Users.UpdateUser(r.Context(), u.ID, upd)
	}
	if formFailed(err) {
		p.setErrors(err, userEditFields...)
		return s.render(w, formStatus(err), "user_edit", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), "Your changes to "+p.Name+"'s account have been saved.")
}

// passwordPage sets a password: someone else's (userPassword) or one's own
// (accountPassword, which also asks for the current one).
type passwordPage struct {
	basePage
	Action      string
	Own         bool
	User        *itsm.User
	CancelHref  string
	SubmitLabel string
}

var passwordFields = []string{"current_password", "password", "password_confirm"}

// userPasswordForm shows the form to set someone else's password.
func (s *Server) userPasswordForm(w http.ResponseWriter, r *http.Request) error {
	if id, err := pathID(r); err == nil && id == itsm.ActorFromContext(r.Context()).UserID {
		http.Redirect(w, r, "/account/password", http.StatusSeeOther)
		return nil
	}
	u, err := s.findUserToEdit(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "password", s.userPasswordPage(w, r, u))
}

func (s *Server) userPasswordPage(w http.ResponseWriter, r *http.Request, u *itsm.User) *passwordPage {
	back := "/users/" + strconv.FormatInt(u.ID, 10)
	p := &passwordPage{basePage: s.newPage(w, r, "Set a new password for "+u.Name), User: u,
		Action: back + "/password", CancelHref: back, SubmitLabel: "Set password"}
	p.Caption = u.OrgName
	return p
}

// userPassword sets the password; every session of that person ends.
func (s *Server) userPassword(w http.ResponseWriter, r *http.Request) error {
	u, err := s.findUserToEdit(r)
	if err != nil {
		return err
	}
	if u.ID == itsm.ActorFromContext(r.Context()).UserID {
		return forbidden("Change your own password from your account page, which asks for your current password.")
	}
	password := r.PostFormValue("password")
	var v itsm.Validation
	passwordsMatch(&v, password, r.PostFormValue("password_confirm"))
	err = mergeErrors(itsm.ValidatePassword("password", password), v.Err())
	if err == nil {
		err = s.svc.Users.SetPassword(r.Context(), u.ID, password)
	}
	if formFailed(err) {
		p := s.userPasswordPage(w, r, u)
		p.setErrors(err, passwordFields...)
		return s.render(w, formStatus(err), "password", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), u.Name+"'s password has been changed and they have been signed out everywhere.")
}
