package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// TestAuditLog covers the audit pages: filters, readable changes, the
// entry page, the viewer's time zone and the scope of a customer admin.
func TestAuditLog(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		admin := e.as(f.Admin)
		org := e.mustOrg(f.CustomerA.ID)
		admin.Get("/organisations/" + id(org.ID) + "/edit")
		mustStatus(t, admin.Post("/organisations/"+id(org.ID)+"/edit", url.Values{"name": {"Alpha City Council"}, "time_zone": {"Europe/London"},
			"active": {"true"}, "version": {id(org.Version)}}), http.StatusSeeOther, "rename")

		res := admin.Get("/audit?object_type=organisation&object_id=" + id(org.ID) + "&action=update")
		mustStatus(t, res, http.StatusOK, "filtered audit log")
		text := webtest.Text(res.Body)
		if !strings.Contains(text, "Showing 1 to 1 of 1 entries") || !strings.Contains(text, "Name : Alpha Council → Alpha City Council") {
			t.Errorf("filtered log:\n%s", excerpt(res.Body))
		}
		entry := regexpFind(`href="/audit/(\d+)"`, res.Body)
		detail := admin.Get("/audit/" + entry)
		mustStatus(t, detail, http.StatusOK, "entry page")
		dt := webtest.Text(detail.Body)
		for _, want := range []string{"What changed", "Name Alpha Council Alpha City Council", "Who Ada Admin", "Action Changed", "Organisation Alpha City Council"} {
			if !strings.Contains(dt, want) {
				t.Errorf("entry page lacks %q:\n%s", want, excerpt(detail.Body))
			}
		}

		// Dates: whole days in the viewer's zone, "to" inclusive.
		if res := admin.Get("/audit?from=2026-03-03"); !strings.Contains(res.Body, "No entries found") {
			t.Errorf("entries found after the day they were made:\n%s", excerpt(res.Body))
		}
		if res := admin.Get("/audit?from=2026-03-02&to=2026-03-02&action=sign_in"); !strings.Contains(webtest.Text(res.Body), "Signed in") {
			t.Errorf("no sign-ins on the day:\n%s", excerpt(res.Body))
		}
		res = admin.Get("/audit?from=2026-02-30&actor=me")
		mustStatus(t, res, http.StatusBadRequest, "bad filters")
		if !strings.Contains(webtest.Text(res.Body), "Enter the person's user number as a number, like 12.") {
			t.Errorf("bad filter page:\n%s", excerpt(res.Body))
		}

		// The programme's time zone moves the times shown to its people.
		tz := "America/New_York"
		prog := e.mustOrg(f.Programme.ID)
		if _, err := db.UpdateOrganisation(storetest.System(), prog.ID, itsm.OrganisationUpdate{TimeZone: &tz, Version: prog.Version}); err != nil {
			t.Fatal(err)
		}
		if page := admin.Get("/audit/" + entry); !strings.Contains(page.Body, "2 Mar 2026 04:00") || !strings.Contains(page.Body, "America/New_York") {
			t.Errorf("time not shown in New York time:\n%s", excerpt(page.Body))
		}

		// A customer admin reads their own organisation's entries only.
		custA := e.as(f.CustomerAdminA)
		list := custA.Get("/audit")
		mustStatus(t, list, http.StatusOK, "customer admin's audit log")
		if strings.Contains(list.Body, "Beta") || strings.Contains(list.Body, `name="organisation"`) {
			t.Errorf("customer admin sees beyond their organisation:\n%s", excerpt(list.Body))
		}
		csvRes := custA.Get("/audit.csv")
		rows := mustCSV(t, csvRes)
		for _, r := range rows[1:] {
			if r[4] != id(f.CustomerA.ID) {
				t.Errorf("customer admin's export holds organisation %q: %v", r[4], r)
			}
		}
	})
}

// TestCSVExports checks the exports: RFC 3339 UTC times, every matching
// row, and formula-looking cells made inert.
func TestCSVExports(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, name := range []string{`=HYPERLINK("http://evil.example","x")`, "+44 council", "-minus council", "@SUM(A1)"} {
			o := &itsm.Organisation{Name: name, Kind: itsm.OrgCustomer}
			if err := db.CreateOrganisation(storetest.System(), o); err != nil {
				t.Fatal(err)
			}
		}
		evil := e.mustUser(e.f.CustomerA, itsm.RoleCustomerUser)
		rename := "=cmd|' /C calc'!A0"
		if _, err := db.UpdateUser(storetest.System(), evil.ID, itsm.UserUpdate{Name: &rename, Version: evil.Version}); err != nil {
			t.Fatal(err)
		}
		evil = e.mustUserByID(evil.ID)
		e.as(evil)

		c := e.as(e.f.Auditor)
		res := c.Get("/organisations.csv?sort=name")
		mustStatus(t, res, http.StatusOK, "organisations export")
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("export headers: %q %q", ct, res.Header.Get("Content-Disposition"))
		}
		rows := mustCSV(t, res)
		if len(rows) != 1+8 {
			t.Errorf("organisations export has %d rows, want 9", len(rows))
		}
		names := map[string]bool{}
		for _, r := range rows[1:] {
			names[r[1]] = true
			if r[5] != "2026-03-02T09:00:00Z" {
				t.Errorf("created_at %q is not RFC 3339 UTC", r[5])
			}
		}
		for _, want := range []string{`'=HYPERLINK("http://evil.example","x")`, "'+44 council", "'-minus council", "'@SUM(A1)"} {
			if !names[want] {
				t.Errorf("export lacks the guarded cell %s: %v", want, names)
			}
		}

		rows = mustCSV(t, c.Get("/users.csv?q=calc"))
		if len(rows) != 2 || rows[1][1] != "'"+rename {
			t.Errorf("users export: %v", rows)
		}
		rows = mustCSV(t, c.Get("/audit.csv?action=sign_in&actor="+id(evil.ID)))
		if len(rows) != 2 || rows[1][3] != "'"+rename || rows[1][1] != "2026-03-02T09:00:00Z" {
			t.Errorf("audit export: %v", rows)
		}
		if res := c.Get("/audit.csv?from=yesterday"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("bad export filter: status %d", res.StatusCode)
		}
	})
}

func mustCSV(t *testing.T, res *webtest.Response) [][]string {
	t.Helper()
	mustStatus(t, res, http.StatusOK, "export")
	rows, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("read CSV: %v\n%s", err, res.Body)
	}
	return rows
}
