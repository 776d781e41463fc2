package web

import (
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"unicode"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

var uploadPath = regexp.MustCompile(`^/((tickets|changes)/(new|[0-9]+/attachments)|import|checks/import|agreements/new)$`)

// IsUpload reports whether r posts one of the forms that carry a file
// ("Report an issue", "Raise a change", the upload forms of a ticket and
// a change, the CSV and check imports, and the new agreement form with its
// gov.uk bank holidays file), whose bodies the server
// lets grow past its usual limit to hold a file of up to
// itsm.MaxAttachmentSize.
func IsUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && uploadPath.MatchString(r.URL.Path)
}

// postedFile is a file chosen in a form, already checked for what can be
// checked before the store reads it: its name exactly as the browser sent
// it (a name with a folder path is refused, not quietly shortened) and
// its size. The store checks its content.
type postedFile struct {
	multipart.File
	name string
}

var errTooLargeFile = &itsm.Error{Code: itsm.ETOOLARGE, Message: "The file must be smaller than 10 MB.", Fields: map[string]string{"file": "The file must be smaller than 10 MB."}}

// formFile returns the file posted in a field, or nil when none was chosen
// (browsers send an empty part then). The caller closes it.
func formFile(r *http.Request, fieldName string) (*postedFile, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[fieldName]) == 0 {
		return nil, nil
	}
	files := r.MultipartForm.File[fieldName]
	if len(files) > 1 {
		return nil, fieldErr(fieldName, "Choose one file at a time.")
	}
	fh := files[0]
	// multipart.FileHeader.Filename keeps only the last element of a
	// path; the header has the name as sent.
	name := fh.Filename
	if _, params, err := mime.ParseMediaType(fh.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		name = params["filename"]
	}
	if _, err := itsm.CheckAttachmentName(name); err != nil {
		return nil, err
	}
	// Bidirectional controls make "photo\u202Egnp.exe" read as
	// "photoexe.png"; tabs have no place in a file name.
	if strings.ContainsFunc(name, func(r rune) bool { return r == '\t' || unicode.Is(unicode.Bidi_Control, r) }) {
		return nil, fieldErr(fieldName, "The file name contains characters that are not allowed; rename the file and try again.")
	}
	if fh.Size > itsm.MaxAttachmentSize {
		return nil, errTooLargeFile
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open uploaded file: %w", err)
	}
	return &postedFile{File: f, name: name}, nil
}

// ticketUpload adds a file to a ticket: anyone who may write on it, with
// "internal" (seen only by the service desk and the provider) for those
// who work it.
func (s *Server) ticketUpload(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	var name string
	return s.ticketAction(w, r, func(t *itsm.Ticket) (string, error) {
		file, err := formFile(r, "file")
		if err != nil {
			return "", err
		}
		if file == nil {
			return "", fieldErr("file", "Choose a file to upload.")
		}
		defer file.Close()
		name = file.name
		internal := r.PostFormValue("internal") == "true"
		if internal && !worksTicket(a, t) {
			return "", forbidden("Only the service desk and the provider can add internal files.")
		}
		if _, err := s.svc.Attachments.AddAttachment(r.Context(), t.ID, itsm.NewAttachment{Filename: name, Data: file, Internal: internal}); err != nil {
			return "", err
		}
		return name + " has been added to " + t.Ref + ".", nil
	}, func(p *ticketDetailPage) { p.InternalFile = r.PostFormValue("internal") == "true" }, nil)
}

// attachmentDownload sends a file to anyone who may see it (404 to anyone
// else): always as a download with its name (RFC 6266, UTF-8 in
// filename*), with the content type recorded when it was checked, never
// sniffed and, should a browser show it anyway, sandboxed.
func (s *Server) attachmentDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	at, data, err := s.svc.Attachments.OpenAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.ServeDownload(w, r, at.Filename, at.ContentType, at.SHA256, data)
	return nil
}
