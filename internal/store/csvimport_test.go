package store_test

import (
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func mustParseCSV(t *testing.T, kind itsm.CSVKind, file string) []itsm.CSVRow {
	t.Helper()
	rows, rep, err := itsm.ParseCSV(kind, strings.NewReader(file))
	if err != nil || len(rep.Errors) > 0 {
		t.Fatalf("parse: %v %+v", err, rep)
	}
	return rows
}

func tableRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCSVImport(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		users := tableRows(t, db, "users")

		// One bad line: the report names it, and nothing is written,
		// not even the good lines.
		file := "email,name,organisation,role\n" +
			"new.buyer@alpha.test,New Buyer,Alpha Council,customer_user\n" +
			"not-an-email,Someone,Alpha Council,customer_user\n" +
			"x@alpha.test,Someone Else,Nowhere Council,customer_user\n" +
			"y@alpha.test,Wrong Role,Alpha Council,agent\n"
		rep, err := db.ImportCSV(storetest.As(f.Admin), itsm.CSVUsers, mustParseCSV(t, itsm.CSVUsers, file), false)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{3: "email", 4: "organisation", 5: "role"}
		if rep.Applied || len(rep.Errors) != 3 {
			t.Fatalf("report %+v", rep)
		}
		for _, e := range rep.Errors {
			if want[e.Line] != e.Column || !strings.HasSuffix(e.Message, ".") {
				t.Fatalf("line error %+v, want column %q", e, want[e.Line])
			}
		}
		if n := tableRows(t, db, "users"); n != users {
			t.Fatalf("a failed import wrote %d users", n-users)
		}

		// A dry run of a good file reports and writes nothing; the real run
		// writes it all and is audited.
		good := "email,name,organisation,role,status\nnew.buyer@alpha.test,New Buyer,Alpha Council,customer_user,active\n" +
			f.CustomerUserA.Email + ",Renamed Person,Alpha Council,customer_admin,\n"
		rep, err = db.ImportCSV(storetest.As(f.CustomerAdminA), itsm.CSVUsers, mustParseCSV(t, itsm.CSVUsers, good), true)
		if err != nil || rep.Applied || rep.Created != 1 || rep.Updated != 1 || len(rep.Errors) != 0 {
			t.Fatalf("dry run %+v %v", rep, err)
		}
		if n := tableRows(t, db, "users"); n != users {
			t.Fatal("a dry run wrote")
		}
		rep, err = db.ImportCSV(storetest.As(f.CustomerAdminA), itsm.CSVUsers, mustParseCSV(t, itsm.CSVUsers, good), false)
		if err != nil || !rep.Applied || rep.Created != 1 || rep.Updated != 1 {
			t.Fatalf("import %+v %v", rep, err)
		}
		u, err := db.FindUserByID(storetest.System(), f.CustomerUserA.ID)
		if err != nil || u.Name != "Renamed Person" || u.Role != itsm.RoleCustomerAdmin {
			t.Fatalf("updated user %+v %v", u, err)
		}
		// Imported people cannot sign in until someone sets a password.
		if _, _, _, err := db.SignIn(storetest.Ctx(itsm.Anonymous("192.0.2.9")), "new.buyer@alpha.test", importedPasswordGuess); err == nil {
			t.Fatal("an imported person signed in")
		}
		// A customer admin cannot import people into another customer.
		rep, _ = db.ImportCSV(storetest.As(f.CustomerAdminA), itsm.CSVUsers, mustParseCSV(t, itsm.CSVUsers, "email,name,organisation,role\nz@beta.test,Z,Beta Health Board,customer_user\n"), false)
		if rep.Applied || len(rep.Errors) != 1 || rep.Errors[0].Column != "organisation" {
			t.Fatalf("cross-customer import %+v", rep)
		}
		if _, err := db.ImportCSV(storetest.As(f.CustomerUserA), itsm.CSVUsers, nil, true); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer user imported: %v", err)
		}
		if _, err := db.ImportCSV(storetest.As(f.CustomerAdminA), itsm.CSVOrganisations, nil, true); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer admin imported organisations: %v", err)
		}

		// Organisations and the register round-trip through export.
		rep, err = db.ImportCSV(storetest.As(f.Manager), itsm.CSVOrganisations, mustParseCSV(t, itsm.CSVOrganisations, "name,kind,time_zone,active\nGamma University,customer,Europe/London,yes\nAlpha Council,customer,,no\n"), false)
		if err != nil || !rep.Applied || rep.Created != 1 || rep.Updated != 1 {
			t.Fatalf("organisations %+v %v", rep, err)
		}
		reg := "organisation,name,system,direction,format,transport,environments,contacts,status\n" +
			"Alpha Council,Invoices,Oracle Fusion,Inbound invoices,PEPPOL BIS 3,SFTP,Production; Test,Ann Finance <ann@alpha.test> (lead),live\n" +
			"Alpha Council,Orders,SAP,outbound_orders,'=cmd,api,,,\n"
		rep, err = db.ImportCSV(storetest.As(f.CustomerAdminA), itsm.CSVIntegrations, mustParseCSV(t, itsm.CSVIntegrations, reg), false)
		if err != nil || rep.Applied || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 || rep.Errors[0].Column != "format" {
			t.Fatalf("register import %+v %v", rep, err)
		}
		reg = strings.Replace(reg, "'=cmd", "cXML", 1)
		rep, err = db.ImportCSV(storetest.As(f.CustomerAdminA), itsm.CSVIntegrations, mustParseCSV(t, itsm.CSVIntegrations, reg), false)
		if err != nil || !rep.Applied || rep.Created != 2 {
			t.Fatalf("register import %+v %v", rep, err)
		}
		rows, err := db.ExportCSV(storetest.As(f.CustomerAdminA), itsm.CSVIntegrations)
		if err != nil || len(rows) != 3 || rows[1][5] != "inbound_invoices" || rows[1][9] != "test; production" || rows[1][11] != "Ann Finance <ann@alpha.test> (lead)" {
			t.Fatalf("export %q %v", rows, err)
		}
		// Importing the export changes nothing.
		var b strings.Builder
		for _, r := range rows {
			for i, c := range r {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(`"` + strings.ReplaceAll(c, `"`, `""`) + `"`)
			}
			b.WriteString("\n")
		}
		rep, err = db.ImportCSV(storetest.As(f.CustomerAdminA), itsm.CSVIntegrations, mustParseCSV(t, itsm.CSVIntegrations, b.String()), false)
		if err != nil || rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
			t.Fatalf("re-import %+v %v", rep, err)
		}
	})
}

// importedPasswordGuess is what someone might try against an imported
// account's placeholder hash.
const importedPasswordGuess = "!imported: no password set"
