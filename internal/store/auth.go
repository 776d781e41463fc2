package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

var errBadSignIn = itsm.Errorf(itsm.EUNAUTHORIZED, "The email address or password is not right, or the account is not active yet.")

// SignIn checks the credentials, throttles repeated failures per account and
// per address, audits the outcome and starts a session.
func (db *DB) SignIn(ctx context.Context, email, password string) (string, *itsm.Session, *itsm.User, error) {
	a := itsm.ActorFromContext(ctx)
	email = itsm.NormaliseEmail(email)
	if email == "" || password == "" || len(email) > 254 || len(password) > 256 || !utf8.ValidString(email) {
		return "", nil, nil, errBadSignIn
	}
	// Check the throttle before the expensive hash so that a flood of
	// guesses costs us nothing.
	var byAccount, byAddress int
	since := ts(db.now().Add(-db.Throttle.Window))
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM sign_in_attempts WHERE email = ? AND at >= ? AND ok = ?`), email, since, false).Scan(&byAccount); err != nil {
		return "", nil, nil, fmt.Errorf("sign in: count failures: %w", err)
	}
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM sign_in_attempts WHERE ip = ? AND at >= ? AND ok = ?`), a.IP, since, false).Scan(&byAddress); err != nil {
		return "", nil, nil, fmt.Errorf("sign in: count failures: %w", err)
	}
	if byAccount >= db.Throttle.PerAccount || byAddress >= db.Throttle.PerAddress {
		_ = db.update(ctx, func(tx *Tx) error {
			return tx.auditRef(itsm.AuditSignInFailed, "user", email, nil, fields("email", email, "reason", "throttled"))
		})
		mins := int(db.Throttle.Window.Minutes())
		return "", nil, nil, itsm.Errorf(itsm.ETOOMANY, "There have been too many failed attempts to sign in. Wait %d minutes and try again.", mins)
	}
	var id int64
	var hash string
	var status itsm.UserStatus
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id, password_hash, status FROM users WHERE email = ?`), email).Scan(&id, &hash, &status)
	if errors.Is(err, sql.ErrNoRows) {
		CheckPassword(dummyHash, password)
	} else if err != nil {
		return "", nil, nil, fmt.Errorf("sign in: %w", err)
	}
	ok := err == nil && CheckPassword(hash, password) && status == itsm.UserActive
	if !ok {
		reason := "wrong password"
		switch {
		case id == 0:
			reason = "unknown email"
		case status != itsm.UserActive && CheckPassword(hash, password):
			reason = "account " + string(status)
		}
		err := db.update(ctx, func(tx *Tx) error {
			if _, err := tx.exec(`INSERT INTO sign_in_attempts (at, email, ip, ok) VALUES (?, ?, ?, ?)`, ts(tx.now), email, a.IP, false); err != nil {
				return err
			}
			var orgID *int64
			if id != 0 {
				var o int64
				if err := tx.queryRow(`SELECT org_id FROM users WHERE id = ?`, id).Scan(&o); err == nil {
					orgID = &o
				}
			}
			ref := email
			if id != 0 {
				ref = strconv.FormatInt(id, 10)
			}
			return tx.auditRef(itsm.AuditSignInFailed, "user", ref, orgID, fields("email", email, "reason", reason))
		})
		if err != nil {
			return "", nil, nil, fmt.Errorf("sign in: record failure: %w", err)
		}
		return "", nil, nil, errBadSignIn
	}
	token := randomToken(32)
	var s *itsm.Session
	var u *itsm.User
	err = db.update(ctx, func(tx *Tx) error {
		var err error
		if u, err = tx.findUser(id); err != nil {
			return err
		}
		s = &itsm.Session{UserID: id, CreatedAt: tx.now, LastSeenAt: tx.now, ExpiresAt: tx.now.Add(db.Sessions.Absolute), CSRFToken: randomToken(32)}
		if s.ID, err = tx.insert(`INSERT INTO sessions (token_hash, user_id, csrf_token, ip, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			tokenHash(token), id, s.CSRFToken, a.IP, ts(tx.now), ts(tx.now), ts(s.ExpiresAt)); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		if _, err := tx.exec(`UPDATE users SET last_sign_in_at = ? WHERE id = ?`, ts(tx.now), id); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO sign_in_attempts (at, email, ip, ok) VALUES (?, ?, ?, ?)`, ts(tx.now), email, a.IP, true); err != nil {
			return err
		}
		// A success clears the account's failures so the person is not
		// locked out by their own earlier typos.
		if _, err := tx.exec(`DELETE FROM sign_in_attempts WHERE email = ? AND ok = ?`, email, false); err != nil {
			return err
		}
		tx.actor = &itsm.Actor{UserID: u.ID, Name: u.Name, OrgID: u.OrgID, OrgKind: u.OrgKind, Role: u.Role, IP: a.IP, RequestID: a.RequestID}
		org := u.OrgID
		return tx.audit(itsm.AuditSignIn, "user", id, &org, fields("session", s.ID))
	})
	if err != nil {
		return "", nil, nil, fmt.Errorf("sign in: %w", err)
	}
	u.LastSignInAt = &s.CreatedAt
	return token, s, u, nil
}

func actorOf(u *itsm.User, ip, reqID string) *itsm.Actor {
	return &itsm.Actor{UserID: u.ID, Name: u.Name, Email: u.Email, OrgID: u.OrgID, OrgKind: u.OrgKind, Role: u.Role, IP: ip, RequestID: reqID}
}

// SessionActor resolves a session token to its user, ending it when idle or
// past its absolute time-out, and slides the idle time-out.
func (db *DB) SessionActor(ctx context.Context, token string) (*itsm.Actor, *itsm.Session, error) {
	caller := itsm.ActorFromContext(ctx)
	if token == "" || len(token) > 100 {
		return nil, nil, itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to continue.")
	}
	now := db.now()
	var s itsm.Session
	var created, seen, expires int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id, user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = ?`), tokenHash(token)).
		Scan(&s.ID, &s.UserID, &s.CSRFToken, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, itsm.Errorf(itsm.EUNAUTHORIZED, "Your session has ended. Sign in again.")
	} else if err != nil {
		return nil, nil, fmt.Errorf("find session: %w", err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromTS(created), fromTS(seen), fromTS(expires)
	if now.After(s.ExpiresAt) || now.Sub(s.LastSeenAt) > db.Sessions.Idle {
		_, _ = db.write.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE id = ?`), s.ID)
		return nil, nil, itsm.Errorf(itsm.EUNAUTHORIZED, "Your session has timed out. Sign in again.")
	}
	var u *itsm.User
	if err := db.view(ctx, func(tx *Tx) (err error) { u, err = tx.findUser(s.UserID); return err }); err != nil {
		return nil, nil, err
	}
	if u.Status != itsm.UserActive {
		return nil, nil, itsm.Errorf(itsm.EUNAUTHORIZED, "Your account is not active. Contact your administrator.")
	}
	// Touch at most once a minute: a write per request would serialise
	// every page view on SQLite.
	if now.Sub(s.LastSeenAt) > time.Minute {
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`), ts(now), s.ID); err != nil {
			return nil, nil, fmt.Errorf("touch session: %w", err)
		}
		s.LastSeenAt = now
	}
	return actorOf(u, caller.IP, caller.RequestID), &s, nil
}

// SignOut ends a session and audits it.
func (db *DB) SignOut(ctx context.Context, token string) error {
	return db.update(ctx, func(tx *Tx) error {
		var id, userID int64
		err := tx.queryRow(`SELECT id, user_id FROM sessions WHERE token_hash = ?`, tokenHash(token)).Scan(&id, &userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("sign out: %w", err)
		}
		if _, err := tx.exec(`DELETE FROM sessions WHERE id = ?`, id); err != nil {
			return fmt.Errorf("sign out: %w", err)
		}
		var org *int64
		if tx.actor.OrgID != 0 {
			o := tx.actor.OrgID
			org = &o
		}
		return tx.audit(itsm.AuditSignOut, "user", userID, org, fields("session", id))
	})
}

// DeleteExpiredSessions removes sessions past either time-out and old
// sign-in attempts; a periodic job calls it.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	now := db.now()
	res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`), ts(now), ts(now.Add(-db.Sessions.Idle)))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, db.q(`DELETE FROM sign_in_attempts WHERE at < ?`), ts(now.Add(-24*time.Hour))); err != nil {
		return 0, fmt.Errorf("delete old sign-in attempts: %w", err)
	}
	return res.RowsAffected()
}

// tokenPrefix marks Steward API tokens so that secret scanners recognise them.
const tokenPrefix = "stw_"

// CreateAPIToken makes a token acting as userID: the caller's own, or any
// user's for administrators and the system.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, name string, expires *time.Time) (*itsm.APIToken, string, error) {
	a := itsm.ActorFromContext(ctx)
	name = strings.TrimSpace(name)
	var v itsm.Validation
	v.Check(name != "", "name", "Enter a name for the token, such as the program that will use it.")
	v.Check(utf8.RuneCountInString(name) <= 100 && !itsm.HasControl(name), "name", "The name must be 100 characters or fewer, without control characters.")
	if expires != nil && !expires.After(db.now()) {
		v.Add("expires_at", "The expiry must be in the future.")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	if a.ReadOnly() && a.UserID != userID {
		return nil, "", itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to make tokens for other people.")
	}
	if !a.System && a.UserID != userID && !(a.Role == itsm.RoleAdmin && a.OrgKind == itsm.OrgProgramme) {
		return nil, "", itsm.Errorf(itsm.EFORBIDDEN, "You can only make tokens for your own account.")
	}
	secret := tokenPrefix + randomToken(32)
	t := &itsm.APIToken{UserID: userID, Name: name, Prefix: secret[:12], ExpiresAt: expires}
	err := db.update(ctx, func(tx *Tx) error {
		u, err := tx.findUser(userID)
		if err != nil {
			return err
		}
		if u.Status != itsm.UserActive {
			return itsm.Errorf(itsm.EINVALID, "%s's account is not active.", u.Name)
		}
		t.CreatedAt = tx.now
		if t.ID, err = tx.insert(`INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			userID, name, t.Prefix, tokenHash(secret), ts(tx.now), tsp(expires)); err != nil {
			return fmt.Errorf("create API token: %w", err)
		}
		org := u.OrgID
		return tx.audit(itsm.AuditCreate, "api_token", t.ID, &org, diff(nil, t))
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// FindAPITokens lists a user's tokens: the caller's own, or any for
// administrators, auditors and the system.
func (db *DB) FindAPITokens(ctx context.Context, userID int64) ([]*itsm.APIToken, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.System && a.UserID != userID && a.Role != itsm.RoleAdmin && a.Role != itsm.RoleAuditor {
		return nil, itsm.ErrNotFound("user")
	}
	var out []*itsm.APIToken
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("find API tokens: %w", err)
	}
	return out, nil
}

func scanToken(row interface{ Scan(...any) error }) (*itsm.APIToken, error) {
	var t itsm.APIToken
	var created int64
	var used, exp, rev sql.NullInt64
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &used, &exp, &rev); err != nil {
		return nil, err
	}
	t.CreatedAt, t.LastUsedAt, t.ExpiresAt, t.RevokedAt = fromTS(created), fromNullTS(used), fromNullTS(exp), fromNullTS(rev)
	return &t, nil
}

// RevokeAPIToken revokes a token of the caller's, or any for administrators
// and the system.
func (db *DB) RevokeAPIToken(ctx context.Context, id int64) error {
	a := itsm.ActorFromContext(ctx)
	return db.update(ctx, func(tx *Tx) error {
		t, err := scanToken(tx.queryRow(`SELECT id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at FROM api_tokens WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return itsm.ErrNotFound("token")
		} else if err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		if !a.System && a.UserID != t.UserID && !(a.Role == itsm.RoleAdmin && a.OrgKind == itsm.OrgProgramme) {
			return itsm.ErrNotFound("token")
		}
		if t.RevokedAt != nil {
			return nil
		}
		if _, err := tx.exec(`UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, ts(tx.now), id); err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		u, err := tx.findUser(t.UserID)
		if err != nil {
			return err
		}
		org := u.OrgID
		return tx.audit(itsm.AuditRevoke, "api_token", id, &org, fields("name", t.Name))
	})
}

// TokenActor resolves a bearer token to the user it acts as. Resolved
// tokens are cached briefly (see token_cache.go).
func (db *DB) TokenActor(ctx context.Context, secret string) (*itsm.Actor, error) {
	caller := itsm.ActorFromContext(ctx)
	bad := itsm.Errorf(itsm.EUNAUTHORIZED, "The API token is not valid. It may have been revoked or have expired.")
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return nil, bad
	}
	now := db.now()
	hash := tokenHash(secret)
	if e, ok := db.tokens.get(hash); ok {
		if e.expires != nil && now.After(*e.expires) {
			return nil, bad
		}
		if err := db.touchToken(ctx, hash, e.id, &e.lastUsed, now); err != nil {
			return nil, err
		}
		return actorOf(&e.user, caller.IP, caller.RequestID), nil
	}
	gen := db.tokens.generation()
	var id, userID int64
	var used, exp, rev sql.NullInt64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id, user_id, last_used_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = ?`), hash).Scan(&id, &userID, &used, &exp, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bad
	} else if err != nil {
		return nil, fmt.Errorf("find API token: %w", err)
	}
	if rev.Valid || (exp.Valid && now.After(fromTS(exp.Int64))) {
		return nil, bad
	}
	var u *itsm.User
	if err := db.view(ctx, func(tx *Tx) (err error) { u, err = tx.findUser(userID); return err }); err != nil {
		return nil, err
	}
	if u.Status != itsm.UserActive {
		return nil, bad
	}
	db.tokens.put(hash, cachedToken{id: id, user: *u, expires: fromNullTS(exp)}, gen)
	var last *time.Time
	if used.Valid {
		last = fromNullTS(used)
	}
	if err := db.touchToken(ctx, hash, id, last, now); err != nil {
		return nil, err
	}
	return actorOf(u, caller.IP, caller.RequestID), nil
}

// touchToken records a token's use at most once a minute: a write per
// request would serialise every API call on SQLite.
func (db *DB) touchToken(ctx context.Context, hash string, id int64, last *time.Time, now time.Time) error {
	if last != nil && !last.IsZero() && now.Sub(*last) <= time.Minute {
		db.tokens.touched(hash, *last)
		return nil
	}
	if _, err := db.write.ExecContext(ctx, db.q(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), ts(now), id); err != nil {
		return fmt.Errorf("touch API token: %w", err)
	}
	db.tokens.touched(hash, now)
	return nil
}
