package web_test

import (
	"fmt"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// desk is a small service desk on top of the fixture: a general agreement
// and customer B's own, customer A's ticket escalated to the provider and
// customer B's handled by the desk, a problem assigned to the provider
// (linked to A's ticket) and one assigned to nobody, and each ticket's
// customer escalation.
type desk struct {
	general, agreementB *itsm.ServiceAgreement
	ticketA, ticketB    *itsm.Ticket
	problem, unassigned *itsm.Problem
	escalationA         *itsm.Escalation // on the provider's ticket
	escalationB         *itsm.Escalation
}

// mustAgreement adds an agreement with office hours and the default
// targets, for every customer or for one.
func (e *env) mustAgreement(name string, customer *itsm.Organisation, from time.Time) *itsm.ServiceAgreement {
	e.t.Helper()
	ag := &itsm.ServiceAgreement{Name: name, ProviderID: e.f.Provider.ID, EffectiveFrom: from,
		Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
	if customer != nil {
		ag.CustomerID = &customer.ID
	}
	if err := e.db.CreateAgreement(storetest.As(e.f.Manager), ag); err != nil {
		e.t.Fatalf("create agreement: %v", err)
	}
	return ag
}

// mustTicket raises a ticket as the customer user, medium impact and
// urgency (P3).
func (e *env) mustTicket(u *itsm.User, title string) *itsm.Ticket {
	e.t.Helper()
	tk, err := e.db.CreateTicket(storetest.As(u), itsm.NewTicket{Title: title, Description: "Seeded for the management pages.", Impact: itsm.Medium, Urgency: itsm.Medium})
	if err != nil {
		e.t.Fatalf("create ticket: %v", err)
	}
	return tk
}

// mustUpdate changes a ticket as u, at its current version.
func (e *env) mustUpdate(u *itsm.User, tk *itsm.Ticket, upd itsm.TicketUpdate) *itsm.Ticket {
	e.t.Helper()
	cur, err := e.db.FindTicketByID(storetest.System(), tk.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	upd.Version = cur.Version
	out, err := e.db.UpdateTicket(storetest.As(u), tk.ID, upd)
	if err != nil {
		e.t.Fatalf("update %s: %v", tk.Ref, err)
	}
	return out
}

// mustEscalation raises a new ticket for the customer user (escalated to
// the provider when toProvider), resolves it, and lets the customer
// dispute the resolution.
func (e *env) mustEscalation(u *itsm.User, toProvider bool) (*itsm.Ticket, *itsm.Escalation) {
	e.t.Helper()
	tk := e.mustTicket(u, fmt.Sprintf("Orders fail %d", next()))
	resolver := e.f.Agent
	if toProvider {
		p := e.f.Provider.ID
		e.mustUpdate(e.f.Agent, tk, itsm.TicketUpdate{ProviderID: &p})
		resolver = e.f.ProviderAgent
	}
	resolved := itsm.StatusResolved
	tk = e.mustUpdate(resolver, tk, itsm.TicketUpdate{Status: &resolved, Note: "Fixed."})
	esc, err := e.db.Escalate(storetest.As(u), tk.ID, "It is not fixed: orders still fail.")
	if err != nil {
		e.t.Fatalf("escalate %s: %v", tk.Ref, err)
	}
	return tk, esc
}

// mustProblem records a problem as the agent.
func (e *env) mustProblem(title string, provider *itsm.Organisation) *itsm.Problem {
	e.t.Helper()
	p := &itsm.Problem{Title: title, Description: "Seeded.", RootCause: "Unknown yet."}
	if provider != nil {
		p.ProviderID = &provider.ID
	}
	if err := e.db.CreateProblem(storetest.As(e.f.Agent), p); err != nil {
		e.t.Fatalf("create problem: %v", err)
	}
	return p
}

// mustEscalationByID reads an escalation as the system.
func (e *env) mustEscalationByID(id int64) *itsm.Escalation {
	e.t.Helper()
	esc, err := e.db.FindEscalationByID(storetest.System(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return esc
}

// mustProblemByID reads a problem as the system.
func (e *env) mustProblemByID(id int64) *itsm.Problem {
	e.t.Helper()
	p, err := e.db.FindProblemByID(storetest.System(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) mustDesk() *desk {
	e.t.Helper()
	d := &desk{
		general:    e.mustAgreement("Help desk agreement", nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		agreementB: e.mustAgreement("Beta's own agreement", e.f.CustomerB, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
	}
	d.ticketA, d.escalationA = e.mustEscalation(e.f.CustomerUserA, true)
	d.ticketB, d.escalationB = e.mustEscalation(e.f.CustomerUserB, false)
	d.problem = e.mustProblem("Orders over £10,000 fail", e.f.Provider)
	d.unassigned = e.mustProblem("Slow catalogue search", nil)
	if err := e.db.LinkIncident(storetest.As(e.f.Agent), d.problem.ID, d.ticketA.ID); err != nil {
		e.t.Fatal(err)
	}
	return d
}
