package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// changeUploadRequest is a multipart upload to a change.
func changeUploadRequest(tb testing.TB, changeID int64, parts ...part) request {
	tb.Helper()
	body, ct := multipartBody(tb, parts...)
	return request{method: http.MethodPost, path: idPath("/api/v1/changes", changeID, "/attachments"), body: body, header: http.Header{"Content-Type": {ct}}}
}

// changeFileCount counts every change file.
func (e *env) changeFileCount(tb testing.TB) int {
	tb.Helper()
	var n int
	if err := e.db.SQL().QueryRow(`SELECT COUNT(*) FROM change_attachments`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestChangeAttachments: a file goes up to a change as multipart/form-data
// and comes down only as a download, byte for byte; customers never see
// internal files; another customer's change and its files are 404; a
// withdrawn change takes no more.
func TestChangeAttachments(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		c := e.MustQuotedChange(t, "Files for A", false)
		pdf := []byte("%PDF-1.7\n% the specification\n")
		rep := e.MustDo(t, withToken(changeUploadRequest(t, c.ID, fileParts("Specification – v2.pdf", pdf, false)...), e.token(fx.CustomerUserA))).MustStatus(t, http.StatusCreated)
		var att itsm.ChangeAttachment
		rep.MustDecode(t, &att)
		sum := sha256.Sum256(pdf)
		if att.ChangeID != c.ID || att.Filename != "Specification – v2.pdf" || att.ContentType != "application/pdf" || att.Size != int64(len(pdf)) ||
			att.SHA256 != hex.EncodeToString(sum[:]) || !att.Public || att.UploaderID == nil || *att.UploaderID != fx.CustomerUserA.ID ||
			att.Uploader != fx.CustomerUserA.Name || rep.header.Get("Location") != idPath("/api/v1/change-attachments", att.ID) {
			t.Fatalf("uploaded %+v at %s", att, rep.header.Get("Location"))
		}
		down := e.get(t, fx.ProviderAgent, rep.header.Get("Location")).MustStatus(t, http.StatusOK)
		disposition, params, err := mime.ParseMediaType(down.header.Get("Content-Disposition"))
		if err != nil || disposition != "attachment" || params["filename"] != att.Filename || down.header.Get("ETag") != `"`+att.SHA256+`"` ||
			down.header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(down.body, pdf) {
			t.Errorf("download: %v", down.header)
		}

		// Internal files: the programme team and the assigned provider.
		var internal itsm.ChangeAttachment
		e.MustDo(t, withToken(changeUploadRequest(t, c.ID, fileParts("approach.txt", []byte("Our approach.\n"), true)...), e.token(fx.ProviderAgent))).
			MustStatus(t, http.StatusCreated).MustDecode(t, &internal)
		before := e.MustCount(t)
		e.MustDo(t, withToken(changeUploadRequest(t, c.ID, fileParts("mine.txt", []byte("x"), true)...), e.token(fx.CustomerUserA))).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.MustUnchanged(t, before)
		var staff, customer page[itsm.ChangeAttachment]
		e.get(t, fx.Auditor, idPath("/api/v1/changes", c.ID, "/attachments")).MustStatus(t, http.StatusOK).MustDecode(t, &staff)
		e.get(t, fx.CustomerAdminA, idPath("/api/v1/changes", c.ID, "/attachments?limit=1")).MustStatus(t, http.StatusOK).MustDecode(t, &customer)
		if internal.Public || staff.Total != 2 || customer.Total != 1 || len(customer.Items) != 1 || customer.Items[0].ID != att.ID {
			t.Fatalf("staff see %d files, the customer %d", staff.Total, customer.Total)
		}
		e.get(t, fx.CustomerUserA, idPath("/api/v1/change-attachments", internal.ID)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, fx.Agent, idPath("/api/v1/changes", c.ID, "/attachments?limit=nine")).MustError(t, http.StatusBadRequest, itsm.EINVALID)

		// Customer B: neither the change nor its files exist.
		b, err := db.CreateChange(storetest.As(fx.CustomerUserB), itsm.NewChange{Kind: itsm.ChangeWorkRequest, Title: "Beta's work", Description: "B."})
		if err != nil {
			t.Fatal(err)
		}
		e.get(t, fx.CustomerUserB, idPath("/api/v1/change-attachments", att.ID)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, fx.CustomerUserB, idPath("/api/v1/changes", c.ID, "/attachments")).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustDo(t, withToken(changeUploadRequest(t, c.ID, fileParts("b.txt", []byte("x"), false)...), e.token(fx.CustomerUserB))).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustDo(t, withToken(changeUploadRequest(t, b.ID, fileParts("b.txt", []byte("x"), false)...), e.token(fx.ProviderAgent))).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, fx.Agent, "/api/v1/change-attachments/999999").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustDo(t, request{method: http.MethodGet, path: idPath("/api/v1/change-attachments", att.ID)}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.MustDo(t, request{method: http.MethodGet, path: idPath("/api/v1/changes", c.ID, "/attachments")}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.MustDo(t, changeUploadRequest(t, c.ID, fileParts("anon.txt", []byte("x"), false)...)).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)

		// Withdrawn, the change takes no more files.
		w, err := db.TransitionChange(storetest.As(fx.CustomerUserB), b.ID, itsm.ChangeTransition{Action: itsm.ActWithdraw, Note: "Not needed.", Version: b.Version})
		if err != nil {
			t.Fatal(err)
		}
		before = e.MustCount(t)
		d := e.MustDo(t, withToken(changeUploadRequest(t, w.ID, fileParts("late.txt", []byte("late"), false)...), e.token(fx.CustomerUserB))).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		if !strings.Contains(d.Message, w.Ref+" is withdrawn") {
			t.Errorf("conflict message: %q", d.Message)
		}
		e.MustUnchanged(t, before)
	})
}

// TestChangeAttachmentRefusals: every kind of bad upload to a change is
// refused with a clear answer, and nothing is stored.
func TestChangeAttachmentRefusals(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		c := e.MustQuotedChange(t, "Refusals", false)
		file := func(name string, data []byte) []part { return []part{{name: "file", filename: name, data: data}} }
		named := func(disposition string, data []byte) []part { return []part{{disposition: disposition, data: data}} }
		type refusal struct {
			what   string
			req    request
			status int
			code   string
			field  string
		}
		up := func(what string, status int, code, field string, parts ...part) refusal {
			return refusal{what, changeUploadRequest(t, c.ID, parts...), status, code, field}
		}
		body, ct := multipartBody(t, file("a.png", png)...)
		path := idPath("/api/v1/changes", c.ID, "/attachments")
		bad := []refusal{
			up("a file over 10 MiB", http.StatusRequestEntityTooLarge, itsm.ETOOLARGE, "file", file("huge.txt", bytes.Repeat([]byte("a"), itsm.MaxAttachmentSize+1))...),
			up("an executable", http.StatusBadRequest, itsm.EINVALID, "file", file("tool.exe", []byte("MZ\x90\x00"))...),
			up("a .png that is not a PNG", http.StatusBadRequest, itsm.EINVALID, "file", file("mock-up.png", []byte("MZ\x90\x00 this is an executable"))...),
			up("HTML as text", http.StatusBadRequest, itsm.EINVALID, "file", file("page.txt", []byte("<html><script>alert(1)</script></html>"))...),
			up("an empty file", http.StatusBadRequest, itsm.EINVALID, "file", file("empty.txt", nil)...),
			up("a relative path", http.StatusBadRequest, itsm.EINVALID, "file", file("../../etc/passwd.txt", []byte("root"))...),
			up("a Windows path", http.StatusBadRequest, itsm.EINVALID, "file", file(`..\..\boot.ini.txt`, []byte("x"))...),
			up("an absolute path", http.StatusBadRequest, itsm.EINVALID, "file", file("/etc/cron.d/job.txt", []byte("x"))...),
			up("a hidden file", http.StatusBadRequest, itsm.EINVALID, "file", file(".htaccess.txt", []byte("x"))...),
			up("an encoded path", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.txt`, []byte("x"))...),
			up("a newline", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''evil%0A.png`, png)...),
			up("a NUL", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''evil%00.png`, png)...),
			up("an escape", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''%1B%5B31mred.png`, png)...),
			up("a right-to-left override", http.StatusBadRequest, itsm.EINVALID, "file", file("photo\u202egnp.exe.png", png)...),
			up("no file", http.StatusBadRequest, itsm.EINVALID, "file", part{name: "internal", data: []byte("false")}),
			up("two files", http.StatusBadRequest, itsm.EINVALID, "file", append(file("a.png", png), file("b.png", png)...)...),
			up("internal as yes", http.StatusBadRequest, itsm.EINVALID, "internal", append(file("a.png", png), part{name: "internal", data: []byte("yes")})...),
			{"no such change", changeUploadRequest(t, 999999, file("a.png", png)...), http.StatusNotFound, itsm.ENOTFOUND, ""},
			{"JSON", request{method: http.MethodPost, path: path, body: map[string]any{"file": "a.png"}}, http.StatusUnsupportedMediaType, codeUnsupportedMediaType, ""},
			{"multipart without a boundary", request{method: http.MethodPost, path: path, body: body, header: http.Header{"Content-Type": {"multipart/form-data"}}},
				http.StatusUnsupportedMediaType, codeUnsupportedMediaType, ""},
			{"a body over the limit, declared", request{method: http.MethodPost, path: path, body: make([]byte, DefaultMaxUpload+1), header: http.Header{"Content-Type": {ct}}},
				http.StatusRequestEntityTooLarge, itsm.ETOOLARGE, ""},
			{"a body over the limit, chunked", request{method: http.MethodPost, path: path, body: append(bytes.Repeat([]byte("preamble\r\n"), DefaultMaxUpload/10+1), body...),
				header: http.Header{"Content-Type": {ct}}, chunked: true}, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE, ""},
		}
		for _, u := range []*itsm.User{fx.CustomerUserA, fx.Agent} {
			for _, r := range bad {
				before := e.MustCount(t)
				d := e.MustDo(t, withToken(r.req, e.token(u))).MustError(t, r.status, r.code)
				if r.field != "" && d.Fields[r.field] == "" {
					t.Errorf("%s as %s: the error does not name %s: %+v", r.what, u.Name, r.field, d)
				}
				e.MustUnchanged(t, before)
			}
		}
		before := e.MustCount(t)
		e.MustDo(t, withToken(changeUploadRequest(t, c.ID, file("a.png", png)...), e.token(fx.Auditor))).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.MustUnchanged(t, before)
		if n := e.changeFileCount(t); n != 0 {
			t.Fatalf("refused uploads stored %d files", n)
		}
	})
}
