package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// sniffMatches reports whether a file's first bytes agree with the content
// type its name claims, so a renamed executable is refused.
func sniffMatches(claimed string, data []byte) bool {
	sniffed := http.DetectContentType(data)
	base := strings.TrimSpace(strings.Split(claimed, ";")[0])
	switch {
	case strings.HasPrefix(base, "image/"), base == "application/pdf":
		return strings.HasPrefix(sniffed, base)
	case strings.HasPrefix(base, "text/"), base == "application/json", base == "application/xml":
		return strings.HasPrefix(sniffed, "text/") && !strings.HasPrefix(sniffed, "text/html")
	case strings.Contains(base, "openxmlformats"), strings.Contains(base, "opendocument"):
		return sniffed == "application/zip"
	}
	return false
}

// readUpload checks a file's name, reads it (refusing it past
// itsm.MaxAttachmentSize without reading it whole) and checks its content
// against the type its name claims. It returns the type the file is served
// with and its content. Ticket and change files share it.
func readUpload(na itsm.NewAttachment) (string, []byte, error) {
	ct, err := itsm.CheckAttachmentName(na.Filename)
	if err != nil {
		return "", nil, err
	}
	if na.Data == nil {
		return "", nil, &itsm.Error{Code: itsm.EINVALID, Message: "Choose a file to upload.", Fields: map[string]string{"file": "Choose a file to upload."}}
	}
	tooLarge := &itsm.Error{Code: itsm.ETOOLARGE, Message: "The file must be smaller than 10 MB.", Fields: map[string]string{"file": "The file must be smaller than 10 MB."}}
	data, err := io.ReadAll(io.LimitReader(na.Data, itsm.MaxAttachmentSize+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", nil, tooLarge
		}
		return "", nil, fmt.Errorf("read upload: %w", err)
	}
	switch {
	case len(data) > itsm.MaxAttachmentSize:
		return "", nil, tooLarge
	case len(data) == 0:
		return "", nil, &itsm.Error{Code: itsm.EINVALID, Message: "The file is empty.", Fields: map[string]string{"file": "The file is empty."}}
	case !sniffMatches(ct, data):
		return "", nil, &itsm.Error{Code: itsm.EINVALID, Message: "The file's content does not match its type; check you chose the right file.", Fields: map[string]string{"file": "The file's content does not match its type."}}
	}
	return ct, data, nil
}

// AddAttachment stores a file on a visible ticket after checking its name,
// size and content.
func (db *DB) AddAttachment(ctx context.Context, ticketID int64, na itsm.NewAttachment) (*itsm.Attachment, error) {
	a := itsm.ActorFromContext(ctx)
	ct, data, err := readUpload(na)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	att := &itsm.Attachment{TicketID: ticketID, Filename: na.Filename, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Public: !na.Internal}
	err = db.update(ctx, func(tx *Tx) error {
		t, err := tx.visibleTicket(ticketID)
		if err != nil {
			return err
		}
		if a.ReadOnly() || !a.SignedIn() {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to add files to tickets.")
		}
		if na.Internal && !canWorkTicket(a, t) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk and the provider can add internal files.")
		}
		if t.Status == itsm.StatusClosed {
			return itsm.Errorf(itsm.ECONFLICT, "%s is closed; raise a new ticket and mention this reference.", t.Ref)
		}
		if a.UserID != 0 {
			att.UploaderID = &a.UserID
		}
		att.CreatedAt = tx.now
		if att.ID, err = tx.insert(`INSERT INTO attachments (ticket_id, filename, content_type, size, sha256, public, uploader_id, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ticketID, att.Filename, att.ContentType, att.Size, att.SHA256, att.Public, att.UploaderID, ts(tx.now), data); err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
		if err := tx.addEvent(&itsm.TicketEvent{TicketID: ticketID, Type: "attachment", Body: att.Filename, Public: att.Public}); err != nil {
			return err
		}
		return tx.audit(itsm.AuditCreate, "attachment", att.ID, &t.OrgID, diff(nil, att))
	})
	if err != nil {
		return nil, err
	}
	return att, nil
}

const attachmentColumns = `id, ticket_id, filename, content_type, size, sha256, public, uploader_id, created_at`

func scanAttachment(row scanner, extra ...any) (*itsm.Attachment, error) {
	var at itsm.Attachment
	var created int64
	if err := row.Scan(append([]any{&at.ID, &at.TicketID, &at.Filename, &at.ContentType, &at.Size, &at.SHA256, &at.Public, &at.UploaderID, &created}, extra...)...); err != nil {
		return nil, err
	}
	at.CreatedAt = fromTS(created)
	return &at, nil
}

var ticketFiles = fileTable[itsm.Attachment]{
	table: "attachments", parent: "ticket_id", columns: attachmentColumns, object: "attachment",
	visibleParent: func(tx *Tx, id int64) error { _, err := tx.visibleTicket(id); return err },
	scan:          scanAttachment,
	meta:          func(at *itsm.Attachment) (int64, bool, string) { return at.TicketID, at.Public, at.SHA256 },
}

// FindAttachments lists a visible ticket's files; customers do not see
// internal ones.
func (db *DB) FindAttachments(ctx context.Context, ticketID int64) ([]*itsm.Attachment, error) {
	return ticketFiles.list(ctx, db, ticketID)
}

// OpenAttachment returns a file the caller may see, with its content.
func (db *DB) OpenAttachment(ctx context.Context, id int64) (*itsm.Attachment, []byte, error) {
	return ticketFiles.open(ctx, db, id)
}

// Watch adds a watcher to a visible ticket: the caller themself, or anyone
// who may see the ticket when staff add them.
func (db *DB) Watch(ctx context.Context, ticketID, userID int64) error {
	return db.watch(ctx, ticketID, userID, true)
}

// Unwatch removes a watcher.
func (db *DB) Unwatch(ctx context.Context, ticketID, userID int64) error {
	return db.watch(ctx, ticketID, userID, false)
}

func (db *DB) watch(ctx context.Context, ticketID, userID int64, on bool) error {
	a := itsm.ActorFromContext(ctx)
	return db.update(ctx, func(tx *Tx) error {
		t, err := tx.visibleTicket(ticketID)
		if err != nil {
			return err
		}
		if a.ReadOnly() || !a.SignedIn() || (userID != a.UserID && !a.IsStaff()) {
			return itsm.Errorf(itsm.EFORBIDDEN, "You can only change your own watching of a ticket.")
		}
		u, err := tx.findUser(userID)
		if err != nil {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose a person.", Fields: map[string]string{"user_id": "Choose a person."}}
		}
		ua := &itsm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgKind: u.OrgKind, Role: u.Role}
		if on && !canSeeTicket(ua, t) {
			return &itsm.Error{Code: itsm.EINVALID, Message: fmt.Sprintf("%s cannot see this ticket, so cannot watch it.", u.Name), Fields: map[string]string{"user_id": "That person cannot see this ticket."}}
		}
		q := `DELETE FROM ticket_watchers WHERE ticket_id = ? AND user_id = ?`
		action := "unwatch"
		if on {
			q, action = `INSERT INTO ticket_watchers (ticket_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, "watch"
		}
		if _, err := tx.exec(q, ticketID, userID); err != nil {
			return fmt.Errorf("%s ticket %d: %w", action, ticketID, err)
		}
		return tx.audit(action, "ticket", ticketID, &t.OrgID, fields("user", u.Name))
	})
}

// Watchers lists a visible ticket's watchers.
func (db *DB) Watchers(ctx context.Context, ticketID int64) ([]*itsm.Watcher, error) {
	var out []*itsm.Watcher
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.visibleTicket(ticketID); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT u.id, u.name FROM ticket_watchers w JOIN users u ON u.id = w.user_id WHERE w.ticket_id = ? ORDER BY u.name`, ticketID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var w itsm.Watcher
			if err := rows.Scan(&w.UserID, &w.Name); err != nil {
				return err
			}
			out = append(out, &w)
		}
		return rows.Err()
	})
	return out, err
}

// LinkTickets records that a ticket duplicates or relates to another ticket
// of the same organisation (staff only).
func (db *DB) LinkTickets(ctx context.Context, ticketID int64, kind string, otherID int64) error {
	a := itsm.ActorFromContext(ctx)
	if kind != "duplicate_of" && kind != "related" {
		return &itsm.Error{Code: itsm.EINVALID, Message: "Choose 'duplicate of' or 'related'.", Fields: map[string]string{"kind": "Choose 'duplicate of' or 'related'."}}
	}
	if !a.IsStaff() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk can link tickets.")
	}
	if ticketID == otherID {
		return &itsm.Error{Code: itsm.EINVALID, Message: "A ticket cannot be linked to itself.", Fields: map[string]string{"target_id": "Choose another ticket."}}
	}
	return db.update(ctx, func(tx *Tx) error {
		t, err := tx.visibleTicket(ticketID)
		if err != nil {
			return err
		}
		o, err := tx.visibleTicket(otherID)
		if err != nil {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose an existing ticket.", Fields: map[string]string{"target_id": "Choose an existing ticket."}}
		}
		if _, err := tx.exec(`INSERT INTO ticket_links (ticket_id, kind, target_type, target_id, created_at) VALUES (?, ?, 'ticket', ?, ?) ON CONFLICT DO NOTHING`, ticketID, kind, otherID, ts(tx.now)); err != nil {
			return fmt.Errorf("link tickets: %w", err)
		}
		// The customer reads the history: a link to another organisation's
		// ticket (the same outage reported by two councils) is recorded
		// for staff only, so it does not name a ticket the customer cannot
		// see.
		if err := tx.addEvent(&itsm.TicketEvent{TicketID: ticketID, Type: "link", Body: strings.ReplaceAll(kind, "_", " ") + " " + o.Ref, Public: o.OrgID == t.OrgID}); err != nil {
			return err
		}
		return tx.audit("link", "ticket", ticketID, &t.OrgID, fields("kind", kind, "target", o.Ref))
	})
}

// TicketLinks lists a visible ticket's links to tickets and problems the
// caller may see.
func (db *DB) TicketLinks(ctx context.Context, ticketID int64) ([]*itsm.TicketLink, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.TicketLink
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.visibleTicket(ticketID); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT l.kind, l.target_type, l.target_id, COALESCE(t.ref, p.ref, ''), t.org_id, t.provider_id, p.provider_id, p.known_error
			FROM ticket_links l LEFT JOIN tickets t ON l.target_type = 'ticket' AND t.id = l.target_id LEFT JOIN problems p ON l.target_type = 'problem' AND p.id = l.target_id
			WHERE l.ticket_id = ? ORDER BY l.id`, ticketID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l itsm.TicketLink
			var org, tprov, pprov sql.NullInt64
			var known sql.NullBool
			if err := rows.Scan(&l.Kind, &l.TargetType, &l.TargetID, &l.TargetRef, &org, &tprov, &pprov, &known); err != nil {
				return err
			}
			visible := a.ReadsEverything()
			switch {
			case visible:
			case l.TargetType == "ticket":
				visible = (a.IsCustomer() && org.Int64 == a.OrgID) || (a.IsProvider() && tprov.Valid && tprov.Int64 == a.OrgID)
			case l.TargetType == "problem":
				visible = (a.IsProvider() && pprov.Valid && pprov.Int64 == a.OrgID) || (a.IsCustomer() && known.Valid && known.Bool)
			}
			if visible {
				out = append(out, &l)
			}
		}
		return rows.Err()
	})
	return out, err
}
