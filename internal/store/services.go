package store

import "github.com/steward-itsm/steward/internal/itsm"

var (
	_ itsm.OrganisationService = (*DB)(nil)
	_ itsm.UserService         = (*DB)(nil)
	_ itsm.AuthService         = (*DB)(nil)
	_ itsm.AuditService        = (*DB)(nil)
	_ itsm.TicketService       = (*DB)(nil)
	_ itsm.AgreementService    = (*DB)(nil)
	_ itsm.ProblemService      = (*DB)(nil)
	_ itsm.EscalationService   = (*DB)(nil)
	_ itsm.AttachmentService   = (*DB)(nil)
	_ itsm.TicketRelations     = (*DB)(nil)
	_ itsm.DeskSettingsService = (*DB)(nil)
	_ itsm.WhatIfService       = (*DB)(nil)
	_ itsm.ChangeService       = (*DB)(nil)
	// @@CHANGES@@ (keep this marker line; add your entries above it)
	_ itsm.CalendarService = (*DB)(nil)
	// @@CALENDAR@@ (keep this marker line; add your entries above it)
	_ itsm.RiskService = (*DB)(nil)
	// @@RAID@@ (keep this marker line; add your entries above it)
	// @@DOCUMENTS@@ (keep this marker line; add your entries above it)
	_ itsm.IntegrationService = (*DB)(nil)
	_ itsm.WebhookService     = (*DB)(nil)
	_ itsm.WebhookOutbox      = (*DB)(nil)
	_ itsm.ExchangeService    = (*DB)(nil)
	// @@INTEGRATIONS@@ (keep this marker line; add your entries above it)
	_ itsm.MonitorService = (*DB)(nil)
	_ itsm.ProbeStore     = (*DB)(nil)
	// @@MONITOR@@ (keep this marker line; add your entries above it)
	_ itsm.ReviewService = (*DB)(nil)
	// @@REVIEWS@@ (keep this marker line; add your entries above it)
	// @@STATUS@@ (keep this marker line; add your entries above it)
)

// Services returns the domain services backed by db.
func (db *DB) Services() itsm.Services {
	return itsm.Services{
		Organisations: db, Users: db, Auth: db, Audit: db, Tickets: db, Agreements: db, Problems: db,
		Escalations: db, Attachments: db, Relations: db, Reports: db, Settings: db, WhatIf: db,
		Changes: db, ChangeAttachments: db,
		// @@CHANGES@@ (keep this marker line; add your entries above it)
		Calendar: db,
		// @@CALENDAR@@ (keep this marker line; add your entries above it)
		Risks: db,
		// @@RAID@@ (keep this marker line; add your entries above it)
		Documents: db, Articles: db,
		// @@DOCUMENTS@@ (keep this marker line; add your entries above it)
		Integrations: db, Webhooks: db, WebhookOutbox: db, Exchange: db,
		// @@INTEGRATIONS@@ (keep this marker line; add your entries above it)
		Monitor: db, Probes: db,
		// @@MONITOR@@ (keep this marker line; add your entries above it)
		Reviews: db,
		// @@REVIEWS@@ (keep this marker line; add your entries above it)
		// @@STATUS@@ (keep this marker line; add your entries above it)
	}
}
