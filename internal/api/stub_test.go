package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/steward-itsm/steward/internal/itsm"
)

// stubServices are services that know one token (stw_good, an
// administrator) and fail unexpectedly when asked for organisations, for
// tests that need no database.
func stubServices() itsm.Services {
	return itsm.Services{Organisations: stubOrgs{}, Users: stubUsers{}, Auth: stubAuth{}, Audit: &stubAudit{}, Tickets: stubTickets{},
		Agreements: stubAgreements{}, Problems: stubProblems{}, Escalations: stubEscalations{}, Attachments: stubAttachments{}, Relations: stubRelations{}}
}

type stubAuth struct{ itsm.AuthService }

func (stubAuth) TokenActor(ctx context.Context, secret string) (*itsm.Actor, error) {
	if secret != "stw_good" {
		return nil, itsm.Errorf(itsm.EUNAUTHORIZED, "The API token is not valid.")
	}
	return &itsm.Actor{UserID: 1, Name: "Stub Admin", OrgID: 1, OrgKind: itsm.OrgProgramme, Role: itsm.RoleAdmin}, nil
}

type stubOrgs struct{ itsm.OrganisationService }

func (stubOrgs) FindOrganisations(ctx context.Context, f itsm.OrganisationFilter) ([]*itsm.Organisation, int, error) {
	return nil, 0, fmt.Errorf("find organisations: %w", errors.New("connection to 10.0.0.5:5432 refused"))
}

type stubUsers struct{ itsm.UserService }

type stubAudit struct{ itsm.AuditService }

type stubTickets struct{ itsm.TicketService }

type stubAgreements struct{ itsm.AgreementService }

type stubProblems struct{ itsm.ProblemService }

type stubEscalations struct{ itsm.EscalationService }

type stubAttachments struct{ itsm.AttachmentService }

type stubRelations struct{ itsm.TicketRelations }
