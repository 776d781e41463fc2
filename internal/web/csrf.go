package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// csrfField is the hidden form field that carries the CSRF token.
const csrfField = "csrf_token"

// anonCSRFCookie holds the double-submit token of anonymous forms (sign-in,
// registration), which have no session to hold one.
const anonCSRFCookie = "steward_csrf"

// errCSRF is the sentence for a post without a valid token.
var errCSRF = itsm.Errorf(itsm.EFORBIDDEN, "Your form expired or came from another site. Go back, reload the page and try again.")

// checkCSRF refuses a state-changing request that is cross-origin (by the
// browser's Sec-Fetch-Site or Origin header) or whose csrf_token field does
// not match, in constant time, the session's token. On public routes an
// anonymous form's double-submit token, matching the steward_csrf cookie,
// will also do.
func (s *Server) checkCSRF(r *http.Request, allowAnonymous bool) error {
	if err := s.origins.Check(r); err != nil {
		return &refusal{err: errCSRF, objectType: "form", objectID: r.Method + " " + r.URL.Path, reason: "cross-origin request refused"}
	}
	if err := parsePostedForm(r); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return itsm.Errorf(itsm.EINVALID, "The form could not be read. Go back, reload the page and try again.")
	}
	sent := r.PostForm.Get(csrfField)
	if st := sessionFrom(r.Context()); st.session != nil && tokensEqual(sent, st.session.CSRFToken) {
		return nil
	}
	if allowAnonymous {
		if c, err := r.Cookie(anonCSRFCookie); err == nil && tokensEqual(sent, c.Value) {
			return nil
		}
	}
	return &refusal{err: errCSRF, objectType: "form", objectID: r.Method + " " + r.URL.Path, reason: "missing or invalid CSRF token"}
}

// uploadMemory is how much of a multipart form (a file upload) is held in
// memory; the rest goes to temporary files, which wrap removes when the
// request is done.
const uploadMemory = 1 << 20

// parsePostedForm reads a posted form, URL-encoded or multipart (a form
// with a file), into r.PostForm.
func parsePostedForm(r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return r.ParseMultipartForm(uploadMemory)
	}
	return r.ParseForm()
}

func tokensEqual(sent, want string) bool {
	return want != "" && len(sent) == len(want) && subtle.ConstantTimeCompare([]byte(sent), []byte(want)) == 1
}

// csrfToken returns the token for the page's forms: the session's when
// signed in, otherwise the anonymous double-submit token, set as a cookie
// the first time.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if st := sessionFrom(r.Context()); st.session != nil {
		return st.session.CSRFToken
	}
	if c, err := r.Cookie(anonCSRFCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: anonCSRFCookie, Value: token, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
	})
	return token
}
