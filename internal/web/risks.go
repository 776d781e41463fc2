package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// The programme's risk register: the list (filters, sort, paging, CSV and
// XLSX), and a risk's page with its actions, score history and linked
// changes. Programme staff and auditors see every risk; a provider the
// risks its people own or that concern it; customers none.

var riskStatusOptions = []option{
	{string(itsm.RiskOpen), "Open"},
	{string(itsm.RiskMitigating), "Mitigating"},
	{string(itsm.RiskClosed), "Closed"},
	{string(itsm.RiskOccurred), "Occurred (now an issue)"},
}

var riskSortOptions = sortOptions("score", "Highest score first", "review", "Review date, soonest first", "ref", "Reference", "updated", "Most recently changed")

var raidYesNo = []option{{"yes", "Yes"}, {"no", "No"}}

func riskCategoryOptions() []option {
	out := make([]option, len(itsm.RiskCategories))
	for i, c := range itsm.RiskCategories {
		out[i] = option{string(c), c.Label()}
	}
	return out
}

func riskScaleOptions() []option {
	out := make([]option, 5)
	for n := 1; n <= 5; n++ {
		out[n-1] = option{strconv.Itoa(n), strconv.Itoa(n) + " – " + itsm.ScaleLabel(n)}
	}
	return out
}

func riskScoreOptions() []option {
	var out []option
	seen := map[int]bool{}
	for l := 1; l <= 5; l++ {
		for i := 1; i <= 5; i++ {
			seen[l*i] = true
		}
	}
	for s := 1; s <= 25; s++ {
		if seen[s] {
			out = append(out, option{strconv.Itoa(s), strconv.Itoa(s)})
		}
	}
	return out
}

// riskView is a risk as the pages show it.
type riskView struct{ *itsm.Risk }

// StatusLabel is the status as a person reads it.
func (v riskView) StatusLabel() string { return raidOptionLabel(riskStatusOptions, string(v.Status)) }

// StatusTag is the DS tag colour of the status.
func (v riskView) StatusTag() string {
	switch v.Status {
	case itsm.RiskMitigating:
		return "ds_tag--yellow"
	case itsm.RiskClosed:
		return "ds_tag--grey"
	case itsm.RiskOccurred:
		return "ds_tag--red"
	}
	return ""
}

// RAGLabel says the rating in words, for those who cannot tell colours.
func (v riskView) RAGLabel() string { return riskRAGLabel(v.RAG) }

// RAGTag is the DS tag colour of the rating.
func (v riskView) RAGTag() string { return riskRAGTag(v.RAG) }

// TrendLabel says which way the score last moved.
func (v riskView) TrendLabel() string {
	switch v.Trend {
	case itsm.TrendRising:
		return "Rising ↑"
	case itsm.TrendFalling:
		return "Falling ↓"
	}
	return "Steady"
}

// ProximityLabel is the band, with the date when there is one.
func (v riskView) ProximityLabel() string {
	l := v.Proximity.Label()
	if v.ProximityDate != nil {
		l += ", " + v.ProximityDate.Format("2 January 2006")
	}
	return l
}

// OwnerLabel names the owner, or says there is none.
func (v riskView) OwnerLabel() string { return raidOrNone(v.OwnerID, v.Owner, "No owner") }

// ProviderLabel names the provider it concerns, or says there is none.
func (v riskView) ProviderLabel() string { return raidOrNone(v.ProviderID, v.Provider, "None") }

// Overdue reports whether the review or an action is overdue.
func (v riskView) Overdue() bool { return v.ReviewOverdue || v.OverdueActions > 0 }

func riskRAGLabel(r itsm.RAG) string {
	switch r {
	case itsm.RAGRed:
		return "Red"
	case itsm.RAGAmber:
		return "Amber"
	}
	return "Green"
}

func riskRAGTag(r itsm.RAG) string {
	switch r {
	case itsm.RAGRed:
		return "ds_tag--red"
	case itsm.RAGAmber:
		return "ds_tag--orange"
	}
	return "ds_tag--green"
}

func raidOrNone(id *int64, name, none string) string {
	if id == nil {
		return none
	}
	return name
}

func raidOptionLabel(opts []option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

func riskViews(rs []*itsm.Risk) []riskView {
	out := make([]riskView, len(rs))
	for i, r := range rs {
		out[i] = riskView{r}
	}
	return out
}

// canBrowseRAID mirrors the store: staff, auditors and providers.
func canBrowseRAID(a *itsm.Actor) error {
	if !a.ReadsEverything() && !a.IsProvider() {
		return forbidden("You do not have permission to see the programme's risks and issues.")
	}
	return nil
}

// riskListPage lists risks.
type riskListPage struct {
	basePage
	Risks                                              []riskView
	Pager                                              pager
	Statuses, Categories, Scales, Scores, Sorts, YesNo []option
	Owners                                             []option
	Status, Category, Owner, Likelihood, Impact        string
	MinScore, MaxScore, Overdue, Live, Sort            string
	Filtered, CanCreate                                bool
	CSVHref, XLSXHref, HeatMapHref                     string
	Rules                                              []string
}

// riskFilter reads the list's filters from the query string.
func riskFilter(q *listQuery) itsm.RiskFilter {
	var f itsm.RiskFilter
	if s := itsm.RiskStatus(q.oneOf("status", riskStatusOptions, "a status")); s != "" {
		f.Status = &s
	}
	if c := itsm.RiskCategory(q.oneOf("category", riskCategoryOptions(), "a category")); c != "" {
		f.Category = &c
	}
	f.OwnerID = q.id("owner", "the owner's number")
	num := func(name string, opts []option, what string) *int {
		s := q.oneOf(name, opts, what)
		if s == "" {
			return nil
		}
		n, _ := strconv.Atoi(s)
		return &n
	}
	f.Likelihood = num("likelihood", riskScaleOptions(), "a likelihood from 1 to 5")
	f.Impact = num("impact", riskScaleOptions(), "an impact from 1 to 5")
	f.MinScore = num("min_score", riskScoreOptions(), "a lowest score")
	f.MaxScore = num("max_score", riskScoreOptions(), "a highest score")
	if o := q.oneOf("live", raidYesNo, "whether the risk is still live"); o != "" {
		live := o == "yes"
		f.Live = &live
	}
	if o := q.oneOf("overdue", raidYesNo, "whether anything is overdue"); o != "" {
		yes := o == "yes"
		f.Overdue = &yes
	}
	f.Sort = q.sort(riskSortOptions, "score")
	if f.MinScore != nil && f.MaxScore != nil && *f.MinScore > *f.MaxScore {
		q.v.Add("max_score", "The highest score must not be lower than the lowest.")
	}
	return f
}

// riskOwnerOptions lists who may own risks and actions.
func (s *Server) riskOwnerOptions(r *http.Request) ([]option, error) {
	a := itsm.ActorFromContext(r.Context())
	if !a.IsStaff() {
		return nil, nil
	}
	return s.ownerOptions(r)
}

// riskList shows the register, filtered, sorted and paged.
func (s *Server) riskList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canBrowseRAID(a); err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := riskFilter(q)
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(pg), pageSize
	risks, total, err := s.svc.Risks.FindRisks(ctx, f)
	if err != nil {
		return err
	}
	owners, err := s.riskOwnerOptions(r)
	if err != nil {
		return err
	}
	p := &riskListPage{basePage: s.newPage(w, r, "Risks"), Risks: riskViews(risks),
		Statuses: withAll("All statuses", riskStatusOptions), Categories: withAll("All categories", riskCategoryOptions()),
		Scales: withAll("Any", riskScaleOptions()), Scores: withAll("Any", riskScoreOptions()), Sorts: riskSortOptions,
		YesNo: withAll("Either", raidYesNo), Status: q.keep.Get("status"), Category: q.keep.Get("category"),
		Owner: q.keep.Get("owner"), Likelihood: q.keep.Get("likelihood"), Impact: q.keep.Get("impact"),
		MinScore: q.keep.Get("min_score"), MaxScore: q.keep.Get("max_score"), Overdue: q.keep.Get("overdue"),
		Live: q.keep.Get("live"), Sort: orDefault(q.keep.Get("sort"), "score"), Filtered: q.filtered(), CanCreate: a.IsStaff(),
		CSVHref: q.href("/risks.csv"), XLSXHref: q.href("/risks.xlsx"), HeatMapHref: q.href("/raid"), Rules: itsm.RiskScoringRules()}
	if owners != nil {
		p.Owners = withAll("Anyone", owners[1:])
	}
	p.Wide = true
	p.Pager = newPager(q, "/risks", pg, total, len(risks), "risks")
	p.setPaged("Risks", p.Pager)
	return s.render(w, http.StatusOK, "risk_list", p)
}

var riskExportHeader = []string{"id", "ref", "title", "category", "status", "likelihood", "impact", "score", "rag", "trend", "proximity", "proximity_date",
	"review_date", "review_overdue", "owner_id", "owner", "provider_id", "provider", "open_actions", "overdue_actions", "issue_id", "created_at", "updated_at"}

// allRisks reads every risk matching the list's filters, page by page, up
// to the export cap.
func (s *Server) allRisks(r *http.Request) ([]*itsm.Risk, error) {
	ctx := r.Context()
	if err := canBrowseRAID(itsm.ActorFromContext(ctx)); err != nil {
		return nil, err
	}
	q := newListQuery(r.URL.Query())
	f := riskFilter(q)
	if err := q.err(); err != nil {
		return nil, err
	}
	f.Limit = 500
	var out []*itsm.Risk
	for len(out) < 50000 {
		page, _, err := s.svc.Risks.FindRisks(ctx, f)
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

func raidDateCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// riskCSV exports the risks matching the list's filters (dates as
// YYYY-MM-DD, times in UTC).
func (s *Server) riskCSV(w http.ResponseWriter, r *http.Request) error {
	risks, err := s.allRisks(r)
	if err != nil {
		return err
	}
	out := newCSV(w, "risks.csv")
	_ = out.Write(riskExportHeader...)
	for _, k := range risks {
		review := k.ReviewDate
		if err := out.Write(strconv.FormatInt(k.ID, 10), k.Ref, k.Title, string(k.Category), string(k.Status), strconv.Itoa(k.Likelihood), strconv.Itoa(k.Impact),
			strconv.Itoa(k.Score), string(k.RAG), string(k.Trend), string(k.Proximity), raidDateCell(k.ProximityDate), raidDateCell(&review), strconv.FormatBool(k.ReviewOverdue),
			idValue(k.OwnerID), k.Owner, idValue(k.ProviderID), k.Provider, strconv.Itoa(k.OpenActions), strconv.Itoa(k.OverdueActions), idValue(k.IssueID),
			csvTime(k.CreatedAt), csvTime(k.UpdatedAt)); err != nil {
			return nil // the client went away
		}
	}
	_ = out.Flush()
	return nil
}

// riskXLSX exports the same rows as an Excel workbook.
func (s *Server) riskXLSX(w http.ResponseWriter, r *http.Request) error {
	risks, err := s.allRisks(r)
	if err != nil {
		return err
	}
	rows := make([][]any, len(risks))
	for i, k := range risks {
		rows[i] = []any{k.ID, k.Ref, k.Title, k.Category.Label(), string(k.Status), k.Likelihood, k.Impact, k.Score, riskRAGLabel(k.RAG), string(k.Trend),
			string(k.Proximity), raidDateCell(k.ProximityDate), k.ReviewDate.Format("2006-01-02"), k.ReviewOverdue, k.OwnerID, k.Owner, k.ProviderID, k.Provider,
			k.OpenActions, k.OverdueActions, k.IssueID, k.CreatedAt, k.UpdatedAt}
	}
	return writeRAIDWorkbook(w, "risks.xlsx", "Risks", riskExportHeader, rows)
}

// writeRAIDWorkbook writes a one-sheet workbook into a buffer first, so
// that a failure is an error page rather than half a file, and sends it.
func writeRAIDWorkbook(w http.ResponseWriter, name, sheet string, header []string, rows [][]any) error {
	var buf bytes.Buffer
	if err := report.WriteXLSX(&buf, sheet, header, rows); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", httpx.ContentDisposition(name))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// riskDetailPage is one risk with its actions, history and links.
type riskDetailPage struct {
	basePage
	Risk        riskView
	Description []string
	Actions     []actionView
	History     []*itsm.ScoreChange
	Changes     []*itsm.LinkedChange
	Issue       *itsm.ProgrammeIssue
	CanEdit     bool
	CanLink     bool
	// The add-action form.
	NewAction actionInput
	Owners    []option
	// ChangeRef is the reference typed in the link form.
	ChangeRef string
}

var riskActionFields = []string{"description", "owner_id", "due_date"}

func (s *Server) riskDetailPage(w http.ResponseWriter, r *http.Request, k *itsm.Risk) (*riskDetailPage, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	rid := k.ID
	actions, _, err := s.svc.Risks.FindActions(ctx, itsm.ActionFilter{ParentType: itsm.ActionOnRisk, ParentID: &rid, Limit: 500})
	if err != nil {
		return nil, err
	}
	history, err := s.svc.Risks.RiskHistory(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	changes, err := s.svc.Risks.RiskChanges(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	p := &riskDetailPage{basePage: s.newPage(w, r, k.Ref+": "+k.Title), Risk: riskView{k}, Description: paragraphs(k.Description),
		Actions: actionViews(actions, a), History: history, Changes: changes, CanEdit: a.IsStaff(), CanLink: a.IsStaff() && s.svc.Changes != nil}
	if k.IssueID != nil {
		if p.Issue, err = s.svc.Risks.FindIssueByID(ctx, *k.IssueID); err != nil && itsm.ErrorCode(err) != itsm.ENOTFOUND {
			return nil, err
		}
	}
	if p.CanEdit {
		if p.Owners, err = s.ownerOptions(r); err != nil {
			return nil, err
		}
	}
	p.Caption = "Risk"
	p.BackHref = "/risks"
	p.Wide = true
	return p, nil
}

// riskDetail shows a risk to anyone who may see it (404 otherwise).
func (s *Server) riskDetail(w http.ResponseWriter, r *http.Request) error {
	k, err := s.findRisk(r)
	if err != nil {
		return err
	}
	p, err := s.riskDetailPage(w, r, k)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "risk_detail", p)
}

func (s *Server) findRisk(r *http.Request) (*itsm.Risk, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Risks.FindRiskByID(r.Context(), id)
}

func riskHref(k *itsm.Risk) string { return "/risks/" + strconv.FormatInt(k.ID, 10) }

// riskAddAction adds a mitigating action to the risk (programme staff).
func (s *Server) riskAddAction(w http.ResponseWriter, r *http.Request) error {
	k, err := s.findRisk(r)
	if err != nil {
		return err
	}
	if err := canManageRAIDWeb(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	p, err := s.riskDetailPage(w, r, k)
	if err != nil {
		return err
	}
	in := readActionForm(r)
	act, err := s.addAction(r, itsm.ActionOnRisk, k.ID, in, p.Owners)
	if formFailed(err) {
		p.NewAction = in
		p.setErrors(err, riskActionFields...)
		return s.render(w, formStatus(err), "risk_detail", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, riskHref(k), "The action has been added to "+k.Ref+", due "+act.DueDate.Format("2 January 2006")+".")
}

// riskLinkChange links a change request to the risk by its reference.
func (s *Server) riskLinkChange(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	k, err := s.findRisk(r)
	if err != nil {
		return err
	}
	if err := canManageRAIDWeb(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	if s.svc.Changes == nil {
		return errPageNotFound
	}
	ref := normaliseRef(r.PostFormValue("change_ref"))
	var c *itsm.ChangeRequest
	if ref == "" {
		err = fieldErr("change_ref", "Enter the reference of the change, like RFC-0001.")
	} else if c, err = s.svc.Changes.FindChangeByRef(ctx, ref); itsm.ErrorCode(err) == itsm.ENOTFOUND {
		err = fieldErr("change_ref", "There is no change "+ref+", or you cannot see it. Check the reference.")
	}
	if err == nil {
		err = s.svc.Risks.LinkRiskChange(ctx, k.ID, c.ID)
	}
	if formFailed(err) {
		p, perr := s.riskDetailPage(w, r, k)
		if perr != nil {
			return perr
		}
		p.ChangeRef = ref
		p.setErrors(err, "change_ref")
		return s.render(w, formStatus(err), "risk_detail", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, riskHref(k), c.Ref+" is now linked to "+k.Ref+".")
}

// riskUnlinkChange removes a change's link to the risk.
func (s *Server) riskUnlinkChange(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	k, err := s.findRisk(r)
	if err != nil {
		return err
	}
	if err := canManageRAIDWeb(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	changeID, err := strconv.ParseInt(r.PostFormValue("change_id"), 10, 64)
	if err != nil || changeID <= 0 {
		return itsm.Errorf(itsm.EINVALID, "The form does not say which change to unlink. Go back, reload the page and try again.")
	}
	if err := s.svc.Risks.UnlinkRiskChange(ctx, k.ID, changeID); err != nil {
		return err
	}
	return s.redirect(w, r, riskHref(k), "The change is no longer linked to "+k.Ref+".")
}

// canManageRAIDWeb mirrors the store: programme staff change the register.
func canManageRAIDWeb(a *itsm.Actor) error {
	if !a.IsStaff() {
		return forbidden("Only the programme team can change the risk and issue register.")
	}
	return nil
}

// parseRAIDDate reads a date typed as YYYY-MM-DD (or D/M/YYYY), as a UTC date.
func parseRAIDDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
