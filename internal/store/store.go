// Package store is the one implementation of Steward's itsm services, on
// database/sql, for SQLite (the default, pure Go) and PostgreSQL (pgx).
//
// Every exported method is one transaction: it begins, calls unexported
// helpers that take the *Tx, writes its audit entries and outbox jobs, and
// commits. Queries are written once with ? placeholders and rebound for
// PostgreSQL. Times are stored as UTC microseconds since the Unix epoch
// (BIGINT on both engines) so that they sort and compare identically.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Engine names a database engine.
type Engine string

// Engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Enqueuer writes a job to the outbox inside tx. The jobs package supplies
// it; the store only calls it.
type Enqueuer func(ctx context.Context, tx *sql.Tx, job itsm.Job) error

// DB is an open Steward database.
type DB struct {
	engine Engine
	// write serialises SQLite writers on one connection (BEGIN IMMEDIATE),
	// which avoids SQLITE_BUSY on lock upgrades; read is a pool of
	// query-only connections. On PostgreSQL both are the same pool.
	write *sql.DB
	read  *sql.DB
	pool  *pgxpool.Pool
	path  string // SQLite file path

	// Now is the clock; tests replace it. Values are truncated to the
	// microsecond and converted to UTC.
	Now func() time.Time

	// Enqueue writes outbox jobs. When nil, a change that would notify
	// someone fails rather than silently dropping the notification.
	Enqueue Enqueuer

	// Sessions sets browser session time-outs.
	Sessions itsm.SessionPolicy

	// Throttle sets the sign-in throttling limits.
	Throttle ThrottlePolicy

	// DemoProbeAddress is the host:port the demonstration checks probe
	// (its /healthz and a TCP connect); "" means DefaultDemoProbeAddress.
	DemoProbeAddress string

	// MaxDocumentSize caps a document library file, in bytes; 0 means
	// itsm.DefaultMaxDocumentSize.
	MaxDocumentSize int64

	rebound  sync.Map // query text → rebound text (PostgreSQL)
	policies sync.Map // agreement ID → sla.Policy

	commit *committers // group commit of write transactions (commit.go)
	tokens tokenCache  // recently resolved API tokens (token_cache.go)
}

// ThrottlePolicy limits failed sign-ins per account and per address within
// a sliding window, and self-registrations per address per hour.
type ThrottlePolicy struct {
	Window               time.Duration
	PerAccount           int
	PerAddress           int
	RegistrationsPerHour int
}

// DefaultThrottle allows 5 failures per account and 20 per address in 15
// minutes, and 5 registrations per address an hour.
var DefaultThrottle = ThrottlePolicy{Window: 15 * time.Minute, PerAccount: 5, PerAddress: 20, RegistrationsPerHour: 5}

// Open opens the database named by dsn: a file path or sqlite://path for
// SQLite, postgres:// or postgresql:// for PostgreSQL. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{Now: time.Now, Sessions: itsm.DefaultSessionPolicy, Throttle: DefaultThrottle}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.engine = Postgres
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("parse PostgreSQL URL: %w", err)
		}
		if cfg.MaxConns < 10 {
			cfg.MaxConns = 10
		}
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		db.pool = pool
		db.write = stdlib.OpenDBFromPool(pool)
		db.read = db.write
		db.startCommitters(2)
	default:
		db.engine = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
		sync := "FULL"
		if i := strings.IndexByte(path, '?'); i >= 0 {
			var err error
			if sync, err = sqliteSync(path[i+1:]); err != nil {
				return nil, err
			}
			path = path[:i]
		}
		if path == "" {
			return nil, fmt.Errorf("open SQLite: no file path in %q", dsn)
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
		}
		db.path = path
		base := "file:" + (&url.URL{Path: path}).EscapedPath() +
			"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(" + sync + ")&_time_format=sqlite"
		// The write connection keeps its statement journals in memory: the
		// savepoints of grouped writes (commit.go) would otherwise copy
		// each changed page to a temporary file. They only undo a part of
		// an open transaction, so this changes nothing about durability.
		wc, err := sqlite.NewConnector(base + "&_txlock=immediate&_pragma=temp_store(2)")
		if err != nil {
			return nil, fmt.Errorf("open SQLite %s: %w", path, err)
		}
		w := sql.OpenDB(stmtCacheConnector{wc})
		w.SetMaxOpenConns(1)
		w.SetConnMaxIdleTime(0)
		if err := w.PingContext(ctx); err != nil {
			w.Close()
			return nil, fmt.Errorf("open SQLite %s: %w", path, err)
		}
		rc, err := sqlite.NewConnector(base + "&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open SQLite %s: %w", path, err)
		}
		r := sql.OpenDB(stmtCacheConnector{rc})
		n := runtime.NumCPU() * 2
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		db.write, db.read = w, r
		// One committer: SQLite has one write connection.
		db.startCommitters(1)
	}
	return db, nil
}

// sqliteSync reads the options of a SQLite address ("steward.db?synchronous=normal").
// The one option is synchronous: "full" (the default) syncs the write-ahead
// log to disk at every commit, so a change Steward has acknowledged survives
// a power cut or an operating-system crash, as it does on PostgreSQL;
// "normal" syncs only at checkpoints, which is faster but can lose the last
// acknowledged changes (and hand their reference numbers out again) after
// such a crash. Either way the database is never corrupted.
func sqliteSync(query string) (string, error) {
	v, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("SQLite address: %w", err)
	}
	sync := "FULL"
	for k, vals := range v {
		if k != "synchronous" {
			return "", fmt.Errorf("SQLite address: unknown option %q (the one option is synchronous=full or synchronous=normal)", k)
		}
		switch strings.ToLower(vals[len(vals)-1]) {
		case "full":
			sync = "FULL"
		case "normal":
			sync = "NORMAL"
		default:
			return "", fmt.Errorf("SQLite address: synchronous must be full or normal, not %q", vals[len(vals)-1])
		}
	}
	return sync, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.stopCommitters()
	var err error
	if db.read != nil && db.read != db.write {
		err = db.read.Close()
	}
	if db.write != nil {
		err = errors.Join(err, db.write.Close())
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Engine returns the engine in use.
func (db *DB) Engine() Engine { return db.engine }

// SQL returns the writable *sql.DB (for the job queue and health checks).
func (db *DB) SQL() *sql.DB { return db.write }

// ReadSQL returns the read pool.
func (db *DB) ReadSQL() *sql.DB { return db.read }

// Pool returns the pgx pool on PostgreSQL, nil on SQLite.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Path returns the SQLite file path, "" on PostgreSQL.
func (db *DB) Path() string { return db.path }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// q rebinds ? placeholders to $n for PostgreSQL. Queries never hold a
// literal question mark.
func (db *DB) q(query string) string {
	if db.engine != Postgres {
		return query
	}
	if v, ok := db.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	s := b.String()
	db.rebound.Store(query, s)
	return s
}

// Tx is a transaction with the caller, the instant of the change and helpers
// that rebind queries.
type Tx struct {
	*sql.Tx
	db    *DB
	ctx   context.Context
	now   time.Time
	actor *itsm.Actor
	// authChanged records that the transaction changed something a cached
	// API token look-up depends on (see auditRef).
	authChanged bool
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(tx.ctx, tx.db.q(query), args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(tx.ctx, tx.db.q(query), args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(tx.ctx, tx.db.q(query), args...)
}

// insert runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) insert(query string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// enqueue writes a job to the outbox in this transaction.
func (tx *Tx) enqueue(job itsm.Job) error {
	if tx.db.Enqueue == nil {
		return fmt.Errorf("enqueue %s job: no job queue configured", job.Kind())
	}
	if err := tx.db.Enqueue(tx.ctx, tx.Tx, job); err != nil {
		return fmt.Errorf("enqueue %s job: %w", job.Kind(), err)
	}
	return nil
}

// update runs a write transaction: fn's changes, audit entries and jobs
// commit together or not at all. Concurrent writes may share one database
// transaction, each in its own savepoint (see commit.go).
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	if db.commit == nil {
		return db.runTx(ctx, fn)
	}
	return db.submit(ctx, fn)
}

// runTx runs fn in a transaction of its own.
func (db *DB) runTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	tx := &Tx{Tx: sqlTx, db: db, ctx: ctx, now: db.now(), actor: itsm.ActorFromContext(ctx)}
	if err := fn(tx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.committed()
	return nil
}

// committed runs once the transaction's changes are durable: a change to
// people, organisations or tokens ends the cached API token look-ups.
func (tx *Tx) committed() {
	if tx.authChanged {
		tx.db.tokens.invalidate()
	}
}

// view runs a read-only transaction on the read pool.
func (db *DB) view(ctx context.Context, fn func(tx *Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: db.engine == Postgres}
	sqlTx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer sqlTx.Rollback()
	tx := &Tx{Tx: sqlTx, db: db, ctx: ctx, now: db.now(), actor: itsm.ActorFromContext(ctx)}
	return fn(tx)
}

// ts converts a time to stored microseconds.
func ts(t time.Time) int64 { return t.UTC().UnixMicro() }

// tsp converts an optional time.
func tsp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().UnixMicro()
}

// fromTS converts stored microseconds to a UTC time.
func fromTS(v int64) time.Time { return time.UnixMicro(v).UTC() }

// fromNullTS converts an optional stored time.
func fromNullTS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromTS(v.Int64)
	return &t
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "duplicate key value")
}

// page normalises offset and limit: default 50, at most 500.
func page(offset, limit int) (int, int) {
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	return offset, limit
}

// where builds a WHERE clause from conditions joined by AND.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// likePattern escapes a user's search text for LIKE … ESCAPE '\'.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(s)) + "%"
}

// updateVisible runs change in a write transaction; when the record is not
// found (or not visible to the caller) the refusal is recorded as
// access_refused, outside the rolled-back transaction.
func updateVisible[T any](ctx context.Context, db *DB, object string, id int64, what string, change func(tx *Tx) (T, error)) (T, error) {
	var out T
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		out, err = change(tx)
		return err
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, object, strconv.FormatInt(id, 10), what)
	}
	return out, err
}

// scanner is a row that can be scanned: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs a query in tx and scans every row with scan.
func queryAll[T any](tx *Tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// listPage reads one page of a list — columns from `from`, filtered by w,
// in order, limit rows from offset (every row when limit is negative) —
// and the number of rows the filter matches, in one read transaction.
func listPage[T any](ctx context.Context, db *DB, scan func(scanner) (T, error), columns, from string, w *where, order string, offset, limit int) ([]T, int, error) {
	var out []T
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		q, args := `SELECT `+columns+from+w.String()+` ORDER BY `+order, w.args
		if limit >= 0 {
			q += ` LIMIT ? OFFSET ?`
			args = append(append(make([]any, 0, len(args)+2), args...), limit, offset)
		}
		var err error
		if out, err = queryAll(tx, scan, q, args...); err != nil {
			return err
		}
		return tx.queryRow(`SELECT COUNT(*)`+from+w.String(), w.args...).Scan(&total)
	})
	return out, total, err
}
