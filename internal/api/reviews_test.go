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

// reviewFixture is a review of the fixture's provider with an action its
// agent owns, and a review of another provider.
type reviewFixture struct {
	mine, other *itsm.Review
	provAction  *itsm.ReviewAction
	otherAgent  *itsm.User
}

func mustReviewFixture(t *testing.T, e *env) *reviewFixture {
	t.Helper()
	fx, sys := e.fx, storetest.System()
	other := &itsm.Organisation{Name: "Other Provider plc", Kind: itsm.OrgProvider}
	if err := e.db.CreateOrganisation(sys, other); err != nil {
		t.Fatal(err)
	}
	otherAgent := &itsm.User{OrgID: other.ID, Email: "agent@other.test", Name: "Olly Other", Role: itsm.RoleProviderAgent}
	if err := e.db.CreateUser(sys, otherAgent, storetest.Password); err != nil {
		t.Fatal(err)
	}
	e.tokens[otherAgent.ID] = e.MustToken(t, otherAgent)
	mk := func(provider int64, title string, meeting time.Time) *itsm.Review {
		r := &itsm.Review{ProviderID: provider, Title: title, PeriodFrom: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC),
			PeriodTo: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), MeetingAt: meeting}
		if err := e.db.CreateReview(storetest.As(fx.Manager), r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	f := &reviewFixture{mine: mk(fx.Provider.ID, "Winter review", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
		other: mk(other.ID, "Other provider's review", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)), otherAgent: otherAgent}
	f.provAction = &itsm.ReviewAction{Title: "Send the capacity plan", OwnerID: &fx.ProviderAgent.ID, DueDate: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)}
	if err := e.db.CreateReviewAction(storetest.As(fx.Agent), f.mine.ID, f.provAction); err != nil {
		t.Fatal(err)
	}
	return f
}

func reviewRoutes() []route {
	var out []route
	for _, rt := range (&API{}).routeTable() {
		if rt.object == "review" || rt.object == "review_action" {
			out = append(out, rt)
		}
	}
	return out
}

// TestReviewRoutesRefuse sends every review route the refusals every route
// shares: no token (401), an auditor on a route that changes records (403),
// a body that is not JSON (415) or too large (413), and a customer asking
// for a review (404, as if it did not exist).
func TestReviewRoutesRefuse(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		f := mustReviewFixture(t, e)
		valid := map[string]any{
			"POST /api/v1/reviews":              map[string]any{"provider_id": fx.Provider.ID, "period_from": "2026-01-01", "period_to": "2026-03-31", "meeting_at": "2026-04-14T10:00:00Z"},
			"PATCH /api/v1/reviews/{id}":        map[string]any{"version": 1, "minutes": "x"},
			"POST /api/v1/reviews/{id}/actions": map[string]any{"title": "T", "owner_name": "Jo", "due_date": "2026-05-01"},
			"PATCH /api/v1/review-actions/{id}": map[string]any{"version": 1, "status": "done"},
		}
		before := e.MustCount(t)
		for _, rt := range reviewRoutes() {
			id := f.mine.ID
			if strings.Contains(rt.pattern, "review-actions") {
				id = f.provAction.ID
			}
			method, path := fillPath(rt.pattern, id, 0, 0)
			body := valid[rt.pattern]
			e.MustDo(t, request{method: method, path: path, body: body}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
			if rt.access == changes {
				e.send(t, fx.Auditor, method, path, body).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
			}
			if method == http.MethodPost || method == http.MethodPatch {
				e.MustDo(t, request{method: method, path: path, token: e.token(fx.Admin), body: `{}`, header: http.Header{"Content-Type": {"text/plain"}}}).
					MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
				e.MustDo(t, request{method: method, path: path, token: e.token(fx.Admin), body: `{"x":"` + strings.Repeat("a", maxBody) + `"}`}).
					MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)
			}
			if rt.pattern != "GET /api/v1/reviews" { // customers get an empty list
				e.send(t, fx.CustomerAdminA, method, path, body).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			}
		}
		e.MustUnchanged(t, before)
	})
}

// TestReviewPermissionMatrix tries the review endpoints as every caller.
// Decisions: staff and auditors read every review; the provider's agent its
// own provider's, and changes the status of an action it owns; customers
// get 404s and empty lists; managers and administrators plan and change
// reviews; agents record minutes and actions.
func TestReviewPermissionMatrix(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		f := mustReviewFixture(t, e)
		get := func(p string) func(*testing.T, *env, caller) request {
			return func(*testing.T, *env, caller) request { return request{method: http.MethodGet, path: p} }
		}
		mine, other := idPath("/api/v1/reviews", f.mine.ID), idPath("/api/v1/reviews", f.other.ID)
		cases := []permCase{
			//                                      anon admin mgr agent audit prov cAdmA cUsrA
			{"list reviews", want{s401, s200, s200, s200, s200, s200, s200, s200}, get("/api/v1/reviews"), func(t *testing.T, e *env, c caller, rep *reply) {
				var page struct{ Total int }
				rep.MustDecode(t, &page)
				wantTotal := map[string]int{"provider_agent": 1, "customer_admin_a": 0, "customer_user_a": 0}
				n, ok := wantTotal[c.name]
				if !ok {
					n = 2
				}
				if page.Total < n || (ok && page.Total != n) {
					t.Errorf("%s lists %d reviews, want %d", c.name, page.Total, n)
				}
			}},
			{"my provider's review", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(mine), nil},
			{"another provider's review", want{s401, s200, s200, s200, s200, s404, s404, s404}, get(other), nil},
			{"my provider's pack", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(mine + "/pack"), nil},
			{"another provider's pack", want{s401, s200, s200, s200, s200, s404, s404, s404}, get(other + "/pack"), nil},
			{"my provider's actions", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(mine + "/actions"), nil},
			{"an action", want{s401, s200, s200, s200, s200, s200, s404, s404}, get(idPath("/api/v1/review-actions", f.provAction.ID)), nil},
			{"plan a review", want{s401, s201, s201, s403, s403, s403, s404, s404}, func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: "/api/v1/reviews", body: map[string]any{"provider_id": fx.Provider.ID,
					"period_from": "2026-01-01", "period_to": "2026-03-31", "meeting_at": "2026-04-14T10:00:00+01:00"}}
			}, nil},
			{"record the minutes", want{s401, s200, s200, s200, s403, s403, s404, s404}, func(t *testing.T, e *env, c caller) request {
				r, err := db.FindReviewByID(storetest.System(), f.mine.ID)
				if err != nil {
					t.Fatal(err)
				}
				return request{method: http.MethodPatch, path: mine, body: map[string]any{"version": r.Version, "minutes": "By " + c.name}}
			}, nil},
			{"rename a review", want{s401, s200, s200, s403, s403, s403, s404, s404}, func(t *testing.T, e *env, c caller) request {
				r, err := db.FindReviewByID(storetest.System(), f.mine.ID)
				if err != nil {
					t.Fatal(err)
				}
				return request{method: http.MethodPatch, path: mine, body: map[string]any{"version": r.Version, "title": "Renamed by " + c.name}}
			}, nil},
			{"record an action", want{s401, s201, s201, s201, s403, s403, s404, s404}, func(t *testing.T, e *env, c caller) request {
				return request{method: http.MethodPost, path: mine + "/actions", body: map[string]any{"title": "By " + c.name, "owner_id": fx.ProviderAgent.ID, "due_date": "2026-04-30"}}
			}, nil},
			{"close the provider's action", want{s401, s200, s200, s200, s403, s200, s404, s404}, func(t *testing.T, e *env, c caller) request {
				a, err := db.FindReviewActionByID(storetest.System(), f.provAction.ID)
				if err != nil {
					t.Fatal(err)
				}
				status := "done"
				if a.Status == "done" {
					status = "open"
				}
				return request{method: http.MethodPatch, path: idPath("/api/v1/review-actions", a.ID), body: map[string]any{"version": a.Version, "status": status}}
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
					if rep.status >= 400 {
						e.MustUnchanged(t, before)
					} else if pc.check != nil {
						pc.check(t, e, c, rep)
					}
				}
			})
		}
		// Another provider's agent sees only its own provider's review.
		var page struct {
			Items []itsm.Review
			Total int
		}
		e.get(t, f.otherAgent, "/api/v1/reviews").MustStatus(t, http.StatusOK).MustDecode(t, &page)
		if page.Total != 1 || page.Items[0].ID != f.other.ID {
			t.Fatalf("other agent lists %+v", page)
		}
		e.get(t, f.otherAgent, mine+"/pack").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
	})
}

// TestReviewAPIInputAndPack checks defaults, refusals of bad input, stale
// versions, and the pack's actions carried forward.
func TestReviewAPIInputAndPack(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		f := mustReviewFixture(t, e)
		valid := map[string]any{"provider_id": fx.Provider.ID, "period_from": "2026-03-01", "period_to": "2026-05-31", "meeting_at": "2026-06-10T10:00:00+01:00"}
		var created itsm.Review
		e.send(t, fx.Manager, http.MethodPost, "/api/v1/reviews", valid).MustStatus(t, http.StatusCreated).MustDecode(t, &created)
		if created.Title != "Performance review, Q1 2026" || created.Status != itsm.ReviewPlanned || !created.MeetingAt.Equal(time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("created %+v", created)
		}
		before := e.MustCount(t)
		for _, c := range []struct {
			what  string
			field string
			value any
		}{
			{"a reversed period", "period_to", "2026-02-01"},
			{"a period over a year", "period_to", "2027-03-01"},
			{"an unknown provider", "provider_id", 999999},
			{"a customer as provider", "provider_id", fx.CustomerA.ID},
			{"a blank title", "title", "  "},
			{"a bad status", "status", "cancelled"},
			{"a bad date", "period_from", "1 March"},
			{"a bad meeting time", "meeting_at", "2026-06-10 10:00"},
		} {
			d := e.send(t, fx.Manager, http.MethodPost, "/api/v1/reviews", with(valid, c.field, c.value)).MustError(t, http.StatusBadRequest, itsm.EINVALID)
			if d.Fields[c.field] == "" {
				t.Errorf("%s: the error does not name %s: %+v", c.what, c.field, d)
			}
		}
		e.send(t, fx.Manager, http.MethodPatch, idPath("/api/v1/reviews", created.ID), map[string]any{"version": created.Version + 1, "title": "Late"}).
			MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, fx.Manager, http.MethodPatch, idPath("/api/v1/reviews", created.ID), map[string]any{"version": created.Version}).
			MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.Agent, http.MethodPost, idPath("/api/v1/reviews", created.ID, "/actions"), map[string]any{"title": "No owner", "due_date": "2026-07-01"}).
			MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.Agent, http.MethodPatch, idPath("/api/v1/review-actions", f.provAction.ID), map[string]any{"version": 99, "status": "done"}).
			MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, fx.Agent, http.MethodPatch, idPath("/api/v1/review-actions", f.provAction.ID), map[string]any{"version": 1}).
			MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.Agent, http.MethodPatch, idPath("/api/v1/review-actions", f.provAction.ID), map[string]any{"version": 1, "status": "finished"}).
			MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.MustUnchanged(t, before)

		// The winter review's open action is carried into the spring pack,
		// overdue by the time the spring review meets.
		storetest.ClockOf(db).Set(time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC))
		var pack itsm.ReviewPack
		e.get(t, fx.ProviderAgent, idPath("/api/v1/reviews", created.ID, "/pack")).MustStatus(t, http.StatusOK).MustDecode(t, &pack)
		if len(pack.CarriedForward) != 1 || pack.CarriedForward[0].ID != f.provAction.ID || !pack.CarriedForward[0].Overdue || len(pack.Actions) != 0 {
			t.Fatalf("carried forward: %+v", pack.CarriedForward)
		}
		if len(pack.SLA) != 1 || pack.SLA[0].Level != itsm.SLAOverallRow || pack.SLA[0].Tickets != 0 || pack.Scorecard.ResponsePercent != nil {
			t.Fatalf("empty period's SLA: %+v", pack.SLA)
		}
		// Availability of the provider's checks, with response times and
		// downtime as numbers.
		chk := &itsm.Check{Name: "Portal", Service: "Purchasing portal", Kind: itsm.CheckHTTP, URL: "https://portal.example.org/", Interval: time.Minute,
			Enabled: true, ProviderID: &fx.Provider.ID}
		if err := db.CreateCheck(storetest.System(), chk); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
		if err := db.RecordCheckResults(storetest.System(), []itsm.CheckResult{
			{CheckID: chk.ID, At: at, Up: true, Latency: 180 * time.Millisecond, Attempts: 1},
			{CheckID: chk.ID, At: at.Add(time.Minute), Up: false, Latency: 20 * time.Millisecond, Error: "connection refused", Attempts: 1},
			{CheckID: chk.ID, At: at.Add(2 * time.Minute), Up: true, Latency: 180 * time.Millisecond, Attempts: 1}}); err != nil {
			t.Fatal(err)
		}
		var raw struct {
			Availability []map[string]any `json:"availability"`
		}
		e.get(t, fx.ProviderAgent, idPath("/api/v1/reviews", created.ID, "/pack")).MustStatus(t, http.StatusOK).MustDecode(t, &raw)
		if len(raw.Availability) != 1 || raw.Availability[0]["samples"] != 3.0 || raw.Availability[0]["p99_ms"].(float64) < 150 ||
			raw.Availability[0]["downtime_seconds"] != 60.0 {
			t.Fatalf("pack availability: %+v", raw.Availability)
		}

		// The owner closes it; it is no longer carried.
		var act itsm.ReviewAction
		e.send(t, fx.ProviderAgent, http.MethodPatch, idPath("/api/v1/review-actions", f.provAction.ID), map[string]any{"version": f.provAction.Version, "status": "done", "note": "Sent."}).
			MustStatus(t, http.StatusOK).MustDecode(t, &act)
		if act.Status != itsm.ReviewActionDone || act.Note != "Sent." {
			t.Fatalf("closed: %+v", act)
		}
		e.send(t, fx.ProviderAgent, http.MethodPatch, idPath("/api/v1/review-actions", f.provAction.ID), map[string]any{"version": act.Version, "title": "Renamed"}).
			MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		var list struct {
			Actions        []itsm.ReviewAction `json:"actions"`
			CarriedForward []itsm.ReviewAction `json:"carried_forward"`
		}
		e.get(t, fx.Auditor, idPath("/api/v1/reviews", created.ID, "/actions")).MustStatus(t, http.StatusOK).MustDecode(t, &list)
		if len(list.CarriedForward) != 0 {
			t.Fatalf("still carried: %+v", list.CarriedForward)
		}
		// Filters.
		var page struct{ Total int }
		e.get(t, fx.Auditor, "/api/v1/reviews?status=planned&sort=meeting_asc&provider_id="+strconv.FormatInt(fx.Provider.ID, 10)).MustStatus(t, http.StatusOK).MustDecode(t, &page)
		if page.Total != 2 {
			t.Fatalf("filtered total %d", page.Total)
		}
		e.get(t, fx.Auditor, "/api/v1/reviews?status=cancelled").MustError(t, http.StatusBadRequest, itsm.EINVALID)
	})
}
