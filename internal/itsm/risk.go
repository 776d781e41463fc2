package itsm

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The programme's risk and issue register (RAID). A risk is something that
// may happen, scored likelihood × impact on 1–5 scales; a programme issue is
// something that has happened (often a risk that occurred). Both carry
// mitigating actions with an owner and a due date.
//
// Scoring rules, printed on the register's pages:
//   - score = likelihood × impact, 1 to 25;
//   - RAG: red at 15 or more, amber from 5 to 12, green at 4 or less;
//   - trend compares the score before and after the last change of
//     likelihood or impact: rising, falling, or steady (also when never
//     re-scored);
//   - proximity is when the risk could happen: a date when one is known,
//     otherwise a band chosen by the owner; a date is banded from today
//     (imminent within a month, near within three, far beyond);
//   - a review is overdue once its review date has passed; an action is
//     overdue once its due date has passed while it is still open.

// RiskCategory is what kind of risk it is.
type RiskCategory string

// Risk categories, a fixed list.
const (
	RiskCategoryCommercial     RiskCategory = "commercial"
	RiskCategoryTechnical      RiskCategory = "technical"
	RiskCategoryService        RiskCategory = "service"
	RiskCategorySecurity       RiskCategory = "security"
	RiskCategoryDataProtection RiskCategory = "data_protection"
	RiskCategoryPeople         RiskCategory = "people"
	RiskCategoryOther          RiskCategory = "other"
	riskCategoryChoices                     = "commercial, technical, service, security, data protection, people or other"
)

// RiskCategories lists the categories in order.
var RiskCategories = []RiskCategory{RiskCategoryCommercial, RiskCategoryTechnical, RiskCategoryService, RiskCategorySecurity, RiskCategoryDataProtection, RiskCategoryPeople, RiskCategoryOther}

// Valid reports whether c is a known category.
func (c RiskCategory) Valid() bool { return raidOneOf(c, RiskCategories) }

// Label is the category as a person reads it.
func (c RiskCategory) Label() string {
	if c == RiskCategoryDataProtection {
		return "Data protection"
	}
	if c == "" {
		return ""
	}
	return strings.ToUpper(string(c[:1])) + string(c[1:])
}

// RiskStatus is where a risk stands.
type RiskStatus string

// Risk statuses. An occurred risk has become a programme issue.
const (
	RiskOpen       RiskStatus = "open"
	RiskMitigating RiskStatus = "mitigating"
	RiskClosed     RiskStatus = "closed"
	RiskOccurred   RiskStatus = "occurred"
)

// RiskStatuses lists the statuses in order.
var RiskStatuses = []RiskStatus{RiskOpen, RiskMitigating, RiskClosed, RiskOccurred}

// Valid reports whether s is a known status.
func (s RiskStatus) Valid() bool { return raidOneOf(s, RiskStatuses) }

// Live reports whether the risk is still being managed (open or
// mitigating): only live risks have reviews that can be overdue.
func (s RiskStatus) Live() bool { return s == RiskOpen || s == RiskMitigating }

// Proximity is how soon a risk could happen.
type Proximity string

// Proximity bands.
const (
	ProximityImminent Proximity = "imminent" // within a month
	ProximityNear     Proximity = "near"     // one to three months
	ProximityFar      Proximity = "far"      // beyond three months
)

// Proximities lists the bands, soonest first.
var Proximities = []Proximity{ProximityImminent, ProximityNear, ProximityFar}

// Valid reports whether p is a known band.
func (p Proximity) Valid() bool { return raidOneOf(p, Proximities) }

// Label is the band as a person reads it.
func (p Proximity) Label() string {
	switch p {
	case ProximityImminent:
		return "Imminent (within a month)"
	case ProximityNear:
		return "Near (one to three months)"
	case ProximityFar:
		return "Far (more than three months)"
	}
	return string(p)
}

// ProximityOf bands a date on which a risk could happen, seen from now: a
// date already past or within a month is imminent, within three months
// near, later far. Months are calendar months in UTC.
func ProximityOf(date, now time.Time) Proximity {
	today := RAIDDate(now)
	switch d := RAIDDate(date); {
	case d.Before(today.AddDate(0, 1, 0)):
		return ProximityImminent
	case d.Before(today.AddDate(0, 3, 0)) || d.Equal(today.AddDate(0, 3, 0)):
		return ProximityNear
	}
	return ProximityFar
}

// Trend is the direction of a risk's last change of score.
type Trend string

// Trends.
const (
	TrendRising  Trend = "rising"
	TrendFalling Trend = "falling"
	TrendSteady  Trend = "steady"
)

// TrendOf compares the score before the last change with the score now.
func TrendOf(previous, current int) Trend {
	switch {
	case previous == 0 || previous == current:
		return TrendSteady
	case current > previous:
		return TrendRising
	}
	return TrendFalling
}

// RAG is a red, amber or green rating.
type RAG string

// RAG ratings.
const (
	RAGRed   RAG = "red"
	RAGAmber RAG = "amber"
	RAGGreen RAG = "green"
)

// RAGOf rates a score: red at 15 or more, amber from 5, green below.
func RAGOf(score int) RAG {
	switch {
	case score >= 15:
		return RAGRed
	case score >= 5:
		return RAGAmber
	}
	return RAGGreen
}

// RiskScoringRules are the rules above, for pages and exports.
func RiskScoringRules() []string {
	return []string{
		"Score is likelihood × impact, each from 1 (very low) to 5 (very high).",
		"Red is a score of 15 or more, amber 5 to 12, green 4 or less.",
		"Trend compares the score before and after the last change of likelihood or impact.",
		"Proximity from a date: imminent within a month, near within three months, far beyond.",
		"A review is overdue once its date has passed; an action once its due date has passed while it is open.",
	}
}

// ScaleLabel names a point of the likelihood or impact scale.
func ScaleLabel(n int) string {
	switch n {
	case 1:
		return "Very low"
	case 2:
		return "Low"
	case 3:
		return "Medium"
	case 4:
		return "High"
	case 5:
		return "Very high"
	}
	return ""
}

// RAIDDate returns the calendar date of t in UTC, at midnight: register
// dates (reviews, due dates) are whole days.
func RAIDDate(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// RAIDDatePassed reports whether the whole of the day date is over at now.
func RAIDDatePassed(date, now time.Time) bool { return RAIDDate(now).After(RAIDDate(date)) }

// Risk is one entry of the programme's risk register.
type Risk struct {
	ID          int64        `json:"id"`
	Ref         string       `json:"ref"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Category    RiskCategory `json:"category"`
	OwnerID     *int64       `json:"owner_id"`
	Owner       string       `json:"owner_name"`
	// OwnerOrgID is the owner's organisation: a provider sees the risks
	// its people own.
	OwnerOrgID *int64 `json:"-"`
	Likelihood int    `json:"likelihood"`
	Impact     int    `json:"impact"`
	Score      int    `json:"score"`
	RAG        RAG    `json:"rag"`
	// PreviousScore is the score before the last change of likelihood or
	// impact, 0 when never re-scored.
	PreviousScore int       `json:"previous_score"`
	Trend         Trend     `json:"trend"`
	Proximity     Proximity `json:"proximity"`
	// ProximityDate, when set, is the date the risk could happen; the
	// band is then derived from it.
	ProximityDate *time.Time `json:"proximity_date"`
	Status        RiskStatus `json:"status"`
	ReviewDate    time.Time  `json:"review_date"`
	ReviewOverdue bool       `json:"review_overdue"`
	// ProviderID is the provider organisation the risk concerns, if any.
	ProviderID *int64 `json:"provider_id"`
	Provider   string `json:"provider_name"`
	// IssueID is the programme issue raised when the risk occurred.
	IssueID        *int64    `json:"issue_id"`
	OpenActions    int       `json:"open_actions"`
	OverdueActions int       `json:"overdue_actions"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Version        int64     `json:"version"`
}

// RiskRef formats a risk reference.
func RiskRef(n int64) string { return fmt.Sprintf("RISK-%03d", n) }

// Derive fills the fields computed from the stored ones at now: score,
// RAG, trend, proximity from a date, and whether the review is overdue.
func (r *Risk) Derive(now time.Time) {
	r.Score = r.Likelihood * r.Impact
	r.RAG = RAGOf(r.Score)
	r.Trend = TrendOf(r.PreviousScore, r.Score)
	if r.ProximityDate != nil {
		r.Proximity = ProximityOf(*r.ProximityDate, now)
	}
	r.ReviewOverdue = r.Status.Live() && RAIDDatePassed(r.ReviewDate, now)
}

// Validate checks a risk's fields. A date-only field is normalised to its
// UTC date.
func (r *Risk) Validate() error {
	var v Validation
	r.Title = strings.TrimSpace(r.Title)
	v.Check(r.Title != "", "title", "Enter a short summary of the risk.")
	v.Check(utf8.RuneCountInString(r.Title) <= 200 && !HasControl(r.Title), "title", "The summary must be 200 characters or fewer, without control characters.")
	v.Check(len(r.Description) <= 20000, "description", "Use 20,000 characters or fewer.")
	v.Check(r.Category.Valid(), "category", "Choose a category: "+riskCategoryChoices+".")
	v.Check(r.Likelihood >= 1 && r.Likelihood <= 5, "likelihood", "Likelihood must be a whole number from 1 (very low) to 5 (very high).")
	v.Check(r.Impact >= 1 && r.Impact <= 5, "impact", "Impact must be a whole number from 1 (very low) to 5 (very high).")
	if r.Status == "" {
		r.Status = RiskOpen
	}
	v.Check(r.Status.Valid(), "status", "Choose open, mitigating, closed or occurred.")
	if r.ProximityDate != nil {
		d := RAIDDate(*r.ProximityDate)
		r.ProximityDate = &d
		v.Check(d.Year() >= 2000 && d.Year() <= 2100, "proximity_date", "Enter a proximity date between 2000 and 2100.")
	} else {
		v.Check(r.Proximity.Valid(), "proximity", "Choose imminent, near or far, or give the date the risk could happen.")
	}
	v.Check(!r.ReviewDate.IsZero(), "review_date", "Enter the date of the next review.")
	if !r.ReviewDate.IsZero() {
		r.ReviewDate = RAIDDate(r.ReviewDate)
		v.Check(r.ReviewDate.Year() >= 2000 && r.ReviewDate.Year() <= 2100, "review_date", "Enter a review date between 2000 and 2100.")
	}
	return v.Err()
}

// RiskFilter selects risks. Nil fields do not filter.
type RiskFilter struct {
	Status     *RiskStatus
	Live       *bool // open or mitigating
	Category   *RiskCategory
	OwnerID    *int64
	ProviderID *int64
	MinScore   *int
	MaxScore   *int
	Likelihood *int
	Impact     *int
	// Overdue selects risks whose review or any open action is overdue.
	Overdue *bool
	// ChangeID selects risks linked to a change request.
	ChangeID *int64
	// Sort is one of RiskSorts' keys; "" is the default (score, highest
	// first).
	Sort   string
	Offset int
	Limit  int
}

// RiskSorts are the orders a risk list can take.
var RiskSorts = []string{"score", "review", "ref", "updated"}

// Check reports bad filter values as one EINVALID error.
func (f RiskFilter) Check() error {
	var v Validation
	scale := func(p *int, name, what string) {
		v.Check(p == nil || (*p >= 1 && *p <= 5), name, what+" must be a whole number from 1 to 5.")
	}
	scale(f.Likelihood, "likelihood", "Likelihood")
	scale(f.Impact, "impact", "Impact")
	for _, s := range []struct {
		p    *int
		name string
	}{{f.MinScore, "min_score"}, {f.MaxScore, "max_score"}} {
		v.Check(s.p == nil || (*s.p >= 1 && *s.p <= 25), s.name, "A score must be a whole number from 1 to 25.")
	}
	if f.MinScore != nil && f.MaxScore != nil {
		v.Check(*f.MinScore <= *f.MaxScore, "max_score", "The highest score must not be lower than the lowest.")
	}
	v.Check(f.Status == nil || f.Status.Valid(), "status", "Choose open, mitigating, closed or occurred.")
	v.Check(f.Category == nil || f.Category.Valid(), "category", "Choose a category: "+riskCategoryChoices+".")
	v.Check(f.Sort == "" || raidOneOf(f.Sort, RiskSorts), "sort", "Sort by score, review, ref or updated.")
	return v.Err()
}

// RiskUpdate is a partial change of a risk. A change of likelihood or
// impact is recorded in the risk's score history with ScoreNote.
type RiskUpdate struct {
	Title         *string
	Description   *string
	Category      *RiskCategory
	OwnerID       *int64 // 0 clears
	Likelihood    *int
	Impact        *int
	Proximity     *Proximity
	ProximityDate *time.Time // the zero time clears
	Status        *RiskStatus
	ReviewDate    *time.Time
	ProviderID    *int64 // 0 clears
	ScoreNote     string
	Version       int64
}

// ScoreChange is one change of a risk's likelihood or impact.
type ScoreChange struct {
	ID            int64     `json:"id"`
	RiskID        int64     `json:"risk_id"`
	At            time.Time `json:"at"`
	ActorID       *int64    `json:"actor_id"`
	ActorName     string    `json:"actor_name"`
	OldLikelihood int       `json:"old_likelihood"`
	OldImpact     int       `json:"old_impact"`
	NewLikelihood int       `json:"new_likelihood"`
	NewImpact     int       `json:"new_impact"`
	OldScore      int       `json:"old_score"`
	NewScore      int       `json:"new_score"`
	Note          string    `json:"note"`
}

// HeatMapCell is the number of risks at one likelihood and impact.
type HeatMapCell struct {
	Likelihood int `json:"likelihood"`
	Impact     int `json:"impact"`
	Score      int `json:"score"`
	RAG        RAG `json:"rag"`
	Count      int `json:"count"`
}

// HeatMap counts risks by likelihood and impact: 25 cells, likelihood 5
// to 1 (rows, highest first), impact 1 to 5 within each.
type HeatMap struct {
	Cells []HeatMapCell `json:"cells"`
	Total int           `json:"total"`
}

// NewHeatMap returns an empty 5×5 map in display order.
func NewHeatMap() *HeatMap {
	h := &HeatMap{}
	for l := 5; l >= 1; l-- {
		for i := 1; i <= 5; i++ {
			h.Cells = append(h.Cells, HeatMapCell{Likelihood: l, Impact: i, Score: l * i, RAG: RAGOf(l * i)})
		}
	}
	return h
}

// Add counts n risks at likelihood l and impact i; values off the scale
// are ignored.
func (h *HeatMap) Add(l, i, n int) {
	if l < 1 || l > 5 || i < 1 || i > 5 {
		return
	}
	h.Cells[(5-l)*5+i-1].Count += n
	h.Total += n
}

// Count returns the number of risks at likelihood l and impact i.
func (h *HeatMap) Count(l, i int) int {
	if l < 1 || l > 5 || i < 1 || i > 5 {
		return 0
	}
	return h.Cells[(5-l)*5+i-1].Count
}

func raidOneOf[T comparable](v T, set []T) bool {
	for _, x := range set {
		if x == v {
			return true
		}
	}
	return false
}
