package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Maintenance windows: whoever reads checks sees the windows, planned here
// or taken from scheduled changes whose window touches a service;
// programme managers and administrators plan and cancel them. Customers
// see them on the status page instead.

// maintenanceRow is a window as the list shows it.
type maintenanceRow struct{ *itsm.MaintenanceWindow }

// ServiceLabel names the service, or says the window covers them all.
func (v maintenanceRow) ServiceLabel() string {
	if v.Service == "" {
		return "Every service"
	}
	return v.Service
}

// Planned reports whether the window was planned here (not a change's).
func (v maintenanceRow) Planned() bool { return v.Source == "planned" }

// ChangeHref is the change a window comes from.
func (v maintenanceRow) ChangeHref() string {
	if v.ChangeID == nil {
		return ""
	}
	return "/changes/" + strconv.FormatInt(*v.ChangeID, 10)
}

// Starts and Ends are the window's bounds in UK time, saying which.
func (v maintenanceRow) Starts() string { return londonDateTime(v.StartsAt) }

// Ends is the window's end in UK time.
func (v maintenanceRow) Ends() string { return londonDateTime(v.EndsAt) }

// maintenanceListPage lists current and upcoming windows, or past ones.
type maintenanceListPage struct {
	basePage
	Windows             []maintenanceRow
	Pager               pager
	Service, When       string
	Whens               []option
	CanManage, Filtered bool
	Now                 time.Time
	CSVHref             string
}

// maintenanceWhens are the periods the list can show.
var maintenanceWhens = []option{{"", "Current and upcoming"}, {"past", "Past year"}}

// maintenanceFilter reads the list's filters: a service, and current and
// upcoming windows (the default) or those of the past year.
func (s *Server) maintenanceFilter(q *listQuery) (itsm.MaintenanceFilter, string) {
	var f itsm.MaintenanceFilter
	if svc := q.text("service"); svc != "" {
		f.Service = &svc
	}
	when := q.oneOf("when", maintenanceWhens, "which windows to show")
	if when == "past" {
		now := s.now()
		from := now.AddDate(-1, 0, 0)
		f.From, f.To = &from, &now
	}
	return f, when
}

// Begun reports whether a window has started, so it can no longer be
// cancelled.
func (p *maintenanceListPage) Begun(v maintenanceRow) bool { return !v.StartsAt.After(p.Now) }

// maintenanceList shows the current and upcoming windows.
func (s *Server) maintenanceList(w http.ResponseWriter, r *http.Request) error {
	if err := mayReadChecks(r); err != nil {
		return err
	}
	ctx := r.Context()
	q := newListQuery(r.URL.Query())
	f, when := s.maintenanceFilter(q)
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(pg), pageSize
	windows, total, err := s.svc.Monitor.FindMaintenance(ctx, f)
	if err != nil {
		return err
	}
	p := &maintenanceListPage{basePage: s.newPage(w, r, "Maintenance windows"), Service: q.keep.Get("service"), When: when, Whens: maintenanceWhens,
		CanManage: itsm.ActorFromContext(ctx).CanManageChecks(), Filtered: q.filtered(), Now: s.now(), CSVHref: q.href("/maintenance.csv")}
	for _, m := range windows {
		p.Windows = append(p.Windows, maintenanceRow{m})
	}
	p.Wide = true
	p.BackHref = "/checks"
	p.Pager = newPager(q, "/maintenance", pg, total, len(windows), "maintenance windows")
	p.setPaged("Maintenance windows", p.Pager)
	return s.render(w, http.StatusOK, "maintenance_list", p)
}

// maintenanceCSV exports the windows the list shows, every page.
func (s *Server) maintenanceCSV(w http.ResponseWriter, r *http.Request) error {
	if err := mayReadChecks(r); err != nil {
		return err
	}
	ctx := r.Context()
	q := newListQuery(r.URL.Query())
	f, _ := s.maintenanceFilter(q)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	windows, _, err := s.svc.Monitor.FindMaintenance(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "maintenance.csv")
	_ = out.Write("source", "title", "service", "starts_at", "ends_at", "change_ref", "notes")
	writePages(s, ctx, out, "maintenance windows", windows, f.Limit, func(n int) ([]*itsm.MaintenanceWindow, error) {
		f.Offset += n
		page, _, err := s.svc.Monitor.FindMaintenance(ctx, f)
		return page, err
	}, func(m *itsm.MaintenanceWindow) []string {
		return []string{m.Source, m.Title, m.Service, csvTime(m.StartsAt), csvTime(m.EndsAt), m.ChangeRef, m.Notes}
	})
	return nil
}

// maintenanceFormPage plans a window. Dates and times are UK time.
type maintenanceFormPage struct {
	basePage
	WindowTitle, Service, Notes            string
	StartDate, StartTime, EndDate, EndTime string
}

var maintenanceFields = []string{"title", "service", "starts_at", "ends_at", "notes"}

func (s *Server) maintenanceForm(w http.ResponseWriter, r *http.Request) *maintenanceFormPage {
	p := &maintenanceFormPage{basePage: s.newPage(w, r, "Plan maintenance")}
	p.BackHref = "/maintenance"
	return p
}

// maintenanceNewForm shows the form.
func (s *Server) maintenanceNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := mayManageChecks(r); err != nil {
		return err
	}
	p := s.maintenanceForm(w, r)
	p.Service = r.URL.Query().Get("service")
	return s.render(w, http.StatusOK, "maintenance_form", p)
}

// maintenanceCreate plans the window and lists the windows.
func (s *Server) maintenanceCreate(w http.ResponseWriter, r *http.Request) error {
	if err := mayManageChecks(r); err != nil {
		return err
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	p := s.maintenanceForm(w, r)
	p.WindowTitle, p.Service, p.Notes = v("title"), v("service"), r.PostFormValue("notes")
	p.StartDate, p.StartTime, p.EndDate, p.EndTime = v("starts_at_date"), v("starts_at_time"), v("ends_at_date"), v("ends_at_time")
	m := &itsm.MaintenanceWindow{Title: p.WindowTitle, Service: p.Service, Notes: p.Notes}
	var val itsm.Validation
	var msg string
	if m.StartsAt, msg = parseLocalDateTime(p.StartDate, p.StartTime, "the maintenance starts"); msg != "" {
		val.Add("starts_at", msg)
	}
	if m.EndsAt, msg = parseLocalDateTime(p.EndDate, p.EndTime, "the maintenance ends"); msg != "" {
		val.Add("ends_at", msg)
	}
	err := val.Err()
	if err == nil {
		err = s.svc.Monitor.CreateMaintenance(r.Context(), m)
	} else if strings.TrimSpace(m.Title) == "" {
		err = mergeErrors(err, fieldErr("title", "Enter what the maintenance is for."))
	}
	if formFailed(err) {
		p.setErrors(err, maintenanceFields...)
		return s.render(w, formStatus(err), "maintenance_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, "/maintenance", "Maintenance planned: "+m.Title+", from "+londonDateTime(m.StartsAt)+" to "+londonDateTime(m.EndsAt)+".")
}

// maintenanceDelete cancels a planned window that has not begun; the
// store's refusal of one that has is shown on the list.
func (s *Server) maintenanceDelete(w http.ResponseWriter, r *http.Request) error {
	if err := mayManageChecks(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	err = s.svc.Monitor.DeleteMaintenance(r.Context(), id)
	if itsm.ErrorCode(err) == itsm.ECONFLICT {
		s.setFlash(w, flash{Kind: flashError, Message: itsm.ErrorMessage(err)})
		http.Redirect(w, r, "/maintenance", http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	title := r.PostFormValue("title")
	if title == "" {
		title = "The maintenance window"
	}
	return s.redirect(w, r, "/maintenance", title+" has been cancelled.")
}
