package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// reviewDesk is the fixture of the review pages: a review of the fixture's
// provider with an action its agent owns and one the programme's agent
// owns, and a review of another provider with an action.
type reviewDesk struct {
	mine, other                  *itsm.Review
	provAction, staffAction, oth *itsm.ReviewAction
	otherProvider                *itsm.Organisation
}

func (e *env) mustReview(provider *itsm.Organisation, title string) *itsm.Review {
	e.t.Helper()
	r := &itsm.Review{ProviderID: provider.ID, Title: title, PeriodFrom: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC),
		PeriodTo: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), MeetingAt: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC),
		Attendees: []itsm.ReviewAttendee{{Name: "Priya Provider", Role: provider.Name, Attended: true}}}
	if err := e.db.CreateReview(storetest.As(e.f.Manager), r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) mustReviewAction(r *itsm.Review, title string, owner *itsm.User) *itsm.ReviewAction {
	e.t.Helper()
	a := &itsm.ReviewAction{Title: title, OwnerID: &owner.ID, DueDate: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	if err := e.db.CreateReviewAction(storetest.As(e.f.Agent), r.ID, a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) mustReviewDesk() *reviewDesk {
	e.t.Helper()
	other := &itsm.Organisation{Name: "Other Provider plc", Kind: itsm.OrgProvider}
	if err := e.db.CreateOrganisation(storetest.System(), other); err != nil {
		e.t.Fatal(err)
	}
	d := &reviewDesk{otherProvider: other, mine: e.mustReview(e.f.Provider, "Winter review"), other: e.mustReview(other, "Other provider's review")}
	d.provAction = e.mustReviewAction(d.mine, "Send the capacity plan", e.f.ProviderAgent)
	d.staffAction = e.mustReviewAction(d.mine, "Chase the contract", e.f.Agent)
	d.oth = e.mustReviewAction(d.other, "Fix the other thing", e.f.Agent)
	return d
}

// reviewRoutes are the routes this file's matrices cover.
var reviewRoutes = []string{
	"GET /reviews", "GET /reviews.csv", "GET /reviews/new", "POST /reviews/new", "GET /reviews/scorecard", "GET /reviews/{id}",
	"GET /reviews/{id}/edit", "POST /reviews/{id}/edit", "POST /reviews/{id}/attendees", "POST /reviews/{id}/attendees/remove",
	"POST /reviews/{id}/actions", "GET /reviews/{id}/pack", "GET /reviews/{id}/pack.pdf", "GET /review-actions/{id}/edit", "POST /review-actions/{id}/edit",
}

// TestReviewRoutesAreCovered fails when a review route is added without a
// row in these matrices.
func TestReviewRoutesAreCovered(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	for _, p := range e.srv.Patterns() {
		_, path, _ := strings.Cut(p, " ")
		if strings.HasPrefix(path, "/review") && !contains(reviewRoutes, p) {
			t.Errorf("%s is not in the review permission matrices: add it", p)
		}
	}
}

// TestReviewPagePermissions is the matrix of the review pages. Decisions:
// staff and auditors read every review; the provider's agent reads its own
// provider's reviews and packs and changes the actions it owns; customers
// get 404 everywhere; managers and administrators plan reviews; agents
// record minutes, attendees and actions.
func TestReviewPagePermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.mustReviewDesk()
		mine, other := "/reviews/"+id(d.mine.ID), "/reviews/"+id(d.other.ID)
		cases := []struct {
			path string
			want want
		}{
			//                                admin mgr agent audit prov cAdmA cUsrA anon
			{"/reviews", want{ok, ok, ok, ok, ok, none, none, see}},
			{"/reviews.csv", want{ok, ok, ok, ok, ok, none, none, see}},
			{"/reviews/new", want{ok, ok, no, no, no, none, none, see}},
			{"/reviews/scorecard", want{ok, ok, ok, ok, ok, none, none, see}},
			{"/reviews/scorecard?provider=" + id(e.f.Provider.ID), want{ok, ok, ok, ok, ok, none, none, see}},
			{"/reviews/scorecard?provider=" + id(d.otherProvider.ID), want{ok, ok, ok, ok, none, none, none, see}},
			{mine, want{ok, ok, ok, ok, ok, none, none, see}},
			{other, want{ok, ok, ok, ok, none, none, none, see}},
			{mine + "/edit", want{ok, ok, ok, no, no, none, none, see}},
			{other + "/edit", want{ok, ok, ok, no, none, none, none, see}},
			{mine + "/pack", want{ok, ok, ok, ok, ok, none, none, see}},
			{other + "/pack", want{ok, ok, ok, ok, none, none, none, see}},
			{mine + "/pack.pdf", want{ok, ok, ok, ok, ok, none, none, see}},
			{other + "/pack.pdf", want{ok, ok, ok, ok, none, none, none, see}},
			{"/review-actions/" + id(d.provAction.ID) + "/edit", want{ok, ok, ok, no, ok, none, none, see}},
			{"/review-actions/" + id(d.staffAction.ID) + "/edit", want{ok, ok, ok, no, no, none, none, see}},
			{"/review-actions/" + id(d.oth.ID) + "/edit", want{ok, ok, ok, no, none, none, none, see}},
			{"/reviews/999999", want{none, none, none, none, none, none, none, see}},
		}
		clients := e.clients()
		for _, c := range cases {
			for i, role := range roles {
				res := clients[role].Get(c.path)
				if res.StatusCode != c.want[i] {
					t.Errorf("GET %s as %s: status %d, want %d\n%s", c.path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
		// Lists: the provider sees only its own provider's reviews; the
		// navigation offers reviews to staff, auditors and providers only.
		for _, path := range []string{"/reviews", "/reviews.csv"} {
			body := clients["provider"].Get(path).Body
			if strings.Contains(body, "Other provider") || !strings.Contains(body, "Winter review") {
				t.Errorf("GET %s as the provider shows the wrong reviews\n%s", path, excerpt(body))
			}
		}
		for role, shown := range map[string]bool{"admin": true, "agent": true, "auditor": true, "provider": true, "custAdminA": false, "custUserA": false} {
			if got := strings.Contains(clients[role].Get("/").Body, `href="/reviews"`); got != shown {
				t.Errorf("navigation for %s offers reviews: %v, want %v", role, got, shown)
			}
		}
		// The PDF is a PDF download.
		res := clients["provider"].Get(mine + "/pack.pdf")
		if ct := res.Header.Get("Content-Type"); ct != "application/pdf" || !strings.HasPrefix(res.Body, "%PDF-") ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("PDF: %s %q", ct, res.Header.Get("Content-Disposition"))
		}
	})
}

// reviewPosts are the state-changing review forms, each prepared afresh.
func (e *env) reviewPosts(d *reviewDesk) []struct {
	name    string
	prepare func() (string, url.Values)
	want    want
} {
	f := e.f
	reviewForm := func(r *itsm.Review) url.Values {
		return url.Values{"title": {r.Title + " (changed)"}, "period_from": {"2025-12-01"}, "period_to": {"2026-02-28"}, "meeting_date": {"2026-03-05"},
			"meeting_time": {"14:00"}, "location": {"Teams"}, "status": {"held"}, "minutes": {"## Minutes\n\nAll well."}, "version": {id(r.Version)}}
	}
	fresh := func(action string, form func(*itsm.Review) url.Values) func() (string, url.Values) {
		return func() (string, url.Values) {
			r := e.mustReview(f.Provider, "Review "+id(int64(next())))
			return "/reviews/" + id(r.ID) + action, form(r)
		}
	}
	actionOf := func(owner *itsm.User) func() (string, url.Values) {
		return func() (string, url.Values) {
			a := e.mustReviewAction(d.mine, "Action "+id(int64(next())), owner)
			return "/review-actions/" + id(a.ID) + "/edit", url.Values{"status": {"done"}, "note": {"Done."}, "title": {a.Title}, "owner": {id(owner.ID)},
				"due_date": {"2026-04-01"}, "version": {id(a.Version)}}
		}
	}
	return []struct {
		name    string
		prepare func() (string, url.Values)
		want    want
	}{
		{"plan a review", func() (string, url.Values) {
			return "/reviews/new", url.Values{"provider_id": {id(f.Provider.ID)}, "title": {"Spring review"}, "period_from": {"2026-01-01"},
				"period_to": {"2026-03-31"}, "meeting_date": {"2026-04-14"}, "meeting_time": {"10:00"}, "status": {"planned"}}
		}, want{see, see, no, no, no, none, none, see}},
		{"change a review", fresh("/edit", reviewForm), want{see, see, see, no, no, none, none, see}},
		{"add an attendee", fresh("/attendees", func(r *itsm.Review) url.Values {
			return url.Values{"attendee_name": {"Hamish Grant"}, "attendee_role": {"Programme manager"}, "attended": {"yes"}, "version": {id(r.Version)}}
		}), want{see, see, see, no, no, none, none, see}},
		{"remove an attendee", fresh("/attendees/remove", func(r *itsm.Review) url.Values {
			return url.Values{"index": {"0"}, "name": {"Priya Provider"}, "version": {id(r.Version)}}
		}), want{see, see, see, no, no, none, none, see}},
		{"add an action", fresh("/actions", func(r *itsm.Review) url.Values {
			return url.Values{"title": {"Report root causes"}, "owner": {id(f.ProviderAgent.ID)}, "due_date": {"2026-05-01"}, "status": {"open"}}
		}), want{see, see, see, no, no, none, none, see}},
		{"change an action the provider owns", actionOf(f.ProviderAgent), want{see, see, see, no, see, none, none, see}},
		{"change an action the programme owns", actionOf(f.Agent), want{see, see, see, no, no, none, none, see}},
		{"change an action of another provider's review", func() (string, url.Values) {
			return "/review-actions/" + id(d.oth.ID) + "/edit", url.Values{"status": {"open"}, "title": {"Fix the other thing"}, "owner": {id(f.Agent.ID)}, "due_date": {"2026-04-01"}, "version": {"999"}}
		}, want{409, 409, 409, no, none, none, none, see}},
	}
}

// TestReviewPostPermissions is the matrix of the review forms.
func TestReviewPostPermissions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.mustReviewDesk()
		clients := e.clients()
		for _, c := range e.reviewPosts(d) {
			for i, role := range roles {
				path, form := c.prepare()
				res := clients[role].Post(path, form)
				if res.StatusCode != c.want[i] {
					t.Errorf("%s (POST %s) as %s: status %d, want %d\n%s", c.name, path, role, res.StatusCode, c.want[i], excerpt(res.Body))
				}
			}
		}
	})
}

// TestReviewJourney records a review through the pages and checks what
// each surface shows: the minutes rendered safely, bad input re-shown with
// its errors, the action carried into the next review, and the pack.
func TestReviewJourney(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	f := e.f
	mgr, agent, prov := e.as(f.Manager), e.as(f.Agent), e.as(f.ProviderAgent)

	// The new form offers last quarter with its default title.
	form := mgr.Get("/reviews/new")
	mustStatus(t, form, http.StatusOK, "new form")
	if !strings.Contains(form.Body, "Performance review, Q4 2025") {
		t.Fatalf("default title missing\n%s", excerpt(form.Body))
	}
	// A reversed period is re-shown with the error against the field.
	bad := mgr.Post("/reviews/new", url.Values{"provider_id": {id(f.Provider.ID)}, "title": {"Q3"}, "period_from": {"2025-09-30"}, "period_to": {"2025-07-01"},
		"meeting_date": {"2025-10-14"}, "meeting_time": {"10:00"}, "status": {"planned"}})
	mustStatus(t, bad, http.StatusBadRequest, "reversed period")
	if !strings.Contains(bad.Body, "The last day of the period must be the same as or after the first day.") || !strings.Contains(bad.Body, `value="Q3"`) {
		t.Fatalf("error not shown\n%s", excerpt(bad.Body))
	}
	customer := mgr.Post("/reviews/new", url.Values{"provider_id": {id(f.CustomerA.ID)}, "title": {"Q3"}, "period_from": {"2025-07-01"}, "period_to": {"2025-09-30"},
		"meeting_date": {"2025-10-14"}, "meeting_time": {"10:00"}, "status": {"planned"}})
	mustStatus(t, customer, http.StatusBadRequest, "customer as provider")

	res := mgr.Post("/reviews/new", url.Values{"provider_id": {id(f.Provider.ID)}, "title": {"Q3 review"}, "period_from": {"2025-07-01"}, "period_to": {"2025-09-30"},
		"meeting_date": {"2025-10-14"}, "meeting_time": {"10:00"}, "location": {"Room 4"}, "status": {"held"}})
	mustStatus(t, res, http.StatusSeeOther, "plan")
	first := res.Location()
	page := agent.Get(first)
	mustStatus(t, page, http.StatusOK, "detail")
	version := regexpFind(`name="version" value="(\d+)"`, page.Body)
	mustStatus(t, agent.Post(first+"/attendees", url.Values{"attendee_name": {"Priya Shah"}, "attendee_role": {"Provider, service manager"}, "attended": {"yes"}, "version": {version}}),
		http.StatusSeeOther, "attendee")
	mustStatus(t, agent.Post(first+"/actions", url.Values{"title": {"Send the capacity plan"}, "owner": {id(f.ProviderAgent.ID)}, "due_date": {"2025-11-01"}}),
		http.StatusSeeOther, "action")
	noOwner := agent.Post(first+"/actions", url.Values{"title": {"Nobody's"}, "due_date": {"2025-11-01"}})
	mustStatus(t, noOwner, http.StatusBadRequest, "action without an owner")
	if !strings.Contains(noOwner.Body, "Choose the action&#39;s owner or enter their name.") {
		t.Fatalf("owner error not shown\n%s", excerpt(noOwner.Body))
	}
	page = agent.Get(first + "/edit")
	version = regexpFind(`name="version" value="(\d+)"`, page.Body)
	mustStatus(t, agent.Post(first+"/edit", url.Values{"minutes": {"## Service\n\nTwo outages. <script>alert(1)</script>"}, "version": {version}}), http.StatusSeeOther, "minutes")
	stale := agent.Post(first+"/edit", url.Values{"minutes": {"Again"}, "version": {version}})
	mustStatus(t, stale, http.StatusConflict, "stale minutes")

	page = prov.Get(first)
	mustStatus(t, page, http.StatusOK, "provider's view")
	for _, want := range []string{">Service</h", "Two outages. &lt;script&gt;", "Priya Shah", "Send the capacity plan"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("detail lacks %q\n%s", want, excerpt(page.Body))
		}
	}
	if strings.Contains(page.Body, "<script>alert") {
		t.Error("the minutes' script reached the page")
	}
	if strings.Contains(page.Body, "Add an action") {
		t.Error("the provider is offered the action form")
	}

	// The next review carries the open action forward.
	res = mgr.Post("/reviews/new", url.Values{"provider_id": {id(f.Provider.ID)}, "title": {"Q4 review"}, "period_from": {"2025-10-01"}, "period_to": {"2025-12-31"},
		"meeting_date": {"2026-01-14"}, "meeting_time": {"10:00"}, "status": {"planned"}})
	mustStatus(t, res, http.StatusSeeOther, "plan the next")
	// The provider's portal check: four runs on 10 November 2025, one
	// failed.
	clock := storetest.ClockOf(e.db)
	now := clock.Now()
	clock.Set(time.Date(2025, 11, 10, 9, 0, 0, 0, time.UTC))
	check := &itsm.Check{Name: "Portal", Service: "Purchasing portal", Kind: itsm.CheckHTTP, URL: "https://portal.example.org/health",
		Interval: 30 * time.Second, Timeout: 5 * time.Second, Enabled: true, IncidentAfter: 3, IncidentPriority: "P2", ProviderID: &f.Provider.ID,
		TargetPercent: 99.5, TargetCalendar: itsm.Target24x7}
	if err := e.db.CreateCheck(storetest.System(), check); err != nil {
		t.Fatal(err)
	}
	var results []itsm.CheckResult
	for i, up := range []bool{true, false, true, true} {
		results = append(results, itsm.CheckResult{CheckID: check.ID, At: time.Date(2025, 11, 10, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * 30 * time.Second),
			Up: up, Latency: 120 * time.Millisecond, StatusCode: 200, Attempts: 1})
	}
	clock.Set(time.Date(2025, 11, 10, 10, 5, 0, 0, time.UTC))
	if err := e.db.RecordCheckResults(storetest.System(), results); err != nil {
		t.Fatal(err)
	}
	clock.Set(now)
	pack := prov.Get(res.Location() + "/pack")
	mustStatus(t, pack, http.StatusOK, "pack")
	for _, want := range []string{"Carried forward from the review of 14 October 2025", "Send the capacity plan", "Overdue", "No targets were breached in the period.",
		"No open escalations.", "None delivered", "Scorecard for 1 October 2025 to 31 December 2025",
		"<th scope=\"row\">Availability</th><td>75%</td>", "<th scope=\"row\">Purchasing portal</th><td>1</td>", "99.5% (missed)"} {
		if !strings.Contains(pack.Body, want) {
			t.Errorf("pack lacks %q\n%s", want, excerpt(pack.Body))
		}
	}
}
