package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func riskDay(t time.Time, days int) time.Time { return itsm.RAIDDate(t).AddDate(0, 0, days) }

// mustRisk records a risk as the agent.
func mustRisk(t *testing.T, db *store.DB, f *storetest.Fixture, r *itsm.Risk) *itsm.Risk {
	t.Helper()
	if r.Category == "" {
		r.Category = itsm.RiskCategoryTechnical
	}
	if r.Proximity == "" && r.ProximityDate == nil {
		r.Proximity = itsm.ProximityNear
	}
	if r.ReviewDate.IsZero() {
		r.ReviewDate = riskDay(storetest.ClockOf(db).Now(), 14)
	}
	if err := db.CreateRisk(storetest.As(f.Agent), r); err != nil {
		t.Fatalf("create risk %q: %v", r.Title, err)
	}
	return r
}

func TestRiskRegister(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		agent, manager := storetest.As(f.Agent), storetest.As(f.Manager)
		now := storetest.ClockOf(db).Now()

		// Bad input: nothing is written.
		for _, bad := range []struct {
			field string
			r     itsm.Risk
		}{
			{"likelihood", itsm.Risk{Title: "x", Category: itsm.RiskCategoryPeople, Likelihood: 0, Impact: 3, Proximity: itsm.ProximityFar, ReviewDate: now}},
			{"impact", itsm.Risk{Title: "x", Category: itsm.RiskCategoryPeople, Likelihood: 3, Impact: 6, Proximity: itsm.ProximityFar, ReviewDate: now}},
			{"status", itsm.Risk{Title: "x", Category: itsm.RiskCategoryPeople, Likelihood: 3, Impact: 3, Status: "dormant", Proximity: itsm.ProximityFar, ReviewDate: now}},
			{"owner_id", itsm.Risk{Title: "x", Category: itsm.RiskCategoryPeople, Likelihood: 3, Impact: 3, Proximity: itsm.ProximityFar, ReviewDate: now, OwnerID: &f.CustomerUserA.ID}},
			{"provider_id", itsm.Risk{Title: "x", Category: itsm.RiskCategoryPeople, Likelihood: 3, Impact: 3, Proximity: itsm.ProximityFar, ReviewDate: now, ProviderID: &f.CustomerA.ID}},
		} {
			r := bad.r
			if err := db.CreateRisk(agent, &r); itsm.ErrorCode(err) != itsm.EINVALID || itsm.ErrorFields(err)[bad.field] == "" {
				t.Errorf("%s: %v", bad.field, err)
			}
		}
		if _, total, _ := db.FindRisks(agent, itsm.RiskFilter{}); total != 0 {
			t.Fatalf("bad risks were written: %d", total)
		}
		if err := db.CreateRisk(storetest.As(f.Auditor), &itsm.Risk{Title: "x"}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor created a risk: %v", err)
		}

		// Three risks: one the provider's agent owns, one concerning the
		// provider, one the provider must not see.
		owned := mustRisk(t, db, f, &itsm.Risk{Title: "Provider key staff turnover", Category: itsm.RiskCategoryPeople, Likelihood: 3, Impact: 4, OwnerID: &f.ProviderAgent.ID})
		concerning := mustRisk(t, db, f, &itsm.Risk{Title: "Hosting contract renewal slips", Category: itsm.RiskCategoryCommercial, Likelihood: 2, Impact: 5, ProviderID: &f.Provider.ID})
		private := mustRisk(t, db, f, &itsm.Risk{Title: "Programme budget cut", Category: itsm.RiskCategoryCommercial, Likelihood: 4, Impact: 5, OwnerID: &f.Manager.ID})
		if owned.Ref != "RISK-001" || private.Ref != "RISK-003" || owned.Score != 12 || owned.RAG != itsm.RAGAmber || private.RAG != itsm.RAGRed {
			t.Fatalf("refs and scores: %s %d %s, %s %s", owned.Ref, owned.Score, owned.RAG, private.Ref, private.RAG)
		}
		if jobs := storetest.OutboxOf(db).Jobs(); len(jobs) == 0 {
			t.Fatal("the owner was not told")
		}

		// Tenancy.
		prov := storetest.As(f.ProviderAgent)
		rs, total, err := db.FindRisks(prov, itsm.RiskFilter{})
		if err != nil || total != 2 {
			t.Fatalf("provider sees %d risks: %v", total, err)
		}
		for _, r := range rs {
			if r.ID == private.ID {
				t.Fatal("provider sees a risk neither owned by it nor concerning it")
			}
		}
		if _, err := db.FindRiskByID(prov, private.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("provider opened the private risk: %v", err)
		}
		if _, err := db.FindRiskByID(prov, concerning.ID); err != nil {
			t.Fatalf("provider cannot open a risk concerning it: %v", err)
		}
		for _, u := range []*itsm.User{f.CustomerAdminA, f.CustomerUserB} {
			if _, err := db.FindRiskByID(storetest.As(u), owned.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("%s opened a risk: %v", u.Email, err)
			}
			if _, _, err := db.FindRisks(storetest.As(u), itsm.RiskFilter{}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
				t.Fatalf("%s listed risks: %v", u.Email, err)
			}
			if _, err := db.RiskHistory(storetest.As(u), owned.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("%s read a risk's history: %v", u.Email, err)
			}
		}
		if _, total, _ := db.FindRisks(storetest.As(f.Auditor), itsm.RiskFilter{}); total != 3 {
			t.Fatalf("auditor sees %d risks", total)
		}
		l := 3
		if _, err := db.UpdateRisk(prov, owned.ID, itsm.RiskUpdate{Likelihood: &l, ScoreNote: "x", Version: owned.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("provider changed a risk: %v", err)
		}

		// Re-scoring needs a note, is kept in the history and sets the trend.
		up := 5
		if _, err := db.UpdateRisk(agent, owned.ID, itsm.RiskUpdate{Likelihood: &up, Version: owned.Version}); itsm.ErrorFields(err)["score_note"] == "" {
			t.Fatalf("re-scored without a note: %v", err)
		}
		bad := 6
		if _, err := db.UpdateRisk(agent, owned.ID, itsm.RiskUpdate{Impact: &bad, ScoreNote: "x", Version: owned.Version}); itsm.ErrorFields(err)["impact"] == "" {
			t.Fatalf("impact 6: %v", err)
		}
		storetest.ClockOf(db).Advance(time.Hour)
		r, err := db.UpdateRisk(agent, owned.ID, itsm.RiskUpdate{Likelihood: &up, ScoreNote: "Two senior engineers resigned.", Version: owned.Version})
		if err != nil || r.Score != 20 || r.Trend != itsm.TrendRising || r.PreviousScore != 12 {
			t.Fatalf("re-score: %v %+v", err, r)
		}
		if _, err := db.UpdateRisk(agent, owned.ID, itsm.RiskUpdate{Likelihood: &up, ScoreNote: "stale", Version: owned.Version}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale version: %v", err)
		}
		down := 2
		if r, err = db.UpdateRisk(manager, owned.ID, itsm.RiskUpdate{Impact: &down, ScoreNote: "Knowledge transfer done.", Version: r.Version}); err != nil || r.Trend != itsm.TrendFalling || r.Score != 10 {
			t.Fatalf("second re-score: %v %+v", err, r)
		}
		title := "Provider key staff turnover (hosting)"
		if r, err = db.UpdateRisk(agent, owned.ID, itsm.RiskUpdate{Title: &title, Version: r.Version}); err != nil || r.Trend != itsm.TrendFalling {
			t.Fatalf("a change that is not a re-score keeps the trend: %v %+v", err, r)
		}
		hist, err := db.RiskHistory(prov, owned.ID)
		if err != nil || len(hist) != 2 || hist[0].OldScore != 20 || hist[0].NewScore != 10 || hist[0].Note != "Knowledge transfer done." || hist[1].ActorName != f.Agent.Name {
			t.Fatalf("history: %v %+v", err, hist)
		}

		// Filters, sort and the heat map.
		five, twenty := 5, 20
		if _, total, _ := db.FindRisks(agent, itsm.RiskFilter{MinScore: &twenty}); total != 1 {
			t.Fatalf("score ≥ 20: %d", total)
		}
		if rs, _, _ := db.FindRisks(agent, itsm.RiskFilter{Likelihood: &l, Impact: &five}); len(rs) != 0 {
			t.Fatalf("3×5: %d", len(rs))
		}
		if rs, _, _ := db.FindRisks(agent, itsm.RiskFilter{Sort: "ref"}); len(rs) != 3 || rs[0].Ref != "RISK-001" {
			t.Fatalf("sort by ref: %+v", rs)
		}
		cat := itsm.RiskCategoryCommercial
		if _, total, _ := db.FindRisks(agent, itsm.RiskFilter{Category: &cat}); total != 2 {
			t.Fatalf("commercial: %d", total)
		}
		hm, err := db.RiskHeatMap(agent, itsm.RiskFilter{})
		if err != nil || hm.Total != 3 || hm.Count(4, 5) != 1 || hm.Count(2, 5) != 1 || hm.Count(5, 2) != 1 {
			t.Fatalf("heat map: %v %+v", err, hm)
		}
		if hm, _ := db.RiskHeatMap(prov, itsm.RiskFilter{}); hm.Total != 2 || hm.Count(4, 5) != 0 {
			t.Fatalf("provider's heat map: %+v", hm)
		}
		if _, err := db.RiskHeatMap(storetest.As(f.CustomerUserA), itsm.RiskFilter{}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer's heat map: %v", err)
		}

		// Actions: due dates, ownership, overdue flags.
		if err := db.AddAction(agent, &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: owned.ID, Description: "x", DueDate: riskDay(now, -1)}); itsm.ErrorFields(err)["due_date"] == "" {
			t.Fatalf("action due before the risk was raised: %v", err)
		}
		if err := db.AddAction(agent, &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: private.ID, Description: "x", DueDate: riskDay(now, 3), OwnerID: &f.ProviderAgent.ID}); itsm.ErrorFields(err)["owner_id"] == "" {
			t.Fatalf("a provider owns an action on a risk that does not concern it: %v", err)
		}
		if err := db.AddAction(storetest.As(f.CustomerAdminA), &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: owned.ID, Description: "x", DueDate: riskDay(now, 3)}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("customer added an action: %v", err)
		}
		act := &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: owned.ID, Description: "Agree a retention plan with the provider", DueDate: riskDay(now, 2), OwnerID: &f.ProviderAgent.ID}
		if err := db.AddAction(agent, act); err != nil || act.Status != itsm.ActionOpen || act.ParentRef != "RISK-001" {
			t.Fatalf("add action: %v %+v", err, act)
		}
		other := &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: private.ID, Description: "Brief the board", DueDate: riskDay(now, 5)}
		if err := db.AddAction(agent, other); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindActionByID(prov, other.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("provider opened an action on the private risk: %v", err)
		}
		if _, total, _ := db.FindActions(prov, itsm.ActionFilter{}); total != 1 {
			t.Fatalf("provider sees %d actions", total)
		}
		desc := "Something else"
		if _, err := db.UpdateAction(prov, act.ID, itsm.ActionUpdate{Description: &desc, Version: act.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("provider rewrote an action: %v", err)
		}
		if _, err := db.UpdateAction(agent, act.ID, itsm.ActionUpdate{Status: ptr(itsm.ActionStatus("later")), Version: act.Version}); itsm.ErrorFields(err)["status"] == "" {
			t.Fatalf("unknown action status: %v", err)
		}

		// Three days on, the action and the reviews (14 days) are not all
		// overdue: only the action is.
		storetest.ClockOf(db).Set(riskDay(now, 3).Add(9 * time.Hour))
		yes := true
		if rs, _, _ := db.FindRisks(agent, itsm.RiskFilter{Overdue: &yes}); len(rs) != 1 || rs[0].ID != owned.ID || rs[0].OverdueActions != 1 || rs[0].ReviewOverdue {
			t.Fatalf("overdue risks: %+v", rs)
		}
		sum, err := db.RAIDSummary(agent)
		if err != nil || sum.OverdueActions != 1 || sum.LiveRisks != 3 || sum.RedRisks != 1 || sum.OverdueReviews != 0 {
			t.Fatalf("summary: %v %+v", err, sum)
		}
		before := len(storetest.OutboxOf(db).Jobs())
		n, err := db.NotifyOverdueRAID(storetest.System())
		if err != nil || n != 1 {
			t.Fatalf("reminders: %d %v", n, err)
		}
		jobs := storetest.OutboxOf(db).Jobs()
		if len(jobs) != before+1 || jobs[len(jobs)-1].(itsm.EmailJob).To[0] != f.ProviderAgent.Email {
			t.Fatalf("reminder: %+v", jobs[before:])
		}
		// Once a day, however often the job runs.
		if n, err := db.NotifyOverdueRAID(storetest.System()); err != nil || n != 0 {
			t.Fatalf("second run the same day: %d %v", n, err)
		}
		storetest.ClockOf(db).Set(riskDay(now, 15).Add(9 * time.Hour))
		if n, err := db.NotifyOverdueRAID(storetest.System()); err != nil || n != 5 { // two actions and three reviews
			t.Fatalf("next fortnight: %d %v", n, err)
		}
		if act, err = db.UpdateAction(prov, act.ID, itsm.ActionUpdate{Status: ptr(itsm.ActionDone), Version: act.Version}); err != nil || act.Overdue {
			t.Fatalf("provider marks its action done: %v %+v", err, act)
		}

		// A risk that occurs becomes an issue.
		occurred := itsm.RiskOccurred
		r, err = db.FindRiskByID(agent, private.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = db.UpdateRisk(agent, private.ID, itsm.RiskUpdate{Status: &occurred, Version: r.Version}); err != nil || r.IssueID == nil {
			t.Fatalf("occurred: %v %+v", err, r)
		}
		iss, err := db.FindIssueByID(agent, *r.IssueID)
		if err != nil || iss.RiskID == nil || *iss.RiskID != r.ID || iss.Severity != itsm.SeverityCritical || iss.Ref != "ISS-001" || iss.OwnerID == nil {
			t.Fatalf("issue from risk: %v %+v", err, iss)
		}
		if _, err := db.FindIssueByID(prov, iss.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("provider opened an issue that does not concern it: %v", err)
		}
		if _, err := db.FindIssueByID(storetest.As(f.CustomerAdminA), iss.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("customer opened an issue: %v", err)
		}
		sev := itsm.IssueSeverity("catastrophic")
		if _, err := db.UpdateIssue(agent, iss.ID, itsm.IssueUpdate{Severity: &sev, Version: iss.Version}); itsm.ErrorFields(err)["severity"] == "" {
			t.Fatalf("unknown severity: %v", err)
		}
		st := itsm.IssueInProgress
		if iss, err = db.UpdateIssue(agent, iss.ID, itsm.IssueUpdate{Status: &st, ProviderID: &f.Provider.ID, Version: iss.Version}); err != nil || iss.Status != st {
			t.Fatalf("update issue: %v", err)
		}
		if _, err := db.FindIssueByID(prov, iss.ID); err != nil {
			t.Fatalf("provider cannot open an issue concerning it: %v", err)
		}
		direct := &itsm.ProgrammeIssue{Title: "Invoices held at year end", Severity: itsm.SeverityHigh}
		if err := db.CreateIssue(agent, direct); err != nil || direct.Ref != "ISS-002" {
			t.Fatalf("create issue: %v %+v", err, direct)
		}
		if err := db.AddAction(agent, &itsm.RAIDAction{ParentType: itsm.ActionOnIssue, ParentID: direct.ID, Description: "Release the held invoices", DueDate: riskDay(storetest.ClockOf(db).Now(), 1)}); err != nil {
			t.Fatal(err)
		}
		if is, total, err := db.FindIssues(agent, itsm.IssueFilter{}); err != nil || total != 2 || is[0].Severity != itsm.SeverityCritical || is[1].OpenActions != 1 {
			t.Fatalf("issues: %v %d %+v", err, total, is)
		}
		if _, _, err := db.FindIssues(storetest.As(f.CustomerUserA), itsm.IssueFilter{}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer listed issues: %v", err)
		}
	})
}

func TestRiskChangeLinks(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		agent, prov := storetest.As(f.Agent), storetest.As(f.ProviderAgent)
		r := mustRisk(t, db, f, &itsm.Risk{Title: "Financial year end freeze delays invoicing interface release", Likelihood: 4, Impact: 4, ProviderID: &f.Provider.ID})
		c, err := db.CreateChange(agent, itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCSubtypes[0], OrgID: f.CustomerA.ID, Title: "Invoicing interface v2",
			Description: "New interface", Service: "Invoicing", Justification: "Year end"})
		if err != nil {
			t.Fatalf("create change: %v", err)
		}
		if err := db.LinkRiskChange(prov, r.ID, c.ID); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("provider linked: %v", err)
		}
		if err := db.LinkRiskChange(agent, r.ID, 999999); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("unknown change: %v", err)
		}
		for i := 0; i < 2; i++ { // linking twice is not an error
			if err := db.LinkRiskChange(agent, r.ID, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		if cs, err := db.RiskChanges(agent, r.ID); err != nil || len(cs) != 1 || cs[0].Ref != c.Ref {
			t.Fatalf("risk's changes: %v %+v", err, cs)
		}
		if rs, err := db.RisksForChange(agent, c.ID); err != nil || len(rs) != 1 || rs[0].ID != r.ID {
			t.Fatalf("change's risks: %v %+v", err, rs)
		}
		// The provider sees the risk but not the change, which is not
		// assigned to it; the customer sees neither.
		if cs, err := db.RiskChanges(prov, r.ID); err != nil || len(cs) != 0 {
			t.Fatalf("provider sees the change: %v %+v", err, cs)
		}
		if rs, err := db.RisksForChange(storetest.As(f.CustomerAdminA), c.ID); err != nil || len(rs) != 0 {
			t.Fatalf("customer sees linked risks: %v %+v", err, rs)
		}
		if err := db.UnlinkRiskChange(agent, r.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		if rs, _ := db.RisksForChange(agent, c.ID); len(rs) != 0 {
			t.Fatalf("unlinked risk still listed: %+v", rs)
		}
	})
}

// TestSeedRisks checks the demonstration register: a dozen risks, one
// overdue action, an issue raised from a risk that occurred and one raised
// directly, and a provider that sees only its part.
func TestSeedRisks(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite)
	accounts, err := db.SeedDemo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sys := storetest.System()
	if _, total, _ := db.FindRisks(sys, itsm.RiskFilter{}); total != 12 {
		t.Fatalf("%d demo risks", total)
	}
	yes := true
	if acts, _, _ := db.FindActions(sys, itsm.ActionFilter{Overdue: &yes}); len(acts) != 1 {
		t.Fatalf("%d overdue actions", len(acts))
	}
	if is, _, _ := db.FindIssues(sys, itsm.IssueFilter{}); len(is) != 2 {
		t.Fatalf("%d demo issues", len(is))
	}
	if hist, err := db.RiskHistory(sys, 1); err != nil || len(hist) != 1 {
		t.Fatalf("history of RISK-001: %v %d", err, len(hist))
	}
	for _, a := range accounts {
		if a.Role != itsm.RoleProviderAgent {
			continue
		}
		us, _, _ := db.FindUsers(sys, itsm.UserFilter{Email: &a.Email, Limit: 1})
		rs, total, err := db.FindRisks(storetest.As(us[0]), itsm.RiskFilter{})
		if err != nil || total == 0 || total == 12 {
			t.Fatalf("the provider sees %d of 12 demo risks: %v", total, err)
		}
		for _, r := range rs {
			if (r.ProviderID == nil || *r.ProviderID != us[0].OrgID) && (r.OwnerID == nil || *r.OwnerID != us[0].ID) {
				t.Errorf("the provider sees %s, which neither it owns nor concerns it", r.Ref)
			}
		}
	}
}
