package browsertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestIntegrationSupportJourney: a customer administrator adds an interface
// to the register (with a mistake first), changes it, and a customer user
// reports an issue against it; the administrator adds a webhook, sees its
// secret once and its delivery log, and checks then imports a CSV file.
// B's administrator cannot find A's interface. axe runs on every page.
func TestIntegrationSupportJourney(t *testing.T) {
	ctx := mustBrowser(t)
	s := mustSite(t, store.SQLite)
	f := s.F
	ag := &itsm.ServiceAgreement{Name: "Help desk agreement", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
	if err := s.DB.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
		t.Fatal(err)
	}

	signIn(t, ctx, s, f.CustomerAdminA.Email, storetest.Password)
	do(t, ctx, chromedp.Navigate(s.URL+"/integrations"), chromedp.WaitReady(chromedp.CSS("body")))
	mustAxe(t, ctx, "empty register")
	do(t, ctx, chromedp.Navigate(s.URL+"/integrations/new"), chromedp.WaitReady(chromedp.CSS(`form[action="/integrations/new"]`)))
	mustAxe(t, ctx, "add an interface")
	clickAndWait(t, ctx, `form[action="/integrations/new"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "There is a problem") {
		t.Fatalf("empty form accepted:\n%s", page)
	}
	mustAxe(t, ctx, "add an interface with errors")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#name`), "Invoices to Oracle Fusion"),
		chromedp.SendKeys(chromedp.CSS(`#system`), "Oracle Fusion Financials"),
		chromedp.SetValue(chromedp.CSS(`#direction`), "inbound_invoices"),
		chromedp.SetValue(chromedp.CSS(`#format`), "ubl"),
		chromedp.SetValue(chromedp.CSS(`#transport`), "sftp"),
		chromedp.SendKeys(chromedp.CSS(`#contacts`), "Ann Finance <ann@alpha.test> (finance lead)"),
	)
	clickAndWait(t, ctx, `form[action="/integrations/new"] button[type="submit"]`)
	entry := location(t, ctx)
	if page := text(t, ctx); !strings.Contains(page, "Invoices to Oracle Fusion") || !strings.Contains(page, "Ann Finance") {
		t.Fatalf("entry page:\n%s", page)
	}
	mustAxe(t, ctx, "interface")
	do(t, ctx, chromedp.Navigate(entry+"/edit"), chromedp.WaitReady(chromedp.CSS(`#status-live`)))
	mustAxe(t, ctx, "change an interface")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#status-live`)))
	clickAndWait(t, ctx, `form[action$="/edit"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "History of changes") || !strings.Contains(page, "Live") {
		t.Fatalf("after the change:\n%s", page)
	}

	// Webhooks: the secret once, then the log.
	do(t, ctx, chromedp.Navigate(s.URL+"/webhooks"), chromedp.WaitReady(chromedp.CSS("body")))
	mustAxe(t, ctx, "webhooks")
	do(t, ctx, chromedp.Navigate(s.URL+"/webhooks/new"), chromedp.WaitReady(chromedp.CSS(`#url`)))
	mustAxe(t, ctx, "add a webhook")
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`#url`), "https://erp.alpha.test/steward"))
	clickAndWait(t, ctx, `form[action="/webhooks/new"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "will not be shown again") {
		t.Fatalf("secret page:\n%s", page)
	}
	mustAxe(t, ctx, "webhook secret")
	clickAndWait(t, ctx, `main a.ds_button`)
	hook := location(t, ctx)
	mustAxe(t, ctx, "webhook")
	do(t, ctx, chromedp.Navigate(hook+"/edit"), chromedp.WaitReady(chromedp.CSS(`#url`)))
	mustAxe(t, ctx, "change a webhook")
	signOut(t, ctx)

	// A customer user reports an issue with the interface.
	signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
	do(t, ctx, chromedp.Navigate(entry+"/report-issue"), chromedp.WaitReady(chromedp.CSS(`#title`)))
	mustAxe(t, ctx, "report an integration issue")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#title`), "no invoices since 09:00"))
	clickAndWait(t, ctx, `main form button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, itsm.IntegrationIssueCategory) {
		t.Fatalf("the reported issue:\n%s", page)
	}
	signOut(t, ctx)

	// The administrator sees the delivery and imports a file.
	signIn(t, ctx, s, f.CustomerAdminA.Email, storetest.Password)
	do(t, ctx, chromedp.Navigate(hook), chromedp.WaitReady(chromedp.CSS("body")))
	clickAndWait(t, ctx, `a[href^="/webhook-deliveries/"]`)
	if page := text(t, ctx); !strings.Contains(page, "ticket.created") {
		t.Fatalf("delivery page:\n%s", page)
	}
	mustAxe(t, ctx, "webhook delivery")
	file := filepath.Join(t.TempDir(), "register.csv")
	if err := os.WriteFile(file, []byte("organisation,name,system,direction,format,transport\nAlpha Council,Orders to SAP,SAP,outbound_orders,cXML,api\nAlpha Council,Payments,SAP,payments,fax,sftp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(s.URL+"/import"), chromedp.WaitReady(chromedp.CSS(`#file`)))
	mustAxe(t, ctx, "import")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}))
	clickAndWait(t, ctx, `form[action="/import"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "Nothing was saved") || !strings.Contains(page, "format") {
		t.Fatalf("import report:\n%s", page)
	}
	mustAxe(t, ctx, "import report")
	signOut(t, ctx)

	// B's administrator cannot find A's interface.
	signIn(t, ctx, s, f.CustomerAdminB.Email, storetest.Password)
	do(t, ctx, chromedp.Navigate(entry), chromedp.WaitReady(chromedp.CSS("body")))
	if page := text(t, ctx); !strings.Contains(page, "Page not found") {
		t.Fatalf("B sees A's interface:\n%s", page)
	}
}
