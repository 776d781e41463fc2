// Package report renders Steward's reports and lists for people to take
// away: CSV and XLSX exports and SVG charts. It is pure rendering: it takes
// domain values (package itsm) and writes bytes, and never reads the store.
//
// Conventions, from the product's: instants in exports are RFC 3339 in UTC;
// months are ISO 8601 ("2026-01"); numbers are plain (no thousands
// separators, no unit signs) in CSV and properly formatted numbers, not
// text, in XLSX; text cells a spreadsheet would run as a formula are made
// inert.
package report

import (
	"encoding/csv"
	"io"
	"time"
)

// WriteCSV writes a header row and rows as RFC 4180 CSV, each cell made
// safe with SafeCell. Rows may be shorter or longer than the header.
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	safe := make([]string, 0, len(header))
	write := func(cells []string) error {
		safe = safe[:0]
		for _, c := range cells {
			safe = append(safe, SafeCell(c))
		}
		return cw.Write(safe)
	}
	if err := write(header); err != nil {
		return err
	}
	for _, r := range rows {
		if err := write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SafeCell guards a CSV cell against formula injection: text a spreadsheet
// would evaluate (starting with =, +, -, @, a tab or a carriage return) gets
// a leading single quote, so that a ticket titled "=HYPERLINK(…)" stays
// text. A plain signed number ("-12", "+3.5") is left alone: a spreadsheet
// reads it as the number it is, and nothing runs.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if plainNumber(s[1:]) {
			return s
		}
		return "'" + s
	}
	return s
}

// plainNumber reports whether s is digits with at most one decimal point.
func plainNumber(s string) bool {
	digits, points := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}

// Time formats an instant for a CSV export: RFC 3339 in UTC, "" when zero.
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ISOMonth formats the calendar month of t's wall clock as "2026-01", ""
// when zero. Give it a month start in the zone the month is counted in.
func ISOMonth(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01")
}
