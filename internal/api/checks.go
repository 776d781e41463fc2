package api

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/monitorfile"
)

// checkJSON is a check as the API shows it: durations as whole seconds or
// milliseconds, secret header values always masked.
type checkJSON struct {
	ID                  int64              `json:"id"`
	Name                string             `json:"name"`
	Service             string             `json:"service"`
	Component           string             `json:"component"`
	Kind                string             `json:"kind"`
	OrgID               *int64             `json:"organisation_id"`
	OrgName             string             `json:"organisation_name"`
	ProviderID          *int64             `json:"provider_id"`
	ProviderName        string             `json:"provider_name"`
	Public              bool               `json:"public"`
	Enabled             bool               `json:"enabled"`
	Method              string             `json:"method"`
	URL                 string             `json:"url"`
	Headers             []itsm.CheckHeader `json:"headers"`
	ExpectStatus        string             `json:"expect_status"`
	BodyContains        string             `json:"body_contains"`
	BodyMatches         string             `json:"body_matches"`
	MaxResponseMS       int64              `json:"max_response_ms"`
	VerifyTLS           bool               `json:"verify_tls"`
	FollowRedirects     bool               `json:"follow_redirects"`
	Address             string             `json:"address"`
	CertWarnDays        int                `json:"cert_warn_days"`
	IntervalSeconds     int64              `json:"interval_seconds"`
	TimeoutSeconds      int64              `json:"timeout_seconds"`
	Retries             int                `json:"retries"`
	IncidentAfter       int                `json:"incident_after"`
	IncidentPriority    string             `json:"incident_priority"`
	TargetPercent       float64            `json:"target_percent"`
	TargetCalendar      string             `json:"target_calendar"`
	Status              string             `json:"status"`
	LastCheckedAt       *time.Time         `json:"last_checked_at"`
	LastLatencyMS       *int64             `json:"last_latency_ms"`
	LastError           string             `json:"last_error"`
	ConsecutiveFailures int                `json:"consecutive_failures"`
	CertExpiresAt       *time.Time         `json:"cert_expires_at"`
	OpenOutageID        *int64             `json:"open_outage_id"`
	CreatedAt           time.Time          `json:"created_at"`
	UpdatedAt           time.Time          `json:"updated_at"`
	Version             int64              `json:"version"`
}

func checkShapeOf(c *itsm.Check) checkJSON {
	m := c.Masked()
	out := checkJSON{ID: m.ID, Name: m.Name, Service: m.Service, Component: m.Component, Kind: m.Kind, OrgID: m.OrgID, OrgName: m.OrgName,
		ProviderID: m.ProviderID, ProviderName: m.ProviderName, Public: m.Public, Enabled: m.Enabled, Method: m.Method, URL: m.URL,
		Headers: m.Headers, ExpectStatus: m.ExpectStatus, BodyContains: m.BodyContains, BodyMatches: m.BodyMatches,
		MaxResponseMS: m.MaxResponse.Milliseconds(), VerifyTLS: m.VerifyTLS, FollowRedirects: m.FollowRedirects, Address: m.Address,
		CertWarnDays: m.CertWarnDays, IntervalSeconds: int64(m.Interval / time.Second), TimeoutSeconds: int64(m.Timeout / time.Second),
		Retries: m.Retries, IncidentAfter: m.IncidentAfter, IncidentPriority: m.IncidentPriority, TargetPercent: m.TargetPercent,
		TargetCalendar: m.TargetCalendar, Status: m.Status, LastCheckedAt: m.LastCheckedAt, LastError: m.LastError,
		ConsecutiveFailures: m.ConsecutiveFailures, CertExpiresAt: m.CertExpiresAt, OpenOutageID: m.OpenOutageID,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Version: m.Version}
	if out.Headers == nil {
		out.Headers = []itsm.CheckHeader{}
	}
	if m.LastCheckedAt != nil {
		ms := m.LastLatency.Milliseconds()
		out.LastLatencyMS = &ms
	}
	return out
}

// checkDefinitionIn is the body of POST /api/v1/checks and PUT /api/v1/checks/{id}:
// the whole definition. Left out, enabled, verify_tls and follow_redirects
// are true on a new check and unchanged on a replaced one; the other fields
// take the defaults the domain gives them.
type checkDefinitionIn struct {
	Version          *int64             `json:"version"`
	Name             string             `json:"name"`
	Service          string             `json:"service"`
	Component        string             `json:"component"`
	Kind             string             `json:"kind"`
	OrgID            *int64             `json:"organisation_id"`
	ProviderID       *int64             `json:"provider_id"`
	Public           bool               `json:"public"`
	Enabled          *bool              `json:"enabled"`
	Method           string             `json:"method"`
	URL              string             `json:"url"`
	Headers          []itsm.CheckHeader `json:"headers"`
	ExpectStatus     string             `json:"expect_status"`
	BodyContains     string             `json:"body_contains"`
	BodyMatches      string             `json:"body_matches"`
	MaxResponseMS    int64              `json:"max_response_ms"`
	VerifyTLS        *bool              `json:"verify_tls"`
	FollowRedirects  *bool              `json:"follow_redirects"`
	Address          string             `json:"address"`
	CertWarnDays     int                `json:"cert_warn_days"`
	IntervalSeconds  int64              `json:"interval_seconds"`
	TimeoutSeconds   int64              `json:"timeout_seconds"`
	Retries          int                `json:"retries"`
	IncidentAfter    int                `json:"incident_after"`
	IncidentPriority string             `json:"incident_priority"`
	TargetPercent    float64            `json:"target_percent"`
	TargetCalendar   string             `json:"target_calendar"`
}

// check builds the definition; old is the check being replaced, or nil.
func (in checkDefinitionIn) check(old *itsm.Check) (*itsm.Check, error) {
	var v itsm.Validation
	for _, n := range []struct {
		field string
		value int64
	}{{"interval_seconds", in.IntervalSeconds}, {"timeout_seconds", in.TimeoutSeconds}, {"max_response_ms", in.MaxResponseMS}} {
		v.Check(n.value >= 0 && n.value <= 1_000_000_000, n.field, "Give "+n.field+" as a whole number, 0 or more.")
	}
	c := &itsm.Check{Name: in.Name, Service: in.Service, Component: in.Component, Kind: in.Kind, OrgID: in.OrgID, ProviderID: in.ProviderID,
		Public: in.Public, Enabled: true, Method: in.Method, URL: in.URL, Headers: in.Headers, ExpectStatus: in.ExpectStatus,
		BodyContains: in.BodyContains, BodyMatches: in.BodyMatches, MaxResponse: time.Duration(in.MaxResponseMS) * time.Millisecond,
		VerifyTLS: true, FollowRedirects: true, Address: in.Address, CertWarnDays: in.CertWarnDays,
		Interval: time.Duration(in.IntervalSeconds) * time.Second, Timeout: time.Duration(in.TimeoutSeconds) * time.Second,
		Retries: in.Retries, IncidentAfter: in.IncidentAfter, IncidentPriority: in.IncidentPriority, TargetPercent: in.TargetPercent,
		TargetCalendar: in.TargetCalendar}
	if old != nil {
		c.ID, c.Enabled, c.VerifyTLS, c.FollowRedirects = old.ID, old.Enabled, old.VerifyTLS, old.FollowRedirects
	}
	for _, b := range []struct {
		dst *bool
		v   *bool
	}{{&c.Enabled, in.Enabled}, {&c.VerifyTLS, in.VerifyTLS}, {&c.FollowRedirects, in.FollowRedirects}} {
		if b.v != nil {
			*b.dst = *b.v
		}
	}
	if c.Headers == nil {
		c.Headers = []itsm.CheckHeader{}
	}
	return c, v.Err()
}

// listChecks serves GET /api/v1/checks: every check for staff and
// auditors, the checks it operates for a provider; customers are refused.
func (a *API) listChecks(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "service", "component", "kind", "status", "provider_id", "organisation_id", "enabled", "q", "sort")
	if err != nil {
		return err
	}
	f := itsm.CheckFilter{Service: q.text("service"), Component: q.text("component"), Query: q.text("q"),
		Kind:       q.oneOf("kind", func(s string) bool { return s == itsm.CheckHTTP || s == itsm.CheckTCP || s == itsm.CheckTLS }, "http, tcp or tls"),
		Status:     q.oneOf("status", func(s string) bool { _, ok := checkListStatuses[s]; return ok }, "unknown, up, down, warning or maintenance"),
		ProviderID: q.id("provider_id"), OrgID: q.id("organisation_id"), Enabled: q.boolean("enabled")}
	if s := q.oneOf("sort", func(s string) bool { return s == "name" || s == "service" || s == "status" || s == "last_checked" }, "name, service, status or last_checked"); s != nil {
		f.Sort = *s
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	checks, total, err := a.svc.Monitor.FindChecks(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]checkJSON, len(checks))
	for i, c := range checks {
		out[i] = checkShapeOf(c)
	}
	writePage(w, out, total, p)
	return nil
}

var checkListStatuses = map[string]bool{itsm.CheckUnknown: true, itsm.CheckUp: true, itsm.CheckDown: true, itsm.CheckWarning: true, itsm.CheckMaintenance: true}

// createCheck serves POST /api/v1/checks (managers and administrators).
func (a *API) createCheck(w http.ResponseWriter, r *http.Request) error {
	var in checkDefinitionIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Version != nil {
		return fieldError("version", "A new check has no version yet: leave \"version\" out.")
	}
	c, err := in.check(nil)
	if err != nil {
		return err
	}
	if err := a.svc.Monitor.CreateCheck(r.Context(), c); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/checks/"+strconv.FormatInt(c.ID, 10))
	writeRecord(w, http.StatusCreated, c.Version, checkShapeOf(c))
	return nil
}

// getCheck serves GET /api/v1/checks/{id}.
func (a *API) getCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "check")
	if err != nil {
		return err
	}
	c, err := a.svc.Monitor.FindCheckByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, c.Version, checkShapeOf(c))
	return nil
}

// replaceCheck serves PUT /api/v1/checks/{id}: the whole definition, with
// the version last read in the body or in If-Match. Secret header values
// sent as the mask keep their stored values.
func (a *API) replaceCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "check")
	if err != nil {
		return err
	}
	var in checkDefinitionIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := ifMatchVersion(r, in.Version)
	if err != nil {
		return err
	}
	old, err := a.svc.Monitor.FindCheckByID(r.Context(), id)
	if err != nil {
		return err
	}
	c, err := in.check(old)
	if err != nil {
		return err
	}
	c.Version = version
	if err := a.svc.Monitor.UpdateCheck(r.Context(), c); err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, c.Version, checkShapeOf(c))
	return nil
}

// ifMatchVersion reads the version a replacement is based on: the body's
// "version", or an If-Match header holding the ETag last read. Both given
// must agree.
func ifMatchVersion(r *http.Request, body *int64) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return requireVersion(body)
	}
	s := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 {
		return 0, fieldError("If-Match", `Send If-Match as the ETag you last read, such as W/"3".`)
	}
	if body != nil && *body != v {
		return 0, fieldError("version", "The version in the body and the If-Match header disagree: send one of them.")
	}
	return v, nil
}

// deleteCheck serves DELETE /api/v1/checks/{id}: the check, its results,
// roll-ups and outages; the incidents it opened stay.
func (a *API) deleteCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "check")
	if err != nil {
		return err
	}
	// A check the caller cannot see does not exist for it, whether or not
	// it may delete checks.
	if _, err := a.svc.Monitor.FindCheckByID(r.Context(), id); err != nil {
		return err
	}
	if err := a.svc.Monitor.DeleteCheck(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkImportBody is the JSON body of POST /api/v1/checks/import: the
// definitions in the file format (docs/monitoring.md) and whether only to
// check them.
type checkImportBody struct {
	Checks []json.RawMessage `json:"checks"`
	DryRun bool              `json:"dry_run"`
}

// checkImportAnswer is the answer to an import.
type checkImportAnswer struct {
	DryRun  bool                    `json:"dry_run"`
	Created int                     `json:"created"`
	Updated int                     `json:"updated"`
	Errors  []itsm.CheckImportError `json:"errors"`
}

// importChecks serves POST /api/v1/checks/import: a JSON body
// {"checks": [...], "dry_run": false}, or a YAML file (Content-Type
// application/yaml) with ?dry_run=true to only check it. All or nothing:
// 200 with what was (or would be) created and updated, or 422 with every
// bad definition and nothing written.
func (a *API) importChecks(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "dry_run")
	if err != nil {
		return err
	}
	dryQuery := q.boolean("dry_run")
	if err := q.err(); err != nil {
		return err
	}
	ctx := r.Context()
	if !itsm.ActorFromContext(ctx).CanManageChecks() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only programme managers and administrators can import checks.")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	yamlBody := mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml"
	if !yamlBody && mt != "application/json" {
		return itsm.Errorf(codeUnsupportedMediaType, "Send the checks as JSON (Content-Type: application/json) or as a YAML file (Content-Type: application/yaml).")
	}
	orgs, err := monitorfile.Organisations(ctx, a.svc.Organisations)
	if err != nil {
		return err
	}
	var res *monitorfile.Result
	dry := dryQuery != nil && *dryQuery
	if yamlBody {
		body, err := readLimited(w, r, a.maxUpload)
		if err != nil {
			return err
		}
		if res, err = monitorfile.Parse(body, monitorfile.YAML, orgs); err != nil {
			return err
		}
	} else {
		if dryQuery != nil {
			return fieldError("dry_run", "With a JSON body, give dry_run in the body, not in the query string.")
		}
		var in checkImportBody
		if err := a.decode(w, r, &in); err != nil {
			return err
		}
		if in.Checks == nil {
			return fieldError("checks", "Send the checks to import as a list in \"checks\".")
		}
		dry = in.DryRun
		if res, err = monitorfile.ParseEntries(in.Checks, orgs); err != nil {
			return err
		}
	}
	out := checkImportAnswer{DryRun: dry, Errors: res.Errors}
	if len(res.Errors) == 0 {
		imp, err := a.svc.Monitor.ImportChecks(ctx, res.Checks, dry)
		if err != nil {
			return err
		}
		out.Created, out.Updated, out.Errors = imp.Created, imp.Updated, imp.Errors
	}
	status := http.StatusOK
	if len(out.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		out.Created, out.Updated = 0, 0
	} else {
		out.Errors = []itsm.CheckImportError{}
	}
	writeJSON(w, status, out)
	return nil
}
