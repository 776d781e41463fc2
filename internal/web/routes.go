package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// handlerFunc is a page handler. It returns an error instead of writing one;
// serveError turns it into a status and a page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access says who may reach a route before its handler runs. Finer rules
// (which records, which roles) are the handler's and the store's.
type access int

const (
	// public routes are open to everyone, signed in or not.
	public access = iota
	// signedIn routes send anonymous callers to the sign-in page.
	signedIn
)

type route struct {
	pattern string
	access  access
	handler handlerFunc
}

// routes is the one route table. HTML changes state only with POST, and
// every POST passes the CSRF check in wrap. Who may use each route is noted
// beside it; the handlers enforce it and permissions_test.go checks it.
func (s *Server) routes() []route {
	return []route{
		// Anyone.
		{"GET /sign-in", public, s.signInForm},
		{"POST /sign-in", public, s.signIn},
		{"GET /register", public, s.registerForm},
		{"POST /register", public, s.register},
		{"GET /register/complete", public, s.registerComplete},
		{"GET /accessibility", public, s.accessibility},

		// Everyone signed in.
		{"POST /sign-out", signedIn, s.signOut},
		{"GET /{$}", signedIn, s.home},
		{"GET /account", signedIn, s.account},
		{"GET /account/password", signedIn, s.accountPasswordForm},
		{"POST /account/password", signedIn, s.accountPassword},
		{"GET /account/tokens", signedIn, s.tokenList},
		{"GET /account/tokens/new", signedIn, s.tokenForm},
		{"POST /account/tokens/new", signedIn, s.tokenCreate},
		{"POST /account/tokens/{id}/revoke", signedIn, s.tokenRevoke},

		// Lists: programme staff and auditors. Detail: anyone who can see
		// the organisation. Changes: programme managers and administrators.
		{"GET /organisations", signedIn, s.organisationList},
		{"GET /organisations.csv", signedIn, s.organisationCSV},
		{"GET /organisations/new", signedIn, s.organisationNewForm},
		{"POST /organisations/new", signedIn, s.organisationCreate},
		{"GET /organisations/{id}", signedIn, s.organisationDetail},
		{"GET /organisations/{id}/edit", signedIn, s.organisationEditForm},
		{"POST /organisations/{id}/edit", signedIn, s.organisationUpdate},

		// Lists: staff, auditors and customer admins (their own people).
		// Detail: anyone who can see the person. Changes: whoever manages
		// the person's organisation.
		{"GET /users", signedIn, s.userList},
		{"GET /users.csv", signedIn, s.userCSV},
		{"GET /users/new", signedIn, s.userNewForm},
		{"POST /users/new", signedIn, s.userCreate},
		{"GET /users/{id}", signedIn, s.userDetail},
		{"GET /users/{id}/edit", signedIn, s.userEditForm},
		{"POST /users/{id}/edit", signedIn, s.userUpdate},
		{"GET /users/{id}/password", signedIn, s.userPasswordForm},
		{"POST /users/{id}/password", signedIn, s.userPassword},
		{"GET /users/{id}/personal-data.json", signedIn, s.personalDataDownload},
		{"GET /users/{id}/erase", signedIn, s.eraseForm},
		{"POST /users/{id}/erase", signedIn, s.erase},

		// Programme managers and administrators, and customer admins for
		// their own organisation.
		{"GET /registrations", signedIn, s.registrationList},
		{"POST /registrations/{id}/approve", signedIn, s.registrationApprove},
		{"POST /registrations/{id}/reject", signedIn, s.registrationReject},

		// Whoever may read the audit log (customer admins: their own
		// organisation's entries).
		{"GET /audit", signedIn, s.auditList},
		{"GET /audit.csv", signedIn, s.auditCSV},
		{"GET /audit/{id}", signedIn, s.auditDetail},

		// SERVICE DESK: TICKETS (tickets, customer area, queues, dashboard).
		// Lists: everyone signed in, scoped by the store (staff and
		// auditors every ticket, customers their organisation's, providers
		// those escalated to them). Raising: customers and the service
		// desk. Bulk assignment: the service desk.
		{"GET /tickets", signedIn, s.ticketList},
		{"GET /tickets.csv", signedIn, s.ticketCSV},
		{"GET /tickets.xlsx", signedIn, s.ticketXLSX},
		{"GET /tickets/new", signedIn, s.ticketNewForm},
		{"POST /tickets/new", signedIn, s.ticketCreate},
		{"POST /tickets/bulk-assign", signedIn, s.ticketBulkAssign},
		// A ticket: anyone who can see it; to anyone else it does not
		// exist. Auditors change nothing. Replies, files and watching:
		// anyone who can see it. Internal notes and status: the service
		// desk and the provider it is escalated to. Priority, assignment,
		// provider, others' watching and links: the service desk.
		// Re-opening and disputes: the customer and the service desk.
		{"GET /tickets/ref/{ref}", signedIn, s.ticketByRef},
		{"GET /tickets/{id}", signedIn, s.ticketDetail},
		{"POST /tickets/{id}/comment", signedIn, s.ticketComment},
		{"POST /tickets/{id}/attachments", signedIn, s.ticketUpload},
		{"POST /tickets/{id}/status", signedIn, s.ticketStatus},
		{"POST /tickets/{id}/priority", signedIn, s.ticketPriority},
		{"POST /tickets/{id}/assign", signedIn, s.ticketAssign},
		{"POST /tickets/{id}/provider", signedIn, s.ticketProvider},
		{"POST /tickets/{id}/reopen", signedIn, s.ticketReopen},
		{"POST /tickets/{id}/escalate", signedIn, s.ticketEscalate},
		{"POST /tickets/{id}/watch", signedIn, s.ticketWatch},
		{"POST /tickets/{id}/unwatch", signedIn, s.ticketUnwatch},
		{"POST /tickets/{id}/watchers", signedIn, s.ticketAddWatcher},
		{"POST /tickets/{id}/links", signedIn, s.ticketLink},
		// A ticket's file: anyone who can see it (customers: not internal
		// files); 404 otherwise.
		{"GET /attachments/{id}", signedIn, s.attachmentDownload},

		// SERVICE DESK: MANAGEMENT (problems, escalations, agreements,
		// SLA reports, what-if, settings).

		// Problems. Lists and detail: staff, auditors, and providers (those
		// assigned to them); customers see known errors on their tickets.
		// New problems and incident links: staff. Changes: staff, and the
		// assigned provider for root cause, workaround and status.
		{"GET /problems", signedIn, s.problemList},
		{"GET /problems.csv", signedIn, s.problemCSV},
		{"GET /problems/new", signedIn, s.problemNewForm},
		{"POST /problems/new", signedIn, s.problemCreate},
		{"GET /problems/{id}", signedIn, s.problemDetail},
		{"GET /problems/{id}/edit", signedIn, s.problemEditForm},
		{"POST /problems/{id}/edit", signedIn, s.problemUpdate},
		{"POST /problems/{id}/incidents/link", signedIn, s.problemLink},
		{"POST /problems/{id}/incidents/unlink", signedIn, s.problemUnlink},

		// Escalations. The queue and detail: staff, auditors, and providers
		// (their tickets'). Actions: staff.
		{"GET /escalations", signedIn, s.escalationList},
		{"GET /escalations.csv", signedIn, s.escalationCSV},
		{"GET /escalations/{id}", signedIn, s.escalationDetail},
		{"POST /escalations/{id}/acknowledge", signedIn, s.escalationAcknowledge},
		{"POST /escalations/{id}/raise", signedIn, s.escalationRaise},
		{"POST /escalations/{id}/note", signedIn, s.escalationNote},
		{"POST /escalations/{id}/resolve", signedIn, s.escalationResolve},
		// A provider's escalation contacts: staff, auditors and the provider
		// read them; managers and administrators change them.
		{"GET /organisations/{id}/escalation-contacts", signedIn, s.escalationContacts},
		{"POST /organisations/{id}/escalation-contacts/add", signedIn, s.escalationContactAdd},
		{"POST /organisations/{id}/escalation-contacts/remove", signedIn, s.escalationContactRemove},

		// Service agreements. Everyone signed in reads those that apply to
		// them; managers and administrators add them.
		{"GET /agreements", signedIn, s.agreementList},
		{"GET /agreements.csv", signedIn, s.agreementCSV},
		{"GET /agreements/new", signedIn, s.agreementNewForm},
		{"POST /agreements/new", signedIn, s.agreementCreate},
		{"GET /agreements/{id}", signedIn, s.agreementDetail},

		// SLA reports: everyone signed in (customers their own
		// organisation's, providers the tickets escalated to them).
		{"GET /reports/sla", signedIn, s.slaReport},
		{"GET /reports/sla.csv", signedIn, s.slaReportCSV},
		{"GET /reports/sla.xlsx", signedIn, s.slaReportXLSX},
		// The what-if comparison of agreements: staff and auditors.
		{"GET /sla/what-if", signedIn, s.whatIf},
		// Service desk settings: managers and administrators; auditors read.
		{"GET /settings/service-desk", signedIn, s.deskSettings},
		{"POST /settings/service-desk", signedIn, s.deskSettingsSave},

		// CHANGE MANAGEMENT (RFCs, CCNs and work requests).
		// The portfolio and its exports: everyone signed in, scoped by the
		// store (customers their organisation's changes, providers those
		// assigned to them, staff and auditors every one). Delivery
		// figures: staff, auditors and providers (their own). Raising:
		// customers and the programme team.
		{"GET /changes", signedIn, s.changeList},
		{"GET /changes.csv", signedIn, s.changeCSV},
		{"GET /changes.xlsx", signedIn, s.changeXLSX},
		{"GET /changes/delivery", signedIn, s.changeDelivery},
		{"GET /changes/delivery.csv", signedIn, s.changeDeliveryCSV},
		{"GET /changes/new", signedIn, s.changeNewForm},
		{"POST /changes/new", signedIn, s.changeCreate},
		// A change: anyone who can see it; to anyone else it does not
		// exist. Auditors change nothing. Each action: whoever the
		// lifecycle (itsm.CheckChangeAction) lets take it; the
		// specification: the requester, a customer admin of its
		// organisation and the programme team until it is frozen;
		// estimates, forecasts and costs: the assigned provider and the
		// programme team; CAB votes: the programme team (managers record
		// others'); the budget and freeze overrides: managers; links: the
		// programme team.
		{"GET /changes/{id}", signedIn, s.changeDetail},
		{"GET /changes/{id}/edit", signedIn, s.changeEditForm},
		{"POST /changes/{id}/edit", signedIn, s.changeUpdate},
		{"POST /changes/{id}/transition", signedIn, s.changeTransition},
		{"GET /changes/{id}/schedule", signedIn, s.changeScheduleForm},
		{"POST /changes/{id}/schedule/check", signedIn, s.changeScheduleCheck},
		{"POST /changes/{id}/schedule", signedIn, s.changeSchedule},
		{"POST /changes/{id}/estimates", signedIn, s.changeEstimate},
		{"POST /changes/{id}/votes", signedIn, s.changeVote},
		{"POST /changes/{id}/costs", signedIn, s.changeCost},
		{"POST /changes/{id}/budget", signedIn, s.changeBudget},
		{"POST /changes/{id}/forecast", signedIn, s.changeForecast},
		{"POST /changes/{id}/links", signedIn, s.changeLink},
		{"POST /changes/{id}/unlink", signedIn, s.changeUnlink},
		// A change's files: anyone who can see the change adds and reads
		// them, auditors only read; internal files (not seen by
		// customers): the programme team and the assigned provider. 404
		// to anyone else.
		{"POST /changes/{id}/attachments", signedIn, s.changeUpload},
		{"GET /change-attachments/{id}", signedIn, s.changeAttachmentDownload},
		// A problem's fix becomes an RFC: the programme team.
		{"POST /problems/{id}/raise-change", signedIn, s.problemRaiseChange},

		// @@CHANGES@@ (keep this marker line; add your entries above it)

		// CHANGE CALENDAR. The month and week views: everyone signed in,
		// windows scoped by the store (customers their organisation's
		// changes, providers those assigned to them, staff and auditors
		// all). Freeze periods: everyone signed in reads them; programme
		// managers and administrators add, change and delete them. The
		// feed page: each person their own feed. The feed itself needs no
		// session: its secret address names the person.
		{"GET /calendar", signedIn, s.calendarMonth},
		{"GET /calendar/week", signedIn, s.calendarWeek},
		{"GET /calendar/freezes", signedIn, s.freezeList},
		{"GET /calendar/freezes.csv", signedIn, s.freezeCSV},
		{"GET /calendar/freezes/new", signedIn, s.freezeNewForm},
		{"POST /calendar/freezes/new", signedIn, s.freezeCreate},
		{"GET /calendar/freezes/{id}", signedIn, s.freezeDetail},
		{"GET /calendar/freezes/{id}/edit", signedIn, s.freezeEditForm},
		{"POST /calendar/freezes/{id}/edit", signedIn, s.freezeUpdate},
		{"POST /calendar/freezes/{id}/delete", signedIn, s.freezeDelete},
		{"GET /calendar/feed", signedIn, s.calendarFeed},
		{"POST /calendar/feed", signedIn, s.calendarFeedCreate},
		{"POST /calendar/feed/revoke", signedIn, s.calendarFeedRevoke},
		{"GET /calendar/feed/{file}", public, s.calendarFeedICS},
		// @@CALENDAR@@ (keep this marker line; add your entries above it)

		// RISKS AND ISSUES (the programme's RAID register). Dashboard, lists,
		// exports and detail: staff, auditors, and providers (the risks and
		// issues their people own or that concern them); customers never.
		// Changes: programme staff; a provider marks its own actions done.
		{"GET /raid", signedIn, s.raidDashboard},
		{"GET /risks", signedIn, s.riskList},
		{"GET /risks.csv", signedIn, s.riskCSV},
		{"GET /risks.xlsx", signedIn, s.riskXLSX},
		{"GET /risks/new", signedIn, s.riskNewForm},
		{"POST /risks/new", signedIn, s.riskCreate},
		{"GET /risks/{id}", signedIn, s.riskDetail},
		{"GET /risks/{id}/edit", signedIn, s.riskEditForm},
		{"POST /risks/{id}/edit", signedIn, s.riskUpdate},
		{"POST /risks/{id}/actions", signedIn, s.riskAddAction},
		{"POST /risks/{id}/changes/link", signedIn, s.riskLinkChange},
		{"POST /risks/{id}/changes/unlink", signedIn, s.riskUnlinkChange},
		{"GET /programme-issues", signedIn, s.issueList},
		{"GET /programme-issues.csv", signedIn, s.issueCSV},
		{"GET /programme-issues.xlsx", signedIn, s.issueXLSX},
		{"GET /programme-issues/new", signedIn, s.issueNewForm},
		{"POST /programme-issues/new", signedIn, s.issueCreate},
		{"GET /programme-issues/{id}", signedIn, s.issueDetail},
		{"GET /programme-issues/{id}/edit", signedIn, s.issueEditForm},
		{"POST /programme-issues/{id}/edit", signedIn, s.issueUpdate},
		{"POST /programme-issues/{id}/actions", signedIn, s.issueAddAction},
		{"GET /raid-actions/{id}/edit", signedIn, s.actionEditForm},
		{"POST /raid-actions/{id}/edit", signedIn, s.actionUpdate},
		{"POST /raid-actions/{id}/status", signedIn, s.actionStatus},

		// @@RAID@@ (keep this marker line; add your entries above it)

		// DOCUMENTS AND HELP ARTICLES. Reading: everyone signed in, of what
		// is meant for them (customers: for all customers or naming their
		// organisation; providers: shared with them); anything else does
		// not exist for them. Publishing and changing: the programme team.
		// Subscriptions and "was this helpful": anyone with an account but
		// auditors. Linking articles to tickets: the service desk.
		{"GET /documents", signedIn, s.documentList},
		{"GET /documents.csv", signedIn, s.documentCSV},
		{"POST /documents/subscriptions", signedIn, s.documentSubscribe},
		{"GET /documents/new", signedIn, s.documentNewForm},
		{"POST /documents/new", signedIn, s.documentCreate},
		{"GET /documents/{id}", signedIn, s.documentDetail},
		{"GET /documents/{id}/edit", signedIn, s.documentEditForm},
		{"POST /documents/{id}/edit", signedIn, s.documentUpdate},
		{"POST /documents/{id}/versions", signedIn, s.documentUpload},
		{"GET /document-files/{id}", signedIn, s.documentDownload},
		{"GET /search", signedIn, s.contentSearch},
		{"GET /help-articles", signedIn, s.kbList},
		{"GET /help-articles.csv", signedIn, s.kbCSV},
		{"GET /help-articles/new", signedIn, s.articleNewForm},
		{"POST /help-articles/new", signedIn, s.articleCreate},
		{"GET /help-articles/categories/new", signedIn, s.categoryNewForm},
		{"POST /help-articles/categories/new", signedIn, s.categoryCreate},
		{"GET /help-articles/{id}", signedIn, s.articleDetail},
		{"GET /help-articles/{id}/edit", signedIn, s.articleEditForm},
		{"POST /help-articles/{id}/edit", signedIn, s.articleUpdate},
		{"POST /help-articles/{id}/vote", signedIn, s.articleVote},
		{"POST /help-articles/{id}/tickets/link", signedIn, s.articleLink},
		{"POST /help-articles/{id}/tickets/unlink", signedIn, s.articleUnlink},

		// @@DOCUMENTS@@ (keep this marker line; add your entries above it)

		// INTEGRATION SUPPORT. The register: everyone signed in reads it
		// (customers their own organisation's entries; staff, auditors and
		// providers every one); staff and the organisation's customer
		// administrators change it; whoever may raise the organisation's
		// tickets reports an issue or links a ticket; staff and customer
		// administrators unlink.
		{"GET /integrations", signedIn, s.integrationList},
		{"GET /integrations.csv", signedIn, s.integrationCSV},
		{"GET /integrations/new", signedIn, s.integrationNewForm},
		{"POST /integrations/new", signedIn, s.integrationCreate},
		{"GET /integrations/{id}", signedIn, s.integrationDetail},
		{"GET /integrations/{id}/edit", signedIn, s.integrationEditForm},
		{"POST /integrations/{id}/edit", signedIn, s.integrationUpdate},
		{"GET /integrations/{id}/report-issue", signedIn, s.integrationIssueForm},
		{"POST /integrations/{id}/report-issue", signedIn, s.integrationIssueCreate},
		{"POST /integrations/{id}/tickets/link", signedIn, s.integrationLink},
		{"POST /integrations/{id}/tickets/unlink", signedIn, s.integrationUnlink},
		// Webhooks: administrators and managers (all), customer
		// administrators (their organisation's); auditors read.
		{"GET /webhooks", signedIn, s.webhookList},
		{"GET /webhooks/new", signedIn, s.webhookNewForm},
		{"POST /webhooks/new", signedIn, s.webhookCreate},
		{"GET /webhooks/{id}", signedIn, s.webhookDetail},
		{"GET /webhooks/{id}/edit", signedIn, s.webhookEditForm},
		{"POST /webhooks/{id}/edit", signedIn, s.webhookUpdate},
		{"POST /webhooks/{id}/rotate", signedIn, s.webhookRotate},
		{"POST /webhooks/{id}/delete", signedIn, s.webhookDelete},
		{"GET /webhook-deliveries/{id}", signedIn, s.webhookDelivery},
		{"POST /webhook-deliveries/{id}/redeliver", signedIn, s.webhookRedeliver},
		// CSV exchange: imports by those who manage the records; exports of
		// what the viewer may see.
		{"GET /import", signedIn, s.importForm},
		{"POST /import", signedIn, s.importUpload},
		{"GET /exports/{kind}", signedIn, s.exportCSV},

		// @@INTEGRATIONS@@ (keep this marker line; add your entries above it)
		// MONITORING: CHECKS AND MAINTENANCE. Checks: programme staff and
		// auditors read every one, a provider's people those their
		// organisation operates; managers and administrators add, change,
		// pause, import and delete them; to customers the pages do not
		// exist (they have the status page). Maintenance windows: the same
		// readers; managers and administrators plan and cancel them.
		{"GET /checks", signedIn, s.checkList},
		{"GET /checks.csv", signedIn, s.checkCSV},
		{"GET /checks/new", signedIn, s.checkNewForm},
		{"POST /checks/new", signedIn, s.checkCreate},
		{"GET /checks/import", signedIn, s.checkImportForm},
		{"POST /checks/import", signedIn, s.checkImportUpload},
		{"GET /checks/{id}/edit", signedIn, s.checkEditForm},
		{"POST /checks/{id}/edit", signedIn, s.checkUpdate},
		{"GET /checks/{id}/delete", signedIn, s.checkDeleteForm},
		{"POST /checks/{id}/delete", signedIn, s.checkDelete},
		{"POST /checks/{id}/pause", signedIn, s.checkPause},
		{"POST /checks/{id}/resume", signedIn, s.checkResume},
		{"GET /maintenance", signedIn, s.maintenanceList},
		{"GET /maintenance.csv", signedIn, s.maintenanceCSV},
		{"GET /maintenance/new", signedIn, s.maintenanceNewForm},
		{"POST /maintenance/new", signedIn, s.maintenanceCreate},
		{"POST /maintenance/{id}/delete", signedIn, s.maintenanceDelete},
		// @@MONITOR@@ (keep this marker line; add your entries above it)
		// Provider performance reviews: staff and auditors all, a provider's
		// agents their own provider's (and the actions they own); customers
		// none (404). Managers and administrators plan and change reviews;
		// agents record minutes, attendees and actions.
		{"GET /reviews", signedIn, s.reviewList},
		{"GET /reviews.csv", signedIn, s.reviewCSV},
		{"GET /reviews/new", signedIn, s.reviewNewForm},
		{"POST /reviews/new", signedIn, s.reviewCreate},
		{"GET /reviews/scorecard", signedIn, s.reviewScorecard},
		{"GET /reviews/{id}", signedIn, s.reviewDetail},
		{"GET /reviews/{id}/edit", signedIn, s.reviewEditForm},
		{"POST /reviews/{id}/edit", signedIn, s.reviewUpdate},
		{"POST /reviews/{id}/attendees", signedIn, s.reviewAttendeeAdd},
		{"POST /reviews/{id}/attendees/remove", signedIn, s.reviewAttendeeRemove},
		{"POST /reviews/{id}/actions", signedIn, s.reviewActionAdd},
		{"GET /reviews/{id}/pack", signedIn, s.reviewPack},
		{"GET /reviews/{id}/pack.pdf", signedIn, s.reviewPackPDF},
		{"GET /review-actions/{id}/edit", signedIn, s.reviewActionEditForm},
		{"POST /review-actions/{id}/edit", signedIn, s.reviewActionUpdate},
		// @@REVIEWS@@ (keep this marker line; add your entries above it)
		// SERVICE STATUS AND AVAILABILITY ANALYSIS. The status page and its
		// JSON feed: everyone signed in, the store choosing what (customers
		// the shared service and their own organisation's checks), and
		// anonymous visitors too (public checks only) when Steward runs
		// with --public-status; otherwise they are sent to sign in (the
		// handler decides, as the rule depends on configuration). A
		// check's page: staff, auditors and the provider that operates it;
		// to anyone else it does not exist. Outages and the availability
		// report: staff, auditors and providers (their checks'); customers
		// are refused.
		{"GET /status", public, s.statusPage},
		{"GET /status.json", public, s.statusJSON},
		{"GET /checks/{id}", signedIn, s.checkDetail},
		{"GET /outages", signedIn, s.outageList},
		{"GET /outages.csv", signedIn, s.outageCSV},
		{"GET /monitoring/availability", signedIn, s.availabilityReport},
		{"GET /monitoring/availability.csv", signedIn, s.availabilityCSV},
		{"GET /monitoring/availability.xlsx", signedIn, s.availabilityXLSX},
		// @@STATUS@@ (keep this marker line; add your entries above it)
	}
}

// wrap applies a route's access rule and the CSRF check, then runs its
// handler through the error adapter.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.NoteRoute(r)
		// A form with a file may have spilled to temporary files; the
		// server only removes those of the request it made, not of this
		// copy.
		defer func() {
			if r.MultipartForm != nil {
				_ = r.MultipartForm.RemoveAll()
			}
		}()
		a := itsm.ActorFromContext(r.Context())
		if rt.access == signedIn && !a.SignedIn() {
			s.redirectToSignIn(w, r)
			return
		}
		if !safeMethod(r.Method) {
			if err := s.checkCSRF(r, rt.access == public); err != nil {
				s.serveError(w, r, err)
				return
			}
		}
		if err := rt.handler(w, r); err != nil {
			s.serveError(w, r, err)
		}
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// unmatched answers every request no route took: 405 when the path exists
// for another method, 404 otherwise, both as pages.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" && p != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 && !slices.Contains(allowed, r.Method) {
		if slices.Contains(allowed, http.MethodGet) {
			allowed = append(allowed, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.serveError(w, r, errMethodNotAllowed)
		return
	}
	s.serveError(w, r, errPageNotFound)
}
