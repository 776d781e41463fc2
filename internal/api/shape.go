package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// checkShape walks a JSON body token by token against the Go type it will
// be decoded into, and refuses what encoding/json would let through or
// report without saying where: a key that is unknown or in the wrong case
// (json matches names case-insensitively), a repeated key (json lets the
// last win), a null (json leaves the zero value), and a value of the wrong
// type, each named by its full path, such as "calendar.week.mon[0]" or
// "targets.P1.response". The body must be one JSON object and nothing
// after it.
func checkShape(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return tokenError(err)
	}
	if tok != json.Delim('{') {
		return errNotObject
	}
	if err := walkObject(dec, t, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return itsm.Errorf(itsm.EINVALID, "The request body must hold one JSON object and nothing after it.")
	}
	return nil
}

var errNotObject = itsm.Errorf(itsm.EINVALID, "The request body must be a JSON object.")

// tokenError turns an error from reading a token into the answer, nil
// staying nil. A body that ends inside a value is reported as incomplete:
// the token reader says io.EOF where the decoder says io.ErrUnexpectedEOF.
func tokenError(err error) error {
	switch {
	case err == nil:
		return nil
	case err == io.EOF:
		err = io.ErrUnexpectedEOF
	}
	return decodeError(err)
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// walkValue reads the next value and checks it against t.
func walkValue(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return tokenError(err)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if tok == nil {
		return fieldError(path, fmt.Sprintf("The field %q must not be null: leave it out instead.", path))
	}
	if pt := reflect.PointerTo(t); pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		return skipValue(dec, tok) // the type decodes itself; json.Unmarshal judges it
	}
	ok := true
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return typeError(path, t)
		}
		return walkObject(dec, t, path)
	case reflect.Map:
		if tok != json.Delim('{') {
			return typeError(path, t)
		}
		return walkMap(dec, t, path)
	case reflect.Slice, reflect.Array:
		if tok != json.Delim('[') {
			return typeError(path, t)
		}
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ]
		return tokenError(err)
	case reflect.String:
		_, ok = tok.(string)
	case reflect.Bool:
		_, ok = tok.(bool)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, isNumber := tok.(json.Number)
		_, err := strconv.ParseInt(n.String(), 10, t.Bits())
		ok = isNumber && err == nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, isNumber := tok.(json.Number)
		_, err := strconv.ParseUint(n.String(), 10, t.Bits())
		ok = isNumber && err == nil
	case reflect.Float32, reflect.Float64:
		n, isNumber := tok.(json.Number)
		_, err := strconv.ParseFloat(n.String(), t.Bits())
		ok = isNumber && err == nil
	default:
		return skipValue(dec, tok)
	}
	if !ok {
		return typeError(path, t)
	}
	return nil
}

// walkObject checks the keys and values of an object decoded into struct
// type t, whose opening brace has been read.
func walkObject(dec *json.Decoder, t reflect.Type, path string) error {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" && f.IsExported() {
			fields[name] = f.Type
		}
	}
	seen := map[string]bool{}
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return err
		}
		p := join(path, key)
		ft, known := fields[key]
		switch {
		case !known:
			return unknownField(join(path, shorten(key)))
		case seen[key]:
			return fieldError(p, fmt.Sprintf("The field %q appears more than once.", p))
		}
		seen[key] = true
		if err := walkValue(dec, ft, p); err != nil {
			return err
		}
	}
	_, err := dec.Token() // }
	return tokenError(err)
}

// walkMap checks the entries of an object decoded into map type t.
func walkMap(dec *json.Decoder, t reflect.Type, path string) error {
	seen := map[string]bool{}
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return err
		}
		p := join(path, shorten(key))
		if seen[key] {
			return fieldError(p, fmt.Sprintf("The field %q appears more than once.", p))
		}
		seen[key] = true
		if err := walkValue(dec, t.Elem(), p); err != nil {
			return err
		}
	}
	_, err := dec.Token() // }
	return tokenError(err)
}

func objectKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", tokenError(err)
	}
	key, _ := tok.(string)
	return key, nil
}

// skipValue consumes the rest of a value whose first token has been read.
func skipValue(dec *json.Decoder, tok json.Token) error {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return tokenError(err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// join names a key inside the value at path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// shorten keeps a key the caller invented short enough to quote back.
func shorten(key string) string {
	if utf8.RuneCountInString(key) > 64 {
		return string([]rune(key)[:64]) + "…"
	}
	return key
}
