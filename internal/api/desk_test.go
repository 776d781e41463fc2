package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// desk is a service desk's worth of records over the fixture, made once
// per database: tickets of both customers, files, escalations, problems,
// agreements and a provider contact, so that every caller has something
// to see and something not to.
type desk struct {
	general, betaOnly *itsm.ServiceAgreement
	// ticketA is customer A's, escalated to the provider, with an internal
	// note; ticketA2 is A's and not escalated; ticketB is B's, escalated.
	ticketA, ticketA2, ticketB *itsm.Ticket
	// Files: public and internal on ticketA, public on ticketA2 and ticketB.
	fileA, internalFileA, fileA2, fileB *itsm.Attachment
	escalationA, escalationB            *itsm.Escalation
	// problemP is the provider's and a known error; problemQ has no
	// provider. Both cause ticketA.
	problemP, problemQ *itsm.Problem
	contact            *itsm.EscalationContact
}

// png is the smallest content that passes for a PNG.
var png = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)

// MustDesk makes the desk's records.
func (e *env) MustDesk(tb testing.TB) *desk {
	tb.Helper()
	fx := e.fx
	d := &desk{}
	d.general = e.MustAgreement(tb, "Help desk agreement", nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	d.betaOnly = e.MustAgreement(tb, "Beta's own agreement", &fx.CustomerB.ID, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	d.ticketA = e.MustEscalateToProvider(tb, e.MustNewTicket(tb, fx.CustomerUserA, "Orders stuck in approval"))
	d.ticketA2 = e.MustNewTicket(tb, fx.CustomerAdminA, "Catalogue prices out of date")
	d.ticketB = e.MustEscalateToProvider(tb, e.MustNewTicket(tb, fx.CustomerUserB, "Invoices rejected"))
	if _, err := e.db.AddComment(storetest.As(fx.Agent), d.ticketA.ID, itsm.Comment{Body: "Provider bug suspected.", Internal: true}); err != nil {
		tb.Fatal(err)
	}
	d.fileA = e.MustFile(tb, fx.CustomerUserA, d.ticketA, "screenshot.png", false)
	d.internalFileA = e.MustFile(tb, fx.Agent, d.ticketA, "provider-notes.png", true)
	d.fileA2 = e.MustFile(tb, fx.CustomerAdminA, d.ticketA2, "catalogue.png", false)
	d.fileB = e.MustFile(tb, fx.CustomerUserB, d.ticketB, "invoice.png", false)
	var err error
	if d.escalationA, err = e.db.Escalate(storetest.As(fx.CustomerUserA), d.ticketA.ID, "Nobody has replied for a day."); err != nil {
		tb.Fatal(err)
	}
	if d.escalationB, err = e.db.Escalate(storetest.As(fx.CustomerUserB), d.ticketB.ID, "The fix did not work."); err != nil {
		tb.Fatal(err)
	}
	d.problemP = &itsm.Problem{Title: "Approval workflow stalls", RootCause: "A lock is never released.", Workaround: "Ask the desk to release the order.",
		KnownError: true, ProviderID: &fx.Provider.ID}
	d.problemQ = &itsm.Problem{Title: "Search index lags", RootCause: "Under investigation."}
	for _, p := range []*itsm.Problem{d.problemP, d.problemQ} {
		if err := e.db.CreateProblem(storetest.As(fx.Agent), p); err != nil {
			tb.Fatal(err)
		}
		if err := e.db.LinkIncident(storetest.As(fx.Agent), p.ID, d.ticketA.ID); err != nil {
			tb.Fatal(err)
		}
	}
	d.contact = e.MustContact(tb, "duty-manager@provider.test")
	return d
}

// MustAgreement adds an agreement with office hours and the usual targets.
func (e *env) MustAgreement(tb testing.TB, name string, customer *int64, from time.Time) *itsm.ServiceAgreement {
	tb.Helper()
	ag := &itsm.ServiceAgreement{Name: name, ProviderID: e.fx.Provider.ID, CustomerID: customer, EffectiveFrom: from,
		Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
	if err := e.db.CreateAgreement(storetest.As(e.fx.Manager), ag); err != nil {
		tb.Fatalf("agreement %s: %v", name, err)
	}
	return ag
}

// MustNewTicket raises a ticket as u (a customer) for u's organisation.
func (e *env) MustNewTicket(tb testing.TB, u *itsm.User, title string) *itsm.Ticket {
	tb.Helper()
	t, err := e.db.CreateTicket(storetest.As(u), itsm.NewTicket{Title: title, Description: "It happened again this morning."})
	if err != nil {
		tb.Fatalf("ticket %q: %v", title, err)
	}
	return t
}

// MustEscalateToProvider has the agent escalate t to the provider.
func (e *env) MustEscalateToProvider(tb testing.TB, t *itsm.Ticket) *itsm.Ticket {
	tb.Helper()
	t, err := e.db.UpdateTicket(storetest.As(e.fx.Agent), t.ID, itsm.TicketUpdate{ProviderID: &e.fx.Provider.ID, Version: e.MustTicket(tb, t.ID).Version})
	if err != nil {
		tb.Fatalf("escalate %s to the provider: %v", t.Ref, err)
	}
	return t
}

// MustResolve has the agent resolve t.
func (e *env) MustResolve(tb testing.TB, t *itsm.Ticket) *itsm.Ticket {
	tb.Helper()
	st := itsm.StatusResolved
	t, err := e.db.UpdateTicket(storetest.As(e.fx.Agent), t.ID, itsm.TicketUpdate{Status: &st, Note: "Fixed.", Version: e.MustTicket(tb, t.ID).Version})
	if err != nil {
		tb.Fatalf("resolve %s: %v", t.Ref, err)
	}
	return t
}

// MustClose resolves and closes t.
func (e *env) MustClose(tb testing.TB, t *itsm.Ticket) *itsm.Ticket {
	tb.Helper()
	e.MustResolve(tb, t)
	st := itsm.StatusClosed
	t, err := e.db.UpdateTicket(storetest.As(e.fx.Agent), t.ID, itsm.TicketUpdate{Status: &st, Version: e.MustTicket(tb, t.ID).Version})
	if err != nil {
		tb.Fatalf("close %s: %v", t.Ref, err)
	}
	return t
}

// MustTicket reads a ticket as the system.
func (e *env) MustTicket(tb testing.TB, id int64) *itsm.Ticket {
	tb.Helper()
	t, err := e.db.FindTicketByID(storetest.System(), id)
	if err != nil {
		tb.Fatalf("find ticket %d: %v", id, err)
	}
	return t
}

// MustEscalation reads an escalation as the system.
func (e *env) MustEscalation(tb testing.TB, id int64) *itsm.Escalation {
	tb.Helper()
	x, err := e.db.FindEscalationByID(storetest.System(), id)
	if err != nil {
		tb.Fatalf("find escalation %d: %v", id, err)
	}
	return x
}

// MustProblem reads a problem as the system.
func (e *env) MustProblem(tb testing.TB, id int64) *itsm.Problem {
	tb.Helper()
	p, err := e.db.FindProblemByID(storetest.System(), id)
	if err != nil {
		tb.Fatalf("find problem %d: %v", id, err)
	}
	return p
}

// MustFile adds a PNG to t as u.
func (e *env) MustFile(tb testing.TB, u *itsm.User, t *itsm.Ticket, name string, internal bool) *itsm.Attachment {
	tb.Helper()
	a, err := e.db.AddAttachment(storetest.As(u), t.ID, itsm.NewAttachment{Filename: name, Data: bytes.NewReader(png), Internal: internal})
	if err != nil {
		tb.Fatalf("file %s: %v", name, err)
	}
	return a
}

// MustContact names a level 1 contact at the provider.
func (e *env) MustContact(tb testing.TB, email string) *itsm.EscalationContact {
	tb.Helper()
	c := &itsm.EscalationContact{ProviderID: e.fx.Provider.ID, Level: 1, Name: "Duty Manager", Email: email}
	if err := e.db.AddEscalationContact(storetest.As(e.fx.Manager), c); err != nil {
		tb.Fatalf("contact %s: %v", email, err)
	}
	return c
}

// part is one part of a multipart/form-data body.
type part struct {
	name, filename string
	data           []byte
	// disposition, when set, is the part's whole Content-Disposition,
	// for names a well-behaved client would not send.
	disposition string
}

// multipartBody encodes parts and returns the body and its Content-Type.
func multipartBody(tb testing.TB, parts ...part) ([]byte, string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		switch {
		case p.disposition != "":
			h.Set("Content-Disposition", p.disposition)
		case p.filename != "":
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
			h.Set("Content-Type", "application/octet-stream")
		default:
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = w.Write(p.data)
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// uploadRequest is a request to add a file to a ticket.
func uploadRequest(tb testing.TB, ticketID int64, parts ...part) request {
	tb.Helper()
	body, ct := multipartBody(tb, parts...)
	return request{method: http.MethodPost, path: idPath("/api/v1/tickets", ticketID, "/attachments"), body: body, header: http.Header{"Content-Type": {ct}}}
}

// fileParts is an upload of one file, internal or not.
func fileParts(name string, data []byte, internal bool) []part {
	return []part{{name: "file", filename: name, data: data}, {name: "internal", data: []byte(fmt.Sprint(internal))}}
}
