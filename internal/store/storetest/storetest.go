// Package storetest opens real, throw-away Steward databases for tests: a
// temporary SQLite file always, and a uniquely named PostgreSQL database when
// STEWARD_TEST_POSTGRES holds a server URL. With STEWARD_TEST_REQUIRE_POSTGRES=1
// a missing or unreachable server fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
)

// Engines returns the engines to test: SQLite, and PostgreSQL when configured.
func Engines(tb testing.TB) []store.Engine {
	tb.Helper()
	if PostgresURL(tb) == "" {
		return []store.Engine{store.SQLite}
	}
	return []store.Engine{store.SQLite, store.Postgres}
}

// PostgresURL returns the server URL for PostgreSQL tests, or "" (logging
// why) when they should be skipped.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("STEWARD_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("STEWARD_TEST_REQUIRE_POSTGRES") == "1" {
			tb.Fatal("STEWARD_TEST_REQUIRE_POSTGRES=1 but STEWARD_TEST_POSTGRES is not set")
		}
		logOnce.Do(func() {
			fmt.Fprintln(os.Stderr, "storetest: PostgreSQL tests skipped: set STEWARD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run them")
		})
	}
	return u
}

var logOnce sync.Once

// ForEachEngine runs fn as a subtest on a fresh, migrated database of each
// engine.
func ForEachEngine(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			fn(t, MustOpen(t, e))
		})
	}
}

// MustOpen returns a fresh, migrated database of the engine, dropped when the
// test ends. Its clock is frozen at 2026-03-02 09:00 UTC (a Monday) and can
// be moved with SetNow; its outbox records jobs in memory (see Jobs).
func MustOpen(tb testing.TB, e store.Engine) *store.DB {
	tb.Helper()
	dsn := MustDSN(tb, e)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", e, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", e, err)
	}
	// Tests register many people from one address; the throttle's own
	// test sets its limit back.
	db.Throttle.RegistrationsPerHour = 1 << 20
	clock := &Clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	db.Now = clock.Now
	clocks.Store(db, clock)
	outbox := &Outbox{}
	outboxes.Store(db, outbox)
	db.Enqueue = func(ctx context.Context, tx *sql.Tx, job itsm.Job) error {
		outbox.add(job)
		return nil
	}
	return db
}

// MustDSN creates an empty database of the engine and returns its URL; it is
// removed when the test ends.
func MustDSN(tb testing.TB, e store.Engine) string {
	tb.Helper()
	if e == store.SQLite {
		return filepath.Join(tb.TempDir(), "steward.db")
	}
	base := PostgresURL(tb)
	if base == "" {
		tb.Skip("PostgreSQL tests skipped: STEWARD_TEST_POSTGRES is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "steward_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open PostgreSQL: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("create PostgreSQL database (is the server running?): %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse STEWARD_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Clock is a settable test clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var clocks, outboxes sync.Map

// ClockOf returns the test clock of a database made by MustOpen.
func ClockOf(db *store.DB) *Clock {
	c, _ := clocks.Load(db)
	return c.(*Clock)
}

// Outbox records the jobs written by a database made by MustOpen. Jobs of
// rolled-back transactions are recorded too: tests that care use the real
// queue.
type Outbox struct {
	mu   sync.Mutex
	jobs []itsm.Job
}

func (o *Outbox) add(j itsm.Job) { o.mu.Lock(); o.jobs = append(o.jobs, j); o.mu.Unlock() }

// Jobs returns the jobs recorded so far.
func (o *Outbox) Jobs() []itsm.Job {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]itsm.Job(nil), o.jobs...)
}

// OutboxOf returns the outbox of a database made by MustOpen.
func OutboxOf(db *store.DB) *Outbox {
	o, _ := outboxes.Load(db)
	return o.(*Outbox)
}

// Ctx returns a context acting as a.
func Ctx(a *itsm.Actor) context.Context {
	return itsm.NewContextWithActor(context.Background(), a)
}

// System returns a context acting as the system.
func System() context.Context { return Ctx(itsm.SystemActor("test")) }

// DiscardJobs is an Enqueuer for tests that do not look at the outbox.
func DiscardJobs(ctx context.Context, tx *sql.Tx, job itsm.Job) error { return nil }
