package store_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// seedTickets inserts n tickets straight into the database, spread over
// three customers, four priorities, seven statuses, a year of creation
// times and a handful of assignees, as a busy service desk's history.
func seedTickets(b *testing.B, db *store.DB, f *storetest.Fixture, n int) {
	b.Helper()
	start := time.Now()
	orgs := fmt.Sprintf("CASE x %% 2 WHEN 0 THEN %d ELSE %d END", f.CustomerA.ID, f.CustomerB.ID)
	q := `WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < %d)
		INSERT INTO tickets (number, ref, type, org_id, requester_name, title, description, category, impact, urgency, priority, status, is_open,
			assignee_id, provider_id, created_at, updated_at, next_due, version)
		SELECT x, 'INC-' || x, 'incident', %s, 'Requester', 'Ticket number ' || x, 'Something went wrong with order ' || x, 'Ordering and catalogues',
			'medium', 'medium', 'P' || (1 + x %% 4),
			CASE x %% 7 WHEN 0 THEN 'new' WHEN 1 THEN 'assigned' WHEN 2 THEN 'in progress' WHEN 3 THEN 'pending customer' WHEN 4 THEN 'pending provider' WHEN 5 THEN 'resolved' ELSE 'closed' END,
			CASE WHEN x %% 7 IN (5, 6) THEN 0 ELSE 1 END,
			CASE WHEN x %% 7 = 0 THEN NULL ELSE %d END,
			CASE WHEN x %% 7 = 4 THEN %d ELSE NULL END,
			%d + x * 31000000, %d + x * 31000000, %d + x * 31000000 + 14400000000, 1
		FROM cnt`
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	if _, err := db.SQL().Exec(fmt.Sprintf(q, n, orgs, f.Agent.ID, f.Provider.ID, base, base, base)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL().Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d tickets in %s", n, time.Since(start).Round(time.Millisecond))
}

// BenchmarkStaffQueue1M measures the staff queue pages (filter, sort, a
// page of 50, with the total) over 1,000,000 tickets on SQLite, reporting
// the 99th percentile of each queue.
func BenchmarkStaffQueue1M(b *testing.B) {
	db := storetest.MustOpen(b, store.SQLite)
	f := storetest.MustSeed(b, db)
	seedTickets(b, db, f, 1_000_000)
	ctx := storetest.As(f.Agent)
	open, agent, cust, prov := true, f.Agent.ID, f.CustomerA.ID, f.Provider.ID
	p3 := "P3"
	soon := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	q := "order 4242"
	queues := []struct {
		name string
		f    itsm.TicketFilter
	}{
		{"all-newest", itsm.TicketFilter{}},
		{"open-by-due", itsm.TicketFilter{Open: &open, Sort: "due", Offset: 50}},
		{"unassigned", itsm.TicketFilter{Unassigned: true}},
		{"mine", itsm.TicketFilter{AssigneeID: &agent, Open: &open, Sort: "-updated"}},
		{"customer-P3", itsm.TicketFilter{OrgID: &cust, Priority: &p3, Open: &open}},
		{"provider", itsm.TicketFilter{ProviderID: &prov, Open: &open}},
		{"pending", itsm.TicketFilter{Status: []itsm.TicketStatus{itsm.StatusPendingCustomer, itsm.StatusPendingProvider}}},
		{"breaching-soon", itsm.TicketFilter{BreachingBefore: &soon, Sort: "due"}},
		{"search", itsm.TicketFilter{Query: &q}},
	}
	for _, qu := range queues {
		b.Run(qu.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				ts, _, err := db.FindTickets(ctx, qu.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(ts) == 0 {
					b.Fatal("empty queue")
				}
				lat = append(lat, time.Since(t0))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
