package itsm

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// OrgKind is the kind of an organisation: the one programme that runs the
// service, its customers, and the providers that operate it.
type OrgKind string

// Organisation kinds.
const (
	OrgProgramme OrgKind = "programme"
	OrgCustomer  OrgKind = "customer"
	OrgProvider  OrgKind = "provider"
)

// OrgKinds lists the kinds in display order.
var OrgKinds = []OrgKind{OrgProgramme, OrgCustomer, OrgProvider}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	return k == OrgProgramme || k == OrgCustomer || k == OrgProvider
}

// Label is the kind as a person reads it.
func (k OrgKind) Label() string {
	switch k {
	case OrgProgramme:
		return "Programme"
	case OrgCustomer:
		return "Customer"
	case OrgProvider:
		return "Provider"
	}
	return string(k)
}

// Organisation is a programme, customer or provider organisation.
type Organisation struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Kind      OrgKind   `json:"kind"`
	TimeZone  string    `json:"time_zone"`
	Active    bool      `json:"active"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Location returns the organisation's time zone, Europe/London when unset or
// unknown.
func (o *Organisation) Location() *time.Location {
	return LoadLocation(o.TimeZone)
}

// LoadLocation loads an IANA zone, falling back to Europe/London.
func LoadLocation(name string) *time.Location {
	if name == "" {
		name = DefaultTimeZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc, _ = time.LoadLocation(DefaultTimeZone)
	}
	if loc == nil {
		return time.UTC
	}
	return loc
}

// DefaultTimeZone is the zone used when an organisation has none.
const DefaultTimeZone = "Europe/London"

// Validate checks a new or changed organisation.
func (o *Organisation) Validate() error {
	var v Validation
	o.Name = strings.TrimSpace(o.Name)
	v.Check(o.Name != "", "name", "Enter the organisation's name.")
	v.Check(utf8.RuneCountInString(o.Name) <= 200, "name", "The name must be 200 characters or fewer.")
	v.Check(!HasControl(o.Name), "name", "The name must not contain control characters.")
	v.Check(o.Kind.Valid(), "kind", "Choose whether the organisation is a customer, a provider or the programme.")
	if o.TimeZone == "" {
		o.TimeZone = DefaultTimeZone
	}
	if _, err := time.LoadLocation(o.TimeZone); err != nil || o.TimeZone == "Local" {
		v.Add("time_zone", "Enter a time zone such as Europe/London.")
	}
	return v.Err()
}

// OrganisationFilter selects organisations. Nil fields do not filter.
type OrganisationFilter struct {
	ID     *int64
	Kind   *OrgKind
	Query  *string // name contains, case-insensitive
	Active *bool
	Sort   string // "name" (default), "-name", "created", "-created"
	Offset int
	Limit  int
}

// OrganisationUpdate is a partial change; nil fields are left alone.
// Version must be the version the caller read.
type OrganisationUpdate struct {
	Name     *string
	TimeZone *string
	Active   *bool
	Version  int64
}

// OrganisationService manages organisations. Every method reads the caller
// from the context and scopes what it returns to what the caller may see.
type OrganisationService interface {
	// FindOrganisationByID returns ENOTFOUND when absent or not visible.
	FindOrganisationByID(ctx context.Context, id int64) (*Organisation, error)
	// FindOrganisations returns a page and the total matching.
	FindOrganisations(ctx context.Context, f OrganisationFilter) ([]*Organisation, int, error)
	// CreateOrganisation returns EINVALID, EFORBIDDEN, ECONFLICT (duplicate
	// name, or a second programme).
	CreateOrganisation(ctx context.Context, o *Organisation) error
	// UpdateOrganisation returns EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT
	// (stale version).
	UpdateOrganisation(ctx context.Context, id int64, upd OrganisationUpdate) (*Organisation, error)
	// FindRegistrableOrganisations lists the active customer organisations
	// (ID and name only) that a person may ask to join. Anyone may call it:
	// the programme's customers are public.
	FindRegistrableOrganisations(ctx context.Context) ([]*Organisation, error)
}

// HasControl reports whether s holds a control character (other than tab),
// which has no place in a name and can be used to spoof log lines.
func HasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}
