package itsm

import (
	"context"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxDocumentSize is the largest document file accepted unless the
// operator configures another limit (50 MiB).
const DefaultMaxDocumentSize = 50 << 20

// DocumentType is what kind of document a library entry is.
type DocumentType string

// Document types.
const (
	DocUserDocumentation DocumentType = "user_documentation"
	DocReleaseNotes      DocumentType = "release_notes"
	DocServiceAgreement  DocumentType = "service_agreement"
	DocFormTemplate      DocumentType = "form_template"
	DocContinuityPlan    DocumentType = "continuity_plan"
	DocOther             DocumentType = "other"
)

// DocumentTypes lists the types in display order.
var DocumentTypes = []DocumentType{DocUserDocumentation, DocReleaseNotes, DocServiceAgreement, DocFormTemplate, DocContinuityPlan, DocOther}

// Valid reports whether t is a known type.
func (t DocumentType) Valid() bool {
	for _, x := range DocumentTypes {
		if x == t {
			return true
		}
	}
	return false
}

// Label is the type as a person reads it.
func (t DocumentType) Label() string {
	switch t {
	case DocUserDocumentation:
		return "User documentation"
	case DocReleaseNotes:
		return "Release notes"
	case DocServiceAgreement:
		return "Help desk service agreement"
	case DocFormTemplate:
		return "Form template"
	case DocContinuityPlan:
		return "Continuity plan"
	case DocOther:
		return "Other"
	}
	return string(t)
}

// Visibility says which customers may read a document or article.
type Visibility string

// Visibilities.
const (
	VisibleProgramme    Visibility = "programme"     // programme staff and auditors only
	VisibleAllCustomers Visibility = "all_customers" // every customer organisation
	VisibleNamed        Visibility = "named"         // the customer organisations named
)

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool {
	return v == VisibleProgramme || v == VisibleAllCustomers || v == VisibleNamed
}

// Label is the visibility as a person reads it.
func (v Visibility) Label() string {
	switch v {
	case VisibleProgramme:
		return "Programme only"
	case VisibleAllCustomers:
		return "All customers"
	case VisibleNamed:
		return "Named customers"
	}
	return string(v)
}

// ProviderSharing says which providers may read a document or article.
type ProviderSharing string

// Provider sharing choices.
const (
	ShareNone  ProviderSharing = "none"
	ShareAll   ProviderSharing = "all"
	ShareNamed ProviderSharing = "named"
)

// Valid reports whether s is a known choice.
func (s ProviderSharing) Valid() bool { return s == ShareNone || s == ShareAll || s == ShareNamed }

// Label is the choice as a person reads it.
func (s ProviderSharing) Label() string {
	switch s {
	case ShareNone:
		return "Not shared with providers"
	case ShareAll:
		return "All providers"
	case ShareNamed:
		return "Named providers"
	}
	return string(s)
}

// Audience is who may read a piece of published content: the customers
// (Visibility, CustomerIDs) and the providers (Sharing, ProviderIDs).
// Programme staff and auditors read everything.
type Audience struct {
	Visibility  Visibility      `json:"visibility"`
	CustomerIDs []int64         `json:"customer_ids"`
	Sharing     ProviderSharing `json:"provider_sharing"`
	ProviderIDs []int64         `json:"provider_ids"`
}

// validate checks the audience's choices; the store checks that the named
// organisations exist and are of the right kind.
func (au *Audience) validate(v *Validation) {
	if au.Visibility == "" {
		au.Visibility = VisibleProgramme
	}
	if au.Sharing == "" {
		au.Sharing = ShareNone
	}
	v.Check(au.Visibility.Valid(), "visibility", "Choose programme only, all customers or named customers.")
	v.Check(au.Sharing.Valid(), "provider_sharing", "Choose not shared, all providers or named providers.")
	if au.Visibility == VisibleNamed {
		v.Check(len(au.CustomerIDs) > 0, "customer_ids", "Choose at least one customer organisation, or another visibility.")
	} else {
		au.CustomerIDs = nil
	}
	if au.Sharing == ShareNamed {
		v.Check(len(au.ProviderIDs) > 0, "provider_ids", "Choose at least one provider, or another sharing choice.")
	} else {
		au.ProviderIDs = nil
	}
	au.CustomerIDs, au.ProviderIDs = uniqueIDs(au.CustomerIDs), uniqueIDs(au.ProviderIDs)
}

// CanRead reports whether the actor may read content with this audience.
func (au *Audience) CanRead(a *Actor) bool {
	switch {
	case a.ReadsEverything():
		return true
	case a.IsCustomer():
		return au.Visibility == VisibleAllCustomers || (au.Visibility == VisibleNamed && containsID(au.CustomerIDs, a.OrgID))
	case a.IsProvider():
		return au.Sharing == ShareAll || (au.Sharing == ShareNamed && containsID(au.ProviderIDs, a.OrgID))
	}
	return false
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func uniqueIDs(ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if !containsID(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// CanPublish reports whether the actor may publish and change documents and
// help articles: programme agents, managers and administrators (not
// auditors).
func (a *Actor) CanPublish() bool { return a.IsStaff() }

// Document is an entry in the document library: its current file is the
// latest of its versions.
type Document struct {
	ID       int64        `json:"id"`
	Type     DocumentType `json:"type"`
	Title    string       `json:"title"`
	Summary  string       `json:"summary"`
	Tags     []string     `json:"tags"`
	OwnerID  *int64       `json:"owner_id"`
	Owner    string       `json:"owner_name"`
	Audience `json:"audience"`
	// Current is the latest version, nil before the first upload.
	Current   *DocumentVersion `json:"current_version"`
	Versions  int              `json:"version_count"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
	Version   int64            `json:"version"`
}

// Validate checks a document's fields and tidies its tags.
func (d *Document) Validate() error {
	var v Validation
	d.Title = strings.TrimSpace(d.Title)
	d.Summary = strings.TrimSpace(d.Summary)
	v.Check(d.Title != "", "title", "Enter a title.")
	v.Check(utf8.RuneCountInString(d.Title) <= 200 && !HasControl(d.Title), "title", "The title must be 200 characters or fewer, without control characters.")
	v.Check(utf8.RuneCountInString(d.Summary) <= 2000, "summary", "The summary must be 2,000 characters or fewer.")
	v.Check(d.Type.Valid(), "type", "Choose the type of document.")
	var ok bool
	d.Tags, ok = NormaliseTags(d.Tags)
	v.Check(ok, "tags", "Use at most 20 tags, each of 1 to 40 letters, digits, spaces or hyphens.")
	d.Audience.validate(&v)
	return v.Err()
}

// NormaliseTags trims, lower-cases and de-duplicates tags, and reports
// whether they are acceptable: at most 20, each 1–40 letters, digits,
// spaces, hyphens or dots.
func NormaliseTags(tags []string) ([]string, bool) {
	out := []string{}
	ok := true
	for _, t := range tags {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > 40 || strings.ContainsFunc(t, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' && r != '.'
		}) {
			ok = false
			continue
		}
		dup := false
		for _, x := range out {
			dup = dup || x == t
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out, ok && len(out) <= 20
}

// SplitTags splits a comma-separated list of tags as typed on a form.
func SplitTags(s string) []string { return strings.Split(s, ",") }

// DocumentVersion is one uploaded file of a document. Versions are never
// changed or removed: a correction is a new version.
type DocumentVersion struct {
	ID          int64     `json:"id"`
	DocumentID  int64     `json:"document_id"`
	Number      int       `json:"number"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploaderID  *int64    `json:"uploader_id"`
	Uploader    string    `json:"uploader_name"`
	Note        string    `json:"change_note"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewDocumentVersion is a file to add to a document. Data is read as a
// stream, once, and never held whole in memory.
type NewDocumentVersion struct {
	Filename string
	Data     io.Reader
	Note     string
}

// documentTypes maps the extensions accepted in the library to the content
// type the file is served with.
var documentTypes = map[string]string{
	".pdf":  "application/pdf",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
	".ppt":  "application/vnd.ms-powerpoint",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".md":   "text/markdown; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
}

// DocumentExtensions lists the accepted file types, for hints on forms and
// in messages.
func DocumentExtensions() string {
	return "PDF, Word, Excel, PowerPoint (DOCX, XLSX, PPTX, DOC, XLS, PPT), OpenDocument (ODT, ODS, ODP), Markdown, plain text, PNG, JPEG, GIF or WebP"
}

// CheckDocumentName validates a file name as sent and returns the content
// type the file will be served with. Names with folders, control or
// bidirectional characters, or an extension not in the library's list are
// refused with a sentence.
func CheckDocumentName(name string) (string, error) {
	fail := func(msg string) (string, error) {
		return "", &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
	}
	switch {
	case name == "":
		return fail("Choose a file to upload.")
	case !utf8.ValidString(name) || HasControl(name) || strings.ContainsFunc(name, func(r rune) bool { return r == '\t' || unicode.Is(unicode.Bidi_Control, r) }):
		return fail("The file name contains characters that are not allowed; rename the file and try again.")
	case strings.ContainsAny(name, `/\:`) || strings.Contains(name, "..") || strings.HasPrefix(name, "."):
		return fail("The file name must not contain a folder path; rename the file and try again.")
	case utf8.RuneCountInString(name) > 200:
		return fail("The file name must be 200 characters or fewer.")
	}
	ct, ok := documentTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		return fail("The file must be a " + DocumentExtensions() + " file.")
	}
	return ct, nil
}

// DocumentFilter selects documents. Query is full-text over the title,
// summary, tags and the current file's text.
type DocumentFilter struct {
	Type   *DocumentType
	Tag    *string
	Query  *string
	Sort   string // "", "title", "-updated" (default), "updated"
	Offset int
	Limit  int
}

// DocumentUpdate is a partial change to a document's description and
// audience. Version must be the version last read.
type DocumentUpdate struct {
	Type     *DocumentType
	Title    *string
	Summary  *string
	Tags     *[]string
	OwnerID  *int64
	Audience *Audience
	Version  int64
}

// ContentHit is one result of a search over documents and help articles.
type ContentHit struct {
	Kind    string    `json:"kind"` // "document" or "article"
	ID      int64     `json:"id"`
	Title   string    `json:"title"`
	Summary string    `json:"summary"`
	Type    string    `json:"type"` // the document type or the article's category
	At      time.Time `json:"updated_at"`
}

// DocumentService is the document library. Everyone signed in reads the
// documents whose audience includes them (programme staff and auditors read
// all); programme staff publish. A document the caller may not read does
// not exist for them (ENOTFOUND).
type DocumentService interface {
	// CreateDocument describes a new document (EINVALID, EFORBIDDEN).
	CreateDocument(ctx context.Context, d *Document) error
	// FindDocumentByID returns a document the caller may read (ENOTFOUND).
	FindDocumentByID(ctx context.Context, id int64) (*Document, error)
	// FindDocuments returns a page of the documents the caller may read.
	FindDocuments(ctx context.Context, f DocumentFilter) ([]*Document, int, error)
	// UpdateDocument changes a document (EINVALID, EFORBIDDEN, ENOTFOUND,
	// ECONFLICT).
	UpdateDocument(ctx context.Context, id int64, upd DocumentUpdate) (*Document, error)
	// DeleteDocument removes a document that has no versions yet, such as
	// one whose first upload was refused (EFORBIDDEN, ENOTFOUND,
	// ECONFLICT when it has versions or version is stale).
	DeleteDocument(ctx context.Context, id, version int64) error
	// AddDocumentVersion streams a file into the document as its new
	// current version and tells the subscribers who may read it. A file
	// that is too large (ETOOLARGE), empty, misnamed, of a type its
	// content belies, or an archive that would expand too far (EINVALID)
	// is refused and nothing is stored.
	AddDocumentVersion(ctx context.Context, documentID int64, nv NewDocumentVersion) (*DocumentVersion, error)
	// DocumentVersions lists a readable document's versions, newest first.
	DocumentVersions(ctx context.Context, documentID int64) ([]*DocumentVersion, error)
	// OpenDocumentVersion returns a version the caller may read and its
	// content as a stream that checks the SHA-256 at its end. The caller
	// closes it.
	OpenDocumentVersion(ctx context.Context, versionID int64) (*DocumentVersion, io.ReadCloser, error)
	// DocumentTags lists the tags of the documents the caller may read.
	DocumentTags(ctx context.Context) ([]string, error)
	// Subscribe and Unsubscribe choose whether the caller is e-mailed when
	// a new version of a document of the type that they may read appears.
	Subscribe(ctx context.Context, t DocumentType) error
	Unsubscribe(ctx context.Context, t DocumentType) error
	// Subscriptions lists the caller's subscribed types.
	Subscriptions(ctx context.Context) ([]DocumentType, error)
	// SearchContent searches the documents and help articles the caller
	// may read, best matches first.
	SearchContent(ctx context.Context, query string, limit int) ([]*ContentHit, error)
}
