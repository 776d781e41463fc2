package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// feedTokenPrefix marks calendar feed tokens so that secret scanners and
// people recognise them.
const feedTokenPrefix = "stwcal_"

// feedOwner checks the caller is a person who may have a feed.
func feedOwner(a *itsm.Actor) error {
	if a.UserID == 0 {
		return itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to manage your calendar feed.")
	}
	return nil
}

// CalendarFeed describes the caller's feed; ENOTFOUND when there is none.
func (db *DB) CalendarFeed(ctx context.Context) (*itsm.CalendarFeedInfo, error) {
	a := itsm.ActorFromContext(ctx)
	if err := feedOwner(a); err != nil {
		return nil, err
	}
	var info itsm.CalendarFeedInfo
	err := db.view(ctx, func(tx *Tx) error {
		var created int64
		var used sql.NullInt64
		err := tx.queryRow(`SELECT created_at, last_used_at FROM calendar_feeds WHERE user_id = ?`, a.UserID).Scan(&created, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return itsm.Errorf(itsm.ENOTFOUND, "You do not have a calendar feed.")
		} else if err != nil {
			return fmt.Errorf("find calendar feed: %w", err)
		}
		info.CreatedAt, info.LastUsedAt = fromTS(created), fromNullTS(used)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// CreateCalendarFeed creates or regenerates the caller's feed and returns
// its secret; only the secret's hash is kept, and a previous secret stops
// working in the same transaction.
func (db *DB) CreateCalendarFeed(ctx context.Context) (string, error) {
	a := itsm.ActorFromContext(ctx)
	if err := feedOwner(a); err != nil {
		return "", err
	}
	secret := feedTokenPrefix + randomToken(32)
	err := db.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM calendar_feeds WHERE user_id = ?`, a.UserID)
		if err != nil {
			return fmt.Errorf("replace calendar feed: %w", err)
		}
		replaced, _ := res.RowsAffected()
		if _, err := tx.exec(`INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (?, ?, ?)`, a.UserID, tokenHash(secret), ts(tx.now)); err != nil {
			return fmt.Errorf("create calendar feed: %w", err)
		}
		org := a.OrgID
		return tx.audit(itsm.AuditCreate, "calendar_feed", a.UserID, &org, fields("regenerated", replaced > 0))
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// RevokeCalendarFeed stops the caller's feed; ENOTFOUND when there is none.
func (db *DB) RevokeCalendarFeed(ctx context.Context) error {
	a := itsm.ActorFromContext(ctx)
	if err := feedOwner(a); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM calendar_feeds WHERE user_id = ?`, a.UserID)
		if err != nil {
			return fmt.Errorf("revoke calendar feed: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.Errorf(itsm.ENOTFOUND, "You do not have a calendar feed.")
		}
		org := a.OrgID
		return tx.audit(itsm.AuditRevoke, "calendar_feed", a.UserID, &org, nil)
	})
}

// CalendarByFeedToken returns the feed owner's calendar, scoped to what
// they may see now, and their name. An unknown or revoked token, or an owner
// who is no longer active, is ENOTFOUND.
func (db *DB) CalendarByFeedToken(ctx context.Context, token string) (*itsm.Calendar, string, error) {
	caller := itsm.ActorFromContext(ctx)
	bad := itsm.Errorf(itsm.ENOTFOUND, "That calendar feed does not exist. It may have been revoked or replaced.")
	if !strings.HasPrefix(token, feedTokenPrefix) || len(token) > 100 {
		return nil, "", bad
	}
	now := db.now()
	var userID int64
	var used sql.NullInt64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT user_id, last_used_at FROM calendar_feeds WHERE token_hash = ?`), tokenHash(token)).Scan(&userID, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", bad
	} else if err != nil {
		return nil, "", fmt.Errorf("find calendar feed: %w", err)
	}
	var u *itsm.User
	if err := db.view(ctx, func(tx *Tx) (err error) { u, err = tx.findUser(userID); return err }); err != nil {
		return nil, "", err
	}
	if u.Status != itsm.UserActive {
		return nil, "", bad
	}
	owner := actorOf(u, caller.IP, caller.RequestID)
	var cal *itsm.Calendar
	f := itsm.CalendarFilter{From: now.Add(-itsm.FeedPast), To: now.Add(itsm.FeedFuture)}
	err = db.view(itsm.NewContextWithActor(ctx, owner), func(tx *Tx) (err error) {
		cal, err = tx.calendar(f)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("calendar feed: %w", err)
	}
	// Touch at most once an hour: calendar programs poll often.
	if !used.Valid || now.Sub(fromTS(used.Int64)) > time.Hour {
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE calendar_feeds SET last_used_at = ? WHERE user_id = ?`), ts(now), userID); err != nil {
			return nil, "", fmt.Errorf("touch calendar feed: %w", err)
		}
	}
	return cal, u.Name, nil
}
