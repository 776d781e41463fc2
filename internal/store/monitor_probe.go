package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Rollup levels of check_rollups.
const (
	levelMinute = 0
	levelHour   = 1
	levelDay    = 2
)

var levelSpan = [3]time.Duration{time.Minute, time.Hour, 24 * time.Hour}

// probeReturning is checkColumns without the joins, for UPDATE … RETURNING.
var probeReturning = strings.NewReplacer("COALESCE(o.name, '')", "''", "COALESCE(p.name, '')", "''", "c.", "").Replace(checkColumns)

// HeartbeatProbeNode records that node is alive and returns the live nodes.
// Nodes silent for ten TTLs are forgotten.
func (db *DB) HeartbeatProbeNode(ctx context.Context, node string, ttl time.Duration) ([]string, error) {
	var nodes []string
	err := db.update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO probe_nodes (node, heartbeat_at) VALUES (?, ?) ON CONFLICT (node) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`, node, ts(tx.now)); err != nil {
			return fmt.Errorf("heartbeat of %s: %w", node, err)
		}
		if _, err := tx.exec(`DELETE FROM probe_nodes WHERE heartbeat_at < ?`, ts(tx.now.Add(-10*ttl))); err != nil {
			return fmt.Errorf("forget dead probe nodes: %w", err)
		}
		rows, err := tx.query(`SELECT node FROM probe_nodes WHERE heartbeat_at >= ? ORDER BY node`, ts(tx.now.Add(-ttl)))
		if err != nil {
			return fmt.Errorf("list probe nodes: %w", err)
		}
		defer rows.Close()
		nodes = nodes[:0]
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			nodes = append(nodes, n)
		}
		return rows.Err()
	})
	return nodes, err
}

// ClaimDueChecks claims node's share of the checks due before until. The
// claim is one UPDATE that moves each check's next_due on by its interval
// (skipping intervals nobody ran, keeping the phase) only where next_due
// is still due: whichever node's UPDATE reaches a row first moves it, and
// the other's condition then fails, so a check runs once per interval
// however many nodes disagree about the shares.
func (db *DB) ClaimDueChecks(ctx context.Context, node string, nodes []string, until time.Time, limit int) ([]itsm.ProbeTask, error) {
	n := len(nodes)
	idx := slices.Index(nodes, node)
	if idx < 0 {
		// Not (yet) a live node: only overdue checks, which anyone may run.
		n, idx = 1, -1
	}
	if limit <= 0 {
		limit = 1000
	}
	lock := ""
	if db.engine == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var tasks []itsm.ProbeTask
	err := db.update(ctx, func(tx *Tx) error {
		now, u := ts(tx.now), ts(until)
		rows, err := tx.query(`UPDATE monitor_checks SET next_due = CASE WHEN next_due + interval_ms * 1000 > ? THEN next_due + interval_ms * 1000
				ELSE next_due + ((? - next_due) / (interval_ms * 1000) + 1) * (interval_ms * 1000) END
			WHERE id IN (SELECT id FROM monitor_checks WHERE enabled = ? AND next_due <= ? AND (id % ? = ? OR next_due < ? - 2 * interval_ms * 1000)
				ORDER BY next_due LIMIT ?`+lock+`) AND next_due <= ?
			RETURNING `+probeReturning+`, next_due`, now, now, true, u, n, idx, now, limit, u)
		if err != nil {
			return fmt.Errorf("claim due checks for %s: %w", node, err)
		}
		defer rows.Close()
		tasks = tasks[:0]
		for rows.Next() {
			var next int64
			c, err := scanCheck(scanWith{rows, &next})
			if err != nil {
				return fmt.Errorf("read claimed check: %w", err)
			}
			due := fromTS(next).Add(-c.Interval)
			tasks = append(tasks, itsm.ProbeTask{Check: c, Due: due})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].Due.Before(tasks[j].Due) })
	return tasks, nil
}

// scanWith scans a row into a scanner's fields followed by extra ones.
type scanWith struct {
	row   scanner
	extra any
}

func (s scanWith) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra)...) }

// rollupKey names one roll-up row.
type rollupKey struct {
	check  int64
	level  int
	bucket int64
}

// rollupAgg is what a batch adds to one roll-up row.
type rollupAgg struct {
	samples, failures, sumUS, maxUS int64
	hist                            itsm.LatencyHistogram
}

// openOutage is the part of an outage in progress that results change.
type openOutage struct {
	id            int64
	startedAt     time.Time
	inMaintenance bool
	ticketID      *int64
}

// RecordCheckResults stores a batch of results in one transaction: the raw
// samples, the minute, hour and day roll-ups they add to, each check's
// state, and the outages and incidents they open or end.
func (db *DB) RecordCheckResults(ctx context.Context, results []itsm.CheckResult) error {
	if len(results) == 0 {
		return nil
	}
	results = slices.Clone(results)
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].CheckID != results[j].CheckID {
			return results[i].CheckID < results[j].CheckID
		}
		return results[i].At.Before(results[j].At)
	})
	return db.update(ctx, func(tx *Tx) error {
		checks, err := tx.checksByID(results)
		if err != nil {
			return err
		}
		kept := results[:0:0]
		from, to := results[0].At, results[0].At
		for _, r := range results {
			if checks[r.CheckID] == nil {
				continue // removed since it was claimed
			}
			r.At = r.At.UTC().Truncate(time.Microsecond)
			kept = append(kept, r)
			from, to = minTime(from, r.At), maxTime(to, r.At)
		}
		if len(kept) == 0 {
			return nil
		}
		maint, err := tx.maintenanceBetween(nil, from, to.Add(time.Microsecond))
		if err != nil {
			return err
		}
		if err := tx.insertSamples(kept); err != nil {
			return err
		}
		if err := tx.addRollups(kept); err != nil {
			return err
		}
		outages, err := tx.openOutages(checks)
		if err != nil {
			return err
		}
		for _, r := range kept {
			if err := tx.applyResult(checks[r.CheckID], outages, r, maintenanceSet(maint).covers(checks[r.CheckID].Service, r.At)); err != nil {
				return err
			}
		}
		return tx.saveCheckStates(checks)
	})
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// checksByID loads the checks of a batch of results.
func (tx *Tx) checksByID(results []itsm.CheckResult) (map[int64]*itsm.Check, error) {
	ids := make([]any, 0, len(results))
	seen := map[int64]bool{}
	for _, r := range results {
		if !seen[r.CheckID] {
			seen[r.CheckID] = true
			ids = append(ids, r.CheckID)
		}
	}
	out := make(map[int64]*itsm.Check, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + ")"
		list, err := queryAll(tx, scanCheck, `SELECT `+checkColumns+checkFrom+` WHERE c.id IN `+in, chunk...)
		if err != nil {
			return nil, fmt.Errorf("load checks of results: %w", err)
		}
		for _, c := range list {
			out[c.ID] = c
		}
	}
	return out, nil
}

// insertSamples writes the raw samples, many rows a statement.
func (tx *Tx) insertSamples(results []itsm.CheckResult) error {
	const per = 100
	for start := 0; start < len(results); start += per {
		chunk := results[start:min(start+per, len(results))]
		args := make([]any, 0, len(chunk)*6)
		for _, r := range chunk {
			msg := r.Error
			if r.Up {
				msg = r.Warning
			}
			args = append(args, r.CheckID, ts(r.At), r.Up, r.Latency.Microseconds(), r.StatusCode, truncateRunes(msg, 500))
		}
		q := `INSERT INTO check_samples (check_id, at, up, latency_us, status_code, error) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(chunk)), ", ") + ` ON CONFLICT (check_id, at) DO NOTHING`
		if _, err := tx.exec(q, args...); err != nil {
			return fmt.Errorf("store check samples: %w", err)
		}
	}
	return nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// addRollups adds the results to their minute, hour and day roll-ups.
func (tx *Tx) addRollups(results []itsm.CheckResult) error {
	aggs := map[rollupKey]*rollupAgg{}
	var keys []rollupKey
	for _, r := range results {
		for level, span := range levelSpan {
			k := rollupKey{r.CheckID, level, ts(r.At.Truncate(span))}
			a := aggs[k]
			if a == nil {
				a = &rollupAgg{}
				aggs[k] = a
				keys = append(keys, k)
			}
			a.samples++
			if !r.Up {
				a.failures++
			}
			us := r.Latency.Microseconds()
			a.sumUS += us
			a.maxUS = max(a.maxUS, us)
			a.hist.Add(r.Latency)
		}
	}
	greatest := "MAX"
	if tx.db.engine == Postgres {
		greatest = "GREATEST"
	}
	var hcols, hset strings.Builder
	for i := range itsm.LatencyBucketCount {
		fmt.Fprintf(&hcols, ", h%d", i)
		fmt.Fprintf(&hset, ", h%d = check_rollups.h%d + excluded.h%d", i, i, i)
	}
	const cols = 7 + itsm.LatencyBucketCount
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	const per = 40
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		args := make([]any, 0, len(chunk)*cols)
		for _, k := range chunk {
			a := aggs[k]
			args = append(args, k.check, k.level, k.bucket, a.samples, a.failures, a.sumUS, a.maxUS)
			for _, h := range a.hist {
				args = append(args, h)
			}
		}
		q := `INSERT INTO check_rollups (check_id, level, bucket, samples, failures, latency_sum_us, latency_max_us` + hcols.String() + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ") +
			` ON CONFLICT (check_id, level, bucket) DO UPDATE SET samples = check_rollups.samples + excluded.samples, failures = check_rollups.failures + excluded.failures,
			latency_sum_us = check_rollups.latency_sum_us + excluded.latency_sum_us, latency_max_us = ` + greatest + `(check_rollups.latency_max_us, excluded.latency_max_us)` + hset.String()
		if _, err := tx.exec(q, args...); err != nil {
			return fmt.Errorf("add to check roll-ups: %w", err)
		}
	}
	return nil
}

// openOutages loads the outages in progress of the batch's checks.
func (tx *Tx) openOutages(checks map[int64]*itsm.Check) (map[int64]*openOutage, error) {
	out := map[int64]*openOutage{}
	for _, c := range checks {
		if c.OpenOutageID == nil {
			continue
		}
		o := &openOutage{id: *c.OpenOutageID}
		var started int64
		var ticket sql.NullInt64
		err := tx.queryRow(`SELECT started_at, in_maintenance, ticket_id FROM check_outages WHERE id = ?`, o.id).Scan(&started, &o.inMaintenance, &ticket)
		if errors.Is(err, sql.ErrNoRows) {
			c.OpenOutageID = nil
			continue
		} else if err != nil {
			return nil, fmt.Errorf("load outage %d: %w", o.id, err)
		}
		o.startedAt, o.ticketID = fromTS(started), nullID(ticket)
		out[c.ID] = o
	}
	return out, nil
}

// applyResult moves a check's state on by one result: an outage begins at
// the first failure and ends at the first pass; IncidentAfter consecutive
// failures outside maintenance open (or re-open) its incident; the pass
// that ends the outage resolves it.
func (tx *Tx) applyResult(c *itsm.Check, outages map[int64]*openOutage, r itsm.CheckResult, inMaintenance bool) error {
	at := r.At
	if c.LastCheckedAt != nil && at.Before(*c.LastCheckedAt) {
		// A late result (a node that lost its share flushing after the
		// next run) counts in the samples and roll-ups, not in the state.
		return nil
	}
	c.LastCheckedAt, c.LastLatency = &at, r.Latency
	if r.CertExpiresAt != nil {
		c.CertExpiresAt = r.CertExpiresAt
	}
	if r.Up {
		wasWarning := c.Status == itsm.CheckWarning
		c.ConsecutiveFailures, c.LastError = 0, r.Warning
		c.Status = itsm.CheckUp
		if r.Warning != "" {
			c.Status = itsm.CheckWarning
			// A warning (a certificate expiring soon) is e-mailed once,
			// when the check first passes with it.
			if !wasWarning {
				if err := tx.notifyOutage(c, "the check "+c.Name, fmt.Sprintf("[Warning] %s: %s", c.Name, r.Warning),
					fmt.Sprintf("The check %s (%s) passed with a warning: %s.\n\nRenew it before it fails.", c.Name, c.Service, r.Warning)); err != nil {
					return err
				}
			}
		}
		if o := outages[c.ID]; o != nil {
			delete(outages, c.ID)
			c.OpenOutageID = nil
			return tx.endOutage(c, o, at)
		}
		return nil
	}
	c.ConsecutiveFailures++
	c.LastError = r.Error
	c.Status = itsm.CheckDown
	if inMaintenance {
		c.Status = itsm.CheckMaintenance
	}
	o := outages[c.ID]
	if o == nil {
		id, err := tx.insert(`INSERT INTO check_outages (check_id, started_at, cause, failures, in_maintenance) VALUES (?, ?, ?, 1, ?)`,
			c.ID, ts(at), truncateRunes(r.Error, 500), inMaintenance)
		if err != nil {
			return fmt.Errorf("open outage of check %d: %w", c.ID, err)
		}
		o = &openOutage{id: id, startedAt: at, inMaintenance: inMaintenance}
		outages[c.ID] = o
		c.OpenOutageID = &id
		if err := tx.audit("outage_started", "check", c.ID, c.OrgID, fields("outage", id, "cause", r.Error, "in_maintenance", inMaintenance)); err != nil {
			return err
		}
	} else if _, err := tx.exec(`UPDATE check_outages SET failures = failures + 1 WHERE id = ?`, o.id); err != nil {
		return fmt.Errorf("count outage failure %d: %w", o.id, err)
	}
	if o.ticketID == nil && !inMaintenance && c.IncidentPriority != "" && c.ConsecutiveFailures >= c.IncidentAfter {
		return tx.openOutageIncident(c, o, r)
	}
	return nil
}

// saveCheckStates writes back what the batch's results left.
func (tx *Tx) saveCheckStates(checks map[int64]*itsm.Check) error {
	for _, c := range checks {
		if c.LastCheckedAt == nil {
			continue
		}
		if _, err := tx.exec(`UPDATE monitor_checks SET status = ?, last_checked_at = ?, last_latency_us = ?, last_error = ?, consecutive_failures = ?, cert_expires_at = ?, open_outage_id = ? WHERE id = ?`,
			c.Status, ts(*c.LastCheckedAt), c.LastLatency.Microseconds(), truncateRunes(c.LastError, 500), c.ConsecutiveFailures, tsp(c.CertExpiresAt), c.OpenOutageID, c.ID); err != nil {
			return fmt.Errorf("save state of check %d: %w", c.ID, err)
		}
	}
	return nil
}

// PruneCheckSamples deletes raw samples older than before. Roll-ups stay.
func (db *DB) PruneCheckSamples(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM check_samples WHERE at < ?`, ts(before))
		if err != nil {
			return fmt.Errorf("prune check samples: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// PruneMinuteRollups deletes minute roll-ups older than before; hour and
// day roll-ups are kept for ever.
func (db *DB) PruneMinuteRollups(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM check_rollups WHERE level = ? AND bucket < ?`, levelMinute, ts(before))
		if err != nil {
			return fmt.Errorf("prune minute roll-ups: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
