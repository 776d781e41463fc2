package browsertest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

var riskPath = regexp.MustCompile(`/risks/(\d+)$`)

// TestRiskRegisterJourney: a programme agent records a risk (after a form
// error), adds an action, re-scores the risk, reads the dashboard's heat
// map and follows a cell to the filtered register; the provider who owns
// the action marks it done. axe runs on the register, the heat map, a
// risk's page and every form on the way.
func TestRiskRegisterJourney(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := mustBrowser(t)
			s := mustSite(t, engine)
			f := s.F
			now := storetest.ClockOf(s.DB).Now()
			review := itsm.RAIDDate(now).AddDate(0, 0, 14).Format("2006-01-02")

			signIn(t, ctx, s, f.Agent.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/risks/new"), chromedp.WaitReady(chromedp.CSS(`form[action="/risks/new"]`)))
			mustAxe(t, ctx, "new risk form")
			// Submitting without a summary shows the error summary.
			clickAndWait(t, ctx, `form[action="/risks/new"] button[type="submit"]`)
			if page := text(t, ctx); !strings.Contains(page, "There is a problem") || !strings.Contains(page, "Enter a short summary of the risk.") {
				t.Fatalf("empty risk form:\n%s", page)
			}
			mustAxe(t, ctx, "new risk form with errors")
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`[name="title"]`), "Provider key staff turnover"),
				chromedp.SendKeys(chromedp.CSS(`[name="description"]`), "Two of five engineers who know the invoicing interface are leaving."),
				chromedp.SetValue(chromedp.CSS(`[name="category"]`), "people"),
				chromedp.Click(chromedp.CSS(`#likelihood-4`)),
				chromedp.Click(chromedp.CSS(`#impact-4`)),
				chromedp.SetValue(chromedp.CSS(`[name="review_date"]`), review),
				chromedp.SetValue(chromedp.CSS(`[name="owner_id"]`), strconv.FormatInt(f.Agent.ID, 10)),
				chromedp.SetValue(chromedp.CSS(`[name="provider_id"]`), strconv.FormatInt(f.Provider.ID, 10)),
			)
			clickAndWait(t, ctx, `form[action="/risks/new"] button[type="submit"]`)
			m := riskPath.FindStringSubmatch(location(t, ctx))
			if m == nil {
				t.Fatalf("after recording: %s\n%s", location(t, ctx), text(t, ctx))
			}
			rid := m[1]
			if page := text(t, ctx); !strings.Contains(page, "RISK-001 has been recorded with a score of 16.") {
				t.Fatalf("risk page:\n%s", page)
			}
			mustAxe(t, ctx, "risk detail")

			// An action for the provider's agent.
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`form[action="/risks/`+rid+`/actions"] [name="description"]`), "Agree a retention plan with the provider"),
				chromedp.SetValue(chromedp.CSS(`form[action="/risks/`+rid+`/actions"] [name="owner_id"]`), strconv.FormatInt(f.ProviderAgent.ID, 10)),
				chromedp.SetValue(chromedp.CSS(`form[action="/risks/`+rid+`/actions"] [name="due_date"]`), itsm.RAIDDate(now).AddDate(0, 0, 7).Format("2006-01-02")),
			)
			clickAndWait(t, ctx, `form[action="/risks/`+rid+`/actions"] button[type="submit"]`)
			if page := text(t, ctx); !strings.Contains(page, "The action has been added to RISK-001") {
				t.Fatalf("after adding an action:\n%s", page)
			}
			mustAxe(t, ctx, "risk detail with an action")

			// Re-score it, with a note.
			do(t, ctx, chromedp.Navigate(s.URL+"/risks/"+rid+"/edit"), chromedp.WaitReady(chromedp.CSS(`form[action="/risks/`+rid+`/edit"]`)))
			mustAxe(t, ctx, "change risk form")
			do(t, ctx,
				chromedp.Click(chromedp.CSS(`#likelihood-5`)),
				chromedp.SendKeys(chromedp.CSS(`[name="score_note"]`), "A third engineer has resigned."),
			)
			clickAndWait(t, ctx, `form[action="/risks/`+rid+`/edit"] button[type="submit"]`)
			if page := text(t, ctx); !strings.Contains(page, "20 Red") || !strings.Contains(page, "A third engineer has resigned.") {
				t.Fatalf("after re-scoring:\n%s", page)
			}

			// The dashboard's heat map, and a cell's link to the register.
			do(t, ctx, chromedp.Navigate(s.URL+"/raid"), chromedp.WaitReady(chromedp.CSS(`svg[role="img"]`)))
			mustAxe(t, ctx, "risks and issues dashboard")
			clickAndWait(t, ctx, `table a[href="/risks?impact=4&likelihood=5&live=yes"]`)
			if page := text(t, ctx); !strings.Contains(page, "RISK-001") || !strings.Contains(page, "Showing 1 to 1 of 1 risks") {
				t.Fatalf("the heat map cell's list:\n%s", page)
			}
			mustAxe(t, ctx, "risk register filtered by a cell")
			do(t, ctx, chromedp.Navigate(s.URL+"/programme-issues/new"), chromedp.WaitReady(chromedp.CSS(`form[action="/programme-issues/new"]`)))
			mustAxe(t, ctx, "new issue form")
			signOut(t, ctx)

			// The provider marks its action done.
			signIn(t, ctx, s, f.ProviderAgent.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/risks"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "risk register as the provider")
			do(t, ctx, chromedp.Navigate(s.URL+"/risks/"+rid), chromedp.WaitReady(chromedp.CSS("body")))
			clickAndWait(t, ctx, `form[action^="/raid-actions/"] button[type="submit"]`)
			if page := text(t, ctx); !strings.Contains(page, "is now done") {
				t.Fatalf("after marking done:\n%s", page)
			}
			mustAxe(t, ctx, "risk detail as the provider")
		})
	}
}
