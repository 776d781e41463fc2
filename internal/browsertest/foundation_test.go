package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// signIn signs in through the form and waits for the home page.
func signIn(t *testing.T, ctx context.Context, s *site, email, password string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(s.URL+"/sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	clickAndWait(t, ctx, `main form[action="/sign-in"] button[type="submit"]`)
	do(t, ctx, chromedp.WaitReady(chromedp.CSS(`form[action="/sign-out"]`)))
}

// signOut uses the header's sign-out button.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	clickAndWait(t, ctx, `form[action="/sign-out"] button`)
	do(t, ctx, chromedp.WaitReady(chromedp.CSS(`#email`)))
}

// TestRegistrationApprovalAndTenancy: a person registers for a customer
// area, the organisation's customer admin approves them, and they sign in
// and see only their own organisation. A POST without the CSRF token is
// refused. axe runs on every page visited.
func TestRegistrationApprovalAndTenancy(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := mustBrowser(t)
			s := mustSite(t, engine)
			f := s.F

			// Register.
			do(t, ctx, chromedp.Navigate(s.URL+"/register"), chromedp.WaitVisible(chromedp.CSS("#organisation_id")))
			mustAxe(t, ctx, "registration form")
			do(t, ctx,
				chromedp.SetValue(chromedp.CSS("#organisation_id"), strconv.FormatInt(f.CustomerA.ID, 10)),
				chromedp.SendKeys(chromedp.CSS("#name"), "Nadia Newcomer"),
				chromedp.SendKeys(chromedp.CSS("#email"), "nadia@alpha.test"),
				chromedp.SendKeys(chromedp.CSS("#password"), storetest.Password),
				chromedp.SendKeys(chromedp.CSS("#password_confirm"), storetest.Password),
			)
			clickAndWait(t, ctx, `main form[action="/register"] button[type="submit"]`)
			if !strings.Contains(location(t, ctx), "/register/complete") {
				t.Fatalf("after registering: %s\n%s", location(t, ctx), text(t, ctx))
			}
			mustAxe(t, ctx, "registration complete")

			// A pending registration cannot sign in.
			do(t, ctx,
				chromedp.Navigate(s.URL+"/sign-in"),
				chromedp.SendKeys(chromedp.CSS("#email"), "nadia@alpha.test"),
				chromedp.SendKeys(chromedp.CSS("#password"), storetest.Password),
			)
			clickAndWait(t, ctx, `main form[action="/sign-in"] button[type="submit"]`)
			do(t, ctx, chromedp.WaitReady(chromedp.CSS(".ds_error-summary")))
			mustAxe(t, ctx, "sign-in error")

			// The customer admin approves.
			pending := itsm.UserPending
			users, _, err := s.DB.FindUsers(storetest.System(), itsm.UserFilter{Status: &pending})
			if err != nil || len(users) != 1 {
				t.Fatalf("pending registrations: %v %v", users, err)
			}
			signIn(t, ctx, s, f.CustomerAdminA.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/registrations"), chromedp.WaitReady(chromedp.CSS("body")))
			if !strings.Contains(text(t, ctx), "Nadia Newcomer") {
				t.Fatalf("registration not listed:\n%s", text(t, ctx))
			}
			mustAxe(t, ctx, "registrations")
			clickAndWait(t, ctx, fmt.Sprintf(`form[action="/registrations/%d/approve"] button`, users[0].ID))
			u, err := s.DB.FindUserByID(storetest.System(), users[0].ID)
			if err != nil || u.Status != itsm.UserActive {
				t.Fatalf("after approval: %+v %v", u, err)
			}
			signOut(t, ctx)

			// The new customer signs in and sees only their organisation.
			signIn(t, ctx, s, "nadia@alpha.test", storetest.Password)
			home := text(t, ctx)
			if !strings.Contains(home, f.CustomerA.Name) || strings.Contains(home, f.CustomerB.Name) {
				t.Fatalf("customer home shows the wrong organisations:\n%s", home)
			}
			mustAxe(t, ctx, "customer home")
			do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/organisations/%d", s.URL, f.CustomerB.ID)), chromedp.WaitReady(chromedp.CSS("body")))
			if page := text(t, ctx); strings.Contains(page, f.CustomerB.Name) || !strings.Contains(strings.ToLower(page), "not found") {
				t.Fatalf("another organisation's page:\n%s", page)
			}
			mustAxe(t, ctx, "not found page")
			do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d", s.URL, f.CustomerUserB.ID)), chromedp.WaitReady(chromedp.CSS("body")))
			if strings.Contains(text(t, ctx), f.CustomerUserB.Email) {
				t.Fatal("customer A sees customer B's user")
			}

			// A POST without the CSRF token is refused and changes nothing.
			status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/account/tokens/new', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'name=stolen'}).then(r => r.status)`, chromedp.EvalAwaitPromise))
			if err != nil || status != 403 {
				t.Fatalf("POST without CSRF token: status %d, %v", status, err)
			}
			toks, err := s.DB.FindAPITokens(storetest.Ctx(&itsm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgKind: itsm.OrgCustomer, Role: u.Role}), u.ID)
			if err != nil || len(toks) != 0 {
				t.Fatalf("a token was made without the CSRF token: %v %v", toks, err)
			}
		})
	}
}

var idSegment = regexp.MustCompile(`/\d+(/|$)`)

// downloadPrefixes are the paths that serve files, not pages.
var downloadPrefixes = []string{"/attachments/", "/change-attachments/", "/document-files/", "/exports/", "/calendar/feed/"}

// isDownload reports whether a path serves a file (which a browser saves
// rather than shows, so axe has nothing to check).
func isDownload(p string) bool {
	for _, ext := range []string{".csv", ".xlsx", ".pdf", ".ics", ".json"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	for _, prefix := range downloadPrefixes {
		if strings.HasPrefix(p, prefix) && p != "/calendar/feed/" {
			return true
		}
	}
	return false
}

// crawl visits every same-site page reachable from start by GET links (one
// per path shape, so /users/3 and /users/4 count once), runs axe on each and
// returns the shapes visited.
func crawl(t *testing.T, ctx context.Context, s *site, start string, limit int) []string {
	t.Helper()
	seen := map[string]bool{}
	queue := []string{start}
	var visited []string
	for len(queue) > 0 && len(visited) < limit {
		p := queue[0]
		queue = queue[1:]
		shape := idSegment.ReplaceAllString(p, "/{id}$1")
		if seen[shape] {
			continue
		}
		seen[shape] = true
		if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+p), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("open %s (linked from a page already visited): %v", p, err)
		}
		mustAxe(t, ctx, p)
		visited = append(visited, shape)
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))`))
		if err != nil {
			t.Fatalf("read links on %s: %v", p, err)
		}
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil || (u.Host != "" && s.URL != u.Scheme+"://"+u.Host) || !strings.HasPrefix(u.Path, "/") {
				continue
			}
			if isDownload(u.Path) ||
				strings.HasPrefix(u.Path, "/static/") || strings.HasPrefix(u.Path, "/api/") {
				continue
			}
			target := u.Path
			if u.RawQuery != "" && len(visited) < limit/2 {
				target += "?" + u.RawQuery
			}
			queue = append(queue, target)
		}
	}
	sort.Strings(visited)
	return visited
}

// TestAccessibilityOfEveryPage signs in as each role and runs axe on every
// page reachable by links, plus the public pages and an error page.
func TestAccessibilityOfEveryPage(t *testing.T) {
	s := mustSite(t, store.SQLite)
	mustServiceDesk(t, s)
	t.Run("anonymous", func(t *testing.T) {
		ctx := mustBrowser(t)
		for _, p := range []string{"/sign-in", "/register", "/accessibility", "/no-such-page"} {
			do(t, ctx, chromedp.Navigate(s.URL+p), chromedp.WaitReady(chromedp.CSS("body")))
			mustAxe(t, ctx, p)
		}
	})
	// Each role gets its own browser and so its own time budget: the site
	// has grown past what one browser can crawl for every role in time.
	for _, u := range []*itsm.User{s.F.Admin, s.F.Auditor, s.F.ProviderAgent, s.F.CustomerAdminA, s.F.CustomerUserA} {
		t.Run(string(u.Role), func(t *testing.T) {
			ctx := mustBrowser(t)
			signIn(t, ctx, s, u.Email, storetest.Password)
			visited := crawl(t, ctx, s, "/", 80)
			t.Logf("%s (%s): axe ran on %d pages: %s", u.Name, u.Role, len(visited), strings.Join(visited, " "))
		})
	}
}

// mustServiceDesk adds an agreement, a ticket of customer A escalated to
// the provider with a reply, a linked known error and a customer's
// escalation, so that the detail pages have something to show.
func mustServiceDesk(t *testing.T, s *site) {
	t.Helper()
	f := s.F
	ag := &itsm.ServiceAgreement{Name: "Help desk agreement", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
	if err := s.DB.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
		t.Fatal(err)
	}
	tk, err := s.DB.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "Invoices rejected", Description: "PEPPOL invoices bounce with error *E42*.", Impact: itsm.High, Urgency: itsm.Medium})
	if err != nil {
		t.Fatal(err)
	}
	agent := storetest.As(f.Agent)
	if _, err := s.DB.AddComment(agent, tk.ID, itsm.Comment{Body: "We are looking at it."}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.AddComment(agent, tk.ID, itsm.Comment{Body: "Suspect the access point.", Internal: true}); err != nil {
		t.Fatal(err)
	}
	tk, _ = s.DB.FindTicketByID(agent, tk.ID)
	if tk, err = s.DB.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{ProviderID: &f.Provider.ID, Version: tk.Version}); err != nil {
		t.Fatal(err)
	}
	p := &itsm.Problem{Title: "Access point rejects long names", Workaround: "Shorten the name.", KnownError: true, ProviderID: &f.Provider.ID}
	if err := s.DB.CreateProblem(agent, p); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.LinkIncident(agent, p.ID, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Escalate(storetest.As(f.CustomerUserA), tk.ID, "This has stopped all our invoices."); err != nil {
		t.Fatal(err)
	}
}
