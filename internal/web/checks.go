package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/monitorfile"
)

// Who uses the check pages: programme managers and administrators add,
// change, pause and remove checks (itsm.Actor.CanManageChecks); the rest of
// the programme team and auditors read them all; a provider's people read
// the checks their organisation operates (the store scopes the list); to
// customers the pages do not exist (they have the status page).

func mayReadChecks(r *http.Request) error {
	if !itsm.ActorFromContext(r.Context()).CanReadChecks() {
		return errPageNotFound
	}
	return nil
}

func mayManageChecks(r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	if !a.CanReadChecks() {
		return errPageNotFound
	}
	if !a.CanManageChecks() {
		return forbidden("Only programme managers and administrators can add, change or remove checks and maintenance windows.")
	}
	return nil
}

func managedCheckHref(c *itsm.Check) string { return "/checks/" + strconv.FormatInt(c.ID, 10) }

var checkListStatusLabels = map[string]string{
	itsm.CheckUnknown: "Not checked yet", itsm.CheckUp: "Up", itsm.CheckDown: "Down",
	itsm.CheckWarning: "Warning", itsm.CheckMaintenance: "In maintenance",
}

var checkListStatusOptions = []option{
	{itsm.CheckUp, "Up"}, {itsm.CheckDown, "Down"}, {itsm.CheckWarning, "Warning"},
	{itsm.CheckMaintenance, "In maintenance"}, {itsm.CheckUnknown, "Not checked yet"}, {"paused", "Paused"},
}

// checkListRow is a check as the pages show it, its secrets masked.
type checkListRow struct{ *itsm.Check }

func newCheckListRow(c *itsm.Check) checkListRow { return checkListRow{c.Masked()} }

// Href is the check's page.
func (v checkListRow) Href() string { return managedCheckHref(v.Check) }

// KindLabel is the kind as people read it.
func (v checkListRow) KindLabel() string { return itsm.ChoiceLabel(itsm.CheckKinds, v.Kind) }

// Target is what the check probes: its URL, or its host:port.
func (v checkListRow) Target() string {
	if v.Kind == itsm.CheckHTTP {
		return v.Method + " " + v.URL
	}
	return v.Address
}

// StatusLabel is the status as people read it; a paused check says so.
func (v checkListRow) StatusLabel() string {
	if !v.Enabled {
		return "Paused"
	}
	if l, ok := checkListStatusLabels[v.Status]; ok {
		return l
	}
	return v.Status
}

// StatusTag is the DS tag colour of the status; the label always says it
// in words too.
func (v checkListRow) StatusTag() string {
	if !v.Enabled {
		return "ds_tag--grey"
	}
	switch v.Status {
	case itsm.CheckUp:
		return "ds_tag--green"
	case itsm.CheckDown:
		return "ds_tag--red"
	case itsm.CheckWarning, itsm.CheckMaintenance:
		return "ds_tag--yellow"
	}
	return "ds_tag--grey"
}

// IntervalLabel is how often the check runs.
func (v checkListRow) IntervalLabel() string { return intervalWords(v.Interval) }

// LatencyLabel is the latest run's response time, or "".
func (v checkListRow) LatencyLabel() string {
	if v.LastCheckedAt == nil {
		return ""
	}
	return strconv.FormatInt(v.LastLatency.Milliseconds(), 10) + " ms"
}

// intervalWords writes an interval as people say it: "30 seconds",
// "1 minute", "1 minute 30 seconds".
func intervalWords(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s"
	}
	h, m, s := int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	out := ""
	for _, p := range []struct {
		n    int64
		unit string
	}{{h, "hour"}, {m, "minute"}, {s, "second"}} {
		if p.n > 0 {
			if out != "" {
				out += " "
			}
			out += plural(p.n, p.unit)
		}
	}
	if out == "" {
		return "0 seconds"
	}
	return out
}

// checkListGroup is one service's table on the list.
type checkListGroup struct {
	Service string
	Checks  []checkListRow
}

var checkListSorts = sortOptions("service", "Service and component", "name", "Name", "status", "Status", "last_checked", "Last checked")

// checkListPage lists checks, grouped by service.
type checkListPage struct {
	basePage
	Groups                             []checkListGroup
	Grouped                            bool
	Pager                              pager
	Kinds, Statuses, Providers, Sorts  []option
	Service, Kind, Status, Provider    string
	Query, Sort                        string
	ShowProviders, Filtered, CanManage bool
	CSVHref                            string
}

// checkListFilter reads the list's filters.
func checkListFilter(q *listQuery, providers bool) itsm.CheckFilter {
	f := itsm.CheckFilter{Sort: q.sort(checkListSorts, "service")}
	if s := q.text("service"); s != "" {
		f.Service = &s
	}
	if k := q.oneOf("kind", integrationOptions(itsm.CheckKinds), "a kind of check"); k != "" {
		f.Kind = &k
	}
	switch st := q.oneOf("status", checkListStatusOptions, "a status"); st {
	case "":
	case "paused":
		off := false
		f.Enabled = &off
	default:
		on := true
		f.Status, f.Enabled = &st, &on
	}
	if providers {
		f.ProviderID = q.id("provider", "the provider's number")
	}
	if t := q.text("q"); t != "" {
		f.Query = &t
	}
	return f
}

// checkList shows the checks the viewer may read.
func (s *Server) checkList(w http.ResponseWriter, r *http.Request) error {
	if err := mayReadChecks(r); err != nil {
		return err
	}
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	q := newListQuery(r.URL.Query())
	f := checkListFilter(q, a.ReadsEverything())
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(pg), pageSize
	checks, total, err := s.svc.Monitor.FindChecks(ctx, f)
	if err != nil {
		return err
	}
	p := &checkListPage{basePage: s.newPage(w, r, "Monitoring: checks"), Kinds: withAll("All kinds", integrationOptions(itsm.CheckKinds)),
		Statuses: withAll("All statuses", checkListStatusOptions), Sorts: checkListSorts, Service: q.keep.Get("service"), Kind: q.keep.Get("kind"),
		Status: q.keep.Get("status"), Provider: q.keep.Get("provider"), Query: q.keep.Get("q"), Sort: f.Sort, ShowProviders: a.ReadsEverything(),
		Filtered: q.filtered(), CanManage: a.CanManageChecks(), CSVHref: q.href("/checks.csv"), Grouped: f.Sort == "service"}
	if p.ShowProviders {
		providers, err := s.orgsOfKind(r, itsm.OrgProvider)
		if err != nil {
			return err
		}
		p.Providers = withAll("All providers", providers)
	}
	for _, c := range checks {
		v := newCheckListRow(c)
		if n := len(p.Groups); p.Grouped && n > 0 && p.Groups[n-1].Service == c.Service {
			p.Groups[n-1].Checks = append(p.Groups[n-1].Checks, v)
			continue
		}
		if !p.Grouped && len(p.Groups) == 1 {
			p.Groups[0].Checks = append(p.Groups[0].Checks, v)
			continue
		}
		p.Groups = append(p.Groups, checkListGroup{Service: c.Service, Checks: []checkListRow{v}})
	}
	p.Wide = true
	p.Pager = newPager(q, "/checks", pg, total, len(checks), "checks")
	p.setPaged("Monitoring: checks", p.Pager)
	return s.render(w, http.StatusOK, "check_list", p)
}

// checkCSV exports every check matching the list's filters, every
// definition field with secret header values masked.
func (s *Server) checkCSV(w http.ResponseWriter, r *http.Request) error {
	if err := mayReadChecks(r); err != nil {
		return err
	}
	ctx := r.Context()
	q := newListQuery(r.URL.Query())
	f := checkListFilter(q, itsm.ActorFromContext(ctx).ReadsEverything())
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	checks, _, err := s.svc.Monitor.FindChecks(ctx, f)
	if err != nil {
		return err
	}
	out := newSafeCSV(w, "checks.csv")
	_ = out.Write(monitorfile.CSVColumns...)
	writePages(s, ctx, out, "checks", checks, 0, func(n int) ([]*itsm.Check, error) {
		f.Offset += n
		page, _, err := s.svc.Monitor.FindChecks(ctx, f)
		return page, err
	}, func(c *itsm.Check) []string {
		return monitorfile.CSVRow(c)
	})
	return nil
}

// findCheckToManage finds the check named in the path for a manager: 404
// to those who may not read checks or cannot see it, 403 to readers.
func (s *Server) findCheckToManage(r *http.Request) (*itsm.Check, error) {
	if err := mayReadChecks(r); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	c, err := s.svc.Monitor.FindCheckByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := mayManageChecks(r); err != nil {
		return nil, err
	}
	return c, nil
}

// checkDeletePage asks before a check is removed.
type checkDeletePage struct {
	basePage
	Check checkListRow
}

// checkDeleteForm asks whether to remove the check.
func (s *Server) checkDeleteForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.findCheckToManage(r)
	if err != nil {
		return err
	}
	p := &checkDeletePage{basePage: s.newPage(w, r, "Delete "+c.Name), Check: newCheckListRow(c)}
	p.Caption = c.Service
	p.BackHref = managedCheckHref(c)
	return s.render(w, http.StatusOK, "check_delete", p)
}

// checkDelete removes the check with its results; the incidents its
// outages opened stay.
func (s *Server) checkDelete(w http.ResponseWriter, r *http.Request) error {
	c, err := s.findCheckToManage(r)
	if err != nil {
		return err
	}
	if err := s.svc.Monitor.DeleteCheck(r.Context(), c.ID); err != nil {
		return err
	}
	return s.redirect(w, r, "/checks", c.Name+" ("+c.Service+") has been deleted, with its results.")
}

// checkPause and checkResume stop and restart a check's runs.
func (s *Server) checkPause(w http.ResponseWriter, r *http.Request) error {
	return s.setCheckEnabled(w, r, false)
}
func (s *Server) checkResume(w http.ResponseWriter, r *http.Request) error {
	return s.setCheckEnabled(w, r, true)
}

func (s *Server) setCheckEnabled(w http.ResponseWriter, r *http.Request, enabled bool) error {
	c, err := s.findCheckToManage(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	next := managedCheckHref(c)
	if n := r.PostFormValue("next"); n == "/checks" || n == managedCheckHref(c)+"/edit" {
		next = n
	}
	if c.Enabled == enabled {
		return s.redirect(w, r, next, "")
	}
	c.Enabled, c.Version = enabled, version
	if err := s.svc.Monitor.UpdateCheck(r.Context(), c); err != nil {
		return err
	}
	msg := c.Name + " is paused: it will not run until you resume it."
	if enabled {
		msg = c.Name + " has been resumed and will run again within " + intervalWords(c.Interval) + "."
	}
	return s.redirect(w, r, next, msg)
}

// checksOfService is the list filtered to one service.
func checksOfService(service string) string {
	return "/checks?" + url.Values{"service": {service}}.Encode()
}

// checkSaved is the flash after a check is added or changed.
func checkSaved(c *itsm.Check, added bool) string {
	if added {
		return fmt.Sprintf("%s has been added to %s. Its first run is within %s.", c.Name, c.Service, intervalWords(c.Interval))
	}
	return "Your changes to " + c.Name + " have been saved."
}
