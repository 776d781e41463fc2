package itsm

import "context"

// Actor is whoever is calling: a signed-in person, a person's API token, the
// operator's command line, or a background job. Every service method reads it
// from the context and decides what the caller may see and do.
type Actor struct {
	UserID  int64
	Name    string
	Email   string
	OrgID   int64
	OrgKind OrgKind
	Role    Role
	// System is true for the operator's CLI and background jobs: they act
	// with the programme's full authority and are named in the audit log.
	System bool
	// IP is the caller's address, for the audit log and throttling.
	IP string
	// RequestID ties audit entries to log lines.
	RequestID string
}

// SystemActor returns an actor for the CLI or a job, named in the audit log.
func SystemActor(name string) *Actor {
	return &Actor{Name: name, System: true, Role: RoleAdmin, OrgKind: OrgProgramme}
}

// Anonymous is a caller who has not signed in (sign-in and registration).
func Anonymous(ip string) *Actor {
	return &Actor{Name: "anonymous", IP: ip}
}

type actorKey struct{}

// NewContextWithActor returns a context carrying a.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the caller, or an anonymous actor when none is set
// so that a forgotten actor can only ever see less.
func ActorFromContext(ctx context.Context) *Actor {
	if a, ok := ctx.Value(actorKey{}).(*Actor); ok && a != nil {
		return a
	}
	return &Actor{Name: "anonymous"}
}

// SignedIn reports whether the actor is a person or the system.
func (a *Actor) SignedIn() bool { return a.System || a.UserID != 0 }

// IsStaff reports whether the actor is programme staff (or the system).
func (a *Actor) IsStaff() bool { return a.System || (a.OrgKind == OrgProgramme && a.Role.IsStaff()) }

// ReadsEverything reports whether the actor may read every organisation's
// records: programme staff, auditors and the system.
func (a *Actor) ReadsEverything() bool { return a.IsStaff() || a.Role == RoleAuditor }

// IsCustomer reports whether the actor works for a customer organisation.
func (a *Actor) IsCustomer() bool {
	return !a.System && a.OrgKind == OrgCustomer && a.Role != RoleAuditor
}

// IsProvider reports whether the actor works for a provider.
func (a *Actor) IsProvider() bool {
	return !a.System && a.OrgKind == OrgProvider && a.Role != RoleAuditor
}

// ReadOnly reports whether the actor may change nothing (auditors).
func (a *Actor) ReadOnly() bool { return !a.System && a.Role == RoleAuditor }

// OrgScope returns the one organisation the actor's reads are limited to, or
// 0 when the actor reads every organisation.
func (a *Actor) OrgScope() int64 {
	if a.ReadsEverything() {
		return 0
	}
	if a.OrgID == 0 {
		return -1 // anonymous: matches nothing
	}
	return a.OrgID
}

// CanSeeOrg reports whether the actor may read the organisation's records.
func (a *Actor) CanSeeOrg(orgID int64) bool {
	s := a.OrgScope()
	return s == 0 || s == orgID
}

// CanManageOrgs reports whether the actor may create and change organisations.
func (a *Actor) CanManageOrgs() bool {
	return a.System || (a.OrgKind == OrgProgramme && (a.Role == RoleAdmin || a.Role == RoleManager))
}

// CanManageUsersIn reports whether the actor may create, change, approve and
// disable people in the organisation (of the given kind).
func (a *Actor) CanManageUsersIn(orgID int64, kind OrgKind) bool {
	switch {
	case a.System:
		return true
	case a.OrgKind == OrgProgramme && a.Role == RoleAdmin:
		return true
	case a.OrgKind == OrgProgramme && a.Role == RoleManager:
		return true
	case a.Role == RoleCustomerAdmin:
		return a.OrgID == orgID && kind == OrgCustomer
	}
	return false
}

// CanGrantRole reports whether the actor may give role r to someone in an
// organisation of kind k. Only administrators make administrators; customer
// admins grant only customer roles.
func (a *Actor) CanGrantRole(r Role, k OrgKind) bool {
	if !r.FitsOrg(k) {
		return false
	}
	switch {
	case a.System:
		return true
	case a.OrgKind == OrgProgramme && a.Role == RoleAdmin:
		return true
	case a.OrgKind == OrgProgramme && a.Role == RoleManager:
		return r != RoleAdmin
	case a.Role == RoleCustomerAdmin:
		return r == RoleCustomerUser || r == RoleCustomerAdmin
	}
	return false
}

// CanReadAudit reports whether the actor may browse the audit log at all;
// customer admins see their own organisation's entries only.
func (a *Actor) CanReadAudit() bool {
	return a.System || a.Role == RoleAuditor || a.Role == RoleAdmin || a.Role == RoleManager || a.Role == RoleCustomerAdmin
}

// AuditScope returns the organisation the actor's audit reads are limited to,
// 0 for all.
func (a *Actor) AuditScope() int64 {
	if a.System || a.Role == RoleAuditor || (a.OrgKind == OrgProgramme && (a.Role == RoleAdmin || a.Role == RoleManager)) {
		return 0
	}
	if a.Role == RoleCustomerAdmin {
		return a.OrgID
	}
	return -1
}
