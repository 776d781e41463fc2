package report

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
)

func TestRiskHeatMapSVG(t *testing.T) {
	h := itsm.NewHeatMap()
	h.Add(5, 4, 2)
	h.Add(1, 1, 1)
	h.Add(3, 3, 4)
	svg := string(RiskHeatMapSVG(h, HeatMapOptions{Title: "Risks <open>", ID: "hm\"1"}))
	// Well-formed XML, whatever the title holds.
	d := xml.NewDecoder(strings.NewReader(svg))
	rects, links := 0, 0 // an image's content is presentational: no links
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v\n%s", err, svg)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "rect":
				rects++
			case "a":
				links++
			}
		}
	}
	if rects != 25 || links != 0 {
		t.Fatalf("%d cells and %d links, want 25 and none", rects, links)
	}
	for _, want := range []string{
		`role="img"`, `aria-labelledby="hm1-title hm1-desc"`, `<title id="hm1-title">Risks &lt;open&gt;</title>`,
		`7 risks by likelihood`, `2 risks at likelihood 5 and impact 4 (score 20, red)`, `4 risks at likelihood 3 and impact 3 (score 9, amber)`,
		`1 risk at likelihood 1 and impact 1 (score 1, green)`,
		`fill="#b3261e"`, `fill="#ffbf47"`, `fill="#00703c"`,
		`Likelihood 5, impact 4: score 20 (red), 2 risks`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	for _, banned := range []string{"style=", "<script", "<style", "javascript:"} {
		if strings.Contains(svg, banned) {
			t.Errorf("the SVG holds %q, which the CSP would block", banned)
		}
	}
	// Likelihood 5 is the top row, impact 5 the right-hand column.
	top := strings.Index(svg, "Likelihood 5, impact 1")
	bottom := strings.Index(svg, "Likelihood 1, impact 5")
	if top < 0 || bottom < 0 || top > bottom {
		t.Errorf("cells are not drawn from the most likely row down")
	}
	if got := HeatMapDescription(itsm.NewHeatMap()); !strings.HasPrefix(got, "No risks match.") {
		t.Errorf("empty description: %q", got)
	}
}
