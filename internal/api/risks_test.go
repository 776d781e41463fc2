package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// raidFixture is a small register: a risk the provider's agent owns, one
// it cannot see, an issue, an action and a change request.
type raidFixture struct {
	mine, private *itsm.Risk
	issue         *itsm.ProgrammeIssue
	action        *itsm.RAIDAction
	change        *itsm.ChangeRequest
}

func raidDay(t time.Time, days int) string {
	return itsm.RAIDDate(t).AddDate(0, 0, days).Format("2006-01-02")
}

func (e *env) MustRAID(tb testing.TB) *raidFixture {
	tb.Helper()
	fx, now := e.fx, storetest.ClockOf(e.db).Now()
	agent := storetest.As(fx.Agent)
	var x raidFixture
	x.mine = &itsm.Risk{Title: "Provider key staff turnover", Category: itsm.RiskCategoryPeople, Likelihood: 3, Impact: 4, Proximity: itsm.ProximityNear,
		ReviewDate: itsm.RAIDDate(now).AddDate(0, 0, 14), OwnerID: &fx.ProviderAgent.ID}
	x.private = &itsm.Risk{Title: "Programme budget cut", Category: itsm.RiskCategoryCommercial, Likelihood: 4, Impact: 5, Proximity: itsm.ProximityFar,
		ReviewDate: itsm.RAIDDate(now).AddDate(0, 0, 14), OwnerID: &fx.Manager.ID}
	for _, r := range []*itsm.Risk{x.mine, x.private} {
		if err := e.db.CreateRisk(agent, r); err != nil {
			tb.Fatal(err)
		}
	}
	x.issue = &itsm.ProgrammeIssue{Title: "Invoices held at year end", Severity: itsm.SeverityHigh, ProviderID: &fx.Provider.ID}
	if err := e.db.CreateIssue(agent, x.issue); err != nil {
		tb.Fatal(err)
	}
	x.action = &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: x.mine.ID, Description: "Agree a retention plan", DueDate: itsm.RAIDDate(now).AddDate(0, 0, 3), OwnerID: &fx.ProviderAgent.ID}
	if err := e.db.AddAction(agent, x.action); err != nil {
		tb.Fatal(err)
	}
	var err error
	if x.change, err = e.db.CreateChange(agent, itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCChangeExisting, OrgID: fx.CustomerA.ID,
		Title: "Invoicing interface v2", Description: "A new interface.", Service: "Invoicing", Justification: "Year end"}); err != nil {
		tb.Fatal(err)
	}
	return &x
}

// TestRisksAPI walks the register through the API: create, re-score (with
// the history and trend), actions, the heat map, an issue raised when the
// risk occurs, links to a change, and the refusals on the way.
func TestRisksAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		x := e.MustRAID(t)
		now := storetest.ClockOf(db).Now()
		risks := "/api/v1/risks"

		// Create: bad input names the field; a good one is 201 with a
		// Location and an ETag.
		base := map[string]any{"title": "Financial year end freeze delays invoicing interface release", "category": "technical", "likelihood": 4, "impact": 3,
			"proximity_date": raidDay(now, 40), "review_date": raidDay(now, 7), "owner_id": fx.Agent.ID}
		for field, bad := range map[string]any{"likelihood": 0, "impact": 6, "category": "weather", "status": "dormant", "review_date": "next week"} {
			e.send(t, fx.Agent, http.MethodPost, risks, with(base, field, bad)).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		}
		rep := e.send(t, fx.Agent, http.MethodPost, risks, base).MustStatus(t, http.StatusCreated)
		var k itsm.Risk
		rep.MustDecode(t, &k)
		if k.Ref != "RISK-003" || k.Score != 12 || k.Proximity != itsm.ProximityNear || rep.header.Get("Location") != idPath(risks, k.ID) || rep.header.Get("ETag") != etag(k.Version) {
			t.Fatalf("created %+v, headers %v", k, rep.header)
		}
		e.send(t, fx.Auditor, http.MethodPost, risks, base).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.CustomerAdminA, http.MethodPost, risks, base).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, nil, http.MethodPost, risks, base).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Re-score: a note is needed; the history and trend follow.
		path := idPath(risks, k.ID)
		e.send(t, fx.Agent, http.MethodPatch, path, map[string]any{"version": k.Version, "likelihood": 5}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.Agent, http.MethodPatch, path, map[string]any{"version": k.Version, "status": "dormant"}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		rep = e.send(t, fx.Agent, http.MethodPatch, path, map[string]any{"version": k.Version, "likelihood": 5, "score_note": "The freeze was extended."}).MustStatus(t, http.StatusOK)
		var k2 itsm.Risk
		rep.MustDecode(t, &k2)
		if k2.Score != 15 || k2.Trend != itsm.TrendRising || k2.RAG != itsm.RAGRed {
			t.Fatalf("re-scored: %+v", k2)
		}
		e.send(t, fx.Agent, http.MethodPatch, path, map[string]any{"version": k.Version, "impact": 2, "score_note": "stale"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, fx.ProviderAgent, http.MethodPatch, idPath(risks, x.mine.ID), map[string]any{"version": x.mine.Version, "title": "x"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.ProviderAgent, http.MethodPatch, idPath(risks, x.private.ID), map[string]any{"version": 1, "title": "x"}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		var hist page[itsm.ScoreChange]
		e.get(t, fx.Auditor, path+"/history").MustStatus(t, http.StatusOK).MustDecode(t, &hist)
		if hist.Total != 1 || hist.Items[0].OldScore != 12 || hist.Items[0].NewScore != 15 || hist.Items[0].Note != "The freeze was extended." {
			t.Fatalf("history: %+v", hist)
		}
		e.get(t, fx.Agent, path+"/history?limit=0").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.CustomerUserA, path+"/history").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, path+"/history").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Lists and the heat map.
		var p page[itsm.Risk]
		e.get(t, fx.ProviderAgent, risks).MustStatus(t, http.StatusOK).MustDecode(t, &p)
		if p.Total != 1 || p.Items[0].ID != x.mine.ID {
			t.Fatalf("provider's risks: %+v", p)
		}
		e.get(t, fx.Agent, risks+"?min_score=15&sort=review").MustStatus(t, http.StatusOK).MustDecode(t, &p)
		if p.Total != 2 {
			t.Fatalf("score ≥ 15: %d", p.Total)
		}
		e.get(t, fx.Agent, risks+"?likelihood=6").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.Agent, risks+"?colour=red").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.CustomerUserA, risks).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.get(t, nil, risks).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		var hm itsm.HeatMap
		e.get(t, fx.Agent, "/api/v1/risk-heatmap?live=true").MustStatus(t, http.StatusOK).MustDecode(t, &hm)
		if hm.Total != 3 || hm.Count(5, 3) != 1 || hm.Count(4, 5) != 1 || hm.Count(3, 4) != 1 {
			t.Fatalf("heat map: %+v", hm)
		}
		e.get(t, fx.Agent, "/api/v1/risk-heatmap?min_score=0").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.CustomerAdminA, "/api/v1/risk-heatmap").MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.get(t, nil, "/api/v1/risk-heatmap").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Actions: due dates before the risk was raised are refused; the
		// provider marks its own done.
		acts := path + "/actions"
		e.send(t, fx.Agent, http.MethodPost, acts, map[string]any{"description": "Ask for an exemption", "due_date": raidDay(now, -2)}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.Agent, http.MethodPost, acts, map[string]any{"description": "Ask for an exemption", "due_date": raidDay(now, 2), "status": "later"}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.Agent, http.MethodPost, idPath(risks, 999999, "/actions"), map[string]any{"description": "x", "due_date": raidDay(now, 2)}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, fx.ProviderAgent, http.MethodPost, idPath(risks, x.mine.ID, "/actions"), map[string]any{"description": "x", "due_date": raidDay(now, 2)}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		var act itsm.RAIDAction
		e.send(t, fx.Agent, http.MethodPost, acts, map[string]any{"description": "Ask for an exemption", "due_date": raidDay(now, 2), "owner_id": fx.Manager.ID}).
			MustStatus(t, http.StatusCreated).MustDecode(t, &act)
		var ap page[itsm.RAIDAction]
		e.get(t, fx.Agent, acts).MustStatus(t, http.StatusOK).MustDecode(t, &ap)
		if ap.Total != 1 || ap.Items[0].ID != act.ID || ap.Items[0].ParentRef != k.Ref {
			t.Fatalf("risk's actions: %+v", ap)
		}
		e.get(t, fx.Agent, acts+"?offset=-1").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.ProviderAgent, acts).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, acts).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		ra := "/api/v1/raid-actions"
		e.send(t, fx.ProviderAgent, http.MethodPatch, idPath(ra, x.action.ID), map[string]any{"version": x.action.Version, "due_date": raidDay(now, 9)}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.ProviderAgent, http.MethodPatch, idPath(ra, x.action.ID), map[string]any{"version": x.action.Version, "status": "finished"}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.ProviderAgent, http.MethodPatch, idPath(ra, act.ID), map[string]any{"version": act.Version, "status": "done"}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		var done itsm.RAIDAction
		e.send(t, fx.ProviderAgent, http.MethodPatch, idPath(ra, x.action.ID), map[string]any{"version": x.action.Version, "status": "done"}).MustStatus(t, http.StatusOK).MustDecode(t, &done)
		if done.Status != itsm.ActionDone {
			t.Fatalf("done: %+v", done)
		}
		e.send(t, fx.Agent, http.MethodPatch, idPath(ra, x.action.ID), map[string]any{"version": x.action.Version, "status": "open"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.get(t, fx.Agent, idPath(ra, act.ID)).MustStatus(t, http.StatusOK)
		e.get(t, fx.CustomerAdminA, idPath(ra, act.ID)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, idPath(ra, act.ID)).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Two days later the manager's action is overdue.
		storetest.ClockOf(db).Set(now.AddDate(0, 0, 3))
		e.get(t, fx.Agent, ra+"?overdue=true").MustStatus(t, http.StatusOK).MustDecode(t, &ap)
		if ap.Total != 1 || !ap.Items[0].Overdue || ap.Items[0].ID != act.ID {
			t.Fatalf("overdue actions: %+v", ap)
		}
		e.get(t, fx.Agent, ra+"?status=later").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.CustomerUserA, ra).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.get(t, nil, ra).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// The risk occurs: an issue is raised from it.
		e.get(t, fx.Agent, path).MustStatus(t, http.StatusOK).MustDecode(t, &k2)
		e.send(t, fx.Agent, http.MethodPatch, path, map[string]any{"version": k2.Version, "status": "occurred"}).MustStatus(t, http.StatusOK).MustDecode(t, &k2)
		if k2.IssueID == nil {
			t.Fatal("no issue was raised from the occurred risk")
		}
		issues := "/api/v1/programme-issues"
		var iss itsm.ProgrammeIssue
		e.get(t, fx.Agent, idPath(issues, *k2.IssueID)).MustStatus(t, http.StatusOK).MustDecode(t, &iss)
		if iss.RiskRef != k.Ref || iss.Severity != itsm.SeverityHigh {
			t.Fatalf("issue from risk: %+v", iss)
		}
		e.get(t, fx.ProviderAgent, idPath(issues, iss.ID)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, idPath(issues, iss.ID)).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.Agent, http.MethodPatch, idPath(issues, iss.ID), map[string]any{"version": iss.Version, "severity": "urgent"}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.Agent, http.MethodPatch, idPath(issues, iss.ID), map[string]any{"version": iss.Version, "status": "in_progress"}).MustStatus(t, http.StatusOK)
		e.send(t, fx.Agent, http.MethodPatch, idPath(issues, iss.ID), map[string]any{"version": iss.Version, "status": "resolved"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, fx.Agent, http.MethodPatch, idPath(issues, 999999), map[string]any{"version": 1, "status": "resolved"}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, fx.Auditor, http.MethodPatch, idPath(issues, iss.ID), map[string]any{"version": 2, "status": "resolved"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, nil, http.MethodPatch, idPath(issues, iss.ID), map[string]any{"version": 2, "status": "resolved"}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		var ip page[itsm.ProgrammeIssue]
		e.get(t, fx.ProviderAgent, issues).MustStatus(t, http.StatusOK).MustDecode(t, &ip)
		if ip.Total != 1 || ip.Items[0].ID != x.issue.ID {
			t.Fatalf("provider's issues: %+v", ip)
		}
		e.get(t, fx.Agent, issues+"?severity=urgent").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.CustomerAdminA, issues).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.get(t, nil, issues).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.Agent, http.MethodPost, issues, map[string]any{"title": "Board unhappy", "severity": "urgent"}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.ProviderAgent, http.MethodPost, issues, map[string]any{"title": "Board unhappy", "severity": "low"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, nil, http.MethodPost, issues, map[string]any{"title": "Board unhappy", "severity": "low"}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		iacts := idPath(issues, iss.ID, "/actions")
		e.send(t, fx.Agent, http.MethodPost, iacts, map[string]any{"description": "Release the held invoices", "due_date": raidDay(now, 4)}).MustStatus(t, http.StatusCreated)
		e.send(t, fx.Agent, http.MethodPost, iacts, map[string]any{"description": "", "due_date": raidDay(now, 4)}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.Agent, http.MethodPost, idPath(issues, 999999, "/actions"), map[string]any{"description": "x", "due_date": raidDay(now, 4)}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, fx.Auditor, http.MethodPost, iacts, map[string]any{"description": "x", "due_date": raidDay(now, 4)}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, nil, http.MethodPost, iacts, map[string]any{"description": "x", "due_date": raidDay(now, 4)}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.get(t, fx.Auditor, iacts).MustStatus(t, http.StatusOK).MustDecode(t, &ap)
		if ap.Total != 1 || ap.Items[0].ParentType != itsm.ActionOnIssue {
			t.Fatalf("issue's actions: %+v", ap)
		}
		e.get(t, fx.Agent, iacts+"?limit=x").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.ProviderAgent, iacts).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, iacts).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Links to a change request.
		links := path + "/changes"
		e.send(t, fx.Agent, http.MethodPost, links, map[string]any{"change_id": 999999}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.Agent, http.MethodPost, idPath(risks, 999999, "/changes"), map[string]any{"change_id": x.change.ID}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, fx.Auditor, http.MethodPost, links, map[string]any{"change_id": x.change.ID}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, nil, http.MethodPost, links, map[string]any{"change_id": x.change.ID}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.Agent, http.MethodPost, links, map[string]any{"change_id": x.change.ID}).MustStatus(t, http.StatusNoContent)
		var lp page[itsm.LinkedChange]
		e.get(t, fx.Auditor, links).MustStatus(t, http.StatusOK).MustDecode(t, &lp)
		if lp.Total != 1 || lp.Items[0].Ref != x.change.Ref {
			t.Fatalf("linked changes: %+v", lp)
		}
		e.get(t, fx.Agent, risks+"?change_id="+idString(x.change.ID)).MustStatus(t, http.StatusOK).MustDecode(t, &p)
		if p.Total != 1 || p.Items[0].ID != k.ID {
			t.Fatalf("risks of the change: %+v", p)
		}
		e.get(t, fx.Agent, links+"?limit=501").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, fx.CustomerAdminA, links).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, links).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		unlink := idPath(risks, k.ID, "/changes/"+idString(x.change.ID))
		e.send(t, fx.Auditor, http.MethodDelete, unlink, nil).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, nil, http.MethodDelete, unlink, nil).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.Agent, http.MethodDelete, idPath(risks, k.ID, "/changes/x"), nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, fx.Agent, http.MethodDelete, unlink, nil).MustStatus(t, http.StatusNoContent)

		// Reads by ID.
		e.get(t, fx.ProviderAgent, idPath(risks, x.mine.ID)).MustStatus(t, http.StatusOK)
		for _, u := range []*itsm.User{fx.ProviderAgent, fx.CustomerAdminA, fx.CustomerUserA} {
			e.get(t, u, idPath(risks, x.private.ID)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		}
		e.get(t, nil, idPath(risks, x.mine.ID)).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, nil, http.MethodPatch, path, map[string]any{"version": 1, "title": "x"}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, nil, http.MethodPatch, idPath(ra, act.ID), map[string]any{"version": 1, "status": "done"}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, nil, http.MethodPost, acts, map[string]any{"description": "x", "due_date": raidDay(now, 4)}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
	})
}

func idString(n int64) string { return strings.TrimPrefix(idPath("", n), "/") }

// raidBodyEndpoints are the register's endpoints that take a body, each
// with a valid body for the current state.
func raidBodyEndpoints(t *testing.T, e *env, x *raidFixture) []bodyEndpoint {
	fx := e.fx
	now := storetest.ClockOf(e.db).Now()
	mine, err := e.db.FindRiskByID(storetest.As(fx.Agent), x.mine.ID)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := e.db.FindIssueByID(storetest.As(fx.Agent), x.issue.ID)
	if err != nil {
		t.Fatal(err)
	}
	act, err := e.db.FindActionByID(storetest.As(fx.Agent), x.action.ID)
	if err != nil {
		t.Fatal(err)
	}
	return []bodyEndpoint{
		{"create risk", http.MethodPost, "/api/v1/risks", fx.Agent, map[string]any{"title": "Data centre lease ends", "category": "service", "likelihood": 2.0, "impact": 4.0,
			"proximity": "far", "review_date": raidDay(now, 30)}},
		{"update risk", http.MethodPatch, idPath("/api/v1/risks", mine.ID), fx.Agent, map[string]any{"version": float64(mine.Version), "title": mine.Title + " (hosting)"}},
		{"add risk action", http.MethodPost, idPath("/api/v1/risks", mine.ID, "/actions"), fx.Agent, map[string]any{"description": "Shadow the engineers", "due_date": raidDay(now, 5)}},
		{"link risk change", http.MethodPost, idPath("/api/v1/risks", mine.ID, "/changes"), fx.Agent, map[string]any{"change_id": float64(x.change.ID)}},
		{"create issue", http.MethodPost, "/api/v1/programme-issues", fx.Agent, map[string]any{"title": "Board unhappy", "severity": "low"}},
		{"update issue", http.MethodPatch, idPath("/api/v1/programme-issues", iss.ID), fx.Agent, map[string]any{"version": float64(iss.Version), "status": "in_progress"}},
		{"add issue action", http.MethodPost, idPath("/api/v1/programme-issues", iss.ID, "/actions"), fx.Agent, map[string]any{"description": "Release them", "due_date": raidDay(now, 5)}},
		{"update action", http.MethodPatch, idPath("/api/v1/raid-actions", act.ID), fx.Agent, map[string]any{"version": float64(act.Version), "description": "Agree a retention plan now"}},
	}
}

// TestRiskBadBodies sends every kind of bad body to the register's
// endpoints (see TestBadBodies): each is refused with a clear 4xx naming
// the field, and nothing changes.
func TestRiskBadBodies(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		x := e.MustRAID(t)
		for i := range raidBodyEndpoints(t, e, x) {
			// Each endpoint is read afresh: the valid body of the one
			// before changed a version.
			ep := raidBodyEndpoints(t, e, x)[i]
			t.Run(ep.name, func(t *testing.T) {
				for _, bad := range badBodies(ep) {
					before := e.MustCount(t)
					rep := e.MustDo(t, request{method: ep.method, path: ep.path, token: e.token(ep.caller), body: bad.body, header: bad.header})
					if rep.status != bad.status || rep.apiError().Code != bad.code {
						t.Errorf("%s: %d %+v, want %d %s", bad.what, rep.status, rep.apiError(), bad.status, bad.code)
						continue
					}
					if bad.field != "" && rep.apiError().Fields[bad.field] == "" {
						t.Errorf("%s: the error does not name %q: %+v", bad.what, bad.field, rep.apiError())
					}
					e.MustUnchanged(t, before)
				}
				rep := e.MustDo(t, request{method: ep.method, path: ep.path, token: e.token(ep.caller), body: ep.valid})
				if rep.status >= 300 {
					t.Errorf("valid body refused: %d %s", rep.status, rep.body)
				}
			})
		}
	})
}
