package browsertest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestStatusAndAnalysisJourney: a customer opens the status page and sees
// the services' daily bars, a table of the days and the planned
// maintenance, but not another customer's service; a manager opens a
// check's page (figures, charts for two periods, outages), the outage list
// and the availability report. axe runs on every page.
func TestStatusAndAnalysisJourney(t *testing.T) {
	ctx := mustBrowser(t)
	s := mustSite(t, store.SQLite)
	f := s.F
	// The web pages work from the real clock: give the store the same
	// one, two days back, and record two days of results.
	clock := storetest.ClockOf(s.DB)
	now := time.Now().UTC().Truncate(time.Minute)
	start := now.Add(-48 * time.Hour)
	clock.Set(start)
	sys := storetest.System()
	mk := func(c *itsm.Check) *itsm.Check {
		c.Kind, c.URL, c.Interval, c.Timeout, c.Enabled, c.IncidentAfter, c.IncidentPriority = itsm.CheckHTTP, "https://portal.example.org/health", time.Minute, 5*time.Second, true, 3, "P2"
		if err := s.DB.CreateCheck(sys, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	portal := mk(&itsm.Check{Name: "Portal home", Service: "Purchasing portal", Component: "Web", Public: true, ProviderID: &f.Provider.ID, TargetPercent: 99.5,
		Headers: []itsm.CheckHeader{{Name: "Authorization", Value: "Bearer browser-s3cret"}}})
	api := mk(&itsm.Check{Name: "Ordering API", Service: "Purchasing portal", Component: "API", ProviderID: &f.Provider.ID})
	mk(&itsm.Check{Name: "Alpha ledger link", Service: "Alpha finance interface", OrgID: &f.CustomerA.ID})
	mk(&itsm.Check{Name: "Beta ledger link", Service: "Beta finance interface", OrgID: &f.CustomerB.ID})
	checks, _, err := s.DB.FindChecks(sys, itsm.CheckFilter{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	var rs []itsm.CheckResult
	for at := start; at.Before(now); at = at.Add(15 * time.Minute) {
		for i, c := range checks {
			up := !(c.ID == api.ID && at.After(start.Add(20*time.Hour)) && at.Before(start.Add(21*time.Hour)))
			r := itsm.CheckResult{CheckID: c.ID, At: at, Up: up, Latency: time.Duration(90+i*40+at.Minute()) * time.Millisecond, StatusCode: 200, Attempts: 1}
			if !up {
				r.StatusCode, r.Error = 503, "status 503, expected 200-299"
			}
			rs = append(rs, r)
		}
	}
	clock.Set(now)
	if err := s.DB.RecordCheckResults(sys, rs); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.CreateMaintenance(storetest.As(f.Manager), &itsm.MaintenanceWindow{Title: "Portal database upgrade", Service: "Purchasing portal",
		StartsAt: now.Add(50 * time.Hour), EndsAt: now.Add(52 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	// The customer's status page.
	signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
	clickAndWait(t, ctx, `nav a[href="/status"]`)
	page := text(t, ctx)
	for _, want := range []string{"Service status", "All services are operating normally", "Purchasing portal", "Alpha finance interface", "Planned maintenance", "Portal database upgrade", "Updated "} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "Beta finance") {
		t.Errorf("customer A sees B's service:\n%s", page)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg[role="img"] rect title').length`))
	if err != nil || bars < 2*90 {
		t.Fatalf("%d day bars with titles: %v", bars, err)
	}
	mustAxe(t, ctx, "status page")
	// The table of days is the bars' alternative.
	do(t, ctx, chromedp.Click(chromedp.CSS(`details summary`)))
	if page := text(t, ctx); !strings.Contains(page, "Availability of") || !strings.Contains(page, "checks failed") {
		t.Errorf("table of days:\n%s", page)
	}
	mustAxe(t, ctx, "status page with the table of days open")
	signOut(t, ctx)

	// The manager's analysis pages.
	signIn(t, ctx, s, f.Manager.Email, storetest.Password)
	checkPage := s.URL + "/checks/" + strconv.FormatInt(api.ID, 10)
	do(t, ctx, chromedp.Navigate(checkPage), chromedp.WaitReady(chromedp.CSS(`svg[aria-labelledby="check-latency-title check-latency-desc"]`)))
	page = text(t, ctx)
	for _, want := range []string{"Ordering API", "Last 24 hours", "Last 7 days", "Response times", "Recent outages", "status 503, expected 200-299"} {
		if !strings.Contains(page, want) {
			t.Errorf("check page lacks %q:\n%s", want, page)
		}
	}
	mustAxe(t, ctx, "check page")
	clickAndWait(t, ctx, `a[href$="?period=7d"]`)
	mustAxe(t, ctx, "check page, 7 days")
	do(t, ctx, chromedp.Navigate(s.URL+"/checks/"+strconv.FormatInt(portal.ID, 10)), chromedp.WaitReady(chromedp.CSS("main")))
	if page := text(t, ctx); strings.Contains(page, "browser-s3cret") || !strings.Contains(page, "Authorization: "+itsm.SecretMask) {
		t.Errorf("the portal's page does not mask its secret:\n%s", page)
	}
	clickAndWait(t, ctx, `a[href="/outages"]`)
	if page := text(t, ctx); !strings.Contains(page, "Ordering API") {
		t.Errorf("outages:\n%s", page)
	}
	mustAxe(t, ctx, "outages")
	clickAndWait(t, ctx, `main a[href="/monitoring/availability"]`)
	page = text(t, ctx)
	for _, want := range []string{"Availability report", "By service", "By check", "Portal home", "99.5%: met", "Download as a CSV file"} {
		if !strings.Contains(page, want) {
			t.Errorf("availability report lacks %q:\n%s", want, page)
		}
	}
	mustAxe(t, ctx, "availability report")
	signOut(t, ctx)
}
