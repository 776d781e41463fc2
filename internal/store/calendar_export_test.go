package store

import (
	"context"

	"github.com/steward-itsm/steward/internal/itsm"
)

// ScheduleConflictsForTest runs the scheduling check A1's Schedule uses,
// in a read transaction, for the tests of package store_test.
func (db *DB) ScheduleConflictsForTest(ctx context.Context, w itsm.ChangeWindow) ([]itsm.ScheduleConflict, error) {
	var out []itsm.ScheduleConflict
	err := db.view(ctx, func(tx *Tx) (err error) { out, err = tx.scheduleConflicts(w); return err })
	return out, err
}
