package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

var documentPath = regexp.MustCompile(`/documents/(\d+)$`)

// check ticks a checkbox or radio by script: the design system's inputs
// sit under their styled labels.
func check(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + strconv.Quote(sel) + `).checked = true`)
}

// TestDocumentsJourney: a customer user subscribes to release notes → a
// manager publishes release notes for two customers → the subscriber is
// e-mailed and downloads them → a user of a third customer cannot find
// them, by list, search or address. axe runs on every new page.
func TestDocumentsJourney(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := mustBrowser(t)
			s := mustSite(t, engine)
			f := s.F
			sys := storetest.System()
			gamma := &itsm.Organisation{Name: "Gamma Housing Trust", Kind: itsm.OrgCustomer}
			if err := s.DB.CreateOrganisation(sys, gamma); err != nil {
				t.Fatal(err)
			}
			userC := &itsm.User{OrgID: gamma.ID, Email: "user@gamma.test", Name: "Gregor Gamma-User", Role: itsm.RoleCustomerUser}
			if err := s.DB.CreateUser(sys, userC, storetest.Password); err != nil {
				t.Fatal(err)
			}
			cats, err := s.DB.ArticleCategories(sys)
			if err != nil {
				t.Fatal(err)
			}
			article := &itsm.Article{CategoryID: cats[0].ID, Title: "Sending invoices by SFTP", Summary: "The nightly invoice export.",
				Body: "## Steps\n\n1. Ask for an account.\n2. Test it.", Audience: itsm.Audience{Visibility: itsm.VisibleAllCustomers}}
			if err := s.DB.CreateArticle(storetest.As(f.Manager), article); err != nil {
				t.Fatal(err)
			}

			// Customer A's user subscribes to release notes.
			signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/documents"), chromedp.WaitReady(chromedp.CSS(`form[action="/documents/subscriptions"]`)))
			mustAxe(t, ctx, "documents as a customer")
			do(t, ctx, check(`input[name="types"][value="release_notes"]`))
			clickAndWait(t, ctx, `form[action="/documents/subscriptions"] button[type="submit"]`)
			if page := text(t, ctx); !strings.Contains(page, "subscriptions have been saved") {
				t.Fatalf("after subscribing:\n%s", page)
			}
			mustAxe(t, ctx, "documents after subscribing")
			// Help articles, and suggestions on "Report an issue".
			do(t, ctx, chromedp.Navigate(s.URL+"/help-articles"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "help articles")
			do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/help-articles/%d", s.URL, article.ID)), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "help article")
			clickAndWait(t, ctx, `form[action$="/vote"] button[value="yes"]`)
			if page := text(t, ctx); !strings.Contains(page, "1 yes, 0 no") {
				t.Fatalf("after voting:\n%s", page)
			}
			do(t, ctx, chromedp.Navigate(s.URL+"/tickets/new"), chromedp.WaitReady(chromedp.CSS(`[name="title"]`)),
				chromedp.SendKeys(chromedp.CSS(`[name="title"]`), "Invoices stopped arriving by SFTP"))
			clickAndWait(t, ctx, `button[name="suggest"]`)
			if page := text(t, ctx); !strings.Contains(page, "Sending invoices by SFTP") {
				t.Fatalf("no suggestion on the issue form:\n%s", page)
			}
			mustAxe(t, ctx, "report an issue with suggestions")
			signOut(t, ctx)

			// The manager publishes release notes for customers A and B.
			notes := filepath.Join(t.TempDir(), "release-4.3-notes.md")
			if err := os.WriteFile(notes, []byte("# Release 4.3\n\nCredit notes now reach the finance system.\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			signIn(t, ctx, s, f.Manager.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/documents/new"), chromedp.WaitReady(chromedp.CSS(`form[action="/documents/new"]`)))
			mustAxe(t, ctx, "publish a document")
			do(t, ctx,
				check(`input[name="type"][value="release_notes"]`),
				chromedp.SendKeys(chromedp.CSS(`[name="title"]`), "Release 4.3 release notes"),
				chromedp.SendKeys(chromedp.CSS(`[name="summary"]`), "What changed in release 4.3."),
				chromedp.SendKeys(chromedp.CSS(`[name="tags"]`), "release 4.3, invoices"),
				check(`input[name="visibility"][value="named"]`),
				check(fmt.Sprintf(`input[name="customer_ids"][value="%d"]`, f.CustomerA.ID)),
				check(fmt.Sprintf(`input[name="customer_ids"][value="%d"]`, f.CustomerB.ID)),
				chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{notes}),
				chromedp.SendKeys(chromedp.CSS(`[name="change_note"]`), "First issue."),
			)
			clickAndWait(t, ctx, `form[action="/documents/new"] button[type="submit"]`)
			m := documentPath.FindStringSubmatch(location(t, ctx))
			if m == nil {
				t.Fatalf("after publishing: %s\n%s", location(t, ctx), text(t, ctx))
			}
			docURL := s.URL + "/documents/" + m[1]
			if page := text(t, ctx); !strings.Contains(page, "release-4.3-notes.md") || !strings.Contains(page, f.CustomerB.Name) {
				t.Fatalf("document page:\n%s", page)
			}
			mustAxe(t, ctx, "document as manager")
			do(t, ctx, chromedp.Navigate(docURL+"/edit"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "change a document")
			do(t, ctx, chromedp.Navigate(s.URL+"/help-articles/new"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "write a help article")
			do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/help-articles/%d/edit", s.URL, article.ID)), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "change a help article")
			do(t, ctx, chromedp.Navigate(s.URL+"/help-articles/categories/new"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "add a category")
			do(t, ctx, chromedp.Navigate(s.URL+"/documents"), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, "documents as manager")
			signOut(t, ctx)

			// Only A's subscriber is e-mailed.
			var mails []itsm.EmailJob
			for _, j := range storetest.OutboxOf(s.DB).Jobs() {
				if m, ok := j.(itsm.EmailJob); ok && strings.Contains(m.Subject, "Release 4.3") {
					mails = append(mails, m)
				}
			}
			if len(mails) != 1 || len(mails[0].To) != 1 || mails[0].To[0] != f.CustomerUserA.Email {
				t.Fatalf("release notes e-mails: %+v", mails)
			}

			// The subscriber finds and downloads them.
			signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/documents?type=release_notes"), chromedp.WaitReady(chromedp.CSS("body")))
			if page := text(t, ctx); !strings.Contains(page, "Release 4.3 release notes") {
				t.Fatalf("customer A's documents:\n%s", page)
			}
			clickAndWait(t, ctx, `a[href="/documents/`+m[1]+`"]`)
			mustAxe(t, ctx, "document as customer")
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
				const a = document.querySelector('a[href^="/document-files/"]');
				const r = await fetch(a.getAttribute('href'));
				return r.status + '|' + r.headers.get('Content-Disposition') + '|' + await r.text();
			})()`, chromedp.EvalAwaitPromise))
			if err != nil || !strings.HasPrefix(got, `200|attachment; filename="release-4.3-notes.md"`) || !strings.Contains(got, "Credit notes now reach") {
				t.Fatalf("download: %v %q", err, got)
			}
			do(t, ctx, chromedp.Navigate(s.URL+"/search?q=credit+notes"), chromedp.WaitReady(chromedp.CSS("body")))
			if page := text(t, ctx); !strings.Contains(page, "Release 4.3 release notes") {
				t.Fatalf("customer A's search:\n%s", page)
			}
			mustAxe(t, ctx, "search results")
			signOut(t, ctx)

			// A user of the third customer cannot find them.
			signIn(t, ctx, s, userC.Email, storetest.Password)
			for _, path := range []string{"/documents", "/documents?q=release", "/search?q=credit+notes"} {
				do(t, ctx, chromedp.Navigate(s.URL+path), chromedp.WaitReady(chromedp.CSS("body")))
				if page := text(t, ctx); strings.Contains(page, "Release 4.3") {
					t.Fatalf("customer C sees the release notes at %s:\n%s", path, page)
				}
			}
			mustAxe(t, ctx, "search with no results")
			do(t, ctx, chromedp.Navigate(docURL), chromedp.WaitReady(chromedp.CSS("body")))
			if page := text(t, ctx); strings.Contains(page, "Release 4.3") || !strings.Contains(page, "Page not found") {
				t.Fatalf("customer C opened the release notes:\n%s", page)
			}
		})
	}
}
