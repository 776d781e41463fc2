package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// The outage list is for those who may read checks: staff and auditors
// every outage, a provider the outages of the checks it operates;
// customers are refused (they read the status page).

var outageStateOptions = []option{{"open", "Still going on"}, {"ended", "Ended"}}

// outageFields are the list's filters in form order.
var outageFields = []string{"check", "service", "provider", "state", "from", "to"}

// outageListPage is the list of outages with its filters.
type outageListPage struct {
	basePage
	Table                                   outageTable
	Pager                                   pager
	Services, Providers, States             []option
	Check, Service, Provider, State         string
	From, To                                string
	CheckName                               string
	ShowProviderFilter, Filtered, HasChecks bool
	CSVHref                                 string
}

// outageQuery reads the list's filters. Days are the viewer's; to is
// inclusive.
func outageQuery(q *listQuery, loc *time.Location, services, providers []option) itsm.OutageFilter {
	var f itsm.OutageFilter
	f.CheckID = q.id("check", "the check's number")
	if s := q.oneOf("service", services, "a service"); s != "" {
		f.Service = &s
	}
	if providers != nil {
		f.ProviderID = q.id("provider", "the provider's number")
	}
	switch q.oneOf("state", outageStateOptions, "whether the outage is still going on") {
	case "open":
		open := true
		f.Open = &open
	case "ended":
		ended := false
		f.Open = &ended
	}
	f.From = q.date("from", loc, "first day")
	if to := q.date("to", loc, "last day"); to != nil {
		end := to.AddDate(0, 0, 1)
		f.To = &end
		if f.From != nil && !end.After(*f.From) {
			q.v.Add("to", "The last day must be the same as or after the first day.")
		}
	}
	return f
}

// outageFilterOptions lists the services and (for those who read every
// check) providers the filters offer.
func (s *Server) outageFilterOptions(r *http.Request) (services, providers []option, err error) {
	a := itsm.ActorFromContext(r.Context())
	if !a.CanReadChecks() {
		return nil, nil, forbidden("Outages are for the programme team and the providers who operate the checks. Customers can see the service status page.")
	}
	checks, _, err := s.svc.Monitor.FindChecks(r.Context(), itsm.CheckFilter{Limit: -1, Sort: "service"})
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, c := range checks {
		if k := strings.ToLower(c.Service); !seen[k] {
			seen[k] = true
			services = append(services, option{Value: c.Service, Label: c.Service})
		}
	}
	slices.SortFunc(services, func(a, b option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	if a.ReadsEverything() {
		if providers, err = s.orgsOfKind(r, itsm.OrgProvider); err != nil {
			return nil, nil, err
		}
		if providers == nil {
			providers = []option{}
		}
	}
	return services, providers, nil
}

// outageList shows the outages the viewer may see, newest first.
func (s *Server) outageList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	services, providers, err := s.outageFilterOptions(r)
	if err != nil {
		return err
	}
	p := &outageListPage{basePage: s.newPage(w, r, "Outages"), States: withAll("Any", outageStateOptions),
		Services: withAll("All services", services), ShowProviderFilter: providers != nil, HasChecks: len(services) > 0}
	if providers != nil {
		p.Providers = withAll("All providers", providers)
	}
	q := newListQuery(r.URL.Query())
	f := outageQuery(q, p.location(), services, providers)
	pg := q.page()
	p.Check, p.Service, p.Provider, p.State, p.From, p.To = q.in.Get("check"), q.in.Get("service"), q.in.Get("provider"), q.in.Get("state"), q.in.Get("from"), q.in.Get("to")
	p.Wide = true
	if err := q.err(); err != nil {
		p.setErrors(err, outageFields...)
		p.Table = outageTable{Page: &p.basePage, Caption: "Outages", ShowCheck: true}
		return s.render(w, http.StatusBadRequest, "outage_list", p)
	}
	if f.CheckID != nil {
		c, err := s.svc.Monitor.FindCheckByID(ctx, *f.CheckID)
		if err != nil {
			return err
		}
		p.CheckName = c.Name
	}
	f.Offset, f.Limit = offset(pg), pageSize
	list, total, err := s.svc.Monitor.FindOutages(ctx, f)
	if err != nil {
		return err
	}
	caption := "Outages, newest first"
	if p.CheckName != "" {
		caption = "Outages of " + p.CheckName + ", newest first"
	}
	p.Table = outageTable{Page: &p.basePage, Caption: caption, Rows: outageViews(list, s.now()), ShowCheck: true}
	p.Filtered = q.filtered()
	p.Pager = newPager(q, "/outages", pg, total, len(list), "outages")
	p.setPaged("Outages", p.Pager)
	p.CSVHref = q.href("/outages.csv")
	return s.render(w, http.StatusOK, "outage_list", p)
}

// outageCSV downloads every outage matching the list's filters: instants
// in UTC, durations in seconds.
func (s *Server) outageCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	services, providers, err := s.outageFilterOptions(r)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	_, loc := s.viewerOrg(r)
	f := outageQuery(q, loc, services, providers)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	list, _, err := s.svc.Monitor.FindOutages(ctx, f)
	if err != nil {
		return err
	}
	now := s.now()
	out := newSafeCSV(w, "outages.csv")
	_ = out.Write("Outage", "Check ID", "Check", "Service", "Component", "Started (UTC)", "Ended (UTC)", "Duration seconds", "Cause", "Failed runs", "During maintenance", "Incident")
	writePages(s, ctx, out, "outages", list, 0, func(n int) ([]*itsm.Outage, error) {
		f.Offset += n
		page, _, err := s.svc.Monitor.FindOutages(ctx, f)
		return page, err
	}, func(o *itsm.Outage) []string {
		maint := "no"
		if o.InMaintenance {
			maint = "yes"
		}
		return []string{strconv.FormatInt(o.ID, 10), strconv.FormatInt(o.CheckID, 10), o.CheckName, o.Service, o.Component,
			report.Time(o.StartedAt), csvTimeOr(o.EndedAt), strconv.FormatInt(int64(o.Duration(now)/time.Second), 10), o.Cause,
			strconv.Itoa(o.Failures), maint, o.TicketRef}
	})
	return nil
}
