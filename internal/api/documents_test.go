package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// multipartUpload builds a document upload: an optional change note, then
// the file under the name given exactly.
func multipartUpload(tb testing.TB, note, filename string, data []byte) (body []byte, contentType string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if note != "" {
		if err := mw.WriteField("change_note", note); err != nil {
			tb.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = fw.Write(data)
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

func (e *env) upload(tb testing.TB, u *itsm.User, path, note, filename string, data []byte) *reply {
	tb.Helper()
	body, ct := multipartUpload(tb, note, filename, data)
	return e.MustDo(tb, request{method: http.MethodPost, path: path, token: e.token(u), body: body, header: http.Header{"Content-Type": {ct}}})
}

// TestDocumentsAPI: the programme team publishes documents for chosen
// customers and providers, uploads versions as streams, and each caller
// sees, searches and downloads only what is meant for them.
func TestDocumentsAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		mgr, custA, custB, prov := fx.Manager, fx.CustomerUserA, fx.CustomerUserB, fx.ProviderAgent

		// Subscriptions.
		e.send(t, custA, http.MethodPost, "/api/v1/document-subscriptions", map[string]any{"type": "release_notes"}).MustStatus(t, http.StatusNoContent)
		e.send(t, custB, http.MethodPost, "/api/v1/document-subscriptions", map[string]any{"type": "release_notes"}).MustStatus(t, http.StatusNoContent)
		e.send(t, custA, http.MethodPost, "/api/v1/document-subscriptions", map[string]any{"type": "gossip"}).MustField(t, "type")
		var subs struct{ Items []string }
		e.get(t, custA, "/api/v1/document-subscriptions").MustStatus(t, http.StatusOK).MustDecode(t, &subs)
		if len(subs.Items) != 1 || subs.Items[0] != "release_notes" {
			t.Fatalf("subscriptions %v", subs.Items)
		}

		rep := e.send(t, mgr, http.MethodPost, "/api/v1/documents", map[string]any{"type": "release_notes", "title": "Release 4.2 notes", "summary": "What changed in 4.2",
			"tags": []string{"Release", "finance"}, "audience": map[string]any{"visibility": "named", "customer_ids": []int64{fx.CustomerA.ID}, "provider_sharing": "all"}}).MustStatus(t, http.StatusCreated)
		var d itsm.Document
		rep.MustDecode(t, &d)
		docPath := rep.header.Get("Location")
		if docPath != idPath("/api/v1/documents", d.ID) || d.Visibility != itsm.VisibleNamed || len(d.CustomerIDs) != 1 || d.Current != nil {
			t.Fatalf("created %+v at %s", d, docPath)
		}
		// Bad input, each naming its field, and nothing stored.
		before := e.MustCount(t)
		for _, c := range []struct {
			method, path string
			body         map[string]any
			field        string
		}{
			{http.MethodPost, "/api/v1/documents", map[string]any{"type": "memo", "title": "T"}, "type"},
			{http.MethodPost, "/api/v1/documents", map[string]any{"type": "other", "title": " "}, "title"},
			{http.MethodPost, "/api/v1/documents", map[string]any{"type": "other", "title": "T", "audience": map[string]any{"visibility": "named"}}, "customer_ids"},
			{http.MethodPost, "/api/v1/documents", map[string]any{"type": "other", "title": "T", "audience": map[string]any{"visibility": "everyone"}}, "audience.visibility"},
			{http.MethodPost, "/api/v1/documents", map[string]any{"type": "other", "title": "T", "audience": map[string]any{"visibility": "named", "customer_ids": []int64{fx.Provider.ID}}}, "customer_ids"},
			{http.MethodPost, "/api/v1/documents", map[string]any{"type": "other", "title": "T", "owner_id": custA.ID}, "owner_id"},
			{http.MethodPatch, docPath, map[string]any{"title": "T"}, "version"},
			{http.MethodPatch, docPath, map[string]any{"version": d.Version, "type": "memo"}, "type"},
		} {
			e.send(t, mgr, c.method, c.path, c.body).MustField(t, c.field)
		}
		e.send(t, mgr, http.MethodPatch, docPath, map[string]any{"version": d.Version + 1, "title": "T"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, mgr, http.MethodPatch, "/api/v1/documents/999999", map[string]any{"version": 1, "title": "T"}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustUnchanged(t, before)

		// The first version, streamed; only A's subscriber is told.
		jobs := len(storetest.OutboxOf(db).Jobs())
		rep = e.upload(t, mgr, docPath+"/versions", "First issue", "release-4.2.md", []byte("# Release 4.2\n\nInvoice matching now tolerates rounding.\n")).MustStatus(t, http.StatusCreated)
		var v itsm.DocumentVersion
		rep.MustDecode(t, &v)
		content := rep.header.Get("Location")
		if v.Number != 1 || v.Note != "First issue" || v.ContentType != "text/markdown; charset=utf-8" || content != fmt.Sprintf("/api/v1/document-versions/%d/content", v.ID) {
			t.Fatalf("version %+v at %s", v, content)
		}
		mail := storetest.OutboxOf(db).Jobs()[jobs:]
		if len(mail) != 1 || mail[0].(itsm.EmailJob).To[0] != custA.Email {
			t.Fatalf("e-mails %+v", mail)
		}
		// Who sees what.
		for _, c := range []struct {
			u    *itsm.User
			sees bool
		}{{mgr, true}, {fx.Auditor, true}, {custA, true}, {prov, true}, {custB, false}} {
			var list struct{ Total int }
			e.get(t, c.u, "/api/v1/documents").MustStatus(t, http.StatusOK).MustDecode(t, &list)
			var hits struct{ Items []itsm.ContentHit }
			e.get(t, c.u, "/api/v1/search?q=rounding").MustStatus(t, http.StatusOK).MustDecode(t, &hits)
			if (list.Total == 1) != c.sees || (len(hits.Items) == 1) != c.sees {
				t.Errorf("%s: %d listed, %d found; sees %v", c.u.Email, list.Total, len(hits.Items), c.sees)
			}
			if c.sees {
				e.get(t, c.u, docPath).MustStatus(t, http.StatusOK)
				e.get(t, c.u, docPath+"/versions").MustStatus(t, http.StatusOK)
				dl := e.get(t, c.u, content).MustStatus(t, http.StatusOK)
				if !bytes.HasPrefix(dl.body, []byte("# Release 4.2")) || dl.header.Get("ETag") != `"`+v.SHA256+`"` ||
					!strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment;") || dl.header.Get("Content-Security-Policy") != "sandbox" {
					t.Errorf("download %v %q", dl.header, dl.body)
				}
			} else {
				e.get(t, c.u, docPath).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
				e.get(t, c.u, docPath+"/versions").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
				e.get(t, c.u, content).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			}
		}
		e.get(t, mgr, "/api/v1/documents?type=memo").MustField(t, "type")
		e.get(t, mgr, "/api/v1/search").MustField(t, "q")
		e.get(t, mgr, "/api/v1/documents/999999/versions?limit=0").MustStatus(t, http.StatusBadRequest)
		e.get(t, mgr, "/api/v1/document-subscriptions?offset=-1").MustStatus(t, http.StatusBadRequest)
		e.get(t, mgr, "/api/v1/documents/999999").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, mgr, "/api/v1/document-versions/999999/content").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)

		// Refused uploads: a clear message and nothing stored.
		before = e.MustCount(t)
		for _, c := range []struct {
			name string
			data []byte
			want string
		}{
			{"../../etc/passwd.txt", []byte("x"), "folder path"},
			{"notes\u202Etxt.exe", []byte("x"), "not allowed"},
			{"invoice.pdf", []byte("<html>not a pdf</html>"), "not really a PDF"},
			{"page.html", []byte("<html></html>"), "must be a PDF"},
		} {
			d := e.upload(t, mgr, docPath+"/versions", "", c.name, c.data).MustError(t, http.StatusBadRequest, itsm.EINVALID)
			if !strings.Contains(d.Message, c.want) || d.Fields["file"] == "" {
				t.Errorf("%s: %+v", c.name, d)
			}
		}
		e.upload(t, custA, docPath+"/versions", "", "a.txt", []byte("x")).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.upload(t, mgr, "/api/v1/documents/999999/versions", "", "a.txt", []byte("x")).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustDo(t, request{method: http.MethodPost, path: docPath + "/versions", token: e.token(mgr), body: "x", header: http.Header{"Content-Type": {"text/plain"}}}).
			MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
		e.api.maxDoc = 1 << 20
		d413 := e.upload(t, mgr, docPath+"/versions", "", "big.txt", bytes.Repeat([]byte("a"), 1<<20+100<<10)).MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)
		if !strings.Contains(d413.Message, "1 MB") {
			t.Errorf("413 says %q", d413.Message)
		}
		e.api.maxDoc = itsm.DefaultMaxDocumentSize
		e.MustUnchanged(t, before)

		// Changing the audience to programme only hides it from A.
		var cur itsm.Document
		e.get(t, mgr, docPath).MustDecode(t, &cur)
		e.send(t, mgr, http.MethodPatch, docPath, map[string]any{"version": cur.Version, "audience": map[string]any{"visibility": "programme"}}).MustStatus(t, http.StatusOK)
		e.get(t, custA, docPath).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)

		e.MustDo(t, request{method: http.MethodDelete, path: "/api/v1/document-subscriptions/release_notes", token: e.token(custA)}).MustStatus(t, http.StatusNoContent)
		e.MustDo(t, request{method: http.MethodDelete, path: "/api/v1/document-subscriptions/gossip", token: e.token(custA)}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
	})
}

// TestArticlesAPI: help articles with categories, visibility, votes, ticket
// links and suggestions.
func TestArticlesAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		mgr, custA, custB := fx.Manager, fx.CustomerUserA, fx.CustomerUserB
		var cats struct{ Items []itsm.ArticleCategory }
		e.get(t, custA, "/api/v1/article-categories").MustStatus(t, http.StatusOK).MustDecode(t, &cats)
		if len(cats.Items) != 1 || cats.Items[0].Name != itsm.FinanceIntegrationCategory {
			t.Fatalf("categories %+v", cats.Items)
		}
		finance := cats.Items[0].ID
		e.get(t, custA, "/api/v1/article-categories?limit=x").MustStatus(t, http.StatusBadRequest)
		e.send(t, mgr, http.MethodPost, "/api/v1/article-categories", map[string]any{"name": "Purchasing"}).MustStatus(t, http.StatusCreated)
		e.send(t, mgr, http.MethodPost, "/api/v1/article-categories", map[string]any{"name": "purchasing"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, mgr, http.MethodPost, "/api/v1/article-categories", map[string]any{"name": ""}).MustField(t, "name")

		rep := e.send(t, mgr, http.MethodPost, "/api/v1/articles", map[string]any{"category_id": finance, "title": "Sending invoices by SFTP",
			"summary": "Set up the nightly invoice export.", "body": "# Steps\n\n1. Ask for an SFTP account.\n2. <script>alert(1)</script>", "tags": []string{"sftp"},
			"audience": map[string]any{"visibility": "named", "customer_ids": []int64{fx.CustomerA.ID}}}).MustStatus(t, http.StatusCreated)
		var ar itsm.Article
		rep.MustDecode(t, &ar)
		path := rep.header.Get("Location")
		e.send(t, mgr, http.MethodPost, "/api/v1/articles", map[string]any{"category_id": 999999, "title": "T", "body": "B"}).MustField(t, "category_id")
		e.send(t, mgr, http.MethodPatch, path, map[string]any{"version": ar.Version}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		e.send(t, mgr, http.MethodPatch, path, map[string]any{"version": ar.Version + 1, "title": "T"}).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		e.send(t, mgr, http.MethodPatch, "/api/v1/articles/999999", map[string]any{"version": 1, "title": "T"}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		rep = e.send(t, mgr, http.MethodPatch, path, map[string]any{"version": ar.Version, "summary": "Set up the nightly invoice export over SFTP."}).MustStatus(t, http.StatusOK)
		rep.MustDecode(t, &ar)

		// A reads it, B does not: by ID, in lists, search and suggestions.
		e.get(t, custA, path).MustStatus(t, http.StatusOK)
		e.get(t, custB, path).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		for _, c := range []struct {
			u    *itsm.User
			sees int
		}{{custA, 1}, {custB, 0}, {fx.Auditor, 1}} {
			var list struct{ Total int }
			e.get(t, c.u, "/api/v1/articles?q=sftp").MustStatus(t, http.StatusOK).MustDecode(t, &list)
			var sugg struct{ Items []itsm.Article }
			e.get(t, c.u, "/api/v1/article-suggestions?text=Invoices+not+arriving+over+SFTP").MustStatus(t, http.StatusOK).MustDecode(t, &sugg)
			var hits struct{ Items []itsm.ContentHit }
			e.get(t, c.u, "/api/v1/search?q=sftp").MustStatus(t, http.StatusOK).MustDecode(t, &hits)
			if list.Total != c.sees || len(sugg.Items) != c.sees || len(hits.Items) != c.sees {
				t.Errorf("%s: listed %d, suggested %d, found %d; want %d", c.u.Email, list.Total, len(sugg.Items), len(hits.Items), c.sees)
			}
		}
		e.get(t, custA, "/api/v1/articles?category_id=x").MustField(t, "category_id")
		e.get(t, custA, "/api/v1/article-suggestions").MustField(t, "text")

		// One vote each, which can change.
		var voted itsm.Article
		e.send(t, custA, http.MethodPut, path+"/vote", map[string]any{"helpful": true}).MustStatus(t, http.StatusOK)
		e.send(t, custA, http.MethodPut, path+"/vote", map[string]any{"helpful": true}).MustStatus(t, http.StatusOK)
		e.send(t, mgr, http.MethodPut, path+"/vote", map[string]any{"helpful": false}).MustStatus(t, http.StatusOK).MustDecode(t, &voted)
		if voted.Helpful != 1 || voted.NotHelpful != 1 || voted.MyVote == nil || *voted.MyVote {
			t.Fatalf("votes %+v", voted)
		}
		e.send(t, custA, http.MethodPut, path+"/vote", map[string]any{"helpful": false}).MustStatus(t, http.StatusOK).MustDecode(t, &voted)
		if voted.Helpful != 0 || voted.NotHelpful != 2 {
			t.Fatalf("changed vote %+v", voted)
		}
		e.send(t, custA, http.MethodPut, path+"/vote", map[string]any{}).MustField(t, "helpful")
		e.send(t, custB, http.MethodPut, path+"/vote", map[string]any{"helpful": true}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)

		// Linked tickets: the service desk links; each sees its own.
		tk := e.MustNewTicket(t, custA, "SFTP export fails")
		e.send(t, mgr, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": tk.ID}).MustStatus(t, http.StatusNoContent)
		e.send(t, mgr, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": 999999}).MustField(t, "ticket_id")
		e.send(t, mgr, http.MethodPost, "/api/v1/articles/999999/tickets", map[string]any{"ticket_id": tk.ID}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, custA, http.MethodPost, path+"/tickets", map[string]any{"ticket_id": tk.ID}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		var linked struct{ Items []itsm.Ticket }
		e.get(t, custA, path+"/tickets").MustStatus(t, http.StatusOK).MustDecode(t, &linked)
		if len(linked.Items) != 1 || linked.Items[0].ID != tk.ID {
			t.Fatalf("linked %+v", linked.Items)
		}
		e.get(t, custA, path+"/tickets?limit=x").MustStatus(t, http.StatusBadRequest)
		e.get(t, custB, path+"/tickets").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustDo(t, request{method: http.MethodDelete, path: fmt.Sprintf("%s/tickets/%d", path, tk.ID), token: e.token(mgr)}).MustStatus(t, http.StatusNoContent)
		e.MustDo(t, request{method: http.MethodDelete, path: fmt.Sprintf("/api/v1/articles/999999/tickets/%d", tk.ID), token: e.token(mgr)}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, mgr, "/api/v1/articles/999999").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
	})
}

// TestDocumentRoutesRefuse: every documents and help-articles route
// refuses the anonymous (401), read-only callers where it changes
// something (403), bodies of the wrong type (415) or size (413) and
// malformed JSON (400).
func TestDocumentRoutesRefuse(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite)
	e := MustEnv(t, db)
	huge := `{"title":"` + strings.Repeat("a", maxBody) + `"}`
	for _, rt := range e.api.routeTable() {
		method, p, _ := strings.Cut(rt.pattern, " ")
		if !strings.HasPrefix(p, "/api/v1/document") && !strings.HasPrefix(p, "/api/v1/article") && p != "/api/v1/search" {
			continue
		}
		path := strings.NewReplacer("{id}", "1", "{ticket_id}", "1", "{type}", "release_notes").Replace(p)
		e.MustDo(t, request{method: method, path: path}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		if rt.access == changes {
			e.MustDo(t, request{method: method, path: path, token: e.token(e.fx.Auditor), body: "{}"}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		}
		if method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut {
			if strings.HasSuffix(p, "/versions") {
				continue // a multipart upload: tested in TestDocumentsAPI
			}
			tok := e.token(e.fx.Manager)
			e.MustDo(t, request{method: method, path: path, token: tok, body: "{}", header: http.Header{"Content-Type": {"text/plain"}}}).
				MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
			e.MustDo(t, request{method: method, path: path, token: tok, body: huge}).MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)
			e.MustDo(t, request{method: method, path: path, token: tok, body: `{"unknown": 1}`}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		}
	}
}
