package store

import (
	"context"
	"fmt"

	"github.com/steward-itsm/steward/internal/itsm"
)

// DemoAccount is one demonstration sign-in, printed once by `serve --demo`.
type DemoAccount struct {
	Email, Password, Name string
	Role                  itsm.Role
	Organisation          string
}

// IsEmpty reports whether the database holds no organisations yet, the only
// state in which demonstration data may be seeded.
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n); err != nil {
		return false, fmt.Errorf("count organisations: %w", err)
	}
	return n == 0, nil
}

// SeedDemo fills an empty database with a believable programme: the
// programme team, one provider, a council, a health board and a university,
// a person of every role (with fresh random passwords, returned once), and
// pending registrations waiting for approval.
func (db *DB) SeedDemo(ctx context.Context) ([]DemoAccount, error) {
	empty, err := db.IsEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, itsm.Errorf(itsm.ECONFLICT, "The database already holds data; demonstration data is only added to an empty database.")
	}
	sys := itsm.NewContextWithActor(ctx, itsm.SystemActor("demo seed"))
	orgs := map[string]*itsm.Organisation{}
	for _, o := range []struct {
		name string
		kind itsm.OrgKind
	}{
		{"National e-Procurement Programme", itsm.OrgProgramme},
		{"Cairngorm Hosting Services Ltd", itsm.OrgProvider},
		{"Glenmorven Council", itsm.OrgCustomer},
		{"NHS Strathallan", itsm.OrgCustomer},
		{"University of Inverdee", itsm.OrgCustomer},
	} {
		org := &itsm.Organisation{Name: o.name, Kind: o.kind}
		if err := db.CreateOrganisation(sys, org); err != nil {
			return nil, fmt.Errorf("seed organisation %s: %w", o.name, err)
		}
		orgs[o.name] = org
	}
	var accounts []DemoAccount
	people := []struct {
		org, email, name string
		role             itsm.Role
	}{
		{"National e-Procurement Programme", "admin@programme.example", "Isla Fraser", itsm.RoleAdmin},
		{"National e-Procurement Programme", "manager@programme.example", "Hamish Grant", itsm.RoleManager},
		{"National e-Procurement Programme", "agent@programme.example", "Eilidh MacLeod", itsm.RoleAgent},
		{"National e-Procurement Programme", "auditor@programme.example", "Ruaridh Campbell", itsm.RoleAuditor},
		{"Cairngorm Hosting Services Ltd", "agent@cairngorm.example", "Priya Shah", itsm.RoleProviderAgent},
		{"Glenmorven Council", "admin@glenmorven.example", "Fiona Stewart", itsm.RoleCustomerAdmin},
		{"Glenmorven Council", "buyer@glenmorven.example", "Duncan Reid", itsm.RoleCustomerUser},
		{"NHS Strathallan", "admin@strathallan.example", "Morag Wilson", itsm.RoleCustomerAdmin},
		{"NHS Strathallan", "finance@strathallan.example", "Callum Murray", itsm.RoleCustomerUser},
		{"University of Inverdee", "admin@inverdee.example", "Ailsa Robertson", itsm.RoleCustomerAdmin},
		{"University of Inverdee", "procurement@inverdee.example", "Kirsty Thomson", itsm.RoleCustomerUser},
	}
	for _, p := range people {
		password := randomToken(12)
		u := &itsm.User{OrgID: orgs[p.org].ID, Email: p.email, Name: p.name, Role: p.role}
		if err := db.CreateUser(sys, u, password); err != nil {
			return nil, fmt.Errorf("seed user %s: %w", p.email, err)
		}
		accounts = append(accounts, DemoAccount{Email: p.email, Password: password, Name: p.name, Role: p.role, Organisation: p.org})
	}
	for _, r := range []itsm.Registration{
		{OrgID: orgs["Glenmorven Council"].ID, Name: "Euan Paterson", Email: "e.paterson@glenmorven.example"},
		{OrgID: orgs["University of Inverdee"].ID, Name: "Mhairi Ross", Email: "m.ross@inverdee.example"},
	} {
		r.Password = randomToken(12)
		if _, err := db.Register(itsm.NewContextWithActor(ctx, itsm.Anonymous("127.0.0.1")), r); err != nil {
			return nil, fmt.Errorf("seed registration %s: %w", r.Email, err)
		}
	}
	return accounts, nil
}
