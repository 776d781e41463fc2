package store

import "github.com/steward-itsm/steward/internal/itsm"

var (
	_ itsm.OrganisationService = (*DB)(nil)
	_ itsm.UserService         = (*DB)(nil)
	_ itsm.AuthService         = (*DB)(nil)
	_ itsm.AuditService        = (*DB)(nil)
)

// Services returns the domain services backed by db.
func (db *DB) Services() itsm.Services {
	return itsm.Services{Organisations: db, Users: db, Auth: db, Audit: db}
}
