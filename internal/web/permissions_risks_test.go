package web_test

import (
	"net/url"
	"regexp"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestRiskPagePermissions is the register's page matrix: staff, auditors
// and providers (their risks only) read it; customers are refused lists
// and find no records; only staff get the forms.
func TestRiskPagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		mine := e.mustRisk("Provider key staff turnover", 3, 4, &f.ProviderAgent.ID, nil)
		theirs := e.mustRisk("Programme budget cut", 4, 5, &f.Manager.ID, nil)
		iss := &itsm.ProgrammeIssue{Title: "Invoices held", Severity: itsm.SeverityHigh, ProviderID: &f.Provider.ID}
		if err := db.CreateIssue(storetest.As(f.Agent), iss); err != nil {
			t.Fatal(err)
		}
		private := &itsm.ProgrammeIssue{Title: "Board unhappy", Severity: itsm.SeverityLow}
		if err := db.CreateIssue(storetest.As(f.Agent), private); err != nil {
			t.Fatal(err)
		}
		act := &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: mine.ID, Description: "Retention plan", DueDate: mine.ReviewDate}
		if err := db.AddAction(storetest.As(f.Agent), act); err != nil {
			t.Fatal(err)
		}
		r1, r2, i1, i2 := id(mine.ID), id(theirs.ID), id(iss.ID), id(private.ID)
		cases := []struct {
			path string
			want want
		}{
			//                                  admin mgr agent audit prov cAdmA cUsrA anon
			{"/raid", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/risks", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/risks?likelihood=3&impact=4", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/risks.csv", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/risks.xlsx", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/risks/new", want{ok, ok, ok, no, no, no, no, see}},
			{"/risks/" + r1, want{ok, ok, ok, ok, ok, none, none, see}},
			{"/risks/" + r2, want{ok, ok, ok, ok, none, none, none, see}},
			{"/risks/" + r1 + "/edit", want{ok, ok, ok, no, no, none, none, see}},
			{"/risks/999999", want{none, none, none, none, none, none, none, see}},
			{"/programme-issues", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/programme-issues.csv", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/programme-issues.xlsx", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/programme-issues/new", want{ok, ok, ok, no, no, no, no, see}},
			{"/programme-issues/" + i1, want{ok, ok, ok, ok, ok, none, none, see}},
			{"/programme-issues/" + i2, want{ok, ok, ok, ok, none, none, none, see}},
			{"/programme-issues/" + i1 + "/edit", want{ok, ok, ok, no, no, none, none, see}},
			{"/raid-actions/" + id(act.ID) + "/edit", want{ok, ok, ok, no, no, none, none, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				res := clients[role].Get(c.path)
				if res.StatusCode != c.want[i] {
					t.Errorf("GET %s as %s: status %d, want %d\n%s", c.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
	})
}

// TestRiskPostPermissions is the register's form matrix: who may change
// what (303), who is refused (403) and to whom the record does not exist
// (404).
func TestRiskPostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		now := storetest.ClockOf(db).Now()
		mine := e.mustRisk("Provider key staff turnover", 3, 4, &f.ProviderAgent.ID, nil)
		riskForm := func(k *itsm.Risk) url.Values {
			k, err := db.FindRiskByID(storetest.As(f.Agent), k.ID)
			if err != nil {
				t.Fatal(err)
			}
			return url.Values{"title": {k.Title}, "category": {string(k.Category)}, "likelihood": {id(int64(k.Likelihood))}, "impact": {id(int64(k.Impact))}, "proximity": {"near"},
				"review_date": {raidDate(k.ReviewDate)}, "status": {"open"}, "owner_id": {idValue(k.OwnerID)}, "provider_id": {""}, "version": {id(k.Version)}}
		}
		freshAction := func(owner *int64) *itsm.RAIDAction {
			a := &itsm.RAIDAction{ParentType: itsm.ActionOnRisk, ParentID: mine.ID, Description: "Step " + id(int64(next())), DueDate: now.AddDate(0, 0, 5), OwnerID: owner}
			if err := db.AddAction(storetest.As(f.Agent), a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		private := e.mustRisk("Programme budget cut", 4, 5, &f.Manager.ID, nil)
		cases := []struct {
			name    string
			prepare func() (string, url.Values)
			want    want
		}{
			{"record risk", func() (string, url.Values) {
				return "/risks/new", url.Values{"title": {"Risk " + id(int64(next()))}, "category": {"service"}, "likelihood": {"2"}, "impact": {"2"},
					"proximity": {"far"}, "review_date": {raidDate(now.AddDate(0, 1, 0))}, "status": {"open"}, "owner_id": {""}, "provider_id": {""}}
			}, want{see, see, see, no, no, no, no, see}},
			{"change provider's risk", func() (string, url.Values) { return "/risks/" + id(mine.ID) + "/edit", riskForm(mine) },
				want{see, see, see, no, no, none, none, see}},
			{"change private risk", func() (string, url.Values) { return "/risks/" + id(private.ID) + "/edit", riskForm(private) },
				want{see, see, see, no, none, none, none, see}},
			{"add action", func() (string, url.Values) {
				return "/risks/" + id(mine.ID) + "/actions", url.Values{"description": {"Check"}, "owner_id": {""}, "due_date": {raidDate(now.AddDate(0, 0, 3))}}
			}, want{see, see, see, no, no, none, none, see}},
			{"mark the provider's own action done", func() (string, url.Values) {
				a := freshAction(&f.ProviderAgent.ID)
				return "/raid-actions/" + id(a.ID) + "/status", url.Values{"status": {"done"}, "version": {id(a.Version)}}
			}, want{see, see, see, no, see, none, none, see}},
			{"mark someone else's action done", func() (string, url.Values) {
				a := freshAction(&f.Agent.ID)
				return "/raid-actions/" + id(a.ID) + "/status", url.Values{"status": {"done"}, "version": {id(a.Version)}}
			}, want{see, see, see, no, no, none, none, see}},
			{"raise issue", func() (string, url.Values) {
				return "/programme-issues/new", url.Values{"title": {"Issue " + id(int64(next()))}, "severity": {"low"}, "status": {"open"}, "owner_id": {""}, "provider_id": {""}}
			}, want{see, see, see, no, no, no, no, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				path, form := c.prepare()
				res := clients[role].Post(path, form)
				if res.StatusCode != c.want[i] {
					t.Errorf("%s (POST %s) as %s: status %d, want %d\n%s", c.name, path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
	})
}

// TestRiskNavigation: staff, auditors and providers are offered the
// register; customers are not.
func TestRiskNavigation(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	for role, c := range e.clients() {
		if role == "anon" {
			continue
		}
		has := contains([]string{"admin", "manager", "agent", "auditor", "provider"}, role)
		if got := contains(navHrefs(c.Get("/account").Body), "/raid"); got != has {
			t.Errorf("%s: Risks and issues shown=%v, want %v", role, got, has)
		}
	}
}

// navHrefs lists the addresses of the site navigation's links.
func navHrefs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`href="([^"]+)" class="ds_site-navigation__link`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}
