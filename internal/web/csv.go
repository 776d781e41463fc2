package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
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

// rowWriter is a CSV export: plain or with every cell guarded.
type rowWriter interface {
	Write(cells ...string) error
	Flush() error
}

// writePages writes an export page by page: the rows of first, then of each
// page next returns (next is told how many records the last page held, to
// move its offset on) until one comes back empty or, when limit is set,
// short. row may return nil to leave a record out. The status has been
// sent by then, so a failure is logged and said in the file itself, and a
// client that goes away ends the export quietly.
func writePages[T any](s *Server, ctx context.Context, out rowWriter, what string, first []T, limit int, next func(n int) ([]T, error), row func(T) []string) {
	for page := first; len(page) > 0; {
		for _, v := range page {
			if cells := row(v); cells != nil {
				if err := out.Write(cells...); err != nil {
					return // the client went away
				}
			}
		}
		if limit > 0 && len(page) < limit {
			break
		}
		var err error
		if page, err = next(len(page)); err != nil {
			s.log.ErrorContext(ctx, "export "+what, "request_id", httpx.RequestID(ctx), "error", err)
			_ = out.Write("The export stopped early because of an internal error. Download it again.")
			break
		}
	}
	_ = out.Flush()
}
