package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// whatIfPage asks "what if this agreement changed?": it replays a period's
// tickets under an agreement as it is and as it might be, and compares
// their compliance priority by priority.
type whatIfPage struct {
	basePage
	Agreements             []option
	Agreement, From, To    string
	Baseline               *itsm.ServiceAgreement
	BaselineName           string
	AllDay                 checkboxGroup
	Week, Targets          []inputGroup
	HolidaySet             string
	HolidaySets            []option
	Result                 *itsm.WhatIfComparison
	Rows                   []whatIfRowView
	Changes                []itsm.WhatIfChange
	Period                 string
	BaselineHolidaySetText string
	// CanCreate offers the link to add an agreement to those who may.
	CanCreate bool

	// The candidate's calendar and targets as typed, laid out into AllDay,
	// Week and Targets once any errors are known.
	allDay  bool
	hours   weekHours
	targets targetValues
}

// whatIfRowView is a row of the comparison in words.
type whatIfRowView struct{ itsm.WhatIfRow }

// Label names the row's priority.
func (v whatIfRowView) Label() string {
	if v.Priority == "" {
		return "All priorities"
	}
	return v.Priority
}

// ResponseBefore says the responses on time under the agreement as it is.
func (v whatIfRowView) ResponseBefore() string {
	return metText(v.Baseline.ResponseMetPercent(), v.Baseline.ResponsesMet, v.Baseline.Responses)
}

// ResponseAfter says the responses on time under the changed agreement.
func (v whatIfRowView) ResponseAfter() string {
	return metText(v.Candidate.ResponseMetPercent(), v.Candidate.ResponsesMet, v.Candidate.Responses)
}

// ResponseDifference says how the response compliance would move.
func (v whatIfRowView) ResponseDifference() string {
	return pointsChange(v.ResponseChange(), "Nothing to compare")
}

// ResolutionBefore says the resolutions on time under the agreement as it
// is.
func (v whatIfRowView) ResolutionBefore() string {
	return metText(v.Baseline.ResolutionMetPercent(), v.Baseline.ResolutionsMet, v.Baseline.Resolutions)
}

// ResolutionAfter says the resolutions on time under the changed
// agreement.
func (v whatIfRowView) ResolutionAfter() string {
	return metText(v.Candidate.ResolutionMetPercent(), v.Candidate.ResolutionsMet, v.Candidate.Resolutions)
}

// ResolutionDifference says how the resolution compliance would move.
func (v whatIfRowView) ResolutionDifference() string {
	return pointsChange(v.ResolutionChange(), "Nothing to compare")
}

// whatIfFields are the page's inputs in form order.
func whatIfFields() []string {
	out := []string{"agreement", "from", "to"}
	out = append(out, targetFieldIDs()...)
	out = append(out, "all_day")
	out = append(out, weekFieldIDs()...)
	return append(out, "holiday_set")
}

// maxWhatIfDays bounds the period replayed.
const maxWhatIfDays = 366

// lastFullQuarter returns the first day of the last full calendar quarter
// before now, and its last day, in loc.
func lastFullQuarter(now time.Time, loc *time.Location) (time.Time, time.Time) {
	l := now.In(loc)
	q := (int(l.Month()) - 1) / 3
	thisQuarter := time.Date(l.Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, loc)
	return thisQuarter.AddDate(0, -3, 0), thisQuarter.AddDate(0, 0, -1)
}

// whatIf shows programme staff and auditors the comparison. It only reads,
// so it is a GET form: the comparison can be bookmarked and shared.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !itsm.ActorFromContext(ctx).ReadsEverything() {
		return forbidden("Only the programme team and auditors can compare service agreements.")
	}
	if s.whatIfSvc == nil {
		return notConfigured("the what-if comparison")
	}
	all, err := s.svc.Agreements.FindAgreements(ctx)
	if err != nil {
		return err
	}
	p := &whatIfPage{basePage: s.newPage(w, r, "What if an agreement changed?"), HolidaySets: holidaySetOptions(), CanCreate: itsm.ActorFromContext(r.Context()).CanManageOrgs()}
	p.Wide = true
	for _, ag := range all {
		p.Agreements = append(p.Agreements, option{Value: strconv.FormatInt(ag.ID, 10), Label: ag.Name + ", from " + p.Date(ag.EffectiveFrom)})
	}
	p.Agreements = append([]option{{Value: "", Label: "Choose an agreement"}}, p.Agreements...)

	in := r.URL.Query()
	var v itsm.Validation
	loc := p.location()
	from, to := lastFullQuarter(s.now(), loc)
	p.From, p.To = orDefault(in.Get("from"), from.Format("2006-01-02")), orDefault(in.Get("to"), to.Format("2006-01-02"))
	if t, err := time.ParseInLocation("2006-01-02", p.From, loc); err != nil {
		v.Add("from", "Enter the first day of the period as a real date, like 2026-01-01.")
	} else {
		from = t
	}
	if t, err := time.ParseInLocation("2006-01-02", p.To, loc); err != nil {
		v.Add("to", "Enter the last day of the period as a real date, like 2026-03-31.")
	} else {
		to = t
	}
	end := to.AddDate(0, 0, 1)
	switch {
	case v.Err() != nil:
	case end.Before(from) || end.Equal(from):
		v.Add("to", "The last day must be the same as or after the first day.")
	case end.Sub(from) > maxWhatIfDays*24*time.Hour+time.Hour:
		v.Add("to", "Choose a period of a year or less.")
	}

	p.Agreement = in.Get("agreement")
	if p.Agreement != "" {
		id, ok := optionalID(p.Agreement, p.Agreements)
		if !ok || id == nil {
			v.Add("agreement", "Choose an agreement from the list.")
		} else {
			for _, ag := range all {
				if ag.ID == *id {
					p.Baseline = ag
				}
			}
		}
	}
	if p.Baseline == nil {
		// First step: choose the agreement and the period.
		return s.renderWhatIf(w, p, v.Err())
	}
	p.BaselineName = p.Baseline.Name
	p.BaselineHolidaySetText = holidaySetLabel(p.Baseline.Calendar.HolidaySet)

	// The candidate starts as the baseline; once the person has edited it
	// for this baseline, it is what they typed.
	hours, targets := weekHoursOf(p.Baseline.Calendar.Week), targetValuesOf(p.Baseline.Targets)
	allDay, holidaySet := p.Baseline.Calendar.AllDay, p.Baseline.Calendar.HolidaySet
	if in.Get("baseline") == p.Agreement {
		hours, targets = readWeekHours(in), readTargets(in)
		allDay, holidaySet = in.Get("all_day") == "yes", in.Get("holiday_set")
	}
	p.HolidaySet, p.allDay, p.hours, p.targets = holidaySet, allDay, hours, targets
	candidate := *p.Baseline
	candidate.Targets = targets.parse(&v)
	candidate.Calendar = parseCalendar(&v, calendarZone(p.Baseline.Calendar), allDay, hours, holidaySet, "")
	candidate.Calendar.Holidays = p.Baseline.Calendar.Holidays
	err = v.Err()
	var result *itsm.WhatIfComparison
	if err == nil {
		result, err = s.compareAgreements(r, p.Baseline, &candidate, from, end)
	}
	if err != nil {
		return s.renderWhatIf(w, p, err)
	}
	p.Result = result
	for _, row := range result.Rows {
		p.Rows = append(p.Rows, whatIfRowView{row})
	}
	p.Changes = result.Changes
	p.Period = p.Date(from) + " to " + p.Date(to)
	return s.renderWhatIf(w, p, nil)
}

// compareAgreements replays the period's tickets under both agreements.
func (s *Server) compareAgreements(r *http.Request, baseline, candidate *itsm.ServiceAgreement, from, to time.Time) (*itsm.WhatIfComparison, error) {
	before, err := baseline.Policy()
	if err != nil {
		return nil, itsm.Errorf(itsm.EINVALID, "The agreement %s cannot be replayed: %s.", baseline.Name, err)
	}
	after, err := candidate.Policy()
	if err != nil {
		return nil, remapFields(itsm.SLAError(err), calendarFieldID)
	}
	histories, err := s.whatIfSvc.SLAHistories(r.Context(), baseline.ID, from, to)
	if err != nil {
		return nil, err
	}
	return itsm.CompareSLAPolicies(before, after, histories, s.now()), nil
}

// renderWhatIf shows the page, with the error summary when err is a
// mistake in the form, and the candidate's inputs marked.
func (s *Server) renderWhatIf(w http.ResponseWriter, p *whatIfPage, err error) error {
	status := http.StatusOK
	if err != nil {
		if !formFailed(err) {
			return err
		}
		p.setErrors(err, whatIfFields()...)
		status = formStatus(err)
	}
	if p.Baseline != nil {
		p.AllDay = allDayGroup(&p.basePage, p.allDay)
		p.Week = p.hours.groups(&p.basePage)
		p.Targets = p.targets.groups(&p.basePage)
	}
	return s.render(w, status, "what_if", p)
}
