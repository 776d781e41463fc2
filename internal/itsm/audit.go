package itsm

import (
	"context"
	"encoding/json"
	"time"
)

// Audit actions. Transitions use "transition:<to>".
const (
	AuditCreate        = "create"
	AuditUpdate        = "update"
	AuditDelete        = "delete"
	AuditSignIn        = "sign_in"
	AuditSignOut       = "sign_out"
	AuditSignInFailed  = "sign_in_failed"
	AuditAccessRefused = "access_refused"
	AuditApprove       = "approve"
	AuditReject        = "reject"
	AuditRevoke        = "revoke"
	AuditPassword      = "password_change"
	// AuditRegistrationDuplicate records a registration for an address that
	// already has an account: nothing is created, the address is e-mailed.
	AuditRegistrationDuplicate = "registration_duplicate"
)

// AuditEntry is one tamper-evident line of the audit log. Hash covers the
// previous entry's hash and this entry's ContentHash, so altering, removing or
// inserting an entry breaks the chain at that entry. ContentHash covers the
// content, so erasing personal data can replace the content with a tombstone
// and keep the chain verifiable.
type AuditEntry struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	ActorID     *int64          `json:"actor_id"`
	ActorName   string          `json:"actor_name"`
	OrgID       *int64          `json:"organisation_id"`
	Action      string          `json:"action"`
	ObjectType  string          `json:"object_type"`
	ObjectID    string          `json:"object_id"`
	Diff        json.RawMessage `json:"diff"`
	IP          string          `json:"ip"`
	RequestID   string          `json:"request_id"`
	ContentHash string          `json:"content_hash"`
	PrevHash    string          `json:"prev_hash"`
	Hash        string          `json:"hash"`
	Tombstoned  bool            `json:"tombstoned"`
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	ID         *int64
	ActorID    *int64
	OrgID      *int64
	Action     *string
	ObjectType *string
	ObjectID   *string
	From, To   *time.Time
	Offset     int
	Limit      int
}

// AuditService reads the audit log; writes happen inside every change.
type AuditService interface {
	// FindAuditEntries returns a page, newest first, scoped to the caller.
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, int, error)
	// FindAuditEntryByID returns ENOTFOUND when absent or not visible.
	FindAuditEntryByID(ctx context.Context, id int64) (*AuditEntry, error)
	// RecordAccessRefused audits a refused access (a 403 or a hidden 404)
	// in its own transaction.
	RecordAccessRefused(ctx context.Context, objectType, objectID, reason string) error
}

// Services bundles every domain service, so the web, API and job surfaces
// take one value and never import the store.
type Services struct {
	Organisations OrganisationService
	Users         UserService
	Auth          AuthService
	Audit         AuditService
	Tickets       TicketService
	Agreements    AgreementService
	Problems      ProblemService
	Escalations   EscalationService
	Attachments   AttachmentService
	Relations     TicketRelations
	Reports       SLAReportService
	Settings      DeskSettingsService
	WhatIf        WhatIfService
	Changes       ChangeService
	// ChangeAttachments are the files of change requests.
	ChangeAttachments ChangeAttachmentService
	// @@CHANGES@@ (keep this marker line; add your entries above it)
	Calendar CalendarService
	// @@CALENDAR@@ (keep this marker line; add your entries above it)
	// Risks is the programme's risk and issue register (RAID).
	Risks RiskService
	// @@RAID@@ (keep this marker line; add your entries above it)
	Documents DocumentService
	Articles  ArticleService
	// @@DOCUMENTS@@ (keep this marker line; add your entries above it)
	Integrations  IntegrationService
	Webhooks      WebhookService
	WebhookOutbox WebhookOutbox
	Exchange      ExchangeService
	// @@INTEGRATIONS@@ (keep this marker line; add your entries above it)
	// Monitor manages checks, maintenance and their figures; Probes is
	// what the check scheduler needs.
	Monitor MonitorService
	Probes  ProbeStore
	// @@MONITOR@@ (keep this marker line; add your entries above it)
	// Reviews are the provider performance reviews and their packs.
	Reviews ReviewService
	// @@REVIEWS@@ (keep this marker line; add your entries above it)
	// @@STATUS@@ (keep this marker line; add your entries above it)
}

// ChainProblem is one place where the audit chain does not verify.
type ChainProblem struct {
	EntryID int64
	Problem string
}

// Job is background work written to the outbox in the same transaction as the
// change that causes it, so the work happens if and only if the change does.
type Job interface {
	// Kind names the job's worker.
	Kind() string
}

// EmailJob sends one e-mail message.
type EmailJob struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
}

// Kind implements Job.
func (EmailJob) Kind() string { return "email" }
