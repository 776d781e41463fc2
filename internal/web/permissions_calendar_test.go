package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestCalendarPagePermissions is the calendar's page matrix: everyone
// signed in reads the calendar and the freezes and has a feed page; only
// programme managers and administrators add and change freezes.
func TestCalendarPagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fz := e.mustFreeze()
		fid := id(fz.ID)
		cases := []struct {
			path string
			want want
		}{
			//                                admin mgr agent audit prov cAdmA cUsrA anon
			{"/calendar", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/calendar?month=2026-03", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/calendar/week", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/calendar/week?week=2026-03-30", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/calendar/freezes", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/calendar/freezes.csv", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/calendar/freezes/new", want{ok, ok, no, no, no, no, no, see}},
			{"/calendar/freezes/" + fid, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/calendar/freezes/" + fid + "/edit", want{ok, ok, no, no, no, no, no, see}},
			{"/calendar/freezes/999999", want{none, none, none, none, none, none, none, see}},
			{"/calendar/feed", want{ok, ok, ok, ok, ok, ok, ok, see}},
			// The feed needs no session; an unknown one does not exist.
			{"/calendar/feed/stwcal_unknown.ics", want{none, none, none, none, none, none, none, none}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				res := clients[role].Get(c.path)
				if res.StatusCode != c.want[i] {
					t.Errorf("GET %s as %s: status %d, want %d\n%s", c.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
				if role == "anon" && res.StatusCode == see && !strings.HasPrefix(res.Location(), "/sign-in") {
					t.Errorf("GET %s as anon: redirect to %q, want the sign-in page", c.path, res.Location())
				}
			}
		}
	})
}

// TestCalendarPostPermissions is the matrix of the calendar's forms. The
// auditor changes no freeze, and each refusal is audited.
func TestCalendarPostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		type prepared struct {
			path string
			form url.Values
		}
		cases := []struct {
			name    string
			prepare func() prepared
			want    want
		}{
			{"add freeze", func() prepared {
				return prepared{"/calendar/freezes/new", freezeForm("Freeze", "", "2026-06-01", "", "2026-06-02", "")}
			}, want{see, see, no, no, no, no, no, see}},
			{"change freeze", func() prepared {
				f := e.mustFreeze()
				form := freezeForm("Renamed", "", "2026-06-01", "", "2026-06-02", "")
				form.Set("version", id(f.Version))
				return prepared{"/calendar/freezes/" + id(f.ID) + "/edit", form}
			}, want{see, see, no, no, no, no, no, see}},
			{"delete freeze", func() prepared {
				f := e.mustFreeze()
				return prepared{"/calendar/freezes/" + id(f.ID) + "/delete", url.Values{"version": {id(f.Version)}}}
			}, want{see, see, no, no, no, no, no, see}},
			// Everyone makes and turns off their own feed.
			{"make own feed", func() prepared { return prepared{"/calendar/feed", nil} }, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"turn off own feed", func() prepared { return prepared{"/calendar/feed/revoke", nil} }, want{see, see, see, see, see, see, see, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				p := c.prepare()
				refused := e.auditCount(itsm.AuditAccessRefused)
				res := clients[role].Post(p.path, p.form)
				if res.StatusCode != c.want[i] {
					t.Errorf("%s (POST %s) as %s: status %d, want %d\n%s", c.name, p.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
				if res.StatusCode == no && e.auditCount(itsm.AuditAccessRefused) != refused+1 {
					t.Errorf("%s as %s: the refusal was not audited", c.name, role)
				}
			}
		}
	})
}

// mustFreeze adds a freeze period as the administrator.
func (e *env) mustFreeze() *itsm.FreezePeriod {
	e.t.Helper()
	f := &itsm.FreezePeriod{Name: "Freeze " + id(int64(next())), Start: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)}
	if err := e.db.CreateFreeze(storetest.As(e.f.Admin), f); err != nil {
		e.t.Fatal(err)
	}
	return f
}
