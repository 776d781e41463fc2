package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// This file holds what the service management pages (problems,
// escalations, agreements, SLA reports, the what-if comparison and the
// service desk settings) share.

// orgsOfKind lists the organisations of a kind that the viewer can see, as
// choices; people who see only their own organisation get at most that.
func (s *Server) orgsOfKind(r *http.Request, kind itsm.OrgKind) ([]option, error) {
	orgs, _, err := s.svc.Organisations.FindOrganisations(r.Context(), itsm.OrganisationFilter{Kind: &kind, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make([]option, len(orgs))
	for i, o := range orgs {
		out[i] = option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name}
	}
	return out, nil
}

// orgNames maps the organisations the viewer can see to their names.
func (s *Server) orgNames(r *http.Request) (map[int64]string, error) {
	orgs, _, err := s.svc.Organisations.FindOrganisations(r.Context(), itsm.OrganisationFilter{Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(orgs))
	for _, o := range orgs {
		out[o.ID] = o.Name
	}
	return out, nil
}

// priorityOptions are the priorities, most urgent first.
func priorityOptions() []option {
	out := make([]option, len(itsm.Priorities))
	for i, p := range itsm.Priorities {
		out[i] = option{Value: p, Label: p}
	}
	return out
}

// idValue formats an optional id for a form field ("" when unset).
func idValue(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// optionalID reads an optional numeric id from a form field: nil when
// empty, and false when it is not one of the options offered.
func optionalID(value string, options []option) (*int64, bool) {
	if value == "" {
		return nil, true
	}
	if !hasOption(options, value) {
		return nil, false
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n <= 0 {
		return nil, false
	}
	return &n, true
}

// textareaMax bounds the long text people type (root causes, outcomes).
const textareaMax = 20000

// businessTime says an amount of business time in hours and minutes: "4
// hours", "30 minutes", "1 hour 30 minutes". It never says days, since a
// business day's length depends on the calendar.
func businessTime(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 minutes"
	case d < 30*time.Second:
		// A span that has only just begun (a ticket opened a moment ago)
		// is not "0 minutes" long.
		return "under a minute"
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour"))
	}
	if m > 0 || h == 0 {
		parts = append(parts, plural(m, "minute"))
	}
	return strings.Join(parts, " ")
}

// businessSeconds says an optional number of seconds of business time in
// words, or none.
func businessSeconds(secs *int64, none string) string {
	if secs == nil {
		return none
	}
	return businessTime(time.Duration(*secs) * time.Second)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// percentOr formats an optional percentage the GOV.UK way ("95%",
// "66.7%"), or none.
func percentOr(p *float64, none string) string {
	if p == nil {
		return none
	}
	return report.PercentText(*p)
}

// pointsChange says a change in percentage points in words: "12.5 lower",
// "5 higher", "No change", or none when there is nothing to compare.
func pointsChange(d *float64, none string) string {
	switch {
	case d == nil:
		return none
	case *d > 0.05:
		return strings.TrimSuffix(report.PercentText(*d), "%") + " higher"
	case *d < -0.05:
		return strings.TrimSuffix(report.PercentText(-*d), "%") + " lower"
	}
	return "No change"
}

// checkbox is one choice of a checkbox group.
type checkbox struct {
	ID, Value, Label string
	Checked          bool
}

// checkboxGroup is what the "checkboxGroup" partial draws: a fieldset of
// checkboxes sharing a name. The first box's id is the group's, so that
// the error summary's link lands on it.
type checkboxGroup struct {
	ID, Name, Legend, Hint, Error string
	Items                         []checkbox
}

// DescribedBy lists the ids of the hint and error message.
func (g checkboxGroup) DescribedBy() string {
	return field{ID: g.ID, Hint: g.Hint, Error: g.Error}.DescribedBy()
}

// newCheckboxGroup builds a group from options, checking those in checked.
func newCheckboxGroup(p *basePage, name, legend, hint string, options []option, checked []string) checkboxGroup {
	g := checkboxGroup{ID: name, Name: name, Legend: legend, Hint: hint, Error: p.FieldError(name)}
	for i, o := range options {
		id := name
		if i > 0 {
			id = name + "-" + strings.ReplaceAll(o.Value, " ", "-")
		}
		c := checkbox{ID: id, Value: o.Value, Label: o.Label}
		for _, v := range checked {
			if v == o.Value {
				c.Checked = true
			}
		}
		g.Items = append(g.Items, c)
	}
	return g
}

// notConfigured is the answer of a page whose service the server was
// started without.
func notConfigured(what string) error {
	return fmt.Errorf("web: %s is not configured: %w", what, errPageNotFound)
}
