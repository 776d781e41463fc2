package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// DefaultDemoProbeAddress is what the demonstration checks probe unless
// DB.DemoProbeAddress says otherwise: Steward's own default address.
// `steward serve --demo` sets DemoProbeAddress to the address it listens
// on, so the checks keep passing once the check runner takes over.
const DefaultDemoProbeAddress = "127.0.0.1:8080"

// demoCheck is one demonstration check and how its history behaves.
type demoCheck struct {
	check *itsm.Check
	base  time.Duration // typical response time
}

// demoIncident is a failure the history holds: its check, when it starts
// (days and hours before now) and how many half-hour runs fail.
type demoIncident struct {
	check      int
	daysAgo    int
	hour, runs int
}

// seedMonitor adds seven checks over three shared services and one
// customer's own interface, operated by the demonstration provider, with
// 90 days of results written through RecordCheckResults (the path the
// check runner uses): believable response times with a working-day rhythm,
// a slow day, a few short failures, one outage that opened an incident and
// was resolved on recovery, failures excused by a past maintenance window,
// and a maintenance window planned for the coming week. It moves the clock
// back as it goes, so that incidents and audit entries have their real
// times.
func (db *DB) seedMonitor(ctx context.Context, orgs map[string]*itsm.Organisation) error {
	realNow := db.Now
	defer func() { db.Now = realNow }()
	now := realNow().UTC().Truncate(time.Minute)
	clock := now.AddDate(0, 0, -91)
	db.Now = func() time.Time { return clock }
	sys := itsm.NewContextWithActor(ctx, itsm.SystemActor("demo seed"))
	demoTCPAddress := db.DemoProbeAddress
	if demoTCPAddress == "" {
		demoTCPAddress = DefaultDemoProbeAddress
	}
	demoHealthURL := "http://" + demoTCPAddress + "/healthz"
	provider := orgs["Cairngorm Hosting Services Ltd"].ID
	council := orgs["Glenmorven Council"].ID
	http := func(name, service, component string, public bool, target float64, mod func(c *itsm.Check)) *itsm.Check {
		c := &itsm.Check{Name: name, Service: service, Component: component, Kind: itsm.CheckHTTP, Method: "GET", URL: demoHealthURL,
			ExpectStatus: "200", BodyContains: `"status":"ok"`, VerifyTLS: true, FollowRedirects: true, Public: public, Enabled: true,
			ProviderID: &provider, Interval: time.Minute, Timeout: 10 * time.Second, Retries: 1, IncidentAfter: 3, IncidentPriority: "P2",
			TargetPercent: target, TargetCalendar: itsm.Target24x7}
		if mod != nil {
			mod(c)
		}
		return c
	}
	checks := []demoCheck{
		{http("Portal home page", "Purchasing portal", "Web", true, 99.5, nil), 180 * time.Millisecond},
		{http("Ordering API", "Purchasing portal", "API", true, 99.5, func(c *itsm.Check) {
			c.Headers = []itsm.CheckHeader{{Name: "Authorization", Value: "Bearer demo-monitoring-token-7f3a9c"}, {Name: "Accept", Value: "application/json"}}
			c.MaxResponse = 2 * time.Second
		}), 95 * time.Millisecond},
		{&itsm.Check{Name: "Portal database", Service: "Purchasing portal", Component: "Database", Kind: itsm.CheckTCP, Address: demoTCPAddress,
			Enabled: true, ProviderID: &provider, Interval: time.Minute, Timeout: 5 * time.Second, IncidentAfter: 3, IncidentPriority: "P1",
			TargetPercent: 99.9, TargetCalendar: itsm.Target24x7}, 4 * time.Millisecond},
		{&itsm.Check{Name: "Invoice SFTP server", Service: "Finance interface", Component: "SFTP", Kind: itsm.CheckTCP, Address: demoTCPAddress,
			Enabled: true, ProviderID: &provider, Interval: 2 * time.Minute, Timeout: 10 * time.Second, Retries: 2, IncidentAfter: 3, IncidentPriority: "P2",
			TargetPercent: 99, TargetCalendar: itsm.TargetBusinessHours}, 35 * time.Millisecond},
		{http("Invoice API", "Finance interface", "API", false, 99.5, func(c *itsm.Check) { c.IncidentPriority = "P1" }), 140 * time.Millisecond},
		{http("Supplier portal home page", "Supplier portal", "Web", true, 99, nil), 260 * time.Millisecond},
		{http("Glenmorven Council ledger link", "Glenmorven Council finance interface", "Ledger", false, 99, func(c *itsm.Check) {
			c.OrgID = &council
			c.IncidentPriority = ""
		}), 210 * time.Millisecond},
	}
	for _, d := range checks {
		if err := db.CreateCheck(sys, d.check); err != nil {
			return fmt.Errorf("seed check %s: %w", d.check.Name, err)
		}
	}

	// A maintenance window 20 days ago on the supplier portal, during which
	// it failed: the failures are excused.
	maintDay := now.Truncate(24*time.Hour).AddDate(0, 0, -20)
	clock = maintDay.AddDate(0, 0, -3)
	if err := db.CreateMaintenance(sys, &itsm.MaintenanceWindow{Title: "Supplier portal web server upgrade", Service: "Supplier portal",
		StartsAt: maintDay.Add(6 * time.Hour), EndsAt: maintDay.Add(8 * time.Hour),
		Notes: "The supplier portal may be unavailable while the web servers are upgraded."}); err != nil {
		return fmt.Errorf("seed past maintenance: %w", err)
	}

	failures := []demoIncident{
		{1, 12, 10, 5}, // the ordering API fails for 2½ hours: an incident, resolved on recovery
		{3, 40, 2, 1},  // one failed run of the SFTP server at night
		{5, 20, 6, 3},  // the supplier portal inside its maintenance window
		{6, 30, 14, 2}, // two failed runs of the council's link: too few for an incident
		{4, 3, 11, 1},  // a single failed run of the invoice API
		{0, 57, 22, 2}, // the portal home page, late one evening
		{2, 75, 3, 1},  // the database, one night
		{1, 33, 16, 1}, // the ordering API, one run
		{5, 64, 9, 2},  // the supplier portal, a morning
		{4, 48, 15, 1}, // the invoice API, one afternoon
		{6, 8, 12, 1},  // the council's link, a lunchtime
		{0, 2, 8, 1},   // the portal home page, recently
		{3, 17, 23, 1}, // the SFTP server, late
		{2, 26, 4, 1},  // the database, another night
		{1, 88, 13, 2}, // the ordering API, long ago
		{6, 52, 10, 1}, // the council's link
		{5, 5, 19, 1},  // the supplier portal, an evening
		{4, 70, 7, 1},  // the invoice API, early
		{0, 44, 12, 1}, // the portal home page at noon
		{3, 61, 1, 1},  // the SFTP server at night
	}
	down := map[int]map[time.Time]bool{}
	for _, f := range failures {
		start := now.Truncate(24*time.Hour).AddDate(0, 0, -f.daysAgo).Add(time.Duration(f.hour) * time.Hour)
		if down[f.check] == nil {
			down[f.check] = map[time.Time]bool{}
		}
		for i := range f.runs {
			down[f.check][start.Add(time.Duration(i)*30*time.Minute)] = true
		}
	}
	errs := []string{"status 503, expected 200", "timed out after 10 s", "connection refused", "status 502, expected 200"}
	rng := rand.New(rand.NewPCG(2026, 11))
	uk := itsm.ReportLocation()
	slowDay := now.Truncate(24*time.Hour).AddDate(0, 0, -5)
	incidentDay := now.Truncate(24*time.Hour).AddDate(0, 0, -12)

	// Results every half hour for 90 days, a day per batch; the day of the
	// incident a run per batch, so that it opens and resolves at the
	// instants it would have.
	first := now.Truncate(24*time.Hour).AddDate(0, 0, -89)
	for day := first; day.Before(now); day = day.Add(24 * time.Hour) {
		var batch []itsm.CheckResult
		flush := func(at time.Time) error {
			if len(batch) == 0 {
				return nil
			}
			clock = at
			err := db.RecordCheckResults(sys, batch)
			batch = batch[:0]
			return err
		}
		for at := day; at.Before(day.Add(24*time.Hour)) && at.Before(now); at = at.Add(30 * time.Minute) {
			for i, d := range checks {
				r := itsm.CheckResult{CheckID: d.check.ID, At: at.Add(time.Duration(i*7) * time.Second), Up: true, Attempts: 1}
				lat := float64(d.base) * (0.8 + 0.5*rng.Float64())
				if h := at.In(uk).Hour(); h >= 9 && h < 17 && at.In(uk).Weekday() != time.Saturday && at.In(uk).Weekday() != time.Sunday {
					lat *= 1.35 // the working day is busier
				}
				if rng.IntN(100) == 0 {
					lat *= 4 // the odd slow response
				}
				if i == 2 && day.Equal(slowDay) {
					lat *= 9 // the database's slow day
				}
				r.Latency = time.Duration(lat).Round(time.Millisecond)
				if d.check.Kind == itsm.CheckHTTP {
					r.StatusCode = 200
				}
				if down[i][at] {
					r.Up, r.Attempts = false, d.check.Retries+1
					r.Error = errs[(i+at.Day())%len(errs)]
					if d.check.Kind == itsm.CheckTCP {
						r.Error = "connection refused"
					}
					if r.Error == "timed out after 10 s" {
						r.Latency = 10 * time.Second
					} else if d.check.Kind == itsm.CheckHTTP {
						r.StatusCode = 503
						if r.Error == "status 502, expected 200" {
							r.StatusCode = 502
						}
					}
				}
				batch = append(batch, r)
			}
			if day.Equal(incidentDay) {
				if err := flush(at.Add(time.Minute)); err != nil {
					return fmt.Errorf("seed check results of %s: %w", at.Format(time.DateTime), err)
				}
			}
		}
		if err := flush(minTime(day.Add(24*time.Hour), now)); err != nil {
			return fmt.Errorf("seed check results of %s: %w", day.Format(time.DateOnly), err)
		}
	}

	// Planned for the coming week: the portal's database upgrade, early on
	// a morning three days from now.
	clock = now
	upgrade := now.Truncate(24*time.Hour).AddDate(0, 0, 3).Add(6 * time.Hour)
	if err := db.CreateMaintenance(sys, &itsm.MaintenanceWindow{Title: "Purchasing portal database upgrade", Service: "Purchasing portal",
		StartsAt: upgrade, EndsAt: upgrade.Add(2 * time.Hour),
		Notes: "The portal and the ordering API will be unavailable for up to two hours while the database is upgraded to the new version."}); err != nil {
		return fmt.Errorf("seed planned maintenance: %w", err)
	}
	return nil
}
