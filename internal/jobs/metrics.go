package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// jobStates are every state River gives a job, reported even when empty so
// that dashboards and alerts see zeros rather than gaps.
var jobStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable,
	rivertype.JobStateScheduled, rivertype.JobStatePending, rivertype.JobStateCompleted,
	rivertype.JobStateDiscarded, rivertype.JobStateCancelled,
}

// scrapeTimeout bounds the count query run at each scrape.
const scrapeTimeout = 5 * time.Second

// collector reports the queue to Prometheus: jobs by state, read from the
// database at each scrape (so it is the same on every node), and jobs this
// node finished, by kind and outcome.
type collector struct {
	db     *sql.DB
	query  string
	states *prometheus.Desc
	worked *prometheus.CounterVec
}

func newCollector(engine string, db *sql.DB) *collector {
	query := "SELECT state, count(*) FROM river_job GROUP BY state"
	if engine == Postgres {
		query = "SELECT state::text, count(*) FROM river_job GROUP BY state"
	}
	return &collector{
		db:    db,
		query: query,
		states: prometheus.NewDesc("steward_jobs",
			"Jobs in the queue by state (completed, discarded and cancelled jobs are kept for a while, then deleted).",
			[]string{"state"}, nil),
		worked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_jobs_worked_total",
			Help: "Jobs this node finished working, by kind and outcome (completed, failed to be retried, discarded after the last attempt, cancelled, snoozed).",
		}, []string{"kind", "outcome"}),
	}
}

// Collector returns the queue's Prometheus metrics: the gauge steward_jobs
// {state} and the counter steward_jobs_worked_total{kind,outcome}.
func (q *Queue) Collector() prometheus.Collector { return q.metrics }

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.states
	c.worked.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.countStates()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.states, err)
	} else {
		for _, s := range jobStates {
			ch <- prometheus.MustNewConstMetric(c.states, prometheus.GaugeValue, float64(counts[string(s)]), string(s))
		}
	}
	c.worked.Collect(ch)
}

func (c *collector) countStates() (map[string]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	rows, err := c.db.QueryContext(ctx, c.query)
	if err != nil {
		return nil, fmt.Errorf("count jobs by state: %w", err)
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count jobs by state: %w", err)
		}
		counts[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count jobs by state: %w", err)
	}
	return counts, nil
}

// count records a job this node finished.
func (c *collector) count(ev *river.Event) {
	var outcome string
	switch ev.Kind {
	case river.EventKindJobCompleted:
		outcome = "completed"
	case river.EventKindJobFailed:
		outcome = "failed"
		if ev.Job.State == rivertype.JobStateDiscarded {
			outcome = "discarded"
		}
	case river.EventKindJobCancelled:
		outcome = "cancelled"
	case river.EventKindJobSnoozed:
		outcome = "snoozed"
	default:
		return
	}
	c.worked.WithLabelValues(ev.Job.Kind, outcome).Inc()
}
