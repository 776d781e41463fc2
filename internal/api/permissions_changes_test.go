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

// MustQuotedChange raises an RFC as customer A's user, assigned to the
// provider, and takes it to a quote waiting for acceptance; approved also
// accepts and approves it.
func (e *env) MustQuotedChange(tb testing.TB, title string, approved bool) *itsm.ChangeRequest {
	tb.Helper()
	fx := e.fx
	c, err := e.db.CreateChange(storetest.As(fx.CustomerUserA), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCCosmetic, Title: title, Description: "D", Service: "Ordering", Submit: true})
	if err != nil {
		tb.Fatal(err)
	}
	agent := storetest.As(fx.Agent)
	if c, err = e.db.UpdateChange(agent, c.ID, itsm.ChangeUpdate{ProviderID: &fx.Provider.ID, Version: c.Version}); err != nil {
		tb.Fatal(err)
	}
	step := func(u *itsm.User, a itsm.ChangeAction) {
		if c, err = e.db.TransitionChange(storetest.As(u), c.ID, itsm.ChangeTransition{Action: a, Version: c.Version}); err != nil {
			tb.Fatalf("%s: %v", a, err)
		}
	}
	step(fx.Agent, itsm.ActStartReview)
	step(fx.Agent, itsm.ActAcceptSpec)
	if _, err := e.db.AddChangeEstimate(agent, c.ID, itsm.NewChangeEstimate{EffortDays: 1, Cost: 100000, DeliveryDate: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		tb.Fatal(err)
	}
	c, _ = e.db.FindChangeByID(agent, c.ID)
	step(fx.Agent, itsm.ActSubmitQuote)
	if approved {
		step(fx.CustomerAdminA, itsm.ActAcceptQuote)
		step(fx.Manager, itsm.ActApprove)
	}
	return c
}

// TestChangePermissionMatrix tries the change endpoints as every role, as
// TestPermissionMatrix does for the rest of the API. Customer A never sees
// customer B's changes, quotes or costs; the provider only the changes
// assigned to it; only a customer admin of A accepts A's quote; auditors
// read everything and change nothing.
func TestChangePermissionMatrix(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		a := e.MustQuotedChange(t, "Alpha's approved change", true)
		b, err := db.CreateChange(storetest.As(fx.CustomerUserB), itsm.NewChange{Kind: itsm.ChangeWorkRequest, Title: "Beta's work", Description: "Only Beta sees this."})
		if err != nil {
			t.Fatal(err)
		}
		pa, pb := idPath("/api/v1/changes", a.ID), idPath("/api/v1/changes", b.ID)
		get := func(p string) func(*testing.T, *env, caller) request {
			return func(*testing.T, *env, caller) request { return request{method: http.MethodGet, path: p} }
		}
		all := want{s401, s200, s200, s200, s200, s200, s200, s200}
		notB := want{s401, s200, s200, s200, s200, s404, s404, s404}
		cases := []permCase{
			{"GET changes", all, get("/api/v1/changes"), func(t *testing.T, e *env, c caller, rep *reply) {
				var p page[itsm.ChangeRequest]
				rep.MustDecode(t, &p)
				for _, x := range p.Items {
					if (c.name == "customer_admin_a" || c.name == "customer_user_a") && x.OrgID != fx.CustomerA.ID {
						t.Errorf("%s sees %s of organisation %d", c.name, x.Ref, x.OrgID)
					}
					if c.name == "provider_agent" && (x.ProviderID == nil || *x.ProviderID != fx.Provider.ID) {
						t.Errorf("the provider sees %s, not assigned to it", x.Ref)
					}
				}
				if c.name == "admin" && p.Total < 2 {
					t.Errorf("the admin sees %d changes", p.Total)
				}
			}},
			{"GET change rules", all, get("/api/v1/change-rules"), nil},
			{"GET change A", all, get(pa), nil},
			{"GET change A costs", all, get(pa + "/costs"), nil},
			{"GET change A estimates", all, get(pa + "/estimates"), nil},
			{"GET change B", notB, get(pb), nil},
		}
		for _, sub := range []string{"/estimates", "/costs", "/votes", "/spec-versions", "/history", "/tickets", "/problems", "/attachments"} {
			cases = append(cases, permCase{"GET change B" + sub, notB, get(pb + sub), nil})
		}
		// Files: whoever sees the change reads and adds them (auditors
		// only read); internal ones only staff and the provider.
		addFile := func(ch *itsm.ChangeRequest, u *itsm.User, internal bool) string {
			at, err := db.AddChangeAttachment(storetest.As(u), ch.ID, itsm.NewAttachment{Filename: "file.txt", Data: strings.NewReader("content"), Internal: internal})
			if err != nil {
				t.Fatal(err)
			}
			return idPath("/api/v1/change-attachments", at.ID)
		}
		publicFile, internalFile, fileOfB := addFile(a, fx.CustomerUserA, false), addFile(a, fx.Agent, true), addFile(b, fx.CustomerUserB, false)
		upload := func(ch *itsm.ChangeRequest, internal bool) func(*testing.T, *env, caller) request {
			return func(t *testing.T, _ *env, _ caller) request {
				return changeUploadRequest(t, ch.ID, fileParts("notes.txt", []byte("notes"), internal)...)
			}
		}
		cases = append(cases,
			permCase{"GET change A attachments", all, get(pa + "/attachments"), nil},
			permCase{"GET a file of A", all, get(publicFile), nil},
			permCase{"GET an internal file of A", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(internalFile), nil},
			permCase{"GET a file of B", notB, get(fileOfB), nil},
			permCase{"POST a file to A", want{s401, s201, s201, s201, s403, s201, s201, s201}, upload(a, false), nil},
			permCase{"POST an internal file to A", want{s401, s201, s201, s201, s403, s201, s403, s403}, upload(a, true), nil},
			permCase{"POST a file to B", want{s401, s201, s201, s201, s403, s404, s404, s404}, upload(b, false), nil},
		)
		cases = append(cases,
			permCase{"GET provider delivery score", want{s401, s200, s200, s200, s200, s200, s404, s404},
				get(idPath("/api/v1/providers", fx.Provider.ID, "/delivery-score?quarter=2026-Q1")), nil},
			permCase{"POST change for A", want{s401, s201, s201, s201, s403, s403, s201, s201},
				func(*testing.T, *env, caller) request {
					return request{method: http.MethodPost, path: "/api/v1/changes", body: map[string]any{"kind": "rfc", "subtype": "cosmetic",
						"organisation_id": fx.CustomerA.ID, "title": "A request", "description": "D"}}
				}, nil},
			permCase{"PATCH change A assignee", want{s401, s200, s200, s200, s403, s403, s403, s403},
				func(t *testing.T, e *env, c caller) request {
					return request{method: http.MethodPatch, path: pa, body: map[string]any{"version": e.changeVersion(t, a.ID), "assignee_id": fx.Agent.ID}}
				}, nil},
			permCase{"PATCH change B title", want{s401, s200, s200, s200, s403, s404, s404, s404},
				func(t *testing.T, e *env, c caller) request {
					return request{method: http.MethodPatch, path: pb, body: map[string]any{"version": e.changeVersion(t, b.ID), "title": "Beta's work, " + c.name}}
				}, nil},
			permCase{"POST withdraw a fresh draft of A", want{s401, s200, s200, s200, s403, s404, s200, s200},
				func(t *testing.T, e *env, c caller) request {
					d, err := db.CreateChange(storetest.As(fx.CustomerUserA), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCCosmetic, Title: "Draft", Description: "D"})
					if err != nil {
						t.Fatal(err)
					}
					return request{method: http.MethodPost, path: idPath("/api/v1/changes", d.ID, "/transitions"), body: map[string]any{"action": "withdraw", "note": "Not needed.", "version": d.Version}}
				}, nil},
			permCase{"POST accept a fresh quote of A", want{s401, s403, s403, s403, s403, s403, s200, s403},
				func(t *testing.T, e *env, c caller) request {
					q := e.MustQuotedChange(t, "Quote for "+c.name, false)
					return request{method: http.MethodPost, path: idPath("/api/v1/changes", q.ID, "/transitions"), body: map[string]any{"action": "accept_quote", "version": q.Version}}
				}, nil},
			permCase{"POST cost on A", want{s401, s201, s201, s201, s403, s201, s403, s403},
				func(*testing.T, *env, caller) request {
					return request{method: http.MethodPost, path: pa + "/costs", body: map[string]any{"date": "2026-03-01", "amount": 100, "note": "Hosting"}}
				}, nil},
			permCase{"PUT budget of A", want{s401, s200, s200, s403, s403, s403, s403, s403},
				func(t *testing.T, e *env, c caller) request {
					return request{method: http.MethodPut, path: pa + "/budget", body: map[string]any{"budget": 120000, "reason": "Scope grew (" + c.name + ").", "version": e.changeVersion(t, a.ID)}}
				}, nil},
			permCase{"POST link B to a ticket", want{s401, s204, s204, s204, s403, s404, s404, s404},
				func(t *testing.T, e *env, c caller) request {
					tk := e.MustNewTicket(t, fx.CustomerUserB, "Ticket for "+c.name)
					return request{method: http.MethodPost, path: pb + "/tickets", body: map[string]any{"ticket_id": tk.ID}}
				}, nil},
			permCase{"POST check a window for A", want{s401, s200, s200, s200, s403, s403, s403, s403},
				func(*testing.T, *env, caller) request {
					return request{method: http.MethodPost, path: pa + "/schedule/check", body: map[string]any{"window_start": "2026-05-01T18:00:00Z", "window_end": "2026-05-01T20:00:00Z"}}
				}, nil},
			permCase{"DELETE an unlinked ticket from B", want{s401, s404, s404, s404, s403, s404, s404, s404},
				func(*testing.T, *env, caller) request {
					return request{method: http.MethodDelete, path: pb + "/tickets/" + strconv.FormatInt(999999, 10)}
				}, nil},
		)
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
