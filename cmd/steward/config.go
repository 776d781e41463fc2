package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// config is everything a subcommand may need, read once from flags with
// STEWARD_* environment equivalents. Flags win over the environment.
type config struct {
	DB        string
	DataDir   string
	Listen    string
	BaseURL   string
	SMTP      string
	SMTPFrom  string
	LogLevel  string
	LogFormat string
	Demo      bool
	Shutdown  time.Duration
	// MaxDocumentMB is the largest document library file, in megabytes.
	MaxDocumentMB int64
	// PublicStatus opens the status page to visitors who have not signed in.
	PublicStatus bool
}

// envOr returns the environment variable's value or def.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// bindCommon declares the flags every database-using subcommand shares.
func bindCommon(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.DB, "db", envOr("STEWARD_DB", ""), "database: a SQLite file path or sqlite://path, or postgres://… (env STEWARD_DB; default DATA/steward.db)")
	fs.StringVar(&c.DataDir, "data", envOr("STEWARD_DATA", "./data"), "data directory for the SQLite database and files (env STEWARD_DATA)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("STEWARD_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env STEWARD_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", envOr("STEWARD_LOG_FORMAT", "text"), "log format: text or json (env STEWARD_LOG_FORMAT)")
}

// bindServe declares the flags of `steward serve`.
func bindServe(fs *flag.FlagSet, c *config) {
	bindCommon(fs, c)
	fs.StringVar(&c.Listen, "listen", envOr("STEWARD_LISTEN", "127.0.0.1:8080"), "address to listen on (env STEWARD_LISTEN)")
	fs.StringVar(&c.BaseURL, "base-url", envOr("STEWARD_BASE_URL", ""), "public URL of this site, e.g. https://steward.example.org (env STEWARD_BASE_URL; default http://LISTEN)")
	fs.StringVar(&c.SMTP, "smtp", envOr("STEWARD_SMTP", ""), "SMTP server URL smtp://user:pass@host:587?tls=starttls (env STEWARD_SMTP; default: e-mail is written to the log)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", envOr("STEWARD_SMTP_FROM", "steward@localhost"), "From address of e-mail (env STEWARD_SMTP_FROM)")
	fs.BoolVar(&c.Demo, "demo", envOr("STEWARD_DEMO", "") == "1", "seed demonstration data into an empty database and print the sign-ins (env STEWARD_DEMO=1)")
	fs.DurationVar(&c.Shutdown, "shutdown-timeout", 20*time.Second, "how long to wait for requests and jobs to finish on shutdown")
	fs.BoolVar(&c.PublicStatus, "public-status", envOr("STEWARD_PUBLIC_STATUS", "") == "1", "show the status page (/status, /status.json) to visitors who have not signed in: public checks of the shared service only (env STEWARD_PUBLIC_STATUS=1)")
	fs.Int64Var(&c.MaxDocumentMB, "max-document-mb", envInt("STEWARD_MAX_DOCUMENT_MB", itsm.DefaultMaxDocumentSize>>20), "largest document library file in MiB (env STEWARD_MAX_DOCUMENT_MB)")
}

// envInt returns the environment variable's value as a number, or def
// when it is unset. A value that is not a number is reported when the
// flags are checked, as def would hide the mistake.
func envInt(name string, def int64) int64 {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// dsn returns the database URL, defaulting to the SQLite file in the data
// directory.
func (c *config) dsn() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "steward.db")
}

// baseURL returns the public URL of the site.
func (c *config) baseURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + c.Listen
}

// logger builds the structured logger.
func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", c.LogFormat)
}

// redactDSN hides a password in a database URL before it is printed.
func redactDSN(dsn string) string {
	at := strings.LastIndexByte(dsn, '@')
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	cred := dsn[scheme+3 : at]
	if i := strings.IndexByte(cred, ':'); i >= 0 {
		return dsn[:scheme+3] + cred[:i] + ":***" + dsn[at:]
	}
	return dsn
}
