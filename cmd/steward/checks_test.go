package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestChecksCommands runs `steward checks import|list|export` in process:
// a file with a bad definition is reported by position and field and
// writes nothing; a dry run writes nothing; the import writes every check,
// as the operator; the list and the export show them, the export with the
// secret header value masked.
func TestChecksCommands(t *testing.T) {
	dsn := storetest.MustDSN(t, store.SQLite)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := storetest.MustSeed(t, db)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	count := func() int {
		_, n, err := db.FindChecks(storetest.System(), itsm.CheckFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	good := "checks:\n" +
		"  - name: Portal home\n    service: Purchasing portal\n    kind: http\n    url: https://portal.example.org/health\n    interval: 30s\n" +
		"    headers: {Authorization: Bearer cli-s3cret}\n    provider: " + f.Provider.Name + "\n" +
		"  - name: Database\n    service: Purchasing portal\n    kind: tcp\n    address: db.example.org:5432\n"
	bad := write("bad.yaml", good+"  - name: Fast\n    service: Purchasing portal\n    kind: tcp\n    address: db.example.org:5432\n    interval: 5s\n    retries: -1\n")
	code, out, _ := runCLI(t, "checks", "import", "--db", dsn, bad)
	if code != 1 || !strings.Contains(out, "check 3, Fast, interval: The interval must be at least 10 seconds.") ||
		!strings.Contains(out, "check 3, Fast, retries: Retries must be between 0 and 5.") || !strings.Contains(out, "nothing was written") || count() != 0 {
		t.Fatalf("bad file: exit %d\n%s", code, out)
	}
	typo := write("typo.json", `[{"name":"X","service":"S","kind":"tcp","address":"x.example.org:1","intervall":"30s"}]`)
	if code, out, _ = runCLI(t, "checks", "import", "--db", dsn, typo); code != 1 || !strings.Contains(out, `"intervall" is not a field of a check`) {
		t.Fatalf("unknown field: exit %d\n%s", code, out)
	}
	empty := write("empty.yaml", "\n")
	if code, _, errOut := runCLI(t, "checks", "import", "--db", dsn, empty); code != 1 || !strings.Contains(errOut, "The file is empty") {
		t.Fatalf("empty file: exit %d\n%s", code, errOut)
	}
	file := write("checks.yaml", good)
	if code, out, _ = runCLI(t, "checks", "import", "--db", dsn, "--dry-run", file); code != 0 || !strings.Contains(out, "dry run") || count() != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if code, out, _ = runCLI(t, "checks", "import", file, "--db", dsn); code != 0 || !strings.Contains(out, "Imported: 2 created, 0 changed.") || count() != 2 {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	entries, _, _ := db.FindAuditEntries(storetest.System(), itsm.AuditFilter{Limit: 1})
	if entries[0].ActorName != "steward CLI" {
		t.Fatalf("audited as %q", entries[0].ActorName)
	}
	code, out, _ = runCLI(t, "checks", "list", "--db", dsn, "--service", "Purchasing portal")
	if code != 0 || !strings.Contains(out, "Portal home") || !strings.Contains(out, "db.example.org:5432") || !strings.Contains(out, "30s") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "checks", "export", "--db", dsn)
	if code != 0 || !strings.HasPrefix(out, "id,name,service,component,kind,organisation,provider,") || strings.Contains(out, "cli-s3cret") ||
		!strings.Contains(out, "Authorization: ********") || !strings.Contains(out, f.Provider.Name) {
		t.Fatalf("export: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "checks", "import", "--db", dsn); code != 2 || !strings.Contains(errOut, "give one file") {
		t.Fatalf("no file: exit %d\n%s", code, errOut)
	}
}
