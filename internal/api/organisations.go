package api

import (
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// organisationCreate is the body of POST /api/v1/organisations.
type organisationCreate struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	TimeZone string `json:"time_zone"`
}

// organisationChange is the body of PATCH /api/v1/organisations/{id}.
type organisationChange struct {
	Version  *int64  `json:"version"`
	Name     *string `json:"name"`
	TimeZone *string `json:"time_zone"`
	Active   *bool   `json:"active"`
}

func validOrgKind(s string) bool { return itsm.OrgKind(s).Valid() }

// listOrganisations serves GET /api/v1/organisations: the organisations the
// caller may see (a customer or provider sees only its own).
func (a *API) listOrganisations(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "kind", "active", "q", "sort")
	if err != nil {
		return err
	}
	f := itsm.OrganisationFilter{Active: q.boolean("active"), Query: q.text("q")}
	if k := q.oneOf("kind", validOrgKind, "programme, customer or provider"); k != nil {
		kind := itsm.OrgKind(*k)
		f.Kind = &kind
	}
	if s := q.text("sort"); s != nil {
		f.Sort = *s
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	orgs, total, err := a.svc.Organisations.FindOrganisations(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, orgs, total, p)
	return nil
}

// createOrganisation serves POST /api/v1/organisations (programme managers
// and administrators).
func (a *API) createOrganisation(w http.ResponseWriter, r *http.Request) error {
	var in organisationCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	o := &itsm.Organisation{Name: in.Name, Kind: itsm.OrgKind(in.Kind), TimeZone: in.TimeZone}
	if err := a.svc.Organisations.CreateOrganisation(r.Context(), o); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/organisations/"+strconv.FormatInt(o.ID, 10))
	writeRecord(w, http.StatusCreated, o.Version, o)
	return nil
}

// getOrganisation serves GET /api/v1/organisations/{id}.
func (a *API) getOrganisation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "organisation")
	if err != nil {
		return err
	}
	o, err := a.svc.Organisations.FindOrganisationByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, o.Version, o)
	return nil
}

// updateOrganisation serves PATCH /api/v1/organisations/{id}: the fields
// sent change, the others stay; version must be the one last read.
func (a *API) updateOrganisation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "organisation")
	if err != nil {
		return err
	}
	var in organisationChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.Name == nil && in.TimeZone == nil && in.Active == nil {
		return errNothingToChange
	}
	o, err := a.svc.Organisations.UpdateOrganisation(r.Context(), id, itsm.OrganisationUpdate{Name: in.Name, TimeZone: in.TimeZone, Active: in.Active, Version: version})
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, o.Version, o)
	return nil
}

var errNothingToChange = itsm.Errorf(itsm.EINVALID, "Send at least one field to change as well as the version.")
