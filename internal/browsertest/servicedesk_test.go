package browsertest

import (
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

var ticketPath = regexp.MustCompile(`/tickets/(\d+)`)

// TestServiceDeskJourney: a customer reports an issue → an agent replies →
// the SLA section shows the response met → the provider resolves it → the
// customer disputes the resolution → the escalation is in the team's queue.
// axe runs on every page on the way.
func TestServiceDeskJourney(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := mustBrowser(t)
			s := mustSite(t, engine)
			f := s.F
			ag := &itsm.ServiceAgreement{Name: "Help desk agreement", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
			if err := s.DB.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
				t.Fatal(err)
			}
			clock := storetest.ClockOf(s.DB)

			// The customer reports an issue.
			signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/tickets/new"), chromedp.WaitReady(chromedp.CSS(`form[action="/tickets/new"]`)))
			mustAxe(t, ctx, "report an issue")
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`[name="title"]`), "Orders over £10,000 cannot be approved"),
				chromedp.SendKeys(chromedp.CSS(`[name="description"]`), "Since this morning the **Approve** button shows an error for large orders."),
			)
			clickAndWait(t, ctx, `form[action="/tickets/new"] button[type="submit"]:not([name="suggest"])`)
			m := ticketPath.FindStringSubmatch(location(t, ctx))
			if m == nil {
				t.Fatalf("after reporting: %s\n%s", location(t, ctx), text(t, ctx))
			}
			id, _ := strconv.ParseInt(m[1], 10, 64)
			page := text(t, ctx)
			if !strings.Contains(page, "INC-000001") || !strings.Contains(page, "Approve") {
				t.Fatalf("ticket page:\n%s", page)
			}
			mustAxe(t, ctx, "ticket as customer")
			do(t, ctx, chromedp.Navigate(s.URL+"/tickets"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "customer's tickets")
			signOut(t, ctx)

			// An agent replies an hour later.
			clock.Advance(time.Hour)
			signIn(t, ctx, s, f.Agent.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/tickets"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "staff queue")
			do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/tickets/%d", s.URL, id)), chromedp.WaitReady(chromedp.CSS("#sla")))
			mustAxe(t, ctx, "ticket as agent")
			do(t, ctx, chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`form[action="/tickets/%d/comment"] [name="body"]`, id)), "Thank you, we can reproduce it and have passed it to the provider."))
			clickAndWait(t, ctx, fmt.Sprintf(`form[action="/tickets/%d/comment"] button[type="submit"]`, id))
			if page := text(t, ctx); !strings.Contains(page, "Met on time") {
				t.Fatalf("SLA section after the reply does not show the response met:\n%s", page)
			}
			signOut(t, ctx)

			// The provider resolves it (escalated by the desk through the store).
			tk, err := s.DB.FindTicketByID(storetest.As(f.Agent), id)
			if err != nil {
				t.Fatal(err)
			}
			if _, err = s.DB.UpdateTicket(storetest.As(f.Agent), id, itsm.TicketUpdate{ProviderID: &f.Provider.ID, Version: tk.Version}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(2 * time.Hour)
			signIn(t, ctx, s, f.ProviderAgent.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/tickets/%d", s.URL, id)), chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`form[action="/tickets/%d/status"]`, id))))
			mustAxe(t, ctx, "ticket as provider")
			do(t, ctx,
				chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`form[action="/tickets/%d/status"] [name="status"]`, id)), string(itsm.StatusResolved)),
				chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`form[action="/tickets/%d/status"] [name="note"]`, id)), "Approval limits restored after a configuration change."),
			)
			clickAndWait(t, ctx, fmt.Sprintf(`form[action="/tickets/%d/status"] button[type="submit"]`, id))
			if tk, _ = s.DB.FindTicketByID(storetest.As(f.Agent), id); tk.Status != itsm.StatusResolved {
				t.Fatalf("after resolving: %s\n%s", tk.Status, text(t, ctx))
			}
			signOut(t, ctx)

			// The customer disputes the resolution.
			signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/tickets/%d", s.URL, id)), chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`form[action="/tickets/%d/escalate"]`, id))))
			mustAxe(t, ctx, "resolved ticket as customer")
			do(t, ctx, chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`form[action="/tickets/%d/escalate"] [name="dispute_reason"]`, id)), "It failed again this afternoon for the same orders."))
			clickAndWait(t, ctx, fmt.Sprintf(`form[action="/tickets/%d/escalate"] button[type="submit"]`, id))
			mustAxe(t, ctx, "disputed ticket")
			signOut(t, ctx)

			// The escalation is in the team's queue.
			signIn(t, ctx, s, f.Manager.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/escalations"), chromedp.WaitReady(chromedp.CSS("body")))
			if page := text(t, ctx); !strings.Contains(page, "INC-000001") {
				t.Fatalf("escalation queue does not list the disputed ticket:\n%s", page)
			}
			mustAxe(t, ctx, "escalation queue")
			do(t, ctx, chromedp.Navigate(s.URL+"/reports/sla"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "SLA report")
		})
	}
}
