package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// openForTest opens and migrates a throw-away database of each engine (the
// storetest package cannot be used from inside the store package).
func openForTest(t *testing.T) map[Engine]*DB {
	t.Helper()
	ctx := context.Background()
	dsns := map[Engine]string{SQLite: filepath.Join(t.TempDir(), "steward.db")}
	if base := os.Getenv("STEWARD_TEST_POSTGRES"); base != "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name := "steward_test_" + hex.EncodeToString(b)
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if admin, err := sql.Open("pgx", base); err == nil {
				_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
				admin.Close()
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		dsns[Postgres] = u.String()
	}
	out := map[Engine]*DB{}
	for e, dsn := range dsns {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		out[e] = db
	}
	return out
}

// TestGroupCommit holds the committer busy while writes queue, so that they
// run as one group, and checks that each write's outcome is its own: the
// failed ones left nothing (not even audit entries), the cancelled one never
// ran, the others committed, and the audit chain verifies.
func TestGroupCommit(t *testing.T) {
	for e, db := range openForTest(t) {
		t.Run(string(e), func(t *testing.T) {
			// One committer, so that the queued writes form one group.
			db.stopCommitters()
			db.startCommitters(1)
			ctx := itsm.NewContextWithActor(context.Background(), itsm.SystemActor("test"))
			write := func(name string, fail bool) func(tx *Tx) error {
				return func(tx *Tx) error {
					if _, err := tx.exec(`INSERT INTO counters (name, value) VALUES (?, 1)`, name); err != nil {
						return err
					}
					if err := tx.auditRef(itsm.AuditCreate, "counter", name, nil, nil); err != nil {
						return err
					}
					if fail {
						return fmt.Errorf("%s failed", name)
					}
					return nil
				}
			}
			started, release := make(chan struct{}), make(chan struct{})
			var wg sync.WaitGroup
			errs := map[string]error{}
			var mu sync.Mutex
			run := func(ctx context.Context, name string, fn func(tx *Tx) error) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := db.update(ctx, fn)
					mu.Lock()
					errs[name] = err
					mu.Unlock()
				}()
			}
			run(ctx, "gate", func(tx *Tx) error {
				close(started)
				<-release
				return write("gate", false)(tx)
			})
			<-started
			names := []string{"ok-1", "bad-2", "ok-3", "bad-4", "ok-5"}
			for _, n := range names {
				run(ctx, n, write(n, n[:3] == "bad"))
			}
			cctx, cancel := context.WithCancel(ctx)
			run(cctx, "cancelled", write("cancelled", false))
			waitFor(t, func() bool { return len(db.commit.queue) == len(names)+1 })
			cancel()
			close(release)
			wg.Wait()
			for _, n := range append(names, "gate") {
				if bad := n[:3] == "bad"; bad != (errs[n] != nil) || (bad && errs[n].Error() != n+" failed") {
					t.Errorf("%s: %v", n, errs[n])
				}
			}
			if !errors.Is(errs["cancelled"], context.Canceled) {
				t.Errorf("cancelled: %v", errs["cancelled"])
			}
			var got []string
			rows, err := db.read.Query(`SELECT name FROM counters ORDER BY name`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var n string
				_ = rows.Scan(&n)
				got = append(got, n)
			}
			rows.Close()
			if fmt.Sprint(got) != "[gate ok-1 ok-3 ok-5]" {
				t.Errorf("committed %v", got)
			}
			var audited int
			if err := db.read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE object_type = 'counter'`).Scan(&audited); err != nil || audited != 4 {
				t.Errorf("%d counter audit entries (%v), want 4", audited, err)
			}
			if problems, err := db.VerifyAuditChain(ctx, nil); err != nil || len(problems) != 0 {
				t.Errorf("audit chain: %v %v", problems, err)
			}
			// A write after the group runs alone and still works.
			if err := db.update(ctx, write("after", false)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestGroupCommitFailedCommit: when the shared COMMIT fails, every write of
// the group reports the failure, none is reported as done, and none remains.
// A deferred foreign key makes the COMMIT itself fail.
func TestGroupCommitFailedCommit(t *testing.T) {
	db := openForTest(t)[SQLite]
	db.stopCommitters()
	db.startCommitters(1)
	ctx := itsm.NewContextWithActor(context.Background(), itsm.SystemActor("test"))
	if _, err := db.write.Exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.update(ctx, func(tx *Tx) error {
				if i == 0 {
					close(started)
					<-release
					return nil
				}
				parent := i
				if i == 2 {
					parent = 99 // no such parent: only the COMMIT notices
				}
				if i != 2 {
					if _, err := tx.exec(`INSERT INTO parent (id) VALUES (?)`, parent); err != nil {
						return err
					}
				}
				_, err := tx.exec(`INSERT INTO child (id, parent_id) VALUES (?, ?)`, i, parent)
				return err
			})
		}()
		if i == 0 {
			<-started
		}
	}
	waitFor(t, func() bool { return len(db.commit.queue) == 3 })
	close(release)
	wg.Wait()
	if errs[0] != nil {
		t.Errorf("the write alone before the group: %v", errs[0])
	}
	for i := 1; i < 4; i++ {
		if errs[i] == nil {
			t.Errorf("write %d reported success though its group's commit failed", i)
		}
	}
	var n int
	if err := db.read.QueryRow(`SELECT (SELECT COUNT(*) FROM parent) + (SELECT COUNT(*) FROM child)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d rows remain (%v)", n, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitPanic: a write that panics panics in its caller's
// goroutine, alone or in a group, leaves nothing behind, and neither stops
// the committer nor harms the other writes of its group.
func TestGroupCommitPanic(t *testing.T) {
	db := openForTest(t)[SQLite]
	db.stopCommitters()
	db.startCommitters(1)
	ctx := itsm.NewContextWithActor(context.Background(), itsm.SystemActor("test"))
	insert := func(name string, boom bool) func(tx *Tx) error {
		return func(tx *Tx) error {
			if _, err := tx.exec(`INSERT INTO counters (name, value) VALUES (?, 1)`, name); err != nil {
				return err
			}
			if boom {
				panic("boom " + name)
			}
			return nil
		}
	}
	update := func(name string, boom bool) (recovered any, err error) {
		defer func() { recovered = recover() }()
		return nil, db.update(ctx, insert(name, boom))
	}
	if r, _ := update("alone", true); r != "boom alone" {
		t.Fatalf("recovered %v", r)
	}
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.update(ctx, func(tx *Tx) error { close(started); <-release; return nil })
	}()
	<-started
	var wg sync.WaitGroup
	results := make([]any, 3)
	for i, name := range []string{"ok-1", "panic-2", "ok-3"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := update(name, name[:2] != "ok")
			results[i] = fmt.Sprintf("%v/%v", err, r)
		}()
		waitFor(t, func() bool { return len(db.commit.queue) == i+1 })
	}
	close(release)
	wg.Wait()
	if fmt.Sprint(results) != "[<nil>/<nil> <nil>/boom panic-2 <nil>/<nil>]" {
		t.Errorf("results %v", results)
	}
	var names []string
	rows, err := db.read.Query(`SELECT name FROM counters ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	if fmt.Sprint(names) != "[ok-1 ok-3]" {
		t.Errorf("committed %v", names)
	}
}
