package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// raidDate formats a date as the register's forms take it.
func raidDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

// mustRisk records a risk in the store as the agent.
func (e *env) mustRisk(title string, l, i int, owner *int64, provider *itsm.Organisation) *itsm.Risk {
	e.t.Helper()
	r := &itsm.Risk{Title: title, Category: itsm.RiskCategoryTechnical, Likelihood: l, Impact: i, Proximity: itsm.ProximityNear,
		ReviewDate: itsm.RAIDDate(storetest.ClockOf(e.db).Now()).AddDate(0, 0, 14), OwnerID: owner}
	if provider != nil {
		r.ProviderID = &provider.ID
	}
	if err := e.db.CreateRisk(storetest.As(e.f.Agent), r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// TestRiskLifecycle records a risk through the forms, re-scores it, adds
// and completes an action, makes it occur, and reads the dashboard, the
// heat map and the exports.
func TestRiskLifecycle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		agent := e.as(f.Agent)
		now := storetest.ClockOf(db).Now()
		mustContain(t, agent.Get("/risks/new").Body, "new risk form", "Record a risk", "Likelihood", "How soon could it happen?")

		// Bad input is re-rendered with the person's values and a summary.
		bad := url.Values{"title": {" "}, "category": {"weather"}, "likelihood": {"0"}, "impact": {"6"}, "proximity": {"soonish"}, "review_date": {"31/02/2027"},
			"status": {"forgotten"}, "owner_id": {"999999"}, "provider_id": {""}}
		res := agent.Post("/risks/new", bad)
		mustFormError(t, res, http.StatusBadRequest, "bad risk", "title", "category", "likelihood", "impact", "proximity", "review_date", "status", "owner_id")

		form := url.Values{"title": {"Provider key staff turnover"}, "description": {"Two of five engineers hold the knowledge."}, "category": {"people"},
			"likelihood": {"3"}, "impact": {"4"}, "proximity": {"near"}, "proximity_date": {""}, "review_date": {raidDate(now.AddDate(0, 0, 7))},
			"status": {"open"}, "owner_id": {id(f.ProviderAgent.ID)}, "provider_id": {id(f.Provider.ID)}}
		res = agent.Post("/risks/new", form)
		mustStatus(t, res, http.StatusSeeOther, "record risk")
		rid := strings.TrimPrefix(res.Location(), "/risks/")
		page := agent.Get(res.Location())
		mustContain(t, page.Body, "new risk", "RISK-001 has been recorded with a score of 12.", "Provider key staff turnover", "12 Amber",
			"likelihood 3 × impact 4", "Priya Provider", "Hosting Provider Ltd", "The score has not changed")

		// An action due before the risk was raised is refused.
		res = agent.Post("/risks/"+rid+"/actions", url.Values{"description": {"Agree a retention plan"}, "owner_id": {id(f.ProviderAgent.ID)}, "due_date": {raidDate(now.AddDate(0, 0, -3))}})
		mustFormError(t, res, http.StatusBadRequest, "action due in the past", "due_date")
		res = agent.Post("/risks/"+rid+"/actions", url.Values{"description": {""}, "owner_id": {""}, "due_date": {"tomorrow"}})
		mustFormError(t, res, http.StatusBadRequest, "empty action", "description", "due_date")
		res = agent.Post("/risks/"+rid+"/actions", url.Values{"description": {"Agree a retention plan"}, "owner_id": {id(f.ProviderAgent.ID)}, "due_date": {raidDate(now.AddDate(0, 0, 2))}})
		mustStatus(t, res, http.StatusSeeOther, "add action")
		mustContain(t, agent.Get(res.Location()).Body, "risk with action", "The action has been added to RISK-001", "Agree a retention plan", "Mark done")

		// Re-scoring without a note is refused; with one it is kept.
		k := e.riskByID(rid)
		edit := url.Values{}
		for key, v := range form {
			edit[key] = v
		}
		edit.Set("likelihood", "5")
		edit.Set("version", id(k.Version))
		res = agent.Post("/risks/"+rid+"/edit", edit)
		mustFormError(t, res, http.StatusBadRequest, "re-score without a note", "score_note")
		edit.Set("score_note", "Two senior engineers resigned.")
		res = agent.Post("/risks/"+rid+"/edit", edit)
		mustStatus(t, res, http.StatusSeeOther, "re-score")
		page = agent.Get(res.Location())
		mustContain(t, page.Body, "re-scored risk", "20 Red", "Rising", "(was 12)", "Two senior engineers resigned.", "12 to 20")
		// A stale version is a conflict.
		res = agent.Post("/risks/"+rid+"/edit", edit)
		mustFormError(t, res, http.StatusConflict, "stale risk")

		// Link a change request by its reference, then unlink it.
		c, err := db.CreateChange(storetest.As(f.Agent), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCChangeExisting, OrgID: f.CustomerA.ID,
			Title: "Invoicing interface v2", Description: "A new interface.", Service: "Invoicing", Justification: "Year end"})
		if err != nil {
			t.Fatal(err)
		}
		res = agent.Post("/risks/"+rid+"/changes/link", url.Values{"change_ref": {"RFC-9999"}})
		mustFormError(t, res, http.StatusBadRequest, "unknown change", "change_ref")
		res = agent.Post("/risks/"+rid+"/changes/link", url.Values{"change_ref": {strings.ToLower(c.Ref)}})
		mustStatus(t, res, http.StatusSeeOther, "link change")
		mustContain(t, agent.Get(res.Location()).Body, "linked change", c.Ref+" is now linked to RISK-001.", `<a href="/changes/`+id(c.ID)+`">`+c.Ref+`</a>`)
		if rs, err := db.RisksForChange(storetest.As(f.Agent), c.ID); err != nil || len(rs) != 1 {
			t.Fatalf("risks of the change: %v %d", err, len(rs))
		}
		res = agent.Post("/risks/"+rid+"/changes/unlink", url.Values{"change_id": {id(c.ID)}})
		mustStatus(t, res, http.StatusSeeOther, "unlink change")
		mustContain(t, agent.Get(res.Location()).Body, "unlinked change", "No change requests are linked.")

		// Three days on the action is overdue: flagged on the list, the
		// risk and the dashboard.
		storetest.ClockOf(db).Set(now.AddDate(0, 0, 3))
		agent = e.as(f.Agent) // the session timed out meanwhile
		mustContain(t, agent.Get("/risks?overdue=yes").Body, "overdue list", "RISK-001", "1 overdue")
		dash := agent.Get("/raid")
		mustContain(t, dash.Body, "dashboard", `role="img"`, "Heat map of live risks", `href="/risks?impact=4&amp;likelihood=5&amp;live=yes"`,
			"1 risks with likelihood 5 and impact 4", "Agree a retention plan", "Overdue")
		mustContain(t, agent.Get("/risks?impact=4&likelihood=5&live=yes").Body, "heat map cell list", "RISK-001")
		if body := agent.Get("/risks?impact=4&likelihood=3").Body; strings.Contains(body, "RISK-001</a>") {
			t.Error("the 3×4 cell lists the risk scored 5×4")
		}
		mustStatus(t, agent.Get("/risks?likelihood=6"), http.StatusBadRequest, "likelihood 6 filter")
		mustStatus(t, agent.Get("/risks?min_score=20&max_score=4"), http.StatusBadRequest, "score range backwards")

		// The provider marks its action done.
		prov := e.as(f.ProviderAgent)
		acts, _, err := db.FindActions(storetest.As(f.Agent), itsm.ActionFilter{})
		if err != nil || len(acts) != 1 {
			t.Fatalf("actions: %v %d", err, len(acts))
		}
		res = prov.Post("/raid-actions/"+id(acts[0].ID)+"/status", url.Values{"status": {"done"}, "version": {id(acts[0].Version)}})
		mustStatus(t, res, http.StatusSeeOther, "provider marks done")
		mustContain(t, prov.Get(res.Location()).Body, "action done", "is now done")
		mustStatus(t, prov.Get("/raid-actions/"+id(acts[0].ID)+"/edit"), http.StatusForbidden, "provider edits action")

		// Exports.
		csv := agent.Get("/risks.csv?live=yes")
		mustStatus(t, csv, http.StatusOK, "CSV")
		if !strings.HasPrefix(csv.Body, "id,ref,title,category") || !strings.Contains(csv.Body, "RISK-001,Provider key staff turnover,people,open,5,4,20,red,rising") {
			t.Errorf("CSV:\n%s", csv.Body)
		}
		xlsx := agent.Get("/risks.xlsx")
		if xlsx.StatusCode != http.StatusOK || !strings.HasPrefix(xlsx.Body, "PK") {
			t.Errorf("XLSX: %d", xlsx.StatusCode)
		}

		// The risk occurs: an issue is raised from it.
		k = e.riskByID(rid)
		edit.Set("status", "occurred")
		edit.Set("version", id(k.Version))
		edit.Del("score_note")
		res = agent.Post("/risks/"+rid+"/edit", edit)
		mustStatus(t, res, http.StatusSeeOther, "occurred")
		page = agent.Get(res.Location())
		mustContain(t, page.Body, "occurred risk", "RISK-001 has occurred: a programme issue has been raised from it.", "ISS-001")
		issues := agent.Get("/programme-issues")
		mustContain(t, issues.Body, "issue list", "ISS-001", "Critical", "RISK-001")
		iid := regexpFind(`/programme-issues/(\d+)"`, issues.Body)
		ipage := agent.Get("/programme-issues/" + iid)
		mustContain(t, ipage.Body, "issue", "Raised from RISK-001 when the risk occurred.", "Add a mitigating action")
		res = agent.Post("/programme-issues/new", url.Values{"title": {"Invoices held"}, "severity": {"urgent"}, "status": {"open"}, "owner_id": {""}, "provider_id": {""}})
		mustFormError(t, res, http.StatusBadRequest, "unknown severity", "severity")
		res = agent.Post("/programme-issues/new", url.Values{"title": {"Invoices held"}, "severity": {"high"}, "status": {"open"}, "owner_id": {""}, "provider_id": {""}})
		mustStatus(t, res, http.StatusSeeOther, "raise issue")
		mustContain(t, agent.Get("/programme-issues.csv").Body, "issue CSV", "ISS-002,Invoices held,high,open")
	})
}

func (e *env) riskByID(s string) *itsm.Risk {
	e.t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := e.db.FindRiskByID(storetest.As(e.f.Agent), n)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// mustRAIDRecords makes a risk, an issue and an action on the risk, and
// returns their IDs for paths.
func (e *env) mustRAIDRecords() (risk, issue, action string) {
	e.t.Helper()
	r := e.mustRisk("Guarded risk", 3, 3, nil, nil)
	i := &itsm.ProgrammeIssue{Title: "Guarded issue", Severity: itsm.SeverityLow}
	if err := e.db.CreateIssue(storetest.As(e.f.Agent), i); err != nil {
		e.t.Fatal(err)
	}
	a := &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: r.ID, Description: "Guarded action", DueDate: r.ReviewDate}
	if err := e.db.AddAction(storetest.As(e.f.Agent), a); err != nil {
		e.t.Fatal(err)
	}
	return id(r.ID), id(i.ID), id(a.ID)
}
