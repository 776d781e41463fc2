package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

const ticketColumns = `t.id, t.ref, t.type, t.org_id, o.name, t.requester_id, t.requester_name, t.title, t.description, t.category, t.service, t.component,
	t.impact, t.urgency, t.priority, t.status, t.assignee_id, COALESCE(a.name, ''), t.provider_id, COALESCE(p.name, ''), t.agreement_id,
	t.response_due, t.response_met_at, t.resolution_due, t.response_breached, t.resolution_breached, COALESCE(t.external_ref, ''),
	t.created_at, t.updated_at, t.resolved_at, t.closed_at, t.version`

const ticketFrom = ` FROM tickets t JOIN organisations o ON o.id = t.org_id
	LEFT JOIN users a ON a.id = t.assignee_id LEFT JOIN organisations p ON p.id = t.provider_id`

func scanTicket(row interface{ Scan(...any) error }, extra ...any) (*itsm.Ticket, error) {
	var t itsm.Ticket
	var requester, assignee, provider, agreement, respDue, respMet, resDue, resolved, closed sql.NullInt64
	var created, updated int64
	dest := []any{&t.ID, &t.Ref, &t.Type, &t.OrgID, &t.OrgName, &requester, &t.Requester, &t.Title, &t.Description, &t.Category, &t.Service, &t.Component,
		&t.Impact, &t.Urgency, &t.Priority, &t.Status, &assignee, &t.Assignee, &provider, &t.Provider, &agreement,
		&respDue, &respMet, &resDue, &t.ResponseBreached, &t.ResolutionBreached, &t.ExternalRef,
		&created, &updated, &resolved, &closed, &t.Version}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	t.RequesterID = requester.Int64
	if assignee.Valid {
		t.AssigneeID = &assignee.Int64
	}
	if provider.Valid {
		t.ProviderID = &provider.Int64
	}
	if agreement.Valid {
		t.AgreementID = &agreement.Int64
	}
	t.ResponseDue, t.ResponseMetAt, t.ResolutionDue = fromNullTS(respDue), fromNullTS(respMet), fromNullTS(resDue)
	t.CreatedAt, t.UpdatedAt, t.ResolvedAt, t.ClosedAt = fromTS(created), fromTS(updated), fromNullTS(resolved), fromNullTS(closed)
	return &t, nil
}

// scanTicketRow scans a ticket with no extra columns.
func scanTicketRow(row scanner) (*itsm.Ticket, error) { return scanTicket(row) }

// ticketScope adds the caller's visibility to a ticket query: staff and
// auditors see every ticket, customers their organisation's, providers
// those escalated to them.
func ticketScope(a *itsm.Actor, w *where) { assignedScope(a, w, "t.org_id", "t.provider_id") }

// canSeeTicket applies ticketScope to one ticket.
func canSeeTicket(a *itsm.Actor, t *itsm.Ticket) bool { return seesAssigned(a, t.OrgID, t.ProviderID) }

// findTicket reads a ticket without scoping; callers check visibility.
func (tx *Tx) findTicket(id int64) (*itsm.Ticket, error) {
	t, err := scanTicket(tx.queryRow(`SELECT `+ticketColumns+ticketFrom+` WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("ticket")
	} else if err != nil {
		return nil, fmt.Errorf("find ticket %d: %w", id, err)
	}
	return t, nil
}

// visibleTicket reads a ticket the caller may see, or ENOTFOUND.
func (tx *Tx) visibleTicket(id int64) (*itsm.Ticket, error) {
	t, err := tx.findTicket(id)
	if err != nil {
		return nil, err
	}
	if !canSeeTicket(tx.actor, t) {
		return nil, itsm.ErrNotFound("ticket")
	}
	return t, nil
}

// FindTicketByID returns a ticket the caller may see.
func (db *DB) FindTicketByID(ctx context.Context, id int64) (*itsm.Ticket, error) {
	var t *itsm.Ticket
	err := db.view(ctx, func(tx *Tx) (err error) { t, err = tx.findTicket(id); return err })
	if err != nil {
		return nil, err
	}
	if !canSeeTicket(itsm.ActorFromContext(ctx), t) {
		_ = db.RecordAccessRefused(ctx, "ticket", strconv.FormatInt(id, 10), "ticket not visible to the caller")
		return nil, itsm.ErrNotFound("ticket")
	}
	return t, nil
}

// FindTicketByRef returns a ticket by its reference.
func (db *DB) FindTicketByRef(ctx context.Context, ref string) (*itsm.Ticket, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	var id int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id FROM tickets WHERE ref = ?`), ref).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("ticket")
	} else if err != nil {
		return nil, fmt.Errorf("find ticket %s: %w", ref, err)
	}
	return db.FindTicketByID(ctx, id)
}

// dueOrder sorts by the earliest unmet SLA due instant, tickets without one
// last; it matches the tickets_open_due expression index.
const dueOrder = "COALESCE(t.next_due, 9223372036854775807), t.id"

var ticketSorts = map[string]string{
	"":          "t.created_at DESC, t.id DESC",
	"-created":  "t.created_at DESC, t.id DESC",
	"created":   "t.created_at, t.id",
	"-updated":  "t.updated_at DESC, t.id DESC",
	"updated":   "t.updated_at, t.id",
	"priority":  "t.priority, t.created_at",
	"-priority": "t.priority DESC, t.created_at DESC",
	"due":       dueOrder,
	"ref":       "t.ref",
	"-ref":      "t.ref DESC",
}

// FindTickets returns a page of the tickets the caller may see.
func (db *DB) FindTickets(ctx context.Context, f itsm.TicketFilter) ([]*itsm.Ticket, int, error) {
	a := itsm.ActorFromContext(ctx)
	var w where
	ticketScope(a, &w)
	if f.ID != nil {
		w.add("t.id = ?", *f.ID)
	}
	if f.Ref != nil {
		w.add("t.ref = ?", strings.ToUpper(*f.Ref))
	}
	if f.Type != nil {
		w.add("t.type = ?", string(*f.Type))
	}
	if f.OrgID != nil {
		w.add("t.org_id = ?", *f.OrgID)
	}
	if f.RequesterID != nil {
		w.add("t.requester_id = ?", *f.RequesterID)
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		args := make([]any, len(f.Status))
		for i, s := range f.Status {
			ph[i], args[i] = "?", string(s)
		}
		col := "t.status"
		if len(f.Status) > 1 && db.engine == SQLite {
			// With several statuses SQLite would read each status's rows
			// from the status index and sort them all; the unary plus
			// keeps it on the sort order's index, stopping after a page.
			col = "+t.status"
		}
		w.add(col+" IN ("+strings.Join(ph, ", ")+")", args...)
	}
	if f.Open != nil {
		w.add("t.is_open = ?", *f.Open)
	}
	if f.Priority != nil {
		w.add("t.priority = ?", *f.Priority)
	}
	if f.AssigneeID != nil {
		w.add("t.assignee_id = ?", *f.AssigneeID)
	}
	if f.Unassigned {
		w.add("t.assignee_id IS NULL AND t.is_open = ?", true)
	}
	if f.ProviderID != nil {
		w.add("t.provider_id = ?", *f.ProviderID)
	}
	if f.Category != nil {
		w.add("t.category = ?", *f.Category)
	}
	if f.BreachingBefore != nil {
		w.add("t.is_open = ? AND t.next_due IS NOT NULL AND t.next_due < ?", true, ts(*f.BreachingBefore))
	}
	if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
		q := strings.TrimSpace(*f.Query)
		if db.engine == Postgres {
			w.add("t.search @@ websearch_to_tsquery('english', ?)", q)
		} else {
			w.add("t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)", ftsQuery(q))
		}
	}
	order, ok := ticketSorts[f.Sort]
	if !ok {
		return nil, 0, &itsm.Error{Code: itsm.EINVALID, Message: "Sort by created, -created, updated, -updated, priority, -priority, due, ref or -ref.", Fields: map[string]string{"sort": "Choose a known sort order."}}
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.Ticket
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if out, err = queryAll(tx, scanTicketRow, `SELECT `+ticketColumns+ticketFrom+w.String()+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(w.args, limit, offset)...); err != nil {
			return err
		}
		// Counting separately lets the page query stop at LIMIT instead of
		// materialising every match; the count itself stops at the cap.
		if offset == 0 && len(out) < limit {
			total = len(out)
			return nil
		}
		// Counting has no order to keep, so the status index serves it.
		cond := strings.Replace(w.String(), "+t.status", "t.status", 1)
		return tx.queryRow(`SELECT COUNT(*) FROM (SELECT 1 FROM tickets t`+cond+` LIMIT ?) c`, append(w.args, itsm.TicketTotalCap+1)...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find tickets: %w", err)
	}
	return out, total, nil
}

// ftsQuery turns a person's search words into an FTS5 query that matches
// every word as a prefix, with FTS5's syntax characters neutralised.
func ftsQuery(s string) string {
	var terms []string
	for _, f := range strings.Fields(s) {
		f = strings.Map(func(r rune) rune {
			if r == '"' || r == '*' || r == '^' || r == ':' || r == '(' || r == ')' || r == '{' || r == '}' || r == '-' || r == '+' {
				return ' '
			}
			return r
		}, f)
		for _, p := range strings.Fields(f) {
			terms = append(terms, `"`+p+`"*`)
		}
	}
	if len(terms) == 0 {
		return `""`
	}
	return strings.Join(terms, " ")
}

// nextNumber takes the next number of a named sequence in tx.
func (tx *Tx) nextNumber(name string) (int64, error) {
	// One upsert starts the sequence or advances it, so two transactions
	// starting the same sequence at once queue on the row instead of one
	// failing on the primary key.
	var n int64
	err := tx.queryRow(`INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next number of %s: %w", name, err)
	}
	return n, nil
}

// byKind says whether the actor counts as staff or customer for SLA
// purposes: programme and provider staff answer; customers ask.
func byKind(a *itsm.Actor) string {
	if a.IsCustomer() {
		return "customer"
	}
	return "staff"
}

// addEvent appends a ticket event in tx.
func (tx *Tx) addEvent(e *itsm.TicketEvent) error {
	e.At = tx.now
	e.ActorName = tx.actor.Name
	if tx.actor.UserID != 0 {
		id := tx.actor.UserID
		e.ActorID = &id
	}
	id, err := tx.insert(`INSERT INTO ticket_events (ticket_id, at, type, actor_id, actor_name, by_kind, status, priority, body, public) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.TicketID, ts(e.At), e.Type, e.ActorID, e.ActorName, e.By, string(e.Status), e.Priority, e.Body, e.Public)
	if err != nil {
		return fmt.Errorf("add %s event to ticket %d: %w", e.Type, e.TicketID, err)
	}
	e.ID = id
	return nil
}

// CreateTicket opens a ticket for the caller's organisation (customers) or
// for a chosen customer organisation (staff).
func (db *DB) CreateTicket(ctx context.Context, n itsm.NewTicket) (*itsm.Ticket, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.SignedIn() || a.ReadOnly() || a.IsProvider() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to raise tickets.")
	}
	if a.IsCustomer() {
		n.OrgID, n.RequesterID = a.OrgID, a.UserID
		if n.Priority != "" {
			return nil, &itsm.Error{Code: itsm.EFORBIDDEN, Message: "Only the service desk can override a ticket's priority.", Fields: map[string]string{"priority": "Only the service desk can override the priority."}}
		}
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var out *itsm.Ticket
	err := db.update(ctx, func(tx *Tx) error {
		org, err := tx.findOrg(n.OrgID)
		if err != nil || org.Kind != itsm.OrgCustomer {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose the customer organisation the ticket is for.", Fields: map[string]string{"organisation_id": "Choose a customer organisation."}}
		}
		requesterID := n.RequesterID
		if requesterID == 0 {
			requesterID = a.UserID
		}
		var requester *itsm.User
		if requesterID != 0 {
			u, err := tx.findUser(requesterID)
			if n.RequesterID != 0 && (err != nil || u.OrgID != org.ID) {
				return &itsm.Error{Code: itsm.EINVALID, Message: "Choose a requester from the customer organisation.", Fields: map[string]string{"requester_id": "Choose a person from the customer organisation."}}
			} else if err != nil {
				return err
			}
			requester = u
		}
		t, err := tx.insertTicket(n, org, requester)
		if err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// insertTicket raises a ticket for org in tx: priority from the matrix (or
// n.Priority), the SLA clocks from the agreement, the reference, the first
// event, the requester as watcher with an acknowledgement, webhooks and the
// audit entry. Callers have checked who may raise it and for whom.
func (tx *Tx) insertTicket(n itsm.NewTicket, org *itsm.Organisation, requester *itsm.User) (*itsm.Ticket, error) {
	a := tx.actor
	var out *itsm.Ticket
	err := func() error {
		matrix, err := tx.priorityMatrix()
		if err != nil {
			return err
		}
		priority := matrix.Priority(n.Impact, n.Urgency)
		if n.Priority != "" {
			priority = n.Priority
		}
		agreement, err := tx.agreementFor(org.ID)
		if err != nil {
			return err
		}
		t := &itsm.Ticket{Type: n.Type, OrgID: org.ID, OrgName: org.Name, Title: n.Title, Description: n.Description,
			Category: n.Category, Service: n.Service, Component: n.Component, Impact: n.Impact, Urgency: n.Urgency, Priority: priority,
			Status: itsm.StatusNew, AgreementID: agreement, CreatedAt: tx.now, UpdatedAt: tx.now, Version: 1}
		var requesterRef *int64
		if requester != nil {
			t.RequesterID, t.Requester, requesterRef = requester.ID, requester.Name, &requester.ID
		}
		// The SLA clocks of a new ticket follow from its one "created"
		// event, so they are evaluated here and stored with the row rather
		// than read back and updated (recomputeSLA does the same from the
		// stored history on every later change).
		by := byKind(a)
		var c slaColumns
		if agreement != nil {
			policy, err := tx.policy(*agreement)
			if err != nil {
				return err
			}
			res, err := sla.Evaluate(policy, priority, []sla.Event{slaEvent(tx.now, sla.EventCreated, by, string(itsm.StatusNew), priority)}, tx.now)
			if err != nil {
				return fmt.Errorf("evaluate SLA of new ticket: %w", err)
			}
			c = slaColumnsOf(res)
			t.ResponseDue, t.ResolutionDue = stored(res.Response.Due), stored(res.Resolution.Due)
			if res.Response.Met {
				t.ResponseMetAt = stored(res.Response.MetAt)
			}
			t.ResponseBreached, t.ResolutionBreached = c.responseBreached, c.resolutionBreached
		}
		// The number is taken as late as possible: on PostgreSQL its
		// counter row stays locked until the transaction ends.
		num, err := tx.nextNumber("ticket:" + string(n.Type))
		if err != nil {
			return err
		}
		t.Ref = itsm.TicketRef(n.Type, num)
		t.ID, err = tx.insert(`INSERT INTO tickets (number, ref, type, org_id, requester_id, requester_name, title, description, category, service, component, impact, urgency, priority, status, is_open, agreement_id,
		response_due, response_met_at, resolution_due, response_breached, resolution_breached, next_due, next_alert_at, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			num, t.Ref, string(n.Type), org.ID, requesterRef, t.Requester, n.Title, n.Description, n.Category, n.Service, n.Component,
			string(n.Impact), string(n.Urgency), priority, string(itsm.StatusNew), true, agreement,
			c.responseDue, c.responseMet, c.resolutionDue, c.responseBreached, c.resolutionBreached, c.nextDue, c.nextAlert, ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create ticket: %w", err)
		}
		if err := tx.addEvent(&itsm.TicketEvent{TicketID: t.ID, Type: "created", By: by, Status: itsm.StatusNew, Priority: priority, Public: true}); err != nil {
			return err
		}
		if requester != nil {
			if _, err := tx.exec(`INSERT INTO ticket_watchers (ticket_id, user_id) VALUES (?, ?)`, t.ID, requester.ID); err != nil {
				return fmt.Errorf("watch ticket: %w", err)
			}
			if requester.Status == itsm.UserActive {
				if err := tx.enqueue(itsm.EmailJob{To: []string{requester.Email}, Subject: fmt.Sprintf("[%s] We have received your %s: %s", t.Ref, strings.ToLower(n.Type.Label()), n.Title),
					Text: fmt.Sprintf("Thank you. Your %s %s has been logged with priority %s.\n\nWe will reply in the customer area and by e-mail.\n", strings.ToLower(n.Type.Label()), t.Ref, priority)}); err != nil {
					return err
				}
			}
		}
		out = t
		d := diff(nil, out)
		if n.Priority != "" {
			d = mergeDiff(d, fields("priority_reason", n.PriorityReason))
		}
		if err := tx.emitTicketEvents(nil, out); err != nil {
			return err
		}
		// The audit entry comes last: on PostgreSQL it locks the chain's
		// head, which every writer needs, until the commit.
		return tx.audit(itsm.AuditCreate, "ticket", t.ID, &out.OrgID, d)
	}()
	return out, err
}

// stored is a time as it reads back from the database: UTC, to the
// microsecond.
func stored(t time.Time) *time.Time {
	v := fromTS(ts(t))
	return &v
}

// mergeDiff adds the keys of b to the JSON object a.
func mergeDiff(a, b []byte) []byte {
	if len(a) < 2 || len(b) < 2 || string(a) == "{}" {
		return b
	}
	if string(b) == "{}" {
		return a
	}
	return append(append(append([]byte{}, a[:len(a)-1]...), ','), b[1:]...)
}
