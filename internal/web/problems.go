package web

import (
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

var problemStatusOptions = []option{
	{string(itsm.ProblemOpen), "Open"},
	{string(itsm.ProblemInvestigating), "Investigating"},
	{string(itsm.ProblemResolved), "Resolved"},
	{string(itsm.ProblemClosed), "Closed"},
}

var knownErrorOptions = []option{{"yes", "Known errors only"}, {"no", "Not known errors"}}

// problemView is a problem as the pages show it.
type problemView struct{ *itsm.Problem }

// StatusLabel is the status as a person reads it.
func (v problemView) StatusLabel() string {
	for _, o := range problemStatusOptions {
		if o.Value == string(v.Status) {
			return o.Label
		}
	}
	return string(v.Status)
}

// StatusTag is the DS tag colour of the status.
func (v problemView) StatusTag() string {
	switch v.Status {
	case itsm.ProblemInvestigating:
		return "ds_tag--yellow"
	case itsm.ProblemResolved:
		return "ds_tag--green"
	case itsm.ProblemClosed:
		return "ds_tag--grey"
	}
	return ""
}

// ProviderLabel names the problem's provider, or says there is none.
func (v problemView) ProviderLabel() string {
	if v.ProviderID == nil {
		return "Not assigned"
	}
	return v.Provider
}

// OwnerLabel names the problem's owner, or says there is none.
func (v problemView) OwnerLabel() string {
	if v.OwnerID == nil {
		return "No owner"
	}
	return v.Owner
}

func problemViews(ps []*itsm.Problem) []problemView {
	out := make([]problemView, len(ps))
	for i, p := range ps {
		out[i] = problemView{p}
	}
	return out
}

// canBrowseProblems mirrors the store: staff and auditors see every
// problem, providers those assigned to them; customers see known errors on
// their own tickets only.
func canBrowseProblems(a *itsm.Actor) error {
	if !a.ReadsEverything() && !a.IsProvider() {
		return forbidden("You do not have permission to see problems. Known errors that affect your tickets are shown on the tickets.")
	}
	return nil
}

// problemListPage lists problems.
type problemListPage struct {
	basePage
	Problems                     []problemView
	Pager                        pager
	Statuses, KnownErrors, Provs []option
	Status, KnownError, Provider string
	ShowProviderFilter, Filtered bool
	CanCreate, ReadsEverything   bool
	CSVHref                      string
}

func problemFilter(q *listQuery, providers []option) itsm.ProblemFilter {
	var f itsm.ProblemFilter
	if s := itsm.ProblemStatus(q.oneOf("status", problemStatusOptions, "a status")); s != "" {
		f.Status = &s
	}
	if k := q.oneOf("known_error", knownErrorOptions, "whether it is a known error"); k != "" {
		known := k == "yes"
		f.KnownError = &known
	}
	if providers != nil {
		f.ProviderID = q.id("provider", "the provider's number")
	}
	return f
}

// problemProviders is the provider filter: every provider for those who
// read everything, none (their own is implied) for providers.
func (s *Server) problemProviders(r *http.Request, a *itsm.Actor) ([]option, error) {
	if !a.ReadsEverything() {
		return nil, nil
	}
	return s.orgsOfKind(r, itsm.OrgProvider)
}

// problemList shows the problems the viewer may see, filtered and paged,
// most recently changed first.
func (s *Server) problemList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canBrowseProblems(a); err != nil {
		return err
	}
	providers, err := s.problemProviders(r, a)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := problemFilter(q, providers)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(page), pageSize
	problems, total, err := s.svc.Problems.FindProblems(ctx, f)
	if err != nil {
		return err
	}
	p := &problemListPage{basePage: s.newPage(w, r, "Problems"), Problems: problemViews(problems),
		Statuses: withAll("All statuses", problemStatusOptions), KnownErrors: withAll("Known errors or not", knownErrorOptions),
		Status: q.keep.Get("status"), KnownError: q.keep.Get("known_error"), Provider: q.keep.Get("provider"),
		ShowProviderFilter: providers != nil, Filtered: q.filtered(), CanCreate: a.IsStaff(), ReadsEverything: a.ReadsEverything(),
		CSVHref: q.href("/problems.csv")}
	if providers != nil {
		p.Provs = withAll("All providers", providers)
	}
	p.Wide = true
	p.Pager = newPager(q, "/problems", page, total, len(problems), "problems")
	p.setPaged("Problems", p.Pager)
	return s.render(w, http.StatusOK, "problem_list", p)
}

// problemCSV exports every problem matching the list's filters.
func (s *Server) problemCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canBrowseProblems(a); err != nil {
		return err
	}
	providers, err := s.problemProviders(r, a)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := problemFilter(q, providers)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	problems, _, err := s.svc.Problems.FindProblems(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "problems.csv")
	_ = out.Write("id", "ref", "title", "status", "known_error", "provider_id", "provider", "owner_id", "owner", "incidents",
		"root_cause", "workaround", "created_at", "updated_at")
	writePages(s, ctx, out, "problems", problems, 0, func(n int) ([]*itsm.Problem, error) {
		f.Offset += n
		page, _, err := s.svc.Problems.FindProblems(ctx, f)
		return page, err
	}, func(p *itsm.Problem) []string {
		return []string{strconv.FormatInt(p.ID, 10), p.Ref, p.Title, string(p.Status), strconv.FormatBool(p.KnownError),
			idValue(p.ProviderID), p.Provider, idValue(p.OwnerID), p.Owner, strconv.Itoa(p.Incidents),
			p.RootCause, p.Workaround, csvTime(p.CreatedAt), csvTime(p.UpdatedAt)}
	})
	return nil
}

// problemDetailPage is one problem, its investigation and its incidents.
type problemDetailPage struct {
	basePage
	Problem          problemView
	Description      []string
	RootCause        []string
	Workaround       []string
	Incidents        []*itsm.Ticket
	CanEdit, CanLink bool
	ReadsEverything  bool
	Ref              string // the reference typed in the link form
	// Changes are the changes linked to the problem (change_links.go).
	Changes linkedChanges
}

var problemLinkFields = []string{"ref"}

func (s *Server) problemDetailPage(w http.ResponseWriter, r *http.Request, p *itsm.Problem) (*problemDetailPage, error) {
	a := itsm.ActorFromContext(r.Context())
	incidents, err := s.svc.Problems.ProblemIncidents(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	page := &problemDetailPage{basePage: s.newPage(w, r, p.Ref+": "+p.Title), Problem: problemView{p},
		Description: paragraphs(p.Description), RootCause: paragraphs(p.RootCause), Workaround: paragraphs(p.Workaround),
		Incidents: incidents, CanEdit: canEditProblem(a), CanLink: a.IsStaff(), ReadsEverything: a.ReadsEverything()}
	if page.Changes, err = s.problemChanges(r, p.ID); err != nil {
		return nil, err
	}
	page.Caption = "Problem"
	page.BackHref = "/problems"
	page.Wide = true
	return page, nil
}

// canEditProblem mirrors the store: staff change problems, and the
// provider a problem is assigned to records its findings (a provider only
// ever sees its own problems).
func canEditProblem(a *itsm.Actor) bool {
	return !a.ReadOnly() && (a.IsStaff() || a.IsProvider())
}

// problemDetail shows a problem to anyone who may see it (404 otherwise).
func (s *Server) problemDetail(w http.ResponseWriter, r *http.Request) error {
	p, err := s.findProblem(r)
	if err != nil {
		return err
	}
	page, err := s.problemDetailPage(w, r, p)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "problem_detail", page)
}

// findProblem reads the problem named in the path; one the caller may not
// see does not exist.
func (s *Server) findProblem(r *http.Request) (*itsm.Problem, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Problems.FindProblemByID(r.Context(), id)
}

// problemLink links an incident to the problem by its reference.
func (s *Server) problemLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.findProblem(r)
	if err != nil {
		return err
	}
	if !itsm.ActorFromContext(ctx).IsStaff() {
		return forbidden("Only the service desk can link incidents to problems.")
	}
	ref := normaliseRef(r.PostFormValue("ref"))
	var t *itsm.Ticket
	if ref == "" {
		err = fieldErr("ref", "Enter the reference of the incident, like INC-000123.")
	} else if t, err = s.svc.Tickets.FindTicketByRef(ctx, ref); itsm.ErrorCode(err) == itsm.ENOTFOUND {
		err = fieldErr("ref", "There is no ticket "+ref+", or you cannot see it. Check the reference.")
	}
	if err == nil {
		err = s.svc.Problems.LinkIncident(ctx, p.ID, t.ID)
	}
	if formFailed(err) {
		page, perr := s.problemDetailPage(w, r, p)
		if perr != nil {
			return perr
		}
		page.Ref = ref
		page.setErrors(err, problemLinkFields...)
		return s.render(w, formStatus(err), "problem_detail", page)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, problemHref(p), t.Ref+" is now linked to "+p.Ref+".")
}

// problemUnlink removes an incident's link to the problem.
func (s *Server) problemUnlink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.findProblem(r)
	if err != nil {
		return err
	}
	if !itsm.ActorFromContext(ctx).IsStaff() {
		return forbidden("Only the service desk can unlink incidents from problems.")
	}
	ticketID, err := strconv.ParseInt(r.PostFormValue("ticket_id"), 10, 64)
	if err != nil || ticketID <= 0 {
		return itsm.Errorf(itsm.EINVALID, "The form does not say which incident to unlink. Go back, reload the page and try again.")
	}
	t, err := s.svc.Tickets.FindTicketByID(ctx, ticketID)
	if err != nil {
		return err
	}
	if err := s.svc.Problems.UnlinkIncident(ctx, p.ID, t.ID); err != nil {
		return err
	}
	return s.redirect(w, r, problemHref(p), t.Ref+" is no longer linked to "+p.Ref+".")
}

func problemHref(p *itsm.Problem) string { return "/problems/" + strconv.FormatInt(p.ID, 10) }

// fieldErr is an EINVALID error about one field of a form.
func fieldErr(field, msg string) error {
	return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}
