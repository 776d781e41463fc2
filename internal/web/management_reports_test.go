package web_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// at moves the test clock to a UTC wall time.
func (e *env) at(year int, month time.Month, day, hour, min int) {
	storetest.ClockOf(e.db).Set(time.Date(year, month, day, hour, min, 0, 0, time.UTC))
}

// reply answers a ticket publicly as u.
func (e *env) reply(u *itsm.User, tk *itsm.Ticket) {
	e.t.Helper()
	if _, err := e.db.AddComment(storetest.As(u), tk.ID, itsm.Comment{Body: "Looking at it."}); err != nil {
		e.t.Fatal(err)
	}
}

// resolve resolves a ticket as u.
func (e *env) resolve(u *itsm.User, tk *itsm.Ticket) {
	e.t.Helper()
	st := itsm.StatusResolved
	e.mustUpdate(u, tk, itsm.TicketUpdate{Status: &st, Note: "Fixed."})
}

// seedFebruary seeds two P3 tickets under office hours in February 2026
// (London is on GMT, so wall times are UTC), then returns to Monday 2
// March 09:00:
//
//	A  Mon 2 Feb 09:00; reply 10:00 (met); resolved Tue 3 Feb 11:00 (met, 10 business hours).
//	B  Wed 4 Feb 09:00; reply Thu 5 Feb 10:00 (9 hours: a breach); resolved Tue 10 Feb 10:00 (33 hours: a breach).
func (e *env) seedFebruary() {
	e.t.Helper()
	f := e.f
	e.mustAgreement("Help desk agreement", nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e.at(2026, time.February, 2, 9, 0)
	a := e.mustTicket(f.CustomerUserA, "Alpha cannot order")
	e.at(2026, time.February, 2, 10, 0)
	e.reply(f.Agent, a)
	e.at(2026, time.February, 3, 11, 0)
	e.resolve(f.Agent, a)
	e.at(2026, time.February, 4, 9, 0)
	b := e.mustTicket(f.CustomerUserB, "Beta cannot invoice")
	e.at(2026, time.February, 5, 10, 0)
	e.reply(f.Agent, b)
	e.at(2026, time.February, 10, 10, 0)
	e.resolve(f.Agent, b)
	e.at(2026, time.March, 2, 9, 0)
}

// TestSLAReportPage checks the report's figures, chart, tables, rules and
// downloads, and that a customer sees only its own figures.
func TestSLAReportPage(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		e.seedFebruary()
		c := e.as(f.Manager)
		page := c.Get("/reports/sla")
		mustStatus(t, page, http.StatusOK, "report")
		mustContain(t, page.Body, "report", "Summary, October 2025 to March 2026", `name="from" value="2025-10"`, `name="to" value="2026-03"`,
			"Tickets counted 2", "Responses on time 50% (1 of 2)", "Resolutions on time 50% (1 of 2)", "Breaches 2 (1 response, 1 resolution), of which 0 on tickets still open",
			"Mean time to resolve 21 hours 30 minutes", "Median time to resolve 21 hours 30 minutes", "90% resolved within 33 hours",
			`<svg xmlns="http://www.w3.org/2000/svg"`, `role="img" aria-labelledby="sla-trend-title sla-trend-desc"`, "<caption>SLA figures by month, October 2025 to March 2026</caption>",
			"February 2026 Not escalated Alpha Council P3 1 100% (1 of 1)", "Beta Health Board", "Programme Team (the shared service)", `<summary class="ds_details__summary">How tickets are counted</summary>`,
			itsm.SLAReportRules()[0], `href="/reports/sla.csv"`, `href="/reports/sla.xlsx"`, `href="/sla/what-if"`, `href="/agreements"`)
		if strings.Contains(page.Body, "&lt;svg") {
			t.Error("the chart is escaped instead of drawn")
		}

		rows := mustCSV(t, c.Get("/reports/sla.csv?from=2026-02&to=2026-02"))
		overall := rows[len(rows)-1]
		if rows[0][0] != "month" || overall[2] != "overall" || overall[9] != "2" || overall[10] != "1" || overall[11] != "50.00" || overall[17] != "1" || overall[20] != "77400" {
			t.Errorf("CSV export: %v", rows)
		}
		res := c.Get("/reports/sla.xlsx?from=2026-02&to=2026-02&organisation=" + id(f.CustomerB.ID))
		mustStatus(t, res, http.StatusOK, "XLSX export")
		if res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			res.Header.Get("Content-Disposition") != `attachment; filename="sla-report-2026-02-to-2026-02.xlsx"` {
			t.Errorf("XLSX headers: %v", res.Header)
		}
		book, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
		if err != nil {
			t.Fatalf("open XLSX: %v", err)
		}
		grid, err := book.GetRows("SLA compliance")
		if err != nil || len(grid) < 3 || grid[0][0] != "Month" || grid[1][3] != "Beta Health Board" || grid[1][7] != "0" || grid[1][9] != "1" {
			t.Errorf("XLSX figures: %v %v", grid, err)
		}
		if notes, _ := book.GetRows("About this report"); len(notes) < 5 || !strings.Contains(strings.Join(notes[4], " "), "Beta Health Board") {
			t.Errorf("XLSX notes: %v", notes)
		}

		// Customer A: its own figures only, and B's are not found.
		cust := e.as(f.CustomerUserA)
		page = cust.Get("/reports/sla")
		mustContain(t, page.Body, "customer A's report", "Responses on time 100% (1 of 1)", "Alpha Council")
		if strings.Contains(page.Body, "Beta") || strings.Contains(page.Body, `name="organisation"`) {
			t.Errorf("customer A sees B's figures or the customer filter:\n%s", excerpt(page.Body))
		}
		for _, p := range []string{"/reports/sla?organisation=", "/reports/sla.csv?organisation=", "/reports/sla.xlsx?organisation="} {
			mustStatus(t, cust.Get(p+id(f.CustomerB.ID)), http.StatusNotFound, "customer A asks for B: "+p)
		}
		rows = mustCSV(t, cust.Get("/reports/sla.csv"))
		for _, r := range rows[1:] {
			if r[6] != "" && r[6] != "Alpha Council" {
				t.Errorf("customer A's export holds %v", r)
			}
		}
	})
}

// TestSLAReportBadFilters checks each malformed filter is named.
func TestSLAReportBadFilters(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	c := e.as(e.f.Auditor)
	for _, b := range []struct{ query, field string }{
		{"from=2026-13", "from"},
		{"from=March", "from"},
		{"to=2026-1", "to"},
		{"from=2026-03&to=2026-01", "to"},
		{"from=2000-01&to=2026-01", "to"},
		{"priority=P9", "priority"},
		{"type=change", "type"},
		{"provider=x", "provider"},
		{"organisation=-3", "organisation"},
	} {
		res := c.Get("/reports/sla?" + b.query)
		mustFormError(t, res, http.StatusBadRequest, b.query, b.field)
		if strings.Contains(res.Body, "Summary, ") || strings.Contains(res.Body, `aria-labelledby="sla-trend-title`) {
			t.Errorf("%s: figures shown with a bad filter", b.query)
		}
		mustStatus(t, c.Get("/reports/sla.csv?"+b.query), http.StatusBadRequest, "CSV "+b.query)
	}
	mustContain(t, c.Get("/reports/sla?from=2000-01&to=2026-01").Body, "absurd range", "A report can cover at most 5 years (60 months).")
}

// seedLastQuarter seeds two P3 tickets in October 2025 (London is on BST,
// one hour ahead of UTC), answered after 90 and 20 business minutes and
// resolved within the day, then returns to Monday 2 March 2026.
func (e *env) seedLastQuarter() *itsm.ServiceAgreement {
	e.t.Helper()
	f := e.f
	ag := e.mustAgreement("Help desk agreement 2025", nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	e.at(2025, time.October, 6, 8, 0) // 09:00 in London
	slow := e.mustTicket(f.CustomerUserA, "Slow answer")
	fast := e.mustTicket(f.CustomerUserB, "Fast answer")
	e.at(2025, time.October, 6, 8, 20)
	e.reply(f.Agent, fast)
	e.at(2025, time.October, 6, 9, 30)
	e.reply(f.Agent, slow)
	e.at(2025, time.October, 6, 11, 0)
	e.resolve(f.Agent, slow)
	e.resolve(f.Agent, fast)
	e.at(2026, time.March, 2, 9, 0)
	return ag
}

// whatIfQuery is the comparison form for an agreement with the default
// targets, office hours and Scotland's holidays, and changes applied.
func whatIfQuery(ag *itsm.ServiceAgreement, changes map[string]string) string {
	v := agreementForm(ag.ProviderID)
	for _, k := range []string{"name", "provider_id", "customer_id", "effective_from", "time_zone", "extra_holidays", "pause_statuses", "warn_percentages"} {
		v.Del(k)
	}
	v.Set("fri-1-end", "17:00")
	v.Del("fri-2-start")
	v.Del("fri-2-end")
	v.Set("agreement", id(ag.ID))
	v.Set("baseline", id(ag.ID))
	for k, s := range changes {
		v.Set(k, s)
	}
	return "/sla/what-if?" + v.Encode()
}

// TestWhatIfComparison tightens a target and checks last quarter's
// compliance moves, ticket by ticket.
func TestWhatIfComparison(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ag := e.seedLastQuarter()
		c := e.as(e.f.Agent)

		// Choosing the agreement fills the candidate with its values and
		// compares it with itself.
		page := c.Get("/sla/what-if?agreement=" + id(ag.ID))
		mustStatus(t, page, http.StatusOK, "what-if")
		mustContain(t, page.Body, "first comparison", `name="from" value="2025-10-01"`, `name="to" value="2025-12-31"`, `value="4h"`,
			"Compliance, 1 October 2025 to 31 December 2025", "2 tickets were raised", "P3 2 100% (2 of 2) 100% (2 of 2) No change",
			"No ticket’s response or resolution would change outcome.")

		page = c.Get(whatIfQuery(ag, map[string]string{"target-P3-response": "1h"}))
		mustStatus(t, page, http.StatusOK, "tightened target")
		mustContain(t, page.Body, "tightened target", `id="target-P3-response" name="target-P3-response" value="1h"`,
			"P3 2 100% (2 of 2) 50% (1 of 2) 50 lower 100% (2 of 2) 100% (2 of 2) No change",
			"All priorities 2 100% (2 of 2) 50% (1 of 2) 50 lower", "response met breached")
		if !regexp.MustCompile(`<td><a href="/tickets/\d+">INC-\d+</a></td><td>P3</td><td>response</td><td>met</td><td>breached</td>`).MatchString(page.Body) {
			t.Errorf("the changed clock is not listed:\n%s", excerpt(page.Body))
		}
		// The calendar counts too: with Mondays of 45 minutes, the slow
		// answer took only 45 business minutes and meets the 1h target.
		page = c.Get(whatIfQuery(ag, map[string]string{"target-P3-response": "1h", "mon-1-end": "09:45"}))
		mustContain(t, page.Body, "short Mondays", `name="mon-1-end" value="09:45"`, "P3 2 100% (2 of 2) 100% (2 of 2) No change")
	})
}

// TestWhatIfBadInput checks the comparison names each mistake.
func TestWhatIfBadInput(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	ag := e.seedLastQuarter()
	c := e.as(e.f.Auditor)
	for _, b := range []struct {
		name    string
		changes map[string]string
		field   string
	}{
		{"target in words", map[string]string{"target-P1-response": "soon"}, "target-P1-response"},
		{"zero target", map[string]string{"target-P2-resolution": "0s"}, "target-P2-resolution"},
		{"dates the wrong way round", map[string]string{"from": "2025-12-31", "to": "2025-10-01"}, "to"},
		{"absurd period", map[string]string{"from": "1990-01-01", "to": "2025-12-31"}, "to"},
		{"impossible date", map[string]string{"from": "2025-02-30"}, "from"},
		{"unknown agreement", map[string]string{"agreement": "999999"}, "agreement"},
		{"hours the wrong way round", map[string]string{"mon-1-start": "18:00"}, "mon-1-start"},
		{"unknown holiday set", map[string]string{"holiday_set": "mars"}, "holiday_set"},
		{"no hours", map[string]string{"mon-1-start": "", "mon-1-end": "", "tue-1-start": "", "tue-1-end": "", "wed-1-start": "", "wed-1-end": "",
			"thu-1-start": "", "thu-1-end": "", "fri-1-start": "", "fri-1-end": ""}, "mon-1-start"},
	} {
		res := c.Get(whatIfQuery(ag, b.changes))
		mustFormError(t, res, http.StatusBadRequest, b.name, b.field)
		if strings.Contains(res.Body, "Compliance, ") {
			t.Errorf("%s: a comparison was shown", b.name)
		}
	}
	// A new baseline replaces the candidate typed for the old one.
	other := e.mustAgreement("Strict agreement", nil, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	q := whatIfQuery(ag, map[string]string{"agreement": id(other.ID), "target-P1-response": "5m"})
	page := c.Get(q)
	mustStatus(t, page, http.StatusOK, "changed baseline")
	if strings.Contains(page.Body, `value="5m"`) || !strings.Contains(page.Body, `name="baseline" value="`+id(other.ID)+`"`) {
		t.Error("the candidate was not reset for the new baseline")
	}
}

// TestManagementPagesAreSafe puts markup in what people type and checks
// the pages escape it and keep to the CSP.
func TestManagementPagesAreSafe(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	d := e.mustDesk()
	evil := `<script>alert("x")</script>`
	p := e.mustProblem(evil+" problem", f.Provider)
	_, esc := e.mustEscalation(f.CustomerUserA, true)
	if _, err := e.db.ActOnEscalation(storetest.As(f.Agent), esc.ID, itsm.EscalationAction{Action: "note", Body: evil, Version: esc.Version}); err != nil {
		t.Fatal(err)
	}
	e.mustAgreement(evil+" agreement", nil, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	c := e.as(f.Admin)
	inline := regexp.MustCompile(`<script(?:\s+type="module")?>|\son\w+="|<style| style="`)
	for _, path := range []string{"/problems", "/problems/" + id(p.ID), "/problems/" + id(p.ID) + "/edit", "/problems/new",
		"/escalations", "/escalations/" + id(esc.ID), "/organisations/" + id(f.Provider.ID) + "/escalation-contacts",
		"/agreements", "/agreements/new", "/agreements/" + id(d.general.ID), "/reports/sla", "/sla/what-if?agreement=" + id(d.general.ID),
		"/settings/service-desk"} {
		res := c.Get(path)
		mustStatus(t, res, http.StatusOK, path)
		if strings.Contains(res.Body, evil) || inline.MatchString(res.Body) {
			t.Errorf("%s renders markup or inline script or style", path)
		}
		for _, m := range regexp.MustCompile(`(?:src|href)="(https?:)?//`).FindAllString(res.Body, -1) {
			t.Errorf("%s loads something from outside the binary: %s", path, m)
		}
		if strings.Contains(res.Body, "<table") && !strings.Contains(res.Body, "<caption") {
			t.Errorf("%s has a table without a caption", path)
		}
	}
}

// TestSLAHistories checks the store's reading of histories for the
// comparison: who may read them, and what they hold.
func TestSLAHistories(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ag := e.seedLastQuarter()
		from, to := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		hs, err := db.SLAHistories(storetest.As(e.f.Auditor), ag.ID, from, to)
		if err != nil || len(hs) != 2 {
			t.Fatalf("histories: %v %v", hs, err)
		}
		for _, h := range hs {
			if h.Priority != "P3" || len(h.Events) != 4 || h.Events[0].Type != "created" || !strings.HasPrefix(h.Ref, "INC-") {
				t.Errorf("history: %+v", h)
			}
		}
		for _, u := range []*itsm.User{e.f.ProviderAgent, e.f.CustomerAdminA} {
			if _, err := db.SLAHistories(storetest.As(u), ag.ID, from, to); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
				t.Errorf("%s read histories: %v", u.Role, err)
			}
		}
		if _, err := db.SLAHistories(storetest.As(e.f.Agent), 999999, from, to); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("unknown agreement: %v", err)
		}
		if _, err := db.SLAHistories(storetest.As(e.f.Agent), ag.ID, to, from); itsm.ErrorFields(err)["to"] == "" {
			t.Errorf("period the wrong way round: %v", err)
		}
		if hs, err := db.SLAHistories(storetest.As(e.f.Agent), ag.ID, to, to.AddDate(0, 1, 0)); err != nil || len(hs) != 0 {
			t.Errorf("an empty period: %v %v", hs, err)
		}
	})
}
