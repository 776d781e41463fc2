package web

import (
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// registrationListPage lists the registrations waiting for the viewer.
type registrationListPage struct {
	basePage
	Table registrationTable
	Pager pager
}

// registrationList shows the pending registrations the viewer may decide:
// every customer's for programme managers and administrators, their own
// organisation's for a customer admin.
func (s *Server) registrationList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if !canDecideRegistrations(a) {
		return forbidden("You do not have permission to decide registrations.")
	}
	q := newListQuery(r.URL.Query())
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	pending := itsm.UserPending
	users, total, err := s.svc.Users.FindUsers(ctx, itsm.UserFilter{Status: &pending, Sort: "created", Offset: offset(page), Limit: pageSize})
	if err != nil {
		return err
	}
	p := &registrationListPage{basePage: s.newPage(w, r, "Registrations")}
	p.Wide = true
	p.Table = registrationTable{Page: &p.basePage, Users: users, Caption: "Registrations waiting for a decision, oldest first", ShowOrg: !a.IsCustomer()}
	p.Pager = newPager(q, "/registrations", page, total, len(users), "registrations")
	p.setPaged("Registrations", p.Pager)
	return s.render(w, http.StatusOK, "registration_list", p)
}

func (s *Server) registrationApprove(w http.ResponseWriter, r *http.Request) error {
	return s.decideRegistration(w, r, true)
}

func (s *Server) registrationReject(w http.ResponseWriter, r *http.Request) error {
	return s.decideRegistration(w, r, false)
}

// decideRegistration approves or rejects one registration. The store
// decides who may: a registration the caller cannot see is not found, one
// they can see but not decide is refused. A decision someone else made
// first comes back to the list as a message, where the list is fresh.
func (s *Server) decideRegistration(w http.ResponseWriter, r *http.Request, approve bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	u, err := s.svc.Users.DecideRegistration(r.Context(), id, approve, version)
	if itsm.ErrorCode(err) == itsm.ECONFLICT {
		s.setFlash(w, flash{Kind: flashError, Message: itsm.ErrorMessage(err)})
		http.Redirect(w, r, "/registrations", http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	msg := "You approved " + u.Name + "'s registration. They can now sign in."
	if !approve {
		msg = "You rejected " + u.Name + "'s registration."
	}
	return s.redirect(w, r, "/registrations", msg)
}
