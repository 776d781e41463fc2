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
// object and nothing after it; at every depth, every key must be one of the
// JSON names of the struct that receives it, spelled exactly, at most once,
// and not null, and every value must have the field's type. Each failure is
// a 4xx naming the field by its path (calendar.week.mon[0]) where there is
// one.
func (a *API) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := a.readJSON(w, r)
	if err != nil {
		return err
	}
	if err := checkShape(body, reflect.TypeOf(dst).Elem()); err != nil {
		return err
	}
	if err := json.Unmarshal(body, dst); err != nil {
		// A backstop: checkShape has already refused what json would.
		return decodeError(err)
	}
	return nil
}

// readJSON reads a JSON request body of at most a.maxBody bytes, checking
// its Content-Type and that it is non-empty UTF-8 text, but not its shape.
func (a *API) readJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if cs, ok := params["charset"]; err != nil || mt != "application/json" || (ok && !strings.EqualFold(cs, "utf-8")) {
		return nil, itsm.Errorf(codeUnsupportedMediaType, "Send the request body as JSON, with the header Content-Type: application/json.")
	}
	body, err := readLimited(w, r, a.maxBody)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, itsm.Errorf(itsm.EINVALID, "The request body is empty: send a JSON object.")
	}
	if !utf8.Valid(body) {
		return nil, itsm.Errorf(itsm.EINVALID, "The request body must be JSON encoded as UTF-8.")
	}
	return body, nil
}

// readLimited reads r's body, refusing one that declares or turns out to be
// longer than limit bytes with 413 before reading it all.
func readLimited(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errTooLarge(limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errTooLarge(tooBig.Limit)
	} else if err != nil {
		return nil, itsm.Errorf(itsm.EINVALID, "The request body could not be read. Send it again.")
	}
	return body, nil
}

// decodeError turns an encoding/json error into a sentence naming the
// field.
func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return itsm.Errorf(itsm.EINVALID, "The request body is not valid JSON: there is an error at byte %d.", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return itsm.Errorf(itsm.EINVALID, "The request body ends before its JSON is complete.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return itsm.Errorf(itsm.EINVALID, "The request body must be a JSON object.")
		}
		return typeError(typ.Field, typ.Type)
	}
	return itsm.Errorf(itsm.EINVALID, "The request body is not the JSON object this request needs.")
}

func typeError(field string, t reflect.Type) *itsm.Error {
	return fieldError(field, fmt.Sprintf("The field %q must be %s.", field, describeType(t)))
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
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a JSON array"
	}
	return "a JSON object"
}

func fieldError(field, message string) *itsm.Error {
	return &itsm.Error{Code: itsm.EINVALID, Message: message, Fields: map[string]string{field: message}}
}

func unknownField(name string) *itsm.Error {
	return fieldError(name, fmt.Sprintf("The field %q is not one this request accepts.", name))
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
func pathID(r *http.Request, what string) (int64, error) { return pathInt(r, "id", what) }

// pathInt reads a named ID path value, as pathID does.
func pathInt(r *http.Request, name, what string) (int64, error) {
	s := r.PathValue(name)
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
// given. A name ending in "*" may be given more than once (read it with
// list); the others only once.
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
		repeatable := slices.Contains(names, k+"*")
		switch {
		case k != "offset" && k != "limit" && !slices.Contains(names, k) && !repeatable:
			q.v.Add(k, fmt.Sprintf("There is no query parameter %q for this list.", k))
		case len(values[k]) > 1 && !repeatable:
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

// list returns a repeatable parameter's values, each also split at commas,
// blanks dropped: ?status=new&status=assigned is ?status=new,assigned.
func (q *query) list(name string) []string {
	var out []string
	for _, v := range q.values[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
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
