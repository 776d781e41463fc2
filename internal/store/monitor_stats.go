package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// Availability is computed from roll-ups, never from raw samples: the
// period is cut into the spans that count (inside the target's calendar,
// outside maintenance), and each span into whole UTC days, hours and
// minutes, summed from the day, hour and minute roll-ups. A year of
// 24×7 figures reads about 365 day rows and a few dozen hour and minute
// rows, however many samples the year held. Maintenance windows are
// widened to whole minutes: a sample in a minute a window touches is
// excused.

// maxStatsPeriod bounds one figures request.
const maxStatsPeriod = 366 * 24 * time.Hour

// countedSpans is [from, to) within the calendar's working time (all of it
// when cal is nil) less the maintenance intervals, in whole minutes.
func countedSpans(from, to time.Time, cal *sla.Calendar, maint [][2]time.Time) [][2]time.Time {
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	var spans [][2]time.Time
	if cal == nil || cal.Is24x7() {
		spans = [][2]time.Time{{from, to}}
	} else {
		for _, s := range cal.WorkingSpans(from, to) {
			a, b := s[0].UTC().Truncate(time.Minute), s[1].UTC().Truncate(time.Minute)
			if b.After(a) {
				spans = append(spans, [2]time.Time{a, b})
			}
		}
	}
	for _, m := range maint {
		ms := m[0].UTC().Truncate(time.Minute)
		me := m[1].UTC()
		if t := me.Truncate(time.Minute); !t.Equal(me) {
			me = t.Add(time.Minute)
		}
		var next [][2]time.Time
		for _, s := range spans {
			if !ms.Before(s[1]) || !me.After(s[0]) {
				next = append(next, s)
				continue
			}
			if ms.After(s[0]) {
				next = append(next, [2]time.Time{s[0], ms})
			}
			if me.Before(s[1]) {
				next = append(next, [2]time.Time{me, s[1]})
			}
		}
		spans = next
	}
	return spans
}

// rollupRuns cuts spans into runs of whole days, hours and minutes, per
// level, as [start, end) in stored microseconds.
func rollupRuns(spans [][2]time.Time) [3][][2]int64 {
	var runs [3][][2]int64
	add := func(level int, s, e time.Time) {
		r := runs[level]
		if n := len(r); n > 0 && r[n-1][1] == ts(s) {
			r[n-1][1] = ts(e)
		} else {
			r = append(r, [2]int64{ts(s), ts(e)})
		}
		runs[level] = r
	}
	for _, sp := range spans {
		cur, end := sp[0], sp[1]
		for cur.Before(end) {
			switch {
			case cur.Truncate(24*time.Hour).Equal(cur) && !cur.Add(24*time.Hour).After(end):
				add(levelDay, cur, cur.Add(24*time.Hour))
				cur = cur.Add(24 * time.Hour)
			case cur.Truncate(time.Hour).Equal(cur) && !cur.Add(time.Hour).After(end):
				add(levelHour, cur, cur.Add(time.Hour))
				cur = cur.Add(time.Hour)
			default:
				add(levelMinute, cur, cur.Add(time.Minute))
				cur = cur.Add(time.Minute)
			}
		}
	}
	return runs
}

var rollupSums = func() string {
	var b strings.Builder
	b.WriteString("COALESCE(SUM(samples), 0), COALESCE(SUM(failures), 0), COALESCE(SUM(latency_sum_us), 0)")
	for i := range itsm.LatencyBucketCount {
		fmt.Fprintf(&b, ", COALESCE(SUM(h%d), 0)", i)
	}
	return b.String()
}()

func idList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

// sumRollups adds up the checks' roll-ups over the spans.
func (tx *Tx) sumRollups(ids []int64, spans [][2]time.Time) (*rollupAgg, error) {
	total := &rollupAgg{}
	if len(ids) == 0 {
		return total, nil
	}
	in, idArgs := idList(ids)
	runs := rollupRuns(spans)
	// Many runs (a year of business days) are read a chunk of ranges at a
	// time, each range an index seek, rather than a query each.
	const perQuery = 100
	for level, rs := range runs {
		for start := 0; start < len(rs); start += perQuery {
			chunk := rs[start:min(start+perQuery, len(rs))]
			args := append(append(make([]any, 0, len(idArgs)+1+2*len(chunk)), idArgs...), level)
			ranges := make([]string, len(chunk))
			for i, r := range chunk {
				ranges[i] = "(bucket >= ? AND bucket < ?)"
				args = append(args, r[0], r[1])
			}
			var a rollupAgg
			dest := []any{&a.samples, &a.failures, &a.sumUS}
			for i := range a.hist {
				dest = append(dest, &a.hist[i])
			}
			if err := tx.queryRow(`SELECT `+rollupSums+` FROM check_rollups WHERE check_id IN `+in+` AND level = ? AND (`+strings.Join(ranges, " OR ")+`)`, args...).Scan(dest...); err != nil {
				return nil, fmt.Errorf("sum check roll-ups: %w", err)
			}
			total.samples += a.samples
			total.failures += a.failures
			total.sumUS += a.sumUS
			total.hist.Merge(&a.hist)
		}
	}
	return total, nil
}

func statsOf(from, to time.Time, a *rollupAgg) itsm.AvailabilityStats {
	return itsm.AvailabilityStats{From: from, To: to, Samples: a.samples, Failures: a.failures,
		Percent: itsm.AvailabilityPercent(a.samples, a.failures),
		P50:     a.hist.Quantile(0.50), P95: a.hist.Quantile(0.95), P99: a.hist.Quantile(0.99)}
}

func checkPeriod(from, to time.Time) error {
	switch {
	case from.IsZero() || to.IsZero():
		return &itsm.Error{Code: itsm.EINVALID, Message: "Give the period's start and end.", Fields: map[string]string{"from": "Enter the start of the period."}}
	case !to.After(from):
		return &itsm.Error{Code: itsm.EINVALID, Message: "The period must end after it starts.", Fields: map[string]string{"to": "The end must be after the start."}}
	case to.Sub(from) > maxStatsPeriod:
		return &itsm.Error{Code: itsm.EINVALID, Message: "A period may be at most a year long.", Fields: map[string]string{"to": "Choose a period of at most a year."}}
	}
	return nil
}

// targetCalendar is the calendar a check's availability target counts:
// nil for 24×7; for business hours, the calendar of the newest agreement
// with the check's provider, or Monday to Friday 09:00–17:00 in Scotland.
func (tx *Tx) targetCalendar(c *itsm.Check) (*sla.Calendar, error) {
	if c.TargetCalendar != itsm.TargetBusinessHours {
		return nil, nil
	}
	if c.ProviderID != nil {
		var id int64
		err := tx.queryRow(`SELECT id FROM service_agreements WHERE provider_id = ? AND effective_from <= ? ORDER BY effective_from DESC, id DESC LIMIT 1`, *c.ProviderID, ts(tx.now)).Scan(&id)
		if err == nil {
			p, err := tx.policy(id)
			if err != nil {
				return nil, err
			}
			return p.Calendar, nil
		} else if err != sql.ErrNoRows {
			return nil, fmt.Errorf("find agreement calendar: %w", err)
		}
	}
	return defaultBusinessCalendar()
}

func defaultBusinessCalendar() (*sla.Calendar, error) {
	iv, err := sla.ParseInterval("09:00", "17:00")
	if err != nil {
		return nil, err
	}
	return sla.NewCalendar(sla.CalendarConfig{Week: sla.OfficeHours(iv), HolidaySet: "scotland"})
}

// outageFigures counts the outages of the checks overlapping [from, to)
// that began outside maintenance, and their downtime within the period.
func (tx *Tx) outageFigures(ids []int64, from, to time.Time) (int, time.Duration, error) {
	if len(ids) == 0 {
		return 0, 0, nil
	}
	in, args := idList(ids)
	rows, err := tx.query(`SELECT started_at, ended_at FROM check_outages WHERE check_id IN `+in+` AND in_maintenance = ? AND started_at < ? AND (ended_at IS NULL OR ended_at > ?)`,
		append(args, false, ts(to), ts(from))...)
	if err != nil {
		return 0, 0, fmt.Errorf("count outages: %w", err)
	}
	defer rows.Close()
	var n int
	var down time.Duration
	for rows.Next() {
		var s int64
		var e sql.NullInt64
		if err := rows.Scan(&s, &e); err != nil {
			return 0, 0, err
		}
		end := minTime(to, tx.now)
		if e.Valid {
			end = minTime(end, fromTS(e.Int64))
		}
		start := maxTime(from, fromTS(s))
		n++
		if end.After(start) {
			down += end.Sub(start)
		}
	}
	return n, down, rows.Err()
}

func withTarget(st *itsm.AvailabilityStats, target float64) {
	st.TargetPercent = target
	if target > 0 && st.Percent >= 0 {
		met := st.Percent >= target
		st.TargetMet = &met
	}
}

// CheckStats are one check's figures over [from, to), maintenance excluded.
func (db *DB) CheckStats(ctx context.Context, id int64, from, to time.Time) (*itsm.AvailabilityStats, error) {
	if err := checkPeriod(from, to); err != nil {
		return nil, err
	}
	var out itsm.AvailabilityStats
	err := db.view(ctx, func(tx *Tx) error {
		c, err := tx.visibleCheck(id)
		if err != nil {
			return err
		}
		cal, err := tx.targetCalendar(c)
		if err != nil {
			return err
		}
		maint, err := tx.maintenanceBetween(&c.Service, from, to)
		if err != nil {
			return err
		}
		sum, err := tx.sumRollups([]int64{c.ID}, countedSpans(from, to, cal, maintenanceSet(maint).intervals(c.Service)))
		if err != nil {
			return err
		}
		out = statsOf(from, to, sum)
		if out.Outages, out.Downtime, err = tx.outageFigures([]int64{c.ID}, from, to); err != nil {
			return err
		}
		withTarget(&out, c.TargetPercent)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CheckSeries buckets [from, to) by step for charts.
func (db *DB) CheckSeries(ctx context.Context, id int64, from, to time.Time, step time.Duration) ([]itsm.SeriesPoint, error) {
	if err := checkPeriod(from, to); err != nil {
		return nil, err
	}
	if step < time.Minute || step%time.Minute != 0 {
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: "The step must be a whole number of minutes.", Fields: map[string]string{"step": "Use a whole number of minutes, hours or days."}}
	}
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	n := int((to.Sub(from) + step - 1) / step)
	if n > 2000 {
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: "That would draw more than 2,000 points: choose a longer step or a shorter period.", Fields: map[string]string{"step": "Choose a longer step."}}
	}
	level := levelMinute
	switch {
	case step%(24*time.Hour) == 0 && from.Truncate(24*time.Hour).Equal(from):
		level = levelDay
	case step%time.Hour == 0 && from.Truncate(time.Hour).Equal(from):
		level = levelHour
	}
	points := make([]itsm.SeriesPoint, n)
	hists := make([]itsm.LatencyHistogram, n)
	for i := range points {
		points[i].At = from.Add(time.Duration(i) * step)
	}
	err := db.view(ctx, func(tx *Tx) error {
		c, err := tx.visibleCheck(id)
		if err != nil {
			return err
		}
		cols := "bucket, samples, failures"
		for i := range itsm.LatencyBucketCount {
			cols += fmt.Sprintf(", h%d", i)
		}
		rows, err := tx.query(`SELECT `+cols+` FROM check_rollups WHERE check_id = ? AND level = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`, c.ID, level, ts(from), ts(to))
		if err != nil {
			return fmt.Errorf("read check series: %w", err)
		}
		for rows.Next() {
			var b, s, f int64
			var h itsm.LatencyHistogram
			dest := []any{&b, &s, &f}
			for i := range h {
				dest = append(dest, &h[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			i := int(fromTS(b).Sub(from) / step)
			points[i].Samples += s
			points[i].Failures += f
			hists[i].Merge(&h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		maint, err := tx.maintenanceBetween(&c.Service, from, to)
		if err != nil {
			return err
		}
		ivs := maintenanceSet(maint).intervals(c.Service)
		for i := range points {
			s, e := points[i].At, minTime(points[i].At.Add(step), to)
			touched := false
			for _, m := range ivs {
				touched = touched || (m[0].Before(e) && m[1].After(s))
			}
			if !touched {
				continue
			}
			points[i].Maintenance = true
			sum, err := tx.sumRollups([]int64{c.ID}, countedSpans(s, e, nil, ivs))
			if err != nil {
				return err
			}
			points[i].Samples, points[i].Failures, hists[i] = sum.samples, sum.failures, sum.hist
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range points {
		points[i].Percent = itsm.AvailabilityPercent(points[i].Samples, points[i].Failures)
		points[i].P50, points[i].P95, points[i].P99 = hists[i].Quantile(0.5), hists[i].Quantile(0.95), hists[i].Quantile(0.99)
	}
	return points, nil
}

// ServiceAvailability pools each visible service's checks over the period,
// 24×7, maintenance excluded. A service's target is the highest of its
// checks' targets.
func (db *DB) ServiceAvailability(ctx context.Context, f itsm.ServiceAvailabilityFilter) ([]itsm.ServiceAvailability, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.CanReadChecks() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to read the service's availability.")
	}
	if err := checkPeriod(f.From, f.To); err != nil {
		return nil, err
	}
	var out []itsm.ServiceAvailability
	err := db.view(ctx, func(tx *Tx) error {
		w := &where{}
		checkScope(a, w)
		if f.ProviderID != nil {
			w.add("c.provider_id = ?", *f.ProviderID)
		}
		if f.Service != nil {
			w.add("LOWER(c.service) = LOWER(?)", *f.Service)
		}
		rows, err := tx.query(`SELECT c.id, c.service, c.target_percent FROM monitor_checks c`+w.String()+` ORDER BY LOWER(c.service), c.id`, w.args...)
		if err != nil {
			return fmt.Errorf("list checks by service: %w", err)
		}
		type group struct {
			name   string
			ids    []int64
			target float64
		}
		var groups []*group
		byName := map[string]*group{}
		for rows.Next() {
			var id int64
			var svc string
			var target float64
			if err := rows.Scan(&id, &svc, &target); err != nil {
				rows.Close()
				return err
			}
			g := byName[strings.ToLower(svc)]
			if g == nil {
				g = &group{name: svc}
				byName[strings.ToLower(svc)] = g
				groups = append(groups, g)
			}
			g.ids = append(g.ids, id)
			g.target = max(g.target, target)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, g := range groups {
			maint, err := tx.maintenanceBetween(&g.name, f.From, f.To)
			if err != nil {
				return err
			}
			sum, err := tx.sumRollups(g.ids, countedSpans(f.From, f.To, nil, maintenanceSet(maint).intervals(g.name)))
			if err != nil {
				return err
			}
			sa := itsm.ServiceAvailability{Service: g.name, Checks: len(g.ids), AvailabilityStats: statsOf(f.From, f.To, sum)}
			if sa.Outages, sa.Downtime, err = tx.outageFigures(g.ids, f.From, f.To); err != nil {
				return err
			}
			withTarget(&sa.AvailabilityStats, g.target)
			out = append(out, sa)
		}
		return nil
	})
	return out, err
}

const outageColumns = `o.id, o.check_id, c.name, c.service, c.component, o.started_at, o.ended_at, o.cause, o.failures, o.in_maintenance, o.ticket_id, COALESCE(t.ref, '')`

// FindOutages lists outages of the checks the caller may read, newest first.
func (db *DB) FindOutages(ctx context.Context, f itsm.OutageFilter) ([]*itsm.Outage, int, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.CanReadChecks() {
		return nil, 0, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to read outages.")
	}
	w := &where{}
	checkScope(a, w)
	if f.CheckID != nil {
		w.add("o.check_id = ?", *f.CheckID)
	}
	if f.Service != nil {
		w.add("LOWER(c.service) = LOWER(?)", *f.Service)
	}
	if f.ProviderID != nil {
		w.add("c.provider_id = ?", *f.ProviderID)
	}
	if f.Open != nil {
		if *f.Open {
			w.add("o.ended_at IS NULL")
		} else {
			w.add("o.ended_at IS NOT NULL")
		}
	}
	if f.From != nil {
		w.add("(o.ended_at IS NULL OR o.ended_at > ?)", ts(*f.From))
	}
	if f.To != nil {
		w.add("o.started_at < ?", ts(*f.To))
	}
	from := ` FROM check_outages o JOIN monitor_checks c ON c.id = o.check_id LEFT JOIN tickets t ON t.id = o.ticket_id`
	off, lim := page(f.Offset, f.Limit)
	out, total, err := listPage(ctx, db, scanOutage, outageColumns, from, w, "o.started_at DESC, o.id DESC", off, lim)
	if err != nil {
		return nil, 0, fmt.Errorf("find outages: %w", err)
	}
	return out, total, nil
}

func scanOutage(row scanner) (*itsm.Outage, error) {
	var o itsm.Outage
	var started int64
	var ended, ticket sql.NullInt64
	if err := row.Scan(&o.ID, &o.CheckID, &o.CheckName, &o.Service, &o.Component, &started, &ended, &o.Cause, &o.Failures, &o.InMaintenance, &ticket, &o.TicketRef); err != nil {
		return nil, err
	}
	o.StartedAt, o.EndedAt, o.TicketID = fromTS(started), fromNullTS(ended), nullID(ticket)
	return &o, nil
}

// statusRank orders statuses from best to worst.
var statusRank = map[string]int{itsm.StatusNoData: 0, itsm.StatusOperational: 1, itsm.StatusMaintenance: 2, itsm.StatusDegraded: 3, itsm.StatusOutage: 4}

func checkStatusOnPage(s string) string {
	switch s {
	case itsm.CheckUp, itsm.CheckWarning:
		return itsm.StatusOperational
	case itsm.CheckDown:
		return itsm.StatusOutage
	case itsm.CheckMaintenance:
		return itsm.StatusMaintenance
	}
	return itsm.StatusNoData
}

// StatusPage builds the status page the caller may see.
func (db *DB) StatusPage(ctx context.Context) (*itsm.StatusPage, error) {
	a := itsm.ActorFromContext(ctx)
	page := &itsm.StatusPage{Services: []itsm.ServiceStatus{}, Incidents: []*itsm.Outage{}, Maintenance: []*itsm.MaintenanceWindow{}}
	err := db.view(ctx, func(tx *Tx) error {
		page.GeneratedAt = tx.now
		w := &where{}
		statusScope(a, w)
		rows, err := tx.query(`SELECT c.id, c.service, c.component, c.status FROM monitor_checks c`+w.String()+` ORDER BY LOWER(c.service), LOWER(c.component), c.id`, w.args...)
		if err != nil {
			return fmt.Errorf("read status page checks: %w", err)
		}
		type svc struct {
			name  string
			ids   []int64
			comps map[string]string
			order []string
		}
		var services []*svc
		byName := map[string]*svc{}
		for rows.Next() {
			var id int64
			var name, comp, status string
			if err := rows.Scan(&id, &name, &comp, &status); err != nil {
				rows.Close()
				return err
			}
			s := byName[strings.ToLower(name)]
			if s == nil {
				s = &svc{name: name, comps: map[string]string{}}
				byName[strings.ToLower(name)] = s
				services = append(services, s)
			}
			s.ids = append(s.ids, id)
			if comp == "" {
				comp = name
			}
			st := checkStatusOnPage(status)
			if old, ok := s.comps[comp]; !ok {
				s.comps[comp] = st
				s.order = append(s.order, comp)
			} else if statusRank[st] > statusRank[old] {
				s.comps[comp] = st
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		today := tx.now.Truncate(24 * time.Hour)
		start := today.AddDate(0, 0, -89)
		end := today.Add(24 * time.Hour)
		allMaint, err := tx.maintenanceBetween(nil, start, tx.now.AddDate(0, 0, 30))
		if err != nil {
			return err
		}
		ms := maintenanceSet(allMaint)
		for _, s := range services {
			ss := itsm.ServiceStatus{Service: s.name, Components: []itsm.ComponentStatus{}}
			worst, outages := itsm.StatusNoData, 0
			for _, comp := range s.order {
				st := s.comps[comp]
				ss.Components = append(ss.Components, itsm.ComponentStatus{Component: comp, Status: st})
				if statusRank[st] > statusRank[worst] {
					worst = st
				}
				if st == itsm.StatusOutage {
					outages++
				}
			}
			if worst == itsm.StatusOutage && outages < len(s.order) {
				worst = itsm.StatusDegraded
			}
			if worst != itsm.StatusOutage && worst != itsm.StatusDegraded && ms.covers(s.name, tx.now) {
				worst = itsm.StatusMaintenance
			}
			ss.Status = worst
			if ss.Days, ss.Percent90Days, err = tx.statusDays(s.ids, s.name, ms, start, end); err != nil {
				return err
			}
			page.Services = append(page.Services, ss)
		}
		visible := map[string]bool{}
		for _, s := range services {
			visible[strings.ToLower(s.name)] = true
		}
		redactChangeWindows(a, allMaint)
		for _, m := range allMaint {
			if m.EndsAt.After(tx.now) && (m.Service == "" || visible[strings.ToLower(m.Service)]) {
				page.Maintenance = append(page.Maintenance, m)
			}
		}
		// Outages in progress, without causes for customers: an error
		// message can name internal hosts.
		w2 := &where{}
		statusScope(a, w2)
		w2.add("o.ended_at IS NULL")
		inc, err := queryAll(tx, scanOutage, `SELECT `+outageColumns+`
			FROM check_outages o JOIN monitor_checks c ON c.id = o.check_id LEFT JOIN tickets t ON t.id = o.ticket_id`+w2.String()+` ORDER BY o.started_at`, w2.args...)
		if err != nil {
			return fmt.Errorf("read outages in progress: %w", err)
		}
		for _, o := range inc {
			if o.TicketID != nil && !a.ReadsEverything() {
				// The incident's reference only for those who can open it.
				t, err := tx.findTicket(*o.TicketID)
				if err != nil && itsm.ErrorCode(err) != itsm.ENOTFOUND {
					return err
				}
				if err != nil || !canSeeTicket(a, t) {
					o.TicketID, o.TicketRef = nil, ""
				}
			}
			if !a.CanReadChecks() {
				o.Cause, o.CheckName = "", ""
			}
			page.Incidents = append(page.Incidents, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// statusDays are a service's 90 daily availability bars; a day a
// maintenance window touched is summed again without it.
func (tx *Tx) statusDays(ids []int64, service string, ms maintenanceSet, start, end time.Time) ([]itsm.DayAvailability, float64, error) {
	days := make([]itsm.DayAvailability, int(end.Sub(start)/(24*time.Hour)))
	for i := range days {
		days[i].Date = start.AddDate(0, 0, i).Format("2006-01-02")
		days[i].Percent = -1
	}
	in, args := idList(ids)
	rows, err := tx.query(`SELECT bucket, SUM(samples), SUM(failures) FROM check_rollups WHERE check_id IN `+in+` AND level = ? AND bucket >= ? AND bucket < ? GROUP BY bucket`,
		append(args, levelDay, ts(start), ts(end))...)
	if err != nil {
		return nil, 0, fmt.Errorf("read daily availability: %w", err)
	}
	for rows.Next() {
		var b, s, f int64
		if err := rows.Scan(&b, &s, &f); err != nil {
			rows.Close()
			return nil, 0, err
		}
		i := int(fromTS(b).Sub(start) / (24 * time.Hour))
		if i >= 0 && i < len(days) {
			days[i].Samples, days[i].Failures = s, f
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	ivs := ms.intervals(service)
	var total, failed int64
	for i := range days {
		ds := start.AddDate(0, 0, i)
		de := ds.Add(24 * time.Hour)
		for _, m := range ivs {
			if m[0].Before(de) && m[1].After(ds) {
				days[i].Maintenance = true
			}
		}
		if days[i].Maintenance && days[i].Samples > 0 {
			sum, err := tx.sumRollups(ids, countedSpans(ds, de, nil, ivs))
			if err != nil {
				return nil, 0, err
			}
			days[i].Samples, days[i].Failures = sum.samples, sum.failures
		}
		days[i].Percent = itsm.AvailabilityPercent(days[i].Samples, days[i].Failures)
		total += days[i].Samples
		failed += days[i].Failures
	}
	sort.SliceStable(days, func(i, j int) bool { return days[i].Date < days[j].Date })
	return days, itsm.AvailabilityPercent(total, failed), nil
}
