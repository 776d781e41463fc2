package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Provider performance reviews. Tenancy: staff and auditors see every
// review; a provider's agents see their own provider's; customers none.
// Managers and administrators plan and change reviews; all programme staff
// record minutes, attendees and actions; a provider's agent may change the
// status and note of an action they own.

const reviewColumns = `r.id, r.provider_id, o.name, r.title, r.period_from, r.period_to, r.meeting_at, r.location, r.status, r.attendees, r.minutes,
	(SELECT COUNT(*) FROM review_actions a WHERE a.review_id = r.id AND a.status = 'open'), r.created_at, r.updated_at, r.version`

const reviewFrom = ` FROM reviews r JOIN organisations o ON o.id = r.provider_id`

func scanReview(row scanner) (*itsm.Review, error) {
	var r itsm.Review
	var from, to, meeting, created, updated int64
	var attendees string
	if err := row.Scan(&r.ID, &r.ProviderID, &r.ProviderName, &r.Title, &from, &to, &meeting, &r.Location, &r.Status, &attendees, &r.Minutes,
		&r.OpenActions, &created, &updated, &r.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(attendees), &r.Attendees); err != nil {
		return nil, fmt.Errorf("decode review %d attendees: %w", r.ID, err)
	}
	r.PeriodFrom, r.PeriodTo, r.MeetingAt = fromTS(from), fromTS(to), fromTS(meeting)
	r.CreatedAt, r.UpdatedAt = fromTS(created), fromTS(updated)
	return &r, nil
}

// reviewScope limits a query to the reviews the caller may see.
func reviewScope(a *itsm.Actor, w *where) {
	switch s := a.ReviewScope(); {
	case s < 0:
		w.add("1 = 0")
	case s > 0:
		w.add("r.provider_id = ?", s)
	}
}

// findReview reads a review the caller may see.
func (tx *Tx) findReview(id int64) (*itsm.Review, error) {
	var w where
	reviewScope(tx.actor, &w)
	w.add("r.id = ?", id)
	r, err := scanReview(tx.queryRow(`SELECT `+reviewColumns+reviewFrom+w.String(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("review")
	} else if err != nil {
		return nil, fmt.Errorf("find review %d: %w", id, err)
	}
	return r, nil
}

// reviewProvider checks that id is a provider organisation.
func (tx *Tx) reviewProvider(id int64) error {
	o, err := tx.findOrg(id)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND || (err == nil && o.Kind != itsm.OrgProvider) {
		return &itsm.Error{Code: itsm.EINVALID, Message: "Choose the provider whose performance is reviewed.",
			Fields: map[string]string{"provider_id": "Choose a provider organisation."}}
	}
	return err
}

// CreateReview plans a review (managers and administrators).
func (db *DB) CreateReview(ctx context.Context, r *itsm.Review) error {
	a := itsm.ActorFromContext(ctx)
	if !a.CanManageReviews() {
		if !a.CanReadReviews() {
			return itsm.ErrNotFound("page")
		}
		return itsm.Errorf(itsm.EFORBIDDEN, "Only programme managers and administrators can plan performance reviews.")
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.reviewProvider(r.ProviderID); err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO reviews (provider_id, title, period_from, period_to, meeting_at, location, status, attendees, minutes, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			r.ProviderID, r.Title, ts(r.PeriodFrom), ts(r.PeriodTo), ts(r.MeetingAt), r.Location, r.Status, jsonText(r.Attendees), r.Minutes, ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create review: %w", err)
		}
		got, err := tx.findReview(id)
		if err != nil {
			return err
		}
		*r = *got
		return tx.audit(itsm.AuditCreate, "review", id, &r.ProviderID, diff(nil, r))
	})
}

// FindReviewByID returns a review the caller may see.
func (db *DB) FindReviewByID(ctx context.Context, id int64) (*itsm.Review, error) {
	var r *itsm.Review
	err := db.view(ctx, func(tx *Tx) (err error) { r, err = tx.findReview(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "review", strconv.FormatInt(id, 10), "review not visible to the caller")
	}
	return r, err
}

var reviewSorts = map[string]string{
	"":            "r.meeting_at DESC, r.id DESC",
	"meeting":     "r.meeting_at DESC, r.id DESC",
	"meeting_asc": "r.meeting_at, r.id",
	"provider":    "LOWER(o.name), r.meeting_at DESC, r.id DESC",
	"title":       "LOWER(r.title), r.id",
}

// FindReviews returns a page of the reviews the caller may see; customers
// get an empty list.
func (db *DB) FindReviews(ctx context.Context, f itsm.ReviewFilter) ([]*itsm.Review, int, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.SignedIn() {
		return nil, 0, itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to see performance reviews.")
	}
	order, ok := reviewSorts[f.Sort]
	if !ok {
		return nil, 0, &itsm.Error{Code: itsm.EINVALID, Message: "Sort by meeting date, provider or title.", Fields: map[string]string{"sort": "Sort by meeting date, provider or title."}}
	}
	var w where
	reviewScope(a, &w)
	if f.ProviderID != nil {
		w.add("r.provider_id = ?", *f.ProviderID)
	}
	if f.Status != nil {
		w.add("r.status = ?", *f.Status)
	}
	offset, limit := page(f.Offset, f.Limit)
	out, total, err := listPage(ctx, db, scanReview, reviewColumns, reviewFrom, &w, order, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("find reviews: %w", err)
	}
	return out, total, nil
}

// UpdateReview changes a review if the caller's version is current.
func (db *DB) UpdateReview(ctx context.Context, id int64, upd itsm.ReviewUpdate) (*itsm.Review, error) {
	return updateVisible(ctx, db, "review", id, "update of a review not visible to the caller", func(tx *Tx) (*itsm.Review, error) {
		return tx.updateReview(id, upd)
	})
}

func (tx *Tx) updateReview(id int64, upd itsm.ReviewUpdate) (*itsm.Review, error) {
	before, err := tx.findReview(id)
	if err != nil {
		return nil, err
	}
	switch a := tx.actor; {
	case a.CanManageReviews():
	case a.CanRecordReviews() && upd.RecordOnly():
	case a.CanRecordReviews():
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Agents can record the minutes and attendees of a review; only managers and administrators can change its title, period, meeting or status.")
	default:
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team can change performance reviews.")
	}
	r := *before
	for _, f := range []struct{ dst, src *string }{{&r.Title, upd.Title}, {&r.Location, upd.Location}, {&r.Status, upd.Status}, {&r.Minutes, upd.Minutes}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if upd.PeriodFrom != nil {
		r.PeriodFrom = *upd.PeriodFrom
	}
	if upd.PeriodTo != nil {
		r.PeriodTo = *upd.PeriodTo
	}
	if upd.MeetingAt != nil {
		r.MeetingAt = *upd.MeetingAt
	}
	if upd.Attendees != nil {
		r.Attendees = *upd.Attendees
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	res, err := tx.exec(`UPDATE reviews SET title = ?, period_from = ?, period_to = ?, meeting_at = ?, location = ?, status = ?, attendees = ?, minutes = ?,
		updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		r.Title, ts(r.PeriodFrom), ts(r.PeriodTo), ts(r.MeetingAt), r.Location, r.Status, jsonText(r.Attendees), r.Minutes, ts(tx.now), id, upd.Version)
	if err != nil {
		return nil, fmt.Errorf("update review %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, itsm.ErrStale("review")
	}
	out, err := tx.findReview(id)
	if err != nil {
		return nil, err
	}
	return out, tx.audit(itsm.AuditUpdate, "review", id, &out.ProviderID, diff(before, out))
}

const reviewActionColumns = `a.id, a.review_id, a.title, a.owner_id, COALESCE(u.name, a.owner_name), a.due_date, a.status, a.note,
	r.title, r.meeting_at, a.created_at, a.updated_at, a.version`

const reviewActionFrom = ` FROM review_actions a JOIN reviews r ON r.id = a.review_id LEFT JOIN users u ON u.id = a.owner_id`

func reviewActionScanner(tx *Tx) func(scanner) (*itsm.ReviewAction, error) {
	return func(row scanner) (*itsm.ReviewAction, error) {
		var a itsm.ReviewAction
		var owner sql.NullInt64
		var due, meeting, created, updated int64
		if err := row.Scan(&a.ID, &a.ReviewID, &a.Title, &owner, &a.OwnerName, &due, &a.Status, &a.Note, &a.ReviewTitle, &meeting, &created, &updated, &a.Version); err != nil {
			return nil, err
		}
		a.OwnerID = nullID(owner)
		a.DueDate, a.ReviewMeetingAt, a.CreatedAt, a.UpdatedAt = fromTS(due), fromTS(meeting), fromTS(created), fromTS(updated)
		a.Derive(tx.now)
		return &a, nil
	}
}

// reviewActions reads the review's own actions, and the open actions of
// the provider's earlier reviews (met before this one), oldest first.
func (tx *Tx) reviewActions(r *itsm.Review) (own, carried []*itsm.ReviewAction, err error) {
	scan := reviewActionScanner(tx)
	if own, err = queryAll(tx, scan, `SELECT `+reviewActionColumns+reviewActionFrom+` WHERE a.review_id = ? ORDER BY a.due_date, a.id`, r.ID); err != nil {
		return nil, nil, fmt.Errorf("read review %d actions: %w", r.ID, err)
	}
	if carried, err = queryAll(tx, scan, `SELECT `+reviewActionColumns+reviewActionFrom+`
		WHERE r.provider_id = ? AND (r.meeting_at < ? OR (r.meeting_at = ? AND r.id < ?)) AND a.status = 'open' ORDER BY r.meeting_at, r.id, a.due_date, a.id LIMIT 500`,
		r.ProviderID, ts(r.MeetingAt), ts(r.MeetingAt), r.ID); err != nil {
		return nil, nil, fmt.Errorf("read actions carried into review %d: %w", r.ID, err)
	}
	return own, carried, nil
}

// ReviewActions returns a visible review's actions and those carried
// forward into it.
func (db *DB) ReviewActions(ctx context.Context, reviewID int64) (own, carried []*itsm.ReviewAction, err error) {
	err = db.view(ctx, func(tx *Tx) error {
		r, err := tx.findReview(reviewID)
		if err != nil {
			return err
		}
		own, carried, err = tx.reviewActions(r)
		return err
	})
	return own, carried, err
}

// findReviewAction reads an action of a review the caller may see.
func (tx *Tx) findReviewAction(id int64) (*itsm.ReviewAction, *itsm.Review, error) {
	a, err := reviewActionScanner(tx)(tx.queryRow(`SELECT `+reviewActionColumns+reviewActionFrom+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, itsm.ErrNotFound("action")
	} else if err != nil {
		return nil, nil, fmt.Errorf("find review action %d: %w", id, err)
	}
	r, err := tx.findReview(a.ReviewID)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		return nil, nil, itsm.ErrNotFound("action")
	} else if err != nil {
		return nil, nil, err
	}
	return a, r, nil
}

// FindReviewActionByID returns an action of a review the caller may see.
func (db *DB) FindReviewActionByID(ctx context.Context, id int64) (*itsm.ReviewAction, error) {
	var out *itsm.ReviewAction
	err := db.view(ctx, func(tx *Tx) (err error) { out, _, err = tx.findReviewAction(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "review_action", strconv.FormatInt(id, 10), "review action not visible to the caller")
	}
	return out, err
}

// checkReviewActionOwner checks that a chosen owner is an active person of the
// programme or of the review's provider, and fills in the name.
func (tx *Tx) checkReviewActionOwner(act *itsm.ReviewAction, r *itsm.Review) error {
	if act.OwnerID == nil {
		return nil
	}
	u, err := tx.findUser(*act.OwnerID)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND || (err == nil && (u.Status != itsm.UserActive || (u.OrgKind != itsm.OrgProgramme && u.OrgID != r.ProviderID))) {
		return &itsm.Error{Code: itsm.EINVALID, Message: "Choose an owner from the programme team or " + r.ProviderName + ", or enter their name.",
			Fields: map[string]string{"owner": "Choose an owner from the programme team or " + r.ProviderName + ", or enter their name."}}
	} else if err != nil {
		return err
	}
	act.OwnerName = u.Name
	return nil
}

// CreateReviewAction records an action agreed at the review.
func (db *DB) CreateReviewAction(ctx context.Context, reviewID int64, act *itsm.ReviewAction) error {
	if err := act.Validate(); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *Tx) error {
		r, err := tx.findReview(reviewID)
		if err != nil {
			return err
		}
		if !tx.actor.CanRecordReviews() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team can record a review's actions.")
		}
		if err := tx.checkReviewActionOwner(act, r); err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO review_actions (review_id, title, owner_id, owner_name, due_date, status, note, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, r.ID, act.Title, act.OwnerID, act.OwnerName, ts(act.DueDate), act.Status, act.Note, ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create review action: %w", err)
		}
		got, _, err := tx.findReviewAction(id)
		if err != nil {
			return err
		}
		*act = *got
		return tx.audit(itsm.AuditCreate, "review_action", id, &r.ProviderID, diff(nil, act))
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "review", strconv.FormatInt(reviewID, 10), "action on a review not visible to the caller")
	}
	return err
}

// UpdateReviewAction changes an action if the caller's version is current.
func (db *DB) UpdateReviewAction(ctx context.Context, id int64, upd itsm.ReviewActionUpdate) (*itsm.ReviewAction, error) {
	var out *itsm.ReviewAction
	err := db.update(ctx, func(tx *Tx) error {
		before, r, err := tx.findReviewAction(id)
		if err != nil {
			return err
		}
		a := tx.actor
		if !a.CanUpdateReviewAction(before) {
			if a.ReadOnly() || a.IsProvider() {
				return itsm.Errorf(itsm.EFORBIDDEN, "Only the programme team and the action's owner can change this action.")
			}
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change this action.")
		}
		if !a.CanRecordReviews() && (upd.Title != nil || upd.OwnerName != nil || upd.OwnerID != nil || upd.DueDate != nil) {
			return itsm.Errorf(itsm.EFORBIDDEN, "As the action's owner you can change its status and note; the programme team changes the rest.")
		}
		act := *before
		for _, f := range []struct{ dst, src *string }{{&act.Title, upd.Title}, {&act.Status, upd.Status}, {&act.Note, upd.Note}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		if upd.OwnerID != nil {
			act.OwnerID = upd.OwnerID
			if *upd.OwnerID == 0 {
				act.OwnerID, act.OwnerName = nil, ""
			}
		}
		if upd.OwnerName != nil && act.OwnerID == nil {
			act.OwnerName = *upd.OwnerName
		}
		if upd.DueDate != nil {
			act.DueDate = *upd.DueDate
		}
		if err := act.Validate(); err != nil {
			return err
		}
		if err := tx.checkReviewActionOwner(&act, r); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE review_actions SET title = ?, owner_id = ?, owner_name = ?, due_date = ?, status = ?, note = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`, act.Title, act.OwnerID, act.OwnerName, ts(act.DueDate), act.Status, act.Note, ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update review action %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("action")
		}
		if out, _, err = tx.findReviewAction(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditUpdate, "review_action", id, &r.ProviderID, diff(before, out))
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "review_action", strconv.FormatInt(id, 10), "update of a review action not visible to the caller")
	}
	return out, err
}

// ReviewActionOwners lists the active people of the programme and of the
// review's provider, by name.
func (db *DB) ReviewActionOwners(ctx context.Context, reviewID int64) ([]*itsm.User, error) {
	var out []*itsm.User
	err := db.view(ctx, func(tx *Tx) error {
		r, err := tx.findReview(reviewID)
		if err != nil {
			return err
		}
		out, err = queryAll(tx, func(row scanner) (*itsm.User, error) { return scanUser(row) },
			`SELECT `+userColumns+userFrom+` WHERE u.status = ? AND (o.kind = ? OR u.org_id = ?) ORDER BY o.kind, LOWER(u.name), u.id LIMIT 500`,
			string(itsm.UserActive), string(itsm.OrgProgramme), r.ProviderID)
		return err
	})
	return out, err
}
