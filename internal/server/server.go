// Package server composes Steward's HTTP surfaces into one handler: the web
// pages for people at /, the JSON API at /api/, Prometheus metrics at
// /metrics, and the health probes, all behind the shared middleware.
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/steward-itsm/steward/internal/api"
	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/web"
)

// MaxBody is the largest web form accepted (1 MiB).
const MaxBody = 1 << 20

// MaxUploadBody is the largest web form that carries a file: the largest
// attachment plus room for the form's other fields.
const MaxUploadBody = itsm.MaxAttachmentSize + 256<<10

// documentFormMargin is the room a document upload form needs beyond its
// file, for its other fields and the multipart framing.
const documentFormMargin = 256 << 10

// Config wires the surfaces.
type Config struct {
	Services itsm.Services
	Logger   *slog.Logger
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	// Ready reports whether the node can serve: the database answers and
	// the job queue runs. /readyz returns 503 while it fails.
	Ready func(ctx context.Context) error
	// SecureCookies marks cookies Secure (set when served over HTTPS).
	SecureCookies bool
	Version       string
	// SecretKey signs cookies; every node must share it.
	SecretKey []byte
	// Now is the clock for pages' relative times (tests freeze it).
	Now func() time.Time
	// MaxDocumentSize is the largest document library file accepted, in
	// bytes; 0 means itsm.DefaultMaxDocumentSize. Give the store the same
	// limit (store.DB.MaxDocumentSize).
	MaxDocumentSize int64
	// PublicStatus opens the status page to visitors who have not signed
	// in (public checks of the shared service only).
	PublicStatus bool
}

// New returns the composed handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	w, err := web.New(web.Config{Services: cfg.Services, Logger: cfg.Logger, SecureCookies: cfg.SecureCookies, Version: cfg.Version, SecretKey: cfg.SecretKey, Now: cfg.Now,
		DeskSettings: cfg.Services.Settings, WhatIf: cfg.Services.WhatIf, PublicStatus: cfg.PublicStatus})
	if err != nil {
		return nil, err
	}
	a, err := api.New(api.Config{Services: cfg.Services, Logger: cfg.Logger, Version: cfg.Version, Now: cfg.Now, MaxDocumentSize: cfg.MaxDocumentSize})
	if err != nil {
		return nil, err
	}
	metrics := httpx.NewMetrics(cfg.Registry)
	mux := http.NewServeMux()
	// The API limits each route's body itself (uploads take more than
	// JSON); web forms get 1 MiB, except the forms that carry files
	// (web.IsUpload).
	mux.Handle("/api/", a.Handler())
	small := httpx.LimitBody(MaxBody, w.TooLarge())(w.Handler())
	large := httpx.LimitBody(MaxUploadBody, w.TooLarge())(w.Handler())
	mux.Handle("/", small)
	mux.Handle("POST /tickets/new", large)
	mux.Handle("POST /tickets/{id}/attachments", large)
	mux.Handle("POST /changes/new", large)
	mux.Handle("POST /changes/{id}/attachments", large)
	// CSV imports of organisations, people and the integration register.
	mux.Handle("POST /import", large)
	// Files of checks (YAML or JSON) for bulk set-up.
	mux.Handle("POST /checks/import", large)
	// A new agreement may carry gov.uk's bank-holidays.json (the form
	// refuses one over itsm.MaxBankHolidaysFile beside the field).
	mux.Handle("POST /agreements/new", large)
	// Document library uploads: the forms that carry a document file.
	maxDoc := cfg.MaxDocumentSize
	if maxDoc <= 0 {
		maxDoc = itsm.DefaultMaxDocumentSize
	}
	documents := httpx.LimitBody(maxDoc+documentFormMargin, w.TooLarge())(w.Handler())
	mux.Handle("POST /documents/new", documents)
	mux.Handle("POST /documents/{id}/versions", documents)
	mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": cfg.Version})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if cfg.Ready != nil {
			if err := cfg.Ready(ctx); err != nil {
				cfg.Logger.Warn("not ready", "err", err)
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	return httpx.Chain(mux,
		httpx.WithRequestID,
		httpx.Observe(cfg.Logger, metrics),
		httpx.SecurityHeaders,
	), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
