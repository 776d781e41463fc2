// Package web is Steward's server-rendered HTML surface: the staff pages and
// the customer area. It has one route table (routes.go), middleware that
// resolves the caller's session and checks CSRF tokens, one adapter that turns
// a handler's error into a status and a page (errors.go), templates parsed
// once from embed (render.go) and static assets served at content-hashed URLs
// (assets.go).
//
// It calls the domain only through itsm.Services; it never imports the store.
package web

import (
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Config configures the web surface. Services is required; everything else
// has a working default.
type Config struct {
	// Services is the domain. Every page reads and changes data through it.
	Services itsm.Services
	// Logger receives unexpected errors, with the request ID. Defaults to
	// slog.Default().
	Logger *slog.Logger
	// SecureCookies marks every cookie Secure. Set it whenever Steward is
	// served over HTTPS, which is always in production.
	SecureCookies bool
	// Version is shown in the footer.
	Version string
	// SecretKey signs the short-lived flash-message cookie so that nobody
	// else can put words on Steward's pages. Give every node the same key
	// (at least 32 random bytes). When empty a random key is made at
	// start-up: flash messages then do not survive a restart and are lost
	// when the next request lands on another node (the action itself is
	// unaffected).
	SecretKey []byte
	// Now is the clock used for relative times chosen in forms, such as an
	// API token's expiry. Defaults to time.Now; tests pass the store's clock.
	Now func() time.Time
	// TrustedOrigins lists extra origins ("https://steward.example.org")
	// from which forms may be posted, for deployments whose proxy changes
	// the Host header. Same-origin posts never need it.
	TrustedOrigins []string
	// DeskSettings reads and changes the service desk's rules (the
	// priority matrix and the reopen window) for the settings page, which
	// is not found without it.
	DeskSettings DeskSettingsService
	// WhatIf reads the ticket histories the what-if comparison of service
	// agreements replays; the comparison page is not found without it.
	WhatIf itsm.WhatIfService
	// PublicStatus opens the status page (/status and /status.json) to
	// visitors who have not signed in; they see the public checks of the
	// shared service only. Without it they are sent to sign in.
	PublicStatus bool
}

// Server serves the HTML surface. Make one with New.
type Server struct {
	svc     itsm.Services
	log     *slog.Logger
	secure  bool
	version string
	key     []byte
	now     func() time.Time
	pages   map[string]*template.Template
	assets  *assets
	origins *http.CrossOriginProtection
	mux     *http.ServeMux
	handler http.Handler

	desk         DeskSettingsService
	whatIfSvc    itsm.WhatIfService
	publicStatus bool
}

// New checks cfg, parses every template and hashes every static asset; it
// fails rather than start with a broken page.
func New(cfg Config) (*Server, error) {
	svc := cfg.Services
	if svc.Organisations == nil || svc.Users == nil || svc.Auth == nil || svc.Audit == nil {
		return nil, errors.New("web: Config.Services must hold every service")
	}
	s := &Server{
		svc:     svc,
		log:     cfg.Logger,
		secure:  cfg.SecureCookies,
		version: cfg.Version,
		key:     cfg.SecretKey,
		now:     cfg.Now,

		desk:         cfg.DeskSettings,
		whatIfSvc:    cfg.WhatIf,
		publicStatus: cfg.PublicStatus,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if len(s.key) == 0 {
		s.key = make([]byte, 32)
		if _, err := rand.Read(s.key); err != nil {
			return nil, fmt.Errorf("web: make secret key: %w", err)
		}
	}
	var err error
	if s.assets, err = newAssets(staticFS); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.pages, err = parseTemplates(templateFS, s.funcs()); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.origins = http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := s.origins.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("web: trusted origin %q: %w", o, err)
		}
	}
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	s.mux.Handle("GET /static/{hash}/{path...}", http.HandlerFunc(s.serveAsset))
	s.mux.Handle("/", http.HandlerFunc(s.unmatched))
	s.handler = s.withActor(s.mux)
	return s, nil
}

// Handler returns the surface's handler, to mount at "/" behind the request
// ID, logging, security-header and body-limit middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// TooLarge returns the handler that renders the 413 page, for
// httpx.LimitBody to call when a request declares a body over the limit.
func (s *Server) TooLarge() http.Handler {
	return s.withActor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveError(w, r, &http.MaxBytesError{Limit: r.ContentLength})
	}))
}
