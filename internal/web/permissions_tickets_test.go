package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// ticketRoutes are the service desk's routes this file's matrices cover;
// TestTicketRoutesAreCovered keeps the list true to the route table.
var ticketRoutes = []string{
	"GET /tickets", "GET /tickets.csv", "GET /tickets.xlsx", "GET /tickets/new", "POST /tickets/new", "POST /tickets/bulk-assign",
	"GET /tickets/ref/{ref}", "GET /tickets/{id}", "POST /tickets/{id}/comment", "POST /tickets/{id}/attachments",
	"POST /tickets/{id}/status", "POST /tickets/{id}/priority", "POST /tickets/{id}/assign", "POST /tickets/{id}/provider",
	"POST /tickets/{id}/reopen", "POST /tickets/{id}/escalate", "POST /tickets/{id}/watch", "POST /tickets/{id}/unwatch",
	"POST /tickets/{id}/watchers", "POST /tickets/{id}/links", "GET /attachments/{id}",
}

// TestTicketRoutesAreCovered fails when a ticket route is added without
// its row in the matrices below.
func TestTicketRoutesAreCovered(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	for _, p := range e.srv.Patterns() {
		_, path, _ := strings.Cut(p, " ")
		if (strings.HasPrefix(path, "/tickets") || strings.HasPrefix(path, "/attachments")) && !contains(ticketRoutes, p) {
			t.Errorf("%s is not in the ticket permission matrices: add it", p)
		}
	}
}

// TestTicketPagePermissions is the matrix of the service desk's pages:
// customers see only their organisation's tickets and files, providers
// only what is escalated to them, and to anyone else a ticket or file does
// not exist.
func TestTicketPagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		ticketA := e.mustRaise(f.CustomerUserA, "Alpha's ticket")
		ticketB, err := db.CreateTicket(storetest.As(f.CustomerUserB), itsm.NewTicket{Title: "Beta's ticket", Description: "B."})
		if err != nil {
			t.Fatal(err)
		}
		escalated := e.mustEscalateToProvider(e.mustRaise(f.CustomerUserA, "Escalated ticket"))
		fileA := e.mustAttach(ticketA, "a.png", pngBytes, false)
		internalA := e.mustAttach(ticketA, "internal.png", pngBytes, true)
		fileB := e.mustAttach(ticketB, "b.png", pngBytes, false)
		fileEsc := e.mustAttach(escalated, "escalated.png", pngBytes, false)
		a, b, esc := id(ticketA.ID), id(ticketB.ID), id(escalated.ID)
		cases := []struct {
			path string
			want want
		}{
			//                                          admin mgr agent audit prov cAdmA cUsrA anon
			{"/tickets", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/tickets?assignee=none&status=open", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/tickets.csv", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/tickets.xlsx", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/tickets/new", want{ok, ok, ok, no, no, ok, ok, see}},
			{"/tickets/new?organisation_id=" + id(f.CustomerA.ID), want{ok, ok, ok, no, no, ok, ok, see}},
			{"/tickets/" + a, want{ok, ok, ok, ok, none, ok, ok, see}},
			{"/tickets/" + b, want{ok, ok, ok, ok, none, none, none, see}},
			{"/tickets/" + esc, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/tickets/999999", want{none, none, none, none, none, none, none, see}},
			{"/tickets/not-a-number", want{none, none, none, none, none, none, none, see}},
			{"/tickets/ref/" + ticketA.Ref, want{see, see, see, see, none, see, see, see}},
			{"/tickets/ref/" + strings.ToLower(ticketB.Ref), want{see, see, see, see, none, none, none, see}},
			{"/attachments/" + id(fileA.ID), want{ok, ok, ok, ok, none, ok, ok, see}},
			{"/attachments/" + id(internalA.ID), want{ok, ok, ok, ok, none, none, none, see}},
			{"/attachments/" + id(fileB.ID), want{ok, ok, ok, ok, none, none, none, see}},
			{"/attachments/" + id(fileEsc.ID), want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/attachments/999999", want{none, none, none, none, none, none, none, see}},
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
		// The lists hold only what each may see.
		for role, wantRefs := range map[string][]string{
			"admin": {ticketA.Ref, ticketB.Ref, escalated.Ref}, "auditor": {ticketA.Ref, ticketB.Ref, escalated.Ref},
			"provider": {escalated.Ref}, "custUserA": {ticketA.Ref, escalated.Ref},
		} {
			for _, path := range []string{"/tickets", "/tickets.csv"} {
				body := clients[role].Get(path).Body
				for _, ref := range []string{ticketA.Ref, ticketB.Ref, escalated.Ref} {
					if strings.Contains(body, ref) != contains(wantRefs, ref) {
						t.Errorf("%s as %s: shows %s = %v", path, role, ref, !contains(wantRefs, ref))
					}
				}
			}
		}
	})
}

// TestTicketPostPermissions is the matrix of every form on tickets: who
// may (303), who is refused (403), to whom the ticket does not exist
// (404). The auditor is refused every change.
func TestTicketPostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		type prepared struct {
			path string
			form url.Values
			file *fileUpload
		}
		onA := func(path string, form url.Values) func() prepared {
			return func() prepared {
				tk := e.mustRaise(f.CustomerUserA, "Ticket")
				return prepared{"/tickets/" + id(tk.ID) + path, withVersion(form, tk), nil}
			}
		}
		onEscalated := func(path string, form url.Values) func() prepared {
			return func() prepared {
				tk := e.mustEscalateToProvider(e.mustRaise(f.CustomerUserA, "Escalated"))
				return prepared{"/tickets/" + id(tk.ID) + path, withVersion(form, tk), nil}
			}
		}
		onResolved := func(path string, form url.Values) func() prepared {
			return func() prepared {
				tk := e.mustResolve(e.mustEscalateToProvider(e.mustRaise(f.CustomerUserA, "Resolved")))
				return prepared{"/tickets/" + id(tk.ID) + path, withVersion(form, tk), nil}
			}
		}
		cases := []struct {
			name    string
			prepare func() prepared
			want    want
		}{
			//                                                              admin mgr agent audit prov cAdmA cUsrA anon
			{"report an issue", func() prepared {
				return prepared{"/tickets/new", url.Values{"organisation_id": {id(f.CustomerA.ID)}, "type": {"incident"}, "title": {"Broken"},
					"description": {"It broke."}, "impact": {"low"}, "urgency": {"low"}}, nil}
			}, want{see, see, see, no, no, see, see, see}},
			{"report an issue with a file", func() prepared {
				return prepared{"/tickets/new", url.Values{"organisation_id": {id(f.CustomerA.ID)}, "title": {"Broken"}, "description": {"It broke."}},
					&fileUpload{"file", "screen.png", pngBytes}}
			}, want{see, see, see, no, no, see, see, see}},
			{"bulk assign", func() prepared {
				tk := e.mustRaise(f.CustomerUserA, "Bulk")
				return prepared{"/tickets/bulk-assign", url.Values{"ticket": {id(tk.ID) + ":" + id(tk.Version)}, "assignee_id": {id(f.Agent.ID)}}, nil}
			}, want{see, see, see, no, no, no, no, see}},
			{"reply on A", onA("/comment", url.Values{"body": {"Hello"}}), want{see, see, see, no, none, see, see, see}},
			{"reply on escalated", onEscalated("/comment", url.Values{"body": {"Hello"}}), want{see, see, see, no, see, see, see, see}},
			{"internal note on A", onA("/comment", url.Values{"body": {"Psst"}, "visibility": {"internal"}}), want{see, see, see, no, none, no, no, see}},
			{"internal note on escalated", onEscalated("/comment", url.Values{"body": {"Psst"}, "visibility": {"internal"}}), want{see, see, see, no, see, no, no, see}},
			{"upload to A", func() prepared {
				p := onA("/attachments", nil)()
				p.file = &fileUpload{"file", "log.txt", []byte("a log line\n")}
				return p
			}, want{see, see, see, no, none, see, see, see}},
			{"internal upload to escalated", func() prepared {
				p := onEscalated("/attachments", url.Values{"internal": {"true"}})()
				p.file = &fileUpload{"file", "log.txt", []byte("a log line\n")}
				return p
			}, want{see, see, see, no, see, no, no, see}},
			{"status of A", onA("/status", url.Values{"status": {"in progress"}}), want{see, see, see, no, none, no, no, see}},
			{"status of escalated", onEscalated("/status", url.Values{"status": {"in progress"}}), want{see, see, see, no, see, no, no, see}},
			{"priority of escalated", onEscalated("/priority", url.Values{"priority": {"P1"}, "priority_reason": {"Board meeting"}}), want{see, see, see, no, no, no, no, see}},
			{"assign A", onA("/assign", url.Values{"assignee_id": {id(f.Agent.ID)}}), want{see, see, see, no, none, no, no, see}},
			{"escalate A to provider", onA("/provider", url.Values{"provider_id": {id(f.Provider.ID)}}), want{see, see, see, no, none, no, no, see}},
			{"re-open resolved", onResolved("/reopen", url.Values{"reopen_reason": {"Still broken"}}), want{see, see, see, no, no, see, see, see}},
			{"dispute resolved", onResolved("/escalate", url.Values{"dispute_reason": {"Not fixed"}}), want{see, see, see, no, no, see, see, see}},
			{"watch A", onA("/watch", nil), want{see, see, see, no, none, see, see, see}},
			{"unwatch A", onA("/unwatch", nil), want{see, see, see, no, none, see, see, see}},
			{"watch escalated", onEscalated("/watch", nil), want{see, see, see, no, see, see, see, see}},
			{"add watcher to A", onA("/watchers", url.Values{"watcher_id": {id(f.CustomerAdminA.ID)}}), want{see, see, see, no, none, no, no, see}},
			{"link A", func() prepared {
				other := e.mustRaise(f.CustomerUserA, "Other")
				return onA("/links", url.Values{"link_kind": {"duplicate_of"}, "link_target": {other.Ref}})()
			}, want{see, see, see, no, none, no, no, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				p := c.prepare()
				var res *webtest.Response
				if p.file != nil || p.path == "/tickets/new" {
					res = postFiles(clients[role], p.path, p.form, p.file)
				} else {
					res = clients[role].Post(p.path, p.form)
				}
				if res.StatusCode != c.want[i] {
					t.Errorf("%s (POST %s) as %s: status %d, want %d\n%s", c.name, p.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
	})
}

// withVersion adds the ticket's version to a form.
func withVersion(form url.Values, t *itsm.Ticket) url.Values {
	out := url.Values{"version": {id(t.Version)}}
	for k, vs := range form {
		out[k] = vs
	}
	return out
}

// TestAuditorChangesNoTicket posts every ticket form as the auditor: each
// is refused and audited, and nothing changes.
func TestAuditorChangesNoTicket(t *testing.T) {
	e := newDeskEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	c := e.as(f.Auditor)
	tk := e.mustResolve(e.mustRaise(f.CustomerUserA, "Audited"))
	ticket := "/tickets/" + id(tk.ID)
	v := id(tk.Version)
	posts := map[string]url.Values{
		"/tickets/new":          {"organisation_id": {id(f.CustomerA.ID)}, "title": {"X"}, "description": {"Y"}},
		"/tickets/bulk-assign":  {"ticket": {id(tk.ID) + ":" + v}, "assignee_id": {id(f.Agent.ID)}},
		ticket + "/comment":     {"body": {"Hello"}},
		ticket + "/attachments": {},
		ticket + "/status":      {"status": {"closed"}, "version": {v}},
		ticket + "/priority":    {"priority": {"P1"}, "priority_reason": {"Because"}, "version": {v}},
		ticket + "/assign":      {"assignee_id": {id(f.Agent.ID)}, "version": {v}},
		ticket + "/provider":    {"provider_id": {id(f.Provider.ID)}, "version": {v}},
		ticket + "/reopen":      {"reopen_reason": {"Again"}, "version": {v}},
		ticket + "/escalate":    {"dispute_reason": {"Unhappy"}},
		ticket + "/watch":       {},
		ticket + "/unwatch":     {},
		ticket + "/watchers":    {"watcher_id": {id(f.Agent.ID)}},
		ticket + "/links":       {"link_kind": {"related"}, "link_target": {tk.Ref}},
	}
	tickets, refused := e.ticketCount(), e.auditCount(itsm.AuditAccessRefused)
	for path, form := range posts {
		mustStatus(t, c.Post(path, form), http.StatusForbidden, "auditor POST "+path)
	}
	mustStatus(t, postFiles(c, ticket+"/attachments", nil, &fileUpload{"file", "x.txt", []byte("x\n")}), http.StatusForbidden, "auditor upload")
	if n := e.auditCount(itsm.AuditAccessRefused); n != refused+len(posts)+1 {
		t.Errorf("refusals audited: %d, want %d", n-refused, len(posts)+1)
	}
	if n := e.ticketCount(); n != tickets {
		t.Errorf("the auditor logged %d tickets", n-tickets)
	}
	if got := e.mustTicketByID(tk.ID); got.Version != tk.Version || got.Status != itsm.StatusResolved {
		t.Errorf("the auditor changed the ticket: %+v", got)
	}
	if len(e.attachments(tk)) != 0 {
		t.Error("the auditor added a file")
	}
}

// TestUploadFormsNeedCSRFToken posts the forms that carry a file
// (multipart, which the CSRF check reads too) without a token, with a
// wrong one and cross-site: each is refused and nothing is logged or
// stored.
func TestUploadFormsNeedCSRFToken(t *testing.T) {
	e := newDeskEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	tk := e.mustRaise(f.CustomerUserA, "Guarded")
	c := e.as(f.Admin)
	tickets := e.ticketCount()
	file := fileUpload{"file", "notes.txt", []byte("notes\n")}
	for _, path := range []string{"/tickets/new", "/tickets/" + id(tk.ID) + "/attachments"} {
		for name, token := range map[string]string{"no token": "", "wrong token": strings.Repeat("x", len(c.Token())), "cross-site": c.Token()} {
			if name == "cross-site" {
				c.Header.Set("Sec-Fetch-Site", "cross-site")
			}
			res := postMultipart(c, path, url.Values{"csrf_token": {token}, "organisation_id": {id(f.CustomerA.ID)}, "title": {"T"}, "description": {"D"}}, file)
			c.Header.Del("Sec-Fetch-Site")
			mustStatus(t, res, http.StatusForbidden, name+" POST "+path)
			if !strings.Contains(res.Body, csrfSentence) {
				t.Errorf("%s POST %s: page does not explain the refusal", name, path)
			}
		}
	}
	if n := e.ticketCount(); n != tickets {
		t.Errorf("%d tickets logged without a token", n-tickets)
	}
	if as := e.attachments(tk); len(as) != 0 {
		t.Errorf("files stored without a token: %+v", as)
	}
	// With the token, the same form goes through.
	c.Get("/tickets/" + id(tk.ID))
	mustStatus(t, postMultipart(c, "/tickets/"+id(tk.ID)+"/attachments", nil, file), http.StatusSeeOther, "upload with the token")
}
