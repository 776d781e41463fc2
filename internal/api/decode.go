package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// decode reads r's body into dst, a pointer to a request struct, strictly:
// Content-Type must be application/json; the body must be one UTF-8 JSON
// object and nothing after it; every key must be one of dst's JSON names,
// spelled exactly, at most once, and not null; every value must have the
// field's type. Each failure is a 4xx naming the field where there is one.
func (a *API) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if cs, ok := params["charset"]; err != nil || mt != "application/json" || (ok && !strings.EqualFold(cs, "utf-8")) {
		return itsm.Errorf(codeUnsupportedMediaType, "Send the request body as JSON, with the header Content-Type: application/json.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errTooLarge(tooBig.Limit)
	} else if err != nil {
		return itsm.Errorf(itsm.EINVALID, "The request body could not be read. Send it again.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return itsm.Errorf(itsm.EINVALID, "The request body is empty: send a JSON object.")
	}
	if !utf8.Valid(body) {
		return itsm.Errorf(itsm.EINVALID, "The request body must be JSON encoded as UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return itsm.Errorf(itsm.EINVALID, "The request body must hold one JSON object and nothing after it.")
	}
	return checkKeys(body, jsonNames(dst))
}

// decodeError turns an encoding/json error into a sentence naming the
// field.
func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return itsm.Errorf(itsm.EINVALID, "The request body is not valid JSON: there is an error at byte %d.", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return itsm.Errorf(itsm.EINVALID, "The request body ends before its JSON is complete.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return itsm.Errorf(itsm.EINVALID, "The request body must be a JSON object.")
		}
		return fieldError(typ.Field, fmt.Sprintf("The field %q must be %s.", typ.Field, describeType(typ.Type)))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			return unknownField(n)
		}
	}
	return itsm.Errorf(itsm.EINVALID, "The request body is not the JSON object this request needs.")
}

func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	}
	return "a JSON " + t.Kind().String()
}

func fieldError(field, message string) *itsm.Error {
	return &itsm.Error{Code: itsm.EINVALID, Message: message, Fields: map[string]string{field: message}}
}

func unknownField(name string) *itsm.Error {
	if utf8.RuneCountInString(name) > 64 {
		name = string([]rune(name)[:64]) + "…"
	}
	return fieldError(name, fmt.Sprintf("The field %q is not one this request accepts.", name))
}

// checkKeys walks the top-level keys of an already decoded object. It
// closes the gaps encoding/json leaves: it matches names case-insensitively
// and lets a later duplicate win, and it takes null as "not sent".
func checkKeys(body []byte, known map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		// null decodes into a struct without complaint.
		return itsm.Errorf(itsm.EINVALID, "The request body must be a JSON object.")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return decodeError(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return decodeError(err)
		}
		switch {
		case !known[key]:
			return unknownField(key)
		case seen[key]:
			return fieldError(key, fmt.Sprintf("The field %q appears more than once.", key))
		case string(raw) == "null":
			return fieldError(key, fmt.Sprintf("The field %q must not be null: leave it out instead.", key))
		}
		seen[key] = true
	}
	return nil
}

// jsonNames returns the JSON names of the fields of the struct dst points to.
func jsonNames(dst any) map[string]bool {
	t := reflect.TypeOf(dst).Elem()
	out := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// requireVersion checks the version a change must carry.
func requireVersion(v *int64) (int64, error) {
	if v == nil || *v < 1 {
		return 0, fieldError("version", "Send the version of the record you last read, as the field \"version\".")
	}
	return *v, nil
}

// pathID reads the {id} path value. Anything but a positive integer in
// canonical form is a record that does not exist: 404, like an unknown path.
func pathID(r *http.Request, what string) (int64, error) {
	s := r.PathValue("id")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != s {
		return 0, itsm.ErrNotFound(what)
	}
	return n, nil
}

// Paging limits.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// paging is a validated ?offset=&limit=.
type paging struct{ offset, limit int }

// query reads a list's query parameters. Unknown and repeated parameters
// are errors, so that a misspelt filter is not silently ignored.
type query struct {
	values url.Values
	v      itsm.Validation
}

// parseQuery parses r's query string, allowing offset, limit and the names
// given.
func parseQuery(r *http.Request, names ...string) (*query, error) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, itsm.Errorf(itsm.EINVALID, "The query string is not well formed: check its percent-encoding.")
	}
	q := &query{values: values}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case k != "offset" && k != "limit" && !slices.Contains(names, k):
			q.v.Add(k, fmt.Sprintf("There is no query parameter %q for this list.", k))
		case len(values[k]) > 1:
			q.v.Add(k, fmt.Sprintf("Give the query parameter %q once.", k))
		}
	}
	return q, nil
}

func (q *query) get(name string) (string, bool) {
	if vs, ok := q.values[name]; ok && len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// text returns a string filter; empty means no filter.
func (q *query) text(name string) *string {
	if s, ok := q.get(name); ok && s != "" {
		return &s
	}
	return nil
}

// id returns a positive integer filter.
func (q *query) id(name string) *int64 {
	s, ok := q.get(name)
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		q.v.Add(name, fmt.Sprintf("Give %s as a positive whole number.", name))
		return nil
	}
	return &n
}

// boolean returns a true/false filter.
func (q *query) boolean(name string) *bool {
	s, ok := q.get(name)
	if !ok {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil || (s != "true" && s != "false") {
		q.v.Add(name, fmt.Sprintf("Give %s as true or false.", name))
		return nil
	}
	return &b
}

// instant returns an RFC 3339 instant filter.
func (q *query) instant(name string) *time.Time {
	s, ok := q.get(name)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.v.Add(name, fmt.Sprintf("Give %s as an RFC 3339 date and time, such as 2026-03-02T09:00:00Z.", name))
		return nil
	}
	return &t
}

// oneOf returns an enumerated filter, checked against valid.
func (q *query) oneOf(name string, valid func(string) bool, choices string) *string {
	s, ok := q.get(name)
	if !ok {
		return nil
	}
	if !valid(s) {
		q.v.Add(name, fmt.Sprintf("Give %s as one of %s.", name, choices))
		return nil
	}
	return &s
}

// paging returns the validated offset and limit.
func (q *query) paging() paging {
	p := paging{limit: defaultLimit}
	if s, ok := q.get("offset"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			q.v.Add("offset", "Give offset as a whole number, 0 or more.")
		}
		p.offset = n
	}
	if s, ok := q.get("limit"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			q.v.Add("limit", fmt.Sprintf("Give limit as a whole number from 1 to %d.", maxLimit))
		}
		p.limit = n
	}
	return p
}

// err returns the problems found so far as one EINVALID error.
func (q *query) err() error { return q.v.Err() }
