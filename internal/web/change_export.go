package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// changeExportHeader names the portfolio export's columns. Money is in
// pounds (a plain number), calendar dates are ISO 8601 (2026-11-29) and
// instants RFC 3339 in UTC.
var changeExportHeader = []string{"id", "ref", "kind", "subtype", "title", "organisation_id", "organisation", "requester",
	"provider_id", "provider", "assignee", "service", "major", "state", "rag", "rag_reason", "approved_budget_gbp",
	"actual_cost_gbp", "cost_variance_gbp", "committed_date", "forecast_date", "actual_date", "days_variance",
	"target_release", "window_start", "window_end", "created_at", "updated_at"}

// changeExportMax bounds a workbook, which is built in memory; the CSV
// export streams every matching change.
const changeExportMax = itsm.ChangeTotalCap

// changeExportRow is one change as the export's cells: numbers as
// numbers, absent values as nil.
func changeExportRow(v changeView) []any {
	c := v.ChangeRequest
	var budget, variance, days any
	if c.ApprovedBudget != nil {
		budget = penceNumber(*c.ApprovedBudget)
	}
	vr := c.Variance()
	if vr.Cost != nil {
		variance = penceNumber(*vr.Cost)
	}
	if vr.Days != nil {
		days = *vr.Days
	}
	var provider any
	if c.ProviderID != nil {
		provider = *c.ProviderID
	}
	return []any{c.ID, c.Ref, string(c.Kind), string(c.Subtype), c.Title, c.OrgID, c.OrgName, c.Requester,
		provider, c.Provider, c.Assignee, c.Service, c.Major, string(c.State), string(v.RAG()), v.RAGReason(), budget,
		penceNumber(c.ActualCost), variance, isoDate(c.CommittedDate), isoDate(c.ForecastDate), isoDate(c.ActualDate), days,
		c.TargetRelease, instant(c.WindowStart), instant(c.WindowEnd), c.CreatedAt.UTC(), c.UpdatedAt.UTC()}
}

// penceNumber is an amount in pounds as a number for a spreadsheet.
func penceNumber(p int64) float64 { return float64(p) / 100 }

func isoDate(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02")
}

func instant(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// csvCells turns an export row into CSV text: money with two decimals,
// instants RFC 3339 in UTC.
func csvCells(row []any) []string {
	out := make([]string, len(row))
	for i, v := range row {
		switch v := v.(type) {
		case nil:
			out[i] = ""
		case string:
			out[i] = v
		case float64:
			out[i] = strconv.FormatFloat(v, 'f', 2, 64)
		case time.Time:
			out[i] = csvTime(v)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}

// changeExportFilter reads the portfolio's filters for an export.
func (s *Server) changeExportFilter(r *http.Request) (itsm.ChangeFilter, error) {
	if err := s.changesConfigured(); err != nil {
		return itsm.ChangeFilter{}, err
	}
	a := itsm.ActorFromContext(r.Context())
	if err := canBrowseChanges(a); err != nil {
		return itsm.ChangeFilter{}, err
	}
	sc, err := s.changeScopeOf(r, a)
	if err != nil {
		return itsm.ChangeFilter{}, err
	}
	q := newListQuery(r.URL.Query())
	f := changeFilter(q, sc)
	return f, q.err()
}

// changeCSV exports every change matching the portfolio's filters, in
// pages, so that a large portfolio streams.
func (s *Server) changeCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := s.changeExportFilter(r)
	if err != nil {
		return err
	}
	f.Limit = 500
	changes, _, err := s.svc.Changes.ListChanges(ctx, f)
	if err != nil {
		return err
	}
	today := itsm.ChangeToday(s.now())
	out := newCSV(w, "changes.csv")
	_ = out.Write(changeExportHeader...)
	writePages(s, ctx, out, "changes", changes, f.Limit, func(n int) ([]*itsm.ChangeRequest, error) {
		f.Offset += n
		page, _, err := s.svc.Changes.ListChanges(ctx, f)
		return page, err
	}, func(c *itsm.ChangeRequest) []string {
		return csvCells(changeExportRow(changeView{c, today}))
	})
	return nil
}

// changeXLSX exports the changes matching the portfolio's filters as an
// Excel workbook (up to changeExportMax of them, which the page says).
func (s *Server) changeXLSX(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := s.changeExportFilter(r)
	if err != nil {
		return err
	}
	today := itsm.ChangeToday(s.now())
	var rows [][]any
	f.Limit = 500
	for len(rows) < changeExportMax {
		changes, _, err := s.svc.Changes.ListChanges(ctx, f)
		if err != nil {
			return err
		}
		for _, c := range changes {
			if len(rows) < changeExportMax {
				rows = append(rows, changeExportRow(changeView{c, today}))
			}
		}
		if len(changes) < f.Limit {
			break
		}
		f.Offset += len(changes)
	}
	var buf bytes.Buffer
	if err := report.WriteXLSX(&buf, "Changes", changeExportHeader, rows); err != nil {
		return fmt.Errorf("write the change portfolio as XLSX: %w", err)
	}
	httpx.ServeDownload(w, r, "changes.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "", buf.Bytes())
	return nil
}
