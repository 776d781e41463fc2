package store

import (
	"context"
	"fmt"
	"time"

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
	if err := db.seedServiceDesk(ctx, orgs, accounts); err != nil {
		return nil, err
	}
	if err := db.seedChanges(ctx, orgs, accounts); err != nil {
		return nil, err
	}
	// @@CHANGES@@ (keep this marker line; add your entries above it)
	if err := db.seedCalendar(ctx); err != nil {
		return nil, err
	}
	// @@CALENDAR@@ (keep this marker line; add your entries above it)
	if err := db.seedRisks(ctx, orgs, accounts); err != nil {
		return nil, err
	}
	// @@RAID@@ (keep this marker line; add your entries above it)
	if err := db.seedDocuments(ctx, orgs); err != nil {
		return nil, err
	}
	// @@DOCUMENTS@@ (keep this marker line; add your entries above it)
	if err := db.seedIntegrations(ctx, orgs); err != nil {
		return nil, err
	}
	// @@INTEGRATIONS@@ (keep this marker line; add your entries above it)
	// @@MONITOR@@ (keep this marker line; add your entries above it)
	if err := db.seedReviews(ctx, orgs, accounts); err != nil {
		return nil, err
	}
	// @@REVIEWS@@ (keep this marker line; add your entries above it)
	if err := db.seedMonitor(ctx, orgs); err != nil {
		return nil, err
	}
	// @@STATUS@@ (keep this marker line; add your entries above it)
	return accounts, nil
}

// seedServiceDesk adds a service agreement and a fortnight of believable
// tickets, a problem and an escalation. It moves the clock back while it
// works so that the history has real ages and SLA clocks.
func (db *DB) seedServiceDesk(ctx context.Context, orgs map[string]*itsm.Organisation, accounts []DemoAccount) error {
	realNow := db.Now
	defer func() { db.Now = realNow }()
	start := realNow().UTC().Truncate(24*time.Hour).AddDate(0, 0, -14).Add(9 * time.Hour)
	clock := start
	db.Now = func() time.Time { return clock }
	at := func(d time.Duration) { clock = start.Add(d) }

	users := map[string]*itsm.User{}
	for _, a := range accounts {
		us, _, err := db.FindUsers(itsm.NewContextWithActor(ctx, itsm.SystemActor("demo seed")), itsm.UserFilter{Email: &a.Email, Limit: 1})
		if err != nil || len(us) == 0 {
			return fmt.Errorf("seed service desk: find %s: %v", a.Email, err)
		}
		users[a.Email] = us[0]
	}
	as := func(email string) context.Context {
		u := users[email]
		return itsm.NewContextWithActor(ctx, &itsm.Actor{UserID: u.ID, Name: u.Name, Email: u.Email, OrgID: u.OrgID, OrgKind: u.OrgKind, Role: u.Role, IP: "127.0.0.1"})
	}
	provider := orgs["Cairngorm Hosting Services Ltd"]
	at(-24 * time.Hour * 30)
	ag := &itsm.ServiceAgreement{Name: "Help desk service agreement 2026", ProviderID: provider.ID, EffectiveFrom: clock,
		Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
	if err := db.CreateAgreement(as("manager@programme.example"), ag); err != nil {
		return fmt.Errorf("seed agreement: %w", err)
	}
	for level, c := range []struct{ name, email string }{{"Service Desk Lead", "servicedesk@cairngorm.example"}, {"Account Manager", "accounts@cairngorm.example"}, {"Operations Director", "director@cairngorm.example"}} {
		if err := db.AddEscalationContact(as("manager@programme.example"), &itsm.EscalationContact{ProviderID: provider.ID, Level: level + 1, Name: c.name, Email: c.email}); err != nil {
			return fmt.Errorf("seed escalation contact: %w", err)
		}
	}
	agentID := users["agent@programme.example"].ID
	type step func(t *itsm.Ticket) (*itsm.Ticket, error)
	reply := func(email, body string) step {
		return func(t *itsm.Ticket) (*itsm.Ticket, error) {
			_, err := db.AddComment(as(email), t.ID, itsm.Comment{Body: body})
			if err != nil {
				return nil, err
			}
			return db.FindTicketByID(as("agent@programme.example"), t.ID)
		}
	}
	move := func(email string, upd itsm.TicketUpdate) step {
		return func(t *itsm.Ticket) (*itsm.Ticket, error) {
			upd.Version = t.Version
			return db.UpdateTicket(as(email), t.ID, upd)
		}
	}
	status := func(s itsm.TicketStatus) *itsm.TicketStatus { return &s }
	assign := move("agent@programme.example", itsm.TicketUpdate{AssigneeID: &agentID})
	escalate := move("agent@programme.example", itsm.TicketUpdate{ProviderID: &provider.ID, Status: status(itsm.StatusPendingProvider)})
	tickets := []struct {
		day       int
		requester string
		n         itsm.NewTicket
		steps     []step
	}{
		{0, "buyer@glenmorven.example", itsm.NewTicket{Title: "Cannot approve purchase orders over £5,000", Description: "Since this morning the **Approve** button on orders above £5,000 shows an error.\n\nAbout 12 buyers are affected.", Category: "Ordering and catalogues", Service: "Purchasing", Impact: itsm.High, Urgency: itsm.Medium},
			[]step{assign, reply("agent@programme.example", "Thank you, we can reproduce this and have passed it to the provider."), escalate,
				move("agent@cairngorm.example", itsm.TicketUpdate{Status: status(itsm.StatusResolved), Note: "A configuration change to approval limits was reverted."})}},
		{1, "finance@strathallan.example", itsm.NewTicket{Type: itsm.Request, Title: "How do we export invoices to our finance system?", Description: "We are moving to a new ledger and need the nightly invoice export in UBL.", Category: "Finance integration", Service: "Integration", Impact: itsm.Low, Urgency: itsm.Medium},
			[]step{assign, reply("agent@programme.example", "The nightly export supports UBL 2.1; we will send the set-up guide."), move("agent@programme.example", itsm.TicketUpdate{Status: status(itsm.StatusPendingCustomer)})}},
		{3, "procurement@inverdee.example", itsm.NewTicket{Title: "Supplier search is very slow", Description: "Searching the supplier directory takes over 30 seconds.", Category: "Performance", Service: "Supplier directory", Impact: itsm.Medium, Urgency: itsm.Medium},
			[]step{assign, escalate}},
		{6, "buyer@glenmorven.example", itsm.NewTicket{Title: "Catalogue prices not updated", Description: "The stationery catalogue still shows last year's prices.", Category: "Ordering and catalogues", Service: "Catalogues", Impact: itsm.Low, Urgency: itsm.Low}, nil},
		{9, "finance@strathallan.example", itsm.NewTicket{Title: "PEPPOL invoices rejected", Description: "Invoices from three suppliers were rejected by the access point overnight.", Category: "Invoices and payments", Service: "e-Invoicing", Impact: itsm.High, Urgency: itsm.High},
			[]step{assign, reply("agent@programme.example", "We are investigating with the provider."), escalate}},
		{12, "procurement@inverdee.example", itsm.NewTicket{Title: "New starters cannot sign in", Description: "Two new members of staff get 'account locked' on first sign-in.", Category: "Access and sign-in", Service: "Purchasing", Impact: itsm.Medium, Urgency: itsm.High}, nil},
	}
	var made []*itsm.Ticket
	for i, tk := range tickets {
		at(time.Duration(tk.day)*24*time.Hour + time.Duration(i%3)*37*time.Minute)
		t, err := db.CreateTicket(as(tk.requester), tk.n)
		if err != nil {
			return fmt.Errorf("seed ticket %q: %w", tk.n.Title, err)
		}
		for j, s := range tk.steps {
			clock = clock.Add(time.Duration(40+j*25) * time.Minute)
			if t, err = s(t); err != nil {
				return fmt.Errorf("seed ticket %q step %d: %w", tk.n.Title, j, err)
			}
		}
		made = append(made, t)
	}
	at(4 * 24 * time.Hour)
	p := &itsm.Problem{Title: "Approval limits reset by provider configuration deployments", Description: "Deployments overwrite customer-specific approval limits.",
		RootCause: "The deployment script applies default limits.", Workaround: "Re-apply the customer's limits from the admin console.", KnownError: true, ProviderID: &provider.ID}
	if err := db.CreateProblem(as("agent@programme.example"), p); err != nil {
		return fmt.Errorf("seed problem: %w", err)
	}
	if err := db.LinkIncident(as("agent@programme.example"), p.ID, made[0].ID); err != nil {
		return fmt.Errorf("seed problem link: %w", err)
	}
	if _, err := db.Escalate(as("buyer@glenmorven.example"), made[0].ID, "The same fault came back after the next deployment; we need a permanent fix."); err != nil {
		return fmt.Errorf("seed escalation: %w", err)
	}
	return nil
}
