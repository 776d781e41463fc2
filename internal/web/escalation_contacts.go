package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// escalationContactsPage lists a provider's named contacts per escalation
// level, with the form to add one.
type escalationContactsPage struct {
	basePage
	Org                *itsm.Organisation
	Contacts           []*itsm.EscalationContact
	CanManage          bool
	Name, Email, Level string
	Levels             []option
}

var contactFields = []string{"level", "name", "email"}

// findContactsProvider finds the provider named in the path: an
// organisation the caller cannot see, or that is not a provider, has no
// escalation contacts page.
func (s *Server) findContactsProvider(r *http.Request) (*itsm.Organisation, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	org, err := s.svc.Organisations.FindOrganisationByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if org.Kind != itsm.OrgProvider {
		return nil, errPageNotFound
	}
	return org, nil
}

func (s *Server) escalationContactsPage(w http.ResponseWriter, r *http.Request, org *itsm.Organisation) (*escalationContactsPage, error) {
	contacts, err := s.svc.Escalations.FindEscalationContacts(r.Context(), org.ID)
	if err != nil {
		return nil, err
	}
	a := itsm.ActorFromContext(r.Context())
	p := &escalationContactsPage{basePage: s.newPage(w, r, "Escalation contacts"), Org: org, Contacts: contacts,
		CanManage: a.CanManageOrgs(), Level: "1", Levels: escalationLevelOptions}
	p.Caption = org.Name
	p.BackHref = "/organisations/" + strconv.FormatInt(org.ID, 10)
	p.Wide = true
	return p, nil
}

// escalationContacts shows a provider's contacts to the team, auditors and
// the provider itself.
func (s *Server) escalationContacts(w http.ResponseWriter, r *http.Request) error {
	org, err := s.findContactsProvider(r)
	if err != nil {
		return err
	}
	p, err := s.escalationContactsPage(w, r, org)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "escalation_contacts", p)
}

func canManageContacts(a *itsm.Actor) error {
	if !a.CanManageOrgs() {
		return forbidden("Only managers and administrators can change escalation contacts.")
	}
	return nil
}

// escalationContactAdd names a contact for a level.
func (s *Server) escalationContactAdd(w http.ResponseWriter, r *http.Request) error {
	org, err := s.findContactsProvider(r)
	if err != nil {
		return err
	}
	if err := canManageContacts(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	c := &itsm.EscalationContact{ProviderID: org.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email"))}
	level := r.PostFormValue("level")
	var v itsm.Validation
	if hasOption(escalationLevelOptions, level) {
		c.Level, _ = strconv.Atoi(level)
	} else {
		v.Add("level", "Choose level 1, 2 or 3.")
	}
	err = mergeErrors(v.Err(), c.Validate())
	if err == nil {
		err = s.svc.Escalations.AddEscalationContact(r.Context(), c)
	}
	if itsm.ErrorCode(err) == itsm.ECONFLICT {
		err = fieldErr("email", itsm.ErrorMessage(err))
	}
	if formFailed(err) {
		p, perr := s.escalationContactsPage(w, r, org)
		if perr != nil {
			return perr
		}
		p.Name, p.Email, p.Level = c.Name, r.PostFormValue("email"), level
		p.setErrors(err, contactFields...)
		return s.render(w, formStatus(err), "escalation_contacts", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, contactsHref(org), c.Name+" is now a level "+level+" contact.")
}

// escalationContactRemove removes one of the provider's contacts.
func (s *Server) escalationContactRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := s.findContactsProvider(r)
	if err != nil {
		return err
	}
	if err := canManageContacts(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostFormValue("contact_id"), 10, 64)
	if err != nil || id <= 0 {
		return itsm.Errorf(itsm.EINVALID, "The form does not say which contact to remove. Go back, reload the page and try again.")
	}
	// Only a contact of this provider can be removed from its page.
	contacts, err := s.svc.Escalations.FindEscalationContacts(ctx, org.ID)
	if err != nil {
		return err
	}
	var found *itsm.EscalationContact
	for _, c := range contacts {
		if c.ID == id {
			found = c
		}
	}
	if found == nil {
		return itsm.ErrNotFound("contact")
	}
	if err := s.svc.Escalations.RemoveEscalationContact(ctx, id); err != nil {
		return err
	}
	return s.redirect(w, r, contactsHref(org), found.Name+" is no longer a level "+strconv.Itoa(found.Level)+" contact.")
}

func contactsHref(org *itsm.Organisation) string {
	return "/organisations/" + strconv.FormatInt(org.ID, 10) + "/escalation-contacts"
}
