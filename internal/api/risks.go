package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// The programme's risk and issue register (RAID). Staff and auditors read
// everything, providers the risks and issues their people own or that
// concern them; customers are refused lists and find no records. Programme
// staff change the register; a provider records the status of actions its
// people own. Dates (review, due, proximity) are calendar dates, sent as
// YYYY-MM-DD (or an RFC 3339 instant, whose UTC date is used) and returned
// as the RFC 3339 instant of their midnight in UTC.

// riskCreate is the body of POST /api/v1/risks.
type riskCreate struct {
	Title         string  `json:"title"`
	Description   string  `json:"description"`
	Category      string  `json:"category"`
	OwnerID       *int64  `json:"owner_id"`
	Likelihood    int     `json:"likelihood"`
	Impact        int     `json:"impact"`
	Proximity     string  `json:"proximity"`
	ProximityDate *string `json:"proximity_date"`
	Status        string  `json:"status"`
	ReviewDate    string  `json:"review_date"`
	ProviderID    *int64  `json:"provider_id"`
}

// riskChange is the body of PATCH /api/v1/risks/{id}. proximity_date ""
// clears the date; owner_id and provider_id 0 clear them.
type riskChange struct {
	Version       *int64  `json:"version"`
	Title         *string `json:"title"`
	Description   *string `json:"description"`
	Category      *string `json:"category"`
	OwnerID       *int64  `json:"owner_id"`
	Likelihood    *int    `json:"likelihood"`
	Impact        *int    `json:"impact"`
	ScoreNote     *string `json:"score_note"`
	Proximity     *string `json:"proximity"`
	ProximityDate *string `json:"proximity_date"`
	Status        *string `json:"status"`
	ReviewDate    *string `json:"review_date"`
	ProviderID    *int64  `json:"provider_id"`
}

// actionCreate is the body of POST …/{id}/actions.
type actionCreate struct {
	Description string `json:"description"`
	OwnerID     *int64 `json:"owner_id"`
	DueDate     string `json:"due_date"`
	Status      string `json:"status"`
}

// actionChange is the body of PATCH /api/v1/raid-actions/{id}.
type actionChange struct {
	Version     *int64  `json:"version"`
	Description *string `json:"description"`
	OwnerID     *int64  `json:"owner_id"`
	DueDate     *string `json:"due_date"`
	Status      *string `json:"status"`
}

// riskChangeLink is the body of POST /api/v1/risks/{id}/changes.
type riskChangeLink struct {
	ChangeID int64 `json:"change_id"`
}

// raidDate reads a calendar date: YYYY-MM-DD, or an RFC 3339 instant.
func raidDate(field, s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return itsm.RAIDDate(t), nil
	}
	return time.Time{}, fieldError(field, "Give "+field+" as a date, such as 2027-03-31.")
}

const (
	riskStatusChoices   = "open, mitigating, closed or occurred"
	riskCategoryChoices = "commercial, technical, service, security, data_protection, people or other"
)

func validRiskStatus(s string) bool   { return itsm.RiskStatus(s).Valid() }
func validRiskCategory(s string) bool { return itsm.RiskCategory(s).Valid() }
func validRiskSort(s string) bool {
	for _, x := range itsm.RiskSorts {
		if x == s {
			return true
		}
	}
	return false
}

// riskFilterFrom reads a risk list's (or the heat map's) query.
func riskFilterFrom(r *http.Request, extra ...string) (itsm.RiskFilter, paging, error) {
	q, err := parseQuery(r, append([]string{"status", "live", "category", "owner_id", "provider_id", "min_score", "max_score", "overdue", "change_id"}, extra...)...)
	if err != nil {
		return itsm.RiskFilter{}, paging{}, err
	}
	f := itsm.RiskFilter{Live: q.boolean("live"), OwnerID: q.id("owner_id"), ProviderID: q.id("provider_id"), Overdue: q.boolean("overdue"), ChangeID: q.id("change_id")}
	if s := q.oneOf("status", validRiskStatus, riskStatusChoices); s != nil {
		st := itsm.RiskStatus(*s)
		f.Status = &st
	}
	if s := q.oneOf("category", validRiskCategory, riskCategoryChoices); s != nil {
		c := itsm.RiskCategory(*s)
		f.Category = &c
	}
	small := func(name string, lo, hi int) *int {
		s, ok := q.get(name)
		if !ok {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			q.v.Add(name, "Give "+name+" as a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+".")
			return nil
		}
		return &n
	}
	f.MinScore, f.MaxScore = small("min_score", 1, 25), small("max_score", 1, 25)
	for _, name := range extra {
		switch name {
		case "likelihood":
			f.Likelihood = small(name, 1, 5)
		case "impact":
			f.Impact = small(name, 1, 5)
		case "sort":
			if s := q.oneOf("sort", validRiskSort, "score, review, ref or updated"); s != nil {
				f.Sort = *s
			}
		}
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return f, p, err
	}
	return f, p, f.Check()
}

// listRisks serves GET /api/v1/risks.
func (a *API) listRisks(w http.ResponseWriter, r *http.Request) error {
	f, p, err := riskFilterFrom(r, "likelihood", "impact", "sort")
	if err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	risks, total, err := a.svc.Risks.FindRisks(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, risks, total, p)
	return nil
}

// riskHeatMap serves GET /api/v1/risk-heatmap: the matching risks counted
// by likelihood and impact.
func (a *API) riskHeatMap(w http.ResponseWriter, r *http.Request) error {
	f, _, err := riskFilterFrom(r)
	if err != nil {
		return err
	}
	h, err := a.svc.Risks.RiskHeatMap(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

// createRisk serves POST /api/v1/risks (programme staff).
func (a *API) createRisk(w http.ResponseWriter, r *http.Request) error {
	var in riskCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := checkRefs(in.ProviderID, in.OwnerID, 1); err != nil {
		return err
	}
	k := &itsm.Risk{Title: in.Title, Description: in.Description, Category: itsm.RiskCategory(in.Category), OwnerID: in.OwnerID,
		Likelihood: in.Likelihood, Impact: in.Impact, Proximity: itsm.Proximity(in.Proximity), Status: itsm.RiskStatus(in.Status), ProviderID: in.ProviderID}
	var err error
	if k.ReviewDate, err = raidDate("review_date", in.ReviewDate); err != nil {
		return err
	}
	if in.ProximityDate != nil && *in.ProximityDate != "" {
		d, err := raidDate("proximity_date", *in.ProximityDate)
		if err != nil {
			return err
		}
		k.ProximityDate = &d
	}
	if err := a.svc.Risks.CreateRisk(r.Context(), k); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/risks/"+strconv.FormatInt(k.ID, 10))
	writeRecord(w, http.StatusCreated, k.Version, k)
	return nil
}

// getRisk serves GET /api/v1/risks/{id}.
func (a *API) getRisk(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "risk")
	if err != nil {
		return err
	}
	k, err := a.svc.Risks.FindRiskByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, k.Version, k)
	return nil
}

// updateRisk serves PATCH /api/v1/risks/{id}. A change of likelihood or
// impact needs score_note; status occurred raises a programme issue.
func (a *API) updateRisk(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "risk")
	if err != nil {
		return err
	}
	var in riskChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.Title == nil && in.Description == nil && in.Category == nil && in.OwnerID == nil && in.Likelihood == nil && in.Impact == nil &&
		in.Proximity == nil && in.ProximityDate == nil && in.Status == nil && in.ReviewDate == nil && in.ProviderID == nil {
		return errNothingToChange
	}
	if err := checkRefs(in.ProviderID, in.OwnerID, 0); err != nil {
		return err
	}
	upd := itsm.RiskUpdate{Title: in.Title, Description: in.Description, OwnerID: in.OwnerID, Likelihood: in.Likelihood, Impact: in.Impact,
		ProviderID: in.ProviderID, Version: version}
	if in.ScoreNote != nil {
		upd.ScoreNote = *in.ScoreNote
	}
	if in.Category != nil {
		if !validRiskCategory(*in.Category) {
			return fieldError("category", "Set category to "+riskCategoryChoices+".")
		}
		c := itsm.RiskCategory(*in.Category)
		upd.Category = &c
	}
	if in.Status != nil {
		if !validRiskStatus(*in.Status) {
			return fieldError("status", "Set status to "+riskStatusChoices+".")
		}
		s := itsm.RiskStatus(*in.Status)
		upd.Status = &s
	}
	if in.Proximity != nil {
		p := itsm.Proximity(*in.Proximity)
		if !p.Valid() {
			return fieldError("proximity", "Set proximity to imminent, near or far.")
		}
		upd.Proximity = &p
	}
	if in.ProximityDate != nil {
		var d time.Time // "" clears the date
		if *in.ProximityDate != "" {
			if d, err = raidDate("proximity_date", *in.ProximityDate); err != nil {
				return err
			}
		}
		upd.ProximityDate = &d
	}
	if in.ReviewDate != nil {
		d, err := raidDate("review_date", *in.ReviewDate)
		if err != nil {
			return err
		}
		upd.ReviewDate = &d
	}
	k, err := a.svc.Risks.UpdateRisk(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, k.Version, k)
	return nil
}

// riskHistory serves GET /api/v1/risks/{id}/history: the score changes,
// newest first.
func (a *API) riskHistory(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "risk", a.svc.Risks.RiskHistory)
}

// listRiskActions serves GET /api/v1/risks/{id}/actions.
func (a *API) listRiskActions(w http.ResponseWriter, r *http.Request) error {
	return a.listParentActions(w, r, itsm.ActionOnRisk)
}

// addRiskAction serves POST /api/v1/risks/{id}/actions (programme staff).
func (a *API) addRiskAction(w http.ResponseWriter, r *http.Request) error {
	return a.addParentAction(w, r, itsm.ActionOnRisk)
}

func (a *API) listParentActions(w http.ResponseWriter, r *http.Request, parent string) error {
	return serveSubList(w, r, parent, func(ctx context.Context, id int64) ([]*itsm.RAIDAction, error) {
		acts, _, err := a.svc.Risks.FindActions(ctx, itsm.ActionFilter{ParentType: parent, ParentID: &id, Limit: 500})
		return acts, err
	})
}

func (a *API) addParentAction(w http.ResponseWriter, r *http.Request, parent string) error {
	id, err := pathID(r, parent)
	if err != nil {
		return err
	}
	var in actionCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := checkRefs(nil, in.OwnerID, 1); err != nil {
		return err
	}
	due, err := raidDate("due_date", in.DueDate)
	if err != nil {
		return err
	}
	if in.Status != "" && !itsm.ActionStatus(in.Status).Valid() {
		return fieldError("status", "Set status to open, done or cancelled.")
	}
	act := &itsm.RAIDAction{ParentType: parent, ParentID: id, Description: in.Description, OwnerID: in.OwnerID, DueDate: due, Status: itsm.ActionStatus(in.Status)}
	if err := a.svc.Risks.AddAction(r.Context(), act); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/raid-actions/"+strconv.FormatInt(act.ID, 10))
	writeRecord(w, http.StatusCreated, act.Version, act)
	return nil
}

// listRiskChanges serves GET /api/v1/risks/{id}/changes.
func (a *API) listRiskChanges(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "risk", a.svc.Risks.RiskChanges)
}

// linkRiskChange serves POST /api/v1/risks/{id}/changes (programme
// staff). Linking twice is not an error.
func (a *API) linkRiskChange(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "risk")
	if err != nil {
		return err
	}
	var in riskChangeLink
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.ChangeID < 1 {
		return errChooseChange
	}
	// The risk first, so that a missing change is a field of the body.
	if _, err := a.svc.Risks.FindRiskByID(r.Context(), id); err != nil {
		return err
	}
	err = a.svc.Risks.LinkRiskChange(r.Context(), id, in.ChangeID)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		return errChooseChange
	} else if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var errChooseChange = fieldError("change_id", "Give change_id as the ID of an existing change request.")

// unlinkRiskChange serves DELETE /api/v1/risks/{id}/changes/{change_id}.
func (a *API) unlinkRiskChange(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "risk")
	if err != nil {
		return err
	}
	change, err := pathInt(r, "change_id", "change request")
	if err != nil {
		return err
	}
	if err := a.svc.Risks.UnlinkRiskChange(r.Context(), id, change); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
