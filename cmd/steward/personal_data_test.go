package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestUserExportAndErase runs `steward user export` to standard output and
// to a file, then `steward user erase`, and checks the chain still verifies.
func TestUserExportAndErase(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.MustDSN(t, engine)
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			db.Enqueue = storetest.DiscardJobs
			f := storetest.MustSeed(t, db)
			u := f.CustomerUserA
			if _, err := db.CreateTicket(storetest.As(u), itsm.NewTicket{Title: "Order stuck", Description: "It will not send."}); err != nil {
				t.Fatal(err)
			}

			code, out, errOut := runCLI(t, "user", "export", "--db", dsn, "--email", u.Email)
			if code != 0 {
				t.Fatalf("export: exit %d\n%s", code, errOut)
			}
			var p itsm.PersonalData
			if err := json.Unmarshal([]byte(out), &p); err != nil || p.Person.ID != u.ID || len(p.TicketsRequested) != 1 {
				t.Fatalf("export: %v\n%s", err, out)
			}
			file := filepath.Join(t.TempDir(), "person.json")
			if code, _, errOut := runCLI(t, "user", "export", "--db", dsn, "--id", strconv.FormatInt(u.ID, 10), "--out", file); code != 0 || !strings.Contains(errOut, file) {
				t.Fatalf("export to a file: exit %d\n%s", code, errOut)
			}
			if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("export file: %v %v", st, err)
			}

			if code, _, errOut := runCLI(t, "user", "erase", "--db", dsn, "--email", u.Email); code == 0 || !strings.Contains(errOut, "reason") {
				t.Fatalf("erase without a reason: exit %d\n%s", code, errOut)
			}
			code, out, errOut = runCLI(t, "user", "erase", "--db", dsn, "--email", u.Email, "--reason", "Subject request 2026/16")
			if code != 0 || !strings.Contains(out, "Erased the personal data of user "+strconv.FormatInt(u.ID, 10)) || !strings.Contains(out, "Sessions ended") {
				t.Fatalf("erase: exit %d\n%s%s", code, out, errOut)
			}
			if got, _ := db.FindUserByID(storetest.System(), u.ID); got.Name != itsm.ErasedName {
				t.Fatalf("after erase: %+v", got)
			}
			if code, _, _ := runCLI(t, "user", "erase", "--db", dsn, "--id", strconv.FormatInt(u.ID, 10), "--reason", "Again"); code == 0 {
				t.Fatal("a second erasure succeeded")
			}
			if code, out, errOut := runCLI(t, "verify", "--db", dsn); code != 0 {
				t.Fatalf("verify after erasure: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
}
