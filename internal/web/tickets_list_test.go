package web_test

import (
	"encoding/csv"
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

// refsOn returns the ticket references a page lists, in order.
func refsOn(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<a href="/tickets/\d+">((?:INC|REQ)-\d{6})</a>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestTicketListFilters checks the list's filters, queues, search, sorting
// and paging, and that nonsense in the query string is refused.
func TestTicketListFilters(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		e.mustOfficeAgreement()
		clock := storetest.ClockOf(db)
		cust := storetest.As(f.CustomerUserA)
		mk := func(n itsm.NewTicket) *itsm.Ticket {
			t.Helper()
			tk, err := db.CreateTicket(cust, n)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
			return tk
		}
		urgent := mk(itsm.NewTicket{Title: "Nobody can sign in", Description: "Outage.", Impact: itsm.High, Urgency: itsm.High, Category: "Access and sign-in"})
		request := mk(itsm.NewTicket{Type: itsm.Request, Title: "How do I export invoices", Description: "Question about the zebra report.", Impact: itsm.Low, Urgency: itsm.Low, Category: "How to"})
		mine := mk(itsm.NewTicket{Title: "Catalogue slow", Description: "Slow.", Impact: itsm.Medium, Urgency: itsm.Medium})
		e.mustWork(mine, itsm.TicketUpdate{AssigneeID: &f.Agent.ID})
		withProvider := e.mustEscalateToProvider(mk(itsm.NewTicket{Title: "Interface down", Description: "Finance feed.", Impact: itsm.Medium, Urgency: itsm.High}))
		pc := itsm.StatusPendingCustomer
		e.mustWork(withProvider, itsm.TicketUpdate{Status: &pc})
		beta, err := db.CreateTicket(storetest.As(f.CustomerUserB), itsm.NewTicket{Title: "Beta's problem", Description: "B."})
		if err != nil {
			t.Fatal(err)
		}
		agent := e.as(f.Agent)
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{beta.Ref, withProvider.Ref, mine.Ref, request.Ref, urgent.Ref}},
			{"?type=request", []string{request.Ref}},
			{"?priority=P1", []string{urgent.Ref}},
			{"?category=How+to", []string{request.Ref}},
			{"?organisation=" + id(f.CustomerB.ID), []string{beta.Ref}},
			{"?provider=" + id(f.Provider.ID), []string{withProvider.Ref}},
			{"?status=pending+customer", []string{withProvider.Ref}},
			{"?assignee=me&status=open", []string{mine.Ref}},
			{"?assignee=" + id(f.Agent.ID), []string{mine.Ref}},
			{"?q=zebra", []string{request.Ref}},
			{"?q=" + strings.ToLower(urgent.Ref), []string{urgent.Ref}},
			{"?sort=ref", []string{urgent.Ref, mine.Ref, withProvider.Ref, beta.Ref, request.Ref}},
			{"?sort=priority&type=incident&organisation=" + id(f.CustomerA.ID), []string{urgent.Ref, withProvider.Ref, mine.Ref}},
		}
		for _, c := range cases {
			res := agent.Get("/tickets" + c.query)
			mustStatus(t, res, http.StatusOK, c.query)
			if got := refsOn(res.Body); strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("/tickets%s lists %v, want %v", c.query, got, c.want)
			}
		}
		// The queue in use is marked as the current one.
		res := agent.Get("/tickets?assignee=me&status=open")
		if !strings.Contains(res.Body, `<a class="ds_tabs__tab-link" href="/tickets?assignee=me&amp;status=open" aria-current="page">Assigned to me</a>`) {
			t.Error("the current queue is not marked")
		}
		// Unassigned excludes the assigned ticket (and only open ones).
		if got := refsOn(agent.Get("/tickets?assignee=none").Body); contains(got, mine.Ref) || len(got) != 4 {
			t.Errorf("unassigned queue: %v", got)
		}
		// Breaching soon: the P1's response (30 minutes) is due within 4
		// hours at once; two hours on, it has breached.
		if got := refsOn(agent.Get("/tickets?due=soon&sort=due").Body); len(got) == 0 || got[0] != urgent.Ref {
			t.Errorf("breaching soon: %v", got)
		}
		if got := refsOn(agent.Get("/tickets?due=breached").Body); len(got) != 0 {
			t.Errorf("breached before any target passed: %v", got)
		}
		clock.Advance(2 * time.Hour)
		agent = e.as(f.Agent)
		if got := refsOn(agent.Get("/tickets?due=breached").Body); !contains(got, urgent.Ref) {
			t.Errorf("breached: %v", got)
		}
		page := agent.Get("/tickets?q=" + urgent.Ref)
		if !strings.Contains(page.Body, `<span class="ds_tag ds_tag--red">Breached</span>`) {
			t.Error("a breached ticket is not marked")
		}

		// Customers see their organisation's tickets with simpler filters.
		custPage := e.as(f.CustomerUserA).Get("/tickets")
		if got := refsOn(custPage.Body); contains(got, beta.Ref) || len(got) != 4 {
			t.Errorf("customer lists %v", got)
		}
		for _, field := range []string{`name="organisation"`, `name="provider"`, `name="assignee"`, `name="priority"`, "ds_tabs", "bulk-assign"} {
			if strings.Contains(custPage.Body, field) {
				t.Errorf("the customer's list offers %s", field)
			}
		}
		// Nonsense is refused, not ignored.
		for _, q := range []string{"?status=lost", "?sort=colour", "?type=complaint", "?organisation=abc", "?page=0", "?due=never", "?assignee=nobody"} {
			mustStatus(t, agent.Get("/tickets"+q), http.StatusBadRequest, q)
		}
	})
}

// TestTicketListPages checks paging with totals.
func TestTicketListPages(t *testing.T) {
	e := newDeskEnv(t, storetest.MustOpen(t, store.SQLite))
	for i := 0; i < 27; i++ {
		e.mustRaise(e.f.CustomerUserA, "Ticket "+id(int64(i)))
	}
	c := e.as(e.f.Agent)
	res := c.Get("/tickets?sort=ref")
	mustSay(t, res, "first page", "Showing 1 to 25 of 27 tickets")
	res = c.Get("/tickets?sort=ref&page=2")
	mustSay(t, res, "second page", "Showing 26 to 27 of 27 tickets")
	if !strings.Contains(res.Body, "<title>Tickets (page 2 of 2) – Steward</title>") {
		t.Error("the second page's title does not say which page it is")
	}
	if got := refsOn(res.Body); len(got) != 2 || got[0] != "INC-000026" {
		t.Errorf("second page lists %v", got)
	}
}

// TestTicketCSV checks the export follows the filters, keeps the scope,
// writes times in RFC 3339 UTC and defuses formulas.
func TestTicketCSV(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		e.mustOfficeAgreement()
		a := e.mustRaise(f.CustomerUserA, "=HYPERLINK(\"http://evil\")")
		if _, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Type: itsm.Request, Title: "A question", Description: "Q."}); err != nil {
			t.Fatal(err)
		}
		c := e.as(f.Auditor)
		list := c.Get("/tickets?type=incident")
		if !strings.Contains(list.Body, `href="/tickets.csv?type=incident"`) {
			t.Fatal("the list does not link to its export with its filters")
		}
		res := c.Get("/tickets.csv?type=incident")
		mustStatus(t, res, http.StatusOK, "export")
		if res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(res.Header.Get("Content-Disposition"), `filename="tickets.csv"`) {
			t.Errorf("export headers: %v", res.Header)
		}
		rows, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("export has %d rows, want a header and one ticket:\n%s", len(rows), res.Body)
		}
		head, row := rows[0], rows[1]
		col := func(name string) string {
			for i, h := range head {
				if h == name {
					return row[i]
				}
			}
			t.Fatalf("no column %s in %v", name, head)
			return ""
		}
		if col("ref") != a.Ref || col("title") != `'=HYPERLINK("http://evil")` || col("organisation") != "Alpha Council" {
			t.Errorf("export row: %v", row)
		}
		if col("created_at") != "2026-03-02T09:00:00Z" || col("response_due") != "2026-03-02T13:00:00Z" || col("response_met_at") != "" {
			t.Errorf("export times: created %q, response due %q", col("created_at"), col("response_due"))
		}
		mustStatus(t, c.Get("/tickets.csv?sort=sideways"), http.StatusBadRequest, "export with a bad sort")
		// The same rows as an Excel workbook; a formula stays text.
		if !strings.Contains(list.Body, `href="/tickets.xlsx?type=incident"`) {
			t.Fatal("the list does not link to its workbook with its filters")
		}
		xrows := mustXLSX(t, c.Get("/tickets.xlsx?type=incident"))
		if len(xrows) != 2 || xrows[1][0] != a.Ref || xrows[1][2] != `=HYPERLINK("http://evil")` || xrows[1][7] != "Alpha Council" {
			t.Errorf("workbook rows: %v", xrows)
		}
		mustStatus(t, c.Get("/tickets.xlsx?sort=sideways"), http.StatusBadRequest, "workbook with a bad sort")
	})
}

// TestBulkAssign assigns several tickets at once, one of which someone
// else changed meanwhile: the others are assigned, and the message says
// which was not and why.
func TestBulkAssign(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		one, two, three := e.mustRaise(f.CustomerUserA, "One"), e.mustRaise(f.CustomerUserA, "Two"), e.mustRaise(f.CustomerUserA, "Three")
		c := e.as(f.Manager)
		list := c.Get("/tickets?sort=ref")
		for _, tk := range []*itsm.Ticket{one, two, three} {
			if !strings.Contains(list.Body, `name="ticket" value="`+id(tk.ID)+":"+id(tk.Version)+`"`) {
				t.Fatalf("no checkbox for %s carrying its version", tk.Ref)
			}
		}
		if !strings.Contains(list.Body, `<label class="ds_checkbox__label" for="select-`+id(one.ID)+`"><span class="visually-hidden">Select `+one.Ref+`</span></label>`) {
			t.Error("the checkbox has no label")
		}
		e.mustWork(two, itsm.TicketUpdate{AssigneeID: &f.Manager.ID}) // someone else, meanwhile
		res := c.Post("/tickets/bulk-assign", url.Values{"back": {"/tickets?sort=ref"}, "assignee_id": {id(f.Agent.ID)},
			"ticket": {id(one.ID) + ":" + id(one.Version), id(two.ID) + ":" + id(two.Version), id(three.ID) + ":" + id(three.Version)}})
		mustStatus(t, res, http.StatusSeeOther, "bulk assign")
		if res.Location() != "/tickets?sort=ref" {
			t.Errorf("back to %q", res.Location())
		}
		page := c.Get(res.Location())
		mustSay(t, page, "bulk outcome", "2 tickets assigned to Angus Agent. "+two.Ref+" was not: Someone else changed this ticket since you opened it.")
		if !strings.Contains(page.Body, "ds_notification-message--error") {
			t.Error("a partial failure is not shown as a problem")
		}
		for tk, want := range map[*itsm.Ticket]string{one: "Angus Agent", two: "Morag Manager", three: "Angus Agent"} {
			if got := e.mustTicketByID(tk.ID).Assignee; got != want {
				t.Errorf("%s assigned to %q, want %q", tk.Ref, got, want)
			}
		}
		// All through: a success message.
		four := e.mustRaise(f.CustomerUserA, "Four")
		c.Get("/tickets")
		page = mustFollow(t, c, c.Post("/tickets/bulk-assign", url.Values{"assignee_id": {"0"}, "ticket": {id(four.ID) + ":" + id(four.Version)}}), "unassign")
		mustSay(t, page, "unassigned", "1 ticket unassigned.")
		// Mistakes come back as messages; nothing changes.
		for name, form := range map[string]url.Values{
			"nothing selected": {"assignee_id": {id(f.Agent.ID)}},
			"nobody chosen":    {"ticket": {id(four.ID) + ":1"}},
			"not an agent":     {"assignee_id": {id(f.CustomerUserA.ID)}, "ticket": {id(four.ID) + ":1"}},
			"garbled":          {"assignee_id": {id(f.Agent.ID)}, "ticket": {"four"}},
		} {
			page := mustFollow(t, c, c.Post("/tickets/bulk-assign", form), name)
			if !strings.Contains(page.Body, "ds_notification-message--error") {
				t.Errorf("%s: no error message\n%s", name, excerpt(page.Body))
			}
		}
		// The return address stays on the ticket list.
		res = c.Post("/tickets/bulk-assign", url.Values{"back": {"https://evil.example/"}, "assignee_id": {id(f.Agent.ID)}})
		if res.Location() != "/tickets" {
			t.Errorf("bulk assign returned to %q", res.Location())
		}
	})
}

// TestTicketUploadAndDownload adds files through a ticket's form and
// downloads them: always as an attachment, with the recorded type,
// never sniffed, sandboxed; bad files are refused and nothing is stored.
func TestTicketUploadAndDownload(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		tk := e.mustRaise(f.CustomerUserA, "With files")
		u := "/tickets/" + id(tk.ID)
		c := e.as(f.CustomerUserA)
		c.Get(u)
		pdf := []byte("%PDF-1.4\n% a small document\n")
		page := mustFollow(t, c, postFiles(c, u+"/attachments", nil, &fileUpload{"file", "Rechnung März \"final\".pdf", pdf}), "upload")
		mustSay(t, page, "uploaded", "Rechnung März \"final\".pdf has been added to "+tk.Ref+".")
		files := e.attachments(tk)
		if len(files) != 1 {
			t.Fatalf("files: %+v", files)
		}
		res := c.Get("/attachments/" + id(files[0].ID))
		mustStatus(t, res, http.StatusOK, "download")
		want := map[string]string{
			"Content-Type":            "application/pdf",
			"Content-Disposition":     `attachment; filename="Rechnung M_rz _final_.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz%20%22final%22.pdf`,
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "sandbox",
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		if res.Body != string(pdf) {
			t.Error("the download is not the file")
		}

		before := len(e.attachments(tk))
		for _, c2 := range []struct {
			name   string
			file   *fileUpload
			status int
			want   string
		}{
			{"no file", nil, http.StatusBadRequest, `<a href="#file">Choose a file to upload.</a>`},
			{"wrong type", &fileUpload{"file", "run.sh", []byte("#!/bin/sh\n")}, http.StatusBadRequest, "The file must be a PDF"},
			{"lying content", &fileUpload{"file", "photo.jpg", []byte("just text\n")}, http.StatusBadRequest, "The file&#39;s content does not match its type."},
			{"path traversal", &fileUpload{"file", "../../../etc/passwd.txt", []byte("root\n")}, http.StatusBadRequest, "The file name must not contain a folder path"},
			{"windows path", &fileUpload{"file", `C:\Users\me\notes.txt`, []byte("notes\n")}, http.StatusBadRequest, "The file name must not contain a folder path"},
			{"hidden bidi", &fileUpload{"file", "photo\u202egnp.txt", []byte("x\n")}, http.StatusBadRequest, "The file name contains characters that are not allowed"},
			{"empty", &fileUpload{"file", "empty.txt", nil}, http.StatusBadRequest, "The file is empty."},
			{"oversize", &fileUpload{"file", "big.log", []byte(strings.Repeat("x", 10<<20+1))}, http.StatusRequestEntityTooLarge, `<a href="#file">The file must be smaller than 10 MB.</a>`},
		} {
			res := postFiles(c, u+"/attachments", nil, c2.file)
			mustStatus(t, res, c2.status, c2.name)
			if !strings.Contains(res.Body, c2.want) || !strings.Contains(res.Body, "<title>Error: ") {
				t.Errorf("%s: page lacks %s\n%s", c2.name, c2.want, excerpt(res.Body))
			}
		}
		res = postFiles(c, u+"/attachments", nil, &fileUpload{"file", "huge.log", []byte(strings.Repeat("x", 12<<20))})
		mustStatus(t, res, http.StatusRequestEntityTooLarge, "over the upload limit")
		mustSay(t, res, "over the upload limit", "What you sent is too large", "files must be smaller than 10 MB")
		if n := len(e.attachments(tk)); n != before {
			t.Errorf("%d bad files were stored", n-before)
		}
		// A customer cannot mark a file internal.
		res = postFiles(c, u+"/attachments", url.Values{"internal": {"true"}}, &fileUpload{"file", "x.txt", []byte("x\n")})
		mustStatus(t, res, http.StatusForbidden, "customer's internal file")
	})
}

// TestDeskDashboards checks the staff dashboard's figures and links, and
// the customer area's front page.
func TestDeskDashboards(t *testing.T) {
	e := newDeskEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	e.mustOfficeAgreement()
	cust := storetest.As(f.CustomerUserA)
	for _, n := range []itsm.NewTicket{
		{Title: "P1 outage", Description: "x", Impact: itsm.High, Urgency: itsm.High},
		{Title: "P3 niggle", Description: "x"},
		{Title: "Another niggle", Description: "x"},
	} {
		if _, err := e.db.CreateTicket(cust, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.db.CreateTicket(storetest.As(f.CustomerUserB), itsm.NewTicket{Title: "BETA-ONLY", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	res := e.as(f.Agent).Get("/")
	mustStatus(t, res, http.StatusOK, "staff dashboard")
	for _, w := range []string{
		`<a href="/tickets?priority=P1&amp;status=open">1<span class="visually-hidden"> open P1 tickets</span></a>`,
		`<a href="/tickets?priority=P3&amp;status=open">3<span class="visually-hidden"> open P3 tickets</span></a>`,
		`href="/tickets?assignee=none"`, `href="/tickets?due=soon&amp;sort=due"`, `href="/tickets?due=breached&amp;sort=due"`,
		`href="/tickets?status=pending&#43;customer"`, `href="/escalations"`,
	} {
		if !strings.Contains(res.Body, w) {
			t.Errorf("staff dashboard lacks %s", w)
		}
	}
	text := webtest.Text(res.Body)
	for _, w := range []string{"Unassigned 4", "Breached or due within 4 hours 1", "Breached (past due) 0", "Open escalations 0"} {
		if !strings.Contains(text, w) {
			t.Errorf("staff dashboard lacks %q", w)
		}
	}
	res = e.as(f.CustomerUserA).Get("/")
	mustSay(t, res, "customer home", "Report an issue", "Your organisation's open tickets", "P1 outage", "P3 niggle")
	if strings.Contains(res.Body, "BETA-ONLY") || strings.Contains(res.Body, "Open escalations") {
		t.Error("the customer's home shows another organisation's ticket or the staff figures")
	}
	res = e.as(f.ProviderAgent).Get("/")
	mustSay(t, res, "provider home", "Open tickets by priority", "Pending provider")
	if strings.Contains(res.Body, `href="/tickets?assignee=none"`) {
		t.Error("the provider's dashboard offers the unassigned queue")
	}
}

// TestTicketPagesObeyCSP checks the service desk's pages load nothing
// inline and mark the current section.
func TestTicketPagesObeyCSP(t *testing.T) {
	e := newDeskEnv(t, storetest.MustOpen(t, store.SQLite))
	tk := e.mustRaise(e.f.CustomerUserA, "CSP")
	inlineScript := regexp.MustCompile(`<script(?:\s+type="module")?>|<script\s+(?:[^>]*\s)?on\w+=|\son\w+="`)
	for _, c := range []*webtest.Client{e.as(e.f.Admin), e.as(e.f.CustomerUserA)} {
		for _, p := range []string{"/tickets", "/tickets/new", "/tickets/new?organisation_id=" + id(e.f.CustomerA.ID), "/tickets/" + id(tk.ID), "/"} {
			res := c.Get(p)
			mustStatus(t, res, http.StatusOK, p)
			if inlineScript.MatchString(res.Body) || strings.Contains(res.Body, "<style") || strings.Contains(res.Body, ` style="`) {
				t.Errorf("%s has inline script or style", p)
			}
		}
	}
	c := e.as(e.f.CustomerUserA)
	for path, label := range map[string]string{"/tickets/new": "Report an issue", "/tickets": "Tickets", "/tickets/" + id(tk.ID): "Tickets"} {
		body := c.Get(path).Body
		current := regexp.MustCompile(`aria-current="page">([^<]+)</a>`).FindAllStringSubmatch(body, -1)
		if len(current) == 0 || current[0][1] != label {
			t.Errorf("%s: current section %v, want %s", path, current, label)
		}
	}
}
