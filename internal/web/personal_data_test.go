package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestPersonalDataPages covers the download and the erasure confirmation:
// who is offered them, the refusals, mistakes that change nothing, and the
// summary.
func TestPersonalDataPages(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		u := f.CustomerUserA
		if _, err := db.CreateTicket(storetest.As(u), itsm.NewTicket{Title: "Cannot raise a purchase order", Description: "Error 500.", Impact: itsm.Low, Urgency: itsm.Low}); err != nil {
			t.Fatal(err)
		}
		path := "/users/" + id(u.ID)

		// Those who may not see neither the section nor the pages.
		for _, c := range []struct {
			who    *itsm.User
			status int
		}{{f.Agent, http.StatusForbidden}, {f.Auditor, http.StatusForbidden}, {f.CustomerAdminA, http.StatusForbidden}, {f.CustomerAdminB, http.StatusNotFound}} {
			cl := e.as(c.who)
			if page := cl.Get(path); strings.Contains(page.Body, "Personal data") {
				t.Errorf("%s is offered the personal data section", c.who.Name)
			}
			mustStatus(t, cl.Get(path+"/personal-data.json"), c.status, c.who.Name+" downloads")
			mustStatus(t, cl.Get(path+"/erase"), c.status, c.who.Name+" opens the erasure")
			mustStatus(t, cl.Post(path+"/erase", url.Values{"reason": {"Request 7"}, "confirm_email": {u.Email}}), c.status, c.who.Name+" erases")
		}

		c := e.as(f.Manager)
		page := c.Get(path)
		mustStatus(t, page, http.StatusOK, "person")
		if !strings.Contains(page.Body, path+"/personal-data.json") || !strings.Contains(page.Body, path+"/erase") {
			t.Fatalf("no personal data links:\n%s", excerpt(page.Body))
		}
		res := c.Get(path + "/personal-data.json")
		mustStatus(t, res, http.StatusOK, "download")
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("download headers: %q %q", cd, res.Header.Get("Content-Type"))
		}
		var p itsm.PersonalData
		if err := json.Unmarshal([]byte(res.Body), &p); err != nil || p.Person.Email != u.Email || len(p.TicketsRequested) != 1 {
			t.Errorf("download: %v %+v", err, p.Person)
		}
		if strings.Contains(res.Body, "argon2id") {
			t.Error("the download holds the password hash")
		}

		form := c.Get(path + "/erase")
		mustStatus(t, form, http.StatusOK, "erasure form")
		for _, want := range []string{"What happens", "What stays", `name="reason"`, `name="confirm_email"`} {
			if !strings.Contains(form.Body, want) {
				t.Errorf("form lacks %q", want)
			}
		}
		// Mistakes change nothing.
		for _, bad := range []struct {
			form url.Values
			link string
		}{
			{url.Values{"reason": {""}, "confirm_email": {u.Email}}, `href="#reason"`},
			{url.Values{"reason": {"Request 7"}, "confirm_email": {"someone@alpha.test"}}, `href="#confirm_email"`},
			{url.Values{"reason": {"Request 7"}, "confirm_email": {""}}, `href="#confirm_email"`},
		} {
			res := c.Post(path+"/erase", bad.form)
			mustStatus(t, res, http.StatusBadRequest, "bad erasure")
			if !strings.Contains(res.Body, "There is a problem") || !strings.Contains(res.Body, bad.link) {
				t.Errorf("no error summary linking %s:\n%s", bad.link, excerpt(res.Body))
			}
			if e.mustUserByID(u.ID).ErasedAt != nil {
				t.Fatal("a mistaken form erased the person")
			}
		}
		// Nobody erases themself; a manager does not erase an administrator.
		mustStatus(t, c.Get("/users/"+id(f.Manager.ID)+"/erase"), http.StatusForbidden, "self")
		mustStatus(t, c.Get("/users/"+id(f.Admin.ID)+"/erase"), http.StatusForbidden, "an administrator")

		res = c.Post(path+"/erase", url.Values{"reason": {"Request 7, received 2 March"}, "confirm_email": {strings.ToUpper(u.Email)}})
		mustStatus(t, res, http.StatusOK, "erase")
		if !strings.Contains(res.Body, "has been erased") || !strings.Contains(res.Body, "Sessions ended") {
			t.Errorf("no summary:\n%s", excerpt(res.Body))
		}
		got := e.mustUserByID(u.ID)
		if got.Name != itsm.ErasedName || got.ErasedAt == nil {
			t.Errorf("after erasure: %+v", got)
		}
		page = c.Get(path)
		if !strings.Contains(page.Body, "Personal data erased") || strings.Contains(page.Body, path+"/erase") || strings.Contains(page.Body, path+"/edit") {
			t.Errorf("erased person's page:\n%s", excerpt(page.Body))
		}
		mustStatus(t, c.Get(path+"/erase"), http.StatusConflict, "erase twice")
	})
}
