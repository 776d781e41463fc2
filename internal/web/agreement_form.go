package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// agreementFormPage adds a service agreement. An agreement never changes
// once made: a change is a new agreement effective from a later date.
type agreementFormPage struct {
	basePage
	Name, Provider, Customer, EffectiveFrom string
	TimeZone, HolidaySet, ExtraHolidays     string
	WarnPercentages, BankHolidaysDivision   string
	Providers, Customers, HolidaySets       []option
	Divisions                               []option
	AllDay, PauseStatuses                   checkboxGroup
	Week, Targets                           []inputGroup
}

// agreementFields are the form's inputs in order, for the error summary.
func agreementFields() []string {
	out := []string{"name", "provider_id", "customer_id", "effective_from", "time_zone", "all_day"}
	out = append(out, weekFieldIDs()...)
	out = append(out, "holiday_set", "extra_holidays", "bank_holidays_file", "bank_holidays_division")
	out = append(out, targetFieldIDs()...)
	return append(out, "pause_statuses", "warn_percentages")
}

// pauseStatusOptions are the statuses a ticket can wait in.
func pauseStatusOptions() []option {
	var out []option
	for _, s := range itsm.TicketStatuses {
		if s.Open() {
			out = append(out, option{Value: string(s), Label: s.Label()})
		}
	}
	return out
}

func canCreateAgreements(a *itsm.Actor) error {
	if !a.CanManageOrgs() {
		return forbidden("Only managers and administrators can add service agreements.")
	}
	return nil
}

// agreementInput is what the form holds, as typed.
type agreementInput struct {
	name, provider, customer, effectiveFrom, timeZone string
	holidaySet, extraHolidays, warnPercentages        string
	division                                          string
	allDay                                            bool
	hours                                             weekHours
	targets                                           targetValues
	pause                                             []string
	// feed is the gov.uk bank-holidays.json file chosen, if any; feedErr
	// says why it could not be taken.
	feed    []byte
	feedErr error
}

func readAgreementForm(form url.Values) agreementInput {
	return agreementInput{
		name: strings.TrimSpace(form.Get("name")), provider: form.Get("provider_id"), customer: form.Get("customer_id"),
		effectiveFrom: strings.TrimSpace(form.Get("effective_from")), timeZone: strings.TrimSpace(form.Get("time_zone")),
		holidaySet: form.Get("holiday_set"), extraHolidays: form.Get("extra_holidays"), warnPercentages: strings.TrimSpace(form.Get("warn_percentages")),
		allDay: form.Get("all_day") == "yes", hours: readWeekHours(form), targets: readTargets(form), pause: form["pause_statuses"],
		division: form.Get("bank_holidays_division"),
	}
}

// divisionOptions are the divisions of gov.uk's bank-holidays.json.
func divisionOptions() []option {
	var out []option
	for _, d := range itsm.BankHolidayDivisions() {
		out = append(out, option{Value: d[0], Label: d[1]})
	}
	return out
}

func divisionLabel(division string) string {
	for _, d := range itsm.BankHolidayDivisions() {
		if d[0] == division {
			return d[1]
		}
	}
	return division
}

// bankHolidaysFile reads the gov.uk bank-holidays.json chosen on the form:
// nil when none was chosen. The file is never stored, so only its size is
// checked here; sla.GovUKDivisionHolidays judges the rest.
func bankHolidaysFile(r *http.Request) ([]byte, error) {
	const field = "bank_holidays_file"
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return nil, nil
	}
	files := r.MultipartForm.File[field]
	switch {
	case len(files) > 1:
		return nil, fieldErr(field, "Choose one bank holidays file.")
	case files[0].Size > itsm.MaxBankHolidaysFile:
		return nil, fieldErr(field, "The bank holidays file must be smaller than 1 MB: gov.uk’s bank-holidays.json is about 20 KB.")
	case files[0].Size == 0:
		return nil, fieldErr(field, "The bank holidays file you chose is empty. Choose the bank-holidays.json file downloaded from www.gov.uk/bank-holidays.json.")
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, fmt.Errorf("open uploaded bank holidays file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, itsm.MaxBankHolidaysFile))
	if err != nil {
		return nil, fmt.Errorf("read uploaded bank holidays file: %w", err)
	}
	return data, nil
}

func (s *Server) agreementFormPage(w http.ResponseWriter, r *http.Request, in agreementInput) (*agreementFormPage, error) {
	providers, err := s.orgsOfKind(r, itsm.OrgProvider)
	if err != nil {
		return nil, err
	}
	customers, err := s.orgsOfKind(r, itsm.OrgCustomer)
	if err != nil {
		return nil, err
	}
	p := &agreementFormPage{basePage: s.newPage(w, r, "Add a service agreement"),
		Providers: slices.Concat([]option{{Value: "", Label: "Choose a provider"}}, providers),
		Customers: withAll("Every customer (a general agreement)", customers), HolidaySets: holidaySetOptions(), Divisions: divisionOptions()}
	p.BackHref = "/agreements"
	p.Name, p.Provider, p.Customer, p.EffectiveFrom, p.TimeZone = in.name, in.provider, in.customer, in.effectiveFrom, in.timeZone
	p.HolidaySet, p.ExtraHolidays, p.WarnPercentages, p.BankHolidaysDivision = in.holidaySet, in.extraHolidays, in.warnPercentages, in.division
	return p, nil
}

// finish lays out the grouped inputs, after any errors are set.
func (p *agreementFormPage) finish(in agreementInput) {
	p.AllDay = allDayGroup(&p.basePage, in.allDay)
	p.PauseStatuses = newCheckboxGroup(&p.basePage, "pause_statuses", "Statuses that pause the clocks",
		"Time a ticket spends in these statuses does not count towards its targets.", pauseStatusOptions(), in.pause)
	p.Week = in.hours.groups(&p.basePage)
	p.Targets = in.targets.groups(&p.basePage)
}

// agreementNewForm shows managers and administrators the form for a new
// agreement, filled with office hours and typical targets.
func (s *Server) agreementNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := canCreateAgreements(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	cal := itsm.OfficeHoursSpec()
	in := agreementInput{timeZone: cal.Timezone, holidaySet: cal.HolidaySet, hours: weekHoursOf(cal.Week),
		targets: targetValuesOf(itsm.DefaultTargets()), pause: []string{string(itsm.StatusPendingCustomer)}, warnPercentages: "75, 90",
		division: sla.SetScotland}
	p, err := s.agreementFormPage(w, r, in)
	if err != nil {
		return err
	}
	p.finish(in)
	return s.render(w, http.StatusOK, "agreement_form", p)
}

// agreementCreate checks the form field by field, adds the agreement and
// shows it. Mistakes the SLA engine finds (overlapping hours, say) are
// shown against the input that holds them.
func (s *Server) agreementCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := canCreateAgreements(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	in := readAgreementForm(r.PostForm)
	in.feed, in.feedErr = bankHolidaysFile(r)
	if in.feedErr != nil && !formFailed(in.feedErr) {
		return in.feedErr
	}
	p, err := s.agreementFormPage(w, r, in)
	if err != nil {
		return err
	}
	ag, err := parseAgreement(in, p.Providers, p.Customers)
	if err == nil {
		err = remapFields(s.svc.Agreements.CreateAgreement(ctx, ag), calendarFieldID)
	}
	if formFailed(err) {
		p.setErrors(err, agreementFields()...)
		p.finish(in)
		return s.render(w, formStatus(err), "agreement_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, "/agreements/"+strconv.FormatInt(ag.ID, 10), ag.Name+" has been added.")
}

// parseAgreement checks every input and builds the agreement.
func parseAgreement(in agreementInput, providers, customers []option) (*itsm.ServiceAgreement, error) {
	var v itsm.Validation
	ag := &itsm.ServiceAgreement{Name: in.name}
	v.Check(in.name != "", "name", "Enter the agreement’s name.")
	provider, ok := optionalID(in.provider, providers)
	v.Check(ok && provider != nil, "provider_id", "Choose the provider the agreement binds.")
	if provider != nil {
		ag.ProviderID = *provider
	}
	ag.CustomerID, ok = optionalID(in.customer, customers)
	v.Check(ok, "customer_id", "Choose a customer from the list, or every customer.")
	loc := itsm.LoadLocation("")
	if l, err := time.LoadLocation(in.timeZone); err != nil || in.timeZone == "" || strings.EqualFold(in.timeZone, "local") {
		v.Add("time_zone", "Enter a time zone such as Europe/London.")
	} else {
		loc = l
	}
	if t, err := time.ParseInLocation("2006-01-02", in.effectiveFrom, loc); err != nil {
		v.Add("effective_from", "Enter the date the agreement takes effect as a real date, like 2026-04-01.")
	} else {
		ag.EffectiveFrom = t.UTC()
	}
	ag.Calendar = parseCalendar(&v, in.timeZone, in.allDay, in.hours, in.holidaySet, in.extraHolidays)
	addBankHolidays(&v, &ag.Calendar, in)
	ag.Targets = in.targets.parse(&v)
	ag.PauseStatuses = []string{}
	for _, s := range in.pause {
		if !hasOption(pauseStatusOptions(), s) {
			v.Add("pause_statuses", "Choose the pausing statuses from the list.")
			break
		}
		ag.PauseStatuses = append(ag.PauseStatuses, s)
	}
	ag.WarnFractions = parseWarnPercentages(&v, in.warnPercentages)
	return ag, v.Err()
}

// addBankHolidays adds the chosen division of the gov.uk bank-holidays.json
// file, if one was chosen, to the calendar's holidays.
func addBankHolidays(v *itsm.Validation, cal *itsm.CalendarSpec, in agreementInput) {
	if in.division != "" && !hasOption(divisionOptions(), in.division) {
		v.Add("bank_holidays_division", "Choose England and Wales, Scotland or Northern Ireland.")
		return
	}
	switch {
	case in.feedErr != nil:
		v.Add("bank_holidays_file", itsm.ErrorFields(in.feedErr)["bank_holidays_file"])
		return
	case in.feed == nil:
		return
	case in.allDay:
		v.Add("bank_holidays_file", "A 24×7 calendar has no holidays: remove the bank holidays file, or untick 24×7.")
		return
	case in.division == "":
		v.Add("bank_holidays_division", "Choose the division whose bank holidays to take from the file.")
		return
	}
	hs, err := sla.GovUKDivisionHolidays(in.feed, in.division)
	var ve *sla.ValidationError
	switch {
	case errors.As(err, &ve) && ve.Field == "division":
		v.Add("bank_holidays_division", fmt.Sprintf("The bank holidays file has no bank holidays for %s. Choose another division, or the file from www.gov.uk/bank-holidays.json.", divisionLabel(in.division)))
	case err != nil:
		detail := err.Error()
		if ve != nil {
			detail = strings.TrimPrefix(ve.Message, "is not gov.uk's bank-holidays.json: ")
		}
		detail = strings.ReplaceAll(truncate(detail, 120), "'", "’")
		v.Add("bank_holidays_file", fmt.Sprintf("The file is not gov.uk’s bank-holidays.json: %s. Download it from www.gov.uk/bank-holidays.json and choose it again.", detail))
	default:
		cal.Holidays = itsm.AddHolidayDates(cal.Holidays, hs)
	}
}

// parseCalendar checks the calendar's inputs and builds it.
func parseCalendar(v *itsm.Validation, zone string, allDay bool, hours weekHours, holidaySet, extra string) itsm.CalendarSpec {
	cal := itsm.CalendarSpec{Timezone: zone, AllDay: allDay, Week: hours.parse(v), HolidaySet: holidaySet}
	cal.Holidays = parseHolidays(v, extra)
	if !hasOption(holidaySetOptions(), holidaySet) {
		v.Add("holiday_set", "Choose a holiday set from the list, or none.")
	}
	empty := len(cal.Week.Mon)+len(cal.Week.Tue)+len(cal.Week.Wed)+len(cal.Week.Thu)+len(cal.Week.Fri)+len(cal.Week.Sat)+len(cal.Week.Sun) == 0
	hoursTyped := false
	for _, s := range hours {
		hoursTyped = hoursTyped || s != ""
	}
	switch {
	case allDay && hoursTyped:
		v.Add("all_day", "A 24×7 calendar counts every hour: clear the weekly hours, or untick 24×7.")
	case allDay && (holidaySet != "" || len(cal.Holidays) > 0):
		v.Add("all_day", "A 24×7 calendar has no holidays: choose no holiday set and no extra holidays, or untick 24×7.")
	case !allDay && empty && !hoursTyped:
		v.Add("mon-1-start", "Enter the working hours of at least one day, or choose 24×7.")
	}
	return cal
}

// parseWarnPercentages reads "75, 90" as the fractions 0.75 and 0.9; an
// empty field means no warnings.
func parseWarnPercentages(v *itsm.Validation, text string) []float64 {
	out := []float64{}
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if len(fields) > 5 {
		v.Add("warn_percentages", "Give at most 5 warning percentages.")
		return out
	}
	for _, f := range fields {
		n, err := strconv.Atoi(strings.TrimSuffix(f, "%"))
		if err != nil || n < 1 || n > 99 {
			v.Add("warn_percentages", fmt.Sprintf("“%s” is not a percentage from 1 to 99. Write them like 75, 90.", truncate(f, 20)))
			return out
		}
		frac := float64(n) / 100
		if slices.Contains(out, frac) {
			v.Add("warn_percentages", fmt.Sprintf("%d%% is given twice.", n))
			return out
		}
		out = append(out, frac)
	}
	slices.Sort(out)
	return out
}
