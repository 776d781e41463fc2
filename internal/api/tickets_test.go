package api

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// MustField fails unless the reply is a 400 naming field.
func (r *reply) MustField(tb testing.TB, field string) errorDetail {
	tb.Helper()
	d := r.MustError(tb, http.StatusBadRequest, itsm.EINVALID)
	if d.Fields[field] == "" {
		tb.Fatalf("the error does not name %s: %+v", field, d)
	}
	return d
}

// TestTicketLifecycle follows a ticket from a customer's report through
// assignment, replies, escalation to the provider, resolution and
// re-opening, with the refusals along the way.
func TestTicketLifecycle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		e.MustAgreement(t, "Help desk agreement", nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		clock := storetest.ClockOf(db) // Monday 2 March 2026, 09:00 GMT
		cust, agent := fx.CustomerUserA, fx.Agent

		// A customer raises an incident: priority from impact × urgency.
		rep := e.send(t, cust, http.MethodPost, "/api/v1/tickets", map[string]any{"title": "Cannot approve orders", "description": "The button does nothing.",
			"impact": "medium", "urgency": "medium"}).MustStatus(t, http.StatusCreated)
		var tk itsm.Ticket
		rep.MustDecode(t, &tk)
		path := rep.header.Get("Location")
		if tk.Ref != "INC-000001" || tk.Priority != "P3" || tk.OrgID != fx.CustomerA.ID || tk.RequesterID != cust.ID || tk.Status != itsm.StatusNew ||
			path != idPath("/api/v1/tickets", tk.ID) || rep.header.Get("ETag") != `W/"1"` {
			t.Fatalf("raised %+v at %s, ETag %s", tk, path, rep.header.Get("ETag"))
		}
		if want := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC); tk.ResponseDue == nil || !tk.ResponseDue.Equal(want) {
			t.Fatalf("response due %v, want %v", tk.ResponseDue, want)
		}
		if got := e.get(t, cust, path).MustStatus(t, http.StatusOK); got.header.Get("ETag") != etag(tk.Version) {
			t.Fatalf("GET ETag %s", got.header.Get("ETag"))
		}

		// Customers raise tickets for their own organisation, as themselves.
		before := e.MustCount(t)
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"organisation_id": fx.CustomerB.ID, "title": "T", "description": "D"}, "organisation_id"},
			{map[string]any{"requester_id": fx.CustomerAdminA.ID, "title": "T", "description": "D"}, "requester_id"},
			{map[string]any{"title": "T", "description": "D", "priority_reason": "Because."}, "priority_reason"},
			{map[string]any{"title": "  ", "description": "D"}, "title"},
			{map[string]any{"title": "T"}, "description"},
			{map[string]any{"title": "T", "description": "D", "type": "complaint"}, "type"},
			{map[string]any{"title": "T", "description": "D", "impact": "severe"}, "impact"},
			{map[string]any{"title": "T\u0007", "description": "D"}, "title"},
		} {
			e.send(t, cust, http.MethodPost, "/api/v1/tickets", c.body).MustField(t, c.field)
		}
		// The desk raises on someone's behalf and may override the priority.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"title": "T", "description": "D"}, "organisation_id"},
			{map[string]any{"organisation_id": fx.Provider.ID, "title": "T", "description": "D"}, "organisation_id"},
			{map[string]any{"organisation_id": fx.CustomerA.ID, "requester_id": fx.CustomerUserB.ID, "title": "T", "description": "D"}, "requester_id"},
			{map[string]any{"organisation_id": fx.CustomerA.ID, "title": "T", "description": "D", "priority": "P1"}, "priority_reason"},
			{map[string]any{"organisation_id": fx.CustomerA.ID, "title": "T", "description": "D", "priority": "P0", "priority_reason": "R"}, "priority"},
		} {
			e.send(t, agent, http.MethodPost, "/api/v1/tickets", c.body).MustField(t, c.field)
		}
		e.MustUnchanged(t, before)
		var req itsm.Ticket
		e.send(t, agent, http.MethodPost, "/api/v1/tickets", map[string]any{"type": "request", "organisation_id": fx.CustomerA.ID, "requester_id": fx.CustomerAdminA.ID,
			"title": "New starter", "description": "Please set up an account.", "priority": "P1", "priority_reason": "Starts tomorrow."}).
			MustStatus(t, http.StatusCreated).MustDecode(t, &req)
		if req.Ref != "REQ-000001" || req.Priority != "P1" || req.RequesterID != fx.CustomerAdminA.ID {
			t.Fatalf("raised on behalf: %+v", req)
		}

		// An hour later the agent takes it and replies: the response is met.
		clock.Advance(time.Hour)
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": tk.Version, "assignee_id": agent.ID}).MustStatus(t, http.StatusOK).MustDecode(t, &tk)
		if tk.Status != itsm.StatusAssigned || tk.AssigneeID == nil || *tk.AssigneeID != agent.ID || tk.Assignee != agent.Name {
			t.Fatalf("assigned: %+v", tk)
		}
		var ev itsm.TicketEvent
		e.send(t, agent, http.MethodPost, path+"/comments", map[string]any{"body": "Looking into it."}).MustStatus(t, http.StatusCreated).MustDecode(t, &ev)
		if ev.Type != "public_reply" || ev.By != "staff" || !ev.Public || ev.TicketID != tk.ID || ev.ActorID == nil || *ev.ActorID != agent.ID {
			t.Fatalf("reply: %+v", ev)
		}
		if got := e.MustTicket(t, tk.ID); got.ResponseMetAt == nil || !got.ResponseMetAt.Equal(clock.Now()) {
			t.Fatalf("response met at %v", got.ResponseMetAt)
		}
		// An internal note the customer does not see.
		e.send(t, agent, http.MethodPost, path+"/comments", map[string]any{"body": "Suspect the provider's release.", "internal": true}).MustStatus(t, http.StatusCreated)
		e.send(t, cust, http.MethodPost, path+"/comments", map[string]any{"body": " \n "}).MustField(t, "body")

		// Waiting for the customer, whose reply puts it back in progress.
		tk = *e.MustTicket(t, tk.ID)
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": tk.Version, "status": "pending customer"}).MustStatus(t, http.StatusOK)
		e.send(t, cust, http.MethodPost, path+"/comments", map[string]any{"body": "Here is a screenshot."}).MustStatus(t, http.StatusCreated)
		tk = *e.MustTicket(t, tk.ID)
		if tk.Status != itsm.StatusInProgress {
			t.Fatalf("after the customer's reply: %s", tk.Status)
		}

		// Changes that are refused, changing nothing.
		before = e.MustCount(t)
		stale := e.send(t, agent, http.MethodPatch, path, map[string]any{"version": tk.Version - 1, "category": "Reports"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		if stale.Message != itsm.ErrStale("ticket").Message {
			t.Fatalf("stale: %q", stale.Message)
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"category": "Reports"}, "version"},
			{map[string]any{"version": tk.Version, "status": "resolved"}, "note"},
			{map[string]any{"version": tk.Version, "status": "done"}, "status"},
			{map[string]any{"version": tk.Version, "status": "closed"}, "status"},
			{map[string]any{"version": tk.Version, "priority": "P1"}, "priority_reason"},
			{map[string]any{"version": tk.Version, "priority_reason": "Because."}, "priority_reason"},
			{map[string]any{"version": tk.Version, "assignee_id": -1}, "assignee_id"},
			{map[string]any{"version": tk.Version, "assignee_id": cust.ID}, "assignee_id"},
			{map[string]any{"version": tk.Version, "provider_id": -1}, "provider_id"},
			{map[string]any{"version": tk.Version, "provider_id": fx.CustomerB.ID}, "provider_id"},
			{map[string]any{"version": tk.Version, "category": strings.Repeat("c", 101)}, "category"},
		} {
			e.send(t, agent, http.MethodPatch, path, c.body).MustField(t, c.field)
		}
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": tk.Version}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.MustUnchanged(t, before)

		// The desk reprioritises with a reason and escalates to the
		// provider, who resolves it.
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": tk.Version, "priority": "P2", "priority_reason": "Finance year end.",
			"provider_id": fx.Provider.ID}).MustStatus(t, http.StatusOK).MustDecode(t, &tk)
		if tk.Priority != "P2" || tk.ProviderID == nil || *tk.ProviderID != fx.Provider.ID || tk.Provider != fx.Provider.Name {
			t.Fatalf("escalated: %+v", tk)
		}
		e.send(t, fx.ProviderAgent, http.MethodPatch, path, map[string]any{"version": tk.Version, "priority": "P1", "priority_reason": "Mine."}).
			MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.ProviderAgent, http.MethodPatch, path, map[string]any{"version": tk.Version, "status": "resolved", "note": "Fixed in patch 4.2.1."}).
			MustStatus(t, http.StatusOK).MustDecode(t, &tk)
		if tk.Status != itsm.StatusResolved || tk.ResolvedAt == nil {
			t.Fatalf("resolved: %+v", tk)
		}
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": tk.Version, "status": "in progress"}).MustField(t, "status")

		// The customer re-opens it with a reason and the version read.
		reopen := path + "/reopen"
		e.send(t, cust, http.MethodPost, reopen, map[string]any{"reason": "Still failing.", "version": tk.Version + 1}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, cust, http.MethodPost, reopen, map[string]any{"reason": "Still failing."}).MustField(t, "version")
		e.send(t, cust, http.MethodPost, reopen, map[string]any{"reason": "", "version": tk.Version}).MustField(t, "reason")
		rep = e.send(t, cust, http.MethodPost, reopen, map[string]any{"reason": "Still failing for finance.", "version": tk.Version}).MustStatus(t, http.StatusOK)
		rep.MustDecode(t, &tk)
		if tk.Status != itsm.StatusInProgress || tk.ResolvedAt != nil || rep.header.Get("ETag") != etag(tk.Version) {
			t.Fatalf("re-opened: %+v", tk)
		}
		e.send(t, cust, http.MethodPost, reopen, map[string]any{"reason": "Again.", "version": tk.Version}).MustField(t, "status")
		// Unassigning is assignee_id 0.
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": tk.Version, "assignee_id": 0}).MustStatus(t, http.StatusOK).MustDecode(t, &tk)
		if tk.AssigneeID != nil {
			t.Fatalf("unassigned: %+v", tk)
		}

		// The history: customers see no internal note or internal change.
		var all, theirs page[itsm.TicketEvent]
		e.get(t, agent, path+"/events?limit=500").MustStatus(t, http.StatusOK).MustDecode(t, &all)
		e.get(t, cust, path+"/events?limit=500").MustStatus(t, http.StatusOK).MustDecode(t, &theirs)
		if all.Items[0].Type != "created" || theirs.Total >= all.Total || all.Total != len(all.Items) {
			t.Fatalf("history: %d events for staff, %d for the customer", all.Total, theirs.Total)
		}
		for _, ev := range theirs.Items {
			if !ev.Public {
				t.Errorf("the customer sees %+v", ev)
			}
		}
		var second page[itsm.TicketEvent]
		e.get(t, agent, path+"/events?offset=1&limit=2").MustStatus(t, http.StatusOK).MustDecode(t, &second)
		if second.Total != all.Total || len(second.Items) != 2 || second.Items[0].ID != all.Items[1].ID {
			t.Fatalf("second page: %+v", second)
		}
		e.get(t, agent, path+"/events?limit=0").MustField(t, "limit")
		e.get(t, agent, path+"/events?type=status").MustField(t, "type")

		// A closed ticket takes no more replies.
		e.MustClose(t, &tk)
		before = e.MustCount(t)
		e.send(t, cust, http.MethodPost, path+"/comments", map[string]any{"body": "Hello?"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, cust, http.MethodPost, path+"/escalate", map[string]any{"reason": "Closed too soon."}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.MustUnchanged(t, before)
	})
}

// TestTicketLists: filters, sorting, paging and strict parameters.
func TestTicketLists(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		e.MustAgreement(t, "Help desk agreement", nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		approve := e.MustNewTicket(t, fx.CustomerUserA, "Cannot approve orders")
		invoices := e.MustEscalateToProvider(t, e.MustNewTicket(t, fx.CustomerUserB, "Invoices rejected"))
		resolved := e.MustResolve(t, e.MustNewTicket(t, fx.CustomerAdminA, "Password reset"))
		assigned, err := db.UpdateTicket(storetest.As(fx.Agent), approve.ID, itsm.TicketUpdate{AssigneeID: &fx.Agent.ID, Category: ptr("Ordering and catalogues"), Version: approve.Version})
		if err != nil {
			t.Fatal(err)
		}
		request, err := db.CreateTicket(storetest.As(fx.Agent), itsm.NewTicket{Type: itsm.Request, OrgID: fx.CustomerA.ID, Title: "New starter", Description: "An account, please.",
			Priority: "P1", PriorityReason: "Starts tomorrow."})
		if err != nil {
			t.Fatal(err)
		}
		refs := func(query string) []string {
			t.Helper()
			var p page[itsm.Ticket]
			e.get(t, fx.Agent, "/api/v1/tickets"+query).MustStatus(t, http.StatusOK).MustDecode(t, &p)
			var out []string
			for _, tk := range p.Items {
				out = append(out, tk.Ref)
			}
			if p.Total < len(out) {
				t.Fatalf("%s: total %d below %d items", query, p.Total, len(out))
			}
			return out
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"?sort=ref", []string{assigned.Ref, invoices.Ref, resolved.Ref, request.Ref}},
			{"?sort=-ref&limit=2", []string{request.Ref, resolved.Ref}},
			{"?sort=ref&offset=3", []string{request.Ref}},
			{"?type=request", []string{request.Ref}},
			{"?status=new&status=assigned&sort=ref", []string{assigned.Ref, invoices.Ref, request.Ref}},
			{"?status=new,assigned&sort=ref", []string{assigned.Ref, invoices.Ref, request.Ref}},
			{"?status=resolved", []string{resolved.Ref}},
			{"?status=in+progress", nil},
			{"?open=false", []string{resolved.Ref}},
			{"?open=true&sort=ref", []string{assigned.Ref, invoices.Ref, request.Ref}},
			{"?priority=P1", []string{request.Ref}},
			{fmt.Sprintf("?assignee_id=%d", fx.Agent.ID), []string{assigned.Ref}},
			{"?unassigned=true&sort=ref", []string{invoices.Ref, request.Ref}},
			{fmt.Sprintf("?provider_id=%d", fx.Provider.ID), []string{invoices.Ref}},
			{fmt.Sprintf("?organisation_id=%d", fx.CustomerB.ID), []string{invoices.Ref}},
			{"?category=Ordering+and+catalogues", []string{assigned.Ref}},
			{"?q=approve", []string{assigned.Ref}},
			{"?q=" + url.QueryEscape(invoices.Ref), []string{invoices.Ref}},
			{"?breaching_before=2026-03-02T09:45:00Z", []string{request.Ref}},
			{"?breaching_before=2027-01-01T00:00:00Z&sort=due", []string{request.Ref, assigned.Ref, invoices.Ref}},
		} {
			if got := refs(c.query); strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("%s: %v, want %v", c.query, got, c.want)
			}
		}
		for _, bad := range []struct{ query, field string }{
			{"?status=done", "status"},
			{"?status=new&status=finished", "status"},
			{"?type=incidents", "type"},
			{"?priority=P5", "priority"},
			{"?open=yes", "open"},
			{"?unassigned=1", "unassigned"},
			{"?assignee_id=0", "assignee_id"},
			{"?provider_id=x", "provider_id"},
			{"?organisation_id=-1", "organisation_id"},
			{"?breaching_before=tomorrow", "breaching_before"},
			{"?sort=title", "sort"},
			{"?sort=ref&sort=-ref", "sort"},
			{"?q=a&q=b", "q"},
			{"?assigne_id=1", "assigne_id"},
			{"?limit=501", "limit"},
		} {
			e.get(t, fx.Agent, "/api/v1/tickets"+bad.query).MustField(t, bad.field)
		}
	})
}

// TestTicketTextIsData: SQL and markup in a ticket's text are stored and
// returned literally, JSON-escaped, and search text only ever narrows
// what the caller may see.
func TestTicketTextIsData(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		e.MustNewTicket(t, fx.CustomerUserB, "Beta's private ticket")
		for _, s := range append(sqlish, `<script>alert("Steward")</script>`, `"><img src=x onerror=alert(1)>`) {
			var tk itsm.Ticket
			rep := e.send(t, fx.CustomerUserA, http.MethodPost, "/api/v1/tickets", map[string]any{"title": s, "description": s, "category": s}).MustStatus(t, http.StatusCreated)
			rep.MustDecode(t, &tk)
			if got := e.MustTicket(t, tk.ID); got.Title != s || got.Description != s || got.Category != s {
				t.Errorf("%q stored as %+v", s, got)
			}
			comment := e.send(t, fx.CustomerUserA, http.MethodPost, idPath("/api/v1/tickets", tk.ID, "/comments"), map[string]any{"body": s}).MustStatus(t, http.StatusCreated)
			for _, r := range []*reply{rep, comment} {
				if bytes.ContainsAny(r.body, "<>") {
					t.Errorf("markup is not escaped in %s", r.body)
				}
			}
			q := url.QueryEscape(s)
			for _, p := range []string{"?q=" + q, "?category=" + q} {
				var found page[itsm.Ticket]
				e.get(t, fx.CustomerUserA, "/api/v1/tickets"+p).MustStatus(t, http.StatusOK).MustDecode(t, &found)
				for _, x := range found.Items {
					if x.OrgID != fx.CustomerA.ID {
						t.Errorf("%s shows customer A %s of organisation %d", p, x.Ref, x.OrgID)
					}
				}
			}
			for _, p := range []string{"?status=" + q, "?sort=" + q, "?priority=" + q, "?type=" + q, "?assignee_id=" + q} {
				e.get(t, fx.Agent, "/api/v1/tickets"+p).MustError(t, http.StatusBadRequest, itsm.EINVALID)
			}
			e.get(t, fx.Agent, "/api/v1/tickets/"+url.PathEscape(s)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		}
		if problems, err := db.VerifyAuditChain(storetest.System(), nil); err != nil || len(problems) != 0 {
			t.Fatalf("audit chain: %v %v", problems, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
