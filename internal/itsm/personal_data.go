package itsm

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Audit actions of personal data requests (UK GDPR).
const (
	AuditPersonalDataExported = "personal_data_exported"
	AuditPersonErased         = "person_erased"
)

// ErasedName is what an erased person is called everywhere their name was:
// on their account, on the service records they took part in, and in the
// audit entries they made.
const ErasedName = "Erased person"

// ErasedEmailDomain ends the placeholder address an erased account gets
// (erased-<id>@erased.invalid): unique, and never deliverable.
const ErasedEmailDomain = "erased.invalid"

// CanManagePersonalData reports whether the actor may export and erase a
// person's personal data: the programme's administrators and managers, who
// manage every organisation and its people (as CanManageOrgs), and the
// operator's command line.
func (a *Actor) CanManagePersonalData() bool { return a.CanManageOrgs() }

// PersonalData is everything Steward holds about one person, as exported on
// a subject access request. It never holds a password hash, a session token,
// an API token's secret or hash, or a file's bytes.
type PersonalData struct {
	ExportedAt time.Time `json:"exported_at"`
	Person     User      `json:"person"`
	// ErasedAt is set when the person's personal data has been erased.
	ErasedAt       *time.Time              `json:"erased_at"`
	Sessions       []PersonalSession       `json:"sessions"`
	APITokens      []PersonalAPIToken      `json:"api_tokens"`
	CalendarFeed   *PersonalCalendarFeed   `json:"calendar_feed"`
	SignInAttempts []PersonalSignInAttempt `json:"sign_in_attempts"`

	TicketsRequested []PersonalRecord `json:"tickets_requested"`
	TicketsAssigned  []PersonalRecord `json:"tickets_assigned"`
	TicketsWatched   []PersonalRecord `json:"tickets_watched"`
	// TicketEvents are the replies, notes and other history lines the
	// person wrote, with their text.
	TicketEvents      []PersonalRecord `json:"ticket_events"`
	TicketAttachments []PersonalFile   `json:"ticket_attachments"`

	ChangesRequested []PersonalRecord `json:"changes_requested"`
	ChangesAssigned  []PersonalRecord `json:"changes_assigned"`
	ChangeEvents     []PersonalRecord `json:"change_events"`
	// ChangeContributions are estimates, CAB votes, cost entries and frozen
	// specifications the person recorded on changes.
	ChangeContributions []PersonalRecord `json:"change_contributions"`
	ChangeAttachments   []PersonalFile   `json:"change_attachments"`

	Problems         []PersonalRecord `json:"problems_owned"`
	Escalations      []PersonalRecord `json:"escalations"`
	Risks            []PersonalRecord `json:"risks_owned"`
	Issues           []PersonalRecord `json:"issues_owned"`
	RAIDActions      []PersonalRecord `json:"raid_actions_owned"`
	RiskScoreChanges []PersonalRecord `json:"risk_score_changes"`
	ReviewActions    []PersonalRecord `json:"review_actions_owned"`

	Documents             []PersonalRecord `json:"documents_owned"`
	DocumentVersions      []PersonalFile   `json:"document_versions_uploaded"`
	DocumentSubscriptions []PersonalRecord `json:"document_subscriptions"`
	Articles              []PersonalRecord `json:"articles_written"`
	ArticleVotes          []PersonalRecord `json:"article_votes"`

	// IntegrationContacts are the integration register entries that name
	// the person's e-mail address as a contact.
	IntegrationContacts []PersonalRecord `json:"integration_contacts"`
	IntegrationChanges  []PersonalRecord `json:"integration_changes"`
	// EscalationContacts are the provider escalation contacts with the
	// person's e-mail address.
	EscalationContacts []PersonalRecord `json:"escalation_contacts"`
	FreezePeriods      []PersonalRecord `json:"freeze_periods_created"`
	MaintenanceWindows []PersonalRecord `json:"maintenance_windows_created"`

	// AuditEntries are the entries where the person is the actor or the
	// object.
	AuditEntries []*AuditEntry `json:"audit_entries"`
}

// PersonalSession is a signed-in browser session (never its token).
type PersonalSession struct {
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip"`
}

// PersonalAPIToken is an API token (never its secret, prefix or hash).
type PersonalAPIToken struct {
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// PersonalCalendarFeed is the person's iCalendar feed (never its token).
type PersonalCalendarFeed struct {
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// PersonalSignInAttempt is one attempt to sign in with the person's address.
type PersonalSignInAttempt struct {
	At        time.Time `json:"at"`
	IP        string    `json:"ip"`
	Succeeded bool      `json:"succeeded"`
}

// PersonalRecord is one service record the person took part in: its
// reference (INC-000123, RFC-0042, or kind/id), a title, what the person's
// part was or the record's state, and any text they wrote.
type PersonalRecord struct {
	Ref   string    `json:"ref"`
	Title string    `json:"title,omitempty"`
	What  string    `json:"what,omitempty"`
	Text  string    `json:"text,omitempty"`
	At    time.Time `json:"at"`
}

// PersonalFile is a file the person uploaded (never its bytes).
type PersonalFile struct {
	Ref         string    `json:"ref"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	At          time.Time `json:"at"`
}

// Records counts everything in the export, for the audit entry.
func (p *PersonalData) Records() int {
	n := len(p.Sessions) + len(p.APITokens) + len(p.SignInAttempts) + len(p.TicketAttachments) +
		len(p.ChangeAttachments) + len(p.DocumentVersions) + len(p.AuditEntries)
	if p.CalendarFeed != nil {
		n++
	}
	for _, s := range [][]PersonalRecord{p.TicketsRequested, p.TicketsAssigned, p.TicketsWatched, p.TicketEvents,
		p.ChangesRequested, p.ChangesAssigned, p.ChangeEvents, p.ChangeContributions, p.Problems, p.Escalations,
		p.Risks, p.Issues, p.RAIDActions, p.RiskScoreChanges, p.ReviewActions, p.Documents, p.DocumentSubscriptions,
		p.Articles, p.ArticleVotes, p.IntegrationContacts, p.IntegrationChanges, p.EscalationContacts,
		p.FreezePeriods, p.MaintenanceWindows} {
		n += len(s)
	}
	return n
}

// Erasure is a request to erase a person's personal data. ConfirmEmail is
// the person's address typed again by whoever asks, so that the wrong
// person is not erased by a slip; surfaces check it with CheckConfirmation.
type Erasure struct {
	Reason       string
	ConfirmEmail string
}

// MaxErasureReason is the longest reason an erasure records.
const MaxErasureReason = 1000

// Validate checks the reason for erasing person u. The reason stays in the
// audit log after the erasure, so it must not name the person.
func (e *Erasure) Validate(u *User) error {
	e.Reason = strings.TrimSpace(e.Reason)
	var v Validation
	switch {
	case e.Reason == "":
		v.Add("reason", "Enter the reason for erasing this person's personal data, such as the date and reference of their request.")
	case utf8.RuneCountInString(e.Reason) > MaxErasureReason || hasControlText(e.Reason):
		v.Add("reason", "The reason must be 1,000 characters or fewer, without control characters.")
	case u != nil && (containsFold(e.Reason, u.Email) || containsFold(e.Reason, u.Name)):
		v.Add("reason", "Do not put the person's name or email address in the reason: the reason stays in the audit log after the erasure.")
	}
	return v.Err()
}

// Check is Validate and CheckConfirmation together, so that every mistake
// is reported at once.
func (e *Erasure) Check(u *User) error {
	var v Validation
	for _, err := range []error{e.Validate(u), e.CheckConfirmation(u)} {
		for field, msg := range ErrorFields(err) {
			v.Add(field, msg)
		}
	}
	return v.Err()
}

// CheckConfirmation checks that the address typed to confirm an erasure is
// the person's own.
func (e *Erasure) CheckConfirmation(u *User) error {
	var v Validation
	switch c := NormaliseEmail(e.ConfirmEmail); {
	case c == "":
		v.Add("confirm_email", "Enter the person's email address to confirm the erasure.")
	case c != NormaliseEmail(u.Email):
		v.Add("confirm_email", "The email address does not match this person's. Check it and try again.")
	}
	return v.Err()
}

func containsFold(s, sub string) bool {
	sub = strings.TrimSpace(sub)
	return sub != "" && strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// hasControlText reports whether s holds a control character other than a
// tab, carriage return or line feed.
func hasControlText(s string) bool {
	return HasControl(strings.NewReplacer("\n", "", "\r", "", "\t", "").Replace(s))
}

// ErasureCount is how many records of one kind an erasure changed.
type ErasureCount struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// ErasureSummary says what an erasure did.
type ErasureSummary struct {
	UserID int64     `json:"user_id"`
	At     time.Time `json:"erased_at"`
	// AuditEntryID is the person_erased entry that records the erasure.
	AuditEntryID int64 `json:"audit_entry_id"`
	// EntriesDigest is the SHA-256 of the tombstoned entries' IDs, sorted
	// ascending and joined by commas, as the audit entry records it.
	EntriesDigest string         `json:"entries_digest"`
	Counts        []ErasureCount `json:"counts"`
}

// PersonalDataService exports and erases a person's personal data. Only
// CanManagePersonalData actors may: ENOTFOUND for a person the caller cannot
// see, EFORBIDDEN otherwise.
type PersonalDataService interface {
	// PersonalData returns everything held about the person, and audits
	// the export.
	PersonalData(ctx context.Context, userID int64) (*PersonalData, error)
	// ErasePerson anonymises the person's account, removes their sessions,
	// tokens and subscriptions, renames them on service records and
	// tombstones the audit entries about them, in one transaction.
	// EINVALID (no reason, or erasing yourself), ECONFLICT (already erased),
	// EFORBIDDEN, ENOTFOUND.
	ErasePerson(ctx context.Context, userID int64, reason string) (*ErasureSummary, error)
}
