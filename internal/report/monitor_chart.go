package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Availability bands of the status page's bars and the availability
// charts. Colour is never the only signal: every bar has a <title> with its
// figures, the legend names the bands, and pages print the same figures in
// a table.
const (
	colourGood        = "#00703c" // 99.9% or more
	colourFair        = "#85994b" // 99% to 99.9%
	colourPoor        = "#f47738" // 95% to 99%
	colourBad         = "#d4351c" // below 95%
	colourNoData      = "#b1b4b6"
	colourMaintenance = "#1d70b8"
	colourP95         = "#912b88"
	colourP99         = "#d4351c"
)

// AvailabilityBand names the band of an availability percentage: "good"
// (99.9% or more), "fair" (99% or more), "poor" (95% or more), "bad", or
// "none" without samples (a negative percentage).
func AvailabilityBand(p float64) string {
	switch {
	case p < 0:
		return "none"
	case p >= 99.9:
		return "good"
	case p >= 99:
		return "fair"
	case p >= 95:
		return "poor"
	}
	return "bad"
}

// AvailabilityBandLabel says what a band means, for legends.
func AvailabilityBandLabel(band string) string {
	switch band {
	case "good":
		return "99.9% or more"
	case "fair":
		return "99% to 99.9%"
	case "poor":
		return "95% to 99%"
	case "bad":
		return "Below 95%"
	}
	return "No data"
}

func bandColour(band string) string {
	switch band {
	case "good":
		return colourGood
	case "fair":
		return colourFair
	case "poor":
		return colourPoor
	case "bad":
		return colourBad
	}
	return colourNoData
}

// AvailabilityText formats an availability percentage with up to two
// decimal places, rounding down so that a service that failed once is never
// shown as "100%": 99.999 is "99.99%". A negative percentage (no samples)
// is "No data".
func AvailabilityText(p float64) string {
	if p < 0 {
		return "No data"
	}
	if p >= 100 {
		return "100%"
	}
	v := math.Floor(p*100) / 100
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// LatencyText formats a response time: "85 ms" below a second, "1.25 s"
// from a second.
func LatencyText(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Round(time.Millisecond).Milliseconds(), 10) + " ms"
	}
	s := strconv.FormatFloat(d.Seconds(), 'f', 2, 64)
	return strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".0") + " s"
}

// DowntimeText formats a length of time in words a person reads at a
// glance: "None", "45 seconds", "12 minutes", "2 hours 5 minutes", "3 days
// 4 hours".
func DowntimeText(d time.Duration) string {
	switch {
	case d <= 0:
		return "None"
	case d < time.Minute:
		return plural(int64(d/time.Second), "second")
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute")
	case d < 24*time.Hour:
		h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
		if m == 0 {
			return plural(h, "hour")
		}
		return plural(h, "hour") + " " + plural(m, "minute")
	}
	days, h := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return plural(days, "day")
	}
	return plural(days, "day") + " " + plural(h, "hour")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.FormatInt(n, 10) + " " + unit + "s"
}

// groupDigits writes n with thousands separators: 2880 is "2,880".
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// DayFigures says one day's or period's availability in words: "99.95%
// available (1 of 2,880 checks failed)", "no data", with ", planned
// maintenance" when a window touched it.
func DayFigures(samples, failures int64, pct float64, maintenance bool) string {
	var s string
	if samples == 0 || pct < 0 {
		s = "no data"
	} else {
		s = fmt.Sprintf("%s available (%s of %s checks failed)", AvailabilityText(pct), groupDigits(failures), groupDigits(samples))
	}
	if maintenance {
		s += ", planned maintenance"
	}
	return s
}

func cleanID(id, def string) string {
	id = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, id)
	if id == "" {
		return def
	}
	return id
}

// DayBarsSVG draws a service's daily availability bars for the status
// page: one bar per day, oldest on the left, coloured by band (grey
// without data), with a blue mark under each day a maintenance window
// touched. Each bar carries its date and figures as a <title>; the chart has
// role="img", a <title> naming the service and a <desc> summing it up. The
// SVG uses presentation attributes only, so it is safe under a strict
// Content Security Policy. Days are UTC days, as the store counts them.
func DayBarsSVG(service string, days []itsm.DayAvailability, percent float64, id string) []byte {
	id = cleanID(id, "days")
	const barW, gap, barH, top = 6, 2, 34, 4
	n := max(len(days), 1)
	w := n*(barW+gap) - gap
	h := top + barH + 26
	var b svgBuilder
	title := fmt.Sprintf("Availability of %s each day for the last %d days", service, len(days))
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="%s %s" font-family="Arial, Helvetica, sans-serif" font-size="12" fill="%s">`,
		w, h, w, h, b.attr(id+"-title"), b.attr(id+"-desc"), colourText)
	b.printf(`<title id="%s">%s</title>`, b.attr(id+"-title"), b.text(title))
	b.printf(`<desc id="%s">%s</desc>`, b.attr(id+"-desc"), b.text(daysDescription(days, percent)))
	for i, d := range days {
		x := i * (barW + gap)
		label := d.Date
		if t, err := time.Parse("2006-01-02", d.Date); err == nil {
			label = t.Format("2 Jan 2006")
		}
		band := AvailabilityBand(d.Percent)
		if d.Samples == 0 {
			band = "none"
		}
		b.printf(`<rect x="%d" y="%d" width="%d" height="%d" rx="1" fill="%s"><title>%s</title></rect>`,
			x, top, barW, barH, bandColour(band), b.text(label+": "+DayFigures(d.Samples, d.Failures, d.Percent, d.Maintenance)))
		if d.Maintenance {
			b.printf(`<rect x="%d" y="%d" width="%d" height="4" fill="%s"/>`, x, top+barH+2, barW, colourMaintenance)
		}
	}
	if len(days) > 0 {
		b.printf(`<text x="0" y="%d">%s</text>`, h-4, b.text(plural(int64(len(days)), "day")+" ago"))
		b.printf(`<text x="%d" y="%d" text-anchor="end">Today</text>`, w, h-4)
	}
	b.printf(`</svg>`)
	return b.buf.Bytes()
}

// daysDescription sums up the daily bars in a sentence or two.
func daysDescription(days []itsm.DayAvailability, percent float64) string {
	var noData, maint int
	worst, worstDay := 101.0, ""
	for _, d := range days {
		if d.Maintenance {
			maint++
		}
		if d.Samples == 0 || d.Percent < 0 {
			noData++
			continue
		}
		if d.Percent < worst {
			worst, worstDay = d.Percent, d.Date
		}
	}
	var s strings.Builder
	fmt.Fprintf(&s, "Availability over the %d days: %s.", len(days), AvailabilityText(percent))
	if worstDay != "" {
		if t, err := time.Parse("2006-01-02", worstDay); err == nil {
			worstDay = t.Format("2 January 2006")
		}
		fmt.Fprintf(&s, " Lowest day: %s, %s.", worstDay, AvailabilityText(worst))
	}
	if noData > 0 {
		fmt.Fprintf(&s, " %s without data.", plural(int64(noData), "day"))
	}
	if maint > 0 {
		fmt.Fprintf(&s, " %s with planned maintenance.", plural(int64(maint), "day"))
	}
	return s.String()
}

// SeriesChartOptions size and name a chart of a check's series.
type SeriesChartOptions struct {
	ChartOptions
	// Step is the length of each bucket, for the tooltips and the
	// description.
	Step time.Duration
	// Location is the zone times are written in (default UTC).
	Location *time.Location
}

func (o *SeriesChartOptions) defaults(title, id string) {
	if o.Width <= 0 {
		o.Width = 720
	}
	if o.Height <= 0 {
		o.Height = 280
	}
	if o.Title == "" {
		o.Title = title
	}
	o.ID = cleanID(o.ID, id)
	if o.Location == nil {
		o.Location = time.UTC
	}
}

// BucketLabel names a bucket of a series: "29 Nov 14:00 to 14:15", or the
// day for buckets of a day or more.
func BucketLabel(at time.Time, step time.Duration, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	s := at.In(loc)
	if step >= 24*time.Hour && step%(24*time.Hour) == 0 {
		if step == 24*time.Hour {
			return s.Format("2 Jan 2006")
		}
		return s.Format("2 Jan") + " to " + at.Add(step).In(loc).Format("2 Jan 2006")
	}
	e := at.Add(step).In(loc)
	if e.YearDay() != s.YearDay() && !(e.Hour() == 0 && e.Minute() == 0) {
		return s.Format("2 Jan 15:04") + " to " + e.Format("2 Jan 15:04")
	}
	return s.Format("2 Jan 15:04") + " to " + e.Format("15:04")
}

func axisLabel(at time.Time, step time.Duration, span time.Duration, loc *time.Location) string {
	t := at.In(loc)
	switch {
	case span <= 36*time.Hour:
		return t.Format("15:04")
	case step >= 24*time.Hour || span > 10*24*time.Hour:
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 15:04")
}

// chartFrame is the plot area of a series chart, inside its margins.
type chartFrame struct {
	left, top, plotW, plotH float64
}

const seriesLeft, seriesRight, seriesTop, seriesBottom = 64, 16, 60, 40

// openSeriesChart draws the parts both series charts share (the svg
// element, title, description, background and heading) and returns the
// plot area.
func openSeriesChart(b *svgBuilder, o SeriesChartOptions, desc string) chartFrame {
	w, h := o.Width, o.Height
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="%s %s" font-family="Arial, Helvetica, sans-serif" font-size="13" fill="%s">`,
		w, h, w, h, b.attr(o.ID+"-title"), b.attr(o.ID+"-desc"), colourText)
	b.printf(`<title id="%s">%s</title>`, b.attr(o.ID+"-title"), b.text(o.Title))
	b.printf(`<desc id="%s">%s</desc>`, b.attr(o.ID+"-desc"), b.text(desc))
	b.printf(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, w, h)
	b.printf(`<text x="%d" y="20" font-size="16" font-weight="bold">%s</text>`, seriesLeft, b.text(o.Title))
	return chartFrame{left: seriesLeft, top: seriesTop, plotW: float64(max(w-seriesLeft-seriesRight, 40)), plotH: float64(max(h-seriesTop-seriesBottom, 40))}
}

func (f chartFrame) timeAxis(b *svgBuilder, points []itsm.SeriesPoint, o SeriesChartOptions) {
	n := len(points)
	if n == 0 {
		return
	}
	span := time.Duration(n) * o.Step
	labels := max(int(f.plotW/96), 1)
	every := max((n+labels-1)/labels, 1)
	for i := 0; i < n; i += every {
		x := f.left + float64(i)*f.plotW/float64(n)
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(x), num(f.top+f.plotH), num(x), num(f.top+f.plotH+5), colourGrid)
		b.printf(`<text x="%s" y="%s" text-anchor="start">%s</text>`, num(x), num(f.top+f.plotH+20), b.text(axisLabel(points[i].At, o.Step, span, o.Location)))
	}
}

// availabilityFloor picks the bottom of the availability axis so that a
// dip from 100% to 99.5% is visible: 99, 95, 90, 50 or 0, the highest
// below every point.
func availabilityFloor(points []itsm.SeriesPoint) float64 {
	low := 100.0
	for _, p := range points {
		if p.Samples > 0 && p.Percent >= 0 {
			low = math.Min(low, p.Percent)
		}
	}
	for _, f := range []float64{99, 95, 90, 50} {
		if low >= f {
			return f
		}
	}
	return 0
}

// SeriesAvailabilitySVG draws a check's availability per bucket as bars
// coloured by band, grey where there was no sample and with a blue mark
// under buckets a maintenance window touched. The axis starts at 99%, 95%,
// 90%, 50% or 0%, whichever shows the lowest bucket, and says so. Each bar
// carries its period and figures as a <title>.
func SeriesAvailabilitySVG(points []itsm.SeriesPoint, o SeriesChartOptions) []byte {
	o.defaults("Availability", "availability")
	floor := availabilityFloor(points)
	var b svgBuilder
	f := openSeriesChart(&b, o, seriesAvailabilityDescription(points, o, floor))
	// Legend.
	lx := f.left
	for _, band := range []string{"good", "fair", "poor", "bad", "none"} {
		b.printf(`<rect x="%s" y="34" width="12" height="12" fill="%s"/>`, num(lx), bandColour(band))
		label := AvailabilityBandLabel(band)
		b.printf(`<text x="%s" y="45">%s</text>`, num(lx+16), b.text(label))
		lx += 24 + float64(len(label))*7
	}
	b.printf(`<rect x="%s" y="40" width="12" height="4" fill="%s"/>`, num(lx), colourMaintenance)
	b.printf(`<text x="%s" y="45">Maintenance</text>`, num(lx+16))

	y := func(pct float64) float64 { return f.top + f.plotH*(1-(pct-floor)/(100-floor)) }
	ticks := []float64{floor, floor + (100-floor)/2, 100}
	for _, t := range ticks {
		gy := y(t)
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(f.left), num(gy), num(f.left+f.plotW), num(gy), colourGrid)
		b.printf(`<text x="%s" y="%s" text-anchor="end">%s</text>`, num(f.left-8), num(gy+4), b.text(AvailabilityText(t)))
	}
	n := max(len(points), 1)
	slot := f.plotW / float64(n)
	barW := math.Max(slot-1, 1)
	if slot < 2 {
		barW = slot
	}
	for i, p := range points {
		x := f.left + float64(i)*slot
		label := BucketLabel(p.At, o.Step, o.Location) + ": " + DayFigures(p.Samples, p.Failures, p.Percent, p.Maintenance)
		if p.Samples == 0 || p.Percent < 0 {
			b.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.5"><title>%s</title></rect>`,
				num(x), num(f.top), num(barW), num(f.plotH), colourNoData, b.text(label))
		} else {
			top := y(math.Max(p.Percent, floor))
			hgt := math.Max(f.top+f.plotH-top, 1)
			b.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
				num(x), num(f.top+f.plotH-hgt), num(barW), num(hgt), bandColour(AvailabilityBand(p.Percent)), b.text(label))
		}
		if p.Maintenance {
			b.printf(`<rect x="%s" y="%s" width="%s" height="4" fill="%s"/>`, num(x), num(f.top+f.plotH+1), num(barW), colourMaintenance)
		}
	}
	f.timeAxis(&b, points, o)
	b.printf(`</svg>`)
	return b.buf.Bytes()
}

func seriesAvailabilityDescription(points []itsm.SeriesPoint, o SeriesChartOptions, floor float64) string {
	var s strings.Builder
	if len(points) == 0 {
		return "No periods to show."
	}
	first, last := points[0].At, points[len(points)-1].At.Add(o.Step)
	fmt.Fprintf(&s, "Availability in each period of %s from %s to %s. The scale runs from %s to 100%%.",
		stepWords(o.Step), first.In(o.Location).Format("2 Jan 2006 15:04"), last.In(o.Location).Format("2 Jan 2006 15:04"), AvailabilityText(floor))
	var samples, failures int64
	noData, maint, below := 0, 0, 0
	worst, worstAt := 101.0, time.Time{}
	for _, p := range points {
		samples += p.Samples
		failures += p.Failures
		if p.Maintenance {
			maint++
		}
		if p.Samples == 0 || p.Percent < 0 {
			noData++
			continue
		}
		if p.Percent < 100 {
			below++
		}
		if p.Percent < worst {
			worst, worstAt = p.Percent, p.At
		}
	}
	fmt.Fprintf(&s, " Overall %s.", DayFigures(samples, failures, itsm.AvailabilityPercent(samples, failures), false))
	if below > 0 {
		fmt.Fprintf(&s, " %s below 100%%; the lowest was %s, %s.", plural(int64(below), "period"), BucketLabel(worstAt, o.Step, o.Location), AvailabilityText(worst))
	} else if noData < len(points) {
		s.WriteString(" Every period with data was at 100%.")
	}
	if noData > 0 {
		fmt.Fprintf(&s, " %s without data.", plural(int64(noData), "period"))
	}
	if maint > 0 {
		fmt.Fprintf(&s, " %s touched by planned maintenance.", plural(int64(maint), "period"))
	}
	s.WriteString(" The table that follows gives every period's figures.")
	return s.String()
}

func stepWords(step time.Duration) string {
	switch {
	case step%(24*time.Hour) == 0:
		return plural(int64(step/(24*time.Hour)), "day")
	case step%time.Hour == 0:
		return plural(int64(step/time.Hour), "hour")
	}
	return plural(int64(step/time.Minute), "minute")
}

// niceCeiling rounds a latency up to a tidy axis maximum.
func niceCeiling(d time.Duration) time.Duration {
	for _, c := range []time.Duration{10, 25, 50, 100, 150, 250, 500, 750, 1000, 1500, 2500, 5000, 10000, 15000, 30000, 60000} {
		if d <= c*time.Millisecond {
			return c * time.Millisecond
		}
	}
	return d
}

// SeriesLatencySVG draws a check's response times per bucket as three
// lines, the median (p50), p95 and p99, told apart by colour, line pattern
// and (where there is room) marker shape. Buckets without samples are gaps.
func SeriesLatencySVG(points []itsm.SeriesPoint, o SeriesChartOptions) []byte {
	o.defaults("Response times", "latency")
	var top time.Duration
	for _, p := range points {
		if p.Samples > 0 {
			top = max(top, p.P99, p.P95, p.P50)
		}
	}
	ceiling := niceCeiling(max(top, 10*time.Millisecond))
	var b svgBuilder
	f := openSeriesChart(&b, o, seriesLatencyDescription(points, o))
	type series struct {
		label, colour, dash string
		shape               int // 0 circle, 1 square, 2 none
		value               func(itsm.SeriesPoint) time.Duration
	}
	all := []series{
		{"Median (p50)", colourResponse, "", 0, func(p itsm.SeriesPoint) time.Duration { return p.P50 }},
		{"95th percentile (p95)", colourP95, ` stroke-dasharray="8 4"`, 1, func(p itsm.SeriesPoint) time.Duration { return p.P95 }},
		{"99th percentile (p99)", colourP99, ` stroke-dasharray="2 3"`, 2, func(p itsm.SeriesPoint) time.Duration { return p.P99 }},
	}
	lx := f.left
	for _, s := range all {
		b.printf(`<line x1="%s" y1="40" x2="%s" y2="40" stroke="%s" stroke-width="3"%s/>`, num(lx), num(lx+28), s.colour, s.dash)
		b.printf(`<text x="%s" y="44">%s</text>`, num(lx+34), b.text(s.label))
		lx += 54 + float64(len(s.label))*7
	}
	y := func(d time.Duration) float64 { return f.top + f.plotH*(1-float64(d)/float64(ceiling)) }
	for i := 0; i <= 4; i++ {
		d := ceiling * time.Duration(i) / 4
		gy := y(d)
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(f.left), num(gy), num(f.left+f.plotW), num(gy), colourGrid)
		b.printf(`<text x="%s" y="%s" text-anchor="end">%s</text>`, num(f.left-8), num(gy+4), b.text(LatencyText(d)))
	}
	n := max(len(points), 1)
	x := func(i int) float64 { return f.left + (float64(i)+0.5)*f.plotW/float64(n) }
	withMarkers := f.plotW/float64(n) >= 8
	for _, s := range all {
		var d strings.Builder
		pen := false
		for i, p := range points {
			if p.Samples == 0 {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%s %s ", cmd, num(x(i)), num(y(min(s.value(p), ceiling))))
			pen = true
		}
		if d.Len() == 0 {
			continue
		}
		b.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"%s/>`, strings.TrimSpace(d.String()), s.colour, s.dash)
		for i, p := range points {
			if p.Samples == 0 {
				continue
			}
			switch {
			case withMarkers && s.shape < 2:
				markerWithTitle(&b, x(i), y(min(s.value(p), ceiling)), s.colour, s.shape == 1,
					BucketLabel(p.At, o.Step, o.Location)+": "+s.label+" "+LatencyText(s.value(p)))
			case isolated(points, i):
				// A point with no neighbour draws no line: mark it.
				b.printf(`<circle cx="%s" cy="%s" r="2" fill="%s"/>`, num(x(i)), num(y(min(s.value(p), ceiling))), s.colour)
			}
		}
	}
	if top == 0 {
		b.printf(`<text x="%s" y="%s" text-anchor="middle">No response times were recorded in this period.</text>`, num(f.left+f.plotW/2), num(f.top+f.plotH/2))
	}
	f.timeAxis(&b, points, o)
	b.printf(`</svg>`)
	return b.buf.Bytes()
}

// isolated reports whether the point at i has samples but neither
// neighbour has.
func isolated(points []itsm.SeriesPoint, i int) bool {
	return (i == 0 || points[i-1].Samples == 0) && (i == len(points)-1 || points[i+1].Samples == 0)
}

func seriesLatencyDescription(points []itsm.SeriesPoint, o SeriesChartOptions) string {
	if len(points) == 0 {
		return "No periods to show."
	}
	var s strings.Builder
	first, last := points[0].At, points[len(points)-1].At.Add(o.Step)
	fmt.Fprintf(&s, "Median, 95th and 99th percentile response times in each period of %s from %s to %s.",
		stepWords(o.Step), first.In(o.Location).Format("2 Jan 2006 15:04"), last.In(o.Location).Format("2 Jan 2006 15:04"))
	var worst itsm.SeriesPoint
	found := false
	for _, p := range points {
		if p.Samples > 0 && (!found || p.P95 > worst.P95) {
			worst, found = p, true
		}
	}
	if !found {
		s.WriteString(" No response times were recorded.")
		return s.String()
	}
	fmt.Fprintf(&s, " The slowest period at the 95th percentile was %s: median %s, p95 %s, p99 %s.",
		BucketLabel(worst.At, o.Step, o.Location), LatencyText(worst.P50), LatencyText(worst.P95), LatencyText(worst.P99))
	s.WriteString(" The table that follows gives every period's figures.")
	return s.String()
}
