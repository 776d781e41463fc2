package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// managedCheckSecret is the Authorization value of the fixture's checks: no
// answer may ever hold it.
const managedCheckSecret = "Bearer api-s3cret"

// MustManagedCheck adds an HTTP check with a secret header as the system.
func (e *env) MustManagedCheck(tb testing.TB, name string, provider *int64) *itsm.Check {
	tb.Helper()
	c := &itsm.Check{Name: name, Service: "Purchasing portal", Component: "Web", Kind: itsm.CheckHTTP, URL: "https://portal.example.org/health",
		Interval: 30 * time.Second, Timeout: 5 * time.Second, Enabled: true, VerifyTLS: true, ProviderID: provider,
		Headers: []itsm.CheckHeader{{Name: "Authorization", Value: managedCheckSecret}}}
	if err := e.db.CreateCheck(storetest.System(), c); err != nil {
		tb.Fatal(err)
	}
	return c
}

// MustPlannedWindow plans a maintenance window starting in `in`.
func (e *env) MustPlannedWindow(tb testing.TB, in time.Duration) *itsm.MaintenanceWindow {
	tb.Helper()
	now := storetest.ClockOf(e.db).Now()
	m := &itsm.MaintenanceWindow{Title: "Patching", Service: "Purchasing portal", StartsAt: now.Add(in), EndsAt: now.Add(in + time.Hour)}
	if err := e.db.CreateMaintenance(storetest.As(e.fx.Manager), m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestCheckManagementPermissionMatrix tries the check and maintenance endpoints as
// every caller. Decisions: managers and administrators manage; agents and
// auditors read every check; the provider reads the checks it operates
// (others do not exist for it); customers read no checks, but see the
// maintenance of their services.
func TestCheckManagementPermissionMatrix(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		operated := e.MustManagedCheck(t, "Portal home", &fx.Provider.ID)
		other := e.MustManagedCheck(t, "Finance API", nil)
		e.MustPlannedWindow(t, 24*time.Hour)
		get := func(p string) func(*testing.T, *env, caller) request {
			return func(*testing.T, *env, caller) request { return request{method: http.MethodGet, path: p} }
		}
		n := 0
		cases := []permCase{
			//                                    anon admin mgr agent audit prov cAdmA cUsrA
			{"list checks", want{s401, s200, s200, s200, s200, s200, s403, s403}, get("/api/v1/checks"), func(t *testing.T, e *env, c caller, rep *reply) {
				var p struct{ Total int }
				rep.MustDecode(t, &p)
				if want := map[bool]int{true: 1, false: 2}[c.name == "provider_agent"]; p.Total != want {
					t.Errorf("%s lists %d checks, want %d", c.name, p.Total, want)
				}
			}},
			{"the operated check", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(idPath("/api/v1/checks", operated.ID)), nil},
			{"another check", want{s401, s200, s200, s200, s200, s404, s404, s404}, get(idPath("/api/v1/checks", other.ID)), nil},
			{"add a check", want{s401, s201, s201, s403, s403, s403, s403, s403}, func(t *testing.T, e *env, c caller) request {
				n++
				return request{method: http.MethodPost, path: "/api/v1/checks", body: map[string]any{"name": fmt.Sprintf("New %d", n), "service": "Portal",
					"kind": "tcp", "address": "db.example.org:5432", "interval_seconds": 30}}
			}, nil},
			{"replace the operated check", want{s401, s200, s200, s403, s403, s403, s404, s404}, func(t *testing.T, e *env, c caller) request {
				cur, err := db.FindCheckByID(storetest.System(), operated.ID)
				if err != nil {
					t.Fatal(err)
				}
				return request{method: http.MethodPut, path: idPath("/api/v1/checks", operated.ID), body: map[string]any{"version": cur.Version,
					"name": "Portal home", "service": "Purchasing portal", "kind": "http", "url": "https://portal.example.org/" + c.name,
					"headers": []map[string]string{{"name": "Authorization", "value": itsm.SecretMask}}, "provider_id": fx.Provider.ID}}
			}, nil},
			{"delete a check", want{s401, s204, s204, s403, s403, s403, s404, s404}, func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodDelete, path: idPath("/api/v1/checks", e.MustManagedCheck(t, "Doomed "+c.name, &fx.Provider.ID).ID)}
			}, nil},
			{"import checks", want{s401, s200, s200, s403, s403, s403, s403, s403}, func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: "/api/v1/checks/import", body: map[string]any{"dry_run": true,
					"checks": []map[string]any{{"name": "Imported", "service": "Portal", "kind": "tcp", "address": "db.example.org:5432"}}}}
			}, nil},
			{"list maintenance", want{s401, s200, s200, s200, s200, s200, s200, s200}, get("/api/v1/maintenance"), nil},
			{"plan maintenance", want{s401, s201, s201, s403, s403, s403, s403, s403}, func(t *testing.T, e *env, c caller) request {
				now := storetest.ClockOf(db).Now()
				return request{method: http.MethodPost, path: "/api/v1/maintenance", body: map[string]any{"title": "Upgrade", "service": "Portal",
					"starts_at": now.Add(time.Hour).Format(time.RFC3339), "ends_at": now.Add(2 * time.Hour).Format(time.RFC3339)}}
			}, nil},
			{"cancel maintenance", want{s401, s204, s204, s403, s403, s403, s403, s403}, func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodDelete, path: idPath("/api/v1/maintenance", e.MustPlannedWindow(t, 48*time.Hour).ID)}
			}, nil},
		}
		for _, pc := range cases {
			t.Run(pc.name, func(t *testing.T) {
				for j, c := range callers(fx) {
					req := pc.build(t, e, c)
					req.token = e.token(c.user)
					rep := e.MustDo(t, req)
					if rep.status != pc.want[j] {
						t.Errorf("%s: %s %s → %d, want %d; %s", c.name, req.method, req.path, rep.status, pc.want[j], rep.body)
						continue
					}
					if strings.Contains(string(rep.body), "s3cret") {
						t.Errorf("%s: %s %s shows a secret: %s", c.name, req.method, req.path, rep.body)
					}
					if pc.check != nil && rep.status == http.StatusOK {
						pc.check(t, e, c, rep)
					}
				}
			})
		}
		if got, _ := db.FindCheckByID(storetest.System(), operated.ID); got.Headers[0].Value != managedCheckSecret {
			t.Fatalf("replacing with the mask lost the secret: %+v", got.Headers)
		}
	})
}
