package itsm

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/sla"
)

// ServiceAgreement is a help desk service agreement: per provider, and
// optionally per customer, the calendar business time is counted in, the
// response and resolution targets per priority, the statuses that pause the
// clocks and when to warn. Agreements are effective-dated: a ticket keeps
// the agreement in force when it was created.
type ServiceAgreement struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	ProviderID int64  `json:"provider_id"`
	// CustomerID, when set, makes this agreement apply to that customer's
	// tickets only, in preference to the provider's general agreement.
	CustomerID    *int64            `json:"customer_id"`
	EffectiveFrom time.Time         `json:"effective_from"`
	Calendar      CalendarSpec      `json:"calendar"`
	Targets       map[string]Target `json:"targets"`
	PauseStatuses []string          `json:"pause_statuses"`
	WarnFractions []float64         `json:"warn_fractions"`
	Version       int64             `json:"version"`
	CreatedAt     time.Time         `json:"created_at"`
}

// Target is a priority's response and resolution targets, written as Go
// durations of business time ("30m", "4h", "36h").
type Target = sla.SimulationTarget

// CalendarSpec describes a business-hours calendar as stored and sent over
// the API: the same shape as the SLA simulator's input.
type CalendarSpec = sla.SimulationCalendar

// OfficeHoursSpec is Monday to Friday, 09:00–17:00 in Europe/London with
// Scotland's bank holidays: the usual help desk calendar.
func OfficeHoursSpec() CalendarSpec {
	day := [][]string{{"09:00", "17:00"}}
	return CalendarSpec{Timezone: DefaultTimeZone, HolidaySet: "scotland",
		Week: sla.SimulationWeek{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day}}
}

// DefaultTargets are typical help desk targets.
func DefaultTargets() map[string]Target {
	return map[string]Target{
		"P1": {Response: "30m", Resolution: "4h"},
		"P2": {Response: "1h", Resolution: "8h"},
		"P3": {Response: "4h", Resolution: "24h"},
		"P4": {Response: "8h", Resolution: "40h"},
	}
}

// Policy builds the SLA policy of the agreement.
func (a *ServiceAgreement) Policy() (sla.Policy, error) {
	cal, err := a.Calendar.Build()
	if err != nil {
		return sla.Policy{}, err
	}
	targets := sla.Targets{}
	for p, t := range a.Targets {
		r, err := time.ParseDuration(t.Response)
		if err != nil {
			return sla.Policy{}, &sla.ValidationError{Field: "targets." + p + ".response", Message: fmt.Sprintf("%q is not a duration such as 30m or 4h", t.Response)}
		}
		s, err := time.ParseDuration(t.Resolution)
		if err != nil {
			return sla.Policy{}, &sla.ValidationError{Field: "targets." + p + ".resolution", Message: fmt.Sprintf("%q is not a duration such as 4h or 36h", t.Resolution)}
		}
		targets[p] = sla.Target{Response: r, Resolution: s}
	}
	p := sla.Policy{Calendar: cal, Targets: targets, PauseStatuses: a.PauseStatuses, WarnFractions: a.WarnFractions}
	return p, p.Validate()
}

// Validate checks an agreement.
func (a *ServiceAgreement) Validate() error {
	var v Validation
	a.Name = strings.TrimSpace(a.Name)
	v.Check(a.Name != "", "name", "Enter the agreement's name.")
	v.Check(utf8.RuneCountInString(a.Name) <= 200 && !HasControl(a.Name), "name", "The name must be 200 characters or fewer.")
	v.Check(a.ProviderID > 0, "provider_id", "Choose the provider the agreement binds.")
	v.Check(!a.EffectiveFrom.IsZero(), "effective_from", "Enter the date the agreement takes effect.")
	for _, p := range Priorities {
		if _, ok := a.Targets[p]; !ok {
			v.Add("targets."+p, fmt.Sprintf("Give response and resolution targets for %s.", p))
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	p, err := a.Policy()
	if err == nil {
		err = p.ValidateLimits()
	}
	if err != nil {
		return SLAError(err)
	}
	return nil
}

// SLAError turns an SLA validation error into an EINVALID domain error
// naming the field.
func SLAError(err error) error {
	if ve, ok := err.(*sla.ValidationError); ok {
		return &Error{Code: EINVALID, Message: ve.Error(), Fields: map[string]string{ve.Field: ve.Message}}
	}
	return err
}

// AgreementService manages service agreements.
type AgreementService interface {
	FindAgreements(ctx context.Context) ([]*ServiceAgreement, error)
	FindAgreementByID(ctx context.Context, id int64) (*ServiceAgreement, error)
	// CreateAgreement adds an agreement (managers and administrators).
	CreateAgreement(ctx context.Context, a *ServiceAgreement) error
}
