package web

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// diffView is an audit entry's content made readable: either the fields a
// change altered (from → to) or, for events that are not a change of a
// record (sign-in, refusal), the facts recorded.
type diffView struct {
	Changes []diffChange
	Details []diffDetail
	Erased  bool
}

// diffHead is how many lines a list shows of an entry's content; the
// entry's own page shows it all.
const diffHead = 4

// ChangesHead returns the first few changes, for lists.
func (d diffView) ChangesHead() []diffChange { return d.Changes[:min(len(d.Changes), diffHead)] }

// DetailsHead returns the first few details, for lists.
func (d diffView) DetailsHead() []diffDetail { return d.Details[:min(len(d.Details), diffHead)] }

// More is how many lines a list leaves out.
func (d diffView) More() int { return max(len(d.Changes), len(d.Details), diffHead) - diffHead }

// diffChange is one changed field.
type diffChange struct {
	Field, From, To string
	HasFrom, HasTo  bool
}

// diffDetail is one recorded fact.
type diffDetail struct {
	Field, Value string
}

// readDiff parses the store's diff JSON: {"field":{"from":…,"to":…}} for a
// change, or {"field": value} for an event. Anything else is shown raw.
func readDiff(raw json.RawMessage, erased bool) diffView {
	if erased {
		return diffView{Erased: true}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		if len(bytes.TrimSpace(raw)) == 0 {
			return diffView{}
		}
		return diffView{Details: []diffDetail{{Field: "Content", Value: string(raw)}}}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var out diffView
	isChange := len(m) > 0
	changes := make([]diffChange, 0, len(keys))
	for _, k := range keys {
		var ft map[string]json.RawMessage
		if json.Unmarshal(m[k], &ft) != nil || len(ft) == 0 {
			isChange = false
			break
		}
		c := diffChange{Field: humanise(k)}
		for fk, fv := range ft {
			switch fk {
			case "from":
				c.From, c.HasFrom = jsonText(fv), true
			case "to":
				c.To, c.HasTo = jsonText(fv), true
			default:
				isChange = false
			}
		}
		changes = append(changes, c)
	}
	if isChange {
		out.Changes = changes
		return out
	}
	for _, k := range keys {
		out.Details = append(out.Details, diffDetail{Field: humanise(k), Value: jsonText(m[k])})
	}
	return out
}

// jsonText shows a JSON value as a person reads it.
func jsonText(raw json.RawMessage) string {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		if x == "" {
			return "(empty)"
		}
		return x
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case json.Number:
		return x.String()
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}

// humanise turns a code ("time_zone") into words ("Time zone").
func humanise(code string) string {
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
