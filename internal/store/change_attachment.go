package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/steward-itsm/steward/internal/itsm"
)

var _ itsm.ChangeAttachmentService = (*DB)(nil)

// AddChangeAttachment stores a file on a visible, open change after
// checking its name, size and content, as ticket files are checked. The
// change's customer organisation, the programme team and the assigned
// provider add files (who may see the change may add one, auditors
// excepted); internal files only the programme team and the provider.
// Public files appear in the change's history.
func (db *DB) AddChangeAttachment(ctx context.Context, changeID int64, na itsm.NewAttachment) (*itsm.ChangeAttachment, error) {
	a := itsm.ActorFromContext(ctx)
	ct, data, err := readUpload(na)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	att := &itsm.ChangeAttachment{ChangeID: changeID, Filename: na.Filename, ContentType: ct, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), Public: !na.Internal}
	err = db.update(ctx, func(tx *Tx) error {
		c, err := tx.findChange(changeID)
		if err != nil {
			return err
		}
		if a.ReadOnly() || !a.SignedIn() {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to add files to changes.")
		}
		if na.Internal && !canWorkChange(a, c) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team and the provider can add internal files.")
		}
		if !c.State.Open() {
			return itsm.Errorf(itsm.ECONFLICT, "%s is %s and takes no more files; raise a new change and mention this reference.", c.Ref, c.State)
		}
		att.UploaderID, att.Uploader, att.CreatedAt = tx.actorID(), a.Name, tx.now
		if att.ID, err = tx.insert(`INSERT INTO change_attachments (change_id, filename, content_type, size, sha256, public, uploader_id, uploader_name, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			changeID, att.Filename, att.ContentType, att.Size, att.SHA256, att.Public, att.UploaderID, att.Uploader, ts(tx.now), data); err != nil {
			return fmt.Errorf("store change attachment: %w", err)
		}
		// The history is read by customers too: an internal file is
		// audited but not listed there.
		if att.Public {
			if err := tx.changeEvent(changeID, "attachment", "", "", att.Filename); err != nil {
				return err
			}
		}
		return tx.audit(itsm.AuditCreate, "change_attachment", att.ID, &c.OrgID, diff(nil, att))
	})
	if err != nil {
		return nil, err
	}
	return att, nil
}

const changeAttachmentColumns = `id, change_id, filename, content_type, size, sha256, public, uploader_id, uploader_name, created_at`

func scanChangeAttachment(row scanner, extra ...any) (*itsm.ChangeAttachment, error) {
	var at itsm.ChangeAttachment
	var created int64
	if err := row.Scan(append([]any{&at.ID, &at.ChangeID, &at.Filename, &at.ContentType, &at.Size, &at.SHA256, &at.Public, &at.UploaderID, &at.Uploader, &created}, extra...)...); err != nil {
		return nil, err
	}
	at.CreatedAt = fromTS(created)
	return &at, nil
}

var changeFiles = fileTable[itsm.ChangeAttachment]{
	table: "change_attachments", parent: "change_id", columns: changeAttachmentColumns, object: "change_attachment",
	visibleParent: func(tx *Tx, id int64) error { _, err := tx.findChange(id); return err },
	scan:          scanChangeAttachment,
	meta:          func(at *itsm.ChangeAttachment) (int64, bool, string) { return at.ChangeID, at.Public, at.SHA256 },
}

// ChangeAttachments lists a visible change's files, oldest first;
// customers do not see internal ones.
func (db *DB) ChangeAttachments(ctx context.Context, changeID int64) ([]*itsm.ChangeAttachment, error) {
	return changeFiles.list(ctx, db, changeID)
}

// OpenChangeAttachment returns a file the caller may see, with its content,
// after checking it against its recorded checksum. A file the caller may
// not see is ENOTFOUND, and the refusal is audited.
func (db *DB) OpenChangeAttachment(ctx context.Context, id int64) (*itsm.ChangeAttachment, []byte, error) {
	return changeFiles.open(ctx, db, id)
}
