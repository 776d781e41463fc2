package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestIntegrationRegisterPages adds an interface with mistakes and then
// without, changes it, reads its history, reports an issue against it and
// exports the register.
func TestIntegrationRegisterPages(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		e.mustAgreement("Help desk agreement", nil, storetest.ClockOf(db).Now().AddDate(0, -1, 0))
		admin := e.as(f.CustomerAdminA)
		admin.Get("/integrations/new")
		res := admin.Post("/integrations/new", url.Values{"name": {""}, "system": {"SAP"}, "direction": {"sideways"}, "format": {"ubl"}, "transport": {"sftp"},
			"status": {"live"}, "contacts": {"Ann <not-an-address> (lead)"}, "environments": {"staging"}})
		mustFormError(t, res, http.StatusBadRequest, "interface with mistakes", "name", "direction", "contacts", "environments")
		mustContain(t, res.Body, "re-rendered form", `value="SAP"`)

		res = admin.Post("/integrations/new", url.Values{"name": {"Invoices to Oracle"}, "system": {"Oracle Fusion"}, "vendor": {"Oracle"},
			"direction": {"inbound_invoices"}, "format": {"peppol_bis3"}, "transport": {"sftp"}, "schedule": {"hourly 07:00–19:00"}, "status": {"live"},
			"environments": {"production", "test"}, "contacts": {"Ann Finance <ann@alpha.test> (finance lead)\r\nBob <bob@alpha.test>"},
			"documents": {"Interface specification v3\nhttps://docs.example.org/mapping"}, "notes": {"=HYPERLINK(\"x\")"}})
		mustStatus(t, res, http.StatusSeeOther, "add interface")
		entry := res.Location()
		page := admin.Get(entry)
		mustContain(t, page.Body, "entry page", "Alpha Council", "PEPPOL BIS 3", "Test, Production", "Ann Finance, finance lead", "Interface specification v3", "Report an integration issue")

		// A change shows in the history with who, from and to.
		g := e.mustIntegrationByName(f.CustomerA, "Invoices to Oracle")
		form := url.Values{"name": {g.Name}, "system": {g.System}, "vendor": {g.Vendor}, "direction": {g.Direction}, "format": {g.Format}, "transport": {"as2"},
			"status": {"retired"}, "notes": {g.Notes}, "version": {id(g.Version)}}
		admin.Get(entry + "/edit")
		mustStatus(t, admin.Post(entry+"/edit", form), http.StatusSeeOther, "change interface")
		mustStatus(t, admin.Post(entry+"/edit", form), http.StatusConflict, "stale change")
		page = admin.Get(entry)
		mustContain(t, page.Body, "history", "History of changes", "Transport", "SFTP", "AS2", "Retired", f.CustomerAdminA.Name)

		// Report an integration issue: prefilled, raised for A, linked.
		user := e.as(f.CustomerUserA)
		form2 := user.Get(entry + "/report-issue")
		mustContain(t, form2.Body, "issue form", `value="Invoices to Oracle: "`, "Interface: Invoices to Oracle")
		res = user.Post(entry+"/report-issue", url.Values{"title": {""}, "description": {"x"}, "impact": {"medium"}, "urgency": {"medium"}})
		mustFormError(t, res, http.StatusBadRequest, "issue without a summary", "title")
		res = user.Post(entry+"/report-issue", url.Values{"title": {"Invoices to Oracle: nothing since 09:00"}, "description": {"No files."}, "impact": {"high"}, "urgency": {"high"}})
		mustStatus(t, res, http.StatusSeeOther, "report issue")
		ticket := user.Get(res.Location())
		mustContain(t, ticket.Body, "the new ticket", itsm.IntegrationIssueCategory, `id="integrations"`, "Invoices to Oracle")
		mustContain(t, user.Get(entry).Body, "entry with its issue", "nothing since 09:00")

		// B's customer cannot see it, nor link B's tickets to A's entry.
		mustStatus(t, e.as(f.CustomerUserB).Get(entry), http.StatusNotFound, "B opens A's entry")

		// The export is the import's columns, with formulas made inert.
		csv := admin.Get("/integrations.csv")
		mustStatus(t, csv, http.StatusOK, "export")
		if !strings.HasPrefix(csv.Body, strings.Join(itsm.CSVIntegrations.Columns(), ",")+"\n") || !strings.Contains(csv.Body, `"'=HYPERLINK(""x"")"`) {
			t.Fatalf("export:\n%s", csv.Body)
		}
	})
}

func (e *env) mustIntegrationByName(org *itsm.Organisation, name string) *itsm.Integration {
	e.t.Helper()
	gs, _, err := e.db.FindIntegrations(storetest.System(), itsm.IntegrationFilter{OrgID: &org.ID, Query: &name})
	if err != nil || len(gs) != 1 {
		e.t.Fatalf("find %s: %v %v", name, gs, err)
	}
	return gs[0]
}

// TestCSVImportPages checks a file, sees its problems by line, imports a
// good one and finds nothing written by the bad one.
func TestCSVImportPages(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	c := e.as(f.CustomerAdminA)
	c.Get("/import")
	bad := "email,name,organisation,role\nok@alpha.test,Okay Person,Alpha Council,customer_user\nnot-an-email,X,Alpha Council,customer_user\n"
	res := postMultipart(c, "/import", url.Values{"kind": {"users"}, "mode": {"import"}}, fileUpload{"file", "people.csv", []byte(bad)})
	mustStatus(t, res, http.StatusUnprocessableEntity, "bad file")
	mustContain(t, res.Body, "report", "Nothing was saved", "Problems by line", "<td>3</td><td>email</td>")
	if _, _, err := e.db.FindUsers(storetest.System(), itsm.UserFilter{Email: ptr("ok@alpha.test")}); err != nil {
		t.Fatal(err)
	} else if us, _, _ := e.db.FindUsers(storetest.System(), itsm.UserFilter{Email: ptr("ok@alpha.test")}); len(us) != 0 {
		t.Fatal("a failed import wrote the good line")
	}
	good := strings.Replace(bad, "not-an-email", "second@alpha.test", 1)
	c.Get("/import")
	res = postMultipart(c, "/import", url.Values{"kind": {"users"}, "mode": {"check"}}, fileUpload{"file", "people.csv", []byte(good)})
	mustStatus(t, res, http.StatusOK, "dry run")
	mustContain(t, res.Body, "dry run", "Nothing has been saved yet", "create 2")
	c.Get("/import")
	res = postMultipart(c, "/import", url.Values{"kind": {"users"}, "mode": {"import"}}, fileUpload{"file", "people.csv", []byte(good)})
	mustStatus(t, res, http.StatusOK, "import")
	mustContain(t, res.Body, "import", "The file has been imported", "2 created")
	if us, _, _ := e.db.FindUsers(storetest.System(), itsm.UserFilter{Email: ptr("second@alpha.test")}); len(us) != 1 || us[0].OrgID != f.CustomerA.ID {
		t.Fatalf("imported people: %v", us)
	}
	// No file, an unknown column, and a kind the customer admin may not
	// import.
	c.Get("/import")
	mustFormError(t, postMultipart(c, "/import", url.Values{"kind": {"users"}, "mode": {"import"}}), http.StatusBadRequest, "no file", "file")
	c.Get("/import")
	res = postMultipart(c, "/import", url.Values{"kind": {"users"}, "mode": {"check"}}, fileUpload{"file", "x.csv", []byte("email,name,organisation,role,password\n")})
	mustStatus(t, res, http.StatusUnprocessableEntity, "unknown column")
	mustContain(t, res.Body, "unknown column", "is not a column of a users file")
	c.Get("/import")
	mustStatus(t, postMultipart(c, "/import", url.Values{"kind": {"organisations"}, "mode": {"check"}}, fileUpload{"file", "o.csv", []byte("name,kind\nX,customer\n")}),
		http.StatusForbidden, "customer admin imports organisations")
}

// TestWebhookPages adds a webhook, sees its secret once, rotates it, pauses
// it and redelivers a delivery.
func TestWebhookPages(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	e.mustAgreement("Help desk agreement", nil, storetest.ClockOf(e.db).Now().AddDate(0, -1, 0))
	c := e.as(f.CustomerAdminA)
	c.Get("/webhooks/new")
	res := c.Post("/webhooks/new", url.Values{"url": {"http://erp.alpha.test/hook"}})
	mustFormError(t, res, http.StatusBadRequest, "http to a public host, no events", "url", "event_types")
	res = c.Post("/webhooks/new", url.Values{"url": {"https://erp.alpha.test/hook"}, "event_types": {"ticket.created", "ticket.resolved"}})
	mustStatus(t, res, http.StatusOK, "add webhook")
	secret := regexpFind(`value="(whsec_[^"]+)"`, res.Body)
	if secret == "" || !strings.Contains(res.Body, "will not be shown again") {
		t.Fatalf("no secret shown\n%s", excerpt(res.Body))
	}
	subs, _, _ := e.db.FindWebhooks(storetest.As(f.CustomerAdminA), itsm.WebhookFilter{})
	if len(subs) != 1 || subs[0].OrgID == nil || *subs[0].OrgID != f.CustomerA.ID {
		t.Fatalf("subscriptions %+v", subs)
	}
	hook := "/webhooks/" + id(subs[0].ID)
	page := c.Get(hook)
	mustContain(t, page.Body, "webhook page", "Steward-Signature", "HMAC-SHA256", "5 minutes", "Alpha Council")
	if strings.Contains(page.Body, secret) {
		t.Fatal("the secret is shown again")
	}
	res = c.Post(hook+"/rotate", url.Values{"version": {id(subs[0].Version)}})
	mustStatus(t, res, http.StatusOK, "rotate")
	if s2 := regexpFind(`value="(whsec_[^"]+)"`, res.Body); s2 == "" || s2 == secret {
		t.Fatal("no new secret shown")
	}

	// A ticket of A makes a delivery; the page shows it and sends it again.
	if _, err := e.db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "x", Description: "y", Impact: itsm.Low, Urgency: itsm.Low}); err != nil {
		t.Fatal(err)
	}
	ds, _, _ := e.db.FindWebhookDeliveries(storetest.As(f.Admin), subs[0].ID, 0, 10)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries", len(ds))
	}
	delivery := "/webhook-deliveries/" + id(ds[0].ID)
	mustContain(t, c.Get(hook).Body, "deliveries", "ticket.created", "Waiting")
	page = c.Get(delivery)
	mustContain(t, page.Body, "delivery page", ds[0].DeliveryID, "Not tried yet", "&#34;type&#34;:&#34;ticket.created&#34;")
	mustStatus(t, c.Post(delivery+"/redeliver", nil), http.StatusSeeOther, "redeliver")

	// Pausing: no more deliveries, and redelivery is refused with a reason.
	sub, _ := e.db.FindWebhookByID(storetest.As(f.Admin), subs[0].ID)
	c.Get(hook + "/edit")
	mustStatus(t, c.Post(hook+"/edit", url.Values{"url": {sub.URL}, "event_types": {"ticket.created"}, "version": {id(sub.Version)}}), http.StatusSeeOther, "pause")
	c.Get(delivery)
	mustStatus(t, c.Post(delivery+"/redeliver", nil), http.StatusConflict, "redeliver while paused")
	c.Get(hook)
	sub, _ = e.db.FindWebhookByID(storetest.As(f.Admin), subs[0].ID)
	mustStatus(t, c.Post(hook+"/delete", url.Values{"version": {id(sub.Version)}}), http.StatusSeeOther, "delete")
	mustStatus(t, c.Get(delivery), http.StatusNotFound, "the deleted webhook's delivery")
}
