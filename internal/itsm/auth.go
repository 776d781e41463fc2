package itsm

import (
	"context"
	"time"
)

// Session is a signed-in browser. The cookie holds a random token; the store
// keeps only its hash.
type Session struct {
	ID         int64
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute time-out
	CSRFToken  string
}

// SessionPolicy sets the time-outs of browser sessions.
type SessionPolicy struct {
	Idle     time.Duration // ends after this long without a request
	Absolute time.Duration // ends this long after sign-in whatever happens
}

// DefaultSessionPolicy is 30 minutes idle, 12 hours absolute.
var DefaultSessionPolicy = SessionPolicy{Idle: 30 * time.Minute, Absolute: 12 * time.Hour}

// APIToken is a long-lived credential that acts as its user. Only its hash is
// stored; the secret is shown once, when it is made.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// AuthService signs people in and out and resolves credentials to actors.
type AuthService interface {
	// SignIn checks an e-mail and password and starts a session, returning
	// its secret token. EUNAUTHORIZED for a wrong password or an inactive
	// account (one sentence for both), ETOOMANY when throttled. Failures are
	// audited.
	SignIn(ctx context.Context, email, password string) (token string, s *Session, u *User, err error)
	// SessionActor resolves a session token, sliding its idle time-out.
	// EUNAUTHORIZED when unknown or expired.
	SessionActor(ctx context.Context, token string) (*Actor, *Session, error)
	// SignOut ends the session.
	SignOut(ctx context.Context, token string) error
	// CreateAPIToken makes a token for the user (the caller, or anyone for
	// administrators and the system) and returns its secret once.
	CreateAPIToken(ctx context.Context, userID int64, name string, expires *time.Time) (*APIToken, string, error)
	// FindAPITokens lists a user's tokens (never their secrets).
	FindAPITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	// RevokeAPIToken revokes a token. ENOTFOUND when absent or not the
	// caller's to revoke.
	RevokeAPIToken(ctx context.Context, id int64) error
	// TokenActor resolves a bearer token. EUNAUTHORIZED when unknown,
	// revoked or expired, or its user is not active.
	TokenActor(ctx context.Context, secret string) (*Actor, error)
}
