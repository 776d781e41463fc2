package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/jobs"
	"github.com/steward-itsm/steward/internal/probe"
	"github.com/steward-itsm/steward/internal/store"
)

// monitorConfig is how this node takes part in service monitoring.
type monitorConfig struct {
	Run               bool
	Concurrency       int64
	RawDays           int64
	MinuteRollupsDays int64
}

// bindMonitorFlags declares the monitoring flags of serve.
func bindMonitorFlags(fs *flag.FlagSet) *monitorConfig {
	m := &monitorConfig{}
	fs.BoolVar(&m.Run, "checks", envOr("STEWARD_CHECKS", "1") != "0", "run this node's share of the service checks (env STEWARD_CHECKS=0 turns it off, e.g. for a web-only node)")
	fs.Int64Var(&m.Concurrency, "check-concurrency", envInt("STEWARD_CHECK_CONCURRENCY", probe.DefaultConcurrency), "most checks running at once on this node (env STEWARD_CHECK_CONCURRENCY)")
	fs.Int64Var(&m.RawDays, "check-samples-days", envInt("STEWARD_CHECK_SAMPLES_DAYS", 7), "days to keep every check result before only its roll-ups remain (env STEWARD_CHECK_SAMPLES_DAYS)")
	fs.Int64Var(&m.MinuteRollupsDays, "check-minutes-days", envInt("STEWARD_CHECK_MINUTES_DAYS", 400), "days to keep per-minute roll-ups; hourly and daily ones are kept for good (env STEWARD_CHECK_MINUTES_DAYS)")
	return m
}

// validate reports a flag value that makes no sense.
func (m *monitorConfig) validate() error {
	switch {
	case m.Concurrency < 1 || m.Concurrency > 4096:
		return fmt.Errorf("--check-concurrency must be between 1 and 4096, not %d", m.Concurrency)
	case m.RawDays < 1 || m.RawDays > 3660:
		return fmt.Errorf("--check-samples-days must be between 1 and 3660, not %d", m.RawDays)
	case m.MinuteRollupsDays < 1 || m.MinuteRollupsDays > 3660:
		return fmt.Errorf("--check-minutes-days must be between 1 and 3660, not %d", m.MinuteRollupsDays)
	}
	return nil
}

// retentionJob prunes per-minute roll-ups past their retention once a day,
// on whichever node the queue gives it to.
func (m *monitorConfig) retentionJob(db *store.DB) jobs.Periodic {
	return jobs.Periodic{Kind: "check_minutes_retention", Every: 24 * time.Hour, Run: func(ctx context.Context) error {
		_, err := db.PruneMinuteRollups(ctx, db.Now().AddDate(0, 0, -int(m.MinuteRollupsDays)))
		return err
	}}
}

// startChecks runs this node's share of the checks until ctx ends; the
// returned function waits for the scheduler to flush and stop.
func (m *monitorConfig) startChecks(ctx context.Context, db *store.DB, reg prometheus.Registerer, log *slog.Logger) func() {
	if !m.Run {
		log.Info("service checks are not run on this node (--checks=false)")
		return func() {}
	}
	s := probe.NewScheduler(db, probe.Options{
		Concurrency: int(m.Concurrency),
		// Claims and result batches every two seconds: half the write
		// transactions of one a second, for results that appear a second
		// later at most.
		Tick:         2 * time.Second,
		FlushEvery:   2 * time.Second,
		RawRetention: time.Duration(m.RawDays) * 24 * time.Hour,
		Metrics:      probe.NewMetrics(reg),
		Logger:       log.With("component", "checks"),
		Now:          db.Now,
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Run(itsm.NewContextWithActor(ctx, itsm.SystemActor("monitoring"))); err != nil {
			log.Error("service checks stopped", "error", err)
		}
	}()
	log.Info("running service checks", "node", s.Node(), "concurrency", m.Concurrency)
	return func() { <-done }
}
