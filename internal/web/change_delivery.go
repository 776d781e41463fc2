package web

import (
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// changeDeliveryPage is "On time and within budget": per provider, the
// changes delivered in a quarter and how many were on time and within
// budget, the figure the provider reviews use.
type changeDeliveryPage struct {
	basePage
	Quarter  string
	Quarters []option
	Scores   []deliveryRow
	Rules    []string
	CSVHref  string
}

// deliveryRow is one provider's figure, as the page shows it.
type deliveryRow struct {
	*itsm.DeliveryScore
}

// Share says a count as "3 of 4 (75%)", or that nothing was delivered.
func (d deliveryRow) Share(n int) string {
	pct, ok := d.Percent(n)
	if !ok {
		return "No changes delivered"
	}
	return strconv.Itoa(n) + " of " + strconv.Itoa(d.Delivered) + " (" + strconv.Itoa(pct) + "%)"
}

// OnTimeText is the on-time figure.
func (d deliveryRow) OnTimeText() string { return d.Share(d.OnTime) }

// BudgetText is the within-budget figure.
func (d deliveryRow) BudgetText() string { return d.Share(d.WithinBudget) }

// BothText is the on-time-and-within-budget figure.
func (d deliveryRow) BothText() string { return d.Share(d.OnTimeAndWithinBudget) }

// canSeeDeliveryScores mirrors the store: staff and auditors see every
// provider's figure, a provider its own; customers none.
func canSeeDeliveryScores(a *itsm.Actor) error {
	if !a.ReadsEverything() && !a.IsProvider() {
		return forbidden("Only the programme team, auditors and providers can see providers' delivery figures.")
	}
	return nil
}

// quarterOptions offers the current quarter and the seven before it.
func quarterOptions(now itsm.Quarter) []option {
	var out []option
	q := now
	for range 8 {
		out = append(out, option{q.String(), "Q" + strconv.Itoa(q.Q) + " " + strconv.Itoa(q.Year) + " (" + q.Start().Format("January") + " to " + q.End().AddDate(0, 0, -1).Format("January") + ")"})
		q.Q--
		if q.Q == 0 {
			q.Q, q.Year = 4, q.Year-1
		}
	}
	return out
}

// deliveryScores reads the quarter and each visible provider's figure.
func (s *Server) deliveryScores(r *http.Request) (string, []deliveryRow, error) {
	if err := s.changesConfigured(); err != nil {
		return "", nil, err
	}
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canSeeDeliveryScores(a); err != nil {
		return "", nil, err
	}
	q := itsm.QuarterOf(s.now())
	if v := r.URL.Query().Get("quarter"); v != "" {
		var err error
		if q, err = itsm.ParseQuarter(v); err != nil {
			return "", nil, err
		}
	}
	var providers []int64
	if a.IsProvider() {
		providers = []int64{a.OrgID}
	} else {
		opts, err := s.orgsOfKind(r, itsm.OrgProvider)
		if err != nil {
			return "", nil, err
		}
		for _, o := range opts {
			id, _ := strconv.ParseInt(o.Value, 10, 64)
			providers = append(providers, id)
		}
	}
	var rows []deliveryRow
	for _, id := range providers {
		d, err := s.svc.Changes.ProviderDeliveryScore(ctx, id, q)
		if err != nil {
			return "", nil, err
		}
		rows = append(rows, deliveryRow{d})
	}
	return q.String(), rows, nil
}

// changeDelivery shows the figures for a quarter.
func (s *Server) changeDelivery(w http.ResponseWriter, r *http.Request) error {
	quarter, rows, err := s.deliveryScores(r)
	if err != nil {
		return err
	}
	p := &changeDeliveryPage{basePage: s.newPage(w, r, "Changes delivered on time and within budget"), Quarter: quarter,
		Quarters: quarterOptions(itsm.QuarterOf(s.now())), Scores: rows, Rules: itsm.DeliveryScoreRules(),
		CSVHref: "/changes/delivery.csv?quarter=" + quarter}
	if !hasOption(p.Quarters, quarter) {
		p.Quarters = append(p.Quarters, option{quarter, quarter})
	}
	p.BackHref = "/changes"
	return s.render(w, http.StatusOK, "change_delivery", p)
}

// changeDeliveryCSV downloads the figures for a quarter.
func (s *Server) changeDeliveryCSV(w http.ResponseWriter, r *http.Request) error {
	quarter, rows, err := s.deliveryScores(r)
	if err != nil {
		return err
	}
	out := newCSV(w, "change-delivery-"+quarter+".csv")
	_ = out.Write("quarter", "provider_id", "provider", "delivered", "on_time", "on_time_percent", "within_budget", "within_budget_percent",
		"on_time_and_within_budget", "on_time_and_within_budget_percent")
	pct := func(d deliveryRow, n int) string {
		p, ok := d.Percent(n)
		if !ok {
			return ""
		}
		return strconv.Itoa(p)
	}
	for _, d := range rows {
		if err := out.Write(quarter, strconv.FormatInt(d.ProviderID, 10), d.Provider, strconv.Itoa(d.Delivered), strconv.Itoa(d.OnTime), pct(d, d.OnTime),
			strconv.Itoa(d.WithinBudget), pct(d, d.WithinBudget), strconv.Itoa(d.OnTimeAndWithinBudget), pct(d, d.OnTimeAndWithinBudget)); err != nil {
			return nil // the client went away
		}
	}
	_ = out.Flush()
	return nil
}
