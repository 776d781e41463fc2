package sla

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// checkJSONShape compares a generically decoded JSON value with the Go type
// it will be decoded into and reports the first unknown field or wrongly
// typed value with its full path. encoding/json's DisallowUnknownFields
// names only the key ("unknown field \"when\""), not where it is, which is
// no help in a request with a hundred tickets.
func checkJSONShape(v any, t reflect.Type, path string) *ValidationError {
	if v == nil {
		return nil // null leaves the zero value, which validation judges
	}
	switch t.Kind() {
	case reflect.Pointer:
		return checkJSONShape(v, t.Elem(), path)
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return &ValidationError{Field: path, Message: fmt.Sprintf("must be a JSON object, not %s", jsonKind(v))}
		}
		fields := make(map[string]reflect.Type, t.NumField())
		names := make([]string, 0, t.NumField())
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			fields[name] = f.Type
			names = append(names, name)
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				return &ValidationError{Field: join(path, k), Message: fmt.Sprintf("is not a known field here (known: %s)", strings.Join(names, ", "))}
			}
			if err := checkJSONShape(obj[k], ft, join(path, k)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return &ValidationError{Field: path, Message: fmt.Sprintf("must be a JSON object, not %s", jsonKind(v))}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := checkJSONShape(obj[k], t.Elem(), join(path, k)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return &ValidationError{Field: path, Message: fmt.Sprintf("must be a JSON array, not %s", jsonKind(v))}
		}
		for i, e := range arr {
			if err := checkJSONShape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return &ValidationError{Field: path, Message: fmt.Sprintf("must be a string, not %s", jsonKind(v))}
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return &ValidationError{Field: path, Message: fmt.Sprintf("must be true or false, not %s", jsonKind(v))}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "true/false"
	}
	return "null"
}
