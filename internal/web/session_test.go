package web_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// TestSignInFlow covers the sign-in form's answers and where it goes next.
func TestSignInFlow(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.anon()

		// A protected page sends the visitor to sign in, and back after.
		res := c.Get("/users?role=agent")
		mustStatus(t, res, http.StatusSeeOther, "anonymous list")
		if res.Location() != "/sign-in?next=%2Fusers%3Frole%3Dagent" {
			t.Fatalf("redirect to %q", res.Location())
		}
		page := c.Get(res.Location())
		if !strings.Contains(page.Body, `name="next" value="/users?role=agent"`) {
			t.Fatalf("sign-in form lost the next page:\n%s", excerpt(page.Body))
		}

		res = c.Post("/sign-in", url.Values{"email": {""}, "password": {""}, "next": {"/users?role=agent"}})
		mustStatus(t, res, http.StatusBadRequest, "empty sign-in")
		if !strings.Contains(res.Body, `<a href="#email">Enter your email address.</a>`) || !strings.Contains(res.Body, `<a href="#password">Enter your password.</a>`) {
			t.Errorf("empty sign-in errors:\n%s", excerpt(res.Body))
		}

		res = c.Post("/sign-in", url.Values{"email": {e.f.Agent.Email}, "password": {"not the password"}, "next": {"/users?role=agent"}})
		mustStatus(t, res, http.StatusBadRequest, "wrong password")
		if !strings.Contains(webtest.Text(res.Body), "The email address or password is not right, or the account is not active yet.") {
			t.Errorf("wrong password page:\n%s", excerpt(res.Body))
		}
		if !strings.Contains(res.Body, "<title>Error: Sign in – Steward</title>") || !strings.Contains(res.Body, `value="agent@programme.test"`) {
			t.Error("wrong password page lacks the error title or the email address typed")
		}

		res = c.Post("/sign-in", url.Values{"email": {e.f.Agent.Email}, "password": {storetest.Password}, "next": {"/users?role=agent"}})
		mustStatus(t, res, http.StatusSeeOther, "sign in")
		if res.Location() != "/users?role=agent" {
			t.Errorf("after sign-in went to %q", res.Location())
		}
		mustStatus(t, c.Get("/users?role=agent"), http.StatusOK, "list after sign-in")

		// Signing out ends the session, not just the cookie.
		token := c.Cookie("steward_session")
		c.Get("/")
		res = c.Post("/sign-out", nil)
		mustStatus(t, res, http.StatusSeeOther, "sign out")
		if page := c.Get("/sign-in"); !strings.Contains(page.Body, "You have signed out.") {
			t.Errorf("no sign-out message:\n%s", excerpt(page.Body))
		}
		if _, _, err := db.SessionActor(storetest.System(), token); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Errorf("session still live after sign-out: %v", err)
		}
		mustStatus(t, c.Get("/"), http.StatusSeeOther, "home after sign-out")
	})
}

// TestSignInNeverRedirectsAway checks next only ever names a local page.
func TestSignInNeverRedirectsAway(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "evil", "/%0d%0aSet-Cookie:x=y"} {
		c := e.anon()
		c.Get("/sign-in")
		res := c.Post("/sign-in", url.Values{"email": {e.f.Agent.Email}, "password": {storetest.Password}, "next": {next}})
		mustStatus(t, res, http.StatusSeeOther, "sign in with next="+next)
		if loc := res.Location(); !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\r\n\\") {
			t.Errorf("next=%q sent the browser to %q", next, loc)
		}
	}
}

// TestSignInThrottled shows the store's sentence on a 429 page once an
// account has had too many failures.
func TestSignInThrottled(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	c := e.anon()
	c.Get("/sign-in")
	for i := 0; i < 5; i++ {
		mustStatus(t, c.Post("/sign-in", url.Values{"email": {e.f.Agent.Email}, "password": {"wrong guess"}}), http.StatusBadRequest, "failure")
	}
	res := c.Post("/sign-in", url.Values{"email": {e.f.Agent.Email}, "password": {storetest.Password}})
	mustStatus(t, res, http.StatusTooManyRequests, "throttled")
	if !strings.Contains(webtest.Text(res.Body), "There have been too many failed attempts to sign in. Wait 15 minutes and try again.") {
		t.Errorf("throttle page:\n%s", excerpt(res.Body))
	}
}

// TestIdleTimeOutSignsYouOut lets a session sit past the store's idle
// time-out: the next request goes to the sign-in page with the reason, and
// the cookie is cleared.
func TestIdleTimeOutSignsYouOut(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.as(e.f.CustomerUserA)
		storetest.ClockOf(db).Advance(29 * time.Minute)
		mustStatus(t, c.Get("/account"), http.StatusOK, "within the idle time-out")
		storetest.ClockOf(db).Advance(31 * time.Minute)
		res := c.Get("/account")
		mustStatus(t, res, http.StatusSeeOther, "after the idle time-out")
		if res.Location() != "/sign-in?next=%2Faccount" {
			t.Errorf("redirect to %q", res.Location())
		}
		if c.Cookie("steward_session") != "" {
			t.Error("the ended session's cookie was kept")
		}
		if page := c.Get(res.Location()); !strings.Contains(page.Body, "Your session has timed out. Sign in again.") {
			t.Errorf("sign-in page does not say why:\n%s", excerpt(page.Body))
		}
	})
}

// TestRegistrationToApproval follows a person from registering to signing
// in, through their organisation's admin's approval.
func TestRegistrationToApproval(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		visitor := e.anon()
		form := visitor.Get("/register")
		if !strings.Contains(form.Body, ">Alpha Council</option>") || strings.Contains(form.Body, ">Hosting Provider Ltd</option>") {
			t.Fatal("registration should offer customer organisations only")
		}
		res := visitor.Post("/register", url.Values{"organisation_id": {id(f.CustomerA.ID)}, "name": {"Rory Newcomer"},
			"email": {"rory@alpha.test"}, "password": {storetest.Password}, "password_confirm": {storetest.Password}})
		mustStatus(t, res, http.StatusSeeOther, "register")
		done := visitor.Get(res.Location())
		if !strings.Contains(webtest.Text(done.Body), "Alpha Council's administrator must approve it before you can sign in.") {
			t.Errorf("confirmation page:\n%s", excerpt(done.Body))
		}
		res = visitor.Post("/sign-in", url.Values{"email": {"rory@alpha.test"}, "password": {storetest.Password}})
		mustStatus(t, res, http.StatusBadRequest, "sign in before approval")

		// Customer B's admin does not see it; A's does.
		if list := e.as(f.CustomerAdminB).Get("/registrations"); strings.Contains(list.Body, "Rory Newcomer") {
			t.Error("customer B's admin sees A's registration")
		}
		admin := e.as(f.CustomerAdminA)
		list := admin.Get("/registrations")
		if !strings.Contains(list.Body, "Rory Newcomer") {
			t.Fatalf("A's admin does not see the registration:\n%s", excerpt(list.Body))
		}
		users, _, _ := db.FindUsers(storetest.System(), itsm.UserFilter{Email: ptr("rory@alpha.test")})
		res = admin.Post("/registrations/"+id(users[0].ID)+"/approve", url.Values{"version": {id(users[0].Version)}})
		mustStatus(t, res, http.StatusSeeOther, "approve")
		if page := admin.Get(res.Location()); !strings.Contains(page.Body, "You approved Rory Newcomer&#39;s registration.") {
			t.Errorf("no confirmation:\n%s", excerpt(page.Body))
		}
		// Deciding again finds no registration waiting.
		res = admin.Post("/registrations/"+id(users[0].ID)+"/reject", url.Values{"version": {id(users[0].Version)}})
		mustStatus(t, res, http.StatusNotFound, "decide twice")

		e.as(e.mustUserByID(users[0].ID)) // signs in
	})
}

// TestChangeOwnPassword checks the current password is required and that
// the change signs the person out everywhere.
func TestChangeOwnPassword(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	c := e.as(e.f.CustomerUserA)
	other := e.as(e.f.CustomerUserA)
	c.Get("/account/password")
	res := c.Post("/account/password", url.Values{"current_password": {"not it at all"}, "password": {"a new long passphrase"}, "password_confirm": {"a new long passphrase"}})
	mustStatus(t, res, http.StatusBadRequest, "wrong current password")
	if !strings.Contains(res.Body, `<a href="#current_password">Your current password is not right.</a>`) {
		t.Errorf("wrong current password:\n%s", excerpt(res.Body))
	}
	res = c.Post("/account/password", url.Values{"current_password": {storetest.Password}, "password": {"a new long passphrase"}, "password_confirm": {"a new long passphrase"}})
	mustStatus(t, res, http.StatusSeeOther, "change password")
	mustStatus(t, other.Get("/account"), http.StatusSeeOther, "other browser after the change")
	fresh := e.anon()
	fresh.Get("/sign-in")
	mustStatus(t, fresh.Post("/sign-in", url.Values{"email": {e.f.CustomerUserA.Email}, "password": {storetest.Password}}), http.StatusBadRequest, "old password")
	fresh.MustSignIn(e.f.CustomerUserA.Email, "a new long passphrase")
}

// TestAPITokens checks a token's secret is shown once, never cached, and
// that a token can be revoked only by its owner.
func TestAPITokens(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.as(e.f.ProviderAgent)
		c.Get("/account/tokens/new")
		res := c.Post("/account/tokens/new", url.Values{"name": {""}, "expiry": {"30"}})
		mustStatus(t, res, http.StatusBadRequest, "token without a name")
		res = c.Post("/account/tokens/new", url.Values{"name": {"Monitoring script"}, "expiry": {"90"}})
		mustStatus(t, res, http.StatusOK, "create token")
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("secret page cacheable: %q", res.Header.Get("Cache-Control"))
		}
		secret := regexpFind(`<code>(stw_[A-Za-z0-9_-]+)</code>`, res.Body)
		if secret == "" || !strings.Contains(res.Body, "You will not be able to see it again") {
			t.Fatalf("no secret or warning:\n%s", excerpt(res.Body))
		}
		if !strings.Contains(res.Body, "It expires on 31 May 2026 10:00.") {
			t.Errorf("expiry not shown in the viewer's time zone:\n%s", excerpt(res.Body))
		}
		if _, err := db.TokenActor(storetest.System(), secret); err != nil {
			t.Fatalf("the shown secret does not work: %v", err)
		}
		list := c.Get("/account/tokens")
		if strings.Contains(list.Body, secret) || !strings.Contains(list.Body, "Monitoring script") {
			t.Error("the list must name the token and never show its secret")
		}
		tokens, _ := db.FindAPITokens(storetest.As(e.f.ProviderAgent), e.f.ProviderAgent.ID)
		revoke := "/account/tokens/" + id(tokens[0].ID) + "/revoke"
		mustStatus(t, e.as(e.f.CustomerAdminA).Post(revoke, nil), http.StatusNotFound, "someone else's token")
		mustStatus(t, c.Post(revoke, nil), http.StatusSeeOther, "revoke")
		if _, err := db.TokenActor(storetest.System(), secret); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Errorf("revoked token still works: %v", err)
		}
		if list := c.Get("/account/tokens"); !strings.Contains(list.Body, "Revoked") || !strings.Contains(list.Body, "The token has been revoked.") {
			t.Errorf("list after revoking:\n%s", excerpt(list.Body))
		}
	})
}

// TestSecureCookies checks every cookie is Secure when configured.
func TestSecureCookies(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite)
	f := storetest.MustSeed(t, db)
	srv, err := web.New(web.Config{Services: db.Services(), SecureCookies: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := httpx.Chain(srv.Handler(), httpx.WithRequestID)
	c := webtest.NewClient(t, h)
	page := c.Get("/sign-in")
	token := webtest.CSRFToken(page.Body)
	var csrf string
	for _, ck := range page.Cookies() {
		if ck.Name == "steward_csrf" {
			csrf = ck.Value
			if !ck.Secure {
				t.Error("CSRF cookie not Secure")
			}
		}
	}
	// The jar holds Secure cookies back over http, so send them by hand.
	req, _ := http.NewRequest(http.MethodPost, webtest.Origin+"/sign-in", strings.NewReader(url.Values{"csrf_token": {token}, "email": {f.Agent.Email}, "password": {storetest.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "steward_csrf", Value: csrf})
	res := c.Do(req)
	mustStatus(t, res, http.StatusSeeOther, "sign in")
	for _, ck := range res.Cookies() {
		if ck.Name == "steward_session" && (!ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/") {
			t.Errorf("session cookie: %+v", ck)
		}
	}
}
