package web

import (
	"errors"
	"net/http"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// Errors the web surface raises itself.
var (
	errPageNotFound     = itsm.Errorf(itsm.ENOTFOUND, "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.")
	errMethodNotAllowed = &itsm.Error{Code: "method_not_allowed", Message: "This page cannot be used that way. Go back and try again."}
)

// refusal is a 403 that says what to write in the audit log.
type refusal struct {
	err                          error
	objectType, objectID, reason string
}

func (e *refusal) Error() string { return e.err.Error() }
func (e *refusal) Unwrap() error { return e.err }

// forbidden returns an EFORBIDDEN error with a sentence for the person.
func forbidden(sentence string) error { return itsm.Errorf(itsm.EFORBIDDEN, "%s", sentence) }

// statusOf maps an error to its HTTP status.
func statusOf(err error) int {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	switch itsm.ErrorCode(err) {
	case itsm.EINVALID:
		return http.StatusBadRequest
	case itsm.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case itsm.EFORBIDDEN:
		return http.StatusForbidden
	case itsm.ENOTFOUND:
		return http.StatusNotFound
	case itsm.ECONFLICT:
		return http.StatusConflict
	case itsm.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case itsm.ETOOMANY:
		return http.StatusTooManyRequests
	case itsm.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case errMethodNotAllowed.Code:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// errorPage is the page for any failed request.
type errorPage struct {
	basePage
	Status    int
	Message   string
	RequestID string
}

var errorHeadings = map[int]string{
	http.StatusBadRequest:            "There is a problem with your request",
	http.StatusForbidden:             "You do not have permission to do that",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "That cannot be done here",
	http.StatusConflict:              "Someone else changed this",
	http.StatusRequestEntityTooLarge: "What you sent is too large",
	http.StatusTooManyRequests:       "Too many attempts",
	http.StatusInternalServerError:   "Sorry, there is a problem with the service",
	http.StatusServiceUnavailable:    "Sorry, the service is unavailable",
}

// serveError is the one adapter from a handler's error to a response: it
// picks the status from the error's code, audits refusals, logs anything
// unexpected with the request ID and renders the error page in the site's
// layout. People read the error's own sentence, or "Internal error." when
// the error was not expected.
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	status := statusOf(err)
	msg := itsm.ErrorMessage(err)
	switch status {
	case http.StatusUnauthorized:
		s.redirectToSignIn(w, r)
		return
	case http.StatusForbidden:
		objectType, objectID, reason := "page", r.Method+" "+r.URL.Path, msg
		var ref *refusal
		if errors.As(err, &ref) {
			objectType, objectID, reason = ref.objectType, ref.objectID, ref.reason
		}
		if aerr := s.svc.Audit.RecordAccessRefused(ctx, objectType, objectID, reason); aerr != nil {
			s.log.ErrorContext(ctx, "record refused access", "request_id", httpx.RequestID(ctx), "error", aerr)
		}
	case http.StatusRequestEntityTooLarge:
		msg = "The form you sent is larger than Steward accepts. Go back, send less and try again."
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/agreements/new":
			msg = "The file you sent is too large: a bank holidays file must be smaller than 1 MB. Go back and choose gov.uk’s bank-holidays.json."
		case IsUpload(r):
			msg = "The file you sent is too large: files must be smaller than 10 MB. Go back and choose a smaller file."
		}
	case http.StatusInternalServerError:
		s.log.ErrorContext(ctx, "web request failed", "request_id", httpx.RequestID(ctx),
			"method", r.Method, "path", r.URL.Path, "error", err)
		msg = "Internal error."
	}
	heading := errorHeadings[status]
	if heading == "" {
		heading = http.StatusText(status)
	}
	p := &errorPage{basePage: s.newPage(w, r, heading), Status: status, Message: msg, RequestID: httpx.RequestID(ctx)}
	if status == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close")
	}
	if rerr := s.render(w, status, "error", p); rerr != nil {
		s.log.ErrorContext(ctx, "render error page", "request_id", httpx.RequestID(ctx), "error", rerr)
		http.Error(w, msg, status)
	}
}

// formFailed reports whether err is one a form shows beside its fields (a
// validation error or a conflict) rather than on an error page.
func formFailed(err error) bool {
	c := itsm.ErrorCode(err)
	return c == itsm.EINVALID || c == itsm.ECONFLICT
}
