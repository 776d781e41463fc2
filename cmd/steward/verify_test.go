package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// runCLI runs a command in process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

// TestVerifyDetectsTampering alters, deletes and inserts one audit row
// directly in the database and checks that `steward verify` fails and names
// the entry each time.
func TestVerifyDetectsTampering(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			cases := []struct {
				name  string
				sql   string
				entry string
			}{
				{"altered", `UPDATE audit_log SET actor_name = 'Mallory' WHERE id = 5`, "audit entry 5:"},
				{"altered diff", `UPDATE audit_log SET diff = '{}' WHERE id = 7`, "audit entry 7:"},
				{"deleted", `DELETE FROM audit_log WHERE id = 6`, "audit entry 6:"},
				{"deleted last", `DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)`, "removed from the end"},
				{"inserted", `INSERT INTO audit_log (id, at, actor_id, actor_name, org_id, action, object_type, object_id, diff, ip, request_id, content_hash, prev_hash, hash, tombstoned)
					SELECT id + 1000, at, actor_id, actor_name, org_id, action, object_type, object_id, diff, ip, request_id, content_hash, prev_hash, hash, tombstoned FROM audit_log WHERE id = 3`, "audit entry 1003:"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
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
					storetest.MustSeed(t, db)
					if code, out, errOut := runCLI(t, "verify", "--db", dsn); code != 0 {
						t.Fatalf("verify before tampering: exit %d\n%s%s", code, out, errOut)
					}
					if _, err := db.SQL().Exec(tc.sql); err != nil {
						t.Fatalf("tamper: %v", err)
					}
					code, out, _ := runCLI(t, "verify", "--db", dsn)
					if code == 0 {
						t.Fatalf("verify passed after %s", tc.name)
					}
					if !strings.Contains(out, tc.entry) {
						t.Fatalf("verify output does not name %q:\n%s", tc.entry, out)
					}
				})
			}
		})
	}
}
