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

var calendarRows int

// mustWindowRow inserts a scheduled change with a window straight into
// change_requests and returns its ID.
func (e *env) mustWindowRow(tb testing.TB, org int64, ref, service string, start, end time.Time) int64 {
	tb.Helper()
	calendarRows++
	var id int64
	q := fmt.Sprintf(`INSERT INTO change_requests (number, ref, kind, organisation_id, title, description, service, state, window_start, window_end,
		target_release, created_at, updated_at, version) VALUES (%d, '%s', 'rfc', %d, 'Change %s', 'Work', '%s', 'scheduled', %d, %d, '', 0, 0, 1) RETURNING id`,
		calendarRows, ref, org, ref, service, start.UnixMicro(), end.UnixMicro())
	if err := e.db.SQL().QueryRow(q).Scan(&id); err != nil {
		tb.Fatal(err)
	}
	return id
}

// TestCalendarAPI exercises the freeze, calendar and check endpoints and
// every status they document.
func TestCalendarAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		mgr := fx.Manager
		a1 := e.mustWindowRow(t, fx.CustomerA.ID, "RFC-0601", "Payroll", time.Date(2026, 3, 28, 22, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC))
		e.mustWindowRow(t, fx.CustomerB.ID, "RFC-0602", "Payroll", time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC))

		fye := map[string]any{"name": "Financial year end", "reason": "Accounts close.", "start": "2026-03-29T00:00:00Z", "end": "2026-04-14T23:00:00Z"}
		// Refusals first: nothing is written.
		before := e.MustCount(t)
		e.send(t, nil, http.MethodPost, "/api/v1/freezes", fye).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.Auditor, http.MethodPost, "/api/v1/freezes", fye).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.Agent, http.MethodPost, "/api/v1/freezes", fye).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		d := e.send(t, mgr, http.MethodPost, "/api/v1/freezes", with(fye, "end", "2026-03-01T00:00:00Z")).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		if d.Fields["end"] == "" {
			t.Errorf("end before start names no field: %+v", d)
		}
		d = e.send(t, mgr, http.MethodPost, "/api/v1/freezes", with(fye, "end", "2027-04-14T23:00:00Z")).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		if !strings.Contains(d.Message, "year or shorter") {
			t.Errorf("a freeze over a year: %+v", d)
		}
		e.send(t, mgr, http.MethodPost, "/api/v1/freezes", with(fye, "service", strings.Repeat("s", 101))).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, mgr, http.MethodPost, "/api/v1/freezes", with(fye, "start", "29 March")).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/freezes", token: e.token(mgr), body: rawJSON(fye), header: http.Header{"Content-Type": {"text/plain"}}}).
			MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
		e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/freezes", token: e.token(mgr), body: `{"name":"` + strings.Repeat("a", maxBody) + `"}`}).
			MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)
		e.MustUnchanged(t, before)

		rep := e.send(t, mgr, http.MethodPost, "/api/v1/freezes", fye).MustStatus(t, http.StatusCreated)
		var f itsm.FreezePeriod
		rep.MustDecode(t, &f)
		if rep.header.Get("Location") != idPath("/api/v1/freezes", f.ID) || rep.header.Get("ETag") != `W/"1"` || f.CreatedBy != mgr.Name {
			t.Errorf("created %+v, headers %v", f, rep.header)
		}
		path := idPath("/api/v1/freezes", f.ID)

		// Reading: everyone signed in.
		var pg page[itsm.FreezePeriod]
		e.get(t, fx.CustomerUserA, "/api/v1/freezes?from=2026-04-01T00:00:00Z&service=Payroll").MustStatus(t, http.StatusOK).MustDecode(t, &pg)
		if pg.Total != 1 || pg.Items[0].ID != f.ID {
			t.Errorf("customer's list: %+v", pg)
		}
		e.get(t, fx.CustomerUserA, "/api/v1/freezes?from=2026-05-01T00:00:00Z").MustStatus(t, http.StatusOK).MustDecode(t, &pg)
		if pg.Total != 0 {
			t.Errorf("freezes after May: %d", pg.Total)
		}
		e.get(t, mgr, "/api/v1/freezes?from=tomorrow").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, mgr, "/api/v1/freezes?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, mgr, "/api/v1/freezes?colour=red").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, nil, "/api/v1/freezes").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.get(t, fx.ProviderAgent, path).MustStatus(t, http.StatusOK)
		e.get(t, nil, path).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.get(t, mgr, "/api/v1/freezes/999999").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)

		// Changing.
		e.send(t, mgr, http.MethodPatch, path, map[string]any{"name": "Year end"}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, mgr, http.MethodPatch, path, map[string]any{"version": 1}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.CustomerAdminA, http.MethodPatch, path, map[string]any{"version": 1, "name": "Mine"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, nil, http.MethodPatch, path, map[string]any{"version": 1, "name": "Mine"}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, mgr, http.MethodPatch, "/api/v1/freezes/999999", map[string]any{"version": 1, "name": "x"}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustDo(t, request{method: http.MethodPatch, path: path, token: e.token(mgr), body: `{"version":1}`, header: http.Header{"Content-Type": {"text/plain"}}}).
			MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
		e.MustDo(t, request{method: http.MethodPatch, path: path, token: e.token(mgr), body: `{"name":"` + strings.Repeat("a", maxBody) + `"}`}).
			MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)
		e.send(t, mgr, http.MethodPatch, path, map[string]any{"version": 1, "name": "Year end", "service": "Payroll"}).MustStatus(t, http.StatusOK).MustDecode(t, &f)
		if f.Name != "Year end" || f.Service != "Payroll" || f.Version != 2 {
			t.Errorf("changed %+v", f)
		}
		e.send(t, mgr, http.MethodPatch, path, map[string]any{"version": 1, "name": "Again"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)

		// The calendar: scoped windows, conflicts, freezes.
		var cal itsm.Calendar
		e.get(t, fx.CustomerUserA, "/api/v1/calendar?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z").MustStatus(t, http.StatusOK).MustDecode(t, &cal)
		if len(cal.Windows) != 1 || cal.Windows[0].ChangeID != a1 || len(cal.Windows[0].Conflicts) != 1 || cal.Windows[0].Conflicts[0].Kind != itsm.ConflictFreeze || len(cal.Freezes) != 1 {
			t.Errorf("customer A's calendar: %+v", cal)
		}
		e.get(t, mgr, "/api/v1/calendar?from=2026-03-01T00:00:00%2B01:00&to=2026-04-01T00:00:00Z&service=payroll").MustStatus(t, http.StatusOK).MustDecode(t, &cal)
		if len(cal.Windows) != 2 || len(cal.Windows[0].Conflicts) != 2 {
			t.Errorf("staff calendar: %+v", cal)
		}
		e.get(t, mgr, "/api/v1/calendar?to=2026-04-01T00:00:00Z").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, mgr, "/api/v1/calendar?from=2026-03-01T00:00:00Z").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, mgr, "/api/v1/calendar?from=2026-03-01T00:00:00Z&to=2028-04-01T00:00:00Z").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.get(t, nil, "/api/v1/calendar?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Checking a window.
		check := map[string]any{"service": "PAYROLL", "start": "2026-03-28T23:30:00Z", "end": "2026-03-29T00:30:00Z"}
		var cl conflictList
		e.send(t, mgr, http.MethodPost, "/api/v1/calendar/check", check).MustStatus(t, http.StatusOK).MustDecode(t, &cl)
		if !cl.Refused || len(cl.Conflicts) != 3 || cl.Conflicts[0].FreezeID != f.ID || !strings.Contains(cl.Conflicts[0].Message, `"Year end"`) {
			t.Errorf("staff check: %+v", cl)
		}
		e.send(t, fx.CustomerUserA, http.MethodPost, "/api/v1/calendar/check", with(check, "change_id", a1)).MustStatus(t, http.StatusOK).MustDecode(t, &cl)
		if len(cl.Conflicts) != 1 {
			t.Errorf("customer check of its own change: %+v", cl)
		}
		e.send(t, mgr, http.MethodPost, "/api/v1/calendar/check", map[string]any{"service": "Housing", "start": "2026-03-28T22:00:00Z", "end": "2026-03-29T00:00:00Z"}).
			MustStatus(t, http.StatusOK).MustDecode(t, &cl)
		if cl.Refused || len(cl.Conflicts) != 0 {
			t.Errorf("a window ending as the freeze starts: %+v", cl)
		}
		e.send(t, mgr, http.MethodPost, "/api/v1/calendar/check", with(check, "end", "2026-03-28T00:00:00Z")).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, mgr, http.MethodPost, "/api/v1/calendar/check", with(check, "end", "2026-04-28T00:00:00Z")).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, mgr, http.MethodPost, "/api/v1/calendar/check", with(check, "change_id", -1)).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, nil, http.MethodPost, "/api/v1/calendar/check", check).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/calendar/check", token: e.token(mgr), body: rawJSON(check), header: http.Header{"Content-Type": {"text/plain"}}}).
			MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
		e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/calendar/check", token: e.token(mgr), body: `{"service":"` + strings.Repeat("a", maxBody) + `"}`}).
			MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)

		// Deleting.
		e.MustDo(t, request{method: http.MethodDelete, path: path, token: e.token(mgr)}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.MustDo(t, request{method: http.MethodDelete, path: path + "?version=1", token: e.token(mgr)}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.MustDo(t, request{method: http.MethodDelete, path: path + "?version=2", token: e.token(fx.Auditor)}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.MustDo(t, request{method: http.MethodDelete, path: path + "?version=2"}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.MustDo(t, request{method: http.MethodDelete, path: "/api/v1/freezes/999999?version=1", token: e.token(mgr)}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustDo(t, request{method: http.MethodDelete, path: path + "?version=2", token: e.token(mgr)}).MustStatus(t, http.StatusNoContent)
		e.get(t, mgr, path).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
	})
}

// TestCalendarPermissionMatrix tries the calendar's endpoints as every role.
func TestCalendarPermissionMatrix(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		e.mustWindowRow(t, fx.CustomerB.ID, "RFC-0701", "Payroll", time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC))
		mk := func() *itsm.FreezePeriod {
			f := &itsm.FreezePeriod{Name: "Freeze", Start: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)}
			if err := db.CreateFreeze(storetest.As(fx.Admin), f); err != nil {
				t.Fatal(err)
			}
			return f
		}
		standing := mk()
		get := func(p string) func(*testing.T, *env, caller) request {
			return func(*testing.T, *env, caller) request { return request{method: http.MethodGet, path: p} }
		}
		managers := want{s401, s201, s201, s403, s403, s403, s403, s403}
		readers := want{s401, s200, s200, s200, s200, s200, s200, s200}
		noB := func(t *testing.T, e *env, c caller, rep *reply) {
			var cal itsm.Calendar
			rep.MustDecode(t, &cal)
			for _, w := range cal.Windows {
				if w.OrgID != fx.CustomerB.ID {
					continue
				}
				if c.name != "admin" && c.name != "manager" && c.name != "agent" && c.name != "auditor" {
					t.Errorf("%s sees customer B's window %s", c.name, w.Ref)
				}
			}
		}
		cases := []permCase{
			{"list freezes", readers, get("/api/v1/freezes"), nil},
			{"get freeze", readers, get(idPath("/api/v1/freezes", standing.ID)), nil},
			{"calendar", readers, get("/api/v1/calendar?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z"), noB},
			{"check window", readers, func(*testing.T, *env, caller) request {
				return request{method: http.MethodPost, path: "/api/v1/calendar/check", body: map[string]any{"service": "Payroll", "start": "2026-03-10T09:30:00Z", "end": "2026-03-10T11:00:00Z"}}
			}, func(t *testing.T, e *env, c caller, rep *reply) {
				var cl conflictList
				rep.MustDecode(t, &cl)
				named := len(cl.Conflicts) == 1 && cl.Conflicts[0].Ref == "RFC-0701"
				if sees := c.name == "admin" || c.name == "manager" || c.name == "agent" || c.name == "auditor"; sees != named {
					t.Errorf("%s: conflicts %+v", c.name, cl.Conflicts)
				}
			}},
			{"create freeze", managers, func(*testing.T, *env, caller) request {
				return request{method: http.MethodPost, path: "/api/v1/freezes", body: map[string]any{"name": "New", "start": "2026-07-01T00:00:00Z", "end": "2026-07-02T00:00:00Z"}}
			}, nil},
			{"change freeze", want{s401, s200, s200, s403, s403, s403, s403, s403}, func(t *testing.T, e *env, c caller) request {
				f := mk()
				return request{method: http.MethodPatch, path: idPath("/api/v1/freezes", f.ID), body: map[string]any{"version": f.Version, "reason": "Because."}}
			}, nil},
			{"delete freeze", want{s401, s204, s204, s403, s403, s403, s403, s403}, func(t *testing.T, e *env, c caller) request {
				f := mk()
				return request{method: http.MethodDelete, path: idPath("/api/v1/freezes", f.ID) + "?version=1"}
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
						if after := e.MustCount(t); after.refusals <= before.refusals {
							t.Errorf("%s: %s %s → 403 was not written to the audit log", c.name, req.method, req.path)
						}
					case rep.status < 300 && pc.check != nil:
						pc.check(t, e, c, rep)
					}
				}
			})
		}
	})
}
