package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

const checkColumns = `c.id, c.name, c.service, c.component, c.kind, c.org_id, COALESCE(o.name, ''), c.provider_id, COALESCE(p.name, ''), c.public, c.enabled,
	c.method, c.url, c.headers, c.expect_status, c.body_contains, c.body_matches, c.max_response_ms, c.verify_tls, c.follow_redirects,
	c.address, c.cert_warn_days, c.interval_ms, c.timeout_ms, c.retries, c.incident_after, c.incident_priority, c.target_percent, c.target_calendar,
	c.status, c.last_checked_at, c.last_latency_us, c.last_error, c.consecutive_failures, c.cert_expires_at, c.open_outage_id,
	c.created_at, c.updated_at, c.version`

const checkFrom = ` FROM monitor_checks c LEFT JOIN organisations o ON o.id = c.org_id LEFT JOIN organisations p ON p.id = c.provider_id`

func scanCheck(row scanner) (*itsm.Check, error) {
	var c itsm.Check
	var orgID, providerID, outage sql.NullInt64
	var headers string
	var maxResp, interval, timeout, latency int64
	var checked, certExp sql.NullInt64
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Name, &c.Service, &c.Component, &c.Kind, &orgID, &c.OrgName, &providerID, &c.ProviderName, &c.Public, &c.Enabled,
		&c.Method, &c.URL, &headers, &c.ExpectStatus, &c.BodyContains, &c.BodyMatches, &maxResp, &c.VerifyTLS, &c.FollowRedirects,
		&c.Address, &c.CertWarnDays, &interval, &timeout, &c.Retries, &c.IncidentAfter, &c.IncidentPriority, &c.TargetPercent, &c.TargetCalendar,
		&c.Status, &checked, &latency, &c.LastError, &c.ConsecutiveFailures, &certExp, &outage,
		&created, &updated, &c.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(headers), &c.Headers); err != nil {
		return nil, fmt.Errorf("decode headers of check %d: %w", c.ID, err)
	}
	if c.Headers == nil {
		c.Headers = []itsm.CheckHeader{}
	}
	c.OrgID, c.ProviderID, c.OpenOutageID = nullID(orgID), nullID(providerID), nullID(outage)
	c.MaxResponse = time.Duration(maxResp) * time.Millisecond
	c.Interval = time.Duration(interval) * time.Millisecond
	c.Timeout = time.Duration(timeout) * time.Millisecond
	c.LastLatency = time.Duration(latency) * time.Microsecond
	c.LastCheckedAt, c.CertExpiresAt = fromNullTS(checked), fromNullTS(certExp)
	c.CreatedAt, c.UpdatedAt = fromTS(created), fromTS(updated)
	return &c, nil
}

// checkScope limits a query on monitor_checks c to what the actor may read.
func checkScope(a *itsm.Actor, w *where) {
	switch {
	case a.ReadsEverything():
	case a.IsProvider():
		w.add("c.provider_id = ?", a.OrgID)
	default:
		w.add("1 = 0")
	}
}

func canSeeCheck(a *itsm.Actor, c *itsm.Check) bool {
	switch {
	case a.ReadsEverything():
		return true
	case a.IsProvider():
		return c.ProviderID != nil && *c.ProviderID == a.OrgID
	}
	return false
}

func (tx *Tx) findCheck(id int64) (*itsm.Check, error) {
	c, err := scanCheck(tx.queryRow(`SELECT `+checkColumns+checkFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("check")
	} else if err != nil {
		return nil, fmt.Errorf("find check %d: %w", id, err)
	}
	return c, nil
}

func (tx *Tx) visibleCheck(id int64) (*itsm.Check, error) {
	c, err := tx.findCheck(id)
	if err != nil {
		return nil, err
	}
	if !canSeeCheck(tx.actor, c) {
		return nil, itsm.ErrNotFound("check")
	}
	return c, nil
}

// FindCheckByID returns a check the caller may read.
func (db *DB) FindCheckByID(ctx context.Context, id int64) (*itsm.Check, error) {
	var c *itsm.Check
	err := db.view(ctx, func(tx *Tx) (err error) { c, err = tx.visibleCheck(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "check", strconv.FormatInt(id, 10), "check not visible to the caller")
	}
	return c, err
}

var checkSorts = map[string]string{
	"name":         "LOWER(c.name)",
	"service":      "LOWER(c.service), LOWER(c.component), LOWER(c.name)",
	"status":       "c.status, LOWER(c.name)",
	"last_checked": "c.last_checked_at",
}

// FindChecks lists the checks the caller may read.
func (db *DB) FindChecks(ctx context.Context, f itsm.CheckFilter) ([]*itsm.Check, int, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.CanReadChecks() {
		return nil, 0, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to read the service's checks.")
	}
	w := &where{}
	checkScope(a, w)
	for _, s := range []struct {
		col string
		v   *string
	}{{"c.service", f.Service}, {"c.component", f.Component}, {"c.kind", f.Kind}, {"c.status", f.Status}} {
		if s.v != nil {
			w.add(s.col+" = ?", *s.v)
		}
	}
	if f.ProviderID != nil {
		w.add("c.provider_id = ?", *f.ProviderID)
	}
	if f.OrgID != nil {
		w.add("c.org_id = ?", *f.OrgID)
	}
	if f.Enabled != nil {
		w.add("c.enabled = ?", *f.Enabled)
	}
	if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
		p := likePattern(strings.TrimSpace(*f.Query))
		w.add(`(LOWER(c.name) LIKE ? ESCAPE '\' OR LOWER(c.service) LIKE ? ESCAPE '\' OR LOWER(c.component) LIKE ? ESCAPE '\' OR LOWER(c.url) LIKE ? ESCAPE '\' OR LOWER(c.address) LIKE ? ESCAPE '\')`, p, p, p, p, p)
	}
	order, ok := checkSorts[f.Sort]
	if !ok {
		order = checkSorts["service"]
	}
	if f.Desc {
		order = strings.ReplaceAll(order, ",", " DESC,") + " DESC"
	}
	off, lim := page(f.Offset, f.Limit)
	if f.Limit == -1 {
		off, lim = 0, -1
	}
	out, total, err := listPage(ctx, db, scanCheck, checkColumns, checkFrom, w, order+", c.id", off, lim)
	if err != nil {
		return nil, 0, fmt.Errorf("find checks: %w", err)
	}
	return out, total, nil
}

var errCheckName = &itsm.Error{Code: itsm.ECONFLICT, Message: "The service already has a check with that name.", Fields: map[string]string{"name": "The service already has a check with that name."}}

// validateCheckOrgs checks the organisation and provider a check names.
func (tx *Tx) validateCheckOrgs(c *itsm.Check) error {
	f := map[string]string{}
	if c.OrgID != nil {
		if org, err := tx.findOrg(*c.OrgID); err != nil || org.Kind != itsm.OrgCustomer {
			f["organisation_id"] = "Choose a customer organisation, or none for the shared service."
		}
	}
	if c.ProviderID != nil {
		if org, err := tx.findOrg(*c.ProviderID); err != nil || org.Kind != itsm.OrgProvider {
			f["provider_id"] = "Choose a provider organisation, or none."
		}
	}
	if len(f) > 0 {
		return &itsm.Error{Code: itsm.EINVALID, Message: "The check could not be saved: correct the fields shown.", Fields: f}
	}
	return nil
}

func checkArgs(c *itsm.Check) []any {
	return []any{c.Name, c.Service, c.Component, c.Kind, c.OrgID, c.ProviderID, c.Public, c.Enabled,
		c.Method, c.URL, jsonText(c.Headers), c.ExpectStatus, c.BodyContains, c.BodyMatches, c.MaxResponse.Milliseconds(), c.VerifyTLS, c.FollowRedirects,
		c.Address, c.CertWarnDays, c.Interval.Milliseconds(), c.Timeout.Milliseconds(), c.Retries, c.IncidentAfter, c.IncidentPriority, c.TargetPercent, c.TargetCalendar}
}

const checkSet = `name = ?, service = ?, component = ?, kind = ?, org_id = ?, provider_id = ?, public = ?, enabled = ?,
	method = ?, url = ?, headers = ?, expect_status = ?, body_contains = ?, body_matches = ?, max_response_ms = ?, verify_tls = ?, follow_redirects = ?,
	address = ?, cert_warn_days = ?, interval_ms = ?, timeout_ms = ?, retries = ?, incident_after = ?, incident_priority = ?, target_percent = ?, target_calendar = ?`

// createCheck inserts a validated check; its first run is spread over its
// interval by itsm.FirstDue.
func (tx *Tx) createCheck(c *itsm.Check) error {
	if err := c.ErrMaskLeft(); err != nil {
		return err
	}
	if err := tx.validateCheckOrgs(c); err != nil {
		return err
	}
	if c.Headers == nil {
		c.Headers = []itsm.CheckHeader{}
	}
	args := append(checkArgs(c), tx.now.UnixMicro(), ts(tx.now), ts(tx.now))
	id, err := tx.insert(`INSERT INTO monitor_checks (name, service, component, kind, org_id, provider_id, public, enabled,
		method, url, headers, expect_status, body_contains, body_matches, max_response_ms, verify_tls, follow_redirects,
		address, cert_warn_days, interval_ms, timeout_ms, retries, incident_after, incident_priority, target_percent, target_calendar,
		next_due, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, args...)
	if isUniqueViolation(err) {
		return errCheckName
	} else if err != nil {
		return fmt.Errorf("create check: %w", err)
	}
	// The phase depends on the ID, which the insert has just chosen.
	if _, err := tx.exec(`UPDATE monitor_checks SET next_due = ? WHERE id = ?`, ts(itsm.FirstDue(id, c.Interval, tx.now)), id); err != nil {
		return fmt.Errorf("schedule check %d: %w", id, err)
	}
	got, err := tx.findCheck(id)
	if err != nil {
		return err
	}
	*c = *got
	return tx.audit(itsm.AuditCreate, "check", id, c.OrgID, diff(nil, c.Masked()))
}

// CreateCheck adds a check (programme managers and administrators).
func (db *DB) CreateCheck(ctx context.Context, c *itsm.Check) error {
	if !itsm.ActorFromContext(ctx).CanManageChecks() {
		return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to add checks.")
	}
	c.Normalise()
	if err := c.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error { return tx.createCheck(c) })
}

// updateCheck replaces old's definition with c's, keeping secrets sent back
// masked and the run state.
func (tx *Tx) updateCheck(old, c *itsm.Check) error {
	if err := c.ErrMaskLeft(); err != nil {
		return err
	}
	if err := tx.validateCheckOrgs(c); err != nil {
		return err
	}
	if c.Headers == nil {
		c.Headers = []itsm.CheckHeader{}
	}
	args := append(checkArgs(c), ts(tx.now), old.ID, old.Version)
	res, err := tx.exec(`UPDATE monitor_checks SET `+checkSet+`, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`, args...)
	if isUniqueViolation(err) {
		return errCheckName
	} else if err != nil {
		return fmt.Errorf("update check %d: %w", old.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return itsm.ErrStale("check")
	}
	if c.Interval != old.Interval || (old.Enabled != c.Enabled && c.Enabled) {
		if _, err := tx.exec(`UPDATE monitor_checks SET next_due = ? WHERE id = ?`, ts(itsm.FirstDue(old.ID, c.Interval, tx.now)), old.ID); err != nil {
			return fmt.Errorf("reschedule check %d: %w", old.ID, err)
		}
	}
	if !c.Enabled && old.Enabled {
		// A paused check has no status: it is not up, and it is not down.
		// Its outage in progress ends now (nobody is watching any more);
		// the incident it opened stays with the people working it.
		if _, err := tx.exec(`UPDATE monitor_checks SET status = ?, consecutive_failures = 0, open_outage_id = NULL WHERE id = ?`, itsm.CheckUnknown, old.ID); err != nil {
			return fmt.Errorf("pause check %d: %w", old.ID, err)
		}
		if old.OpenOutageID != nil {
			if _, err := tx.exec(`UPDATE check_outages SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, ts(tx.now), *old.OpenOutageID); err != nil {
				return fmt.Errorf("end outage of paused check %d: %w", old.ID, err)
			}
		}
	}
	got, err := tx.findCheck(old.ID)
	if err != nil {
		return err
	}
	*c = *got
	return tx.audit(itsm.AuditUpdate, "check", old.ID, c.OrgID, diff(old.Masked(), c.Masked()))
}

// UpdateCheck replaces a check's definition; c.ID and c.Version say which.
func (db *DB) UpdateCheck(ctx context.Context, c *itsm.Check) error {
	if !itsm.ActorFromContext(ctx).CanManageChecks() {
		return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change checks.")
	}
	c.Normalise()
	if err := c.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		old, err := tx.findCheck(c.ID)
		if err != nil {
			return err
		}
		if c.Version != old.Version {
			return itsm.ErrStale("check")
		}
		c.KeepSecrets(old)
		return tx.updateCheck(old, c)
	})
}

// DeleteCheck removes a check with its samples, roll-ups and outages. The
// incidents its outages opened stay.
func (db *DB) DeleteCheck(ctx context.Context, id int64) error {
	if !itsm.ActorFromContext(ctx).CanManageChecks() {
		return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to remove checks.")
	}
	return db.update(ctx, func(tx *Tx) error {
		old, err := tx.findCheck(id)
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM check_samples WHERE check_id = ?`, `DELETE FROM check_rollups WHERE check_id = ?`,
			`DELETE FROM check_outages WHERE check_id = ?`, `DELETE FROM monitor_checks WHERE id = ?`} {
			if _, err := tx.exec(q, id); err != nil {
				return fmt.Errorf("delete check %d: %w", id, err)
			}
		}
		return tx.audit(itsm.AuditDelete, "check", id, old.OrgID, diff(old.Masked(), nil))
	})
}

// ImportChecks creates or updates every definition (matched by service and
// name), all or nothing. Secret headers sent masked keep their stored value.
func (db *DB) ImportChecks(ctx context.Context, defs []*itsm.Check, dryRun bool) (*itsm.CheckImport, error) {
	if !itsm.ActorFromContext(ctx).CanManageChecks() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to import checks.")
	}
	if len(defs) == 0 {
		return nil, itsm.Errorf(itsm.EINVALID, "The file holds no checks.")
	}
	if len(defs) > 20000 {
		return nil, itsm.Errorf(itsm.EINVALID, "A file may hold at most 20,000 checks; split it.")
	}
	out := &itsm.CheckImport{Errors: []itsm.CheckImportError{}}
	seen := map[string]int{}
	for i, c := range defs {
		c.Normalise()
		if err := c.Validate(); err != nil {
			var e *itsm.Error
			errors.As(err, &e)
			out.Errors = append(out.Errors, itsm.CheckImportError{Index: i + 1, Name: c.Name, Message: itsm.ErrorMessage(err), Fields: e.Fields})
			continue
		}
		key := strings.ToLower(c.Service) + "\x00" + c.Name
		if j, dup := seen[key]; dup {
			out.Errors = append(out.Errors, itsm.CheckImportError{Index: i + 1, Name: c.Name, Message: fmt.Sprintf("Check %d already defines %q on %s.", j, c.Name, c.Service)})
			continue
		}
		seen[key] = i + 1
	}
	if len(out.Errors) > 0 {
		return out, nil
	}
	errRollback := errors.New("dry run")
	err := db.update(ctx, func(tx *Tx) error {
		for i, c := range defs {
			var id int64
			err := tx.queryRow(`SELECT id FROM monitor_checks WHERE service = ? AND name = ?`, c.Service, c.Name).Scan(&id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				err = tx.createCheck(c)
				out.Created++
			case err != nil:
				return fmt.Errorf("match check %q: %w", c.Name, err)
			default:
				var old *itsm.Check
				if old, err = tx.findCheck(id); err == nil {
					c.KeepSecrets(old)
					err = tx.updateCheck(old, c)
					out.Updated++
				}
			}
			if err != nil {
				if itsm.ErrorCode(err) == itsm.EINTERNAL {
					return err
				}
				var e *itsm.Error
				errors.As(err, &e)
				out.Errors = append(out.Errors, itsm.CheckImportError{Index: i + 1, Name: c.Name, Message: itsm.ErrorMessage(err), Fields: e.Fields})
			}
		}
		if len(out.Errors) > 0 || dryRun {
			return errRollback
		}
		out.Checks = defs
		return nil
	})
	if errors.Is(err, errRollback) {
		if len(out.Errors) > 0 {
			out.Created, out.Updated = 0, 0
		}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
