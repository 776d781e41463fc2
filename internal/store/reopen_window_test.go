package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestReopenTurnedOff: with a re-open window of 0 days re-opening is
// refused with a sentence saying it is turned off, not that the ticket was
// resolved "more than 0 days ago".
func TestReopenTurnedOff(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		admin := storetest.As(f.Admin)
		settings, err := db.DeskSettings(admin)
		if err != nil {
			t.Fatal(err)
		}
		settings.ReopenDays = 0
		if err := db.SetDeskSettings(admin, settings); err != nil {
			t.Fatal(err)
		}
		cust := storetest.As(f.CustomerUserA)
		tk, err := db.CreateTicket(cust, itsm.NewTicket{Title: "Cannot approve orders", Description: "The approve button does nothing.", Impact: itsm.Medium, Urgency: itsm.Medium})
		if err != nil {
			t.Fatal(err)
		}
		st := itsm.StatusResolved
		if tk, err = db.UpdateTicket(storetest.As(f.Agent), tk.ID, itsm.TicketUpdate{Status: &st, Note: "Fixed.", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		storetest.ClockOf(db).Advance(time.Minute)
		_, err = db.ReopenTicket(cust, tk.ID, "Still failing", tk.Version)
		if msg := itsm.ErrorMessage(err); itsm.ErrorCode(err) != itsm.EINVALID || !strings.Contains(msg, "Re-opening resolved tickets is turned off") || strings.Contains(msg, "days ago") {
			t.Fatalf("re-open with the window off: %v", err)
		}
	})
}
