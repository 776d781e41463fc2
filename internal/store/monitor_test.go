package store_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

var monitorStart = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// mustCheck adds an HTTP check as the system.
func mustCheck(t testing.TB, db *store.DB, name, service string, mod func(c *itsm.Check)) *itsm.Check {
	t.Helper()
	c := &itsm.Check{Name: name, Service: service, Component: "Web", Kind: itsm.CheckHTTP, URL: "https://status.example.org/health",
		Interval: 30 * time.Second, Timeout: 5 * time.Second, Enabled: true, IncidentAfter: 3, IncidentPriority: "P2", VerifyTLS: true,
		Headers: []itsm.CheckHeader{{Name: "Authorization", Value: "Bearer s3cret"}, {Name: "Accept", Value: "application/json"}}}
	if mod != nil {
		mod(c)
	}
	if err := db.CreateCheck(storetest.System(), c); err != nil {
		t.Fatalf("create check %s: %v", name, err)
	}
	return c
}

func result(id int64, at time.Time, up bool, ms int) itsm.CheckResult {
	r := itsm.CheckResult{CheckID: id, At: at, Up: up, Latency: time.Duration(ms) * time.Millisecond, StatusCode: 200, Attempts: 1}
	if !up {
		r.StatusCode, r.Error = 503, "status 503, expected 200-299"
	}
	return r
}

func TestCheckDefinitions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		c := mustCheck(t, db, "Portal home", "Purchasing portal", func(c *itsm.Check) { c.ProviderID = &f.Provider.ID })
		other := mustCheck(t, db, "Finance API", "Finance interface", nil)
		if c.Status != itsm.CheckUnknown || c.ProviderName != f.Provider.Name || len(c.Headers) != 2 {
			t.Fatalf("created %+v", c)
		}
		// Bad definitions are refused with the field named.
		for _, tc := range []struct {
			mod   func(c *itsm.Check)
			field string
		}{
			{func(c *itsm.Check) { c.URL = "ftp://example.org/x" }, "url"},
			{func(c *itsm.Check) { c.URL = "not a url" }, "url"},
			{func(c *itsm.Check) { c.Interval = 5 * time.Second }, "interval"},
			{func(c *itsm.Check) { c.Kind = "icmp" }, "kind"},
			{func(c *itsm.Check) { c.ExpectStatus = "200-99" }, "expect_status"},
			{func(c *itsm.Check) { c.BodyMatches = "(unclosed" }, "body_matches"},
			{func(c *itsm.Check) { c.Kind, c.Address = itsm.CheckTCP, "db.example.org" }, "address"},
			{func(c *itsm.Check) { c.Kind, c.Address = itsm.CheckTCP, "db.example.org:70000" }, "address"},
			{func(c *itsm.Check) { c.IncidentPriority = "P3" }, "incident_priority"},
			{func(c *itsm.Check) { c.Name = "" }, "name"},
			{func(c *itsm.Check) { c.ProviderID = &f.CustomerA.ID }, "provider_id"},
			{func(c *itsm.Check) { c.Headers = []itsm.CheckHeader{{Name: "X-Bad Header", Value: "v"}} }, "headers"},
		} {
			bad := &itsm.Check{Name: "Bad", Service: "Purchasing portal", Kind: itsm.CheckHTTP, URL: "https://example.org/", Interval: time.Minute, Enabled: true}
			tc.mod(bad)
			err := db.CreateCheck(storetest.System(), bad)
			var e *itsm.Error
			if itsm.ErrorCode(err) != itsm.EINVALID || !asError(err, &e) || e.Fields[tc.field] == "" {
				t.Fatalf("bad %s: %v", tc.field, err)
			}
		}
		if _, total, _ := db.FindChecks(storetest.System(), itsm.CheckFilter{}); total != 2 {
			t.Fatalf("a refused check was stored: %d checks", total)
		}
		// Duplicate names on one service conflict.
		dup := &itsm.Check{Name: "Portal home", Service: "Purchasing portal", Kind: itsm.CheckTCP, Address: "portal.example.org:443", Enabled: true}
		if err := db.CreateCheck(storetest.System(), dup); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}

		// Secrets: masked for showing; an update that sends the mask back
		// keeps the stored value.
		m := c.Masked()
		if m.Headers[0].Value != itsm.SecretMask || m.Headers[1].Value != "application/json" || c.Headers[0].Value != "Bearer s3cret" {
			t.Fatalf("masking: %+v / %+v", m.Headers, c.Headers)
		}
		upd := *m
		upd.Name = "Portal home page"
		if err := db.UpdateCheck(storetest.As(f.Manager), &upd); err != nil {
			t.Fatalf("update: %v", err)
		}
		got, _ := db.FindCheckByID(storetest.System(), c.ID)
		if got.Name != "Portal home page" || got.Headers[0].Value != "Bearer s3cret" || got.Version != 2 {
			t.Fatalf("after update: %+v", got)
		}
		// A hidden value under a new name has nothing to stand for.
		renamed := *got.Masked()
		renamed.Headers = []itsm.CheckHeader{{Name: "X-Api-Key", Value: itsm.SecretMask}}
		var e *itsm.Error
		if err := db.UpdateCheck(storetest.As(f.Manager), &renamed); !asError(err, &e) || e.Fields["headers"] == "" {
			t.Fatalf("renamed masked header saved: %v", err)
		}
		stale := *got
		stale.Version = 1
		if err := db.UpdateCheck(storetest.As(f.Manager), &stale); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale update: %v", err)
		}
		entries, _, err := db.FindAuditEntries(storetest.System(), itsm.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.Contains(string(e.Diff), "s3cret") {
				t.Fatalf("audit entry %d holds a secret: %s", e.ID, e.Diff)
			}
		}

		// Who may: managers and admins change; agents, auditors, providers
		// and customers do not. Providers read their own checks only;
		// customers read none.
		for _, u := range []*itsm.User{f.Agent, f.Auditor, f.ProviderAgent, f.CustomerAdminA, f.CustomerUserA} {
			x := &itsm.Check{Name: "X", Service: "S", Kind: itsm.CheckTCP, Address: "x.example.org:1", Enabled: true}
			if err := db.CreateCheck(storetest.As(u), x); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
				t.Fatalf("%s created a check: %v", u.Email, err)
			}
			if err := db.DeleteCheck(storetest.As(u), other.ID); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
				t.Fatalf("%s deleted a check: %v", u.Email, err)
			}
		}
		if list, total, err := db.FindChecks(storetest.As(f.ProviderAgent), itsm.CheckFilter{}); err != nil || total != 1 || list[0].ID != c.ID {
			t.Fatalf("provider lists %d: %v", total, err)
		}
		if _, err := db.FindCheckByID(storetest.As(f.ProviderAgent), other.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("provider opened another's check: %v", err)
		}
		for _, u := range []*itsm.User{f.CustomerAdminA, f.CustomerUserB} {
			if _, _, err := db.FindChecks(storetest.As(u), itsm.CheckFilter{}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
				t.Fatalf("%s listed checks: %v", u.Email, err)
			}
			if _, err := db.FindCheckByID(storetest.As(u), c.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("%s opened a check: %v", u.Email, err)
			}
		}

		// Import: all or nothing, matched by service and name.
		defs := []*itsm.Check{
			{Name: "Portal home page", Service: "Purchasing portal", Kind: itsm.CheckHTTP, URL: "https://portal.example.org/", Enabled: true,
				Headers: []itsm.CheckHeader{{Name: "Authorization", Value: itsm.SecretMask}}},
			{Name: "Database", Service: "Purchasing portal", Kind: itsm.CheckTCP, Address: "db.example.org:5432", Enabled: true},
			{Name: "Bad", Service: "Purchasing portal", Kind: itsm.CheckHTTP, URL: "gopher://x", Enabled: true},
		}
		res, err := db.ImportChecks(storetest.As(f.Manager), defs, false)
		if err != nil || len(res.Errors) != 1 || res.Errors[0].Index != 3 || res.Errors[0].Fields["url"] == "" {
			t.Fatalf("import with a bad definition: %+v %v", res, err)
		}
		if _, total, _ := db.FindChecks(storetest.System(), itsm.CheckFilter{}); total != 2 {
			t.Fatalf("a refused import wrote checks: %d", total)
		}
		res, err = db.ImportChecks(storetest.As(f.Manager), defs[:2], true)
		if err != nil || res.Created != 1 || res.Updated != 1 {
			t.Fatalf("dry run: %+v %v", res, err)
		}
		if _, total, _ := db.FindChecks(storetest.System(), itsm.CheckFilter{}); total != 2 {
			t.Fatalf("a dry run wrote checks: %d", total)
		}
		defs[0].Headers[0].Value = itsm.SecretMask
		res, err = db.ImportChecks(storetest.As(f.Manager), defs[:2], false)
		if err != nil || res.Created != 1 || res.Updated != 1 || len(res.Errors) != 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		got, _ = db.FindCheckByID(storetest.System(), c.ID)
		if got.URL != "https://portal.example.org/" || got.Headers[0].Value != "Bearer s3cret" {
			t.Fatalf("imported update: %+v", got)
		}
		if err := db.DeleteCheck(storetest.As(f.Manager), other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindCheckByID(storetest.System(), other.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("deleted check still there: %v", err)
		}
	})
}

func asError(err error, e **itsm.Error) bool {
	x, ok := err.(*itsm.Error)
	if ok {
		*e = x
	}
	return ok
}

// TestClaimDueChecks: checks are spread over their interval; two nodes never
// claim one check in one interval; a dead node's checks move on.
func TestClaimDueChecks(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		clock := storetest.ClockOf(db)
		clock.Set(monitorStart)
		var ids []int64
		for i := range 40 {
			c := mustCheck(t, db, fmt.Sprintf("Check %02d", i), "Portal", nil)
			ids = append(ids, c.ID)
		}
		ctx := context.Background()
		nodes, err := db.HeartbeatProbeNode(ctx, "a", 30*time.Second)
		if err != nil || len(nodes) != 1 {
			t.Fatalf("heartbeat: %v %v", nodes, err)
		}
		if nodes, err = db.HeartbeatProbeNode(ctx, "b", 30*time.Second); err != nil || strings.Join(nodes, ",") != "a,b" {
			t.Fatalf("heartbeat b: %v %v", nodes, err)
		}
		runs := map[int64]int{}
		perSecond := map[int64]int{}
		for s := 0; s < 30; s++ {
			now := monitorStart.Add(time.Duration(s) * time.Second)
			clock.Set(now)
			for _, node := range []string{"a", "b"} {
				// Node b thinks it is alone: the shares disagree, yet the
				// claim still runs each check once.
				view := []string{"a", "b"}
				if node == "b" && s%2 == 0 {
					view = []string{"b"}
				}
				tasks, err := db.ClaimDueChecks(ctx, node, view, now.Add(time.Second), 100)
				if err != nil {
					t.Fatalf("claim: %v", err)
				}
				for _, task := range tasks {
					runs[task.Check.ID]++
					perSecond[task.Due.Unix()]++
				}
			}
		}
		for _, id := range ids {
			if runs[id] != 1 {
				t.Fatalf("check %d ran %d times in one interval", id, runs[id])
			}
		}
		for sec, n := range perSecond {
			if n > 5 {
				t.Fatalf("%d checks due in the second %d: not spread", n, sec)
			}
		}
		// Node b dies: after two intervals a's claims include b's share.
		clock.Set(monitorStart.Add(95 * time.Second))
		nodes, _ = db.HeartbeatProbeNode(ctx, "a", 30*time.Second)
		if strings.Join(nodes, ",") != "a" {
			t.Fatalf("live nodes after b stopped: %v", nodes)
		}
		tasks, err := db.ClaimDueChecks(ctx, "a", nodes, monitorStart.Add(96*time.Second), 1000)
		if err != nil || len(tasks) != len(ids) {
			t.Fatalf("a claimed %d of %d checks after b died: %v", len(tasks), len(ids), err)
		}
		// Intervals nobody ran are skipped, keeping the phase.
		for _, task := range tasks {
			if task.Due.After(monitorStart.Add(96*time.Second)) || task.Due.Before(monitorStart.Add(60*time.Second)) {
				t.Fatalf("due %v out of the interval", task.Due)
			}
		}
	})
}

// TestOutageIncident: N failures open a P2 incident escalated to the
// provider; recovery resolves it; a flap re-opens it; failures in
// maintenance neither open incidents nor count against availability.
func TestOutageIncident(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		clock := storetest.ClockOf(db)
		clock.Set(monitorStart)
		c := mustCheck(t, db, "Portal home", "Purchasing portal", func(c *itsm.Check) { c.ProviderID = &f.Provider.ID; c.TargetPercent = 99.5 })
		ctx := storetest.System()
		at := monitorStart
		record := func(up bool) {
			t.Helper()
			at = at.Add(30 * time.Second)
			clock.Set(at)
			if err := db.RecordCheckResults(ctx, []itsm.CheckResult{result(c.ID, at, up, 120)}); err != nil {
				t.Fatalf("record: %v", err)
			}
		}
		for range 4 {
			record(true)
		}
		record(false)
		record(false)
		if got, _ := db.FindCheckByID(ctx, c.ID); got.Status != itsm.CheckDown || got.ConsecutiveFailures != 2 || got.OpenOutageID == nil {
			t.Fatalf("after 2 failures: %+v", got)
		}
		if _, n, _ := db.FindTickets(ctx, itsm.TicketFilter{}); n != 0 {
			t.Fatalf("an incident before the third failure")
		}
		record(false)
		outages, _, err := db.FindOutages(ctx, itsm.OutageFilter{CheckID: &c.ID})
		if err != nil || len(outages) != 1 || outages[0].TicketID == nil || outages[0].Failures != 3 {
			t.Fatalf("outage: %+v %v", outages, err)
		}
		ticket, err := db.FindTicketByID(ctx, *outages[0].TicketID)
		if err != nil || ticket.Priority != "P2" || ticket.ProviderID == nil || *ticket.ProviderID != f.Provider.ID || ticket.OrgID != f.Programme.ID || ticket.Category != store.OutageCategory {
			t.Fatalf("incident: %+v %v", ticket, err)
		}
		// The provider's agent sees the incident escalated to it.
		if _, err := db.FindTicketByID(storetest.As(f.ProviderAgent), ticket.ID); err != nil {
			t.Fatalf("provider cannot see the incident: %v", err)
		}
		record(true)
		ticket, _ = db.FindTicketByID(ctx, ticket.ID)
		outages, _, _ = db.FindOutages(ctx, itsm.OutageFilter{CheckID: &c.ID})
		if ticket.Status != itsm.StatusResolved || outages[0].EndedAt == nil || outages[0].Duration(at) != 90*time.Second {
			t.Fatalf("after recovery: %s, %+v", ticket.Status, outages[0])
		}
		// Flapping: failing again within the flap window re-opens it.
		for range 3 {
			record(false)
		}
		ticket, _ = db.FindTicketByID(ctx, ticket.ID)
		if _, n, _ := db.FindTickets(ctx, itsm.TicketFilter{}); n != 1 || ticket.Status != itsm.StatusInProgress {
			t.Fatalf("flap: %d tickets, status %s", n, ticket.Status)
		}
		record(true)

		// Maintenance: the service is in a window for the next 10 minutes.
		clock.Set(at.Add(-time.Second))
		if err := db.CreateMaintenance(storetest.As(f.Manager), &itsm.MaintenanceWindow{Title: "Database upgrade", Service: "purchasing PORTAL",
			StartsAt: at.Add(time.Minute), EndsAt: at.Add(11 * time.Minute)}); err != nil {
			t.Fatalf("plan maintenance: %v", err)
		}
		at = at.Add(time.Minute).Truncate(time.Minute)
		for range 10 {
			record(false)
		}
		if _, n, _ := db.FindTickets(ctx, itsm.TicketFilter{}); n != 1 {
			t.Fatalf("maintenance failures opened an incident: %d tickets", n)
		}
		if got, _ := db.FindCheckByID(ctx, c.ID); got.Status != itsm.CheckMaintenance {
			t.Fatalf("status in maintenance: %s", got.Status)
		}
		at = at.Add(10 * time.Minute)
		record(true)
		stats, err := db.CheckStats(ctx, c.ID, monitorStart, at.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		// 4 up, 3 down, 1 up, 3 down, 1 up outside maintenance; the 10
		// failures inside it do not count.
		if stats.Samples != 13 || stats.Failures != 6 || math.Abs(stats.Percent-700.0/13) > 1e-9 || stats.TargetMet == nil || *stats.TargetMet {
			t.Fatalf("stats: %+v", stats)
		}
		if stats.P50 <= 100*time.Millisecond || stats.P99 > 150*time.Millisecond {
			t.Fatalf("percentiles of 120 ms samples: %v %v", stats.P50, stats.P99)
		}
		if stats.Outages != 2 || stats.Downtime != 180*time.Second {
			t.Fatalf("outages %d downtime %v", stats.Outages, stats.Downtime)
		}
		// A late result does not move the state back.
		if err := db.RecordCheckResults(ctx, []itsm.CheckResult{result(c.ID, at.Add(-time.Hour), false, 100)}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindCheckByID(ctx, c.ID); got.Status != itsm.CheckUp || !got.LastCheckedAt.Equal(at) {
			t.Fatalf("a late result changed the state: %s %v", got.Status, got.LastCheckedAt)
		}
		svc, err := db.ServiceAvailability(storetest.As(f.ProviderAgent), itsm.ServiceAvailabilityFilter{From: monitorStart, To: at.Add(time.Minute), ProviderID: &f.Provider.ID})
		if err != nil || len(svc) != 1 || svc[0].Samples != 13 || svc[0].TargetPercent != 99.5 {
			t.Fatalf("service availability: %+v %v", svc, err)
		}
		// Pausing a failing check ends its outage; the incident stays.
		for range 4 {
			record(false)
		}
		paused, _ := db.FindCheckByID(ctx, c.ID)
		if paused.OpenOutageID == nil {
			t.Fatal("no outage after four failures")
		}
		outageID := *paused.OpenOutageID
		paused.Enabled = false
		if err := db.UpdateCheck(storetest.As(f.Manager), paused); err != nil {
			t.Fatal(err)
		}
		if paused.Status != itsm.CheckUnknown || paused.OpenOutageID != nil {
			t.Fatalf("paused check: %s %v", paused.Status, paused.OpenOutageID)
		}
		open := true
		if list, _, _ := db.FindOutages(ctx, itsm.OutageFilter{CheckID: &c.ID, Open: &open}); len(list) != 0 || outageID == 0 {
			t.Fatalf("outage still open after pausing: %+v", list)
		}
		series, err := db.CheckSeries(ctx, c.ID, monitorStart, monitorStart.Add(time.Hour), 10*time.Minute)
		if err != nil || len(series) != 6 {
			t.Fatalf("series: %v", err)
		}
		var total int64
		maintenance := 0
		for _, p := range series {
			total += p.Samples
			if p.Maintenance {
				maintenance++
			}
		}
		if total != 17 || maintenance == 0 {
			t.Fatalf("series samples %d, maintenance buckets %d", total, maintenance)
		}
	})
}

// TestStatusPageTenancy: customers see the shared service and their own
// organisation's checks; anonymous visitors public shared checks only.
func TestStatusPageTenancy(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		clock := storetest.ClockOf(db)
		clock.Set(monitorStart)
		shared := mustCheck(t, db, "Portal", "Purchasing portal", func(c *itsm.Check) { c.Public = true })
		internal := mustCheck(t, db, "Internal", "Reporting", nil)
		a := mustCheck(t, db, "A's finance link", "Finance interface A", func(c *itsm.Check) { c.OrgID = &f.CustomerA.ID })
		b := mustCheck(t, db, "B's finance link", "Finance interface B", func(c *itsm.Check) { c.OrgID = &f.CustomerB.ID })
		var rs []itsm.CheckResult
		for i := range 4 {
			at := monitorStart.Add(time.Duration(i) * 30 * time.Second)
			rs = append(rs, result(shared.ID, at, true, 80), result(a.ID, at, true, 80), result(b.ID, at, false, 80))
		}
		clock.Set(monitorStart.Add(3 * time.Minute))
		if err := db.RecordCheckResults(storetest.System(), rs); err != nil {
			t.Fatal(err)
		}
		names := func(ctx context.Context) string {
			p, err := db.StatusPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, svc := range p.Services {
				s = append(s, svc.Service+"="+svc.Status)
			}
			for _, o := range p.Incidents {
				s = append(s, "incident:"+o.Service+":"+o.Cause)
			}
			return strings.Join(s, ",")
		}
		for _, tc := range []struct {
			ctx  context.Context
			want string
		}{
			{storetest.As(f.CustomerUserA), "Finance interface A=operational,Purchasing portal=operational,Reporting=no_data"},
			{storetest.As(f.CustomerAdminB), "Finance interface B=outage,Purchasing portal=operational,Reporting=no_data,incident:Finance interface B:"},
			{storetest.Ctx(itsm.Anonymous("192.0.2.1")), "Purchasing portal=operational"},
			{storetest.As(f.Manager), "Finance interface A=operational,Finance interface B=outage,Purchasing portal=operational,Reporting=no_data,incident:Finance interface B:status 503, expected 200-299"},
		} {
			if got := names(tc.ctx); got != tc.want {
				t.Errorf("status page:\n got %s\nwant %s", got, tc.want)
			}
		}
		// B's own incident: B may open it, so sees its reference.
		pb, _ := db.StatusPage(storetest.As(f.CustomerUserB))
		if len(pb.Incidents) != 1 || pb.Incidents[0].TicketRef == "" || pb.Incidents[0].TicketID == nil {
			t.Fatalf("B's incident without its reference: %+v", pb.Incidents)
		}
		// The shared service's outage opens an incident of the programme's:
		// customers and a provider it was not escalated to see the outage,
		// not the incident; staff see both.
		var fails []itsm.CheckResult
		for i := range 3 {
			fails = append(fails, result(internal.ID, monitorStart.Add(2*time.Minute+time.Duration(i)*time.Second), false, 80))
		}
		if err := db.RecordCheckResults(storetest.System(), fails); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*itsm.User{f.ProviderAgent, f.CustomerUserA, f.Manager} {
			p, _ := db.StatusPage(storetest.As(u))
			var shared *itsm.Outage
			for _, o := range p.Incidents {
				if o.Service == "Reporting" {
					shared = o
				}
			}
			if shared == nil || (shared.TicketRef != "") != (u == f.Manager) {
				t.Fatalf("%s sees the shared outage as %+v", u.Email, shared)
			}
		}

		// Customer A's change on the shared service is planned
		// maintenance for everyone, but only A (and staff) see what it is.
		ws := monitorStart.Add(48 * time.Hour)
		if _, err := db.SQL().Exec(fmt.Sprintf(`INSERT INTO change_requests (number, ref, kind, organisation_id, provider_id, title, description, service, state,
			window_start, window_end, target_release, created_at, updated_at, version)
			VALUES (1, 'RFC-0001', 'rfc', %d, NULL, 'Alpha approval limits', 'Work', 'Purchasing portal', 'scheduled', %d, %d, '', 0, 0, 1)`,
			f.CustomerA.ID, ws.UnixMicro(), ws.Add(2*time.Hour).UnixMicro())); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			u     *itsm.User
			title string
			ref   string
		}{{f.CustomerUserA, "RFC-0001: Alpha approval limits", "RFC-0001"}, {f.Manager, "RFC-0001: Alpha approval limits", "RFC-0001"},
			{f.CustomerUserB, "Planned change to Purchasing portal", ""}} {
			p, err := db.StatusPage(storetest.As(tc.u))
			if err != nil || len(p.Maintenance) != 1 || p.Maintenance[0].Title != tc.title || p.Maintenance[0].ChangeRef != tc.ref {
				t.Fatalf("%s sees maintenance %+v: %v", tc.u.Email, p.Maintenance, err)
			}
			list, _, err := db.FindMaintenance(storetest.As(tc.u), itsm.MaintenanceFilter{})
			if err != nil || len(list) != 1 || list[0].Title != tc.title {
				t.Fatalf("%s lists maintenance %+v: %v", tc.u.Email, list, err)
			}
		}
		p, _ := db.StatusPage(storetest.As(f.CustomerUserA))
		if len(p.Services[1].Days) != 90 || p.Services[1].Days[89].Samples != 4 || p.Services[1].Percent90Days != 100 {
			t.Fatalf("days: %+v", p.Services[1].Days[89])
		}
	})
}

// TestCertificateWarningMailedOnce: a check that passes with a warning (a
// certificate expiring soon) e-mails the programme and the provider once,
// when the warning first appears, not at every run.
func TestCertificateWarningMailedOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		storetest.ClockOf(db).Set(monitorStart)
		c := mustCheck(t, db, "Portal certificate", "Purchasing portal", func(c *itsm.Check) {
			c.Kind, c.URL, c.Address, c.ProviderID = itsm.CheckTLS, "", "portal.example.org:443", &f.Provider.ID
		})
		warnings := func() (n int, to string) {
			for _, j := range storetest.OutboxOf(db).Jobs() {
				if m, ok := j.(itsm.EmailJob); ok && strings.HasPrefix(m.Subject, "[Warning] Portal certificate") {
					n, to = n+1, strings.Join(m.To, ",")
				}
			}
			return n, to
		}
		expires := monitorStart.AddDate(0, 0, 5)
		run := func(i int, warning string) {
			t.Helper()
			r := itsm.CheckResult{CheckID: c.ID, At: monitorStart.Add(time.Duration(i) * time.Minute), Up: true, Latency: 30 * time.Millisecond, Warning: warning, CertExpiresAt: &expires, Attempts: 1}
			if err := db.RecordCheckResults(storetest.System(), []itsm.CheckResult{r}); err != nil {
				t.Fatal(err)
			}
		}
		run(0, "")
		run(1, "certificate expires in 5 days (7 March 2026)")
		run(2, "certificate expires in 5 days (7 March 2026)")
		n, to := warnings()
		if n != 1 || !strings.Contains(to, f.ProviderAgent.Email) || !strings.Contains(to, f.Manager.Email) {
			t.Fatalf("%d warning e-mails to %s", n, to)
		}
		if got, _ := db.FindCheckByID(storetest.System(), c.ID); got.Status != itsm.CheckWarning || got.CertExpiresAt == nil || !got.CertExpiresAt.Equal(expires) {
			t.Fatalf("state: %s %v", got.Status, got.CertExpiresAt)
		}
		// Renewed, then expiring again: a new warning.
		run(3, "")
		run(4, "certificate expires in 4 days (6 March 2026)")
		if n, _ := warnings(); n != 2 {
			t.Fatalf("%d warning e-mails after a second warning", n)
		}
	})
}
