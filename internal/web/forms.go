package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// fieldError is one line of an error summary. Field is the id of the input
// the line links to ("" for a problem with the whole form).
type fieldError struct {
	Field, Message string
}

// setErrors shows err on the page: per-field messages beside their fields
// and in the summary (in the form's order, given by fields), or the error's
// sentence alone when it names no field (a stale version, say).
func (p *basePage) setErrors(err error, fields ...string) {
	byField := itsm.ErrorFields(err)
	p.fieldErrors = map[string]string{}
	p.Errors = nil
	keys := make([]string, 0, len(byField))
	for k := range byField {
		keys = append(keys, k)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		return rank(fields, keys[i]) < rank(fields, keys[j])
	})
	for _, k := range keys {
		p.fieldErrors[k] = byField[k]
		id := k
		if !slices.Contains(fields, k) {
			id = "" // a field this form does not have: do not link to it
		}
		p.Errors = append(p.Errors, fieldError{Field: id, Message: byField[k]})
	}
	if len(p.Errors) == 0 {
		p.Errors = []fieldError{{Message: itsm.ErrorMessage(err)}}
	}
}

func rank(order []string, k string) int {
	if i := slices.Index(order, k); i >= 0 {
		return i
	}
	return len(order)
}

// formStatus is the status of a re-rendered form: 409 for a conflict, 400
// for anything else wrong with the input.
func formStatus(err error) int {
	if itsm.ErrorCode(err) == itsm.ECONFLICT {
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// option is one choice of a select or radios.
type option struct {
	Value, Label string
}

// field is what the "input", "select" and "radios" partials draw: a DS
// question with its label, hint and error message, wired together with
// aria-describedby.
type field struct {
	ID, Name, Label, Hint, Value, Type, Autocomplete, Width, Error string
	Options                                                        []option
}

// DescribedBy lists the ids of the hint and error message.
func (f field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// newInput builds a text input for a template: input $ "name" "Label" value
// followed by "key=value" options: hint, type, autocomplete, width (a DS
// input width class) and id.
func newInput(p page, name, label, value string, opts ...string) (field, error) {
	f := field{ID: name, Name: name, Label: label, Value: value, Type: "text", Error: p.base().FieldError(name)}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "hint":
			f.Hint = v
		case "type":
			f.Type = v
		case "autocomplete":
			f.Autocomplete = v
		case "width":
			f.Width = v
		case "id":
			f.ID = v
		default:
			return f, fmt.Errorf("input %s: unknown option %q", name, o)
		}
	}
	if f.Type == "password" {
		f.Value = "" // never send a password back to the browser
	}
	return f, nil
}

// newSelect builds a select: selectField $ "name" "Label" value options ...
func newSelect(p page, name, label, value string, options []option, opts ...string) (field, error) {
	f, err := newInput(p, name, label, value, opts...)
	f.Options = options
	return f, err
}

// newRadios builds a group of radios; the first radio's id is the field's
// name, so the error summary's link lands on it.
func newRadios(p page, name, legend, value string, options []option, opts ...string) (field, error) {
	return newSelect(p, name, legend, value, options, opts...)
}

// statusTag returns the DS tag colour class for a user status.
func statusTag(s itsm.UserStatus) string {
	switch s {
	case itsm.UserActive:
		return "ds_tag--green"
	case itsm.UserPending:
		return "ds_tag--yellow"
	case itsm.UserDisabled:
		return "ds_tag--grey"
	case itsm.UserRejected:
		return "ds_tag--red"
	}
	return ""
}

// activeTag returns the DS tag colour class for an organisation's state.
func activeTag(active bool) string {
	if active {
		return "ds_tag--green"
	}
	return "ds_tag--grey"
}

// statusLabel is a user status as a person reads it.
func statusLabel(s itsm.UserStatus) string {
	switch s {
	case itsm.UserPending:
		return "Waiting for approval"
	case itsm.UserActive:
		return "Active"
	case itsm.UserDisabled:
		return "Disabled"
	case itsm.UserRejected:
		return "Rejected"
	}
	return string(s)
}

// pathID reads a numeric {id} from the path; anything else is a page that
// does not exist.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errPageNotFound
	}
	return id, nil
}

// formVersion reads the hidden version field of an edit form.
func formVersion(r *http.Request) (int64, error) {
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || v <= 0 {
		return 0, itsm.Errorf(itsm.EINVALID, "The form is missing the version of the record you opened. Go back, reload the page and try again.")
	}
	return v, nil
}

// roleOptions lists the roles the actor may give someone in an organisation
// of kind k, keeping current (when set) so that an edit form shows it.
func roleOptions(a *itsm.Actor, k itsm.OrgKind, current itsm.Role) []option {
	var out []option
	for _, r := range itsm.Roles {
		if a.CanGrantRole(r, k) || (r == current && current != "") {
			out = append(out, option{Value: string(r), Label: r.Label()})
		}
	}
	return out
}

func hasOption(opts []option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// passwordsMatch adds a problem when the two passwords differ.
func passwordsMatch(v *itsm.Validation, password, confirm string) {
	if password != "" && password != confirm {
		v.Add("password_confirm", "Enter the same password twice.")
	}
}

// mergeErrors joins a web-side validation with a domain validation error
// into one EINVALID error (the first message for a field wins).
func mergeErrors(errs ...error) error {
	var v itsm.Validation
	for _, err := range errs {
		fields := itsm.ErrorFields(err)
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v.Add(k, fields[k])
		}
	}
	return v.Err()
}
