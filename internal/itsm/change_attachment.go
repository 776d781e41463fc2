package itsm

import (
	"context"
	"time"
)

// ChangeAttachment is a file added to a change request: a specification,
// a mock-up, a spreadsheet of the work. The same names, types and size are
// accepted as on tickets (CheckAttachmentName, MaxAttachmentSize), and its
// SHA-256 is recorded so that backups and restores can prove it unchanged.
type ChangeAttachment struct {
	ID          int64  `json:"id"`
	ChangeID    int64  `json:"change_id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	// Public is false for internal files, which the programme team and
	// the assigned provider see but customers do not.
	Public     bool      `json:"public"`
	UploaderID *int64    `json:"uploader_id"`
	Uploader   string    `json:"uploader_name"`
	CreatedAt  time.Time `json:"created_at"`
}

// ChangeAttachmentService stores and serves the files of change requests.
// Tenancy follows the change: whoever may see the change may list and
// download its files (customers not its internal ones); anyone else gets
// ENOTFOUND. Files are added by the change's customer organisation, the
// programme team and the assigned provider (internal files: the programme
// team and the provider only); auditors add nothing (EFORBIDDEN).
type ChangeAttachmentService interface {
	// AddChangeAttachment stores a file on a change that is still open.
	// EINVALID (name, type, content or an empty file), ETOOLARGE,
	// EFORBIDDEN, ENOTFOUND, ECONFLICT (closed, rejected or withdrawn).
	// A refused file stores nothing.
	AddChangeAttachment(ctx context.Context, changeID int64, a NewAttachment) (*ChangeAttachment, error)
	// ChangeAttachments lists a visible change's files, oldest first.
	// ENOTFOUND.
	ChangeAttachments(ctx context.Context, changeID int64) ([]*ChangeAttachment, error)
	// OpenChangeAttachment returns a file the caller may see and its
	// content. ENOTFOUND.
	OpenChangeAttachment(ctx context.Context, id int64) (*ChangeAttachment, []byte, error)
}
