package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// riskFormPage records a new risk or changes one (programme staff).
type riskFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel string
	Editing                         bool
	In                              riskInput
	Version                         int64
	Categories, Scales, Statuses    []option
	Proximities, Providers, Owners  []option
}

var riskFields = []string{"title", "description", "category", "likelihood", "impact", "score_note", "proximity", "proximity_date", "review_date", "status", "owner_id", "provider_id"}

// riskInput is what the risk form sent.
type riskInput struct {
	Title, Description, Category, Likelihood, Impact, ScoreNote   string
	Proximity, ProximityDate, ReviewDate, Status, Owner, Provider string
}

func readRiskForm(r *http.Request) riskInput {
	return riskInput{
		Title:         strings.TrimSpace(r.PostFormValue("title")),
		Description:   strings.TrimSpace(r.PostFormValue("description")),
		Category:      r.PostFormValue("category"),
		Likelihood:    r.PostFormValue("likelihood"),
		Impact:        r.PostFormValue("impact"),
		ScoreNote:     strings.TrimSpace(r.PostFormValue("score_note")),
		Proximity:     r.PostFormValue("proximity"),
		ProximityDate: strings.TrimSpace(r.PostFormValue("proximity_date")),
		ReviewDate:    strings.TrimSpace(r.PostFormValue("review_date")),
		Status:        r.PostFormValue("status"),
		Owner:         r.PostFormValue("owner_id"),
		Provider:      r.PostFormValue("provider_id"),
	}
}

var proximityOptions = []option{
	{string(itsm.ProximityImminent), itsm.ProximityImminent.Label()},
	{string(itsm.ProximityNear), itsm.ProximityNear.Label()},
	{string(itsm.ProximityFar), itsm.ProximityFar.Label()},
}

func (s *Server) riskFormPage(w http.ResponseWriter, r *http.Request, title string) (*riskFormPage, error) {
	if err := canManageRAIDWeb(itsm.ActorFromContext(r.Context())); err != nil {
		return nil, err
	}
	p := &riskFormPage{basePage: s.newPage(w, r, title), Categories: riskCategoryOptions(), Scales: riskScaleOptions(), Statuses: riskStatusOptions,
		Proximities: proximityOptions}
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

// toRisk checks the form's choices and dates and builds the risk.
func (p *riskFormPage) toRisk(in riskInput) (*itsm.Risk, error) {
	var v itsm.Validation
	k := &itsm.Risk{Title: in.Title, Description: in.Description, Category: itsm.RiskCategory(in.Category), Status: itsm.RiskStatus(in.Status),
		Proximity: itsm.Proximity(in.Proximity)}
	scale := func(s, field, what string) int {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 5 {
			v.Add(field, "Choose the "+what+" from 1 (very low) to 5 (very high).")
			return 0
		}
		return n
	}
	k.Likelihood = scale(in.Likelihood, "likelihood", "likelihood")
	k.Impact = scale(in.Impact, "impact", "impact")
	v.Check(hasOption(riskCategoryOptions(), in.Category), "category", "Choose a category.")
	v.Check(hasOption(riskStatusOptions, in.Status), "status", "Choose open, mitigating, closed or occurred.")
	if in.ProximityDate != "" {
		d, ok := parseRAIDDate(in.ProximityDate)
		v.Check(ok, "proximity_date", "Enter the date the risk could happen as a real date, like 2027-03-31, or leave it blank.")
		if ok {
			k.ProximityDate = &d
		}
	} else {
		v.Check(hasOption(proximityOptions, in.Proximity), "proximity", "Choose how soon the risk could happen, or give a date.")
	}
	if in.ReviewDate == "" {
		v.Add("review_date", "Enter the date of the next review, like 2027-01-15.")
	} else if d, ok := parseRAIDDate(in.ReviewDate); !ok {
		v.Add("review_date", "Enter the review date as a real date, like 2027-01-15.")
	} else {
		k.ReviewDate = d
	}
	var ok bool
	k.OwnerID, ok = optionalID(in.Owner, p.Owners)
	v.Check(ok, "owner_id", "Choose an owner from the list, or none.")
	k.ProviderID, ok = optionalID(in.Provider, p.Providers)
	v.Check(ok, "provider_id", "Choose a provider from the list, or none.")
	if k.Proximity == "" && k.ProximityDate != nil {
		k.Proximity = itsm.ProximityFar // banded from the date on saving
	}
	return k, mergeErrors(v.Err(), k.Validate())
}

// riskNewForm shows the form for a new risk.
func (s *Server) riskNewForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.riskFormPage(w, r, "Record a risk")
	if err != nil {
		return err
	}
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/risks/new", "/risks", "Record risk", "/risks"
	p.In = riskInput{Status: string(itsm.RiskOpen), Proximity: string(itsm.ProximityNear), Likelihood: "3", Impact: "3",
		ReviewDate: itsm.RAIDDate(s.now()).AddDate(0, 1, 0).Format("2006-01-02")}
	return s.render(w, http.StatusOK, "risk_form", p)
}

// riskCreate records the risk and shows it.
func (s *Server) riskCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.riskFormPage(w, r, "Record a risk")
	if err != nil {
		return err
	}
	in := readRiskForm(r)
	k, err := p.toRisk(in)
	if err == nil {
		err = s.svc.Risks.CreateRisk(r.Context(), k)
	}
	if formFailed(err) {
		p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/risks/new", "/risks", "Record risk", "/risks"
		p.In = in
		p.setErrors(err, riskFields...)
		return s.render(w, formStatus(err), "risk_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, riskHref(k), k.Ref+" has been recorded with a score of "+strconv.Itoa(k.Score)+".")
}

func (s *Server) riskEditPage(w http.ResponseWriter, r *http.Request, k *itsm.Risk) (*riskFormPage, error) {
	p, err := s.riskFormPage(w, r, "Change "+k.Ref)
	if err != nil {
		return nil, err
	}
	p.Caption = k.Title
	p.Editing, p.Version = true, k.Version
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = riskHref(k)+"/edit", riskHref(k), "Save changes", riskHref(k)
	p.In = riskInput{Title: k.Title, Description: k.Description, Category: string(k.Category), Likelihood: strconv.Itoa(k.Likelihood),
		Impact: strconv.Itoa(k.Impact), Proximity: string(k.Proximity), ProximityDate: raidDateCell(k.ProximityDate),
		ReviewDate: k.ReviewDate.Format("2006-01-02"), Status: string(k.Status), Owner: idValue(k.OwnerID), Provider: idValue(k.ProviderID)}
	return p, nil
}

// riskEditForm shows the form to change a risk.
func (s *Server) riskEditForm(w http.ResponseWriter, r *http.Request) error {
	k, err := s.findRisk(r)
	if err != nil {
		return err
	}
	p, err := s.riskEditPage(w, r, k)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "risk_form", p)
}

// riskUpdate saves the change; a new likelihood or impact needs a note,
// which goes into the risk's history.
func (s *Server) riskUpdate(w http.ResponseWriter, r *http.Request) error {
	k, err := s.findRisk(r)
	if err != nil {
		return err
	}
	p, err := s.riskEditPage(w, r, k)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	in := readRiskForm(r)
	nk, err := p.toRisk(in)
	var saved *itsm.Risk
	if err == nil {
		none := int64(0)
		upd := itsm.RiskUpdate{Title: &nk.Title, Description: &nk.Description, Category: &nk.Category, Likelihood: &nk.Likelihood, Impact: &nk.Impact,
			Status: &nk.Status, ReviewDate: &nk.ReviewDate, OwnerID: &none, ProviderID: &none, ScoreNote: in.ScoreNote, Version: version}
		if nk.ProximityDate != nil {
			upd.ProximityDate = nk.ProximityDate
		} else {
			upd.Proximity = &nk.Proximity
		}
		if nk.OwnerID != nil {
			upd.OwnerID = nk.OwnerID
		}
		if nk.ProviderID != nil {
			upd.ProviderID = nk.ProviderID
		}
		saved, err = s.svc.Risks.UpdateRisk(r.Context(), k.ID, upd)
	}
	if formFailed(err) {
		p.In, p.Version = in, version
		p.setErrors(err, riskFields...)
		return s.render(w, formStatus(err), "risk_form", p)
	} else if err != nil {
		return err
	}
	msg := "Your changes to " + saved.Ref + " have been saved."
	if saved.IssueID != nil && k.IssueID == nil {
		msg = saved.Ref + " has occurred: a programme issue has been raised from it."
	}
	return s.redirect(w, r, riskHref(saved), msg)
}
