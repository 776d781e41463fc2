package httpx

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ServeDownload sends a stored file as a download that a browser never
// renders: Content-Disposition attachment with the exact name, the recorded
// content type, nosniff, a sandboxing CSP, no shared caching, and the
// file's SHA-256 as a strong ETag.
func ServeDownload(w http.ResponseWriter, r *http.Request, name, contentType, sha256 string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", ContentDisposition(name))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	if sha256 != "" {
		h.Set("ETag", `"`+sha256+`"`)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private, no-store")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// ContentDisposition makes an attachment header for a file name (RFC 6266):
// an ASCII fallback in filename, for old clients, and the exact name in
// filename* as UTF-8, percent-encoded (RFC 8187, formerly 5987).
func ContentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	var enc strings.Builder
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + enc.String()
}

// isAttrChar reports whether b may appear unencoded in an RFC 8187 value.
func isAttrChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
