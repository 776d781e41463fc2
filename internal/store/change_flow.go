package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// TransitionChange takes a lifecycle action on a change: the lifecycle and
// roles are itsm.CheckChangeAction's; this adds what each action records
// (a frozen specification, the accepted quote, the budget, the review) and
// its preconditions (an estimate to send, CAB votes for a major change).
func (db *DB) TransitionChange(ctx context.Context, id int64, t itsm.ChangeTransition) (*itsm.ChangeRequest, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.ChangeRequest
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findChange(id)
		if err != nil {
			return err
		}
		today := itsm.ChangeToday(tx.now)
		if err := t.Validate(today); err != nil {
			return err
		}
		if err := itsm.CheckChangeAction(before, a, t.Action); err != nil {
			return err
		}
		if t.Version != before.Version {
			return itsm.ErrStale("change")
		}
		c := *before
		c.State = itsm.ChangeActionTarget(before, t.Action)
		if err := tx.applyChangeAction(&c, before, t); err != nil {
			return err
		}
		if err := tx.saveChange(&c); err != nil {
			return err
		}
		if err := tx.changeEvent(id, string(t.Action), before.State, c.State, t.Note); err != nil {
			return err
		}
		if out, err = tx.findChange(id); err != nil {
			return err
		}
		d := diff(before, out)
		if t.Note != "" {
			d = mergeDiff(d, fields("note", t.Note))
		}
		if err := tx.audit("transition:"+string(out.State), "change", id, &out.OrgID, d); err != nil {
			return err
		}
		return tx.notifyChange(out, fmt.Sprintf("[%s] %s: %s", out.Ref, out.State.Label(), out.Title), transitionText(out, before.State, t, a))
	})
	return out, err
}

// applyChangeAction records what the action changes besides the state.
func (tx *Tx) applyChangeAction(c, before *itsm.ChangeRequest, t itsm.ChangeTransition) error {
	a := tx.actor
	now := tx.now
	switch t.Action {
	case itsm.ActAcceptSpec:
		c.SpecVersion = before.SpecVersion + 1
		var by *int64
		if a.UserID != 0 {
			by = &a.UserID
		}
		if _, err := tx.exec(`INSERT INTO change_spec_versions (change_id, number, title, description, service, justification, subtype, contract_ref, variation, frozen_by, frozen_by_name, frozen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.SpecVersion, c.Title, c.Description, c.Service, c.Justification,
			string(c.Subtype), c.ContractRef, c.Variation, by, a.Name, ts(now)); err != nil {
			return fmt.Errorf("freeze specification of change %d: %w", c.ID, err)
		}
	case itsm.ActSubmitQuote:
		if _, err := tx.latestEstimate(c.ID); err != nil {
			return err
		}
	case itsm.ActAcceptQuote:
		e, err := tx.latestEstimate(c.ID)
		if err != nil {
			return err
		}
		c.AcceptedEstimateID, c.QuoteAcceptedAt, c.QuoteAcceptedBy = &e.ID, &now, a.Name
		d := e.DeliveryDate
		c.CommittedDate = &d
	case itsm.ActApprove:
		if c.Major {
			var votes int
			if err := tx.queryRow(`SELECT COUNT(*) FROM change_votes WHERE change_id = ?`, c.ID).Scan(&votes); err != nil {
				return fmt.Errorf("count votes on change %d: %w", c.ID, err)
			}
			if votes == 0 {
				return itsm.Errorf(itsm.EINVALID, "%s is a major change: record the change advisory board's votes before the decision.", c.Ref)
			}
		}
		if c.AcceptedEstimateID == nil {
			return itsm.Errorf(itsm.EINVALID, "%s has no accepted quote to approve.", c.Ref)
		}
		var cost int64
		if err := tx.queryRow(`SELECT cost FROM change_estimates WHERE id = ?`, *c.AcceptedEstimateID).Scan(&cost); err != nil {
			return fmt.Errorf("read accepted quote of change %d: %w", c.ID, err)
		}
		c.ApprovedBudget, c.ApprovedAt, c.ApprovedBy, c.Conditions = &cost, &now, a.Name, t.Conditions
	case itsm.ActReject:
		c.RejectReason = t.Note
	case itsm.ActHold:
		c.HeldFrom, c.HoldReason = before.State, t.Note
	case itsm.ActResume:
		c.HeldFrom, c.HoldReason = "", ""
	case itsm.ActWithdraw:
		c.HeldFrom = ""
	case itsm.ActDeliver:
		d := t.ActualDate
		c.ActualDate = &d
	case itsm.ActClose:
		c.ReviewOutcome, c.ReviewNotes = t.ReviewOutcome, t.Note
	}
	return nil
}

// latestEstimate returns the change's latest estimate revision, or EINVALID
// when there is none.
func (tx *Tx) latestEstimate(changeID int64) (*itsm.ChangeEstimate, error) {
	e, err := scanEstimate(tx.queryRow(`SELECT `+estimateColumns+` FROM change_estimates WHERE change_id = ? ORDER BY revision DESC LIMIT 1`, changeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fieldErr("estimate", "Record an estimate (effort, cost and delivery date) before sending the quote.")
	} else if err != nil {
		return nil, fmt.Errorf("latest estimate of change %d: %w", changeID, err)
	}
	return e, nil
}

// transitionText is the e-mail about a transition.
func transitionText(c *itsm.ChangeRequest, from itsm.ChangeState, t itsm.ChangeTransition, a *itsm.Actor) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s) moved from %s to %s. %s: %s.\n", c.Ref, c.Title, from, c.State, t.Action.Label(), a.Name)
	switch t.Action {
	case itsm.ActRequestClarification:
		b.WriteString("\nThe programme has questions about the specification. Please answer them and resubmit:\n\n")
	case itsm.ActAcceptQuote:
		b.WriteString("\nThe quote has been accepted and waits for the programme's approval.\n")
	case itsm.ActSubmitQuote:
		b.WriteString("\nA quote waits for the customer admin's acceptance.\n")
	}
	if t.Note != "" {
		b.WriteString("\n" + t.Note + "\n")
	}
	if t.Conditions != "" {
		b.WriteString("\nConditions: " + t.Conditions + "\n")
	}
	return b.String()
}

// ScheduleChange puts an approved (or reschedules a scheduled) change into
// a target release and an implementation window, refusing a window in a
// freeze unless a programme manager overrides it with a reason, which is
// audited as freeze_override. Overlaps with other changes are returned and
// recorded in the history but do not refuse.
func (db *DB) ScheduleChange(ctx context.Context, id int64, s itsm.ChangeSchedule) (*itsm.ChangeRequest, []itsm.ScheduleConflict, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.ChangeRequest
	var conflicts []itsm.ScheduleConflict
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findChange(id)
		if err != nil {
			return err
		}
		if err := itsm.CheckChangeAction(before, a, itsm.ActSchedule); err != nil {
			return err
		}
		if err := s.Validate(before.Service); err != nil {
			return err
		}
		if s.Version != before.Version {
			return itsm.ErrStale("change")
		}
		w := itsm.ChangeWindow{ChangeID: id, Ref: before.Ref, Title: before.Title, Service: s.Service, Start: s.WindowStart.UTC(), End: s.WindowEnd.UTC()}
		if conflicts, err = tx.scheduleConflicts(w); err != nil {
			return err
		}
		var freezes []itsm.ScheduleConflict
		for _, x := range conflicts {
			if x.Kind == itsm.ConflictFreeze {
				freezes = append(freezes, x)
			}
		}
		if len(freezes) > 0 {
			if !a.CanOverrideFreeze() {
				return fieldErr("window_start", freezes[0].Message+" Only a programme manager can override a freeze, with a reason.")
			}
			if s.OverrideReason == "" {
				return fieldErr("override_reason", freezes[0].Message+" Give a reason to override the freeze, or choose another window.")
			}
		}
		c := *before
		c.State, c.Service, c.TargetRelease = itsm.ChangeScheduled, w.Service, s.TargetRelease
		c.WindowStart, c.WindowEnd = &w.Start, &w.End
		if err := tx.saveChange(&c); err != nil {
			return err
		}
		note := fmt.Sprintf("Release %s, window %s to %s on %s.", c.TargetRelease, itsm.CalendarTime(w.Start), itsm.CalendarTime(w.End), w.Service)
		for _, x := range conflicts {
			note += " " + x.Message
		}
		if len(freezes) > 0 {
			note += " Freeze overridden: " + s.OverrideReason
		}
		if err := tx.changeEvent(id, string(itsm.ActSchedule), before.State, c.State, note); err != nil {
			return err
		}
		if out, err = tx.findChange(id); err != nil {
			return err
		}
		if len(freezes) > 0 {
			ids := make([]int64, len(freezes))
			for i, f := range freezes {
				ids[i] = f.FreezeID
			}
			if err := tx.audit("freeze_override", "change", id, &out.OrgID, fields("freeze_ids", ids, "reason", s.OverrideReason, "window_start", w.Start, "window_end", w.End)); err != nil {
				return err
			}
		}
		if err := tx.audit("transition:"+string(out.State), "change", id, &out.OrgID, diff(before, out)); err != nil {
			return err
		}
		return tx.notifyChange(out, fmt.Sprintf("[%s] Scheduled: %s", out.Ref, out.Title), note+"\n")
	})
	if err != nil {
		return nil, nil, err
	}
	return out, conflicts, nil
}

// ChangeScheduleConflicts previews the conflicts of a window for a change
// without scheduling it, for the programme team while scheduling.
func (db *DB) ChangeScheduleConflicts(ctx context.Context, id int64, s itsm.ChangeSchedule) ([]itsm.ScheduleConflict, error) {
	a := itsm.ActorFromContext(ctx)
	var out []itsm.ScheduleConflict
	err := db.view(ctx, func(tx *Tx) error {
		c, err := tx.findChange(id)
		if err != nil {
			return err
		}
		if !a.IsStaff() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team can schedule changes.")
		}
		service := strings.TrimSpace(s.Service)
		if service == "" {
			service = c.Service
		}
		w := itsm.ChangeWindow{ChangeID: id, Ref: c.Ref, Title: c.Title, Service: service, Start: s.WindowStart.UTC(), End: s.WindowEnd.UTC()}
		if err := w.Validate(); err != nil {
			return err
		}
		out, err = tx.scheduleConflicts(w)
		return err
	})
	return out, err
}
