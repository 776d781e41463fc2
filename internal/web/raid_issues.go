package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Programme issues: things that have happened (often risks that occurred),
// with a severity, an owner and mitigating actions. The same people see
// them as see risks.

var issueStatusOptions = []option{
	{string(itsm.IssueOpen), "Open"},
	{string(itsm.IssueInProgress), "In progress"},
	{string(itsm.IssueResolved), "Resolved"},
	{string(itsm.IssueClosed), "Closed"},
}

var issueSeverityOptions = []option{
	{string(itsm.SeverityCritical), "Critical"},
	{string(itsm.SeverityHigh), "High"},
	{string(itsm.SeverityMedium), "Medium"},
	{string(itsm.SeverityLow), "Low"},
}

// issueView is an issue as the pages show it.
type issueView struct{ *itsm.ProgrammeIssue }

// StatusLabel is the status as a person reads it.
func (v issueView) StatusLabel() string { return raidOptionLabel(issueStatusOptions, string(v.Status)) }

// SeverityLabel is the severity as a person reads it.
func (v issueView) SeverityLabel() string {
	return raidOptionLabel(issueSeverityOptions, string(v.Severity))
}

// SeverityTag is the DS tag colour of the severity.
func (v issueView) SeverityTag() string {
	switch v.Severity {
	case itsm.SeverityCritical, itsm.SeverityHigh:
		return "ds_tag--red"
	case itsm.SeverityMedium:
		return "ds_tag--orange"
	}
	return "ds_tag--grey"
}

// OwnerLabel names the owner, or says there is none.
func (v issueView) OwnerLabel() string { return raidOrNone(v.OwnerID, v.Owner, "No owner") }

// ProviderLabel names the provider it concerns, or says there is none.
func (v issueView) ProviderLabel() string { return raidOrNone(v.ProviderID, v.Provider, "None") }

// issueListPage lists programme issues.
type issueListPage struct {
	basePage
	Issues                      []issueView
	Pager                       pager
	Statuses, Severities, YesNo []option
	Status, Severity, Overdue   string
	Filtered, CanCreate         bool
	CSVHref, XLSXHref           string
}

func issueFilter(q *listQuery) itsm.IssueFilter {
	var f itsm.IssueFilter
	if s := itsm.IssueStatus(q.oneOf("status", issueStatusOptions, "a status")); s != "" {
		f.Status = &s
	}
	if s := itsm.IssueSeverity(q.oneOf("severity", issueSeverityOptions, "a severity")); s != "" {
		f.Severity = &s
	}
	if o := q.oneOf("overdue", raidYesNo, "whether an action is overdue"); o != "" {
		yes := o == "yes"
		f.Overdue = &yes
	}
	f.RiskID = q.id("risk", "the risk's number")
	return f
}

// issueList shows the programme issues, most severe first.
func (s *Server) issueList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canBrowseRAID(a); err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := issueFilter(q)
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(pg), pageSize
	issues, total, err := s.svc.Risks.FindIssues(ctx, f)
	if err != nil {
		return err
	}
	views := make([]issueView, len(issues))
	for i, x := range issues {
		views[i] = issueView{x}
	}
	p := &issueListPage{basePage: s.newPage(w, r, "Programme issues"), Issues: views,
		Statuses: withAll("All statuses", issueStatusOptions), Severities: withAll("All severities", issueSeverityOptions), YesNo: withAll("Either", raidYesNo),
		Status: q.keep.Get("status"), Severity: q.keep.Get("severity"), Overdue: q.keep.Get("overdue"),
		Filtered: q.filtered(), CanCreate: a.IsStaff(), CSVHref: q.href("/programme-issues.csv"), XLSXHref: q.href("/programme-issues.xlsx")}
	p.Wide = true
	p.Pager = newPager(q, "/programme-issues", pg, total, len(issues), "issues")
	p.setPaged("Programme issues", p.Pager)
	return s.render(w, http.StatusOK, "raid_issue_list", p)
}

var issueExportHeader = []string{"id", "ref", "title", "severity", "status", "owner_id", "owner", "provider_id", "provider", "risk_id", "risk_ref",
	"open_actions", "overdue_actions", "created_at", "updated_at"}

// allIssues reads every issue matching the list's filters, page by page,
// up to the export cap.
func (s *Server) allIssues(r *http.Request) ([]*itsm.ProgrammeIssue, error) {
	ctx := r.Context()
	if err := canBrowseRAID(itsm.ActorFromContext(ctx)); err != nil {
		return nil, err
	}
	q := newListQuery(r.URL.Query())
	f := issueFilter(q)
	if err := q.err(); err != nil {
		return nil, err
	}
	f.Limit = 500
	var out []*itsm.ProgrammeIssue
	for len(out) < 50000 {
		page, _, err := s.svc.Risks.FindIssues(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			break
		}
		f.Offset += len(page)
	}
	return out, nil
}

// issueCSV exports the issues matching the list's filters (times in UTC).
func (s *Server) issueCSV(w http.ResponseWriter, r *http.Request) error {
	issues, err := s.allIssues(r)
	if err != nil {
		return err
	}
	out := newCSV(w, "programme-issues.csv")
	_ = out.Write(issueExportHeader...)
	for _, x := range issues {
		if err := out.Write(strconv.FormatInt(x.ID, 10), x.Ref, x.Title, string(x.Severity), string(x.Status), idValue(x.OwnerID), x.Owner,
			idValue(x.ProviderID), x.Provider, idValue(x.RiskID), x.RiskRef, strconv.Itoa(x.OpenActions), strconv.Itoa(x.OverdueActions),
			csvTime(x.CreatedAt), csvTime(x.UpdatedAt)); err != nil {
			return nil // the client went away
		}
	}
	_ = out.Flush()
	return nil
}

// issueXLSX exports the same rows as an Excel workbook.
func (s *Server) issueXLSX(w http.ResponseWriter, r *http.Request) error {
	issues, err := s.allIssues(r)
	if err != nil {
		return err
	}
	rows := make([][]any, len(issues))
	for i, x := range issues {
		rows[i] = []any{x.ID, x.Ref, x.Title, string(x.Severity), string(x.Status), x.OwnerID, x.Owner, x.ProviderID, x.Provider, x.RiskID, x.RiskRef,
			x.OpenActions, x.OverdueActions, x.CreatedAt, x.UpdatedAt}
	}
	return writeRAIDWorkbook(w, "programme-issues.xlsx", "Programme issues", issueExportHeader, rows)
}

// issueDetailPage is one issue with its actions.
type issueDetailPage struct {
	basePage
	Issue       issueView
	Description []string
	Actions     []actionView
	CanEdit     bool
	NewAction   actionInput
	Owners      []option
}

func (s *Server) issueDetailPage(w http.ResponseWriter, r *http.Request, x *itsm.ProgrammeIssue) (*issueDetailPage, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	id := x.ID
	actions, _, err := s.svc.Risks.FindActions(ctx, itsm.ActionFilter{ParentType: itsm.ActionOnIssue, ParentID: &id, Limit: 500})
	if err != nil {
		return nil, err
	}
	p := &issueDetailPage{basePage: s.newPage(w, r, x.Ref+": "+x.Title), Issue: issueView{x}, Description: paragraphs(x.Description),
		Actions: actionViews(actions, a), CanEdit: a.IsStaff()}
	if p.CanEdit {
		if p.Owners, err = s.ownerOptions(r); err != nil {
			return nil, err
		}
	}
	p.Caption = "Programme issue"
	p.BackHref = "/programme-issues"
	p.Wide = true
	return p, nil
}

func (s *Server) findIssue(r *http.Request) (*itsm.ProgrammeIssue, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Risks.FindIssueByID(r.Context(), id)
}

func issueHref(x *itsm.ProgrammeIssue) string {
	return "/programme-issues/" + strconv.FormatInt(x.ID, 10)
}

// issueDetail shows an issue to anyone who may see it (404 otherwise).
func (s *Server) issueDetail(w http.ResponseWriter, r *http.Request) error {
	x, err := s.findIssue(r)
	if err != nil {
		return err
	}
	p, err := s.issueDetailPage(w, r, x)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "raid_issue_detail", p)
}

// issueAddAction adds a mitigating action to the issue (programme staff).
func (s *Server) issueAddAction(w http.ResponseWriter, r *http.Request) error {
	x, err := s.findIssue(r)
	if err != nil {
		return err
	}
	if err := canManageRAIDWeb(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	p, err := s.issueDetailPage(w, r, x)
	if err != nil {
		return err
	}
	in := readActionForm(r)
	act, err := s.addAction(r, itsm.ActionOnIssue, x.ID, in, p.Owners)
	if formFailed(err) {
		p.NewAction = in
		p.setErrors(err, riskActionFields...)
		return s.render(w, formStatus(err), "raid_issue_detail", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, issueHref(x), "The action has been added to "+x.Ref+", due "+act.DueDate.Format("2 January 2006")+".")
}

// issueFormPage records or changes an issue.
type issueFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel string
	Editing                         bool
	In                              issueInput
	Version                         int64
	Severities, Statuses            []option
	Providers, Owners               []option
}

var issueFields = []string{"title", "description", "severity", "status", "owner_id", "provider_id"}

// issueInput is what the issue form sent.
type issueInput struct {
	Title, Description, Severity, Status, Owner, Provider string
}

func readIssueForm(r *http.Request) issueInput {
	return issueInput{Title: strings.TrimSpace(r.PostFormValue("title")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Severity: r.PostFormValue("severity"), Status: r.PostFormValue("status"), Owner: r.PostFormValue("owner_id"), Provider: r.PostFormValue("provider_id")}
}

func (s *Server) issueFormPage(w http.ResponseWriter, r *http.Request, title string) (*issueFormPage, error) {
	if err := canManageRAIDWeb(itsm.ActorFromContext(r.Context())); err != nil {
		return nil, err
	}
	p := &issueFormPage{basePage: s.newPage(w, r, title), Severities: issueSeverityOptions, Statuses: issueStatusOptions}
	providers, err := s.orgsOfKind(r, itsm.OrgProvider)
	if err != nil {
		return nil, err
	}
	p.Providers = withAll("None", providers)
	if p.Owners, err = s.ownerOptions(r); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *issueFormPage) toIssue(in issueInput) (*itsm.ProgrammeIssue, error) {
	var v itsm.Validation
	x := &itsm.ProgrammeIssue{Title: in.Title, Description: in.Description, Severity: itsm.IssueSeverity(in.Severity), Status: itsm.IssueStatus(in.Status)}
	v.Check(hasOption(issueSeverityOptions, in.Severity), "severity", "Choose critical, high, medium or low.")
	v.Check(hasOption(issueStatusOptions, in.Status), "status", "Choose open, in progress, resolved or closed.")
	var ok bool
	x.OwnerID, ok = optionalID(in.Owner, p.Owners)
	v.Check(ok, "owner_id", "Choose an owner from the list, or none.")
	x.ProviderID, ok = optionalID(in.Provider, p.Providers)
	v.Check(ok, "provider_id", "Choose a provider from the list, or none.")
	return x, mergeErrors(v.Err(), x.Validate())
}

// issueNewForm shows the form for a new issue.
func (s *Server) issueNewForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.issueFormPage(w, r, "Raise a programme issue")
	if err != nil {
		return err
	}
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/programme-issues/new", "/programme-issues", "Raise issue", "/programme-issues"
	p.In = issueInput{Status: string(itsm.IssueOpen), Severity: string(itsm.SeverityMedium)}
	return s.render(w, http.StatusOK, "raid_issue_form", p)
}

// issueCreate records the issue and shows it.
func (s *Server) issueCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.issueFormPage(w, r, "Raise a programme issue")
	if err != nil {
		return err
	}
	in := readIssueForm(r)
	x, err := p.toIssue(in)
	if err == nil {
		err = s.svc.Risks.CreateIssue(r.Context(), x)
	}
	if formFailed(err) {
		p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/programme-issues/new", "/programme-issues", "Raise issue", "/programme-issues"
		p.In = in
		p.setErrors(err, issueFields...)
		return s.render(w, formStatus(err), "raid_issue_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, issueHref(x), x.Ref+" has been raised.")
}

func (s *Server) issueEditPage(w http.ResponseWriter, r *http.Request, x *itsm.ProgrammeIssue) (*issueFormPage, error) {
	p, err := s.issueFormPage(w, r, "Change "+x.Ref)
	if err != nil {
		return nil, err
	}
	p.Caption = x.Title
	p.Editing, p.Version = true, x.Version
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = issueHref(x)+"/edit", issueHref(x), "Save changes", issueHref(x)
	p.In = issueInput{Title: x.Title, Description: x.Description, Severity: string(x.Severity), Status: string(x.Status), Owner: idValue(x.OwnerID), Provider: idValue(x.ProviderID)}
	return p, nil
}

// issueEditForm shows the form to change an issue.
func (s *Server) issueEditForm(w http.ResponseWriter, r *http.Request) error {
	x, err := s.findIssue(r)
	if err != nil {
		return err
	}
	p, err := s.issueEditPage(w, r, x)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "raid_issue_form", p)
}

// issueUpdate saves the change unless someone else changed the issue.
func (s *Server) issueUpdate(w http.ResponseWriter, r *http.Request) error {
	x, err := s.findIssue(r)
	if err != nil {
		return err
	}
	p, err := s.issueEditPage(w, r, x)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	in := readIssueForm(r)
	nx, err := p.toIssue(in)
	var saved *itsm.ProgrammeIssue
	if err == nil {
		none := int64(0)
		upd := itsm.IssueUpdate{Title: &nx.Title, Description: &nx.Description, Severity: &nx.Severity, Status: &nx.Status, OwnerID: &none, ProviderID: &none, Version: version}
		if nx.OwnerID != nil {
			upd.OwnerID = nx.OwnerID
		}
		if nx.ProviderID != nil {
			upd.ProviderID = nx.ProviderID
		}
		saved, err = s.svc.Risks.UpdateIssue(r.Context(), x.ID, upd)
	}
	if formFailed(err) {
		p.In, p.Version = in, version
		p.setErrors(err, issueFields...)
		return s.render(w, formStatus(err), "raid_issue_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, issueHref(saved), "Your changes to "+saved.Ref+" have been saved.")
}
