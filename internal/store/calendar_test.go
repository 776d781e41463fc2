package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// windowRow is a change request row inserted straight into the table, so
// that the calendar's tests do not depend on the change lifecycle.
type windowRow struct {
	org        int64
	provider   int64 // 0: none
	ref        string
	service    string
	state      string
	start, end time.Time
}

var windowRowNumber int

// mustChange inserts c and returns its ID. Every value is the test's own,
// so they are written into the statement, which runs on both engines.
func mustWindowRow(t testing.TB, db *store.DB, c windowRow) int64 {
	t.Helper()
	windowRowNumber++
	provider := "NULL"
	if c.provider != 0 {
		provider = fmt.Sprint(c.provider)
	}
	q := fmt.Sprintf(`INSERT INTO change_requests (number, ref, kind, organisation_id, provider_id, title, description, service, state,
		window_start, window_end, target_release, created_at, updated_at, version)
		VALUES (%d, '%s', 'rfc', %d, %s, 'Change %s', 'Description', '%s', '%s', %d, %d, 'R1', 0, 0, 1) RETURNING id`,
		windowRowNumber, c.ref, c.org, provider, c.ref, c.service, c.state, c.start.UnixMicro(), c.end.UnixMicro())
	var id int64
	if err := db.SQL().QueryRow(q).Scan(&id); err != nil {
		t.Fatalf("insert change %s: %v", c.ref, err)
	}
	return id
}

func londonAt(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, itsm.ReportLocation())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFreezePeriods(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mgr := storetest.As(f.Manager)
		good := func() *itsm.FreezePeriod {
			return &itsm.FreezePeriod{Name: "Financial year end", Reason: "Accounts close.", Start: londonAt(t, "2026-03-25 00:00"), End: londonAt(t, "2026-04-15 00:00")}
		}
		// Only programme managers and administrators add freezes.
		for _, u := range []*itsm.User{f.Agent, f.Auditor, f.ProviderAgent, f.CustomerAdminA} {
			if err := db.CreateFreeze(storetest.As(u), good()); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
				t.Errorf("%s created a freeze: %v", u.Role, err)
			}
		}
		if err := db.CreateFreeze(storetest.Ctx(itsm.Anonymous("192.0.2.9")), good()); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Errorf("anonymous created a freeze: %v", err)
		}
		// Bad input is refused, naming the field, and writes nothing.
		for field, edit := range map[string]func(*itsm.FreezePeriod){
			"end":     func(fp *itsm.FreezePeriod) { fp.End = fp.Start.Add(-time.Hour) },
			"name":    func(fp *itsm.FreezePeriod) { fp.Name = " " },
			"service": func(fp *itsm.FreezePeriod) { fp.Service = strings.Repeat("s", 101) },
		} {
			fp := good()
			edit(fp)
			if err := db.CreateFreeze(mgr, fp); itsm.ErrorCode(err) != itsm.EINVALID || itsm.ErrorFields(err)[field] == "" {
				t.Errorf("bad %s: %v", field, err)
			}
		}
		long := good()
		long.End = long.Start.AddDate(1, 0, 2)
		if err := db.CreateFreeze(mgr, long); itsm.ErrorCode(err) != itsm.EINVALID || !strings.Contains(itsm.ErrorMessage(err), "year or shorter") {
			t.Errorf("a freeze over a year: %v", err)
		}
		if _, n, _ := db.FindFreezes(mgr, itsm.FreezeFilter{}); n != 0 {
			t.Fatalf("refused freezes were written: %d", n)
		}

		fye := good()
		if err := db.CreateFreeze(mgr, fye); err != nil || fye.ID == 0 || fye.Version != 1 || fye.CreatedBy != f.Manager.Name {
			t.Fatalf("create: %v %+v", err, fye)
		}
		if !fye.Start.Equal(time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC)) || !fye.End.Equal(time.Date(2026, 4, 14, 23, 0, 0, 0, time.UTC)) {
			t.Errorf("stored as %s to %s, want UTC of midnight GMT and midnight BST", fye.Start, fye.End)
		}
		payroll := &itsm.FreezePeriod{Name: "Payroll run", Service: "Payroll", Start: londonAt(t, "2026-10-24 18:00"), End: londonAt(t, "2026-10-26 06:00")}
		if err := db.CreateFreeze(storetest.As(f.Admin), payroll); err != nil {
			t.Fatal(err)
		}
		// Everyone signed in reads them, customers included.
		for _, u := range f.Users() {
			got, n, err := db.FindFreezes(storetest.As(u), itsm.FreezeFilter{})
			if err != nil || n != 2 || got[0].ID != fye.ID {
				t.Errorf("%s lists %d freezes: %v", u.Role, n, err)
			}
			if _, err := db.FindFreezeByID(storetest.As(u), payroll.ID); err != nil {
				t.Errorf("%s reads a freeze: %v", u.Role, err)
			}
		}
		if _, err := db.FindFreezeByID(mgr, 999999); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("unknown freeze: %v", err)
		}
		// Filters: a service's own and the global ones; a range; latest first.
		housing, after := "housing", londonAt(t, "2026-05-01 00:00")
		if got, n, _ := db.FindFreezes(mgr, itsm.FreezeFilter{Service: &housing}); n != 1 || got[0].ID != fye.ID {
			t.Errorf("housing freezes: %d", n)
		}
		pay := "PAYROLL"
		if _, n, _ := db.FindFreezes(mgr, itsm.FreezeFilter{Service: &pay}); n != 2 {
			t.Errorf("payroll freezes: %d", n)
		}
		if got, n, _ := db.FindFreezes(mgr, itsm.FreezeFilter{From: &after}); n != 1 || got[0].ID != payroll.ID {
			t.Errorf("freezes after May: %d", n)
		}
		if got, _, _ := db.FindFreezes(mgr, itsm.FreezeFilter{Latest: true}); got[0].ID != payroll.ID {
			t.Error("latest first")
		}
		// Changes: managers only, at the current version.
		name := "Year end"
		if _, err := db.UpdateFreeze(storetest.As(f.Auditor), fye.ID, itsm.FreezeUpdate{Name: &name, Version: 1}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Errorf("auditor changed a freeze: %v", err)
		}
		upd, err := db.UpdateFreeze(mgr, fye.ID, itsm.FreezeUpdate{Name: &name, Version: 1})
		if err != nil || upd.Name != name || upd.Version != 2 {
			t.Fatalf("update: %v %+v", err, upd)
		}
		if _, err := db.UpdateFreeze(mgr, fye.ID, itsm.FreezeUpdate{Name: &name, Version: 1}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Errorf("stale update: %v", err)
		}
		early := upd.Start.Add(-time.Hour)
		if _, err := db.UpdateFreeze(mgr, fye.ID, itsm.FreezeUpdate{End: &early, Version: 2}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Errorf("end before start: %v", err)
		}
		if err := db.DeleteFreeze(storetest.As(f.CustomerAdminA), fye.ID, 2); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Errorf("customer deleted a freeze: %v", err)
		}
		if err := db.DeleteFreeze(mgr, fye.ID, 1); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Errorf("stale delete: %v", err)
		}
		if err := db.DeleteFreeze(mgr, fye.ID, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindFreezeByID(mgr, fye.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("deleted freeze: %v", err)
		}
		// Every change is audited.
		ot := "freeze_period"
		entries, _, err := db.FindAuditEntries(storetest.As(f.Admin), itsm.AuditFilter{ObjectType: &ot})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, ","); got != "delete,update,create,create" {
			t.Errorf("audited %s", got)
		}
	})
}

func TestCalendarWindowsAndConflicts(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mgr := storetest.As(f.Manager)
		a1 := mustWindowRow(t, db, windowRow{org: f.CustomerA.ID, provider: f.Provider.ID, ref: "RFC-0101", service: "Payroll", state: "scheduled",
			start: londonAt(t, "2026-03-10 09:00"), end: londonAt(t, "2026-03-10 12:00")})
		b1 := mustWindowRow(t, db, windowRow{org: f.CustomerB.ID, ref: "RFC-0201", service: "payroll", state: "in delivery",
			start: londonAt(t, "2026-03-10 11:00"), end: londonAt(t, "2026-03-10 13:00")})
		a2 := mustWindowRow(t, db, windowRow{org: f.CustomerA.ID, ref: "RFC-0102", service: "Housing", state: "delivered",
			start: londonAt(t, "2026-03-10 10:00"), end: londonAt(t, "2026-03-10 11:00")})
		mustWindowRow(t, db, windowRow{org: f.CustomerA.ID, ref: "RFC-0103", service: "Payroll", state: "withdrawn",
			start: londonAt(t, "2026-03-10 09:00"), end: londonAt(t, "2026-03-10 12:00")})
		// A window that ends as the freeze starts: no conflict.
		a4 := mustWindowRow(t, db, windowRow{org: f.CustomerA.ID, ref: "RFC-0104", service: "Housing", state: "scheduled",
			start: londonAt(t, "2026-03-28 22:00"), end: londonAt(t, "2026-03-29 00:00")})
		fye := &itsm.FreezePeriod{Name: "Financial year end", Start: londonAt(t, "2026-03-29 00:00"), End: londonAt(t, "2026-04-15 00:00")}
		if err := db.CreateFreeze(mgr, fye); err != nil {
			t.Fatal(err)
		}
		march := itsm.CalendarFilter{From: londonAt(t, "2026-03-01 00:00"), To: londonAt(t, "2026-04-01 00:00")}
		refs := func(cal *itsm.Calendar) string {
			var out []string
			for _, w := range cal.Windows {
				out = append(out, fmt.Sprintf("%s:%d", w.Ref, len(w.Conflicts)))
			}
			return strings.Join(out, ",")
		}
		cases := []struct {
			who  *itsm.User
			want string
		}{
			{f.Manager, "RFC-0101:1,RFC-0102:0,RFC-0201:1,RFC-0104:0"},
			{f.Auditor, "RFC-0101:1,RFC-0102:0,RFC-0201:1,RFC-0104:0"},
			{f.CustomerUserA, "RFC-0101:0,RFC-0102:0,RFC-0104:0"}, // B's window is neither shown nor named
			{f.CustomerAdminB, "RFC-0201:0"},
			{f.ProviderAgent, "RFC-0101:0"},
		}
		for _, c := range cases {
			cal, err := db.CalendarFor(storetest.As(c.who), march)
			if err != nil {
				t.Fatalf("%s: %v", c.who.Role, err)
			}
			if got := refs(cal); got != c.want {
				t.Errorf("%s (%s) sees %s, want %s", c.who.Name, c.who.Role, got, c.want)
			}
			if len(cal.Freezes) != 1 {
				t.Errorf("%s sees %d freezes", c.who.Role, len(cal.Freezes))
			}
			for _, w := range cal.Windows {
				for _, cf := range w.Conflicts {
					if c.who.Role == itsm.RoleCustomerUser && strings.Contains(cf.Message, "RFC-0201") {
						t.Errorf("customer A told of B's change: %s", cf.Message)
					}
				}
			}
		}
		cal, _ := db.CalendarFor(mgr, march)
		if c := cal.Windows[0].Conflicts[0]; c.Kind != itsm.ConflictOverlap || c.ChangeID != b1 || c.Ref != "RFC-0201" ||
			c.Message != "The window overlaps RFC-0201 (Change RFC-0201) on payroll, scheduled from 11:00am on 10 March 2026 to 1:00pm on 10 March 2026." {
			t.Errorf("conflict %+v", c)
		}
		// The service filter is case-insensitive; global freezes show.
		cal, _ = db.CalendarFor(mgr, itsm.CalendarFilter{From: march.From, To: march.To, Service: "PAYROLL"})
		if got := refs(cal); got != "RFC-0101:1,RFC-0201:1" || len(cal.Freezes) != 1 {
			t.Errorf("payroll calendar %s, %d freezes", got, len(cal.Freezes))
		}

		// Checking a new window: staff learn of every clash, customers of
		// their own organisation's only.
		w := itsm.ChangeWindow{Service: "PayRoll", Start: londonAt(t, "2026-03-10 11:30")}
		w.End = w.Start.Add(14 * 24 * time.Hour)
		got, err := db.CheckWindow(mgr, w)
		if err != nil || len(got) != 2 || got[0].ChangeID != a1 || got[1].ChangeID != b1 || got[0].Kind != itsm.ConflictOverlap {
			t.Fatalf("staff check: %v %+v", err, got)
		}
		if got, _ := db.CheckWindow(storetest.As(f.CustomerUserA), w); len(got) != 1 || got[0].ChangeID != a1 {
			t.Errorf("customer check: %+v", got)
		}
		// Its own window never conflicts; the scheduling check sees all.
		w.ChangeID = a1
		if got, _ := db.ScheduleConflictsForTest(storetest.As(f.CustomerUserA), w); len(got) != 1 || got[0].ChangeID != b1 {
			t.Errorf("scheduling check: %+v", got)
		}
		// Into the freeze, in the night the clocks go forward.
		got, _ = db.CheckWindow(mgr, itsm.ChangeWindow{Service: "Payroll", Start: londonAt(t, "2026-03-28 23:00"), End: londonAt(t, "2026-03-29 03:00")})
		if len(got) != 1 || got[0].Kind != itsm.ConflictFreeze || got[0].FreezeID != fye.ID || !itsm.HasFreezeConflict(got) {
			t.Errorf("freeze check: %+v", got)
		}
		// Touching the freeze's start is not a conflict; a delivered
		// change's window is not booked.
		edge := itsm.ChangeWindow{ChangeID: 0, Service: "Housing", Start: londonAt(t, "2026-03-28 23:00"), End: londonAt(t, "2026-03-29 00:00")}
		if got, _ := db.CheckWindow(mgr, edge); len(got) != 1 || got[0].ChangeID != a4 {
			t.Errorf("edge: %+v", got)
		}
		if got, _ := db.CheckWindow(mgr, itsm.ChangeWindow{Service: "Housing", Start: londonAt(t, "2026-03-10 10:00"), End: londonAt(t, "2026-03-10 10:30")}); len(got) != 0 {
			t.Errorf("a delivered change's window conflicts (change %d): %+v", a2, got)
		}
		// No service: freezes only.
		if got, _ := db.CheckWindow(mgr, itsm.ChangeWindow{Start: londonAt(t, "2026-03-20 09:00"), End: londonAt(t, "2026-03-29 09:00")}); len(got) != 1 || got[0].Kind != itsm.ConflictFreeze {
			t.Errorf("no service: %+v", got)
		}

		// Bad input.
		for name, bad := range map[string]itsm.ChangeWindow{
			"window_end": {Service: "x", Start: londonAt(t, "2026-03-10 09:00"), End: londonAt(t, "2026-03-10 08:00")},
			"service":    {Service: strings.Repeat("s", 101), Start: londonAt(t, "2026-03-10 09:00"), End: londonAt(t, "2026-03-10 10:00")},
		} {
			if _, err := db.CheckWindow(mgr, bad); itsm.ErrorFields(err)[name] == "" {
				t.Errorf("bad %s: %v", name, err)
			}
		}
		if _, err := db.CheckWindow(mgr, itsm.ChangeWindow{Start: londonAt(t, "2026-03-10 09:00"), End: londonAt(t, "2026-03-25 09:00")}); itsm.ErrorFields(err)["window_end"] == "" {
			t.Errorf("a 15-day window: %v", err)
		}
		if _, err := db.CalendarFor(mgr, itsm.CalendarFilter{From: march.From, To: march.From.AddDate(2, 0, 0)}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Errorf("two years of calendar: %v", err)
		}
		if _, err := db.CalendarFor(storetest.Ctx(itsm.Anonymous("192.0.2.9")), march); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Errorf("anonymous calendar: %v", err)
		}
	})
}

func TestCalendarFeed(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		// The clock is 2 March 2026: the feed reaches back to December and
		// on to next March.
		mustWindowRow(t, db, windowRow{org: f.CustomerA.ID, ref: "RFC-0301", service: "Payroll", state: "scheduled",
			start: londonAt(t, "2026-04-20 09:00"), end: londonAt(t, "2026-04-20 12:00")})
		mustWindowRow(t, db, windowRow{org: f.CustomerB.ID, ref: "RFC-0302", service: "Payroll", state: "scheduled",
			start: londonAt(t, "2026-04-20 10:00"), end: londonAt(t, "2026-04-20 11:00")})
		mustWindowRow(t, db, windowRow{org: f.CustomerA.ID, ref: "RFC-0303", service: "Payroll", state: "scheduled",
			start: londonAt(t, "2027-06-01 10:00"), end: londonAt(t, "2027-06-01 11:00")}) // beyond a year
		if err := db.CreateFreeze(storetest.As(f.Manager), &itsm.FreezePeriod{Name: "Year end", Start: londonAt(t, "2026-03-25 00:00"), End: londonAt(t, "2026-04-15 00:00")}); err != nil {
			t.Fatal(err)
		}
		anon := storetest.Ctx(itsm.Anonymous("192.0.2.7"))
		custA := storetest.As(f.CustomerUserA)
		if _, err := db.CalendarFeed(custA); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("no feed yet: %v", err)
		}
		if _, err := db.CreateCalendarFeed(anon); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Errorf("anonymous feed: %v", err)
		}
		token, err := db.CreateCalendarFeed(custA)
		if err != nil || !strings.HasPrefix(token, "stwcal_") || len(token) < 40 {
			t.Fatalf("create feed: %v %q", err, token)
		}
		// Only a hash is stored.
		var stored string
		if err := db.SQL().QueryRow(fmt.Sprintf(`SELECT token_hash FROM calendar_feeds WHERE user_id = %d`, f.CustomerUserA.ID)).Scan(&stored); err != nil || strings.Contains(stored, token[7:]) {
			t.Errorf("stored %q for %q: %v", stored, token, err)
		}
		cal, owner, err := db.CalendarByFeedToken(anon, token)
		if err != nil || owner != f.CustomerUserA.Name {
			t.Fatalf("feed: %v %q", err, owner)
		}
		if len(cal.Windows) != 1 || cal.Windows[0].Ref != "RFC-0301" || len(cal.Freezes) != 1 {
			t.Errorf("customer A's feed: %+v", cal)
		}
		info, err := db.CalendarFeed(custA)
		if err != nil || info.LastUsedAt == nil {
			t.Errorf("feed info: %v %+v", err, info)
		}
		// Staff see both organisations' windows.
		staffToken, _ := db.CreateCalendarFeed(storetest.As(f.Agent))
		if cal, _, _ := db.CalendarByFeedToken(anon, staffToken); len(cal.Windows) != 2 {
			t.Errorf("staff feed has %d windows", len(cal.Windows))
		}
		// Regenerating stops the old address.
		again, err := db.CreateCalendarFeed(custA)
		if err != nil || again == token {
			t.Fatal(err)
		}
		if _, _, err := db.CalendarByFeedToken(anon, token); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("old token: %v", err)
		}
		for _, bad := range []string{"", "stwcal_", "stw_" + again[7:], again + "x", strings.Repeat("a", 200)} {
			if _, _, err := db.CalendarByFeedToken(anon, bad); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Errorf("token %q: %v", bad, err)
			}
		}
		// A disabled person's feed stops.
		disabled := itsm.UserDisabled
		u, err := db.UpdateUser(storetest.As(f.Admin), f.CustomerUserA.ID, itsm.UserUpdate{Status: &disabled, Version: f.CustomerUserA.Version})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.CalendarByFeedToken(anon, again); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("disabled person's feed: %v", err)
		}
		active := itsm.UserActive
		if _, err := db.UpdateUser(storetest.As(f.Admin), u.ID, itsm.UserUpdate{Status: &active, Version: u.Version}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.CalendarByFeedToken(anon, again); err != nil {
			t.Errorf("re-enabled person's feed: %v", err)
		}
		// Revoking.
		if err := db.RevokeCalendarFeed(custA); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.CalendarByFeedToken(anon, again); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("revoked feed: %v", err)
		}
		if err := db.RevokeCalendarFeed(custA); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("revoke twice: %v", err)
		}
		ot := "calendar_feed"
		entries, _, _ := db.FindAuditEntries(storetest.As(f.Admin), itsm.AuditFilter{ObjectType: &ot})
		if len(entries) != 4 {
			t.Errorf("%d feed audit entries, want 4 (three made, one revoked)", len(entries))
		}
	})
}
