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
)

// This file holds change requests: reading, the portfolio list, raising and
// editing. The lifecycle is in change_flow.go; estimates, votes, costs and
// the delivery score in change_money.go; links in change_links.go.

const changeColumns = `c.id, c.ref, c.kind, c.subtype, c.contract_ref, c.variation, c.cost_impact, c.time_impact_tenths,
	c.organisation_id, COALESCE(o.name, ''), c.requester_id, c.requester_name, c.customer_sponsored,
	c.title, c.description, c.service, c.justification, c.provider_id, COALESCE(p.name, ''), c.assignee_id, COALESCE(u.name, ''),
	c.major, c.state, c.held_from, c.hold_reason, c.reject_reason, c.spec_version, c.accepted_estimate_id,
	c.quote_accepted_at, c.quote_accepted_by, c.approved_at, c.approved_by, c.conditions,
	c.approved_budget, c.actual_cost, c.committed_date, c.forecast_date, c.actual_date,
	c.target_release, c.window_start, c.window_end, c.review_outcome, c.review_notes, c.created_at, c.updated_at, c.version`

// changeFrom joins with LEFT JOINs only, so that SQLite keeps change_requests
// as the outer loop and reads a page in the order of the sort's index.
const changeFrom = ` FROM change_requests c LEFT JOIN organisations o ON o.id = c.organisation_id
	LEFT JOIN organisations p ON p.id = c.provider_id LEFT JOIN users u ON u.id = c.assignee_id`

func scanChange(row scanner) (*itsm.ChangeRequest, error) {
	var c itsm.ChangeRequest
	var requester, provider, assignee, accepted, budget sql.NullInt64
	var acceptedAt, approvedAt, committed, forecast, actual, wStart, wEnd sql.NullInt64
	var timeTenths, created, updated int64
	var specVersion int64
	if err := row.Scan(&c.ID, &c.Ref, &c.Kind, &c.Subtype, &c.ContractRef, &c.Variation, &c.CostImpact, &timeTenths,
		&c.OrgID, &c.OrgName, &requester, &c.Requester, &c.CustomerSponsored,
		&c.Title, &c.Description, &c.Service, &c.Justification, &provider, &c.Provider, &assignee, &c.Assignee,
		&c.Major, &c.State, &c.HeldFrom, &c.HoldReason, &c.RejectReason, &specVersion, &accepted,
		&acceptedAt, &c.QuoteAcceptedBy, &approvedAt, &c.ApprovedBy, &c.Conditions,
		&budget, &c.ActualCost, &committed, &forecast, &actual,
		&c.TargetRelease, &wStart, &wEnd, &c.ReviewOutcome, &c.ReviewNotes, &created, &updated, &c.Version); err != nil {
		return nil, err
	}
	nullID := func(v sql.NullInt64) *int64 {
		if !v.Valid {
			return nil
		}
		x := v.Int64
		return &x
	}
	if requester.Valid {
		c.RequesterID = requester.Int64
	}
	c.TimeImpactDays = itsm.TenthsToDays(timeTenths)
	c.SpecVersion = int(specVersion)
	c.ProviderID, c.AssigneeID, c.AcceptedEstimateID, c.ApprovedBudget = nullID(provider), nullID(assignee), nullID(accepted), nullID(budget)
	c.QuoteAcceptedAt, c.ApprovedAt = fromNullTS(acceptedAt), fromNullTS(approvedAt)
	c.CommittedDate, c.ForecastDate, c.ActualDate = fromNullTS(committed), fromNullTS(forecast), fromNullTS(actual)
	c.WindowStart, c.WindowEnd = fromNullTS(wStart), fromNullTS(wEnd)
	c.CreatedAt, c.UpdatedAt = fromTS(created), fromTS(updated)
	return &c, nil
}

// changeScope adds the caller's visibility to a change query: staff and
// auditors see every change, customers their organisation's, providers
// those assigned to them.
func changeScope(a *itsm.Actor, w *where) { assignedScope(a, w, "c.organisation_id", "c.provider_id") }

// canSeeChange applies changeScope to one change.
func canSeeChange(a *itsm.Actor, c *itsm.ChangeRequest) bool {
	return seesAssigned(a, c.OrgID, c.ProviderID)
}

// findChange reads a change the caller may see, or ENOTFOUND, with its RAG
// status as of the transaction's day.
func (tx *Tx) findChange(id int64) (*itsm.ChangeRequest, error) {
	c, err := scanChange(tx.queryRow(`SELECT `+changeColumns+changeFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("change")
	} else if err != nil {
		return nil, fmt.Errorf("find change %d: %w", id, err)
	}
	if !canSeeChange(tx.actor, c) {
		return nil, itsm.ErrNotFound("change")
	}
	c.RAG = itsm.RAGOfChange(c, itsm.ChangeToday(tx.now))
	return c, nil
}

// FindChangeByID returns a change the caller may see; a refusal is audited.
func (db *DB) FindChangeByID(ctx context.Context, id int64) (*itsm.ChangeRequest, error) {
	var c *itsm.ChangeRequest
	err := db.view(ctx, func(tx *Tx) (err error) { c, err = tx.findChange(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "change", strconv.FormatInt(id, 10), "change not visible to the caller")
	}
	return c, err
}

// FindChangeByRef returns a change by its reference (RFC-0001).
func (db *DB) FindChangeByRef(ctx context.Context, ref string) (*itsm.ChangeRequest, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	var id int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id FROM change_requests WHERE ref = ?`), ref).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("change")
	} else if err != nil {
		return nil, fmt.Errorf("find change %s: %w", ref, err)
	}
	return db.FindChangeByID(ctx, id)
}

// changeSorts are the portfolio's orders. NULLs sort last on both engines.
var changeSorts = map[string]string{
	"":           "c.updated_at DESC, c.id DESC",
	"-updated":   "c.updated_at DESC, c.id DESC",
	"updated":    "c.updated_at, c.id",
	"-created":   "c.created_at DESC, c.id DESC",
	"created":    "c.created_at, c.id",
	"ref":        "c.ref",
	"-ref":       "c.ref DESC",
	"title":      "c.title, c.id",
	"state":      "c.state, c.updated_at, c.id",
	"committed":  "(c.committed_date IS NULL), c.committed_date, c.id",
	"-committed": "(c.committed_date IS NOT NULL) DESC, c.committed_date DESC, c.id DESC",
	"budget":     "(c.approved_budget IS NULL), c.approved_budget, c.id",
	"-budget":    "(c.approved_budget IS NOT NULL) DESC, c.approved_budget DESC, c.id DESC",
	"cost":       "c.actual_cost, c.id",
	"-cost":      "c.actual_cost DESC, c.id DESC",
}

// The RAG rules of itsm.RAGOfChange in SQL; the baseline columns are not
// NULL wherever ragRed and ragAmber are used, so each is true or false. The
// unary plus keeps the page query on its sort order's index (a RAG status
// is never rare enough to be worth sorting every match); the count drops
// it, to use the covering change_requests_rag index.
const (
	ragGrey     = `(c.state IN ('rejected', 'withdrawn') OR c.approved_budget IS NULL OR +c.committed_date IS NULL)`
	ragBaseline = `+c.committed_date IS NOT NULL AND c.approved_budget IS NOT NULL AND c.state NOT IN ('rejected', 'withdrawn')`
	ragRed      = `(c.actual_cost > c.approved_budget OR (c.actual_date IS NULL AND +c.committed_date < ?) OR (c.actual_date IS NOT NULL AND c.actual_date > +c.committed_date))`
	ragAmber    = `(c.actual_cost * 10 > c.approved_budget * 9 OR (c.actual_date IS NULL AND c.forecast_date IS NOT NULL AND c.forecast_date > +c.committed_date))`
)

// ragWhere adds the RAG filter for the day (midnight UTC).
func ragWhere(w *where, r itsm.ChangeRAG, today int64) {
	switch r {
	case itsm.ChangeRAGGrey:
		w.add(ragGrey)
	case itsm.ChangeRAGRed:
		w.add(ragBaseline+" AND "+ragRed, today)
	case itsm.ChangeRAGAmber:
		w.add(ragBaseline+" AND NOT "+ragRed+" AND "+ragAmber, today)
	case itsm.ChangeRAGGreen:
		w.add(ragBaseline+" AND NOT "+ragRed+" AND NOT "+ragAmber, today)
	}
}

// ListChanges returns a page of the portfolio the caller may see and the
// total matching, capped at itsm.ChangeTotalCap+1.
func (db *DB) ListChanges(ctx context.Context, f itsm.ChangeFilter) ([]*itsm.ChangeRequest, int, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	a := itsm.ActorFromContext(ctx)
	today := itsm.ChangeToday(db.now())
	var w where
	changeScope(a, &w)
	if f.OrgID != nil {
		w.add("c.organisation_id = ?", *f.OrgID)
	}
	if f.ProviderID != nil {
		w.add("c.provider_id = ?", *f.ProviderID)
	}
	if f.Kind != nil {
		w.add("c.kind = ?", string(*f.Kind))
	}
	if len(f.State) > 0 {
		ph := make([]string, len(f.State))
		args := make([]any, len(f.State))
		for i, s := range f.State {
			ph[i], args[i] = "?", string(s)
		}
		col := "c.state"
		if len(f.State) > 1 && db.engine == SQLite {
			col = "+c.state" // stay on the sort order's index, as for tickets
		}
		w.add(col+" IN ("+strings.Join(ph, ", ")+")", args...)
	}
	if f.Open != nil {
		col := "c.is_open"
		if f.Sort != "" && f.Sort != "-updated" && f.Sort != "updated" {
			col = "+c.is_open" // most changes are open or most closed: sort, then filter
		}
		w.add(col+" = ?", *f.Open)
	}
	if f.AssigneeID != nil {
		w.add("c.assignee_id = ?", *f.AssigneeID)
	}
	if f.RequesterID != nil {
		w.add("c.requester_id = ?", *f.RequesterID)
	}
	if f.RAG != nil {
		ragWhere(&w, *f.RAG, ts(today))
	}
	if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
		q := strings.TrimSpace(*f.Query)
		if db.engine == Postgres {
			w.add("c.search @@ websearch_to_tsquery('english', ?)", q)
		} else {
			w.add("c.id IN (SELECT rowid FROM change_requests_fts WHERE change_requests_fts MATCH ?)", ftsQuery(q))
		}
	}
	order := changeSorts[f.Sort]
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.ChangeRequest
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		cond := w.String()
		if db.engine == Postgres {
			cond = strings.ReplaceAll(cond, "+c.", "c.") // the unary plus is SQLite's planner hint
		}
		if out, err = queryAll(tx, scanChange, `SELECT `+changeColumns+changeFrom+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(w.args, limit, offset)...); err != nil {
			return err
		}
		for _, c := range out {
			c.RAG = itsm.RAGOfChange(c, today)
		}
		if offset == 0 && len(out) < limit {
			total = len(out)
			return nil
		}
		// Counting has no order to keep, so any index may serve it.
		cond = strings.ReplaceAll(cond, "+c.", "c.")
		return tx.queryRow(`SELECT COUNT(*) FROM (SELECT 1 FROM change_requests c`+cond+` LIMIT ?) n`, append(w.args, itsm.ChangeTotalCap+1)...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list changes: %w", err)
	}
	return out, total, nil
}

// CreateChange raises a change request for the caller's organisation
// (customers) or for a chosen customer organisation (staff).
func (db *DB) CreateChange(ctx context.Context, n itsm.NewChange) (*itsm.ChangeRequest, error) {
	var out *itsm.ChangeRequest
	err := db.update(ctx, func(tx *Tx) (err error) { out, err = tx.createChange(n); return err })
	return out, err
}

// fieldErr is an EINVALID error about one field.
func fieldErr(field, msg string) error {
	return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

// createChange raises a change in tx, with its history, audit entry and
// (when submitted) notification.
func (tx *Tx) createChange(n itsm.NewChange) (*itsm.ChangeRequest, error) {
	a := tx.actor
	if !a.SignedIn() || a.ReadOnly() || a.IsProvider() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to raise change requests.")
	}
	if a.IsCustomer() {
		if n.OrgID != 0 && n.OrgID != a.OrgID {
			return nil, itsm.ErrNotFound("organisation")
		}
		n.OrgID, n.RequesterID = a.OrgID, a.UserID
		if n.Major || n.ProviderID != nil || n.AssigneeID != nil {
			return nil, &itsm.Error{Code: itsm.EFORBIDDEN, Message: "Only the programme team can mark a change as major or assign it.", Fields: map[string]string{"major": "Only the programme team can set this."}}
		}
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	org, err := tx.findOrg(n.OrgID)
	if err != nil || org.Kind != itsm.OrgCustomer {
		return nil, fieldErr("organisation_id", "Choose the customer organisation the change is for.")
	}
	var requester *int64
	requesterName, sponsored := a.Name, false
	if n.RequesterID != 0 && n.RequesterID != a.UserID {
		u, err := tx.findUser(n.RequesterID)
		if err != nil || u.OrgID != org.ID || u.Status != itsm.UserActive {
			return nil, fieldErr("requester_id", "Choose an active person from the customer organisation as requester.")
		}
		requester, requesterName, sponsored = &u.ID, u.Name, true
	} else if a.UserID != 0 {
		id := a.UserID
		requester, sponsored = &id, a.IsCustomer()
	}
	if err := tx.checkChangeAssignment(n.ProviderID, n.AssigneeID); err != nil {
		return nil, err
	}
	num, err := tx.nextNumber("change:" + string(n.Kind))
	if err != nil {
		return nil, err
	}
	state := itsm.ChangeDraft
	if n.Submit {
		state = itsm.ChangeSubmitted
	}
	id, err := tx.insert(`INSERT INTO change_requests (number, ref, kind, subtype, contract_ref, variation, cost_impact, time_impact_tenths,
		organisation_id, requester_id, requester_name, customer_sponsored, title, description, service, justification,
		provider_id, assignee_id, major, state, is_open, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		num, itsm.ChangeRef(n.Kind, num), string(n.Kind), string(n.Subtype), n.ContractRef, n.Variation, n.CostImpact, itsm.DaysToTenths(n.TimeImpactDays),
		org.ID, requester, requesterName, sponsored, n.Title, n.Description, n.Service, n.Justification,
		n.ProviderID, n.AssigneeID, n.Major, string(state), true, ts(tx.now), ts(tx.now))
	if err != nil {
		return nil, fmt.Errorf("create change: %w", err)
	}
	if err := tx.changeEvent(id, "created", "", itsm.ChangeDraft, ""); err != nil {
		return nil, err
	}
	if n.Submit {
		if err := tx.changeEvent(id, string(itsm.ActSubmit), itsm.ChangeDraft, itsm.ChangeSubmitted, ""); err != nil {
			return nil, err
		}
	}
	out, err := tx.findChange(id)
	if err != nil {
		return nil, err
	}
	if err := tx.audit(itsm.AuditCreate, "change", id, &out.OrgID, diff(nil, out)); err != nil {
		return nil, err
	}
	if n.Submit {
		if err := tx.notifyChange(out, fmt.Sprintf("[%s] Change submitted: %s", out.Ref, out.Title),
			fmt.Sprintf("%s has been submitted by %s and waits for the programme's specification review.\n", out.Ref, a.Name)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkChangeAssignment checks a provider and an assignee.
func (tx *Tx) checkChangeAssignment(provider, assignee *int64) error {
	if provider != nil {
		o, err := tx.findOrg(*provider)
		if err != nil || o.Kind != itsm.OrgProvider {
			return fieldErr("provider_id", "Choose a provider organisation.")
		}
	}
	if assignee != nil {
		u, err := tx.findUser(*assignee)
		if err != nil || !u.Role.IsStaff() || u.OrgKind != itsm.OrgProgramme || u.Status != itsm.UserActive {
			return fieldErr("assignee_id", "Choose an active member of the programme team as assignee.")
		}
	}
	return nil
}

// UpdateChange edits a change's specification (the requester, a customer
// admin of its organisation, or staff, while it may change) or its staff
// fields (major, provider, assignee).
func (db *DB) UpdateChange(ctx context.Context, id int64, u itsm.ChangeUpdate) (*itsm.ChangeRequest, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.ChangeRequest
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findChange(id)
		if err != nil {
			return err
		}
		staff := a.IsStaff()
		owner := !a.ReadOnly() && a.IsCustomer() && (a.UserID == before.RequesterID || (a.Role == itsm.RoleCustomerAdmin && a.OrgID == before.OrgID))
		switch {
		case a.ReadOnly():
			return itsm.Errorf(itsm.EFORBIDDEN, "Auditors can read changes but not change them.")
		case !staff && !owner:
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the requester, a customer admin of %s or the programme team can edit this change.", before.OrgName)
		case !staff && (u.Major != nil || u.ProviderID != nil || u.AssigneeID != nil):
			return &itsm.Error{Code: itsm.EFORBIDDEN, Message: "Only the programme team can mark a change as major or assign it.", Fields: map[string]string{"major": "Only the programme team can set this."}}
		case !before.State.Open():
			return itsm.Errorf(itsm.ECONFLICT, "%s is %s and can no longer be edited.", before.Ref, before.State)
		}
		if u.SpecChanged() {
			editable := before.SpecEditable()
			if !staff {
				editable = before.State == itsm.ChangeDraft || before.State == itsm.ChangeClarification
			}
			if !editable {
				if !staff && before.SpecEditable() {
					return itsm.Errorf(itsm.ECONFLICT, "%s is with the programme for review; you can edit it again if they ask you questions.", before.Ref)
				}
				return itsm.Errorf(itsm.ECONFLICT, "The specification of %s is frozen as version %d; raise a new change for further changes.", before.Ref, before.SpecVersion)
			}
		}
		c := *before
		if err := u.Apply(&c); err != nil {
			return err
		}
		if u.ProviderID != nil {
			c.ProviderID = u.ProviderID
			if *u.ProviderID == 0 {
				c.ProviderID = nil
			}
		}
		if u.AssigneeID != nil {
			c.AssigneeID = u.AssigneeID
			if *u.AssigneeID == 0 {
				c.AssigneeID = nil
			}
		}
		if err := tx.checkChangeAssignment(c.ProviderID, c.AssigneeID); err != nil {
			return err
		}
		c.Version = u.Version
		if err := tx.saveChange(&c); err != nil {
			return err
		}
		if err := tx.changeEvent(id, "updated", "", "", ""); err != nil {
			return err
		}
		if out, err = tx.findChange(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditUpdate, "change", id, &out.OrgID, diff(before, out))
	})
	return out, err
}

// saveChange writes every mutable column of c if its version is still
// c.Version, else ECONFLICT.
func (tx *Tx) saveChange(c *itsm.ChangeRequest) error {
	res, err := tx.exec(`UPDATE change_requests SET subtype = ?, contract_ref = ?, variation = ?, cost_impact = ?, time_impact_tenths = ?,
		title = ?, description = ?, service = ?, justification = ?, provider_id = ?, assignee_id = ?, major = ?,
		state = ?, is_open = ?, held_from = ?, hold_reason = ?, reject_reason = ?, spec_version = ?, accepted_estimate_id = ?,
		quote_accepted_at = ?, quote_accepted_by = ?, approved_at = ?, approved_by = ?, conditions = ?,
		approved_budget = ?, committed_date = ?, forecast_date = ?, actual_date = ?,
		target_release = ?, window_start = ?, window_end = ?, review_outcome = ?, review_notes = ?,
		updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		string(c.Subtype), c.ContractRef, c.Variation, c.CostImpact, itsm.DaysToTenths(c.TimeImpactDays),
		c.Title, c.Description, c.Service, c.Justification, c.ProviderID, c.AssigneeID, c.Major,
		string(c.State), c.State.Open(), string(c.HeldFrom), c.HoldReason, c.RejectReason, c.SpecVersion, c.AcceptedEstimateID,
		tsp(c.QuoteAcceptedAt), c.QuoteAcceptedBy, tsp(c.ApprovedAt), c.ApprovedBy, c.Conditions,
		c.ApprovedBudget, tsp(c.CommittedDate), tsp(c.ForecastDate), tsp(c.ActualDate),
		c.TargetRelease, tsp(c.WindowStart), tsp(c.WindowEnd), string(c.ReviewOutcome), c.ReviewNotes,
		ts(tx.now), c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("save change %d: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return itsm.ErrStale("change")
	}
	return nil
}

// changeEvent appends a line to a change's history.
func (tx *Tx) changeEvent(changeID int64, typ string, from, to itsm.ChangeState, note string) error {
	var actor *int64
	if tx.actor.UserID != 0 {
		id := tx.actor.UserID
		actor = &id
	}
	name := tx.actor.Name
	if name == "" && tx.actor.System {
		name = "system"
	}
	if _, err := tx.exec(`INSERT INTO change_events (change_id, at, type, from_state, to_state, actor_id, actor_name, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		changeID, ts(tx.now), typ, string(from), string(to), actor, name, note); err != nil {
		return fmt.Errorf("record change %d event %s: %w", changeID, typ, err)
	}
	return tx.emitChangeWebhook(changeID, typ, from, to)
}

// changeEventData is what a change event says to a webhook receiver: which
// change, what happened and its state, with the rest a GET away. Notes stay
// out: they can hold reasons meant for people, not integrations.
type changeEventData struct {
	ID        int64     `json:"id"`
	Ref       string    `json:"ref"`
	Kind      string    `json:"kind"`
	OrgID     int64     `json:"organisation_id"`
	Title     string    `json:"title"`
	Event     string    `json:"event"`
	State     string    `json:"state"`
	PrevState string    `json:"previous_state,omitempty"`
	At        time.Time `json:"at"`
}

// emitChangeWebhook sends "change.<event>" (change.created, change.submit,
// change.approve, change.cost…) to the webhooks of the change's organisation
// and the global ones, through the outbox like every other event.
func (tx *Tx) emitChangeWebhook(changeID int64, typ string, from, to itsm.ChangeState) error {
	d := changeEventData{ID: changeID, Event: typ, PrevState: string(from), At: tx.now}
	var kind, state string
	if err := tx.queryRow(`SELECT ref, kind, organisation_id, title, state FROM change_requests WHERE id = ?`, changeID).Scan(&d.Ref, &kind, &d.OrgID, &d.Title, &state); err != nil {
		return fmt.Errorf("describe change %d for its webhook: %w", changeID, err)
	}
	d.Kind, d.State = kind, state
	if to != "" {
		d.State = string(to)
	}
	if from == to {
		d.PrevState = ""
	}
	org := d.OrgID
	return tx.emitWebhook("change."+typ, &org, d)
}

// notifyChange e-mails the requester, the organisation's active customer
// admins and the assignee, never the actor.
func (tx *Tx) notifyChange(c *itsm.ChangeRequest, subject, text string) error {
	to, err := tx.emailsOf(`status = 'active' AND id <> ? AND (id = ? OR id = ? OR (org_id = ? AND role = ?))`,
		tx.actor.UserID, c.RequesterID, nullInt(c.AssigneeID), c.OrgID, string(itsm.RoleCustomerAdmin))
	if err != nil || len(to) == 0 {
		return err
	}
	return tx.enqueue(itsm.EmailJob{To: to, Subject: subject, Text: text + "\nSee " + c.Ref + " in Steward for the details and its history.\n"})
}

// nullInt is the value of an optional id, or 0.
func nullInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
