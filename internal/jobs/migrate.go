package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migrateLockKey is the PostgreSQL advisory lock held while River's tables
// are migrated ("StwRiver"), distinct from the store's goose lock.
const migrateLockKey int64 = 0x5374775269766572

// Migrate creates or upgrades River's tables (river_job, river_leader, …)
// in the store's database. It applies only what is missing, so it is safe
// to run at every start; on PostgreSQL an advisory lock makes nodes that
// start together take turns.
func Migrate(ctx context.Context, engine string, db *sql.DB, pool *pgxpool.Pool) error {
	quiet := &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)}
	switch engine {
	case SQLite:
		if db == nil {
			return errors.New("migrate job queue on SQLite: no database")
		}
		m, err := rivermigrate.New(riversqlite.New(db), quiet)
		if err != nil {
			return fmt.Errorf("migrate job queue on SQLite: %w", err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("migrate job queue on SQLite: %w", err)
		}
		return nil
	case Postgres:
		if pool == nil {
			return errors.New("migrate job queue on PostgreSQL: no pgx pool")
		}
		return migratePostgres(ctx, pool, quiet)
	default:
		return fmt.Errorf("migrate job queue: unknown database engine %q (want %q or %q)", engine, SQLite, Postgres)
	}
}

func migratePostgres(ctx context.Context, pool *pgxpool.Pool, cfg *rivermigrate.Config) (err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate job queue on PostgreSQL: connect: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		return fmt.Errorf("migrate job queue on PostgreSQL: take migration lock: %w", err)
	}
	defer func() {
		// The lock belongs to the session: if it cannot be released, close
		// the connection rather than return it to the pool still locked.
		uctx := context.WithoutCancel(ctx)
		if _, uerr := conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", migrateLockKey); uerr != nil {
			_ = conn.Conn().Close(uctx)
			err = errors.Join(err, fmt.Errorf("migrate job queue on PostgreSQL: release migration lock: %w", uerr))
		}
	}()
	m, err := rivermigrate.New(riverpgxv5.New(pool), cfg)
	if err != nil {
		return fmt.Errorf("migrate job queue on PostgreSQL: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue on PostgreSQL: %w", err)
	}
	return nil
}
