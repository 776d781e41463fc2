package web

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

func documentTypeOptions() []option {
	out := make([]option, len(itsm.DocumentTypes))
	for i, t := range itsm.DocumentTypes {
		out[i] = option{string(t), t.Label()}
	}
	return out
}

var documentSortOptions = []option{{"-updated", "Most recently updated"}, {"title", "Title, A to Z"}}

// documentView is a document as the pages show it.
type documentView struct{ *itsm.Document }

// TypeLabel is the document's type as a person reads it.
func (v documentView) TypeLabel() string { return v.Type.Label() }

// TagList is the tags, comma-separated.
func (v documentView) TagList() string { return strings.Join(v.Tags, ", ") }

// AudienceLabel says who may read the document.
func (v documentView) AudienceLabel() string { return audienceLabel(v.Audience) }

func audienceLabel(au itsm.Audience) string {
	s := au.Visibility.Label()
	if au.Sharing != itsm.ShareNone {
		s += "; " + strings.ToLower(au.Sharing.Label())
	}
	return s
}

// versionView is a document version as the pages show it.
type versionView struct{ *itsm.DocumentVersion }

// SizeLabel is the file's size as people read it.
func (v versionView) SizeLabel() string { return fileSize(v.Size) }

// Href is where the file is downloaded.
func (v versionView) Href() string { return "/document-files/" + strconv.FormatInt(v.ID, 10) }

// documentListPage is the document library.
type documentListPage struct {
	basePage
	Documents               []documentView
	Pager                   pager
	Types, Tags, Sorts      []option
	Type, Tag, Query, Sort  string
	Filtered, CanPublish    bool
	CanSubscribe            bool
	Subscriptions           checkboxGroup
	CSVHref                 string
	ShowAudience, HasSearch bool
}

func documentFilter(q *listQuery, tags []option) itsm.DocumentFilter {
	var f itsm.DocumentFilter
	if t := itsm.DocumentType(q.oneOf("type", documentTypeOptions(), "a type of document")); t != "" {
		f.Type = &t
	}
	if t := q.oneOf("tag", tags, "a tag"); t != "" {
		f.Tag = &t
	}
	if s := q.text("q"); s != "" {
		f.Query = &s
	}
	f.Sort = q.sort(documentSortOptions, "-updated")
	return f
}

func (s *Server) documentTagOptions(r *http.Request) ([]option, error) {
	tags, err := s.svc.Documents.DocumentTags(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]option, len(tags))
	for i, t := range tags {
		out[i] = option{t, t}
	}
	return out, nil
}

// documentList shows the documents the viewer may read, filtered by type,
// tag and words, with the viewer's subscriptions.
func (s *Server) documentList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	tags, err := s.documentTagOptions(r)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := documentFilter(q, tags)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(page), pageSize
	docs, total, err := s.svc.Documents.FindDocuments(ctx, f)
	if err != nil {
		return err
	}
	p := &documentListPage{basePage: s.newPage(w, r, "Documents"), Types: withAll("All types", documentTypeOptions()), Tags: withAll("All tags", tags),
		Sorts: documentSortOptions, Type: q.keep.Get("type"), Tag: q.keep.Get("tag"), Query: q.keep.Get("q"), Sort: f.Sort,
		Filtered: q.filtered(), CanPublish: a.CanPublish(), CSVHref: q.href("/documents.csv"), ShowAudience: a.ReadsEverything(), HasSearch: f.Query != nil}
	for _, d := range docs {
		p.Documents = append(p.Documents, documentView{d})
	}
	if p.CanSubscribe = canSubscribe(a); p.CanSubscribe {
		subs, err := s.svc.Documents.Subscriptions(ctx)
		if err != nil {
			return err
		}
		checked := make([]string, len(subs))
		for i, t := range subs {
			checked[i] = string(t)
		}
		p.Subscriptions = newCheckboxGroup(&p.basePage, "types", "E-mail me when a new version appears of",
			"Only documents you can see here are sent to you.", documentTypeOptions(), checked)
	}
	p.Wide = true
	p.Pager = newPager(q, "/documents", page, total, len(docs), "documents")
	p.setPaged("Documents", p.Pager)
	return s.render(w, http.StatusOK, "document_list", p)
}

func canSubscribe(a *itsm.Actor) bool { return a.UserID != 0 && !a.ReadOnly() }

// documentCSV exports every document matching the list's filters.
func (s *Server) documentCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	tags, err := s.documentTagOptions(r)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := documentFilter(q, tags)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	docs, _, err := s.svc.Documents.FindDocuments(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "documents.csv")
	_ = out.Write("id", "type", "title", "summary", "tags", "visibility", "provider_sharing", "owner", "versions", "current_file", "current_size", "current_sha256", "created_at", "updated_at")
	writePages(s, ctx, out, "documents", docs, 0, func(n int) ([]*itsm.Document, error) {
		f.Offset += n
		page, _, err := s.svc.Documents.FindDocuments(ctx, f)
		return page, err
	}, func(d *itsm.Document) []string {
		file, size, sum := "", "", ""
		if d.Current != nil {
			file, size, sum = d.Current.Filename, strconv.FormatInt(d.Current.Size, 10), d.Current.SHA256
		}
		return []string{strconv.FormatInt(d.ID, 10), string(d.Type), d.Title, d.Summary, strings.Join(d.Tags, ", "), string(d.Visibility), string(d.Sharing),
			d.Owner, strconv.Itoa(d.Versions), file, size, sum, csvTime(d.CreatedAt), csvTime(d.UpdatedAt)}
	})
	return nil
}

// documentSubscribe saves which types of document the viewer is e-mailed
// about.
func (s *Server) documentSubscribe(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !canSubscribe(itsm.ActorFromContext(ctx)) {
		return forbidden("Only people with their own account can subscribe to documents; auditors cannot.")
	}
	chosen := map[string]bool{}
	for _, t := range r.PostForm["types"] {
		if !itsm.DocumentType(t).Valid() {
			return itsm.Errorf(itsm.EINVALID, "Choose types of document from the list.")
		}
		chosen[t] = true
	}
	for _, t := range itsm.DocumentTypes {
		var err error
		if chosen[string(t)] {
			err = s.svc.Documents.Subscribe(ctx, t)
		} else {
			err = s.svc.Documents.Unsubscribe(ctx, t)
		}
		if err != nil {
			return err
		}
	}
	msg := "You will not be e-mailed about new documents."
	if len(chosen) > 0 {
		msg = "Your subscriptions have been saved: we will e-mail you when a new version appears."
	}
	return s.redirect(w, r, "/documents", msg)
}

// documentDetailPage is one document, its versions and, for the
// programme team, the form to upload a new version.
type documentDetailPage struct {
	basePage
	Document   documentView
	Versions   []versionView
	Summary    []string
	CanPublish bool
	Note       string
	FileHint   string
	Audience   *audienceSummary
}

var documentUploadFields = []string{"file", "change_note"}

func (s *Server) documentDetailPage(w http.ResponseWriter, r *http.Request, d *itsm.Document) (*documentDetailPage, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	versions, err := s.svc.Documents.DocumentVersions(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	p := &documentDetailPage{basePage: s.newPage(w, r, d.Title), Document: documentView{d}, Summary: paragraphs(d.Summary),
		CanPublish: a.CanPublish(), FileHint: documentFileHint()}
	p.Caption = d.Type.Label()
	p.BackHref = "/documents"
	for _, v := range versions {
		p.Versions = append(p.Versions, versionView{v})
	}
	if a.ReadsEverything() {
		if p.Audience, err = s.audienceSummary(r, d.Audience); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// audienceSummary says who may read a document or article, naming the
// organisations, for those who read everything.
type audienceSummary struct {
	Label                string
	Customers, Providers []string
}

func (s *Server) audienceSummary(r *http.Request, au itsm.Audience) (*audienceSummary, error) {
	out := &audienceSummary{Label: audienceLabel(au)}
	if len(au.CustomerIDs)+len(au.ProviderIDs) == 0 {
		return out, nil
	}
	names, err := s.orgNames(r)
	if err != nil {
		return nil, err
	}
	for _, id := range au.CustomerIDs {
		out.Customers = append(out.Customers, names[id])
	}
	for _, id := range au.ProviderIDs {
		out.Providers = append(out.Providers, names[id])
	}
	return out, nil
}

func documentFileHint() string {
	return "A " + itsm.DocumentExtensions() + " file of up to 50 MB."
}

// documentDetail shows a document to anyone who may read it (404 to
// anyone else).
func (s *Server) documentDetail(w http.ResponseWriter, r *http.Request) error {
	d, err := s.findDocument(r)
	if err != nil {
		return err
	}
	p, err := s.documentDetailPage(w, r, d)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "document_detail", p)
}

func (s *Server) findDocument(r *http.Request) (*itsm.Document, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Documents.FindDocumentByID(r.Context(), id)
}

func documentHref(d *itsm.Document) string { return "/documents/" + strconv.FormatInt(d.ID, 10) }

// documentUpload adds a new version to a document (the programme team).
// The file was spooled to a temporary file by the form parser, and is
// streamed from there into the database.
func (s *Server) documentUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.findDocument(r)
	if err != nil {
		return err
	}
	if !itsm.ActorFromContext(ctx).CanPublish() {
		return forbidden("Only the programme team can publish documents.")
	}
	note := strings.TrimSpace(r.PostFormValue("change_note"))
	var v *itsm.DocumentVersion
	file, err := documentFile(r)
	if err == nil {
		defer file.Close()
		v, err = s.svc.Documents.AddDocumentVersion(ctx, d.ID, itsm.NewDocumentVersion{Filename: file.name, Data: file, Note: note})
	}
	if formFailed(err) || itsm.ErrorCode(err) == itsm.ETOOLARGE {
		p, perr := s.documentDetailPage(w, r, d)
		if perr != nil {
			return perr
		}
		p.Note = note
		p.setErrors(err, documentUploadFields...)
		status := formStatus(err)
		if itsm.ErrorCode(err) == itsm.ETOOLARGE {
			status = http.StatusRequestEntityTooLarge
		}
		return s.render(w, status, "document_detail", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, documentHref(d), fmt.Sprintf("Version %d of %s has been published.", v.Number, d.Title))
}

// documentFile returns the file posted in the "file" field, with its name
// exactly as the browser sent it; the store checks the name and content.
func documentFile(r *http.Request) (*postedFile, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return nil, fieldErr("file", "Choose a file to upload.")
	}
	files := r.MultipartForm.File["file"]
	if len(files) > 1 {
		return nil, fieldErr("file", "Choose one file at a time.")
	}
	fh := files[0]
	name := fh.Filename
	if _, params, err := mime.ParseMediaType(fh.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		name = params["filename"]
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open uploaded file: %w", err)
	}
	return &postedFile{File: f, name: name}, nil
}

// documentDownload streams a version's file to anyone who may read the
// document (404 to anyone else), always as a download.
func (s *Server) documentDownload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, content, err := s.svc.Documents.OpenDocumentVersion(ctx, id)
	if err != nil {
		return err
	}
	defer content.Close()
	if err := httpx.ServeDownloadStream(w, r, v.Filename, v.ContentType, v.SHA256, v.Size, content); err != nil {
		s.log.WarnContext(ctx, "download stopped", "request_id", httpx.RequestID(ctx), "version", id, "error", err)
	}
	return nil
}
