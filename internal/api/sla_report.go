package api

import (
	"net/http"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// slaReportShape is the SLA compliance report as the API gives it: the
// months asked for, as YYYY-MM, and the report's rows in reading order.
type slaReportShape struct {
	From string `json:"from"`
	To   string `json:"to"`
	*itsm.SLAReport
}

// getSLAReport is the monthly SLA compliance report the web page, CSV and
// XLSX show: ?from=2026-01&to=2026-06 (whole months, both included; the
// last six months, this one included, when absent), and optionally
// provider_id, organisation_id, priority and type. The store keeps a
// customer to its own organisation and a provider to the tickets escalated
// to it; asking for another's is a 404.
func (a *API) getSLAReport(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "from", "to", "provider_id", "organisation_id", "priority", "type")
	if err != nil {
		return err
	}
	thisMonth := itsm.MonthStart(a.clock())
	f := itsm.SLAReportFilter{From: itsm.AddMonths(thisMonth, -5), To: itsm.AddMonths(thisMonth, 1)}
	if s, ok := q.get("from"); ok {
		if m, err := itsm.ParseMonth(s); err != nil {
			q.v.Add("from", "Give from as a month, such as 2026-01.")
		} else {
			f.From = m
		}
	}
	if s, ok := q.get("to"); ok {
		if m, err := itsm.ParseMonth(s); err != nil {
			q.v.Add("to", "Give to as a month, such as 2026-06; it is included.")
		} else {
			f.To = itsm.AddMonths(m, 1)
		}
	}
	f.ProviderID, f.OrgID = q.id("provider_id"), q.id("organisation_id")
	f.Priority = q.oneOf("priority", itsm.ValidPriority, "P1, P2, P3 or P4")
	if t := q.oneOf("type", func(s string) bool { return itsm.TicketType(s).Valid() }, "incident or request"); t != nil {
		tt := itsm.TicketType(*t)
		f.Type = &tt
	}
	if err := q.err(); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	rep, err := a.svc.Reports.SLAReport(r.Context(), f)
	if err != nil {
		return err
	}
	// Instants in the API are UTC; a month starts at midnight UK time.
	rep.AsAt = rep.AsAt.UTC()
	for i := range rep.Months {
		rep.Months[i] = rep.Months[i].UTC()
	}
	for i := range rep.Rows {
		if !rep.Rows[i].Month.IsZero() {
			rep.Rows[i].Month = rep.Rows[i].Month.UTC()
		}
	}
	writeJSON(w, http.StatusOK, slaReportShape{From: month(f.From), To: month(itsm.AddMonths(f.To, -1)), SLAReport: rep})
	return nil
}

func month(t time.Time) string { return t.In(itsm.ReportLocation()).Format("2006-01") }
