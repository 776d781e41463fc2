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

// seedYearOfRollups writes a year of 1-minute roll-ups for one check (two
// samples a minute, one failure in every 500 minutes, latencies spread over
// four histogram buckets) and the hour and day roll-ups they add up to,
// straight into check_rollups.
func seedYearOfRollups(b *testing.B, db *store.DB, checkID int64, start time.Time) int64 {
	b.Helper()
	t0 := time.Now()
	const minutes = 365 * 24 * 60
	base := start.UnixMicro()
	if _, err := db.SQL().Exec(fmt.Sprintf(`WITH RECURSIVE m(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM m WHERE i < %d)
		INSERT INTO check_rollups (check_id, level, bucket, samples, failures, latency_sum_us, latency_max_us, h4, h5, h6, h7)
		SELECT %d, 0, %d + i * 60000000, 2, CASE WHEN i %% 500 = 0 THEN 1 ELSE 0 END, 240000, 180000,
			CASE WHEN i %% 4 = 0 THEN 2 ELSE 0 END, CASE WHEN i %% 4 = 1 THEN 2 ELSE 0 END,
			CASE WHEN i %% 4 = 2 THEN 2 ELSE 0 END, CASE WHEN i %% 4 = 3 THEN 2 ELSE 0 END FROM m`, minutes-1, checkID, base)); err != nil {
		b.Fatal(err)
	}
	for level, span := range map[int]int64{1: 3600_000_000, 2: 86400_000_000} {
		if _, err := db.SQL().Exec(fmt.Sprintf(`INSERT INTO check_rollups (check_id, level, bucket, samples, failures, latency_sum_us, latency_max_us, h4, h5, h6, h7)
			SELECT check_id, %d, %d + ((bucket - %d) / %d) * %d, SUM(samples), SUM(failures), SUM(latency_sum_us), MAX(latency_max_us), SUM(h4), SUM(h5), SUM(h6), SUM(h7)
			FROM check_rollups WHERE check_id = %d AND level = 0 GROUP BY check_id, %d + ((bucket - %d) / %d) * %d`,
			level, base, base, span, span, checkID, base, base, span, span)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.SQL().Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d minute roll-ups in %s", minutes, time.Since(t0).Round(time.Millisecond))
	return minutes * 2
}

// BenchmarkAvailabilityYear measures one check's availability and
// percentiles over a year of 1-minute roll-ups (goal: 20 ms), 24×7, over
// business hours, and with a maintenance window every week.
func BenchmarkAvailabilityYear(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		b.Run(string(engine), func(b *testing.B) {
			db := storetest.MustOpen(b, engine)
			f := storetest.MustSeed(b, db)
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			storetest.ClockOf(db).Set(start.AddDate(1, 0, 1))
			c := mustCheck(b, db, "Portal", "Purchasing portal", func(c *itsm.Check) { c.ProviderID = &f.Provider.ID; c.TargetPercent = 99.5 })
			business := mustCheck(b, db, "Portal in hours", "Purchasing portal", func(c *itsm.Check) { c.TargetCalendar = itsm.TargetBusinessHours })
			samples := seedYearOfRollups(b, db, c.ID, start)
			seedYearOfRollups(b, db, business.ID, start)
			cases := []struct {
				name  string
				id    int64
				setup func()
			}{
				{"24x7", c.ID, nil},
				{"business-hours", business.ID, nil},
				{"24x7-weekly-maintenance", c.ID, func() {
					// Planned maintenance is refused in the past, so each
					// week's window is planned as the clock passes it.
					clock := storetest.ClockOf(db)
					for w := 0; w < 52; w++ {
						s := start.AddDate(0, 0, 7*w+2).Add(22 * time.Hour)
						clock.Set(s.Add(-time.Hour))
						if err := db.CreateMaintenance(storetest.As(f.Manager), &itsm.MaintenanceWindow{Title: fmt.Sprintf("Week %d", w), Service: "Purchasing portal", StartsAt: s, EndsAt: s.Add(150 * time.Minute)}); err != nil {
							b.Fatal(err)
						}
					}
					clock.Set(start.AddDate(1, 0, 1))
				}},
			}
			for _, tc := range cases {
				b.Run(tc.name, func(b *testing.B) {
					if tc.setup != nil {
						tc.setup()
					}
					ctx := storetest.As(f.Manager)
					lat := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						t0 := time.Now()
						st, err := db.CheckStats(ctx, tc.id, start, start.AddDate(1, 0, 0))
						if err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t0))
						if tc.name == "24x7" && (st.Samples != samples || st.P99 == 0 || st.Percent >= 100 || st.Percent < 99.8) {
							b.Fatalf("figures: %+v", st)
						}
						if st.Samples == 0 || st.P99 == 0 {
							b.Fatalf("no figures: %+v", st)
						}
					}
					sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}

// BenchmarkRecordCheckResults measures storing one second's results of
// 5,000 checks at a 30-second interval (167 results) and claiming the next
// second's checks: the database side of running checks.
func BenchmarkRecordCheckResults(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		b.Run(string(engine), func(b *testing.B) {
			db := storetest.MustOpen(b, engine)
			storetest.MustSeed(b, db)
			clock := storetest.ClockOf(db)
			start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			clock.Set(start)
			defs := make([]*itsm.Check, 5000)
			for i := range defs {
				defs[i] = &itsm.Check{Name: fmt.Sprintf("Check %05d", i), Service: fmt.Sprintf("Service %02d", i%50), Kind: itsm.CheckHTTP,
					URL: fmt.Sprintf("http://127.0.0.1:9/health/%d", i), Interval: 30 * time.Second, Enabled: true, IncidentPriority: "P2"}
			}
			if res, err := db.ImportChecks(storetest.System(), defs, false); err != nil || len(res.Errors) > 0 {
				b.Fatalf("import: %v %+v", err, res)
			}
			ctx := storetest.System()
			nodes := []string{"bench"}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				now := start.Add(time.Duration(i) * time.Second)
				clock.Set(now)
				tasks, err := db.ClaimDueChecks(ctx, "bench", nodes, now.Add(time.Second), 1000)
				if err != nil {
					b.Fatal(err)
				}
				results := make([]itsm.CheckResult, len(tasks))
				for j, t := range tasks {
					results[j] = itsm.CheckResult{CheckID: t.Check.ID, At: t.Due, Up: true, Latency: time.Duration(20+j%50) * time.Millisecond, StatusCode: 200, Attempts: 1}
				}
				if err := db.RecordCheckResults(ctx, results); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
