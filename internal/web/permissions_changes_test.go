package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// clash is the status of a page the change's state does not allow (a
// frozen specification, a change not yet approved for scheduling).
const clash = http.StatusConflict

// changeRoutes are the change pages and forms this file's matrices cover;
// TestChangeRoutesAreCovered keeps the list true to the route table.
var changeRoutes = []string{
	"GET /changes", "GET /changes.csv", "GET /changes.xlsx", "GET /changes/delivery", "GET /changes/delivery.csv",
	"GET /changes/new", "POST /changes/new", "GET /changes/{id}", "GET /changes/{id}/edit", "POST /changes/{id}/edit",
	"POST /changes/{id}/transition", "GET /changes/{id}/schedule", "POST /changes/{id}/schedule/check", "POST /changes/{id}/schedule",
	"POST /changes/{id}/estimates", "POST /changes/{id}/votes", "POST /changes/{id}/costs", "POST /changes/{id}/budget",
	"POST /changes/{id}/forecast", "POST /changes/{id}/links", "POST /changes/{id}/unlink", "POST /problems/{id}/raise-change",
	"POST /changes/{id}/attachments", "GET /change-attachments/{id}",
}

// TestChangeRoutesAreCovered fails when a change route is added without
// its row in the matrices below.
func TestChangeRoutesAreCovered(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	for _, p := range e.srv.Patterns() {
		_, path, _ := strings.Cut(p, " ")
		if (strings.HasPrefix(path, "/change") || strings.HasSuffix(path, "/raise-change")) && !contains(changeRoutes, p) {
			t.Errorf("%s is not in the change permission matrices: add it", p)
		}
	}
}

// mustEstimatingChange raises a change of customer A and takes it to
// estimation, assigned to the fixture's provider.
func (e *env) mustEstimatingChange(title string) *itsm.ChangeRequest {
	e.t.Helper()
	f := e.f
	c := e.mustRaiseChange(f.CustomerUserA, title)
	c = e.mustMove(f.Agent, c, itsm.ChangeTransition{Action: itsm.ActStartReview})
	c = e.mustMove(f.Agent, c, itsm.ChangeTransition{Action: itsm.ActAcceptSpec})
	c, err := e.db.UpdateChange(storetest.As(f.Agent), c.ID, itsm.ChangeUpdate{ProviderID: &f.Provider.ID, Version: c.Version})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// TestChangePagePermissions is the matrix of the change pages: customers
// see only their organisation's changes, providers only those assigned to
// them, and to anyone else a change does not exist.
func TestChangePagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		quoted := e.mustQuotedChange("Quoted for A")
		approved := e.mustApprovedChange("Approved for A")
		changeB, err := db.CreateChange(storetest.As(f.CustomerUserB), itsm.NewChange{Kind: itsm.ChangeWorkRequest, Title: "B's work", Description: "B.", Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		a, b, ap := changePath(quoted), changePath(changeB), changePath(approved)
		cases := []struct {
			path string
			want want
		}{
			//                                            admin mgr agent audit prov cAdmA cUsrA anon
			{"/changes", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/changes?state=all&sort=-cost&kind=rfc&rag=grey", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/changes?organisation=" + id(f.CustomerB.ID), want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/changes.csv", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/changes.xlsx", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/changes/delivery", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/changes/delivery.csv", want{ok, ok, ok, ok, ok, no, no, see}},
			{"/changes/new", want{ok, ok, ok, no, no, ok, ok, see}},
			{"/changes/new?kind=ccn", want{ok, ok, ok, no, no, ok, ok, see}},
			{a, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{b, want{ok, ok, ok, ok, none, none, none, see}},
			{"/changes/999999", want{none, none, none, none, none, none, none, see}},
			{"/changes/not-a-number", want{none, none, none, none, none, none, none, see}},
			{a + "/edit", want{ok, ok, ok, no, no, clash, clash, see}},
			{b + "/edit", want{ok, ok, ok, no, none, none, none, see}},
			{ap + "/schedule", want{ok, ok, ok, no, no, no, no, see}},
			{a + "/schedule", want{clash, clash, clash, no, clash, clash, clash, see}},
			{b + "/schedule", want{clash, clash, clash, no, none, none, none, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				res := clients[role].Get(c.path)
				if res.StatusCode != c.want[i] {
					t.Errorf("GET %s as %s: status %d, want %d\n%s", c.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
		// The organisation filter offers only what the viewer may see; a
		// customer's export never holds another organisation's changes.
		for _, role := range []string{"custAdminA", "custUserA", "provider"} {
			rows := mustCSV(t, clients[role].Get("/changes.csv?state=all"))
			for _, r := range rows[1:] {
				if r[1] == changeB.Ref {
					t.Errorf("%s's export holds B's change", role)
				}
			}
		}
	})
}

// TestChangePostPermissions is the matrix of every form on the change
// pages: who may (303), who is refused (403) and to whom the change does
// not exist (404). Each cell acts on a change of its own, prepared in the
// state the form needs.
func TestChangePostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		d := e.mustDesk()
		type prepared struct {
			path string
			form url.Values
		}
		move := func(action itsm.ChangeAction, c *itsm.ChangeRequest, extra ...string) prepared {
			v := url.Values{"action": {string(action)}, "version": {id(c.Version)}}
			for i := 0; i+1 < len(extra); i += 2 {
				v.Set(extra[i], extra[i+1])
			}
			return prepared{changePath(c, "/transition"), v}
		}
		n := 0
		window := func(c *itsm.ChangeRequest) url.Values {
			n++
			day := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format("2006-01-02")
			return url.Values{"target_release": {"2026.5"}, "service": {"Purchasing"}, "window_start_date": {day}, "window_start_time": {"18:00"},
				"window_end_date": {day}, "window_end_time": {"20:00"}, "version": {id(c.Version)}}
		}
		cases := []struct {
			name    string
			prepare func() prepared
			want    want
		}{
			//                                                admin mgr agent audit prov cAdmA cUsrA anon
			{"raise an RFC", func() prepared {
				return prepared{"/changes/new", url.Values{"kind": {"rfc"}, "subtype": {"cosmetic"}, "title": {"Bigger logo"}, "description": {"Make it bigger."},
					"organisation_id": {id(f.CustomerA.ID)}}}
			}, want{see, see, see, no, no, see, see, see}},
			{"edit A's submitted specification", func() prepared {
				c := e.mustRaiseChange(f.CustomerUserA, "Editable")
				return prepared{changePath(c, "/edit"), url.Values{"title": {"Edited"}, "description": {"Edited."}, "subtype": {"cosmetic"}, "version": {id(c.Version)}}}
			}, want{see, see, see, no, none, clash, clash, see}},
			{"edit A's specification when asked questions", func() prepared {
				c := e.mustRaiseChange(f.CustomerUserA, "Questioned")
				c = e.mustMove(f.Agent, c, itsm.ChangeTransition{Action: itsm.ActStartReview})
				c = e.mustMove(f.Agent, c, itsm.ChangeTransition{Action: itsm.ActRequestClarification, Note: "Which screens?"})
				return prepared{changePath(c, "/edit"), url.Values{"title": {"Edited"}, "description": {"Edited."}, "subtype": {"cosmetic"}, "version": {id(c.Version)}}}
			}, want{see, see, see, no, none, see, see, see}},
			{"start the review of A's change", func() prepared {
				return move(itsm.ActStartReview, e.mustRaiseChange(f.CustomerUserA, "To review"))
			}, want{see, see, see, no, none, no, no, see}},
			{"withdraw A's change", func() prepared {
				return move(itsm.ActWithdraw, e.mustRaiseChange(f.CustomerUserA, "To withdraw"), "note_withdraw", "No longer needed.")
			}, want{see, see, see, no, none, see, see, see}},
			{"estimate A's change", func() prepared {
				c := e.mustEstimatingChange("To estimate")
				return prepared{changePath(c, "/estimates"), url.Values{"effort_days": {"3"}, "cost": {"1500"}, "delivery_date": {"2026-05-29"}}}
			}, want{see, see, see, no, see, no, no, see}},
			{"accept the quote for A's change", func() prepared {
				return move(itsm.ActAcceptQuote, e.mustQuotedChange("To accept"))
			}, want{no, no, no, no, no, see, no, see}},
			{"approve A's change", func() prepared {
				c := e.mustMove(f.CustomerAdminA, e.mustQuotedChange("To approve"), itsm.ChangeTransition{Action: itsm.ActAcceptQuote})
				return move(itsm.ActApprove, c, "conditions", "Out of hours.")
			}, want{see, see, no, no, no, no, no, see}},
			{"vote on A's major change", func() prepared {
				c, major := e.mustQuotedChange("Major"), true
				c, err := db.UpdateChange(storetest.As(f.Agent), c.ID, itsm.ChangeUpdate{Major: &major, Version: c.Version})
				if err != nil {
					t.Fatal(err)
				}
				c = e.mustMove(f.CustomerAdminA, c, itsm.ChangeTransition{Action: itsm.ActAcceptQuote})
				return prepared{changePath(c, "/votes"), url.Values{"vote": {"approve"}, "vote_comment": {"Fine."}}}
			}, want{see, see, see, no, no, no, no, see}},
			{"schedule A's change", func() prepared {
				c := e.mustApprovedChange("To schedule")
				return prepared{changePath(c, "/schedule"), window(c)}
			}, want{see, see, see, no, no, no, no, see}},
			{"check a window for A's change", func() prepared {
				c := e.mustApprovedChange("To check")
				return prepared{changePath(c, "/schedule/check"), window(c)}
			}, want{ok, ok, ok, no, no, no, no, see}},
			{"record a cost on A's change", func() prepared {
				c := e.mustApprovedChange("Costed")
				return prepared{changePath(c, "/costs"), url.Values{"cost_date": {"2026-03-01"}, "cost_amount": {"100"}, "cost_note": {"Analysis"}}}
			}, want{see, see, see, no, see, no, no, see}},
			{"forecast A's change", func() prepared {
				c := e.mustApprovedChange("Forecast")
				return prepared{changePath(c, "/forecast"), url.Values{"forecast_date": {"2026-07-01"}, "version": {id(c.Version)}}}
			}, want{see, see, see, no, see, no, no, see}},
			{"change the budget of A's change", func() prepared {
				c := e.mustApprovedChange("Budgeted")
				return prepared{changePath(c, "/budget"), url.Values{"budget": {"6000"}, "budget_reason": {"More testing."}, "version": {id(c.Version)}}}
			}, want{see, see, no, no, no, no, no, see}},
			{"link a ticket to A's change", func() prepared {
				c := e.mustEstimatingChange("Linked")
				return prepared{changePath(c, "/links"), url.Values{"link_kind": {"ticket"}, "link_ref": {d.ticketA.Ref}}}
			}, want{see, see, see, no, no, no, no, see}},
			{"unlink a ticket from A's change", func() prepared {
				c := e.mustEstimatingChange("Unlinked")
				if err := db.LinkChangeTicket(storetest.As(f.Agent), c.ID, d.ticketA.ID); err != nil {
					t.Fatal(err)
				}
				return prepared{changePath(c, "/unlink"), url.Values{"ticket_id": {id(d.ticketA.ID)}}}
			}, want{see, see, see, no, no, no, no, see}},
			{"raise an RFC for a problem's fix", func() prepared {
				return prepared{"/problems/" + id(d.problem.ID) + "/raise-change", url.Values{"organisation_id": {id(f.CustomerA.ID)}}}
			}, want{see, see, see, no, no, none, none, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				p := c.prepare()
				res := clients[role].Post(p.path, p.form)
				if res.StatusCode != c.want[i] {
					t.Errorf("%s (POST %s) as %s: status %d, want %d\n%s", c.name, p.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
	})
}

// TestChangeFilePermissions is the matrix of a change's files: whoever
// may see the change downloads its files (customers not internal ones)
// and adds files, auditors excepted; internal files only the programme
// team and the assigned provider add; to anyone else they do not exist.
func TestChangeFilePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		c := e.mustEstimatingChange("A's files")
		changeB, err := db.CreateChange(storetest.As(f.CustomerUserB), itsm.NewChange{Kind: itsm.ChangeWorkRequest, Title: "B's work", Description: "B.", Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		add := func(ch *itsm.ChangeRequest, as *itsm.User, internal bool) string {
			at, err := db.AddChangeAttachment(storetest.As(as), ch.ID, itsm.NewAttachment{Filename: "file.txt", Data: strings.NewReader("content\n"), Internal: internal})
			if err != nil {
				t.Fatal(err)
			}
			return "/change-attachments/" + id(at.ID)
		}
		public, internal, ofB := add(c, f.CustomerUserA, false), add(c, f.Agent, true), add(changeB, f.CustomerUserB, false)
		clients := e.clients()
		for _, tc := range []struct {
			path string
			want want
		}{
			//                                    admin mgr agent audit prov cAdmA cUsrA anon
			{public, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{internal, want{ok, ok, ok, ok, ok, none, none, see}},
			{ofB, want{ok, ok, ok, ok, none, none, none, see}},
			{"/change-attachments/999999", want{none, none, none, none, none, none, none, see}},
			{"/change-attachments/not-a-number", want{none, none, none, none, none, none, none, see}},
		} {
			for i, role := range roles {
				if res := clients[role].Get(tc.path); res.StatusCode != tc.want[i] {
					t.Errorf("GET %s as %s: status %d, want %d\n%s", tc.path, role, res.StatusCode, tc.want[i], excerpt(res.Body))
				}
			}
		}
		for _, tc := range []struct {
			name   string
			change *itsm.ChangeRequest
			form   url.Values
			want   want
		}{
			//                                                         admin mgr agent audit prov cAdmA cUsrA anon
			{"a file on A's change", c, nil, want{see, see, see, no, see, see, see, see}},
			{"an internal file on A's change", c, url.Values{"internal": {"true"}}, want{see, see, see, no, see, no, no, see}},
			{"a file on B's change", changeB, nil, want{see, see, see, no, none, none, none, see}},
		} {
			for i, role := range roles {
				res := postMultipart(clients[role], changePath(tc.change, "/attachments"), tc.form, fileUpload{"file", "notes.txt", []byte("notes\n")})
				if res.StatusCode != tc.want[i] {
					t.Errorf("%s as %s: status %d, want %d\n%s", tc.name, role, res.StatusCode, tc.want[i], excerpt(res.Body))
				}
			}
		}
	})
}
