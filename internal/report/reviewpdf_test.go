package report_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

func fptr(v float64) *float64 { return &v }
func iptr(v int64) *int64     { return &v }

// samplePack is a pack with a figure in every section.
func samplePack() *itsm.ReviewPack {
	met := true
	committed := time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC)
	budget := int64(100000)
	r := &itsm.Review{ID: 7, ProviderID: 2, ProviderName: "Cairngorm Hosting Services Ltd", Title: "Performance review, Q3 2026",
		PeriodFrom: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), PeriodTo: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC),
		MeetingAt: time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC), Location: "Edinburgh, room 4", Status: itsm.ReviewHeld,
		Attendees: []itsm.ReviewAttendee{{Name: "Priya Shah", Role: "Cairngorm, service manager", Attended: true}},
		Minutes:   "Outages discussed; the provider will report root causes within 5 days."}
	return &itsm.ReviewPack{Review: r, AsAt: time.Date(2026, 10, 13, 17, 0, 0, 0, time.UTC), AvailabilityChecked: true,
		SLA: []itsm.SLAReportRow{
			{Level: itsm.SLAGroupRow, Priority: "P2", Tickets: 4, Responses: 4, ResponsesMet: 3, ResponseBreaches: 1, ResponseMetPercent: fptr(75),
				Resolutions: 3, ResolutionsMet: 3, ResolutionMetPercent: fptr(100), Resolved: 3, MeanResolveSeconds: iptr(5 * 3600), MedianResolveSeconds: iptr(4 * 3600), P90ResolveSeconds: iptr(7 * 3600)},
			{Level: itsm.SLAOverallRow, Tickets: 4, Responses: 4, ResponsesMet: 3, ResponseBreaches: 1, ResponseMetPercent: fptr(75),
				Resolutions: 3, ResolutionsMet: 3, ResolutionMetPercent: fptr(100), Resolved: 3, MeanResolveSeconds: iptr(5 * 3600), MedianResolveSeconds: iptr(4 * 3600), P90ResolveSeconds: iptr(7 * 3600)},
		},
		Breaches: []itsm.PackBreach{{TicketRef: "INC-000042", Title: "Invoices stuck in the queue", Priority: "P2", Target: itsm.TargetResponse,
			Due: time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC), Over: 17 * time.Hour}},
		Availability: []itsm.ServiceAvailability{{Service: "Purchasing portal", Checks: 2, AvailabilityStats: itsm.AvailabilityStats{Samples: 1000, Failures: 3,
			Percent: 99.7, P50: 120 * time.Millisecond, P95: 340 * time.Millisecond, P99: 900 * time.Millisecond, Outages: 1, Downtime: 45 * time.Minute, TargetPercent: 99.5, TargetMet: &met}}},
		Escalations: []*itsm.Escalation{{TicketRef: "INC-000050", Title: "Supplier catalogue missing", OrgName: "Glenmorven Council", Level: 2, Status: itsm.EscalationOpen}},
		Problems:    []*itsm.Problem{{Ref: "PRB-000003", Title: "Nightly batch overruns", Status: itsm.ProblemInvestigating}},
		Delivery: itsm.PackDelivery{Delivered: 2, OnTime: 1, WithinBudget: 1, Exceptions: []itsm.PackChange{{Ref: "RFC-0012", Title: "Basket export",
			CommittedDate: &committed, ActualDate: time.Date(2026, 8, 12, 0, 0, 0, 0, time.UTC), ApprovedBudget: &budget, ActualCost: 125000, Late: true, OverBudget: true}}},
		Risks:   []*itsm.Risk{{Ref: "RISK-004", Title: "Hosting contract renewal slips", Owner: "Priya Shah", Score: 12, Trend: itsm.TrendRising, ReviewDate: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}},
		Actions: []*itsm.ReviewAction{{Title: "Send the capacity plan", OwnerName: "Priya Shah", DueDate: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Status: itsm.ReviewActionOpen}},
		CarriedForward: []*itsm.ReviewAction{{Title: "Fix the DNS failover", OwnerName: "Hamish Grant", DueDate: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC),
			Status: itsm.ReviewActionOpen, Overdue: true, ReviewMeetingAt: time.Date(2026, 8, 12, 10, 0, 0, 0, time.UTC)}},
		Scorecard: itsm.Scorecard{ResponsePercent: fptr(75), ResolutionPercent: fptr(100), AvailabilityPercent: fptr(99.7), OnTimePercent: fptr(50), WithinBudgetPercent: fptr(50)},
	}
}

// TestReviewPackPDFText renders the pack and reads it back with pdftotext
// (poppler-utils): every figure must be there as text.
func TestReviewPackPDFText(t *testing.T) {
	var buf bytes.Buffer
	if err := report.ReviewPackPDF(&buf, samplePack(), nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:min(buf.Len(), 20)])
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed: the PDF's text was not checked; install poppler-utils to run this test")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "pack.pdf")
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{
		"Performance review, Q3 2026", "Provider: Cairngorm Hosting Services Ltd", "Period: 1 July 2026 to 30 September 2026",
		"Meeting: 14 October 2026 10:00, Edinburgh, room 4", "Status: Held",
		"Response targets met 75%", "Resolution targets met 100%", "Availability 99.7%", "Changes delivered on time 50%",
		"P2 4 75% (3 of 4) 100% (3 of 3) 1 5 hours 4 hours 7 hours",
		"INC-000042", "17 hours", "Purchasing portal 2 99.7% 99.5% (met) 120 ms 340 ms 900 ms 1 45 minutes",
		"INC-000050", "Level 2", "PRB-000003", "Changes delivered: 2. On time: 1 of 2 (50%). Within budget: 1 of 2 (50%).",
		"RFC-0012", "£1,000.00", "£1,250.00", "Late and over budget", "RISK-004", "Rising",
		"Send the capacity plan", "Fix the DNS failover", "Open (overdue)", "Review of 12 August 2026",
		"Priya Shah", "root causes within 5 days",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("PDF text:\n%s", out)
	}
}

func TestScorecardTrendSVG(t *testing.T) {
	cards := []itsm.Scorecard{
		{Title: "Q2 review", MeetingAt: time.Date(2026, 7, 10, 9, 0, 0, 0, time.UTC), ResponsePercent: fptr(90), ResolutionPercent: fptr(80), OnTimePercent: fptr(100)},
		{Title: "Q3 <review>", MeetingAt: time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC), ResponsePercent: fptr(75), ResolutionPercent: fptr(100), AvailabilityPercent: fptr(99.7)},
	}
	svg := report.ScorecardTrendSVG(cards, report.ChartOptions{ID: "trend"})
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	s := string(svg)
	for _, want := range []string{`role="img"`, `<title id="trend-title">Scorecard by review</title>`, "Q3 &lt;review&gt;", "responses met 75%", "on time none counted", "availability 99.7%"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.Contains(s, "style=") || strings.Contains(s, "<script") {
		t.Error("SVG has a style attribute or script")
	}
}
