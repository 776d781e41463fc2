package store_test

import (
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestSeedDemoMonitor: the demonstration has checks of three shared
// services and one council's own interface, 90 days of history with one
// outage that opened an incident and was resolved, failures excused by a
// past maintenance window, and maintenance planned for the coming week; a
// customer of another council does not see the first council's interface.
func TestSeedDemoMonitor(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		started := time.Now()
		db.DemoProbeAddress = "127.0.0.1:9191"
		if _, err := db.SeedDemo(storetest.System()); err != nil {
			t.Fatal(err)
		}
		t.Logf("demo seeded in %v", time.Since(started))
		sys := storetest.System()
		checks, total, err := db.FindChecks(sys, itsm.CheckFilter{Limit: -1})
		if err != nil || total != 7 {
			t.Fatalf("%d demo checks: %v", total, err)
		}
		for _, c := range checks {
			if c.LastCheckedAt == nil || c.ProviderName != "Cairngorm Hosting Services Ltd" || !c.Enabled {
				t.Errorf("demo check %s: %+v", c.Name, c)
			}
			// The checks probe the address the demonstration serves on.
			if c.URL != "http://127.0.0.1:9191/healthz" && c.Address != "127.0.0.1:9191" {
				t.Errorf("demo check %s probes %q%q, not the demo's address", c.Name, c.URL, c.Address)
			}
		}
		outages, _, err := db.FindOutages(sys, itsm.OutageFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		incidents, excused := 0, 0
		for _, o := range outages {
			if o.EndedAt == nil {
				t.Errorf("outage of %s still open", o.CheckName)
			}
			if o.InMaintenance {
				excused++
			}
			if o.TicketID != nil {
				incidents++
				tk, err := db.FindTicketByID(sys, *o.TicketID)
				if err != nil || tk.Status != itsm.StatusResolved || tk.Category != store.OutageCategory {
					t.Errorf("incident of the outage: %+v %v", tk, err)
				}
			}
		}
		if len(outages) < 15 || incidents != 1 || excused != 1 {
			t.Errorf("%d outages, %d with incidents, %d in maintenance", len(outages), incidents, excused)
		}
		users, _, err := db.FindUsers(sys, itsm.UserFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		services := func(email string) (map[string]*itsm.ServiceStatus, *itsm.StatusPage) {
			for _, u := range users {
				if u.Email == email {
					p, err := db.StatusPage(storetest.As(u))
					if err != nil {
						t.Fatal(err)
					}
					out := map[string]*itsm.ServiceStatus{}
					for i := range p.Services {
						out[p.Services[i].Service] = &p.Services[i]
					}
					return out, p
				}
			}
			t.Fatalf("no demo user %s", email)
			return nil, nil
		}
		council, page := services("buyer@glenmorven.example")
		if len(council) != 4 || council["Glenmorven Council finance interface"] == nil || len(page.Maintenance) != 1 {
			t.Fatalf("the council's status page: %d services, %d maintenance", len(council), len(page.Maintenance))
		}
		portal := council["Purchasing portal"]
		withData, maint := 0, 0
		for _, d := range portal.Days {
			if d.Samples > 0 {
				withData++
			}
		}
		for _, d := range council["Supplier portal"].Days {
			if d.Maintenance {
				maint++
			}
		}
		if withData != 90 || portal.Percent90Days < 99 || portal.Percent90Days >= 100 || maint != 1 {
			t.Errorf("portal: %d days with data, %.3f%%; supplier portal: %d maintenance days", withData, portal.Percent90Days, maint)
		}
		if other, _ := services("finance@strathallan.example"); other["Glenmorven Council finance interface"] != nil || len(other) != 3 {
			t.Errorf("another customer sees %d services", len(other))
		}
	})
}
