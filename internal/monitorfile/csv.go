package monitorfile

import (
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// CSVColumns are the columns of a checks export: every definition field,
// named as a file names it (so that a spreadsheet of checks can be turned
// back into a file to import), then the state the latest run left. The
// headers column holds "Name: value" pairs separated by "; ", secret values
// masked.
var CSVColumns = []string{"id", "name", "service", "component", "kind", "organisation", "provider", "public", "enabled",
	"method", "url", "headers", "expect_status", "body_contains", "body_matches", "max_response", "verify_tls", "follow_redirects",
	"address", "cert_warn_days", "interval", "timeout", "retries", "incident_after", "incident_priority", "target_percent", "target_calendar",
	"status", "last_checked_at", "last_latency_ms", "last_error", "cert_expires_at", "version"}

// CSVRow is a check as a row of CSVColumns, with its secret header values
// masked. Cells are not yet guarded against spreadsheet formulas: the
// writer does that.
func CSVRow(c *itsm.Check) []string {
	m := c.Masked()
	headers := make([]string, len(m.Headers))
	for i, h := range m.Headers {
		headers[i] = h.Name + ": " + h.Value
	}
	dur := func(d time.Duration) string {
		if d == 0 {
			return ""
		}
		return d.String()
	}
	tm := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	latency := ""
	if m.LastCheckedAt != nil {
		latency = strconv.FormatInt(m.LastLatency.Milliseconds(), 10)
	}
	target := ""
	if m.TargetPercent != 0 {
		target = strconv.FormatFloat(m.TargetPercent, 'f', -1, 64)
	}
	warn := ""
	if m.CertWarnDays != 0 {
		warn = strconv.Itoa(m.CertWarnDays)
	}
	return []string{strconv.FormatInt(m.ID, 10), m.Name, m.Service, m.Component, m.Kind, m.OrgName, m.ProviderName,
		strconv.FormatBool(m.Public), strconv.FormatBool(m.Enabled),
		m.Method, m.URL, strings.Join(headers, "; "), m.ExpectStatus, m.BodyContains, m.BodyMatches, dur(m.MaxResponse),
		strconv.FormatBool(m.VerifyTLS), strconv.FormatBool(m.FollowRedirects),
		m.Address, warn, dur(m.Interval), dur(m.Timeout), strconv.Itoa(m.Retries), strconv.Itoa(m.IncidentAfter), m.IncidentPriority,
		target, m.TargetCalendar,
		m.Status, tm(m.LastCheckedAt), latency, m.LastError, tm(m.CertExpiresAt), strconv.FormatInt(m.Version, 10)}
}
