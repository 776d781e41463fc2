package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// agreementView is a service agreement as the pages show it.
type agreementView struct {
	*itsm.ServiceAgreement
	ProviderName, CustomerName string
	// State is "in force", "not yet in force" or "superseded".
	State string
}

// StateTag is the DS tag colour of the agreement's state.
func (v agreementView) StateTag() string {
	switch v.State {
	case "in force":
		return "ds_tag--green"
	case "superseded":
		return "ds_tag--grey"
	}
	return "ds_tag--blue"
}

// StateLabel is the state with a capital letter.
func (v agreementView) StateLabel() string { return humanise(v.State) }

// agreementViews names each agreement's organisations and works out which
// are in force now: for each customer (or for every customer), the one
// most recently in effect, as new tickets pick them.
func agreementViews(all []*itsm.ServiceAgreement, names map[int64]string, now time.Time) []agreementView {
	out := make([]agreementView, len(all))
	for i, a := range all {
		v := agreementView{ServiceAgreement: a, ProviderName: names[a.ProviderID], CustomerName: "Every customer", State: "in force"}
		if v.ProviderName == "" {
			v.ProviderName = "The service provider"
		}
		if a.CustomerID != nil {
			if v.CustomerName = names[*a.CustomerID]; v.CustomerName == "" {
				v.CustomerName = "Customer organisation " + strconv.FormatInt(*a.CustomerID, 10)
			}
		}
		switch {
		case a.EffectiveFrom.After(now):
			v.State = "not yet in force"
		default:
			for _, b := range all {
				sameScope := (a.CustomerID == nil) == (b.CustomerID == nil) && (a.CustomerID == nil || *a.CustomerID == *b.CustomerID)
				newer := b.EffectiveFrom.After(a.EffectiveFrom) || (b.EffectiveFrom.Equal(a.EffectiveFrom) && b.ID > a.ID)
				if b.ID != a.ID && sameScope && newer && !b.EffectiveFrom.After(now) {
					v.State = "superseded"
				}
			}
		}
		out[i] = v
	}
	return out
}

// agreementListPage lists service agreements.
type agreementListPage struct {
	basePage
	Agreements         []agreementView
	Pager              pager
	Providers          []option
	Provider           string
	ShowProviderFilter bool
	Filtered           bool
	CanCreate          bool
	CSVHref            string
}

// visibleAgreements reads the agreements the viewer may see, named, and
// filtered by the list's provider filter.
func (s *Server) visibleAgreements(r *http.Request, q *listQuery, a *itsm.Actor) ([]agreementView, []option, error) {
	var providers []option
	var err error
	if a.ReadsEverything() {
		if providers, err = s.orgsOfKind(r, itsm.OrgProvider); err != nil {
			return nil, nil, err
		}
	}
	var provider *int64
	if providers != nil {
		provider = q.id("provider", "the provider's number")
	}
	if err := q.err(); err != nil {
		return nil, nil, err
	}
	all, err := s.svc.Agreements.FindAgreements(r.Context())
	if err != nil {
		return nil, nil, err
	}
	names, err := s.orgNames(r)
	if err != nil {
		return nil, nil, err
	}
	views := agreementViews(all, names, s.now())
	if provider != nil {
		kept := views[:0]
		for _, v := range views {
			if v.ProviderID == *provider {
				kept = append(kept, v)
			}
		}
		views = kept
	}
	return views, providers, nil
}

// agreementList shows the agreements the viewer may read, newest in
// effect first: everything to staff and auditors, a provider's own to it,
// and to customers the general agreements and their own.
func (s *Server) agreementList(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	q := newListQuery(r.URL.Query())
	page := q.page()
	views, providers, err := s.visibleAgreements(r, q, a)
	if err != nil {
		return err
	}
	p := &agreementListPage{basePage: s.newPage(w, r, "Service agreements"), Provider: q.keep.Get("provider"),
		ShowProviderFilter: providers != nil, Filtered: q.filtered(), CanCreate: a.CanManageOrgs(), CSVHref: q.href("/agreements.csv")}
	if providers != nil {
		p.Providers = withAll("All providers", providers)
	}
	from := min(offset(page), len(views))
	p.Agreements = views[from:min(from+pageSize, len(views))]
	p.Wide = true
	p.Pager = newPager(q, "/agreements", page, len(views), len(p.Agreements), "agreements")
	p.setPaged("Service agreements", p.Pager)
	return s.render(w, http.StatusOK, "agreement_list", p)
}

// agreementCSV exports the agreements of the list, targets as columns.
func (s *Server) agreementCSV(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	q := newListQuery(r.URL.Query())
	views, _, err := s.visibleAgreements(r, q, a)
	if err != nil {
		return err
	}
	out := newCSV(w, "service-agreements.csv")
	header := []string{"id", "name", "provider_id", "provider", "customer_id", "customer", "effective_from", "state", "time_zone", "holiday_set"}
	for _, pr := range itsm.Priorities {
		header = append(header, strings.ToLower(pr)+"_response", strings.ToLower(pr)+"_resolution")
	}
	_ = out.Write(append(header, "pause_statuses", "created_at")...)
	for _, v := range views {
		row := []string{strconv.FormatInt(v.ID, 10), v.Name, strconv.FormatInt(v.ProviderID, 10), v.ProviderName, idValue(v.CustomerID), v.CustomerName,
			csvTime(v.EffectiveFrom), v.State, calendarZone(v.Calendar), v.Calendar.HolidaySet}
		for _, pr := range itsm.Priorities {
			row = append(row, v.Targets[pr].Response, v.Targets[pr].Resolution)
		}
		if err := out.Write(append(row, strings.Join(v.PauseStatuses, "; "), csvTime(v.CreatedAt))...); err != nil {
			return nil // the client went away
		}
	}
	_ = out.Flush()
	return nil
}

// agreementDetailPage is one agreement in full.
type agreementDetailPage struct {
	basePage
	Agreement     agreementView
	Zone          string
	AllDay        bool
	Week          []weekdayHours
	HolidaySet    string
	ExtraHolidays []time.Time
	Targets       []priorityTargets
	PauseStatuses []string
	Warnings      string
	CanCompare    bool
}

// weekdayHours is one day of an agreement's week, in words.
type weekdayHours struct{ Day, Hours string }

// priorityTargets is one priority's targets, as typed and in words.
type priorityTargets struct {
	Priority, Response, Resolution string
	ResponseText, ResolutionText   string
}

// agreementDetail shows an agreement to anyone who may read it.
func (s *Server) agreementDetail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ag, err := s.svc.Agreements.FindAgreementByID(ctx, id)
	if err != nil {
		return err
	}
	names, err := s.orgNames(r)
	if err != nil {
		return err
	}
	all, err := s.svc.Agreements.FindAgreements(ctx)
	if err != nil {
		return err
	}
	var view agreementView
	for _, v := range agreementViews(all, names, s.now()) {
		if v.ID == ag.ID {
			view = v
		}
	}
	if view.ServiceAgreement == nil {
		return itsm.ErrNotFound("service agreement")
	}
	a := itsm.ActorFromContext(ctx)
	p := &agreementDetailPage{basePage: s.newPage(w, r, ag.Name), Agreement: view, Zone: calendarZone(ag.Calendar),
		AllDay: ag.Calendar.AllDay, HolidaySet: holidaySetLabel(ag.Calendar.HolidaySet), PauseStatuses: ag.PauseStatuses,
		Warnings: warningsText(ag.WarnFractions), CanCompare: a.ReadsEverything()}
	p.Caption = "Service agreement"
	p.BackHref = "/agreements"
	p.Wide = true
	hours := weekHoursOf(ag.Calendar.Week)
	for _, d := range weekdays {
		p.Week = append(p.Week, weekdayHours{Day: d.label, Hours: dayHoursText(hours, d.key)})
	}
	for _, h := range ag.Calendar.Holidays {
		if d, err := time.ParseInLocation("2006-01-02", h, itsm.LoadLocation(calendarZone(ag.Calendar))); err == nil {
			p.ExtraHolidays = append(p.ExtraHolidays, d)
		}
	}
	for _, pr := range sortedPriorities(ag.Targets) {
		t := ag.Targets[pr]
		p.Targets = append(p.Targets, priorityTargets{Priority: pr, Response: t.Response, Resolution: t.Resolution,
			ResponseText: durationText(t.Response), ResolutionText: durationText(t.Resolution)})
	}
	return s.render(w, http.StatusOK, "agreement_detail", p)
}

// calendarZone is a calendar's time zone, Europe/London when unset.
func calendarZone(c itsm.CalendarSpec) string {
	if c.Timezone == "" {
		return itsm.DefaultTimeZone
	}
	return c.Timezone
}

// dayHoursText says a day's working hours: "09:00 to 12:30 and 13:30 to
// 17:00", or that it is not a working day.
func dayHoursText(h weekHours, day string) string {
	var parts []string
	for n := 1; n <= 2; n++ {
		id := day + "-" + strconv.Itoa(n)
		if h[id+"-start"] != "" {
			parts = append(parts, h[id+"-start"]+" to "+h[id+"-end"])
		}
	}
	if len(parts) == 0 {
		return "Not a working day"
	}
	return strings.Join(parts, " and ")
}

// durationText says a target written as a Go duration in words.
func durationText(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return s
	}
	return businessTime(d)
}

// warningsText says when warnings fire: "At 75% and 90% of the target".
func warningsText(fractions []float64) string {
	if fractions == nil {
		fractions = sla.DefaultWarnFractions()
	}
	if len(fractions) == 0 {
		return "No warnings before a breach"
	}
	parts := make([]string, len(fractions))
	for i, f := range fractions {
		pct := f * 100
		parts[i] = percentOr(&pct, "")
	}
	if len(parts) == 1 {
		return "At " + parts[0] + " of the target"
	}
	return "At " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1] + " of the target"
}

// sortedPriorities lists the priorities an agreement has targets for: P1
// to P4 first, then any others.
func sortedPriorities(ts map[string]itsm.Target) []string {
	var out, others []string
	for _, p := range itsm.Priorities {
		if _, ok := ts[p]; ok {
			out = append(out, p)
		}
	}
	for p := range ts {
		if !itsm.ValidPriority(p) {
			others = append(others, p)
		}
	}
	slices.Sort(others)
	return append(out, others...)
}
