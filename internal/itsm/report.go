package itsm

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/steward-itsm/steward/internal/sla"
)

// SLAReportFilter selects the figures of an SLA compliance report. From and
// To are month boundaries in Europe/London (see MonthStart): the report
// covers the months from From up to, not including, To, at most
// MaxSLAReportMonths of them. Nil fields do not filter. A customer's report
// is always of its own organisation and a provider's of the tickets
// escalated to it.
type SLAReportFilter struct {
	From, To   time.Time
	ProviderID *int64
	OrgID      *int64
	// Priority selects tickets by their priority now, which is the priority
	// whose targets their clocks are measured against.
	Priority *string
	// Type selects incidents or requests; nil reports both.
	Type *TicketType
}

// MaxSLAReportMonths is the longest period one report covers: five years.
const MaxSLAReportMonths = 60

// ReportLocation is the time zone report months are counted in.
func ReportLocation() *time.Location { return reportLocation() }

// reportLocation loads the zone once: loading reads the zone database, far
// too slow to do for each of a report's tens of thousands of instants.
var reportLocation = sync.OnceValue(func() *time.Location { return LoadLocation(DefaultTimeZone) })

// MonthStart returns the first instant of the calendar month, in
// Europe/London, that t falls in.
func MonthStart(t time.Time) time.Time {
	l := t.In(ReportLocation())
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, l.Location())
}

// AddMonths returns the start of the month n months after the month that
// starts at m (n may be negative).
func AddMonths(m time.Time, n int) time.Time {
	l := m.In(ReportLocation())
	return time.Date(l.Year(), l.Month()+time.Month(n), 1, 0, 0, 0, 0, l.Location())
}

// ParseMonth parses an ISO 8601 month ("2026-01") as the first instant of
// that month in Europe/London.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", strings.TrimSpace(s), ReportLocation())
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a month such as 2026-01", s)
	}
	return t, nil
}

// monthsBetween counts the whole months from the month start from to the
// month start to.
func monthsBetween(from, to time.Time) int {
	a, b := from.In(ReportLocation()), to.In(ReportLocation())
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// Months returns the start of each month the filter covers, in order.
func (f *SLAReportFilter) Months() []time.Time {
	n := monthsBetween(f.From, f.To)
	out := make([]time.Time, 0, max(n, 0))
	for i := range n {
		out = append(out, AddMonths(f.From, i))
	}
	return out
}

// Validate checks the filter: whole months, From before To, at most five
// years, and a known priority and type. Errors are EINVALID naming the
// field ("from", "to", "priority", "type", "provider_id", "organisation_id").
func (f *SLAReportFilter) Validate() error {
	var v Validation
	switch {
	case f.From.IsZero():
		v.Add("from", "Enter the first month of the report.")
	case !MonthStart(f.From).Equal(f.From):
		v.Add("from", "Start the report at the beginning of a month.")
	}
	switch {
	case f.To.IsZero():
		v.Add("to", "Enter the last month of the report.")
	case !MonthStart(f.To).Equal(f.To):
		v.Add("to", "End the report at the beginning of a month, the one after the last month reported.")
	case !f.From.IsZero() && !f.To.After(f.From):
		v.Add("to", "The last month must not be before the first.")
	case !f.From.IsZero() && monthsBetween(f.From, f.To) > MaxSLAReportMonths:
		v.Add("to", fmt.Sprintf("A report can cover at most 5 years (%d months).", MaxSLAReportMonths))
	}
	if f.Priority != nil {
		v.Check(ValidPriority(*f.Priority), "priority", "Choose a priority from P1 to P4.")
	}
	if f.Type != nil {
		v.Check(f.Type.Valid(), "type", "Choose incidents or requests.")
	}
	if f.ProviderID != nil {
		v.Check(*f.ProviderID > 0, "provider_id", "Choose a provider.")
	}
	if f.OrgID != nil {
		v.Check(*f.OrgID > 0, "organisation_id", "Choose a customer organisation.")
	}
	return v.Err()
}

// SLARowLevel says what an SLA report row adds up.
type SLARowLevel string

// SLA report row levels.
const (
	// SLAGroupRow is one month, provider, customer and priority.
	SLAGroupRow SLARowLevel = "group"
	// SLAMonthRow is the total of one month.
	SLAMonthRow SLARowLevel = "month"
	// SLAOverallRow is the total of the whole period.
	SLAOverallRow SLARowLevel = "overall"
)

// Label is the level as a spreadsheet reader reads it.
func (l SLARowLevel) Label() string {
	switch l {
	case SLAMonthRow:
		return "Month total"
	case SLAOverallRow:
		return "Overall total"
	}
	return "Group"
}

// SLAReportRow is the figures of one group of an SLA compliance report.
// Percentages and resolution times are nil when nothing was counted to
// compute them from, so that "none" is never shown as 0 %.
type SLAReportRow struct {
	Level SLARowLevel `json:"level"`
	// Month is the first instant of the month in Europe/London; zero on
	// the overall total.
	Month time.Time `json:"month,omitzero"`
	// ProviderID is the provider the tickets are escalated to; nil for
	// tickets not escalated, and on totals. OrgID is the customer; zero on
	// totals. Priority is empty on totals.
	ProviderID   *int64 `json:"provider_id"`
	ProviderName string `json:"provider_name"`
	OrgID        int64  `json:"organisation_id,omitempty"`
	OrgName      string `json:"organisation_name,omitempty"`
	Priority     string `json:"priority,omitempty"`

	// Tickets is the number of tickets with a response or a resolution
	// counted in the row. A ticket answered in one month and resolved in
	// the next is in both months' rows, and once in the overall total.
	Tickets int `json:"tickets"`

	// Responses counts the response clocks counted in the row; of them,
	// ResponsesMet met the target and ResponseBreaches did not.
	// ResponseBreachesOpen is how many of the breaches are on clocks still
	// running.
	Responses            int      `json:"responses"`
	ResponsesMet         int      `json:"responses_met"`
	ResponseBreaches     int      `json:"response_breaches"`
	ResponseBreachesOpen int      `json:"response_breaches_open"`
	ResponseMetPercent   *float64 `json:"response_met_percent"`

	// Resolutions counts the resolution clocks counted in the row: tickets
	// resolved in the month, and open tickets whose resolution fell due in
	// it (ResolutionBreachesOpen).
	Resolutions            int      `json:"resolutions"`
	ResolutionsMet         int      `json:"resolutions_met"`
	ResolutionBreaches     int      `json:"resolution_breaches"`
	ResolutionBreachesOpen int      `json:"resolution_breaches_open"`
	ResolutionMetPercent   *float64 `json:"resolution_met_percent"`

	// Resolved is the number of tickets resolved (Resolutions less open
	// breaches): the sample of the business time to resolve, whose mean,
	// median and 90th percentile are in whole seconds. The median of an
	// even sample is the mean of its middle two; the 90th percentile is
	// the nearest rank, the smallest time that at least 90 % of the
	// sample took no longer than.
	Resolved             int    `json:"resolved"`
	MeanResolveSeconds   *int64 `json:"mean_resolve_seconds"`
	MedianResolveSeconds *int64 `json:"median_resolve_seconds"`
	P90ResolveSeconds    *int64 `json:"p90_resolve_seconds"`
}

// ProviderLabel names the row's provider for people.
func (r *SLAReportRow) ProviderLabel() string {
	switch {
	case r.Level != SLAGroupRow:
		return "All providers"
	case r.ProviderID == nil:
		return "Not escalated"
	}
	return r.ProviderName
}

// OrgLabel names the row's customer for people.
func (r *SLAReportRow) OrgLabel() string {
	if r.Level != SLAGroupRow {
		return "All customers"
	}
	return r.OrgName
}

// PriorityLabel names the row's priority for people.
func (r *SLAReportRow) PriorityLabel() string {
	if r.Level != SLAGroupRow {
		return "All priorities"
	}
	return r.Priority
}

// SLAReport is an SLA compliance report: how many response and resolution
// targets were met, month by month, per provider, customer and priority.
//
// Which month a clock counts in. Each ticket's two clocks (response and
// resolution) are evaluated from its history at the instant the report is
// made (AsAt), exactly as the ticket's own SLA view evaluates them, and each
// clock counts at most once, in one month:
//
//   - A clock that has stopped counts in the month it stopped: the response
//     clock in the month of the first public staff reply (or of the first
//     move to resolved, if nothing answered before), the resolution clock in
//     the month of the ticket's final resolution. It is met if it stopped at
//     or before its due instant and a breach otherwise — so "resolutions" in
//     a month are the tickets resolved in that month.
//   - A clock still running whose due instant has passed counts as a breach
//     in the month its due instant fell, and is reported as an open breach:
//     a provider cannot keep a breach out of the figures by leaving the
//     ticket open.
//   - A clock still running and not yet due is not counted anywhere yet.
//
// Months are calendar months in Europe/London. Because the figures are
// evaluated at AsAt, an earlier month can change when a ticket it counted
// changes: an open breach moves from the month it fell due to the month the
// ticket is finally resolved, and a ticket re-opened loses the resolution it
// had (the final resolution is the one measured). A report kept as evidence
// should be exported, which records AsAt.
//
// Only tickets under a service agreement have clocks; tickets without one
// are not in the report. A ticket's provider is the provider it is escalated
// to; tickets the service desk handled without escalating are grouped under
// no provider.
type SLAReport struct {
	// Filter is the filter as applied: a customer's organisation and a
	// provider's own organisation are filled in.
	Filter SLAReportFilter `json:"-"`
	// AsAt is the instant, in UTC, the clocks were evaluated at.
	AsAt time.Time `json:"as_at"`
	// Months are the starts of the months covered, in Europe/London.
	Months []time.Time `json:"months"`
	// Rows are in reading order: for each month, its groups by provider,
	// customer and priority, then the month's total (present for every
	// month, even one with nothing counted); last, the overall total.
	Rows []SLAReportRow `json:"rows"`
	// Unmeasured counts tickets in the period whose history could not be
	// evaluated (for instance an import without a created event), and
	// UnmeasuredRefs names up to the first 20, so that they are fixed
	// rather than silently left out.
	Unmeasured     int      `json:"unmeasured"`
	UnmeasuredRefs []string `json:"unmeasured_refs,omitempty"`
}

// MonthTotals returns the month total rows, one per month in order.
func (r *SLAReport) MonthTotals() []SLAReportRow {
	out := make([]SLAReportRow, 0, len(r.Months))
	for _, row := range r.Rows {
		if row.Level == SLAMonthRow {
			out = append(out, row)
		}
	}
	return out
}

// Overall returns the total of the whole period.
func (r *SLAReport) Overall() SLAReportRow {
	for i := len(r.Rows) - 1; i >= 0; i-- {
		if r.Rows[i].Level == SLAOverallRow {
			return r.Rows[i]
		}
	}
	return SLAReportRow{Level: SLAOverallRow}
}

// SLAReportRules explains, in sentences for the report page and exports,
// which tickets each month's figures count; SLAReport's doc comment is the
// same rule for programmers.
func SLAReportRules() []string {
	return []string{
		"Each ticket under a service agreement has a response clock and a resolution clock, worked out from its history when the report was made.",
		"A clock that has stopped counts in the month it stopped: the response at the first public reply from the service desk or the provider (or when the ticket was resolved, if nobody replied before), the resolution when the ticket was finally resolved.",
		"A stopped clock met its target if it stopped at or before the time it was due, including exactly on time, and is a breach if it stopped later.",
		"An open ticket whose clock is past due counts as a breach in the month the clock fell due, shown as an open breach. When the ticket is resolved, the breach moves to the month it was resolved in.",
		"A clock that is still running and not yet due is not counted.",
		"Months are calendar months in UK time (Europe/London).",
		"Time to resolve is business time under the agreement's calendar, not counting time waiting for the customer. The 90th percentile is the shortest time that at least 90% of the resolved tickets took no longer than.",
		"A ticket's provider is the provider it was escalated to; tickets the service desk dealt with without escalating are shown as not escalated.",
	}
}

// SLAReportService produces SLA compliance reports.
type SLAReportService interface {
	// SLAReport evaluates the clocks of the tickets the caller may see and
	// counts them by month, provider, customer and priority. EINVALID (the
	// filter), EUNAUTHORIZED (not signed in), ENOTFOUND (a customer asking
	// for another organisation, a provider for another provider).
	SLAReport(ctx context.Context, f SLAReportFilter) (*SLAReport, error)
}

// SLAReportTicket is what the report needs to know of a ticket besides its
// clocks.
type SLAReportTicket struct {
	ID           int64
	Ref          string
	OrgID        int64
	OrgName      string
	ProviderID   *int64
	ProviderName string
	Priority     string
}

// SLAReportBuilder counts evaluated tickets into a report. The store feeds
// it; it holds the counting rules so that they are written once.
type SLAReportBuilder struct {
	filter SLAReportFilter
	months []time.Time
	groups map[slaGroupKey]*slaTally
	totals []*slaTally // per month
	all    *slaTally
	report SLAReport
}

type slaGroupKey struct {
	month    int
	provider int64 // 0: not escalated
	org      int64
	priority string
}

// slaTally accumulates one row.
type slaTally struct {
	row        SLAReportRow
	lastTicket int64
	resolve    []time.Duration
}

// NewSLAReportBuilder starts a report for a valid filter.
func NewSLAReportBuilder(f SLAReportFilter) *SLAReportBuilder {
	b := &SLAReportBuilder{filter: f, months: f.Months(), groups: map[slaGroupKey]*slaTally{}, all: &slaTally{row: SLAReportRow{Level: SLAOverallRow}}}
	for _, m := range b.months {
		b.totals = append(b.totals, &slaTally{row: SLAReportRow{Level: SLAMonthRow, Month: m}})
	}
	return b
}

// monthIndex returns the index of the report month t falls in, or -1.
func (b *SLAReportBuilder) monthIndex(t time.Time) int {
	if t.Before(b.filter.From) || !t.Before(b.filter.To) {
		return -1
	}
	// The last month starting at or before t.
	i, found := slices.BinarySearchFunc(b.months, t, func(m, t time.Time) int { return m.Compare(t) })
	if !found {
		i--
	}
	return i
}

// settled says where a clock counts: the instant (MetAt if it stopped, Due
// if it is running and breached), whether it met its target, and whether it
// counts at all yet.
func settled(c sla.Clock) (at time.Time, met, counts bool) {
	switch {
	case c.Met:
		return c.MetAt, !c.Breached, true
	case c.Breached:
		return c.Due, false, true
	}
	return time.Time{}, false, false
}

// Add counts one ticket's evaluated clocks.
func (b *SLAReportBuilder) Add(t SLAReportTicket, res sla.Result) {
	clocks := [2]sla.Clock{res.Response, res.Resolution}
	for i, c := range clocks {
		at, met, ok := settled(c)
		if !ok {
			continue
		}
		m := b.monthIndex(at)
		if m < 0 {
			continue
		}
		for _, tally := range []*slaTally{b.group(m, t), b.totals[m], b.all} {
			tally.count(t.ID, i == 1, met, c)
		}
	}
}

// Unmeasured records a ticket whose history could not be evaluated.
func (b *SLAReportBuilder) Unmeasured(ref string) {
	b.report.Unmeasured++
	if len(b.report.UnmeasuredRefs) < 20 {
		b.report.UnmeasuredRefs = append(b.report.UnmeasuredRefs, ref)
	}
}

func (b *SLAReportBuilder) group(m int, t SLAReportTicket) *slaTally {
	k := slaGroupKey{month: m, org: t.OrgID, priority: t.Priority}
	if t.ProviderID != nil {
		k.provider = *t.ProviderID
	}
	g, ok := b.groups[k]
	if !ok {
		g = &slaTally{row: SLAReportRow{Level: SLAGroupRow, Month: b.months[m], OrgID: t.OrgID, OrgName: t.OrgName, Priority: t.Priority}}
		if t.ProviderID != nil {
			id := *t.ProviderID
			g.row.ProviderID, g.row.ProviderName = &id, t.ProviderName
		}
		b.groups[k] = g
	}
	return g
}

func (s *slaTally) count(ticketID int64, resolution, met bool, c sla.Clock) {
	r := &s.row
	if s.lastTicket != ticketID {
		s.lastTicket = ticketID
		r.Tickets++
	}
	open := !c.Met
	switch {
	case !resolution:
		r.Responses++
		if met {
			r.ResponsesMet++
		} else {
			r.ResponseBreaches++
			if open {
				r.ResponseBreachesOpen++
			}
		}
	default:
		r.Resolutions++
		if met {
			r.ResolutionsMet++
		} else {
			r.ResolutionBreaches++
			if open {
				r.ResolutionBreachesOpen++
			}
		}
		if c.Met {
			r.Resolved++
			s.resolve = append(s.resolve, c.Elapsed)
		}
	}
}

// finish computes the row's percentages and resolution times.
func (s *slaTally) finish() SLAReportRow {
	r := s.row
	r.ResponseMetPercent = percent(r.ResponsesMet, r.Responses)
	r.ResolutionMetPercent = percent(r.ResolutionsMet, r.Resolutions)
	if n := len(s.resolve); n > 0 {
		d := slices.Clone(s.resolve)
		slices.Sort(d)
		var sum float64
		for _, x := range d {
			sum += x.Seconds()
		}
		median := d[n/2].Seconds()
		if n%2 == 0 {
			median = (d[n/2-1].Seconds() + d[n/2].Seconds()) / 2
		}
		rank := int(math.Ceil(0.9*float64(n))) - 1
		r.MeanResolveSeconds = seconds(sum / float64(n))
		r.MedianResolveSeconds = seconds(median)
		r.P90ResolveSeconds = seconds(d[rank].Seconds())
	}
	return r
}

func percent(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	p := 100 * float64(part) / float64(whole)
	return &p
}

func seconds(s float64) *int64 {
	v := int64(math.Round(s))
	return &v
}

// Report returns the report, evaluated at asAt.
func (b *SLAReportBuilder) Report(asAt time.Time) *SLAReport {
	groups := make([]*slaTally, 0, len(b.groups))
	for _, g := range b.groups {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(x, y *slaTally) int {
		a, c := &x.row, &y.row
		if d := a.Month.Compare(c.Month); d != 0 {
			return d
		}
		// Named providers first, by name; tickets not escalated last.
		if (a.ProviderID == nil) != (c.ProviderID == nil) {
			if a.ProviderID == nil {
				return 1
			}
			return -1
		}
		if a.ProviderID != nil {
			if d := strings.Compare(strings.ToLower(a.ProviderName), strings.ToLower(c.ProviderName)); d != 0 {
				return d
			}
			if d := cmp.Compare(*a.ProviderID, *c.ProviderID); d != 0 {
				return d
			}
		}
		if d := strings.Compare(strings.ToLower(a.OrgName), strings.ToLower(c.OrgName)); d != 0 {
			return d
		}
		if d := cmp.Compare(a.OrgID, c.OrgID); d != 0 {
			return d
		}
		return strings.Compare(a.Priority, c.Priority)
	})
	r := b.report
	r.Filter, r.AsAt, r.Months = b.filter, asAt.UTC(), b.months
	r.Rows = make([]SLAReportRow, 0, len(groups)+len(b.totals)+1)
	gi := 0
	for m, total := range b.totals {
		for gi < len(groups) && groups[gi].row.Month.Equal(b.months[m]) {
			r.Rows = append(r.Rows, groups[gi].finish())
			gi++
		}
		r.Rows = append(r.Rows, total.finish())
	}
	r.Rows = append(r.Rows, b.all.finish())
	return &r
}
