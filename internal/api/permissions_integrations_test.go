package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestIntegrationPermissionMatrix tries the integration endpoints as every
// caller. Decisions: everyone signed in reads the register (customers their
// own organisation's entries, providers every one as they operate the
// interfaces); staff and customer administrators change it; webhooks are
// for administrators, managers and customer administrators (their own
// organisation's), auditors reading; customer A never sees B's records.
func TestIntegrationPermissionMatrix(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		sys := storetest.System()
		mk := func(org *itsm.Organisation, name string) *itsm.Integration {
			g := &itsm.Integration{OrgID: org.ID, Name: name, System: "SAP", Direction: "payments", Format: "csv", Transport: "sftp"}
			if err := db.CreateIntegration(sys, g); err != nil {
				t.Fatal(err)
			}
			return g
		}
		a, b := mk(fx.CustomerA, "Payments A"), mk(fx.CustomerB, "Payments B")
		hookA := &itsm.WebhookSubscription{URL: "https://a.example.org/hook", EventTypes: []string{"ticket.created"}}
		if err := db.CreateWebhook(storetest.As(fx.CustomerAdminA), hookA); err != nil {
			t.Fatal(err)
		}
		hookB := &itsm.WebhookSubscription{URL: "https://b.example.org/hook", EventTypes: []string{"ticket.created"}}
		if err := db.CreateWebhook(storetest.As(fx.CustomerAdminB), hookB); err != nil {
			t.Fatal(err)
		}
		get := func(p string) func(*testing.T, *env, caller) request {
			return func(*testing.T, *env, caller) request { return request{method: http.MethodGet, path: p} }
		}
		n := 0
		ga, gb := idPath("/api/v1/integrations", a.ID), idPath("/api/v1/integrations", b.ID)
		wa, wb := idPath("/api/v1/webhooks", hookA.ID), idPath("/api/v1/webhooks", hookB.ID)
		cases := []permCase{
			//                                      anon admin mgr agent audit prov cAdmA cUsrA
			{"list the register", want{s401, s200, s200, s200, s200, s200, s200, s200}, get("/api/v1/integrations"), nil},
			{"A's entry", want{s401, s200, s200, s200, s200, s200, s200, s200}, get(ga), nil},
			{"B's entry", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(gb), nil},
			{"B's history", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(gb + "/history"), nil},
			{"add to A's register", want{s401, s201, s201, s201, s403, s403, s201, s403}, func(t *testing.T, e *env, c caller) request {
				n++
				return request{method: http.MethodPost, path: "/api/v1/integrations", body: map[string]any{"organisation_id": fx.CustomerA.ID,
					"name": fmt.Sprintf("New %d", n), "system": "SAP", "direction": "payments", "format": "csv", "transport": "sftp"}}
			}, nil},
			{"change A's entry", want{s401, s200, s200, s200, s403, s403, s200, s403}, func(t *testing.T, e *env, c caller) request {
				g, err := db.FindIntegrationByID(sys, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				return request{method: http.MethodPatch, path: ga, body: map[string]any{"version": g.Version, "notes": "by " + c.name}}
			}, nil},
			{"list webhooks", want{s401, s200, s200, s403, s200, s403, s200, s403}, get("/api/v1/webhooks"), nil},
			{"A's webhook", want{s401, s200, s200, s404, s200, s404, s200, s404}, get(wa), nil},
			{"B's webhook", want{s401, s200, s200, s404, s200, s404, s404, s404}, get(wb), nil},
			{"add a webhook", want{s401, s201, s201, s403, s403, s403, s201, s403}, func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: "/api/v1/webhooks", body: map[string]any{"url": "https://x.example.org/" + c.name, "event_types": []string{"ticket.resolved"}}}
			}, nil},
			{"export users", want{s401, s200, s200, s200, s200, s403, s200, s403}, get("/api/v1/exports/users"), nil},
			{"export the register", want{s401, s200, s200, s200, s200, s200, s200, s200}, get("/api/v1/exports/integrations"), nil},
		}
		for _, pc := range cases {
			t.Run(pc.name, func(t *testing.T) {
				for j, c := range callers(fx) {
					req := pc.build(t, e, c)
					req.token = e.token(c.user)
					before := e.MustCount(t)
					rep := e.MustDo(t, req)
					if rep.status != pc.want[j] {
						t.Errorf("%s: %s %s → %d, want %d; %s", c.name, req.method, req.path, rep.status, pc.want[j], rep.body)
						continue
					}
					if rep.status >= 400 {
						e.MustUnchanged(t, before)
					}
				}
			})
		}
	})
}
