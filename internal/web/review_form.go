package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// reviewFormPage plans a review, or changes one: managers and
// administrators see every field; agents only the minutes.
type reviewFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel string
	Editing, Full, ChooseProvider   bool
	Version                         int64
	In                              reviewInput
	Providers, Statuses             []option
}

var reviewFields = []string{"provider_id", "title", "period_from", "period_to", "meeting_at", "location", "status", "minutes"}

// reviewInput is what the review form sent.
type reviewInput struct {
	Provider, Title, PeriodFrom, PeriodTo, MeetingDate, MeetingTime, Location, Status, Minutes string
}

func readReviewForm(r *http.Request) reviewInput {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return reviewInput{Provider: f("provider_id"), Title: f("title"), PeriodFrom: f("period_from"), PeriodTo: f("period_to"),
		MeetingDate: f("meeting_date"), MeetingTime: f("meeting_time"), Location: f("location"), Status: f("status"), Minutes: r.PostFormValue("minutes")}
}

// review turns the input into a review, with the problems only the form
// can see (dates it cannot read).
func (in reviewInput) review() (*itsm.Review, error) {
	rv := &itsm.Review{Title: in.Title, Location: in.Location, Status: in.Status, Minutes: in.Minutes}
	rv.ProviderID, _ = strconv.ParseInt(in.Provider, 10, 64)
	var v itsm.Validation
	var msg string
	if rv.PeriodFrom, msg = parseCalendarDate(in.PeriodFrom, "the first day of the period"); msg != "" {
		v.Add("period_from", msg)
	}
	if rv.PeriodTo, msg = parseCalendarDate(in.PeriodTo, "the last day of the period"); msg != "" {
		v.Add("period_to", msg)
	}
	if rv.MeetingAt, msg = parseLocalDateTime(in.MeetingDate, in.MeetingTime, "of the meeting"); msg != "" {
		v.Add("meeting_at", msg)
	}
	return rv, v.Err()
}

func inputOfReview(rv *itsm.Review) reviewInput {
	m := rv.MeetingAt.In(londonLocation())
	return reviewInput{Provider: strconv.FormatInt(rv.ProviderID, 10), Title: rv.Title, PeriodFrom: rv.PeriodFrom.Format("2006-01-02"),
		PeriodTo: rv.PeriodTo.Format("2006-01-02"), MeetingDate: m.Format("2006-01-02"), MeetingTime: m.Format("15:04"), Location: rv.Location,
		Status: rv.Status, Minutes: rv.Minutes}
}

func canPlanReviews(a *itsm.Actor) error {
	if err := canSeeReviews(a); err != nil {
		return err
	}
	if !a.CanManageReviews() {
		return forbidden("Only programme managers and administrators can plan performance reviews.")
	}
	return nil
}

func (s *Server) reviewNewPage(w http.ResponseWriter, r *http.Request) (*reviewFormPage, error) {
	provs, err := s.orgsOfKind(r, itsm.OrgProvider)
	if err != nil {
		return nil, err
	}
	p := &reviewFormPage{basePage: s.newPage(w, r, "Plan a performance review"), Full: true, ChooseProvider: true,
		Providers: append([]option{{"", "Choose a provider"}}, provs...), Statuses: reviewStatusOptions(),
		Action: "/reviews/new", CancelHref: "/reviews", SubmitLabel: "Plan review"}
	p.BackHref = "/reviews"
	return p, nil
}

// reviewNewForm shows the form for a new review, with last quarter as the
// period and its default title.
func (s *Server) reviewNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := canPlanReviews(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	p, err := s.reviewNewPage(w, r)
	if err != nil {
		return err
	}
	q := itsm.QuarterOf(s.now())
	q.Q--
	if q.Q == 0 {
		q.Q, q.Year = 4, q.Year-1
	}
	p.In = reviewInput{Provider: r.URL.Query().Get("provider"), Title: itsm.DefaultReviewTitle(q.Start()), PeriodFrom: q.Start().Format("2006-01-02"),
		PeriodTo: q.End().AddDate(0, 0, -1).Format("2006-01-02"), MeetingTime: "10:00", Status: itsm.ReviewPlanned}
	return s.render(w, http.StatusOK, "review_form", p)
}

// reviewCreate plans the review and shows it.
func (s *Server) reviewCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := canPlanReviews(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	p, err := s.reviewNewPage(w, r)
	if err != nil {
		return err
	}
	in := readReviewForm(r)
	in.Minutes = ""
	rv, err := in.review()
	var v itsm.Validation
	v.Check(in.Provider != "" && hasOption(p.Providers, in.Provider), "provider_id", "Choose the provider whose performance is reviewed.")
	check := *rv
	err = mergeErrors(v.Err(), err, check.Validate())
	if err == nil {
		err = s.svc.Reviews.CreateReview(ctx, rv)
	}
	if formFailed(err) {
		p.In = in
		p.setErrors(err, reviewFields...)
		return s.render(w, formStatus(err), "review_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, reviewHref(rv.ID), rv.Title+" with "+rv.ProviderName+" has been planned.")
}

// findReviewToEdit finds a review the caller can see (404 otherwise) and
// may change (403 otherwise).
func (s *Server) findReviewToEdit(r *http.Request) (*itsm.Review, error) {
	rv, err := s.findReview(r)
	if err != nil {
		return nil, err
	}
	if !itsm.ActorFromContext(r.Context()).CanRecordReviews() {
		return nil, forbidden("Only the programme team can change performance reviews.")
	}
	return rv, nil
}

func (s *Server) reviewEditPage(w http.ResponseWriter, r *http.Request, rv *itsm.Review) *reviewFormPage {
	a := itsm.ActorFromContext(r.Context())
	title := "Change " + rv.Title
	if !a.CanManageReviews() {
		title = "Record the minutes of " + rv.Title
	}
	p := &reviewFormPage{basePage: s.newPage(w, r, title), Editing: true, Full: a.CanManageReviews(), Version: rv.Version, Statuses: reviewStatusOptions(),
		Action: reviewHref(rv.ID) + "/edit", CancelHref: reviewHref(rv.ID), SubmitLabel: "Save changes"}
	p.Caption = rv.ProviderName
	p.BackHref = reviewHref(rv.ID)
	return p
}

// reviewEditForm shows the form to change a review.
func (s *Server) reviewEditForm(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.findReviewToEdit(r)
	if err != nil {
		return err
	}
	p := s.reviewEditPage(w, r, rv)
	p.In = inputOfReview(rv)
	return s.render(w, http.StatusOK, "review_form", p)
}

// reviewUpdate saves the change unless someone else changed the review
// since the form was opened.
func (s *Server) reviewUpdate(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.findReviewToEdit(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	p := s.reviewEditPage(w, r, rv)
	in := readReviewForm(r)
	upd := itsm.ReviewUpdate{Minutes: &in.Minutes, Version: version}
	if p.Full {
		in.Provider = strconv.FormatInt(rv.ProviderID, 10)
		var want *itsm.Review
		want, err = in.review()
		check := *want
		check.Attendees = rv.Attendees
		err = mergeErrors(err, check.Validate())
		upd.Title, upd.Location, upd.Status = &want.Title, &want.Location, &want.Status
		upd.PeriodFrom, upd.PeriodTo, upd.MeetingAt = &want.PeriodFrom, &want.PeriodTo, &want.MeetingAt
	} else {
		keep := inputOfReview(rv)
		keep.Minutes = in.Minutes
		in = keep
	}
	var saved *itsm.Review
	if err == nil {
		saved, err = s.svc.Reviews.UpdateReview(r.Context(), rv.ID, upd)
	}
	if formFailed(err) {
		p.In = in
		p.Version = version
		p.setErrors(err, reviewFields...)
		return s.render(w, formStatus(err), "review_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, reviewHref(saved.ID), "Your changes to "+saved.Title+" have been saved.")
}

// attendeeInput is what the attendee form sent.
type attendeeInput struct{ name, role, attended string }

// Name, Role and Attended give the template the typed values.
func (i attendeeInput) Name() string { return i.name }

// Role is the typed organisation and role.
func (i attendeeInput) Role() string { return i.role }

// Attended is "yes" or "no".
func (i attendeeInput) Attended() string { return i.attended }

var attendeeFields = []string{"attendee_name", "attendee_role", "attended", "attendees"}

// reviewAttendeeAdd adds a person to the review's attendees.
func (s *Server) reviewAttendeeAdd(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.findReviewToEdit(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	in := attendeeInput{name: strings.TrimSpace(r.PostFormValue("attendee_name")), role: strings.TrimSpace(r.PostFormValue("attendee_role")), attended: r.PostFormValue("attended")}
	var v itsm.Validation
	v.Check(in.name != "", "attendee_name", "Enter the attendee's name.")
	v.Check(in.attended == "yes" || in.attended == "no", "attended", "Say whether they attended.")
	err = v.Err()
	if err == nil {
		list := append(append([]itsm.ReviewAttendee{}, rv.Attendees...), itsm.ReviewAttendee{Name: in.name, Role: in.role, Attended: in.attended == "yes"})
		_, err = s.svc.Reviews.UpdateReview(r.Context(), rv.ID, itsm.ReviewUpdate{Attendees: &list, Version: version})
		if msg := itsm.ErrorFields(err)["attendees"]; msg != "" {
			err = fieldErr("attendee_name", msg)
		}
	}
	if formFailed(err) {
		p, perr := s.reviewDetailPage(w, r, rv)
		if perr != nil {
			return perr
		}
		p.NewAttendee, p.AttendeeError = in, true
		p.setErrors(err, attendeeFields...)
		return s.render(w, formStatus(err), "review_detail", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, reviewHref(rv.ID)+"#attendees", in.name+" has been added to the attendees.")
}

// reviewAttendeeRemove removes one attendee, by position.
func (s *Server) reviewAttendeeRemove(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.findReviewToEdit(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	i, err := strconv.Atoi(r.PostFormValue("index"))
	if err != nil || i < 0 || i >= len(rv.Attendees) || rv.Attendees[i].Name != r.PostFormValue("name") {
		return itsm.Errorf(itsm.EINVALID, "The form does not say which attendee to remove, or the list has changed. Go back, reload the page and try again.")
	}
	name := rv.Attendees[i].Name
	list := append(append([]itsm.ReviewAttendee{}, rv.Attendees[:i]...), rv.Attendees[i+1:]...)
	if _, err := s.svc.Reviews.UpdateReview(r.Context(), rv.ID, itsm.ReviewUpdate{Attendees: &list, Version: version}); err != nil {
		return err
	}
	return s.redirect(w, r, reviewHref(rv.ID)+"#attendees", name+" has been removed from the attendees.")
}

// reviewActionInput is what an action form sent.
type reviewActionInput struct{ title, owner, ownerName, due, status, note string }

// Title and the other methods give the template the typed values.
func (i reviewActionInput) Title() string { return i.title }

// Owner is the chosen owner's ID.
func (i reviewActionInput) Owner() string { return i.owner }

// OwnerName is the typed owner's name.
func (i reviewActionInput) OwnerName() string { return i.ownerName }

// Due is the typed due date.
func (i reviewActionInput) Due() string { return i.due }

// Status is the chosen status.
func (i reviewActionInput) Status() string { return i.status }

// Note is the typed note.
func (i reviewActionInput) Note() string { return i.note }

var reviewActionFields = []string{"title", "owner", "due_date", "status", "note"}

func readReviewActionForm(r *http.Request) reviewActionInput {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return reviewActionInput{title: f("title"), owner: f("owner"), ownerName: f("owner_name"), due: f("due_date"), status: f("status"), note: r.PostFormValue("note")}
}

// action turns the input into an action.
func (in reviewActionInput) action() (*itsm.ReviewAction, error) {
	act := &itsm.ReviewAction{Title: in.title, OwnerName: in.ownerName, Status: in.status, Note: in.note}
	var v itsm.Validation
	if in.owner != "" {
		id, err := strconv.ParseInt(in.owner, 10, 64)
		if err != nil || id <= 0 {
			v.Add("owner", "Choose the action's owner from the list, or enter their name.")
		}
		act.OwnerID = &id
	}
	var msg string
	if act.DueDate, msg = parseCalendarDate(in.due, "the date the action is due"); msg != "" {
		v.Add("due_date", msg)
	}
	return act, v.Err()
}

// reviewActionAdd records an action agreed at the review.
func (s *Server) reviewActionAdd(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.findReviewToEdit(r)
	if err != nil {
		return err
	}
	in := readReviewActionForm(r)
	act, err := in.action()
	check := *act
	// The form's own problems (a date it cannot read) come first.
	if err = mergeErrors(err, check.Validate()); err == nil {
		err = s.svc.Reviews.CreateReviewAction(r.Context(), rv.ID, act)
	}
	if formFailed(err) {
		p, perr := s.reviewDetailPage(w, r, rv)
		if perr != nil {
			return perr
		}
		p.NewAction, p.ActionError = in, true
		p.setErrors(err, reviewActionFields...)
		return s.render(w, formStatus(err), "review_detail", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, reviewHref(rv.ID)+"#actions", "The action has been recorded.")
}

// reviewActionFormPage changes an action: the programme team every field,
// its owner at the provider the status and note.
type reviewActionFormPage struct {
	basePage
	Act                      *itsm.ReviewAction
	In                       reviewActionInput
	Full                     bool
	Owners, Statuses         []option
	ActionHref, ReviewHrefTo string
}

// findReviewActionToEdit reads the action in the path: 404 when its
// review is not visible, 403 when the caller may not change it.
func (s *Server) findReviewActionToEdit(r *http.Request) (*itsm.ReviewAction, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canSeeReviews(a); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	act, err := s.svc.Reviews.FindReviewActionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.CanUpdateReviewAction(act) {
		return nil, forbidden("Only the programme team and the action's owner can change this action.")
	}
	return act, nil
}

func (s *Server) reviewActionFormPage(w http.ResponseWriter, r *http.Request, act *itsm.ReviewAction) (*reviewActionFormPage, error) {
	a := itsm.ActorFromContext(r.Context())
	p := &reviewActionFormPage{basePage: s.newPage(w, r, "Change an action"), Act: act, Full: a.CanRecordReviews(),
		Statuses: integrationOptions(itsm.ReviewActionStatuses), ActionHref: "/review-actions/" + strconv.FormatInt(act.ID, 10) + "/edit",
		ReviewHrefTo: reviewHref(act.ReviewID)}
	if p.Full {
		owners, err := s.reviewOwnerOptions(r, act.ReviewID)
		if err != nil {
			return nil, err
		}
		p.Owners = owners
	}
	p.Caption = act.ReviewTitle
	p.BackHref = p.ReviewHrefTo
	return p, nil
}

// reviewActionEditForm shows the form to change an action.
func (s *Server) reviewActionEditForm(w http.ResponseWriter, r *http.Request) error {
	act, err := s.findReviewActionToEdit(r)
	if err != nil {
		return err
	}
	p, err := s.reviewActionFormPage(w, r, act)
	if err != nil {
		return err
	}
	p.In = reviewActionInput{title: act.Title, ownerName: act.OwnerName, due: act.DueDate.Format("2006-01-02"), status: act.Status, note: act.Note}
	if act.OwnerID != nil {
		p.In.owner, p.In.ownerName = strconv.FormatInt(*act.OwnerID, 10), ""
	}
	return s.render(w, http.StatusOK, "review_action_form", p)
}

// reviewActionUpdate saves the change of an action.
func (s *Server) reviewActionUpdate(w http.ResponseWriter, r *http.Request) error {
	act, err := s.findReviewActionToEdit(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	p, err := s.reviewActionFormPage(w, r, act)
	if err != nil {
		return err
	}
	in := readReviewActionForm(r)
	upd := itsm.ReviewActionUpdate{Status: &in.status, Note: &in.note, Version: version}
	if p.Full {
		var want *itsm.ReviewAction
		want, err = in.action()
		upd.Title, upd.OwnerName, upd.DueDate = &want.Title, &want.OwnerName, &want.DueDate
		var none int64
		upd.OwnerID = &none
		if want.OwnerID != nil {
			upd.OwnerID = want.OwnerID
		}
	} else {
		in.title, in.due = act.Title, act.DueDate.Format("2006-01-02")
	}
	var saved *itsm.ReviewAction
	if err == nil {
		saved, err = s.svc.Reviews.UpdateReviewAction(r.Context(), act.ID, upd)
	}
	if formFailed(err) {
		p.In = in
		p.setErrors(err, reviewActionFields...)
		return s.render(w, formStatus(err), "review_action_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, reviewHref(saved.ReviewID)+"#actions", "The action “"+saved.Title+"” has been saved.")
}
