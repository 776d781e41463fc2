package browsertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestChangeCalendarPages: a manager adds a freeze through the form (after a
// refused attempt), then the month view, the week view, the freeze list,
// the freeze page and the feed page are checked with axe, and a customer
// sees the calendar scoped to their organisation.
func TestChangeCalendarPages(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := mustBrowser(t)
			s := mustSite(t, engine)
			f := s.F
			// Two scheduled windows on the same service that clash, one for
			// each customer, written straight to the table.
			london := itsm.ReportLocation()
			for i, w := range []struct {
				org  int64
				ref  string
				from time.Time
			}{
				{f.CustomerA.ID, "RFC-0901", time.Date(2026, 3, 28, 22, 0, 0, 0, london)},
				{f.CustomerB.ID, "RFC-0902", time.Date(2026, 3, 28, 23, 0, 0, 0, london)},
			} {
				q := fmt.Sprintf(`INSERT INTO change_requests (number, ref, kind, organisation_id, title, description, service, state, window_start, window_end,
					target_release, created_at, updated_at, version) VALUES (%d, '%s', 'rfc', %d, 'Upgrade the purchasing service', 'Work', 'Purchasing', 'scheduled', %d, %d, '', 0, 0, 1)`,
					i+1, w.ref, w.org, w.from.UnixMicro(), w.from.Add(3*time.Hour).UnixMicro())
				if _, err := s.DB.SQL().Exec(q); err != nil {
					t.Fatal(err)
				}
			}

			signIn(t, ctx, s, f.Manager.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/calendar/freezes/new"), chromedp.WaitReady(chromedp.CSS(`form[action="/calendar/freezes/new"]`)))
			mustAxe(t, ctx, "new freeze form")
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`[name="name"]`), "Financial year end"),
				chromedp.SetValue(chromedp.CSS(`[name="start"]`), "2026-04-15"),
				chromedp.SetValue(chromedp.CSS(`[name="end"]`), "2026-03-29"),
			)
			clickAndWait(t, ctx, `form[action="/calendar/freezes/new"] button[type="submit"]`)
			if page := text(t, ctx); !strings.Contains(page, "There is a problem") || !strings.Contains(page, "The freeze must end after it starts.") {
				t.Fatalf("refused freeze:\n%s", page)
			}
			mustAxe(t, ctx, "freeze form with errors")
			do(t, ctx,
				chromedp.SetValue(chromedp.CSS(`[name="start"]`), "2026-03-29"),
				chromedp.SetValue(chromedp.CSS(`[name="end"]`), "2026-04-15"),
				chromedp.SendKeys(chromedp.CSS(`[name="reason"]`), "Accounts close."),
			)
			clickAndWait(t, ctx, `form[action="/calendar/freezes/new"] button[type="submit"]`)
			if page := text(t, ctx); !strings.Contains(page, "The freeze period Financial year end has been added.") {
				t.Fatalf("after adding the freeze:\n%s", page)
			}
			mustAxe(t, ctx, "freeze page")
			do(t, ctx, chromedp.Navigate(s.URL+"/calendar/freezes?when=all"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "freeze list")

			do(t, ctx, chromedp.Navigate(s.URL+"/calendar?month=2026-03"), chromedp.WaitReady(chromedp.CSS("table")))
			page := text(t, ctx)
			for _, want := range []string{"RFC-0901", "RFC-0902", "Conflict", "The window overlaps RFC-0902", "falls within the freeze"} {
				if !strings.Contains(page, want) {
					t.Errorf("staff month view lacks %q", want)
				}
			}
			mustAxe(t, ctx, "month view")
			// Keyboard: the next-month link is reachable and works.
			clickAndWait(t, ctx, `a[rel="next"]`)
			if !strings.Contains(text(t, ctx), "Change calendar: April 2026") {
				t.Errorf("next month: %s", location(t, ctx))
			}
			do(t, ctx, chromedp.Navigate(s.URL+"/calendar/week?week=2026-03-23"), chromedp.WaitReady(chromedp.CSS("table")))
			mustAxe(t, ctx, "week view")
			do(t, ctx, chromedp.Navigate(s.URL+"/calendar/feed"), chromedp.WaitReady(chromedp.CSS("body")))
			clickAndWait(t, ctx, `form[action="/calendar/feed"] button[type="submit"]`)
			if !strings.Contains(text(t, ctx), "/calendar/feed/stwcal_") {
				t.Errorf("feed address not shown")
			}
			mustAxe(t, ctx, "feed page")
			signOut(t, ctx)

			signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/calendar?month=2026-03"), chromedp.WaitReady(chromedp.CSS("table")))
			page = text(t, ctx)
			if !strings.Contains(page, "RFC-0901") || strings.Contains(page, "RFC-0902") || !strings.Contains(page, "Financial year end") {
				t.Errorf("customer's month view:\n%s", page)
			}
			mustAxe(t, ctx, "customer month view")
		})
	}
}
