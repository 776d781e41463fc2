package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// Error codes the API adds to itsm's for failures that only HTTP has.
const (
	codeMethodNotAllowed     = "method_not_allowed"     // 405
	codeUnsupportedMediaType = "unsupported_media_type" // 415
)

// statusOf maps an error code to its HTTP status.
var statusOf = map[string]int{
	itsm.EINVALID:            http.StatusBadRequest,
	itsm.EUNAUTHORIZED:       http.StatusUnauthorized,
	itsm.EFORBIDDEN:          http.StatusForbidden,
	itsm.ENOTFOUND:           http.StatusNotFound,
	codeMethodNotAllowed:     http.StatusMethodNotAllowed,
	itsm.ECONFLICT:           http.StatusConflict,
	itsm.ETOOLARGE:           http.StatusRequestEntityTooLarge,
	codeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	itsm.ETOOMANY:            http.StatusTooManyRequests,
	itsm.EINTERNAL:           http.StatusInternalServerError,
	itsm.EUNAVAILABLE:        http.StatusServiceUnavailable,
}

// errorBody is the one error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// fail writes err in the error shape. Unexpected errors are logged with
// the request ID and shown as "Internal error."; refusals (403) are written
// to the audit log; 401 carries the WWW-Authenticate challenge.
func (a *API) fail(w http.ResponseWriter, r *http.Request, object string, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = errTooLarge(tooBig.Limit)
	}
	code := itsm.ErrorCode(err)
	status, known := statusOf[code]
	if !known || code == itsm.EINTERNAL {
		a.log.ErrorContext(r.Context(), "api request failed", "request_id", httpx.RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "err", err)
		code, status = itsm.EINTERNAL, http.StatusInternalServerError
		err = itsm.Errorf(itsm.EINTERNAL, "Internal error.")
	}
	switch code {
	case itsm.EUNAUTHORIZED:
		challenge := `Bearer realm="Steward API"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	case itsm.EFORBIDDEN:
		if rerr := a.svc.Audit.RecordAccessRefused(r.Context(), object, r.PathValue("id"), r.Method+" "+r.URL.Path+": "+itsm.ErrorMessage(err)); rerr != nil {
			a.log.ErrorContext(r.Context(), "record refused access", "request_id", httpx.RequestID(r.Context()), "err", rerr)
		}
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: sentence(itsm.ErrorMessage(err)), Fields: itsm.ErrorFields(err)}})
}

// sentence rewrites the one message shape itsm.Validation makes that is not
// a whole sentence, "The first problem. (and 2 more problems)", until the
// domain writes it as one.
func sentence(msg string) string {
	i := strings.LastIndex(msg, " (and ")
	var more int
	if i < 0 || !strings.HasSuffix(msg, " more problems)") {
		return msg
	}
	if _, err := fmt.Sscanf(msg[i:], " (and %d more problems)", &more); err != nil {
		return msg
	}
	first := msg[:i]
	if more == 1 {
		return first + " There is 1 more problem: see fields."
	}
	return fmt.Sprintf("%s There are %d more problems: see fields.", first, more)
}

func errTooLarge(limit int64) *itsm.Error {
	return itsm.Errorf(itsm.ETOOLARGE, "The request body is too large: the limit is %d bytes.", limit)
}

// writeJSON writes v as the response. HTML-significant characters are
// escaped (\u003c), so stored markup can never be read as markup.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value written is a plain struct; this cannot happen.
		panic(fmt.Sprintf("api: encode response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeRecord writes one versioned record with its version as a weak ETag.
// The ETag is weak because derived fields (an organisation's name on a
// user, the last sign-in) can change without the record's version.
func writeRecord(w http.ResponseWriter, status int, version int64, v any) {
	w.Header().Set("ETag", etag(version))
	writeJSON(w, status, v)
}

func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// page is one page of a list, with the total number matching.
type page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// writePage writes a page, with an empty list rather than null.
func writePage[T any](w http.ResponseWriter, items []T, total int, p paging) {
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, page[T]{Items: items, Total: total, Offset: p.offset, Limit: p.limit})
}

// writeList writes one page of a list a service returns whole (a ticket's
// history, files, watchers), so that every list has the same shape.
func writeList[T any](w http.ResponseWriter, items []T, p paging) {
	total := len(items)
	start := min(p.offset, total)
	writePage(w, items[start:start+min(p.limit, total-start)], total, p)
}

// listPaging reads the query string of a list that takes only offset and
// limit.
func listPaging(r *http.Request) (paging, error) {
	q, err := parseQuery(r)
	if err != nil {
		return paging{}, err
	}
	p := q.paging()
	return p, q.err()
}

// serveSubList serves a record's sub-collection (a ticket's events, files,
// watchers or links; a problem's incidents; an escalation's history): the
// record's ID from the path, the caller's page, and fetch's scoped answer.
func serveSubList[T any](w http.ResponseWriter, r *http.Request, kind string, fetch func(ctx context.Context, id int64) ([]T, error)) error {
	id, err := pathID(r, kind)
	if err != nil {
		return err
	}
	p, err := listPaging(r)
	if err != nil {
		return err
	}
	items, err := fetch(r.Context(), id)
	if err != nil {
		return err
	}
	writeList(w, items, p)
	return nil
}
