package web

import (
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// TestPounds shows pence the way people read money.
func TestPounds(t *testing.T) {
	for pence, want := range map[int64]string{
		0: "£0.00", 5: "£0.05", 100: "£1.00", 125000: "£1,250.00", 99999999: "£999,999.99",
		1_000_000_000: "£10,000,000.00", -7550: "-£75.50", -100000000: "-£1,000,000.00",
	} {
		if got := pounds(pence); got != want {
			t.Errorf("pounds(%d) = %q, want %q", pence, got, want)
		}
		if back, msg := parsePounds(pounds(pence), "the amount", true); msg != "" || back != pence {
			t.Errorf("parsePounds(%q) = %d %q, want %d", pounds(pence), back, msg, pence)
		}
		if back, msg := parsePounds(poundsInput(pence), "the amount", true); msg != "" || back != pence {
			t.Errorf("parsePounds(%q) = %d %q, want %d", poundsInput(pence), back, msg, pence)
		}
	}
}

// TestParsePounds reads what people type and refuses nonsense with a
// sentence.
func TestParsePounds(t *testing.T) {
	good := map[string]int64{"1250": 125000, "1,250.5": 125050, "£8,400": 840000, " 0.99 ": 99, ".5": 50, "10000000": 1_000_000_000}
	for in, want := range good {
		if got, msg := parsePounds(in, "the cost", false); msg != "" || got != want {
			t.Errorf("parsePounds(%q) = %d %q, want %d", in, got, msg, want)
		}
	}
	for _, in := range []string{"", "lots", "12.345", "1.2.3", "£", "-5", "10000000.01", "1e6", "99999999999999", "12,50p"} {
		if _, msg := parsePounds(in, "the cost", false); msg == "" {
			t.Errorf("parsePounds(%q) accepted", in)
		}
	}
	if got, msg := parsePounds("-£3,000.50", "the cost impact", true); msg != "" || got != -300050 {
		t.Errorf("negative: %d %q", got, msg)
	}
}

// TestParseDays reads efforts to one decimal place.
func TestParseDays(t *testing.T) {
	for in, want := range map[string]float64{"12.5": 12.5, "3": 3, "1 day": 1, "2.5 days": 2.5} {
		if got, msg := parseDays(in, "the effort", false); msg != "" || got != want {
			t.Errorf("parseDays(%q) = %v %q", in, got, msg)
		}
	}
	for _, in := range []string{"", "many", "1.25", "-1", "NaN", "Inf", "10001"} {
		if _, msg := parseDays(in, "the effort", false); msg == "" {
			t.Errorf("parseDays(%q) accepted", in)
		}
	}
	if got, msg := parseDays("-2.5", "the time impact", true); msg != "" || got != -2.5 {
		t.Errorf("negative days: %v %q", got, msg)
	}
	if days(1) != "1 day" || days(12.5) != "12.5 days" || days(-2.5) != "-2.5 days" || days(3) != "3 days" {
		t.Errorf("days: %q %q %q %q", days(1), days(12.5), days(-2.5), days(3))
	}
}

// TestParseLocalDateTime reads windows in UK time across both changes of
// the clocks in 2026: the hour skipped on 29 March does not exist, and
// 01:30 on 25 October is the first (British Summer Time) one.
func TestParseLocalDateTime(t *testing.T) {
	cases := []struct {
		date, clock string
		want        time.Time
		bad         bool
	}{
		{"2026-03-28", "18:00", time.Date(2026, 3, 28, 18, 0, 0, 0, time.UTC), false},
		{"2026-03-29", "00:30", time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), false},
		{"2026-03-29", "01:30", time.Time{}, true},
		{"2026-03-29", "02:00", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), false},
		{"2026-07-01", "18:00", time.Date(2026, 7, 1, 17, 0, 0, 0, time.UTC), false},
		{"2026-10-25", "01:30", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), false},
		{"2026-10-25", "02:30", time.Date(2026, 10, 25, 2, 30, 0, 0, time.UTC), false},
		{"2026-02-30", "10:00", time.Time{}, true},
		{"2026-03-28", "25:00", time.Time{}, true},
		{"", "10:00", time.Time{}, true},
		{"2026-03-28", "", time.Time{}, true},
	}
	for _, c := range cases {
		got, msg := parseLocalDateTime(c.date, c.clock, "the window starts")
		if c.bad != (msg != "") || (!c.bad && !got.Equal(c.want)) {
			t.Errorf("parseLocalDateTime(%q, %q) = %v %q, want %v (bad %v)", c.date, c.clock, got.UTC(), msg, c.want, c.bad)
		}
	}
	summer := time.Date(2026, 7, 1, 17, 0, 0, 0, time.UTC)
	if got := londonDateTime(summer); got != "1 Jul 2026 18:00 (BST)" {
		t.Errorf("londonDateTime = %q", got)
	}
	if localDateInput(&summer) != "2026-07-01" || localClockInput(&summer) != "18:00" {
		t.Errorf("inputs: %q %q", localDateInput(&summer), localClockInput(&summer))
	}
}

// TestRAGReason explains each rule of itsm.ChangeRAGRules in a sentence.
func TestRAGReason(t *testing.T) {
	today := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	committed := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	late := time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	budget := int64(1_000_000)
	base := func() *itsm.ChangeRequest {
		b, c := budget, committed
		return &itsm.ChangeRequest{State: itsm.ChangeInDelivery, ApprovedBudget: &b, CommittedDate: &c}
	}
	cases := []struct {
		name   string
		change func() *itsm.ChangeRequest
		day    time.Time
		want   string
	}{
		{"not baselined", func() *itsm.ChangeRequest { return &itsm.ChangeRequest{State: itsm.ChangeEstimation} }, today, "The approved budget and committed date are set"},
		{"withdrawn", func() *itsm.ChangeRequest { c := base(); c.State = itsm.ChangeWithdrawn; return c }, today, "Not tracked: the change was withdrawn."},
		{"green", base, today, "Within the approved budget and on course for the committed date of 30 June 2026."},
		{"amber on cost", func() *itsm.ChangeRequest { c := base(); c.ActualCost = 950_000; return c }, today, "The actual cost, £9,500.00, is more than 90% of the approved budget of £10,000.00."},
		{"amber on forecast", func() *itsm.ChangeRequest { c := base(); c.ForecastDate = &late; return c }, today, "The forecast date, 15 July 2026, is after the committed date of 30 June 2026."},
		{"red on cost", func() *itsm.ChangeRequest { c := base(); c.ActualCost = 1_000_001; return c }, today, "The actual cost, £10,000.01, exceeds the approved budget of £10,000.00."},
		{"red on date", base, late, "The committed date, 30 June 2026, has passed and the change is not delivered."},
		{"delivered late", func() *itsm.ChangeRequest { c := base(); c.ActualDate = &late; return c }, late, "It was delivered on 15 July 2026, after the committed date of 30 June 2026."},
		{"delivered on time", func() *itsm.ChangeRequest { c := base(); c.ActualDate = &committed; return c }, late, "Delivered by the committed date"},
	}
	for _, c := range cases {
		v := changeView{c.change(), c.day}
		if got := v.RAGReason(); len(got) < len(c.want) || got[:len(c.want)] != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
