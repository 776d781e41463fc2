package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// ChartOptions sizes and names a chart. Zero values take the defaults.
type ChartOptions struct {
	// Width and Height are the chart's size in CSS pixels (default 720 ×
	// 360); it scales with its viewBox.
	Width, Height int
	// Title is the chart's accessible name and visible heading (default
	// "Service level targets met by month").
	Title string
	// ID prefixes the ids of the chart's title and description, which must
	// be unique in the page (default "sla-trend"); only letters, digits,
	// hyphens and underscores are kept.
	ID string
}

// Colours: GOV.UK blue and green, each at least 3:1 against white, and the
// series also differ by line pattern and marker shape, so that nothing
// depends on telling colours apart.
const (
	colourText     = "#0b0c0c"
	colourGrid     = "#b1b4b6"
	colourResponse = "#1d70b8"
	colourResolve  = "#00703c"
)

// SLATrendSVG draws the percentage of response and resolution targets met
// in each month of the report as a line chart. The SVG is self-contained
// and safe under a strict Content Security Policy: presentation attributes
// only (no style attributes or elements, no script), system fonts. It has
// role="img", a <title> and a <desc> that states every month's figures, so
// a screen reader user gets the data, not just "chart"; each point also
// carries its figures as a tooltip. Months with nothing counted are gaps.
func SLATrendSVG(r *itsm.SLAReport, opts ChartOptions) []byte {
	opts.withDefaults(720, 360, "Service level targets met by month", "sla-trend")
	months := r.MonthTotals()
	const left, right, top, bottom = 56, 24, 64, 48
	w, h := opts.Width, opts.Height
	plotW, plotH := float64(max(w-left-right, 40)), float64(max(h-top-bottom, 40))
	x := func(i int) float64 { return left + (float64(i)+0.5)*plotW/float64(max(len(months), 1)) }
	y := func(pct float64) float64 { return top + plotH*(1-pct/100) }

	var b svgBuilder
	period := ""
	if len(months) > 0 {
		period = longMonth(months[0].Month)
		if len(months) > 1 {
			period += " to " + longMonth(months[len(months)-1].Month)
		}
	}
	titleText := opts.Title
	if period != "" {
		titleText += ", " + period
	}
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="%s %s" font-family="Arial, Helvetica, sans-serif" font-size="13" fill="%s">`,
		w, h, w, h, b.attr(opts.ID+"-title"), b.attr(opts.ID+"-desc"), colourText)
	b.printf(`<title id="%s">%s</title>`, b.attr(opts.ID+"-title"), b.text(titleText))
	b.printf(`<desc id="%s">%s</desc>`, b.attr(opts.ID+"-desc"), b.text(trendDescription(months)))
	b.printf(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, w, h)
	b.printf(`<text x="%d" y="22" font-size="16" font-weight="bold">%s</text>`, left, b.text(opts.Title))

	// Legend.
	legend := func(lx int, colour, dash, label string, square bool) {
		b.printf(`<line x1="%d" y1="44" x2="%d" y2="44" stroke="%s" stroke-width="3"%s/>`, lx, lx+32, colour, dash)
		marker(&b, float64(lx+16), 44, colour, square)
		b.printf(`<text x="%d" y="48">%s</text>`, lx+40, b.text(label))
	}
	legend(left, colourResponse, "", "Response target met", false)
	legend(left+220, colourResolve, ` stroke-dasharray="8 4"`, "Resolution target met", true)

	// Axes and grid.
	for _, pct := range []float64{0, 25, 50, 75, 100} {
		gy := y(pct)
		b.printf(`<line x1="%d" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, left, num(gy), num(left+plotW), num(gy), colourGrid)
		b.printf(`<text x="%d" y="%s" text-anchor="end">%d%%</text>`, left-8, num(gy+4), int(pct))
	}
	step := 1
	if maxLabels := int(plotW / 72); maxLabels > 0 && len(months) > maxLabels {
		step = (len(months) + maxLabels - 1) / maxLabels
	}
	for i, m := range months {
		if i%step != 0 {
			continue
		}
		b.printf(`<text x="%s" y="%s" text-anchor="middle">%s</text>`, num(x(i)), num(top+plotH+20), b.text(shortMonth(m.Month)))
	}

	// Series.
	drawn := false
	series := func(colour, dash string, square bool, pct func(*itsm.SLAReportRow) *float64, label func(*itsm.SLAReportRow) string) {
		var d strings.Builder
		pen := false
		for i := range months {
			p := pct(&months[i])
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
			return
		}
		drawn = true
		b.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="3" stroke-linejoin="round"%s/>`, strings.TrimSpace(d.String()), colour, dash)
		for i := range months {
			if p := pct(&months[i]); p != nil {
				markerWithTitle(&b, x(i), y(*p), colour, square, label(&months[i]))
			}
		}
	}
	series(colourResponse, "", false, func(m *itsm.SLAReportRow) *float64 { return m.ResponseMetPercent },
		func(m *itsm.SLAReportRow) string {
			return longMonth(m.Month) + ": " + metPhrase(m.ResponseMetPercent, m.ResponsesMet, m.Responses, "response")
		})
	series(colourResolve, ` stroke-dasharray="8 4"`, true, func(m *itsm.SLAReportRow) *float64 { return m.ResolutionMetPercent },
		func(m *itsm.SLAReportRow) string {
			return longMonth(m.Month) + ": " + metPhrase(m.ResolutionMetPercent, m.ResolutionsMet, m.Resolutions, "resolution")
		})
	if !drawn {
		b.printf(`<text x="%s" y="%s" text-anchor="middle">Nothing was counted in this period.</text>`, num(left+plotW/2), num(top+plotH/2))
	}
	b.printf(`</svg>`)
	return b.buf.Bytes()
}

func marker(b *svgBuilder, cx, cy float64, colour string, square bool) {
	if square {
		b.printf(`<rect x="%s" y="%s" width="10" height="10" fill="%s" stroke="#ffffff" stroke-width="1"/>`, num(cx-5), num(cy-5), colour)
		return
	}
	b.printf(`<circle cx="%s" cy="%s" r="5" fill="%s" stroke="#ffffff" stroke-width="1"/>`, num(cx), num(cy), colour)
}

func markerWithTitle(b *svgBuilder, cx, cy float64, colour string, square bool, title string) {
	if square {
		b.printf(`<rect x="%s" y="%s" width="10" height="10" fill="%s" stroke="#ffffff" stroke-width="1"><title>%s</title></rect>`, num(cx-5), num(cy-5), colour, b.text(title))
		return
	}
	b.printf(`<circle cx="%s" cy="%s" r="5" fill="%s" stroke="#ffffff" stroke-width="1"><title>%s</title></circle>`, num(cx), num(cy), colour, b.text(title))
}

// trendDescription states every month's figures in words.
func trendDescription(months []itsm.SLAReportRow) string {
	var s strings.Builder
	s.WriteString("Percentage of SLA targets met each month. Responses: ")
	for i := range months {
		if i > 0 {
			s.WriteString("; ")
		}
		m := &months[i]
		s.WriteString(longMonth(m.Month) + ", " + metPhrase(m.ResponseMetPercent, m.ResponsesMet, m.Responses, "response"))
	}
	s.WriteString(". Resolutions: ")
	for i := range months {
		if i > 0 {
			s.WriteString("; ")
		}
		m := &months[i]
		s.WriteString(longMonth(m.Month) + ", " + metPhrase(m.ResolutionMetPercent, m.ResolutionsMet, m.Resolutions, "resolution"))
	}
	s.WriteString(".")
	return s.String()
}

// metPhrase says "95% met (19 of 20 responses)" or "no responses counted".
func metPhrase(pct *float64, met, of int, what string) string {
	if pct == nil || of == 0 {
		return "no " + what + "s counted"
	}
	noun := what + "s"
	if of == 1 {
		noun = what
	}
	return fmt.Sprintf("%s met (%d of %d %s)", PercentText(*pct), met, of, noun)
}

// PercentText formats a percentage the GOV.UK way: up to one decimal
// place, no space before the sign ("95%", "66.7%").
func PercentText(p float64) string {
	s := strconv.FormatFloat(p, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + "%"
}

func longMonth(t time.Time) string  { return t.Format("January 2006") }
func shortMonth(t time.Time) string { return t.Format("Jan 2006") }

// num formats a coordinate with at most one decimal place.
func num(v float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
}

// svgBuilder writes SVG markup; text and attr escape what goes inside.
type svgBuilder struct{ buf bytes.Buffer }

func (b *svgBuilder) printf(format string, args ...any) { fmt.Fprintf(&b.buf, format, args...) }

func (b *svgBuilder) text(s string) string {
	var out strings.Builder
	_ = xml.EscapeText(&out, []byte(s))
	return out.String()
}

func (b *svgBuilder) attr(s string) string { return b.text(s) }

// withDefaults fills a chart's unset size, title and ID, and keeps only the
// characters an ID may hold, so that it is safe in id and aria attributes.
func (o *ChartOptions) withDefaults(width, height int, title, id string) {
	if o.Width <= 0 {
		o.Width = width
	}
	if o.Height <= 0 {
		o.Height = height
	}
	if o.Title == "" {
		o.Title = title
	}
	o.ID = safeID(o.ID)
	if o.ID == "" {
		o.ID = id
	}
}

// safeID keeps the letters, digits, hyphens and underscores of an ID.
func safeID(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, id)
}
