package store_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// mustDocument creates a document as the manager.
func mustDocument(tb testing.TB, db *store.DB, f *storetest.Fixture, title string, t itsm.DocumentType, au itsm.Audience) *itsm.Document {
	tb.Helper()
	d := &itsm.Document{Type: t, Title: title, Summary: "About " + title, Tags: []string{"Finance", "release"}, Audience: au}
	if err := db.CreateDocument(storetest.As(f.Manager), d); err != nil {
		tb.Fatalf("create document %s: %v", title, err)
	}
	return d
}

func mustUpload(tb testing.TB, db *store.DB, ctx context.Context, docID int64, name string, data []byte) *itsm.DocumentVersion {
	tb.Helper()
	v, err := db.AddDocumentVersion(ctx, docID, itsm.NewDocumentVersion{Filename: name, Data: bytes.NewReader(data), Note: "First issue"})
	if err != nil {
		tb.Fatalf("upload %s: %v", name, err)
	}
	return v
}

// storedCounts counts the rows an upload writes, to prove a refusal left
// nothing behind.
func storedCounts(tb testing.TB, db *store.DB) [3]int {
	tb.Helper()
	var c [3]int
	for i, table := range []string{"blobs", "blob_chunks", "document_versions"} {
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&c[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return c
}

func mustRead(tb testing.TB, db *store.DB, ctx context.Context, versionID int64) []byte {
	tb.Helper()
	_, rc, err := db.OpenDocumentVersion(ctx, versionID)
	if err != nil {
		tb.Fatalf("open version %d: %v", versionID, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatalf("read version %d: %v", versionID, err)
	}
	return data
}

func TestDocumentVisibility(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		other := &itsm.Organisation{Name: "Second Provider plc", Kind: itsm.OrgProvider}
		if err := db.CreateOrganisation(storetest.System(), other); err != nil {
			t.Fatal(err)
		}
		otherAgent := &itsm.User{OrgID: other.ID, Email: "agent@second.test", Name: "Sam Second", Role: itsm.RoleProviderAgent}
		if err := db.CreateUser(storetest.System(), otherAgent, storetest.Password); err != nil {
			t.Fatal(err)
		}
		mgr, custA, custB := storetest.As(f.Manager), storetest.As(f.CustomerUserA), storetest.As(f.CustomerUserB)
		prov, prov2 := storetest.As(f.ProviderAgent), storetest.As(otherAgent)

		// Subscriptions first, so the upload below notifies.
		for _, ctx := range []context.Context{custA, custB, prov2} {
			if err := db.Subscribe(ctx, itsm.DocReleaseNotes); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Subscribe(custA, itsm.DocReleaseNotes); err != nil {
			t.Fatalf("subscribing twice: %v", err)
		}
		if err := db.Subscribe(storetest.As(f.Auditor), itsm.DocReleaseNotes); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor subscribed: %v", err)
		}
		if subs, _ := db.Subscriptions(custA); len(subs) != 1 || subs[0] != itsm.DocReleaseNotes {
			t.Fatalf("subscriptions %v", subs)
		}

		forA := mustDocument(t, db, f, "Release 4.2 notes for Alpha", itsm.DocReleaseNotes,
			itsm.Audience{Visibility: itsm.VisibleNamed, CustomerIDs: []int64{f.CustomerA.ID}, Sharing: itsm.ShareNamed, ProviderIDs: []int64{f.Provider.ID}})
		forAll := mustDocument(t, db, f, "User guide", itsm.DocUserDocumentation, itsm.Audience{Visibility: itsm.VisibleAllCustomers})
		internal := mustDocument(t, db, f, "Continuity plan", itsm.DocContinuityPlan, itsm.Audience{Visibility: itsm.VisibleProgramme})
		if forA.Visibility != itsm.VisibleNamed || len(forA.CustomerIDs) != 1 || len(forA.ProviderIDs) != 1 {
			t.Fatalf("audience not kept: %+v", forA.Audience)
		}

		before := len(storetest.OutboxOf(db).Jobs())
		v := mustUpload(t, db, mgr, forA.ID, "release-4.2.md", []byte("# Release 4.2\n\nThe purchase-to-pay reconciliation report now balances.\n"))
		jobs := storetest.OutboxOf(db).Jobs()[before:]
		if len(jobs) != 1 {
			t.Fatalf("%d e-mails for the release notes, want 1 (Alpha's subscriber only): %+v", len(jobs), jobs)
		}
		if m := jobs[0].(itsm.EmailJob); len(m.To) != 1 || m.To[0] != f.CustomerUserA.Email || !strings.Contains(m.Text, "Release 4.2 notes for Alpha") {
			t.Fatalf("e-mail %+v", m)
		}

		// Lists, search and reads by ID, for each caller.
		type want struct {
			name  string
			ctx   context.Context
			sees  []int64
			hides []int64
		}
		for _, w := range []want{
			{"manager", mgr, []int64{forA.ID, forAll.ID, internal.ID}, nil},
			{"auditor", storetest.As(f.Auditor), []int64{forA.ID, forAll.ID, internal.ID}, nil},
			{"customer A", custA, []int64{forA.ID, forAll.ID}, []int64{internal.ID}},
			{"customer B", custB, []int64{forAll.ID}, []int64{forA.ID, internal.ID}},
			{"named provider", prov, []int64{forA.ID}, []int64{forAll.ID, internal.ID}},
			{"other provider", prov2, nil, []int64{forA.ID, forAll.ID, internal.ID}},
		} {
			docs, total, err := db.FindDocuments(w.ctx, itsm.DocumentFilter{})
			if err != nil || total != len(w.sees) || len(docs) != len(w.sees) {
				t.Errorf("%s lists %d documents (total %d), want %d: %v", w.name, len(docs), total, len(w.sees), err)
			}
			for _, id := range w.sees {
				if _, err := db.FindDocumentByID(w.ctx, id); err != nil {
					t.Errorf("%s cannot open document %d: %v", w.name, id, err)
				}
			}
			for _, id := range w.hides {
				if _, err := db.FindDocumentByID(w.ctx, id); itsm.ErrorCode(err) != itsm.ENOTFOUND {
					t.Errorf("%s opened hidden document %d: %v", w.name, id, err)
				}
			}
			hits, err := db.SearchContent(w.ctx, "reconciliation", 10)
			if err != nil {
				t.Fatal(err)
			}
			sees := len(hits) == 1 && hits[0].ID == forA.ID
			if sees != (w.name != "customer B" && w.name != "other provider") {
				t.Errorf("%s searching for the release notes' text got %+v", w.name, hits)
			}
			if q := "reconciliation"; true {
				docs, _, _ := db.FindDocuments(w.ctx, itsm.DocumentFilter{Query: &q})
				if (len(docs) == 1) != sees {
					t.Errorf("%s filtering by text got %d documents", w.name, len(docs))
				}
			}
		}
		// The file itself: 404 to those who may not read the document.
		if got := mustRead(t, db, custA, v.ID); !bytes.HasPrefix(got, []byte("# Release 4.2")) {
			t.Fatalf("customer A read %q", got)
		}
		for _, ctx := range []context.Context{custB, prov2} {
			if _, _, err := db.OpenDocumentVersion(ctx, v.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("hidden file opened: %v", err)
			}
		}
		// Customers do not learn whom else a document names.
		got, _ := db.FindDocumentByID(custA, forA.ID)
		if len(got.CustomerIDs) != 0 || len(got.ProviderIDs) != 0 {
			t.Fatalf("customer sees the audience's names: %+v", got.Audience)
		}
		// Tags and type filters.
		tag, typ := "finance", itsm.DocUserDocumentation
		if docs, _, _ := db.FindDocuments(custB, itsm.DocumentFilter{Tag: &tag, Type: &typ}); len(docs) != 1 || docs[0].ID != forAll.ID {
			t.Fatalf("filter by tag and type: %+v", docs)
		}
		if tags, _ := db.DocumentTags(custB); strings.Join(tags, ",") != "finance,release" {
			t.Fatalf("tags %v", tags)
		}
		// Widening the audience to all customers lets B in; the version
		// check refuses a stale edit.
		all := itsm.Audience{Visibility: itsm.VisibleAllCustomers}
		if _, err := db.UpdateDocument(storetest.As(f.Agent), forA.ID, itsm.DocumentUpdate{Audience: &all, Version: forA.Version}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale update: %v", err)
		}
		cur, _ := db.FindDocumentByID(mgr, forA.ID)
		if _, err := db.UpdateDocument(custA, forA.ID, itsm.DocumentUpdate{Audience: &all, Version: cur.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer changed a document: %v", err)
		}
		if _, err := db.UpdateDocument(storetest.As(f.Auditor), forA.ID, itsm.DocumentUpdate{Audience: &all, Version: cur.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor changed a document: %v", err)
		}
		if _, err := db.UpdateDocument(storetest.As(f.Agent), forA.ID, itsm.DocumentUpdate{Audience: &all, Version: cur.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindDocumentByID(custB, forA.ID); err != nil {
			t.Fatalf("B after widening: %v", err)
		}
		bad := itsm.Audience{Visibility: itsm.VisibleNamed, CustomerIDs: []int64{f.Provider.ID}}
		cur, _ = db.FindDocumentByID(mgr, forA.ID)
		if _, err := db.UpdateDocument(mgr, forA.ID, itsm.DocumentUpdate{Audience: &bad, Version: cur.Version}); itsm.ErrorFields(err)["customer_ids"] == "" {
			t.Fatalf("a provider named as a customer: %v", err)
		}
	})
}

func TestDocumentUploadsRefused(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mgr := storetest.As(f.Manager)
		d := mustDocument(t, db, f, "Interface specification", itsm.DocUserDocumentation, itsm.Audience{Visibility: itsm.VisibleAllCustomers})
		db.MaxDocumentSize = 3 << 20
		base := storedCounts(t, db)
		for _, c := range []struct {
			name, file string
			data       []byte
			code, want string
		}{
			{"oversize", "big.txt", bytes.Repeat([]byte("a"), 3<<20+1), itsm.ETOOLARGE, "3 MB or smaller"},
			{"empty", "empty.txt", nil, itsm.EINVALID, "empty"},
			{"HTML", "page.html", []byte("<html><script>alert(1)</script></html>"), itsm.EINVALID, "must be a PDF"},
			{"SVG", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), itsm.EINVALID, "must be a PDF"},
			{"executable", "setup.exe", []byte("MZ\x90\x00"), itsm.EINVALID, "must be a PDF"},
			{"text posing as PDF", "notes.pdf", []byte("not a pdf at all"), itsm.EINVALID, "not really a PDF"},
			{"HTML posing as Markdown", "readme.md", []byte("<!DOCTYPE html><html><body>hi</body></html>"), itsm.EINVALID, "not really a Markdown"},
			{"binary posing as text", "data.txt", []byte("abc\x00def"), itsm.EINVALID, "not really a text"},
			{"text posing as PNG", "chart.png", []byte("this is text"), itsm.EINVALID, "not really a PNG"},
			{"PNG posing as JPEG", "chart.jpg", pngImage(t), itsm.EINVALID, "not really a JPEG"},
			{"zip posing as Word", "spec.docx", mustZip(t, [][2]string{{"a.txt", "hello"}}), itsm.EINVALID, "not really a Word"},
			{"PDF posing as Word", "spec.docx", pdfWithText("x"), itsm.EINVALID, "not really a Word"},
			{"Word posing as OpenDocument", "spec.odt", docx(t, 0), itsm.EINVALID, "not really a OpenDocument"},
			{"wrong OpenDocument type", "sheet.ods", odt(t, "application/vnd.oasis.opendocument.text"), itsm.EINVALID, "not really a OpenDocument"},
			{"text posing as legacy Word", "old.doc", []byte("plain"), itsm.EINVALID, "not really a Word"},
			{"zip bomb", "bomb.docx", zipBomb(t), itsm.EINVALID, "zip bomb"},
			{"path traversal", "../../etc/passwd.txt", []byte("x"), itsm.EINVALID, "folder path"},
			{"folder", "docs/guide.pdf", pdfWithText("x"), itsm.EINVALID, "folder path"},
			{"Windows folder", `C:\guide.pdf`, pdfWithText("x"), itsm.EINVALID, "folder path"},
			{"control character", "guide\x07.pdf", pdfWithText("x"), itsm.EINVALID, "characters that are not allowed"},
			{"newline", "guide\n.pdf", pdfWithText("x"), itsm.EINVALID, "characters that are not allowed"},
			{"bidirectional override", "guide\u202Efdp.exe", []byte("x"), itsm.EINVALID, "characters that are not allowed"},
			{"hidden file", ".htaccess", []byte("x"), itsm.EINVALID, "folder path"},
		} {
			_, err := db.AddDocumentVersion(mgr, d.ID, itsm.NewDocumentVersion{Filename: c.file, Data: bytes.NewReader(c.data)})
			if itsm.ErrorCode(err) != c.code || !strings.Contains(itsm.ErrorMessage(err), c.want) || itsm.ErrorFields(err)["file"] == "" {
				t.Errorf("%s: got %v, want %s mentioning %q", c.name, err, c.code, c.want)
			}
			if got := storedCounts(t, db); got != base {
				t.Errorf("%s: stored %v, want %v (nothing)", c.name, got, base)
			}
		}
		if cur, _ := db.FindDocumentByID(mgr, d.ID); cur.Versions != 0 || cur.Current != nil {
			t.Fatalf("refused uploads made versions: %+v", cur)
		}
		// Customers and auditors cannot upload; a hidden document is 404.
		hidden := mustDocument(t, db, f, "Internal", itsm.DocOther, itsm.Audience{})
		for ctx, code := range map[context.Context]string{storetest.As(f.CustomerUserA): itsm.EFORBIDDEN, storetest.As(f.Auditor): itsm.EFORBIDDEN} {
			if _, err := db.AddDocumentVersion(ctx, d.ID, itsm.NewDocumentVersion{Filename: "a.txt", Data: strings.NewReader("x")}); itsm.ErrorCode(err) != code {
				t.Errorf("upload refused with %v, want %s", err, code)
			}
		}
		if _, err := db.AddDocumentVersion(storetest.As(f.CustomerUserA), hidden.ID, itsm.NewDocumentVersion{Filename: "a.txt", Data: strings.NewReader("x")}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("upload to a hidden document: %v", err)
		}
		if got := storedCounts(t, db); got != base {
			t.Fatalf("refused uploads stored %v, want %v", got, base)
		}
	})
}

func TestDocumentVersionsRoundTrip(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mgr := storetest.As(f.Manager)
		d := mustDocument(t, db, f, "Finance interface guide", itsm.DocUserDocumentation, itsm.Audience{Visibility: itsm.VisibleAllCustomers})
		// A Word document of 2.5 chunks: its central directory is read
		// back across chunk boundaries, and it streams back byte for byte.
		big := docx(t, 5<<19)
		v1 := mustUpload(t, db, mgr, d.ID, "guide.docx", big)
		if got := mustRead(t, db, storetest.As(f.CustomerUserB), v1.ID); !bytes.Equal(got, big) {
			t.Fatalf("read back %d bytes, want %d identical", len(got), len(big))
		}
		var chunks int
		_ = db.SQL().QueryRow("SELECT COUNT(*) FROM blob_chunks").Scan(&chunks)
		if chunks != 3 {
			t.Fatalf("%d chunks for %d bytes, want 3", chunks, len(big))
		}
		// Every accepted type.
		for name, data := range map[string][]byte{
			"guide.pdf": pdfWithText("Supplier onboarding checklist"), "sheet.ods": odt(t, "application/vnd.oasis.opendocument.spreadsheet"),
			"diagram.png": pngImage(t), "old.xls": append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...),
		} {
			mustUpload(t, db, mgr, d.ID, name, data)
		}
		mustUpload(t, db, mgr, d.ID, "notes.txt", []byte("Plain notes: café £10"))
		vs, err := db.DocumentVersions(mgr, d.ID)
		if err != nil || len(vs) != 6 || vs[0].Number != 6 || vs[5].Number != 1 {
			t.Fatalf("versions %v %+v", err, vs)
		}
		cur, _ := db.FindDocumentByID(mgr, d.ID)
		if cur.Current == nil || cur.Current.ID != vs[0].ID || cur.Versions != 6 {
			t.Fatalf("current version %+v", cur.Current)
		}
		// The PDF's text was extracted while it was current; the plain
		// text replaced it.
		q := "onboarding"
		if docs, _, _ := db.FindDocuments(mgr, itsm.DocumentFilter{Query: &q}); len(docs) != 0 {
			t.Fatalf("search found the superseded version's text")
		}
		pdfDoc := mustDocument(t, db, f, "Checklist", itsm.DocFormTemplate, itsm.Audience{Visibility: itsm.VisibleAllCustomers})
		mustUpload(t, db, mgr, pdfDoc.ID, "checklist.pdf", pdfWithText("Supplier onboarding checklist"))
		if hits, _ := db.SearchContent(storetest.As(f.CustomerUserA), "onboarding", 5); len(hits) != 1 || hits[0].ID != pdfDoc.ID || hits[0].Kind != "document" {
			t.Fatalf("search of the PDF's text: %+v", hits)
		}
		// A PDF whose text cannot be extracted is still accepted.
		mustUpload(t, db, mgr, pdfDoc.ID, "broken.pdf", []byte("%PDF-1.4\nthis is not really a PDF body"))
		// A corrupted chunk is detected when the file is read.
		tamper := `UPDATE blob_chunks SET data = ? WHERE blob_id = (SELECT blob_id FROM document_versions WHERE id = ?)`
		if db.Engine() == store.Postgres {
			tamper = strings.Replace(strings.Replace(tamper, "?", "$1", 1), "?", "$2", 1)
		}
		if _, err := db.SQL().Exec(tamper, bytes.Repeat([]byte("x"), int(vs[1].Size)), vs[1].ID); err != nil {
			t.Fatal(err)
		}
		_, rc, err := db.OpenDocumentVersion(mgr, vs[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(rc); err == nil || !strings.Contains(err.Error(), "SHA-256") {
			t.Fatalf("tampered file read without error: %v", err)
		}
		if _, _, err := db.OpenDocumentVersion(mgr, 999999); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("missing version: %v", err)
		}
	})
}
