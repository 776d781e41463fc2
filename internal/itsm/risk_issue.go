package itsm

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// IssueSeverity is how serious a programme issue is.
type IssueSeverity string

// Issue severities, most serious first.
const (
	SeverityCritical IssueSeverity = "critical"
	SeverityHigh     IssueSeverity = "high"
	SeverityMedium   IssueSeverity = "medium"
	SeverityLow      IssueSeverity = "low"
)

// IssueSeverities lists the severities, most serious first.
var IssueSeverities = []IssueSeverity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow}

// Valid reports whether s is a known severity.
func (s IssueSeverity) Valid() bool { return raidOneOf(s, IssueSeverities) }

// SeverityForScore is the severity of the issue raised when a risk with
// the score occurs: critical from 20, high from 15, medium from 5, low
// below.
func SeverityForScore(score int) IssueSeverity {
	switch {
	case score >= 20:
		return SeverityCritical
	case score >= 15:
		return SeverityHigh
	case score >= 5:
		return SeverityMedium
	}
	return SeverityLow
}

// IssueStatus is where a programme issue stands.
type IssueStatus string

// Issue statuses.
const (
	IssueOpen       IssueStatus = "open"
	IssueInProgress IssueStatus = "in_progress"
	IssueResolved   IssueStatus = "resolved"
	IssueClosed     IssueStatus = "closed"
)

// IssueStatuses lists the statuses in order.
var IssueStatuses = []IssueStatus{IssueOpen, IssueInProgress, IssueResolved, IssueClosed}

// Valid reports whether s is a known status.
func (s IssueStatus) Valid() bool { return raidOneOf(s, IssueStatuses) }

// ProgrammeIssue is something that has happened and needs managing: a risk
// that occurred, or a problem raised directly.
type ProgrammeIssue struct {
	ID          int64         `json:"id"`
	Ref         string        `json:"ref"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Severity    IssueSeverity `json:"severity"`
	OwnerID     *int64        `json:"owner_id"`
	Owner       string        `json:"owner_name"`
	OwnerOrgID  *int64        `json:"-"`
	Status      IssueStatus   `json:"status"`
	// RiskID is the risk the issue was raised from, if any.
	RiskID         *int64    `json:"risk_id"`
	RiskRef        string    `json:"risk_ref"`
	ProviderID     *int64    `json:"provider_id"`
	Provider       string    `json:"provider_name"`
	OpenActions    int       `json:"open_actions"`
	OverdueActions int       `json:"overdue_actions"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Version        int64     `json:"version"`
}

// IssueRef formats a programme issue reference.
func IssueRef(n int64) string { return fmt.Sprintf("ISS-%03d", n) }

// Validate checks an issue's fields.
func (i *ProgrammeIssue) Validate() error {
	var v Validation
	i.Title = strings.TrimSpace(i.Title)
	v.Check(i.Title != "", "title", "Enter a short summary of the issue.")
	v.Check(utf8.RuneCountInString(i.Title) <= 200 && !HasControl(i.Title), "title", "The summary must be 200 characters or fewer, without control characters.")
	v.Check(len(i.Description) <= 20000, "description", "Use 20,000 characters or fewer.")
	v.Check(i.Severity.Valid(), "severity", "Choose critical, high, medium or low.")
	if i.Status == "" {
		i.Status = IssueOpen
	}
	v.Check(i.Status.Valid(), "status", "Choose open, in progress, resolved or closed.")
	return v.Err()
}

// IssueFilter selects programme issues.
type IssueFilter struct {
	Status     *IssueStatus
	Severity   *IssueSeverity
	OwnerID    *int64
	ProviderID *int64
	RiskID     *int64
	Overdue    *bool // any open action overdue
	Offset     int
	Limit      int
}

// IssueUpdate is a partial change of an issue.
type IssueUpdate struct {
	Title       *string
	Description *string
	Severity    *IssueSeverity
	OwnerID     *int64 // 0 clears
	Status      *IssueStatus
	ProviderID  *int64 // 0 clears
	Version     int64
}

// ActionStatus is where a mitigating action stands.
type ActionStatus string

// Action statuses.
const (
	ActionOpen      ActionStatus = "open"
	ActionDone      ActionStatus = "done"
	ActionCancelled ActionStatus = "cancelled"
)

// ActionStatuses lists the statuses in order.
var ActionStatuses = []ActionStatus{ActionOpen, ActionDone, ActionCancelled}

// Valid reports whether s is a known status.
func (s ActionStatus) Valid() bool { return raidOneOf(s, ActionStatuses) }

// Parents of actions.
const (
	ActionOnRisk  = "risk"
	ActionOnIssue = "issue"
)

// RAIDAction is a mitigating action on a risk or a programme issue.
type RAIDAction struct {
	ID          int64        `json:"id"`
	ParentType  string       `json:"parent_type"`
	ParentID    int64        `json:"parent_id"`
	ParentRef   string       `json:"parent_ref"`
	ParentTitle string       `json:"parent_title"`
	Description string       `json:"description"`
	OwnerID     *int64       `json:"owner_id"`
	Owner       string       `json:"owner_name"`
	DueDate     time.Time    `json:"due_date"`
	Status      ActionStatus `json:"status"`
	Overdue     bool         `json:"overdue"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Version     int64        `json:"version"`
}

// Validate checks an action's fields; raised is when its risk or issue
// was raised, which the due date may not precede.
func (a *RAIDAction) Validate(raised time.Time) error {
	var v Validation
	a.Description = strings.TrimSpace(a.Description)
	v.Check(a.Description != "", "description", "Describe the action.")
	v.Check(utf8.RuneCountInString(a.Description) <= 2000, "description", "Describe the action in 2,000 characters or fewer.")
	if a.Status == "" {
		a.Status = ActionOpen
	}
	v.Check(a.Status.Valid(), "status", "Choose open, done or cancelled.")
	if a.DueDate.IsZero() {
		v.Add("due_date", "Enter the date the action is due.")
	} else {
		a.DueDate = RAIDDate(a.DueDate)
		v.Check(!a.DueDate.Before(RAIDDate(raised)), "due_date", "The due date must not be before the date the "+actionParentNoun(a.ParentType)+" was raised.")
		v.Check(a.DueDate.Year() <= 2100, "due_date", "Enter a due date before 2100.")
	}
	return v.Err()
}

func actionParentNoun(t string) string {
	if t == ActionOnIssue {
		return "issue"
	}
	return "risk"
}

// ActionFilter selects actions.
type ActionFilter struct {
	ParentType string // "" for both
	ParentID   *int64
	OwnerID    *int64
	Status     *ActionStatus
	Overdue    *bool
	Offset     int
	Limit      int
}

// ActionUpdate is a partial change of an action.
type ActionUpdate struct {
	Description *string
	OwnerID     *int64 // 0 clears
	DueDate     *time.Time
	Status      *ActionStatus
	Version     int64
}

// LinkedChange is a change request linked to a risk, as the risk shows it.
type LinkedChange struct {
	ID     int64  `json:"id"`
	Ref    string `json:"ref"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

// RAIDSummary is the register's dashboard: counts of what needs attention.
type RAIDSummary struct {
	LiveRisks      int `json:"live_risks"`
	RedRisks       int `json:"red_risks"`
	OverdueReviews int `json:"overdue_reviews"`
	OpenIssues     int `json:"open_issues"`
	OverdueActions int `json:"overdue_actions"`
}

// RiskService manages the programme's risk and issue register. Programme
// staff manage everything; auditors read everything; a provider reads the
// risks and issues its people own or that concern it, and records progress
// on the actions its people own; customers see nothing (ENOTFOUND by ID,
// EFORBIDDEN for lists). Changes return EINVALID for bad input, ECONFLICT
// for a stale version, EFORBIDDEN when the caller may not change it.
type RiskService interface {
	CreateRisk(ctx context.Context, r *Risk) error
	FindRiskByID(ctx context.Context, id int64) (*Risk, error)
	FindRisks(ctx context.Context, f RiskFilter) ([]*Risk, int, error)
	// UpdateRisk records any change of likelihood or impact in the score
	// history; setting the status to occurred raises a programme issue.
	UpdateRisk(ctx context.Context, id int64, upd RiskUpdate) (*Risk, error)
	// RiskHistory lists a risk's score changes, newest first.
	RiskHistory(ctx context.Context, riskID int64) ([]*ScoreChange, error)
	// RiskHeatMap counts the risks matching f (its likelihood, impact,
	// sort and paging are ignored) by likelihood and impact.
	RiskHeatMap(ctx context.Context, f RiskFilter) (*HeatMap, error)
	// RAIDSummary counts what needs attention, as the caller sees it.
	RAIDSummary(ctx context.Context) (*RAIDSummary, error)

	CreateIssue(ctx context.Context, i *ProgrammeIssue) error
	FindIssueByID(ctx context.Context, id int64) (*ProgrammeIssue, error)
	FindIssues(ctx context.Context, f IssueFilter) ([]*ProgrammeIssue, int, error)
	UpdateIssue(ctx context.Context, id int64, upd IssueUpdate) (*ProgrammeIssue, error)

	// AddAction adds an action to the risk or issue named by its
	// ParentType and ParentID.
	AddAction(ctx context.Context, a *RAIDAction) error
	FindActionByID(ctx context.Context, id int64) (*RAIDAction, error)
	// FindActions lists actions, soonest due first.
	FindActions(ctx context.Context, f ActionFilter) ([]*RAIDAction, int, error)
	UpdateAction(ctx context.Context, id int64, upd ActionUpdate) (*RAIDAction, error)

	// LinkRiskChange links a risk to a change request (staff).
	LinkRiskChange(ctx context.Context, riskID, changeID int64) error
	// UnlinkRiskChange removes that link.
	UnlinkRiskChange(ctx context.Context, riskID, changeID int64) error
	// RiskChanges lists the change requests linked to a risk.
	RiskChanges(ctx context.Context, riskID int64) ([]*LinkedChange, error)
	// RisksForChange lists the risks linked to a change request that the
	// caller may see, for the change's page.
	RisksForChange(ctx context.Context, changeID int64) ([]*Risk, error)
}
