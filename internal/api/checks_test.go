package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// checkManagementRoutes are the routes this area serves.
func checkManagementRoutes() []route {
	var out []route
	for _, rt := range (&API{}).routeTable() {
		if rt.object == "check" || rt.object == "maintenance" {
			out = append(out, rt)
		}
	}
	return out
}

// TestCheckManagementRoutesRefuse sends every check and maintenance route the
// refusals every route shares: no token (401), an auditor on a route that
// changes records (403), a body that is not JSON (415) or too large (413),
// and a record that does not exist (404). None changes anything.
func TestCheckManagementRoutesRefuse(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		c := e.MustManagedCheck(t, "Portal home", nil)
		m := e.MustPlannedWindow(t, time.Hour)
		valid := map[string]any{
			"POST /api/v1/checks":        map[string]any{"name": "X", "service": "S", "kind": "tcp", "address": "x.example.org:1"},
			"POST /api/v1/checks/import": map[string]any{"checks": []map[string]any{{"name": "X", "service": "S", "kind": "tcp", "address": "x.example.org:1"}}},
			"PUT /api/v1/checks/{id}":    map[string]any{"version": 1, "name": "X", "service": "S", "kind": "tcp", "address": "x.example.org:1"},
			"POST /api/v1/maintenance":   map[string]any{"title": "T", "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T11:00:00Z"},
		}
		count := func() int {
			_, n, _ := db.FindChecks(storetest.System(), itsm.CheckFilter{})
			_, w, _ := db.FindMaintenance(storetest.System(), itsm.MaintenanceFilter{})
			return n*1000 + w
		}
		before, beforeCounts := count(), e.MustCount(t)
		for _, rt := range checkManagementRoutes() {
			method, path, _ := strings.Cut(rt.pattern, " ")
			id := c.ID
			if strings.HasPrefix(path, "/api/v1/maintenance") {
				id = m.ID
			}
			path = strings.Replace(path, "{id}", strconv.FormatInt(id, 10), 1)
			body := valid[rt.pattern]
			e.MustDo(t, request{method: method, path: path, body: body}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
			if rt.access == changes {
				e.send(t, fx.Auditor, method, path, body).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
			}
			if method == http.MethodPost || method == http.MethodPut {
				e.MustDo(t, request{method: method, path: path, token: e.token(fx.Admin), body: `{}`, header: http.Header{"Content-Type": {"text/plain"}}}).
					MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
				e.MustDo(t, request{method: method, path: path, token: e.token(fx.Admin), body: `{"x":"` + strings.Repeat("a", maxBody) + `"}`}).
					MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)
			}
			if strings.Contains(rt.pattern, "{id}") {
				_, p404, _ := strings.Cut(strings.Replace(rt.pattern, "{id}", "999999", 1), " ")
				e.send(t, fx.Admin, method, p404, body).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			}
		}
		e.MustUnchanged(t, beforeCounts)
		if count() != before {
			t.Fatal("a refused request changed a check or a window")
		}
	})
}

// TestCheckAPI: bad definitions are refused naming the field; secrets are
// masked in every answer and kept when sent back masked; versions guard
// replacements; a duplicate name conflicts.
func TestCheckAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		mgr := e.fx.Manager
		base := func() map[string]any {
			return map[string]any{"name": "Portal home", "service": "Purchasing portal", "component": "Web", "kind": "http",
				"url": "https://portal.example.org/health", "interval_seconds": 30, "timeout_seconds": 5, "max_response_ms": 800,
				"headers":     []map[string]string{{"name": "Authorization", "value": managedCheckSecret}, {"name": "Accept", "value": "application/json"}},
				"provider_id": e.fx.Provider.ID, "incident_priority": "P2", "target_percent": 99.5}
		}
		for _, tc := range []struct {
			name, field string
			value       any
		}{
			{"unsupported scheme", "url", "ftp://files.example.org/"},
			{"malformed URL", "url", "not a url"},
			{"interval under 10 s", "interval_seconds", 5},
			{"negative retries", "retries", -1},
			{"a header with a newline", "headers", []map[string]string{{"name": "X-Test", "value": "a\r\nb"}}},
			{"an unknown field", "colour", "red"},
			{"a wrong type", "retries", "two"},
			{"a version on create", "version", 1},
		} {
			b := base()
			b[tc.field] = tc.value
			d := e.send(t, mgr, http.MethodPost, "/api/v1/checks", b).MustError(t, http.StatusBadRequest, itsm.EINVALID)
			if d.Fields[tc.field] == "" && !(tc.field == "interval_seconds" && d.Fields["interval"] != "") {
				t.Errorf("%s: fields %v do not name %s", tc.name, d.Fields, tc.field)
			}
		}
		rep := e.send(t, mgr, http.MethodPost, "/api/v1/checks", base()).MustStatus(t, http.StatusCreated)
		var c checkJSON
		rep.MustDecode(t, &c)
		if strings.Contains(string(rep.body), "s3cret") || c.Headers[0].Value != itsm.SecretMask || c.IntervalSeconds != 30 || c.MaxResponseMS != 800 ||
			!c.Enabled || !c.VerifyTLS || rep.header.Get("ETag") != `W/"1"` {
			t.Fatalf("created: %s", rep.body)
		}
		e.send(t, mgr, http.MethodPost, "/api/v1/checks", base()).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		path := idPath("/api/v1/checks", c.ID)
		if got := e.get(t, e.fx.Auditor, path).MustStatus(t, http.StatusOK); strings.Contains(string(got.body), "s3cret") {
			t.Fatalf("read: %s", got.body)
		}

		// Replace: the mask keeps the secret; If-Match may carry the
		// version; a stale one conflicts; enabled false pauses.
		b := base()
		b["headers"] = []map[string]string{{"name": "Authorization", "value": itsm.SecretMask}}
		b["enabled"] = false
		rep = e.MustDo(t, request{method: http.MethodPut, path: path, token: e.token(mgr), body: b, header: http.Header{"If-Match": {`W/"1"`}}}).MustStatus(t, http.StatusOK)
		rep.MustDecode(t, &c)
		if c.Enabled || c.Version != 2 || c.Headers[0].Value != itsm.SecretMask {
			t.Fatalf("replaced: %s", rep.body)
		}
		if got, _ := db.FindCheckByID(storetest.System(), c.ID); got.Headers[0].Value != managedCheckSecret {
			t.Fatalf("the stored secret was lost: %+v", got.Headers)
		}
		b["version"] = 1
		e.send(t, mgr, http.MethodPut, path, b).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		delete(b, "version")
		e.send(t, mgr, http.MethodPut, path, b).MustError(t, http.StatusBadRequest, itsm.EINVALID)

		// Lists filter and refuse bad filters.
		var page struct {
			Items []checkJSON
			Total int
		}
		e.get(t, mgr, "/api/v1/checks?kind=http&enabled=false&q=portal").MustStatus(t, http.StatusOK).MustDecode(t, &page)
		if page.Total != 1 || page.Items[0].ID != c.ID {
			t.Fatalf("filtered list: %+v", page)
		}
		e.get(t, mgr, "/api/v1/checks?kind=icmp").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, mgr, "/api/v1/maintenance?from=yesterday").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, mgr, http.MethodDelete, path, nil).MustStatus(t, http.StatusNoContent)
	})
}

// TestCheckImportAPI: JSON and YAML bodies; a bad definition is named by
// position and field and nothing is written; a dry run writes nothing.
func TestCheckImportAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		mgr := e.fx.Manager
		count := func() int {
			_, n, _ := db.FindChecks(storetest.System(), itsm.CheckFilter{})
			return n
		}
		good := []map[string]any{
			{"name": "Portal", "service": "Purchasing portal", "kind": "http", "url": "https://portal.example.org/", "interval": "30s", "provider": e.fx.Provider.Name},
			{"name": "Database", "service": "Purchasing portal", "kind": "tcp", "address": "db.example.org:5432", "interval_seconds": 60},
		}
		bad := append([]map[string]any{}, good[0], map[string]any{"name": "Fast", "service": "S", "kind": "tcp", "address": "a.example.org:1", "interval": "5s", "colour": "red"})
		var out checkImportAnswer
		e.send(t, mgr, http.MethodPost, "/api/v1/checks/import", map[string]any{"checks": bad}).MustStatus(t, http.StatusUnprocessableEntity).MustDecode(t, &out)
		if len(out.Errors) != 1 || out.Errors[0].Index != 2 || out.Errors[0].Name != "Fast" || out.Errors[0].Fields["colour"] == "" || count() != 0 {
			t.Fatalf("bad import: %+v", out)
		}
		bad[1] = map[string]any{"name": "Fast", "service": "S", "kind": "tcp", "address": "a.example.org:1", "interval": "5s"}
		e.send(t, mgr, http.MethodPost, "/api/v1/checks/import", map[string]any{"checks": bad}).MustStatus(t, http.StatusUnprocessableEntity).MustDecode(t, &out)
		if len(out.Errors) != 1 || out.Errors[0].Fields["interval"] != "The interval must be at least 10 seconds." || count() != 0 {
			t.Fatalf("an interval under 10 s: %+v", out)
		}
		e.send(t, mgr, http.MethodPost, "/api/v1/checks/import", map[string]any{"checks": good, "dry_run": true}).MustStatus(t, http.StatusOK).MustDecode(t, &out)
		if out.Created != 2 || !out.DryRun || count() != 0 {
			t.Fatalf("dry run: %+v, %d checks", out, count())
		}
		e.send(t, mgr, http.MethodPost, "/api/v1/checks/import", map[string]any{"checks": []any{}}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, mgr, http.MethodPost, "/api/v1/checks/import", map[string]any{"dry_run": true}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, mgr, http.MethodPost, "/api/v1/checks/import", map[string]any{"checks": good}).MustStatus(t, http.StatusOK).MustDecode(t, &out)
		if out.Created != 2 || out.DryRun || count() != 2 {
			t.Fatalf("import: %+v", out)
		}
		yamlBody := "- {name: Portal, service: Purchasing portal, kind: http, url: 'https://portal.example.org/v2'}\n"
		yaml := func(body, query string) *reply {
			return e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/checks/import" + query, token: e.token(mgr), body: body,
				header: http.Header{"Content-Type": {"application/yaml"}}})
		}
		yaml(yamlBody, "?dry_run=true").MustStatus(t, http.StatusOK).MustDecode(t, &out)
		if out.Updated != 1 || !out.DryRun {
			t.Fatalf("YAML dry run: %+v", out)
		}
		yaml("- {name: Portal, retries: lots}\n", "").MustStatus(t, http.StatusUnprocessableEntity)
		yaml("", "").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		yaml("- {name: [", "").MustError(t, http.StatusBadRequest, itsm.EINVALID)
	})
}

// TestMaintenanceAPI: windows are planned and listed with the change
// windows; one that has begun cannot be cancelled.
func TestMaintenanceAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		mgr := e.fx.Manager
		clock := storetest.ClockOf(db)
		now := clock.Now()
		body := map[string]any{"title": "Database upgrade", "service": "Purchasing portal", "notes": "Read-only for an hour.",
			"starts_at": now.Add(time.Hour).Format(time.RFC3339), "ends_at": now.Add(2 * time.Hour).Format(time.RFC3339)}
		var m itsm.MaintenanceWindow
		e.send(t, mgr, http.MethodPost, "/api/v1/maintenance", body).MustStatus(t, http.StatusCreated).MustDecode(t, &m)
		if m.Source != "planned" || m.ID == 0 {
			t.Fatalf("planned: %+v", m)
		}
		body["ends_at"] = now.Add(-time.Hour).Format(time.RFC3339)
		d := e.send(t, mgr, http.MethodPost, "/api/v1/maintenance", body).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		if d.Fields["ends_at"] == "" {
			t.Fatalf("reversed window: %+v", d)
		}
		var page struct{ Total int }
		e.get(t, e.fx.CustomerUserA, "/api/v1/maintenance").MustStatus(t, http.StatusOK).MustDecode(t, &page)
		e.get(t, mgr, "/api/v1/maintenance?service=Purchasing+portal").MustStatus(t, http.StatusOK).MustDecode(t, &page)
		if page.Total != 1 {
			t.Fatalf("listed %d", page.Total)
		}
		clock.Set(now.Add(90 * time.Minute))
		e.send(t, mgr, http.MethodDelete, idPath("/api/v1/maintenance", m.ID), nil).MustError(t, http.StatusConflict, itsm.ECONFLICT)
	})
}
