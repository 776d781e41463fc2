package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// changeView is a change request as the pages show it, on a day (today,
// midnight UTC, for its RAG status).
type changeView struct {
	*itsm.ChangeRequest
	today time.Time
}

func changeViews(cs []*itsm.ChangeRequest, today time.Time) []changeView {
	out := make([]changeView, len(cs))
	for i, c := range cs {
		out[i] = changeView{c, today}
	}
	return out
}

func changeHref(c *itsm.ChangeRequest) string { return "/changes/" + strconv.FormatInt(c.ID, 10) }

// Href is the change's page.
func (v changeView) Href() string { return changeHref(v.ChangeRequest) }

// KindLabel names the kind, with the RFC's subtype.
func (v changeView) KindLabel() string {
	if v.Kind == itsm.ChangeRFC && v.Subtype != "" {
		return v.Kind.Label() + ": " + strings.ToLower(v.Subtype.Label())
	}
	return v.Kind.Label()
}

// StateLabel is the state with a capital letter.
func (v changeView) StateLabel() string { return v.State.Label() }

// StateTag is the DS tag colour of the state. The tag always says the
// state in words.
func (v changeView) StateTag() string { return changeStateTag(v.State) }

func changeStateTag(s itsm.ChangeState) string {
	switch s {
	case itsm.ChangeSubmitted, itsm.ChangeScheduled:
		return "ds_tag--blue"
	case itsm.ChangeSpecReview, itsm.ChangeEstimation:
		return "ds_tag--teal"
	case itsm.ChangeClarification, itsm.ChangeOnHold:
		return "ds_tag--orange"
	case itsm.ChangeAwaitingAcceptance, itsm.ChangeAwaitingApproval:
		return "ds_tag--purple"
	case itsm.ChangeApproved, itsm.ChangeInDelivery:
		return "ds_tag--darkblue"
	case itsm.ChangeDelivered:
		return "ds_tag--green"
	case itsm.ChangeRejected:
		return "ds_tag--red"
	}
	return "ds_tag--grey"
}

// RAG is the change's derived status today.
func (v changeView) RAG() itsm.ChangeRAG { return itsm.RAGOfChange(v.ChangeRequest, v.today) }

// RAGLabel says the status in words, so that it never rests on colour.
func (v changeView) RAGLabel() string { return v.RAG().Label() }

// RAGTag is the DS tag colour of the status.
func (v changeView) RAGTag() string { return ragTag(v.RAG()) }

func ragTag(r itsm.ChangeRAG) string {
	switch r {
	case itsm.ChangeRAGRed:
		return "ds_tag--red"
	case itsm.ChangeRAGAmber:
		return "ds_tag--orange"
	case itsm.ChangeRAGGreen:
		return "ds_tag--green"
	}
	return "ds_tag--grey"
}

// RAGReason says in a sentence which of the rules (itsm.ChangeRAGRules)
// gave the change its status; pages show it beside the status's tag.
func (v changeView) RAGReason() string {
	c := v.ChangeRequest
	rag := v.RAG()
	if rag == itsm.ChangeRAGGrey {
		if c.State == itsm.ChangeRejected || c.State == itsm.ChangeWithdrawn {
			return "Not tracked: the change was " + string(c.State) + "."
		}
		return "The approved budget and committed date are set when the change is approved."
	}
	budget, committed := *c.ApprovedBudget, *c.CommittedDate
	var why []string
	switch rag {
	case itsm.ChangeRAGRed:
		if c.ActualCost > budget {
			why = append(why, "the actual cost, "+pounds(c.ActualCost)+", exceeds the approved budget of "+pounds(budget))
		}
		if c.ActualDate == nil && v.today.After(committed) {
			why = append(why, "the committed date, "+calendarDate(committed)+", has passed and the change is not delivered")
		}
		if c.ActualDate != nil && c.ActualDate.After(committed) {
			why = append(why, "it was delivered on "+calendarDate(*c.ActualDate)+", after the committed date of "+calendarDate(committed))
		}
	case itsm.ChangeRAGAmber:
		if c.ActualCost*10 > budget*9 {
			why = append(why, "the actual cost, "+pounds(c.ActualCost)+", is more than 90% of the approved budget of "+pounds(budget))
		}
		if c.ActualDate == nil && c.ForecastDate != nil && c.ForecastDate.After(committed) {
			why = append(why, "the forecast date, "+calendarDate(*c.ForecastDate)+", is after the committed date of "+calendarDate(committed))
		}
	case itsm.ChangeRAGGreen:
		if c.ActualDate != nil {
			return "Delivered by the committed date and within the approved budget."
		}
		return "Within the approved budget and on course for the committed date of " + calendarDate(committed) + "."
	}
	if len(why) == 0 {
		return ""
	}
	s := strings.Join(why, "; and ") + "."
	return strings.ToUpper(s[:1]) + s[1:]
}

// ProviderLabel names the assigned provider, or says there is none.
func (v changeView) ProviderLabel() string {
	if v.ProviderID == nil {
		return "Not assigned"
	}
	return v.Provider
}

// AssigneeLabel names the programme's assignee, or says there is none.
func (v changeView) AssigneeLabel() string {
	if v.AssigneeID == nil {
		return "Nobody"
	}
	return v.Assignee
}

// Budget is the approved budget, or "Not set" before approval.
func (v changeView) Budget() string { return poundsOr(v.ApprovedBudget, "Not set") }

// Actual is the actual cost so far.
func (v changeView) Actual() string { return pounds(v.ActualCost) }

// CostVariance says how far the actual cost is from the budget.
func (v changeView) CostVariance() string {
	d := v.Variance().Cost
	switch {
	case d == nil:
		return "No budget yet"
	case *d > 0:
		return pounds(*d) + " over budget"
	case *d < 0:
		return pounds(-*d) + " under budget"
	}
	return "On budget"
}

// DaysVariance says how far the delivery (actual, else forecast) is from
// the committed date.
func (v changeView) DaysVariance() string {
	d := v.Variance().Days
	switch {
	case d == nil:
		return "Not known yet"
	case *d > 0:
		return plural(*d, "day") + " late"
	case *d < 0:
		return plural(-*d, "day") + " early"
	}
	return "On the committed date"
}

// Committed is the committed delivery date, or "Not set" before approval.
func (v changeView) Committed() string { return calendarDateOr(v.CommittedDate, "Not set") }

// Forecast is the forecast delivery date.
func (v changeView) Forecast() string { return calendarDateOr(v.ForecastDate, "No forecast") }

// Delivered is the actual delivery date, or "Not delivered".
func (v changeView) Delivered() string { return calendarDateOr(v.ActualDate, "Not delivered") }

// Window says when the implementation window is, in UK time.
func (v changeView) Window() string {
	if v.WindowStart == nil || v.WindowEnd == nil {
		return "Not scheduled"
	}
	return londonDateTime(*v.WindowStart) + " to " + londonDateTime(*v.WindowEnd)
}

// calendarDate shows a change's date (midnight UTC) the GOV.UK way.
func calendarDate(t time.Time) string { return t.UTC().Format("2 January 2006") }

func calendarDateOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return calendarDate(*t)
}

// changesConfigured is the answer when the server runs without the change
// service (a partial wiring in tests).
func (s *Server) changesConfigured() error {
	if s.svc.Changes == nil {
		return notConfigured("the change service")
	}
	return nil
}

// canBrowseChanges: everyone signed in sees the changes the store lets
// them (customers their organisation's, providers those assigned to them,
// staff and auditors all).
func canBrowseChanges(a *itsm.Actor) error {
	if !a.SignedIn() {
		return itsm.Errorf(itsm.EUNAUTHORIZED, "Sign in to see changes.")
	}
	return nil
}

var (
	changeKindOptions = func() []option {
		out := make([]option, len(itsm.ChangeKinds))
		for i, k := range itsm.ChangeKinds {
			out[i] = option{string(k), k.Label()}
		}
		return out
	}()
	changeRAGOptions = func() []option {
		out := make([]option, len(itsm.ChangeRAGs))
		for i, r := range itsm.ChangeRAGs {
			out[i] = option{string(r), r.Label()}
		}
		return out
	}()
	changeSortOptions = sortOptions("-updated", "Recently changed", "updated", "Least recently changed", "-created", "Newest first",
		"created", "Oldest first", "ref", "Reference", "title", "Title", "state", "State", "committed", "Committed date, soonest first",
		"-committed", "Committed date, latest first", "-budget", "Largest budget", "budget", "Smallest budget", "-cost", "Highest actual cost", "cost", "Lowest actual cost")
)

// changeStateOptions offers open changes (the default), every change, and
// each state.
func changeStateOptions() []option {
	out := []option{{"open", "Open (not closed, rejected or withdrawn)"}, {"all", "Any state"}}
	for _, s := range itsm.ChangeStates {
		out = append(out, option{string(s), s.Label()})
	}
	return out
}

// changeScope is what a viewer's portfolio offers: those who read every
// change filter by customer and provider too.
type changeScope struct {
	ReadsAll        bool
	Orgs, Providers []option
}

func (s *Server) changeScopeOf(r *http.Request, a *itsm.Actor) (*changeScope, error) {
	sc := &changeScope{ReadsAll: a.ReadsEverything()}
	if !sc.ReadsAll {
		return sc, nil
	}
	var err error
	if sc.Orgs, err = s.orgsOfKind(r, itsm.OrgCustomer); err != nil {
		return nil, err
	}
	if sc.Providers, err = s.orgsOfKind(r, itsm.OrgProvider); err != nil {
		return nil, err
	}
	return sc, nil
}

// changeFilter reads the portfolio's filters from the query string.
func changeFilter(q *listQuery, sc *changeScope) itsm.ChangeFilter {
	var f itsm.ChangeFilter
	if k := itsm.ChangeKind(q.oneOf("kind", changeKindOptions, "a kind of change")); k != "" {
		f.Kind = &k
	}
	switch st := q.oneOf("state", changeStateOptions(), "a state"); st {
	case "", "open":
		open := true
		f.Open = &open
	case "all":
	default:
		f.State = []itsm.ChangeState{itsm.ChangeState(st)}
	}
	if r := itsm.ChangeRAG(q.oneOf("rag", changeRAGOptions, "a RAG status")); r != "" {
		f.RAG = &r
	}
	if sc.ReadsAll {
		if v := q.oneOf("organisation", sc.Orgs, "a customer organisation"); v != "" {
			n, _ := strconv.ParseInt(v, 10, 64)
			f.OrgID = &n
		}
		if v := q.oneOf("provider", sc.Providers, "a provider"); v != "" {
			n, _ := strconv.ParseInt(v, 10, 64)
			f.ProviderID = &n
		}
	}
	if s := q.text("q"); s != "" {
		f.Query = &s
	}
	f.Sort = q.sort(changeSortOptions, "-updated")
	return f
}

// changeListPage is the portfolio: every change the viewer may see, with
// its RAG status, filtered, sorted and paged.
type changeListPage struct {
	basePage
	Changes                                  []changeView
	Pager                                    pager
	Scope                                    *changeScope
	Kinds, States, RAGs, Sorts, Orgs, Provs  []option
	Kind, State, RAGValue, Sort, Org, Prov   string
	Query                                    string
	Filtered, CanRaise, Customer, ShowScores bool
	CSVHref, XLSXHref                        string
	RAGRules                                 []string
}

// changeList shows the portfolio.
func (s *Server) changeList(w http.ResponseWriter, r *http.Request) error {
	if err := s.changesConfigured(); err != nil {
		return err
	}
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canBrowseChanges(a); err != nil {
		return err
	}
	sc, err := s.changeScopeOf(r, a)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := changeFilter(q, sc)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(page), pageSize
	changes, total, err := s.svc.Changes.ListChanges(ctx, f)
	if err != nil {
		return err
	}
	title := "Change portfolio"
	switch {
	case a.IsCustomer():
		title = "Your organisation's changes"
	case a.IsProvider():
		title = "Changes assigned to you"
	}
	p := &changeListPage{basePage: s.newPage(w, r, title), Changes: changeViews(changes, itsm.ChangeToday(s.now())), Scope: sc,
		Kinds: withAll("All kinds", changeKindOptions), States: changeStateOptions(), RAGs: withAll("Any RAG status", changeRAGOptions),
		Sorts: changeSortOptions, Kind: q.keep.Get("kind"), State: q.keep.Get("state"), RAGValue: q.keep.Get("rag"),
		Sort: orDefault(q.keep.Get("sort"), "-updated"), Org: q.keep.Get("organisation"), Prov: q.keep.Get("provider"), Query: q.keep.Get("q"),
		Filtered: q.filtered(), CanRaise: canRaiseChanges(a) == nil, Customer: a.IsCustomer(), ShowScores: canSeeDeliveryScores(a) == nil,
		CSVHref: q.href("/changes.csv"), XLSXHref: q.href("/changes.xlsx"), RAGRules: itsm.ChangeRAGRules()}
	if p.State == "" {
		p.State = "open"
	}
	if sc.ReadsAll {
		p.Orgs, p.Provs = withAll("All customers", sc.Orgs), withAll("All providers", sc.Providers)
	}
	p.Wide = true
	p.Pager = newPager(q, "/changes", page, total, len(changes), "changes")
	p.setPaged(title, p.Pager)
	return s.render(w, http.StatusOK, "change_list", p)
}
