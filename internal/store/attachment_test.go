package store_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func TestAttachments(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		cust := storetest.As(f.CustomerUserA)
		tk, err := db.CreateTicket(cust, itsm.NewTicket{Title: "Error on invoice page", Description: "See screenshot"})
		if err != nil {
			t.Fatal(err)
		}
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
		bad := []struct {
			name string
			data []byte
			code string
		}{
			{"../../etc/passwd.txt", []byte("x"), itsm.EINVALID},
			{`..\boot.ini.txt`, []byte("x"), itsm.EINVALID},
			{"evil\x00.png", png, itsm.EINVALID},
			{"line\nbreak.png", png, itsm.EINVALID},
			{"tool.exe", []byte("MZ"), itsm.EINVALID},
			{"screenshot.png", []byte("MZ\x90\x00 this is an executable"), itsm.EINVALID},
			{"page.txt", []byte("<html><script>alert(1)</script></html>"), itsm.EINVALID},
			{"empty.txt", nil, itsm.EINVALID},
			{"huge.txt", bytes.Repeat([]byte("a"), itsm.MaxAttachmentSize+1), itsm.ETOOLARGE},
		}
		for _, b := range bad {
			if _, err := db.AddAttachment(cust, tk.ID, itsm.NewAttachment{Filename: b.name, Data: bytes.NewReader(b.data)}); itsm.ErrorCode(err) != b.code {
				t.Errorf("%q: got %v, want %s", b.name, err, b.code)
			}
		}
		if as, _ := db.FindAttachments(cust, tk.ID); len(as) != 0 {
			t.Fatalf("refused uploads stored %d files", len(as))
		}
		at, err := db.AddAttachment(cust, tk.ID, itsm.NewAttachment{Filename: "screenshot.png", Data: bytes.NewReader(png)})
		if err != nil || at.SHA256 == "" || at.ContentType != "image/png" {
			t.Fatalf("upload: %v %+v", err, at)
		}
		if _, err := db.AddAttachment(storetest.As(f.Agent), tk.ID, itsm.NewAttachment{Filename: "notes.txt", Data: strings.NewReader("internal notes"), Internal: true}); err != nil {
			t.Fatal(err)
		}
		if as, _ := db.FindAttachments(cust, tk.ID); len(as) != 1 {
			t.Fatalf("customer sees %d files, want 1 (internal hidden)", len(as))
		}
		if _, _, err := db.OpenAttachment(storetest.As(f.CustomerUserB), at.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("customer B opened A's file: %v", err)
		}
		_, data, err := db.OpenAttachment(cust, at.ID)
		if err != nil || !bytes.Equal(data, png) {
			t.Fatalf("open: %v", err)
		}
		// Watchers and links.
		if err := db.Watch(cust, tk.ID, f.CustomerAdminA.ID); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer added another watcher: %v", err)
		}
		if err := db.Watch(storetest.As(f.Agent), tk.ID, f.CustomerUserB.ID); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("watcher from another org: %v", err)
		}
		if err := db.Watch(storetest.As(f.CustomerAdminA), tk.ID, f.CustomerAdminA.ID); err != nil {
			t.Fatal(err)
		}
		if ws, _ := db.Watchers(cust, tk.ID); len(ws) != 2 {
			t.Fatalf("%d watchers", len(ws))
		}
		tk2, _ := db.CreateTicket(cust, itsm.NewTicket{Title: "Same error", Description: "again"})
		if err := db.LinkTickets(storetest.As(f.Agent), tk2.ID, "duplicate_of", tk.ID); err != nil {
			t.Fatal(err)
		}
		if ls, _ := db.TicketLinks(cust, tk2.ID); len(ls) != 1 || ls[0].TargetRef != tk.Ref {
			t.Fatalf("links: %+v", ls)
		}
		// The same fault reported by another organisation: staff link the
		// two, and neither customer's history names the other's ticket.
		tkB, err := db.CreateTicket(storetest.As(f.CustomerUserB), itsm.NewTicket{Title: "Same error here", Description: "also"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.LinkTickets(storetest.As(f.Agent), tk2.ID, "related", tkB.ID); err != nil {
			t.Fatal(err)
		}
		evs, err := db.TicketEvents(cust, tk2.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if strings.Contains(e.Body, tkB.Ref) {
				t.Errorf("customer A's history names B's ticket: %+v", e)
			}
		}
		if evs, _ := db.TicketEvents(storetest.As(f.Agent), tk2.ID); !strings.Contains(evs[len(evs)-1].Body, "related "+tkB.Ref) {
			t.Errorf("staff do not see the link in the history: %+v", evs[len(evs)-1])
		}
	})
}
