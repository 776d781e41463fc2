package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

const csrfSentence = "Your form expired or came from another site. Go back, reload the page and try again."

// TestEveryPostNeedsCSRFToken posts to every POST route of the route table
// without a token, with a wrong one and cross-site, as an administrator who
// could otherwise do it all: each is refused with the 403 page, audited,
// and changes nothing.
func TestEveryPostNeedsCSRFToken(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		target := e.mustUser(f.CustomerA, itsm.RoleCustomerUser)
		pending := e.mustPending(f.CustomerA)
		c := e.as(f.Admin)
		tokenRes := c.Post("/account/tokens/new", url.Values{"name": {"kept"}, "expiry": {"30"}})
		mustStatus(t, tokenRes, http.StatusOK, "create token")
		tokens, err := db.FindAPITokens(storetest.As(f.Admin), f.Admin.ID)
		if err != nil || len(tokens) != 1 {
			t.Fatalf("tokens: %v %v", tokens, err)
		}
		org := e.mustOrg(f.CustomerA.ID)
		ticket := id(e.mustRaise(f.CustomerUserA, "Guarded").ID)
		d := e.mustDesk()
		change := id(e.mustRaiseChange(f.CustomerUserA, "Guarded change").ID) // @@CHANGES@@
		freeze := id(e.mustFreeze().ID)                                       // @@CALENDAR@@
		risk, riskIssue, riskAction := e.mustRAIDRecords()                    // @@RAID@@
		ids := map[string]string{
			"/organisations/{id}/edit":    id(org.ID),
			"/users/{id}/edit":            id(target.ID),
			"/users/{id}/password":        id(target.ID),
			"/users/{id}/erase":           id(target.ID),
			"/registrations/{id}/approve": id(pending.ID),
			"/registrations/{id}/reject":  id(pending.ID),
			"/account/tokens/{id}/revoke": id(tokens[0].ID),
			"/sign-in":                    "",
			"/register":                   "",
			"/sign-out":                   "",
			"/account/password":           "",
			"/account/tokens/new":         "",
			"/organisations/new":          "",
			"/users/new":                  "",
			// The service desk's forms, on a ticket of customer A.
			"/tickets/new":              "",
			"/tickets/bulk-assign":      "",
			"/tickets/{id}/comment":     ticket,
			"/tickets/{id}/attachments": ticket,
			"/tickets/{id}/status":      ticket,
			"/tickets/{id}/priority":    ticket,
			"/tickets/{id}/assign":      ticket,
			"/tickets/{id}/provider":    ticket,
			"/tickets/{id}/reopen":      ticket,
			"/tickets/{id}/escalate":    ticket,
			"/tickets/{id}/watch":       ticket,
			"/tickets/{id}/unwatch":     ticket,
			"/tickets/{id}/watchers":    ticket,
			"/tickets/{id}/links":       ticket,

			// Service management.
			"/problems/new":                                  "",
			"/problems/{id}/edit":                            id(d.problem.ID),
			"/problems/{id}/incidents/link":                  id(d.problem.ID),
			"/problems/{id}/incidents/unlink":                id(d.problem.ID),
			"/escalations/{id}/acknowledge":                  id(d.escalationA.ID),
			"/escalations/{id}/raise":                        id(d.escalationA.ID),
			"/escalations/{id}/note":                         id(d.escalationA.ID),
			"/escalations/{id}/resolve":                      id(d.escalationA.ID),
			"/organisations/{id}/escalation-contacts/add":    id(f.Provider.ID),
			"/organisations/{id}/escalation-contacts/remove": id(f.Provider.ID),
			"/agreements/new":                                "",
			"/settings/service-desk":                         "",

			// Change management (@@CHANGES@@), on a change of customer A.
			"/changes/new":                 "",
			"/changes/{id}/edit":           change,
			"/changes/{id}/transition":     change,
			"/changes/{id}/schedule/check": change,
			"/changes/{id}/schedule":       change,
			"/changes/{id}/estimates":      change,
			"/changes/{id}/votes":          change,
			"/changes/{id}/costs":          change,
			"/changes/{id}/budget":         change,
			"/changes/{id}/forecast":       change,
			"/changes/{id}/links":          change,
			"/changes/{id}/unlink":         change,
			"/changes/{id}/attachments":    change,
			"/problems/{id}/raise-change":  id(d.problem.ID),

			// The change calendar (@@CALENDAR@@).
			"/calendar/freezes/new":         "",
			"/calendar/freezes/{id}/edit":   freeze,
			"/calendar/freezes/{id}/delete": freeze,
			"/calendar/feed":                "",
			"/calendar/feed/revoke":         "",

			// The risk and issue register (@@RAID@@).
			"/risks/new":                     "",
			"/risks/{id}/edit":               risk,
			"/risks/{id}/actions":            risk,
			"/risks/{id}/changes/link":       risk,
			"/risks/{id}/changes/unlink":     risk,
			"/programme-issues/new":          "",
			"/programme-issues/{id}/edit":    riskIssue,
			"/programme-issues/{id}/actions": riskIssue,
			"/raid-actions/{id}/edit":        riskAction,
			"/raid-actions/{id}/status":      riskAction,
			// Integration support (any ID will do: the token is checked
			// before the record is looked up).
			"/integrations/new":                  "",
			"/integrations/{id}/edit":            "1",
			"/integrations/{id}/report-issue":    "1",
			"/integrations/{id}/tickets/link":    "1",
			"/integrations/{id}/tickets/unlink":  "1",
			"/webhooks/new":                      "",
			"/webhooks/{id}/edit":                "1",
			"/webhooks/{id}/rotate":              "1",
			"/webhooks/{id}/delete":              "1",
			"/webhook-deliveries/{id}/redeliver": "1",
			"/import":                            "",
			// Documents and help articles (any ID will do, as above).
			"/documents/subscriptions":           "",
			"/documents/new":                     "",
			"/documents/{id}/edit":               "1",
			"/documents/{id}/versions":           "1",
			"/help-articles/new":                 "",
			"/help-articles/categories/new":      "",
			"/help-articles/{id}/edit":           "1",
			"/help-articles/{id}/vote":           "1",
			"/help-articles/{id}/tickets/link":   "1",
			"/help-articles/{id}/tickets/unlink": "1",
			// Provider performance reviews (any ID will do, as above).
			"/reviews/new":                   "",
			"/reviews/{id}/edit":             "1",
			"/reviews/{id}/attendees":        "1",
			"/reviews/{id}/attendees/remove": "1",
			"/reviews/{id}/actions":          "1",
			"/review-actions/{id}/edit":      "1",
			// Monitoring: checks and maintenance (@@MONITOR@@; any ID
			// will do, as above).
			"/checks/new":              "",
			"/checks/import":           "",
			"/checks/{id}/edit":        "1",
			"/checks/{id}/delete":      "1",
			"/checks/{id}/pause":       "1",
			"/checks/{id}/resume":      "1",
			"/maintenance/new":         "",
			"/maintenance/{id}/delete": "1",
		}
		form := url.Values{
			"name": {"Changed"}, "email": {"changed@alpha.test"}, "kind": {"customer"}, "time_zone": {"Europe/London"}, "active": {"false"},
			"role": {"customer_admin"}, "status": {"disabled"}, "version": {"1"}, "organisation_id": {id(f.CustomerA.ID)},
			"password": {"a long new password"}, "password_confirm": {"a long new password"}, "current_password": {storetest.Password},
			"expiry": {"30"}, "reason": {"Changed"}, "confirm_email": {target.Email},
			// Service management: a problem, an escalation action, a contact.
			"title": {"Changed"}, "ref": {d.ticketA.Ref}, "ticket_id": {id(d.ticketA.ID)}, "raise_reason": {"Changed"},
			"note": {"Changed"}, "outcome": {"Changed"}, "level": {"1"}, "reopen_days": {"3"}, "priority_matrix.high.high": {"P4"},
		}
		var posts []string
		for _, p := range e.srv.Patterns() {
			method, path, _ := strings.Cut(p, " ")
			if method != http.MethodPost {
				continue
			}
			if _, known := ids[path]; !known {
				t.Errorf("POST %s is not covered by this test: add it", path)
				continue
			}
			posts = append(posts, strings.Replace(path, "{id}", ids[path], 1))
		}
		before := e.auditCount(itsm.AuditAccessRefused)
		changes := e.auditCount(itsm.AuditCreate) + e.auditCount(itsm.AuditUpdate) + e.auditCount(itsm.AuditApprove) +
			e.auditCount(itsm.AuditReject) + e.auditCount(itsm.AuditRevoke) + e.auditCount(itsm.AuditPassword) + e.auditCount(itsm.AuditSignOut) + e.auditCount(itsm.AuditPersonErased)
		attempts := 0
		for _, path := range posts {
			for name, mutate := range map[string]func(url.Values, *http.Header){
				"no token":    func(v url.Values, h *http.Header) { v.Del("csrf_token"); v["csrf_token"] = []string{""} },
				"wrong token": func(v url.Values, h *http.Header) { v.Set("csrf_token", strings.Repeat("x", len(c.Token()))) },
				"cross-site": func(v url.Values, h *http.Header) {
					v.Set("csrf_token", c.Token())
					h.Set("Sec-Fetch-Site", "cross-site")
				},
			} {
				v := url.Values{}
				for k, xs := range form {
					v[k] = xs
				}
				mutate(v, &c.Header)
				res := c.Post(path, v)
				c.Header.Del("Sec-Fetch-Site")
				attempts++
				mustStatus(t, res, http.StatusForbidden, name+" POST "+path)
				if !strings.Contains(res.Body, csrfSentence) {
					t.Errorf("%s POST %s: page does not explain the refusal", name, path)
				}
			}
		}
		if n := e.auditCount(itsm.AuditAccessRefused); n != before+attempts {
			t.Errorf("refusals audited: %d, want %d", n-before, attempts)
		}
		after := e.auditCount(itsm.AuditCreate) + e.auditCount(itsm.AuditUpdate) + e.auditCount(itsm.AuditApprove) +
			e.auditCount(itsm.AuditReject) + e.auditCount(itsm.AuditRevoke) + e.auditCount(itsm.AuditPassword) + e.auditCount(itsm.AuditSignOut) + e.auditCount(itsm.AuditPersonErased)
		if after != changes {
			t.Errorf("%d changes were made by refused posts", after-changes)
		}
		if u := e.mustUserByID(pending.ID); u.Status != itsm.UserPending {
			t.Errorf("registration decided without a token: %s", u.Status)
		}
		if esc := e.mustEscalationByID(d.escalationA.ID); esc.Version != d.escalationA.Version {
			t.Errorf("escalation acted on without a token: %+v", esc)
		}
		// The session survived every refused sign-out.
		mustStatus(t, c.Get("/account"), http.StatusOK, "still signed in")
	})
}

// TestAnonymousDoubleSubmit covers the anonymous forms: the token is a
// random cookie repeated in a hidden field, and both must match.
func TestAnonymousDoubleSubmit(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	c := e.anon()
	page := c.Get("/sign-in")
	mustStatus(t, page, http.StatusOK, "sign-in page")
	cookie := c.Cookie("steward_csrf")
	if cookie == "" || cookie != c.Token() {
		t.Fatalf("cookie %q and field %q should hold the same token", cookie, c.Token())
	}
	for _, h := range page.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "steward_csrf=") && (!strings.Contains(h, "HttpOnly") || !strings.Contains(h, "SameSite=Strict")) {
			t.Errorf("CSRF cookie should be HttpOnly and SameSite=Strict: %s", h)
		}
	}
	creds := url.Values{"email": {e.f.Agent.Email}, "password": {storetest.Password}}

	// A form from another browser (its own cookie, another's field) fails.
	other := e.anon()
	other.Get("/sign-in")
	v := url.Values{"csrf_token": {other.Token()}}
	for k, xs := range creds {
		v[k] = xs
	}
	mustStatus(t, c.Post("/sign-in", v), http.StatusForbidden, "mismatched double-submit token")

	// No cookie at all fails too, even with a plausible field.
	fresh := e.anon()
	v.Set("csrf_token", c.Token())
	mustStatus(t, fresh.Post("/sign-in", v), http.StatusForbidden, "token without its cookie")

	// The matching pair signs in.
	res := c.Post("/sign-in", creds)
	mustStatus(t, res, http.StatusSeeOther, "matching double-submit token")
	for _, h := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "steward_session=") {
			for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
				if !strings.Contains(h, attr) {
					t.Errorf("session cookie lacks %s: %s", attr, h)
				}
			}
		}
	}
	// The session's own token, not the anonymous one, guards signed-in forms.
	anonToken := cookie
	c.Get("/")
	if c.Token() == anonToken {
		t.Fatal("signed-in pages still carry the anonymous token")
	}
	mustStatus(t, c.Post("/account/tokens/new", url.Values{"csrf_token": {anonToken}, "name": {"x"}, "expiry": {"30"}}), http.StatusForbidden, "anonymous token on a signed-in form")
}
