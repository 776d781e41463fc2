package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestAttachments: a file goes up as multipart/form-data, past the 1 MiB
// limit of JSON bodies, and comes down only as a download, byte for byte,
// under its exact name.
func TestAttachments(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		tk := e.MustNewTicket(t, fx.CustomerUserA, "Error on the invoice page")
		for _, c := range []struct {
			name, contentType string
			data              []byte
			fallback          string
		}{
			{"screenshot.png", "image/png", png, "screenshot.png"},
			{"Résumé – März 2026.pdf", "application/pdf", []byte("%PDF-1.7\n% a document\n"), "R_sum_ _ M_rz 2026.pdf"},
			{`it's "final"; 100% done.txt`, "text/plain; charset=utf-8", []byte("plain words\n"), `it's _final_; 100_ done.txt`},
			{"largest.png", "image/png", append(bytes.Clone(png), make([]byte, itsm.MaxAttachmentSize-len(png))...), "largest.png"},
		} {
			rep := e.MustDo(t, withToken(uploadRequest(t, tk.ID, fileParts(c.name, c.data, false)...), e.token(fx.CustomerUserA))).MustStatus(t, http.StatusCreated)
			var att itsm.Attachment
			rep.MustDecode(t, &att)
			sum := sha256.Sum256(c.data)
			if att.Filename != c.name || att.ContentType != c.contentType || att.Size != int64(len(c.data)) || att.SHA256 != hex.EncodeToString(sum[:]) ||
				!att.Public || att.UploaderID == nil || *att.UploaderID != fx.CustomerUserA.ID || rep.header.Get("Location") != idPath("/api/v1/attachments", att.ID) {
				t.Fatalf("%s: uploaded %+v at %s", c.name, att, rep.header.Get("Location"))
			}
			down := e.get(t, fx.Agent, rep.header.Get("Location")).MustStatus(t, http.StatusOK)
			h := down.header
			disposition, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
			if err != nil || disposition != "attachment" || params["filename"] != c.name {
				t.Errorf("%s: Content-Disposition %q reads as %s %q (%v)", c.name, h.Get("Content-Disposition"), disposition, params, err)
			}
			if !strings.Contains(h.Get("Content-Disposition"), `; filename="`+c.fallback+`"; filename*=UTF-8''`) {
				t.Errorf("%s: Content-Disposition %q has no fallback %q", c.name, h.Get("Content-Disposition"), c.fallback)
			}
			if h.Get("Content-Type") != c.contentType || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("ETag") != `"`+att.SHA256+`"` ||
				!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Cache-Control") != "no-store" || !bytes.Equal(down.body, c.data) {
				t.Errorf("%s: downloaded %d bytes with %v", c.name, len(down.body), h)
			}
		}
		// HEAD answers with the headers alone.
		e.MustDo(t, request{method: http.MethodHead, path: "/api/v1/attachments/1", token: e.token(fx.Agent)}).MustStatus(t, http.StatusOK)

		// Internal files are for the service desk and the provider.
		rep := e.MustDo(t, withToken(uploadRequest(t, tk.ID, fileParts("diagnosis.txt", []byte("internal notes"), true)...), e.token(fx.Agent))).MustStatus(t, http.StatusCreated)
		var internal itsm.Attachment
		rep.MustDecode(t, &internal)
		var staff, customer page[itsm.Attachment]
		e.get(t, fx.Agent, idPath("/api/v1/tickets", tk.ID, "/attachments")).MustStatus(t, http.StatusOK).MustDecode(t, &staff)
		e.get(t, fx.CustomerUserA, idPath("/api/v1/tickets", tk.ID, "/attachments?limit=2")).MustStatus(t, http.StatusOK).MustDecode(t, &customer)
		if internal.Public || staff.Total != 5 || customer.Total != 4 || len(customer.Items) != 2 {
			t.Fatalf("staff see %d files, the customer %d", staff.Total, customer.Total)
		}
		e.get(t, fx.CustomerUserA, idPath("/api/v1/attachments", internal.ID)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, fx.Agent, "/api/v1/attachments/999999").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
	})
}

func withToken(r request, token string) request { r.token = token; return r }

// TestAttachmentRefusals: every kind of bad upload is refused with a clear
// answer, and nothing is stored.
func TestAttachmentRefusals(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		tk := e.MustNewTicket(t, fx.CustomerUserA, "Error on the invoice page")
		closed := e.MustClose(t, e.MustNewTicket(t, fx.CustomerUserA, "Solved"))
		file := func(name string, data []byte) []part { return []part{{name: "file", filename: name, data: data}} }
		named := func(disposition string, data []byte) []part { return []part{{disposition: disposition, data: data}} }
		tooBig := bytes.Repeat([]byte("a"), itsm.MaxAttachmentSize+1)
		type refusal struct {
			what   string
			req    request
			status int
			code   string
			field  string
		}
		up := func(what string, status int, code, field string, parts ...part) refusal {
			return refusal{what, uploadRequest(t, tk.ID, parts...), status, code, field}
		}
		bad := []refusal{
			up("a file over 10 MiB", http.StatusRequestEntityTooLarge, itsm.ETOOLARGE, "file", file("huge.txt", tooBig)...),
			up("an executable", http.StatusBadRequest, itsm.EINVALID, "file", file("tool.exe", []byte("MZ\x90\x00"))...),
			up("no extension", http.StatusBadRequest, itsm.EINVALID, "file", file("README", []byte("words"))...),
			up("a .png that is not a PNG", http.StatusBadRequest, itsm.EINVALID, "file", file("screenshot.png", []byte("MZ\x90\x00 this is an executable"))...),
			up("a .pdf that is a PNG", http.StatusBadRequest, itsm.EINVALID, "file", file("report.pdf", png)...),
			up("HTML as text", http.StatusBadRequest, itsm.EINVALID, "file", file("page.txt", []byte("<html><script>alert(1)</script></html>"))...),
			up("an empty file", http.StatusBadRequest, itsm.EINVALID, "file", file("empty.txt", nil)...),
			up("no name", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"`, png)...),
			up("a relative path", http.StatusBadRequest, itsm.EINVALID, "file", file("../../etc/passwd.txt", []byte("root"))...),
			up("a Windows path", http.StatusBadRequest, itsm.EINVALID, "file", file(`..\..\boot.ini.txt`, []byte("x"))...),
			up("an absolute path", http.StatusBadRequest, itsm.EINVALID, "file", file("/etc/cron.d/job.txt", []byte("x"))...),
			up("a hidden file", http.StatusBadRequest, itsm.EINVALID, "file", file(".htaccess.txt", []byte("x"))...),
			up("an encoded path", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.txt`, []byte("x"))...),
			up("a newline", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''evil%0A.png`, png)...),
			up("a NUL", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''evil%00.png`, png)...),
			up("an escape", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''%1B%5B31mred.png`, png)...),
			up("a tab", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''a%09b.png`, png)...),
			up("a right-to-left override", http.StatusBadRequest, itsm.EINVALID, "file", file("photo\u202egnp.exe.png", png)...),
			up("a line separator", http.StatusBadRequest, itsm.EINVALID, "file", file("a\u2028b.png", png)...),
			up("invalid UTF-8", http.StatusBadRequest, itsm.EINVALID, "file", named(`form-data; name="file"; filename*=UTF-8''%FF%FE.png`, png)...),
			up("a long name", http.StatusBadRequest, itsm.EINVALID, "file", file(strings.Repeat("n", 200)+".png", png)...),
			up("no file", http.StatusBadRequest, itsm.EINVALID, "file", part{name: "internal", data: []byte("false")}),
			up("nothing at all", http.StatusBadRequest, itsm.EINVALID, "file"),
			up("two files", http.StatusBadRequest, itsm.EINVALID, "file", append(file("a.png", png), file("b.png", png)...)...),
			up("an unknown part", http.StatusBadRequest, itsm.EINVALID, "comment", append(file("a.png", png), part{name: "comment", data: []byte("hi")})...),
			up("internal as yes", http.StatusBadRequest, itsm.EINVALID, "internal", append(file("a.png", png), part{name: "internal", data: []byte("yes")})...),
			up("internal twice", http.StatusBadRequest, itsm.EINVALID, "internal", append(fileParts("a.png", png, false), part{name: "internal", data: []byte("true")})...),
			up("a part without a name", http.StatusBadRequest, itsm.EINVALID, "", named(`form-data; filename="a.png"`, png)...),
			up("a part that is not form data", http.StatusBadRequest, itsm.EINVALID, "", named(`attachment; name="file"; filename="a.png"`, png)...),
			{"a closed ticket", uploadRequest(t, closed.ID, file("a.png", png)...), http.StatusConflict, itsm.ECONFLICT, ""},
			{"no such ticket", uploadRequest(t, 999999, file("a.png", png)...), http.StatusNotFound, itsm.ENOTFOUND, ""},
		}
		body, ct := multipartBody(t, file("a.png", png)...)
		for _, c := range []struct{ what, contentType string }{
			{"JSON", "application/json"}, {"no Content-Type", ""}, {"a form", "application/x-www-form-urlencoded"},
			{"multipart without a boundary", "multipart/form-data"}, {"mixed multipart", strings.Replace(ct, "form-data", "mixed", 1)},
		} {
			bad = append(bad, refusal{c.what, request{method: http.MethodPost, path: idPath("/api/v1/tickets", tk.ID, "/attachments"), body: body,
				header: http.Header{"Content-Type": {c.contentType}}}, http.StatusUnsupportedMediaType, codeUnsupportedMediaType, ""})
		}
		bad = append(bad,
			refusal{"a malformed body", request{method: http.MethodPost, path: idPath("/api/v1/tickets", tk.ID, "/attachments"), body: "not multipart at all",
				header: http.Header{"Content-Type": {ct}}}, http.StatusBadRequest, itsm.EINVALID, ""},
			refusal{"a body over the limit, declared", request{method: http.MethodPost, path: idPath("/api/v1/tickets", tk.ID, "/attachments"),
				body: make([]byte, DefaultMaxUpload+1), header: http.Header{"Content-Type": {ct}}}, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE, ""},
			refusal{"a body over the limit, chunked", request{method: http.MethodPost, path: idPath("/api/v1/tickets", tk.ID, "/attachments"),
				body: append(bytes.Repeat([]byte("preamble\r\n"), DefaultMaxUpload/10+1), body...), header: http.Header{"Content-Type": {ct}}, chunked: true},
				http.StatusRequestEntityTooLarge, itsm.ETOOLARGE, ""},
		)
		for _, c := range bad {
			before := e.MustCount(t)
			d := e.MustDo(t, withToken(c.req, e.token(fx.CustomerUserA))).MustError(t, c.status, c.code)
			if c.field != "" && d.Fields[c.field] == "" {
				t.Errorf("%s: the error does not name %s: %+v", c.what, c.field, d)
			}
			e.MustUnchanged(t, before)
		}
		var files page[itsm.Attachment]
		e.get(t, fx.Agent, idPath("/api/v1/tickets", tk.ID, "/attachments")).MustStatus(t, http.StatusOK).MustDecode(t, &files)
		if files.Total != 0 {
			t.Fatalf("refused uploads stored %d files", files.Total)
		}
	})
}

// TestMaxUploadWithoutOuterLimit shows the API caps uploads itself, at
// its own limit rather than the JSON one, when mounted without an outer
// limit.
func TestMaxUploadWithoutOuterLimit(t *testing.T) {
	a, err := New(Config{Services: stubServices(), MaxBody: 64, MaxUpload: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if a.BodyLimit() != 1000 {
		t.Fatalf("body limit %d", a.BodyLimit())
	}
	if d, _ := New(Config{Services: stubServices()}); d.BodyLimit() != DefaultMaxUpload || DefaultMaxUpload <= itsm.MaxAttachmentSize {
		t.Fatalf("default body limit %d", d.BodyLimit())
	}
	for _, c := range []struct {
		size    int
		chunked bool
	}{{1001, false}, {5000, true}} {
		body, ct := multipartBody(t, part{name: "file", filename: "a.txt", data: bytes.Repeat([]byte("a"), c.size)})
		r := httptest.NewRequest(http.MethodPost, "/api/v1/tickets/1/attachments", bytes.NewReader(body))
		if c.chunked {
			r.ContentLength = -1
		}
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Authorization", "Bearer stw_good")
		w := httptest.NewRecorder()
		a.Handler().ServeHTTP(w, r)
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), fmt.Sprintf(`"code":"too_large","message":"The request body is too large: the limit is %d bytes."`, 1000)) {
			t.Fatalf("%d bytes: %d %s", c.size, w.Code, w.Body)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"a.png":        `attachment; filename="a.png"; filename*=UTF-8''a.png`,
		"é 1.pdf":      `attachment; filename="_ 1.pdf"; filename*=UTF-8''%C3%A9%201.pdf`,
		`a"b\c%d.txt`:  `attachment; filename="a_b_c_d.txt"; filename*=UTF-8''a%22b%5Cc%25d.txt`,
		"a;b,c(d).txt": `attachment; filename="a;b,c(d).txt"; filename*=UTF-8''a%3Bb%2Cc%28d%29.txt`,
	} {
		if got := httpx.ContentDisposition(name); got != want {
			t.Errorf("ContentDisposition(%q) = %s, want %s", name, got, want)
		}
	}
}
