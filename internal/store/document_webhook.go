package store

import (
	"fmt"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// documentEventData is what document.published says: the document and the
// new version, never the file (receivers fetch it through the API with
// their own credentials, which the store scopes).
type documentEventData struct {
	ID          int64     `json:"id"`
	Type        string    `json:"type"`
	Title       string    `json:"title"`
	VersionID   int64     `json:"version_id"`
	Version     int       `json:"version"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	PublishedAt time.Time `json:"published_at"`
}

// emitDocumentPublished sends document.published to every global webhook
// once, and to the webhooks of each organisation that may read the
// document, so that an organisation never hears of a document it cannot see.
func (tx *Tx) emitDocumentPublished(d *itsm.Document, v *itsm.DocumentVersion) error {
	data := documentEventData{ID: d.ID, Type: string(d.Type), Title: d.Title, VersionID: v.ID, Version: v.Number,
		Filename: v.Filename, ContentType: v.ContentType, Size: v.Size, SHA256: v.SHA256, PublishedAt: tx.now}
	const event = "document.published"
	if err := tx.emitWebhookTo(event, nil, true, data); err != nil {
		return err
	}
	type org struct {
		id   int64
		kind itsm.OrgKind
	}
	orgs, err := queryAll(tx, func(s scanner) (o org, err error) { err = s.Scan(&o.id, &o.kind); return o, err },
		`SELECT DISTINCT s.org_id, o.kind FROM webhook_subscriptions s JOIN organisations o ON o.id = s.org_id
		WHERE s.active = ? AND o.active = ? ORDER BY s.org_id`, true, true)
	if err != nil {
		return fmt.Errorf("find organisations with webhooks: %w", err)
	}
	if len(orgs) == 0 {
		return nil
	}
	full := d.Audience
	named, err := queryAll(tx, func(s scanner) (id int64, err error) { err = s.Scan(&id); return id, err },
		`SELECT org_id FROM document_audience WHERE document_id = ?`, d.ID)
	if err != nil {
		return fmt.Errorf("read document %d audience: %w", d.ID, err)
	}
	full.CustomerIDs, full.ProviderIDs = named, named
	for _, o := range orgs {
		// A customer admin, provider agent or programme agent stands
		// for the organisation: what they may read, its
		// integrations may hear of.
		reader := &itsm.Actor{UserID: -1, OrgID: o.id, OrgKind: o.kind, Role: itsm.RoleCustomerAdmin}
		switch o.kind {
		case itsm.OrgProvider:
			reader.Role = itsm.RoleProviderAgent
		case itsm.OrgProgramme:
			reader.Role = itsm.RoleAgent
		}
		if !full.CanRead(reader) {
			continue
		}
		id := o.id
		if err := tx.emitWebhookTo(event, &id, false, data); err != nil {
			return err
		}
	}
	return nil
}
