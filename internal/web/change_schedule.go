package web

import (
	"net/http"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// changeSchedulePage schedules an approved change into a target release and
// an implementation window, entered in UK time. "Check for clashes" shows
// the window's conflicts (overlapping windows on the same service, and
// freezes) before anything is saved; a freeze refuses the window unless a
// programme manager overrides it with a reason.
type changeSchedulePage struct {
	basePage
	Change                  changeView
	TargetRelease, Service  string
	StartDate, StartTime    string
	EndDate, EndTime        string
	OverrideReason          string
	CanOverride, Checked    bool
	Conflicts               []itsm.ScheduleConflict
	HasFreeze, Rescheduling bool
}

var changeScheduleFields = []string{"target_release", "window_start", "window_end", "service", "override_reason"}

// Overlaps are the other changes' windows the window overlaps.
func (p *changeSchedulePage) Overlaps() []itsm.ScheduleConflict {
	return conflictsOf(p.Conflicts, itsm.ConflictOverlap)
}

// Freezes are the freeze periods the window falls in.
func (p *changeSchedulePage) Freezes() []itsm.ScheduleConflict {
	return conflictsOf(p.Conflicts, itsm.ConflictFreeze)
}

func conflictsOf(cs []itsm.ScheduleConflict, kind string) []itsm.ScheduleConflict {
	var out []itsm.ScheduleConflict
	for _, c := range cs {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// findChangeToSchedule finds the change (404) and checks the viewer may
// schedule it now: the programme team, once it is approved.
func (s *Server) findChangeToSchedule(r *http.Request) (*itsm.ChangeRequest, error) {
	c, err := s.findChange(r)
	if err != nil {
		return nil, err
	}
	if err := itsm.CheckChangeAction(c, itsm.ActorFromContext(r.Context()), itsm.ActSchedule); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Server) changeSchedulePage(w http.ResponseWriter, r *http.Request, c *itsm.ChangeRequest) *changeSchedulePage {
	a := itsm.ActorFromContext(r.Context())
	p := &changeSchedulePage{basePage: s.newPage(w, r, "Schedule "+c.Ref), Change: changeView{c, itsm.ChangeToday(s.now())},
		CanOverride: isManager(a), Rescheduling: c.State == itsm.ChangeScheduled}
	if p.Rescheduling {
		p.Title = "Reschedule " + c.Ref
	}
	p.Caption = c.Title
	p.BackHref = changeHref(c)
	return p
}

// scheduleInput is what the scheduling form sent.
type scheduleInput struct {
	release, service, startDate, startTime, endDate, endTime, override string
}

func readScheduleForm(r *http.Request) scheduleInput {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return scheduleInput{release: f("target_release"), service: f("service"), startDate: f("window_start_date"), startTime: f("window_start_time"),
		endDate: f("window_end_date"), endTime: f("window_end_time"), override: r.PostFormValue("override_reason")}
}

func (p *changeSchedulePage) fill(in scheduleInput) {
	p.TargetRelease, p.Service, p.OverrideReason = in.release, in.service, in.override
	p.StartDate, p.StartTime, p.EndDate, p.EndTime = in.startDate, in.startTime, in.endDate, in.endTime
}

// parse turns the form into a schedule; the window's times are UK local
// times.
func (in scheduleInput) parse(version int64) (itsm.ChangeSchedule, error) {
	sch := itsm.ChangeSchedule{TargetRelease: in.release, Service: in.service, OverrideReason: in.override, Version: version}
	var v itsm.Validation
	var msg string
	if sch.WindowStart, msg = parseLocalDateTime(in.startDate, in.startTime, "the window starts"); msg != "" {
		v.Add("window_start", msg)
	}
	if sch.WindowEnd, msg = parseLocalDateTime(in.endDate, in.endTime, "the window ends"); msg != "" {
		v.Add("window_end", msg)
	}
	return sch, v.Err()
}

// changeScheduleForm shows the form, filled with the change's current
// window when it has one.
func (s *Server) changeScheduleForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.findChangeToSchedule(r)
	if err != nil {
		return err
	}
	p := s.changeSchedulePage(w, r, c)
	p.fill(scheduleInput{release: c.TargetRelease, service: c.Service, startDate: localDateInput(c.WindowStart), startTime: localClockInput(c.WindowStart),
		endDate: localDateInput(c.WindowEnd), endTime: localClockInput(c.WindowEnd)})
	return s.render(w, http.StatusOK, "change_schedule", p)
}

// changeScheduleCheck shows the window's conflicts without saving it.
func (s *Server) changeScheduleCheck(w http.ResponseWriter, r *http.Request) error {
	c, err := s.findChangeToSchedule(r)
	if err != nil {
		return err
	}
	p := s.changeSchedulePage(w, r, c)
	in := readScheduleForm(r)
	p.fill(in)
	sch, err := in.parse(c.Version)
	if err == nil {
		p.Conflicts, err = s.svc.Changes.ChangeScheduleConflicts(r.Context(), c.ID, sch)
	}
	if formFailed(err) {
		p.setErrors(err, changeScheduleFields...)
		return s.render(w, formStatus(err), "change_schedule", p)
	} else if err != nil {
		return err
	}
	p.Checked, p.HasFreeze = true, itsm.HasFreezeConflict(p.Conflicts)
	return s.render(w, http.StatusOK, "change_schedule", p)
}

// changeSchedule saves the window. A window in a freeze comes back with
// the freeze named, unless a manager gave a reason to override it; overlaps
// do not refuse the window, and the confirmation names them.
func (s *Server) changeSchedule(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if itsm.ActorFromContext(ctx).ReadOnly() {
		return forbidden("Auditors can read changes but not change them.")
	}
	c, err := s.findChangeToSchedule(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	p := s.changeSchedulePage(w, r, c)
	in := readScheduleForm(r)
	p.fill(in)
	if !p.CanOverride && strings.TrimSpace(in.override) != "" {
		return forbidden("Only a programme manager can override a freeze.")
	}
	sch, err := in.parse(version)
	var saved *itsm.ChangeRequest
	var conflicts []itsm.ScheduleConflict
	if err == nil {
		saved, conflicts, err = s.svc.Changes.ScheduleChange(ctx, c.ID, sch)
	}
	if formFailed(err) {
		if sch.WindowStart.Before(sch.WindowEnd) {
			// Show what clashes, so that the person can choose another
			// window (or, a manager, override the freeze).
			if cs, cerr := s.svc.Changes.ChangeScheduleConflicts(ctx, c.ID, sch); cerr == nil {
				p.Conflicts, p.Checked, p.HasFreeze = cs, true, itsm.HasFreezeConflict(cs)
			}
		}
		p.setErrors(err, changeScheduleFields...)
		return s.render(w, formStatus(err), "change_schedule", p)
	} else if err != nil {
		return err
	}
	msg := saved.Ref + " is scheduled for release " + saved.TargetRelease + ", from " + londonDateTime(*saved.WindowStart) + " to " + londonDateTime(*saved.WindowEnd) + "."
	if overlaps := conflictsOf(conflicts, itsm.ConflictOverlap); len(overlaps) > 0 {
		var refs []string
		for _, o := range overlaps {
			refs = append(refs, o.Ref)
		}
		msg += " Its window overlaps " + strings.Join(refs, ", ") + " on the same service: agree the order of work with the provider."
	}
	if itsm.HasFreezeConflict(conflicts) {
		msg += " The freeze was overridden, and the override is in the audit log."
	}
	return s.redirect(w, r, changeHref(saved), msg)
}
