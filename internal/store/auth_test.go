package store_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func TestSignInThrottlingAndSessions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		clock := storetest.ClockOf(db)
		anon := storetest.Ctx(itsm.Anonymous("198.51.100.7"))
		for i := 0; i < db.Throttle.PerAccount; i++ {
			if _, _, _, err := db.SignIn(anon, f.Agent.Email, "not the password"); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		// The right password is refused while the account is throttled.
		if _, _, _, err := db.SignIn(anon, f.Agent.Email, storetest.Password); itsm.ErrorCode(err) != itsm.ETOOMANY {
			t.Fatalf("throttled sign-in: %v", err)
		}
		clock.Advance(db.Throttle.Window + time.Second)
		token, _, u, err := db.SignIn(anon, f.Agent.Email, storetest.Password)
		if err != nil || u.ID != f.Agent.ID {
			t.Fatalf("sign in after the window: %v", err)
		}
		a, _, err := db.SessionActor(anon, token)
		if err != nil || a.UserID != f.Agent.ID || a.Role != itsm.RoleAgent {
			t.Fatalf("session actor: %+v %v", a, err)
		}
		// Idle time-out.
		clock.Advance(db.Sessions.Idle + time.Second)
		if _, _, err := db.SessionActor(anon, token); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Fatalf("idle session still valid: %v", err)
		}
		// Absolute time-out despite activity.
		token, _, _, err = db.SignIn(anon, f.Agent.Email, storetest.Password)
		if err != nil {
			t.Fatal(err)
		}
		for elapsed := time.Duration(0); elapsed < db.Sessions.Absolute; elapsed += 20 * time.Minute {
			clock.Advance(20 * time.Minute)
			if _, _, err := db.SessionActor(anon, token); err != nil {
				if elapsed+20*time.Minute <= db.Sessions.Absolute {
					t.Fatalf("active session ended early at %s: %v", elapsed, err)
				}
			}
		}
		clock.Advance(time.Minute)
		if _, _, err := db.SessionActor(anon, token); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Fatalf("session outlived the absolute time-out: %v", err)
		}
		// Sign-out ends the session.
		token, _, _, _ = db.SignIn(anon, f.Agent.Email, storetest.Password)
		if err := db.SignOut(storetest.As(f.Agent), token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionActor(anon, token); err == nil {
			t.Fatal("session valid after sign-out")
		}
		// A stored hash submitted as the password does not sign in.
		var hash string
		if err := db.SQL().QueryRow(`SELECT password_hash FROM users WHERE id = ` + itoa(f.Agent.ID)).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := db.SignIn(storetest.Ctx(itsm.Anonymous("203.0.113.5")), f.Agent.Email, hash); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Fatalf("hash as password: %v", err)
		}
		// Failures and sign-ins are audited.
		action := itsm.AuditSignInFailed
		entries, _, err := db.FindAuditEntries(storetest.As(f.Auditor), itsm.AuditFilter{Action: &action})
		if err != nil || len(entries) < db.Throttle.PerAccount {
			t.Fatalf("failed sign-ins audited: %d %v", len(entries), err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAPITokens(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		ctx := storetest.As(f.CustomerUserA)
		tok, secret, err := db.CreateAPIToken(ctx, f.CustomerUserA.ID, "sync", nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.TokenActor(storetest.Ctx(itsm.Anonymous("192.0.2.1")), secret)
		if err != nil || a.UserID != f.CustomerUserA.ID {
			t.Fatalf("token actor: %v", err)
		}
		// Someone else's token cannot be made or revoked.
		if _, _, err := db.CreateAPIToken(ctx, f.CustomerAdminA.ID, "x", nil); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("token for another user: %v", err)
		}
		if err := db.RevokeAPIToken(storetest.As(f.CustomerUserB), tok.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("revoke another's token: %v", err)
		}
		if err := db.RevokeAPIToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TokenActor(storetest.Ctx(itsm.Anonymous("192.0.2.1")), secret); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Fatalf("revoked token still works: %v", err)
		}
		for _, bad := range []string{"", "stw_' OR '1'='1", "Bearer x", secret + "x"} {
			if _, err := db.TokenActor(storetest.Ctx(itsm.Anonymous("192.0.2.1")), bad); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
				t.Fatalf("bad token %q: %v", bad, err)
			}
		}
	})
}

func TestRegistrationApproval(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		anon := storetest.Ctx(itsm.Anonymous("192.0.2.50"))
		u, err := db.Register(anon, itsm.Registration{OrgID: f.CustomerA.ID, Name: "New Person", Email: "New@Alpha.test", Password: storetest.Password})
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != itsm.UserPending || u.Email != "new@alpha.test" {
			t.Fatalf("registration: %+v", u)
		}
		if _, _, _, err := db.SignIn(anon, "new@alpha.test", storetest.Password); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Fatalf("pending user signed in: %v", err)
		}
		// An address that has an account (any organisation, any case) is
		// answered like a new one: nothing is created, and the address's
		// owner is e-mailed instead of the organisation's admins.
		jobs := len(storetest.OutboxOf(db).Jobs())
		dup, err := db.Register(anon, itsm.Registration{OrgID: f.CustomerB.ID, Name: "Someone", Email: "NEW@alpha.test", Password: storetest.Password})
		if err != nil || dup != nil {
			t.Fatalf("duplicate registration: %+v %v", dup, err)
		}
		all := storetest.OutboxOf(db).Jobs()
		if len(all) != jobs+1 || strings.Join(all[len(all)-1].(itsm.EmailJob).To, ",") != "new@alpha.test" {
			t.Fatalf("duplicate registration e-mailed %+v", all[jobs:])
		}
		email := "new@alpha.test"
		if _, total, _ := db.FindUsers(storetest.System(), itsm.UserFilter{Email: &email}); total != 1 {
			t.Fatalf("%d accounts for one address", total)
		}
		// Registering to a provider or the programme is refused.
		if _, err := db.Register(anon, itsm.Registration{OrgID: f.Provider.ID, Name: "P", Email: "p@x.test", Password: storetest.Password}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("register to provider: %v", err)
		}
		// Customer B's admin cannot see or decide it; A's admin can.
		if _, err := db.DecideRegistration(storetest.As(f.CustomerAdminB), u.ID, true, u.Version); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("other org's admin decided: %v", err)
		}
		if _, err := db.DecideRegistration(storetest.As(f.CustomerUserA), u.ID, true, u.Version); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer user decided: %v", err)
		}
		if _, err := db.DecideRegistration(storetest.As(f.Auditor), u.ID, true, u.Version); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor decided: %v", err)
		}
		before := len(storetest.OutboxOf(db).Jobs())
		if _, err := db.DecideRegistration(storetest.As(f.CustomerAdminA), u.ID, true, u.Version); err != nil {
			t.Fatal(err)
		}
		if got := len(storetest.OutboxOf(db).Jobs()); got != before+1 {
			t.Fatalf("approval e-mail not queued: %d jobs", got-before)
		}
		if _, _, _, err := db.SignIn(anon, "new@alpha.test", storetest.Password); err != nil {
			t.Fatalf("approved user cannot sign in: %v", err)
		}
	})
}

func TestAuditorAndProviderScope(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		aud := storetest.As(f.Auditor)
		name := "X"
		if _, err := db.UpdateOrganisation(aud, f.CustomerA.ID, itsm.OrganisationUpdate{Name: &name, Version: 1}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor updated an organisation: %v", err)
		}
		if err := db.CreateUser(aud, &itsm.User{OrgID: f.CustomerA.ID, Email: "a@b.test", Name: "A", Role: itsm.RoleCustomerUser}, storetest.Password); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor created a user: %v", err)
		}
		if err := db.CreateOrganisation(aud, &itsm.Organisation{Name: "New", Kind: itsm.OrgCustomer}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor created an organisation: %v", err)
		}
		if _, total, err := db.FindUsers(aud, itsm.UserFilter{}); err != nil || total != 9 {
			t.Fatalf("auditor reads all users: %d %v", total, err)
		}
		// A provider agent sees only the provider's own people and organisation.
		pa := storetest.As(f.ProviderAgent)
		if _, err := db.FindUserByID(pa, f.CustomerUserA.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("provider reads a customer user: %v", err)
		}
		if _, err := db.FindOrganisationByID(pa, f.CustomerA.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("provider reads a customer organisation: %v", err)
		}
		orgs, _, err := db.FindOrganisations(pa, itsm.OrganisationFilter{})
		if err != nil || len(orgs) != 1 || orgs[0].ID != f.Provider.ID {
			t.Fatalf("provider's organisations: %v %v", orgs, err)
		}
		// Refused reads are audited.
		action := itsm.AuditAccessRefused
		entries, _, err := db.FindAuditEntries(aud, itsm.AuditFilter{Action: &action})
		if err != nil || len(entries) < 2 {
			t.Fatalf("refusals audited: %d %v", len(entries), err)
		}
		// A customer admin reads only their organisation's audit entries.
		entries, _, err = db.FindAuditEntries(storetest.As(f.CustomerAdminA), itsm.AuditFilter{Limit: 500})
		if err != nil || len(entries) == 0 {
			t.Fatalf("customer admin audit: %v", err)
		}
		for _, e := range entries {
			if e.OrgID == nil || *e.OrgID != f.CustomerA.ID {
				t.Fatalf("customer admin sees entry %d of org %v", e.ID, e.OrgID)
			}
		}
		var bEntry int64
		for _, e := range mustAudit(t, db, aud) {
			if e.OrgID != nil && *e.OrgID == f.CustomerB.ID {
				bEntry = e.ID
				break
			}
		}
		if _, err := db.FindAuditEntryByID(storetest.As(f.CustomerAdminA), bEntry); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("customer A admin read B's audit entry: %v", err)
		}
		if _, _, err := db.FindAuditEntries(storetest.As(f.CustomerUserA), itsm.AuditFilter{}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer user read the audit log: %v", err)
		}
	})
}

func mustAudit(t *testing.T, db *store.DB, _ any) []*itsm.AuditEntry {
	t.Helper()
	entries, _, err := db.FindAuditEntries(storetest.System(), itsm.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestRegistrationThrottle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		db.Throttle.RegistrationsPerHour = store.DefaultThrottle.RegistrationsPerHour
		anon := storetest.Ctx(itsm.Anonymous("203.0.113.77"))
		for i := 0; i < db.Throttle.RegistrationsPerHour; i++ {
			if _, err := db.Register(anon, itsm.Registration{OrgID: f.CustomerA.ID, Name: "Person", Email: "p" + strconv.Itoa(i) + "@alpha.test", Password: storetest.Password}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Register(anon, itsm.Registration{OrgID: f.CustomerA.ID, Name: "Person", Email: "late@alpha.test", Password: storetest.Password}); itsm.ErrorCode(err) != itsm.ETOOMANY {
			t.Fatalf("registration over the limit: %v", err)
		}
		if _, err := db.Register(storetest.Ctx(itsm.Anonymous("203.0.113.78")), itsm.Registration{OrgID: f.CustomerA.ID, Name: "Other", Email: "other@alpha.test", Password: storetest.Password}); err != nil {
			t.Fatalf("another address is throttled too: %v", err)
		}
		storetest.ClockOf(db).Advance(time.Hour + time.Second)
		if _, err := db.Register(anon, itsm.Registration{OrgID: f.CustomerA.ID, Name: "Person", Email: "later@alpha.test", Password: storetest.Password}); err != nil {
			t.Fatalf("after an hour: %v", err)
		}
	})
}

// TestTokenActorCacheFollowsChanges: a token resolved a moment ago (and so
// cached) stops working at once when its owner is disabled, and carries a
// role change at once; an expiring token is refused at its expiry even
// while cached.
func TestTokenActorCacheFollowsChanges(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		anon := storetest.Ctx(itsm.Anonymous("192.0.2.1"))
		_, secret, err := db.CreateAPIToken(storetest.As(f.CustomerUserA), f.CustomerUserA.ID, "sync", nil)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if a, err := db.TokenActor(anon, secret); err != nil || a.Role != itsm.RoleCustomerUser {
				t.Fatalf("token actor: %+v %v", a, err)
			}
		}
		admin := storetest.As(f.CustomerAdminA)
		u, err := db.FindUserByID(admin, f.CustomerUserA.ID)
		if err != nil {
			t.Fatal(err)
		}
		role := itsm.RoleCustomerAdmin
		if u, err = db.UpdateUser(admin, u.ID, itsm.UserUpdate{Role: &role, Version: u.Version}); err != nil {
			t.Fatal(err)
		}
		if a, err := db.TokenActor(anon, secret); err != nil || a.Role != itsm.RoleCustomerAdmin {
			t.Fatalf("after a role change the token acts as %+v (%v)", a, err)
		}
		disabled := itsm.UserDisabled
		if _, err := db.UpdateUser(admin, u.ID, itsm.UserUpdate{Status: &disabled, Version: u.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TokenActor(anon, secret); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Fatalf("a disabled person's token still works: %v", err)
		}

		clock := storetest.ClockOf(db)
		exp := clock.Now().Add(time.Hour)
		_, short, err := db.CreateAPIToken(storetest.As(f.Agent), f.Agent.ID, "short", &exp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.TokenActor(anon, short); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour + time.Second)
		if _, err := db.TokenActor(anon, short); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Fatalf("an expired token still works: %v", err)
		}
	})
}
