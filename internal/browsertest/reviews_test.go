package browsertest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestReviewJourney: a manager plans a provider performance review (with a
// mistake first), records an attendee and an action, opens the pack and the
// scorecard; the provider's agent reads the pack and closes the action it
// owns; a customer cannot find the review. axe runs on every page.
func TestReviewJourney(t *testing.T) {
	ctx := mustBrowser(t)
	s := mustSite(t, store.SQLite)
	f := s.F

	signIn(t, ctx, s, f.Manager.Email, storetest.Password)
	do(t, ctx, chromedp.Navigate(s.URL+"/reviews"), chromedp.WaitReady(chromedp.CSS("body")))
	mustAxe(t, ctx, "no reviews")
	do(t, ctx, chromedp.Navigate(s.URL+"/reviews/new"), chromedp.WaitReady(chromedp.CSS(`form[action="/reviews/new"]`)))
	mustAxe(t, ctx, "plan a review")
	// No provider chosen: the form comes back with the error.
	clickAndWait(t, ctx, `form[action="/reviews/new"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "There is a problem") || !strings.Contains(page, "Choose the provider") {
		t.Fatalf("no provider accepted:\n%s", page)
	}
	mustAxe(t, ctx, "plan a review with errors")
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#provider_id`), strconv.FormatInt(f.Provider.ID, 10)),
		chromedp.SetValue(chromedp.CSS(`#meeting_at`), "2026-04-14"),
		chromedp.SendKeys(chromedp.CSS(`#location`), "Room 4 and Teams"),
	)
	clickAndWait(t, ctx, `form[action="/reviews/new"] button[type="submit"]`)
	review := location(t, ctx)
	if page := text(t, ctx); !strings.Contains(page, "Performance review, Q") || !strings.Contains(page, f.Provider.Name) {
		t.Fatalf("review page:\n%s", page)
	}
	mustAxe(t, ctx, "review")

	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#attendee_name`), "Priya Shah"),
		chromedp.SendKeys(chromedp.CSS(`#attendee_role`), "Hosting Provider, service manager"),
	)
	clickAndWait(t, ctx, `form[action$="/attendees"] button[type="submit"]`)
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#title`), "Send the capacity plan"),
		chromedp.SetValue(chromedp.CSS(`#owner`), strconv.FormatInt(f.ProviderAgent.ID, 10)),
		chromedp.SetValue(chromedp.CSS(`#due_date`), "2026-04-30"),
	)
	clickAndWait(t, ctx, `form[action$="/actions"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "Priya Shah") || !strings.Contains(page, "Send the capacity plan") {
		t.Fatalf("after the attendee and the action:\n%s", page)
	}
	mustAxe(t, ctx, "review with an attendee and an action")
	do(t, ctx, chromedp.Navigate(review+"/edit"), chromedp.WaitReady(chromedp.CSS(`#minutes`)))
	mustAxe(t, ctx, "change a review")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#minutes`), "## Service\n\nAll targets met."))
	clickAndWait(t, ctx, `form[action$="/edit"] button[type="submit"]`)

	do(t, ctx, chromedp.Navigate(review+"/pack"), chromedp.WaitReady(chromedp.CSS("#scorecard")))
	if page := text(t, ctx); !strings.Contains(page, "1. Service levels by priority") || !strings.Contains(page, "Send the capacity plan") ||
		!strings.Contains(page, "No checks") {
		t.Fatalf("pack:\n%s", page)
	}
	mustAxe(t, ctx, "review pack")
	do(t, ctx, chromedp.Navigate(s.URL+"/reviews/scorecard?provider="+strconv.FormatInt(f.Provider.ID, 10)), chromedp.WaitReady(chromedp.CSS("svg")))
	if page := text(t, ctx); !strings.Contains(page, "Scorecard by review") || !strings.Contains(page, "Performance review, Q") {
		t.Fatalf("scorecard:\n%s", page)
	}
	mustAxe(t, ctx, "scorecard")
	do(t, ctx, chromedp.Navigate(s.URL+"/reviews"), chromedp.WaitReady(chromedp.CSS("body")))
	mustAxe(t, ctx, "reviews")
	signOut(t, ctx)

	// The provider's agent reads the pack and closes its action.
	signIn(t, ctx, s, f.ProviderAgent.Email, storetest.Password)
	do(t, ctx, chromedp.Navigate(review+"/pack"), chromedp.WaitReady(chromedp.CSS("#scorecard")))
	mustAxe(t, ctx, "review pack as the provider")
	clickAndWait(t, ctx, `a[href^="/review-actions/"]`)
	mustAxe(t, ctx, "change an action as its owner")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#status-done`)), chromedp.SendKeys(chromedp.CSS(`#note`), "Sent on 20 April."))
	clickAndWait(t, ctx, `form[action$="/edit"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "Done") || !strings.Contains(page, "Sent on 20 April.") {
		t.Fatalf("after closing the action:\n%s", page)
	}
	signOut(t, ctx)

	// A customer cannot find the review.
	signIn(t, ctx, s, f.CustomerAdminA.Email, storetest.Password)
	do(t, ctx, chromedp.Navigate(review+"/pack"), chromedp.WaitReady(chromedp.CSS("body")))
	if page := text(t, ctx); !strings.Contains(page, "Page not found") {
		t.Fatalf("a customer sees the pack:\n%s", page)
	}
}
