package store_test

import (
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func TestSeedAndScoping(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		// A customer sees only its own organisation's people.
		users, total, err := db.FindUsers(storetest.As(f.CustomerUserA), itsm.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(users) != 2 {
			t.Fatalf("customer A sees %d users (total %d), want 2", len(users), total)
		}
		for _, u := range users {
			if u.OrgID != f.CustomerA.ID {
				t.Fatalf("customer A sees user of org %d", u.OrgID)
			}
		}
		if _, err := db.FindUserByID(storetest.As(f.CustomerAdminA), f.CustomerUserB.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("cross-tenant read: got %v, want not found", err)
		}
		// Staff see everyone.
		_, total, err = db.FindUsers(storetest.As(f.Agent), itsm.UserFilter{})
		if err != nil || total != 9 {
			t.Fatalf("agent sees %d users, err %v", total, err)
		}
		// A stale update is refused.
		name := "Renamed"
		if _, err := db.UpdateOrganisation(storetest.As(f.Manager), f.CustomerA.ID, itsm.OrganisationUpdate{Name: &name, Version: f.CustomerA.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateOrganisation(storetest.As(f.Manager), f.CustomerA.ID, itsm.OrganisationUpdate{Name: &name, Version: f.CustomerA.Version}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale update: got %v, want conflict", err)
		}
		// A customer admin cannot grant a staff role.
		u := &itsm.User{OrgID: f.CustomerA.ID, Email: "x@alpha.test", Name: "X", Role: itsm.RoleAgent}
		if err := db.CreateUser(storetest.As(f.CustomerAdminA), u, storetest.Password); itsm.ErrorCode(err) == "" {
			t.Fatal("customer admin granted a staff role")
		}
		// Sign-in works and a wrong password is refused.
		if _, _, _, err := db.SignIn(storetest.Ctx(itsm.Anonymous("192.0.2.9")), "user@alpha.test", storetest.Password); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := db.SignIn(storetest.Ctx(itsm.Anonymous("192.0.2.9")), "user@alpha.test", "wrong password!!"); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Fatalf("wrong password: %v", err)
		}
		problems, err := db.VerifyAuditChain(storetest.System(), nil)
		if err != nil || len(problems) != 0 {
			t.Fatalf("chain: %v %v", problems, err)
		}
	})
}

// SQLite syncs every commit to disk unless the address asks for
// synchronous=normal; an unknown option or value is refused by name.
func TestSQLiteSynchronousOption(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		dsn  string
		want int // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{
		{dir + "/a.db", 2},
		{"sqlite://" + dir + "/b.db?synchronous=full", 2},
		{dir + "/c.db?synchronous=NORMAL", 1},
	} {
		db, err := store.Open(t.Context(), tc.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tc.dsn, err)
		}
		var got int
		if err := db.SQL().QueryRow("PRAGMA synchronous").Scan(&got); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if got != tc.want {
			t.Errorf("%s: synchronous = %d, want %d", tc.dsn, got, tc.want)
		}
	}
	for dsn, want := range map[string]string{
		dir + "/d.db?synchronous=off": `synchronous must be full or normal, not "off"`,
		dir + "/e.db?cache=shared":    `unknown option "cache"`,
		dir + "/f.db?synchronous=%zz": "SQLite address",
	} {
		db, err := store.Open(t.Context(), dsn)
		if err == nil {
			db.Close()
			t.Errorf("%s: opened, want an error", dsn)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want it to say %s", dsn, err, want)
		}
	}
}
