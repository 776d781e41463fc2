package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestProblems: a problem is recorded, linked to the incidents it causes,
// investigated by the provider and published to customers as a known
// error with its workaround, and nothing more.
func TestProblems(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		agent := fx.Agent
		tk := e.MustNewTicket(t, fx.CustomerUserA, "Invoices rejected")

		rep := e.send(t, agent, http.MethodPost, "/api/v1/problems", map[string]any{"title": "UBL validator rejects long supplier names",
			"provider_id": fx.Provider.ID}).MustStatus(t, http.StatusCreated)
		var p itsm.Problem
		rep.MustDecode(t, &p)
		path := rep.header.Get("Location")
		if p.Ref != "PRB-000001" || p.Status != itsm.ProblemOpen || p.ProviderID == nil || p.Provider != fx.Provider.Name || path != idPath("/api/v1/problems", p.ID) ||
			rep.header.Get("ETag") != etag(p.Version) {
			t.Fatalf("recorded %+v at %s", p, path)
		}
		before := e.MustCount(t)
		for _, c := range []struct {
			method, path string
			body         map[string]any
			field        string
		}{
			{http.MethodPost, "/api/v1/problems", map[string]any{"title": " "}, "title"},
			{http.MethodPost, "/api/v1/problems", map[string]any{"title": "T", "status": "pondering"}, "status"},
			{http.MethodPost, "/api/v1/problems", map[string]any{"title": "T", "known_error": true}, "workaround"},
			{http.MethodPost, "/api/v1/problems", map[string]any{"title": "T", "provider_id": 0}, "provider_id"},
			{http.MethodPost, "/api/v1/problems", map[string]any{"title": "T", "provider_id": fx.CustomerA.ID}, "provider_id"},
			{http.MethodPost, "/api/v1/problems", map[string]any{"title": "T", "owner_id": fx.CustomerUserA.ID}, "owner_id"},
			{http.MethodPatch, path, map[string]any{"title": "T"}, "version"},
			{http.MethodPatch, path, map[string]any{"version": p.Version, "status": "pondering"}, "status"},
			{http.MethodPatch, path, map[string]any{"version": p.Version, "owner_id": -1}, "owner_id"},
			{http.MethodPatch, path, map[string]any{"version": p.Version, "known_error": true}, "workaround"},
			{http.MethodPost, path + "/incidents", map[string]any{"ticket_id": 0}, "ticket_id"},
			{http.MethodPost, path + "/incidents", map[string]any{"ticket_id": 999999}, "ticket_id"},
		} {
			e.send(t, agent, c.method, c.path, c.body).MustField(t, c.field)
		}
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": p.Version}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": p.Version + 1, "title": "T"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, agent, http.MethodPost, "/api/v1/problems/999999/incidents", map[string]any{"ticket_id": tk.ID}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustUnchanged(t, before)

		// Linked to the ticket it causes (twice is once).
		for range 2 {
			e.send(t, agent, http.MethodPost, path+"/incidents", map[string]any{"ticket_id": tk.ID}).MustStatus(t, http.StatusNoContent)
		}
		var incidents page[itsm.Ticket]
		e.get(t, agent, path+"/incidents").MustStatus(t, http.StatusOK).MustDecode(t, &incidents)
		if incidents.Total != 1 || incidents.Items[0].ID != tk.ID || e.MustProblem(t, p.ID).Incidents != 1 {
			t.Fatalf("incidents: %+v", incidents)
		}
		// The provider cannot see the ticket until it is escalated to it.
		e.get(t, fx.ProviderAgent, path+"/incidents").MustStatus(t, http.StatusOK).MustDecode(t, &incidents)
		if incidents.Total != 0 {
			t.Fatalf("the provider sees %d incidents", incidents.Total)
		}
		var links page[itsm.TicketLink]
		e.get(t, agent, idPath("/api/v1/tickets", tk.ID, "/links")).MustStatus(t, http.StatusOK).MustDecode(t, &links)
		if links.Total != 1 || links.Items[0].Kind != "caused_by" || links.Items[0].TargetRef != p.Ref {
			t.Fatalf("links: %+v", links)
		}

		// The provider investigates; the customer sees nothing of it until
		// it is a known error, and then only the workaround.
		e.send(t, fx.ProviderAgent, http.MethodPatch, path, map[string]any{"version": p.Version, "root_cause": "A 70-character limit.", "status": "investigating"}).
			MustStatus(t, http.StatusOK).MustDecode(t, &p)
		e.send(t, fx.ProviderAgent, http.MethodPatch, path, map[string]any{"version": p.Version, "provider_id": 0}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		ticketProblems := idPath("/api/v1/tickets", tk.ID, "/problems")
		var seen page[map[string]any]
		e.get(t, fx.CustomerUserA, ticketProblems).MustStatus(t, http.StatusOK).MustDecode(t, &seen)
		if seen.Total != 0 {
			t.Fatalf("the customer sees %+v before it is a known error", seen.Items)
		}
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": p.Version, "known_error": true, "workaround": "Shorten the name to 70 characters.",
			"owner_id": agent.ID}).MustStatus(t, http.StatusOK).MustDecode(t, &p)
		if !p.KnownError || p.OwnerID == nil || p.Owner != agent.Name || p.RootCause != "A 70-character limit." {
			t.Fatalf("known error: %+v", p)
		}
		e.get(t, fx.CustomerUserA, ticketProblems).MustStatus(t, http.StatusOK).MustDecode(t, &seen)
		if seen.Total != 1 || fmt.Sprint(seen.Items[0]) != fmt.Sprint(map[string]any{"id": float64(p.ID), "ref": p.Ref, "title": p.Title, "status": "investigating",
			"known_error": true, "workaround": "Shorten the name to 70 characters."}) {
			t.Fatalf("the customer's view: %+v", seen.Items)
		}
		e.get(t, agent, ticketProblems).MustStatus(t, http.StatusOK).MustDecode(t, &seen)
		if seen.Total != 1 || seen.Items[0]["root_cause"] != "A 70-character limit." {
			t.Fatalf("the desk's view: %+v", seen.Items)
		}

		// Lists filter by status, known error and provider.
		other := &itsm.Problem{Title: "Search index lags"}
		if err := db.CreateProblem(storetest.As(agent), other); err != nil {
			t.Fatal(err)
		}
		for query, want := range map[string]int{"": 2, "?status=open": 1, "?status=investigating": 1, "?known_error=true": 1, "?known_error=false": 1,
			fmt.Sprintf("?provider_id=%d", fx.Provider.ID): 1, "?limit=1": 2} {
			var got page[itsm.Problem]
			e.get(t, fx.Auditor, "/api/v1/problems"+query).MustStatus(t, http.StatusOK).MustDecode(t, &got)
			if got.Total != want {
				t.Errorf("%s: %d problems, want %d", query, got.Total, want)
			}
		}
		for _, bad := range []struct{ query, field string }{{"?status=done", "status"}, {"?known_error=maybe", "known_error"}, {"?provider_id=0", "provider_id"}, {"?owner_id=1", "owner_id"}} {
			e.get(t, agent, "/api/v1/problems"+bad.query).MustField(t, bad.field)
		}

		// Unlinked (twice is once); an unknown ticket is not found.
		for range 2 {
			e.send(t, agent, http.MethodDelete, fmt.Sprintf("%s/incidents/%d", path, tk.ID), nil).MustStatus(t, http.StatusNoContent)
		}
		e.send(t, agent, http.MethodDelete, path+"/incidents/999999", nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, agent, path+"/incidents").MustStatus(t, http.StatusOK).MustDecode(t, &incidents)
		if incidents.Total != 0 {
			t.Fatalf("%d incidents after unlinking", incidents.Total)
		}
	})
}

// TestEscalations: a customer disputes a resolution; the programme team
// acknowledges, raises, notes and resolves it, against its clock; the
// provider's named contacts are told.
func TestEscalations(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		clock := storetest.ClockOf(db) // Monday 2 March 2026, 09:00 GMT
		e.MustAgreement(t, "Help desk agreement", nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		tk := e.MustResolve(t, e.MustEscalateToProvider(t, e.MustNewTicket(t, fx.CustomerUserA, "Invoices rejected")))
		escalate := idPath("/api/v1/tickets", tk.ID, "/escalate")

		e.send(t, fx.CustomerUserA, http.MethodPost, escalate, map[string]any{"reason": "  "}).MustField(t, "reason")
		rep := e.send(t, fx.CustomerUserA, http.MethodPost, escalate, map[string]any{"reason": "It still fails for every invoice over £10,000."}).MustStatus(t, http.StatusCreated)
		var x itsm.Escalation
		rep.MustDecode(t, &x)
		path := rep.header.Get("Location")
		// Level 1 is due in one working day: at 17:00, not at the next opening.
		if x.Level != 1 || x.Status != itsm.EscalationOpen || x.TicketRef != tk.Ref || x.RaisedBy != fx.CustomerUserA.Name || x.DueAt == nil ||
			!x.DueAt.Equal(time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC)) || path != idPath("/api/v1/escalations", x.ID) || rep.header.Get("ETag") != etag(x.Version) {
			t.Fatalf("escalated %+v at %s", x, path)
		}
		if got := e.MustTicket(t, tk.ID); got.Status != itsm.StatusInProgress {
			t.Fatalf("the disputed ticket is %s", got.Status)
		}
		e.send(t, fx.CustomerAdminA, http.MethodPost, escalate, map[string]any{"reason": "Again."}).MustError(t, http.StatusConflict, itsm.ECONFLICT)

		// The team acts on it, with the version read.
		actions := path + "/actions"
		before := e.MustCount(t)
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"action": "escalate", "version": x.Version}, "action"},
			{map[string]any{"action": "note", "version": x.Version}, "body"},
			{map[string]any{"action": "resolve", "body": " ", "version": x.Version}, "body"},
			{map[string]any{"action": "note", "body": "x"}, "version"},
			{map[string]any{"action": "acknowledge", "owner_id": 0, "version": x.Version}, "owner_id"},
			{map[string]any{"action": "acknowledge", "owner_id": fx.CustomerUserA.ID, "version": x.Version}, "owner_id"},
		} {
			e.send(t, fx.Manager, http.MethodPost, actions, c.body).MustField(t, c.field)
		}
		e.send(t, fx.Manager, http.MethodPost, actions, map[string]any{"action": "acknowledge", "version": x.Version + 1}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.MustUnchanged(t, before)
		clock.Advance(time.Hour)
		e.send(t, fx.Manager, http.MethodPost, actions, map[string]any{"action": "acknowledge", "version": x.Version}).MustStatus(t, http.StatusOK).MustDecode(t, &x)
		if x.Status != itsm.EscalationAcknowledged || x.OwnerID == nil || *x.OwnerID != fx.Manager.ID {
			t.Fatalf("acknowledged: %+v", x)
		}
		contact := e.MustContact(t, "duty-manager@provider.test")
		sent := len(storetest.OutboxOf(db).Jobs())
		e.send(t, fx.Manager, http.MethodPost, actions, map[string]any{"action": "raise", "body": "No answer from the provider.", "owner_id": fx.Agent.ID, "version": x.Version}).
			MustStatus(t, http.StatusOK).MustDecode(t, &x)
		// Level 2 is due in half a working day.
		if x.Level != 2 || *x.OwnerID != fx.Agent.ID || !x.DueAt.Equal(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)) {
			t.Fatalf("raised: %+v", x)
		}
		jobs := storetest.OutboxOf(db).Jobs()[sent:]
		if len(jobs) != 1 || fmt.Sprint(jobs[0].(itsm.EmailJob).To) != fmt.Sprint([]string{contact.Email, fx.Manager.Email}) {
			t.Fatalf("raising told %+v", jobs)
		}
		clock.Advance(5 * time.Hour)
		if got := e.get(t, fx.CustomerUserA, path).MustStatus(t, http.StatusOK); !e.MustEscalation(t, x.ID).Overdue || got.header.Get("ETag") != etag(x.Version) {
			t.Fatal("past due, the escalation is not overdue")
		}
		e.send(t, fx.Manager, http.MethodPost, actions, map[string]any{"action": "resolve", "body": "Upheld: the provider will patch on Friday.", "version": x.Version}).
			MustStatus(t, http.StatusOK).MustDecode(t, &x)
		if x.Status != itsm.EscalationResolved || x.Outcome != "Upheld: the provider will patch on Friday." || x.ClosedAt == nil || x.Overdue {
			t.Fatalf("resolved: %+v", x)
		}
		e.send(t, fx.Manager, http.MethodPost, actions, map[string]any{"action": "note", "body": "Late.", "version": x.Version}).MustError(t, http.StatusBadRequest, itsm.EINVALID)

		var history page[itsm.EscalationEvent]
		e.get(t, fx.CustomerUserA, path+"/history").MustStatus(t, http.StatusOK).MustDecode(t, &history)
		var types []string
		for _, ev := range history.Items {
			types = append(types, ev.Type)
		}
		if fmt.Sprint(types) != "[raised acknowledged level resolved]" {
			t.Fatalf("history %v", types)
		}

		// Lists: open first, by level; filters.
		other := e.MustNewTicket(t, fx.CustomerUserA, "Another")
		if _, err := db.Escalate(storetest.As(fx.CustomerUserA), other.ID, "Too slow."); err != nil {
			t.Fatal(err)
		}
		for query, want := range map[string]int{"": 2, "?open=true": 1, "?open=false": 1, "?level=2": 1, "?level=3": 0, fmt.Sprintf("?ticket_id=%d", tk.ID): 1, "?offset=1": 2} {
			var got page[itsm.Escalation]
			e.get(t, fx.CustomerAdminA, "/api/v1/escalations"+query).MustStatus(t, http.StatusOK).MustDecode(t, &got)
			if got.Total != want {
				t.Errorf("%s: %d escalations, want %d", query, got.Total, want)
			}
		}
		for _, bad := range []struct{ query, field string }{{"?level=4", "level"}, {"?level=one", "level"}, {"?open=1", "open"}, {"?ticket_id=0", "ticket_id"}, {"?status=open", "status"}} {
			e.get(t, fx.Agent, "/api/v1/escalations"+bad.query).MustField(t, bad.field)
		}
		e.get(t, fx.Agent, path+"/history?limit=x").MustField(t, "limit")
	})
}

// TestEscalationContacts: a provider's named contacts by level.
func TestEscalationContacts(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		contacts := idPath("/api/v1/organisations", fx.Provider.ID, "/escalation-contacts")
		var c itsm.EscalationContact
		e.send(t, fx.Manager, http.MethodPost, contacts, map[string]any{"level": 2, "name": "Service Director", "email": " Director@Provider.TEST "}).
			MustStatus(t, http.StatusCreated).MustDecode(t, &c)
		if c.ID == 0 || c.ProviderID != fx.Provider.ID || c.Level != 2 || c.Email != "director@provider.test" {
			t.Fatalf("named %+v", c)
		}
		before := e.MustCount(t)
		e.send(t, fx.Manager, http.MethodPost, contacts, map[string]any{"level": 2, "name": "Again", "email": "director@provider.test"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"level": 4, "name": "N", "email": "n@provider.test"}, "level"},
			{map[string]any{"level": 0, "name": "N", "email": "n@provider.test"}, "level"},
			{map[string]any{"level": 1, "name": "", "email": "n@provider.test"}, "name"},
			{map[string]any{"level": 1, "name": "N", "email": "not an address"}, "email"},
		} {
			e.send(t, fx.Admin, http.MethodPost, contacts, bad.body).MustField(t, bad.field)
		}
		e.send(t, fx.Admin, http.MethodPost, idPath("/api/v1/organisations", fx.CustomerA.ID, "/escalation-contacts"), map[string]any{"level": 1, "name": "N", "email": "n@alpha.test"}).
			MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, fx.Admin, http.MethodPost, "/api/v1/organisations/999999/escalation-contacts", map[string]any{"level": 1, "name": "N", "email": "n@x.test"}).
			MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustUnchanged(t, before)
		e.MustContact(t, "duty@provider.test")
		var list page[itsm.EscalationContact]
		e.get(t, fx.ProviderAgent, contacts).MustStatus(t, http.StatusOK).MustDecode(t, &list)
		if list.Total != 2 || list.Items[0].Level != 1 || list.Items[1].ID != c.ID {
			t.Fatalf("contacts %+v", list)
		}
		e.send(t, fx.Manager, http.MethodDelete, idPath("/api/v1/escalation-contacts", c.ID), nil).MustStatus(t, http.StatusNoContent)
		e.send(t, fx.Manager, http.MethodDelete, idPath("/api/v1/escalation-contacts", c.ID), nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, fx.ProviderAgent, contacts+"?offset=x").MustField(t, "offset")
	})
}
