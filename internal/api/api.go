// Package api is Steward's JSON REST API and its OpenAPI document.
//
// Every route is in one table (routes). Handlers parse the request, call one
// itsm service and write JSON, or return an error; one adapter (serve)
// authenticates the caller, runs the handler and maps any error to a status
// and the one error shape:
//
//	{"error":{"code":"invalid","message":"A whole sentence.","fields":{"email":"…"}}}
//
// Callers authenticate with an API token (Authorization: Bearer stw_…) and
// nothing else: no cookies are read, so the API has no CSRF surface, and
// identity headers such as X-Remote-User or X-Forwarded-For are ignored.
//
// Records carry a version. A PATCH (and a registration decision, a re-opening
// or an action on an escalation) must send the version it last read in its
// body; a stale one is refused with 409. Responses holding one record send
// it as a weak ETag, W/"<version>".
//
// The API caps the bodies it reads itself, route by route: Config.MaxBody
// for JSON and Config.MaxUpload for file uploads. A server that also caps
// bodies in front of it should allow BodyLimit bytes under /api/.
package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// DefaultMaxBody is the largest request body read when Config.MaxBody is 0.
const DefaultMaxBody = 1 << 20

// DefaultMaxUpload is the largest upload body read when Config.MaxUpload is
// 0: the largest attachment and room for the multipart framing around it.
const DefaultMaxUpload = itsm.MaxAttachmentSize + 64<<10

// Config is what the API needs from the program that serves it.
type Config struct {
	// Services are the domain services; every one must be set.
	Services itsm.Services
	// Logger receives unexpected errors, with the request ID. Nil means
	// slog.Default().
	Logger *slog.Logger
	// Version is Steward's build version, shown as the OpenAPI document's
	// info.version. Empty leaves the document's own version.
	Version string
	// MaxBody caps the request bodies the API reads, in bytes, so that the
	// handler is safe even where no outer limit is applied. 0 means
	// DefaultMaxBody. Larger bodies are refused with 413.
	MaxBody int64
	// MaxUpload caps the body of a file upload (multipart/form-data), in
	// bytes. 0 means DefaultMaxUpload. Larger bodies are refused with 413.
	MaxUpload int64
	// MaxDocumentSize caps a document library file, in bytes; the upload's
	// body may be a little larger for its framing. 0 means
	// itsm.DefaultMaxDocumentSize.
	MaxDocumentSize int64
	// Now is the clock the SLA simulator evaluates at when a request names
	// no instant, and the one that gives the holiday list its default
	// year. Nil means time.Now; pass the store's clock so that the two
	// agree.
	Now func() time.Time
}

// API serves the JSON API. Make one with New.
type API struct {
	svc       itsm.Services
	log       *slog.Logger
	maxBody   int64
	maxUpload int64
	maxDoc    int64
	now       func() time.Time
	mux       *http.ServeMux
	routes    []route
	openapi   []byte // the served OpenAPI document
}

// access says who may call a route.
type access int

const (
	// public routes read no credentials at all (the OpenAPI document).
	public access = iota
	// anonymousOnly routes are for people without an account (self-
	// registration): no token is needed, and a signed-in caller is refused.
	anonymousOnly
	// signedIn routes need a valid token. Routes that touch only the
	// caller's own credentials are signedIn, so that auditors too can
	// manage their tokens and password; the services refuse anything else.
	signedIn
	// changes routes change records: they need a token and refuse
	// read-only callers (auditors) before the service is called.
	changes
)

// route is one line of the route table.
type route struct {
	pattern string // ServeMux pattern with method, e.g. "GET /api/v1/users/{id}"
	object  string // what the route is about, for refused-access audit entries
	access  access
	handle  func(w http.ResponseWriter, r *http.Request) error
}

// New checks cfg and builds the API.
func New(cfg Config) (*API, error) {
	s := cfg.Services
	if s.Organisations == nil || s.Users == nil || s.Auth == nil || s.Audit == nil || s.Tickets == nil || s.Agreements == nil ||
		s.Problems == nil || s.Escalations == nil || s.Attachments == nil || s.Relations == nil {
		return nil, errors.New("api: Config.Services needs every service: Organisations, Users, Auth, Audit, Tickets, Agreements, Problems, Escalations, Attachments and Relations")
	}
	a := &API{svc: s, log: cfg.Logger, maxBody: cfg.MaxBody, maxUpload: cfg.MaxUpload, now: cfg.Now, mux: http.NewServeMux()}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBody
	}
	if a.maxUpload <= 0 {
		a.maxUpload = DefaultMaxUpload
	}
	if a.maxDoc = cfg.MaxDocumentSize; a.maxDoc <= 0 {
		a.maxDoc = itsm.DefaultMaxDocumentSize
	}
	if a.now == nil {
		a.now = time.Now
	}
	doc, err := openAPIDocument(cfg.Version)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	a.openapi = doc
	a.routes = a.routeTable()
	for _, rt := range a.routes {
		a.mux.Handle(rt.pattern, a.serve(rt))
	}
	return a, nil
}

// routeTable is every route the API serves. The OpenAPI document lists
// exactly these; TestOpenAPIMatchesRouteTable keeps the two in step.
func (a *API) routeTable() []route {
	return []route{
		{"GET /api/openapi.json", "openapi", public, a.getOpenAPI},

		{"GET /api/v1/me", "user", signedIn, a.getMe},

		{"GET /api/v1/organisations", "organisation", signedIn, a.listOrganisations},
		{"POST /api/v1/organisations", "organisation", changes, a.createOrganisation},
		{"GET /api/v1/organisations/{id}", "organisation", signedIn, a.getOrganisation},
		{"PATCH /api/v1/organisations/{id}", "organisation", changes, a.updateOrganisation},

		{"GET /api/v1/users", "user", signedIn, a.listUsers},
		{"POST /api/v1/users", "user", changes, a.createUser},
		{"GET /api/v1/users/{id}", "user", signedIn, a.getUser},
		{"PATCH /api/v1/users/{id}", "user", changes, a.updateUser},
		{"PUT /api/v1/users/{id}/password", "user", signedIn, a.setPassword},
		{"GET /api/v1/users/{id}/personal-data", "user", signedIn, a.getPersonalData},
		{"POST /api/v1/users/{id}/erase", "user", changes, a.erasePerson},

		{"GET /api/v1/registrations", "registration", signedIn, a.listRegistrations},
		{"POST /api/v1/registrations", "registration", anonymousOnly, a.register},
		{"POST /api/v1/registrations/{id}/approve", "registration", changes, a.approveRegistration},
		{"POST /api/v1/registrations/{id}/reject", "registration", changes, a.rejectRegistration},

		{"GET /api/v1/tokens", "api_token", signedIn, a.listTokens},
		{"POST /api/v1/tokens", "api_token", signedIn, a.createToken},
		{"DELETE /api/v1/tokens/{id}", "api_token", signedIn, a.revokeToken},

		{"GET /api/v1/audit", "audit_entry", signedIn, a.listAudit},
		{"GET /api/v1/audit/{id}", "audit_entry", signedIn, a.getAudit},

		{"GET /api/v1/tickets", "ticket", signedIn, a.listTickets},
		{"POST /api/v1/tickets", "ticket", changes, a.createTicket},
		{"GET /api/v1/tickets/{id}", "ticket", signedIn, a.getTicket},
		{"PATCH /api/v1/tickets/{id}", "ticket", changes, a.updateTicket},
		{"POST /api/v1/tickets/{id}/reopen", "ticket", changes, a.reopenTicket},
		{"GET /api/v1/tickets/{id}/events", "ticket", signedIn, a.listTicketEvents},
		{"POST /api/v1/tickets/{id}/comments", "ticket", changes, a.addComment},
		{"GET /api/v1/tickets/{id}/sla", "ticket", signedIn, a.getTicketSLA},
		{"GET /api/v1/tickets/{id}/attachments", "attachment", signedIn, a.listAttachments},
		{"POST /api/v1/tickets/{id}/attachments", "attachment", changes, a.addAttachment},
		{"GET /api/v1/attachments/{id}", "attachment", signedIn, a.downloadAttachment},
		{"GET /api/v1/tickets/{id}/watchers", "ticket", signedIn, a.listWatchers},
		{"POST /api/v1/tickets/{id}/watchers", "ticket", changes, a.addWatcher},
		{"DELETE /api/v1/tickets/{id}/watchers/{user_id}", "ticket", changes, a.removeWatcher},
		{"GET /api/v1/tickets/{id}/links", "ticket", signedIn, a.listLinks},
		{"POST /api/v1/tickets/{id}/links", "ticket", changes, a.addLink},
		{"GET /api/v1/tickets/{id}/problems", "problem", signedIn, a.listTicketProblems},
		{"POST /api/v1/tickets/{id}/escalate", "escalation", changes, a.escalate},

		{"GET /api/v1/problems", "problem", signedIn, a.listProblems},
		{"POST /api/v1/problems", "problem", changes, a.createProblem},
		{"GET /api/v1/problems/{id}", "problem", signedIn, a.getProblem},
		{"PATCH /api/v1/problems/{id}", "problem", changes, a.updateProblem},
		{"GET /api/v1/problems/{id}/incidents", "problem", signedIn, a.listIncidents},
		{"POST /api/v1/problems/{id}/incidents", "problem", changes, a.linkIncident},
		{"DELETE /api/v1/problems/{id}/incidents/{ticket_id}", "problem", changes, a.unlinkIncident},

		{"GET /api/v1/escalations", "escalation", signedIn, a.listEscalations},
		{"GET /api/v1/escalations/{id}", "escalation", signedIn, a.getEscalation},
		{"GET /api/v1/escalations/{id}/history", "escalation", signedIn, a.escalationHistory},
		{"POST /api/v1/escalations/{id}/actions", "escalation", changes, a.actOnEscalation},
		{"GET /api/v1/organisations/{id}/escalation-contacts", "escalation_contact", signedIn, a.listEscalationContacts},
		{"POST /api/v1/organisations/{id}/escalation-contacts", "escalation_contact", changes, a.addEscalationContact},
		{"DELETE /api/v1/escalation-contacts/{id}", "escalation_contact", changes, a.removeEscalationContact},

		{"GET /api/v1/agreements", "service_agreement", signedIn, a.listAgreements},
		{"POST /api/v1/agreements", "service_agreement", changes, a.createAgreement},
		{"GET /api/v1/agreements/{id}", "service_agreement", signedIn, a.getAgreement},

		{"POST /api/v1/sla/simulate", "sla_simulation", signedIn, a.simulateSLA},
		{"GET /api/v1/holidays", "holidays", public, a.listHolidays},
		{"GET /api/v1/reports/sla", "sla_report", signedIn, a.getSLAReport},

		{"GET /api/v1/changes", "change", signedIn, a.listChanges},
		{"POST /api/v1/changes", "change", changes, a.createChange},
		{"GET /api/v1/change-rules", "change", signedIn, a.getChangeRules},
		{"GET /api/v1/changes/{id}", "change", signedIn, a.getChange},
		{"PATCH /api/v1/changes/{id}", "change", changes, a.updateChange},
		{"POST /api/v1/changes/{id}/transitions", "change", changes, a.transitionChange},
		{"POST /api/v1/changes/{id}/schedule", "change", changes, a.scheduleChange},
		{"POST /api/v1/changes/{id}/schedule/check", "change", changes, a.checkChangeSchedule},
		{"GET /api/v1/changes/{id}/estimates", "change", signedIn, a.listChangeEstimates},
		{"POST /api/v1/changes/{id}/estimates", "change", changes, a.addChangeEstimate},
		{"GET /api/v1/changes/{id}/votes", "change", signedIn, a.listChangeVotes},
		{"POST /api/v1/changes/{id}/votes", "change", changes, a.recordChangeVote},
		{"GET /api/v1/changes/{id}/costs", "change", signedIn, a.listChangeCosts},
		{"POST /api/v1/changes/{id}/costs", "change", changes, a.addChangeCost},
		{"PUT /api/v1/changes/{id}/budget", "change", changes, a.setChangeBudget},
		{"PUT /api/v1/changes/{id}/forecast", "change", changes, a.setChangeForecast},
		{"GET /api/v1/changes/{id}/spec-versions", "change", signedIn, a.listChangeSpecVersions},
		{"GET /api/v1/changes/{id}/history", "change", signedIn, a.listChangeHistory},
		{"GET /api/v1/changes/{id}/tickets", "change", signedIn, a.listChangeTickets},
		{"POST /api/v1/changes/{id}/tickets", "change", changes, a.linkChangeTicket},
		{"DELETE /api/v1/changes/{id}/tickets/{ticket_id}", "change", changes, a.unlinkChangeTicket},
		{"GET /api/v1/changes/{id}/problems", "change", signedIn, a.listChangeProblems},
		{"POST /api/v1/changes/{id}/problems", "change", changes, a.linkChangeProblem},
		{"DELETE /api/v1/changes/{id}/problems/{problem_id}", "change", changes, a.unlinkChangeProblem},
		{"POST /api/v1/problems/{id}/changes", "change", changes, a.raiseChangeFromProblem},
		{"GET /api/v1/providers/{id}/delivery-score", "change", signedIn, a.getDeliveryScore},
		{"GET /api/v1/changes/{id}/attachments", "change_attachment", signedIn, a.listChangeAttachments},
		{"POST /api/v1/changes/{id}/attachments", "change_attachment", changes, a.addChangeAttachment},
		{"GET /api/v1/change-attachments/{id}", "change_attachment", signedIn, a.downloadChangeAttachment},
		// @@CHANGES@@ (keep this marker line; add your entries above it)

		{"GET /api/v1/freezes", "freeze_period", signedIn, a.listFreezes},
		{"POST /api/v1/freezes", "freeze_period", changes, a.createFreeze},
		{"GET /api/v1/freezes/{id}", "freeze_period", signedIn, a.getFreeze},
		{"PATCH /api/v1/freezes/{id}", "freeze_period", changes, a.updateFreeze},
		{"DELETE /api/v1/freezes/{id}", "freeze_period", changes, a.deleteFreeze},
		{"GET /api/v1/calendar", "calendar", signedIn, a.getCalendar},
		{"POST /api/v1/calendar/check", "calendar", signedIn, a.checkWindow},
		// @@CALENDAR@@ (keep this marker line; add your entries above it)

		{"GET /api/v1/risks", "risk", signedIn, a.listRisks},
		{"POST /api/v1/risks", "risk", changes, a.createRisk},
		{"GET /api/v1/risk-heatmap", "risk", signedIn, a.riskHeatMap},
		{"GET /api/v1/risks/{id}", "risk", signedIn, a.getRisk},
		{"PATCH /api/v1/risks/{id}", "risk", changes, a.updateRisk},
		{"GET /api/v1/risks/{id}/history", "risk", signedIn, a.riskHistory},
		{"GET /api/v1/risks/{id}/actions", "raid_action", signedIn, a.listRiskActions},
		{"POST /api/v1/risks/{id}/actions", "raid_action", changes, a.addRiskAction},
		{"GET /api/v1/risks/{id}/changes", "risk", signedIn, a.listRiskChanges},
		{"POST /api/v1/risks/{id}/changes", "risk", changes, a.linkRiskChange},
		{"DELETE /api/v1/risks/{id}/changes/{change_id}", "risk", changes, a.unlinkRiskChange},
		{"GET /api/v1/programme-issues", "programme_issue", signedIn, a.listIssues},
		{"POST /api/v1/programme-issues", "programme_issue", changes, a.createIssue},
		{"GET /api/v1/programme-issues/{id}", "programme_issue", signedIn, a.getIssue},
		{"PATCH /api/v1/programme-issues/{id}", "programme_issue", changes, a.updateIssue},
		{"GET /api/v1/programme-issues/{id}/actions", "raid_action", signedIn, a.listIssueActions},
		{"POST /api/v1/programme-issues/{id}/actions", "raid_action", changes, a.addIssueAction},
		{"GET /api/v1/raid-actions", "raid_action", signedIn, a.listActions},
		{"GET /api/v1/raid-actions/{id}", "raid_action", signedIn, a.getAction},
		{"PATCH /api/v1/raid-actions/{id}", "raid_action", changes, a.updateAction},

		// @@RAID@@ (keep this marker line; add your entries above it)

		{"GET /api/v1/documents", "document", signedIn, a.listDocuments},
		{"POST /api/v1/documents", "document", changes, a.createDocument},
		{"GET /api/v1/documents/{id}", "document", signedIn, a.getDocument},
		{"PATCH /api/v1/documents/{id}", "document", changes, a.updateDocument},
		{"GET /api/v1/documents/{id}/versions", "document", signedIn, a.listDocumentVersions},
		{"POST /api/v1/documents/{id}/versions", "document", changes, a.uploadDocumentVersion},
		{"GET /api/v1/document-versions/{id}/content", "document_version", signedIn, a.downloadDocumentVersion},
		{"GET /api/v1/document-subscriptions", "document_subscription", signedIn, a.listSubscriptions},
		{"POST /api/v1/document-subscriptions", "document_subscription", changes, a.subscribe},
		{"DELETE /api/v1/document-subscriptions/{type}", "document_subscription", changes, a.unsubscribe},
		{"GET /api/v1/search", "content", signedIn, a.searchContent},
		{"GET /api/v1/articles", "article", signedIn, a.listArticles},
		{"POST /api/v1/articles", "article", changes, a.createArticle},
		{"GET /api/v1/articles/{id}", "article", signedIn, a.getArticle},
		{"PATCH /api/v1/articles/{id}", "article", changes, a.updateArticle},
		{"PUT /api/v1/articles/{id}/vote", "article", changes, a.voteArticle},
		{"GET /api/v1/articles/{id}/tickets", "article", signedIn, a.listArticleTickets},
		{"POST /api/v1/articles/{id}/tickets", "article", changes, a.linkArticleTicket},
		{"DELETE /api/v1/articles/{id}/tickets/{ticket_id}", "article", changes, a.unlinkArticleTicket},
		{"GET /api/v1/article-categories", "article_category", signedIn, a.listArticleCategories},
		{"POST /api/v1/article-categories", "article_category", changes, a.createArticleCategory},
		{"GET /api/v1/article-suggestions", "article", signedIn, a.suggestArticles},

		// @@DOCUMENTS@@ (keep this marker line; add your entries above it)

		{"GET /api/v1/integrations", "integration", signedIn, a.listIntegrations},
		{"POST /api/v1/integrations", "integration", changes, a.createIntegration},
		{"GET /api/v1/integrations/{id}", "integration", signedIn, a.getIntegration},
		{"PATCH /api/v1/integrations/{id}", "integration", changes, a.updateIntegration},
		{"GET /api/v1/integrations/{id}/history", "integration", signedIn, a.integrationHistory},
		{"GET /api/v1/integrations/{id}/tickets", "integration", signedIn, a.listIntegrationTickets},
		{"POST /api/v1/integrations/{id}/tickets", "integration", changes, a.linkIntegrationTicket},
		{"DELETE /api/v1/integrations/{id}/tickets/{ticket_id}", "integration", changes, a.unlinkIntegrationTicket},
		{"GET /api/v1/tickets/{id}/integrations", "integration", signedIn, a.listTicketIntegrations},
		{"GET /api/v1/webhooks", "webhook_subscription", signedIn, a.listWebhooks},
		{"POST /api/v1/webhooks", "webhook_subscription", changes, a.createWebhook},
		{"GET /api/v1/webhooks/{id}", "webhook_subscription", signedIn, a.getWebhook},
		{"PATCH /api/v1/webhooks/{id}", "webhook_subscription", changes, a.updateWebhook},
		{"DELETE /api/v1/webhooks/{id}", "webhook_subscription", changes, a.deleteWebhook},
		{"POST /api/v1/webhooks/{id}/rotate-secret", "webhook_subscription", changes, a.rotateWebhookSecret},
		{"GET /api/v1/webhooks/{id}/deliveries", "webhook_subscription", signedIn, a.listWebhookDeliveries},
		{"GET /api/v1/webhook-deliveries/{id}", "webhook_delivery", signedIn, a.getWebhookDelivery},
		{"POST /api/v1/webhook-deliveries/{id}/redeliver", "webhook_delivery", changes, a.redeliverWebhook},
		{"POST /api/v1/imports/{kind}", "csv_import", changes, a.importCSV},
		{"GET /api/v1/exports/{kind}", "csv_export", signedIn, a.exportCSV},

		// @@INTEGRATIONS@@ (keep this marker line; add your entries above it)
		{"GET /api/v1/checks", "check", signedIn, a.listChecks},
		{"POST /api/v1/checks", "check", changes, a.createCheck},
		{"POST /api/v1/checks/import", "check", changes, a.importChecks},
		{"GET /api/v1/checks/{id}", "check", signedIn, a.getCheck},
		{"PUT /api/v1/checks/{id}", "check", changes, a.replaceCheck},
		{"DELETE /api/v1/checks/{id}", "check", changes, a.deleteCheck},
		{"GET /api/v1/maintenance", "maintenance", signedIn, a.listMaintenance},
		{"POST /api/v1/maintenance", "maintenance", changes, a.createMaintenance},
		{"DELETE /api/v1/maintenance/{id}", "maintenance", changes, a.deleteMaintenance},
		// @@MONITOR@@ (keep this marker line; add your entries above it)
		{"GET /api/v1/reviews", "review", signedIn, a.listReviews},
		{"POST /api/v1/reviews", "review", changes, a.createReview},
		{"GET /api/v1/reviews/{id}", "review", signedIn, a.getReview},
		{"PATCH /api/v1/reviews/{id}", "review", changes, a.updateReview},
		{"GET /api/v1/reviews/{id}/pack", "review", signedIn, a.reviewPack},
		{"GET /api/v1/reviews/{id}/actions", "review_action", signedIn, a.listReviewActions},
		{"POST /api/v1/reviews/{id}/actions", "review_action", changes, a.createReviewAction},
		{"GET /api/v1/review-actions/{id}", "review_action", signedIn, a.getReviewAction},
		{"PATCH /api/v1/review-actions/{id}", "review_action", changes, a.updateReviewAction},
		// @@REVIEWS@@ (keep this marker line; add your entries above it)
		{"GET /api/v1/status", "status_page", signedIn, a.getStatusPage},
		{"GET /api/v1/checks/{id}/stats", "check", signedIn, a.checkStats},
		{"GET /api/v1/checks/{id}/series", "check", signedIn, a.checkSeries},
		{"GET /api/v1/outages", "outage", signedIn, a.listOutages},
		{"GET /api/v1/availability", "availability", signedIn, a.getAvailability},
		// @@STATUS@@ (keep this marker line; add your entries above it)
	}
}

// BodyLimit is the largest request body any route reads: what a server
// that caps bodies in front of the API must let through under /api/. The
// API applies the tighter limit of each route itself.
func (a *API) BodyLimit() int64 { return max(a.maxBody, a.maxUpload) }

// Handler returns the API's handler, to be mounted at "/api/" of the
// top-level mux behind the shared middleware.
func (a *API) Handler() http.Handler { return a }

// ServeHTTP routes the request, answering unknown paths with 404 and known
// paths with the wrong method with 405 and Allow, both in the error shape.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// ServeMux would answer an unclean path (//, /./, /../) with an HTML
	// redirect; the API has no such addresses.
	clean := isClean(r.URL.Path)
	if _, pattern := a.mux.Handler(r); pattern != "" && clean {
		a.mux.ServeHTTP(w, r)
		return
	}
	if allow := a.allowed(r); len(allow) > 0 && clean {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		a.fail(w, r, "", &itsm.Error{Code: codeMethodNotAllowed,
			Message: fmt.Sprintf("This resource does not accept %s; it accepts %s.", r.Method, strings.Join(allow, ", "))})
		return
	}
	a.fail(w, r, "", itsm.Errorf(itsm.ENOTFOUND, "There is no API resource at this address. See /api/openapi.json for the ones there are."))
}

// isClean reports whether p is already in the form ServeMux routes.
func isClean(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// allowed returns the methods the route table serves at r's path.
func (a *API) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := &http.Request{Method: m, Host: r.Host, URL: &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath}}
		if _, pattern := a.mux.Handler(probe); pattern != "" {
			out = append(out, m)
		}
	}
	return out
}

// serve is the one adapter every route runs through: it resolves the
// caller, enforces the route's access, runs the handler and turns its error
// into a response.
func (a *API) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.NoteRoute(r)
		if rt.access == public {
			if err := rt.handle(w, r); err != nil {
				a.fail(w, r, rt.object, err)
			}
			return
		}
		actor, err := a.authenticate(r)
		r = r.WithContext(itsm.NewContextWithActor(r.Context(), actor))
		if err == nil {
			err = a.authorise(rt, actor)
		}
		if err == nil {
			err = rt.handle(w, r)
		}
		if err != nil {
			a.fail(w, r, rt.object, err)
		}
	})
}

// authorise applies the route's access rule before the handler runs; the
// services apply the finer rules (which organisation, which role).
func (a *API) authorise(rt route, actor *itsm.Actor) error {
	switch rt.access {
	case anonymousOnly:
		if actor.SignedIn() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Registration is for people without an account. To add someone, create a user with POST /api/v1/users.")
		}
	case signedIn, changes:
		if !actor.SignedIn() {
			return errNoToken
		}
		if rt.access == changes && actor.ReadOnly() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Auditors can read everything but change nothing.")
		}
	}
	return nil
}

var errNoToken = itsm.Errorf(itsm.EUNAUTHORIZED, "Send an API token in the Authorization header: Authorization: Bearer <token>.")

// authenticate resolves the bearer token, if any, to an actor carrying the
// caller's address and request ID. Without a token the caller is anonymous;
// a token that is sent but not valid is an error, never a silent downgrade.
func (a *API) authenticate(r *http.Request) (*itsm.Actor, error) {
	ip, reqID := httpx.ClientIP(r), httpx.RequestID(r.Context())
	anon := itsm.Anonymous(ip)
	anon.RequestID = reqID
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return anon, nil
	}
	scheme, secret, ok := strings.Cut(values[0], " ")
	secret = strings.TrimSpace(secret)
	if len(values) > 1 || !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return anon, errNoToken
	}
	actor, err := a.svc.Auth.TokenActor(itsm.NewContextWithActor(r.Context(), anon), secret)
	if err != nil {
		return anon, err
	}
	actor.IP, actor.RequestID = ip, reqID
	return actor, nil
}
