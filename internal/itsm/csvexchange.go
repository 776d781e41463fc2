package itsm

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"
)

// CSVKind names what a CSV file exchanges.
type CSVKind string

// The kinds of record that can be imported and exported.
const (
	CSVOrganisations CSVKind = "organisations"
	CSVUsers         CSVKind = "users"
	CSVIntegrations  CSVKind = "integrations"
)

// CSVKinds lists them in the order pages offer them.
var CSVKinds = []CSVKind{CSVOrganisations, CSVUsers, CSVIntegrations}

// Valid reports whether k is a known kind.
func (k CSVKind) Valid() bool { return slices.Contains(CSVKinds, k) }

// Label is the kind as a person reads it.
func (k CSVKind) Label() string {
	switch k {
	case CSVOrganisations:
		return "Organisations"
	case CSVUsers:
		return "People (user accounts)"
	case CSVIntegrations:
		return "Integration register"
	}
	return string(k)
}

// Columns are the kind's CSV columns, the same for import and export. The
// first columns are the key that matches a line to an existing record:
// an organisation's name, a person's email, an interface's organisation
// and name.
func (k CSVKind) Columns() []string {
	switch k {
	case CSVOrganisations:
		return []string{"name", "kind", "time_zone", "active"}
	case CSVUsers:
		return []string{"email", "name", "organisation", "role", "status"}
	case CSVIntegrations:
		return []string{"organisation", "name", "system", "vendor", "system_version", "direction", "format", "transport",
			"schedule", "environments", "status", "contacts", "documents", "notes"}
	}
	return nil
}

// RequiredColumns are the columns an import file must have; the others
// take their defaults (or, for an existing record, keep their values).
func (k CSVKind) RequiredColumns() []string {
	switch k {
	case CSVOrganisations:
		return []string{"name", "kind"}
	case CSVUsers:
		return []string{"email", "name", "organisation", "role"}
	case CSVIntegrations:
		return []string{"organisation", "name", "system", "direction", "format", "transport"}
	}
	return nil
}

// MaxImportRows is the most data lines one import may hold.
const MaxImportRows = 10000

// CSVRow is one data line of an import file: its line number in the file
// (the header is line 1) and its cells by column name. Columns the file does
// not have are absent from Values.
type CSVRow struct {
	Line   int
	Values map[string]string
}

// Has reports whether the file has the column.
func (r CSVRow) Has(col string) bool { _, ok := r.Values[col]; return ok }

// ImportLineError is one problem with an import file: the line, the column
// ("" for the whole line) and a sentence.
type ImportLineError struct {
	Line    int    `json:"line"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// ImportReport says what an import did or, on a dry run or when any line is
// wrong, would have done. Nothing is written unless Applied.
type ImportReport struct {
	Kind      CSVKind           `json:"kind"`
	DryRun    bool              `json:"dry_run"`
	Applied   bool              `json:"applied"`
	Rows      int               `json:"rows"`
	Created   int               `json:"created"`
	Updated   int               `json:"updated"`
	Unchanged int               `json:"unchanged"`
	Errors    []ImportLineError `json:"errors"`
}

// Add records a problem with a line.
func (r *ImportReport) Add(line int, column, message string) {
	r.Errors = append(r.Errors, ImportLineError{Line: line, Column: column, Message: message})
}

// ParseCSV reads an import file of the kind: a header line naming columns
// (in any order, case-insensitive), then data lines. A byte-order mark is
// ignored; a cell a previous export guarded against formula injection (a
// leading ' before = + - @) is read back as it was. Problems with the file
// as a whole are an EINVALID error; problems with a line are in the
// returned report, which the caller completes.
func ParseCSV(kind CSVKind, r io.Reader) ([]CSVRow, *ImportReport, error) {
	if !kind.Valid() {
		return nil, nil, &Error{Code: EINVALID, Message: "Choose what the file holds: organisations, users or integrations.", Fields: map[string]string{"kind": "Choose organisations, users or integrations."}}
	}
	rep := &ImportReport{Kind: kind, Errors: []ImportLineError{}}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, fileErr("The file is empty. It needs a header line naming the columns, then one line per record.")
	} else if err != nil {
		return nil, nil, fileErr(csvErrSentence(err))
	}
	cols := make([]string, len(header))
	known := kind.Columns()
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		cols[i] = h
		switch {
		case h == "":
			rep.Add(1, "", fmt.Sprintf("Column %d has no name in the header line.", i+1))
		case !slices.Contains(known, h):
			rep.Add(1, h, fmt.Sprintf("%q is not a column of a %s file; the columns are %s.", h, kind, strings.Join(known, ", ")))
		case slices.Index(cols, h) < i:
			rep.Add(1, h, fmt.Sprintf("The column %q appears twice in the header line.", h))
		}
	}
	for _, req := range kind.RequiredColumns() {
		if !slices.Contains(cols, req) {
			rep.Add(1, req, fmt.Sprintf("The header line has no %q column, which a %s file needs.", req, kind))
		}
	}
	if len(rep.Errors) > 0 {
		return nil, rep, nil
	}
	var rows []CSVRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Add(pe.StartLine, "", csvErrSentence(err))
				return nil, rep, nil
			}
			return nil, nil, fmt.Errorf("read CSV: %w", err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rows) == MaxImportRows {
			return nil, nil, fileErr(fmt.Sprintf("The file has more than %d lines; split it into smaller files.", MaxImportRows))
		}
		row := CSVRow{Line: line, Values: map[string]string{}}
		if len(rec) != len(cols) {
			rep.Add(line, "", fmt.Sprintf("The line has %d cells but the header names %d columns.", len(rec), len(cols)))
			continue
		}
		for i, v := range rec {
			if !utf8.ValidString(v) {
				rep.Add(line, cols[i], "The cell is not valid UTF-8 text; save the file as CSV UTF-8.")
			}
			row.Values[cols[i]] = unguard(strings.TrimSpace(v))
		}
		rows = append(rows, row)
	}
	rep.Rows = len(rows)
	if len(rows) == 0 && len(rep.Errors) == 0 {
		return nil, nil, fileErr("The file has a header line but no records.")
	}
	return rows, rep, nil
}

func fileErr(msg string) error {
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
}

func csvErrSentence(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			return fmt.Sprintf("Line %d has a quotation mark in the wrong place; a cell with quotes must be wholly quoted, with inner quotes doubled.", pe.StartLine)
		}
		return fmt.Sprintf("Line %d could not be read as CSV.", pe.StartLine)
	}
	return "The file could not be read as CSV."
}

// unguard undoes an export's formula-injection guard.
func unguard(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@", rune(s[1])) {
		return s[1:]
	}
	return s
}

// ParseBool reads yes/no, true/false, 1/0 in a CSV cell.
func ParseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "1", "y":
		return true, true
	case "no", "false", "0", "n":
		return false, true
	}
	return false, false
}

// SplitList splits a "a; b; c" cell.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// FormatContacts writes contacts as one cell: "Name <email> (role); …".
func FormatContacts(cs []IntegrationContact) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		s := c.Name
		if c.Email != "" {
			s += " <" + c.Email + ">"
		}
		if c.Role != "" {
			s += " (" + c.Role + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// ParseContacts reads a cell written by FormatContacts.
func ParseContacts(s string) ([]IntegrationContact, error) {
	var out []IntegrationContact
	for _, p := range SplitList(s) {
		var c IntegrationContact
		if i := strings.LastIndex(p, "("); i >= 0 && strings.HasSuffix(p, ")") {
			c.Role = strings.TrimSpace(p[i+1 : len(p)-1])
			p = strings.TrimSpace(p[:i])
		}
		if i := strings.Index(p, "<"); i >= 0 {
			addr, err := mail.ParseAddress(p)
			if err != nil || !strings.HasSuffix(p, ">") {
				return nil, fmt.Errorf("write each contact as Name <email> (role), separated by semicolons")
			}
			c.Email, c.Name = addr.Address, strings.TrimSpace(p[:i])
		} else {
			c.Name = p
		}
		out = append(out, c)
	}
	return out, nil
}

// OrganisationCSVRow is an organisation's export line.
func OrganisationCSVRow(o *Organisation) []string {
	return []string{o.Name, string(o.Kind), o.TimeZone, yesNo(o.Active)}
}

// UserCSVRow is a person's export line.
func UserCSVRow(u *User) []string {
	return []string{u.Email, u.Name, u.OrgName, string(u.Role), string(u.Status)}
}

// IntegrationCSVRow is a register entry's export line.
func IntegrationCSVRow(g *Integration) []string {
	return []string{g.OrgName, g.Name, g.System, g.Vendor, g.SysVersion, g.Direction, g.Format, g.Transport,
		g.Schedule, strings.Join(g.Environments, "; "), g.Status, FormatContacts(g.Contacts), strings.Join(g.Documents, "; "), g.Notes}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// ExchangeService imports and exports CSV files. Imports are all or nothing:
// every line is checked (as the caller, with the caller's permissions) in
// one transaction, which commits only when no line has a problem and it is
// not a dry run. Exports hold exactly what the caller may see.
type ExchangeService interface {
	ImportCSV(ctx context.Context, kind CSVKind, rows []CSVRow, dryRun bool) (*ImportReport, error)
	// ExportCSV returns the kind's columns and one line per visible record.
	ExportCSV(ctx context.Context, kind CSVKind) ([][]string, error)
}
