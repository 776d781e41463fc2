package browsertest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestCheckManagementJourney: a manager adds an HTTP check through the form
// (an interval of 5 seconds is refused first), imports a YAML file of two
// checks (checking it first), and plans a maintenance window. axe runs on
// every page.
func TestCheckManagementJourney(t *testing.T) {
	ctx := mustBrowser(t)
	s := mustSite(t, store.SQLite)
	f := s.F

	signIn(t, ctx, s, f.Manager.Email, storetest.Password)
	do(t, ctx, chromedp.Navigate(s.URL+"/checks"), chromedp.WaitReady(chromedp.CSS("body")))
	mustAxe(t, ctx, "no checks yet")
	clickAndWait(t, ctx, `main a[href="/checks/new"]`)
	mustAxe(t, ctx, "add a check")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#name`), "Portal home page"),
		chromedp.SendKeys(chromedp.CSS(`#service`), "Purchasing portal"),
		chromedp.SendKeys(chromedp.CSS(`#component`), "Web"),
		chromedp.SendKeys(chromedp.CSS(`#url`), "https://portal.example.org/health"),
		chromedp.SetValue(chromedp.CSS(`#header_name_1`), "Authorization"),
		chromedp.SetValue(chromedp.CSS(`#header_value_1`), "Bearer browser-s3cret"),
		chromedp.SetValue(chromedp.CSS(`#interval`), "5"),
		chromedp.SetValue(chromedp.CSS(`#provider_id`), strconv.FormatInt(f.Provider.ID, 10)),
		chromedp.Click(chromedp.CSS(`#incident_priority-P2`)),
	)
	clickAndWait(t, ctx, `form[action="/checks/new"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "There is a problem") || !strings.Contains(page, "The interval must be at least 10 seconds.") {
		t.Fatalf("an interval of 5 seconds was accepted:\n%s", page)
	}
	mustAxe(t, ctx, "add a check with errors")
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`#interval`), "30"))
	clickAndWait(t, ctx, `form[action="/checks/new"] button[type="submit"]`)
	page := text(t, ctx)
	if !strings.Contains(page, "Portal home page has been added to Purchasing portal.") || !strings.Contains(page, "30 seconds") || strings.Contains(page, "browser-s3cret") {
		t.Fatalf("after adding:\n%s", page)
	}
	mustAxe(t, ctx, "checks of a service")

	// The edit form shows the secret masked.
	clickAndWait(t, ctx, `main a[href$="/edit"]`)
	value, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#header_value_1`)))
	if err != nil || value != itsm.SecretMask {
		t.Fatalf("edit form header value %q: %v", value, err)
	}
	mustAxe(t, ctx, "change a check")

	// Import a YAML file of two checks: check it, then import it.
	file := filepath.Join(t.TempDir(), "checks.yaml")
	yaml := "checks:\n" +
		"  - {name: Supplier API, service: Supplier portal, component: API, kind: http, url: 'https://suppliers.example.org/api/health', interval: 1m}\n" +
		"  - {name: SFTP, service: Finance interface, component: SFTP, kind: tcp, address: 'sftp.example.org:22', interval: 30s}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(s.URL+"/checks/import"), chromedp.WaitReady(chromedp.CSS(`#file`)))
	mustAxe(t, ctx, "import checks")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}))
	clickAndWait(t, ctx, `form[action="/checks/import"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "importing it would add 2 and change 0 checks. Nothing was saved.") {
		t.Fatalf("dry run:\n%s", page)
	}
	mustAxe(t, ctx, "import checked")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}), chromedp.Click(chromedp.CSS(`#mode-import`)))
	clickAndWait(t, ctx, `form[action="/checks/import"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "Imported: 2 checks added and 0 changed.") {
		t.Fatalf("import:\n%s", page)
	}
	do(t, ctx, chromedp.Navigate(s.URL+"/checks"), chromedp.WaitReady(chromedp.CSS("body")))
	if page := text(t, ctx); !strings.Contains(page, "Supplier API") || !strings.Contains(page, "sftp.example.org:22") {
		t.Fatalf("list after the import:\n%s", page)
	}
	mustAxe(t, ctx, "checks")

	// Plan a maintenance window tomorrow evening, UK time.
	day := storetest.ClockOf(s.DB).Now().Add(48 * time.Hour).In(itsm.LoadLocation("Europe/London")).Format("2006-01-02")
	do(t, ctx, chromedp.Navigate(s.URL+"/maintenance"), chromedp.WaitReady(chromedp.CSS("body")))
	mustAxe(t, ctx, "no maintenance")
	clickAndWait(t, ctx, `main a[href="/maintenance/new"]`)
	mustAxe(t, ctx, "plan maintenance")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#title`), "Database upgrade"),
		chromedp.SendKeys(chromedp.CSS(`#service`), "Purchasing portal"),
		chromedp.SetValue(chromedp.CSS(`#starts_at`), day),
		chromedp.SetValue(chromedp.CSS(`#starts_at_time`), "18:00"),
		chromedp.SetValue(chromedp.CSS(`#ends_at`), day),
		chromedp.SetValue(chromedp.CSS(`#ends_at_time`), "20:00"),
	)
	clickAndWait(t, ctx, `form[action="/maintenance/new"] button[type="submit"]`)
	if page := text(t, ctx); !strings.Contains(page, "Maintenance planned: Database upgrade") || !strings.Contains(page, "Purchasing portal") {
		t.Fatalf("after planning:\n%s", page)
	}
	mustAxe(t, ctx, "maintenance windows")
}
