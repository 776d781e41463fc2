package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// sessionCookie holds the secret of a browser session; the store keeps only
// its hash.
const sessionCookie = "steward_session"

// sessionState is what withActor learnt about the request's session.
type sessionState struct {
	token   string        // the cookie's secret, when the session is live
	session *itsm.Session // nil when not signed in
	ended   string        // the store's sentence when a session cookie was refused
}

type sessionKey struct{}

func sessionFrom(ctx context.Context) *sessionState {
	if s, ok := ctx.Value(sessionKey{}).(*sessionState); ok {
		return s
	}
	return &sessionState{}
}

// withActor puts the caller in the request's context: the session's person
// when the cookie names a live session, an anonymous actor otherwise. Both
// carry the caller's address and the request ID, which the store writes to
// the audit log and uses to throttle sign-ins. Idle and absolute time-outs
// are the store's: an ended session's cookie is cleared here.
func (s *Server) withActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		anon := itsm.Anonymous(httpx.ClientIP(r))
		anon.RequestID = httpx.RequestID(r.Context())
		ctx := itsm.NewContextWithActor(r.Context(), anon)
		st := &sessionState{}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			a, sess, err := s.svc.Auth.SessionActor(ctx, c.Value)
			switch {
			case err == nil:
				ctx = itsm.NewContextWithActor(ctx, a)
				st.token, st.session = c.Value, sess
			case itsm.ErrorCode(err) == itsm.EUNAUTHORIZED:
				s.clearCookie(w, sessionCookie)
				st.ended = itsm.ErrorMessage(err)
			default:
				r = r.WithContext(context.WithValue(ctx, sessionKey{}, st))
				s.serveError(w, r, fmt.Errorf("resolve session: %w", err))
				return
			}
		}
		ctx = context.WithValue(ctx, sessionKey{}, st)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// setSessionCookie starts the browser's session. It lasts as long as the
// browser does; the store ends it sooner on its idle or absolute time-out.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// redirectToSignIn sends an anonymous caller to the sign-in page, coming
// back afterwards to the page they asked for. A refused session's sentence
// ("Your session has timed out…") goes with them as a flash message.
func (s *Server) redirectToSignIn(w http.ResponseWriter, r *http.Request) {
	if msg := sessionFrom(r.Context()).ended; msg != "" {
		s.setFlash(w, flash{Kind: flashInfo, Message: msg})
	}
	target := "/sign-in"
	if safeMethod(r.Method) && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath returns next when it is a path on this site, "/" otherwise, so
// that the sign-in page cannot be used to send people elsewhere.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return u.RequestURI()
}
