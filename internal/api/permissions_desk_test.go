package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// deskPermissionCases are the service desk's endpoints tried by every
// caller (see TestPermissionMatrix). Customer A never sees customer B's
// tickets, files, escalations or agreements: 404 by ID, absent from lists.
func deskPermissionCases(e *env, d *desk) []permCase {
	fx := e.fx
	get := func(p string) func(*testing.T, *env, caller) request {
		return func(*testing.T, *env, caller) request { return request{method: http.MethodGet, path: p} }
	}
	send := func(method, p string, body func(t *testing.T, e *env, c caller) any) func(*testing.T, *env, caller) request {
		return func(t *testing.T, e *env, c caller) request {
			return request{method: method, path: p, body: body(t, e, c)}
		}
	}
	fixed := func(body any) func(*testing.T, *env, caller) any {
		return func(*testing.T, *env, caller) any { return body }
	}
	n := 0
	unique := func(c caller) string { n++; return fmt.Sprintf("%s-%d", c.name, n) }
	self := func(c caller) int64 {
		if c.user == nil {
			return fx.Admin.ID
		}
		return c.user.ID
	}
	customer := func(c caller) bool { return strings.HasPrefix(c.name, "customer") }
	tickets, problems, escalations := "/api/v1/tickets", "/api/v1/problems", "/api/v1/escalations"
	tA, tA2, tB := idPath(tickets, d.ticketA.ID), idPath(tickets, d.ticketA2.ID), idPath(tickets, d.ticketB.ID)
	anyone := want{s401, s200, s200, s200, s200, s200, s200, s200}
	notB := want{s401, s200, s200, s200, s200, s200, s404, s404}
	notProvider := want{s401, s200, s200, s200, s200, s404, s200, s200}

	// onlyVisible checks a page of tickets: customers see only A's,
	// the provider only those escalated to it.
	onlyVisible := func(t *testing.T, e *env, c caller, rep *reply) {
		var p page[itsm.Ticket]
		rep.MustDecode(t, &p)
		for _, tk := range p.Items {
			switch {
			case customer(c) && tk.OrgID != fx.CustomerA.ID:
				t.Errorf("%s sees %s of organisation %d", c.name, tk.Ref, tk.OrgID)
			case c.name == "provider_agent" && (tk.ProviderID == nil || *tk.ProviderID != fx.Provider.ID):
				t.Errorf("the provider sees %s, not escalated to it", tk.Ref)
			}
		}
	}
	// noInternal checks that customers see no internal events or files.
	noInternal := func(t *testing.T, e *env, c caller, rep *reply) {
		var p page[struct {
			Public bool `json:"public"`
		}]
		rep.MustDecode(t, &p)
		internal := 0
		for _, x := range p.Items {
			if !x.Public {
				internal++
			}
		}
		if customer(c) != (internal == 0) {
			t.Errorf("%s sees %d internal items of %d", c.name, internal, p.Total)
		}
	}
	// freshTicket makes a ticket of u's organisation, escalated to the
	// provider when escalated is set, and resolved when resolved is.
	freshTicket := func(t *testing.T, e *env, u *itsm.User, escalated, resolved bool) *itsm.Ticket {
		tk := e.MustNewTicket(t, u, "Fresh ticket")
		if escalated {
			tk = e.MustEscalateToProvider(t, tk)
		}
		if resolved {
			tk = e.MustResolve(t, tk)
		}
		return tk
	}
	simulation := map[string]any{"calendar": itsm.OfficeHoursSpec(), "targets": itsm.DefaultTargets(),
		"tickets": []any{map[string]any{"id": "a", "priority": "P3", "events": []any{map[string]any{"at": "2026-03-02T09:00:00Z", "type": "created"}}}}}

	return []permCase{
		// Tickets.
		{"list tickets", anyone, get(tickets), onlyVisible},
		{"list B's tickets", anyone, get(tickets + fmt.Sprintf("?organisation_id=%d", fx.CustomerB.ID)),
			func(t *testing.T, e *env, c caller, rep *reply) {
				onlyVisible(t, e, c, rep)
				var p page[itsm.Ticket]
				rep.MustDecode(t, &p)
				if customer(c) != (p.Total == 0) {
					t.Errorf("%s sees %d of B's tickets", c.name, p.Total)
				}
			}},
		{"get ticket B", notB, get(tB), nil},
		{"get ticket A2 (not escalated)", notProvider, get(tA2), nil},
		{"raise a ticket in A", want{s401, s201, s201, s201, s403, s403, s201, s201},
			send(http.MethodPost, tickets, fixed(map[string]any{"organisation_id": fx.CustomerA.ID, "title": "Cannot sign in", "description": "Since this morning."})),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var tk itsm.Ticket
				rep.MustDecode(t, &tk)
				if tk.OrgID != fx.CustomerA.ID || tk.RequesterID != c.user.ID {
					t.Errorf("%s raised %+v", c.name, tk)
				}
			}},
		{"raise a ticket in B", want{s401, s201, s201, s201, s403, s403, s400, s400},
			send(http.MethodPost, tickets, fixed(map[string]any{"organisation_id": fx.CustomerB.ID, "title": "Cannot sign in", "description": "Since this morning."})), nil},
		{"raise a ticket with a priority override", want{s401, s201, s201, s201, s403, s403, s403, s403},
			send(http.MethodPost, tickets, fixed(map[string]any{"organisation_id": fx.CustomerA.ID, "title": "Site down", "description": "Nobody can order.",
				"priority": "P1", "priority_reason": "Every customer is affected."})), nil},
		{"reclassify ticket A", want{s401, s200, s200, s200, s403, s200, s403, s403},
			send(http.MethodPatch, tA, func(t *testing.T, e *env, c caller) any {
				return map[string]any{"version": e.MustTicket(t, d.ticketA.ID).Version, "category": "Ordering and catalogues"}
			}), nil},
		{"reclassify ticket B", want{s401, s200, s200, s200, s403, s200, s404, s404},
			send(http.MethodPatch, tB, func(t *testing.T, e *env, c caller) any {
				return map[string]any{"version": e.MustTicket(t, d.ticketB.ID).Version, "service": "Invoicing"}
			}), nil},
		{"assign ticket A", want{s401, s200, s200, s200, s403, s403, s403, s403},
			send(http.MethodPatch, tA, func(t *testing.T, e *env, c caller) any {
				return map[string]any{"version": e.MustTicket(t, d.ticketA.ID).Version, "assignee_id": fx.Agent.ID}
			}), nil},
		{"re-open a ticket of A", want{s401, s200, s200, s200, s403, s403, s200, s200},
			func(t *testing.T, e *env, c caller) request {
				tk := freshTicket(t, e, fx.CustomerUserA, true, true)
				return request{method: http.MethodPost, path: idPath(tickets, tk.ID, "/reopen"), body: map[string]any{"reason": "Still broken.", "version": tk.Version}}
			}, nil},
		{"re-open a ticket of B", want{s401, s200, s200, s200, s403, s404, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				tk := freshTicket(t, e, fx.CustomerUserB, false, true)
				return request{method: http.MethodPost, path: idPath(tickets, tk.ID, "/reopen"), body: map[string]any{"reason": "Still broken.", "version": tk.Version}}
			}, nil},
		{"history of ticket A", anyone, get(tA + "/events"), noInternal},
		{"history of ticket B", notB, get(tB + "/events"), nil},
		{"reply on ticket A", want{s401, s201, s201, s201, s403, s201, s201, s201},
			send(http.MethodPost, tA+"/comments", fixed(map[string]any{"body": "Any news?"})), nil},
		{"internal note on ticket A", want{s401, s201, s201, s201, s403, s201, s403, s403},
			send(http.MethodPost, tA+"/comments", fixed(map[string]any{"body": "Checking the logs.", "internal": true})), nil},
		{"reply on ticket B", want{s401, s201, s201, s201, s403, s201, s404, s404},
			send(http.MethodPost, tB+"/comments", fixed(map[string]any{"body": "Any news?"})), nil},
		{"SLA of ticket A", anyone, get(tA + "/sla"),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var s ticketSLA
				rep.MustDecode(t, &s)
				if s.Response == nil || s.Resolution == nil || s.AgreementID == nil || *s.AgreementID != d.general.ID {
					t.Errorf("%s: SLA %+v", c.name, s)
				}
			}},
		{"SLA of ticket B", notB, get(tB + "/sla"), nil},

		// Files.
		{"files of ticket A", anyone, get(tA + "/attachments"), noInternal},
		{"files of ticket B", notB, get(tB + "/attachments"), nil},
		{"add a file to ticket A", want{s401, s201, s201, s201, s403, s201, s201, s201},
			func(t *testing.T, e *env, c caller) request {
				return uploadRequest(t, d.ticketA.ID, fileParts("screen-"+unique(c)+".png", png, false)...)
			}, nil},
		{"add an internal file to ticket A", want{s401, s201, s201, s201, s403, s201, s403, s403},
			func(t *testing.T, e *env, c caller) request {
				return uploadRequest(t, d.ticketA.ID, fileParts("trace.png", png, true)...)
			}, nil},
		{"add a file to ticket B", want{s401, s201, s201, s201, s403, s201, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				return uploadRequest(t, d.ticketB.ID, fileParts("b.png", png, false)...)
			}, nil},
		{"download A's file", anyone, get(idPath("/api/v1/attachments", d.fileA.ID)), nil},
		{"download A's internal file", notB, get(idPath("/api/v1/attachments", d.internalFileA.ID)), nil},
		{"download A2's file", notProvider, get(idPath("/api/v1/attachments", d.fileA2.ID)), nil},
		{"download B's file", notB, get(idPath("/api/v1/attachments", d.fileB.ID)), nil},

		// Watchers and links.
		{"watchers of ticket A", anyone, get(tA + "/watchers"), nil},
		{"watchers of ticket B", notB, get(tB + "/watchers"), nil},
		{"watch ticket A", want{s401, s204, s204, s204, s403, s204, s204, s204},
			send(http.MethodPost, tA+"/watchers", fixed(map[string]any{})), nil},
		{"watch ticket B", want{s401, s204, s204, s204, s403, s204, s404, s404},
			send(http.MethodPost, tB+"/watchers", fixed(map[string]any{})), nil},
		{"add customer admin A as a watcher of A", want{s401, s204, s204, s204, s403, s403, s204, s403},
			send(http.MethodPost, tA+"/watchers", fixed(map[string]any{"user_id": fx.CustomerAdminA.ID})), nil},
		{"stop watching ticket A", want{s401, s204, s204, s204, s403, s204, s204, s204},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodDelete, path: idPath(tickets, d.ticketA.ID, fmt.Sprintf("/watchers/%d", self(c)))}
			}, nil},
		{"remove customer user A from ticket A's watchers", want{s401, s204, s204, s204, s403, s403, s403, s204},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodDelete, path: idPath(tickets, d.ticketA.ID, fmt.Sprintf("/watchers/%d", fx.CustomerUserA.ID))}
			}, nil},
		{"links of ticket A", anyone, get(tA + "/links"), nil},
		{"links of ticket B", notB, get(tB + "/links"), nil},
		{"link ticket A to A2", want{s401, s201, s201, s201, s403, s403, s403, s403},
			send(http.MethodPost, tA+"/links", fixed(map[string]any{"kind": "related", "target_id": d.ticketA2.ID})), nil},

		// Problems.
		{"problems of ticket A", anyone, get(tA + "/problems"),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[map[string]any]
				rep.MustDecode(t, &p)
				full := 0
				for _, x := range p.Items {
					if _, ok := x["root_cause"]; ok {
						full++
					}
				}
				switch c.name {
				case "customer_admin_a", "customer_user_a":
					if p.Total != 1 || full != 0 {
						t.Errorf("%s sees %d problems, %d in full; want the known error only", c.name, p.Total, full)
					}
				case "provider_agent":
					if p.Total != 1 || full != 1 {
						t.Errorf("the provider sees %d problems, %d in full; want its own", p.Total, full)
					}
				default:
					if p.Total != 2 || full != 2 {
						t.Errorf("%s sees %d problems, %d in full", c.name, p.Total, full)
					}
				}
			}},
		{"list problems", want{s401, s200, s200, s200, s200, s200, s403, s403}, get(problems),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[itsm.Problem]
				rep.MustDecode(t, &p)
				for _, pr := range p.Items {
					if c.name == "provider_agent" && (pr.ProviderID == nil || *pr.ProviderID != fx.Provider.ID) {
						t.Errorf("the provider sees %s", pr.Ref)
					}
				}
			}},
		{"record a problem", want{s401, s201, s201, s201, s403, s403, s403, s403},
			send(http.MethodPost, problems, fixed(map[string]any{"title": "Slow searches"})), nil},
		{"get the provider's problem", notB, get(idPath(problems, d.problemP.ID)), nil},
		{"get a problem of nobody's", want{s401, s200, s200, s200, s200, s404, s404, s404}, get(idPath(problems, d.problemQ.ID)), nil},
		{"record a root cause", want{s401, s200, s200, s200, s403, s200, s404, s404},
			send(http.MethodPatch, idPath(problems, d.problemP.ID), func(t *testing.T, e *env, c caller) any {
				return map[string]any{"version": e.MustProblem(t, d.problemP.ID).Version, "root_cause": "A lock held by " + c.name}
			}), nil},
		{"reassign a problem", want{s401, s200, s200, s200, s403, s403, s404, s404},
			send(http.MethodPatch, idPath(problems, d.problemP.ID), func(t *testing.T, e *env, c caller) any {
				return map[string]any{"version": e.MustProblem(t, d.problemP.ID).Version, "owner_id": fx.Agent.ID}
			}), nil},
		{"incidents of the provider's problem", notB, get(idPath(problems, d.problemP.ID, "/incidents")), onlyVisible},
		{"link A2 to a problem", want{s401, s204, s204, s204, s403, s403, s404, s404},
			send(http.MethodPost, idPath(problems, d.problemP.ID, "/incidents"), fixed(map[string]any{"ticket_id": d.ticketA2.ID})), nil},
		{"unlink A2 from a problem", want{s401, s204, s204, s204, s403, s403, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodDelete, path: idPath(problems, d.problemP.ID, fmt.Sprintf("/incidents/%d", d.ticketA2.ID))}
			}, nil},

		// Escalations.
		{"escalate a ticket of A", want{s401, s201, s201, s201, s403, s403, s201, s201},
			func(t *testing.T, e *env, c caller) request {
				tk := freshTicket(t, e, fx.CustomerUserA, true, false)
				return request{method: http.MethodPost, path: idPath(tickets, tk.ID, "/escalate"), body: map[string]any{"reason": "Too slow."}}
			}, nil},
		{"escalate a ticket of B", want{s401, s201, s201, s201, s403, s404, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				tk := freshTicket(t, e, fx.CustomerUserB, false, false)
				return request{method: http.MethodPost, path: idPath(tickets, tk.ID, "/escalate"), body: map[string]any{"reason": "Too slow."}}
			}, nil},
		{"list escalations", anyone, get(escalations),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[itsm.Escalation]
				rep.MustDecode(t, &p)
				for _, x := range p.Items {
					if customer(c) && x.OrgID != fx.CustomerA.ID {
						t.Errorf("%s sees the escalation of %s", c.name, x.TicketRef)
					}
				}
				if p.Total == 0 {
					t.Errorf("%s sees no escalations", c.name)
				}
			}},
		{"get A's escalation", anyone, get(idPath(escalations, d.escalationA.ID)), nil},
		{"get B's escalation", notB, get(idPath(escalations, d.escalationB.ID)), nil},
		{"history of B's escalation", notB, get(idPath(escalations, d.escalationB.ID, "/history")), nil},
		{"note on A's escalation", want{s401, s200, s200, s200, s403, s403, s403, s403},
			send(http.MethodPost, idPath(escalations, d.escalationA.ID, "/actions"), func(t *testing.T, e *env, c caller) any {
				return map[string]any{"action": "note", "body": "Chased the provider.", "version": e.MustEscalation(t, d.escalationA.ID).Version}
			}), nil},
		{"the provider's escalation contacts", notB, get(idPath("/api/v1/organisations", fx.Provider.ID, "/escalation-contacts")), nil},
		{"customer A's escalation contacts", want{s401, s404, s404, s404, s404, s404, s404, s404},
			get(idPath("/api/v1/organisations", fx.CustomerA.ID, "/escalation-contacts")), nil},
		{"name an escalation contact", want{s401, s201, s201, s403, s403, s403, s404, s404},
			send(http.MethodPost, idPath("/api/v1/organisations", fx.Provider.ID, "/escalation-contacts"), func(t *testing.T, e *env, c caller) any {
				return map[string]any{"level": 2, "name": "Service Director", "email": "director-" + unique(c) + "@provider.test"}
			}), nil},
		{"remove an escalation contact", want{s401, s204, s204, s403, s403, s403, s403, s403},
			func(t *testing.T, e *env, c caller) request {
				contact := e.MustContact(t, "leaving-"+unique(c)+"@provider.test")
				return request{method: http.MethodDelete, path: idPath("/api/v1/escalation-contacts", contact.ID)}
			}, nil},

		// Service levels.
		{"list agreements", anyone, get("/api/v1/agreements"),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[json.RawMessage]
				rep.MustDecode(t, &p)
				if customer(c) != (p.Total == 1) {
					t.Errorf("%s sees %d agreements", c.name, p.Total)
				}
			}},
		{"get B's agreement", notB, get(idPath("/api/v1/agreements", d.betaOnly.ID)), nil},
		{"get the general agreement", anyone, get(idPath("/api/v1/agreements", d.general.ID)), nil},
		{"add an agreement", want{s401, s201, s201, s403, s403, s403, s403, s403},
			send(http.MethodPost, "/api/v1/agreements", func(t *testing.T, e *env, c caller) any {
				return map[string]any{"name": "Next year's agreement " + unique(c), "provider_id": fx.Provider.ID,
					"effective_from": time.Date(2030, 4, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339), "calendar": itsm.OfficeHoursSpec(), "targets": itsm.DefaultTargets()}
			}), nil},
		{"simulate", anyone, send(http.MethodPost, "/api/v1/sla/simulate", fixed(simulation)), nil},
		{"holidays", want{s200, s200, s200, s200, s200, s200, s200, s200}, get("/api/v1/holidays?set=scotland&year=2027"), nil},
	}
}
