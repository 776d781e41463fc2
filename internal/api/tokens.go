package api

import (
	"net/http"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// tokenCreate is the body of POST /api/v1/tokens.
type tokenCreate struct {
	Name      string  `json:"name"`
	ExpiresAt *string `json:"expires_at"`
}

// tokenCreated is the answer to POST /api/v1/tokens: the only time the
// secret is ever shown.
type tokenCreated struct {
	Token  *itsm.APIToken `json:"token"`
	Secret string         `json:"secret"`
}

// listTokens serves GET /api/v1/tokens: the caller's own tokens, newest
// first, revoked ones included; never their secrets.
func (a *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	p, err := listPaging(r)
	if err != nil {
		return err
	}
	tokens, err := a.svc.Auth.FindAPITokens(r.Context(), itsm.ActorFromContext(r.Context()).UserID)
	if err != nil {
		return err
	}
	writeList(w, tokens, p)
	return nil
}

// createToken serves POST /api/v1/tokens: a new token for the caller.
func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var in tokenCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	var expires *time.Time
	if in.ExpiresAt != nil {
		t, err := time.Parse(time.RFC3339, *in.ExpiresAt)
		if err != nil {
			return fieldError("expires_at", "Give expires_at as an RFC 3339 date and time, such as 2027-03-31T23:00:00Z.")
		}
		t = t.UTC().Truncate(time.Microsecond) // as stored
		expires = &t
	}
	t, secret, err := a.svc.Auth.CreateAPIToken(r.Context(), itsm.ActorFromContext(r.Context()).UserID, in.Name, expires)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenCreated{Token: t, Secret: secret})
	return nil
}

// revokeToken serves DELETE /api/v1/tokens/{id}: the caller's own token
// (administrators may revoke anyone's). Revoking twice is not an error.
func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "token")
	if err != nil {
		return err
	}
	if err := a.svc.Auth.RevokeAPIToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
