package sla

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestGovUKDivisionHolidays: one division's holidays from the feed, and
// every way the input can be wrong named as the feed or the division.
func TestGovUKDivisionHolidays(t *testing.T) {
	const feed = `{"scotland":{"division":"scotland","events":[{"title":"St Andrew’s Day","date":"2026-11-30","notes":"","bunting":true},` +
		`{"title":"2nd January","date":"2027-01-04","notes":"Substitute day","bunting":true}]},"england-and-wales":{"division":"england-and-wales","events":[]}}`
	hs, err := GovUKDivisionHolidays([]byte(feed), SetScotland)
	if err != nil || len(hs) != 2 || hs[0].Name != "St Andrew's Day" || hs[1].Date.String() != "2027-01-04" || !hs[1].Substitute {
		t.Fatalf("scotland: %+v %v", hs, err)
	}
	for _, c := range []struct {
		data, division, field, says string
	}{
		{feed, "wales", "division", "is not one of gov.uk's divisions"},
		{feed, "", "division", "is missing"},
		{feed, SetNorthernIreland, "division", `no bank holidays for "northern-ireland"`},
		{feed, SetEnglandAndWales, "division", `no bank holidays for "england-and-wales"`},
		{`[]`, SetScotland, "feed", "not a JSON object"},
		{`{} trailing`, SetScotland, "feed", "not a JSON object"},
		{`{"calendar":{}}`, SetScotland, "feed", "none of gov.uk's divisions"},
		{`{"scotland":{"events":[{"title":"X","date":"2026-02-30"}]}}`, SetScotland, "feed", "scotland.events[0].date"},
	} {
		_, err := GovUKDivisionHolidays([]byte(c.data), c.division)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field || !strings.Contains(ve.Message, c.says) {
			t.Errorf("%s / %q: %v, want %s: …%s…", c.data, c.division, err, c.field, c.says)
		}
	}
}

// TestMaxTarget: ten years (521 weeks) of the calendar's working time; a
// simulation or policy with a longer target is refused by ValidateLimits,
// not given an invented due instant.
func TestMaxTarget(t *testing.T) {
	office, err := NewCalendar(CalendarConfig{Week: OfficeHours(Interval{Start: 9 * time.Hour, End: 17 * time.Hour})})
	if err != nil {
		t.Fatal(err)
	}
	allDay, _ := NewCalendar(CalendarConfig{AllDay: true})
	if office.MaxTarget() != 20840*time.Hour || allDay.MaxTarget() != 87528*time.Hour {
		t.Fatalf("max targets %v, %v", office.MaxTarget(), allDay.MaxTarget())
	}
	p := Policy{Calendar: office, Targets: Targets{"P1": {Response: time.Hour, Resolution: 2000000 * time.Hour}}}
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate is unchanged, so stored agreements still evaluate: %v", err)
	}
	var ve *ValidationError
	if err := p.ValidateLimits(); !errors.As(err, &ve) || ve.Field != "targets.P1.resolution" || !strings.Contains(ve.Message, "give at most 20840h") {
		t.Fatalf("ValidateLimits: %v", err)
	}
}

// A feed of the wrong shape is described in words, not Go's type names.
func TestGovUKFeedShapeMessages(t *testing.T) {
	for feed, want := range map[string]string{
		`{"scotland":{"division":"scotland","events":"x"}}`:          "each division's events should be a list, not text",
		`{"scotland":{"division":"scotland","events":[{"date":1}]}}`: "each division's events.date should be text, not a number",
		`{"scotland":[]}`: "each division should be an object, not a list",
	} {
		_, err := GovUKDivisionHolidays([]byte(feed), "scotland")
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "Go struct") {
			t.Errorf("%s: %v, want it to say %q", feed, err, want)
		}
	}
}
