package httpx

import (
	"io"
	"net/http"
	"strconv"
)

// ServeDownloadStream is ServeDownload for a file read as a stream (a
// document library file of up to tens of megabytes): the same headers,
// with the size declared up front, and the content copied a buffer at a
// time. A read that fails part-way (a checksum mismatch at the end, a
// lost database connection, a client gone away) cannot change a status
// already sent: the response stops short of its declared length, which
// net/http ends by closing the connection, so the client sees a truncated
// download, never a complete-looking wrong file. It returns the error for
// the log.
func ServeDownloadStream(w http.ResponseWriter, r *http.Request, name, contentType, sha256 string, size int64, content io.Reader) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", ContentDisposition(name))
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	if sha256 != "" {
		h.Set("ETag", `"`+sha256+`"`)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private, no-store")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	buf := make([]byte, 64<<10)
	_, err := io.CopyBuffer(w, content, buf)
	return err
}
