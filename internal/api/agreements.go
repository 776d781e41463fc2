package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// agreementCreate is the body of POST /api/v1/agreements. The calendar has
// the SLA simulator's shape, so a calendar tried in the simulator can be
// pasted into an agreement as it is.
type agreementCreate struct {
	Name          string                 `json:"name"`
	ProviderID    int64                  `json:"provider_id"`
	CustomerID    *int64                 `json:"customer_id"`
	EffectiveFrom string                 `json:"effective_from"`
	Calendar      itsm.CalendarSpec      `json:"calendar"`
	Targets       map[string]itsm.Target `json:"targets"`
	PauseStatuses []string               `json:"pause_statuses"`
	WarnFractions []float64              `json:"warn_fractions"`
	// BankHolidays adds one division of gov.uk's bank-holidays.json to
	// the calendar's holidays.
	BankHolidays *bankHolidays `json:"bank_holidays"`
}

// bankHolidays is gov.uk's bank-holidays.json, as published at
// https://www.gov.uk/bank-holidays.json, and the division to take from it.
// The feed is gov.uk's, so it is read as gov.uk writes it: fields Steward
// does not use are ignored.
type bankHolidays struct {
	Division string          `json:"division"`
	Feed     json.RawMessage `json:"feed"`
}

// listAgreements serves GET /api/v1/agreements: newest in force first.
// Customers read the general agreements and their own; providers theirs.
func (a *API) listAgreements(w http.ResponseWriter, r *http.Request) error {
	p, err := listPaging(r)
	if err != nil {
		return err
	}
	agreements, err := a.svc.Agreements.FindAgreements(r.Context())
	if err != nil {
		return err
	}
	writeList(w, agreements, p)
	return nil
}

// getAgreement serves GET /api/v1/agreements/{id}.
func (a *API) getAgreement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "service agreement")
	if err != nil {
		return err
	}
	ag, err := a.svc.Agreements.FindAgreementByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, ag.Version, ag)
	return nil
}

// createAgreement serves POST /api/v1/agreements (programme managers and
// administrators). An agreement never changes once made: a change is a new
// agreement, effective from a later date, and tickets keep the agreement
// they were raised under.
func (a *API) createAgreement(w http.ResponseWriter, r *http.Request) error {
	var in agreementCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.CustomerID != nil && *in.CustomerID < 1 {
		return fieldError("customer_id", "Give customer_id as the ID of a customer organisation, or leave it out for every customer.")
	}
	ag := &itsm.ServiceAgreement{Name: in.Name, ProviderID: in.ProviderID, CustomerID: in.CustomerID, Calendar: in.Calendar,
		Targets: in.Targets, PauseStatuses: in.PauseStatuses, WarnFractions: in.WarnFractions}
	if in.EffectiveFrom != "" {
		t, err := time.Parse(time.RFC3339, in.EffectiveFrom)
		if err != nil {
			return fieldError("effective_from", "Give effective_from as an RFC 3339 date and time, such as 2026-04-01T00:00:00+01:00.")
		}
		ag.EffectiveFrom = t.UTC().Truncate(time.Microsecond) // as stored
	}
	if in.BankHolidays != nil {
		if len(in.BankHolidays.Feed) == 0 {
			return fieldError("bank_holidays.feed", "bank_holidays.feed is missing; give the JSON object published at https://www.gov.uk/bank-holidays.json.")
		}
		if err := itsm.ApplyBankHolidays(&ag.Calendar, in.BankHolidays.Feed, in.BankHolidays.Division); err != nil {
			return slaInputError(err)
		}
	}
	for i, s := range in.PauseStatuses {
		if st := itsm.TicketStatus(s); !st.Valid() || !st.Open() {
			field := fmt.Sprintf("pause_statuses[%d]", i)
			return fieldError(field, fmt.Sprintf("%s: %q is not a status a ticket waits in; choose from new, assigned, in progress, pending customer or pending provider.", field, s))
		}
	}
	// The calendar and targets are checked here, before the service, to
	// answer with the SLA engine's field names in whole sentences. Missing
	// targets are left to the service, which names each priority missing.
	if len(ag.Targets) > 0 {
		p, err := ag.Policy()
		if err == nil {
			err = p.ValidateLimits()
		}
		if err != nil {
			return slaInputError(err)
		}
	}
	if err := a.svc.Agreements.CreateAgreement(r.Context(), ag); err != nil {
		return err
	}
	// Read it back: the answer shows the agreement as stored, defaults
	// applied.
	created, err := a.svc.Agreements.FindAgreementByID(r.Context(), ag.ID)
	if err != nil {
		return fmt.Errorf("read back agreement %d: %w", ag.ID, err)
	}
	w.Header().Set("Location", "/api/v1/agreements/"+strconv.FormatInt(created.ID, 10))
	writeRecord(w, http.StatusCreated, created.Version, created)
	return nil
}
