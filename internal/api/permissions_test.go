package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// want is the status each caller gets, in the order of callers: anonymous,
// admin, manager, agent, auditor, provider agent, customer admin A,
// customer user A.
type want [8]int

type caller struct {
	name string
	user *itsm.User // nil: anonymous
}

func callers(fx *storetest.Fixture) []caller {
	return []caller{{"anonymous", nil}, {"admin", fx.Admin}, {"manager", fx.Manager}, {"agent", fx.Agent}, {"auditor", fx.Auditor},
		{"provider_agent", fx.ProviderAgent}, {"customer_admin_a", fx.CustomerAdminA}, {"customer_user_a", fx.CustomerUserA}}
}

// permCase is one endpoint (with one target) tried by every caller.
type permCase struct {
	name string
	want want
	// build makes the request for the caller, reading fresh state (a
	// current version, a new pending registration) so cases stay
	// independent whatever ran before. The harness adds the token.
	build func(t *testing.T, e *env, c caller) request
	// check, when set, looks at a successful answer.
	check func(t *testing.T, e *env, c caller, rep *reply)
}

const (
	s200 = http.StatusOK
	s201 = http.StatusCreated
	s202 = http.StatusAccepted
	s204 = http.StatusNoContent
	s400 = http.StatusBadRequest
	s401 = http.StatusUnauthorized
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
)

// TestPermissionMatrix tries every endpoint as every role. A refusal (4xx)
// must change nothing; a 403 must be in the audit log.
func TestPermissionMatrix(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		// Something in B for customer A not to see.
		e.MustRegister(t, fx.CustomerB, "pending@beta.test")
		for _, pc := range append(permissionCases(fx), deskPermissionCases(e, e.MustDesk(t))...) {
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

func permissionCases(fx *storetest.Fixture) []permCase {
	get := func(p string) func(*testing.T, *env, caller) request {
		return func(*testing.T, *env, caller) request { return request{method: http.MethodGet, path: p} }
	}
	orgs, users, regs := "/api/v1/organisations", "/api/v1/users", "/api/v1/registrations"
	var regEmail string // the address of the latest registration
	n := 0
	unique := func(c caller) string { n++; return fmt.Sprintf("%s-%d", c.name, n) }
	pending := func(t *testing.T, e *env, org *itsm.Organisation, c caller) *itsm.User {
		return e.MustRegister(t, org, "reg-"+unique(c)+"@example.org")
	}
	onlyOrg := func(scoped map[string]int64) func(*testing.T, *env, caller, *reply) {
		return func(t *testing.T, e *env, c caller, rep *reply) {
			var p page[itsm.User]
			rep.MustDecode(t, &p)
			if p.Total != len(p.Items) && len(p.Items) < p.Limit {
				t.Errorf("%s: total %d but %d items", c.name, p.Total, len(p.Items))
			}
			org, isScoped := scoped[c.name]
			for _, u := range p.Items {
				if isScoped && u.OrgID != org {
					t.Errorf("%s sees %s of organisation %d", c.name, u.Email, u.OrgID)
				}
			}
			if !isScoped && p.Total == 0 {
				t.Errorf("%s sees nobody", c.name)
			}
		}
	}
	scopes := map[string]int64{"provider_agent": fx.Provider.ID, "customer_admin_a": fx.CustomerA.ID, "customer_user_a": fx.CustomerA.ID}
	return []permCase{
		{"GET me", want{s401, s200, s200, s200, s200, s200, s200, s200}, get("/api/v1/me"),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var u itsm.User
				rep.MustDecode(t, &u)
				if u.ID != c.user.ID || rep.header.Get("ETag") != etag(u.Version) {
					t.Errorf("%s: /me is %d (ETag %s)", c.name, u.ID, rep.header.Get("ETag"))
				}
			}},

		// Organisations.
		{"list organisations", want{s401, s200, s200, s200, s200, s200, s200, s200}, get(orgs),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[itsm.Organisation]
				rep.MustDecode(t, &p)
				org, isScoped := scopes[c.name]
				if isScoped && (p.Total != 1 || p.Items[0].ID != org) {
					t.Errorf("%s sees %d organisations, want only its own", c.name, p.Total)
				} else if !isScoped && p.Total < 4 {
					t.Errorf("%s sees %d organisations, want all", c.name, p.Total)
				}
			}},
		{"get customer B", want{s401, s200, s200, s200, s200, s404, s404, s404}, get(idPath(orgs, fx.CustomerB.ID)), nil},
		{"get customer A", want{s401, s200, s200, s200, s200, s404, s200, s200}, get(idPath(orgs, fx.CustomerA.ID)), nil},
		{"get provider", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(idPath(orgs, fx.Provider.ID)), nil},
		{"create organisation", want{s401, s201, s201, s403, s403, s403, s403, s403},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: orgs, body: map[string]any{"name": "Council " + unique(c), "kind": "customer"}}
			}, nil},
		{"update customer B", want{s401, s200, s200, s403, s403, s404, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPatch, path: idPath(orgs, fx.CustomerB.ID), body: map[string]any{"version": e.MustOrg(t, fx.CustomerB.ID).Version, "time_zone": "Europe/Dublin"}}
			}, nil},
		{"update customer A", want{s401, s200, s200, s403, s403, s404, s403, s403},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPatch, path: idPath(orgs, fx.CustomerA.ID), body: map[string]any{"version": e.MustOrg(t, fx.CustomerA.ID).Version, "active": true}}
			}, nil},

		// Users.
		{"list users", want{s401, s200, s200, s200, s200, s200, s200, s200}, get(users), onlyOrg(scopes)},
		{"list B's users", want{s401, s200, s200, s200, s200, s200, s200, s200}, get(users + fmt.Sprintf("?organisation_id=%d", fx.CustomerB.ID)),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[itsm.User]
				rep.MustDecode(t, &p)
				if _, isScoped := scopes[c.name]; isScoped != (p.Total == 0) {
					t.Errorf("%s sees %d of B's users", c.name, p.Total)
				}
			}},
		{"get customer user B", want{s401, s200, s200, s200, s200, s404, s404, s404}, get(idPath(users, fx.CustomerUserB.ID)), nil},
		{"get customer user A", want{s401, s200, s200, s200, s200, s404, s200, s200}, get(idPath(users, fx.CustomerUserA.ID)), nil},
		{"get provider agent", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(idPath(users, fx.ProviderAgent.ID)), nil},
		{"create customer user in A", want{s401, s201, s201, s403, s403, s400, s201, s403},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: users, body: map[string]any{"organisation_id": fx.CustomerA.ID, "email": "new-" + unique(c) + "@alpha.test",
					"name": "New Person", "role": "customer_user", "password": storetest.Password}}
			}, nil},
		{"create auditor in A (not a customer role)", want{s401, s201, s201, s403, s403, s400, s403, s403},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: users, body: map[string]any{"organisation_id": fx.CustomerA.ID, "email": "aud-" + unique(c) + "@alpha.test",
					"name": "New Auditor", "role": "auditor", "password": storetest.Password}}
			}, nil},
		// A staff role does not fit a customer organisation, whoever asks.
		{"create agent in A", want{s401, s400, s400, s403, s403, s400, s400, s403},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: users, body: map[string]any{"organisation_id": fx.CustomerA.ID, "email": "staff-" + unique(c) + "@alpha.test",
					"name": "Would-be Agent", "role": "agent", "password": storetest.Password}}
			}, nil},
		{"create agent in the programme", want{s401, s201, s201, s403, s403, s400, s400, s400},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: users, body: map[string]any{"organisation_id": fx.Programme.ID, "email": "agent-" + unique(c) + "@programme.test",
					"name": "New Agent", "role": "agent", "password": storetest.Password}}
			}, nil},
		{"update customer user A", want{s401, s200, s200, s403, s403, s404, s200, s403},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPatch, path: idPath(users, fx.CustomerUserA.ID), body: map[string]any{"version": e.MustUser(t, fx.CustomerUserA.ID).Version, "name": "Catriona " + c.name}}
			}, nil},
		{"update customer user B", want{s401, s200, s200, s403, s403, s404, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPatch, path: idPath(users, fx.CustomerUserB.ID), body: map[string]any{"version": e.MustUser(t, fx.CustomerUserB.ID).Version, "name": "Bethany " + c.name}}
			}, nil},
		{"make a customer user of A an auditor", want{s401, s200, s200, s403, s403, s404, s403, s403},
			func(t *testing.T, e *env, c caller) request {
				u := &itsm.User{OrgID: fx.CustomerA.ID, Email: "promote-" + unique(c) + "@alpha.test", Name: "To Promote", Role: itsm.RoleCustomerUser}
				if err := e.db.CreateUser(storetest.System(), u, storetest.Password); err != nil {
					t.Fatal(err)
				}
				return request{method: http.MethodPatch, path: idPath(users, u.ID), body: map[string]any{"version": u.Version, "role": "auditor"}}
			}, nil},
		{"make a customer user of A an agent", want{s401, s400, s400, s403, s403, s404, s400, s403},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPatch, path: idPath(users, fx.CustomerUserA.ID), body: map[string]any{"version": e.MustUser(t, fx.CustomerUserA.ID).Version, "role": "agent"}}
			}, nil},
		{"set customer user A's password", want{s401, s204, s204, s403, s403, s404, s204, s204},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPut, path: idPath(users, fx.CustomerUserA.ID, "/password"), body: map[string]any{"password": storetest.Password}}
			}, nil},
		{"set customer user B's password", want{s401, s204, s204, s403, s403, s404, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPut, path: idPath(users, fx.CustomerUserB.ID, "/password"), body: map[string]any{"password": storetest.Password}}
			}, nil},
		{"set the administrator's password", want{s401, s204, s403, s403, s403, s404, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPut, path: idPath(users, fx.Admin.ID, "/password"), body: map[string]any{"password": storetest.Password}}
			}, nil},
		// Your own credentials are yours to manage, auditors' included.
		{"set your own password", want{s401, s204, s204, s204, s204, s204, s204, s204},
			func(t *testing.T, e *env, c caller) request {
				id := fx.Admin.ID
				if c.user != nil {
					id = c.user.ID
				}
				return request{method: http.MethodPut, path: idPath(users, id, "/password"), body: map[string]any{"password": storetest.Password}}
			}, nil},

		// Registrations.
		{"list registrations", want{s401, s200, s200, s200, s200, s200, s200, s200}, get(regs),
			func(t *testing.T, e *env, c caller, rep *reply) {
				onlyOrg(scopes)(t, e, c, rep)
				var p page[itsm.User]
				rep.MustDecode(t, &p)
				for _, u := range p.Items {
					if u.Status != itsm.UserPending {
						t.Errorf("%s: registration %d is %s", c.name, u.ID, u.Status)
					}
				}
			}},
		{"list B's registrations", want{s401, s200, s200, s200, s200, s200, s200, s200}, get(regs + fmt.Sprintf("?organisation_id=%d", fx.CustomerB.ID)),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[itsm.User]
				rep.MustDecode(t, &p)
				if _, isScoped := scopes[c.name]; isScoped != (p.Total == 0) {
					t.Errorf("%s sees %d of B's registrations", c.name, p.Total)
				}
			}},
		{"register", want{s202, s403, s403, s403, s403, s403, s403, s403},
			func(t *testing.T, e *env, c caller) request {
				regEmail = "self-" + unique(c) + "@alpha.test"
				return request{method: http.MethodPost, path: regs, body: map[string]any{"organisation_id": fx.CustomerA.ID, "name": "Self Registrant",
					"email": regEmail, "password": storetest.Password}}
			},
			func(t *testing.T, e *env, c caller, rep *reply) {
				var got registrationReceived
				rep.MustDecode(t, &got)
				u := e.MustUserByEmail(t, regEmail)
				if got.Status != "received" || u.Status != itsm.UserPending || u.Role != itsm.RoleCustomerUser {
					t.Errorf("registration answered %+v, stored %s %s", got, u.Status, u.Role)
				}
			}},
		{"approve a registration to A", want{s401, s200, s200, s403, s403, s404, s200, s403},
			func(t *testing.T, e *env, c caller) request {
				u := pending(t, e, fx.CustomerA, c)
				return request{method: http.MethodPost, path: idPath(regs, u.ID, "/approve"), body: map[string]any{"version": u.Version}}
			},
			func(t *testing.T, e *env, c caller, rep *reply) {
				var u itsm.User
				rep.MustDecode(t, &u)
				if u.Status != itsm.UserActive {
					t.Errorf("approved registration is %s", u.Status)
				}
			}},
		{"approve a registration to B", want{s401, s200, s200, s403, s403, s404, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				u := pending(t, e, fx.CustomerB, c)
				return request{method: http.MethodPost, path: idPath(regs, u.ID, "/approve"), body: map[string]any{"version": u.Version}}
			}, nil},
		{"reject a registration to A", want{s401, s200, s200, s403, s403, s404, s200, s403},
			func(t *testing.T, e *env, c caller) request {
				u := pending(t, e, fx.CustomerA, c)
				return request{method: http.MethodPost, path: idPath(regs, u.ID, "/reject"), body: map[string]any{"version": u.Version}}
			},
			func(t *testing.T, e *env, c caller, rep *reply) {
				var u itsm.User
				rep.MustDecode(t, &u)
				if u.Status != itsm.UserRejected {
					t.Errorf("rejected registration is %s", u.Status)
				}
			}},
		{"reject a registration to B", want{s401, s200, s200, s403, s403, s404, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				u := pending(t, e, fx.CustomerB, c)
				return request{method: http.MethodPost, path: idPath(regs, u.ID, "/reject"), body: map[string]any{"version": u.Version}}
			}, nil},

		// Tokens: everyone manages their own.
		{"list tokens", want{s401, s200, s200, s200, s200, s200, s200, s200}, get("/api/v1/tokens"),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[itsm.APIToken]
				rep.MustDecode(t, &p)
				if p.Total == 0 {
					t.Errorf("%s has no tokens", c.name)
				}
				for _, tok := range p.Items {
					if tok.UserID != c.user.ID {
						t.Errorf("%s sees token %d of user %d", c.name, tok.ID, tok.UserID)
					}
				}
			}},
		{"create token", want{s401, s201, s201, s201, s201, s201, s201, s201},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: "/api/v1/tokens", body: map[string]any{"name": "script " + unique(c)}}
			}, nil},
		{"revoke your own token", want{s401, s204, s204, s204, s204, s204, s204, s204},
			func(t *testing.T, e *env, c caller) request {
				owner := c.user
				if owner == nil {
					owner = fx.Admin
				}
				tok, _, err := e.db.CreateAPIToken(storetest.As(owner), owner.ID, "to revoke", nil)
				if err != nil {
					t.Fatal(err)
				}
				return request{method: http.MethodDelete, path: idPath("/api/v1/tokens", tok.ID)}
			}, nil},
		{"revoke customer user B's token", want{s401, s204, s404, s404, s404, s404, s404, s404},
			func(t *testing.T, e *env, c caller) request {
				tok, _, err := e.db.CreateAPIToken(storetest.As(fx.CustomerUserB), fx.CustomerUserB.ID, "someone else's", nil)
				if err != nil {
					t.Fatal(err)
				}
				return request{method: http.MethodDelete, path: idPath("/api/v1/tokens", tok.ID)}
			}, nil},

		// Audit.
		{"list audit", want{s401, s200, s200, s403, s200, s403, s200, s403}, get("/api/v1/audit"),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[itsm.AuditEntry]
				rep.MustDecode(t, &p)
				for _, a := range p.Items {
					if c.name == "customer_admin_a" && (a.OrgID == nil || *a.OrgID != fx.CustomerA.ID) {
						t.Errorf("customer admin A sees audit entry %d of organisation %v", a.ID, a.OrgID)
					}
				}
			}},
		{"list B's audit", want{s401, s200, s200, s403, s200, s403, s200, s403}, get(fmt.Sprintf("/api/v1/audit?organisation_id=%d", fx.CustomerB.ID)),
			func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[itsm.AuditEntry]
				rep.MustDecode(t, &p)
				if (c.name == "customer_admin_a") != (p.Total == 0) {
					t.Errorf("%s sees %d of B's audit entries", c.name, p.Total)
				}
			}},
		{"get an audit entry about B", want{s401, s200, s200, s403, s200, s403, s404, s403},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodGet, path: idPath("/api/v1/audit", e.MustAuditOf(t, "user", fx.CustomerUserB.ID))}
			}, nil},
		{"get an audit entry about A", want{s401, s200, s200, s403, s200, s403, s200, s403},
			func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodGet, path: idPath("/api/v1/audit", e.MustAuditOf(t, "user", fx.CustomerUserA.ID))}
			}, nil},
	}
}

// MustAuditOf returns the ID of the entry recording the creation of an
// object.
func (e *env) MustAuditOf(tb testing.TB, objectType string, id int64) int64 {
	tb.Helper()
	objectID, action := fmt.Sprint(id), itsm.AuditCreate
	entries, _, err := e.db.FindAuditEntries(storetest.System(), itsm.AuditFilter{ObjectType: &objectType, ObjectID: &objectID, Action: &action})
	if err != nil || len(entries) != 1 {
		tb.Fatalf("audit entry for %s %d: %d entries, %v", objectType, id, len(entries), err)
	}
	return entries[0].ID
}
