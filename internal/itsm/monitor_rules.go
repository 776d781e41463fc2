package itsm

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on check definitions.
const (
	MinCheckInterval = 10 * time.Second
	MaxCheckInterval = 24 * time.Hour
	MaxCheckTimeout  = 60 * time.Second
	MaxCheckRetries  = 5
	// FlapWindow is how soon after an incident's outage ended a new outage
	// of the same check re-opens that incident instead of raising another.
	FlapWindow = 15 * time.Minute
)

// CheckMethods are the HTTP methods a check may use.
var CheckMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

var secretHeaderWords = []string{"authorization", "cookie", "token", "secret", "key", "password", "auth", "session", "signature"}

// Secret reports whether a header's value must be masked on every surface.
func (h CheckHeader) Secret() bool {
	n := strings.ToLower(h.Name)
	for _, w := range secretHeaderWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// MaskedHeaders returns the headers with secret values replaced by
// SecretMask, for showing and exporting.
func (c *Check) MaskedHeaders() []CheckHeader {
	out := make([]CheckHeader, len(c.Headers))
	for i, h := range c.Headers {
		out[i] = h
		if h.Secret() && h.Value != "" {
			out[i].Value = SecretMask
		}
	}
	return out
}

// Masked returns a copy of the check that is safe to show or export.
func (c *Check) Masked() *Check {
	m := *c
	m.Headers = c.MaskedHeaders()
	return &m
}

// KeepSecrets puts back the stored value of every secret header that an
// update sent as SecretMask, so that editing a check never needs its secrets.
func (c *Check) KeepSecrets(old *Check) {
	for i, h := range c.Headers {
		if h.Value != SecretMask {
			continue
		}
		for _, o := range old.Headers {
			if strings.EqualFold(o.Name, h.Name) {
				c.Headers[i].Value = o.Value
				break
			}
		}
	}
}

// Normalise tidies a definition and fills the defaults people expect.
func (c *Check) Normalise() {
	for _, p := range []*string{&c.Name, &c.Service, &c.Component, &c.Kind, &c.URL, &c.Address, &c.ExpectStatus, &c.IncidentPriority, &c.TargetCalendar} {
		*p = strings.TrimSpace(*p)
	}
	c.Kind = strings.ToLower(c.Kind)
	c.Method = strings.ToUpper(strings.TrimSpace(c.Method))
	c.IncidentPriority = strings.ToUpper(c.IncidentPriority)
	if c.Kind == CheckHTTP {
		if c.Method == "" {
			c.Method = "GET"
		}
		if c.ExpectStatus == "" {
			c.ExpectStatus = "200-299"
		}
	} else {
		c.Method, c.URL, c.ExpectStatus, c.BodyContains, c.BodyMatches, c.MaxResponse = "", "", "", "", "", 0
		c.Headers = nil
		c.FollowRedirects = false
	}
	if c.Kind == CheckTLS && c.CertWarnDays == 0 {
		c.CertWarnDays = 14
	}
	if c.Kind != CheckTLS {
		c.CertWarnDays = 0
	}
	if c.Interval == 0 {
		c.Interval = time.Minute
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
		if c.Timeout > c.Interval {
			c.Timeout = c.Interval
		}
	}
	if c.IncidentAfter == 0 {
		c.IncidentAfter = 3
	}
	if c.TargetCalendar == "" {
		c.TargetCalendar = Target24x7
	}
	headers := c.Headers[:0:0]
	for _, h := range c.Headers {
		h.Name, h.Value = strings.TrimSpace(h.Name), strings.TrimSpace(h.Value)
		if h.Name != "" || h.Value != "" {
			headers = append(headers, h)
		}
	}
	c.Headers = headers
	if c.Status == "" {
		c.Status = CheckUnknown
	}
}

// Validate checks a normalised definition and names every bad field.
func (c *Check) Validate() error {
	f := map[string]string{}
	text := func(field, label, v string, required bool, max int) {
		switch {
		case required && v == "":
			f[field] = "Enter the " + label + "."
		case utf8.RuneCountInString(v) > max:
			f[field] = fmt.Sprintf("The %s must be %d characters or fewer.", label, max)
		case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 }):
			f[field] = "The " + label + " must not contain control characters."
		}
	}
	text("name", "check's name", c.Name, true, 200)
	text("service", "service", c.Service, true, 120)
	text("component", "component", c.Component, false, 120)
	switch c.Kind {
	case CheckHTTP:
		c.validateHTTP(f)
	case CheckTCP, CheckTLS:
		if c.Address == "" {
			f["address"] = "Enter the address to connect to, as host:port, for example api.example.org:443."
		} else if msg := validateHostPort(c.Address); msg != "" {
			f["address"] = msg
		}
		if c.Kind == CheckTLS && (c.CertWarnDays < 1 || c.CertWarnDays > 365) {
			f["cert_warn_days"] = "Warn between 1 and 365 days before the certificate expires."
		}
	case "":
		f["kind"] = "Choose what the check does: an HTTP(S) request, a TCP connect or a TLS certificate expiry check."
	default:
		f["kind"] = fmt.Sprintf("%q is not a kind of check: use http, tcp or tls.", c.Kind)
	}
	switch {
	case c.Interval < MinCheckInterval:
		f["interval"] = "The interval must be at least 10 seconds."
	case c.Interval > MaxCheckInterval:
		f["interval"] = "The interval must be at most 24 hours."
	}
	switch {
	case c.Timeout < time.Second:
		f["timeout"] = "The time-out must be at least 1 second."
	case c.Timeout > MaxCheckTimeout:
		f["timeout"] = "The time-out must be at most 60 seconds."
	case c.Timeout > c.Interval && c.Interval >= MinCheckInterval:
		f["timeout"] = "The time-out must not be longer than the interval."
	}
	if c.Retries < 0 || c.Retries > MaxCheckRetries {
		f["retries"] = fmt.Sprintf("Retries must be between 0 and %d.", MaxCheckRetries)
	}
	if c.IncidentAfter < 1 || c.IncidentAfter > 100 {
		f["incident_after"] = "Open an incident after between 1 and 100 consecutive failures."
	}
	if c.IncidentPriority != "" && c.IncidentPriority != "P1" && c.IncidentPriority != "P2" {
		f["incident_priority"] = "An outage opens a P1 or P2 incident, or none: choose P1, P2 or none."
	}
	if c.TargetPercent < 0 || c.TargetPercent > 100 {
		f["target_percent"] = "The availability target is a percentage between 0 and 100, for example 99.5."
	}
	if c.TargetCalendar != Target24x7 && c.TargetCalendar != TargetBusinessHours {
		f["target_calendar"] = "The target counts either every hour (24x7) or business hours (business)."
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "The check could not be saved: correct the fields shown.", Fields: f}
	}
	return nil
}

func (c *Check) validateHTTP(f map[string]string) {
	if c.URL == "" {
		f["url"] = "Enter the URL to request, for example https://api.example.org/health."
	} else if u, err := url.Parse(c.URL); err != nil || u.Host == "" {
		f["url"] = "Enter a whole URL, for example https://api.example.org/health."
	} else if u.Scheme != "http" && u.Scheme != "https" {
		f["url"] = fmt.Sprintf("A check can request http or https URLs, not %s.", u.Scheme)
	} else if u.User != nil {
		f["url"] = "Put credentials in an Authorization header, not in the URL."
	} else if len(c.URL) > 2000 {
		f["url"] = "The URL must be 2,000 characters or fewer."
	}
	known := false
	for _, m := range CheckMethods {
		known = known || m == c.Method
	}
	if !known {
		f["method"] = "Choose one of " + strings.Join(CheckMethods, ", ") + "."
	}
	if _, err := ParseExpectStatus(c.ExpectStatus); err != nil {
		f["expect_status"] = err.Error()
	}
	if len(c.BodyContains) > 1000 {
		f["body_contains"] = "The text to find must be 1,000 characters or fewer."
	}
	if c.BodyMatches != "" {
		if len(c.BodyMatches) > 1000 {
			f["body_matches"] = "The pattern must be 1,000 characters or fewer."
		} else if _, err := regexp.Compile(c.BodyMatches); err != nil {
			f["body_matches"] = "The pattern is not a valid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ") + "."
		}
	}
	if c.MaxResponse < 0 {
		f["max_response"] = "The maximum response time cannot be negative."
	} else if c.MaxResponse > 0 && c.Timeout > 0 && c.MaxResponse > c.Timeout {
		f["max_response"] = "The maximum response time must not be longer than the time-out."
	}
	if len(c.Headers) > 20 {
		f["headers"] = "A check may send at most 20 headers."
	}
	for _, h := range c.Headers {
		switch {
		case h.Name == "":
			f["headers"] = "Every header needs a name."
		case !validHeaderName(h.Name):
			f["headers"] = fmt.Sprintf("%q is not a valid header name.", h.Name)
		case strings.ContainsAny(h.Value, "\r\n\x00"):
			f["headers"] = fmt.Sprintf("The value of %s must be on one line.", h.Name)
		case len(h.Value) > 4000:
			f["headers"] = fmt.Sprintf("The value of %s must be 4,000 characters or fewer.", h.Name)
		}
	}
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}

func validateHostPort(addr string) string {
	if strings.Contains(addr, "://") {
		return "Enter host:port without a scheme, for example api.example.org:443."
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return "Enter the address as host:port, for example api.example.org:443."
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "The port must be a number from 1 to 65535."
	}
	if strings.ContainsAny(host, " /?#@") {
		return "The host name contains characters a host name cannot."
	}
	return ""
}

// StatusRange is an inclusive range of HTTP statuses.
type StatusRange struct{ Lo, Hi int }

// ParseExpectStatus reads "200-299,301" into ranges.
func ParseExpectStatus(s string) ([]StatusRange, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("enter the statuses that pass, for example 200-299")
	}
	var out []StatusRange
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
			return nil, fmt.Errorf("%q is not a status or range of statuses between 100 and 599, such as 200 or 200-299", part)
		}
		out = append(out, StatusRange{a, b})
	}
	return out, nil
}

// StatusExpected reports whether code falls in one of the ranges.
func StatusExpected(ranges []StatusRange, code int) bool {
	for _, r := range ranges {
		if code >= r.Lo && code <= r.Hi {
			return true
		}
	}
	return false
}

// FirstDue spreads checks evenly over their interval: a check's first run
// is at a fixed phase within the interval derived from its ID, so a
// thousand checks created at once never run in one burst.
func FirstDue(id int64, interval time.Duration, now time.Time) time.Time {
	if interval <= 0 {
		return now
	}
	// Multiplicative hashing spreads consecutive IDs across the interval.
	phase := time.Duration((uint64(id) * 11400714819323198485) % uint64(interval))
	base := now.Truncate(interval)
	due := base.Add(phase)
	if due.Before(now) {
		due = due.Add(interval)
	}
	return due
}

// NextDue is the next due instant after a run due at due: one interval on,
// skipping intervals missed while no node ran the check, keeping its phase.
func NextDue(due time.Time, interval time.Duration, now time.Time) time.Time {
	next := due.Add(interval)
	if next.Before(now) {
		missed := now.Sub(next)/interval + 1
		next = next.Add(missed * interval)
	}
	return next
}

// CanManageChecks reports whether the actor may add, change and remove
// checks and maintenance windows: programme managers and administrators.
func (a *Actor) CanManageChecks() bool {
	return a.System || (a.OrgKind == OrgProgramme && (a.Role == RoleManager || a.Role == RoleAdmin))
}

// CanReadChecks reports whether the actor may read checks, their results
// and outages: programme staff and auditors (all), provider staff (the
// checks their organisation operates). Customers read the status page.
func (a *Actor) CanReadChecks() bool { return a.ReadsEverything() || a.IsProvider() }

// ErrMaskLeft reports a secret header still holding SecretMask once the
// stored values have been put back: a new header, or one renamed while
// its value was hidden. Saving it would store the mask as the secret.
func (c *Check) ErrMaskLeft() error {
	for _, h := range c.Headers {
		if h.Value == SecretMask {
			return &Error{Code: EINVALID, Message: "The check could not be saved: correct the fields shown.", Fields: map[string]string{
				"headers": fmt.Sprintf("Enter the value of the %s header: %s stands for a hidden value and cannot be saved as one.", h.Name, SecretMask)}}
		}
	}
	return nil
}
