package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

var calendarRowNumber int

// mustCalendarWindow inserts a change with an implementation window
// straight into change_requests (the calendar does not depend on the
// change lifecycle) and returns its ID.
func (e *env) mustCalendarWindow(org int64, ref, service, state, start, end string) int64 {
	e.t.Helper()
	calendarRowNumber++
	at := func(s string) int64 {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, itsm.ReportLocation())
		if err != nil {
			e.t.Fatal(err)
		}
		return v.UnixMicro()
	}
	var id int64
	q := fmt.Sprintf(`INSERT INTO change_requests (number, ref, kind, organisation_id, title, description, service, state, window_start, window_end,
		target_release, created_at, updated_at, version) VALUES (%d, '%s', 'rfc', %d, 'Upgrade %s', 'Work', '%s', '%s', %d, %d, '', 0, 0, 1) RETURNING id`,
		calendarRowNumber, ref, org, ref, service, state, at(start), at(end))
	if err := e.db.SQL().QueryRow(q).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func freezeForm(name, service, start, startTime, end, endTime string) url.Values {
	return url.Values{"name": {name}, "service": {service}, "start": {start}, "start_time": {startTime}, "end": {end}, "end_time": {endTime},
		"reason": {"Accounts close; no changes, please."}}
}

// TestFreezePages adds, lists, exports, changes and deletes a freeze period
// through the forms, and refuses bad input with the error summary.
func TestFreezePages(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mgr := e.as(e.f.Manager)
		mustStatus(t, mgr.Get("/calendar/freezes/new"), http.StatusOK, "new freeze form")
		res := mgr.Post("/calendar/freezes/new", freezeForm("", "", "2026-04-15", "", "2026-03-25", ""))
		mustFormError(t, res, http.StatusBadRequest, "freeze without a name, ending before it starts", "name", "end")
		res = mgr.Post("/calendar/freezes/new", freezeForm("Year end", "", "2026-02-30", "25:00", "2026-03-25", "9am"))
		mustFormError(t, res, http.StatusBadRequest, "impossible date and times", "start", "end_time")
		mustContain(t, res.Body, "re-rendered form", `value="Year end"`, `value="9am"`)
		res = mgr.Post("/calendar/freezes/new", freezeForm("Year end", "", "2026-03-25", "", "2027-03-27", ""))
		mustFormError(t, res, http.StatusBadRequest, "freeze over a year", "end")
		mustContain(t, res.Body, "freeze over a year", "A freeze must be a year or shorter.")
		res = mgr.Post("/calendar/freezes/new", freezeForm("Year end", strings.Repeat("s", 101), "2026-03-25", "", "2026-04-15", ""))
		mustFormError(t, res, http.StatusBadRequest, "long service", "service")

		res = mgr.Post("/calendar/freezes/new", freezeForm("Financial year end", "", "2026-03-25", "", "2026-04-15", "06:30"))
		mustStatus(t, res, http.StatusSeeOther, "add freeze")
		detail := res.Location()
		page := mgr.Get(detail)
		mustStatus(t, page, http.StatusOK, "freeze page")
		mustContain(t, page.Body, "freeze page", "Financial year end", "All services", "25 Mar 2026 00:00", "15 Apr 2026 06:30", "Accounts close; no changes, please.", "Morag Manager")
		list := mgr.Get("/calendar/freezes?when=all&sort=-start")
		mustContain(t, list.Body, "freeze list", "Financial year end", "Showing 1 to 1 of 1 freeze periods")
		mustStatus(t, mgr.Get("/calendar/freezes?when=someday"), http.StatusBadRequest, "unknown filter value")
		csv := mgr.Get("/calendar/freezes.csv?when=all")
		mustContain(t, csv.Body, "freeze CSV", "id,name,service,start,end,reason", "Financial year end,,2026-03-25T00:00:00Z,2026-04-15T05:30:00Z")
		if ct := csv.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("CSV content type %q", ct)
		}
		// Customers read freezes but cannot change them.
		cust := e.as(e.f.CustomerUserA)
		mustContain(t, cust.Get(detail).Body, "customer's freeze page", "Financial year end")
		mustStatus(t, cust.Get(detail+"/edit"), http.StatusForbidden, "customer's edit form")

		// Change it; a stale version is a conflict shown on the form.
		edit := mgr.Get(detail + "/edit")
		mustContain(t, edit.Body, "edit form", `value="2026-04-15"`, `value="06:30"`, `name="version" value="1"`)
		form := freezeForm("Year end", "Payroll", "2026-03-25", "", "2026-04-15", "")
		form.Set("version", "1")
		mustStatus(t, mgr.Post(detail+"/edit", form), http.StatusSeeOther, "change freeze")
		res = mgr.Post(detail+"/edit", form)
		mustStatus(t, res, http.StatusConflict, "stale change")
		mustContain(t, res.Body, "stale change", "Someone else changed this freeze period")
		mustContain(t, mgr.Get(detail).Body, "changed freeze", "Year end", "Payroll")

		// Delete it.
		mustStatus(t, mgr.Post(detail+"/delete", url.Values{"version": {"1"}}), http.StatusConflict, "stale delete")
		mustStatus(t, mgr.Post(detail+"/delete", url.Values{"version": {"2"}}), http.StatusSeeOther, "delete")
		mustStatus(t, mgr.Get(detail), http.StatusNotFound, "deleted freeze")
	})
}

// TestCalendarViews shows the month and week views scoped to the viewer,
// with conflicts written out, and navigates between them.
func TestCalendarViews(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		e.mustCalendarWindow(f.CustomerA.ID, "RFC-0401", "Payroll", "scheduled", "2026-03-28 22:00", "2026-03-29 02:00")
		e.mustCalendarWindow(f.CustomerB.ID, "RFC-0402", "Payroll", "scheduled", "2026-03-28 23:00", "2026-03-29 01:00")
		e.mustCalendarWindow(f.CustomerA.ID, "RFC-0403", "Housing", "withdrawn", "2026-03-10 09:00", "2026-03-10 10:00")
		mgr := e.as(f.Manager)
		mustStatus(t, mgr.Post("/calendar/freezes/new", freezeForm("Financial year end", "", "2026-03-29", "", "2026-04-15", "")), http.StatusSeeOther, "add freeze")

		staff := mgr.Get("/calendar?month=2026-03")
		mustStatus(t, staff, http.StatusOK, "month view")
		mustContain(t, staff.Body, "staff month view", "Change calendar: March 2026", "RFC-0401", "RFC-0402", "Conflict",
			"The window overlaps RFC-0402", "The window falls within the freeze &#34;Financial year end&#34; on all services",
			"Saturday 28 March 2026", "from 23:00", "from 22:00", "until 02:00", "Freeze:", `<th scope="col"><abbr title="Monday">Mon</abbr></th>`,
			`href="/calendar?month=2026-02"`, `href="/calendar?month=2026-04"`, "2 windows, 1 freeze, 2 with conflicts")
		if strings.Contains(staff.Body, "RFC-0403") {
			t.Error("a withdrawn change's window is on the calendar")
		}
		cust := e.as(f.CustomerUserA)
		page := cust.Get("/calendar?month=2026-03")
		mustContain(t, page.Body, "customer month view", "RFC-0401", "Financial year end", `href="/calendar" class="ds_site-navigation__link`)
		if strings.Contains(page.Body, "RFC-0402") {
			t.Error("customer A sees customer B's change on the calendar")
		}
		week := cust.Get("/calendar/week?week=2026-03-26&service=payroll")
		mustStatus(t, week, http.StatusOK, "week view")
		mustContain(t, week.Body, "week view", "week beginning 23 March 2026", `<th scope="row"><time datetime="2026-03-29">Sunday 29 March 2026</time>`,
			"RFC-0401", "until 02:00", `href="/calendar/week?service=payroll&amp;week=2026-03-30"`, `value="payroll"`)
		if strings.Contains(week.Body, "RFC-0402") {
			t.Error("customer A sees customer B's change on the week view")
		}
		housing := mgr.Get("/calendar?month=2026-03&service=Housing")
		if strings.Contains(housing.Body, "RFC-0401") || !strings.Contains(housing.Body, "Financial year end") {
			t.Error("the service filter shows other services' windows or hides global freezes")
		}
		for _, bad := range []string{"/calendar?month=March", "/calendar?month=1999-01", "/calendar/week?week=2026-13-01", "/calendar?service=" + strings.Repeat("s", 101)} {
			mustStatus(t, mgr.Get(bad), http.StatusBadRequest, bad)
		}
	})
}

// TestCalendarFeedPages makes, reads, regenerates and turns off a feed.
func TestCalendarFeedPages(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		e.mustCalendarWindow(f.CustomerA.ID, "RFC-0501", "Payroll", "scheduled", "2026-04-20 09:00", "2026-04-20 12:00")
		e.mustCalendarWindow(f.CustomerB.ID, "RFC-0502", "Payroll", "scheduled", "2026-04-20 10:00", "2026-04-20 11:00")
		cust := e.as(f.CustomerUserA)
		mustContain(t, cust.Get("/calendar/feed").Body, "feed page", "You do not have a calendar feed.")
		res := cust.Post("/calendar/feed", nil)
		mustStatus(t, res, http.StatusOK, "make feed")
		feedURL := regexp.MustCompile(`http://[^<"]+/calendar/feed/stwcal_[A-Za-z0-9_-]+\.ics`).FindString(res.Body)
		if feedURL == "" {
			t.Fatalf("no feed address on the page\n%s", excerpt(res.Body))
		}
		path := feedURL[strings.Index(feedURL, "/calendar/"):]
		ics := e.anon().Get(path)
		mustStatus(t, ics, http.StatusOK, "feed")
		if ct := ics.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("feed content type %q", ct)
		}
		mustContain(t, ics.Body, "feed", "BEGIN:VCALENDAR\r\n", "RFC-0501: Upgrade RFC-0501 (Payroll)", "DTSTART:20260420T080000Z", "END:VCALENDAR\r\n")
		if strings.Contains(ics.Body, "RFC-0502") {
			t.Error("customer A's feed holds customer B's change")
		}
		mustContain(t, cust.Get("/calendar/feed").Body, "feed page", "Last read", "Make a new address", "Turn off the feed")
		// A new address stops the old one.
		res = cust.Post("/calendar/feed", nil)
		newURL := regexp.MustCompile(`/calendar/feed/stwcal_[A-Za-z0-9_-]+\.ics`).FindString(res.Body)
		if newURL == "" || newURL == path {
			t.Fatalf("regenerated address %q", newURL)
		}
		mustStatus(t, e.anon().Get(path), http.StatusNotFound, "old feed")
		mustStatus(t, e.anon().Get(newURL), http.StatusOK, "new feed")
		mustStatus(t, e.anon().Get("/calendar/feed/nonsense"), http.StatusNotFound, "feed without .ics")
		mustStatus(t, cust.Post("/calendar/feed/revoke", nil), http.StatusSeeOther, "turn off feed")
		mustStatus(t, e.anon().Get(newURL), http.StatusNotFound, "revoked feed")
		mustStatus(t, cust.Post("/calendar/feed/revoke", nil), http.StatusNotFound, "turn off twice")
	})
}
