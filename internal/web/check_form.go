package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// checkHeaderRows is how many header rows the form offers.
const checkHeaderRows = 5

// checkFields are the form's fields in its order, named as
// itsm.Check.Validate names them.
var checkFields = []string{"name", "service", "component", "kind", "url", "method", "headers", "expect_status", "body_contains", "body_matches",
	"max_response", "address", "cert_warn_days", "interval", "timeout", "retries", "incident_after", "incident_priority",
	"target_percent", "target_calendar", "organisation_id", "provider_id"}

// checkHeaderRow is one name/value row of the headers.
type checkHeaderRow struct {
	N           int
	Name, Value string
	Secret      bool
}

// checkFormPage adds a check or changes one.
type checkFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel string
	Editing                         bool
	Version                         int64
	In                              checkInput
	Headers                         []checkHeaderRow
	Kinds, Methods, Priorities      []option
	Calendars, Orgs, Providers      []option
	Mask                            string
	ID                              int64
	Enabled                         bool
}

// checkInput is what the form sent, as typed.
type checkInput struct {
	Name, Service, Component, Kind, Method, URL, ExpectStatus   string
	BodyContains, BodyMatches, MaxResponseMS, Address, CertWarn string
	Interval, Timeout, Retries, IncidentAfter, IncidentPriority string
	TargetPercent, TargetCalendar, OrgID, ProviderID            string
	Public, Enabled, VerifyTLS, FollowRedirects                 bool
	HeaderNames, HeaderValues                                   []string
}

var checkPriorityOptions = []option{{"", "None: record the outage only"}, {"P1", "P1 (critical)"}, {"P2", "P2 (high)"}}

var checkCalendarOptions = []option{{itsm.Target24x7, "Every hour (24x7)"}, {itsm.TargetBusinessHours, "The provider's business hours"}}

func readCheckForm(r *http.Request) checkInput {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	in := checkInput{Name: v("name"), Service: v("service"), Component: v("component"), Kind: v("kind"), Method: v("method"), URL: v("url"),
		ExpectStatus: v("expect_status"), BodyContains: r.PostFormValue("body_contains"), BodyMatches: r.PostFormValue("body_matches"),
		MaxResponseMS: v("max_response"), Address: v("address"), CertWarn: v("cert_warn_days"), Interval: v("interval"), Timeout: v("timeout"),
		Retries: v("retries"), IncidentAfter: v("incident_after"), IncidentPriority: v("incident_priority"), TargetPercent: v("target_percent"),
		TargetCalendar: v("target_calendar"), OrgID: v("organisation_id"), ProviderID: v("provider_id"),
		Public: r.PostFormValue("public") == "true", Enabled: r.PostFormValue("enabled") == "true",
		VerifyTLS: r.PostFormValue("verify_tls") == "true", FollowRedirects: r.PostFormValue("follow_redirects") == "true"}
	for i := 1; i <= checkHeaderRows; i++ {
		in.HeaderNames = append(in.HeaderNames, r.PostFormValue("header_name_"+strconv.Itoa(i)))
		in.HeaderValues = append(in.HeaderValues, r.PostFormValue("header_value_"+strconv.Itoa(i)))
	}
	return in
}

// checkInputOf fills the form from a check, secret header values masked.
func checkInputOf(c *itsm.Check) checkInput {
	in := checkInput{Name: c.Name, Service: c.Service, Component: c.Component, Kind: c.Kind, Method: c.Method, URL: c.URL,
		ExpectStatus: c.ExpectStatus, BodyContains: c.BodyContains, BodyMatches: c.BodyMatches, Address: c.Address,
		Interval: strconv.FormatInt(int64(c.Interval/time.Second), 10), Timeout: strconv.FormatInt(int64(c.Timeout/time.Second), 10),
		Retries: strconv.Itoa(c.Retries), IncidentAfter: strconv.Itoa(c.IncidentAfter), IncidentPriority: c.IncidentPriority,
		TargetCalendar: c.TargetCalendar, Public: c.Public, Enabled: c.Enabled, VerifyTLS: c.VerifyTLS, FollowRedirects: c.FollowRedirects}
	if c.MaxResponse > 0 {
		in.MaxResponseMS = strconv.FormatInt(c.MaxResponse.Milliseconds(), 10)
	}
	if c.CertWarnDays > 0 {
		in.CertWarn = strconv.Itoa(c.CertWarnDays)
	}
	if c.TargetPercent > 0 {
		in.TargetPercent = strconv.FormatFloat(c.TargetPercent, 'f', -1, 64)
	}
	if c.OrgID != nil {
		in.OrgID = strconv.FormatInt(*c.OrgID, 10)
	}
	if c.ProviderID != nil {
		in.ProviderID = strconv.FormatInt(*c.ProviderID, 10)
	}
	for _, h := range c.MaskedHeaders() {
		in.HeaderNames = append(in.HeaderNames, h.Name)
		in.HeaderValues = append(in.HeaderValues, h.Value)
	}
	return in
}

// newCheckInput is the form of a new check, with the defaults filled in.
func newCheckInput() checkInput {
	return checkInput{Kind: itsm.CheckHTTP, Method: "GET", ExpectStatus: "200-299", Interval: "60", Timeout: "10", Retries: "0",
		IncidentAfter: "3", CertWarn: "14", TargetCalendar: itsm.Target24x7, Enabled: true, VerifyTLS: true, FollowRedirects: true}
}

// check turns the input into a check, with the problems only the form can
// see (numbers that are not numbers).
func (in checkInput) check() (*itsm.Check, error) {
	var v itsm.Validation
	c := &itsm.Check{Name: in.Name, Service: in.Service, Component: in.Component, Kind: in.Kind, Method: in.Method, URL: in.URL,
		ExpectStatus: in.ExpectStatus, BodyContains: in.BodyContains, BodyMatches: in.BodyMatches, Address: in.Address,
		IncidentPriority: in.IncidentPriority, TargetCalendar: in.TargetCalendar, Public: in.Public, Enabled: in.Enabled,
		VerifyTLS: in.VerifyTLS, FollowRedirects: in.FollowRedirects, Headers: []itsm.CheckHeader{}}
	whole := func(field, s, msg string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > 1_000_000_000 || n < -1_000_000_000 {
			v.Add(field, msg)
			return 0
		}
		return n
	}
	c.Interval = time.Duration(whole("interval", in.Interval, "Enter the interval as a whole number of seconds, like 60.")) * time.Second
	c.Timeout = time.Duration(whole("timeout", in.Timeout, "Enter the time-out as a whole number of seconds, like 10.")) * time.Second
	c.MaxResponse = time.Duration(whole("max_response", in.MaxResponseMS, "Enter the maximum response time as a whole number of milliseconds, like 800, or leave it blank.")) * time.Millisecond
	c.Retries = int(whole("retries", in.Retries, "Enter the retries as a whole number from 0 to 5."))
	c.IncidentAfter = int(whole("incident_after", in.IncidentAfter, "Enter the number of failed runs as a whole number, like 3."))
	c.CertWarnDays = int(whole("cert_warn_days", in.CertWarn, "Enter the warning period as a whole number of days, like 14."))
	if in.TargetPercent != "" {
		pct, err := strconv.ParseFloat(strings.TrimSuffix(in.TargetPercent, "%"), 64)
		if err != nil {
			v.Add("target_percent", "Enter the availability target as a percentage, like 99.5, or leave it blank for none.")
		}
		c.TargetPercent = pct
	}
	for _, pair := range []struct {
		field, s string
		dst      **int64
	}{{"organisation_id", in.OrgID, &c.OrgID}, {"provider_id", in.ProviderID, &c.ProviderID}} {
		if pair.s == "" {
			continue
		}
		n, err := strconv.ParseInt(pair.s, 10, 64)
		if err != nil || n <= 0 {
			v.Add(pair.field, "Choose from the list.")
			continue
		}
		*pair.dst = &n
	}
	for i := range in.HeaderNames {
		name, value := strings.TrimSpace(in.HeaderNames[i]), in.HeaderValues[i]
		if name != "" || strings.TrimSpace(value) != "" {
			c.Headers = append(c.Headers, itsm.CheckHeader{Name: name, Value: value})
		}
	}
	return c, v.Err()
}

// validateCheck applies the domain's rules to a copy of c, so that the
// form shows the web's and the domain's problems together.
func validateCheck(c *itsm.Check, formErr error) error {
	x := *c
	x.Headers = slices.Clone(c.Headers)
	x.Normalise()
	return mergeErrors(formErr, x.Validate())
}

func (s *Server) checkFormPage(w http.ResponseWriter, r *http.Request, title string, in checkInput) (*checkFormPage, error) {
	p := &checkFormPage{basePage: s.newPage(w, r, title), In: in, Kinds: integrationOptions(itsm.CheckKinds), Priorities: checkPriorityOptions,
		Calendars: checkCalendarOptions, Mask: itsm.SecretMask}
	for _, m := range itsm.CheckMethods {
		p.Methods = append(p.Methods, option{m, m})
	}
	customers, err := s.orgsOfKind(r, itsm.OrgCustomer)
	if err != nil {
		return nil, err
	}
	p.Orgs = append([]option{{"", "Shared service: every customer uses it"}}, customers...)
	providers, err := s.orgsOfKind(r, itsm.OrgProvider)
	if err != nil {
		return nil, err
	}
	p.Providers = append([]option{{"", "None"}}, providers...)
	rows := max(checkHeaderRows, len(in.HeaderNames))
	for i := range rows {
		h := checkHeaderRow{N: i + 1}
		if i < len(in.HeaderNames) {
			h.Name, h.Value = in.HeaderNames[i], in.HeaderValues[i]
			h.Secret = itsm.CheckHeader{Name: h.Name}.Secret()
		}
		p.Headers = append(p.Headers, h)
	}
	return p, nil
}

// checkNewForm shows the form for a new check.
func (s *Server) checkNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := mayManageChecks(r); err != nil {
		return err
	}
	in := newCheckInput()
	in.Service = r.URL.Query().Get("service")
	p, err := s.checkFormPage(w, r, "Add a check", in)
	if err != nil {
		return err
	}
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/checks/new", "/checks", "Add check", "/checks"
	return s.render(w, http.StatusOK, "check_form", p)
}

// checkCreate adds the check and returns to its service's checks.
func (s *Server) checkCreate(w http.ResponseWriter, r *http.Request) error {
	if err := mayManageChecks(r); err != nil {
		return err
	}
	in := readCheckForm(r)
	c, err := in.check()
	err = validateCheck(c, err)
	if err == nil {
		err = s.svc.Monitor.CreateCheck(r.Context(), c)
	}
	if formFailed(err) {
		p, perr := s.checkFormPage(w, r, "Add a check", in)
		if perr != nil {
			return perr
		}
		p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/checks/new", "/checks", "Add check", "/checks"
		p.setErrors(err, checkFields...)
		return s.render(w, formStatus(err), "check_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, checksOfService(c.Service), checkSaved(c, true))
}

func (s *Server) checkEditPage(w http.ResponseWriter, r *http.Request, c *itsm.Check, in checkInput, version int64) (*checkFormPage, error) {
	p, err := s.checkFormPage(w, r, "Change "+c.Name, in)
	if err != nil {
		return nil, err
	}
	p.Caption = c.Service
	p.Editing, p.Version, p.ID, p.Enabled = true, version, c.ID, c.Enabled
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = managedCheckHref(c)+"/edit", managedCheckHref(c), "Save changes", managedCheckHref(c)
	return p, nil
}

// checkEditForm shows the form to change a check, secrets masked.
func (s *Server) checkEditForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.findCheckToManage(r)
	if err != nil {
		return err
	}
	p, err := s.checkEditPage(w, r, c, checkInputOf(c), c.Version)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "check_form", p)
}

// checkUpdate saves the change unless someone else changed the check since
// the form was opened. Secret header values sent back as the mask keep
// their stored values; pausing is done by its own button, so the check
// stays running or paused as it was.
func (s *Server) checkUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := s.findCheckToManage(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	in := readCheckForm(r)
	in.Enabled = old.Enabled
	c, err := in.check()
	err = validateCheck(c, err)
	if err == nil {
		c.ID, c.Version = old.ID, version
		err = s.svc.Monitor.UpdateCheck(r.Context(), c)
	}
	if formFailed(err) {
		p, perr := s.checkEditPage(w, r, old, maskInput(in), version)
		if perr != nil {
			return perr
		}
		p.setErrors(err, checkFields...)
		return s.render(w, formStatus(err), "check_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, checksOfService(c.Service), checkSaved(c, false))
}

// maskInput masks the secret header values typed into a form that is shown
// again, so that a secret never travels back to the browser.
func maskInput(in checkInput) checkInput {
	in.HeaderValues = slices.Clone(in.HeaderValues)
	for i, n := range in.HeaderNames {
		if (itsm.CheckHeader{Name: n}).Secret() && in.HeaderValues[i] != "" {
			in.HeaderValues[i] = itsm.SecretMask
		}
	}
	return in
}

// formCheckbox is what the "formCheckbox" partial draws: one checkbox whose value
// is "true".
type formCheckbox struct {
	ID, Label, Hint string
	On              bool
}

// Box builds a checkbox for the template.
func (p *checkFormPage) Box(id, label, hint string, on bool) formCheckbox {
	return formCheckbox{ID: id, Label: label, Hint: hint, On: on}
}

// HeadersError is the message of the headers, shown above their rows.
func (p *checkFormPage) HeadersError() string { return p.FieldError("headers") }
