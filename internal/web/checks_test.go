package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// newCheckFormValues is a valid form for a new HTTP check.
func newCheckFormValues(name string) url.Values {
	return url.Values{"name": {name}, "service": {"Purchasing portal"}, "component": {"Web"}, "kind": {"http"},
		"url": {"https://portal.example.org/health"}, "method": {"GET"}, "expect_status": {"200-299"}, "interval": {"60"}, "timeout": {"10"},
		"retries": {"1"}, "incident_after": {"3"}, "incident_priority": {"P2"}, "target_percent": {"99.5"}, "target_calendar": {"24x7"},
		"header_name_1": {"Authorization"}, "header_value_1": {managedCheckSecret}, "header_name_2": {"Accept"}, "header_value_2": {"application/json"},
		"verify_tls": {"true"}, "follow_redirects": {"true"}, "enabled": {"true"}}
}

func (e *env) countAllChecks() int {
	e.t.Helper()
	_, n, err := e.db.FindChecks(storetest.System(), itsm.CheckFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestCheckFormRefusesBadDefinitions: each bad definition is refused with
// the field's message beside it and in the summary, and nothing is saved.
func TestCheckFormRefusesBadDefinitions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.as(e.f.Manager)
		c.Get("/checks/new")
		for _, tc := range []struct {
			name, field, value, want string
		}{
			{"unsupported scheme", "url", "ftp://files.example.org/x", "A check can request http or https URLs, not ftp."},
			{"malformed URL", "url", "portal dot example", "Enter a whole URL, for example https://api.example.org/health."},
			{"interval under 10 s", "interval", "5", "The interval must be at least 10 seconds."},
			{"interval not a number", "interval", "soon", "Enter the interval as a whole number of seconds, like 60."},
			{"negative retries", "retries", "-1", "Retries must be between 0 and 5."},
			{"header with a newline", "header_value_2", "text/html\r\nX-Injected: 1", "The value of Accept must be on one line."},
			{"bad header name", "header_name_2", "Bad Header", "&#34;Bad Header&#34; is not a valid header name."},
			{"bad kind", "kind", "icmp", "&#34;icmp&#34; is not a kind of check: use http, tcp or tls."},
			{"bad statuses", "expect_status", "200-99", "is not a status or range of statuses"},
			{"bad pattern", "body_matches", "(unclosed", "The pattern is not a valid regular expression"},
			{"unknown provider", "provider_id", id(e.f.CustomerA.ID), "Choose a provider organisation, or none."},
		} {
			form := newCheckFormValues("Bad " + tc.name)
			form.Set(tc.field, tc.value)
			res := c.Post("/checks/new", form)
			mustStatus(t, res, http.StatusBadRequest, tc.name)
			if !strings.Contains(res.Body, tc.want) || !strings.Contains(res.Body, "There is a problem") {
				t.Errorf("%s: the page does not say %q\n%s", tc.name, tc.want, excerpt(res.Body))
			}
			// A secret typed into a new check's form is the person's own
			// input, but nothing else of it leaks: the check was not saved.
			if n := e.countAllChecks(); n != 0 {
				t.Fatalf("%s: %d checks saved", tc.name, n)
			}
		}
		// A TCP check needs host:port.
		form := newCheckFormValues("Database")
		form.Set("kind", "tcp")
		form.Set("address", "https://db.example.org")
		res := c.Post("/checks/new", form)
		mustStatus(t, res, http.StatusBadRequest, "tcp address with a scheme")
		if !strings.Contains(res.Body, "Enter host:port without a scheme") {
			t.Errorf("address: %s", excerpt(res.Body))
		}
	})
}

// TestCheckSecretsAreMasked: the secret header value never appears on the
// list, the edit form, a re-rendered edit form or the CSV export; saving
// the form with the mask keeps it; the export has every definition field.
func TestCheckSecretsAreMasked(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.as(e.f.Manager)
		c.Get("/checks/new")
		res := c.Post("/checks/new", newCheckFormValues("Portal home"))
		mustStatus(t, res, http.StatusSeeOther, "add a check")
		if res.Location() != "/checks?service=Purchasing+portal" {
			t.Fatalf("redirect to %s", res.Location())
		}
		list, _, err := db.FindChecks(storetest.System(), itsm.CheckFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("saved: %v %v", list, err)
		}
		saved := list[0]
		if saved.Headers[0].Value != managedCheckSecret || saved.Interval != time.Minute || saved.TargetPercent != 99.5 || saved.IncidentPriority != "P2" || !saved.Enabled {
			t.Fatalf("saved check: %+v", saved)
		}
		page := c.Get("/checks?service=Purchasing+portal")
		mustStatus(t, page, http.StatusOK, "list")
		if !strings.Contains(page.Body, "Portal home has been added to Purchasing portal.") || !strings.Contains(page.Body, "<caption>Purchasing portal</caption>") {
			t.Fatalf("list: %s", excerpt(page.Body))
		}
		edit := "/checks/" + id(saved.ID) + "/edit"
		for _, path := range []string{"/checks", "/checks.csv", edit, "/checks/" + id(saved.ID) + "/delete"} {
			body := c.Get(path).Body
			if strings.Contains(body, "s3cret") {
				t.Errorf("GET %s shows the secret", path)
			}
		}
		form := c.Get(edit).Body
		if !strings.Contains(form, `name="header_value_1" value="`+itsm.SecretMask+`"`) || !strings.Contains(form, `value="application/json"`) {
			t.Fatalf("edit form headers: %s", form)
		}
		csv := c.Get("/checks.csv").Body
		if !strings.HasPrefix(csv, "id,name,service,component,kind,organisation,provider,public,enabled,method,url,headers,") ||
			!strings.Contains(csv, "Authorization: ********; Accept: application/json") || !strings.Contains(csv, ",1m0s,10s,1,3,P2,99.5,24x7,") {
			t.Fatalf("export: %s", csv)
		}

		// Saving with the mask keeps the secret; a failed save shows the
		// mask again, never the value.
		upd := newCheckFormValues("Portal home page")
		upd.Set("header_value_1", itsm.SecretMask)
		upd.Set("version", id(saved.Version))
		upd.Set("interval", "5")
		res = c.Post(edit, upd)
		mustStatus(t, res, http.StatusBadRequest, "bad edit")
		if strings.Contains(res.Body, "s3cret") || !strings.Contains(res.Body, "The interval must be at least 10 seconds.") {
			t.Fatalf("re-rendered edit: %s", excerpt(res.Body))
		}
		upd.Set("interval", "30")
		mustStatus(t, c.Post(edit, upd), http.StatusSeeOther, "edit")
		got, _ := db.FindCheckByID(storetest.System(), saved.ID)
		if got.Name != "Portal home page" || got.Headers[0].Value != managedCheckSecret || got.Interval != 30*time.Second || got.Version != 2 {
			t.Fatalf("after edit: %+v", got)
		}
		// A stale version is refused with the store's sentence.
		res = c.Post(edit, upd)
		mustStatus(t, res, http.StatusConflict, "stale edit")

		// Pause and resume.
		mustStatus(t, c.Post("/checks/"+id(saved.ID)+"/pause", url.Values{"version": {"2"}, "next": {edit}}), http.StatusSeeOther, "pause")
		if got, _ = db.FindCheckByID(storetest.System(), saved.ID); got.Enabled {
			t.Fatal("still enabled after pausing")
		}
		page = c.Get("/checks")
		if !strings.Contains(page.Body, `<span class="ds_tag ds_tag--grey">Paused</span>`) {
			t.Fatalf("paused check's status: %s", excerpt(page.Body))
		}
		mustStatus(t, c.Post("/checks/"+id(saved.ID)+"/resume", url.Values{"version": {"3"}}), http.StatusSeeOther, "resume")
		if got, _ = db.FindCheckByID(storetest.System(), saved.ID); !got.Enabled || got.Headers[0].Value != managedCheckSecret {
			t.Fatalf("after resuming: %+v", got)
		}

		// Delete: the confirmation page, then the post.
		mustStatus(t, c.Get("/checks/"+id(saved.ID)+"/delete"), http.StatusOK, "confirm")
		mustStatus(t, c.Post("/checks/"+id(saved.ID)+"/delete", nil), http.StatusSeeOther, "delete")
		if n := e.countAllChecks(); n != 0 {
			t.Fatalf("%d checks after deleting", n)
		}
	})
}

// TestCheckImportPage: bad files are refused with the definition and
// field named and nothing written; a dry run writes nothing; the import
// creates and then updates.
func TestCheckImportPage(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.as(e.f.Manager)
		mustStatus(t, c.Get("/checks/import"), http.StatusOK, "form")
		upload := func(name, data, mode string) string {
			t.Helper()
			res := postMultipart(c, "/checks/import", url.Values{"mode": {mode}}, fileUpload{field: "file", name: name, data: []byte(data)})
			return res.Status + "\n" + res.Body
		}
		good := "checks:\n" +
			"  - {name: Portal home, service: Purchasing portal, kind: http, url: 'https://portal.example.org/', interval: 30s, provider: " + e.f.Provider.Name + "}\n" +
			"  - {name: Database, service: Purchasing portal, kind: tcp, address: 'db.example.org:5432', interval: 1m}\n"
		for _, tc := range []struct {
			name, file, data string
			want             []string
		}{
			{"a wrong type", "checks.yaml", "- {name: A, service: S, kind: tcp, address: 'a.example.org:1', retries: lots}\n",
				[]string{"422", "retries must be a whole number.", "nothing was saved"}},
			{"an unknown JSON field", "checks.json", `[{"name":"A","service":"S","kind":"tcp","address":"a.example.org:1","colour":"red"}]`,
				[]string{"422", "&#34;colour&#34; is not a field of a check."}},
			{"an empty file", "checks.yaml", "", []string{"400", "The file is empty"}},
			{"an interval under 10 s", "checks.yaml", "- {name: Fast, service: S, kind: tcp, address: 'a.example.org:1', interval: 5s}\n",
				[]string{"422", "The interval must be at least 10 seconds.", "Fast"}},
			{"an unsupported scheme", "checks.yaml", "- {name: Files, service: S, kind: http, url: 'ftp://files.example.org/'}\n",
				[]string{"422", "A check can request http or https URLs, not ftp."}},
			{"not YAML", "checks.yaml", "- {name: [", []string{"400", "The file is not valid YAML"}},
		} {
			got := upload(tc.file, tc.data, "import")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s: the answer does not say %q\n%s", tc.name, w, excerpt(got))
				}
			}
		}
		if n := e.countAllChecks(); n != 0 {
			t.Fatalf("refused files wrote %d checks", n)
		}
		if got := upload("checks.yaml", good, "check"); !strings.Contains(got, "importing it would add 2 and change 0 checks. Nothing was saved.") {
			t.Fatalf("dry run: %s", excerpt(got))
		}
		if n := e.countAllChecks(); n != 0 {
			t.Fatalf("the dry run wrote %d checks", n)
		}
		if got := upload("checks.yaml", good, "import"); !strings.Contains(got, "Imported: 2 checks added and 0 changed.") {
			t.Fatalf("import: %s", excerpt(got))
		}
		if got := upload("checks.yaml", good, "import"); !strings.Contains(got, "Imported: 0 checks added and 2 changed.") {
			t.Fatalf("second import: %s", excerpt(got))
		}
		list, _, _ := db.FindChecks(storetest.System(), itsm.CheckFilter{Sort: "name"})
		if len(list) != 2 || list[1].ProviderID == nil || *list[1].ProviderID != e.f.Provider.ID || list[1].Interval != 30*time.Second {
			t.Fatalf("imported: %+v", list)
		}
	})
}

// TestMaintenancePages: windows are entered in UK time; a change's window
// is listed with a link to the change; a window that has begun cannot be
// cancelled, and the page says why.
func TestMaintenancePages(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		clock := storetest.ClockOf(db)
		clock.Set(time.Date(2026, 6, 2, 16, 50, 0, 0, time.UTC))
		c := e.as(e.f.Manager)
		c.Get("/maintenance/new")
		res := c.Post("/maintenance/new", url.Values{"title": {""}, "starts_at_date": {"2026-06-02"}, "starts_at_time": {"25:00"}, "ends_at_date": {"2026-06-02"}, "ends_at_time": {"20:00"}})
		mustStatus(t, res, http.StatusBadRequest, "bad window")
		for _, want := range []string{"Enter what the maintenance is for.", "Enter the date and time the maintenance starts as a real date"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("bad window: no %q\n%s", want, excerpt(res.Body))
			}
		}
		res = c.Post("/maintenance/new", url.Values{"title": {"Patching"}, "service": {"Purchasing portal"}, "starts_at_date": {"2026-06-02"},
			"starts_at_time": {"18:00"}, "ends_at_date": {"2026-06-02"}, "ends_at_time": {"17:00"}})
		mustStatus(t, res, http.StatusBadRequest, "ends before it starts")
		if !strings.Contains(res.Body, "The maintenance must end after it starts.") {
			t.Errorf("reversed window: %s", excerpt(res.Body))
		}
		res = c.Post("/maintenance/new", url.Values{"title": {"Patching"}, "service": {"Purchasing portal"}, "starts_at_date": {"2026-06-02"},
			"starts_at_time": {"18:00"}, "ends_at_date": {"2026-06-02"}, "ends_at_time": {"20:00"}})
		mustStatus(t, res, http.StatusSeeOther, "plan")
		ws, _, err := db.FindMaintenance(storetest.System(), itsm.MaintenanceFilter{})
		if err != nil || len(ws) != 1 || !ws[0].StartsAt.Equal(time.Date(2026, 6, 2, 17, 0, 0, 0, time.UTC)) {
			t.Fatalf("planned (18:00 BST is 17:00 UTC): %+v %v", ws, err)
		}
		// A scheduled change on a service is maintenance too, read-only
		// here and linked to the change.
		ch := e.mustApprovedChange("Upgrade the catalogue")
		ch, _, err = db.ScheduleChange(storetest.As(e.f.Agent), ch.ID, itsm.ChangeSchedule{TargetRelease: "2026.6", Service: "Purchasing",
			WindowStart: time.Date(2026, 6, 3, 18, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 6, 3, 20, 0, 0, 0, time.UTC), Version: ch.Version})
		if err != nil {
			t.Fatal(err)
		}
		page := c.Get("/maintenance")
		mustStatus(t, page, http.StatusOK, "list")
		if !strings.Contains(page.Body, `<a href="/changes/`+id(ch.ID)+`">`+ch.Ref+": Upgrade the catalogue</a>") || !strings.Contains(page.Body, "Change "+ch.Ref) {
			t.Fatalf("change window: %s", excerpt(page.Body))
		}
		if !strings.Contains(page.Body, "2 Jun 2026 18:00 (BST)") || !strings.Contains(page.Body, "Cancel<span class=\"visually-hidden\"> Patching") {
			t.Fatalf("list: %s", excerpt(page.Body))
		}
		// Once begun, it stays.
		clock.Set(time.Date(2026, 6, 2, 17, 5, 0, 0, time.UTC))
		res = c.Post("/maintenance/"+id(ws[0].ID)+"/delete", url.Values{"title": {"Patching"}})
		mustStatus(t, res, http.StatusSeeOther, "cancel a begun window")
		page = c.Get(res.Location())
		if !strings.Contains(page.Body, "This maintenance has already begun, so it stays on record") || !strings.Contains(page.Body, "Under way") {
			t.Fatalf("begun: %s", excerpt(page.Body))
		}
		if _, n, _ := db.FindMaintenance(storetest.System(), itsm.MaintenanceFilter{}); n != 2 {
			t.Fatal("a begun window was cancelled")
		}
		// The export holds what the list shows; once over, a window moves
		// to the past year's list.
		csv := c.Get("/maintenance.csv")
		mustStatus(t, csv, http.StatusOK, "export")
		if !strings.HasPrefix(csv.Body, "source,title,service,starts_at,ends_at,change_ref,notes\n") || !strings.Contains(csv.Body, "planned,Patching,Purchasing portal,2026-06-02T17:00:00Z") ||
			!strings.Contains(csv.Body, ch.Ref) {
			t.Fatalf("export: %s", csv.Body)
		}
		clock.Set(time.Date(2026, 6, 2, 21, 0, 0, 0, time.UTC))
		c = e.as(e.f.Manager) // the earlier session has been idle too long
		if page = c.Get("/maintenance"); page.StatusCode != http.StatusOK || strings.Contains(page.Body, "Cancel<span") || strings.Contains(page.Body, ">Patching<") {
			t.Fatalf("an ended window is still upcoming: %s", excerpt(page.Body))
		}
		page = c.Get("/maintenance?when=past")
		mustStatus(t, page, http.StatusOK, "past year")
		if !strings.Contains(page.Body, "Maintenance windows of the past year") || !strings.Contains(page.Body, "Patching") {
			t.Fatalf("past: %s", excerpt(page.Body))
		}
		mustStatus(t, c.Get("/maintenance?when=later"), http.StatusBadRequest, "unknown period")
	})
}
