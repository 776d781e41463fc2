package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

//go:embed templates
var templateFS embed.FS

// basePage is what every page's layout needs. Each page is a struct that
// embeds it and adds its own typed fields.
type basePage struct {
	// Title names the page in <title>; Heading (default Title) is its h1,
	// under the optional Caption. Pages that draw their own h1 set NoHeader.
	Title, Heading, Caption string
	NoHeader                bool
	// BackHref, when set, draws a back link above the heading.
	BackHref string
	// Wide pages (lists with tables) use the full width of the page.
	Wide bool

	Actor      *itsm.Actor
	OrgName    string
	Nav        []navLink
	CSRFToken  string
	Flash      *flash
	AppVersion string

	// Errors is the error summary, in the form's order; fieldErrors holds
	// the same messages by field for the fields themselves.
	Errors      []fieldError
	fieldErrors map[string]string

	loc *time.Location
}

// navLink is one item of the site navigation.
type navLink struct {
	Href, Label string
	Current     bool
}

// page is implemented by every page struct through its embedded basePage.
type page interface{ base() *basePage }

func (p *basePage) base() *basePage { return p }

// HasErrors reports whether the page shows an error summary, which also
// puts "Error: " in front of its title.
func (p *basePage) HasErrors() bool { return len(p.Errors) > 0 }

// FieldError returns the message for a field, or "".
func (p *basePage) FieldError(field string) string { return p.fieldErrors[field] }

// Date formats t the GOV.UK way, "29 November 2026", in the viewer's
// organisation's time zone.
func (p *basePage) Date(t time.Time) string { return t.In(p.location()).Format("2 January 2006") }

// DateTime formats t as "29 Nov 2026 14:05" in the viewer's time zone.
func (p *basePage) DateTime(t time.Time) string {
	return t.In(p.location()).Format("2 Jan 2006 15:04")
}

// DateTimeOr formats an optional time, or returns none.
func (p *basePage) DateTimeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return p.DateTime(*t)
}

// TimeZone names the zone dates are shown in.
func (p *basePage) TimeZone() string { return p.location().String() }

func (p *basePage) location() *time.Location {
	if p.loc == nil {
		return itsm.LoadLocation("")
	}
	return p.loc
}

// newPage fills the base page for the request: the caller, their
// organisation's name and time zone, the navigation their role may use, the
// CSRF token for the page's forms, and any flash message.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request, title string) basePage {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	p := basePage{
		Title:      title,
		Actor:      a,
		Nav:        navFor(a, r.URL.Path),
		CSRFToken:  s.csrfToken(w, r),
		Flash:      s.takeFlash(w, r),
		AppVersion: s.version,
	}
	p.OrgName, p.loc = s.viewerOrg(r)
	return p
}

// viewerOrg returns the name and time zone of the caller's organisation;
// dates are shown in that zone (Europe/London when there is none).
func (s *Server) viewerOrg(r *http.Request) (string, *time.Location) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if !a.SignedIn() || a.OrgID == 0 {
		return "", itsm.LoadLocation("")
	}
	org, err := s.svc.Organisations.FindOrganisationByID(ctx, a.OrgID)
	if err != nil {
		s.log.WarnContext(ctx, "find the viewer's organisation", "request_id", httpx.RequestID(ctx), "error", err)
		return "", itsm.LoadLocation("")
	}
	return org.Name, org.Location()
}

// navFor lists the sections the actor's role may use, and nothing else.
// The current section is the one whose address is the longest match for
// the page's path, so that /tickets/new marks "Report an issue" and not
// "Tickets" as well.
func navFor(a *itsm.Actor, current string) []navLink {
	var links []navLink
	add := func(href, label string) {
		links = append(links, navLink{Href: href, Label: label})
	}
	if !a.SignedIn() {
		add("/sign-in", "Sign in")
		add("/register", "Register")
		return markCurrent(links, current)
	}
	add("/", "Home")
	// The service desk: customers see their organisation's tickets,
	// providers those escalated to them, staff and auditors every one.
	add("/tickets", "Tickets")
	if a.IsCustomer() {
		add("/tickets/new", "Report an issue")
	}
	if a.ReadsEverything() || a.IsProvider() {
		add("/problems", "Problems")
		add("/escalations", "Escalations")
	}
	add("/reports/sla", "SLA reports")
	// Change management: everyone sees the changes they may (customers
	// their organisation's, providers those assigned to them); customers
	// raise them.
	add("/changes", "Changes")
	if a.IsCustomer() {
		add("/changes/new", "Raise a change")
	}
	// @@CHANGES@@ (keep this marker line; add your entries above it)
	// The change calendar: everyone signed in (customers need to know
	// when changes cannot happen).
	add("/calendar", "Change calendar")
	// @@CALENDAR@@ (keep this marker line; add your entries above it)
	// The programme's risk and issue register: staff, auditors and providers.
	if a.ReadsEverything() || a.IsProvider() {
		add("/raid", "Risks and issues")
	}
	// @@RAID@@ (keep this marker line; add your entries above it)
	// Documents and help articles: everyone signed in reads those meant
	// for them.
	add("/documents", "Documents")
	add("/help-articles", "Help articles")
	// @@DOCUMENTS@@ (keep this marker line; add your entries above it)
	// Integration support: the register for everyone signed in;
	// webhooks for administrators, managers and customer administrators.
	add("/integrations", "Integrations")
	if a.CanManageWebhooks() {
		add("/webhooks", "Webhooks")
	}
	// @@INTEGRATIONS@@ (keep this marker line; add your entries above it)
	// Monitoring: staff and auditors (every check), provider agents (the
	// checks their organisation operates).
	if a.CanReadChecks() {
		add("/checks", "Monitoring")
	}
	// @@MONITOR@@ (keep this marker line; add your entries above it)
	// Provider performance reviews: staff, auditors and providers' agents.
	if a.CanReadReviews() {
		add("/reviews", "Performance reviews")
	}
	// @@REVIEWS@@ (keep this marker line; add your entries above it)
	// The service status page: everyone signed in.
	add("/status", "Service status")
	// @@STATUS@@ (keep this marker line; add your entries above it)
	if a.ReadsEverything() {
		add("/organisations", "Organisations")
	}
	if canListUsers(a) {
		add("/users", "Users")
	}
	if canDecideRegistrations(a) {
		add("/registrations", "Registrations")
	}
	if a.CanReadAudit() {
		add("/audit", "Audit log")
	}
	add("/account", "Your account")
	return markCurrent(links, current)
}

// markCurrent marks the link whose address is the longest match for the
// current path.
func markCurrent(links []navLink, current string) []navLink {
	best := -1
	for i, l := range links {
		if current == l.Href || (l.Href != "/" && strings.HasPrefix(current, l.Href+"/")) {
			if best < 0 || len(l.Href) > len(links[best].Href) {
				best = i
			}
		}
	}
	if best >= 0 {
		links[best].Current = true
	}
	return links
}

// parseTemplates parses the layout and partials (partials.html, and one
// partials_<area>.html per area of the site) with each page's template,
// once, at start-up. A page is templates/pages/<name>.html and defines
// "content".
func parseTemplates(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("list page templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("clone layout: %w", err)
		}
		if t, err = t.ParseFS(fsys, f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("parse %s: no \"content\" template", f)
		}
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return pages, nil
}

// funcs are the template functions: asset URLs and form-field builders.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"static":      s.assets.URL,
		"iso":         func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"input":       newInput,
		"selectField": newSelect,
		"radios":      newRadios,
		"statusTag":   statusTag,
		"activeTag":   activeTag,
		"statusLabel": statusLabel,
	}
}

// render executes the named page into a buffer, so that a template error
// becomes a clean 500 rather than half a page, and writes it.
func (s *Server) render(w http.ResponseWriter, status int, name string, p page) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("render: no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// redirect sends the browser to a page after a successful post, with a
// flash message when msg is set.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, msg string) error {
	if msg != "" {
		s.setFlash(w, flash{Kind: flashSuccess, Message: msg})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
