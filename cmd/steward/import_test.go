package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

const importTestHeader = "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,resolved_by,resolved_at,closed_at\n"

func importTestRow(number, state, mod, updated string) string {
	return number + "," + state + ",true,0,0," + mod + ",true,Caller 1,Opened by 1,1/3/2016 09:00,?,?,Updated by 7," + updated +
		",Phone,?,Category 1,?,?,?,2 - Medium,2 - Medium,3 - Moderate,Group 9,?,false,false,?,?,?,?,?,?,?,?,?\n"
}

// TestImportCommand runs `steward import servicenow` in process: choosing
// the organisation, the summary with bad rows and unknown values, a second
// run that changes nothing, and the agreement check.
func TestImportCommand(t *testing.T) {
	dsn := storetest.MustDSN(t, store.SQLite)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Enqueue = storetest.DiscardJobs
	file := filepath.Join(t.TempDir(), "export.csv")
	csv := importTestHeader +
		importTestRow("INC1", "New", "0", "1/3/2016 09:00") +
		importTestRow("INC2", "New", "0", "01-03-2016 09:05") +
		importTestRow("INC1", "-100", "1", "1/3/2016 09:10") +
		importTestRow("INC1", "Active", "2", "1/3/2016 25:10") +
		importTestRow("INC1", "Resolved", "3", "1/3/2016 10:00")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	// No customer yet: a fatal error that says what to do.
	code, _, errOut := runCLI(t, "import", "servicenow", "--db", dsn, file)
	if code != 1 || !strings.Contains(errOut, "steward org add --kind customer") {
		t.Fatalf("no customer: exit %d\n%s", code, errOut)
	}
	f := storetest.MustSeed(t, db) // two customers
	code, _, errOut = runCLI(t, "import", "servicenow", "--db", dsn, file)
	if code != 1 || !strings.Contains(errOut, "There are 2 customer organisations") || !strings.Contains(errOut, "(Beta Health Board)") {
		t.Fatalf("two customers: exit %d\n%s", code, errOut)
	}
	if code, _, errOut = runCLI(t, "import", "servicenow", "--db", dsn, "--org", "Gamma", file); code != 1 || !strings.Contains(errOut, `no customer organisation named "Gamma"`) {
		t.Fatalf("unknown org: exit %d\n%s", code, errOut)
	}
	if code, _, errOut = runCLI(t, "import", "servicenow", "--db", dsn, "--org", strconv.FormatInt(f.Provider.ID, 10), file); code != 1 || !strings.Contains(errOut, "is a provider organisation") {
		t.Fatalf("provider: exit %d\n%s", code, errOut)
	}
	if code, _, errOut = runCLI(t, "import", "servicenow", "--db", dsn, "--tz", "Mars/Olympus", file); code != 1 || !strings.Contains(errOut, "not an IANA time zone") {
		t.Fatalf("bad zone: exit %d\n%s", code, errOut)
	}
	if code, _, _ = runCLI(t, "import", "servicenow", "--db", dsn); code != 2 {
		t.Fatalf("no file: exit %d", code)
	}
	// There is no agreement, so the check refuses and writes nothing.
	code, _, errOut = runCLI(t, "import", "servicenow", "--db", dsn, "--org", "alpha council", "--agreement-check", file)
	if code != 1 || !strings.Contains(errOut, "No service agreement was in force for Alpha Council when 2 of the 2 incidents were opened (the earliest, INC1, on 1 March 2016 09:00)") {
		t.Fatalf("agreement check: exit %d\n%s", code, errOut)
	}
	if _, total, _ := db.FindTickets(storetest.System(), itsm.TicketFilter{}); total != 0 {
		t.Fatalf("the refused import wrote %d tickets", total)
	}

	// The file may come before the flags. Bad rows are reported, not fatal.
	code, out, errOut := runCLI(t, "import", "servicenow", file, "--db", dsn, "--org", "Alpha Council")
	if code != 0 || errOut != "" {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"Read 5 rows (", ": 2 incidents.\n",
		"Imported into Alpha Council (organisation " + strconv.FormatInt(f.CustomerA.ID, 10) + "):",
		"  created    2\n  updated    0\n  unchanged  0\n  skipped    0\n",
		"  No SLA clocks for 2 tickets: no service agreement was in force when they were opened.\n",
		`  incident_state "-100": 1 row (line 4) — ignored: the incident keeps its previous state`,
		"Bad rows, not imported: 1\n  Line 5 has sys_updated_at \"1/3/2016 25:10\", which is not a real date and time.\n",
		"  - First response: ServiceNow's log has no replies",
		"Elapsed: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	tk, err := db.FindTicketByRef(storetest.System(), "INC-000001")
	if err != nil || tk.ExternalRef != "servicenow:INC1" || tk.Status != itsm.StatusResolved || tk.OrgID != f.CustomerA.ID {
		t.Fatalf("imported: %+v %v", tk, err)
	}
	entries, _, _ := db.FindAuditEntries(storetest.System(), itsm.AuditFilter{Limit: 1})
	if entries[0].ActorName != "steward CLI" || entries[0].Action != itsm.AuditCreate {
		t.Fatalf("audit: %+v", entries[0])
	}

	// Again: nothing changes.
	code, out, _ = runCLI(t, "import", "servicenow", "--db", dsn, "--org", strconv.FormatInt(f.CustomerA.ID, 10), file)
	if code != 0 || !strings.Contains(out, "  created    0\n  updated    0\n  unchanged  2\n") {
		t.Fatalf("second import: exit %d\n%s", code, out)
	}

	// With an agreement in force the check passes.
	ag := &itsm.ServiceAgreement{Name: "Since 2015", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
		Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
	if err := db.CreateAgreement(storetest.System(), ag); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "import", "servicenow", "--db", dsn, "--org", "Beta Health Board", "--agreement-check", file)
	if code != 0 || strings.Contains(out, "No SLA clocks") || !strings.Contains(out, "  skipped    2\n") || !strings.Contains(out, "imported for another organisation as INC-000001") {
		t.Fatalf("checked import into another organisation: exit %d\n%s%s", code, out, errOut)
	}

	// A file with a header and nothing else is fatal.
	empty := filepath.Join(t.TempDir(), "empty.csv")
	os.WriteFile(empty, []byte(importTestHeader), 0o600)
	if code, _, errOut = runCLI(t, "import", "servicenow", "--db", dsn, "--org", "Alpha Council", empty); code != 1 || !strings.Contains(errOut, "no rows") {
		t.Fatalf("empty file: exit %d\n%s", code, errOut)
	}
}
