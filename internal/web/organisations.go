package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

var orgKindOptions = []option{
	{string(itsm.OrgCustomer), itsm.OrgCustomer.Label()},
	{string(itsm.OrgProvider), itsm.OrgProvider.Label()},
	{string(itsm.OrgProgramme), itsm.OrgProgramme.Label()},
}

var orgSortOptions = sortOptions("name", "Name (A to Z)", "-name", "Name (Z to A)", "kind", "Kind", "-created", "Newest first", "created", "Oldest first")

// orgOptions lists the organisations the viewer can see, for filters.
func (s *Server) orgOptions(r *http.Request) ([]option, error) {
	orgs, _, err := s.svc.Organisations.FindOrganisations(r.Context(), itsm.OrganisationFilter{Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make([]option, len(orgs))
	for i, o := range orgs {
		out[i] = option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name}
	}
	return out, nil
}

func canListOrgs(a *itsm.Actor) error {
	if !a.ReadsEverything() {
		return forbidden("You do not have permission to see the list of organisations.")
	}
	return nil
}

// orgListPage lists organisations.
type orgListPage struct {
	basePage
	Organisations []*itsm.Organisation
	Pager         pager
	Kinds, Sorts  []option
	Kind, Q, Sort string
	Filtered      bool
	CanCreate     bool
	CSVHref       string
}

func orgFilter(q *listQuery) itsm.OrganisationFilter {
	var f itsm.OrganisationFilter
	if k := itsm.OrgKind(q.oneOf("kind", orgKindOptions, "a kind of organisation")); k != "" {
		f.Kind = &k
	}
	if s := q.text("q"); s != "" {
		f.Query = &s
	}
	f.Sort = q.sort(orgSortOptions, "name")
	return f
}

// organisationList shows programme staff and auditors every organisation,
// filtered, sorted and paged.
func (s *Server) organisationList(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	if err := canListOrgs(a); err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := orgFilter(q)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(page), pageSize
	orgs, total, err := s.svc.Organisations.FindOrganisations(r.Context(), f)
	if err != nil {
		return err
	}
	p := &orgListPage{basePage: s.newPage(w, r, "Organisations"), Organisations: orgs,
		Kinds: withAll("All kinds", orgKindOptions), Sorts: orgSortOptions,
		Kind: q.keep.Get("kind"), Q: q.keep.Get("q"), Sort: f.Sort, Filtered: q.filtered(),
		CanCreate: a.CanManageOrgs(), CSVHref: q.href("/organisations.csv")}
	p.Wide = true
	p.Pager = newPager(q, "/organisations", page, total, len(orgs), "organisations")
	p.setPaged("Organisations", p.Pager)
	return s.render(w, http.StatusOK, "organisation_list", p)
}

// organisationCSV exports every organisation matching the list's filters.
func (s *Server) organisationCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := canListOrgs(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := orgFilter(q)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	orgs, _, err := s.svc.Organisations.FindOrganisations(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "organisations.csv")
	_ = out.Write("id", "name", "kind", "time_zone", "active", "created_at", "updated_at")
	writePages(s, ctx, out, "organisations", orgs, 0, func(n int) ([]*itsm.Organisation, error) {
		f.Offset += n
		page, _, err := s.svc.Organisations.FindOrganisations(ctx, f)
		return page, err
	}, func(o *itsm.Organisation) []string {
		return []string{strconv.FormatInt(o.ID, 10), o.Name, string(o.Kind), o.TimeZone, strconv.FormatBool(o.Active),
			csvTime(o.CreatedAt), csvTime(o.UpdatedAt)}
	})
	return nil
}

// orgDetailPage is one organisation and its people.
type orgDetailPage struct {
	basePage
	Org                         *itsm.Organisation
	People                      []*itsm.User
	PeopleTotal                 int
	CanEdit, CanAddPeople       bool
	CanListPeople, CanReadAudit bool
}

// organisationDetail shows an organisation to anyone who can see it; to
// anyone else it does not exist.
func (s *Server) organisationDetail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	id, err := pathID(r)
	if err != nil {
		return err
	}
	org, err := s.svc.Organisations.FindOrganisationByID(ctx, id)
	if err != nil {
		return err
	}
	people, total, err := s.svc.Users.FindUsers(ctx, itsm.UserFilter{OrgID: &id, Limit: 100})
	if err != nil {
		return err
	}
	p := &orgDetailPage{basePage: s.newPage(w, r, org.Name), Org: org, People: people, PeopleTotal: total,
		CanEdit:       a.CanManageOrgs(),
		CanAddPeople:  !a.ReadOnly() && a.CanManageUsersIn(org.ID, org.Kind),
		CanListPeople: canListUsers(a),
		CanReadAudit:  a.CanReadAudit() && (a.AuditScope() == 0 || a.AuditScope() == org.ID)}
	p.Caption = org.Kind.Label() + " organisation"
	p.Wide = true
	return s.render(w, http.StatusOK, "organisation_detail", p)
}

// orgFormPage creates or edits an organisation.
type orgFormPage struct {
	basePage
	Action                       string
	Editing                      bool
	Name, Kind, TimeZone, Active string
	Version                      int64
	Kinds, ActiveOptions         []option
	OrgID                        int64
	CancelHref                   string
}

var orgFields = []string{"name", "kind", "time_zone", "active"}

var activeOptions = []option{{"true", "Yes, it uses the service"}, {"false", "No, it no longer uses the service"}}

func canManageOrgs(a *itsm.Actor) error {
	if !a.CanManageOrgs() {
		return forbidden("You do not have permission to create or change organisations.")
	}
	return nil
}

// organisationNewForm shows managers and administrators the form for a new
// organisation.
func (s *Server) organisationNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := canManageOrgs(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	p := &orgFormPage{basePage: s.newPage(w, r, "Add an organisation"), Action: "/organisations/new",
		Kind: string(itsm.OrgCustomer), TimeZone: itsm.DefaultTimeZone, Kinds: orgKindOptions, CancelHref: "/organisations"}
	return s.render(w, http.StatusOK, "organisation_form", p)
}

// organisationCreate creates it and shows it.
func (s *Server) organisationCreate(w http.ResponseWriter, r *http.Request) error {
	if err := canManageOrgs(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	o := &itsm.Organisation{
		Name:     strings.TrimSpace(r.PostFormValue("name")),
		Kind:     itsm.OrgKind(r.PostFormValue("kind")),
		TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")),
	}
	if err := s.svc.Organisations.CreateOrganisation(r.Context(), o); formFailed(err) {
		p := &orgFormPage{basePage: s.newPage(w, r, "Add an organisation"), Action: "/organisations/new",
			Name: o.Name, Kind: string(o.Kind), TimeZone: o.TimeZone, Kinds: orgKindOptions, CancelHref: "/organisations"}
		p.setErrors(err, orgFields...)
		return s.render(w, formStatus(err), "organisation_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, "/organisations/"+strconv.FormatInt(o.ID, 10), o.Name+" has been added.")
}

// findOrgToEdit finds an organisation the caller can see (404 otherwise)
// and checks they may change it (403 otherwise).
func (s *Server) findOrgToEdit(r *http.Request) (*itsm.Organisation, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	org, err := s.svc.Organisations.FindOrganisationByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return org, canManageOrgs(itsm.ActorFromContext(r.Context()))
}

func (s *Server) orgEditPage(w http.ResponseWriter, r *http.Request, org *itsm.Organisation) *orgFormPage {
	p := &orgFormPage{basePage: s.newPage(w, r, "Change "+org.Name), Action: "/organisations/" + strconv.FormatInt(org.ID, 10) + "/edit",
		Editing: true, OrgID: org.ID, Name: org.Name, Kind: string(org.Kind), TimeZone: org.TimeZone,
		Active: strconv.FormatBool(org.Active), Version: org.Version, ActiveOptions: activeOptions}
	p.CancelHref = "/organisations/" + strconv.FormatInt(org.ID, 10)
	p.Caption = org.Kind.Label() + " organisation"
	return p
}

// organisationEditForm shows the form to change an organisation.
func (s *Server) organisationEditForm(w http.ResponseWriter, r *http.Request) error {
	org, err := s.findOrgToEdit(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "organisation_form", s.orgEditPage(w, r, org))
}

// organisationUpdate saves the change if nobody else changed the
// organisation since the form was opened; otherwise it shows the form again
// with the store's sentence.
func (s *Server) organisationUpdate(w http.ResponseWriter, r *http.Request) error {
	org, err := s.findOrgToEdit(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	tz := strings.TrimSpace(r.PostFormValue("time_zone"))
	activeText := r.PostFormValue("active")
	upd := itsm.OrganisationUpdate{Name: &name, TimeZone: &tz, Version: version}
	var v itsm.Validation
	if hasOption(activeOptions, activeText) {
		active := activeText == "true"
		upd.Active = &active
	} else {
		v.Add("active", "Choose whether the organisation uses the service.")
	}
	err = v.Err()
	if err == nil {
		_, err = s.svc.Organisations.UpdateOrganisation(r.Context(), org.ID, upd)
	}
	if formFailed(err) {
		p := s.orgEditPage(w, r, org)
		p.Name, p.TimeZone, p.Active, p.Version = name, tz, activeText, version
		p.setErrors(err, orgFields...)
		return s.render(w, formStatus(err), "organisation_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, "/organisations/"+strconv.FormatInt(org.ID, 10), "Your changes to "+name+" have been saved.")
}
