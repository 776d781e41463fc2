package itsm

import (
	"context"
	"time"
)

// Check kinds: what a check probes.
const (
	CheckHTTP = "http" // an HTTP(S) request with assertions on status, body and time
	CheckTCP  = "tcp"  // a TCP connection to host:port
	CheckTLS  = "tls"  // a TLS handshake to host:port, warning before the certificate expires
)

// CheckKinds lists the kinds in the order forms offer them.
var CheckKinds = []IntegrationChoice{
	{CheckHTTP, "HTTP(S) request"}, {CheckTCP, "TCP connect"}, {CheckTLS, "TLS certificate expiry"},
}

// Check statuses, as the latest result left them.
const (
	CheckUnknown     = "unknown"     // never run
	CheckUp          = "up"          // the latest run passed
	CheckDown        = "down"        // the latest run failed after its retries
	CheckWarning     = "warning"     // passed, but a TLS certificate expires within the warning period
	CheckMaintenance = "maintenance" // failing inside a maintenance window
)

// Target calendars for availability targets.
const (
	Target24x7          = "24x7"     // every minute counts
	TargetBusinessHours = "business" // only the provider's business hours count
)

// CheckHeader is one request header of an HTTP check. Secret headers
// (Authorization, cookies, keys, tokens) are never shown back: see Masked.
type CheckHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SecretMask stands in for a secret header value on every surface. A form or
// API update that sends the mask back keeps the stored value.
const SecretMask = "********"

// Check is one probe of the service's systems and applications.
type Check struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Service   string `json:"service"`
	Component string `json:"component"`
	Kind      string `json:"kind"`
	// OrgID, when set, makes the check one organisation's own (for example
	// its finance interface endpoint): only that organisation's people see it
	// on the status page. Nil means the shared service every customer uses.
	OrgID   *int64 `json:"organisation_id"`
	OrgName string `json:"organisation_name,omitempty"`
	// ProviderID is the provider that operates what the check probes: its
	// incidents are escalated to it and its reviews report the check.
	ProviderID   *int64 `json:"provider_id"`
	ProviderName string `json:"provider_name,omitempty"`
	// Public checks appear on the public status page when it is enabled.
	Public  bool `json:"public"`
	Enabled bool `json:"enabled"`

	// HTTP checks.
	Method  string        `json:"method,omitempty"`
	URL     string        `json:"url,omitempty"`
	Headers []CheckHeader `json:"headers"`
	// ExpectStatus lists the statuses that pass, e.g. "200-299,301".
	ExpectStatus    string        `json:"expect_status,omitempty"`
	BodyContains    string        `json:"body_contains,omitempty"`
	BodyMatches     string        `json:"body_matches,omitempty"` // a Go regular expression
	MaxResponse     time.Duration `json:"-"`                      // 0: no limit beyond the time-out
	VerifyTLS       bool          `json:"verify_tls"`
	FollowRedirects bool          `json:"follow_redirects"`

	// TCP and TLS checks.
	Address      string `json:"address,omitempty"`        // host:port
	CertWarnDays int    `json:"cert_warn_days,omitempty"` // TLS: warn this many days before expiry

	Interval time.Duration `json:"-"` // at least 10 s
	Timeout  time.Duration `json:"-"`
	Retries  int           `json:"retries"` // extra attempts before a run counts as failed

	// IncidentAfter consecutive failed runs open an incident of
	// IncidentPriority ("P1" or "P2"; "" opens none).
	IncidentAfter    int    `json:"incident_after"`
	IncidentPriority string `json:"incident_priority"`

	// TargetPercent is the availability target (e.g. 99.5) per calendar month
	// over TargetCalendar (Target24x7 or TargetBusinessHours); 0 sets none.
	TargetPercent  float64 `json:"target_percent"`
	TargetCalendar string  `json:"target_calendar"`

	// State left by the latest run.
	Status              string        `json:"status"`
	LastCheckedAt       *time.Time    `json:"last_checked_at"`
	LastLatency         time.Duration `json:"-"`
	LastError           string        `json:"last_error"`
	ConsecutiveFailures int           `json:"consecutive_failures"`
	CertExpiresAt       *time.Time    `json:"cert_expires_at"`
	// OpenOutageID is the outage in progress, if any.
	OpenOutageID *int64 `json:"open_outage_id"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// CheckFilter narrows a list of checks. Nil fields do not filter.
type CheckFilter struct {
	Service    *string
	Component  *string
	Kind       *string
	Status     *string
	ProviderID *int64
	OrgID      *int64
	Enabled    *bool
	Query      *string // name, service, component, URL or address contains
	Sort       string  // "name" (default), "service", "status", "last_checked"
	Desc       bool
	Offset     int
	Limit      int // 0: the default page of 50; -1: all
}

// CheckImport is the outcome of a bulk set-up from a YAML or JSON file. The
// import is all or nothing: when Errors is not empty nothing was written.
type CheckImport struct {
	Created int                `json:"created"`
	Updated int                `json:"updated"`
	Errors  []CheckImportError `json:"errors"`
	Checks  []*Check           `json:"-"`
}

// CheckImportError names one bad definition: its position in the file
// (1-based), its name when it had one, and what is wrong.
type CheckImportError struct {
	Index   int               `json:"index"`
	Name    string            `json:"name"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// CheckResult is one run of a check: the sample it leaves.
type CheckResult struct {
	CheckID    int64         `json:"check_id"`
	At         time.Time     `json:"at"` // when the run started
	Up         bool          `json:"up"`
	Latency    time.Duration `json:"-"`
	StatusCode int           `json:"status_code"`
	Error      string        `json:"error"`
	// Warning is set when the run passed but something needs attention
	// soon (a certificate expiring within the warning period).
	Warning       string     `json:"warning"`
	CertExpiresAt *time.Time `json:"cert_expires_at"`
	Attempts      int        `json:"attempts"`
}

// Outage is a run of failures of one check: it starts at the first failed run
// and ends at the first run that passes.
type Outage struct {
	ID        int64      `json:"id"`
	CheckID   int64      `json:"check_id"`
	CheckName string     `json:"check_name"`
	Service   string     `json:"service"`
	Component string     `json:"component"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	Cause     string     `json:"cause"`
	Failures  int        `json:"failures"`
	// InMaintenance is true when the outage began inside a maintenance
	// window: it opens no incident and does not count against availability.
	InMaintenance bool   `json:"in_maintenance"`
	TicketID      *int64 `json:"ticket_id"`
	TicketRef     string `json:"ticket_ref"`
}

// Duration is how long the outage lasted, or has lasted by now.
func (o *Outage) Duration(now time.Time) time.Duration {
	if o.EndedAt != nil {
		return o.EndedAt.Sub(o.StartedAt)
	}
	return now.Sub(o.StartedAt)
}

// OutageFilter narrows a list of outages.
type OutageFilter struct {
	CheckID    *int64
	Service    *string
	ProviderID *int64
	Open       *bool
	From, To   *time.Time // outages overlapping [From, To)
	Offset     int
	Limit      int
}

// MaintenanceWindow is a planned period when a service (or every service,
// when Service is "") may be unavailable: checks still run, but failures
// neither count against availability nor open incidents. Windows come from
// two places: planned here (Source "planned") or a scheduled change whose
// window touches the service (Source "change", read-only here).
type MaintenanceWindow struct {
	ID        int64     `json:"id"`
	Source    string    `json:"source"` // "planned" or "change"
	Title     string    `json:"title"`
	Service   string    `json:"service"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Notes     string    `json:"notes"`
	ChangeID  *int64    `json:"change_id"`
	ChangeRef string    `json:"change_ref"`
	CreatedAt time.Time `json:"created_at"`
	// ChangeOrgID and ChangeProviderID say whose change it is, so that
	// people who may not see the change see only that one is planned.
	ChangeOrgID      int64  `json:"-"`
	ChangeProviderID *int64 `json:"-"`
}

// MaintenanceFilter narrows a list of maintenance windows.
type MaintenanceFilter struct {
	Service  *string
	From, To *time.Time // windows overlapping [From, To)
	Offset   int
	Limit    int
}

// AvailabilityStats are the figures of one check or service over a period,
// maintenance excluded.
type AvailabilityStats struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Samples  int64     `json:"samples"`
	Failures int64     `json:"failures"`
	// Percent is Samples-Failures over Samples, as a percentage; -1 when
	// there were no samples to count.
	Percent  float64       `json:"availability_percent"`
	P50      time.Duration `json:"-"`
	P95      time.Duration `json:"-"`
	P99      time.Duration `json:"-"`
	Outages  int           `json:"outages"`
	Downtime time.Duration `json:"-"`
	// TargetPercent and TargetMet report the availability target, when one
	// is set; TargetMet is nil without a target or without samples.
	TargetPercent float64 `json:"target_percent"`
	TargetMet     *bool   `json:"target_met"`
}

// SeriesPoint is one bucket of a chart: availability and latency percentiles
// over [At, At+step).
type SeriesPoint struct {
	At       time.Time     `json:"at"`
	Samples  int64         `json:"samples"`
	Failures int64         `json:"failures"`
	Percent  float64       `json:"availability_percent"` // -1 without samples
	P50      time.Duration `json:"-"`
	P95      time.Duration `json:"-"`
	P99      time.Duration `json:"-"`
	// Maintenance is true when a maintenance window touched the bucket.
	Maintenance bool `json:"maintenance"`
}

// ServiceAvailability is one service's figures over a period: its checks'
// samples pooled, maintenance excluded.
type ServiceAvailability struct {
	Service string `json:"service"`
	Checks  int    `json:"checks"`
	AvailabilityStats
}

// ServiceAvailabilityFilter chooses the services and the period.
type ServiceAvailabilityFilter struct {
	From, To   time.Time
	ProviderID *int64  // only checks operated by this provider
	Service    *string // only this service
}

// Service statuses on the status page, worst last.
const (
	StatusOperational = "operational"
	StatusMaintenance = "maintenance"
	StatusDegraded    = "degraded"
	StatusOutage      = "outage"
	StatusNoData      = "no_data"
)

// StatusPage is what the status page shows a viewer: only the services and
// incidents the viewer may see.
type StatusPage struct {
	GeneratedAt time.Time            `json:"generated_at"`
	Services    []ServiceStatus      `json:"services"`
	Incidents   []*Outage            `json:"incidents"`   // outages in progress
	Maintenance []*MaintenanceWindow `json:"maintenance"` // current and planned, soonest first
}

// ServiceStatus is one service on the status page.
type ServiceStatus struct {
	Service    string            `json:"service"`
	Status     string            `json:"status"`
	Components []ComponentStatus `json:"components"`
	// Days are the last 90 days, oldest first.
	Days          []DayAvailability `json:"days"`
	Percent90Days float64           `json:"availability_percent_90_days"`
}

// ComponentStatus is one component of a service on the status page.
type ComponentStatus struct {
	Component string `json:"component"`
	Status    string `json:"status"`
}

// DayAvailability is one bar of the 90-day availability bars.
type DayAvailability struct {
	Date        string  `json:"date"` // YYYY-MM-DD, UTC
	Samples     int64   `json:"samples"`
	Failures    int64   `json:"failures"`
	Percent     float64 `json:"availability_percent"` // -1 without samples
	Maintenance bool    `json:"maintenance"`
}

// MonitorService manages checks, maintenance windows and the analysis of
// their results. Reads are scoped to the caller: staff and auditors see every
// check; a provider sees the checks it operates; a customer sees the shared
// service and its own organisation's checks only through the status page.
//
// Errors: EINVALID (with Fields) for bad definitions, EFORBIDDEN for callers
// who may not manage checks, ENOTFOUND for absent or invisible records,
// ECONFLICT for a stale Version.
type MonitorService interface {
	CreateCheck(ctx context.Context, c *Check) error
	// UpdateCheck replaces a check's definition; c.Version must match.
	UpdateCheck(ctx context.Context, c *Check) error
	DeleteCheck(ctx context.Context, id int64) error
	FindCheckByID(ctx context.Context, id int64) (*Check, error)
	FindChecks(ctx context.Context, f CheckFilter) ([]*Check, int, error)
	// ImportChecks creates or updates (matched by service and name) every
	// definition, or none when any is bad; dryRun validates only.
	ImportChecks(ctx context.Context, defs []*Check, dryRun bool) (*CheckImport, error)

	// CheckStats are one check's figures over [from, to).
	CheckStats(ctx context.Context, id int64, from, to time.Time) (*AvailabilityStats, error)
	// CheckSeries buckets [from, to) by step (a minute, hour or day
	// multiple) for charts.
	CheckSeries(ctx context.Context, id int64, from, to time.Time, step time.Duration) ([]SeriesPoint, error)
	FindOutages(ctx context.Context, f OutageFilter) ([]*Outage, int, error)
	// ServiceAvailability reports every visible service over a period; the
	// provider performance review pack reads it.
	ServiceAvailability(ctx context.Context, f ServiceAvailabilityFilter) ([]ServiceAvailability, error)

	CreateMaintenance(ctx context.Context, m *MaintenanceWindow) error
	DeleteMaintenance(ctx context.Context, id int64) error
	// FindMaintenance lists planned windows and change windows together.
	FindMaintenance(ctx context.Context, f MaintenanceFilter) ([]*MaintenanceWindow, int, error)

	// StatusPage builds the status page for the caller; an anonymous
	// caller sees public checks only.
	StatusPage(ctx context.Context) (*StatusPage, error)
}

// ProbeTask is one run of a check that a node has claimed: the definition as
// it stands and the instant the run is due.
type ProbeTask struct {
	Check *Check
	Due   time.Time
}

// ProbeStore is what the check scheduler needs from the database. It acts as
// the system, outside any tenancy.
type ProbeStore interface {
	// HeartbeatProbeNode records that node is alive and returns the names of
	// the live nodes, sorted, including node.
	HeartbeatProbeNode(ctx context.Context, node string, ttl time.Duration) ([]string, error)
	// ClaimDueChecks claims for node every enabled check in its share
	// (index of nodes) due before until, and moves each one's next due
	// instant on by its interval in the same statement, so that no two
	// nodes ever run one check in one interval. Checks overdue by more than
	// two intervals are claimable by any node, so a dead node's share moves
	// on before its heartbeat expires.
	ClaimDueChecks(ctx context.Context, node string, nodes []string, until time.Time, limit int) ([]ProbeTask, error)
	// RecordCheckResults stores a batch of results: samples, roll-ups,
	// check state, outages, and the incidents they open or resolve.
	RecordCheckResults(ctx context.Context, results []CheckResult) error
	// PruneCheckSamples deletes raw samples older than before; roll-ups are
	// kept.
	PruneCheckSamples(ctx context.Context, before time.Time) (int64, error)
}
