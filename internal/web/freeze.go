package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

var freezeWhenOptions = []option{{"upcoming", "Current and upcoming"}, {"all", "All, past included"}}

var freezeSortOptions = sortOptions("start", "Earliest start first", "-start", "Latest start first")

// freezeListPage lists freeze periods.
type freezeListPage struct {
	basePage
	Freezes             []*itsm.FreezePeriod
	Pager               pager
	Service, When, Sort string
	Whens, Sorts        []option
	CanManage, Filtered bool
	CSVHref             string
}

// freezeFilter reads the list's filters: the service (global freezes
// always match) and whether past freezes show.
func (s *Server) freezeFilter(q *listQuery) (itsm.FreezeFilter, string) {
	var f itsm.FreezeFilter
	if svc := q.text("service"); svc != "" {
		if len([]rune(svc)) > itsm.MaxServiceLength {
			q.v.Add("service", "The service name must be 100 characters or fewer.")
		}
		f.Service = &svc
	}
	when := q.oneOf("when", freezeWhenOptions, "which freezes to show")
	if when == "" {
		when = "upcoming"
	}
	if when == "upcoming" {
		now := s.now()
		f.From = &now
	}
	f.Latest = q.sort(freezeSortOptions, "start") == "-start"
	return f, when
}

// freezeList shows the freeze periods to everyone signed in.
func (s *Server) freezeList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := newListQuery(r.URL.Query())
	f, when := s.freezeFilter(q)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(page), pageSize
	freezes, total, err := s.svc.Calendar.FindFreezes(ctx, f)
	if err != nil {
		return err
	}
	p := &freezeListPage{basePage: s.newPage(w, r, "Freeze periods"), Freezes: freezes, Service: q.keep.Get("service"),
		When: when, Sort: q.keep.Get("sort"), Whens: freezeWhenOptions, Sorts: freezeSortOptions,
		CanManage: itsm.ActorFromContext(ctx).CanManageFreezes(), Filtered: q.filtered(), CSVHref: q.href("/calendar/freezes.csv")}
	p.Wide = true
	p.BackHref = "/calendar"
	p.Pager = newPager(q, "/calendar/freezes", page, total, len(freezes), "freeze periods")
	p.setPaged("Freeze periods", p.Pager)
	return s.render(w, http.StatusOK, "freeze_list", p)
}

// freezeCSV exports every freeze period matching the list's filters.
func (s *Server) freezeCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := newListQuery(r.URL.Query())
	f, _ := s.freezeFilter(q)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	freezes, _, err := s.svc.Calendar.FindFreezes(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "freeze-periods.csv")
	_ = out.Write("id", "name", "service", "start", "end", "reason", "created_by", "created_at", "updated_at")
	writePages(s, ctx, out, "freezes", freezes, 0, func(n int) ([]*itsm.FreezePeriod, error) {
		f.Offset += n
		page, _, err := s.svc.Calendar.FindFreezes(ctx, f)
		return page, err
	}, func(fr *itsm.FreezePeriod) []string {
		return []string{strconv.FormatInt(fr.ID, 10), fr.Name, fr.Service, csvTime(fr.Start), csvTime(fr.End), fr.Reason,
			fr.CreatedBy, csvTime(fr.CreatedAt), csvTime(fr.UpdatedAt)}
	})
	return nil
}

// freezeDetailPage is one freeze period.
type freezeDetailPage struct {
	basePage
	Freeze    *itsm.FreezePeriod
	Reason    []string
	CanManage bool
}

// findFreeze reads the freeze named in the path.
func (s *Server) findFreeze(r *http.Request) (*itsm.FreezePeriod, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Calendar.FindFreezeByID(r.Context(), id)
}

// freezeDetail shows a freeze period to everyone signed in.
func (s *Server) freezeDetail(w http.ResponseWriter, r *http.Request) error {
	f, err := s.findFreeze(r)
	if err != nil {
		return err
	}
	p := &freezeDetailPage{basePage: s.newPage(w, r, f.Name), Freeze: f, Reason: paragraphs(f.Reason),
		CanManage: itsm.ActorFromContext(r.Context()).CanManageFreezes()}
	p.Caption = "Freeze period"
	p.BackHref = "/calendar/freezes"
	return s.render(w, http.StatusOK, "freeze_detail", p)
}

// freezeDelete removes a freeze period (managers and administrators).
func (s *Server) freezeDelete(w http.ResponseWriter, r *http.Request) error {
	f, err := s.findFreeze(r)
	if err != nil {
		return err
	}
	if err := canManageFreezesWeb(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	if err := s.svc.Calendar.DeleteFreeze(r.Context(), f.ID, version); err != nil {
		return err
	}
	return s.redirect(w, r, "/calendar/freezes", "The freeze period "+f.Name+" has been deleted.")
}

func canManageFreezesWeb(r *http.Request) error {
	if !itsm.ActorFromContext(r.Context()).CanManageFreezes() {
		return forbidden("Only programme managers and administrators can change freeze periods.")
	}
	return nil
}

// freezeFormPage adds or changes a freeze period. Dates and times are UK
// time (Europe/London) whatever the viewer's organisation's zone, because
// freezes are the programme's.
type freezeFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel        string
	Editing                                bool
	Version                                int64
	Name, Service, Reason                  string
	StartDate, StartTime, EndDate, EndTime string
}

var freezeFields = []string{"name", "service", "start", "start_time", "end", "end_time", "reason"}

// freezeInput is what the freeze form sent.
type freezeInput struct {
	name, service, reason                  string
	startDate, startTime, endDate, endTime string
}

func readFreezeForm(r *http.Request) freezeInput {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return freezeInput{name: v("name"), service: v("service"), reason: v("reason"),
		startDate: v("start"), startTime: v("start_time"), endDate: v("end"), endTime: v("end_time")}
}

// freezeZone is where freeze times are entered.
func freezeZone() *time.Location { return itsm.ReportLocation() }

// parseLocal reads a date (2026-03-27) and an optional time (09:30,
// midnight when blank) in UK time.
func parseLocal(v *itsm.Validation, date, clock, dateField, timeField, what string) time.Time {
	if date == "" {
		v.Add(dateField, "Enter the date the freeze "+what+", like 2026-03-27.")
		return time.Time{}
	}
	d, err := time.ParseInLocation("2006-01-02", date, freezeZone())
	if err != nil {
		v.Add(dateField, "Enter the date the freeze "+what+" as a real date, like 2026-03-27.")
		return time.Time{}
	}
	if clock == "" {
		return d
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		v.Add(timeField, "Enter the time the freeze "+what+" on the 24-hour clock, like 09:30, or leave it blank for midnight.")
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, freezeZone())
}

func (in freezeInput) toFreeze() (*itsm.FreezePeriod, error) {
	var v itsm.Validation
	f := &itsm.FreezePeriod{Name: in.name, Service: in.service, Reason: in.reason}
	f.Start = parseLocal(&v, in.startDate, in.startTime, "start", "start_time", "starts")
	f.End = parseLocal(&v, in.endDate, in.endTime, "end", "end_time", "ends")
	if err := v.Err(); err != nil {
		// Report the other fields' problems too.
		return f, mergeErrors(err, f.Validate())
	}
	return f, f.Validate()
}

func freezeInputOf(f *itsm.FreezePeriod) freezeInput {
	s, e := f.Start.In(freezeZone()), f.End.In(freezeZone())
	return freezeInput{name: f.Name, service: f.Service, reason: f.Reason,
		startDate: s.Format("2006-01-02"), startTime: s.Format("15:04"), endDate: e.Format("2006-01-02"), endTime: e.Format("15:04")}
}

func (p *freezeFormPage) fill(in freezeInput) {
	p.Name, p.Service, p.Reason = in.name, in.service, in.reason
	p.StartDate, p.StartTime, p.EndDate, p.EndTime = in.startDate, in.startTime, in.endDate, in.endTime
}

func (s *Server) newFreezeForm(w http.ResponseWriter, r *http.Request) *freezeFormPage {
	p := &freezeFormPage{basePage: s.newPage(w, r, "Add a freeze period")}
	p.Action, p.CancelHref, p.SubmitLabel = "/calendar/freezes/new", "/calendar/freezes", "Add freeze period"
	p.BackHref = "/calendar/freezes"
	return p
}

// freezeNewForm shows the form for a new freeze period.
func (s *Server) freezeNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := canManageFreezesWeb(r); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "freeze_form", s.newFreezeForm(w, r))
}

// freezeCreate adds the freeze period and shows it.
func (s *Server) freezeCreate(w http.ResponseWriter, r *http.Request) error {
	if err := canManageFreezesWeb(r); err != nil {
		return err
	}
	in := readFreezeForm(r)
	f, err := in.toFreeze()
	if err == nil {
		err = s.svc.Calendar.CreateFreeze(r.Context(), f)
	}
	if formFailed(err) {
		p := s.newFreezeForm(w, r)
		p.fill(in)
		p.setErrors(err, freezeFields...)
		return s.render(w, formStatus(err), "freeze_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, freezeHref(f), "The freeze period "+f.Name+" has been added.")
}

func (s *Server) editFreezeForm(w http.ResponseWriter, r *http.Request, f *itsm.FreezePeriod) *freezeFormPage {
	p := &freezeFormPage{basePage: s.newPage(w, r, "Change "+f.Name), Editing: true, Version: f.Version}
	p.Caption = "Freeze period"
	p.Action, p.CancelHref, p.SubmitLabel = freezeHref(f)+"/edit", freezeHref(f), "Save changes"
	p.BackHref = freezeHref(f)
	return p
}

// freezeEditForm shows the form to change a freeze period.
func (s *Server) freezeEditForm(w http.ResponseWriter, r *http.Request) error {
	f, err := s.findFreeze(r)
	if err != nil {
		return err
	}
	if err := canManageFreezesWeb(r); err != nil {
		return err
	}
	p := s.editFreezeForm(w, r, f)
	p.fill(freezeInputOf(f))
	return s.render(w, http.StatusOK, "freeze_form", p)
}

// freezeUpdate saves the change unless someone changed the freeze since
// the form was opened.
func (s *Server) freezeUpdate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.findFreeze(r)
	if err != nil {
		return err
	}
	if err := canManageFreezesWeb(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	in := readFreezeForm(r)
	want, err := in.toFreeze()
	var saved *itsm.FreezePeriod
	if err == nil {
		saved, err = s.svc.Calendar.UpdateFreeze(r.Context(), f.ID, itsm.FreezeUpdate{Name: &want.Name, Service: &want.Service,
			Reason: &want.Reason, Start: &want.Start, End: &want.End, Version: version})
	}
	if formFailed(err) {
		p := s.editFreezeForm(w, r, f)
		p.Version = version
		p.fill(in)
		p.setErrors(err, freezeFields...)
		return s.render(w, formStatus(err), "freeze_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, freezeHref(saved), "Your changes to "+saved.Name+" have been saved.")
}

func freezeHref(f *itsm.FreezePeriod) string {
	return "/calendar/freezes/" + strconv.FormatInt(f.ID, 10)
}
