package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// officeHours is a calendar body: weekdays 09:00–17:00, Scotland's bank
// holidays.
func officeHours() map[string]any {
	day := [][]string{{"09:00", "17:00"}}
	return map[string]any{"timezone": "Europe/London", "holiday_set": "scotland",
		"week": map[string]any{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}}
}

func targets() map[string]any {
	return map[string]any{"P1": map[string]any{"response": "30m", "resolution": "4h"}, "P2": map[string]any{"response": "1h", "resolution": "8h"},
		"P3": map[string]any{"response": "4h", "resolution": "24h"}, "P4": map[string]any{"response": "8h", "resolution": "40h"}}
}

// TestAgreements: an agreement's calendar has the simulator's shape, and
// every mistake in it is named by its path.
func TestAgreements(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		body := func(changes map[string]any) map[string]any {
			b := map[string]any{"name": "Help desk agreement 2026", "provider_id": fx.Provider.ID, "effective_from": "2026-04-01T00:00:00+01:00",
				"calendar": officeHours(), "targets": targets()}
			for k, v := range changes {
				b[k] = v
			}
			return b
		}
		rep := e.send(t, fx.Manager, http.MethodPost, "/api/v1/agreements", body(nil)).MustStatus(t, http.StatusCreated)
		var ag itsm.ServiceAgreement
		rep.MustDecode(t, &ag)
		if ag.Name != "Help desk agreement 2026" || !ag.EffectiveFrom.Equal(time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)) || ag.CustomerID != nil ||
			!reflect.DeepEqual(ag.Calendar, itsm.OfficeHoursSpec()) || !reflect.DeepEqual(ag.Targets, itsm.DefaultTargets()) ||
			!reflect.DeepEqual(ag.PauseStatuses, []string{"pending customer"}) || !reflect.DeepEqual(ag.WarnFractions, []float64{0.75, 0.9}) ||
			rep.header.Get("Location") != idPath("/api/v1/agreements", ag.ID) || rep.header.Get("ETag") != `W/"1"` {
			t.Fatalf("created %+v", ag)
		}
		// The calendar reads back in exactly the simulator's JSON shape.
		var raw struct {
			Calendar json.RawMessage `json:"calendar"`
		}
		e.get(t, fx.CustomerUserA, rep.header.Get("Location")).MustStatus(t, http.StatusOK).MustDecode(t, &raw)
		var cal sla.SimulationCalendar
		dec := json.NewDecoder(strings.NewReader(string(raw.Calendar)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cal); err != nil || !reflect.DeepEqual(cal, itsm.OfficeHoursSpec()) {
			t.Fatalf("calendar %s: %v", raw.Calendar, err)
		}
		// Nothing pauses, no warnings: empty lists, not defaults.
		var own itsm.ServiceAgreement
		e.send(t, fx.Admin, http.MethodPost, "/api/v1/agreements", body(map[string]any{"customer_id": fx.CustomerB.ID, "pause_statuses": []string{}, "warn_fractions": []float64{},
			"calendar": map[string]any{"24x7": true}})).MustStatus(t, http.StatusCreated).MustDecode(t, &own)
		if *own.CustomerID != fx.CustomerB.ID || len(own.PauseStatuses) != 0 || own.PauseStatuses == nil || len(own.WarnFractions) != 0 || !own.Calendar.AllDay {
			t.Fatalf("customer B's agreement: %+v", own)
		}

		before := e.MustCount(t)
		week := func(mon any) map[string]any { return map[string]any{"week": map[string]any{"mon": mon}} }
		for _, c := range []struct {
			changes map[string]any
			field   string
		}{
			{map[string]any{"name": " "}, "name"},
			{map[string]any{"provider_id": fx.CustomerA.ID}, "provider_id"},
			{map[string]any{"customer_id": fx.Provider.ID}, "customer_id"},
			{map[string]any{"customer_id": 0}, "customer_id"},
			{map[string]any{"effective_from": "1 April 2026"}, "effective_from"},
			{map[string]any{"effective_from": ""}, "effective_from"},
			{map[string]any{"calendar": map[string]any{"timezone": "Europe/Lndon", "week": officeHours()["week"]}}, "calendar.timezone"},
			{map[string]any{"calendar": week([][]string{{"17:00", "09:00"}})}, "calendar.week.mon[0]"},
			{map[string]any{"calendar": week([][]string{{"09:00", "12:00"}, {"25:00", "26:00"}})}, "calendar.week.mon[1]"},
			{map[string]any{"calendar": week([][]string{{"09:00"}})}, "calendar.week.mon[0]"},
			{map[string]any{"calendar": map[string]any{}}, "calendar.week"},
			{map[string]any{"calendar": map[string]any{"week": officeHours()["week"], "holidays": []string{"2026-02-30"}}}, "calendar.holidays[0]"},
			{map[string]any{"calendar": map[string]any{"week": officeHours()["week"], "holiday_set": "wales"}}, "calendar.holiday_set"},
			{map[string]any{"calendar": map[string]any{"weeks": officeHours()["week"]}}, "calendar.weeks"},
			{map[string]any{"calendar": map[string]any{"week": map[string]any{"monday": [][]string{}}}}, "calendar.week.monday"},
			{map[string]any{"calendar": map[string]any{"week": map[string]any{"mon": "09:00-17:00"}}}, "calendar.week.mon"},
			{map[string]any{"calendar": map[string]any{"week": map[string]any{"mon": [][]any{{"09:00", 17}}}}}, "calendar.week.mon[0][1]"},
			{map[string]any{"calendar": map[string]any{"week": map[string]any{"mon": nil}}}, "calendar.week.mon"},
			{map[string]any{"calendar": map[string]any{"24x7": "yes"}}, "calendar.24x7"},
			{map[string]any{"targets": map[string]any{"P1": map[string]any{"response": "half an hour", "resolution": "4h"}}}, "targets.P1.response"},
			{map[string]any{"targets": map[string]any{"P1": map[string]any{"response": "30m"}}}, "targets.P1.resolution"},
			{map[string]any{"targets": map[string]any{"P1": map[string]any{"response": "30m", "resolution": "4h", "breach": "5h"}}}, "targets.P1.breach"},
			{map[string]any{"targets": map[string]any{"P1": map[string]any{"response": "30m", "resolution": "4h"}}}, "targets.P2"},
			{map[string]any{"targets": map[string]any{}}, "targets.P1"},
			{map[string]any{"pause_statuses": []string{"pending custmer"}}, "pause_statuses[0]"},
			{map[string]any{"pause_statuses": []string{"pending customer", "resolved"}}, "pause_statuses[1]"},
			{map[string]any{"warn_fractions": []float64{0.5, 1.5}}, "warn_fractions[1]"},
			{map[string]any{"warn_fractions": []any{0.5, "0.9"}}, "warn_fractions[1]"},
		} {
			d := e.send(t, fx.Manager, http.MethodPost, "/api/v1/agreements", body(c.changes)).MustField(t, c.field)
			if !strings.HasSuffix(d.Fields[c.field], ".") {
				t.Errorf("%s: %q is not a sentence", c.field, d.Fields[c.field])
			}
		}
		// A duplicate key inside the calendar is refused, naming its path.
		dup := strings.Replace(rawJSON(body(nil)), `"timezone":"Europe/London"`, `"timezone":"Europe/London","timezone":"UTC"`, 1)
		e.send(t, fx.Manager, http.MethodPost, "/api/v1/agreements", dup).MustField(t, "calendar.timezone")
		e.MustUnchanged(t, before)

		// Customers read the general agreements and their own.
		var list page[itsm.ServiceAgreement]
		e.get(t, fx.CustomerUserB, "/api/v1/agreements").MustStatus(t, http.StatusOK).MustDecode(t, &list)
		if list.Total != 2 {
			t.Fatalf("customer B reads %d agreements", list.Total)
		}
		e.get(t, fx.CustomerUserA, "/api/v1/agreements?limit=1").MustStatus(t, http.StatusOK).MustDecode(t, &list)
		if list.Total != 1 || list.Items[0].ID != ag.ID {
			t.Fatalf("customer A reads %+v", list)
		}
		e.get(t, fx.CustomerUserA, idPath("/api/v1/agreements", own.ID)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, fx.CustomerUserA, "/api/v1/agreements?provider_id=1").MustField(t, "provider_id")
	})
}

// TestSimulate: the what-if simulator answers from its input alone, at
// the server's clock unless told otherwise, and names every mistake by its
// path in the request.
func TestSimulate(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		created := map[string]any{"at": "2026-03-02T09:00:00Z", "type": "created"}
		input := func(tickets ...any) map[string]any {
			return map[string]any{"calendar": officeHours(), "targets": targets(), "tickets": tickets}
		}
		ticket := func(id string, events ...any) map[string]any {
			return map[string]any{"id": id, "priority": "P3", "events": append([]any{created}, events...)}
		}
		// At the server's now (Monday 09:00) nothing has happened yet.
		var out sla.SimulationOutput
		e.send(t, fx.Auditor, http.MethodPost, "/api/v1/sla/simulate", input(ticket("open"))).MustStatus(t, http.StatusOK).MustDecode(t, &out)
		want := sla.SimulationOutcome{ID: "open", ResponseDue: time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC), ResolutionDue: time.Date(2026, 3, 4, 17, 0, 0, 0, time.UTC)}
		if len(out.Tickets) != 1 || !reflect.DeepEqual(out.Tickets[0], want) {
			t.Fatalf("simulated %+v, want %+v", out.Tickets, want)
		}
		// Replied at 10:00, paused for two hours, resolved the next day.
		in := input(ticket("worked",
			map[string]any{"at": "2026-03-02T10:00:00Z", "type": "public_reply", "by": "staff"},
			map[string]any{"at": "2026-03-02T10:00:00Z", "type": "status", "status": "pending customer"},
			map[string]any{"at": "2026-03-02T12:00:00Z", "type": "status", "status": "in progress"},
			map[string]any{"at": "2026-03-03T12:00:00Z", "type": "status", "status": "resolved"}), ticket("late"))
		in["now"] = "2026-03-06T09:00:00Z"
		e.send(t, fx.CustomerUserA, http.MethodPost, "/api/v1/sla/simulate", in).MustStatus(t, http.StatusOK).MustDecode(t, &out)
		worked, late := out.Tickets[0], out.Tickets[1]
		if worked.ResponseMet == nil || !worked.ResponseMet.Equal(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) || worked.ResponseBreached ||
			worked.BusinessSecondsToResolve == nil || *worked.BusinessSecondsToResolve != 9*3600 || worked.ResolutionBreached ||
			!worked.ResolutionDue.Equal(time.Date(2026, 3, 5, 11, 0, 0, 0, time.UTC)) {
			t.Fatalf("worked: %+v", worked)
		}
		if !late.ResponseBreached || !late.ResolutionBreached || late.Resolved != nil || late.BusinessSecondsToResolve != nil {
			t.Fatalf("late: %+v", late)
		}

		before := e.MustCount(t)
		for _, c := range []struct {
			what  string
			body  map[string]any
			field string
		}{
			{"a bad instant", input(ticket("a", map[string]any{"at": "2026-03-02T10:00:00Z", "type": "public_reply", "by": "staff"},
				map[string]any{"at": "Tuesday", "type": "status", "status": "resolved"})), "tickets[0].events[2].at"},
			{"events out of order", input(ticket("a", map[string]any{"at": "2026-03-01T10:00:00Z", "type": "public_reply", "by": "staff"})), "tickets[0].events[1].at"},
			{"no created event", input(map[string]any{"id": "a", "priority": "P3", "events": []any{map[string]any{"at": "2026-03-02T09:00:00Z", "type": "status", "status": "new"}}}), "tickets[0].events[0].type"},
			{"an unknown priority", input(map[string]any{"id": "a", "priority": "P9", "events": []any{created}}), "tickets[0].priority"},
			{"a repeated ID", input(ticket("a"), ticket("a")), "tickets[1].id"},
			{"no ID", input(ticket("")), "tickets[0].id"},
			{"a misspelt event field", input(ticket("a", map[string]any{"when": "2026-03-02T10:00:00Z", "type": "status"})), "tickets[0].events[1].when"},
			{"an instant as a number", input(ticket("a", map[string]any{"at": 1772442000, "type": "status"})), "tickets[0].events[1].at"},
			{"a null event", input(ticket("a", nil)), "tickets[0].events[1]"},
			{"an unknown zone", map[string]any{"calendar": map[string]any{"timezone": "Mars/Olympus", "24x7": true}, "targets": targets()}, "calendar.timezone"},
			{"the server's zone", map[string]any{"calendar": map[string]any{"timezone": "Local", "24x7": true}, "targets": targets()}, "calendar.timezone"},
			{"a bad interval", map[string]any{"calendar": map[string]any{"week": map[string]any{"tue": [][]string{{"9am", "5pm"}}}}, "targets": targets()}, "calendar.week.tue[0]"},
			{"a bad target", map[string]any{"calendar": officeHours(), "targets": map[string]any{"P1": map[string]any{"response": "-1h", "resolution": "4h"}}}, "targets.P1.response"},
			{"no targets", map[string]any{"calendar": officeHours()}, "targets"},
			{"a stopping pause", map[string]any{"calendar": officeHours(), "targets": targets(), "pause_statuses": []string{"closed"}}, "pause_statuses[0]"},
			{"a bad now", map[string]any{"calendar": officeHours(), "targets": targets(), "now": "soon"}, "now"},
			{"a created event after now", map[string]any{"calendar": officeHours(), "targets": targets(), "now": "2026-03-01T00:00:00Z", "tickets": []any{ticket("a")}}, "tickets[0].events[0].at"},
			{"too many tickets", input(manyTickets(maxSimulatedTickets+1, created)...), "tickets"},
		} {
			d := e.send(t, fx.Agent, http.MethodPost, "/api/v1/sla/simulate", c.body).MustField(t, c.field)
			if !strings.HasSuffix(d.Message, ".") || !strings.Contains(d.Message, c.field) {
				t.Errorf("%s: message %q does not name %s in a sentence", c.what, d.Message, c.field)
			}
		}
		e.MustUnchanged(t, before)
		e.send(t, fx.Agent, http.MethodPost, "/api/v1/sla/simulate", input(manyTickets(maxSimulatedTickets, created)...)).MustStatus(t, http.StatusOK)
	})
}

func manyTickets(n int, created any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"id": fmt.Sprint(i), "priority": "P1", "events": []any{created}}
	}
	return out
}

// TestHolidays: the bank holidays of a set and year, to anyone.
func TestHolidays(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		var got []holiday
		rep := e.get(t, nil, "/api/v1/holidays?set=scotland&year=2027").MustStatus(t, http.StatusOK)
		rep.MustDecode(t, &got)
		want := []holiday{{"2027-01-01", "New Year's Day"}, {"2027-01-04", "2nd January (substitute day)"}, {"2027-03-26", "Good Friday"},
			{"2027-05-03", "Early May bank holiday"}, {"2027-05-31", "Spring bank holiday"}, {"2027-08-02", "Summer bank holiday"},
			{"2027-11-30", "St Andrew's Day"}, {"2027-12-27", "Christmas Day (substitute day)"}, {"2027-12-28", "Boxing Day (substitute day)"}}
		if !reflect.DeepEqual(got, want) || rep.header.Get("Cache-Control") != "public, max-age=86400" {
			t.Fatalf("Scotland 2027: %+v (%s)", got, rep.header.Get("Cache-Control"))
		}
		// This year by default, by the server's clock; a bad token is
		// ignored, as no token is read.
		e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/holidays?set=england-and-wales", token: "stw_nonsense"}).MustStatus(t, http.StatusOK).MustDecode(t, &got)
		if len(got) != 8 || got[0].Date != "2026-01-01" || got[1].Name != "Good Friday" {
			t.Fatalf("England and Wales this year: %+v", got)
		}
		for _, bad := range []struct{ query, field string }{
			{"", "set"}, {"?set=wales", "set"}, {"?set=", "set"}, {"?set=scotland&year=twenty", "year"}, {"?set=scotland&year=1582", "year"},
			{"?set=scotland&year=10000", "year"}, {"?set=scotland&year=02027", "year"}, {"?set=scotland&year=2027&year=2028", "year"},
			{"?set=scotland&limit=5", "limit"}, {"?set=scotland&offset=1", "offset"}, {"?set=scotland&country=uk", "country"},
		} {
			e.get(t, nil, "/api/v1/holidays"+bad.query).MustField(t, bad.field)
		}
	})
}
