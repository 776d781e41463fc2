package store

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// seedCalendar adds the freeze periods of a believable programme: the
// financial year end on every service (late March to mid April, the next
// one to come) and a service-specific freeze on purchasing in the run-up
// to the next Christmas closure.
func (db *DB) seedCalendar(ctx context.Context) error {
	sys := itsm.NewContextWithActor(ctx, itsm.SystemActor("demo seed"))
	london := itsm.ReportLocation()
	now := db.Now().In(london)
	year := now.Year()
	if now.After(time.Date(year, 4, 15, 0, 0, 0, 0, london)) {
		year++
	}
	xmas := now.Year()
	if now.After(time.Date(xmas, 12, 24, 0, 0, 0, 0, london)) {
		xmas++
	}
	for _, f := range []*itsm.FreezePeriod{
		{Name: "Financial year end", Reason: "Councils, health boards and universities close their accounts. No change may touch ordering, invoicing or payments until the year-end runs are complete.",
			Start: time.Date(year, 3, 25, 0, 0, 0, 0, london), End: time.Date(year, 4, 15, 0, 0, 0, 0, london)},
		{Name: "Christmas purchasing peak", Service: "Purchasing", Reason: "Buyers place their last orders before the closure; the purchasing service must stay stable.",
			Start: time.Date(xmas, 12, 14, 18, 0, 0, 0, london), End: time.Date(xmas, 12, 24, 18, 0, 0, 0, london)},
	} {
		if err := db.CreateFreeze(sys, f); err != nil {
			return fmt.Errorf("seed freeze %s: %w", f.Name, err)
		}
	}
	return nil
}
