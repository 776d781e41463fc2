package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// flashCookie carries one message to the next page after a redirect. It is
// signed, so only Steward can write it, and lives for a minute at most.
const flashCookie = "steward_flash"

// Flash kinds.
const (
	flashSuccess = "success"
	flashInfo    = "info"
	flashError   = "error"
)

// flash is a one-off message shown at the top of the next page.
type flash struct {
	Kind    string `json:"k"`
	Message string `json:"m"`
}

// IsSuccess reports whether the message confirms something done.
func (f *flash) IsSuccess() bool { return f.Kind == flashSuccess }

// IsError reports whether the message says something failed.
func (f *flash) IsError() bool { return f.Kind == flashError }

func (s *Server) sign(b []byte) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("flash:"))
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) setFlash(w http.ResponseWriter, f flash) {
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b) + "." + s.sign(b),
		Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// takeFlash reads and clears the flash cookie; a forged or damaged one is
// ignored.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	s.clearCookie(w, flashCookie)
	body, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || !hmac.Equal([]byte(sig), []byte(s.sign(b))) {
		return nil
	}
	var f flash
	if json.Unmarshal(b, &f) != nil || f.Message == "" {
		return nil
	}
	return &f
}
