package browsertest

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

var changePathRE = regexp.MustCompile(`/changes/(\d+)$`)

// TestChangeJourney: a customer raises an RFC → the programme team sends
// the specification back for clarification → the customer answers → the
// team accepts the specification → the provider estimates → the customer
// admin accepts the quote → a manager approves → scheduling into a freeze
// is refused → scheduled → in delivery → delivered → closed. axe runs on
// every change page on the way.
func TestChangeJourney(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := mustBrowser(t)
			s := mustSite(t, engine)
			f := s.F
			// The financial year-end freeze, through the calendar's service.
			freeze := &itsm.FreezePeriod{Name: "Financial year end", Reason: "Year-end close", Start: time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC),
				End: time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)}
			if err := s.DB.CreateFreeze(storetest.As(f.Manager), freeze); err != nil {
				t.Fatal(err)
			}

			// The customer raises an RFC in the customer area.
			signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
			for _, kind := range []string{"ccn", "work_request"} {
				do(t, ctx, chromedp.Navigate(s.URL+"/changes/new?kind="+kind), chromedp.WaitReady(chromedp.CSS(`form[action="/changes/new"]`)))
				mustAxe(t, ctx, kind+" form")
			}
			do(t, ctx, chromedp.Navigate(s.URL+"/changes/new"), chromedp.WaitReady(chromedp.CSS(`a[href="/changes/new?kind=rfc"]`)))
			mustAxe(t, ctx, "choice of change")
			clickAndWait(t, ctx, `a[href="/changes/new?kind=rfc"]`)
			mustAxe(t, ctx, "RFC form")
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`[name="title"]`), "Show the supplier's VAT number on orders"),
				chromedp.SendKeys(chromedp.CSS(`[name="description"]`), "Every purchase order should show the **VAT number** under the supplier's address."),
				chromedp.SendKeys(chromedp.CSS(`[name="business_justification"]`), "Auditors ask for it."),
				chromedp.SendKeys(chromedp.CSS(`[name="service"]`), "Purchasing"),
			)
			clickAndWait(t, ctx, `form[action="/changes/new"] button[value="submit"]`)
			m := changePathRE.FindStringSubmatch(location(t, ctx))
			if m == nil {
				t.Fatalf("after raising: %s\n%s", location(t, ctx), text(t, ctx))
			}
			id, _ := strconv.ParseInt(m[1], 10, 64)
			page := fmt.Sprintf("%s/changes/%d", s.URL, id)
			mustSee(t, ctx, "RFC-0001 has been submitted", "Not yet baselined")
			mustAxe(t, ctx, "change as customer")
			do(t, ctx, chromedp.Navigate(s.URL+"/changes"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "customer's changes")
			signOut(t, ctx)

			// The programme team reviews it and asks a question.
			signIn(t, ctx, s, f.Agent.Email, storetest.Password)
			openChange(t, ctx, page)
			mustAxe(t, ctx, "submitted change as agent")
			act(t, ctx, "start_review")
			do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[name="note_request_clarification"]`), "All orders, or only those over £5,000?"))
			act(t, ctx, "request_clarification")
			mustSee(t, ctx, "Your questions have been sent")
			signOut(t, ctx)

			// The customer answers.
			signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
			openChange(t, ctx, page)
			mustSee(t, ctx, "Questions and answers", "All orders, or only those over £5,000?")
			mustAxe(t, ctx, "change needing clarification")
			do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[name="note_answer_clarification"]`), "All orders."))
			act(t, ctx, "answer_clarification")
			mustSee(t, ctx, "is back in specification review")
			signOut(t, ctx)

			// The team accepts the specification and assigns the provider.
			signIn(t, ctx, s, f.Agent.Email, storetest.Password)
			openChange(t, ctx, page)
			act(t, ctx, "accept_specification")
			mustSee(t, ctx, "frozen as version 1")
			clickAndWait(t, ctx, fmt.Sprintf(`a[href="/changes/%d/edit"]`, id))
			mustAxe(t, ctx, "change's edit form")
			do(t, ctx, chromedp.SetValue(chromedp.CSS(`[name="provider_id"]`), strconv.FormatInt(f.Provider.ID, 10)))
			clickAndWait(t, ctx, `main form button[type="submit"]`)
			mustSee(t, ctx, "Hosting Provider Ltd")
			signOut(t, ctx)

			// The provider estimates and sends the quote.
			signIn(t, ctx, s, f.ProviderAgent.Email, storetest.Password)
			openChange(t, ctx, page)
			mustAxe(t, ctx, "change as provider")
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`[name="effort_days"]`), "12.5"),
				chromedp.SendKeys(chromedp.CSS(`[name="cost"]`), "8400"),
				chromedp.SetValue(chromedp.CSS(`[name="delivery_date"]`), "2026-06-30"),
			)
			clickAndWait(t, ctx, fmt.Sprintf(`form[action="/changes/%d/estimates"] button[type="submit"]`, id))
			mustSee(t, ctx, "Estimate revision 1", "£8,400.00")
			act(t, ctx, "submit_quote")
			signOut(t, ctx)

			// The customer admin accepts the quote.
			signIn(t, ctx, s, f.CustomerAdminA.Email, storetest.Password)
			openChange(t, ctx, page)
			mustAxe(t, ctx, "quote for the customer admin")
			act(t, ctx, "accept_quote")
			mustSee(t, ctx, "You have accepted the quote")
			signOut(t, ctx)

			// A manager approves.
			signIn(t, ctx, s, f.Manager.Email, storetest.Password)
			openChange(t, ctx, page)
			do(t, ctx, chromedp.SendKeys(chromedp.CSS(`[name="conditions"]`), "Deploy out of hours."))
			act(t, ctx, "approve")
			mustSee(t, ctx, "is approved", "Green")
			mustAxe(t, ctx, "approved change")
			signOut(t, ctx)

			// The agent schedules it: the window in the freeze is refused,
			// another is accepted.
			signIn(t, ctx, s, f.Agent.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/changes/%d/schedule", s.URL, id)), chromedp.WaitReady(chromedp.CSS(`[name="target_release"]`)))
			mustAxe(t, ctx, "scheduling form")
			fillWindow(t, ctx, "2026-03-31", "18:00", "2026-03-31", "22:00")
			clickAndWait(t, ctx, `button[formaction$="/schedule/check"]`)
			mustSee(t, ctx, "Clashes with this window", "Financial year end")
			mustAxe(t, ctx, "clashes")
			clickAndWait(t, ctx, `main form button.ds_button:not(.ds_button--secondary)`)
			mustSee(t, ctx, "There is a problem", "Financial year end")
			mustAxe(t, ctx, "window refused")
			fillWindow(t, ctx, "2026-04-20", "18:00", "2026-04-20", "22:00")
			clickAndWait(t, ctx, `main form button.ds_button:not(.ds_button--secondary)`)
			mustSee(t, ctx, "is scheduled for release 2026.4", "20 Apr 2026 18:00 (BST)")
			act(t, ctx, "start_delivery")
			do(t, ctx, chromedp.SetValue(chromedp.CSS(`[name="actual_date"]`), "2026-03-02"))
			act(t, ctx, "deliver")
			mustSee(t, ctx, "is recorded as delivered")
			mustAxe(t, ctx, "delivered change")
			do(t, ctx,
				chromedp.Click(chromedp.CSS(`#review_outcome`)),
				chromedp.SendKeys(chromedp.CSS(`[name="note_close"]`), "Works as asked; auditors are content."),
			)
			act(t, ctx, "close")
			mustSee(t, ctx, "is closed", "Post-implementation review", "Successful")
			mustAxe(t, ctx, "closed change")
			do(t, ctx, chromedp.Navigate(s.URL+"/changes?state=all"), chromedp.WaitReady(chromedp.CSS("body")))
			mustSee(t, ctx, "RFC-0001", "Closed")
			mustAxe(t, ctx, "portfolio")
			do(t, ctx, chromedp.Navigate(s.URL+"/changes/delivery?quarter=2026-Q1"), chromedp.WaitReady(chromedp.CSS("body")))
			mustSee(t, ctx, "1 of 1 (100%)")
			mustAxe(t, ctx, "delivery figures")
			c, err := s.DB.FindChangeByID(storetest.As(f.Agent), id)
			if err != nil || c.State != itsm.ChangeClosed || c.ReviewOutcome != itsm.ReviewSuccessful {
				t.Fatalf("after the journey: %+v %v", c, err)
			}
		})
	}
}

// openChange loads a change's page.
func openChange(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("#next-step")))
}

// act presses the button of a lifecycle action's form on a change's page.
func act(t *testing.T, ctx context.Context, action string) {
	t.Helper()
	clickAndWait(t, ctx, `form:has(input[name="action"][value="`+action+`"]) button[type="submit"]`)
	if page := text(t, ctx); strings.Contains(page, "There is a problem") || strings.Contains(page, "You do not have permission") {
		t.Fatalf("%s was refused:\n%s", action, page)
	}
}

// fillWindow fills the scheduling form's window (UK time).
func fillWindow(t *testing.T, ctx context.Context, startDate, startTime, endDate, endTime string) {
	t.Helper()
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`[name="target_release"]`), "2026.4"),
		chromedp.SetValue(chromedp.CSS(`[name="service"]`), "Purchasing"),
		chromedp.SetValue(chromedp.CSS(`[name="window_start_date"]`), startDate),
		chromedp.SetValue(chromedp.CSS(`[name="window_start_time"]`), startTime),
		chromedp.SetValue(chromedp.CSS(`[name="window_end_date"]`), endDate),
		chromedp.SetValue(chromedp.CSS(`[name="window_end_time"]`), endTime),
	)
}

// mustSee fails unless the page's text holds every phrase.
func mustSee(t *testing.T, ctx context.Context, phrases ...string) {
	t.Helper()
	page := text(t, ctx)
	for _, p := range phrases {
		if !strings.Contains(page, p) {
			t.Fatalf("the page at %s does not say %q:\n%s", location(t, ctx), p, page)
		}
	}
}
