// Package monitorfile reads the files that set up many checks at once, and
// writes the CSV export of checks. The web upload, the API and the command
// line all read files through Parse (or ParseEntries), so a file means the
// same wherever it is used.
//
// A file is YAML or JSON: a list of check definitions, or an object whose
// only key, "checks", holds that list. Each definition's keys are the names
// in Fields; durations are strings such as "30s", "1m30s" or "500ms", or a
// number of seconds. Problems are reported per definition (its position in
// the file and its name): a key that is not a field, a value of the wrong
// type, an organisation that does not exist. Whether the definitions make
// sense (a URL's scheme, an interval of at least 10 seconds) is the
// domain's rule, itsm.Check.Validate, applied by the import itself.
package monitorfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Format is how a file is written.
type Format int

// The formats a file may be in.
const (
	// Detect chooses JSON when the text starts with "{" or "[" and YAML
	// otherwise (JSON is also YAML, but JSON is read strictly as JSON).
	Detect Format = iota
	JSON
	YAML
)

// FormatOf chooses the format from a file name's extension, Detect when it
// has neither .json, .yaml nor .yml.
func FormatOf(name string) Format {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".json"):
		return JSON
	case strings.HasSuffix(n, ".yaml"), strings.HasSuffix(n, ".yml"):
		return YAML
	}
	return Detect
}

// MaxChecks is the most definitions one file may hold (the store's limit).
const MaxChecks = 20000

// Header is one request header of a definition.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Definition is one check as a file writes it. Pointer fields tell "left
// out" (the default) from a value.
type Definition struct {
	Name      string `json:"name"`
	Service   string `json:"service"`
	Component string `json:"component"`
	Kind      string `json:"kind"`
	// Organisation names the customer organisation whose own check this
	// is (OrganisationID gives it by number); neither means the shared
	// service.
	Organisation   string `json:"organisation"`
	OrganisationID *int64 `json:"organisation_id"`
	// Provider names the provider that operates what is checked.
	Provider   string `json:"provider"`
	ProviderID *int64 `json:"provider_id"`
	Public     *bool  `json:"public"`
	Enabled    *bool  `json:"enabled"` // default true

	Method          string     `json:"method"`
	URL             string     `json:"url"`
	Headers         headerList `json:"headers"`
	ExpectStatus    string     `json:"expect_status"`
	BodyContains    string     `json:"body_contains"`
	BodyMatches     string     `json:"body_matches"`
	MaxResponse     *Duration  `json:"max_response"`
	MaxResponseMS   *int64     `json:"max_response_ms"`
	VerifyTLS       *bool      `json:"verify_tls"`       // default true
	FollowRedirects *bool      `json:"follow_redirects"` // default true

	Address      string `json:"address"`
	CertWarnDays int    `json:"cert_warn_days"`

	Interval        *Duration `json:"interval"`
	IntervalSeconds *int64    `json:"interval_seconds"`
	Timeout         *Duration `json:"timeout"`
	TimeoutSeconds  *int64    `json:"timeout_seconds"`
	Retries         int       `json:"retries"`

	IncidentAfter    int     `json:"incident_after"`
	IncidentPriority string  `json:"incident_priority"`
	TargetPercent    float64 `json:"target_percent"`
	TargetCalendar   string  `json:"target_calendar"`
}

// Duration is a length of time written as a Go duration string ("30s",
// "1m", "250ms") or a number of seconds.
type Duration time.Duration

var errDuration = errors.New(`must be a length of time such as "30s", "1m" or "500ms", or a number of seconds`)

// UnmarshalJSON reads a duration string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return errDuration
		}
		s = strings.TrimSpace(s)
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return d.seconds(n)
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return errDuration
		}
		*d = Duration(v)
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return errDuration
	}
	return d.seconds(n)
}

func (d *Duration) seconds(n float64) error {
	if math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > 366*24*3600 {
		return errDuration
	}
	*d = Duration(math.Round(n * float64(time.Second)))
	return nil
}

// Fields are the keys a definition may have, in the order of Definition.
var Fields = func() []string {
	t := reflect.TypeFor[Definition]()
	out := make([]string, t.NumField())
	for i := range out {
		out[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return out
}()

// fieldIndex maps a key to its field of Definition.
var fieldIndex = func() map[string]int {
	m := map[string]int{}
	for i, f := range Fields {
		m[f] = i
	}
	return m
}()

// Result is what a file holds: the checks, ready to import, when every
// definition could be read; otherwise the problems, by definition.
type Result struct {
	Checks []*itsm.Check
	Errors []itsm.CheckImportError
}

// fileError is a problem with the whole file, named for the form's file
// field.
func fileError(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
}

// Parse reads a file of definitions. orgs are the organisations the
// definitions may name (customers and providers); a file that cannot be read
// at all (not YAML or JSON, empty, not a list) is an EINVALID error whose
// field is "file".
func Parse(data []byte, format Format, orgs []*itsm.Organisation) (*Result, error) {
	if !utf8.Valid(data) {
		return nil, fileError("The file must be text encoded as UTF-8.")
	}
	text := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(text) == 0 {
		return nil, fileError("The file is empty: it should hold a list of checks.")
	}
	if format == Detect {
		format = YAML
		if text[0] == '{' || text[0] == '[' {
			format = JSON
		}
	}
	var entries []json.RawMessage
	var err error
	if format == JSON {
		entries, err = jsonEntries(text)
	} else {
		entries, err = yamlEntries(text)
	}
	if err != nil {
		return nil, err
	}
	return ParseEntries(entries, orgs)
}

// jsonEntries splits a JSON file into its definitions.
func jsonEntries(text []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	var top json.RawMessage
	if err := dec.Decode(&top); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fileError("The file is not valid JSON: there is an error at character %d.", syn.Offset)
		}
		return nil, fileError("The file is not valid JSON: it ends before its JSON is complete.")
	}
	if dec.More() {
		return nil, fileError("The file must hold one JSON list or object, and nothing after it.")
	}
	return topEntries(top)
}

// topEntries reads the list of definitions from a list or {"checks": list}.
func topEntries(top json.RawMessage) ([]json.RawMessage, error) {
	var list []json.RawMessage
	switch {
	case len(top) > 0 && top[0] == '[':
		if err := json.Unmarshal(top, &list); err != nil {
			return nil, fileError("The file must hold a list of checks.")
		}
	case len(top) > 0 && top[0] == '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(top, &obj); err != nil {
			return nil, fileError("The file must hold a list of checks, or an object with a list under \"checks\".")
		}
		for k := range obj {
			if k != "checks" {
				return nil, fileError("The file has a key %q at the top: the only one allowed is \"checks\", holding the list of checks.", k)
			}
		}
		raw, ok := obj["checks"]
		if !ok || json.Unmarshal(raw, &list) != nil || list == nil {
			return nil, fileError("The file must hold a list of checks under \"checks\".")
		}
	default:
		return nil, fileError("The file must hold a list of checks, or an object with a list under \"checks\".")
	}
	if len(list) == 0 {
		return nil, fileError("The file holds no checks.")
	}
	if len(list) > MaxChecks {
		return nil, fileError("A file may hold at most 20,000 checks; split it.")
	}
	return list, nil
}

// yamlEntries reads a YAML file as data and hands its definitions on as
// JSON, so that both formats are judged by one set of rules.
func yamlEntries(text []byte) ([]json.RawMessage, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(text))
	if err := dec.Decode(&doc); err != nil {
		return nil, fileError("The file is not valid YAML: %s.", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fileError("The file must hold one YAML document: remove the second one (after ---).")
	}
	var v any
	if err := doc.Decode(&v); err != nil {
		return nil, fileError("The file is not valid YAML: %s.", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	top, err := json.Marshal(jsonable(v))
	if err != nil {
		return nil, fileError("The file holds values that cannot be read as check definitions: %s.", err)
	}
	return topEntries(top)
}

// jsonable turns decoded YAML into values encoding/json can write: maps
// with keys other than text (1: x) get text keys, so they are reported as
// unknown fields rather than failing the whole file.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	case time.Time:
		// An unquoted date; a field that wants text reports it.
		return x.Format(time.RFC3339)
	}
	return v
}

// ParseEntries reads definitions already split from their file (the API's
// JSON body). See Parse.
func ParseEntries(entries []json.RawMessage, orgs []*itsm.Organisation) (*Result, error) {
	if len(entries) == 0 {
		return nil, fileError("The file holds no checks.")
	}
	if len(entries) > MaxChecks {
		return nil, fileError("A file may hold at most 20,000 checks; split it.")
	}
	res := &Result{}
	for i, raw := range entries {
		def, name, fields := decodeDefinition(raw)
		var c *itsm.Check
		if len(fields) == 0 {
			c = def.check(orgs, fields)
		}
		if len(fields) > 0 {
			res.Errors = append(res.Errors, itsm.CheckImportError{Index: i + 1, Name: name, Message: summary(fields), Fields: fields})
			continue
		}
		res.Checks = append(res.Checks, c)
	}
	if len(res.Errors) > 0 {
		res.Checks = nil
	}
	return res, nil
}

// summary is the sentence for a definition's problems.
func summary(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return rank(keys[i]) < rank(keys[j]) })
	return fields[keys[0]]
}

func rank(k string) int {
	if i, ok := fieldIndex[k]; ok {
		return i
	}
	return len(Fields)
}

// decodeDefinition reads one definition key by key, so that every wrong key
// and value is named, not only the first.
func decodeDefinition(raw json.RawMessage) (*Definition, string, map[string]string) {
	fields := map[string]string{}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		fields["definition"] = "Each check must be a set of fields (name, service, kind, …), not a single value or a list."
		return nil, "", fields
	}
	var name string
	if n, ok := obj["name"]; ok {
		_ = json.Unmarshal(n, &name)
	}
	def := &Definition{}
	v := reflect.ValueOf(def).Elem()
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		i, ok := fieldIndex[k]
		if !ok {
			fields[k] = unknownMessage(k)
			continue
		}
		val := obj[k]
		if bytes.Equal(bytes.TrimSpace(val), []byte("null")) {
			continue // left out
		}
		f := v.Field(i)
		target := reflect.New(f.Type())
		if err := json.Unmarshal(val, target.Interface()); err != nil {
			fields[k] = typeMessage(k, f.Type(), err)
			continue
		}
		f.Set(target.Elem())
	}
	return def, name, fields
}

// unknownMessage names a key that is not a field, suggesting the field
// meant when only its case or separators differ.
func unknownMessage(k string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(s))
	}
	for _, f := range Fields {
		if norm(f) == norm(k) {
			return fmt.Sprintf("%q is not a field of a check: did you mean %q?", k, f)
		}
	}
	return fmt.Sprintf("%q is not a field of a check. The fields are listed in docs/monitoring.md.", k)
}

// typeMessage says what a field's value must be.
func typeMessage(k string, t reflect.Type, err error) string {
	if errors.Is(err, errDuration) {
		return fmt.Sprintf("%s %s.", k, errDuration)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	what := "text"
	switch {
	case t == reflect.TypeFor[headerList]():
		what = "a list of headers, each with a name and a value (or a set of Name: value pairs)"
	case t.Kind() == reflect.Bool:
		what = "true or false"
	case t.Kind() == reflect.Int, t.Kind() == reflect.Int64:
		what = "a whole number"
	case t.Kind() == reflect.Float64:
		what = "a number"
	}
	return fmt.Sprintf("%s must be %s.", k, what)
}

// UnmarshalJSON lets headers be written as a list of {name, value} or as a
// set of Name: value pairs.
func (h *Header) UnmarshalJSON(b []byte) error {
	type plain Header
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*h = Header(p)
	return nil
}

// headerList is the form Definition.Headers is read through.
type headerList []Header

// UnmarshalJSON reads a list of headers or a set of pairs.
func (l *headerList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			*l = append(*l, Header{Name: k, Value: m[k]})
		}
		return nil
	}
	var list []Header
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*l = list
	return nil
}

// check turns a definition into a check, resolving organisation names and
// the duration spellings; problems go into fields.
func (d *Definition) check(orgs []*itsm.Organisation, fields map[string]string) *itsm.Check {
	c := &itsm.Check{Name: d.Name, Service: d.Service, Component: d.Component, Kind: d.Kind, Method: d.Method, URL: d.URL,
		ExpectStatus: d.ExpectStatus, BodyContains: d.BodyContains, BodyMatches: d.BodyMatches, Address: d.Address, CertWarnDays: d.CertWarnDays,
		Retries: d.Retries, IncidentAfter: d.IncidentAfter, IncidentPriority: d.IncidentPriority, TargetPercent: d.TargetPercent,
		TargetCalendar: d.TargetCalendar, Enabled: true, VerifyTLS: true, FollowRedirects: true, Headers: []itsm.CheckHeader{}}
	for _, b := range []struct {
		dst *bool
		v   *bool
	}{{&c.Public, d.Public}, {&c.Enabled, d.Enabled}, {&c.VerifyTLS, d.VerifyTLS}, {&c.FollowRedirects, d.FollowRedirects}} {
		if b.v != nil {
			*b.dst = *b.v
		}
	}
	for _, h := range d.Headers {
		c.Headers = append(c.Headers, itsm.CheckHeader{Name: h.Name, Value: h.Value})
	}
	c.Interval = duration(fields, "interval", d.Interval, "interval_seconds", d.IntervalSeconds, time.Second)
	c.Timeout = duration(fields, "timeout", d.Timeout, "timeout_seconds", d.TimeoutSeconds, time.Second)
	c.MaxResponse = duration(fields, "max_response", d.MaxResponse, "max_response_ms", d.MaxResponseMS, time.Millisecond)
	c.OrgID = resolve(fields, orgs, itsm.OrgCustomer, "organisation", d.Organisation, d.OrganisationID)
	c.ProviderID = resolve(fields, orgs, itsm.OrgProvider, "provider", d.Provider, d.ProviderID)
	return c
}

// duration reads a duration given in either of its two spellings.
func duration(fields map[string]string, name string, d *Duration, alt string, n *int64, unit time.Duration) time.Duration {
	switch {
	case d != nil && n != nil:
		fields[alt] = fmt.Sprintf("Give %s or %s, not both.", name, alt)
	case d != nil:
		return time.Duration(*d)
	case n != nil:
		return time.Duration(*n) * unit
	}
	return 0
}

// resolve finds the organisation a definition names, by name or number.
func resolve(fields map[string]string, orgs []*itsm.Organisation, kind itsm.OrgKind, key, name string, id *int64) *int64 {
	what := "customer organisation"
	if kind == itsm.OrgProvider {
		what = "provider"
	}
	name = strings.TrimSpace(name)
	switch {
	case name != "" && id != nil:
		fields[key+"_id"] = fmt.Sprintf("Give %s or %s_id, not both.", key, key)
	case name != "":
		for _, o := range orgs {
			if o.Kind == kind && strings.EqualFold(o.Name, name) {
				return &o.ID
			}
		}
		fields[key] = fmt.Sprintf("There is no %s called %q.", what, name)
	case id != nil:
		return id // the store checks the number
	}
	return nil
}

// Organisations reads every organisation the caller can see, a page at a
// time, for Parse to resolve the names a file gives.
func Organisations(ctx context.Context, svc itsm.OrganisationService) ([]*itsm.Organisation, error) {
	var out []*itsm.Organisation
	f := itsm.OrganisationFilter{Limit: 500}
	for {
		page, total, err := svc.FindOrganisations(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("list organisations: %w", err)
		}
		out = append(out, page...)
		f.Offset += len(page)
		if len(page) == 0 || f.Offset >= total {
			return out, nil
		}
	}
}
