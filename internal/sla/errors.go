package sla

import "strings"

// ValidationError reports invalid input: which field, and what is wrong
// with it in a sentence a person can act on. Field is a JSON-path-like name,
// such as "tickets[0].events[2].at" or "calendar.timezone", so an API can
// point at the exact place in the request, and the web form at the input.
type ValidationError struct {
	Field   string
	Message string
}

// Error returns "field: message", e.g.
// `calendar.timezone: "Europe/Lndon" is not a known time zone`.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// within returns a copy of e whose field is nested under prefix, so that a
// calendar error "week.mon[0]" reads "calendar.week.mon[0]" in a simulation.
func (e *ValidationError) within(prefix string) *ValidationError {
	switch {
	case e.Field == "":
		return &ValidationError{Field: prefix, Message: e.Message}
	case strings.HasPrefix(e.Field, "["):
		return &ValidationError{Field: prefix + e.Field, Message: e.Message}
	default:
		return &ValidationError{Field: prefix + "." + e.Field, Message: e.Message}
	}
}
