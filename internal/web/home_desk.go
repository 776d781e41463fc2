package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/steward-itsm/steward/internal/itsm"
)

// deskFigure is one count on the service-desk dashboard, with the queue it
// comes from.
type deskFigure struct {
	Label string
	Count int
	Href  string
}

// deskDashboard is the service desk at a glance: what is open, by
// priority, what needs someone, what is breaching, what waits on others,
// and the open escalations. Every figure links to the list it counts.
type deskDashboard struct {
	ByPriority []deskFigure
	Queues     []deskFigure
}

// customerDesk is the customer area's view of the service desk: the
// organisation's open tickets and the way to report another.
type customerDesk struct {
	CanRaise  bool
	Open      ticketTable
	OpenTotal int
}

// countTickets counts the tickets a filter selects.
func (s *Server) countTickets(ctx context.Context, f itsm.TicketFilter) (int, error) {
	f.Limit = 1
	_, n, err := s.svc.Tickets.FindTickets(ctx, f)
	return n, err
}

// deskDashboardFor counts the figures the viewer's role works with:
// staff and auditors see every ticket, providers those escalated to them.
func (s *Server) deskDashboardFor(r *http.Request, a *itsm.Actor) (*deskDashboard, error) {
	ctx := r.Context()
	open := true
	now := s.now()
	soon := now.Add(breachingSoonWindow)
	d := &deskDashboard{}
	for _, p := range itsm.Priorities {
		n, err := s.countTickets(ctx, itsm.TicketFilter{Open: &open, Priority: &p})
		if err != nil {
			return nil, err
		}
		d.ByPriority = append(d.ByPriority, deskFigure{Label: p, Count: n, Href: "/tickets?" + url.Values{"status": {"open"}, "priority": {p}}.Encode()})
	}
	queues := []struct {
		label string
		f     itsm.TicketFilter
		query url.Values
		show  bool
	}{
		{"Unassigned", itsm.TicketFilter{Unassigned: true}, url.Values{"assignee": {"none"}}, a.ReadsEverything()},
		{"Breached or due within 4 hours", itsm.TicketFilter{BreachingBefore: &soon}, url.Values{"due": {"soon"}, "sort": {"due"}}, true},
		{"Breached (past due)", itsm.TicketFilter{BreachingBefore: &now}, url.Values{"due": {"breached"}, "sort": {"due"}}, true},
		{"Pending customer", itsm.TicketFilter{Status: []itsm.TicketStatus{itsm.StatusPendingCustomer}}, url.Values{"status": {string(itsm.StatusPendingCustomer)}}, true},
		{"Pending provider", itsm.TicketFilter{Status: []itsm.TicketStatus{itsm.StatusPendingProvider}}, url.Values{"status": {string(itsm.StatusPendingProvider)}}, true},
	}
	for _, q := range queues {
		if !q.show {
			continue
		}
		n, err := s.countTickets(ctx, q.f)
		if err != nil {
			return nil, err
		}
		d.Queues = append(d.Queues, deskFigure{Label: q.label, Count: n, Href: "/tickets?" + q.query.Encode()})
	}
	_, n, err := s.svc.Escalations.FindEscalations(ctx, itsm.EscalationFilter{Open: &open, Limit: 1})
	if err != nil {
		return nil, err
	}
	d.Queues = append(d.Queues, deskFigure{Label: "Open escalations", Count: n, Href: "/escalations"})
	return d, nil
}

// customerDeskFor lists the customer's organisation's open tickets.
func (s *Server) customerDeskFor(r *http.Request, a *itsm.Actor, p *basePage) (*customerDesk, error) {
	open := true
	tickets, total, err := s.svc.Tickets.FindTickets(r.Context(), itsm.TicketFilter{Open: &open, Sort: "-updated", Limit: 10})
	if err != nil {
		return nil, err
	}
	return &customerDesk{CanRaise: canRaiseTickets(a) == nil, OpenTotal: total,
		Open: ticketTable{Page: p, Rows: ticketRows(tickets, s.now()), Caption: "Your organisation's open tickets, most recently changed first", HideCaption: true}}, nil
}
