package itsm

import (
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestRAGOf(t *testing.T) {
	for _, tc := range []struct {
		score int
		want  RAG
	}{{1, RAGGreen}, {4, RAGGreen}, {5, RAGAmber}, {12, RAGAmber}, {15, RAGRed}, {16, RAGRed}, {25, RAGRed}} {
		if got := RAGOf(tc.score); got != tc.want {
			t.Errorf("RAGOf(%d) = %s, want %s", tc.score, got, tc.want)
		}
	}
	// Every score a 5×5 grid can make is rated, and only 1–4 are green.
	for l := 1; l <= 5; l++ {
		for i := 1; i <= 5; i++ {
			if s := l * i; (RAGOf(s) == RAGGreen) != (s <= 4) {
				t.Errorf("%d×%d = %d rated %s", l, i, s, RAGOf(s))
			}
		}
	}
}

func TestTrendOf(t *testing.T) {
	for _, tc := range []struct {
		previous, current int
		want              Trend
	}{
		{0, 12, TrendSteady}, // never re-scored
		{12, 12, TrendSteady},
		{6, 6, TrendSteady}, // 2×3 became 3×2
		{6, 12, TrendRising},
		{20, 4, TrendFalling},
		{1, 2, TrendRising},
	} {
		if got := TrendOf(tc.previous, tc.current); got != tc.want {
			t.Errorf("TrendOf(%d, %d) = %s, want %s", tc.previous, tc.current, got, tc.want)
		}
	}
}

func TestProximityOf(t *testing.T) {
	now := time.Date(2026, 11, 29, 17, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		date time.Time
		want Proximity
	}{
		{day(2026, 11, 1), ProximityImminent},  // already past
		{day(2026, 11, 29), ProximityImminent}, // today
		{day(2026, 12, 28), ProximityImminent},
		{day(2026, 12, 29), ProximityNear}, // a calendar month on
		{day(2027, 2, 28), ProximityNear},
		{day(2027, 3, 1), ProximityNear}, // three months on: 29 February 2027 is 1 March
		{day(2027, 3, 2), ProximityFar},
		{day(2027, 11, 29), ProximityFar},
	} {
		if got := ProximityOf(tc.date, now); got != tc.want {
			t.Errorf("ProximityOf(%s) = %s, want %s", tc.date.Format("2006-01-02"), got, tc.want)
		}
	}
}

func TestRiskDerive(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	soon := day(2026, 12, 10)
	for _, tc := range []struct {
		name    string
		r       Risk
		score   int
		rag     RAG
		trend   Trend
		prox    Proximity
		overdue bool
	}{
		{"review yesterday", Risk{Likelihood: 4, Impact: 5, Status: RiskOpen, Proximity: ProximityFar, ReviewDate: day(2026, 11, 28)}, 20, RAGRed, TrendSteady, ProximityFar, true},
		{"review today is not overdue", Risk{Likelihood: 2, Impact: 2, Status: RiskMitigating, Proximity: ProximityNear, ReviewDate: day(2026, 11, 29)}, 4, RAGGreen, TrendSteady, ProximityNear, false},
		{"closed risks have no overdue review", Risk{Likelihood: 3, Impact: 3, Status: RiskClosed, Proximity: ProximityNear, ReviewDate: day(2026, 1, 1)}, 9, RAGAmber, TrendSteady, ProximityNear, false},
		{"a date overrides the band", Risk{Likelihood: 3, Impact: 4, PreviousScore: 6, Status: RiskOpen, Proximity: ProximityFar, ProximityDate: &soon, ReviewDate: day(2027, 1, 1)}, 12, RAGAmber, TrendRising, ProximityImminent, false},
		{"falling", Risk{Likelihood: 1, Impact: 4, PreviousScore: 16, Status: RiskOpen, Proximity: ProximityFar, ReviewDate: day(2027, 1, 1)}, 4, RAGGreen, TrendFalling, ProximityFar, false},
	} {
		r := tc.r
		r.Derive(now)
		if r.Score != tc.score || r.RAG != tc.rag || r.Trend != tc.trend || r.Proximity != tc.prox || r.ReviewOverdue != tc.overdue {
			t.Errorf("%s: got score %d %s %s %s overdue %v", tc.name, r.Score, r.RAG, r.Trend, r.Proximity, r.ReviewOverdue)
		}
	}
}

func TestRiskValidate(t *testing.T) {
	valid := func() Risk {
		return Risk{Title: "Provider key staff turnover", Category: RiskCategoryPeople, Likelihood: 3, Impact: 4, Proximity: ProximityNear, ReviewDate: day(2026, 12, 1)}
	}
	r := valid()
	if err := r.Validate(); err != nil || r.Status != RiskOpen {
		t.Fatalf("valid risk: %v, status %q", err, r.Status)
	}
	for _, tc := range []struct {
		field string
		edit  func(r *Risk)
	}{
		{"title", func(r *Risk) { r.Title = "  " }},
		{"likelihood", func(r *Risk) { r.Likelihood = 0 }},
		{"likelihood", func(r *Risk) { r.Likelihood = 6 }},
		{"impact", func(r *Risk) { r.Impact = 0 }},
		{"impact", func(r *Risk) { r.Impact = 6 }},
		{"category", func(r *Risk) { r.Category = "weather" }},
		{"status", func(r *Risk) { r.Status = "forgotten" }},
		{"proximity", func(r *Risk) { r.Proximity = "soonish" }},
		{"review_date", func(r *Risk) { r.ReviewDate = time.Time{} }},
		{"review_date", func(r *Risk) { r.ReviewDate = day(3000, 1, 1) }},
	} {
		r := valid()
		tc.edit(&r)
		err := r.Validate()
		if ErrorCode(err) != EINVALID || ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
}

func TestActionValidate(t *testing.T) {
	raised := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		a     RAIDAction
		field string
	}{
		{"due the day it was raised", RAIDAction{Description: "Agree a retention plan", DueDate: day(2026, 11, 20)}, ""},
		{"due before it was raised", RAIDAction{Description: "Agree a retention plan", DueDate: day(2026, 11, 19)}, "due_date"},
		{"no due date", RAIDAction{Description: "Agree a retention plan"}, "due_date"},
		{"no description", RAIDAction{Description: " ", DueDate: day(2026, 12, 1)}, "description"},
		{"unknown status", RAIDAction{Description: "x", DueDate: day(2026, 12, 1), Status: "pending"}, "status"},
	} {
		err := tc.a.Validate(raised)
		if tc.field == "" && err != nil || tc.field != "" && ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestIssueRules(t *testing.T) {
	for _, tc := range []struct {
		score int
		want  IssueSeverity
	}{{25, SeverityCritical}, {20, SeverityCritical}, {16, SeverityHigh}, {15, SeverityHigh}, {12, SeverityMedium}, {5, SeverityMedium}, {4, SeverityLow}} {
		if got := SeverityForScore(tc.score); got != tc.want {
			t.Errorf("SeverityForScore(%d) = %s, want %s", tc.score, got, tc.want)
		}
	}
	i := ProgrammeIssue{Title: "Invoices held", Severity: "urgent"}
	if err := i.Validate(); ErrorFields(err)["severity"] == "" {
		t.Errorf("unknown severity: %v", err)
	}
	i = ProgrammeIssue{Title: "Invoices held", Severity: SeverityHigh, Status: "parked"}
	if err := i.Validate(); ErrorFields(err)["status"] == "" {
		t.Errorf("unknown status: %v", err)
	}
}

func TestHeatMap(t *testing.T) {
	h := NewHeatMap()
	if len(h.Cells) != 25 || h.Cells[0].Likelihood != 5 || h.Cells[0].Impact != 1 || h.Cells[24].Likelihood != 1 || h.Cells[24].Impact != 5 {
		t.Fatalf("cell order: first %+v last %+v", h.Cells[0], h.Cells[24])
	}
	h.Add(4, 5, 2)
	h.Add(1, 1, 1)
	h.Add(0, 3, 9) // off the scale: ignored
	if h.Count(4, 5) != 2 || h.Count(1, 1) != 1 || h.Total != 3 || h.Count(0, 3) != 0 {
		t.Fatalf("counts: %+v", h)
	}
	if c := h.Cells[(5-4)*5+5-1]; c.Score != 20 || c.RAG != RAGRed || c.Count != 2 {
		t.Fatalf("cell 4×5: %+v", c)
	}
}

func TestRiskFilterCheck(t *testing.T) {
	six, zero, ten, three := 6, 0, 10, 3
	for _, tc := range []struct {
		f     RiskFilter
		field string
	}{
		{RiskFilter{Likelihood: &six}, "likelihood"},
		{RiskFilter{Impact: &zero}, "impact"},
		{RiskFilter{MinScore: &ten, MaxScore: &three}, "max_score"},
		{RiskFilter{Sort: "colour"}, "sort"},
	} {
		if err := tc.f.Check(); ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
	if err := (RiskFilter{Likelihood: &three, MinScore: &three, MaxScore: &ten, Sort: "review"}).Check(); err != nil {
		t.Fatal(err)
	}
}
