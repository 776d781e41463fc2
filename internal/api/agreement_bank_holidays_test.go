package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// govUKFeed is a small hand-written bank-holidays.json in gov.uk's exact
// shape.
const govUKFeed = `{"england-and-wales":{"division":"england-and-wales","events":[{"title":"Boxing Day","date":"2026-12-28","notes":"Substitute day","bunting":true}]},` +
	`"scotland":{"division":"scotland","events":[{"title":"St Andrew’s Day","date":"2026-11-30","notes":"","bunting":true},` +
	`{"title":"2nd January","date":"2027-01-04","notes":"Substitute day","bunting":true},{"title":"Christmas Day","date":"2026-12-25","notes":"","bunting":true}]}}`

// TestAgreementBankHolidays: an agreement may carry gov.uk's
// bank-holidays.json as it is published, and one division's dates join the
// calendar's holidays; every mistake is named by its path.
func TestAgreementBankHolidays(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		body := func(division string, feed any, cal map[string]any) map[string]any {
			return map[string]any{"name": "Agreement with gov.uk's holidays", "provider_id": fx.Provider.ID, "effective_from": "2026-04-01T00:00:00+01:00",
				"calendar": cal, "targets": targets(), "bank_holidays": map[string]any{"division": division, "feed": feed}}
		}
		withHolidays := func(hs ...string) map[string]any {
			c := officeHours()
			c["holidays"] = hs
			return c
		}
		feed := json.RawMessage(govUKFeed)

		var ag itsm.ServiceAgreement
		e.send(t, fx.Manager, http.MethodPost, "/api/v1/agreements", body("scotland", feed, withHolidays("2026-12-25", "2026-12-24"))).
			MustStatus(t, http.StatusCreated).MustDecode(t, &ag)
		if want := []string{"2026-11-30", "2026-12-24", "2026-12-25", "2027-01-04"}; !reflect.DeepEqual(ag.Calendar.Holidays, want) {
			t.Fatalf("holidays %v, want %v", ag.Calendar.Holidays, want)
		}

		before := e.MustCount(t)
		allDay := map[string]any{"24x7": true}
		for _, c := range []struct {
			what  string
			body  any
			field string
		}{
			{"an unknown division", body("wales", feed, officeHours()), "bank_holidays.division"},
			{"no division", body("", feed, officeHours()), "bank_holidays.division"},
			{"a division the feed lacks", body("northern-ireland", feed, officeHours()), "bank_holidays.division"},
			{"a feed that is a list", body("scotland", []any{map[string]any{"date": "2026-11-30"}}, officeHours()), "bank_holidays.feed"},
			{"a feed that is a string", body("scotland", "https://www.gov.uk/bank-holidays.json", officeHours()), "bank_holidays.feed"},
			{"a feed of something else", body("scotland", map[string]any{"calendar": officeHours()}, officeHours()), "bank_holidays.feed"},
			{"a malformed date", body("scotland", json.RawMessage(strings.Replace(govUKFeed, "2026-11-30", "30/11/2026", 1)), officeHours()), "bank_holidays.feed"},
			{"events that are not a list", body("scotland", map[string]any{"scotland": map[string]any{"division": "scotland", "events": "none"}}, officeHours()), "bank_holidays.feed"},
			{"no feed", map[string]any{"name": "X", "provider_id": fx.Provider.ID, "effective_from": "2026-04-01T00:00:00+01:00", "calendar": officeHours(), "targets": targets(),
				"bank_holidays": map[string]any{"division": "scotland"}}, "bank_holidays.feed"},
			{"an unknown field", map[string]any{"name": "X", "provider_id": fx.Provider.ID, "effective_from": "2026-04-01T00:00:00+01:00", "calendar": officeHours(), "targets": targets(),
				"bank_holidays": map[string]any{"division": "scotland", "feed": feed, "year": 2026}}, "bank_holidays.year"},
			{"a 24×7 calendar", body("scotland", feed, allDay), "bank_holidays"},
			// The calendar's own holidays are judged at the positions given.
			{"a bad holiday of the calendar's own", body("scotland", feed, withHolidays("2026-12-24", "2026-02-30")), "calendar.holidays[1]"},
		} {
			d := e.send(t, fx.Manager, http.MethodPost, "/api/v1/agreements", c.body).MustField(t, c.field)
			if !strings.HasSuffix(d.Message, ".") || !strings.Contains(d.Message, c.field) {
				t.Errorf("%s: message %q does not name %s in a sentence", c.what, d.Message, c.field)
			}
		}
		e.MustUnchanged(t, before)
	})
}

// TestSLATargetLimits: a target too long to be reached is refused, naming
// the field, by the simulator and for an agreement, rather than answered
// with an invented due instant; a priority event without a priority says
// so.
func TestSLATargetLimits(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		long := targets()
		long["P1"] = map[string]any{"response": "30m", "resolution": "2000000h"}
		created := map[string]any{"at": "2026-03-02T09:00:00Z", "type": "created"}
		tickets := []any{map[string]any{"id": "a", "priority": "P1", "events": []any{created}}}
		d := e.send(t, fx.Agent, http.MethodPost, "/api/v1/sla/simulate", map[string]any{"calendar": officeHours(), "targets": long, "tickets": tickets}).
			MustField(t, "targets.P1.resolution")
		if !strings.Contains(d.Message, "more than 10 years of this calendar's business time; give at most 20840h") {
			t.Errorf("simulator: %q", d.Message)
		}
		// 24×7 allows 10 years of every hour: 87528h.
		long["P1"] = map[string]any{"response": "87529h", "resolution": "87529h"}
		e.send(t, fx.Agent, http.MethodPost, "/api/v1/sla/simulate", map[string]any{"calendar": map[string]any{"24x7": true}, "targets": long, "tickets": tickets}).
			MustField(t, "targets.P1.response")
		long["P1"] = map[string]any{"response": "30m", "resolution": "20840h"}
		e.send(t, fx.Agent, http.MethodPost, "/api/v1/sla/simulate", map[string]any{"calendar": officeHours(), "targets": long, "tickets": tickets}).
			MustStatus(t, http.StatusOK)

		before := e.MustCount(t)
		long["P1"] = map[string]any{"response": "30m", "resolution": "2000000h"}
		e.send(t, fx.Manager, http.MethodPost, "/api/v1/agreements", map[string]any{"name": "Forever", "provider_id": fx.Provider.ID,
			"effective_from": "2026-04-01T00:00:00+01:00", "calendar": officeHours(), "targets": long}).MustField(t, "targets.P1.resolution")
		e.MustUnchanged(t, before)

		priority := map[string]any{"at": "2026-03-02T10:00:00Z", "type": "priority"}
		d = e.send(t, fx.Agent, http.MethodPost, "/api/v1/sla/simulate", map[string]any{"calendar": officeHours(), "targets": targets(),
			"tickets": []any{map[string]any{"id": "a", "priority": "P1", "events": []any{created, priority}}}}).MustField(t, "tickets[0].events[1].priority")
		if !strings.Contains(d.Message, "tickets[0].events[1].priority is missing") || strings.Contains(d.Message, "has no targets") {
			t.Errorf("missing priority: %q", d.Message)
		}
	})
}
