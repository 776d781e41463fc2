package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Group commit. A write transaction's fixed costs — BEGIN and COMMIT, the
// WAL pages or the fsync of the commit record, the full-text index flush,
// and on PostgreSQL the wait for the audit chain's head row, which every
// writer locks until it commits — are paid once per transaction. When
// several writes arrive together, committers run them one after another
// inside one database transaction, each in its own SAVEPOINT, and commit
// them together:
//
//   - A write that fails is rolled back to its savepoint and gets its own
//     error; the others are unaffected, and nothing of it remains.
//   - A write that succeeds is reported only after the shared COMMIT; if
//     the COMMIT fails, every write in the group gets the error and none of
//     them happened. No caller ever sees success for uncommitted work.
//   - The writes of a group are serial: each sees the ones before it, as it
//     would had they committed one by one in that order. Audit entries,
//     outbox jobs and their changes still share one transaction.
//   - A write that arrives alone runs in a transaction of its own, as
//     before, with no savepoint. In a group, one caller giving up (a
//     cancelled request) must not interrupt the shared transaction, so its
//     statements run without its cancellation; a caller cancelled while it
//     still waits is not started.
//
// SQLite has one write connection, so one committer serves it. PostgreSQL
// gets two: every write locks the audit chain's head until it commits, so
// more committers would only queue on that row with smaller groups (one
// committer measured faster than four), while a second one keeps a write
// that waits on some other lock from holding up all the rest.

// maxGroup bounds how many writes share a transaction. PostgreSQL keeps up
// to 64 subtransactions per transaction in shared memory and slows down
// beyond that; each savepoint that writes is one.
const maxGroup = 32

// pendingWrite is one caller's transaction function waiting for a committer.
type pendingWrite struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	err  error
	done chan struct{}
	tx   *Tx // set when fn succeeded, for the work after the commit
	// panicked holds what fn panicked with; the caller panics with it in
	// its own goroutine, as it would have without the committer.
	panicked any
}

// call runs the write's function, turning a panic into an error (so that
// its transaction or savepoint is rolled back) and keeping it for the caller.
func (p *pendingWrite) call(tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			p.panicked = r
			err = fmt.Errorf("panic in a write: %v", r)
		}
	}()
	return p.fn(tx)
}

// committers runs write transactions for a DB.
type committers struct {
	queue chan *pendingWrite
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	// closing is write-locked to set closed; a submission holds it for
	// reading while it queues, so nothing is queued after the committers
	// have drained the queue and stopped.
	closing sync.RWMutex
	closed  bool
}

// startCommitters starts n committer goroutines.
func (db *DB) startCommitters(n int) {
	c := &committers{queue: make(chan *pendingWrite, 1024), stop: make(chan struct{})}
	db.commit = c
	for range n {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			db.commitLoop(c)
		}()
	}
}

// stopCommitters stops the committers once they finish their current group.
func (db *DB) stopCommitters() {
	if db.commit == nil {
		return
	}
	c := db.commit
	c.closing.Lock()
	c.closed = true
	c.closing.Unlock()
	c.once.Do(func() { close(c.stop) })
	c.wg.Wait()
}

var errClosed = errors.New("the database is closed")

// submit hands fn to a committer and waits for its outcome.
func (db *DB) submit(ctx context.Context, fn func(tx *Tx) error) error {
	p := &pendingWrite{ctx: ctx, fn: fn, done: make(chan struct{})}
	c := db.commit
	c.closing.RLock()
	if c.closed {
		c.closing.RUnlock()
		return errClosed
	}
	select {
	case c.queue <- p:
		c.closing.RUnlock()
	case <-ctx.Done():
		c.closing.RUnlock()
		return ctx.Err()
	}
	// Once queued, the write may already be part of a group: wait for its
	// outcome rather than report a guess.
	<-p.done
	if p.panicked != nil {
		panic(p.panicked)
	}
	return p.err
}

func (db *DB) commitLoop(c *committers) {
	for {
		var first *pendingWrite
		select {
		case first = <-c.queue:
		case <-c.stop:
			// Fail whatever is still queued.
			for {
				select {
				case p := <-c.queue:
					p.err = errClosed
					close(p.done)
				default:
					return
				}
			}
		}
		group := []*pendingWrite{first}
	more:
		for len(group) < maxGroup {
			select {
			case p := <-c.queue:
				group = append(group, p)
			default:
				break more
			}
		}
		db.runGroup(group)
	}
}

// runGroup runs a group of writes and reports each one's outcome.
func (db *DB) runGroup(group []*pendingWrite) {
	defer func() {
		for _, p := range group {
			close(p.done)
		}
	}()
	// Callers cancelled while they waited are not started.
	live := group[:0:0]
	for _, p := range group {
		if err := p.ctx.Err(); err != nil {
			p.err = err
			continue
		}
		live = append(live, p)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].err = db.runTx(live[0].ctx, live[0].call)
		return
	}
	fail := func(err error) {
		for _, p := range live {
			if p.err == nil {
				p.err = err
			}
		}
	}
	ctx := context.WithoutCancel(live[0].ctx)
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	defer sqlTx.Rollback()
	for i, p := range live {
		sp := "steward_write_" + strconv.Itoa(i)
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
			fail(fmt.Errorf("savepoint: %w", err))
			return
		}
		tx := &Tx{Tx: sqlTx, db: db, ctx: context.WithoutCancel(p.ctx), now: db.now(), actor: itsm.ActorFromContext(p.ctx)}
		if p.err = p.call(tx); p.err != nil {
			// Undo this write alone. If even that fails, the transaction
			// is beyond repair (SQLite rolls back the whole transaction
			// on some errors), so the whole group fails.
			if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
				fail(fmt.Errorf("roll back a failed write in a group: %w", err))
				return
			}
		}
		if _, err := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
			fail(fmt.Errorf("release savepoint: %w", err))
			return
		}
		if p.err == nil {
			p.tx = tx
		}
	}
	if err := sqlTx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
		return
	}
	for _, p := range live {
		if p.tx != nil {
			p.tx.committed()
		}
	}
}
