package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// TestServiceDeskFlow is the whole journey: a customer reports an issue
// with a screenshot, an agent replies (the SLA section shows the response
// met), notes something internally, resolves it, and the customer disputes
// the resolution; the escalation then shows on the ticket.
func TestServiceDeskFlow(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		e.mustOfficeAgreement()
		clock := storetest.ClockOf(db) // Monday 2 March 2026, 09:00 GMT
		cust := e.as(f.CustomerUserA)

		form := cust.Get("/tickets/new")
		mustStatus(t, form, http.StatusOK, "report form")
		mustSay(t, form, "report form", "Report an issue", "who is affected", "any error message", "Markdown")
		if !strings.Contains(form.Body, `enctype="multipart/form-data"`) || strings.Contains(form.Body, `name="priority"`) {
			t.Error("the customer's form should take a file and offer no priority override")
		}
		res := postMultipart(cust, "/tickets/new", url.Values{"type": {"incident"}, "title": {"Invoices stuck in approval"},
			"description": {"Since **this morning** invoices over £10,000 stay *pending*.\n\n1. Open an invoice\n2. Approve"},
			"category":    {"Invoices and payments"}, "service": {"Purchasing"}, "component": {"Approvals"}, "impact": {"high"}, "urgency": {"medium"}},
			fileUpload{"file", "screenshot.png", pngBytes})
		page := mustFollow(t, cust, res, "report an issue")
		if !regexp.MustCompile(`^/tickets/\d+$`).MatchString(res.Location()) {
			t.Fatalf("redirected to %q", res.Location())
		}
		ticketURL := res.Location()
		mustSay(t, page, "new ticket", "INC-000001 has been logged. Your file screenshot.png has been added.",
			"INC-000001: Invoices stuck in approval", "P2", "Invoices and payments", "Purchasing: Approvals", "screenshot.png")
		if !strings.Contains(page.Body, "<strong>this morning</strong>") || !strings.Contains(page.Body, "<ol>") {
			t.Error("the description is not rendered from Markdown")
		}
		mustSay(t, page, "SLA before a reply", "Response", "1 hour", "Running", "Times are in Europe/London")

		// An agent replies an hour later: the response target is met.
		// (Sessions time out when idle, so people sign in again after the
		// clock moves.)
		clock.Advance(time.Hour)
		agent := e.as(f.Agent)
		cust = e.as(f.CustomerUserA)
		mustStatus(t, agent.Get(ticketURL), http.StatusOK, "agent opens the ticket")
		page = mustFollow(t, agent, agent.Post(ticketURL+"/comment", url.Values{"body": {"We are looking at it."}, "visibility": {"public"}}), "reply")
		mustSay(t, page, "reply", "Your reply has been added to INC-000001.", "We are looking at it.", "Met on time")
		mustFollow(t, agent, agent.Post(ticketURL+"/comment", url.Values{"body": {"Supplier cache is stale; SECRET-NOTE"}, "visibility": {"internal"}}), "internal note")

		page = cust.Get(ticketURL)
		mustSay(t, page, "customer after the reply", "We are looking at it.", "Met on time", "2 Mar 2026 10:00")
		if strings.Contains(page.Body, "SECRET-NOTE") || strings.Contains(page.Body, "internal note") {
			t.Error("the customer sees the internal note")
		}

		// Resolving needs a note for the customer.
		version := id(e.mustTicketByID(mustTicketID(t, ticketURL)).Version)
		res = agent.Post(ticketURL+"/status", url.Values{"status": {"resolved"}, "version": {version}})
		mustStatus(t, res, http.StatusBadRequest, "resolve without a note")
		mustSay(t, res, "resolve without a note", "Describe the resolution for the customer.")
		clock.Advance(2 * time.Hour)
		agent, cust = e.as(f.Agent), e.as(f.CustomerUserA)
		agent.Get(ticketURL)
		page = mustFollow(t, agent, agent.Post(ticketURL+"/status", url.Values{"status": {"resolved"}, "note": {"Cleared the cache."}, "version": {version}}), "resolve")
		mustSay(t, page, "resolved", "INC-000001 is now resolved.", "Cleared the cache.", "Met on time")

		// The customer disputes the resolution.
		page = cust.Get(ticketURL)
		mustSay(t, page, "customer sees the resolution", "Resolved", "Dispute the resolution / escalate to the programme team", "Re-open INC-000001")
		res = cust.Post(ticketURL+"/escalate", url.Values{"dispute_reason": {"  "}})
		mustStatus(t, res, http.StatusBadRequest, "dispute without a reason")
		if !strings.Contains(res.Body, `<a href="#dispute_reason">Tell us why you are not satisfied.</a>`) {
			t.Errorf("dispute error not linked to its field:\n%s", excerpt(res.Body))
		}
		page = mustFollow(t, cust, cust.Post(ticketURL+"/escalate", url.Values{"dispute_reason": {"It still happens for big invoices."}}), "dispute")
		// Level 1 is one working day: Monday 12:00 + 8 business hours.
		mustSay(t, page, "escalation shown", "INC-000001 has been escalated to the programme team. They will respond by 3 Mar 2026 12:00.",
			"Escalations to the programme team", "Level 1", "Open", "3 Mar 2026 12:00", "It still happens for big invoices.", "In progress")
		if strings.Contains(page.Body, "/escalate\"") {
			t.Error("the dispute form is still offered while an escalation is open")
		}
		// Disputing again is refused with the store's sentence.
		res = cust.Post(ticketURL+"/escalate", url.Values{"dispute_reason": {"Again"}})
		mustStatus(t, res, http.StatusConflict, "second dispute")
		mustSay(t, res, "second dispute", "INC-000001 is already escalated; the programme team is looking at it.")
		// Staff see it, linked to the escalation's page.
		if page := agent.Get(ticketURL); !regexp.MustCompile(`href="/escalations/\d+"`).MatchString(page.Body) {
			t.Error("staff have no link to the escalation")
		}
	})
}

func mustTicketID(t *testing.T, ticketURL string) int64 {
	t.Helper()
	var n int64
	for _, c := range strings.TrimPrefix(ticketURL, "/tickets/") {
		if c < '0' || c > '9' {
			t.Fatalf("not a ticket URL: %s", ticketURL)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// TestReportAnIssueBadInput checks the report form's errors: the GOV.UK
// pattern, the person's input kept, and nothing logged.
func TestReportAnIssueBadInput(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		cust := e.as(f.CustomerUserA)
		cust.Get("/tickets/new")
		before := e.ticketCount()
		good := url.Values{"type": {"incident"}, "title": {"Cannot sign in"}, "description": {"The page spins."}, "impact": {"low"}, "urgency": {"low"}}
		with := func(k, v string) url.Values {
			out := url.Values{}
			for kk, vv := range good {
				out[kk] = vv
			}
			out.Set(k, v)
			return out
		}
		cases := []struct {
			name   string
			form   url.Values
			file   *fileUpload
			status int
			want   []string
		}{
			{"missing title", with("title", " "), nil, http.StatusBadRequest, []string{`<a href="#title">Enter a short summary of the problem.</a>`, `value="incident" checked`}},
			{"missing description", with("description", ""), nil, http.StatusBadRequest, []string{`href="#description"`, `value="Cannot sign in"`}},
			{"bad impact", with("impact", "catastrophic"), nil, http.StatusBadRequest, []string{`<a href="#impact">Choose high, medium or low impact.</a>`}},
			{"bad urgency", with("urgency", "yesterday"), nil, http.StatusBadRequest, []string{`href="#urgency"`}},
			{"bad type", with("type", "complaint"), nil, http.StatusBadRequest, []string{`href="#type"`}},
			{"bad category", with("category", "Nonsense"), nil, http.StatusBadRequest, []string{`<a href="#category">Choose a category from the list.</a>`}},
			{"wrong file type", good, &fileUpload{"file", "setup.exe", []byte("MZ\x90\x00")}, http.StatusBadRequest, []string{`href="#file"`, "The file must be a PDF"}},
			{"path in the file name", good, &fileUpload{"file", "../../etc/cron.txt", []byte("x\n")}, http.StatusBadRequest, []string{"The file name must not contain a folder path"}},
			{"oversize file", good, &fileUpload{"file", "big.txt", []byte(strings.Repeat("a", 10<<20+1))}, http.StatusRequestEntityTooLarge, []string{`<a href="#file">The file must be smaller than 10 MB.</a>`, `value="Cannot sign in"`}},
		}
		for _, c := range cases {
			res := postFiles(cust, "/tickets/new", c.form, c.file)
			mustStatus(t, res, c.status, c.name)
			if !strings.Contains(res.Body, "<title>Error: Report an issue – Steward</title>") {
				t.Errorf("%s: title lacks \"Error: \"", c.name)
			}
			for _, w := range c.want {
				if !strings.Contains(res.Body, w) {
					t.Errorf("%s: page lacks %s\n%s", c.name, w, excerpt(res.Body))
				}
			}
		}
		// A form bigger than any upload is refused before it is read.
		res := postFiles(cust, "/tickets/new", good, &fileUpload{"file", "huge.txt", []byte(strings.Repeat("a", 12<<20))})
		mustStatus(t, res, http.StatusRequestEntityTooLarge, "request over the upload limit")
		mustSay(t, res, "request over the upload limit", "files must be smaller than 10 MB")
		if n := e.ticketCount(); n != before {
			t.Fatalf("%d tickets logged by bad forms", n-before)
		}

		// A file whose content lies about its type is found only by the
		// store, after the ticket exists: the ticket is kept and the
		// person told the file was not added, and why.
		res = postFiles(cust, "/tickets/new", good, &fileUpload{"file", "photo.png", []byte("<html><script>alert(1)</script></html>")})
		page := mustFollow(t, cust, res, "lying file")
		mustSay(t, page, "lying file", "INC-000001 has been logged. But your file photo.png was not added: The file's content does not match its type; check you chose the right file.")
		if !strings.Contains(page.Body, "ds_notification-message--error") {
			t.Error("the refused file is not shown as an error")
		}
		if n := e.ticketCount(); n != before+1 {
			t.Fatalf("tickets logged: %d, want 1", n-before)
		}
		if as := e.attachments(e.mustTicketByID(mustTicketID(t, res.Location()))); len(as) != 0 {
			t.Errorf("the lying file was stored: %+v", as)
		}
	})
}

// TestStaffLogTicketForCustomer checks the service desk's extra fields: the
// organisation first, then its people, and a priority override that needs
// a reason.
func TestStaffLogTicketForCustomer(t *testing.T) {
	e := newDeskEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	c := e.as(f.Agent)
	res := c.Get("/tickets/new")
	mustStatus(t, res, http.StatusOK, "choose organisation")
	if !strings.Contains(res.Body, `name="organisation_id"`) || strings.Contains(res.Body, `name="title"`) {
		t.Fatal("the first step should ask only for the organisation")
	}
	mustStatus(t, c.Get("/tickets/new?organisation_id="+id(f.Provider.ID)), http.StatusBadRequest, "a provider is not a customer")
	res = c.Get("/tickets/new?organisation_id=" + id(f.CustomerA.ID))
	mustStatus(t, res, http.StatusOK, "form for customer A")
	if !strings.Contains(res.Body, "Catriona Alpha-User") || strings.Contains(res.Body, "Bethany Beta-User") || !strings.Contains(res.Body, `name="priority_reason"`) {
		t.Errorf("requesters or priority override wrong:\n%s", excerpt(res.Body))
	}
	form := url.Values{"organisation_id": {id(f.CustomerA.ID)}, "requester_id": {id(f.CustomerUserA.ID)}, "title": {"Phoned in"},
		"description": {"Caller reports a slow catalogue."}, "impact": {"low"}, "urgency": {"low"}, "priority": {"P1"}}
	res = postFiles(c, "/tickets/new", form, nil)
	mustStatus(t, res, http.StatusBadRequest, "override without a reason")
	mustSay(t, res, "override without a reason", "Give a reason for overriding the priority.")
	form.Set("requester_id", id(f.CustomerUserB.ID))
	form.Set("priority_reason", "Minister's office")
	res = postFiles(c, "/tickets/new", form, nil)
	mustStatus(t, res, http.StatusBadRequest, "requester from another organisation")
	mustSay(t, res, "requester from another organisation", "Choose the person who reported it from the list.")
	form.Set("requester_id", id(f.CustomerUserA.ID))
	page := mustFollow(t, c, postFiles(c, "/tickets/new", form, nil), "log for a customer")
	mustSay(t, page, "logged for a customer", "INC-000001 has been logged.", "P1", "Alpha Council", "Catriona Alpha-User")
}

// TestTicketFormsBadInput checks every form on a ticket's page refuses bad
// input with the store's sentence beside the right field, the ticket shown
// as it is now and the person's input kept.
func TestTicketFormsBadInput(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		tk := e.mustRaise(f.CustomerUserA, "Needs work")
		other := e.mustRaise(f.CustomerUserA, "Other")
		u := "/tickets/" + id(tk.ID)
		v := id(tk.Version)
		agent := e.as(f.Agent)
		agent.Get(u)
		cases := []struct {
			name, path string
			form       url.Values
			status     int
			want       []string
		}{
			{"empty reply", "/comment", url.Values{"body": {" "}, "visibility": {"public"}}, 400, []string{`<a href="#body">Enter your message.</a>`}},
			{"bad visibility", "/comment", url.Values{"body": {"x"}, "visibility": {"everyone"}}, 400, []string{`href="#visibility"`}},
			{"illegal move", "/status", url.Values{"status": {"closed"}, "version": {v}}, 400, []string{`<a href="#status">A ticket that is new cannot move to closed.</a>`}},
			{"unknown status", "/status", url.Values{"status": {"done"}, "version": {v}}, 400, []string{`href="#status"`}},
			{"no status", "/status", url.Values{"version": {v}}, 400, []string{`<a href="#status">Choose the ticket&#39;s new status.</a>`}},
			{"resolve without a note", "/status", url.Values{"status": {"resolved"}, "version": {v}}, 400, []string{`<a href="#note">Describe the resolution for the customer.</a>`, `<option value="resolved" selected>`}},
			{"missing version", "/status", url.Values{"status": {"in progress"}}, 400, []string{"The form is missing the version of the record you opened."}},
			{"priority without a reason", "/priority", url.Values{"priority": {"P1"}, "version": {v}}, 400, []string{`<a href="#priority_reason">Give a reason for changing the priority.</a>`, `<option value="P1" selected>`}},
			{"same priority", "/priority", url.Values{"priority": {tk.Priority}, "priority_reason": {"x"}, "version": {v}}, 400, []string{`href="#priority"`}},
			{"bad priority", "/priority", url.Values{"priority": {"P9"}, "priority_reason": {"x"}, "version": {v}}, 400, []string{`<a href="#priority">Choose a priority from P1 to P4.</a>`}},
			{"assign to a customer", "/assign", url.Values{"assignee_id": {id(f.CustomerUserA.ID)}, "version": {v}}, 400, []string{`<a href="#assignee_id">Choose an active member of the service desk.</a>`}},
			{"escalate to a customer", "/provider", url.Values{"provider_id": {id(f.CustomerB.ID)}, "version": {v}}, 400, []string{`href="#provider_id"`}},
			{"re-open an open ticket", "/reopen", url.Values{"reopen_reason": {"x"}, "version": {v}}, 400, []string{"<li>Only a resolved ticket can be re-opened.</li>"}},
			{"watch someone who cannot see it", "/watchers", url.Values{"watcher_id": {id(f.CustomerUserB.ID)}}, 400, []string{`<a href="#watcher_id">That person cannot see this ticket.</a>`}},
			{"link to nothing", "/links", url.Values{"link_kind": {"related"}, "link_target": {"INC-999999"}}, 400, []string{`<a href="#link_target">There is no ticket INC-999999`, `value="INC-999999"`}},
			{"link to itself", "/links", url.Values{"link_kind": {"related"}, "link_target": {tk.Ref}}, 400, []string{`href="#link_target"`}},
			{"bad link kind", "/links", url.Values{"link_kind": {"parent"}, "link_target": {other.Ref}}, 400, []string{`href="#link_kind"`}},
		}
		for _, c := range cases {
			res := agent.Post(u+c.path, c.form)
			mustStatus(t, res, c.status, c.name)
			if !strings.Contains(res.Body, "<title>Error: "+tk.Ref+": Needs work – Steward</title>") {
				t.Errorf("%s: title lacks \"Error: \"", c.name)
			}
			for _, w := range c.want {
				if !strings.Contains(res.Body, w) {
					t.Errorf("%s: page lacks %s\n%s", c.name, w, excerpt(res.Body))
				}
			}
		}
		if got := e.mustTicketByID(tk.ID); got.Version != tk.Version || got.Status != itsm.StatusNew {
			t.Errorf("bad input changed the ticket: %+v", got)
		}

		// Someone else changes the ticket after the form was opened: the
		// change is refused with the store's sentence, the note kept, and
		// the page shows the ticket as it is now.
		e.mustWork(tk, itsm.TicketUpdate{AssigneeID: &f.Manager.ID})
		res := agent.Post(u+"/status", url.Values{"status": {"resolved"}, "note": {"My resolution"}, "version": {v}})
		mustStatus(t, res, http.StatusConflict, "stale change")
		mustSay(t, res, "stale change", "Someone else changed this ticket since you opened it.", "Morag Manager")
		if !strings.Contains(res.Body, ">My resolution</textarea>") {
			t.Error("the stale form lost the person's note")
		}

		// Outside the re-open window the store's sentence is shown.
		resolved := e.mustResolve(tk)
		storetest.ClockOf(db).Advance(11 * 24 * time.Hour)
		cust := e.as(f.CustomerUserA)
		cust.Get(u)
		res = cust.Post(u+"/reopen", url.Values{"reopen_reason": {""}, "version": {id(resolved.Version)}})
		mustStatus(t, res, http.StatusBadRequest, "re-open without a reason")
		mustSay(t, res, "re-open without a reason", "Say why the ticket needs more work.")
		if !strings.Contains(res.Body, `href="#reopen_reason"`) {
			t.Error("the re-open error is not linked to its field")
		}
		res = cust.Post(u+"/reopen", url.Values{"reopen_reason": {"Back again"}, "version": {id(resolved.Version)}})
		mustStatus(t, res, http.StatusBadRequest, "re-open too late")
		mustSay(t, res, "re-open too late", tk.Ref+" was resolved more than 10 days ago, so it can no longer be re-opened")
	})
}

// TestTicketTextIsInert puts markup and script links in what people write
// and checks every page that shows it leaves it inert.
func TestTicketTextIsInert(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		const evil = "<script>alert('desc')</script>\n\n[click me](javascript:alert(1)) <img src=x onerror=alert(2)> " +
			"[ok](https://example.org/help) ![x](javascript:alert(3)) <a href=\"javascript:alert(4)\">a</a>"
		tk, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: `<script>alert("title")</script>`, Description: evil})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddComment(storetest.As(f.Agent), tk.ID, itsm.Comment{Body: evil}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*webtest.Client{e.as(f.CustomerUserA), e.as(f.Agent)} {
			for _, p := range []string{"/tickets/" + id(tk.ID), "/tickets", "/"} {
				res := c.Get(p)
				mustStatus(t, res, http.StatusOK, p)
				for _, bad := range []string{"<script>alert", "<img", "onerror=alert(2)>", "<a href=\"javascript"} {
					if strings.Contains(res.Body, bad) {
						t.Errorf("%s contains %q", p, bad)
					}
				}
				if regexp.MustCompile(`(?i)(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):`).MatchString(res.Body) {
					t.Errorf("%s has a script link", p)
				}
			}
			res := c.Get("/tickets/" + id(tk.ID))
			if !strings.Contains(res.Body, `<a href="https://example.org/help" rel="noopener nofollow">ok</a>`) {
				t.Errorf("a safe link is not kept with rel=\"noopener nofollow\":\n%s", res.Body)
			}
			if !strings.Contains(res.Body, "&lt;script&gt;alert(&#39;desc&#39;)&lt;/script&gt;") || !strings.Contains(webtest.Text(res.Body), "click me") {
				t.Error("the text of the markup is not shown as text")
			}
		}
	})
}

// TestInternalNotesNeverReachCustomers writes internal notes, an internal
// file, an assignment and a priority change with a reason, and checks no
// customer page or export shows them, while the provider working the
// ticket does see the note.
func TestInternalNotesNeverReachCustomers(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		tk := e.mustEscalateToProvider(e.mustRaise(f.CustomerUserA, "Quiet please"))
		agent := e.as(f.Agent)
		u := "/tickets/" + id(tk.ID)
		agent.Get(u)
		mustStatus(t, agent.Post(u+"/comment", url.Values{"body": {"SECRET-NOTE about the supplier"}, "visibility": {"internal"}}), http.StatusSeeOther, "internal note")
		mustStatus(t, postFiles(agent, u+"/attachments", url.Values{"internal": {"true"}}, &fileUpload{"file", "secret-log.txt", []byte("SECRET-FILE\n")}), http.StatusSeeOther, "internal file")
		mustStatus(t, agent.Post(u+"/priority", url.Values{"priority": {"P1"}, "priority_reason": {"SECRET-REASON"}, "version": {id(e.mustTicketByID(tk.ID).Version)}}), http.StatusSeeOther, "priority")
		internal := e.attachments(tk)[0]

		for _, c := range []*webtest.Client{e.as(f.CustomerUserA), e.as(f.CustomerAdminA)} {
			for _, p := range []string{u, "/tickets", "/tickets.csv", "/"} {
				body := c.Get(p).Body
				for _, secret := range []string{"SECRET-NOTE", "SECRET-FILE", "SECRET-REASON", "secret-log.txt", "Internal note", "internal note"} {
					if strings.Contains(body, secret) {
						t.Errorf("customer page %s shows %q", p, secret)
					}
				}
			}
			mustStatus(t, c.Get("/attachments/"+id(internal.ID)), http.StatusNotFound, "customer downloads an internal file")
		}
		page := e.as(f.ProviderAgent).Get(u)
		mustSay(t, page, "provider", "SECRET-NOTE about the supplier", "Internal note: not shown to the customer", "secret-log.txt")
	})
}

// TestTicketRelations covers watching, the service desk adding a watcher
// and linking tickets, and the known errors customers see on their ticket.
func TestTicketRelations(t *testing.T) {
	e := newDeskEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	tk := e.mustRaise(f.CustomerUserA, "Watch me")
	dup := e.mustRaise(f.CustomerAdminA, "Same again")
	u := "/tickets/" + id(tk.ID)
	admin := e.as(f.CustomerAdminA)
	page := admin.Get(u)
	if !strings.Contains(page.Body, ">Watch this ticket</button>") || strings.Contains(page.Body, `name="watcher_id"`) {
		t.Error("a customer should be offered watching for themselves only")
	}
	page = mustFollow(t, admin, admin.Post(u+"/watch", nil), "watch")
	mustSay(t, page, "watching", "You are now watching "+tk.Ref+".", "Callum Alpha-Admin", "Stop watching this ticket")
	page = mustFollow(t, admin, admin.Post(u+"/unwatch", nil), "unwatch")
	mustSay(t, page, "unwatched", "You are no longer watching "+tk.Ref+".")

	agent := e.as(f.Agent)
	agent.Get(u)
	page = mustFollow(t, agent, agent.Post(u+"/watchers", url.Values{"watcher_id": {id(f.CustomerAdminA.ID)}}), "add watcher")
	mustSay(t, page, "watcher added", "Callum Alpha-Admin is now watching "+tk.Ref+".")
	page = mustFollow(t, agent, agent.Post("/tickets/"+id(dup.ID)+"/links", url.Values{"link_kind": {"duplicate_of"}, "link_target": {strings.ToLower(tk.Ref)}}), "link")
	mustSay(t, page, "linked", dup.Ref+" is now linked to "+tk.Ref+".", "Duplicate of "+tk.Ref)

	// Problems: the customer sees the known error and its workaround, not
	// the problem still under investigation.
	ctx := storetest.As(f.Manager)
	known := &itsm.Problem{Title: "Approval cache goes stale", Workaround: "Sign out and in **again**.", KnownError: true}
	hidden := &itsm.Problem{Title: "Investigating HIDDEN-PROBLEM"}
	for _, p := range []*itsm.Problem{known, hidden} {
		if err := e.db.CreateProblem(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.db.LinkIncident(ctx, p.ID, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	page = e.as(f.CustomerUserA).Get(u)
	mustSay(t, page, "customer's known errors", "Known errors", known.Ref+": Approval cache goes stale")
	if !strings.Contains(page.Body, "Sign out and in <strong>again</strong>.") {
		t.Error("the workaround is not shown from its Markdown")
	}
	if strings.Contains(page.Body, "HIDDEN-PROBLEM") || strings.Contains(page.Body, "/problems/") {
		t.Error("the customer sees a problem that is not a known error, or a link to the problem pages")
	}
	page = agent.Get(u)
	mustSay(t, page, "staff's problems", "HIDDEN-PROBLEM")
	if !strings.Contains(page.Body, `href="/problems/`+id(known.ID)+`"`) {
		t.Error("staff have no link to the problem")
	}
}

// TestTicketByReference sends a reference to the ticket's page.
func TestTicketByReference(t *testing.T) {
	e := newDeskEnv(t, storetest.MustOpen(t, store.SQLite))
	tk := e.mustRaise(e.f.CustomerUserA, "By reference")
	c := e.as(e.f.CustomerUserA)
	res := c.Get("/tickets/ref/" + strings.ToLower(tk.Ref))
	mustStatus(t, res, http.StatusSeeOther, "by reference")
	if res.Location() != "/tickets/"+id(tk.ID) {
		t.Errorf("redirected to %q", res.Location())
	}
	mustStatus(t, c.Get("/tickets/ref/INC-999999"), http.StatusNotFound, "unknown reference")
	mustStatus(t, c.Get("/tickets/ref/nonsense"), http.StatusNotFound, "not a reference")
}

// TestTicketTimesInViewersZone shows a ticket's times in the viewer's
// organisation's time zone, whatever the agreement's calendar uses.
func TestTicketTimesInViewersZone(t *testing.T) {
	e := newDeskEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	e.mustOfficeAgreement()
	tz := "Asia/Tokyo"
	org := e.mustOrg(f.CustomerB.ID)
	if _, err := e.db.UpdateOrganisation(storetest.As(f.Manager), org.ID, itsm.OrganisationUpdate{TimeZone: &tz, Version: org.Version}); err != nil {
		t.Fatal(err)
	}
	tk, err := e.db.CreateTicket(storetest.As(f.CustomerUserB), itsm.NewTicket{Title: "Far away", Description: "x"})
	if err != nil {
		t.Fatal(err)
	}
	page := e.as(f.CustomerUserB).Get("/tickets/" + id(tk.ID))
	// Logged 09:00 GMT is 18:00 in Tokyo; the response is due 13:00 GMT.
	mustSay(t, page, "Tokyo", "Logged 2 Mar 2026 18:00", "Times are in Asia/Tokyo", "2 Mar 2026 22:00")
	page = e.as(f.Agent).Get("/tickets/" + id(tk.ID))
	mustSay(t, page, "London", "Logged 2 Mar 2026 09:00", "Times are in Europe/London", "2 Mar 2026 13:00")
}
