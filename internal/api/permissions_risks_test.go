package api

import (
	"net/http"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestRiskPermissionMatrix tries the register's endpoints as every caller
// (see TestPermissionMatrix): staff and auditors read everything, the
// provider only what its people own or what concerns it, customers
// nothing (403 for lists, 404 by ID); only staff change the register, and
// the provider records the status of its own actions. A refusal changes
// nothing; a 403 is audited.
func TestRiskPermissionMatrix(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		x := e.MustRAID(t)
		now := storetest.ClockOf(db).Now()
		get := func(p string) func(*testing.T, *env, caller) request {
			return func(*testing.T, *env, caller) request { return request{method: http.MethodGet, path: p} }
		}
		risks, issues, actions := "/api/v1/risks", "/api/v1/programme-issues", "/api/v1/raid-actions"
		mine, private := idPath(risks, x.mine.ID), idPath(risks, x.private.ID)
		readers := want{s401, s200, s200, s200, s200, s200, s403, s403}
		visible := want{s401, s200, s200, s200, s200, s200, s404, s404}
		hidden := want{s401, s200, s200, s200, s200, s404, s404, s404}
		// onlyProviders checks that the provider's pages hold only what its
		// people own or what concerns it.
		onlyProviders := func(t *testing.T, e *env, c caller, rep *reply) {
			var p page[struct {
				OwnerID    *int64 `json:"owner_id"`
				ProviderID *int64 `json:"provider_id"`
				Ref        string `json:"ref"`
			}]
			rep.MustDecode(t, &p)
			if c.name != "provider_agent" {
				if p.Total == 0 {
					t.Errorf("%s sees nothing", c.name)
				}
				return
			}
			for _, it := range p.Items {
				if (it.OwnerID == nil || *it.OwnerID != fx.ProviderAgent.ID) && (it.ProviderID == nil || *it.ProviderID != fx.Provider.ID) {
					t.Errorf("the provider sees %s", it.Ref)
				}
			}
		}
		fresh := func(t *testing.T, e *env) (*itsm.Risk, *itsm.ProgrammeIssue, *itsm.RAIDAction) {
			k, err := e.db.FindRiskByID(storetest.As(fx.Agent), x.mine.ID)
			if err != nil {
				t.Fatal(err)
			}
			i, err := e.db.FindIssueByID(storetest.As(fx.Agent), x.issue.ID)
			if err != nil {
				t.Fatal(err)
			}
			a, err := e.db.FindActionByID(storetest.As(fx.Agent), x.action.ID)
			if err != nil {
				t.Fatal(err)
			}
			return k, i, a
		}
		cases := []permCase{
			{"list risks", readers, get(risks), onlyProviders},
			{"get provider's risk", visible, get(mine), nil},
			{"get private risk", hidden, get(private), nil},
			{"heat map", readers, get("/api/v1/risk-heatmap"), nil},
			{"risk history", visible, get(mine + "/history"), nil},
			{"risk actions", visible, get(mine + "/actions"), nil},
			{"private risk's actions", hidden, get(private + "/actions"), nil},
			{"risk changes", visible, get(mine + "/changes"), nil},
			{"list issues", readers, get(issues), onlyProviders},
			{"get issue concerning the provider", visible, get(idPath(issues, x.issue.ID)), nil},
			{"list actions", readers, get(actions), nil},
			{"get provider's action", visible, get(idPath(actions, x.action.ID)), nil},
			{"create risk", want{s401, s201, s201, s201, s403, s403, s403, s403}, func(*testing.T, *env, caller) request {
				return request{method: http.MethodPost, path: risks, body: map[string]any{"title": "Data centre lease ends", "category": "service",
					"likelihood": 2, "impact": 4, "proximity": "far", "review_date": raidDay(now, 30)}}
			}, nil},
			{"change provider's risk", want{s401, s200, s200, s200, s403, s403, s404, s404}, func(t *testing.T, e *env, c caller) request {
				k, _, _ := fresh(t, e)
				return request{method: http.MethodPatch, path: mine, body: map[string]any{"version": k.Version, "title": k.Title + "."}}
			}, nil},
			{"add action to provider's risk", want{s401, s201, s201, s201, s403, s403, s404, s404}, func(*testing.T, *env, caller) request {
				return request{method: http.MethodPost, path: mine + "/actions", body: map[string]any{"description": "Check", "due_date": raidDay(now, 5)}}
			}, nil},
			{"record the provider's action done", want{s401, s200, s200, s200, s403, s200, s404, s404}, func(t *testing.T, e *env, c caller) request {
				_, _, a := fresh(t, e)
				return request{method: http.MethodPatch, path: idPath(actions, a.ID), body: map[string]any{"version": a.Version, "status": "done"}}
			}, nil},
			{"raise issue", want{s401, s201, s201, s201, s403, s403, s403, s403}, func(*testing.T, *env, caller) request {
				return request{method: http.MethodPost, path: issues, body: map[string]any{"title": "Board unhappy", "severity": "low"}}
			}, nil},
			{"change issue", want{s401, s200, s200, s200, s403, s403, s404, s404}, func(t *testing.T, e *env, c caller) request {
				_, i, _ := fresh(t, e)
				return request{method: http.MethodPatch, path: idPath(issues, i.ID), body: map[string]any{"version": i.Version, "title": i.Title + "."}}
			}, nil},
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
					switch {
					case rep.status == s403:
						e.MustUnchanged(t, before)
						if after := e.MustCount(t); after.refusals <= before.refusals {
							t.Errorf("%s: %s %s → 403 was not written to the audit log", c.name, req.method, req.path)
						}
					case rep.status >= 400:
						e.MustUnchanged(t, before)
					case pc.check != nil:
						pc.check(t, e, c, rep)
					}
				}
			})
		}
	})
}
