package probe

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Metrics are the check results this node reports to Prometheus, for the
// Grafana boards that watch the service:
//
//   - steward_check_up{check_id,check,service,component}: 1 when the latest
//     run on this node passed, 0 when it failed;
//   - steward_check_latency_seconds{service,check}: response times of runs
//     that got an answer, in the buckets of itsm.LatencyBounds;
//   - steward_check_runs_total{result}: runs by result, up or down.
//
// With several nodes each reports the checks it ran; Prometheus queries
// combine them (max by (check_id) of the latest sample).
type Metrics struct {
	up      *prometheus.GaugeVec
	latency *prometheus.HistogramVec
	runsUp  prometheus.Counter
	runsDn  prometheus.Counter

	mu     sync.Mutex
	series map[int64]*checkSeries
}

// checkSeries caches one check's series so that a run costs no label
// lookups, and remembers its labels so that renaming a check retires the
// old series.
type checkSeries struct {
	id, name, service, component string
	up                           prometheus.Gauge
	latency                      prometheus.Observer
	// seen is when the check last ran on this node and interval how
	// often it runs: Retire drops a series that has stopped.
	seen     time.Time
	interval time.Duration
}

// retireAfter is how long a check's series outlives its last run on this
// node: three intervals, and never under five minutes, so that a check
// running late is not retired.
func retireAfter(interval time.Duration) time.Duration {
	return max(3*interval, 5*time.Minute)
}

// NewMetrics registers the check metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	buckets := make([]float64, len(itsm.LatencyBounds))
	for i, b := range itsm.LatencyBounds {
		buckets[i] = b.Seconds()
	}
	runs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "steward_check_runs_total",
		Help: "Check runs on this node by result (up or down, after retries).",
	}, []string{"result"})
	m := &Metrics{
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "steward_check_up",
			Help: "Whether the latest run of the check on this node passed (1) or failed (0).",
		}, []string{"check_id", "check", "service", "component"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "steward_check_latency_seconds",
			Help:    "Response times of check runs that got an answer, by service and check.",
			Buckets: buckets,
		}, []string{"service", "check"}),
		runsUp: runs.WithLabelValues("up"),
		runsDn: runs.WithLabelValues("down"),
		series: map[int64]*checkSeries{},
	}
	reg.MustRegister(m.up, m.latency, runs)
	return m
}

// Observe records one run of c.
func (m *Metrics) Observe(c *itsm.Check, r itsm.CheckResult) {
	if m == nil {
		return
	}
	s := m.seriesFor(c)
	m.mu.Lock()
	s.seen, s.interval = r.At, c.Interval
	if s.seen.IsZero() {
		s.seen = time.Now()
	}
	m.mu.Unlock()
	if r.Up {
		s.up.Set(1)
		m.runsUp.Inc()
	} else {
		s.up.Set(0)
		m.runsDn.Inc()
	}
	if r.Up || r.StatusCode != 0 {
		s.latency.Observe(r.Latency.Seconds())
	}
}

func (m *Metrics) seriesFor(c *itsm.Check) *checkSeries {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.series[c.ID]
	if s != nil && s.name == c.Name && s.service == c.Service && s.component == c.Component {
		return s
	}
	if s != nil {
		m.delete(s)
	}
	id := strconv.FormatInt(c.ID, 10)
	// Label values must be UTF-8, or the client panics.
	name, service, component := label(c.Name), label(c.Service), label(c.Component)
	s = &checkSeries{
		id: id, name: c.Name, service: c.Service, component: c.Component,
		up:      m.up.WithLabelValues(id, name, service, component),
		latency: m.latency.WithLabelValues(service, name),
	}
	m.series[c.ID] = s
	return s
}

// Retire drops the series of checks that have not run on this node for
// three intervals (at least five minutes) before now: checks deleted or
// paused, and checks another node has taken over. It returns how many it
// dropped.
func (m *Metrics) Retire(now time.Time) int {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.series {
		if now.Sub(s.seen) > retireAfter(s.interval) {
			m.delete(s)
			delete(m.series, id)
			n++
		}
	}
	return n
}

// delete removes s's labelled series; m.mu is held.
func (m *Metrics) delete(s *checkSeries) {
	m.up.DeleteLabelValues(s.id, label(s.name), label(s.service), label(s.component))
	// The latency histogram is labelled by service and check name, which
	// another check may share; it goes only when no other series uses it.
	for _, o := range m.series {
		if o != s && o.service == s.service && o.name == s.name {
			return
		}
	}
	m.latency.DeleteLabelValues(label(s.service), label(s.name))
}

func label(v string) string { return strings.ToValidUTF8(v, "\uFFFD") }
