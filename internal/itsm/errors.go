// Package itsm is Steward's domain: the types, their rules (who may do what,
// state machines, validation), the error codes and the service interfaces
// that the store implements and the web, API and job surfaces call.
//
// It imports only the standard library so that every other package can depend
// on it without cycles.
package itsm

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Each maps to one HTTP status in the web and API surfaces.
const (
	EINVALID      = "invalid"      // 400: the input is wrong; Fields says where.
	EUNAUTHORIZED = "unauthorized" // 401: the caller is not signed in.
	EFORBIDDEN    = "forbidden"    // 403: signed in, but not allowed.
	ENOTFOUND     = "not_found"    // 404: absent, or not visible to the caller.
	ECONFLICT     = "conflict"     // 409: a stale version or a duplicate.
	ETOOLARGE     = "too_large"    // 413: the request body is too large.
	ETOOMANY      = "too_many"     // 429: throttled.
	EINTERNAL     = "internal"     // 500: anything unexpected.
	EUNAVAILABLE  = "unavailable"  // 503: not ready.
)

// Error is a domain error: a code for programs and a whole sentence for people.
// Fields holds per-field messages for validation errors, keyed by the field's
// name as the caller sent it.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("steward error: code=%s message=%s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return fmt.Sprintf("steward error: code=%s message=%s fields=[%s]", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the code and a formatted sentence.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the sentence a person should read. Unexpected errors
// are never shown: they read "Internal error."
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field messages of a validation error, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects per-field problems and turns them into one EINVALID
// error. The zero value is ready to use.
type Validation struct {
	fields map[string]string
	order  []string
}

// Add records a problem with field; the first message for a field wins.
func (v *Validation) Add(field, message string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, ok := v.fields[field]; ok {
		return
	}
	v.fields[field] = message
	v.order = append(v.order, field)
}

// Check adds message for field when ok is false.
func (v *Validation) Check(ok bool, field, message string) {
	if !ok {
		v.Add(field, message)
	}
}

// Err returns nil when nothing was added, otherwise an EINVALID *Error whose
// message is the first problem found.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := v.fields[v.order[0]]
	if len(v.order) > 1 {
		msg = fmt.Sprintf("%s (and %d more problems)", msg, len(v.order)-1)
	}
	return &Error{Code: EINVALID, Message: msg, Fields: v.fields}
}

// Order returns the fields with problems in the order they were found, for
// error summaries that follow the form's order.
func (v *Validation) Order() []string { return v.order }

// ErrStale is the sentence for an optimistic-concurrency conflict.
func ErrStale(what string) *Error {
	return Errorf(ECONFLICT, "Someone else changed this %s since you opened it. Reload it, check their changes and try again.", what)
}

// ErrNotFound is the sentence for an absent or invisible record. It never says
// which, so existence does not leak.
func ErrNotFound(what string) *Error {
	return Errorf(ENOTFOUND, "That %s does not exist or you do not have access to it.", what)
}
