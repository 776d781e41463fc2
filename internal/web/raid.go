package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// raidPage is the register's dashboard ("Risks and issues"): what needs
// attention, the 5×5 heat map of live risks (an SVG image and the same
// counts as a table whose counts link to the filtered list), and the
// overdue reviews and actions.
type raidPage struct {
	basePage
	Summary        *itsm.RAIDSummary
	HeatMap        template.HTML
	HeatRows       []heatRow
	Impacts        []int
	OverdueReviews []riskView
	OverdueActions []actionView
	Rules          []string
	CanCreate      bool
}

// heatRow is one likelihood's row of the heat map's table.
type heatRow struct {
	Likelihood int
	Label      string
	Cells      []heatCell
}

// heatCell is one cell of the table: its count and the list it links to.
type heatCell struct {
	itsm.HeatMapCell
	Href     string
	RAGLabel string
}

// heatHref is the list of the live risks in one cell.
func heatHref(l, i int) string {
	v := url.Values{}
	v.Set("likelihood", strconv.Itoa(l))
	v.Set("impact", strconv.Itoa(i))
	v.Set("live", "yes")
	return "/risks?" + v.Encode()
}

// raidDashboard shows the register's dashboard.
func (s *Server) raidDashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canBrowseRAID(a); err != nil {
		return err
	}
	sum, err := s.svc.Risks.RAIDSummary(ctx)
	if err != nil {
		return err
	}
	live := true
	hm, err := s.svc.Risks.RiskHeatMap(ctx, itsm.RiskFilter{Live: &live})
	if err != nil {
		return err
	}
	yes := true
	overdue, _, err := s.svc.Risks.FindRisks(ctx, itsm.RiskFilter{Live: &live, Overdue: &yes, Sort: "review", Limit: 50})
	if err != nil {
		return err
	}
	var reviews []riskView
	for _, k := range overdue {
		if k.ReviewOverdue {
			reviews = append(reviews, riskView{k})
		}
	}
	actions, _, err := s.svc.Risks.FindActions(ctx, itsm.ActionFilter{Overdue: &yes, Limit: 50})
	if err != nil {
		return err
	}
	p := &raidPage{basePage: s.newPage(w, r, "Risks and issues"), Summary: sum, Impacts: []int{1, 2, 3, 4, 5},
		OverdueReviews: reviews, OverdueActions: actionViews(actions, a), Rules: itsm.RiskScoringRules(), CanCreate: a.IsStaff()}
	// RiskHeatMapSVG escapes every piece of text it writes.
	p.HeatMap = template.HTML(report.RiskHeatMapSVG(hm, report.HeatMapOptions{Title: "Heat map of live risks"}))
	for l := 5; l >= 1; l-- {
		row := heatRow{Likelihood: l, Label: itsm.ScaleLabel(l)}
		for i := 1; i <= 5; i++ {
			c := hm.Cells[(5-l)*5+i-1]
			row.Cells = append(row.Cells, heatCell{HeatMapCell: c, Href: heatHref(l, i), RAGLabel: riskRAGLabel(c.RAG)})
		}
		p.HeatRows = append(p.HeatRows, row)
	}
	p.Wide = true
	return s.render(w, http.StatusOK, "raid_dashboard", p)
}
