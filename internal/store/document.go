package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

const documentColumns = `d.id, d.type, d.title, d.summary, d.tags, d.owner_id, COALESCE(u.name, ''), d.visibility, d.provider_sharing,
	d.version_count, d.created_at, d.updated_at, d.version,
	v.id, v.number, v.filename, v.content_type, v.size, v.sha256, v.uploader_id, v.uploader, v.note, v.created_at`

const documentFrom = ` FROM documents d LEFT JOIN users u ON u.id = d.owner_id LEFT JOIN document_versions v ON v.id = d.current_version_id`

func scanDocument(row scanner) (*itsm.Document, error) {
	var d itsm.Document
	var tags string
	var created, updated int64
	var vid, vnum, vsize, vcreated, vuploader sql.NullInt64
	var vname, vct, vsha, vup, vnote sql.NullString
	if err := row.Scan(&d.ID, &d.Type, &d.Title, &d.Summary, &tags, &d.OwnerID, &d.Owner, &d.Visibility, &d.Sharing,
		&d.Versions, &created, &updated, &d.Version,
		&vid, &vnum, &vname, &vct, &vsize, &vsha, &vuploader, &vup, &vnote, &vcreated); err != nil {
		return nil, err
	}
	d.Tags = splitTags(tags)
	d.CreatedAt, d.UpdatedAt = fromTS(created), fromTS(updated)
	d.CustomerIDs, d.ProviderIDs = []int64{}, []int64{}
	if vid.Valid {
		d.Current = &itsm.DocumentVersion{ID: vid.Int64, DocumentID: d.ID, Number: int(vnum.Int64), Filename: vname.String, ContentType: vct.String,
			Size: vsize.Int64, SHA256: vsha.String, Uploader: vup.String, Note: vnote.String, CreatedAt: fromTS(vcreated.Int64)}
		if vuploader.Valid {
			d.Current.UploaderID = &vuploader.Int64
		}
	}
	return &d, nil
}

// findDocument reads a document the caller may read.
func (tx *Tx) findDocument(id int64) (*itsm.Document, error) {
	d, err := scanDocument(tx.queryRow(`SELECT `+documentColumns+documentFrom+` WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("document")
	} else if err != nil {
		return nil, fmt.Errorf("find document %d: %w", id, err)
	}
	if ok, err := tx.canReadRow(documentTables, id, d.Audience); err != nil {
		return nil, err
	} else if !ok {
		return nil, itsm.ErrNotFound("document")
	}
	return d, tx.loadAudiences(documentTables, map[int64]*itsm.Audience{d.ID: &d.Audience})
}

func (tx *Tx) checkDocumentOwner(owner *int64) error {
	if owner == nil {
		return nil
	}
	u, err := tx.findUser(*owner)
	if err != nil || !u.Role.IsStaff() || u.Status != itsm.UserActive {
		msg := "Choose an active member of the programme team as owner."
		return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"owner_id": msg}}
	}
	return nil
}

func canPublish(a *itsm.Actor, what string) error {
	if !a.CanPublish() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team can publish %s.", what)
	}
	return nil
}

// CreateDocument describes a new document (programme staff). Its file is
// added with AddDocumentVersion.
func (db *DB) CreateDocument(ctx context.Context, d *itsm.Document) error {
	if err := canPublish(itsm.ActorFromContext(ctx), "documents"); err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.checkDocumentOwner(d.OwnerID); err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO documents (type, title, summary, tags, owner_id, visibility, provider_sharing, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, string(d.Type), d.Title, d.Summary, joinTags(d.Tags), d.OwnerID, string(d.Visibility), string(d.Sharing), ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create document: %w", err)
		}
		if err := tx.saveAudience(documentTables, id, &d.Audience); err != nil {
			return err
		}
		if err := tx.saveTags(documentTables, id, d.Tags); err != nil {
			return err
		}
		got, err := tx.findDocument(id)
		if err != nil {
			return err
		}
		*d = *got
		return tx.audit(itsm.AuditCreate, "document", id, nil, diff(nil, d))
	})
}

// FindDocumentByID returns a document the caller may read.
func (db *DB) FindDocumentByID(ctx context.Context, id int64) (*itsm.Document, error) {
	var d *itsm.Document
	err := db.view(ctx, func(tx *Tx) (err error) { d, err = tx.findDocument(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "document", strconv.FormatInt(id, 10), "document not visible to the caller")
	}
	return d, err
}

var documentSorts = map[string]string{
	"": "d.updated_at DESC, d.id DESC", "-updated": "d.updated_at DESC, d.id DESC", "updated": "d.updated_at, d.id",
	"title": "d.title, d.id", "-title": "d.title DESC, d.id DESC",
}

// FindDocuments returns a page of the documents the caller may read.
func (db *DB) FindDocuments(ctx context.Context, f itsm.DocumentFilter) ([]*itsm.Document, int, error) {
	a := itsm.ActorFromContext(ctx)
	var w where
	audienceScope(&w, a, documentTables, "d")
	if f.Type != nil {
		w.add("d.type = ?", string(*f.Type))
	}
	if f.Tag != nil && *f.Tag != "" {
		w.add("d.id IN (SELECT document_id FROM document_tags WHERE tag = ?)", strings.ToLower(strings.TrimSpace(*f.Tag)))
	}
	if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
		db.matchText(&w, documentTables, "d", *f.Query)
	}
	order, ok := documentSorts[f.Sort]
	if !ok {
		return nil, 0, &itsm.Error{Code: itsm.EINVALID, Message: "Sort by updated, -updated, title or -title.", Fields: map[string]string{"sort": "Choose a known sort order."}}
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.Document
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if out, err = queryAll(tx, scanDocument, `SELECT `+documentColumns+documentFrom+w.String()+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(w.args, limit, offset)...); err != nil {
			return err
		}
		if err := tx.queryRow(`SELECT COUNT(*) FROM documents d`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		byID := map[int64]*itsm.Audience{}
		for _, d := range out {
			byID[d.ID] = &d.Audience
		}
		return tx.loadAudiences(documentTables, byID)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find documents: %w", err)
	}
	return out, total, nil
}

// matchText adds a full-text condition on the rows of ct (aliased alias):
// FTS5 on SQLite, the tsvector column on PostgreSQL.
func (db *DB) matchText(w *where, ct contentTable, alias, q string) {
	q = strings.TrimSpace(q)
	if db.engine == Postgres {
		w.add(alias+".search @@ websearch_to_tsquery('english', ?)", q)
		return
	}
	w.add(alias+".id IN (SELECT rowid FROM "+ct.table+"_fts WHERE "+ct.table+"_fts MATCH ?)", contentFTSQuery(q))
}

// UpdateDocument changes a document's description and audience (programme
// staff).
func (db *DB) UpdateDocument(ctx context.Context, id int64, upd itsm.DocumentUpdate) (*itsm.Document, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.Document
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findDocument(id)
		if err != nil {
			return err
		}
		if err := canPublish(a, "documents"); err != nil {
			return err
		}
		d := *before
		if upd.Type != nil {
			d.Type = *upd.Type
		}
		if upd.Title != nil {
			d.Title = *upd.Title
		}
		if upd.Summary != nil {
			d.Summary = *upd.Summary
		}
		if upd.Tags != nil {
			d.Tags = *upd.Tags
		}
		if upd.OwnerID != nil {
			d.OwnerID = upd.OwnerID
			if *upd.OwnerID == 0 {
				d.OwnerID = nil
			}
		}
		if upd.Audience != nil {
			d.Audience = *upd.Audience
		}
		if err := d.Validate(); err != nil {
			return err
		}
		if err := tx.checkDocumentOwner(d.OwnerID); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE documents SET type = ?, title = ?, summary = ?, tags = ?, owner_id = ?, visibility = ?, provider_sharing = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`, string(d.Type), d.Title, d.Summary, joinTags(d.Tags), d.OwnerID, string(d.Visibility), string(d.Sharing), ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update document %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("document")
		}
		if err := tx.saveAudience(documentTables, id, &d.Audience); err != nil {
			return err
		}
		if err := tx.saveTags(documentTables, id, d.Tags); err != nil {
			return err
		}
		if out, err = tx.findDocument(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditUpdate, "document", id, nil, diff(before, out))
	})
	return out, err
}

// DeleteDocument removes a document that has no versions (programme
// staff). Published documents are never deleted: their versions are the
// record of what customers were given.
func (db *DB) DeleteDocument(ctx context.Context, id, version int64) error {
	a := itsm.ActorFromContext(ctx)
	return db.update(ctx, func(tx *Tx) error {
		d, err := tx.findDocument(id)
		if err != nil {
			return err
		}
		if err := canPublish(a, "documents"); err != nil {
			return err
		}
		if d.Versions > 0 {
			return itsm.Errorf(itsm.ECONFLICT, "A document with published versions cannot be deleted. Make it visible to the programme only instead.")
		}
		res, err := tx.exec(`DELETE FROM documents WHERE id = ? AND version = ? AND version_count = 0`, id, version)
		if err != nil {
			return fmt.Errorf("delete document %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("document")
		}
		return tx.audit(itsm.AuditDelete, "document", id, nil, diff(d, nil))
	})
}

// maxDocumentSize is the configured limit on a document file.
func (db *DB) maxDocumentSize() int64 {
	if db.MaxDocumentSize > 0 {
		return db.MaxDocumentSize
	}
	return itsm.DefaultMaxDocumentSize
}

// AddDocumentVersion streams a file into the database as the document's
// new current version. The caller's right to publish and the document are
// checked before a byte is stored; the content is then streamed in chunks
// (see writeBlob), checked against its name, and recorded with the
// version, its audit entry and the subscribers' e-mails in one
// transaction. If anything fails, the chunks are removed: nothing is
// stored on refusal.
func (db *DB) AddDocumentVersion(ctx context.Context, documentID int64, nv itsm.NewDocumentVersion) (*itsm.DocumentVersion, error) {
	a := itsm.ActorFromContext(ctx)
	if _, err := db.FindDocumentByID(ctx, documentID); err != nil {
		return nil, err
	}
	if err := canPublish(a, "documents"); err != nil {
		return nil, err
	}
	ct, err := itsm.CheckDocumentName(nv.Filename)
	if err != nil {
		return nil, err
	}
	nv.Note = strings.TrimSpace(nv.Note)
	if len(nv.Note) > 2000 || itsm.HasControl(strings.ReplaceAll(strings.ReplaceAll(nv.Note, "\n", " "), "\r", " ")) {
		msg := "The change note must be 2,000 characters or fewer."
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"change_note": msg}}
	}
	if nv.Data == nil {
		msg := "Choose a file to upload."
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
	}
	blob, err := db.writeBlob(ctx, nv.Data, db.maxDocumentSize())
	if err != nil {
		return nil, err
	}
	keep := false
	defer func() {
		if !keep {
			db.deleteBlob(context.WithoutCancel(ctx), blob.id)
		}
	}()
	if err := db.checkDocumentContent(ctx, ct, blob); err != nil {
		return nil, err
	}
	text := db.extractText(ctx, ct, blob)
	v := &itsm.DocumentVersion{DocumentID: documentID, Filename: nv.Filename, ContentType: ct, Size: blob.size, SHA256: blob.sha256, Uploader: a.Name, Note: nv.Note}
	if a.UserID != 0 {
		v.UploaderID = &a.UserID
	}
	err = db.update(ctx, func(tx *Tx) error {
		d, err := tx.findDocument(documentID)
		if err != nil {
			return err
		}
		if err := tx.completeBlob(blob); err != nil {
			return err
		}
		v.Number, v.CreatedAt = d.Versions+1, tx.now
		if v.ID, err = tx.insert(`INSERT INTO document_versions (document_id, number, filename, content_type, size, sha256, blob_id, uploader_id, uploader, note, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, documentID, v.Number, v.Filename, v.ContentType, v.Size, v.SHA256, blob.id, v.UploaderID, v.Uploader, v.Note, ts(tx.now)); err != nil {
			if isUniqueViolation(err) {
				return itsm.Errorf(itsm.ECONFLICT, "Someone else added a version of this document at the same time. Reload it and check before uploading again.")
			}
			return fmt.Errorf("add version to document %d: %w", documentID, err)
		}
		if _, err := tx.exec(`UPDATE documents SET current_version_id = ?, version_count = ?, body = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			v.ID, v.Number, text, ts(tx.now), documentID); err != nil {
			return fmt.Errorf("make version %d current: %w", v.ID, err)
		}
		if err := tx.audit(itsm.AuditCreate, "document_version", v.ID, nil, fields("document_id", documentID, "number", v.Number,
			"filename", v.Filename, "content_type", v.ContentType, "size", v.Size, "sha256", v.SHA256, "change_note", v.Note)); err != nil {
			return err
		}
		if err := tx.notifySubscribers(d, v); err != nil {
			return err
		}
		return tx.emitDocumentPublished(d, v)
	})
	if err != nil {
		return nil, err
	}
	keep = true
	return v, nil
}

// notifySubscribers e-mails, one message each, every active person
// subscribed to the document's type who may read the document.
func (tx *Tx) notifySubscribers(d *itsm.Document, v *itsm.DocumentVersion) error {
	type sub struct {
		email string
		actor itsm.Actor
	}
	subs, err := queryAll(tx, func(s scanner) (sub, error) {
		var x sub
		err := s.Scan(&x.email, &x.actor.UserID, &x.actor.OrgID, &x.actor.OrgKind, &x.actor.Role)
		return x, err
	}, `SELECT u.email, u.id, u.org_id, o.kind, u.role FROM document_subscriptions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.org_id
		WHERE s.type = ? AND u.status = 'active' AND o.active = ? ORDER BY u.id`, string(d.Type), true)
	if err != nil {
		return fmt.Errorf("find subscribers to %s: %w", d.Type, err)
	}
	if len(subs) == 0 {
		return nil
	}
	// The document's full audience, whoever is uploading.
	full := d.Audience
	full.CustomerIDs, full.ProviderIDs = nil, nil
	named, err := queryAll(tx, func(s scanner) (id int64, err error) { err = s.Scan(&id); return id, err },
		`SELECT org_id FROM document_audience WHERE document_id = ?`, d.ID)
	if err != nil {
		return fmt.Errorf("read document %d audience: %w", d.ID, err)
	}
	full.CustomerIDs, full.ProviderIDs = named, named
	what := "Version " + strconv.Itoa(v.Number)
	if v.Number == 1 {
		what = "A new document"
	}
	for _, s := range subs {
		if !full.CanRead(&s.actor) {
			continue
		}
		text := fmt.Sprintf("%s of “%s” (%s) has been published in the document library.\n\nFile: %s (%s)\n", what, d.Title, strings.ToLower(d.Type.Label()), v.Filename, sizeLabel(v.Size))
		if v.Note != "" {
			text += "What changed: " + v.Note + "\n"
		}
		text += fmt.Sprintf("\nSign in to Steward and open Documents to download it: /documents/%d\n\nYou receive this because you subscribed to %s. You can unsubscribe on the Documents page.\n", d.ID, strings.ToLower(d.Type.Label()))
		if err := tx.enqueue(itsm.EmailJob{To: []string{s.email}, Subject: "New " + strings.ToLower(d.Type.Label()) + ": " + d.Title, Text: text}); err != nil {
			return err
		}
	}
	return nil
}

// DocumentVersions lists a readable document's versions, newest first.
func (db *DB) DocumentVersions(ctx context.Context, documentID int64) ([]*itsm.DocumentVersion, error) {
	var out []*itsm.DocumentVersion
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findDocument(documentID); err != nil {
			return err
		}
		var err error
		out, err = queryAll(tx, scanVersion, `SELECT `+versionColumns+` FROM document_versions WHERE document_id = ? ORDER BY number DESC`, documentID)
		return err
	})
	return out, err
}

const versionColumns = `id, document_id, number, filename, content_type, size, sha256, uploader_id, uploader, note, created_at`

func scanVersion(s scanner) (*itsm.DocumentVersion, error) {
	var v itsm.DocumentVersion
	var created int64
	if err := s.Scan(&v.ID, &v.DocumentID, &v.Number, &v.Filename, &v.ContentType, &v.Size, &v.SHA256, &v.UploaderID, &v.Uploader, &v.Note, &created); err != nil {
		return nil, err
	}
	v.CreatedAt = fromTS(created)
	return &v, nil
}

// OpenDocumentVersion returns a version of a readable document and its
// content as a stream. The stream reads one chunk at a time after this
// method's transaction has ended, which is safe because a version's chunks
// never change once recorded; it fails at its end if the SHA-256 differs.
func (db *DB) OpenDocumentVersion(ctx context.Context, versionID int64) (*itsm.DocumentVersion, io.ReadCloser, error) {
	var v *itsm.DocumentVersion
	var blobID int64
	err := db.view(ctx, func(tx *Tx) error {
		var docID int64
		err := tx.queryRow(`SELECT document_id, blob_id FROM document_versions WHERE id = ?`, versionID).Scan(&docID, &blobID)
		if errors.Is(err, sql.ErrNoRows) {
			return itsm.ErrNotFound("file")
		} else if err != nil {
			return fmt.Errorf("find document version %d: %w", versionID, err)
		}
		if _, err := tx.findDocument(docID); err != nil {
			return itsm.ErrNotFound("file")
		}
		v, err = scanVersion(tx.queryRow(`SELECT `+versionColumns+` FROM document_versions WHERE id = ?`, versionID))
		return err
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "document_version", strconv.FormatInt(versionID, 10), "document not visible to the caller")
	}
	if err != nil {
		return nil, nil, err
	}
	return v, db.openBlob(ctx, blobID, v.Size, v.SHA256), nil
}

// DocumentTags lists the tags of the documents the caller may read.
func (db *DB) DocumentTags(ctx context.Context) ([]string, error) {
	var w where
	audienceScope(&w, itsm.ActorFromContext(ctx), documentTables, "d")
	w.add("d.id = t.document_id")
	var out []string
	err := db.view(ctx, func(tx *Tx) (err error) {
		out, err = queryAll(tx, func(s scanner) (t string, err error) { err = s.Scan(&t); return t, err },
			`SELECT DISTINCT t.tag FROM document_tags t, documents d`+w.String()+` ORDER BY t.tag LIMIT 500`, w.args...)
		return err
	})
	return out, err
}

// Subscribe asks for an e-mail whenever a new version of a readable
// document of type t appears. Subscribing twice is not an error.
func (db *DB) Subscribe(ctx context.Context, t itsm.DocumentType) error {
	return db.subscribe(ctx, t, true)
}

// Unsubscribe stops those e-mails. Unsubscribing twice is not an error.
func (db *DB) Unsubscribe(ctx context.Context, t itsm.DocumentType) error {
	return db.subscribe(ctx, t, false)
}

func (db *DB) subscribe(ctx context.Context, t itsm.DocumentType, on bool) error {
	a := itsm.ActorFromContext(ctx)
	if !t.Valid() {
		msg := "Choose a type of document."
		return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"type": msg}}
	}
	if a.UserID == 0 || a.ReadOnly() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only people with their own account can subscribe to documents; auditors cannot.")
	}
	return db.update(ctx, func(tx *Tx) error {
		var res sql.Result
		var err error
		action := "subscribe"
		if on {
			res, err = tx.exec(`INSERT INTO document_subscriptions (user_id, type, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, a.UserID, string(t), ts(tx.now))
		} else {
			action = "unsubscribe"
			res, err = tx.exec(`DELETE FROM document_subscriptions WHERE user_id = ? AND type = ?`, a.UserID, string(t))
		}
		if err != nil {
			return fmt.Errorf("%s to %s: %w", action, t, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		org := a.OrgID
		return tx.audit(action, "document_subscription", a.UserID, &org, fields("type", string(t)))
	})
}

// Subscriptions lists the caller's subscribed types in display order.
func (db *DB) Subscriptions(ctx context.Context) ([]itsm.DocumentType, error) {
	a := itsm.ActorFromContext(ctx)
	var got []string
	err := db.view(ctx, func(tx *Tx) (err error) {
		got, err = queryAll(tx, func(s scanner) (t string, err error) { err = s.Scan(&t); return t, err },
			`SELECT type FROM document_subscriptions WHERE user_id = ?`, a.UserID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find subscriptions: %w", err)
	}
	out := []itsm.DocumentType{}
	for _, t := range itsm.DocumentTypes {
		for _, g := range got {
			if g == string(t) {
				out = append(out, t)
			}
		}
	}
	return out, nil
}
