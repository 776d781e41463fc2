package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
	"github.com/steward-itsm/steward/internal/web/webtest"
)

// documentRoutes are the documents and help-articles routes the matrices
// below cover; TestDocumentRoutesAreCovered keeps the list true.
var documentRoutes = []string{
	"GET /documents", "GET /documents.csv", "POST /documents/subscriptions", "GET /documents/new", "POST /documents/new",
	"GET /documents/{id}", "GET /documents/{id}/edit", "POST /documents/{id}/edit", "POST /documents/{id}/versions",
	"GET /document-files/{id}", "GET /search", "GET /help-articles", "GET /help-articles.csv", "GET /help-articles/new",
	"POST /help-articles/new", "GET /help-articles/categories/new", "POST /help-articles/categories/new", "GET /help-articles/{id}",
	"GET /help-articles/{id}/edit", "POST /help-articles/{id}/edit", "POST /help-articles/{id}/vote",
	"POST /help-articles/{id}/tickets/link", "POST /help-articles/{id}/tickets/unlink",
}

func TestDocumentRoutesAreCovered(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	for _, p := range e.srv.Patterns() {
		_, path, _ := strings.Cut(p, " ")
		if (strings.HasPrefix(path, "/document") || strings.HasPrefix(path, "/help-articles") || path == "/search") && !contains(documentRoutes, p) {
			t.Errorf("%s is not in the document permission matrices: add it", p)
		}
	}
}

// contentFixture is a document and an article for Alpha only (shared with
// the provider), one for all customers, and one for the programme only.
type contentFixture struct {
	forA, forAll, internal          *itsm.Document
	fileA, fileAll, fileInternal    *itsm.DocumentVersion
	articleA, articleAll, articleIn *itsm.Article
}

func (e *env) mustContent() *contentFixture {
	e.t.Helper()
	mgr := storetest.As(e.f.Manager)
	var c contentFixture
	doc := func(title string, au itsm.Audience) (*itsm.Document, *itsm.DocumentVersion) {
		d := &itsm.Document{Type: itsm.DocReleaseNotes, Title: title, Summary: "About " + title, Audience: au}
		if err := e.db.CreateDocument(mgr, d); err != nil {
			e.t.Fatal(err)
		}
		v, err := e.db.AddDocumentVersion(mgr, d.ID, itsm.NewDocumentVersion{Filename: "notes.md", Data: strings.NewReader("# " + title + "\n\nReconciliation changes.\n")})
		if err != nil {
			e.t.Fatal(err)
		}
		return d, v
	}
	onlyA := itsm.Audience{Visibility: itsm.VisibleNamed, CustomerIDs: []int64{e.f.CustomerA.ID}, Sharing: itsm.ShareNamed, ProviderIDs: []int64{e.f.Provider.ID}}
	c.forA, c.fileA = doc("Alpha release notes", onlyA)
	c.forAll, c.fileAll = doc("Everyone's release notes", itsm.Audience{Visibility: itsm.VisibleAllCustomers})
	c.internal, c.fileInternal = doc("Programme plan", itsm.Audience{})
	cats, err := e.db.ArticleCategories(mgr)
	if err != nil || len(cats) == 0 {
		e.t.Fatalf("categories: %v", err)
	}
	art := func(title string, au itsm.Audience) *itsm.Article {
		a := &itsm.Article{CategoryID: cats[0].ID, Title: title, Body: "Steps for " + title, Audience: au}
		if err := e.db.CreateArticle(mgr, a); err != nil {
			e.t.Fatal(err)
		}
		return a
	}
	c.articleA, c.articleAll, c.articleIn = art("Alpha's SFTP set-up", onlyA), art("Invoice formats", itsm.Audience{Visibility: itsm.VisibleAllCustomers}), art("Runbook", itsm.Audience{})
	return &c
}

// TestDocumentPagePermissions is the matrix of the documents and help
// articles pages.
func TestDocumentPagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.mustContent()
		a, all, in := "/documents/"+id(c.forA.ID), "/documents/"+id(c.forAll.ID), "/documents/"+id(c.internal.ID)
		ka, kall, kin := "/help-articles/"+id(c.articleA.ID), "/help-articles/"+id(c.articleAll.ID), "/help-articles/"+id(c.articleIn.ID)
		cases := []struct {
			path string
			want want
		}{
			//                                      admin mgr agent audit prov cAdmA cUsrA anon
			{"/documents", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/documents?type=release_notes&q=reconciliation&sort=title", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/documents?type=memo", want{400, 400, 400, 400, 400, 400, 400, see}},
			{"/documents.csv", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/documents/new", want{ok, ok, ok, no, no, no, no, see}},
			{a, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{all, want{ok, ok, ok, ok, none, ok, ok, see}},
			{in, want{ok, ok, ok, ok, none, none, none, see}},
			{"/documents/999999", want{none, none, none, none, none, none, none, see}},
			{a + "/edit", want{ok, ok, ok, no, no, no, no, see}},
			{in + "/edit", want{ok, ok, ok, no, none, none, none, see}},
			{"/document-files/" + id(c.fileA.ID), want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/document-files/" + id(c.fileAll.ID), want{ok, ok, ok, ok, none, ok, ok, see}},
			{"/document-files/" + id(c.fileInternal.ID), want{ok, ok, ok, ok, none, none, none, see}},
			{"/search?q=reconciliation", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/search", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/help-articles", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/help-articles?q=sftp", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/help-articles.csv", want{ok, ok, ok, ok, ok, ok, ok, see}},
			{"/help-articles/new", want{ok, ok, ok, no, no, no, no, see}},
			{"/help-articles/categories/new", want{ok, ok, ok, no, no, no, no, see}},
			{ka, want{ok, ok, ok, ok, ok, ok, ok, see}},
			{kall, want{ok, ok, ok, ok, none, ok, ok, see}},
			{kin, want{ok, ok, ok, ok, none, none, none, see}},
			{ka + "/edit", want{ok, ok, ok, no, no, no, no, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				res := clients[role].Get(c.path)
				if res.StatusCode != c.want[i] {
					t.Errorf("GET %s as %s: status %d, want %d\n%s", c.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
		// Lists, exports and search hold only what each may read.
		for role, sees := range map[string][]string{
			"admin": {"Alpha release notes", "Everyone's release notes", "Programme plan"}, "provider": {"Alpha release notes"},
			"custUserA": {"Alpha release notes", "Everyone's release notes"},
		} {
			for _, path := range []string{"/documents", "/documents.csv", "/search?q=reconciliation"} {
				body := clients[role].Get(path).Body
				for _, title := range []string{"Alpha release notes", "Everyone&#39;s release notes", "Programme plan"} {
					plain := strings.ReplaceAll(title, "&#39;", "'")
					if shows := strings.Contains(body, title) || strings.Contains(body, plain); shows != contains(sees, plain) {
						t.Errorf("%s as %s: shows %q = %v", path, role, plain, shows)
					}
				}
			}
		}
		// A download is an attachment, typed as checked, never sniffed.
		res := clients["custUserA"].Get("/document-files/" + id(c.fileA.ID))
		if res.Header.Get("Content-Type") != "text/markdown; charset=utf-8" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="notes.md"`) ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Content-Security-Policy") != "sandbox" || !strings.HasPrefix(res.Body, "# Alpha release notes") {
			t.Fatalf("download headers %v body %q", res.Header, res.Body)
		}
	})
}

// TestDocumentPostPermissions is the matrix of the documents and help
// articles forms.
func TestDocumentPostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.mustContent()
		tk, err := db.CreateTicket(storetest.As(e.f.CustomerUserA), itsm.NewTicket{Title: "Invoices missing", Description: "None since Monday."})
		if err != nil {
			t.Fatal(err)
		}
		cats, _ := db.ArticleCategories(storetest.As(e.f.Manager))
		docForm := url.Values{"type": {"user_documentation"}, "title": {"Guide"}, "visibility": {"all_customers"}, "provider_sharing": {"none"}}
		artForm := url.Values{"category_id": {id(cats[0].ID)}, "title": {"How to"}, "body": {"Do this."}, "visibility": {"all_customers"}, "provider_sharing": {"none"}}
		withVersionOf := func(form url.Values, v int64) url.Values {
			out := url.Values{"version": {id(v)}}
			for k, vs := range form {
				out[k] = vs
			}
			return out
		}
		type post struct {
			path string
			form url.Values
			file *fileUpload
		}
		docA := "/documents/" + id(c.forA.ID)
		artA := "/help-articles/" + id(c.articleA.ID)
		md := &fileUpload{"file", "guide.md", []byte("# Guide\n")}
		cases := []struct {
			name    string
			prepare func() post
			want    want
		}{
			//                                                                          admin mgr agent audit prov cAdmA cUsrA anon
			{"subscribe", func() post { return post{"/documents/subscriptions", url.Values{"types": {"release_notes"}}, nil} }, want{see, see, see, no, see, see, see, see}},
			{"publish", func() post { return post{"/documents/new", docForm, md} }, want{see, see, see, no, no, no, no, see}},
			{"edit", func() post {
				d, _ := db.FindDocumentByID(storetest.As(e.f.Manager), c.forA.ID)
				return post{docA + "/edit", withVersionOf(url.Values{"type": {"release_notes"}, "title": {d.Title}, "visibility": {"named"}, "customer_ids": {id(e.f.CustomerA.ID)},
					"provider_sharing": {"named"}, "provider_ids": {id(e.f.Provider.ID)}}, d.Version), nil}
			}, want{see, see, see, no, no, no, no, see}},
			{"upload a version", func() post { return post{docA + "/versions", url.Values{"change_note": {"Typo"}}, md} }, want{see, see, see, no, no, no, no, see}},
			{"upload to a hidden document", func() post { return post{"/documents/" + id(c.internal.ID) + "/versions", nil, md} }, want{see, see, see, no, none, none, none, see}},
			{"write an article", func() post { return post{"/help-articles/new", artForm, nil} }, want{see, see, see, no, no, no, no, see}},
			{"add a category", func() post {
				seqName := "Category " + strconv.Itoa(next())
				return post{"/help-articles/categories/new", url.Values{"name": {seqName}}, nil}
			}, want{see, see, see, no, no, no, no, see}},
			{"edit an article", func() post {
				a, _ := db.FindArticleByID(storetest.As(e.f.Manager), c.articleA.ID)
				f := withVersionOf(artForm, a.Version)
				f.Set("visibility", "named")
				f["customer_ids"] = []string{id(e.f.CustomerA.ID)}
				f.Set("provider_sharing", "named")
				f["provider_ids"] = []string{id(e.f.Provider.ID)}
				return post{artA + "/edit", f, nil}
			}, want{see, see, see, no, no, no, no, see}},
			{"vote", func() post { return post{artA + "/vote", url.Values{"helpful": {"yes"}}, nil} }, want{see, see, see, no, see, see, see, see}},
			{"vote on a hidden article", func() post {
				return post{"/help-articles/" + id(c.articleIn.ID) + "/vote", url.Values{"helpful": {"yes"}}, nil}
			}, want{see, see, see, no, none, none, none, see}},
			{"link a ticket", func() post { return post{artA + "/tickets/link", url.Values{"ref": {tk.Ref}}, nil} }, want{see, see, see, no, no, no, no, see}},
			{"unlink a ticket", func() post { return post{artA + "/tickets/unlink", url.Values{"ticket_id": {id(tk.ID)}}, nil} }, want{see, see, see, no, no, no, no, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				p := c.prepare()
				var res *webtest.Response
				if p.file != nil {
					res = postFiles(clients[role], p.path, p.form, p.file)
				} else {
					res = clients[role].Post(p.path, p.form)
				}
				if res.StatusCode != c.want[i] {
					t.Errorf("%s (POST %s) as %s: status %d, want %d\n%s", c.name, p.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
	})
}

// TestDocumentForms: publishing with a refused file re-renders the form
// with the reason and keeps nothing; articles render Markdown safely and
// count one vote per person.
func TestDocumentForms(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	mgr := e.as(e.f.Manager)
	mgr.Get("/documents/new")
	form := url.Values{"type": {"release_notes"}, "title": {"Release 5 notes"}, "summary": {"What is new"}, "tags": {"Finance, invoices"},
		"visibility": {"named"}, "customer_ids": {id(e.f.CustomerA.ID)}, "provider_sharing": {"none"}}
	res := postFiles(mgr, "/documents/new", form, &fileUpload{"file", "../notes.md", []byte("# Notes\n")})
	if res.StatusCode != 400 || !strings.Contains(res.Body, "There is a problem") || !strings.Contains(res.Body, "must not contain a folder path") ||
		!strings.Contains(res.Body, `value="Release 5 notes"`) {
		t.Fatalf("refused upload: %d\n%s", res.StatusCode, excerpt(res.Body))
	}
	res = postFiles(mgr, "/documents/new", form, &fileUpload{"file", "notes.pdf", []byte("not a PDF")})
	if res.StatusCode != 400 || !strings.Contains(res.Body, "not really a PDF") {
		t.Fatalf("lying PDF: %d\n%s", res.StatusCode, excerpt(res.Body))
	}
	if docs, total, _ := e.db.FindDocuments(storetest.As(e.f.Manager), itsm.DocumentFilter{}); total != 0 {
		t.Fatalf("refused forms left documents: %+v", docs)
	}
	res = postFiles(mgr, "/documents/new", form, &fileUpload{"file", "notes.md", []byte("# Notes\n\nFaster matching.\n")})
	if res.StatusCode != see {
		t.Fatalf("publish: %d\n%s", res.StatusCode, excerpt(res.Body))
	}
	page := mgr.Get(res.Location())
	if !strings.Contains(page.Body, "Release 5 notes") || !strings.Contains(page.Body, "Alpha Council") || !strings.Contains(page.Body, "notes.md") {
		t.Fatalf("document page:\n%s", excerpt(page.Body))
	}
	fileHref := regexpFind(`href="(/document-files/[0-9]+)"`, page.Body)
	if got := e.as(e.f.CustomerUserA).Get(fileHref); got.StatusCode != ok || got.Body != "# Notes\n\nFaster matching.\n" {
		t.Fatalf("customer A download: %d %q", got.StatusCode, got.Body)
	}
	if got := e.as(e.f.CustomerUserB).Get(res.Location()); got.StatusCode != none {
		t.Fatalf("customer B opened A's document: %d", got.StatusCode)
	}

	// Subscriptions are shown ticked.
	cust := e.as(e.f.CustomerUserA)
	cust.Get("/documents")
	if res := cust.Post("/documents/subscriptions", url.Values{"types": {"release_notes", "user_documentation"}}); res.StatusCode != see {
		t.Fatalf("subscribe: %d", res.StatusCode)
	}
	if body := cust.Get("/documents").Body; !strings.Contains(body, `value="release_notes" checked`) || strings.Contains(body, `value="other" checked`) {
		t.Fatalf("subscriptions not shown:\n%s", excerpt(body))
	}

	// An article: Markdown rendered, script shown as text, one vote each.
	cats, _ := e.db.ArticleCategories(storetest.As(e.f.Manager))
	mgr.Get("/help-articles/new")
	res = mgr.Post("/help-articles/new", url.Values{"category_id": {id(cats[0].ID)}, "title": {"Exporting invoices"}, "summary": {"Nightly export."},
		"body": {"## Steps\n\n- **Open** settings\n\n<script>alert(1)</script>"}, "visibility": {"all_customers"}, "provider_sharing": {"none"}})
	if res.StatusCode != see {
		t.Fatalf("write article: %d\n%s", res.StatusCode, excerpt(res.Body))
	}
	articlePath := res.Location()
	body := cust.Get(articlePath).Body
	if !strings.Contains(body, "<strong>Open</strong>") || strings.Contains(body, "<script>alert") {
		t.Fatalf("article not rendered safely:\n%s", body)
	}
	for range 2 {
		cust.Post(articlePath+"/vote", url.Values{"helpful": {"yes"}})
	}
	if body := cust.Get(articlePath).Body; !strings.Contains(body, "1 yes, 0 no") || !strings.Contains(body, "You said yes") {
		t.Fatalf("votes:\n%s", excerpt(body))
	}
	if res := cust.Get("/help-articles?q=export"); !strings.Contains(res.Body, "Exporting invoices") {
		t.Fatalf("search:\n%s", excerpt(res.Body))
	}
	// "Report an issue" suggests it from the summary, and raises nothing.
	cust.Get("/tickets/new")
	res = postFiles(cust, "/tickets/new", url.Values{"type": {"incident"}, "title": {"Invoice export stopped"}, "description": {"Since Monday."},
		"impact": {"low"}, "urgency": {"low"}, "suggest": {"yes"}}, nil)
	if res.StatusCode != ok || !strings.Contains(res.Body, "These help articles may answer it") || !strings.Contains(res.Body, "Exporting invoices") ||
		!strings.Contains(res.Body, `value="Invoice export stopped"`) {
		t.Fatalf("suggestions: %d\n%s", res.StatusCode, excerpt(res.Body))
	}
	if _, total, _ := e.db.FindTickets(storetest.As(e.f.Manager), itsm.TicketFilter{}); total != 0 {
		t.Fatalf("asking for suggestions raised %d tickets", total)
	}
	// The CSV export is formula-safe and lists the article.
	csv := mgr.Get("/help-articles.csv")
	if !strings.Contains(csv.Body, "Exporting invoices") {
		t.Fatalf("CSV: %s", csv.Body)
	}
}
