package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// Who sees the status page: everyone signed in, the store choosing what
// (staff and auditors every enabled check; providers the shared service and
// the checks they operate; customers the shared service and their own
// organisation's checks). When Steward runs with --public-status anonymous
// visitors see the public checks of the shared service; otherwise they are
// sent to sign in. The page never refreshes itself (a moving page is hard
// to read with a screen reader or magnifier): it says when it was made.

// statusLabels name the service statuses; statusIcons and statusTags give
// each an icon of the design system and a tag colour, so that colour is
// never the only signal.
var (
	statusLabels = map[string]string{
		itsm.StatusOperational: "Operational", itsm.StatusDegraded: "Degraded performance", itsm.StatusOutage: "Outage",
		itsm.StatusMaintenance: "Under maintenance", itsm.StatusNoData: "No recent data",
	}
	statusIcons = map[string]string{
		itsm.StatusOperational: "check_circle", itsm.StatusDegraded: "warning", itsm.StatusOutage: "cancel",
		itsm.StatusMaintenance: "calendar_today", itsm.StatusNoData: "info",
	}
	statusTags = map[string]string{
		itsm.StatusOperational: "ds_tag--green", itsm.StatusDegraded: "ds_tag--orange", itsm.StatusOutage: "ds_tag--red",
		itsm.StatusMaintenance: "ds_tag--blue", itsm.StatusNoData: "ds_tag--grey",
	}
	statusRank = map[string]int{itsm.StatusNoData: 0, itsm.StatusOperational: 1, itsm.StatusMaintenance: 2, itsm.StatusDegraded: 3, itsm.StatusOutage: 4}
)

// colourNames name the bars' colours for the key under them.
var colourNames = map[string]string{"good": "dark green", "fair": "light green", "poor": "orange", "bad": "red", "none": "grey"}

// serviceState is a status as the page shows it: words, icon and colour.
type serviceState struct{ Status string }

// Label is the status in words.
func (v serviceState) Label() string {
	if l, ok := statusLabels[v.Status]; ok {
		return l
	}
	return v.Status
}

// Icon is the design system icon of the status.
func (v serviceState) Icon() string { return statusIcons[v.Status] }

// Tag is the tag colour of the status.
func (v serviceState) Tag() string { return statusTags[v.Status] }

// statusServiceView is one service on the status page.
type statusServiceView struct {
	itsm.ServiceStatus
	State      serviceState
	Components []statusComponentView
	Bars       template.HTML
	Percent    string
	Anchor     string
	Days       []statusDayView
}

type statusComponentView struct {
	Component string
	State     serviceState
}

// statusDayView is one row of a service's table of days.
type statusDayView struct {
	Date, Figures, Band string
}

// statusIncidentView is an outage in progress as the page shows it.
type statusIncidentView struct {
	*itsm.Outage
	State serviceState
}

// Where names the service and component.
func (v statusIncidentView) Where() string {
	if v.Component == "" || v.Component == v.Service {
		return v.Service
	}
	return v.Service + ": " + v.Component
}

// statusMaintenanceView is a maintenance window as the page shows it.
type statusMaintenanceView struct {
	*itsm.MaintenanceWindow
	InProgress bool
}

// ServiceLabel names the service, or says the window touches every one.
func (v statusMaintenanceView) ServiceLabel() string {
	if v.Service == "" {
		return "All services"
	}
	return v.Service
}

// statusPage is the status page.
type statusPage struct {
	basePage
	Status      *itsm.StatusPage
	Overall     serviceState
	Banner      string
	Services    []statusServiceView
	Incidents   []statusIncidentView
	Maintenance []statusMaintenanceView
	// LinkIncidents says whether incident references and check names link
	// to their pages: for those who may open every one (a provider may
	// see an incident of a shared check it does not operate).
	LinkIncidents, ReadChecks, LinkChanges bool
	Public                                 bool
	// Bands name the colours of the bars, for the key.
	Bands []string
}

// overallStatus is the worst of the services' statuses and the banner that
// says it.
func overallStatus(services []itsm.ServiceStatus) (string, string) {
	if len(services) == 0 {
		return itsm.StatusNoData, "No services are monitored on this page yet."
	}
	worst, outages, data := itsm.StatusNoData, 0, 0
	for _, s := range services {
		if statusRank[s.Status] > statusRank[worst] {
			worst = s.Status
		}
		if s.Status == itsm.StatusOutage {
			outages++
		}
		if s.Status != itsm.StatusNoData {
			data++
		}
	}
	switch worst {
	case itsm.StatusOutage:
		if outages == len(services) {
			return worst, "Every service is unavailable."
		}
		return worst, "Some services are unavailable."
	case itsm.StatusDegraded:
		return worst, "Some services have problems."
	case itsm.StatusMaintenance:
		return worst, "Planned maintenance is in progress; all other services are operating normally."
	case itsm.StatusOperational:
		if data < len(services) {
			return worst, "All services with recent checks are operating normally."
		}
		return worst, "All services are operating normally."
	}
	return worst, "There are no recent checks, so the services' status is not known."
}

// statusAllowed says whether the caller may see the status page: anyone
// signed in, and anonymous visitors when the page is public.
func (s *Server) statusAllowed(w http.ResponseWriter, r *http.Request) bool {
	if itsm.ActorFromContext(r.Context()).SignedIn() || s.publicStatus {
		return true
	}
	s.redirectToSignIn(w, r)
	return false
}

// statusPage shows the status page.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) error {
	if !s.statusAllowed(w, r) {
		return nil
	}
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	st, err := s.svc.Monitor.StatusPage(ctx)
	if err != nil {
		return err
	}
	p := &statusPage{basePage: s.newPage(w, r, "Service status"), Status: st,
		LinkIncidents: a.ReadsEverything(), ReadChecks: a.CanReadChecks(), LinkChanges: a.ReadsEverything(), Public: !a.SignedIn()}
	for _, b := range []string{"good", "fair", "poor", "bad", "none"} {
		p.Bands = append(p.Bands, colourNames[b]+" for "+lowerFirst(report.AvailabilityBandLabel(b)))
	}
	overall, banner := overallStatus(st.Services)
	p.Overall, p.Banner = serviceState{overall}, banner
	for i, svc := range st.Services {
		v := statusServiceView{ServiceStatus: svc, State: serviceState{svc.Status}, Percent: report.AvailabilityText(svc.Percent90Days),
			Anchor: "service-" + strconv.Itoa(i+1)}
		for _, c := range svc.Components {
			v.Components = append(v.Components, statusComponentView{Component: c.Component, State: serviceState{c.Status}})
		}
		// DayBarsSVG escapes every piece of text it writes and builds the
		// rest from numbers and constants.
		v.Bars = template.HTML(report.DayBarsSVG(svc.Service, svc.Days, svc.Percent90Days, v.Anchor+"-days"))
		for j := len(svc.Days) - 1; j >= 0; j-- {
			d := svc.Days[j]
			v.Days = append(v.Days, statusDayView{Date: dayLabel(d.Date), Figures: report.DayFigures(d.Samples, d.Failures, d.Percent, d.Maintenance),
				Band: report.AvailabilityBandLabel(report.AvailabilityBand(d.Percent))})
		}
		p.Services = append(p.Services, v)
	}
	for _, o := range st.Incidents {
		p.Incidents = append(p.Incidents, statusIncidentView{Outage: o, State: serviceState{itsm.StatusOutage}})
	}
	for _, m := range st.Maintenance {
		p.Maintenance = append(p.Maintenance, statusMaintenanceView{MaintenanceWindow: m, InProgress: !m.StartsAt.After(st.GeneratedAt)})
	}
	return s.render(w, http.StatusOK, "status", p)
}

// dayLabel writes a YYYY-MM-DD date the GOV.UK way.
func dayLabel(d string) string {
	t, err := parseDay(d)
	if err != nil {
		return d
	}
	return t.Format("2 January 2006")
}

// statusJSON serves the status page as JSON (itsm.StatusPage), under the
// same rule as the page.
func (s *Server) statusJSON(w http.ResponseWriter, r *http.Request) error {
	if !s.statusAllowed(w, r) {
		return nil
	}
	st, err := s.svc.Monitor.StatusPage(r.Context())
	if err != nil {
		return err
	}
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}
