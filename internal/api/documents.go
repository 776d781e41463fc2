package api

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// documentFraming is the room a document upload's body needs beyond the
// file, for the multipart framing and the change note.
const documentFraming = 64 << 10

// audienceBody is who may read a document or article, as sent.
type audienceBody struct {
	Visibility      string  `json:"visibility"`
	CustomerIDs     []int64 `json:"customer_ids"`
	ProviderSharing string  `json:"provider_sharing"`
	ProviderIDs     []int64 `json:"provider_ids"`
}

func (b *audienceBody) audience() (itsm.Audience, error) {
	au := itsm.Audience{Visibility: itsm.Visibility(b.Visibility), Sharing: itsm.ProviderSharing(b.ProviderSharing), CustomerIDs: b.CustomerIDs, ProviderIDs: b.ProviderIDs}
	if b.Visibility != "" && !au.Visibility.Valid() {
		return au, fieldError("audience.visibility", "Set visibility to programme, all_customers or named.")
	}
	if b.ProviderSharing != "" && !au.Sharing.Valid() {
		return au, fieldError("audience.provider_sharing", "Set provider_sharing to none, all or named.")
	}
	for _, id := range append(append([]int64{}, b.CustomerIDs...), b.ProviderIDs...) {
		if id < 1 {
			return au, fieldError("audience", "Give organisations by their IDs.")
		}
	}
	return au, nil
}

// documentCreate is the body of POST /api/v1/documents.
type documentCreate struct {
	Type     string        `json:"type"`
	Title    string        `json:"title"`
	Summary  string        `json:"summary"`
	Tags     []string      `json:"tags"`
	OwnerID  *int64        `json:"owner_id"`
	Audience *audienceBody `json:"audience"`
}

// documentChange is the body of PATCH /api/v1/documents/{id}.
type documentChange struct {
	Version  *int64        `json:"version"`
	Type     *string       `json:"type"`
	Title    *string       `json:"title"`
	Summary  *string       `json:"summary"`
	Tags     *[]string     `json:"tags"`
	OwnerID  *int64        `json:"owner_id"`
	Audience *audienceBody `json:"audience"`
}

// subscriptionBody is the body of POST /api/v1/document-subscriptions.
type subscriptionBody struct {
	Type string `json:"type"`
}

func validDocumentType(s string) bool { return itsm.DocumentType(s).Valid() }

const documentTypeChoices = "user_documentation, release_notes, service_agreement, form_template, continuity_plan or other"

// listDocuments serves GET /api/v1/documents: the documents the caller may
// read, filtered by type, tag and words.
func (a *API) listDocuments(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "type", "tag", "q", "sort")
	if err != nil {
		return err
	}
	f := itsm.DocumentFilter{Tag: q.text("tag"), Query: q.text("q")}
	if t := q.oneOf("type", validDocumentType, documentTypeChoices); t != nil {
		typ := itsm.DocumentType(*t)
		f.Type = &typ
	}
	if s := q.oneOf("sort", func(s string) bool { return s == "updated" || s == "-updated" || s == "title" || s == "-title" }, "updated, -updated, title or -title"); s != nil {
		f.Sort = *s
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	docs, total, err := a.svc.Documents.FindDocuments(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, docs, total, p)
	return nil
}

// createDocument serves POST /api/v1/documents (the programme team). The
// file is uploaded next, to its versions.
func (a *API) createDocument(w http.ResponseWriter, r *http.Request) error {
	var in documentCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if !validDocumentType(in.Type) {
		return fieldError("type", "Set type to "+documentTypeChoices+".")
	}
	if in.OwnerID != nil && *in.OwnerID < 1 {
		return fieldError("owner_id", "Give owner_id as the ID of a member of the programme team.")
	}
	d := &itsm.Document{Type: itsm.DocumentType(in.Type), Title: in.Title, Summary: in.Summary, Tags: in.Tags, OwnerID: in.OwnerID}
	if in.Audience != nil {
		au, err := in.Audience.audience()
		if err != nil {
			return err
		}
		d.Audience = au
	}
	if err := a.svc.Documents.CreateDocument(r.Context(), d); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/documents/"+strconv.FormatInt(d.ID, 10))
	writeRecord(w, http.StatusCreated, d.Version, d)
	return nil
}

// getDocument serves GET /api/v1/documents/{id}.
func (a *API) getDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "document")
	if err != nil {
		return err
	}
	d, err := a.svc.Documents.FindDocumentByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, d.Version, d)
	return nil
}

// updateDocument serves PATCH /api/v1/documents/{id} (the programme team):
// owner_id 0 clears the owner; an audience replaces the whole audience.
func (a *API) updateDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "document")
	if err != nil {
		return err
	}
	var in documentChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.Type == nil && in.Title == nil && in.Summary == nil && in.Tags == nil && in.OwnerID == nil && in.Audience == nil {
		return errNothingToChange
	}
	upd := itsm.DocumentUpdate{Title: in.Title, Summary: in.Summary, Tags: in.Tags, OwnerID: in.OwnerID, Version: version}
	if in.Type != nil {
		if !validDocumentType(*in.Type) {
			return fieldError("type", "Set type to "+documentTypeChoices+".")
		}
		t := itsm.DocumentType(*in.Type)
		upd.Type = &t
	}
	if in.OwnerID != nil && *in.OwnerID < 0 {
		return fieldError("owner_id", "Give owner_id as the ID of a member of the programme team, or 0 for none.")
	}
	if in.Audience != nil {
		au, err := in.Audience.audience()
		if err != nil {
			return err
		}
		upd.Audience = &au
	}
	d, err := a.svc.Documents.UpdateDocument(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, d.Version, d)
	return nil
}

// listDocumentVersions serves GET /api/v1/documents/{id}/versions, newest
// first.
func (a *API) listDocumentVersions(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "document", a.svc.Documents.DocumentVersions)
}

var errNotDocumentUpload = itsm.Errorf(codeUnsupportedMediaType,
	`Send the file as multipart/form-data: optionally a part "change_note" first, then the file in a part named "file" with the file's name.`)

// uploadDocumentVersion serves POST /api/v1/documents/{id}/versions: a
// new version's file, streamed from the request into the database (never
// held whole in memory), capped at the document size limit. The change
// note, if any, must come before the file, since the file is stored as it
// arrives.
func (a *API) uploadDocumentVersion(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "document")
	if err != nil {
		return err
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return errNotDocumentUpload
	}
	limit := a.maxDoc + documentFraming
	if r.ContentLength > limit {
		return a.docTooLarge()
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, limit), params["boundary"])
	var note string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return fieldError("file", `Choose a file to upload, sent in a part named "file".`)
		} else if err != nil {
			return a.docReadError(err)
		}
		disposition, dp, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		if err != nil || disposition != "form-data" || dp["name"] == "" {
			return itsm.Errorf(itsm.EINVALID, "Every part of the upload needs a header Content-Disposition: form-data with the part's name.")
		}
		switch dp["name"] {
		case "change_note":
			b, err := io.ReadAll(io.LimitReader(part, 4001))
			if err != nil {
				return a.docReadError(err)
			}
			note = string(b)
		case "file":
			v, err := a.svc.Documents.AddDocumentVersion(r.Context(), id, itsm.NewDocumentVersion{Filename: dp["filename"], Data: part, Note: note})
			if itsm.ErrorCode(err) == itsm.ETOOLARGE {
				return a.docTooLarge()
			} else if err != nil {
				return err
			}
			w.Header().Set("Location", "/api/v1/document-versions/"+strconv.FormatInt(v.ID, 10)+"/content")
			writeJSON(w, http.StatusCreated, v)
			return nil
		default:
			name := shorten(dp["name"])
			return fieldError(name, fmt.Sprintf("The part %q is not one this request accepts: send \"change_note\" and \"file\".", name))
		}
	}
}

func (a *API) docTooLarge() error {
	msg := fmt.Sprintf("The file is too large: the limit is %d MB (%d bytes).", a.maxDoc>>20, a.maxDoc)
	return &itsm.Error{Code: itsm.ETOOLARGE, Message: msg, Fields: map[string]string{"file": msg}}
}

func (a *API) docReadError(err error) error {
	if itsm.ErrorCode(uploadReadError(err)) == itsm.ETOOLARGE {
		return a.docTooLarge()
	}
	return uploadReadError(err)
}

// downloadDocumentVersion serves GET /api/v1/document-versions/{id}/content:
// the file, streamed, always as a download with the content type checked
// on upload and its SHA-256 as a strong ETag.
func (a *API) downloadDocumentVersion(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "file")
	if err != nil {
		return err
	}
	v, content, err := a.svc.Documents.OpenDocumentVersion(r.Context(), id)
	if err != nil {
		return err
	}
	defer content.Close()
	if err := httpx.ServeDownloadStream(w, r, v.Filename, v.ContentType, v.SHA256, v.Size, content); err != nil {
		a.log.WarnContext(r.Context(), "download stopped", "request_id", httpx.RequestID(r.Context()), "version", id, "error", err)
	}
	return nil
}

// listSubscriptions serves GET /api/v1/document-subscriptions: the types
// of document the caller is e-mailed about.
func (a *API) listSubscriptions(w http.ResponseWriter, r *http.Request) error {
	p, err := listPaging(r)
	if err != nil {
		return err
	}
	subs, err := a.svc.Documents.Subscriptions(r.Context())
	if err != nil {
		return err
	}
	writeList(w, subs, p)
	return nil
}

// subscribe serves POST /api/v1/document-subscriptions. Subscribing twice
// is not an error.
func (a *API) subscribe(w http.ResponseWriter, r *http.Request) error {
	var in subscriptionBody
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if !validDocumentType(in.Type) {
		return fieldError("type", "Set type to "+documentTypeChoices+".")
	}
	if err := a.svc.Documents.Subscribe(r.Context(), itsm.DocumentType(in.Type)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// unsubscribe serves DELETE /api/v1/document-subscriptions/{type}.
// Unsubscribing twice is not an error.
func (a *API) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	t := r.PathValue("type")
	if !validDocumentType(t) {
		return itsm.ErrNotFound("subscription")
	}
	if err := a.svc.Documents.Unsubscribe(r.Context(), itsm.DocumentType(t)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// searchContent serves GET /api/v1/search?q=: the documents and help
// articles the caller may read that match, best first.
func (a *API) searchContent(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "q")
	if err != nil {
		return err
	}
	text := q.text("q")
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	if text == nil || strings.TrimSpace(*text) == "" {
		return fieldError("q", "Give the words to search for as q.")
	}
	hits, err := a.svc.Documents.SearchContent(r.Context(), *text, min(p.offset+p.limit, 100))
	if err != nil {
		return err
	}
	writeList(w, hits, p)
	return nil
}
