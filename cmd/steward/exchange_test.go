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

// TestImportExportCSVCommands runs `steward import csv` and `steward export
// csv` in process: a file with a bad line is reported by line and writes
// nothing; a dry run writes nothing; the import writes every line; the
// export holds them, formula-safe.
func TestImportExportCSVCommands(t *testing.T) {
	dsn := storetest.MustDSN(t, store.SQLite)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	storetest.MustSeed(t, db)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.csv", "email,name,organisation,role\nnew@alpha.test,=Formula Person,Alpha Council,customer_user\nbroken,X,Alpha Council,customer_user\n")
	code, out, _ := runCLI(t, "import", "csv", "--db", dsn, "--kind", "users", bad)
	if code != 1 || !strings.Contains(out, "line 3, email:") || !strings.Contains(out, "nothing was written") {
		t.Fatalf("bad file: exit %d\n%s", code, out)
	}
	count := func() int {
		us, _, err := db.FindUsers(storetest.System(), itsm.UserFilter{Email: ptrTo("new@alpha.test")})
		if err != nil {
			t.Fatal(err)
		}
		return len(us)
	}
	if count() != 0 {
		t.Fatal("a failed import wrote a line")
	}
	good := write("good.csv", strings.Replace(string(mustRead(t, bad)), "broken", "second@alpha.test", 1))
	if code, out, _ = runCLI(t, "import", "csv", "--db", dsn, "--kind", "users", "--dry-run", good); code != 0 || !strings.Contains(out, "dry run") || count() != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if code, out, _ = runCLI(t, "import", "csv", "--db", dsn, "--kind", "users", good); code != 0 || !strings.Contains(out, "2 created") || count() != 1 {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "export", "csv", "--db", dsn, "--kind", "users")
	if code != 0 || !strings.HasPrefix(out, "email,name,organisation,role,status\n") || !strings.Contains(out, "new@alpha.test,'=Formula Person,Alpha Council,customer_user,active") {
		t.Fatalf("export: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "import", "csv", "--db", dsn, good); code != 2 || !strings.Contains(errOut, "--kind") {
		t.Fatalf("no kind: exit %d\n%s", code, errOut)
	}
}

func ptrTo[T any](v T) *T { return &v }

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
