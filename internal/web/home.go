package web

import (
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// homePage is the home page: a dashboard for programme staff, auditors and
// provider agents, or the customer area's front page for customer staff.
type homePage struct {
	basePage
	Customer bool
	Org      *itsm.Organisation

	// Counts of what the viewer can reach; a count is only shown with a
	// link the viewer may follow.
	OrgCount, UserCount int
	ListOrgs, ListUsers bool

	// Registrations waiting for the viewer's decision.
	CanDecide    bool
	Pending      registrationTable
	PendingTotal int

	// The latest audit entries, for those who may read the log.
	ShowAudit bool
	Audit     auditTable

	// The service desk: figures for those who work or audit tickets, the
	// organisation's open tickets for customers.
	Desk         *deskDashboard
	CustomerDesk *customerDesk
}

// registrationTable is what the "registrationTable" partial draws.
type registrationTable struct {
	Page        *basePage
	Users       []*itsm.User
	Caption     string
	HideCaption bool // when a heading just above says the same
	ShowOrg     bool
}

// home shows each role what it can reach and what is waiting for it.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	p := &homePage{basePage: s.newPage(w, r, "Home"), Customer: a.IsCustomer()}
	p.Wide = true
	org, err := s.svc.Organisations.FindOrganisationByID(ctx, a.OrgID)
	if err != nil {
		return err
	}
	p.Org = org
	if p.Customer {
		p.Heading = org.Name
		p.Caption = "Customer area"
	} else {
		p.Heading = "Dashboard"
		p.Caption = org.Name
	}

	if p.Customer {
		p.CustomerDesk, err = s.customerDeskFor(r, a, &p.basePage)
	} else {
		p.Desk, err = s.deskDashboardFor(r, a)
	}
	if err != nil {
		return err
	}

	p.ListOrgs, p.ListUsers = a.ReadsEverything(), canListUsers(a)
	if p.ListOrgs {
		if _, p.OrgCount, err = s.svc.Organisations.FindOrganisations(ctx, itsm.OrganisationFilter{Limit: 1}); err != nil {
			return err
		}
	}
	if p.ListUsers {
		if _, p.UserCount, err = s.svc.Users.FindUsers(ctx, itsm.UserFilter{Limit: 1}); err != nil {
			return err
		}
	}
	if p.CanDecide = canDecideRegistrations(a); p.CanDecide {
		pending := itsm.UserPending
		users, total, err := s.svc.Users.FindUsers(ctx, itsm.UserFilter{Status: &pending, Sort: "created", Limit: 5})
		if err != nil {
			return err
		}
		p.PendingTotal = total
		p.Pending = registrationTable{Page: &p.basePage, Users: users, Caption: "Registrations waiting for your decision", HideCaption: true, ShowOrg: !a.IsCustomer()}
	}
	if p.ShowAudit = a.CanReadAudit(); p.ShowAudit {
		entries, _, err := s.svc.Audit.FindAuditEntries(ctx, itsm.AuditFilter{Limit: 5})
		if err != nil {
			return err
		}
		p.Audit = auditTable{Page: &p.basePage, Entries: auditRows(entries)}
	}
	return s.render(w, http.StatusOK, "home", p)
}

// canListUsers reports whether the actor may browse the list of people:
// those who read everything, and those who manage their own organisation's
// people (customer admins).
func canListUsers(a *itsm.Actor) bool {
	return a.ReadsEverything() || (!a.ReadOnly() && a.CanManageUsersIn(a.OrgID, a.OrgKind))
}

// canDecideRegistrations reports whether the actor approves registrations:
// programme managers and administrators, and customer admins for their own
// organisation.
func canDecideRegistrations(a *itsm.Actor) bool {
	return a.SignedIn() && !a.ReadOnly() && a.CanManageUsersIn(a.OrgID, a.OrgKind)
}
