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

// changeFiles lists a change's files as the system.
func (e *env) changeFiles(c *itsm.ChangeRequest) []*itsm.ChangeAttachment {
	e.t.Helper()
	as, err := e.db.ChangeAttachments(storetest.System(), c.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

// changeCount counts every change.
func (e *env) changeCount() int {
	e.t.Helper()
	_, n, err := e.db.ListChanges(storetest.System(), itsm.ChangeFilter{Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestRaiseChangeWithFile raises each kind of change with a file through
// "Raise a change": bad files are refused with the form and raise
// nothing; a file whose content lies about its type keeps the change and
// says why the file was not added.
func TestRaiseChangeWithFile(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		cust := e.as(f.CustomerUserA)
		forms := map[string]url.Values{
			"rfc": {"kind": {"rfc"}, "subtype": {"cosmetic"}, "title": {"Bigger logo"}, "description": {"Make the logo bigger."}},
			"ccn": {"kind": {"ccn"}, "title": {"Extend support hours"}, "description": {"Support until 8pm."}, "contract_ref": {"C-1 schedule 2"},
				"variation": {"Support hours 8am to 8pm."}, "cost_impact": {"1200.00"}, "time_impact_days": {"0"}},
			"work_request": {"kind": {"work_request"}, "title": {"Supplier extract"}, "description": {"Every supplier, as CSV."}},
		}
		for kind, form := range forms {
			page := cust.Get("/changes/new?kind=" + kind)
			mustContain(t, page.Body, kind+" form", `enctype="multipart/form-data"`, `type="file" id="file" name="file"`, "A fuller specification, a mock-up or a spreadsheet helps.")
			res := postMultipart(cust, "/changes/new", form, fileUpload{"file", "Spec – " + kind + ".pdf", []byte("%PDF-1.4 the specification")})
			page = mustFollow(t, cust, res, "raise "+kind)
			mustSay(t, page, "raised "+kind, "has been submitted", "Your file Spec – "+kind+".pdf has been added.")
			mustContain(t, page.Body, "raised "+kind, `<a href="/change-attachments/`, ">Spec – "+kind+".pdf</a>")
		}

		before := e.changeCount()
		good := forms["work_request"]
		for _, c := range []struct {
			name   string
			form   url.Values
			file   fileUpload
			status int
			want   string
		}{
			{"wrong file type", good, fileUpload{"file", "setup.exe", []byte("MZ\x90\x00")}, http.StatusBadRequest, "The file must be a PDF"},
			{"path in the file name", good, fileUpload{"file", "../../etc/cron.txt", []byte("x\n")}, http.StatusBadRequest, "The file name must not contain a folder path"},
			{"backslash path", good, fileUpload{"file", `..\..\boot.txt`, []byte("x\n")}, http.StatusBadRequest, "The file name must not contain a folder path"},
			{"tab in the name", good, fileUpload{"file", "tab\tname.txt", []byte("x\n")}, http.StatusBadRequest, "The file name contains characters that are not allowed"},
			{"bidirectional control", good, fileUpload{"file", "photo\u202Egnp.txt", []byte("x\n")}, http.StatusBadRequest, "The file name contains characters that are not allowed"},
			{"oversize file", good, fileUpload{"file", "big.txt", []byte(strings.Repeat("a", 10<<20+1))}, http.StatusRequestEntityTooLarge, "The file must be smaller than 10 MB."},
		} {
			res := postMultipart(cust, "/changes/new", c.form, c.file)
			mustFormError(t, res, c.status, c.name, "file")
			mustSay(t, res, c.name, c.want)
			mustContain(t, res.Body, c.name, `value="Supplier extract"`)
		}
		res := postMultipart(cust, "/changes/new", good, fileUpload{"file", "huge.txt", []byte(strings.Repeat("a", 12<<20))})
		mustStatus(t, res, http.StatusRequestEntityTooLarge, "request over the upload limit")
		mustSay(t, res, "request over the upload limit", "files must be smaller than 10 MB")
		if n := e.changeCount(); n != before {
			t.Fatalf("%d changes raised by bad forms", n-before)
		}

		res = postMultipart(cust, "/changes/new", good, fileUpload{"file", "mock-up.png", []byte("<html><script>alert(1)</script></html>")})
		page := mustFollow(t, cust, res, "lying file")
		mustSay(t, page, "lying file", "WR-0002 has been submitted. The programme team will review the specification. But your file mock-up.png was not added: The file's content does not match its type; check you chose the right file.")
		if !strings.Contains(page.Body, "ds_notification-message--error") {
			t.Error("the refused file is not shown as an error")
		}
		c, err := db.FindChangeByRef(storetest.System(), "WR-0002")
		if err != nil {
			t.Fatal(err)
		}
		if as := e.changeFiles(c); len(as) != 0 {
			t.Errorf("the lying file was stored: %+v", as)
		}
	})
}

// TestChangeFiles adds files on a change's page and downloads them:
// customers add public files and never see internal ones, the programme
// team and the assigned provider add internal ones, auditors read but add
// nothing, and another customer gets 404 for the change's files.
func TestChangeFiles(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		c := e.mustEstimatingChange("Files please")
		u := changePath(c)
		cust, agent, prov := e.as(f.CustomerUserA), e.as(f.Agent), e.as(f.ProviderAgent)

		page := cust.Get(u)
		mustContain(t, page.Body, "customer's change page", `<h2 id="files">Files</h2>`, "No files have been added.", `action="`+u+`/attachments" enctype="multipart/form-data"`)
		if strings.Contains(page.Body, `name="internal"`) {
			t.Error("customers are offered internal files")
		}
		res := postMultipart(cust, u+"/attachments", nil)
		mustFormError(t, res, http.StatusBadRequest, "no file", "file")
		mustSay(t, res, "no file", "Choose a file to upload.")
		res = postMultipart(cust, u+"/attachments", nil, fileUpload{"file", "../secret.txt", []byte("x")})
		mustFormError(t, res, http.StatusBadRequest, "traversal", "file")
		res = postMultipart(cust, u+"/attachments", nil, fileUpload{"file", "notes.txt", []byte(strings.Repeat("a", 10<<20+1))})
		mustFormError(t, res, http.StatusRequestEntityTooLarge, "oversize", "file")
		res = postMultipart(cust, u+"/attachments", nil, fileUpload{"file", "photo.png", []byte("not a picture at all")})
		mustFormError(t, res, http.StatusBadRequest, "lying content", "file")
		mustStatus(t, postMultipart(cust, u+"/attachments", url.Values{"internal": {"true"}}, fileUpload{"file", "x.txt", []byte("x")}), http.StatusForbidden, "customer's internal file")
		if as := e.changeFiles(c); len(as) != 0 {
			t.Fatalf("refused files were stored: %+v", as)
		}

		page = mustFollow(t, cust, postMultipart(cust, u+"/attachments", nil, fileUpload{"file", "screens.png", pngBytes}), "customer's file")
		mustSay(t, page, "customer's file", "screens.png has been added to "+c.Ref+".", "Added the file screens.png")
		agent.Get(u)
		page = mustFollow(t, agent, postMultipart(agent, u+"/attachments", url.Values{"internal": {"true"}}, fileUpload{"file", "SECRET-assessment.txt", []byte("SECRET-CONTENT\n")}), "internal file")
		mustSay(t, page, "agent's page", "SECRET-assessment.txt has been added", "Internal")
		prov.Get(u)
		page = mustFollow(t, prov, postMultipart(prov, u+"/attachments", url.Values{"internal": {"true"}}, fileUpload{"file", "approach.txt", []byte("Our approach.\n")}), "provider's file")
		mustSay(t, page, "provider's page", "approach.txt has been added", "SECRET-assessment.txt", "screens.png")
		files := e.changeFiles(c)
		if len(files) != 3 {
			t.Fatalf("%d files, want 3", len(files))
		}
		public, internal := files[0], files[1]

		for _, p := range []string{u, "/changes", "/changes.csv"} {
			body := cust.Get(p).Body
			for _, secret := range []string{"SECRET-assessment.txt", "approach.txt", "SECRET-CONTENT"} {
				if strings.Contains(body, secret) {
					t.Errorf("customer page %s shows %q", p, secret)
				}
			}
		}
		mustStatus(t, cust.Get("/change-attachments/"+id(internal.ID)), http.StatusNotFound, "customer downloads an internal file")
		res = cust.Get("/change-attachments/" + id(public.ID))
		mustStatus(t, res, http.StatusOK, "customer downloads the file")
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "screens.png") ||
			res.Header.Get("Content-Type") != "image/png" || res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Body != string(pngBytes) {
			t.Errorf("download: %v", res.Header)
		}
		res = prov.Get("/change-attachments/" + id(internal.ID))
		mustStatus(t, res, http.StatusOK, "provider downloads the internal file")
		if res.Body != "SECRET-CONTENT\n" {
			t.Errorf("internal file's content: %q", res.Body)
		}

		// Customer B: the change and its files do not exist.
		other := e.as(f.CustomerUserB)
		mustStatus(t, other.Get("/change-attachments/"+id(public.ID)), http.StatusNotFound, "B downloads A's file")
		other.Get("/changes")
		mustStatus(t, postMultipart(other, u+"/attachments", nil, fileUpload{"file", "x.txt", []byte("x")}), http.StatusNotFound, "B adds a file to A's change")
		mustStatus(t, other.Get("/change-attachments/999999"), http.StatusNotFound, "unknown file")

		// The auditor reads everything and adds nothing.
		aud := e.as(f.Auditor)
		page = aud.Get(u)
		mustContain(t, page.Body, "auditor's page", "SECRET-assessment.txt", "screens.png")
		if strings.Contains(page.Body, u+"/attachments") {
			t.Error("the auditor is offered the upload form")
		}
		mustStatus(t, aud.Get("/change-attachments/"+id(internal.ID)), http.StatusOK, "auditor downloads")
		mustStatus(t, postMultipart(aud, u+"/attachments", nil, fileUpload{"file", "x.txt", []byte("x")}), http.StatusForbidden, "auditor adds a file")
		if n := len(e.changeFiles(c)); n != 3 {
			t.Fatalf("%d files after the refusals, want 3", n)
		}

		// Withdrawn, the change takes no more files and offers no form.
		e.mustMove(f.CustomerUserA, e.mustChangeByID(c.ID), itsm.ChangeTransition{Action: itsm.ActWithdraw, Note: "Not needed."})
		page = cust.Get(u)
		if strings.Contains(page.Body, u+"/attachments") {
			t.Error("a withdrawn change offers the upload form")
		}
		res = postMultipart(cust, u+"/attachments", nil, fileUpload{"file", "late.txt", []byte("late")})
		mustStatus(t, res, http.StatusConflict, "file on a withdrawn change")
		mustSay(t, res, "file on a withdrawn change", c.Ref+" is withdrawn and takes no more files")
	})
}

// TestChangePageLinkedRisks: the change's page lists its linked risks,
// each linking to the risk, for the programme team and auditors, and for
// a provider only the risks of its own; customers never see the section.
func TestChangePageLinkedRisks(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		c := e.mustEstimatingChange("Risky change")
		u := changePath(c)
		mustContain(t, e.as(f.Agent).Get(u).Body, "no risks", `<h2 id="risks">Linked risks</h2>`, "No risks are linked.")
		theirs := e.mustRisk("Supplier capacity", 4, 5, nil, f.Provider)
		ours := e.mustRisk("CONFIDENTIAL budget pressure", 2, 2, nil, nil)
		for _, r := range []*itsm.Risk{theirs, ours} {
			if err := db.LinkRiskChange(storetest.As(f.Agent), r.ID, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		for _, who := range []*itsm.User{f.Agent, f.Auditor, f.Manager} {
			page := e.as(who).Get(u)
			mustContain(t, page.Body, who.Name+"'s page", `<h2 id="risks">Linked risks</h2>`,
				`<a href="/risks/`+id(theirs.ID)+`">`+theirs.Ref+`</a>`, `<a href="/risks/`+id(ours.ID)+`">`+ours.Ref+`</a>`, "20 Red", "Supplier capacity")
			if strings.Index(page.Body, theirs.Ref) > strings.Index(page.Body, ours.Ref) {
				t.Errorf("%s: the risks are not highest score first", who.Name)
			}
		}
		page := e.as(f.ProviderAgent).Get(u)
		mustContain(t, page.Body, "provider's page", `<h2 id="risks">Linked risks</h2>`, `<a href="/risks/`+id(theirs.ID)+`">`+theirs.Ref+`</a>`)
		if strings.Contains(page.Body, "CONFIDENTIAL") {
			t.Error("the provider sees a risk that is not its own")
		}
		mustStatus(t, e.as(f.ProviderAgent).Get("/risks/"+id(theirs.ID)), http.StatusOK, "the provider follows the link")
		for _, who := range []*itsm.User{f.CustomerUserA, f.CustomerAdminA} {
			body := e.as(who).Get(u).Body
			if strings.Contains(body, "Linked risks") || strings.Contains(body, "/risks/") || strings.Contains(body, "Supplier capacity") {
				t.Errorf("%s sees the linked risks", who.Name)
			}
		}
	})
}
