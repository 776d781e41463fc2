package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// mustRaiseChange raises a submitted RFC as u (a customer) through the
// store.
func (e *env) mustRaiseChange(u *itsm.User, title string) *itsm.ChangeRequest {
	e.t.Helper()
	c, err := e.db.CreateChange(storetest.As(u), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCChangeExisting, Title: title,
		Description: "Show the supplier's VAT number on purchase orders.", Service: "Purchasing", Submit: true})
	if err != nil {
		e.t.Fatalf("raise change: %v", err)
	}
	return c
}

// mustMove takes a lifecycle action on the change as u through the store.
func (e *env) mustMove(u *itsm.User, c *itsm.ChangeRequest, t itsm.ChangeTransition) *itsm.ChangeRequest {
	e.t.Helper()
	t.Version = c.Version
	out, err := e.db.TransitionChange(storetest.As(u), c.ID, t)
	if err != nil {
		e.t.Fatalf("%s %s: %v", t.Action, c.Ref, err)
	}
	return out
}

// mustChangeByID reads a change as the system.
func (e *env) mustChangeByID(id int64) *itsm.ChangeRequest {
	e.t.Helper()
	c, err := e.db.FindChangeByID(storetest.System(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// mustQuotedChange raises a change for customer A, reviews and accepts its
// specification, assigns it to the fixture's provider, which estimates it
// and sends the quote: it waits for the customer admin's acceptance.
func (e *env) mustQuotedChange(title string) *itsm.ChangeRequest {
	e.t.Helper()
	f := e.f
	c := e.mustRaiseChange(f.CustomerUserA, title)
	c = e.mustMove(f.Agent, c, itsm.ChangeTransition{Action: itsm.ActStartReview})
	c = e.mustMove(f.Agent, c, itsm.ChangeTransition{Action: itsm.ActAcceptSpec})
	c, err := e.db.UpdateChange(storetest.As(f.Agent), c.ID, itsm.ChangeUpdate{ProviderID: &f.Provider.ID, Version: c.Version})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.AddChangeEstimate(storetest.As(f.ProviderAgent), c.ID, itsm.NewChangeEstimate{EffortDays: 10, Cost: 500000,
		DeliveryDate: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}); err != nil {
		e.t.Fatal(err)
	}
	return e.mustMove(f.ProviderAgent, c, itsm.ChangeTransition{Action: itsm.ActSubmitQuote})
}

// mustApprovedChange takes a quoted change through acceptance and approval.
func (e *env) mustApprovedChange(title string) *itsm.ChangeRequest {
	e.t.Helper()
	c := e.mustQuotedChange(title)
	c = e.mustMove(e.f.CustomerAdminA, c, itsm.ChangeTransition{Action: itsm.ActAcceptQuote})
	return e.mustMove(e.f.Manager, c, itsm.ChangeTransition{Action: itsm.ActApprove})
}

func changePath(c *itsm.ChangeRequest, rest ...string) string {
	return "/changes/" + id(c.ID) + strings.Join(rest, "")
}

// TestRaiseChanges raises each kind through the customer area's forms and
// the staff form, with bad input re-rendered, and checks tenancy.
func TestRaiseChanges(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		cust := e.as(f.CustomerUserA)

		choice := cust.Get("/changes/new")
		mustStatus(t, choice, http.StatusOK, "choice of kind")
		mustContain(t, choice.Body, "choice", "Request for change (RFC)", "Contract change notice (CCN)", "Work request", `href="/changes/new?kind=ccn"`)
		form := cust.Get("/changes/new?kind=rfc")
		mustContain(t, form.Body, "RFC form", "What makes a good specification", `name="subtype"`, `value="rfc"`)
		if strings.Contains(form.Body, `name="organisation_id"`) || strings.Contains(form.Body, `name="provider_id"`) {
			t.Error("the customer's form offers the programme team's fields")
		}
		mustStatus(t, cust.Get("/changes/new?kind=nonsense"), http.StatusNotFound, "unknown kind")

		res := cust.Post("/changes/new", url.Values{"kind": {"rfc"}, "title": {"  "}, "description": {""}, "subtype": {"bogus"}})
		mustFormError(t, res, http.StatusBadRequest, "empty RFC", "title", "subtype", "description")
		res = cust.Post("/changes/new", url.Values{"kind": {"rfc"}, "title": {"VAT numbers on orders"}, "description": {"Show the **VAT number**."},
			"subtype": {"change_existing"}, "service": {"Purchasing"}, "business_justification": {"Auditors ask for it."}, "submit": {"submit"}})
		mustStatus(t, res, http.StatusSeeOther, "raise RFC")
		page := cust.Get(res.Location())
		mustContain(t, page.Body, "new RFC", "RFC-0001 has been submitted.", "VAT numbers on orders", "<strong>VAT number</strong>",
			"Submitted", "Not yet baselined", "The programme team starts the specification review next.")
		rfc := e.mustChangeByID(mustAtoi(t, strings.TrimPrefix(res.Location(), "/changes/")))

		cust.Get("/changes/new?kind=ccn")
		res = cust.Post("/changes/new", url.Values{"kind": {"ccn"}, "title": {"Extend support hours"}, "description": {"Support until 8pm."},
			"contract_ref": {""}, "variation": {""}, "cost_impact": {"lots"}, "time_impact_days": {"1.25"}})
		mustFormError(t, res, http.StatusBadRequest, "bad CCN", "contract_ref", "variation", "cost_impact", "time_impact_days")
		mustContain(t, res.Body, "re-rendered CCN", `value="Extend support hours"`, `value="lots"`, "What a contract change notice is")
		res = cust.Post("/changes/new", url.Values{"kind": {"ccn"}, "title": {"Drop weekend cover"}, "description": {"No weekend cover."},
			"contract_ref": {"C-2024-17 schedule 3"}, "variation": {"Weekend cover ends."}, "cost_impact": {"-£3,000.50"}, "time_impact_days": {"-2.5"}, "submit": {"draft"}})
		mustStatus(t, res, http.StatusSeeOther, "raise CCN as draft")
		ccn := e.mustChangeByID(mustAtoi(t, strings.TrimPrefix(res.Location(), "/changes/")))
		if ccn.Ref != "CCN-0001" || ccn.State != itsm.ChangeDraft || ccn.CostImpact != -300050 || ccn.TimeImpactDays != -2.5 {
			t.Errorf("CCN: %+v", ccn)
		}
		mustContain(t, cust.Get(changePath(ccn)).Body, "CCN page", "-£3,000.50", "-2.5 days", "C-2024-17 schedule 3", "This is a draft.")

		// The programme team chooses the customer; providers and auditors
		// raise nothing.
		agent := e.as(f.Agent)
		agent.Get("/changes/new?kind=work_request")
		res = agent.Post("/changes/new", url.Values{"kind": {"work_request"}, "title": {"Extract of suppliers"}, "description": {"A CSV of suppliers."}, "organisation_id": {""}})
		mustFormError(t, res, http.StatusBadRequest, "staff without a customer", "organisation_id")
		res = agent.Post("/changes/new", url.Values{"kind": {"work_request"}, "title": {"Extract of suppliers"}, "description": {"A CSV of suppliers."},
			"organisation_id": {id(f.CustomerB.ID)}, "provider_id": {id(f.Provider.ID)}, "major": {"yes"}})
		mustStatus(t, res, http.StatusSeeOther, "staff raise a work request")
		wr := e.mustChangeByID(mustAtoi(t, strings.TrimPrefix(res.Location(), "/changes/")))
		if wr.Ref != "WR-0001" || wr.OrgID != f.CustomerB.ID || !wr.Major || wr.ProviderID == nil || wr.CustomerSponsored {
			t.Errorf("work request: %+v", wr)
		}
		mustStatus(t, e.as(f.ProviderAgent).Get("/changes/new"), http.StatusForbidden, "provider raising")
		mustStatus(t, e.as(f.Auditor).Post("/changes/new", url.Values{"kind": {"rfc"}}), http.StatusForbidden, "auditor raising")

		// Tenancy: B's people never see A's changes, by page, list or export.
		custB := e.as(f.CustomerUserB)
		mustStatus(t, custB.Get(changePath(rfc)), http.StatusNotFound, "B reads A's change")
		mustStatus(t, custB.Post(changePath(rfc, "/transition"), url.Values{"action": {"withdraw"}, "note_withdraw": {"x"}, "version": {id(rfc.Version)}}), http.StatusNotFound, "B withdraws A's change")
		listB := custB.Get("/changes")
		mustContain(t, listB.Body, "B's portfolio", "Your organisation's changes", "WR-0001")
		if strings.Contains(listB.Body, `href="`+changePath(rfc)+`"`) || strings.Contains(listB.Body, `href="`+changePath(ccn)+`"`) {
			t.Error("customer B's list shows A's changes")
		}
		if rows := mustCSV(t, custB.Get("/changes.csv?state=all")); len(rows) != 2 || rows[1][1] != "WR-0001" {
			t.Errorf("B's export: %v", rows)
		}
		if rows := mustCSV(t, agent.Get("/changes.csv?state=all&sort=ref")); len(rows) != 4 {
			t.Errorf("staff export: %v", rows)
		}
		if rows := mustXLSX(t, custB.Get("/changes.xlsx?state=all")); len(rows) != 2 || rows[1][1] != "WR-0001" {
			t.Errorf("B's workbook: %v", rows)
		}
		if rows := mustXLSX(t, cust.Get("/changes.xlsx?state=all&kind=ccn")); len(rows) != 2 || rows[1][1] != "CCN-0001" || rows[1][13] != "draft" {
			t.Errorf("A's filtered workbook: %v", rows)
		}
		mustStatus(t, agent.Get("/changes?rag=purple"), http.StatusBadRequest, "unknown RAG filter")
		mustStatus(t, agent.Get("/changes.csv?sort=nonsense"), http.StatusBadRequest, "unknown sort in export")
		mustContain(t, agent.Get("/changes?organisation="+id(f.CustomerB.ID)).Body, "filtered by customer", "Showing 1 to 1 of 1 changes", "WR-0001")
	})
}

// mustXLSX reads a workbook download's first sheet.
func mustXLSX(t *testing.T, res *webtest.Response) [][]string {
	t.Helper()
	mustStatus(t, res, http.StatusOK, "workbook")
	if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Fatalf("workbook content type %q", ct)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestChangeLifecycleThroughForms takes an RFC from submission to closing
// with the page's forms, each as the person whose turn it is, with bad
// input re-rendered and refusals explained.
func TestChangeLifecycleThroughForms(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		c := e.mustRaiseChange(f.CustomerUserA, "VAT numbers on orders")
		agent, cust, admin, prov, mgr := e.as(f.Agent), e.as(f.CustomerUserA), e.as(f.CustomerAdminA), e.as(f.ProviderAgent), e.as(f.Manager)
		act := func(cl *webtest.Client, action string, extra url.Values) *webtest.Response {
			t.Helper()
			cl.Get(changePath(c))
			v := url.Values{"action": {action}, "version": {id(e.mustChangeByID(c.ID).Version)}}
			for k, xs := range extra {
				v[k] = xs
			}
			return cl.Post(changePath(c, "/transition"), v)
		}

		// The customer sees no staff action; the agent starts the review.
		page := cust.Get(changePath(c))
		if strings.Contains(page.Body, `value="start_review"`) {
			t.Error("the customer is offered the review")
		}
		mustContain(t, agent.Get(changePath(c)).Body, "agent's page", `value="start_review"`)
		mustStatus(t, act(agent, "start_review", nil), http.StatusSeeOther, "start review")

		// Questions need words.
		res := act(agent, "request_clarification", url.Values{"note_request_clarification": {" "}})
		mustFormError(t, res, http.StatusBadRequest, "questions without text", "note_request_clarification")
		res = act(agent, "request_clarification", url.Values{"note_request_clarification": {"Which orders: all, or only over £5,000?"}})
		mustStatus(t, res, http.StatusSeeOther, "ask questions")
		page = cust.Get(changePath(c))
		mustContain(t, page.Body, "clarification", "Questions and answers", "Which orders: all, or only over £5,000?", "Clarification needed", `name="note_answer_clarification"`)
		res = act(cust, "answer_clarification", url.Values{"note_answer_clarification": {"All orders."}})
		mustStatus(t, res, http.StatusSeeOther, "answer")
		// A stale form is a conflict, shown on the page.
		res = agent.Post(changePath(c, "/transition"), url.Values{"action": {"accept_specification"}, "version": {"1"}})
		mustStatus(t, res, http.StatusConflict, "stale accept")
		mustStatus(t, act(agent, "accept_specification", nil), http.StatusSeeOther, "accept spec")
		page = agent.Get(changePath(c))
		mustContain(t, page.Body, "frozen", "Frozen as version 1", "Version 1, frozen on", "Estimation")

		// The programme team assigns the provider, which estimates.
		agent.Get(changePath(c, "/edit"))
		cur := e.mustChangeByID(c.ID)
		res = agent.Post(changePath(c, "/edit"), url.Values{"provider_id": {id(f.Provider.ID)}, "assignee_id": {id(f.Agent.ID)}, "version": {id(cur.Version)}})
		mustStatus(t, res, http.StatusSeeOther, "assign provider")
		if strings.Contains(agent.Get(changePath(c, "/edit")).Body, `name="title"`) {
			t.Error("the frozen specification can still be edited")
		}
		mustStatus(t, cust.Get(changePath(c, "/edit")), http.StatusConflict, "customer edits a frozen specification")
		prov.Get(changePath(c))
		res = prov.Post(changePath(c, "/estimates"), url.Values{"effort_days": {"1.25"}, "cost": {"-5"}, "delivery_date": {"2026-02-30"}})
		mustFormError(t, res, http.StatusBadRequest, "bad estimate", "effort_days", "cost", "delivery_date")
		mustContain(t, res.Body, "re-rendered estimate", `value="1.25"`)
		res = prov.Post(changePath(c, "/estimates"), url.Values{"effort_days": {"12.5"}, "cost": {"8,400"}, "delivery_date": {"2026-06-30"}, "estimate_note": {"Includes testing."}})
		mustStatus(t, res, http.StatusSeeOther, "estimate")
		mustStatus(t, act(prov, "submit_quote", nil), http.StatusSeeOther, "send quote")

		// Only the customer admin accepts the quote.
		res = act(cust, "accept_quote", nil)
		mustStatus(t, res, http.StatusForbidden, "customer user accepts")
		mustContain(t, res.Body, "refusal", "Only a customer admin of Alpha Council can accept the quote.")
		page = admin.Get(changePath(c))
		mustContain(t, page.Body, "quote", "12.5 days", "£8,400.00", "30 June 2026", "(the quote)", `value="accept_quote"`)
		mustStatus(t, act(admin, "accept_quote", nil), http.StatusSeeOther, "accept quote")
		mustStatus(t, act(agent, "approve", nil), http.StatusForbidden, "agent approves")
		mustStatus(t, act(mgr, "approve", url.Values{"conditions": {"Deploy out of hours."}}), http.StatusSeeOther, "approve")
		page = mgr.Get(changePath(c))
		mustContain(t, page.Body, "approved", "Approved", "Deploy out of hours.", "£8,400.00", "Green", "30 June 2026")

		// Scheduling shows clashes first; a freeze refuses the window
		// unless a manager overrides it with a reason.
		freeze := &itsm.FreezePeriod{Name: "Financial year end", Reason: "Year-end close", Start: time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)}
		if err := db.CreateFreeze(storetest.As(f.Manager), freeze); err != nil {
			t.Fatal(err)
		}
		agent.Get(changePath(c, "/schedule"))
		window := url.Values{"target_release": {"2026.4"}, "service": {"Purchasing"}, "window_start_date": {"2026-03-31"}, "window_start_time": {"18:00"},
			"window_end_date": {"2026-03-31"}, "window_end_time": {"22:00"}, "version": {id(e.mustChangeByID(c.ID).Version)}}
		res = agent.Post(changePath(c, "/schedule/check"), window)
		mustStatus(t, res, http.StatusOK, "check the window")
		mustContain(t, res.Body, "clashes", "Clashes with this window", "Financial year end", "ask a programme manager to override")
		res = agent.Post(changePath(c, "/schedule"), window)
		mustFormError(t, res, http.StatusBadRequest, "window in a freeze", "window_start")
		mustContain(t, res.Body, "refused window", "Financial year end", `value="2026.4"`)
		bad := url.Values{"target_release": {""}, "window_start_date": {"2026-03-29"}, "window_start_time": {"01:30"}, "window_end_date": {"2026-03-28"},
			"window_end_time": {"22:00"}, "version": window["version"]}
		mustFormError(t, agent.Post(changePath(c, "/schedule"), bad), http.StatusBadRequest, "window in the skipped hour", "window_start")
		bad.Set("window_start_date", "2026-03-28")
		bad.Set("window_start_time", "23:00")
		mustFormError(t, agent.Post(changePath(c, "/schedule"), bad), http.StatusBadRequest, "window ends before it starts", "window_end", "target_release")
		mgr.Get(changePath(c, "/schedule"))
		res = mgr.Post(changePath(c, "/schedule"), window)
		mustFormError(t, res, http.StatusBadRequest, "manager without a reason", "override_reason")
		window.Set("override_reason", "The supplier's year end is later.")
		res = mgr.Post(changePath(c, "/schedule"), window)
		mustStatus(t, res, http.StatusSeeOther, "override the freeze")
		page = mgr.Get(res.Location())
		mustContain(t, page.Body, "scheduled", "is scheduled for release 2026.4", "The freeze was overridden", "31 Mar 2026 18:00 (BST)")

		// Delivery: forecast, costs, budget, delivered, closed.
		prov.Get(changePath(c))
		res = prov.Post(changePath(c, "/forecast"), url.Values{"forecast_date": {"2026-07-15"}, "forecast_note": {"Testing found a bug."}, "version": {id(e.mustChangeByID(c.ID).Version)}})
		mustStatus(t, res, http.StatusSeeOther, "forecast")
		mustContain(t, prov.Get(changePath(c)).Body, "amber", "Amber", "The forecast date, 15 July 2026, is after the committed date of 30 June 2026.")
		res = prov.Post(changePath(c, "/costs"), url.Values{"cost_date": {"2026-03-01"}, "cost_amount": {"0"}, "cost_note": {""}})
		mustFormError(t, res, http.StatusBadRequest, "bad cost", "cost_amount")
		res = prov.Post(changePath(c, "/costs"), url.Values{"cost_date": {"2026-03-01"}, "cost_amount": {"20000000"}, "cost_note": {"Absurd"}})
		mustFormError(t, res, http.StatusBadRequest, "absurd cost", "cost_amount")
		res = prov.Post(changePath(c, "/costs"), url.Values{"cost_date": {"2026-03-01"}, "cost_amount": {"9,000"}, "cost_note": {"Development"}})
		mustStatus(t, res, http.StatusSeeOther, "cost")
		page = prov.Get(changePath(c))
		mustContain(t, page.Body, "over budget", "Red", "The actual cost, £9,000.00, exceeds the approved budget of £8,400.00", "£600.00 over budget", "Development")
		if strings.Contains(page.Body, `action="/changes/`+id(c.ID)+`/budget"`) {
			t.Error("the provider is offered the budget form")
		}
		mgr.Get(changePath(c))
		res = mgr.Post(changePath(c, "/budget"), url.Values{"budget": {"10000"}, "budget_reason": {""}, "version": {id(e.mustChangeByID(c.ID).Version)}})
		mustFormError(t, res, http.StatusBadRequest, "budget without a reason", "budget_reason")
		res = mgr.Post(changePath(c, "/budget"), url.Values{"budget": {"10000"}, "budget_reason": {"Scope grew."}, "version": {id(e.mustChangeByID(c.ID).Version)}})
		mustStatus(t, res, http.StatusSeeOther, "budget")
		mustStatus(t, act(prov, "start_delivery", nil), http.StatusSeeOther, "start delivery")
		res = act(prov, "deliver", url.Values{"actual_date": {"2026-12-01"}})
		mustFormError(t, res, http.StatusBadRequest, "delivered in the future", "actual_date")
		mustStatus(t, act(prov, "deliver", url.Values{"actual_date": {"2026-03-02"}}), http.StatusSeeOther, "deliver")
		res = act(agent, "close", url.Values{"note_close": {""}, "review_outcome": {""}})
		mustFormError(t, res, http.StatusBadRequest, "review without outcome", "review_outcome", "note_close")
		mustStatus(t, act(agent, "close", url.Values{"note_close": {"Works as asked."}, "review_outcome": {"partly_successful"}}), http.StatusSeeOther, "close")
		page = cust.Get(changePath(c))
		mustContain(t, page.Body, "closed", "Closed after its post-implementation review", "Post-implementation review", "Partly successful", "Works as asked.", "Green", "Delivered by the committed date")
		if strings.Contains(page.Body, `/transition"`) {
			t.Error("a closed change still offers actions")
		}
	})
}

// TestChangeLinksAndProblemFix raises an RFC for a problem's fix from the
// problem's page, links a ticket to it, and shows the links on all three
// pages.
func TestChangeLinksAndProblemFix(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		d := e.mustDesk()
		agent := e.as(f.Agent)
		pp := "/problems/" + id(d.problem.ID)
		page := agent.Get(pp)
		mustContain(t, page.Body, "problem page", "Raise an RFC for the fix", `action="`+pp+`/raise-change"`)
		if strings.Contains(e.as(f.ProviderAgent).Get(pp).Body, "Raise an RFC for the fix") {
			t.Error("the provider is offered the RFC form")
		}
		res := agent.Post(pp+"/raise-change", url.Values{"organisation_id": {""}})
		mustFormError(t, res, http.StatusBadRequest, "no organisation", "organisation_id")
		res = agent.Post(pp+"/raise-change", url.Values{"organisation_id": {id(f.Provider.ID)}})
		mustFormError(t, res, http.StatusBadRequest, "a provider as the customer", "organisation_id")
		mustStatus(t, e.as(f.CustomerAdminA).Post(pp+"/raise-change", url.Values{"organisation_id": {id(f.CustomerA.ID)}}), http.StatusNotFound, "customer raises for a problem")
		res = agent.Post(pp+"/raise-change", url.Values{"organisation_id": {id(f.CustomerA.ID)}})
		mustStatus(t, res, http.StatusSeeOther, "raise RFC for the fix")
		c := e.mustChangeByID(mustAtoi(t, strings.TrimPrefix(res.Location(), "/changes/")))
		page = agent.Get(res.Location())
		mustContain(t, page.Body, "RFC for the fix", "has been raised as a draft for the fix of "+d.problem.Ref, d.problem.Ref, `name="problem_id"`)
		mustContain(t, agent.Get(pp).Body, "problem's changes", c.Ref, `href="`+changePath(c)+`"`)

		// Link a ticket by reference; a wrong one is a field error.
		res = agent.Post(changePath(c, "/links"), url.Values{"link_kind": {"ticket"}, "link_ref": {"INC-999999"}})
		mustFormError(t, res, http.StatusBadRequest, "unknown ticket", "link_ref")
		res = agent.Post(changePath(c, "/links"), url.Values{"link_kind": {"ticket"}, "link_ref": {strings.ToLower(d.ticketA.Ref)}})
		mustStatus(t, res, http.StatusSeeOther, "link ticket")
		res = agent.Post(changePath(c, "/links"), url.Values{"link_kind": {"problem"}, "link_ref": {"PRB-999999"}})
		mustFormError(t, res, http.StatusBadRequest, "unknown problem", "link_ref")
		tp := e.as(f.CustomerUserA).Get("/tickets/" + id(d.ticketA.ID))
		mustContain(t, tp.Body, "ticket's changes", "Changes", c.Ref)
		mustContain(t, agent.Get(changePath(c)).Body, "change's links", d.ticketA.Ref)
		// Customer B sees neither the change on its own pages nor A's ticket.
		mustStatus(t, e.as(f.CustomerUserB).Get("/tickets/"+id(d.ticketA.ID)), http.StatusNotFound, "B reads A's ticket")
		res = agent.Post(changePath(c, "/unlink"), url.Values{"ticket_id": {id(d.ticketA.ID)}})
		mustStatus(t, res, http.StatusSeeOther, "unlink ticket")
		if strings.Contains(e.as(f.CustomerUserA).Get("/tickets/"+id(d.ticketA.ID)).Body, c.Ref) {
			t.Error("the ticket still shows the unlinked change")
		}
		res = agent.Post(changePath(c, "/unlink"), url.Values{"problem_id": {id(d.problem.ID)}})
		mustStatus(t, res, http.StatusSeeOther, "unlink problem")
		mustStatus(t, agent.Post(changePath(c, "/unlink"), url.Values{}), http.StatusBadRequest, "unlink nothing")
		mustStatus(t, e.as(f.CustomerAdminA).Post(changePath(c, "/links"), url.Values{"link_kind": {"ticket"}, "link_ref": {d.ticketA.Ref}}), http.StatusForbidden, "customer links")
	})
}

// TestChangeDeliveryScores shows each provider's "on time and within
// budget" figure to staff, auditors and the provider, and to no customer.
func TestChangeDeliveryScores(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		c := e.mustApprovedChange("Delivered on time")
		c, _, err := db.ScheduleChange(storetest.As(f.Agent), c.ID, itsm.ChangeSchedule{TargetRelease: "2026.3", Service: "Purchasing",
			WindowStart: time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC), Version: c.Version})
		if err != nil {
			t.Fatal(err)
		}
		c = e.mustMove(f.ProviderAgent, c, itsm.ChangeTransition{Action: itsm.ActStartDelivery})
		e.mustMove(f.ProviderAgent, c, itsm.ChangeTransition{Action: itsm.ActDeliver, ActualDate: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)})

		page := e.as(f.Auditor).Get("/changes/delivery?quarter=2026-Q1")
		mustStatus(t, page, http.StatusOK, "auditor's figures")
		mustContain(t, page.Body, "figures", "Changes delivered in 2026-Q1, by provider", "Hosting Provider Ltd", "1 of 1 (100%)", "On time: delivered on or before the committed date")
		mustContain(t, e.as(f.ProviderAgent).Get("/changes/delivery").Body, "provider's figures", "Hosting Provider Ltd")
		mustContain(t, e.as(f.Agent).Get("/changes/delivery?quarter=2025-Q4").Body, "an empty quarter", "No changes delivered")
		mustStatus(t, e.as(f.Agent).Get("/changes/delivery?quarter=2026-Q9"), http.StatusBadRequest, "bad quarter")
		mustStatus(t, e.as(f.CustomerAdminA).Get("/changes/delivery"), http.StatusForbidden, "customer's figures")
		rows := mustCSV(t, e.as(f.Manager).Get("/changes/delivery.csv?quarter=2026-Q1"))
		if len(rows) != 2 || rows[1][2] != "Hosting Provider Ltd" || rows[1][3] != "1" || rows[1][9] != "100" {
			t.Errorf("delivery export: %v", rows)
		}
	})
}
