package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/importer"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

const importHeader = "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,resolved_by,resolved_at,closed_at\n"

// importRow writes one export row, opened 2 March 2026 08:00, with the
// columns a test cares about.
func importRow(number, state string, mod int, updated, priority string) string {
	return importRowOpened(number, "2/3/2026 08:00", state, mod, updated, priority)
}

func importRowOpened(number, opened, state string, mod int, updated, priority string) string {
	return number + "," + state + ",true,0,0," + strconv.Itoa(mod) + ",true,Caller 1,Opened by 1," + opened + ",?,?,Updated by 7," + updated +
		",Phone,Location 1,Category 1,Subcategory 2,Symptom 3,?,2 - Medium,2 - Medium," + priority + ",Group 9,?,false,false,Do Not Notify,?,?,?,?,?,?,?,?\n"
}

func mustParse(t testing.TB, csv string) []itsm.ImportedTicket {
	t.Helper()
	res, err := importer.ParseServiceNow(strings.NewReader(csv), int64(len(csv)), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Summary.BadRows) > 0 {
		t.Fatalf("bad rows: %+v", res.Summary.BadRows)
	}
	return res.Tickets
}

func countRows(t testing.TB, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	q := query
	if db.Engine() == store.Postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	if err := db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestImportTicketsIsIdempotent imports the same export twice: the second
// import changes nothing at all. Then a changed row updates its ticket only.
func TestImportTicketsIsIdempotent(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mustAgreement(t, db, f) // office hours from 1 January 2026
		csv := importHeader +
			importRow("INC0000001", "New", 0, "2/3/2026 08:00", "3 - Moderate") +
			importRow("INC0000002", "New", 0, "2/3/2026 08:00", "2 - High") +
			importRow("INC0000001", "Active", 1, "2/3/2026 08:30", "3 - Moderate") +
			importRow("INC0000002", "Resolved", 1, "2/3/2026 08:45", "2 - High") +
			importRow("INC0000001", "Awaiting User Info", 2, "2/3/2026 08:40", "3 - Moderate")
		tickets := mustParse(t, csv)
		ctx := storetest.System()
		res, err := db.ImportTickets(ctx, f.CustomerA.ID, tickets)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 2 || res.Updated != 0 || res.Unchanged != 0 || len(res.Skipped) != 0 || res.WithoutAgreement != 0 {
			t.Fatalf("first import: %+v", res)
		}
		tk, err := db.FindTicketByRef(ctx, "INC-000001")
		if err != nil {
			t.Fatal(err)
		}
		if tk.ExternalRef != "servicenow:INC0000001" || tk.Status != itsm.StatusPendingCustomer || tk.OrgID != f.CustomerA.ID || tk.AgreementID == nil || tk.Requester != "Caller 1" || tk.Service != "Group 9" {
			t.Fatalf("imported ticket: %+v", tk)
		}
		// Opened 08:00 GMT before the 09:00 opening; the first move out of
		// New at 08:30 is the first response, on time.
		if tk.ResponseMetAt == nil || !tk.ResponseMetAt.Equal(time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)) || tk.ResponseBreached {
			t.Fatalf("response: met %v breached %v", tk.ResponseMetAt, tk.ResponseBreached)
		}
		evs, err := db.TicketEvents(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range evs {
			kinds = append(kinds, e.Type+":"+string(e.Status)+e.By)
		}
		if got := strings.Join(kinds, " "); got != "created:newcustomer public_reply:staff status:in progress status:pending customer" {
			t.Fatalf("history: %s", got)
		}
		audits := countRows(t, db, `SELECT COUNT(*) FROM audit_log`)
		events := countRows(t, db, `SELECT COUNT(*) FROM ticket_events`)
		creates := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND object_type = 'ticket' AND org_id = ?`, f.CustomerA.ID)
		if creates != 2 {
			t.Fatalf("%d create audit entries, want 2", creates)
		}

		// Again: nothing changes, not even a version.
		res, err = db.ImportTickets(ctx, f.CustomerA.ID, mustParse(t, csv))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 0 || res.Updated != 0 || res.Unchanged != 2 {
			t.Fatalf("second import: %+v", res)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log`); n != audits {
			t.Fatalf("second import wrote %d audit entries", n-audits)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM ticket_events`); n != events {
			t.Fatalf("second import wrote %d events", n-events)
		}
		again, _ := db.FindTicketByRef(ctx, "INC-000001")
		if again.Version != tk.Version || !again.UpdatedAt.Equal(tk.UpdatedAt) {
			t.Fatalf("unchanged ticket changed: version %d→%d", tk.Version, again.Version)
		}

		// A staff note added in Steward survives a re-import that changes
		// the ticket; only the imported history is replaced.
		if _, err := db.AddComment(storetest.As(f.Agent), tk.ID, itsm.Comment{Body: "Checked with the customer.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		audits = countRows(t, db, `SELECT COUNT(*) FROM audit_log`)
		changed := csv + importRow("INC0000001", "Resolved", 3, "2/3/2026 09:30", "2 - High")
		res, err = db.ImportTickets(ctx, f.CustomerA.ID, mustParse(t, changed))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 0 || res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("changed import: %+v", res)
		}
		upd, _ := db.FindTicketByRef(ctx, "INC-000001")
		if upd.Status != itsm.StatusResolved || upd.Priority != "P2" || upd.Version != tk.Version+1 || upd.ResolvedAt == nil {
			t.Fatalf("updated ticket: %+v", upd)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'update' AND object_type = 'ticket' AND object_id = ?`, strconv.FormatInt(tk.ID, 10)); n != 1 {
			t.Fatalf("%d update audit entries, want 1", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log`); n != audits+1 {
			t.Fatalf("changed import wrote %d audit entries, want 1", n-audits)
		}
		evs, _ = db.TicketEvents(ctx, tk.ID)
		kinds = kinds[:0]
		for _, e := range evs {
			kinds = append(kinds, e.Type+":"+string(e.Status)+e.Priority)
		}
		if got := strings.Join(kinds, " "); got != "created:newP3 public_reply: status:in progress status:pending customer internal_note: priority:P2 status:resolved" {
			t.Fatalf("history after update: %s", got)
		}
		if problems, err := db.VerifyAuditChain(context.Background(), nil); err != nil || len(problems) > 0 {
			t.Fatalf("audit chain: %v %v", problems, err)
		}
	})
}

// TestImportTicketsRules covers who may import, where to, and what is
// skipped rather than imported.
func TestImportTicketsRules(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		tickets := mustParse(t, importHeader+importRow("INC0000001", "New", 0, "2/3/2026 08:00", "3 - Moderate"))
		for _, u := range []*itsm.User{f.CustomerAdminA, f.ProviderAgent, f.Auditor} {
			if _, err := db.ImportTickets(storetest.As(u), f.CustomerA.ID, tickets); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
				t.Fatalf("%s imported: %v", u.Role, err)
			}
		}
		if _, err := db.ImportTickets(storetest.As(f.Agent), f.Provider.ID, tickets); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("import into a provider: %v", err)
		}
		res, err := db.ImportTickets(storetest.As(f.Agent), f.CustomerA.ID, tickets)
		if err != nil || res.Created != 1 || res.WithoutAgreement != 1 {
			t.Fatalf("agent import: %+v %v", res, err)
		}
		tk, _ := db.FindTicketByRef(storetest.System(), "INC-000001")
		if tk.AgreementID != nil || tk.ResponseDue != nil {
			t.Fatalf("no agreement was in force, yet: %+v", tk)
		}
		// The same incident for another customer is not moved across.
		res, err = db.ImportTickets(storetest.As(f.Agent), f.CustomerB.ID, tickets)
		if err != nil || res.Created != 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "another organisation as INC-000001") {
			t.Fatalf("cross-organisation import: %+v %v", res, err)
		}
		// Invalid, future and repeated tickets are skipped and said why.
		bad := tickets[0]
		bad.ExternalRef, bad.Priority = "servicenow:X1", "P9"
		future := tickets[0]
		future.ExternalRef = "servicenow:X2"
		future.CreatedAt = future.CreatedAt.AddDate(1, 0, 0)
		future.Events = append([]itsm.ImportedEvent(nil), future.Events...)
		future.Events[0].At = future.CreatedAt
		res, err = db.ImportTickets(storetest.As(f.Agent), f.CustomerA.ID, []itsm.ImportedTicket{bad, future, tickets[0], tickets[0]})
		if err != nil || res.Unchanged != 1 || len(res.Skipped) != 3 {
			t.Fatalf("skips: %+v %v", res, err)
		}
	})
}

// TestImportPicksAgreementInForceAtCreation: each ticket gets the agreement
// in force when it was opened, the customer's own before the general one,
// the same choice CreateTicket makes for a ticket opened now.
func TestImportPicksAgreementInForceAtCreation(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		agree := func(name string, customer *int64, from time.Time) int64 {
			ag := &itsm.ServiceAgreement{Name: name, ProviderID: f.Provider.ID, CustomerID: customer, EffectiveFrom: from,
				Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
			if err := db.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
				t.Fatal(err)
			}
			return ag.ID
		}
		general := agree("General 2016", nil, time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC))
		alpha := agree("Alpha from March 2016", &f.CustomerA.ID, time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC))
		agree("Beta from 2016", &f.CustomerB.ID, time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC))
		// A newer general agreement does not displace the customer's own.
		agree("General June 2016", nil, time.Date(2016, 6, 1, 0, 0, 0, 0, time.UTC))
		rowAt := func(n, at string) string { return importRowOpened(n, at, "New", 0, at, "3 - Moderate") }
		csv := importHeader + rowAt("INC1", "1/3/2016 08:00") + rowAt("INC2", "29/2/2016 23:59") + rowAt("INC3", "1/7/2016 10:00") + rowAt("INC4", "31/12/2015 10:00")
		ctx := storetest.System()
		res, err := db.ImportTickets(ctx, f.CustomerA.ID, mustParse(t, csv))
		if err != nil || res.Created != 4 || res.WithoutAgreement != 1 {
			t.Fatalf("import: %+v %v", res, err)
		}
		want := map[string]*int64{"servicenow:INC1": &alpha, "servicenow:INC2": &general, "servicenow:INC3": &alpha, "servicenow:INC4": nil}
		tickets, _, err := db.FindTickets(ctx, itsm.TicketFilter{OrgID: &f.CustomerA.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tickets {
			w := want[tk.ExternalRef]
			if (w == nil) != (tk.AgreementID == nil) || (w != nil && *w != *tk.AgreementID) {
				t.Errorf("%s (opened %s) has agreement %v, want %v", tk.ExternalRef, tk.CreatedAt, tk.AgreementID, w)
			}
		}
		// Now, CreateTicket chooses as AgreementInForce does: Alpha's own;
		// for a customer without one, the latest general agreement.
		all, _ := db.FindAgreements(ctx)
		for _, org := range []*itsm.Organisation{f.CustomerA, f.CustomerB} {
			tk, err := db.CreateTicket(storetest.As(f.Agent), itsm.NewTicket{OrgID: org.ID, Title: "Now", Description: "Opened now."})
			if err != nil {
				t.Fatal(err)
			}
			in := itsm.AgreementInForce(all, org.ID, tk.CreatedAt)
			if tk.AgreementID == nil || in == nil || *tk.AgreementID != in.ID {
				t.Errorf("%s: CreateTicket chose %v, AgreementInForce %v", org.Name, tk.AgreementID, in)
			}
		}
	})
}

// slaCache reads the stored SLA columns of every ticket, by id.
func slaCache(t *testing.T, db *store.DB) map[int64]string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT id, response_due, response_met_at, resolution_due, next_due, next_alert_at, response_breached, resolution_breached FROM tickets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var a, b, c, d, e sql.NullInt64
		var f, g bool
		if err := rows.Scan(&id, &a, &b, &c, &d, &e, &f, &g); err != nil {
			t.Fatal(err)
		}
		out[id] = fmt.Sprint(a, b, c, d, e, f, g)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportedSLAMatchesRecompute: the SLA cache an import stores for a new
// ticket (evaluated in memory) is what the service desk's own recompute
// derives from the stored history, for closed and open tickets alike.
func TestImportedSLAMatchesRecompute(t *testing.T) {
	dir := dataDir(t)
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		ag := &itsm.ServiceAgreement{Name: "Since 2015", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
			Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
		if err := db.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
			t.Fatal(err)
		}
		res, err := importer.ParseServiceNowFile(filepath.Join(dir, "incident_event_log_sample.csv"), importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Open tickets on the frozen clock (Monday 2 March 2026, 09:00).
		open := mustParse(t, importHeader+
			importRow("OPEN1", "New", 0, "2/3/2026 08:00", "1 - Critical")+
			importRow("OPEN2", "Active", 0, "27/2/2026 08:00", "3 - Moderate")+
			importRow("OPEN3", "New", 0, "2/3/2026 08:00", "4 - Low")+
			importRow("OPEN3", "Awaiting User Info", 1, "2/3/2026 08:30", "2 - High"))
		ctx := storetest.System()
		if _, err := importer.Load(ctx, db, f.CustomerA.ID, append(res.Tickets, open...), 0, nil); err != nil {
			t.Fatal(err)
		}
		stored := slaCache(t, db)
		if len(stored) != 893 {
			t.Fatalf("%d tickets", len(stored))
		}
		agent := storetest.As(f.Agent)
		checked := 0
		for id := range stored {
			if id%7 != 0 && id < 890 {
				continue
			}
			tk, err := db.FindTicketByID(agent, id)
			if err != nil {
				t.Fatal(err)
			}
			if tk.AgreementID == nil || *tk.AgreementID != ag.ID {
				t.Fatalf("%s has agreement %v", tk.Ref, tk.AgreementID)
			}
			// A change of nothing makes the store recompute the clocks.
			if _, err := db.UpdateTicket(agent, id, itsm.TicketUpdate{Version: tk.Version}); err != nil {
				t.Fatalf("%s: %v", tk.Ref, err)
			}
			checked++
		}
		again := slaCache(t, db)
		for id, want := range again {
			if stored[id] != want {
				t.Errorf("ticket %d: imported SLA %s, recomputed %s", id, stored[id], want)
			}
		}
		// OPEN1 (P1, 30m response) was created before opening time and has
		// no reply: due 09:30, not yet breached.
		tk, _ := db.FindTicketByRef(ctx, "INC-000891")
		if tk.ExternalRef != "servicenow:OPEN1" || tk.ResponseDue == nil || !tk.ResponseDue.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) || tk.ResponseBreached {
			t.Fatalf("OPEN1: %+v", tk)
		}
		t.Logf("%d tickets recomputed", checked)
	})
}

// dataDir finds the shared real data: $STEWARD_TEST_DATA, or shared/data
// beside the repository.
func dataDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("STEWARD_TEST_DATA")
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(filepath.Dir(d), "shared", "data")
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "incident_event_log.zip")); err != nil {
		tb.Skipf("real-data test skipped: no incident_event_log.zip in %q (set STEWARD_TEST_DATA to the shared data directory)", dir)
	}
	return dir
}

// TestImportServiceNowSample imports the spreadsheet-saved sample: 890
// incidents; a second import changes nothing.
func TestImportServiceNowSample(t *testing.T) {
	dir := dataDir(t)
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mustAgreement(t, db, f)
		res, err := importer.ParseServiceNowFile(filepath.Join(dir, "incident_event_log_sample.csv"), importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := storetest.System()
		got, err := importer.Load(ctx, db, f.CustomerA.ID, res.Tickets, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Created != 890 || got.Updated != 0 || len(got.Skipped) != 0 {
			t.Fatalf("first import: created %d updated %d skipped %v", got.Created, got.Updated, got.Skipped)
		}
		audits := countRows(t, db, `SELECT COUNT(*) FROM audit_log`)
		events := countRows(t, db, `SELECT COUNT(*) FROM ticket_events`)
		got, err = importer.Load(ctx, db, f.CustomerA.ID, res.Tickets, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Created != 0 || got.Updated != 0 || got.Unchanged != 890 {
			t.Fatalf("second import: %+v", got)
		}
		if countRows(t, db, `SELECT COUNT(*) FROM audit_log`) != audits || countRows(t, db, `SELECT COUNT(*) FROM ticket_events`) != events {
			t.Fatal("the second import wrote audit entries or events")
		}
		tk, err := db.FindTicketByRef(ctx, "INC-000001")
		if err != nil || tk.ExternalRef != "servicenow:INC0000045" || tk.Status != itsm.StatusClosed || tk.Priority != "P3" {
			t.Fatalf("INC0000045: %+v %v", tk, err)
		}
	})
}

// BenchmarkImportServiceNow parses and imports the whole real export (about
// 120,000 events, 20,769 incidents) into an empty SQLite database with an
// agreement in force, so every ticket's SLA clocks are computed.
func BenchmarkImportServiceNow(b *testing.B) {
	dir := dataDir(b)
	for _, e := range storetest.Engines(b) {
		b.Run(string(e), func(b *testing.B) { benchmarkImportServiceNow(b, dir, e) })
	}
}

func benchmarkImportServiceNow(b *testing.B, dir string, e store.Engine) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.MustOpen(b, e)
		f := storetest.MustSeed(b, db)
		ag := &itsm.ServiceAgreement{Name: "Help desk agreement", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
			Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
		if err := db.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := importer.ParseServiceNowFile(filepath.Join(dir, "incident_event_log.zip"), importer.Options{})
		if err != nil {
			b.Fatal(err)
		}
		got, err := importer.Load(storetest.System(), db, f.CustomerA.ID, res.Tickets, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		if got.Created != 20769 {
			b.Fatalf("created %d", got.Created)
		}
	}
}
