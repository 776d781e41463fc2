package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

const integrationColumns = `g.id, g.org_id, o.name, g.name, g.system, g.vendor, g.sys_version, g.direction, g.format, g.transport, g.schedule,
	g.environments, g.status, g.contacts, g.documents, g.notes, (SELECT COUNT(*) FROM integration_tickets it WHERE it.integration_id = g.id),
	g.created_at, g.updated_at, g.version`

const integrationFrom = ` FROM integrations g JOIN organisations o ON o.id = g.org_id`

func scanIntegration(row scanner) (*itsm.Integration, error) {
	var g itsm.Integration
	var envs, contacts, docs string
	var created, updated int64
	if err := row.Scan(&g.ID, &g.OrgID, &g.OrgName, &g.Name, &g.System, &g.Vendor, &g.SysVersion, &g.Direction, &g.Format, &g.Transport, &g.Schedule,
		&envs, &g.Status, &contacts, &docs, &g.Notes, &g.Tickets, &created, &updated, &g.Version); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		src string
		dst any
	}{{envs, &g.Environments}, {contacts, &g.Contacts}, {docs, &g.Documents}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, fmt.Errorf("decode integration %d: %w", g.ID, err)
		}
	}
	g.CreatedAt, g.UpdatedAt = fromTS(created), fromTS(updated)
	return &g, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// findIntegration reads an entry the caller may see.
func (tx *Tx) findIntegration(id int64) (*itsm.Integration, error) {
	g, err := scanIntegration(tx.queryRow(`SELECT `+integrationColumns+integrationFrom+` WHERE g.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("interface")
	} else if err != nil {
		return nil, fmt.Errorf("find integration %d: %w", id, err)
	}
	if s := tx.actor.IntegrationScope(); s != 0 && s != g.OrgID {
		return nil, itsm.ErrNotFound("interface")
	}
	return g, nil
}

// CreateIntegration adds an entry to an organisation's register (staff for
// any customer organisation; customer administrators for their own).
func (db *DB) CreateIntegration(ctx context.Context, g *itsm.Integration) error {
	a := itsm.ActorFromContext(ctx)
	if !a.CanManageSomeIntegrations() {
		return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to add interfaces to the register.")
	}
	if a.IsCustomer() {
		g.OrgID = a.OrgID
	}
	if err := g.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		return tx.createIntegration(g)
	})
}

func (tx *Tx) createIntegration(g *itsm.Integration) error {
	org, err := tx.findOrg(g.OrgID)
	if err != nil || org.Kind != itsm.OrgCustomer || !tx.actor.CanSeeOrg(org.ID) {
		return &itsm.Error{Code: itsm.EINVALID, Message: "Choose the customer organisation the interface belongs to.", Fields: map[string]string{"organisation_id": "Choose a customer organisation."}}
	}
	if !tx.actor.CanManageIntegration(org.ID) {
		return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to add interfaces to %s's register.", org.Name)
	}
	id, err := tx.insert(`INSERT INTO integrations (org_id, name, system, vendor, sys_version, direction, format, transport, schedule, environments, status, contacts, documents, notes, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		g.OrgID, g.Name, g.System, g.Vendor, g.SysVersion, g.Direction, g.Format, g.Transport, g.Schedule, jsonText(g.Environments), g.Status,
		jsonText(g.Contacts), jsonText(g.Documents), g.Notes, ts(tx.now), ts(tx.now))
	if isUniqueViolation(err) {
		return errIntegrationName
	} else if err != nil {
		return fmt.Errorf("create integration: %w", err)
	}
	got, err := tx.findIntegration(id)
	if err != nil {
		return err
	}
	*g = *got
	if err := tx.recordIntegrationHistory(id, nil, g); err != nil {
		return err
	}
	return tx.audit(itsm.AuditCreate, "integration", id, &g.OrgID, diff(nil, g))
}

var errIntegrationName = &itsm.Error{Code: itsm.ECONFLICT, Message: "The organisation's register already has an interface with that name.", Fields: map[string]string{"name": "The register already has an interface with that name."}}

// FindIntegrationByID returns an entry the caller may see.
func (db *DB) FindIntegrationByID(ctx context.Context, id int64) (*itsm.Integration, error) {
	var g *itsm.Integration
	err := db.view(ctx, func(tx *Tx) (err error) { g, err = tx.findIntegration(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "integration", strconv.FormatInt(id, 10), "interface not visible to the caller")
	}
	return g, err
}

// integrationWhere applies the caller's scope and the filter.
func integrationWhere(a *itsm.Actor, f itsm.IntegrationFilter) *where {
	w := &where{}
	if s := a.IntegrationScope(); s != 0 {
		w.add("g.org_id = ?", s)
	}
	if f.OrgID != nil {
		w.add("g.org_id = ?", *f.OrgID)
	}
	if f.Status != nil {
		w.add("g.status = ?", *f.Status)
	}
	if f.Direction != nil {
		w.add("g.direction = ?", *f.Direction)
	}
	if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
		p := likePattern(strings.TrimSpace(*f.Query))
		w.add(`(LOWER(g.name) LIKE ? ESCAPE '\' OR LOWER(g.system) LIKE ? ESCAPE '\' OR LOWER(g.vendor) LIKE ? ESCAPE '\')`, p, p, p)
	}
	return w
}

var integrationSorts = map[string]string{
	"":             "LOWER(g.name), g.id",
	"name":         "LOWER(g.name), g.id",
	"updated":      "g.updated_at DESC, g.id DESC",
	"organisation": "LOWER(o.name), LOWER(g.name), g.id",
}

// FindIntegrations returns a page of the entries the caller may see.
func (db *DB) FindIntegrations(ctx context.Context, f itsm.IntegrationFilter) ([]*itsm.Integration, int, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.CanReadIntegrations() {
		return nil, 0, itsm.Errorf(itsm.EFORBIDDEN, "Sign in to see the integration register.")
	}
	order, ok := integrationSorts[f.Sort]
	if !ok {
		return nil, 0, &itsm.Error{Code: itsm.EINVALID, Message: "Sort by name, updated or organisation.", Fields: map[string]string{"sort": "Sort by name, updated or organisation."}}
	}
	w := integrationWhere(a, f)
	offset, limit := page(f.Offset, f.Limit)
	out, total, err := listPage(ctx, db, scanIntegration, integrationColumns, integrationFrom, w, order, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("find integrations: %w", err)
	}
	return out, total, nil
}

// UpdateIntegration changes an entry if the caller's version is current,
// recording each changed field in its history.
func (db *DB) UpdateIntegration(ctx context.Context, id int64, upd itsm.IntegrationUpdate) (*itsm.Integration, error) {
	return updateVisible(ctx, db, "integration", id, "update of an interface not visible to the caller", func(tx *Tx) (*itsm.Integration, error) {
		return tx.updateIntegration(id, upd)
	})
}

func (tx *Tx) updateIntegration(id int64, upd itsm.IntegrationUpdate) (*itsm.Integration, error) {
	before, err := tx.findIntegration(id)
	if err != nil {
		return nil, err
	}
	if !tx.actor.CanManageIntegration(before.OrgID) {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change this interface.")
	}
	g := *before
	for _, f := range []struct {
		dst *string
		src *string
	}{{&g.Name, upd.Name}, {&g.System, upd.System}, {&g.Vendor, upd.Vendor}, {&g.SysVersion, upd.SysVersion}, {&g.Direction, upd.Direction},
		{&g.Format, upd.Format}, {&g.Transport, upd.Transport}, {&g.Status, upd.Status}, {&g.Schedule, upd.Schedule}, {&g.Notes, upd.Notes}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if upd.Environments != nil {
		g.Environments = *upd.Environments
	}
	if upd.Contacts != nil {
		g.Contacts = *upd.Contacts
	}
	if upd.Documents != nil {
		g.Documents = *upd.Documents
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	res, err := tx.exec(`UPDATE integrations SET name = ?, system = ?, vendor = ?, sys_version = ?, direction = ?, format = ?, transport = ?, schedule = ?,
		environments = ?, status = ?, contacts = ?, documents = ?, notes = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		g.Name, g.System, g.Vendor, g.SysVersion, g.Direction, g.Format, g.Transport, g.Schedule, jsonText(g.Environments), g.Status,
		jsonText(g.Contacts), jsonText(g.Documents), g.Notes, ts(tx.now), id, upd.Version)
	if isUniqueViolation(err) {
		return nil, errIntegrationName
	} else if err != nil {
		return nil, fmt.Errorf("update integration %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, itsm.ErrStale("interface")
	}
	out, err := tx.findIntegration(id)
	if err != nil {
		return nil, err
	}
	if err := tx.recordIntegrationHistory(id, before, out); err != nil {
		return nil, err
	}
	return out, tx.audit(itsm.AuditUpdate, "integration", id, &out.OrgID, diff(before, out))
}

// integrationFieldValues are an entry's recorded fields as text, in the
// order its history lists them.
func integrationFieldValues(g *itsm.Integration) [][2]string {
	return [][2]string{
		{"name", g.Name}, {"system", g.System}, {"vendor", g.Vendor}, {"system_version", g.SysVersion},
		{"direction", itsm.ChoiceLabel(itsm.IntegrationDirections, g.Direction)}, {"format", itsm.ChoiceLabel(itsm.IntegrationFormats, g.Format)},
		{"transport", itsm.ChoiceLabel(itsm.IntegrationTransports, g.Transport)}, {"schedule", g.Schedule},
		{"environments", environmentLabels(g.Environments)}, {"status", itsm.ChoiceLabel(itsm.IntegrationStatuses, g.Status)},
		{"contacts", itsm.FormatContacts(g.Contacts)}, {"documents", strings.Join(g.Documents, "; ")}, {"notes", g.Notes},
	}
}

func environmentLabels(envs []string) string {
	labels := make([]string, len(envs))
	for i, e := range envs {
		labels[i] = itsm.ChoiceLabel(itsm.IntegrationEnvironments, e)
	}
	return strings.Join(labels, "; ")
}

// recordIntegrationHistory writes one history line per field that differs
// (every non-empty field when before is nil, a creation).
func (tx *Tx) recordIntegrationHistory(id int64, before, after *itsm.Integration) error {
	var old [][2]string
	if before != nil {
		old = integrationFieldValues(before)
	}
	var actor *int64
	if tx.actor.UserID != 0 {
		actor = &tx.actor.UserID
	}
	name := tx.actor.Name
	if name == "" {
		name = "system"
	}
	for i, f := range integrationFieldValues(after) {
		from := ""
		if old != nil {
			from = old[i][1]
		}
		if from == f[1] {
			continue
		}
		if _, err := tx.exec(`INSERT INTO integration_history (integration_id, at, actor_id, actor_name, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, ts(tx.now), actor, name, f[0], from, f[1]); err != nil {
			return fmt.Errorf("record integration %d history: %w", id, err)
		}
	}
	return nil
}

// IntegrationHistory lists a visible entry's changes, newest first.
func (db *DB) IntegrationHistory(ctx context.Context, id int64) ([]*itsm.IntegrationChange, error) {
	var out []*itsm.IntegrationChange
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findIntegration(id); err != nil {
			return err
		}
		var err error
		out, err = queryAll(tx, func(row scanner) (*itsm.IntegrationChange, error) {
			var c itsm.IntegrationChange
			var at int64
			var actor sql.NullInt64
			if err := row.Scan(&at, &actor, &c.ActorName, &c.Field, &c.OldValue, &c.NewValue); err != nil {
				return nil, err
			}
			c.At = fromTS(at)
			if actor.Valid {
				c.ActorID = &actor.Int64
			}
			return &c, nil
		}, `SELECT at, actor_id, actor_name, field, old_value, new_value FROM integration_history WHERE integration_id = ? ORDER BY at DESC, id DESC LIMIT 1000`, id)
		return err
	})
	return out, err
}

// LinkIntegrationTicket links a ticket of the entry's organisation to it.
func (db *DB) LinkIntegrationTicket(ctx context.Context, integrationID, ticketID int64) error {
	return db.linkIntegrationTicket(ctx, integrationID, ticketID, true)
}

// UnlinkIntegrationTicket removes a ticket's link to the entry.
func (db *DB) UnlinkIntegrationTicket(ctx context.Context, integrationID, ticketID int64) error {
	return db.linkIntegrationTicket(ctx, integrationID, ticketID, false)
}

func (db *DB) linkIntegrationTicket(ctx context.Context, integrationID, ticketID int64, link bool) error {
	a := itsm.ActorFromContext(ctx)
	return db.update(ctx, func(tx *Tx) error {
		g, err := tx.findIntegration(integrationID)
		if err != nil {
			return err
		}
		// Whoever may raise the organisation's tickets may say one is
		// about its interface; removing a link is for those who manage
		// the register.
		allowed := a.CanManageIntegration(g.OrgID) || (link && a.IsCustomer() && a.OrgID == g.OrgID)
		if !allowed {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change this interface's tickets.")
		}
		t, err := tx.visibleTicket(ticketID)
		if err != nil {
			return err
		}
		if t.OrgID != g.OrgID {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Link a ticket of the interface's own organisation.", Fields: map[string]string{"ticket_id": "Choose a ticket of " + g.OrgName + "."}}
		}
		action := "link"
		if link {
			_, err = tx.exec(`INSERT INTO integration_tickets (integration_id, ticket_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, integrationID, ticketID, ts(tx.now))
		} else {
			action = "unlink"
			_, err = tx.exec(`DELETE FROM integration_tickets WHERE integration_id = ? AND ticket_id = ?`, integrationID, ticketID)
		}
		if err != nil {
			return fmt.Errorf("%s ticket %d and integration %d: %w", action, ticketID, integrationID, err)
		}
		return tx.audit(action, "integration", integrationID, &g.OrgID, fields("ticket", t.Ref))
	})
}

// IntegrationTickets lists the visible tickets linked to an entry.
func (db *DB) IntegrationTickets(ctx context.Context, integrationID int64) ([]*itsm.Ticket, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.Ticket
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findIntegration(integrationID); err != nil {
			return err
		}
		var w where
		ticketScope(a, &w)
		w.add("t.id IN (SELECT ticket_id FROM integration_tickets WHERE integration_id = ?)", integrationID)
		var err error
		out, err = queryAll(tx, scanTicketRow, `SELECT `+ticketColumns+ticketFrom+w.String()+` ORDER BY t.created_at DESC LIMIT 500`, w.args...)
		return err
	})
	return out, err
}

// TicketIntegrations lists the entries a visible ticket is linked to that
// the caller may see.
func (db *DB) TicketIntegrations(ctx context.Context, ticketID int64) ([]*itsm.Integration, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.Integration
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.visibleTicket(ticketID); err != nil {
			return err
		}
		w := integrationWhere(a, itsm.IntegrationFilter{})
		w.add("g.id IN (SELECT integration_id FROM integration_tickets WHERE ticket_id = ?)", ticketID)
		var err error
		out, err = queryAll(tx, scanIntegration, `SELECT `+integrationColumns+integrationFrom+w.String()+` ORDER BY LOWER(g.name)`, w.args...)
		return err
	})
	return out, err
}
