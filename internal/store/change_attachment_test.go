package store_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestChangeAttachments: files on change requests are checked as ticket
// files are (nothing stored on refusal), audited and recorded in the
// history, and follow the change's tenancy: its customer organisation,
// the programme team and the assigned provider add and read them,
// customers do not see internal ones, anyone else gets 404, auditors
// read but add nothing, and a closed change takes no more.
func TestChangeAttachments(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		cust, agent, prov := storetest.As(f.CustomerUserA), storetest.As(f.Agent), storetest.As(f.ProviderAgent)
		c := mustChange(t, db, f, "Basket export")
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
		bad := []struct {
			name string
			data []byte
			code string
		}{
			{"../../etc/passwd.txt", []byte("x"), itsm.EINVALID},
			{`..\boot.ini.txt`, []byte("x"), itsm.EINVALID},
			{"specs/mock-up.png", png, itsm.EINVALID},
			{".hidden.txt", []byte("x"), itsm.EINVALID},
			{"evil\x00.png", png, itsm.EINVALID},
			{"line\nbreak.png", png, itsm.EINVALID},
			{"bell\a.txt", []byte("x"), itsm.EINVALID},
			{"", png, itsm.EINVALID},
			{"tool.exe", []byte("MZ"), itsm.EINVALID},
			{"mock-up.png", []byte("MZ\x90\x00 this is an executable"), itsm.EINVALID},
			{"page.txt", []byte("<html><script>alert(1)</script></html>"), itsm.EINVALID},
			{"empty.txt", nil, itsm.EINVALID},
			{"huge.txt", bytes.Repeat([]byte("a"), itsm.MaxAttachmentSize+1), itsm.ETOOLARGE},
		}
		for _, b := range bad {
			if _, err := db.AddChangeAttachment(cust, c.ID, itsm.NewAttachment{Filename: b.name, Data: bytes.NewReader(b.data)}); itsm.ErrorCode(err) != b.code {
				t.Errorf("%q: got %v, want %s", b.name, err, b.code)
			}
		}
		if as, err := db.ChangeAttachments(agent, c.ID); err != nil || len(as) != 0 {
			t.Fatalf("refused uploads stored %d files: %v", len(as), err)
		}
		objType := "change_attachment"
		if es, _, _ := db.FindAuditEntries(storetest.As(f.Auditor), itsm.AuditFilter{ObjectType: &objType}); len(es) != 0 {
			t.Fatalf("refused uploads audited as created: %d", len(es))
		}

		// Not visible: 404 for customer B (and for the provider until the
		// change is assigned to it); the auditor reads but adds nothing.
		for _, u := range []*itsm.User{f.CustomerUserB, f.CustomerAdminB, f.ProviderAgent} {
			if _, err := db.AddChangeAttachment(storetest.As(u), c.ID, itsm.NewAttachment{Filename: "x.txt", Data: strings.NewReader("x")}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Errorf("%s added a file to a change it cannot see: %v", u.Name, err)
			}
		}
		if _, err := db.AddChangeAttachment(storetest.As(f.Auditor), c.ID, itsm.NewAttachment{Filename: "x.txt", Data: strings.NewReader("x")}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Errorf("auditor added a file: %v", err)
		}
		if _, err := db.AddChangeAttachment(cust, c.ID, itsm.NewAttachment{Filename: "x.txt", Data: strings.NewReader("x"), Internal: true}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Errorf("customer added an internal file: %v", err)
		}

		at, err := db.AddChangeAttachment(cust, c.ID, itsm.NewAttachment{Filename: "mock-up.png", Data: bytes.NewReader(png)})
		if err != nil || at.SHA256 == "" || at.ContentType != "image/png" || at.Size != int64(len(png)) || !at.Public ||
			at.UploaderID == nil || *at.UploaderID != f.CustomerUserA.ID || at.Uploader != f.CustomerUserA.Name {
			t.Fatalf("upload: %v %+v", err, at)
		}
		if _, err := db.AddChangeAttachment(storetest.As(f.CustomerAdminA), c.ID, itsm.NewAttachment{Filename: "Budget 2027 – draft.xlsx", Data: bytes.NewReader(append([]byte("PK\x03\x04"), make([]byte, 40)...))}); err != nil {
			t.Fatalf("customer admin's spreadsheet: %v", err)
		}
		internal, err := db.AddChangeAttachment(agent, c.ID, itsm.NewAttachment{Filename: "assessment.txt", Data: strings.NewReader("Internal assessment"), Internal: true})
		if err != nil || internal.Public {
			t.Fatalf("internal upload: %v %+v", err, internal)
		}
		if es, _, _ := db.FindAuditEntries(storetest.As(f.Auditor), itsm.AuditFilter{ObjectType: &objType}); len(es) != 3 {
			t.Fatalf("%d uploads audited, want 3", len(es))
		}
		events, err := db.ChangeEvents(cust, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		for _, e := range events {
			if e.Type == "attachment" {
				files = append(files, e.Note)
			}
		}
		if strings.Join(files, ",") != "mock-up.png,Budget 2027 – draft.xlsx" {
			t.Fatalf("history lists files %q (internal ones must not appear)", files)
		}

		// Assigned to the provider, it sees and adds them, internal too.
		if _, err := db.UpdateChange(agent, c.ID, itsm.ChangeUpdate{ProviderID: &f.Provider.ID, Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddChangeAttachment(prov, c.ID, itsm.NewAttachment{Filename: "approach.pdf", Data: strings.NewReader("%PDF-1.4 the approach"), Internal: true}); err != nil {
			t.Fatalf("provider upload: %v", err)
		}
		for _, tc := range []struct {
			who  *itsm.User
			want int
		}{{f.CustomerUserA, 2}, {f.CustomerAdminA, 2}, {f.Agent, 4}, {f.Auditor, 4}, {f.ProviderAgent, 4}, {f.CustomerUserB, -1}} {
			as, err := db.ChangeAttachments(storetest.As(tc.who), c.ID)
			switch {
			case tc.want < 0 && itsm.ErrorCode(err) != itsm.ENOTFOUND:
				t.Errorf("%s lists the files of a change it cannot see: %v", tc.who.Name, err)
			case tc.want >= 0 && (err != nil || len(as) != tc.want):
				t.Errorf("%s sees %d files, want %d: %v", tc.who.Name, len(as), tc.want, err)
			}
		}
		for _, u := range []*itsm.User{f.CustomerUserB, f.CustomerAdminB} {
			if _, _, err := db.OpenChangeAttachment(storetest.As(u), at.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Errorf("%s opened A's file: %v", u.Name, err)
			}
		}
		if _, _, err := db.OpenChangeAttachment(cust, internal.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("customer opened an internal file: %v", err)
		}
		if _, _, err := db.OpenChangeAttachment(cust, 999999); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("unknown file: %v", err)
		}
		for _, u := range []*itsm.User{f.CustomerUserA, f.ProviderAgent, f.Auditor} {
			got, data, err := db.OpenChangeAttachment(storetest.As(u), at.ID)
			if err != nil || !bytes.Equal(data, png) || got.Filename != "mock-up.png" || got.SHA256 != at.SHA256 {
				t.Errorf("%s opens the file: %v", u.Name, err)
			}
		}
		if _, _, err := db.OpenChangeAttachment(prov, internal.ID); err != nil {
			t.Errorf("provider opens an internal file: %v", err)
		}

		// Withdrawn, the change takes no more files.
		now, _ := db.FindChangeByID(agent, c.ID)
		step(t, db, cust, now, itsm.ChangeTransition{Action: itsm.ActWithdraw, Note: "No longer needed."})
		if _, err := db.AddChangeAttachment(agent, c.ID, itsm.NewAttachment{Filename: "late.txt", Data: strings.NewReader("late")}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Errorf("file on a withdrawn change: %v", err)
		}
		if as, _ := db.ChangeAttachments(agent, c.ID); len(as) != 4 {
			t.Errorf("%d files after the refusal, want 4", len(as))
		}
	})
}
