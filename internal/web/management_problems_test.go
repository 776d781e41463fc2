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
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// mustContain fails unless body holds every piece of markup or text.
func mustContain(t *testing.T, body, what string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) && !strings.Contains(webtest.Text(body), w) {
			t.Errorf("%s lacks %q\n%s", what, w, excerpt(body))
		}
	}
}

// mustFormError checks the GOV.UK error pattern on a re-rendered form:
// the status, "Error: " in the title and a summary line linking to each
// field named.
func mustFormError(t *testing.T, res *webtest.Response, status int, what string, fields ...string) {
	t.Helper()
	mustStatus(t, res, status, what)
	if !strings.Contains(res.Body, "<title>Error: ") || !strings.Contains(res.Body, `class="ds_error-summary"`) {
		t.Errorf("%s: no error title or summary\n%s", what, excerpt(res.Body))
	}
	for _, f := range fields {
		if !strings.Contains(res.Body, `<a href="#`+f+`">`) {
			t.Errorf("%s: the summary does not link to #%s\n%s", what, f, excerpt(res.Body))
		}
		if !strings.Contains(res.Body, `id="`+f+`"`) {
			t.Errorf("%s: the page has no field #%s for the summary to link to", what, f)
		}
	}
}

// TestProblemLifecycle records a problem, links and unlinks an incident,
// lets the provider record its findings and exports the list.
func TestProblemLifecycle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		d := e.mustDesk()
		agent := e.as(f.Agent)
		agent.Get("/problems/new")

		res := agent.Post("/problems/new", url.Values{"title": {"  "}, "status": {"open"}, "known_error": {"yes"}, "workaround": {""}, "provider_id": {"999999"}})
		mustFormError(t, res, http.StatusBadRequest, "problem without a title", "title", "workaround", "provider_id")
		res = agent.Post("/problems/new", url.Values{"title": {"Timeouts"}, "status": {"stuck"}, "provider_id": {""}})
		mustFormError(t, res, http.StatusBadRequest, "unknown status", "status")
		mustContain(t, res.Body, "re-rendered form", `value="Timeouts"`)

		res = agent.Post("/problems/new", url.Values{"title": {"PEPPOL invoices rejected"}, "description": {"Since the upgrade.\n\nEvery supplier."},
			"status": {"investigating"}, "provider_id": {id(f.Provider.ID)}, "owner_id": {id(f.Agent.ID)}})
		mustStatus(t, res, http.StatusSeeOther, "record problem")
		page := agent.Get(res.Location())
		mustContain(t, page.Body, "new problem", "PRB-000003 has been recorded.", "PEPPOL invoices rejected", "Investigating", "Hosting Provider Ltd", "Angus Agent", "<p>Every supplier.</p>")
		pid := strings.TrimPrefix(res.Location(), "/problems/")

		// Link by reference, typed in lower case; an unknown one is a
		// field error.
		res = agent.Post("/problems/"+pid+"/incidents/link", url.Values{"ref": {"INC-999999"}})
		mustFormError(t, res, http.StatusBadRequest, "unknown reference", "ref")
		mustContain(t, res.Body, "unknown reference", "There is no ticket INC-999999, or you cannot see it.", `value="INC-999999"`)
		res = agent.Post("/problems/"+pid+"/incidents/link", url.Values{"ref": {""}})
		mustFormError(t, res, http.StatusBadRequest, "no reference", "ref")
		res = agent.Post("/problems/"+pid+"/incidents/link", url.Values{"ref": {strings.ToLower(d.ticketB.Ref)}})
		mustStatus(t, res, http.StatusSeeOther, "link")
		page = agent.Get(res.Location())
		mustContain(t, page.Body, "linked incident", d.ticketB.Ref+" is now linked to PRB-000003.", `<a href="/tickets/`+id(d.ticketB.ID)+`">`+d.ticketB.Ref+`</a>`)

		// The provider sees the problem but not B's ticket, which is not
		// escalated to it; it records findings and cannot reassign.
		prov := e.as(f.ProviderAgent)
		page = prov.Get("/problems/" + pid)
		mustStatus(t, page, http.StatusOK, "provider's problem")
		if strings.Contains(page.Body, d.ticketB.Ref) || strings.Contains(page.Body, "Link an incident") || strings.Contains(page.Body, "Unlink") {
			t.Errorf("the provider sees B's ticket or the link forms:\n%s", excerpt(page.Body))
		}
		form := prov.Get("/problems/" + pid + "/edit")
		mustContain(t, form.Body, "findings form", "Record findings for PRB-000003", `name="root_cause"`)
		if strings.Contains(form.Body, `name="title"`) || strings.Contains(form.Body, `name="provider_id"`) {
			t.Error("the provider's form offers the service desk's fields")
		}
		p := e.mustProblemByID(mustAtoi(t, pid))
		res = prov.Post("/problems/"+pid+"/edit", url.Values{"title": {"Renamed by the provider"}, "provider_id": {""}, "root_cause": {"Schema 3.1 rejects long names."},
			"workaround": {"Shorten names to 70 characters."}, "status": {"resolved"}, "version": {id(p.Version)}})
		mustStatus(t, res, http.StatusSeeOther, "provider's findings")
		p = e.mustProblemByID(p.ID)
		if p.Title != "PEPPOL invoices rejected" || p.ProviderID == nil || p.RootCause != "Schema 3.1 rejects long names." || p.Status != itsm.ProblemResolved {
			t.Errorf("after the provider's findings: %+v", p)
		}

		// A stale edit keeps what was typed and says why.
		res = agent.Post("/problems/"+pid+"/edit", url.Values{"title": {"Stale title"}, "status": {"open"}, "version": {id(p.Version - 1)}})
		mustStatus(t, res, http.StatusConflict, "stale edit")
		mustContain(t, res.Body, "stale edit", "Someone else changed this problem since you opened it.", `value="Stale title"`)
		// Staff mark it a known error; it then needs its workaround.
		res = agent.Post("/problems/"+pid+"/edit", url.Values{"title": {"PEPPOL invoices rejected"}, "status": {"resolved"}, "known_error": {"yes"},
			"workaround": {""}, "provider_id": {id(f.Provider.ID)}, "version": {id(p.Version)}})
		mustFormError(t, res, http.StatusBadRequest, "known error without a workaround", "workaround")
		res = agent.Post("/problems/"+pid+"/edit", url.Values{"title": {"PEPPOL invoices rejected"}, "status": {"resolved"}, "known_error": {"yes"},
			"workaround": {"Shorten names."}, "provider_id": {""}, "version": {id(p.Version)}})
		mustStatus(t, res, http.StatusSeeOther, "known error")
		if p = e.mustProblemByID(p.ID); !p.KnownError || p.ProviderID != nil {
			t.Errorf("after the staff edit: %+v", p)
		}

		res = agent.Post("/problems/"+pid+"/incidents/unlink", url.Values{"ticket_id": {id(d.ticketB.ID)}})
		mustStatus(t, res, http.StatusSeeOther, "unlink")
		if p = e.mustProblemByID(p.ID); p.Incidents != 0 {
			t.Errorf("incidents after unlinking: %d", p.Incidents)
		}

		// Filters and export.
		list := agent.Get("/problems?known_error=yes")
		mustContain(t, list.Body, "known errors", "Showing 1 to 1 of 1 problems", "PRB-000003")
		mustStatus(t, agent.Get("/problems?status=stuck"), http.StatusBadRequest, "bad status filter")
		rows := mustCSV(t, agent.Get("/problems.csv?status=resolved"))
		if len(rows) != 2 || rows[1][1] != "PRB-000003" || rows[1][4] != "true" || rows[1][11] != "Shorten names." {
			t.Errorf("problems export: %v", rows)
		}
		if rows := mustCSV(t, prov.Get("/problems.csv")); len(rows) != 2 || rows[1][1] != d.problem.Ref {
			t.Errorf("the provider's export holds other problems: %v", rows)
		}
	})
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("%q is not a number", s)
		}
		n = n*10 + int64(r-'0')
	}
	return n
}

// TestEscalationQueueAndActions works an escalation from the queue to its
// resolution, through every level.
func TestEscalationQueueAndActions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		d := e.mustDesk()
		// A's escalation is overdue after a working day and a bit; then a
		// new one is raised, due later.
		storetest.ClockOf(db).Advance(9 * time.Hour)
		_, fresh := e.mustEscalation(f.CustomerUserA, false)
		c := e.as(f.Manager)
		queue := c.Get("/escalations?state=open")
		mustStatus(t, queue, http.StatusOK, "queue")
		overdue := strings.Index(queue.Body, `href="/escalations/`+id(d.escalationA.ID)+`"`)
		later := strings.Index(queue.Body, `href="/escalations/`+id(fresh.ID)+`"`)
		if overdue < 0 || later < 0 || overdue > later || !strings.Contains(queue.Body, `<span class="ds_tag ds_tag--red">Overdue</span>`) {
			t.Errorf("queue order or overdue tag:\n%s", excerpt(queue.Body))
		}

		path := "/escalations/" + id(fresh.ID)
		esc := e.mustEscalationByID(fresh.ID)
		res := c.Post(path+"/acknowledge", url.Values{"version": {id(esc.Version)}})
		mustStatus(t, res, http.StatusSeeOther, "acknowledge")
		page := c.Get(res.Location())
		mustContain(t, page.Body, "acknowledged", "You acknowledged the escalation and own it now.", "Acknowledged", f.Manager.Name)

		esc = e.mustEscalationByID(fresh.ID)
		res = c.Post(path+"/raise", url.Values{"version": {id(esc.Version)}, "raise_reason": {"  "}})
		mustFormError(t, res, http.StatusBadRequest, "raise without a reason", "raise_reason")
		res = c.Post(path+"/note", url.Values{"version": {id(esc.Version)}, "note": {""}})
		mustFormError(t, res, http.StatusBadRequest, "empty note", "note")
		res = c.Post(path+"/resolve", url.Values{"version": {id(esc.Version)}, "outcome": {""}})
		mustFormError(t, res, http.StatusBadRequest, "resolve without an outcome", "outcome")
		res = c.Post(path+"/raise", url.Values{"version": {id(esc.Version - 1)}, "raise_reason": {"Stale"}})
		mustStatus(t, res, http.StatusConflict, "stale raise")
		mustContain(t, res.Body, "stale raise", "Someone else changed this escalation since you opened it.", ">Stale</textarea>")

		for level := 2; level <= 3; level++ {
			esc = e.mustEscalationByID(fresh.ID)
			res = c.Post(path+"/raise", url.Values{"version": {id(esc.Version)}, "raise_reason": {"No answer from the provider."}})
			mustStatus(t, res, http.StatusSeeOther, "raise")
			if esc = e.mustEscalationByID(fresh.ID); esc.Level != level {
				t.Fatalf("level %d after raising, want %d", esc.Level, level)
			}
		}
		page = c.Get(path)
		if strings.Contains(page.Body, "/raise") {
			t.Error("a level 3 escalation still offers to raise it")
		}
		mustContain(t, page.Body, "level 3", "3 of 3", "2 hours of business time at level 3")
		// Raising it again, from a page opened before, is refused.
		res = c.Post(path+"/raise", url.Values{"version": {id(esc.Version)}, "raise_reason": {"Again"}})
		mustStatus(t, res, http.StatusBadRequest, "raise past level 3")
		mustContain(t, res.Body, "raise past level 3", "The escalation is already at level 3, the highest.")
		if got := e.mustEscalationByID(fresh.ID); got.Level != 3 || got.Version != esc.Version {
			t.Errorf("escalation after raising past 3: %+v", got)
		}

		res = c.Post(path+"/note", url.Values{"version": {id(esc.Version)}, "note": {"Called the provider's duty manager."}})
		mustStatus(t, res, http.StatusSeeOther, "note")
		esc = e.mustEscalationByID(fresh.ID)
		res = c.Post(path+"/resolve", url.Values{"version": {id(esc.Version)}, "outcome": {"Upheld: the provider patches on Friday."}})
		mustStatus(t, res, http.StatusSeeOther, "resolve")
		page = c.Get(path)
		mustContain(t, page.Body, "resolved", "Upheld: the provider patches on Friday.", "Raised a level", "Called the provider&#39;s duty manager.")
		if strings.Contains(page.Body, "/resolve") {
			t.Error("a resolved escalation still offers actions")
		}
		rows := mustCSV(t, c.Get("/escalations.csv?state=resolved"))
		if len(rows) != 2 || rows[1][0] != id(fresh.ID) || rows[1][6] != "3" || rows[1][7] != "resolved" || rows[1][14] != "Upheld: the provider patches on Friday." {
			t.Errorf("escalations export: %v", rows)
		}
		mustStatus(t, c.Get("/escalations?level=4"), http.StatusBadRequest, "bad level filter")

		// The page names the provider's contacts at this level, and those
		// the next level would tell.
		for _, ct := range []*itsm.EscalationContact{
			{ProviderID: f.Provider.ID, Level: 1, Name: "Sam Service Desk", Email: "desk@provider.test"},
			{ProviderID: f.Provider.ID, Level: 2, Name: "Dana Duty", Email: "duty@provider.test"},
		} {
			if err := db.AddEscalationContact(storetest.System(), ct); err != nil {
				t.Fatal(err)
			}
		}
		page = c.Get("/escalations/" + id(d.escalationA.ID))
		mustContain(t, page.Body, "contacts on the escalation page", "contacts at level 1", "Sam Service Desk", "desk@provider.test",
			"level 2 contacts are told: Dana Duty (duty@provider.test)")

		// The provider reads its ticket's escalation and has no actions.
		page = e.as(f.ProviderAgent).Get("/escalations/" + id(d.escalationA.ID))
		mustStatus(t, page, http.StatusOK, "provider's escalation")
		if strings.Contains(page.Body, "/acknowledge") {
			t.Error("the provider is offered the team's actions")
		}
	})
}

// TestEscalationContacts adds and removes a provider's contacts.
func TestEscalationContacts(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		other := &itsm.Organisation{Name: "Other Provider Ltd", Kind: itsm.OrgProvider}
		if err := db.CreateOrganisation(storetest.System(), other); err != nil {
			t.Fatal(err)
		}
		theirs := &itsm.EscalationContact{ProviderID: other.ID, Level: 1, Name: "Not Yours", Email: "x@other.test"}
		if err := db.AddEscalationContact(storetest.System(), theirs); err != nil {
			t.Fatal(err)
		}
		path := "/organisations/" + id(f.Provider.ID) + "/escalation-contacts"
		c := e.as(f.Manager)
		c.Get(path)
		res := c.Post(path+"/add", url.Values{"level": {"4"}, "name": {""}, "email": {"not an address"}})
		mustFormError(t, res, http.StatusBadRequest, "bad contact", "level", "name", "email")
		res = c.Post(path+"/add", url.Values{"level": {"2"}, "name": {"Dana Duty"}, "email": {"Dana@Provider.test"}})
		mustStatus(t, res, http.StatusSeeOther, "add contact")
		page := c.Get(res.Location())
		mustContain(t, page.Body, "contacts", "Dana Duty is now a level 2 contact.", "dana@provider.test")
		res = c.Post(path+"/add", url.Values{"level": {"2"}, "name": {"Dana again"}, "email": {"dana@provider.test"}})
		mustFormError(t, res, http.StatusBadRequest, "duplicate contact", "email")

		mustStatus(t, c.Post(path+"/remove", url.Values{"contact_id": {id(theirs.ID)}}), http.StatusNotFound, "another provider's contact")
		contacts, _ := db.FindEscalationContacts(storetest.System(), f.Provider.ID)
		res = c.Post(path+"/remove", url.Values{"contact_id": {id(contacts[0].ID)}})
		mustStatus(t, res, http.StatusSeeOther, "remove contact")
		if contacts, _ := db.FindEscalationContacts(storetest.System(), f.Provider.ID); len(contacts) != 0 {
			t.Errorf("contacts after removing: %v", contacts)
		}

		// The provider reads its own list, without the forms.
		e.mustContact(3)
		page = e.as(f.ProviderAgent).Get(path)
		mustStatus(t, page, http.StatusOK, "provider's contacts")
		if strings.Contains(page.Body, "/add") || strings.Contains(page.Body, "/remove") {
			t.Error("the provider is offered to change its contacts")
		}
		mustStatus(t, e.as(f.ProviderAgent).Get("/organisations/"+id(other.ID)+"/escalation-contacts"), http.StatusNotFound, "another provider's contacts")
	})
}

// A ticket pending the customer has its clocks paused: the staff list says
// so instead of showing a due instant that the pause keeps moving.
func TestTicketListShowsPausedClocks(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		e.mustAgreement("Help desk agreement", nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		agent := storetest.As(f.Agent)
		tk, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "Which cost centre?", Description: "For the new school", Impact: itsm.Low, Urgency: itsm.Low})
		if err != nil {
			t.Fatal(err)
		}
		pc := itsm.StatusPendingCustomer
		if _, err := db.UpdateTicket(agent, tk.ID, itsm.TicketUpdate{Status: &pc, Note: "Which school is it for?", Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		page := e.as(f.Agent).Get("/tickets?status=pending+customer")
		mustStatus(t, page, http.StatusOK, "pending list")
		mustContain(t, page.Body, "pending list", tk.Ref, ">Paused<")
	})
}
