package storetest

import (
	"context"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
)

// Password is the password of every fixture user.
const Password = "correct horse battery staple"

// Fixture is a small programme: the programme, one provider, two customers
// (A and B) and one person of every role.
type Fixture struct {
	Programme, Provider, CustomerA, CustomerB *itsm.Organisation
	Admin, Manager, Agent, Auditor            *itsm.User
	ProviderAgent                             *itsm.User
	CustomerAdminA, CustomerUserA             *itsm.User
	CustomerAdminB, CustomerUserB             *itsm.User
}

// Users returns every fixture user.
func (f *Fixture) Users() []*itsm.User {
	return []*itsm.User{f.Admin, f.Manager, f.Agent, f.Auditor, f.ProviderAgent, f.CustomerAdminA, f.CustomerUserA, f.CustomerAdminB, f.CustomerUserB}
}

// Actor returns the actor for a fixture user.
func Actor(u *itsm.User) *itsm.Actor {
	return &itsm.Actor{UserID: u.ID, Name: u.Name, Email: u.Email, OrgID: u.OrgID, OrgKind: u.OrgKind, Role: u.Role, IP: "192.0.2.1"}
}

// As returns a context acting as the fixture user.
func As(u *itsm.User) context.Context { return Ctx(Actor(u)) }

// MustSeed creates the fixture in db.
func MustSeed(tb testing.TB, db *store.DB) *Fixture {
	tb.Helper()
	ctx := System()
	org := func(name string, kind itsm.OrgKind) *itsm.Organisation {
		o := &itsm.Organisation{Name: name, Kind: kind}
		if err := db.CreateOrganisation(ctx, o); err != nil {
			tb.Fatalf("seed organisation %s: %v", name, err)
		}
		return o
	}
	f := &Fixture{
		Programme: org("Programme Team", itsm.OrgProgramme),
		Provider:  org("Hosting Provider Ltd", itsm.OrgProvider),
		CustomerA: org("Alpha Council", itsm.OrgCustomer),
		CustomerB: org("Beta Health Board", itsm.OrgCustomer),
	}
	user := func(o *itsm.Organisation, email, name string, role itsm.Role) *itsm.User {
		u := &itsm.User{OrgID: o.ID, Email: email, Name: name, Role: role}
		if err := db.CreateUser(ctx, u, Password); err != nil {
			tb.Fatalf("seed user %s: %v", email, err)
		}
		return u
	}
	f.Admin = user(f.Programme, "admin@programme.test", "Ada Admin", itsm.RoleAdmin)
	f.Manager = user(f.Programme, "manager@programme.test", "Morag Manager", itsm.RoleManager)
	f.Agent = user(f.Programme, "agent@programme.test", "Angus Agent", itsm.RoleAgent)
	f.Auditor = user(f.Programme, "auditor@programme.test", "Aileen Auditor", itsm.RoleAuditor)
	f.ProviderAgent = user(f.Provider, "agent@provider.test", "Priya Provider", itsm.RoleProviderAgent)
	f.CustomerAdminA = user(f.CustomerA, "admin@alpha.test", "Callum Alpha-Admin", itsm.RoleCustomerAdmin)
	f.CustomerUserA = user(f.CustomerA, "user@alpha.test", "Catriona Alpha-User", itsm.RoleCustomerUser)
	f.CustomerAdminB = user(f.CustomerB, "admin@beta.test", "Brodie Beta-Admin", itsm.RoleCustomerAdmin)
	f.CustomerUserB = user(f.CustomerB, "user@beta.test", "Bethany Beta-User", itsm.RoleCustomerUser)
	return f
}
