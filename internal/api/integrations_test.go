package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func validIntegration(orgID int64, name string) map[string]any {
	return map[string]any{"organisation_id": orgID, "name": name, "system": "Oracle Fusion", "vendor": "Oracle", "direction": "inbound_invoices",
		"format": "ubl", "transport": "sftp", "schedule": "hourly", "environments": []string{"production"}, "status": "live",
		"contacts": []map[string]string{{"name": "Ann Finance", "email": "ann@alpha.test", "role": "lead"}}, "documents": []string{"Spec v3"}, "notes": "Nightly batch."}
}

// TestIntegrationRegisterAPI runs the register's routes through every
// answer they document.
func TestIntegrationRegisterAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		rep := e.send(t, fx.CustomerAdminA, http.MethodPost, "/api/v1/integrations", validIntegration(fx.CustomerB.ID, "Invoices")).MustStatus(t, http.StatusCreated)
		var a itsm.Integration
		rep.MustDecode(t, &a)
		path := rep.header.Get("Location")
		if a.OrgID != fx.CustomerA.ID || path != idPath("/api/v1/integrations", a.ID) || rep.header.Get("ETag") != etag(a.Version) {
			t.Fatalf("created %+v at %s", a, path)
		}
		var b itsm.Integration
		e.send(t, fx.Agent, http.MethodPost, "/api/v1/integrations", validIntegration(fx.CustomerB.ID, "Orders")).MustStatus(t, http.StatusCreated).MustDecode(t, &b)
		pathB := idPath("/api/v1/integrations", b.ID)

		before := e.MustCount(t)
		e.send(t, fx.Agent, http.MethodPost, "/api/v1/integrations", with(validIntegration(fx.CustomerA.ID, "X"), "direction", "sideways")).MustField(t, "direction")
		e.send(t, fx.Agent, http.MethodPost, "/api/v1/integrations", validIntegration(fx.CustomerA.ID, "Invoices")).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, fx.CustomerUserA, http.MethodPost, "/api/v1/integrations", validIntegration(fx.CustomerA.ID, "Y")).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.Auditor, http.MethodPost, "/api/v1/integrations", validIntegration(fx.CustomerA.ID, "Y")).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, nil, http.MethodPost, "/api/v1/integrations", validIntegration(fx.CustomerA.ID, "Y")).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.MustUnchanged(t, before)

		// Reads: A's people see A's entry only; providers see both.
		var pg struct {
			Items []itsm.Integration `json:"items"`
			Total int                `json:"total"`
		}
		e.get(t, fx.CustomerUserA, "/api/v1/integrations?sort=updated").MustStatus(t, http.StatusOK).MustDecode(t, &pg)
		if pg.Total != 1 || pg.Items[0].ID != a.ID {
			t.Fatalf("A's list %+v", pg)
		}
		e.get(t, fx.ProviderAgent, "/api/v1/integrations?status=live&direction=inbound_invoices").MustStatus(t, http.StatusOK).MustDecode(t, &pg)
		if pg.Total != 2 {
			t.Fatalf("provider's list %+v", pg)
		}
		e.get(t, fx.Agent, "/api/v1/integrations?status=lively").MustField(t, "status")
		e.get(t, nil, "/api/v1/integrations").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.get(t, fx.CustomerUserA, path).MustStatus(t, http.StatusOK)
		e.get(t, fx.CustomerUserA, pathB).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, path).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Changes, with the history they leave.
		e.send(t, fx.CustomerAdminA, http.MethodPatch, path, map[string]any{"version": a.Version, "status": "retired", "transport": "as2"}).MustStatus(t, http.StatusOK)
		e.send(t, fx.CustomerAdminA, http.MethodPatch, path, map[string]any{"version": a.Version, "status": "live"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, fx.CustomerAdminA, http.MethodPatch, path, map[string]any{"version": a.Version + 1}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, fx.CustomerAdminA, http.MethodPatch, path, map[string]any{"version": a.Version + 1, "format": "fax"}).MustField(t, "format")
		e.send(t, fx.CustomerUserA, http.MethodPatch, path, map[string]any{"version": a.Version + 1, "status": "live"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.CustomerAdminA, http.MethodPatch, pathB, map[string]any{"version": b.Version, "status": "live"}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, nil, http.MethodPatch, path, map[string]any{"version": 1, "status": "live"}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		var hist struct {
			Items []itsm.IntegrationChange `json:"items"`
		}
		e.get(t, fx.CustomerUserA, path+"/history").MustStatus(t, http.StatusOK).MustDecode(t, &hist)
		if len(hist.Items) < 2 || hist.Items[0].ActorName != fx.CustomerAdminA.Name {
			t.Fatalf("history %+v", hist)
		}
		e.get(t, fx.CustomerUserA, path+"/history?limit=0").MustField(t, "limit")
		e.get(t, fx.CustomerUserA, pathB+"/history").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, path+"/history").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Tickets about the interface.
		tk := e.MustNewTicket(t, fx.CustomerUserA, "Invoices stuck")
		tkB := e.MustNewTicket(t, fx.CustomerUserB, "Orders stuck")
		e.send(t, fx.CustomerUserA, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": tk.ID}).MustStatus(t, http.StatusNoContent)
		e.send(t, fx.CustomerUserA, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": 0}).MustField(t, "ticket_id")
		e.send(t, fx.Agent, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": tkB.ID}).MustField(t, "ticket_id")
		e.send(t, fx.ProviderAgent, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": tk.ID}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.CustomerUserA, http.MethodPost, pathB+"/tickets", map[string]any{"ticket_id": tk.ID}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, nil, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": tk.ID}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		var tickets struct {
			Items []itsm.Ticket `json:"items"`
		}
		e.get(t, fx.CustomerUserA, path+"/tickets").MustStatus(t, http.StatusOK).MustDecode(t, &tickets)
		if len(tickets.Items) != 1 || tickets.Items[0].ID != tk.ID {
			t.Fatalf("tickets %+v", tickets)
		}
		e.get(t, fx.CustomerUserA, path+"/tickets?offset=-1").MustField(t, "offset")
		e.get(t, fx.CustomerUserB, path+"/tickets").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, path+"/tickets").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		ticketPath := idPath("/api/v1/tickets", tk.ID, "/integrations")
		e.get(t, fx.CustomerUserA, ticketPath).MustStatus(t, http.StatusOK).MustDecode(t, &pg)
		if pg.Total != 1 || pg.Items[0].ID != a.ID || pg.Items[0].Tickets != 1 {
			t.Fatalf("the ticket's interfaces %+v", pg)
		}
		e.get(t, fx.CustomerUserA, ticketPath+"?limit=x").MustField(t, "limit")
		e.get(t, fx.CustomerUserB, ticketPath).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, ticketPath).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		unlink := path + "/tickets/" + idPath("", tk.ID)[1:]
		e.send(t, fx.CustomerUserA, http.MethodDelete, unlink, nil).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.CustomerAdminB, http.MethodDelete, unlink, nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, nil, http.MethodDelete, unlink, nil).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.CustomerAdminA, http.MethodDelete, unlink, nil).MustStatus(t, http.StatusNoContent)
	})
}

// TestWebhooksAPI runs the webhook routes through every answer they
// document.
func TestWebhooksAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		rep := e.send(t, fx.CustomerAdminA, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://erp.alpha.test/hook", "event_types": []string{"ticket.created", "change.*"}}).
			MustStatus(t, http.StatusCreated)
		var s itsm.WebhookSubscription
		rep.MustDecode(t, &s)
		path := rep.header.Get("Location")
		if !strings.HasPrefix(s.Secret, "whsec_") || s.OrgID == nil || *s.OrgID != fx.CustomerA.ID {
			t.Fatalf("created %+v", s)
		}
		var g itsm.WebhookSubscription
		e.send(t, fx.Manager, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hub.example.org/all", "event_types": []string{"ticket.resolved"}}).
			MustStatus(t, http.StatusCreated).MustDecode(t, &g)
		globalPath := idPath("/api/v1/webhooks", g.ID)
		e.send(t, fx.Manager, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "http://hub.example.org/all", "event_types": []string{"ticket.created"}}).MustField(t, "url")
		e.send(t, fx.Manager, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hub.example.org/all", "event_types": []string{"ticket.deleted"}}).MustField(t, "event_types")
		e.send(t, fx.Agent, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hub.example.org/all", "event_types": []string{"ticket.created"}}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, nil, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hub.example.org/all", "event_types": []string{"ticket.created"}}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Reads never show the secret; A's admin sees only A's.
		body := string(e.get(t, fx.Auditor, "/api/v1/webhooks?active=true").MustStatus(t, http.StatusOK).body)
		if strings.Contains(body, "whsec_") || !strings.Contains(body, `"total":2`) {
			t.Fatalf("auditor's list %s", body)
		}
		e.get(t, fx.CustomerAdminA, "/api/v1/webhooks?organisation_id=x").MustField(t, "organisation_id")
		e.get(t, fx.Agent, "/api/v1/webhooks").MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.get(t, nil, "/api/v1/webhooks").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.get(t, fx.CustomerAdminA, path).MustStatus(t, http.StatusOK)
		e.get(t, fx.CustomerAdminA, globalPath).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, path).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Changes and rotation.
		var s2 itsm.WebhookSubscription
		e.send(t, fx.CustomerAdminA, http.MethodPatch, path, map[string]any{"version": s.Version, "description": "ERP"}).MustStatus(t, http.StatusOK).MustDecode(t, &s2)
		e.send(t, fx.CustomerAdminA, http.MethodPatch, path, map[string]any{"version": s.Version, "description": "x"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, fx.CustomerAdminA, http.MethodPatch, path, map[string]any{"version": s2.Version, "url": "ftp://x"}).MustField(t, "url")
		e.send(t, fx.Auditor, http.MethodPatch, path, map[string]any{"version": s2.Version, "active": false}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.CustomerAdminA, http.MethodPatch, globalPath, map[string]any{"version": g.Version, "active": false}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, nil, http.MethodPatch, path, map[string]any{"version": s2.Version, "active": false}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		var rot itsm.WebhookSubscription
		e.send(t, fx.CustomerAdminA, http.MethodPost, path+"/rotate-secret", map[string]any{"version": s2.Version}).MustStatus(t, http.StatusOK).MustDecode(t, &rot)
		if rot.Secret == "" || rot.Secret == s.Secret {
			t.Fatal("rotation showed no new secret")
		}
		e.send(t, fx.CustomerAdminA, http.MethodPost, path+"/rotate-secret", map[string]any{"version": s2.Version}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, fx.CustomerAdminA, http.MethodPost, path+"/rotate-secret", map[string]any{}).MustField(t, "version")
		e.send(t, fx.Auditor, http.MethodPost, path+"/rotate-secret", map[string]any{"version": rot.Version}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.CustomerAdminA, http.MethodPost, globalPath+"/rotate-secret", map[string]any{"version": g.Version}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, nil, http.MethodPost, path+"/rotate-secret", map[string]any{"version": rot.Version}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// A ticket of A makes a delivery to A's subscription.
		e.MustNewTicket(t, fx.CustomerUserA, "Invoices stuck")
		var ds struct {
			Items []itsm.WebhookDelivery `json:"items"`
			Total int                    `json:"total"`
		}
		e.get(t, fx.CustomerAdminA, path+"/deliveries").MustStatus(t, http.StatusOK).MustDecode(t, &ds)
		if ds.Total != 1 || ds.Items[0].EventType != "ticket.created" {
			t.Fatalf("deliveries %+v", ds)
		}
		var ev itsm.WebhookEvent
		if err := json.Unmarshal([]byte(ds.Items[0].Body), &ev); err != nil || ev.Type != "ticket.created" || ev.OrgID == nil || *ev.OrgID != fx.CustomerA.ID {
			t.Fatalf("body %s: %v", ds.Items[0].Body, err)
		}
		e.get(t, fx.CustomerAdminA, path+"/deliveries?limit=501").MustField(t, "limit")
		e.get(t, fx.CustomerAdminA, globalPath+"/deliveries").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, path+"/deliveries").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		dpath := idPath("/api/v1/webhook-deliveries", ds.Items[0].ID)
		e.get(t, fx.CustomerAdminA, dpath).MustStatus(t, http.StatusOK)
		e.get(t, fx.CustomerAdminB, dpath).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, dpath).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.CustomerAdminA, http.MethodPost, dpath+"/redeliver", map[string]any{"reason": "Our receiver was down."}).MustStatus(t, http.StatusAccepted)
		e.send(t, fx.CustomerAdminA, http.MethodPost, dpath+"/redeliver", map[string]any{"reason": "a\x01b"}).MustField(t, "reason")
		e.send(t, fx.Auditor, http.MethodPost, dpath+"/redeliver", map[string]any{}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.CustomerAdminB, http.MethodPost, dpath+"/redeliver", map[string]any{}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, nil, http.MethodPost, dpath+"/redeliver", map[string]any{}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		var cur itsm.WebhookSubscription
		e.get(t, fx.CustomerAdminA, path).MustDecode(t, &cur)
		e.send(t, fx.CustomerAdminA, http.MethodPatch, path, map[string]any{"version": cur.Version, "active": false}).MustStatus(t, http.StatusOK)
		e.send(t, fx.CustomerAdminA, http.MethodPost, dpath+"/redeliver", map[string]any{}).MustError(t, http.StatusConflict, itsm.ECONFLICT)

		// Deletion.
		e.send(t, fx.Auditor, http.MethodDelete, path, nil).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.CustomerAdminA, http.MethodDelete, globalPath, nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, nil, http.MethodDelete, path, nil).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.CustomerAdminA, http.MethodDelete, path, nil).MustStatus(t, http.StatusNoContent)
		e.get(t, fx.CustomerAdminA, dpath).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
	})
}

// TestCSVExchangeAPI imports and exports through the API.
func TestCSVExchangeAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		csv := func(u *itsm.User, path, body string, ct string) *reply {
			h := http.Header{}
			if ct != "" {
				h.Set("Content-Type", ct)
			}
			return e.MustDo(t, request{method: http.MethodPost, path: path, token: e.token(u), body: body, header: h})
		}
		file := "organisation,name,system,direction,format,transport\nAlpha Council,Invoices,Oracle,Inbound invoices,UBL,SFTP\nAlpha Council,Orders,SAP,outbound_orders,fax,api\n"
		before := e.MustCount(t)
		var rep itsm.ImportReport
		csv(fx.CustomerAdminA, "/api/v1/imports/integrations", file, "text/csv").MustStatus(t, http.StatusUnprocessableEntity).MustDecode(t, &rep)
		if rep.Applied || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 || rep.Errors[0].Column != "format" {
			t.Fatalf("report %+v", rep)
		}
		e.MustUnchanged(t, before)
		good := strings.Replace(file, "fax", "cXML", 1)
		csv(fx.CustomerAdminA, "/api/v1/imports/integrations?dry_run=true", good, "text/csv; charset=utf-8").MustStatus(t, http.StatusOK).MustDecode(t, &rep)
		if rep.Applied || !rep.DryRun || rep.Created != 2 {
			t.Fatalf("dry run %+v", rep)
		}
		e.MustUnchanged(t, before)
		csv(fx.CustomerAdminA, "/api/v1/imports/integrations", good, "text/csv").MustStatus(t, http.StatusOK).MustDecode(t, &rep)
		if !rep.Applied || rep.Created != 2 {
			t.Fatalf("import %+v", rep)
		}
		csv(fx.CustomerAdminA, "/api/v1/imports/integrations", "", "text/csv").MustError(t, http.StatusBadRequest, itsm.EINVALID)
		csv(fx.CustomerAdminA, "/api/v1/imports/integrations?dry_run=maybe", good, "text/csv").MustField(t, "dry_run")
		csv(fx.CustomerAdminA, "/api/v1/imports/integrations", good, "application/json").MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
		csv(fx.CustomerAdminA, "/api/v1/imports/tickets", good, "text/csv").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		csv(fx.CustomerUserA, "/api/v1/imports/integrations", good, "text/csv").MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		csv(fx.Auditor, "/api/v1/imports/integrations", good, "text/csv").MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		csv(nil, "/api/v1/imports/integrations", good, "text/csv").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		huge := "organisation,name\n" + strings.Repeat("Alpha Council,"+strings.Repeat("x", 100)+"\n", int(DefaultMaxUpload/100)+10)
		csv(fx.CustomerAdminA, "/api/v1/imports/integrations", huge, "text/csv").MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)

		// Exports: what the caller may see, formula-safe.
		out := e.get(t, fx.CustomerUserB, "/api/v1/exports/integrations").MustStatus(t, http.StatusOK)
		if !strings.HasPrefix(string(out.body), "organisation,name,") || strings.Contains(string(out.body), "Alpha Council") {
			t.Fatalf("B's export %s", out.body)
		}
		out = e.get(t, fx.CustomerUserA, "/api/v1/exports/integrations").MustStatus(t, http.StatusOK)
		if strings.Count(string(out.body), "Alpha Council") != 2 || out.header.Get("Content-Disposition") != `attachment; filename="integrations.csv"` {
			t.Fatalf("A's export %s", out.body)
		}
		e.get(t, fx.ProviderAgent, "/api/v1/exports/users").MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.get(t, fx.Admin, "/api/v1/exports/tickets").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, fx.Admin, "/api/v1/exports/users?format=xlsx").MustField(t, "format")
		e.get(t, nil, "/api/v1/exports/users").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
	})
}

// TestIntegrationBadBodies sends every kind of bad JSON body to the
// integration routes that take one: each is refused with a clear 4xx, and
// nothing changes.
func TestIntegrationBadBodies(t *testing.T) {
	e := MustEnv(t, storetest.MustOpen(t, store.SQLite))
	fx := e.fx
	var g itsm.Integration
	e.send(t, fx.Agent, http.MethodPost, "/api/v1/integrations", validIntegration(fx.CustomerA.ID, "Invoices")).MustStatus(t, http.StatusCreated).MustDecode(t, &g)
	var s itsm.WebhookSubscription
	e.send(t, fx.Admin, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hub.example.org/all", "event_types": []string{"ticket.created"}}).
		MustStatus(t, http.StatusCreated).MustDecode(t, &s)
	tk := e.MustNewTicket(t, fx.CustomerUserA, "Invoices stuck")
	var ds struct {
		Items []itsm.WebhookDelivery `json:"items"`
	}
	e.get(t, fx.Admin, idPath("/api/v1/webhooks", s.ID, "/deliveries")).MustDecode(t, &ds)
	eps := []bodyEndpoint{
		{"create interface", http.MethodPost, "/api/v1/integrations", fx.Agent, validIntegration(fx.CustomerA.ID, "Orders")},
		{"change interface", http.MethodPatch, idPath("/api/v1/integrations", g.ID), fx.Agent, map[string]any{"version": g.Version, "status": "retired"}},
		{"link ticket", http.MethodPost, idPath("/api/v1/integrations", g.ID, "/tickets"), fx.Agent, map[string]any{"ticket_id": tk.ID}},
		{"create webhook", http.MethodPost, "/api/v1/webhooks", fx.Admin, map[string]any{"url": "https://hub.example.org/x", "event_types": []any{"ticket.created"}}},
		{"change webhook", http.MethodPatch, idPath("/api/v1/webhooks", s.ID), fx.Admin, map[string]any{"version": s.Version, "description": "Hub"}},
		{"rotate secret", http.MethodPost, idPath("/api/v1/webhooks", s.ID, "/rotate-secret"), fx.Admin, map[string]any{"version": s.Version + 1}},
		{"redeliver", http.MethodPost, idPath("/api/v1/webhook-deliveries", ds.Items[0].ID, "/redeliver"), fx.Admin, map[string]any{"reason": "Down."}},
	}
	for _, ep := range eps {
		t.Run(ep.name, func(t *testing.T) {
			for _, bad := range badBodies(ep) {
				before := e.MustCount(t)
				rep := e.MustDo(t, request{method: ep.method, path: ep.path, token: e.token(ep.caller), body: bad.body, header: bad.header})
				if rep.status != bad.status || rep.apiError().Code != bad.code {
					t.Errorf("%s: %d %+v, want %d %s", bad.what, rep.status, rep.apiError(), bad.status, bad.code)
				}
				e.MustUnchanged(t, before)
			}
			if rep := e.MustDo(t, request{method: ep.method, path: ep.path, token: e.token(ep.caller), body: ep.valid}); rep.status >= 300 {
				t.Errorf("valid body refused: %d %s", rep.status, rep.body)
			}
		})
	}
}
