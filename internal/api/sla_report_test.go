package api

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestSLAReportAPI: the report's JSON has the web report's figures; a
// customer sees its own organisation only, and every mistake in the query
// is named.
func TestSLAReportAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		ag := &itsm.ServiceAgreement{Name: "Help desk", ProviderID: fx.Provider.ID, EffectiveFrom: db.Now().AddDate(-1, 0, 0),
			Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
		if err := db.CreateAgreement(storetest.As(fx.Manager), ag); err != nil {
			t.Fatal(err)
		}
		a, err := db.CreateTicket(storetest.As(fx.CustomerUserA), itsm.NewTicket{Title: "Orders stuck", Description: "Since 09:00", Impact: itsm.Medium, Urgency: itsm.Medium})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateTicket(storetest.As(fx.CustomerUserB), itsm.NewTicket{Title: "Invoices rejected", Description: "All of them", Impact: itsm.High, Urgency: itsm.High}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddComment(storetest.As(fx.Agent), a.ID, itsm.Comment{Body: "Looking at it now."}); err != nil {
			t.Fatal(err)
		}
		var rep slaReportShape
		e.get(t, fx.Agent, "/api/v1/reports/sla").MustStatus(t, http.StatusOK).MustDecode(t, &rep)
		if len(rep.Months) != 6 || len(rep.Rows) == 0 || rep.To != month(db.Now()) {
			t.Fatalf("default report: from %s to %s, %d months, %d rows", rep.From, rep.To, len(rep.Months), len(rep.Rows))
		}
		for _, m := range rep.Months {
			if m.Location() != time.UTC || !itsm.MonthStart(m).Equal(m) {
				t.Errorf("month %v is not a month's start in UTC", m)
			}
		}
		overall := rep.Rows[len(rep.Rows)-1]
		if overall.Level != itsm.SLAOverallRow || overall.Responses != 1 || overall.ResponsesMet != 1 {
			t.Errorf("overall row %+v, want the one response, met", overall)
		}
		// Customer A: its own organisation's rows only; B's is not found.
		e.get(t, fx.CustomerUserA, "/api/v1/reports/sla").MustStatus(t, http.StatusOK).MustDecode(t, &rep)
		for _, row := range rep.Rows {
			if row.Level == itsm.SLAGroupRow && row.OrgID != fx.CustomerA.ID {
				t.Errorf("customer A sees a row of organisation %d", row.OrgID)
			}
		}
		e.get(t, fx.CustomerUserA, "/api/v1/reports/sla?organisation_id="+strconv.FormatInt(fx.CustomerB.ID, 10)).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, nil, "/api/v1/reports/sla").MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		// Mistakes are named.
		for q, field := range map[string]string{
			"from=2026-13":            "from",
			"to=June":                 "to",
			"from=2026-06&to=2026-01": "to",
			"from=2020-01&to=2026-01": "to",
			"priority=P9":             "priority",
			"type=problem":            "type",
			"provider_id=x":           "provider_id",
			"colour=red":              "colour",
		} {
			e.get(t, fx.Agent, "/api/v1/reports/sla?"+q).MustField(t, field)
		}
	})
}
