package sla

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// govUKFeed is the shape of https://www.gov.uk/bank-holidays.json.
type govUKFeed map[string]struct {
	Division string `json:"division"`
	Events   []struct {
		Title   string `json:"title"`
		Date    string `json:"date"`
		Notes   string `json:"notes"`
		Bunting bool   `json:"bunting"`
	} `json:"events"`
}

// ParseGovUKBankHolidays reads gov.uk's bank-holidays.json and returns each
// division's holidays ("england-and-wales", "scotland", "northern-ireland")
// in date order, in the same form as HolidaySet: typographic apostrophes
// become plain ones, and events noted "Substitute day" are marked Substitute
// with " (substitute day)" appended to the name. That lets a published list
// be compared with, or used instead of, the computed rules.
//
// Unknown fields are ignored, because the feed belongs to gov.uk and may
// grow; a missing or malformed date is an error.
func ParseGovUKBankHolidays(r io.Reader) (map[string][]Holiday, error) {
	var feed govUKFeed
	if err := json.NewDecoder(r).Decode(&feed); err != nil {
		return nil, fmt.Errorf("read gov.uk bank holidays: %s", feedError(err))
	}
	out := make(map[string][]Holiday, len(feed))
	for division, d := range feed {
		hs := make([]Holiday, 0, len(d.Events))
		for i, ev := range d.Events {
			date, err := ParseDate(ev.Date)
			if err != nil {
				return nil, fmt.Errorf("read gov.uk bank holidays: %s.events[%d].date: %v", division, i, err)
			}
			name := strings.TrimSpace(strings.ReplaceAll(ev.Title, "\u2019", "'"))
			if name == "" {
				return nil, fmt.Errorf("read gov.uk bank holidays: %s.events[%d].title: missing", division, i)
			}
			h := Holiday{Date: date, Name: name}
			if strings.Contains(strings.ToLower(ev.Notes), "substitute") {
				h.Substitute = true
				if !strings.HasSuffix(h.Name, substituteSuffix) {
					h.Name += substituteSuffix
				}
			}
			hs = append(hs, h)
		}
		slices.SortStableFunc(hs, func(a, b Holiday) int { return compareDates(a.Date, b.Date) })
		out[division] = hs
	}
	return out, nil
}

// feedError says what is wrong with the feed's JSON in words, not in Go's
// type names: "scotland.events should be a list, not a string".
func feedError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := map[string]string{"slice": "a list", "struct": "an object", "map": "an object", "string": "text", "bool": "true or false"}[te.Type.Kind().String()]
		if want == "" {
			want = "a " + te.Type.Kind().String()
		}
		where := te.Field
		switch {
		case where != "":
			where = "each division's " + where
		case te.Type.Kind().String() == "struct":
			where = "each division"
		default:
			where = "the file"
		}
		return fmt.Sprintf("%s should be %s, not %s", where, want, valueKind(te.Value))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("it is not valid JSON (at byte %d)", se.Offset)
	}
	return err.Error()
}

// valueKind names a JSON value kind as encoding/json's type errors report
// it.
func valueKind(v string) string {
	switch v {
	case "string":
		return "text"
	case "number":
		return "a number"
	case "bool":
		return "true or false"
	case "array":
		return "a list"
	case "object":
		return "an object"
	}
	return v
}

// GovUKDivisions are the divisions of gov.uk's bank-holidays.json, as the
// feed's keys: the same names as the built-in holiday sets.
func GovUKDivisions() []string { return HolidaySetNames() }

// GovUKDivisionHolidays reads gov.uk's bank-holidays.json from data and
// returns one division's holidays in date order. Mistakes are
// *ValidationError: Field "feed" when data is not the feed (not one JSON
// object, a malformed event, or none of gov.uk's divisions), "division"
// when the division is not one of gov.uk's or the feed has no holidays for
// it. Callers bound data; gov.uk's file is about 20 KB.
func GovUKDivisionHolidays(data []byte, division string) ([]Holiday, error) {
	known := GovUKDivisions()
	if !slices.Contains(known, division) {
		msg := fmt.Sprintf("%q is not one of gov.uk's divisions (%s)", division, strings.Join(known, ", "))
		if division == "" {
			msg = "is missing; give one of gov.uk's divisions (" + strings.Join(known, ", ") + ")"
		}
		return nil, &ValidationError{Field: "division", Message: msg}
	}
	if !json.Valid(data) || len(bytes.TrimSpace(data)) == 0 || bytes.TrimSpace(data)[0] != '{' {
		return nil, &ValidationError{Field: "feed", Message: "is not gov.uk's bank-holidays.json: it is not a JSON object"}
	}
	feed, err := ParseGovUKBankHolidays(bytes.NewReader(data))
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "read gov.uk bank holidays: ")
		return nil, &ValidationError{Field: "feed", Message: "is not gov.uk's bank-holidays.json: " + msg}
	}
	if !slices.ContainsFunc(known, func(d string) bool { _, ok := feed[d]; return ok }) {
		return nil, &ValidationError{Field: "feed", Message: "is not gov.uk's bank-holidays.json: it has none of gov.uk's divisions (" + strings.Join(known, ", ") + ")"}
	}
	hs := feed[division]
	if len(hs) == 0 {
		return nil, &ValidationError{Field: "division", Message: fmt.Sprintf("the feed has no bank holidays for %q", division)}
	}
	return hs, nil
}
