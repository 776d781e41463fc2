package report

import (
	"fmt"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// RAG fills of the heat map, GOV.UK red, yellow and green, each with a
// text colour that keeps the count at 4.5:1 or better. Each cell also
// states its rating in its tooltip, so nothing depends on colour alone.
var ragFill = map[itsm.RAG][2]string{
	itsm.RAGRed:   {"#b3261e", "#ffffff"},
	itsm.RAGAmber: {"#ffbf47", "#0b0c0c"},
	itsm.RAGGreen: {"#00703c", "#ffffff"},
}

// HeatMapOptions names a heat map. ID prefixes the ids of its title and
// description, which must be unique in the page (default "risk-heat-map").
type HeatMapOptions struct {
	Title string
	ID    string
}

// RiskHeatMapSVG draws a 5×5 risk heat map: likelihood up the side (5 at
// the top), impact along the bottom, each cell filled by its RAG rating
// and showing its count. Like SLATrendSVG it is self-contained and safe
// under a strict CSP. It has role="img", a <title> and a <desc> that states
// the count of every non-empty cell, so a screen reader user hears the
// data. An image's content is presentational, so it holds no links: pages
// give the same counts as a table whose counts link to the filtered list.
func RiskHeatMapSVG(h *itsm.HeatMap, opts HeatMapOptions) []byte {
	if opts.Title == "" {
		opts.Title = "Risk heat map"
	}
	if opts.ID == "" {
		opts.ID = "risk-heat-map"
	}
	opts.ID = safeID(opts.ID)
	const (
		cell        = 64.0
		left, top   = 96.0, 16.0
		width, tall = left + 5*cell + 16, top + 5*cell + 72
	)
	var b svgBuilder
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-labelledby="%s-title %s-desc" font-family="Arial, Helvetica, sans-serif" class="stw_heat-map">`,
		num(width), num(tall), num(width), num(tall), opts.ID, opts.ID)
	b.printf(`<title id="%s-title">%s</title>`, opts.ID, b.text(opts.Title))
	b.printf(`<desc id="%s-desc">%s</desc>`, opts.ID, b.text(HeatMapDescription(h)))
	for _, c := range h.Cells {
		x := left + float64(c.Impact-1)*cell
		y := top + float64(5-c.Likelihood)*cell
		fill := ragFill[c.RAG]
		tip := fmt.Sprintf("Likelihood %d, impact %d: score %d (%s), %s", c.Likelihood, c.Impact, c.Score, c.RAG, riskCount(c.Count))
		b.printf(`<g>`)
		b.printf(`<title>%s</title>`, b.text(tip))
		b.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#ffffff" stroke-width="2"/>`, num(x), num(y), num(cell), num(cell), fill[0])
		label := fmt.Sprint(c.Count)
		if c.Count == 0 {
			label = "–"
		}
		text := fmt.Sprintf(`<text x="%s" y="%s" text-anchor="middle" font-size="20" font-weight="bold" fill="%s">%s</text>`,
			num(x+cell/2), num(y+cell/2+7), fill[1], b.text(label))
		b.printf(`%s`, text)
		b.printf(`</g>`)
	}
	for n := 1; n <= 5; n++ {
		b.printf(`<text x="%s" y="%s" text-anchor="end" font-size="14" fill="%s">%d</text>`, num(left-8), num(top+float64(5-n)*cell+cell/2+5), colourText, n)
		b.printf(`<text x="%s" y="%s" text-anchor="middle" font-size="14" fill="%s">%d</text>`, num(left+float64(n-1)*cell+cell/2), num(top+5*cell+20), colourText, n)
	}
	b.printf(`<text x="%s" y="%s" text-anchor="middle" font-size="14" fill="%s">Impact</text>`, num(left+2.5*cell), num(top+5*cell+44), colourText)
	b.printf(`<text x="24" y="%s" text-anchor="middle" font-size="14" fill="%s" transform="rotate(-90 24 %s)">Likelihood</text>`,
		num(top+2.5*cell), colourText, num(top+2.5*cell))
	b.printf(`</svg>`)
	return b.buf.Bytes()
}

// HeatMapDescription states the heat map's data in a sentence or two: the
// total and every non-empty cell, from the most likely row down.
func HeatMapDescription(h *itsm.HeatMap) string {
	if h.Total == 0 {
		return "No risks match. Likelihood runs from 1 to 5 up the side, impact from 1 to 5 along the bottom."
	}
	var parts []string
	for _, c := range h.Cells {
		if c.Count > 0 {
			parts = append(parts, fmt.Sprintf("%s at likelihood %d and impact %d (score %d, %s)", riskCount(c.Count), c.Likelihood, c.Impact, c.Score, c.RAG))
		}
	}
	return fmt.Sprintf("%s by likelihood (up the side) and impact (along the bottom): %s.", strings.ToUpper(riskCount(h.Total)[:1])+riskCount(h.Total)[1:], strings.Join(parts, "; "))
}

func riskCount(n int) string {
	if n == 1 {
		return "1 risk"
	}
	return fmt.Sprintf("%d risks", n)
}
