package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Mitigating actions on risks and programme issues: added on the risk's or
// issue's page, changed on their own form, and marked done or cancelled
// with one button. Programme staff manage them; a provider records the
// status of the actions its people own.

var actionStatusOptions = []option{
	{string(itsm.ActionOpen), "Open"},
	{string(itsm.ActionDone), "Done"},
	{string(itsm.ActionCancelled), "Cancelled"},
}

// actionView is an action as the pages show it.
type actionView struct {
	*itsm.RAIDAction
	// CanSetStatus: the viewer may mark it done, cancelled or open again.
	CanSetStatus bool
	// CanEdit: the viewer may change its description, owner and due date.
	CanEdit bool
}

// StatusLabel is the status as a person reads it.
func (v actionView) StatusLabel() string {
	return raidOptionLabel(actionStatusOptions, string(v.Status))
}

// StatusTag is the DS tag colour of the status.
func (v actionView) StatusTag() string {
	switch {
	case v.Overdue:
		return "ds_tag--red"
	case v.Status == itsm.ActionDone:
		return "ds_tag--green"
	case v.Status == itsm.ActionCancelled:
		return "ds_tag--grey"
	}
	return ""
}

// OwnerLabel names the owner, or says there is none.
func (v actionView) OwnerLabel() string { return raidOrNone(v.OwnerID, v.Owner, "No owner") }

// ParentHref is the address of the action's risk or issue.
func (v actionView) ParentHref() string {
	if v.ParentType == itsm.ActionOnIssue {
		return "/programme-issues/" + strconv.FormatInt(v.ParentID, 10)
	}
	return "/risks/" + strconv.FormatInt(v.ParentID, 10)
}

func actionViews(as []*itsm.RAIDAction, a *itsm.Actor) []actionView {
	out := make([]actionView, len(as))
	for i, x := range as {
		out[i] = actionView{RAIDAction: x, CanEdit: a.IsStaff(), CanSetStatus: canSetActionStatus(a, x)}
	}
	return out
}

// canSetActionStatus mirrors the store: staff, or a provider agent when
// the action's owner is one of their organisation's people. The page only
// knows the owner, so a provider may set the status of its own actions.
func canSetActionStatus(a *itsm.Actor, x *itsm.RAIDAction) bool {
	return a.IsStaff() || (a.IsProvider() && x.OwnerID != nil && *x.OwnerID == a.UserID)
}

// actionInput is what an action form sent.
type actionInput struct {
	Description, Owner, DueDate, Status string
}

func readActionForm(r *http.Request) actionInput {
	return actionInput{
		Description: strings.TrimSpace(r.PostFormValue("description")),
		Owner:       r.PostFormValue("owner_id"),
		DueDate:     strings.TrimSpace(r.PostFormValue("due_date")),
		Status:      r.PostFormValue("status"),
	}
}

// checkActionInput turns the form into the action's owner and due date.
func checkActionInput(in actionInput, owners []option) (*int64, itsm.RAIDAction, error) {
	var v itsm.Validation
	owner, ok := optionalID(in.Owner, owners)
	v.Check(ok, "owner_id", "Choose an owner from the list, or none.")
	act := itsm.RAIDAction{Description: in.Description, OwnerID: owner, Status: itsm.ActionStatus(in.Status)}
	if in.DueDate == "" {
		v.Add("due_date", "Enter the date the action is due, like 2027-03-31.")
	} else if d, ok := parseRAIDDate(in.DueDate); !ok {
		v.Add("due_date", "Enter the due date as a real date, like 2027-03-31.")
	} else {
		act.DueDate = d
	}
	return owner, act, v.Err()
}

// addAction adds an action to a risk or issue from the add-action form.
func (s *Server) addAction(r *http.Request, parentType string, parentID int64, in actionInput, owners []option) (*itsm.RAIDAction, error) {
	in.Status = string(itsm.ActionOpen)
	_, act, err := checkActionInput(in, owners)
	if err != nil {
		// The domain's rules too, so the form reports every problem at once;
		// the store checks the due date against when the parent was raised.
		return nil, mergeErrors(err, act.Validate(time.Time{}))
	}
	act.ParentType, act.ParentID = parentType, parentID
	if err := s.svc.Risks.AddAction(r.Context(), &act); err != nil {
		return nil, err
	}
	return &act, nil
}

// actionFormPage changes an action.
type actionFormPage struct {
	basePage
	Action   actionView
	In       actionInput
	Owners   []option
	Statuses []option
	Version  int64
}

var actionFields = []string{"description", "owner_id", "due_date", "status"}

func (s *Server) findAction(r *http.Request) (*itsm.RAIDAction, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Risks.FindActionByID(r.Context(), id)
}

func (s *Server) actionFormPage(w http.ResponseWriter, r *http.Request, x *itsm.RAIDAction) (*actionFormPage, error) {
	a := itsm.ActorFromContext(r.Context())
	if !a.IsStaff() {
		return nil, forbidden("Only the programme team can change an action; you can mark your own actions done on the risk or issue.")
	}
	owners, err := s.ownerOptions(r)
	if err != nil {
		return nil, err
	}
	p := &actionFormPage{basePage: s.newPage(w, r, "Change an action on "+x.ParentRef), Action: actionView{RAIDAction: x}, Owners: owners,
		Statuses: actionStatusOptions, Version: x.Version,
		In: actionInput{Description: x.Description, Owner: idValue(x.OwnerID), DueDate: x.DueDate.Format("2006-01-02"), Status: string(x.Status)}}
	p.Caption = x.ParentTitle
	p.BackHref = actionView{RAIDAction: x}.ParentHref()
	return p, nil
}

// actionEditForm shows the form to change an action (programme staff).
func (s *Server) actionEditForm(w http.ResponseWriter, r *http.Request) error {
	x, err := s.findAction(r)
	if err != nil {
		return err
	}
	p, err := s.actionFormPage(w, r, x)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "raid_action_form", p)
}

// actionUpdate saves the change unless someone else changed the action.
func (s *Server) actionUpdate(w http.ResponseWriter, r *http.Request) error {
	x, err := s.findAction(r)
	if err != nil {
		return err
	}
	p, err := s.actionFormPage(w, r, x)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	in := readActionForm(r)
	owner, act, err := checkActionInput(in, p.Owners)
	var v itsm.Validation
	v.Check(hasOption(actionStatusOptions, in.Status), "status", "Choose open, done or cancelled.")
	err = mergeErrors(err, v.Err())
	var saved *itsm.RAIDAction
	if err == nil {
		none := int64(0)
		if owner == nil {
			owner = &none
		}
		status := itsm.ActionStatus(in.Status)
		saved, err = s.svc.Risks.UpdateAction(r.Context(), x.ID, itsm.ActionUpdate{Description: &in.Description, OwnerID: owner, DueDate: &act.DueDate, Status: &status, Version: version})
	}
	if formFailed(err) {
		p.In, p.Version = in, version
		p.setErrors(err, actionFields...)
		return s.render(w, formStatus(err), "raid_action_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, actionView{RAIDAction: saved}.ParentHref(), "The action on "+saved.ParentRef+" has been saved.")
}

// actionStatus marks an action done, cancelled or open again: programme
// staff, or the provider agent who owns it.
func (s *Server) actionStatus(w http.ResponseWriter, r *http.Request) error {
	x, err := s.findAction(r)
	if err != nil {
		return err
	}
	if !canSetActionStatus(itsm.ActorFromContext(r.Context()), x) {
		return forbidden("You can record progress only on actions you own.")
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	status := itsm.ActionStatus(r.PostFormValue("status"))
	if !status.Valid() {
		return itsm.Errorf(itsm.EINVALID, "Choose open, done or cancelled.")
	}
	saved, err := s.svc.Risks.UpdateAction(r.Context(), x.ID, itsm.ActionUpdate{Status: &status, Version: version})
	if err != nil {
		return err
	}
	return s.redirect(w, r, actionView{RAIDAction: saved}.ParentHref(), "The action on "+saved.ParentRef+" is now "+strings.ToLower(raidOptionLabel(actionStatusOptions, string(status)))+".")
}

// actionTable is what the "raidActionTable" partial draws.
type actionTable struct {
	Page       page
	Actions    []actionView
	Caption    string
	ShowParent bool
}

// ActionTable is the risk's actions for the partial.
func (p *riskDetailPage) ActionTable() actionTable {
	return actionTable{Page: p, Actions: p.Actions, Caption: "Actions on " + p.Risk.Ref + ", open first and soonest due first"}
}

// AddActionHref is where the add-action form posts.
func (p *riskDetailPage) AddActionHref() string { return riskHref(p.Risk.Risk) + "/actions" }

// ActionTable is the issue's actions for the partial.
func (p *issueDetailPage) ActionTable() actionTable {
	return actionTable{Page: p, Actions: p.Actions, Caption: "Actions on " + p.Issue.Ref + ", open first and soonest due first"}
}

// AddActionHref is where the add-action form posts.
func (p *issueDetailPage) AddActionHref() string {
	return issueHref(p.Issue.ProgrammeIssue) + "/actions"
}

// ActionTable is the overdue actions for the partial.
func (p *raidPage) ActionTable() actionTable {
	return actionTable{Page: p, Actions: p.OverdueActions, Caption: "Overdue actions, longest overdue first", ShowParent: true}
}
