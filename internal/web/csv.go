package web

import (
	"encoding/csv"
	"net/http"
	"time"
)

// csvWriter writes an export. Cells that a spreadsheet would read as a
// formula (starting = + - @, or a tab or carriage return) get a leading
// single quote, so that a name like "=HYPERLINK(…)" stays text.
type csvWriter struct {
	w *csv.Writer
}

// newCSV starts a CSV download named filename.
func newCSV(w http.ResponseWriter, filename string) *csvWriter {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return &csvWriter{w: csv.NewWriter(w)}
}

// Write writes one row.
func (c *csvWriter) Write(cells ...string) error {
	row := make([]string, len(cells))
	for i, s := range cells {
		row[i] = csvSafe(s)
	}
	return c.w.Write(row)
}

// Flush ends the export.
func (c *csvWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// csvTime is an export's time: RFC 3339 in UTC.
func csvTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// csvTimeOr is an optional export time, empty when unset.
func csvTimeOr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}
