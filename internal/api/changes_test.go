package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// changeVersion reads a change's current version as the system.
func (e *env) changeVersion(tb testing.TB, id int64) int64 {
	tb.Helper()
	c, err := e.db.FindChangeByID(storetest.System(), id)
	if err != nil {
		tb.Fatalf("read change %d: %v", id, err)
	}
	return c.Version
}

// act posts a transition with the change's current version.
func (e *env) act(tb testing.TB, u *itsm.User, id int64, body map[string]any) *reply {
	tb.Helper()
	body["version"] = e.changeVersion(tb, id)
	return e.send(tb, u, http.MethodPost, idPath("/api/v1/changes", id, "/transitions"), body)
}

// MustChange raises a submitted RFC as customer A's user through the API.
func (e *env) MustChange(tb testing.TB, title string) *itsm.ChangeRequest {
	tb.Helper()
	var c itsm.ChangeRequest
	e.send(tb, e.fx.CustomerUserA, http.MethodPost, "/api/v1/changes", map[string]any{"kind": "rfc", "subtype": "cosmetic", "title": title,
		"description": "Make the basket button green.", "service": "Ordering", "submit": true}).MustStatus(tb, http.StatusCreated).MustDecode(tb, &c)
	return &c
}

// TestChangeLifecycleAPI follows an RFC from a customer's request to its
// post-implementation review through the API, with the refusals on the way.
func TestChangeLifecycleAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		agent, mgr, prov, custA, adminA, adminB, auditor := fx.Agent, fx.Manager, fx.ProviderAgent, fx.CustomerUserA, fx.CustomerAdminA, fx.CustomerAdminB, fx.Auditor
		c := e.MustChange(t, "Green basket button")
		path := idPath("/api/v1/changes", c.ID)
		if c.Ref != "RFC-0001" || c.State != itsm.ChangeSubmitted || c.RAG != itsm.ChangeRAGGrey {
			t.Fatalf("raised %+v", c)
		}
		// Bad input is refused, naming the field, and changes nothing.
		before := e.MustCount(t)
		for _, bad := range []struct {
			u            *itsm.User
			method, path string
			body         map[string]any
			field        string
		}{
			{custA, http.MethodPost, "/api/v1/changes", map[string]any{"kind": "rfc", "title": "T", "description": "D"}, "subtype"},
			{custA, http.MethodPost, "/api/v1/changes", map[string]any{"kind": "memo", "title": "T", "description": "D"}, "kind"},
			{agent, http.MethodPost, "/api/v1/changes", map[string]any{"kind": "ccn", "title": "T", "description": "D", "organisation_id": fx.CustomerA.ID, "contract_ref": "C-1", "variation": "V", "cost_impact": 1000000001}, "cost_impact"},
			{agent, http.MethodPost, "/api/v1/changes", map[string]any{"kind": "ccn", "title": "T", "description": "D", "organisation_id": fx.CustomerA.ID, "contract_ref": "C-1", "variation": "V", "time_impact_days": 1.25}, "time_impact_days"},
			{agent, http.MethodPost, "/api/v1/changes", map[string]any{"kind": "work_request", "title": "T", "description": "D", "organisation_id": fx.Provider.ID}, "organisation_id"},
			{agent, http.MethodPost, "/api/v1/changes", map[string]any{"kind": "work_request", "title": "T", "description": "D", "organisation_id": fx.CustomerA.ID, "provider_id": 0}, "provider_id"},
			{agent, http.MethodPatch, path, map[string]any{"title": "T"}, "version"},
			{agent, http.MethodPatch, path, map[string]any{"version": c.Version, "assignee_id": fx.CustomerUserA.ID}, "assignee_id"},
			{agent, http.MethodPost, path + "/transitions", map[string]any{"action": "teleport", "version": c.Version}, "action"},
			{agent, http.MethodPost, path + "/transitions", map[string]any{"action": "reject", "version": c.Version}, "note"},
			{agent, http.MethodPost, path + "/transitions", map[string]any{"action": "deliver", "actual_date": "yesterday", "version": c.Version}, "actual_date"},
		} {
			e.send(t, bad.u, bad.method, bad.path, bad.body).MustField(t, bad.field)
		}
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": c.Version}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": c.Version + 1, "title": "T"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.MustUnchanged(t, before)

		// Customer B never sees A's change; the provider not until assigned.
		for _, u := range []*itsm.User{adminB, prov} {
			e.get(t, u, path).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			e.get(t, u, path+"/estimates").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			e.get(t, u, path+"/costs").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		}
		var list page[itsm.ChangeRequest]
		e.get(t, adminB, "/api/v1/changes").MustStatus(t, http.StatusOK).MustDecode(t, &list)
		if list.Total != 0 {
			t.Fatalf("customer B sees %d changes", list.Total)
		}
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": c.Version, "provider_id": fx.Provider.ID, "assignee_id": agent.ID}).MustStatus(t, http.StatusOK)
		e.get(t, prov, path).MustStatus(t, http.StatusOK)

		// Review: questions, answer, acceptance (a frozen version).
		e.act(t, custA, c.ID, map[string]any{"action": "start_review"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.act(t, agent, c.ID, map[string]any{"action": "start_review"}).MustStatus(t, http.StatusOK)
		e.act(t, agent, c.ID, map[string]any{"action": "request_clarification", "note": "Which green?"}).MustStatus(t, http.StatusOK)
		e.act(t, custA, c.ID, map[string]any{"action": "answer_clarification", "note": "#00703c, the GOV.UK green."}).MustStatus(t, http.StatusOK)
		e.act(t, agent, c.ID, map[string]any{"action": "accept_specification"}).MustStatus(t, http.StatusOK)
		d := e.act(t, agent, c.ID, map[string]any{"action": "accept_specification"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		if !strings.Contains(d.Message, "under review") {
			t.Fatalf("why: %q", d.Message)
		}
		var specs page[itsm.ChangeSpecVersion]
		e.get(t, custA, path+"/spec-versions").MustStatus(t, http.StatusOK).MustDecode(t, &specs)
		if specs.Total != 1 || specs.Items[0].Number != 1 {
			t.Fatalf("spec versions %+v", specs)
		}
		e.get(t, custA, path+"/spec-versions?sort=x").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": e.changeVersion(t, c.ID), "title": "Frozen"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)

		// Estimates: bad input, the wrong people, then two revisions.
		est := path + "/estimates"
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"effort_days": 0, "cost": 100, "delivery_date": "2026-04-01"}, "effort_days"},
			{map[string]any{"effort_days": 2.55, "cost": 100, "delivery_date": "2026-04-01"}, "effort_days"},
			{map[string]any{"effort_days": 2, "cost": -1, "delivery_date": "2026-04-01"}, "cost"},
			{map[string]any{"effort_days": 2, "cost": 100000000000, "delivery_date": "2026-04-01"}, "cost"},
			{map[string]any{"effort_days": 2, "cost": 100, "delivery_date": "2026-01-01"}, "delivery_date"},
			{map[string]any{"effort_days": 2, "cost": 100, "delivery_date": "1 April"}, "delivery_date"},
		} {
			e.send(t, prov, http.MethodPost, est, bad.body).MustField(t, bad.field)
		}
		e.send(t, custA, http.MethodPost, est, map[string]any{"effort_days": 2, "cost": 100, "delivery_date": "2026-04-01"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, prov, http.MethodPost, est, map[string]any{"effort_days": 2, "cost": 50000, "delivery_date": "2026-04-01"}).MustStatus(t, http.StatusCreated)
		e.send(t, prov, http.MethodPost, est, map[string]any{"effort_days": 2.5, "cost": 60000, "delivery_date": "2026-04-10", "note": "Plus testing."}).MustStatus(t, http.StatusCreated)
		var ests page[itsm.ChangeEstimate]
		e.get(t, custA, est).MustStatus(t, http.StatusOK).MustDecode(t, &ests)
		if ests.Total != 2 || ests.Items[1].Cost != 60000 || ests.Items[1].EffortDays != 2.5 {
			t.Fatalf("estimates %+v", ests)
		}
		e.act(t, prov, c.ID, map[string]any{"action": "submit_quote"}).MustStatus(t, http.StatusOK)
		e.send(t, prov, http.MethodPost, est, map[string]any{"effort_days": 2, "cost": 50000, "delivery_date": "2026-04-01"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)

		// Only a customer admin of Alpha Council accepts the quote.
		d = e.act(t, custA, c.ID, map[string]any{"action": "accept_quote"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		if d.Message != "Only a customer admin of Alpha Council can accept the quote." {
			t.Fatalf("why: %q", d.Message)
		}
		e.act(t, adminB, c.ID, map[string]any{"action": "accept_quote"}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.act(t, adminA, c.ID, map[string]any{"action": "accept_quote"}).MustStatus(t, http.StatusOK)
		e.act(t, mgr, c.ID, map[string]any{"action": "approve", "conditions": "Out of hours."}).MustStatus(t, http.StatusOK)

		// Scheduling: into a freeze is refused; a manager overrides.
		if err := db.CreateFreeze(storetest.As(mgr), &itsm.FreezePeriod{Name: "Financial year end", Start: time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 8, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		win := map[string]any{"target_release": "2026.4", "window_start": "2026-04-06T18:00:00Z", "window_end": "2026-04-06T22:00:00Z"}
		var conflicts changeConflicts
		e.send(t, agent, http.MethodPost, path+"/schedule/check", win).MustStatus(t, http.StatusOK).MustDecode(t, &conflicts)
		if len(conflicts.Conflicts) != 1 || conflicts.Conflicts[0].Kind != itsm.ConflictFreeze {
			t.Fatalf("conflicts %+v", conflicts)
		}
		e.send(t, agent, http.MethodPost, path+"/schedule/check", map[string]any{"window_start": "2026-04-06T18:00:00Z", "window_end": "2026-04-06T17:00:00Z"}).MustField(t, "window_end")
		e.send(t, custA, http.MethodPost, path+"/schedule/check", win).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		with := func(m map[string]any, kv ...any) map[string]any {
			out := map[string]any{}
			for k, v := range m {
				out[k] = v
			}
			for i := 0; i < len(kv); i += 2 {
				out[kv[i].(string)] = kv[i+1]
			}
			return out
		}
		sched := path + "/schedule"
		v := e.changeVersion(t, c.ID)
		d = e.send(t, agent, http.MethodPost, sched, with(win, "version", v)).MustField(t, "window_start")
		if !strings.Contains(d.Message, "Financial year end") {
			t.Fatalf("why: %q", d.Message)
		}
		e.send(t, agent, http.MethodPost, sched, with(win, "version", v, "window_end", "2026-04-30T18:00:00Z")).MustField(t, "window_end")
		e.send(t, custA, http.MethodPost, sched, with(win, "version", v)).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, mgr, http.MethodPost, sched, with(win, "version", v+1, "override_reason", "Statutory.")).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		var done scheduled
		e.send(t, mgr, http.MethodPost, sched, with(win, "version", v, "override_reason", "Statutory deadline.")).MustStatus(t, http.StatusOK).MustDecode(t, &done)
		if done.Change.State != itsm.ChangeScheduled || len(done.Conflicts) != 1 {
			t.Fatalf("scheduled %+v", done)
		}

		// Costs, forecast and budget.
		costs := path + "/costs"
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"date": "2026-03-01", "amount": 0, "note": "x"}, "amount"},
			{map[string]any{"date": "2026-03-01", "amount": -500, "note": "x"}, "amount"},
			{map[string]any{"date": "2026-03-01", "amount": 1000000001, "note": "x"}, "amount"},
			{map[string]any{"date": "2027-03-01", "amount": 500, "note": "x"}, "date"},
			{map[string]any{"date": "2026-03-01", "amount": 500, "note": " "}, "note"},
		} {
			e.send(t, prov, http.MethodPost, costs, bad.body).MustField(t, bad.field)
		}
		e.send(t, custA, http.MethodPost, costs, map[string]any{"date": "2026-03-01", "amount": 500, "note": "x"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, prov, http.MethodPost, costs, map[string]any{"date": "2026-03-01", "amount": 58000, "note": "Build"}).MustStatus(t, http.StatusCreated)
		var cr itsm.ChangeRequest
		e.get(t, custA, path).MustStatus(t, http.StatusOK).MustDecode(t, &cr)
		if cr.ActualCost != 58000 || cr.RAG != itsm.ChangeRAGAmber || *cr.ApprovedBudget != 60000 {
			t.Fatalf("after cost: %+v", cr)
		}
		fc := path + "/forecast"
		e.send(t, prov, http.MethodPut, fc, map[string]any{"forecast_date": "2026-04-20", "version": cr.Version}).MustStatus(t, http.StatusOK)
		e.send(t, prov, http.MethodPut, fc, map[string]any{"forecast_date": "2020-04-20", "version": cr.Version + 1}).MustField(t, "forecast_date")
		e.send(t, prov, http.MethodPut, fc, map[string]any{"forecast_date": "2026-04-21", "version": cr.Version}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, custA, http.MethodPut, fc, map[string]any{"forecast_date": "2026-04-21", "version": cr.Version + 1}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		bud := path + "/budget"
		v = e.changeVersion(t, c.ID)
		e.send(t, agent, http.MethodPut, bud, map[string]any{"budget": 70000, "reason": "Scope.", "version": v}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, mgr, http.MethodPut, bud, map[string]any{"budget": -1, "reason": "Scope.", "version": v}).MustField(t, "budget")
		e.send(t, mgr, http.MethodPut, bud, map[string]any{"budget": 70000, "reason": "", "version": v}).MustField(t, "reason")
		e.send(t, mgr, http.MethodPut, bud, map[string]any{"budget": 70000, "reason": "Scope.", "version": v + 1}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, mgr, http.MethodPut, bud, map[string]any{"budget": 70000, "reason": "Accessibility fixes added.", "version": v}).MustStatus(t, http.StatusOK)

		// Delivery and review.
		e.act(t, prov, c.ID, map[string]any{"action": "start_delivery"}).MustStatus(t, http.StatusOK)
		e.act(t, prov, c.ID, map[string]any{"action": "deliver", "actual_date": "2026-03-02"}).MustStatus(t, http.StatusOK)
		e.act(t, agent, c.ID, map[string]any{"action": "close", "note": "Works."}).MustField(t, "review_outcome")
		e.act(t, agent, c.ID, map[string]any{"action": "close", "note": "Works.", "review_outcome": "successful"}).MustStatus(t, http.StatusOK)
		e.act(t, agent, c.ID, map[string]any{"action": "hold", "note": "x"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, prov, http.MethodPut, bud, map[string]any{"budget": 1, "reason": "x", "version": e.changeVersion(t, c.ID)}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, mgr, http.MethodPut, bud, map[string]any{"budget": 1, "reason": "x", "version": e.changeVersion(t, c.ID)}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, prov, http.MethodPut, fc, map[string]any{"forecast_date": "2026-04-21", "version": e.changeVersion(t, c.ID)}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, prov, http.MethodPost, costs, map[string]any{"date": "2026-03-01", "amount": 500, "note": "Late invoice"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		var hist page[itsm.ChangeEvent]
		e.get(t, auditor, path+"/history?limit=500").MustStatus(t, http.StatusOK).MustDecode(t, &hist)
		if hist.Total < 14 {
			t.Fatalf("history has %d events", hist.Total)
		}
		e.get(t, custA, path+"/history?limit=0").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, custA, path+"/costs?x=1").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, custA, path+"/estimates?x=1").MustError(t, http.StatusBadRequest, itsm.EINVALID)

		// The delivery score: the provider and staff, not customers.
		var score itsm.DeliveryScore
		e.get(t, prov, idPath("/api/v1/providers", fx.Provider.ID, "/delivery-score?quarter=2026-Q1")).MustStatus(t, http.StatusOK).MustDecode(t, &score)
		if score.Delivered != 1 || score.OnTimeAndWithinBudget != 1 {
			t.Fatalf("score %+v", score)
		}
		e.get(t, mgr, idPath("/api/v1/providers", fx.Provider.ID, "/delivery-score?quarter=2026-Q5")).MustField(t, "quarter")
		e.get(t, custA, idPath("/api/v1/providers", fx.Provider.ID, "/delivery-score")).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, mgr, idPath("/api/v1/providers", fx.CustomerA.ID, "/delivery-score")).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)

		// The rules.
		var rules changeRules
		e.get(t, custA, "/api/v1/change-rules").MustStatus(t, http.StatusOK).MustDecode(t, &rules)
		if len(rules.RAG) == 0 || len(rules.DeliveryScore) == 0 {
			t.Fatalf("rules %+v", rules)
		}
		e.get(t, custA, "/api/v1/change-rules?x=1").MustError(t, http.StatusBadRequest, itsm.EINVALID)
	})
}

// TestChangeListAPI: the portfolio's filters, sort and paging, and
// refusals of bad filters.
func TestChangeListAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		for i := range 3 {
			e.MustChange(t, "Change "+strconv.Itoa(i))
		}
		e.send(t, fx.Agent, http.MethodPost, "/api/v1/changes", map[string]any{"kind": "ccn", "organisation_id": fx.CustomerB.ID, "title": "More hosting",
			"description": "Double the storage.", "contract_ref": "HOST-2024-01", "variation": "Storage from 1 TB to 2 TB.", "cost_impact": -25000, "time_impact_days": 2.5}).
			MustStatus(t, http.StatusCreated)
		for _, c := range []struct {
			query string
			total int
		}{
			{"", 4}, {"?kind=ccn", 1}, {"?organisation_id=" + strconv.FormatInt(fx.CustomerA.ID, 10), 3}, {"?state=submitted", 3}, {"?state=draft,submitted", 4},
			{"?rag=grey", 4}, {"?rag=red", 0}, {"?open=true", 4}, {"?q=change%201", 1}, {"?q=HOST", 1}, {"?q=zzz", 0}, {"?sort=ref&limit=2", 4}, {"?sort=-budget", 4},
		} {
			var p page[itsm.ChangeRequest]
			e.get(t, fx.Manager, "/api/v1/changes"+c.query).MustStatus(t, http.StatusOK).MustDecode(t, &p)
			if p.Total != c.total {
				t.Errorf("%s: total %d, want %d", c.query, p.Total, c.total)
			}
		}
		for _, q := range []string{"?kind=memo", "?state=pondering", "?rag=purple", "?sort=size", "?open=yes", "?limit=501", "?colour=red"} {
			e.get(t, fx.Manager, "/api/v1/changes"+q).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		}
		var p page[itsm.ChangeRequest]
		e.get(t, fx.Manager, "/api/v1/changes?sort=ref&limit=2").MustDecode(t, &p)
		if len(p.Items) != 2 || p.Items[0].Ref != "CCN-0001" || p.Items[1].Ref != "RFC-0001" {
			t.Fatalf("sorted page %+v", p.Items)
		}
	})
}

// TestChangeLinksAndCABAPI: links to tickets and problems, an RFC raised
// from a problem, and the CAB's votes on a major change.
func TestChangeLinksAndCABAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		agent, mgr, custA := fx.Agent, fx.Manager, fx.CustomerUserA
		tk := e.MustNewTicket(t, custA, "Basket slow")
		var p itsm.Problem
		e.send(t, agent, http.MethodPost, "/api/v1/problems", map[string]any{"title": "Basket query scans", "root_cause": "No index on basket lines.",
			"provider_id": fx.Provider.ID}).MustStatus(t, http.StatusCreated).MustDecode(t, &p)

		// A problem's fix becomes an RFC, prefilled and linked.
		raise := idPath("/api/v1/problems", p.ID, "/changes")
		e.send(t, agent, http.MethodPost, raise, map[string]any{"organisation_id": 0}).MustField(t, "organisation_id")
		e.send(t, agent, http.MethodPost, raise, map[string]any{"organisation_id": fx.Provider.ID}).MustField(t, "organisation_id")
		e.send(t, custA, http.MethodPost, raise, map[string]any{"organisation_id": fx.CustomerA.ID}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		var c itsm.ChangeRequest
		e.send(t, agent, http.MethodPost, raise, map[string]any{"organisation_id": fx.CustomerA.ID}).MustStatus(t, http.StatusCreated).MustDecode(t, &c)
		if c.Kind != itsm.ChangeRFC || c.State != itsm.ChangeDraft || !strings.Contains(c.Title, p.Ref) || !strings.Contains(c.Description, "No index on basket lines.") ||
			c.ProviderID == nil || *c.ProviderID != fx.Provider.ID {
			t.Fatalf("raised from the problem: %+v", c)
		}
		path := idPath("/api/v1/changes", c.ID)
		var probs page[itsm.Problem]
		e.get(t, agent, path+"/problems").MustStatus(t, http.StatusOK).MustDecode(t, &probs)
		if probs.Total != 1 || probs.Items[0].ID != p.ID {
			t.Fatalf("linked problems %+v", probs)
		}
		e.get(t, custA, path+"/problems").MustStatus(t, http.StatusOK).MustDecode(t, &probs)
		if probs.Total != 0 {
			t.Fatalf("a customer sees the problem: %+v", probs)
		}
		e.get(t, agent, path+"/problems?limit=x").MustError(t, http.StatusBadRequest, itsm.EINVALID)

		// Tickets and problems: link, twice is a conflict, unlink.
		e.send(t, agent, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": 0}).MustField(t, "ticket_id")
		e.send(t, agent, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": 999999}).MustField(t, "ticket_id")
		e.send(t, custA, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": tk.ID}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, agent, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": tk.ID}).MustStatus(t, http.StatusNoContent)
		e.send(t, agent, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": tk.ID}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		var tks page[itsm.Ticket]
		e.get(t, custA, path+"/tickets").MustStatus(t, http.StatusOK).MustDecode(t, &tks)
		if tks.Total != 1 || tks.Items[0].ID != tk.ID {
			t.Fatalf("linked tickets %+v", tks)
		}
		e.get(t, custA, path+"/tickets?x=1").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		if got, err := db.TicketChanges(storetest.As(custA), tk.ID); err != nil || len(got) != 1 || got[0].ID != c.ID {
			t.Fatalf("ticket's changes: %v %+v", err, got)
		}
		if got, err := db.TicketChanges(storetest.As(fx.CustomerUserB), tk.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND || got != nil {
			t.Fatalf("customer B read A's ticket's changes: %v", err)
		}
		e.send(t, custA, http.MethodDelete, idPath("/api/v1/changes", c.ID, "/tickets/"+strconv.FormatInt(tk.ID, 10)), nil).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, agent, http.MethodDelete, idPath("/api/v1/changes", c.ID, "/tickets/"+strconv.FormatInt(tk.ID, 10)), nil).MustStatus(t, http.StatusNoContent)
		e.send(t, agent, http.MethodDelete, idPath("/api/v1/changes", c.ID, "/tickets/"+strconv.FormatInt(tk.ID, 10)), nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, agent, http.MethodPost, path+"/problems", map[string]any{"problem_id": 0}).MustField(t, "problem_id")
		e.send(t, agent, http.MethodPost, path+"/problems", map[string]any{"problem_id": p.ID}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, custA, http.MethodPost, path+"/problems", map[string]any{"problem_id": p.ID}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, agent, http.MethodDelete, idPath("/api/v1/changes", c.ID, "/problems/"+strconv.FormatInt(p.ID, 10)), nil).MustStatus(t, http.StatusNoContent)
		e.send(t, custA, http.MethodDelete, idPath("/api/v1/changes", c.ID, "/problems/"+strconv.FormatInt(p.ID, 10)), nil).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, agent, http.MethodPost, path+"/problems", map[string]any{"problem_id": p.ID}).MustStatus(t, http.StatusNoContent)
		if got, err := db.ProblemChanges(storetest.As(agent), p.ID); err != nil || len(got) != 1 {
			t.Fatalf("problem's changes: %v %+v", err, got)
		}

		// A major change needs the CAB's votes before the decision.
		e.send(t, agent, http.MethodPatch, path, map[string]any{"version": e.changeVersion(t, c.ID), "major": true}).MustStatus(t, http.StatusOK)
		votes := path + "/votes"
		e.send(t, agent, http.MethodPost, votes, map[string]any{"vote": "approve"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.act(t, agent, c.ID, map[string]any{"action": "submit"}).MustStatus(t, http.StatusOK)
		e.act(t, agent, c.ID, map[string]any{"action": "start_review"}).MustStatus(t, http.StatusOK)
		e.act(t, agent, c.ID, map[string]any{"action": "accept_specification"}).MustStatus(t, http.StatusOK)
		e.send(t, fx.ProviderAgent, http.MethodPost, path+"/estimates", map[string]any{"effort_days": 10, "cost": 900000, "delivery_date": "2026-06-30"}).MustStatus(t, http.StatusCreated)
		e.act(t, fx.ProviderAgent, c.ID, map[string]any{"action": "submit_quote"}).MustStatus(t, http.StatusOK)
		// Raised by staff with no customer sponsor: the programme accepts.
		e.act(t, mgr, c.ID, map[string]any{"action": "accept_quote"}).MustStatus(t, http.StatusOK)
		d := e.act(t, mgr, c.ID, map[string]any{"action": "approve"}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		if !strings.Contains(d.Message, "change advisory board") {
			t.Fatalf("why: %q", d.Message)
		}
		e.send(t, agent, http.MethodPost, votes, map[string]any{"vote": "maybe"}).MustField(t, "vote")
		e.send(t, agent, http.MethodPost, votes, map[string]any{"vote": "approve", "member_id": -1}).MustField(t, "member_id")
		e.send(t, custA, http.MethodPost, votes, map[string]any{"vote": "approve"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, agent, http.MethodPost, votes, map[string]any{"vote": "approve", "member_id": fx.Admin.ID}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, agent, http.MethodPost, votes, map[string]any{"vote": "reject", "comment": "Risky before year end."}).MustStatus(t, http.StatusOK)
		e.send(t, agent, http.MethodPost, votes, map[string]any{"vote": "approve", "comment": "Reassured by the rollback plan."}).MustStatus(t, http.StatusOK)
		e.send(t, mgr, http.MethodPost, votes, map[string]any{"vote": "abstain", "member_id": fx.Admin.ID}).MustStatus(t, http.StatusOK)
		var vs page[*itsm.ChangeVote]
		e.get(t, custA, votes).MustStatus(t, http.StatusOK).MustDecode(t, &vs)
		if vs.Total != 2 || itsm.TallyVotes(vs.Items) != (itsm.VoteTally{Approve: 1, Abstain: 1}) {
			t.Fatalf("votes %+v", vs)
		}
		e.get(t, custA, votes+"?x=1").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		var cr itsm.ChangeRequest
		e.act(t, mgr, c.ID, map[string]any{"action": "approve", "conditions": "Rollback rehearsed first."}).MustStatus(t, http.StatusOK).MustDecode(t, &cr)
		if cr.State != itsm.ChangeApproved || cr.Conditions != "Rollback rehearsed first." || *cr.ApprovedBudget != 900000 {
			t.Fatalf("approved %+v", cr)
		}
		var costs page[itsm.ChangeCost]
		e.send(t, agent, http.MethodPost, path+"/costs", map[string]any{"date": "2026-03-02", "amount": 1250, "note": "Licences"}).MustStatus(t, http.StatusCreated)
		e.get(t, custA, path+"/costs").MustStatus(t, http.StatusOK).MustDecode(t, &costs)
		if costs.Total != 1 || costs.Items[0].Amount != 1250 {
			t.Fatalf("costs %+v", costs)
		}
	})
}
