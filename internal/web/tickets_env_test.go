package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// uploadLimit is the body limit of the forms that carry a file in these
// tests: room for a file of 10 MiB and the rest of the form, as the
// server allows them (server.MaxUploadBody).
const uploadLimit = 11 << 20

// newDeskEnv is newEnv with the body limits production has for the service
// desk: the usual small one, and a larger one for the forms that carry a
// file (web.IsUpload).
func newDeskEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := newEnv(t, db)
	small := httpx.LimitBody(64<<10, e.srv.TooLarge())(e.srv.Handler())
	big := httpx.LimitBody(uploadLimit, e.srv.TooLarge())(e.srv.Handler())
	limited := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if web.IsUpload(r) {
			big.ServeHTTP(w, r)
			return
		}
		small.ServeHTTP(w, r)
	})
	e.h = httpx.Chain(limited, httpx.WithRequestID, httpx.SecurityHeaders)
	return e
}

// fileUpload is a file sent with a form.
type fileUpload struct {
	field, name string
	data        []byte
}

// postMultipart submits a form with files, as a browser does a form with
// enctype="multipart/form-data". Unless the form sets csrf_token, it
// carries the token of the last page the client loaded.
func postMultipart(c *webtest.Client, path string, form url.Values, files ...fileUpload) *webtest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if _, ok := form["csrf_token"]; !ok {
		_ = mw.WriteField("csrf_token", c.Token())
	}
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		// Quoted as browsers do: only quotes and backslashes escaped, the
		// rest sent as it is.
		quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(f.name)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="%s"`, f.field, quoted))
		h.Set("Content-Type", "application/octet-stream")
		pw, _ := mw.CreatePart(h)
		_, _ = pw.Write(f.data)
	}
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, webtest.Origin+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

// postFiles posts a multipart form with at most one file.
func postFiles(c *webtest.Client, path string, form url.Values, file *fileUpload) *webtest.Response {
	if file == nil {
		return postMultipart(c, path, form)
	}
	return postMultipart(c, path, form, *file)
}

// A small PNG (the signature and an IHDR chunk is what sniffing needs).
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)

// mustOfficeAgreement gives every customer the usual office-hours agreement.
func (e *env) mustOfficeAgreement() *itsm.ServiceAgreement {
	e.t.Helper()
	ag := &itsm.ServiceAgreement{Name: "Help desk agreement", ProviderID: e.f.Provider.ID, EffectiveFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets(), PauseStatuses: []string{string(itsm.StatusPendingCustomer)}}
	if err := e.db.CreateAgreement(storetest.As(e.f.Manager), ag); err != nil {
		e.t.Fatal(err)
	}
	return ag
}

// mustRaise logs a ticket as a customer (for their organisation) or as
// the service desk (for customer A).
func (e *env) mustRaise(as *itsm.User, title string) *itsm.Ticket {
	e.t.Helper()
	n := itsm.NewTicket{Title: title, Description: "Details of " + title + ".", Impact: itsm.Medium, Urgency: itsm.Medium, OrgID: e.f.CustomerA.ID}
	t, err := e.db.CreateTicket(storetest.As(as), n)
	if err != nil {
		e.t.Fatalf("create ticket: %v", err)
	}
	return t
}

// mustWork changes a ticket as the agent, at its current version.
func (e *env) mustWork(t *itsm.Ticket, upd itsm.TicketUpdate) *itsm.Ticket {
	e.t.Helper()
	upd.Version = e.mustTicketByID(t.ID).Version
	out, err := e.db.UpdateTicket(storetest.As(e.f.Agent), t.ID, upd)
	if err != nil {
		e.t.Fatalf("update ticket: %v", err)
	}
	return out
}

// mustEscalateToProvider gives a ticket to the fixture's provider.
func (e *env) mustEscalateToProvider(t *itsm.Ticket) *itsm.Ticket {
	e.t.Helper()
	return e.mustWork(t, itsm.TicketUpdate{ProviderID: &e.f.Provider.ID})
}

// mustResolve resolves a ticket with a note.
func (e *env) mustResolve(t *itsm.Ticket) *itsm.Ticket {
	e.t.Helper()
	st := itsm.StatusResolved
	return e.mustWork(t, itsm.TicketUpdate{Status: &st, Note: "Fixed."})
}

func (e *env) mustTicketByID(id int64) *itsm.Ticket {
	e.t.Helper()
	t, err := e.db.FindTicketByID(storetest.System(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

// mustAttach adds a file to a ticket as the agent.
func (e *env) mustAttach(t *itsm.Ticket, name string, data []byte, internal bool) *itsm.Attachment {
	e.t.Helper()
	at, err := e.db.AddAttachment(storetest.As(e.f.Agent), t.ID, itsm.NewAttachment{Filename: name, Data: bytes.NewReader(data), Internal: internal})
	if err != nil {
		e.t.Fatalf("attach %s: %v", name, err)
	}
	return at
}

// attachments lists a ticket's files as the system.
func (e *env) attachments(t *itsm.Ticket) []*itsm.Attachment {
	e.t.Helper()
	as, err := e.db.FindAttachments(storetest.System(), t.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

// ticketCount counts every ticket.
func (e *env) ticketCount() int {
	e.t.Helper()
	_, n, err := e.db.FindTickets(storetest.System(), itsm.TicketFilter{Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// mustSay fails unless the page's text holds each phrase.
func mustSay(t *testing.T, res *webtest.Response, what string, phrases ...string) {
	t.Helper()
	text := webtest.Text(res.Body)
	for _, p := range phrases {
		if !strings.Contains(text, p) {
			t.Errorf("%s: page lacks %q\n%s", what, p, excerpt(res.Body))
		}
	}
}

// mustFollow follows a redirect and returns the page.
func mustFollow(t *testing.T, c *webtest.Client, res *webtest.Response, what string) *webtest.Response {
	t.Helper()
	mustStatus(t, res, http.StatusSeeOther, what)
	page := c.Get(res.Location())
	mustStatus(t, page, http.StatusOK, what+": the page it leads to")
	return page
}
