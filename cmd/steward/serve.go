package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/steward-itsm/steward/internal/jobs"
	"github.com/steward-itsm/steward/internal/notify"
	"github.com/steward-itsm/steward/internal/server"
	"github.com/steward-itsm/steward/internal/store"
)

// migrateJobs applies the job queue's own migrations.
func migrateJobs(ctx context.Context, db *store.DB) error {
	return jobs.Migrate(ctx, string(db.Engine()), db.SQL(), db.Pool())
}

func cmdServe(ctx context.Context, args []string, e env) error {
	var c config
	fs := newFlags("serve", e)
	bindServe(fs, &c)
	webhookPolicy := bindWebhookFlags(fs)
	monitor := bindMonitorFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := c.logger(e.stderr)
	if err != nil {
		return err
	}
	if c.MaxDocumentMB < 1 || c.MaxDocumentMB > 4096 {
		return fmt.Errorf("--max-document-mb: give a whole number of MiB from 1 to 4096")
	}
	if err := monitor.validate(); err != nil {
		return err
	}
	maxDocument := c.MaxDocumentMB << 20
	started := time.Now()
	db, err := openDB(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	db.MaxDocumentSize = maxDocument

	var mailer notify.Mailer = notify.LogMailer{Logger: log}
	if c.SMTP != "" {
		sc, err := notify.ParseSMTPURL(c.SMTP)
		if err != nil {
			return fmt.Errorf("--smtp: %w", err)
		}
		if sc.From == "" {
			sc.From = c.SMTPFrom
		}
		mailer = notify.NewSMTP(sc)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL(), "write"))
	if db.ReadSQL() != db.SQL() {
		reg.MustRegister(collectors.NewDBStatsCollector(db.ReadSQL(), "read"))
	}

	q, err := jobs.New(jobs.Config{
		Engine: string(db.Engine()), DB: db.SQL(), Pool: db.Pool(), Mailer: mailer, Logger: log,
		Periodic: []jobs.Periodic{
			{Kind: "session_cleanup", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
				_, err := db.DeleteExpiredSessions(ctx)
				return err
			}},
			// Warnings and breaches fire once each: sla_alerts' primary key
			// makes a second run, on this node or another, a no-op.
			{Kind: "sla_alerts", Every: time.Minute, Run: func(ctx context.Context) error {
				_, err := db.FireSLAAlerts(ctx)
				return err
			}},
			// RAID: owners of overdue actions and risk reviews are reminded
			// once per item per day; raid_reminders' primary key makes any
			// further run that day, on this node or another, a no-op. It
			// checks hourly so that a reminder follows soon after midnight.
			{Kind: "raid_overdue", Every: time.Hour, Run: func(ctx context.Context) error {
				_, err := db.NotifyOverdueRAID(ctx)
				return err
			}},
			monitor.retentionJob(db),
		},
		// Outbound webhooks: delivered from the outbox, signed, with the
		// receiver's address checked on every dial.
		Register: []func(*river.Workers) error{jobs.HandleWebhooks(db, notify.NewWebhookSender(*webhookPolicy))},
	})
	if err != nil {
		return err
	}
	db.Enqueue = q.Enqueue
	reg.MustRegister(q.Collector())
	if c.Demo {
		db.DemoProbeAddress = demoProbeAddress(c.Listen)
		accounts, err := db.SeedDemo(ctx)
		switch {
		case err == nil:
			printDemoAccounts(e, accounts)
		case strings.Contains(describe(err), "already holds data"):
			fmt.Fprintln(e.stdout, "The database already holds data, so no demonstration data was added; sign in with the accounts printed when it was first seeded.")
		default:
			return err
		}
	}

	if err := q.Start(ctx); err != nil {
		return err
	}
	// Service checks run until shutdown begins, then flush their results
	// before the database closes.
	checksCtx, stopChecks := context.WithCancel(ctx)
	defer stopChecks()
	checksDone := monitor.startChecks(checksCtx, db, reg, log)

	secret, err := db.SiteSecret(ctx)
	if err != nil {
		return err
	}
	h, err := server.New(server.Config{
		Services: db.Services(), Logger: log, Registry: reg, Version: version, SecretKey: secret, MaxDocumentSize: maxDocument,
		SecureCookies: strings.HasPrefix(c.baseURL(), "https://"), PublicStatus: c.PublicStatus,
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return fmt.Errorf("database: %w", err)
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Listen, err)
	}
	if c.BaseURL == "" {
		c.Listen = ln.Addr().String()
	}
	log.Info("steward started", "version", version, "engine", db.Engine(), "database", redactDSN(c.dsn()), "listen", ln.Addr().String(), "startup_ms", time.Since(started).Milliseconds())
	fmt.Fprintf(e.stdout, "Steward is running at %s/ (press Ctrl+C to stop)\n", c.baseURL())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests and jobs")
	sctx, cancel := context.WithTimeout(context.Background(), c.Shutdown)
	defer cancel()
	stopChecks()
	err = srv.Shutdown(sctx)
	checksDone()
	if qerr := q.Stop(sctx); qerr != nil {
		err = errors.Join(err, qerr)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func printDemoAccounts(e env, accounts []store.DemoAccount) {
	fmt.Fprintln(e.stdout, "Demonstration data added. These sign-ins are shown once; every password is random:")
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROLE\tEMAIL\tPASSWORD\tORGANISATION")
	for _, a := range accounts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Role.Label(), a.Email, a.Password, a.Organisation)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout)
	_ = os.Stdout.Sync()
}

// demoProbeAddress is where the demonstration checks find this server:
// the --listen address, with a wildcard host made the loopback one. A
// port chosen by the system (":0") is not known yet, so the default
// address is kept.
func demoProbeAddress(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "0" || port == "" {
		return ""
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}
