package web

import (
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// TestCalendarFieldID checks the SLA engine's field names land on the
// agreement form's inputs.
func TestCalendarFieldID(t *testing.T) {
	for in, want := range map[string]string{
		"calendar.timezone":    "time_zone",
		"calendar.holiday_set": "holiday_set",
		"calendar.holidays[3]": "extra_holidays",
		"calendar.week.tue[0]": "tue-1-start",
		"calendar.week.fri[1]": "fri-2-start",
		"calendar.week.sat":    "sat-1-start",
		"calendar.week":        "mon-1-start",
		"targets.P2.response":  "target-P2-response",
		"targets.P4":           "target-P4-response",
		"pause_statuses[0]":    "pause_statuses",
		"warn_fractions[1]":    "warn_percentages",
		"name":                 "name",
	} {
		if got := calendarFieldID(in); got != want {
			t.Errorf("calendarFieldID(%q) = %q, want %q", in, got, want)
		}
	}
	err := remapFields(itsm.SLAError(&sla.ValidationError{Field: "calendar.week.mon[1]", Message: "10:00–11:00 overlaps 09:00–17:00"}), calendarFieldID)
	if got := itsm.ErrorFields(err)["mon-2-start"]; got != "10:00–11:00 overlaps 09:00–17:00." {
		t.Errorf("remapped error: %v", err)
	}
}

// TestFiguresInWords checks how durations and changes are said.
func TestFiguresInWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0 minutes", 30 * time.Minute: "30 minutes", time.Hour: "1 hour", 90 * time.Minute: "1 hour 30 minutes",
		36 * time.Hour: "36 hours", 61 * time.Second: "1 minute", 4 * time.Second: "under a minute", 40 * time.Second: "1 minute",
	} {
		if got := businessTime(d); got != want {
			t.Errorf("businessTime(%s) = %q, want %q", d, got, want)
		}
	}
	pts := func(f float64) *float64 { return &f }
	for _, c := range []struct {
		d    *float64
		want string
	}{{nil, "none"}, {pts(12.5), "12.5 higher"}, {pts(-50), "50 lower"}, {pts(0.01), "No change"}} {
		if got := pointsChange(c.d, "none"); got != c.want {
			t.Errorf("pointsChange(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := warningsText([]float64{0.5, 0.75, 0.9}); got != "At 50%, 75% and 90% of the target" {
		t.Errorf("warningsText: %q", got)
	}
	from, to := lastFullQuarter(time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), time.UTC)
	if from.Format("2006-01-02") != "2025-10-01" || to.Format("2006-01-02") != "2025-12-31" {
		t.Errorf("last full quarter of 15 January 2026: %s to %s", from, to)
	}
}
