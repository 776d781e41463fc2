package itsm

import "context"

// DeskSettings are the service desk's configurable rules: the impact ×
// urgency → priority matrix and how many days after resolution a ticket may
// be re-opened.
type DeskSettings struct {
	PriorityMatrix PriorityMatrix `json:"priority_matrix"`
	ReopenDays     int            `json:"reopen_days"`
}

// DeskSettingsService reads and changes the service desk's rules.
type DeskSettingsService interface {
	// DeskSettings returns the rules in force (defaults until changed).
	DeskSettings(ctx context.Context) (DeskSettings, error)
	// SetDeskSettings changes them: managers and administrators only
	// (EFORBIDDEN), every cell P1–P4 and 0–365 days (EINVALID). Audited.
	SetDeskSettings(ctx context.Context, s DeskSettings) error
}
