package importer

import (
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// serviceNowStates maps ServiceNow's incident_state to Steward's statuses.
// The keys are lower case; values are matched case-insensitively.
//
// Awaiting Problem (the fix waits on a problem record, that is on the
// provider's root-cause work) is pending provider: the clock keeps running,
// as it does for any wait on the provider. Awaiting Evidence does not say
// whom the evidence is awaited from, so it is in progress: an import never
// pauses a clock on a guess.
var serviceNowStates = map[string]itsm.TicketStatus{
	"new":                itsm.StatusNew,
	"active":             itsm.StatusInProgress,
	"awaiting user info": itsm.StatusPendingCustomer,
	"awaiting vendor":    itsm.StatusPendingProvider,
	"awaiting problem":   itsm.StatusPendingProvider,
	"awaiting evidence":  itsm.StatusInProgress,
	"resolved":           itsm.StatusResolved,
	"closed":             itsm.StatusClosed,
}

// The rules an import of ServiceNow incidents applies, as the summary
// states them.
const (
	RuleStates = "States: New → new; Active → in progress; Awaiting User Info → pending customer (pauses the clock); " +
		"Awaiting Vendor and Awaiting Problem → pending provider; Awaiting Evidence → in progress (whom the evidence is awaited from is not recorded, so the clock is not paused); " +
		"Resolved → resolved; Closed → closed."
	RuleResponse = "First response: ServiceNow's log has no replies, so the first update that moves an incident out of New " +
		"(or its first update, if it was never New) is recorded as a public reply by staff at that instant, reading \"" + responseNote + "\""
	RulePriority = "Priority: 1 - Critical → P1, 2 - High → P2, 3 - Moderate → P3, 4 - Low → P4; a change between updates is a priority event. " +
		"Impact and urgency: 1 - High → high, 2 - Medium → medium, 3 - Low → low."
	RuleOrder = "History: an incident's rows, wherever they are in the file, are ordered by sys_mod_count, then sys_updated_at, then line; " +
		"a row stamped earlier than the row before it (or than opened_at) is moved up to that instant."
	RuleFields = "Fields: created at opened_at; title from number, category, subcategory and symptom; category → category; " +
		"assignment_group → service; cmdb_ci → component; caller_id → requester; the other columns of the latest row go into the description. " +
		"Resolved and closed times are those of the last moves to resolved and closed in the history."
	ruleUnknownState    = "ignored: the incident keeps its previous state"
	ruleUnknownPriority = "priority from impact × urgency (the default matrix)"
	ruleUnknownLevel    = "medium"
	ruleUnknownBool     = "treated as not recorded"
	ruleBadOptionalDate = "treated as not recorded"
)

// responseNote is the body of the public reply that stands for the first
// response.
const responseNote = "Imported: first update by the service desk in ServiceNow (the incident left New); counted as the first response."

// mapState returns the status of a ServiceNow state.
func mapState(s string) (itsm.TicketStatus, bool) {
	st, ok := serviceNowStates[strings.ToLower(strings.TrimSpace(s))]
	return st, ok
}

// leadingDigit returns the number before " - " in values such as
// "3 - Moderate", or 0.
func leadingDigit(s string) int {
	s = strings.TrimSpace(s)
	if len(s) < 4 || s[0] < '0' || s[0] > '9' || s[1:4] != " - " {
		return 0
	}
	return int(s[0] - '0')
}

// mapPriority maps "1 - Critical" … "4 - Low" to P1 … P4.
func mapPriority(s string) (string, bool) {
	if d := leadingDigit(s); d >= 1 && d <= 4 {
		return itsm.Priorities[d-1], true
	}
	return "", false
}

// mapLevel maps "1 - High", "2 - Medium", "3 - Low" to impact or urgency.
func mapLevel(s string) (itsm.Level, bool) {
	switch leadingDigit(s) {
	case 1:
		return itsm.High, true
	case 2:
		return itsm.Medium, true
	case 3:
		return itsm.Low, true
	}
	return "", false
}

// parseBool reads true/false in any case.
func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}
