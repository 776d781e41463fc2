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

// seedWindows inserts n scheduled (and in-delivery) changes with windows
// straight into change_requests: 40 services, a window of one to four hours
// every 30 minutes or so across the services, about 1.4 years of them.
func seedWindows(b *testing.B, db *store.DB, f *storetest.Fixture, n int) time.Time {
	b.Helper()
	start := time.Now()
	base := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	q := `WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < %d)
		INSERT INTO change_requests (number, ref, kind, organisation_id, provider_id, title, description, service, state,
			window_start, window_end, target_release, created_at, updated_at, version)
		SELECT x, 'RFC-' || x, 'rfc', CASE x %% 2 WHEN 0 THEN %d ELSE %d END, %d, 'Change ' || x, 'Work', 'Service ' || (x %% 40),
			CASE x %% 5 WHEN 0 THEN 'in delivery' ELSE 'scheduled' END,
			%d + x * 450000000, %d + x * 450000000 + (1 + x %% 4) * 3600000000, 'R' || (x %% 12), 0, 0, 1
		FROM cnt`
	if _, err := db.SQL().Exec(fmt.Sprintf(q, n, f.CustomerA.ID, f.CustomerB.ID, f.Provider.ID, base.UnixMicro(), base.UnixMicro())); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL().Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d windows in %s", n, time.Since(start).Round(time.Millisecond))
	return base
}

// BenchmarkConflictCheck100k measures checking a new window against 100,000
// scheduled windows on SQLite (goal: 5 ms), reporting the 99th percentile:
// a window on a busy service in the middle of the year, as staff (who see
// every window) and as a customer (whose check is scoped).
func BenchmarkConflictCheck100k(b *testing.B) {
	db := storetest.MustOpen(b, store.SQLite)
	f := storetest.MustSeed(b, db)
	base := seedWindows(b, db, f, 100_000)
	if err := db.CreateFreeze(storetest.As(f.Manager), &itsm.FreezePeriod{Name: "Summer", Start: base.AddDate(0, 6, 0), End: base.AddDate(0, 6, 14)}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		who  *itsm.User
		days int
	}{{"staff-4h", f.Manager, 0}, {"staff-14d", f.Manager, 14}, {"customer-4h", f.CustomerUserA, 0}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := storetest.As(c.who)
			lat := make([]time.Duration, 0, b.N)
			conflicts := 0
			for i := 0; i < b.N; i++ {
				start := base.AddDate(0, 6, 0).Add(time.Duration(i%500) * time.Hour)
				end := start.Add(4 * time.Hour)
				if c.days > 0 {
					end = start.AddDate(0, 0, c.days)
				}
				w := itsm.ChangeWindow{Service: fmt.Sprintf("service %d", i%40), Start: start, End: end}
				t0 := time.Now()
				cs, err := db.CheckWindow(ctx, w)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				conflicts += len(cs)
			}
			if conflicts == 0 {
				b.Fatal("no conflicts found: the benchmark checks nothing")
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(conflicts)/float64(b.N), "conflicts/op")
		})
	}
}
