package itsm

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a person may do. A role belongs to one kind of organisation,
// except auditor, which may sit in any.
type Role string

// Roles.
const (
	RoleCustomerUser  Role = "customer_user"
	RoleCustomerAdmin Role = "customer_admin"
	RoleAgent         Role = "agent"
	RoleManager       Role = "manager"
	RoleProviderAgent Role = "provider_agent"
	RoleAuditor       Role = "auditor"
	RoleAdmin         Role = "admin"
)

// Roles lists every role in display order.
var Roles = []Role{RoleCustomerUser, RoleCustomerAdmin, RoleAgent, RoleManager, RoleProviderAgent, RoleAuditor, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Label is the role as a person reads it.
func (r Role) Label() string {
	switch r {
	case RoleCustomerUser:
		return "Customer user"
	case RoleCustomerAdmin:
		return "Customer admin"
	case RoleAgent:
		return "Agent"
	case RoleManager:
		return "Manager"
	case RoleProviderAgent:
		return "Provider agent"
	case RoleAuditor:
		return "Auditor"
	case RoleAdmin:
		return "Administrator"
	}
	return string(r)
}

// FitsOrg reports whether a person with role r may belong to an organisation
// of kind k.
func (r Role) FitsOrg(k OrgKind) bool {
	switch r {
	case RoleCustomerUser, RoleCustomerAdmin:
		return k == OrgCustomer
	case RoleAgent, RoleManager, RoleAdmin:
		return k == OrgProgramme
	case RoleProviderAgent:
		return k == OrgProvider
	case RoleAuditor:
		return k.Valid()
	}
	return false
}

// IsStaff reports whether r belongs to the programme's service management team.
func (r Role) IsStaff() bool {
	return r == RoleAgent || r == RoleManager || r == RoleAdmin
}

// UserStatus is where a person's account stands.
type UserStatus string

// User statuses. A self-registered customer is pending until approved.
const (
	UserPending  UserStatus = "pending"
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
	UserRejected UserStatus = "rejected"
)

// Valid reports whether s is a known status.
func (s UserStatus) Valid() bool {
	return s == UserPending || s == UserActive || s == UserDisabled || s == UserRejected
}

// User is a person who signs in to Steward.
type User struct {
	ID           int64      `json:"id"`
	OrgID        int64      `json:"organisation_id"`
	OrgName      string     `json:"organisation_name"`
	OrgKind      OrgKind    `json:"organisation_kind"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         Role       `json:"role"`
	Status       UserStatus `json:"status"`
	Version      int64      `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	LastSignInAt *time.Time `json:"last_sign_in_at"`
	// ErasedAt is when the person's personal data was erased; the account
	// then holds placeholders only and cannot be changed.
	ErasedAt *time.Time `json:"-"`
}

// Validate checks a new or changed user's own fields (not who may create it).
func (u *User) Validate() error {
	var v Validation
	u.Name = strings.TrimSpace(u.Name)
	u.Email = NormaliseEmail(u.Email)
	v.Check(u.Name != "", "name", "Enter the person's full name.")
	v.Check(utf8.RuneCountInString(u.Name) <= 200, "name", "The name must be 200 characters or fewer.")
	v.Check(!HasControl(u.Name), "name", "The name must not contain control characters.")
	if u.Email == "" {
		v.Add("email", "Enter an email address.")
	} else if !ValidEmail(u.Email) {
		v.Add("email", "Enter an email address in the correct format, like name@example.org.")
	}
	v.Check(u.Role.Valid(), "role", "Choose a role.")
	v.Check(u.OrgID > 0, "organisation_id", "Choose an organisation.")
	if u.Status == "" {
		u.Status = UserActive
	}
	v.Check(u.Status.Valid(), "status", "Choose a status.")
	return v.Err()
}

// NormaliseEmail trims and lower-cases an address so that one person has one
// account whatever case they type.
func NormaliseEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidEmail reports whether s is a plain address (no display name, no
// angle brackets, one @, a dot in the domain).
func ValidEmail(s string) bool {
	if len(s) > 254 || HasControl(s) || strings.ContainsAny(s, " <>\"'(),;:\\[]") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".") && !strings.HasSuffix(s, ".")
}

// ValidatePassword checks a new password's strength: long enough to resist
// guessing, short enough that hashing it cannot be used to exhaust the server.
func ValidatePassword(field, p string) error {
	var v Validation
	n := utf8.RuneCountInString(p)
	v.Check(n >= 12, field, "The password must be at least 12 characters long.")
	v.Check(len(p) <= 256, field, "The password must be 256 characters or fewer.")
	return v.Err()
}

// UserFilter selects users. Nil fields do not filter.
type UserFilter struct {
	ID     *int64
	OrgID  *int64
	Email  *string
	Role   *Role
	Status *UserStatus
	Query  *string // name or e-mail contains
	Sort   string  // "name" (default), "-name", "email", "created", "-created"
	Offset int
	Limit  int
}

// UserUpdate is a partial change; nil fields are left alone.
type UserUpdate struct {
	Name    *string
	Email   *string
	Role    *Role
	Status  *UserStatus
	Version int64
}

// UserService manages people. Methods scope by the caller in the context.
type UserService interface {
	// FindUserByID returns ENOTFOUND when absent or not visible.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUsers returns a page and the total matching.
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	// CreateUser creates an active user with the password. EINVALID,
	// EFORBIDDEN (role or organisation not grantable), ECONFLICT (e-mail taken).
	CreateUser(ctx context.Context, u *User, password string) error
	// UpdateUser changes a user. EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// SetPassword replaces a user's password and ends their sessions.
	SetPassword(ctx context.Context, id int64, password string) error
	// Register records a self-registration to a customer organisation; the
	// account stays pending until approved. Anonymous callers may use it.
	Register(ctx context.Context, r Registration) (*User, error)
	// DecideRegistration approves or rejects a pending registration.
	// ENOTFOUND unless pending and visible; EFORBIDDEN unless the caller is
	// that organisation's customer admin or programme staff.
	DecideRegistration(ctx context.Context, userID int64, approve bool, version int64) (*User, error)
	// PersonalDataService exports and erases a person's personal data.
	PersonalDataService
}

// Registration is what a person submits to join a customer organisation's
// customer area.
type Registration struct {
	OrgID    int64
	Name     string
	Email    string
	Password string
}

// Validate checks a registration.
func (r *Registration) Validate() error {
	u := User{OrgID: r.OrgID, Name: r.Name, Email: r.Email, Role: RoleCustomerUser, Status: UserPending}
	err := u.Validate()
	r.Name, r.Email = u.Name, u.Email
	var v Validation
	for _, f := range []string{"organisation_id", "name", "email"} {
		if msg, ok := ErrorFields(err)[f]; ok {
			v.Add(f, msg)
		}
	}
	if perr := ValidatePassword("password", r.Password); perr != nil {
		v.Add("password", ErrorFields(perr)["password"])
	}
	return v.Err()
}
