package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// ImportTickets creates or brings up to date one customer organisation's
// imported tickets in one transaction, matching them by external reference.
//
//   - A ticket whose content digest matches the one stored at its last
//     import is unchanged: nothing is written, no audit entry, no version.
//   - A changed ticket is updated: its fields, its imported history (what
//     people added in Steward since is kept), its service agreement and SLA
//     clocks; version + 1 and an "update" audit entry.
//   - A new ticket gets the next reference number, the service agreement in
//     force when it was created, SLA clocks derived from its history and a
//     "create" audit entry.
//
// Invalid tickets, tickets created after now, repeats within the batch and
// tickets already imported for another organisation are skipped and listed
// in the result. Programme staff and the system only; callers batch large
// imports (a few hundred tickets per call).
func (db *DB) ImportTickets(ctx context.Context, orgID int64, tickets []itsm.ImportedTicket) (itsm.ImportResult, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.IsStaff() || a.ReadOnly() {
		return itsm.ImportResult{}, itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk can import tickets.")
	}
	var checked itsm.ImportResult
	valid := make([]*itsm.ImportedTicket, 0, len(tickets))
	seen := make(map[string]bool, len(tickets))
	for i := range tickets {
		t := &tickets[i]
		if err := t.Validate(); err != nil {
			checked.Skipped = append(checked.Skipped, itsm.ImportSkip{ExternalRef: t.ExternalRef, Reason: itsm.ErrorMessage(err)})
			continue
		}
		if seen[t.ExternalRef] {
			checked.Skipped = append(checked.Skipped, itsm.ImportSkip{ExternalRef: t.ExternalRef, Reason: t.ExternalRef + " appears more than once in this batch; the first was imported."})
			continue
		}
		seen[t.ExternalRef] = true
		valid = append(valid, t)
	}
	var res itsm.ImportResult
	err := db.update(ctx, func(tx *Tx) error {
		res = itsm.ImportResult{Skipped: checked.Skipped}
		org, err := tx.findOrg(orgID)
		if err != nil || org.Kind != itsm.OrgCustomer {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose the customer organisation the tickets belong to.", Fields: map[string]string{"organisation_id": "Choose a customer organisation."}}
		}
		agreements, err := tx.agreementsOf(orgID)
		if err != nil {
			return err
		}
		stored, err := tx.importedTickets(valid)
		if err != nil {
			return err
		}
		var fresh []importRow
		for _, t := range valid {
			if t.CreatedAt.After(tx.now) {
				res.Skipped = append(res.Skipped, itsm.ImportSkip{ExternalRef: t.ExternalRef, Reason: fmt.Sprintf("%s was created at %s, which is in the future.", t.ExternalRef, t.CreatedAt.UTC().Format(time.RFC3339))})
				continue
			}
			s, ok := stored[t.ExternalRef]
			if ok && s.orgID != orgID {
				res.Skipped = append(res.Skipped, itsm.ImportSkip{ExternalRef: t.ExternalRef, Reason: fmt.Sprintf("%s was imported for another organisation as %s; it was left alone.", t.ExternalRef, s.ref)})
				continue
			}
			r := importRow{t: t, hash: t.ContentHash()}
			if ok && s.hash == r.hash {
				res.Unchanged++
				continue
			}
			if ag := itsm.AgreementInForce(agreements, orgID, t.CreatedAt); ag != nil {
				r.agreement = &ag.ID
			} else {
				res.WithoutAgreement++
			}
			if !ok {
				fresh = append(fresh, r)
				continue
			}
			if err := tx.updateImported(s.id, r); err != nil {
				return err
			}
			res.Updated++
		}
		if err := tx.createImported(org, fresh); err != nil {
			return err
		}
		res.Created = len(fresh)
		return nil
	})
	if isUniqueViolation(err) {
		// Another import created some of these tickets since this one looked.
		return itsm.ImportResult{}, itsm.Errorf(itsm.ECONFLICT, "Another import of the same tickets ran at the same time; run this import again to finish it.")
	} else if err != nil {
		return itsm.ImportResult{}, fmt.Errorf("import %d tickets for organisation %d: %w", len(tickets), orgID, err)
	}
	return res, nil
}

var _ itsm.TicketImporter = (*DB)(nil)

// importRow is an imported ticket on its way into the tickets table.
type importRow struct {
	t         *itsm.ImportedTicket
	hash      string
	agreement *int64
	id        int64
}

// storedImport is what a re-import needs to know of a ticket it made before.
type storedImport struct {
	id, orgID int64
	ref, hash string
}

// agreementsOf returns the agreements that may apply to a customer's
// tickets, for itsm.AgreementInForce to choose from per ticket: the same
// choice tx.agreementFor makes at tx.now, made at each ticket's creation.
func (tx *Tx) agreementsOf(customerID int64) ([]*itsm.ServiceAgreement, error) {
	rows, err := tx.query(`SELECT id, customer_id, effective_from FROM service_agreements WHERE customer_id = ? OR customer_id IS NULL`, customerID)
	if err != nil {
		return nil, fmt.Errorf("read agreements of organisation %d: %w", customerID, err)
	}
	defer rows.Close()
	var out []*itsm.ServiceAgreement
	for rows.Next() {
		var a itsm.ServiceAgreement
		var cust sql.NullInt64
		var eff int64
		if err := rows.Scan(&a.ID, &cust, &eff); err != nil {
			return nil, fmt.Errorf("read agreements of organisation %d: %w", customerID, err)
		}
		if cust.Valid {
			a.CustomerID = &cust.Int64
		}
		a.EffectiveFrom = fromTS(eff)
		out = append(out, &a)
	}
	return out, rows.Err()
}

// importedTickets finds the tickets already imported under the batch's
// external references.
func (tx *Tx) importedTickets(ts []*itsm.ImportedTicket) (map[string]storedImport, error) {
	out := make(map[string]storedImport, len(ts))
	const chunk = 500
	for start := 0; start < len(ts); start += chunk {
		part := ts[start:min(start+chunk, len(ts))]
		args := make([]any, len(part))
		for i, t := range part {
			args[i] = t.ExternalRef
		}
		rows, err := tx.query(`SELECT id, org_id, ref, COALESCE(import_hash, ''), external_ref FROM tickets WHERE external_ref IN (`+placeholders(len(part), 1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("find imported tickets: %w", err)
		}
		for rows.Next() {
			var s storedImport
			var ext string
			if err := rows.Scan(&s.id, &s.orgID, &s.ref, &s.hash, &ext); err != nil {
				rows.Close()
				return nil, fmt.Errorf("find imported tickets: %w", err)
			}
			out[ext] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("find imported tickets: %w", err)
		}
	}
	return out, nil
}

// placeholders returns n groups of "(?, ?, …)" of width columns, separated
// by commas; width 1 gives "?, ?, …".
func placeholders(n, width int) string {
	one := "?"
	if width > 1 {
		one = "(" + strings.Repeat("?, ", width-1) + "?)"
	}
	var b strings.Builder
	b.Grow(n * (len(one) + 2))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

const importTicketColumns = `number, ref, type, org_id, requester_name, title, description, category, service, component, impact, urgency, priority,
	status, is_open, agreement_id, external_ref, import_hash, created_at, updated_at, resolved_at, closed_at, version,
	response_due, response_met_at, resolution_due, next_due, next_alert_at, response_breached, resolution_breached`

// importSLA evaluates a new imported ticket's clocks at tx.now from its
// history in memory: the same events, order and created priority that
// recomputeSLA reads back from ticket_events, stored the same way, without
// four statements per ticket. TestImportedSLAMatchesRecompute holds the two
// to the same answer.
func (tx *Tx) importSLA(r importRow) (slaColumns, error) {
	if r.agreement == nil {
		return slaColumns{}, nil
	}
	policy, err := tx.policy(*r.agreement)
	if err != nil {
		return slaColumns{}, err
	}
	events := make([]sla.Event, 0, len(r.t.Events))
	for _, e := range r.t.Events {
		switch e.Type {
		case sla.EventCreated, sla.EventStatus:
			events = append(events, sla.Event{At: e.At, Type: e.Type, Status: string(e.Status)})
		case sla.EventPublicReply:
			events = append(events, sla.Event{At: e.At, Type: e.Type, By: e.By})
		case sla.EventPriority:
			events = append(events, sla.Event{At: e.At, Type: e.Type, Priority: e.Priority})
		}
	}
	created := r.t.Priority
	if p := r.t.Events[0].Priority; p != "" {
		created = p
	}
	res, err := sla.Evaluate(policy, created, events, tx.now)
	if err != nil {
		return slaColumns{}, fmt.Errorf("evaluate SLA of imported ticket %s: %w", r.t.ExternalRef, err)
	}
	return slaColumnsOf(res), nil
}

// createImported inserts new imported tickets with their history, numbers
// them in order, derives their SLA clocks and audits each creation.
func (tx *Tx) createImported(org *itsm.Organisation, rows []importRow) error {
	if len(rows) == 0 {
		return nil
	}
	// Reserve each type's numbers in one step: the same numbers that
	// nextNumber would hand out one at a time.
	next := map[itsm.TicketType]int64{}
	counts := map[itsm.TicketType]int64{}
	for _, r := range rows {
		counts[r.t.Type]++
	}
	for typ, n := range counts {
		first, err := tx.nextNumber("ticket:" + string(typ))
		if err != nil {
			return err
		}
		if n > 1 {
			if _, err := tx.exec(`UPDATE counters SET value = value + ? WHERE name = ?`, n-1, "ticket:"+string(typ)); err != nil {
				return fmt.Errorf("reserve %d numbers of ticket:%s: %w", n, typ, err)
			}
		}
		next[typ] = first
	}
	numbers := make([]int64, len(rows))
	for i, r := range rows {
		numbers[i] = next[r.t.Type]
		next[r.t.Type]++
	}
	const width, chunk = 30, 100
	ids := make(map[string]int64, len(rows))
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		args := make([]any, 0, len(part)*width)
		for i, r := range part {
			t, num := r.t, numbers[start+i]
			c, err := tx.importSLA(r)
			if err != nil {
				return err
			}
			args = append(args, num, itsm.TicketRef(t.Type, num), string(t.Type), org.ID, t.Requester, t.Title, t.Description, t.Category, t.Service, t.Component,
				string(t.Impact), string(t.Urgency), t.Priority, string(t.Status), t.Status.Open(), r.agreement, t.ExternalRef, r.hash,
				ts(t.CreatedAt), ts(t.UpdatedAt), tsp(t.ResolvedAt), tsp(t.ClosedAt), 1,
				c.responseDue, c.responseMet, c.resolutionDue, c.nextDue, c.nextAlert, c.responseBreached, c.resolutionBreached)
		}
		q, err := tx.query(`INSERT INTO tickets (`+importTicketColumns+`) VALUES `+placeholders(len(part), width)+` RETURNING id, external_ref`, args...)
		if err != nil {
			return fmt.Errorf("create imported tickets: %w", err)
		}
		for q.Next() {
			var id int64
			var ext string
			if err := q.Scan(&id, &ext); err != nil {
				q.Close()
				return fmt.Errorf("create imported tickets: %w", err)
			}
			ids[ext] = id
		}
		q.Close()
		if err := q.Err(); err != nil {
			return fmt.Errorf("create imported tickets: %w", err)
		}
	}
	for i := range rows {
		rows[i].id = ids[rows[i].t.ExternalRef]
		if rows[i].id == 0 {
			return fmt.Errorf("create imported ticket %s: no id returned", rows[i].t.ExternalRef)
		}
	}
	if err := tx.insertImportedEvents(rows); err != nil {
		return err
	}
	entries := make([]auditItem, len(rows))
	for i, r := range rows {
		entries[i] = auditItem{itsm.AuditCreate, "ticket", strconv.FormatInt(r.id, 10), &org.ID, importCreateDiff(org, r, numbers[i])}
	}
	return tx.auditMany(entries)
}

// insertImportedEvents writes the tickets' histories, many rows per
// statement, marked as imported.
func (tx *Tx) insertImportedEvents(rows []importRow) error {
	const width, chunk = 10, 200
	args := make([]any, 0, chunk*width)
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := tx.exec(`INSERT INTO ticket_events (ticket_id, at, type, actor_name, by_kind, status, priority, body, public, imported) VALUES `+placeholders(n, width), args...)
		if err != nil {
			return fmt.Errorf("write imported ticket history: %w", err)
		}
		args, n = args[:0], 0
		return nil
	}
	for _, r := range rows {
		for _, e := range r.t.Events {
			args = append(args, r.id, ts(e.At), e.Type, e.ActorName, e.By, string(e.Status), e.Priority, e.Body, e.Public, true)
			if n++; n == chunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// diffTo is one field of a created record in an audit diff.
type diffTo[T any] struct {
	To T `json:"to"`
}

// importCreateDiff is the audit entry's record of an imported ticket as
// created, in the shape of tx.audit's diff(nil, ticket) (bookkeeping and the
// derived SLA cache left out), built without reading the ticket back, plus
// where it came from.
func importCreateDiff(org *itsm.Organisation, r importRow, number int64) json.RawMessage {
	t := r.t
	d := struct {
		Ref            diffTo[string]            `json:"ref"`
		Type           diffTo[itsm.TicketType]   `json:"type"`
		OrgID          diffTo[int64]             `json:"organisation_id"`
		OrgName        diffTo[string]            `json:"organisation_name"`
		Requester      diffTo[string]            `json:"requester_name"`
		Title          diffTo[string]            `json:"title"`
		Description    diffTo[string]            `json:"description"`
		Category       diffTo[string]            `json:"category"`
		Service        diffTo[string]            `json:"service"`
		Component      diffTo[string]            `json:"component"`
		Impact         diffTo[itsm.Level]        `json:"impact"`
		Urgency        diffTo[itsm.Level]        `json:"urgency"`
		Priority       diffTo[string]            `json:"priority"`
		Status         diffTo[itsm.TicketStatus] `json:"status"`
		AgreementID    diffTo[*int64]            `json:"agreement_id"`
		ExternalRef    diffTo[string]            `json:"external_ref"`
		ResolvedAt     diffTo[*time.Time]        `json:"resolved_at"`
		ClosedAt       diffTo[*time.Time]        `json:"closed_at"`
		ImportHash     diffTo[string]            `json:"import_hash"`
		ImportedEvents diffTo[int]               `json:"imported_events"`
	}{
		diffTo[string]{itsm.TicketRef(t.Type, number)}, diffTo[itsm.TicketType]{t.Type}, diffTo[int64]{org.ID}, diffTo[string]{org.Name},
		diffTo[string]{t.Requester}, diffTo[string]{t.Title}, diffTo[string]{t.Description}, diffTo[string]{t.Category},
		diffTo[string]{t.Service}, diffTo[string]{t.Component}, diffTo[itsm.Level]{t.Impact}, diffTo[itsm.Level]{t.Urgency}, diffTo[string]{t.Priority},
		diffTo[itsm.TicketStatus]{t.Status}, diffTo[*int64]{r.agreement}, diffTo[string]{t.ExternalRef}, diffTo[*time.Time]{utcp(t.ResolvedAt)},
		diffTo[*time.Time]{utcp(t.ClosedAt)}, diffTo[string]{r.hash}, diffTo[int]{len(t.Events)},
	}
	b, _ := json.Marshal(d)
	return b
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// updateImported brings a previously imported ticket up to date: its
// fields, its imported history and its clocks.
func (tx *Tx) updateImported(id int64, r importRow) error {
	before, err := tx.findTicket(id)
	if err != nil {
		return err
	}
	t := r.t
	_, err = tx.exec(`UPDATE tickets SET requester_name = ?, title = ?, description = ?, category = ?, service = ?, component = ?, impact = ?, urgency = ?,
		priority = ?, status = ?, is_open = ?, agreement_id = ?, import_hash = ?, created_at = ?, updated_at = ?, resolved_at = ?, closed_at = ?,
		response_due = NULL, response_met_at = NULL, resolution_due = NULL, next_due = NULL, next_alert_at = NULL, response_breached = ?, resolution_breached = ?,
		version = version + 1 WHERE id = ?`,
		t.Requester, t.Title, t.Description, t.Category, t.Service, t.Component, string(t.Impact), string(t.Urgency),
		t.Priority, string(t.Status), t.Status.Open(), r.agreement, r.hash, ts(t.CreatedAt), ts(t.UpdatedAt), tsp(t.ResolvedAt), tsp(t.ClosedAt),
		false, false, id)
	if err != nil {
		return fmt.Errorf("update imported ticket %s: %w", before.Ref, err)
	}
	var replaced int
	if err := tx.queryRow(`SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? AND imported = ?`, id, true).Scan(&replaced); err != nil {
		return fmt.Errorf("count imported history of %s: %w", before.Ref, err)
	}
	if _, err := tx.exec(`DELETE FROM ticket_events WHERE ticket_id = ? AND imported = ?`, id, true); err != nil {
		return fmt.Errorf("replace imported history of %s: %w", before.Ref, err)
	}
	r.id = id
	if err := tx.insertImportedEvents([]importRow{r}); err != nil {
		return err
	}
	if r.agreement != nil {
		if err := tx.recomputeSLA(id); err != nil {
			return err
		}
	}
	after, err := tx.findTicket(id)
	if err != nil {
		return err
	}
	d := mergeDiff(diff(before, after), fields("import_hash", map[string]any{"to": r.hash}, "imported_events", map[string]any{"from": replaced, "to": len(t.Events)}))
	return tx.audit(itsm.AuditUpdate, "ticket", id, &after.OrgID, d)
}
