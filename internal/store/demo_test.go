package store_test

import (
	"context"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func TestSeedDemo(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		accounts, err := db.SeedDemo(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(accounts) != 11 {
			t.Fatalf("%d accounts", len(accounts))
		}
		sys := storetest.System()
		// Six from the service desk and the incident a demo outage opened.
		if _, total, _ := db.FindTickets(sys, itsm.TicketFilter{}); total != 7 {
			t.Fatalf("%d demo tickets", total)
		}
		if _, err := db.SeedDemo(context.Background()); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("second seed: %v", err)
		}
		if problems, err := db.VerifyAuditChain(sys, nil); err != nil || len(problems) > 0 {
			t.Fatalf("chain after seeding: %v %v", problems, err)
		}
	})
}
