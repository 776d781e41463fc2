package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// deskBodyEndpoints are the service desk's endpoints that read a JSON
// body, each with a valid body for a record of its own, so that applying
// one leaves the others valid.
func deskBodyEndpoints(t *testing.T, e *env) []bodyEndpoint {
	fx := e.fx
	n := e.MustCount(t).tickets
	e.MustAgreement(t, fmt.Sprintf("Agreement %d", n), nil, e.db.Now().AddDate(0, -1, 0))
	ticket := func() *itsm.Ticket { return e.MustNewTicket(t, fx.CustomerUserA, "Ticket for a body") }
	changed, resolved, escalated := ticket(), e.MustResolve(t, ticket()), ticket()
	problem := &itsm.Problem{Title: "Problem for a body"}
	if err := e.db.CreateProblem(storetest.As(fx.Agent), problem); err != nil {
		t.Fatal(err)
	}
	disputed, err := e.db.Escalate(storetest.As(fx.CustomerUserA), ticket().ID, "Not fixed.")
	if err != nil {
		t.Fatal(err)
	}
	admin := fx.Admin
	return []bodyEndpoint{
		{"raise ticket", http.MethodPost, "/api/v1/tickets", admin,
			map[string]any{"type": "request", "organisation_id": fx.CustomerA.ID, "requester_id": fx.CustomerUserA.ID, "title": "How do I add a supplier?",
				"description": "Step by step, please.", "category": "How to", "service": "Purchasing", "component": "Suppliers", "impact": "low", "urgency": "low",
				"priority": "P3", "priority_reason": "The customer asked for it this week."}},
		{"change ticket", http.MethodPatch, idPath("/api/v1/tickets", changed.ID), admin,
			map[string]any{"version": changed.Version, "status": "in progress", "priority": "P2", "priority_reason": "Finance year end.",
				"assignee_id": fx.Agent.ID, "provider_id": fx.Provider.ID, "category": "Reports", "service": "Reporting", "component": "Exports", "note": "On it."}},
		{"re-open ticket", http.MethodPost, idPath("/api/v1/tickets", resolved.ID, "/reopen"), admin,
			map[string]any{"reason": "The customer says it is still broken.", "version": resolved.Version}},
		{"reply", http.MethodPost, idPath("/api/v1/tickets", changed.ID, "/comments"), admin,
			map[string]any{"body": "We are looking into it.", "internal": false}},
		{"watch", http.MethodPost, idPath("/api/v1/tickets", changed.ID, "/watchers"), admin,
			map[string]any{"user_id": fx.CustomerAdminA.ID}},
		{"link", http.MethodPost, idPath("/api/v1/tickets", changed.ID, "/links"), admin,
			map[string]any{"kind": "duplicate_of", "target_id": resolved.ID}},
		{"escalate", http.MethodPost, idPath("/api/v1/tickets", escalated.ID, "/escalate"), admin,
			map[string]any{"reason": "Raised on the customer's behalf."}},
		{"record problem", http.MethodPost, "/api/v1/problems", admin,
			map[string]any{"title": "Exports time out", "description": "Large exports fail.", "root_cause": "Unknown.", "workaround": "Export a month at a time.",
				"known_error": true, "status": "investigating", "provider_id": fx.Provider.ID, "owner_id": fx.Agent.ID}},
		{"change problem", http.MethodPatch, idPath("/api/v1/problems", problem.ID), admin,
			map[string]any{"version": problem.Version, "title": "Exports time out after 30 s", "description": "Large exports fail.", "root_cause": "A proxy timeout.",
				"workaround": "Export a month at a time.", "known_error": true, "status": "resolved", "provider_id": fx.Provider.ID, "owner_id": fx.Agent.ID}},
		{"link incident", http.MethodPost, idPath("/api/v1/problems", problem.ID, "/incidents"), admin,
			map[string]any{"ticket_id": changed.ID}},
		{"act on escalation", http.MethodPost, idPath("/api/v1/escalations", disputed.ID, "/actions"), admin,
			map[string]any{"action": "acknowledge", "body": "Taking this on.", "owner_id": fx.Manager.ID, "version": disputed.Version}},
		{"name escalation contact", http.MethodPost, idPath("/api/v1/organisations", fx.Provider.ID, "/escalation-contacts"), admin,
			map[string]any{"level": 3, "name": "Chief Executive", "email": "ceo@provider.test"}},
		{"add agreement", http.MethodPost, "/api/v1/agreements", admin,
			map[string]any{"name": "Beta's agreement", "provider_id": fx.Provider.ID, "customer_id": fx.CustomerB.ID, "effective_from": "2026-04-01T00:00:00+01:00",
				"calendar":       map[string]any{"timezone": "Europe/London", "week": map[string]any{"mon": [][]string{{"08:00", "12:30"}, {"13:30", "17:00"}}}, "holiday_set": "scotland"},
				"targets":        map[string]any{"P1": map[string]any{"response": "30m", "resolution": "4h"}, "P2": map[string]any{"response": "1h", "resolution": "8h"}, "P3": map[string]any{"response": "4h", "resolution": "24h"}, "P4": map[string]any{"response": "8h", "resolution": "40h"}},
				"pause_statuses": []string{"pending customer", "pending provider"}, "warn_fractions": []float64{0.5, 0.8}}},
		{"simulate", http.MethodPost, "/api/v1/sla/simulate", fx.Agent,
			map[string]any{"calendar": map[string]any{"week": map[string]any{"mon": [][]string{{"09:00", "17:00"}}}}, "targets": map[string]any{"P1": map[string]any{"response": "1h", "resolution": "4h"}},
				"pause_statuses": []string{}, "now": "2026-03-02T12:00:00Z",
				"tickets": []any{map[string]any{"id": "INC-1", "priority": "P1", "events": []any{map[string]any{"at": "2026-03-02T09:00:00Z", "type": "created"}}}}}},
	}
}
