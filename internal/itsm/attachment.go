package itsm

import (
	"context"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxAttachmentSize is the largest file accepted on a ticket (10 MiB).
const MaxAttachmentSize = 10 << 20

// Attachment is a file added to a ticket. Its SHA-256 is recorded so that
// backups and restores can prove it unchanged.
type Attachment struct {
	ID          int64     `json:"id"`
	TicketID    int64     `json:"ticket_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Public      bool      `json:"public"`
	UploaderID  *int64    `json:"uploader_id"`
	CreatedAt   time.Time `json:"created_at"`
}

// attachmentTypes maps the extensions accepted on tickets to the content
// type they are served with.
var attachmentTypes = map[string]string{
	".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".txt": "text/plain; charset=utf-8", ".log": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8",
	".xml": "application/xml", ".json": "application/json",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".odt":  "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}

// AttachmentExtensions lists the accepted extensions, for hints on forms.
func AttachmentExtensions() []string {
	return []string{"PDF", "PNG", "JPEG", "GIF", "TXT", "LOG", "CSV", "XML", "JSON", "DOCX", "XLSX", "ODT", "ODS"}
}

// CheckAttachmentName validates a file name as sent by a browser or client
// and returns the content type the file will be served with. Names with
// paths, control characters or unknown extensions are refused.
func CheckAttachmentName(name string) (string, error) {
	fail := func(msg string) (string, error) {
		return "", &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
	}
	switch {
	case name == "":
		return fail("Choose a file to upload.")
	case !utf8.ValidString(name) || HasControl(name):
		return fail("The file name contains characters that are not allowed; rename the file and try again.")
	case strings.ContainsAny(name, `/\`) || name == "." || name == ".." || strings.HasPrefix(name, "."):
		return fail("The file name must not contain a folder path; rename the file and try again.")
	case utf8.RuneCountInString(name) > 200:
		return fail("The file name must be 200 characters or fewer.")
	}
	ct, ok := attachmentTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		return fail("The file must be a " + strings.Join(AttachmentExtensions(), ", ") + " file.")
	}
	return ct, nil
}

// NewAttachment is a file to add; Data is read up to MaxAttachmentSize+1
// bytes so oversize files are refused without reading them whole.
type NewAttachment struct {
	Filename string
	Data     io.Reader
	// Internal files are seen by programme and provider staff only.
	Internal bool
}

// AttachmentService stores and serves ticket files.
type AttachmentService interface {
	AddAttachment(ctx context.Context, ticketID int64, a NewAttachment) (*Attachment, error)
	FindAttachments(ctx context.Context, ticketID int64) ([]*Attachment, error)
	// OpenAttachment returns the attachment and its content.
	OpenAttachment(ctx context.Context, id int64) (*Attachment, []byte, error)
}

// TicketLink joins a ticket to another record.
type TicketLink struct {
	Kind       string `json:"kind"` // duplicate_of, related, caused_by
	TargetType string `json:"target_type"`
	TargetID   int64  `json:"target_id"`
	TargetRef  string `json:"target_ref"`
}

// Watcher is someone told about a ticket's changes.
type Watcher struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
}

// TicketRelations manages a ticket's watchers and links.
type TicketRelations interface {
	// Watch adds a watcher: the caller, or for staff any person who may see
	// the ticket. Unwatch removes one.
	Watch(ctx context.Context, ticketID, userID int64) error
	Unwatch(ctx context.Context, ticketID, userID int64) error
	Watchers(ctx context.Context, ticketID int64) ([]*Watcher, error)
	// LinkTickets records that a ticket duplicates or relates to another.
	LinkTickets(ctx context.Context, ticketID int64, kind string, otherID int64) error
	TicketLinks(ctx context.Context, ticketID int64) ([]*TicketLink, error)
}
