package itsm

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// IntegrationChoice is one allowed value of a register field, with its label.
type IntegrationChoice struct {
	Value, Label string
}

// IntegrationDirections are what an interface carries.
var IntegrationDirections = []IntegrationChoice{
	{"outbound_orders", "Outbound orders"},
	{"inbound_invoices", "Inbound invoices"},
	{"master_data", "Master data"},
	{"payments", "Payments"},
	{"other", "Other"},
}

// IntegrationFormats are the message formats an interface uses.
var IntegrationFormats = []IntegrationChoice{
	{"csv", "CSV"}, {"xml", "XML"}, {"cxml", "cXML"}, {"ubl", "UBL"}, {"peppol_bis3", "PEPPOL BIS 3"},
	{"edi", "EDI"}, {"json", "JSON"}, {"other", "Other"},
}

// IntegrationTransports are how an interface moves its messages.
var IntegrationTransports = []IntegrationChoice{
	{"sftp", "SFTP"}, {"api", "API"}, {"email", "E-mail"}, {"as2", "AS2"}, {"other", "Other"},
}

// IntegrationEnvironments are where an interface runs; an entry may run in
// several.
var IntegrationEnvironments = []IntegrationChoice{
	{"test", "Test"}, {"uat", "UAT"}, {"production", "Production"},
}

// IntegrationStatuses are where an interface stands, in lifecycle order.
var IntegrationStatuses = []IntegrationChoice{
	{"planned", "Planned"}, {"in_build", "In build"}, {"testing", "Testing"}, {"live", "Live"}, {"retired", "Retired"},
}

// ChoiceLabel returns the label of value among choices, or value itself.
func ChoiceLabel(choices []IntegrationChoice, value string) string {
	for _, c := range choices {
		if c.Value == value {
			return c.Label
		}
	}
	return value
}

// ChoiceValue finds a choice by its value or (case-insensitively) its label,
// so that a CSV file may say "PEPPOL BIS 3" or "peppol_bis3".
func ChoiceValue(choices []IntegrationChoice, s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, c := range choices {
		if c.Value == s || strings.EqualFold(c.Label, s) {
			return c.Value, true
		}
	}
	return "", false
}

func choiceList(choices []IntegrationChoice) string {
	labels := make([]string, len(choices))
	for i, c := range choices {
		labels[i] = c.Label
	}
	return strings.Join(labels[:len(labels)-1], ", ") + " or " + labels[len(labels)-1]
}

// IntegrationContact is a person to call about an interface.
type IntegrationContact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Integration is one entry of an organisation's integration register: an
// interface between the purchasing system and a back-office system.
type Integration struct {
	ID           int64                `json:"id"`
	OrgID        int64                `json:"organisation_id"`
	OrgName      string               `json:"organisation_name"`
	Name         string               `json:"name"`
	System       string               `json:"system"`
	Vendor       string               `json:"vendor"`
	SysVersion   string               `json:"system_version"`
	Direction    string               `json:"direction"`
	Format       string               `json:"format"`
	Transport    string               `json:"transport"`
	Schedule     string               `json:"schedule"`
	Environments []string             `json:"environments"`
	Status       string               `json:"status"`
	Contacts     []IntegrationContact `json:"contacts"`
	// Documents are free references (a title, a URL, or a document
	// library ID) until the library can be linked by ID.
	Documents []string  `json:"documents"`
	Notes     string    `json:"notes"`
	Tickets   int       `json:"ticket_count"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// Normalise tidies what people typed: trimmed text, known environments in
// order, no empty contacts or documents.
func (g *Integration) Normalise() {
	for _, p := range []*string{&g.Name, &g.System, &g.Vendor, &g.SysVersion, &g.Schedule, &g.Direction, &g.Format, &g.Transport, &g.Status} {
		*p = strings.TrimSpace(*p)
	}
	g.Notes = strings.TrimSpace(strings.ReplaceAll(g.Notes, "\r\n", "\n"))
	if g.Status == "" {
		g.Status = "planned"
	}
	for _, f := range []struct {
		p       *string
		choices []IntegrationChoice
	}{{&g.Direction, IntegrationDirections}, {&g.Format, IntegrationFormats}, {&g.Transport, IntegrationTransports}, {&g.Status, IntegrationStatuses}} {
		if v, ok := ChoiceValue(f.choices, *f.p); ok {
			*f.p = v
		}
	}
	envs := []string{}
	for _, c := range IntegrationEnvironments {
		for _, e := range g.Environments {
			if v, ok := ChoiceValue(IntegrationEnvironments, e); ok && v == c.Value {
				envs = append(envs, c.Value)
				break
			}
		}
	}
	for _, e := range g.Environments {
		if _, ok := ChoiceValue(IntegrationEnvironments, e); !ok {
			envs = append(envs, e) // kept so that Validate names it
		}
	}
	g.Environments = envs
	contacts := []IntegrationContact{}
	for _, c := range g.Contacts {
		c.Name, c.Email, c.Role = strings.TrimSpace(c.Name), NormaliseEmail(c.Email), strings.TrimSpace(c.Role)
		if c != (IntegrationContact{}) {
			contacts = append(contacts, c)
		}
	}
	g.Contacts = contacts
	docs := []string{}
	for _, d := range g.Documents {
		if d = strings.TrimSpace(d); d != "" {
			docs = append(docs, d)
		}
	}
	g.Documents = docs
}

// Validate checks an entry's fields, naming each field at fault.
func (g *Integration) Validate() error {
	g.Normalise()
	var v Validation
	short := func(field, val, what string, required bool) {
		if required && val == "" {
			v.Add(field, "Enter the "+what+".")
			return
		}
		v.Check(utf8.RuneCountInString(val) <= 200 && !HasControl(val), field, "The "+what+" must be 200 characters or fewer, without control characters.")
	}
	short("name", g.Name, "interface's name", true)
	short("system", g.System, "back-office system", true)
	short("vendor", g.Vendor, "vendor", false)
	short("system_version", g.SysVersion, "system version", false)
	short("schedule", g.Schedule, "schedule", false)
	v.Check(g.OrgID > 0, "organisation_id", "Choose the customer organisation the interface belongs to.")
	if _, ok := ChoiceValue(IntegrationDirections, g.Direction); !ok || g.Direction == "" {
		v.Add("direction", "Choose the direction: "+choiceList(IntegrationDirections)+".")
	}
	if _, ok := ChoiceValue(IntegrationFormats, g.Format); !ok || g.Format == "" {
		v.Add("format", "Choose the format: "+choiceList(IntegrationFormats)+".")
	}
	if _, ok := ChoiceValue(IntegrationTransports, g.Transport); !ok || g.Transport == "" {
		v.Add("transport", "Choose the transport: "+choiceList(IntegrationTransports)+".")
	}
	if _, ok := ChoiceValue(IntegrationStatuses, g.Status); !ok {
		v.Add("status", "Choose the status: "+choiceList(IntegrationStatuses)+".")
	}
	for _, e := range g.Environments {
		if _, ok := ChoiceValue(IntegrationEnvironments, e); !ok {
			v.Add("environments", "Choose environments from "+choiceList(IntegrationEnvironments)+".")
		}
	}
	v.Check(len(g.Contacts) <= 20, "contacts", "Give 20 contacts or fewer.")
	for _, c := range g.Contacts {
		switch {
		case c.Name == "":
			v.Add("contacts", "Give each contact a name.")
		case c.Email != "" && !ValidEmail(c.Email):
			v.Add("contacts", "Enter each contact's email address in the correct format, like name@example.org.")
		case utf8.RuneCountInString(c.Name) > 200 || utf8.RuneCountInString(c.Role) > 200 || HasControl(c.Name) || HasControl(c.Role):
			v.Add("contacts", "Contacts' names and roles must be 200 characters or fewer, without control characters.")
		}
	}
	v.Check(len(g.Documents) <= 50, "documents", "Give 50 document references or fewer.")
	for _, d := range g.Documents {
		if utf8.RuneCountInString(d) > 500 || HasControl(d) {
			v.Add("documents", "Each document reference must be 500 characters or fewer, on one line.")
		}
	}
	v.Check(len(g.Notes) <= 20000 && utf8.ValidString(g.Notes), "notes", "Use 20,000 characters or fewer.")
	return v.Err()
}

// IntegrationFilter selects register entries. Nil fields do not filter.
type IntegrationFilter struct {
	OrgID     *int64
	Status    *string
	Direction *string
	Query     *string // name, system or vendor contains
	Sort      string  // "name" (default), "updated" (newest first), "organisation"
	Offset    int
	Limit     int
}

// IntegrationUpdate is a partial change; nil fields are left alone. Version
// must be the version the caller read.
type IntegrationUpdate struct {
	Name, System, Vendor, SysVersion     *string
	Direction, Format, Transport, Status *string
	Schedule, Notes                      *string
	Environments                         *[]string
	Contacts                             *[]IntegrationContact
	Documents                            *[]string
	Version                              int64
}

// IntegrationChange is one changed field in an entry's history.
type IntegrationChange struct {
	At        time.Time `json:"at"`
	ActorID   *int64    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	Field     string    `json:"field"`
	OldValue  string    `json:"old_value"`
	NewValue  string    `json:"new_value"`
}

// CanReadIntegrations reports whether the actor may read the register at
// all: everyone signed in. Customers read their own organisation's entries;
// staff, auditors and providers (who operate the interfaces) read all.
func (a *Actor) CanReadIntegrations() bool { return a.SignedIn() }

// IntegrationScope returns the organisation the actor's register reads are
// limited to, 0 for every organisation.
func (a *Actor) IntegrationScope() int64 {
	if a.ReadsEverything() || a.IsProvider() {
		return 0
	}
	return a.OrgScope()
}

// CanManageIntegration reports whether the actor may add and change entries
// of the organisation: programme staff for every organisation, customer
// administrators for their own. Customer users, providers and auditors read.
func (a *Actor) CanManageIntegration(orgID int64) bool {
	if a.ReadOnly() {
		return false
	}
	return a.IsStaff() || (a.Role == RoleCustomerAdmin && a.OrgKind == OrgCustomer && a.OrgID == orgID)
}

// CanManageSomeIntegrations reports whether the actor may manage the
// entries of at least one organisation.
func (a *Actor) CanManageSomeIntegrations() bool {
	return !a.ReadOnly() && (a.IsStaff() || (a.Role == RoleCustomerAdmin && a.OrgKind == OrgCustomer))
}

// IntegrationService is the integration register. Every method returns
// ENOTFOUND for an entry the caller may not see, EFORBIDDEN when the caller
// may see but not change it, EINVALID naming the field at fault, and
// ECONFLICT for a stale version or a name already used in the organisation.
type IntegrationService interface {
	CreateIntegration(ctx context.Context, g *Integration) error
	FindIntegrationByID(ctx context.Context, id int64) (*Integration, error)
	FindIntegrations(ctx context.Context, f IntegrationFilter) ([]*Integration, int, error)
	UpdateIntegration(ctx context.Context, id int64, upd IntegrationUpdate) (*Integration, error)
	// IntegrationHistory lists the entry's changes, newest first.
	IntegrationHistory(ctx context.Context, id int64) ([]*IntegrationChange, error)
	// LinkIntegrationTicket records that a ticket of the entry's
	// organisation is about the interface. Whoever may raise tickets for
	// the organisation may link them. Linking twice is not an error.
	LinkIntegrationTicket(ctx context.Context, integrationID, ticketID int64) error
	// UnlinkIntegrationTicket removes that link (staff and the
	// organisation's customer administrators).
	UnlinkIntegrationTicket(ctx context.Context, integrationID, ticketID int64) error
	// IntegrationTickets lists the entry's linked tickets, newest first.
	IntegrationTickets(ctx context.Context, integrationID int64) ([]*Ticket, error)
	// TicketIntegrations lists the visible entries a ticket is linked to.
	TicketIntegrations(ctx context.Context, ticketID int64) ([]*Integration, error)
}

// IntegrationIssueCategory is the ticket category of an integration issue.
const IntegrationIssueCategory = "Integration issue"
