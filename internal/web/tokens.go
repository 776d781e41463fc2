package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// tokenExpiries are the lifetimes offered for a new API token.
var tokenExpiries = []option{
	{"30", "30 days"},
	{"90", "90 days"},
	{"365", "1 year"},
	{"never", "Never (not recommended)"},
}

// tokenListPage lists the person's API tokens.
type tokenListPage struct {
	basePage
	Tokens []*itsm.APIToken
	now    time.Time
}

// Expired reports whether a token is past its expiry.
func (p *tokenListPage) Expired(t *itsm.APIToken) bool {
	return t.ExpiresAt != nil && !t.ExpiresAt.After(p.now)
}

// tokenList shows the person's own tokens (never their secrets).
func (s *Server) tokenList(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	tokens, err := s.svc.Auth.FindAPITokens(r.Context(), a.UserID)
	if err != nil {
		return err
	}
	p := &tokenListPage{basePage: s.newPage(w, r, "API tokens"), Tokens: tokens, now: s.now()}
	p.Caption = "Your account"
	p.BackHref = "/account"
	p.Wide = true
	return s.render(w, http.StatusOK, "token_list", p)
}

// tokenFormPage makes a new API token.
type tokenFormPage struct {
	basePage
	Name, Expiry string
	Expiries     []option
}

var tokenFields = []string{"name", "expiry"}

func (s *Server) tokenFormPage(w http.ResponseWriter, r *http.Request) *tokenFormPage {
	p := &tokenFormPage{basePage: s.newPage(w, r, "Create an API token"), Expiry: "90", Expiries: tokenExpiries}
	p.Caption = "Your account"
	p.BackHref = "/account/tokens"
	return p
}

// tokenForm shows the form to make a token.
func (s *Server) tokenForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "token_form", s.tokenFormPage(w, r))
}

// tokenCreatedPage shows a new token's secret, once.
type tokenCreatedPage struct {
	basePage
	Token  *itsm.APIToken
	Secret string
}

// tokenCreate makes a token for the signed-in person and shows its secret
// on this response only: it is not stored, not put in a URL and not cached.
func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	name, expiry := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("expiry")
	var expires *time.Time
	var err error
	switch expiry {
	case "30", "90", "365":
		days := map[string]int{"30": 30, "90": 90, "365": 365}[expiry]
		t := s.now().AddDate(0, 0, days)
		expires = &t
	case "never":
	default:
		err = &itsm.Error{Code: itsm.EINVALID, Message: "Choose when the token expires.", Fields: map[string]string{"expiry": "Choose when the token expires."}}
	}
	var token *itsm.APIToken
	var secret string
	if err == nil {
		token, secret, err = s.svc.Auth.CreateAPIToken(r.Context(), a.UserID, name, expires)
	}
	if formFailed(err) {
		p := s.tokenFormPage(w, r)
		p.Name, p.Expiry = name, expiry
		p.setErrors(err, tokenFields...)
		return s.render(w, formStatus(err), "token_form", p)
	} else if err != nil {
		return err
	}
	p := &tokenCreatedPage{basePage: s.newPage(w, r, "Your new API token"), Token: token, Secret: secret}
	p.Caption = "Your account"
	return s.render(w, http.StatusOK, "token_created", p)
}

// tokenRevoke revokes one of the person's tokens; someone else's token is
// not found.
func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.svc.Auth.RevokeAPIToken(r.Context(), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/account/tokens", "The token has been revoked. Programs using it can no longer sign in with it.")
}
