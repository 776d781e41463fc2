package report

import (
	"fmt"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// scorecardSeries are the five figures of a review scorecard, each with a
// colour (at least 3:1 against white), a line pattern and a marker shape,
// so that no series depends on telling colours apart.
var scorecardSeries = []struct {
	label, colour, dash string
	square              bool
	value               func(*itsm.Scorecard) *float64
}{
	{"Responses met", colourResponse, "", false, func(s *itsm.Scorecard) *float64 { return s.ResponsePercent }},
	{"Resolutions met", colourResolve, ` stroke-dasharray="8 4"`, true, func(s *itsm.Scorecard) *float64 { return s.ResolutionPercent }},
	{"Availability", "#4c2c92", ` stroke-dasharray="2 3"`, false, func(s *itsm.Scorecard) *float64 { return s.AvailabilityPercent }},
	{"On time", "#d4351c", ` stroke-dasharray="12 4 2 4"`, true, func(s *itsm.Scorecard) *float64 { return s.OnTimePercent }},
	{"Within budget", colourText, ` stroke-dasharray="4 4"`, false, func(s *itsm.Scorecard) *float64 { return s.WithinBudgetPercent }},
}

// ScorecardTrendSVG draws a provider's review scorecards, oldest first, as a
// line chart of the five figures by review. Like SLATrendSVG it is
// self-contained and CSP-safe, with role="img", a <title> and a <desc>
// stating every figure; a figure with nothing counted is a gap. Pages show
// the same figures in a table beside it.
func ScorecardTrendSVG(cards []itsm.Scorecard, opts ChartOptions) []byte {
	opts.withDefaults(720, 380, "Scorecard by review", "scorecard-trend")
	const left, right, top, bottom = 56, 24, 84, 48
	w, h := opts.Width, opts.Height
	plotW, plotH := float64(max(w-left-right, 40)), float64(max(h-top-bottom, 40))
	x := func(i int) float64 { return left + (float64(i)+0.5)*plotW/float64(max(len(cards), 1)) }
	y := func(pct float64) float64 { return top + plotH*(1-pct/100) }

	var b svgBuilder
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="%s %s" font-family="Arial, Helvetica, sans-serif" font-size="13" fill="%s">`,
		w, h, w, h, b.attr(opts.ID+"-title"), b.attr(opts.ID+"-desc"), colourText)
	b.printf(`<title id="%s">%s</title>`, b.attr(opts.ID+"-title"), b.text(opts.Title))
	b.printf(`<desc id="%s">%s</desc>`, b.attr(opts.ID+"-desc"), b.text(scorecardDescription(cards)))
	b.printf(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, w, h)
	b.printf(`<text x="%d" y="22" font-size="16" font-weight="bold">%s</text>`, left, b.text(opts.Title))
	for i, s := range scorecardSeries {
		lx, ly := left+(i%3)*210, 44+(i/3)*20
		b.printf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"%s/>`, lx, ly, lx+32, ly, s.colour, s.dash)
		marker(&b, float64(lx+16), float64(ly), s.colour, s.square)
		b.printf(`<text x="%d" y="%d">%s</text>`, lx+40, ly+4, b.text(s.label))
	}
	for _, pct := range []float64{0, 25, 50, 75, 100} {
		gy := y(pct)
		b.printf(`<line x1="%d" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, left, num(gy), num(left+plotW), num(gy), colourGrid)
		b.printf(`<text x="%d" y="%s" text-anchor="end">%d%%</text>`, left-8, num(gy+4), int(pct))
	}
	for i := range cards {
		b.printf(`<text x="%s" y="%s" text-anchor="middle">%s</text>`, num(x(i)), num(top+plotH+20), b.text(cards[i].MeetingAt.Format("Jan 2006")))
	}
	drawn := false
	for _, s := range scorecardSeries {
		var d strings.Builder
		pen := false
		for i := range cards {
			p := s.value(&cards[i])
			if p == nil {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%s %s ", cmd, num(x(i)), num(y(*p)))
			pen = true
		}
		if d.Len() == 0 {
			continue
		}
		drawn = true
		b.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="3" stroke-linejoin="round"%s/>`, strings.TrimSpace(d.String()), s.colour, s.dash)
		for i := range cards {
			if p := s.value(&cards[i]); p != nil {
				markerWithTitle(&b, x(i), y(*p), s.colour, s.square, cards[i].Title+": "+s.label+" "+PercentText(*p))
			}
		}
	}
	if !drawn {
		b.printf(`<text x="%s" y="%s" text-anchor="middle">No figures to show yet.</text>`, num(left+plotW/2), num(top+plotH/2))
	}
	b.printf(`</svg>`)
	return b.buf.Bytes()
}

// scorecardDescription states every review's figures in words.
func scorecardDescription(cards []itsm.Scorecard) string {
	if len(cards) == 0 {
		return "No reviews yet."
	}
	var parts []string
	for i := range cards {
		c := &cards[i]
		var figs []string
		for _, s := range scorecardSeries {
			figs = append(figs, strings.ToLower(s.label[:1])+s.label[1:]+" "+OptionalPercent(s.value(c), "none counted"))
		}
		parts = append(parts, c.Title+" ("+c.MeetingAt.Format("2 January 2006")+"): "+strings.Join(figs, ", "))
	}
	return "Scorecard figures by review, oldest first. " + strings.Join(parts, "; ") + "."
}
