package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/xuri/excelize/v2"
)

func TestAvailabilityText(t *testing.T) {
	for p, want := range map[float64]string{
		-1: "No data", 100: "100%", 99.999: "99.99%", 99.95: "99.95%", 99.5: "99.5%", 83.3333: "83.33%", 0: "0%", 99.9: "99.9%",
	} {
		if got := AvailabilityText(p); got != want {
			t.Errorf("AvailabilityText(%v) = %q, want %q", p, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		0: "None", 45 * time.Second: "45 seconds", time.Minute: "1 minute", 150 * time.Minute: "2 hours 30 minutes",
		2 * time.Hour: "2 hours", 27 * time.Hour: "1 day 3 hours", 48 * time.Hour: "2 days",
	} {
		if got := DowntimeText(d); got != want {
			t.Errorf("DowntimeText(%v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{85 * time.Millisecond: "85 ms", 1250 * time.Millisecond: "1.25 s", 2 * time.Second: "2 s", 1500 * time.Millisecond: "1.5 s"} {
		if got := LatencyText(d); got != want {
			t.Errorf("LatencyText(%v) = %q, want %q", d, got, want)
		}
	}
	if got := DayFigures(2880, 1, itsm.AvailabilityPercent(2880, 1), true); got != "99.96% available (1 of 2,880 checks failed), planned maintenance" {
		t.Errorf("DayFigures: %q", got)
	}
}

// wellFormed decodes an SVG and counts its elements by name.
func wellFormed(t *testing.T, svg []byte) map[string]int {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	n := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			n[se.Name.Local]++
			for _, a := range se.Attr {
				if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") {
					t.Fatalf("%s has a %s attribute: not allowed under the CSP", se.Name.Local, a.Name.Local)
				}
			}
		}
	}
}

func TestDayBarsSVG(t *testing.T) {
	days := make([]itsm.DayAvailability, 90)
	for i := range days {
		days[i] = itsm.DayAvailability{Date: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format("2006-01-02"), Samples: 1440, Percent: 100}
	}
	days[10] = itsm.DayAvailability{Date: days[10].Date, Percent: -1}
	days[20].Failures, days[20].Percent = 72, itsm.AvailabilityPercent(1440, 72)
	days[30].Maintenance = true
	svg := DayBarsSVG("Portal <&> API", days, 99.9, `x"1`)
	n := wellFormed(t, svg)
	if n["rect"] != 91 || n["title"] != 91 || n["desc"] != 1 {
		t.Errorf("elements %v: want 90 bars with titles, a maintenance mark, a title and a description", n)
	}
	s := string(svg)
	for _, want := range []string{`role="img"`, `aria-labelledby="x1-title x1-desc"`, "Availability of Portal &lt;&amp;&gt; API each day for the last 90 days",
		"11 Sep 2026: no data", "21 Sep 2026: 95% available (72 of 1,440 checks failed)", "1 Oct 2026: 100% available (0 of 1,440 checks failed), planned maintenance",
		"Lowest day: 21 September 2026, 95%.", "1 day without data.", colourNoData, colourPoor} {
		if !strings.Contains(s, want) {
			t.Errorf("day bars lack %q", want)
		}
	}
}

func TestSeriesCharts(t *testing.T) {
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var points []itsm.SeriesPoint
	for i := range 96 {
		p := itsm.SeriesPoint{At: start.Add(time.Duration(i) * 15 * time.Minute), Samples: 15, Percent: 100,
			P50: 90 * time.Millisecond, P95: 140 * time.Millisecond, P99: 300 * time.Millisecond}
		switch i {
		case 40:
			p.Failures, p.Percent = 1, itsm.AvailabilityPercent(15, 1)
		case 50:
			p = itsm.SeriesPoint{At: p.At, Percent: -1}
		case 60:
			p.Maintenance = true
		}
		points = append(points, p)
	}
	opts := SeriesChartOptions{Step: 15 * time.Minute, Location: itsm.LoadLocation("Europe/London")}
	opts.Title, opts.ID = "Availability, last 24 hours", "a"
	av := SeriesAvailabilitySVG(points, opts)
	n := wellFormed(t, av)
	if n["title"] < 97 || n["desc"] != 1 {
		t.Errorf("availability chart elements %v", n)
	}
	s := string(av)
	for _, want := range []string{"The scale runs from 90% to 100%.", "1 period below 100%; the lowest was 28 Nov 22:00 to 22:15, 93.33%.", "1 period without data.",
		"1 period touched by planned maintenance.", "28 Nov 22:00 to 22:15: 93.33% available (1 of 15 checks failed)"} {
		if !strings.Contains(s, want) {
			t.Errorf("availability chart lacks %q", want)
		}
	}
	opts.Title, opts.ID = "Response times, last 24 hours", "l"
	lat := SeriesLatencySVG(points, opts)
	n = wellFormed(t, lat)
	if n["path"] != 3 || n["desc"] != 1 || strings.Count(string(lat), `d="M`) != 3 || strings.Count(string(lat), " M") != 3 {
		t.Errorf("latency chart elements %v: want three lines broken once each", n)
	}
	if s := string(lat); !strings.Contains(s, "p95 140 ms") && !strings.Contains(s, "The slowest period at the 95th percentile was 28 Nov 12:00 to 12:15: median 90 ms, p95 140 ms, p99 300 ms.") {
		t.Errorf("latency chart description:\n%s", s)
	}
	empty := string(SeriesLatencySVG([]itsm.SeriesPoint{{At: start, Percent: -1}}, opts))
	if !strings.Contains(empty, "No response times were recorded in this period.") {
		t.Errorf("empty latency chart: %s", empty)
	}
}

func TestAvailabilityExports(t *testing.T) {
	met := true
	rows := []AvailabilityRow{
		{Level: "service", Service: "Purchasing portal", Stats: itsm.AvailabilityStats{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			Samples: 43200, Failures: 10, Percent: itsm.AvailabilityPercent(43200, 10), P50: 95 * time.Millisecond, P95: 180 * time.Millisecond, P99: 400 * time.Millisecond,
			Outages: 1, Downtime: 150 * time.Minute, TargetPercent: 99.5, TargetMet: &met}},
		{Level: "check", Service: "Purchasing portal", Check: "=HYPERLINK(\"x\")", Component: "API", Provider: "Cairngorm", Stats: itsm.AvailabilityStats{Percent: -1}},
	}
	var csv bytes.Buffer
	if err := WriteAvailabilityCSV(&csv, rows); err != nil {
		t.Fatal(err)
	}
	s := csv.String()
	for _, want := range []string{"Level,Service,Check", "service,Purchasing portal,,,,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,99.977,99.5,yes,43200,10,95,180,400,1,9000",
		`check,Purchasing portal,"'=HYPERLINK(""x"")",API,Cairngorm,,,,,,0,0,0,0,0,0,0`} {
		if !strings.Contains(s, want) {
			t.Errorf("CSV lacks %q:\n%s", want, s)
		}
	}
	var x bytes.Buffer
	if err := WriteAvailabilityXLSX(&x, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.GetRows(AvailabilitySheetName)
	if err != nil || len(got) != 3 || got[1][7] != "99.976" && got[1][7] != "99.977" || got[2][2] != `=HYPERLINK("x")` {
		t.Errorf("XLSX rows: %v %v", got, err)
	}
}
