package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// changeRoutes are the routes this area serves.
func changeRoutes() []route {
	var out []route
	for _, rt := range (&API{}).routeTable() {
		if rt.object == "change" {
			out = append(out, rt)
		}
	}
	return out
}

// TestChangeRoutesRefuse sends every change route the refusals every route
// shares: no token (401), an auditor on a route that changes records (403),
// a body that is not JSON (415) or too large (413), and a record the caller
// may not see (404). None of them changes anything.
func TestChangeRoutesRefuse(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		c := e.MustChange(t, "Route checks")
		tk := e.MustNewTicket(t, fx.CustomerUserA, "Linked ticket")
		if err := db.LinkChangeTicket(storetest.As(fx.Agent), c.ID, tk.ID); err != nil {
			t.Fatal(err)
		}
		p := &itsm.Problem{Title: "Slow basket"}
		if err := db.CreateProblem(storetest.As(fx.Agent), p); err != nil {
			t.Fatal(err)
		}
		if err := db.LinkChangeProblem(storetest.As(fx.Agent), c.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		valid := map[string]any{
			"POST /api/v1/changes":                            map[string]any{"kind": "rfc", "subtype": "cosmetic", "title": "T", "description": "D"},
			"PATCH /api/v1/changes/{id}":                      map[string]any{"version": 1, "title": "T"},
			"POST /api/v1/changes/{id}/transitions":           map[string]any{"action": "withdraw", "note": "No longer needed.", "version": 1},
			"POST /api/v1/changes/{id}/schedule":              map[string]any{"target_release": "R1", "window_start": "2026-05-01T18:00:00Z", "window_end": "2026-05-01T20:00:00Z", "version": 1},
			"POST /api/v1/changes/{id}/schedule/check":        map[string]any{"window_start": "2026-05-01T18:00:00Z", "window_end": "2026-05-01T20:00:00Z"},
			"POST /api/v1/changes/{id}/estimates":             map[string]any{"effort_days": 1, "cost": 100, "delivery_date": "2026-05-01"},
			"POST /api/v1/changes/{id}/votes":                 map[string]any{"vote": "approve"},
			"POST /api/v1/changes/{id}/costs":                 map[string]any{"date": "2026-03-01", "amount": 100, "note": "x"},
			"PUT /api/v1/changes/{id}/budget":                 map[string]any{"budget": 100, "reason": "x", "version": 1},
			"PUT /api/v1/changes/{id}/forecast":               map[string]any{"forecast_date": "2026-05-01", "version": 1},
			"POST /api/v1/changes/{id}/tickets":               map[string]any{"ticket_id": tk.ID},
			"POST /api/v1/changes/{id}/problems":              map[string]any{"problem_id": p.ID},
			"POST /api/v1/problems/{id}/changes":              map[string]any{"organisation_id": fx.CustomerA.ID},
			"DELETE /api/v1/changes/{id}/tickets/{ticket_id}": nil,
		}
		before := e.MustCount(t)
		for _, rt := range changeRoutes() {
			method, path := fillPath(rt.pattern, c.ID, tk.ID, p.ID)
			body := valid[rt.pattern]
			e.MustDo(t, request{method: method, path: path, body: body}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
			if rt.access == changes {
				e.send(t, fx.Auditor, method, path, body).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
			}
			if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
				e.MustDo(t, request{method: method, path: path, token: e.token(fx.Admin), body: `{}`, header: http.Header{"Content-Type": {"text/plain"}}}).
					MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
				e.MustDo(t, request{method: method, path: path, token: e.token(fx.Admin), body: `{"x":"` + strings.Repeat("a", maxBody) + `"}`}).
					MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)
			}
			if strings.Contains(rt.pattern, "{id}") {
				// Customer B cannot see A's change; nobody sees a problem
				// or provider that does not exist.
				who, id := fx.CustomerAdminB, c.ID
				if strings.HasPrefix(rt.pattern, "POST /api/v1/problems/") {
					who, id = fx.Admin, 999999
				}
				m, p404 := fillPath(rt.pattern, id, tk.ID, p.ID)
				e.send(t, who, m, p404, body).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			}
		}
		e.MustUnchanged(t, before)
	})
}

// fillPath puts IDs into a route pattern.
func fillPath(pattern string, id, ticket, problem int64) (string, string) {
	method, p, _ := strings.Cut(pattern, " ")
	r := strings.NewReplacer("{id}", strconv.FormatInt(id, 10), "{ticket_id}", strconv.FormatInt(ticket, 10), "{problem_id}", strconv.FormatInt(problem, 10))
	return method, r.Replace(p)
}
