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

// seedRiskRegister inserts n risks straight into the database, with every
// likelihood and impact, four statuses, reviews spread over a year around
// now, owners in the programme and the provider, and an open action on
// every third risk.
func seedRiskRegister(b *testing.B, db *store.DB, f *storetest.Fixture, n int) {
	b.Helper()
	start := time.Now()
	now := storetest.ClockOf(db).Now()
	base := itsm.RAIDDate(now).AddDate(0, 0, -180).UnixMicro()
	q := `WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < %d)
		INSERT INTO risks (number, ref, title, description, category, owner_id, likelihood, impact, score, previous_score, proximity, status, review_date,
			provider_id, created_at, updated_at, version)
		SELECT x, 'RISK-' || x, 'Risk number ' || x, 'Something may go wrong', 'technical', CASE x %% 3 WHEN 0 THEN %d ELSE %d END,
			1 + x %% 5, 1 + (x / 5) %% 5, (1 + x %% 5) * (1 + (x / 5) %% 5), 0, 'near',
			CASE x %% 4 WHEN 0 THEN 'open' WHEN 1 THEN 'mitigating' WHEN 2 THEN 'closed' ELSE 'occurred' END,
			%d + (x %% 365) * 86400000000, CASE WHEN x %% 10 = 0 THEN %d ELSE NULL END, %d, %d, 1
		FROM cnt`
	if _, err := db.SQL().Exec(fmt.Sprintf(q, n, f.ProviderAgent.ID, f.Agent.ID, base, f.Provider.ID, base, base)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL().Exec(fmt.Sprintf(`INSERT INTO raid_actions (parent_type, parent_id, description, owner_id, due_date, status, created_at, updated_at, version)
		SELECT 'risk', id, 'Mitigate', owner_id, review_date, 'open', %d, %d, 1 FROM risks WHERE id %% 3 = 0`, base, base)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL().Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d risks in %s", n, time.Since(start).Round(time.Millisecond))
}

// BenchmarkRiskRegister100k measures the register's pages over 100,000
// risks (and 33,333 actions) on SQLite, reporting each one's 99th
// percentile: the default list, the overdue filter, a heat map cell, the
// provider's list and the dashboard's heat map and summary.
func BenchmarkRiskRegister100k(b *testing.B) {
	db := storetest.MustOpen(b, store.SQLite)
	f := storetest.MustSeed(b, db)
	seedRiskRegister(b, db, f, 100_000)
	staff, prov := storetest.As(f.Agent), storetest.As(f.ProviderAgent)
	yes, four, five := true, 4, 5
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if err := fn(); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
	list := func(f itsm.RiskFilter) func() error {
		return func() error {
			rs, _, err := db.FindRisks(staff, f)
			if err == nil && len(rs) == 0 {
				err = fmt.Errorf("empty list")
			}
			return err
		}
	}
	run("list-by-score", list(itsm.RiskFilter{Limit: 25}))
	run("live-overdue", list(itsm.RiskFilter{Live: &yes, Overdue: &yes, Sort: "review", Limit: 25}))
	run("cell-5x4", list(itsm.RiskFilter{Likelihood: &five, Impact: &four, Live: &yes, Limit: 25}))
	run("provider", func() error { _, _, err := db.FindRisks(prov, itsm.RiskFilter{Limit: 25}); return err })
	run("heat-map", func() error { _, err := db.RiskHeatMap(staff, itsm.RiskFilter{Live: &yes}); return err })
	run("summary", func() error { _, err := db.RAIDSummary(staff); return err })
}
