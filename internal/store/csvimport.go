package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// importedPassword is the password hash of a person created by an import:
// it matches no password, so they cannot sign in until someone who manages
// them sets one (or they are sent a new one).
const importedPassword = "!imported: no password set"

// errImportRollback ends an import's transaction without writing: a dry run,
// or a file with a problem on any line.
var errImportRollback = errors.New("import rolled back")

// ImportCSV checks every line of an import as the caller, in one
// transaction, and commits only when no line has a problem and it is not a
// dry run. Lines create records, or change the record their key names
// (organisation name; e-mail address; organisation and interface name).
func (db *DB) ImportCSV(ctx context.Context, kind itsm.CSVKind, rows []itsm.CSVRow, dryRun bool) (*itsm.ImportReport, error) {
	a := itsm.ActorFromContext(ctx)
	switch {
	case !kind.Valid():
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: "Choose what the file holds: organisations, users or integrations.", Fields: map[string]string{"kind": "Choose organisations, users or integrations."}}
	case a.ReadOnly() || !a.SignedIn():
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to import records.")
	case kind == itsm.CSVOrganisations && !a.CanManageOrgs():
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Only programme administrators and managers can import organisations.")
	case kind == itsm.CSVUsers && !a.System && !(a.OrgKind == itsm.OrgProgramme && (a.Role == itsm.RoleAdmin || a.Role == itsm.RoleManager)) && a.Role != itsm.RoleCustomerAdmin:
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to import people.")
	case kind == itsm.CSVIntegrations && !a.CanManageSomeIntegrations():
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to import interfaces into the register.")
	case len(rows) > itsm.MaxImportRows:
		return nil, itsm.Errorf(itsm.EINVALID, "The file has more than %d lines; split it into smaller files.", itsm.MaxImportRows)
	}
	rep := &itsm.ImportReport{Kind: kind, DryRun: dryRun, Rows: len(rows), Errors: []itsm.ImportLineError{}}
	err := db.update(ctx, func(tx *Tx) error {
		for _, row := range rows {
			var err error
			var created, changed bool
			switch kind {
			case itsm.CSVOrganisations:
				created, changed, err = tx.importOrganisation(row)
			case itsm.CSVUsers:
				created, changed, err = tx.importUser(row)
			case itsm.CSVIntegrations:
				created, changed, err = tx.importIntegration(row)
			}
			if err != nil {
				if itsm.ErrorCode(err) == itsm.EINTERNAL {
					return fmt.Errorf("import %s line %d: %w", kind, row.Line, err)
				}
				addLineErrors(rep, row.Line, err)
				continue
			}
			switch {
			case created:
				rep.Created++
			case changed:
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		if dryRun || len(rep.Errors) > 0 {
			return errImportRollback
		}
		return tx.audit("import", "csv_"+string(kind), 0, importOrg(a), fields("rows", rep.Rows, "created", rep.Created, "updated", rep.Updated, "unchanged", rep.Unchanged))
	})
	if err != nil && !errors.Is(err, errImportRollback) {
		return nil, err
	}
	rep.Applied = err == nil
	if !rep.Applied {
		// Nothing was written; on a failed import the counts would mislead.
		if len(rep.Errors) > 0 {
			rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		}
	}
	return rep, nil
}

func importOrg(a *itsm.Actor) *int64 {
	if a.IsCustomer() {
		id := a.OrgID
		return &id
	}
	return nil
}

// addLineErrors turns a line's error into report lines, one per field.
func addLineErrors(rep *itsm.ImportReport, line int, err error) {
	fields := itsm.ErrorFields(err)
	if len(fields) == 0 {
		rep.Add(line, "", itsm.ErrorMessage(err))
		return
	}
	for _, k := range sortedKeys(fields) {
		col := k
		switch k {
		case "organisation_id":
			col = "organisation"
		case "password":
			continue
		}
		rep.Add(line, col, fields[k])
	}
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

func lineErr(col, msg string) error {
	return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{col: msg}}
}

// orgByName finds an organisation the caller may see by its exact name.
func (tx *Tx) orgByName(name string) (*itsm.Organisation, error) {
	var id int64
	err := tx.queryRow(`SELECT id FROM organisations WHERE name = ?`, strings.TrimSpace(name)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lineErr("organisation", fmt.Sprintf("There is no organisation called %q that you can see.", name))
	} else if err != nil {
		return nil, fmt.Errorf("find organisation %q: %w", name, err)
	}
	o, err := tx.findOrg(id)
	if err != nil {
		return nil, err
	}
	if !tx.actor.CanSeeOrg(o.ID) {
		return nil, lineErr("organisation", fmt.Sprintf("There is no organisation called %q that you can see.", name))
	}
	return o, nil
}

func (tx *Tx) importOrganisation(row itsm.CSVRow) (created, changed bool, err error) {
	v := row.Values
	o := itsm.Organisation{Name: v["name"], Kind: itsm.OrgKind(strings.ToLower(v["kind"])), TimeZone: v["time_zone"], Active: true}
	if row.Has("active") && v["active"] != "" {
		b, ok := itsm.ParseBool(v["active"])
		if !ok {
			return false, false, lineErr("active", "Write active as yes or no.")
		}
		o.Active = b
	}
	if err := o.Validate(); err != nil {
		return false, false, err
	}
	var id int64
	err = tx.queryRow(`SELECT id FROM organisations WHERE name = ?`, o.Name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if o.Kind == itsm.OrgProgramme {
			return false, false, lineErr("kind", "There is already a programme organisation; import customers and providers.")
		}
		nid, err := tx.insert(`INSERT INTO organisations (name, kind, time_zone, active, version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
			o.Name, string(o.Kind), o.TimeZone, o.Active, ts(tx.now), ts(tx.now))
		if err != nil {
			return false, false, fmt.Errorf("import organisation: %w", err)
		}
		o.ID, o.Version, o.CreatedAt, o.UpdatedAt = nid, 1, tx.now, tx.now
		return true, false, tx.audit(itsm.AuditCreate, "organisation", nid, &nid, diff(nil, &o))
	} else if err != nil {
		return false, false, fmt.Errorf("import organisation: %w", err)
	}
	before, err := tx.findOrg(id)
	if err != nil {
		return false, false, err
	}
	if before.Kind != o.Kind {
		return false, false, lineErr("kind", fmt.Sprintf("%s is a %s organisation; an import cannot change its kind.", before.Name, before.Kind))
	}
	after := *before
	if row.Has("time_zone") && v["time_zone"] != "" {
		after.TimeZone = o.TimeZone
	}
	if row.Has("active") && v["active"] != "" {
		after.Active = o.Active
	}
	if after.TimeZone == before.TimeZone && after.Active == before.Active {
		return false, false, nil
	}
	if _, err := tx.exec(`UPDATE organisations SET time_zone = ?, active = ?, version = version + 1, updated_at = ? WHERE id = ?`, after.TimeZone, after.Active, ts(tx.now), id); err != nil {
		return false, false, fmt.Errorf("import organisation %d: %w", id, err)
	}
	return false, true, tx.audit(itsm.AuditUpdate, "organisation", id, &id, diff(before, &after))
}

func (tx *Tx) importUser(row itsm.CSVRow) (created, changed bool, err error) {
	a := tx.actor
	v := row.Values
	org, err := tx.orgByName(v["organisation"])
	if err != nil {
		return false, false, err
	}
	u := itsm.User{OrgID: org.ID, OrgName: org.Name, OrgKind: org.Kind, Email: v["email"], Name: v["name"], Role: itsm.Role(strings.ToLower(v["role"])), Status: itsm.UserStatus(strings.ToLower(v["status"]))}
	if err := u.Validate(); err != nil {
		return false, false, err
	}
	if !u.Role.FitsOrg(org.Kind) {
		return false, false, lineErr("role", fmt.Sprintf("A %s cannot belong to a %s organisation.", u.Role.Label(), org.Kind))
	}
	if !a.CanManageUsersIn(org.ID, org.Kind) {
		return false, false, lineErr("organisation", fmt.Sprintf("You do not have permission to add or change people in %s.", org.Name))
	}
	var id int64
	err = tx.queryRow(`SELECT id FROM users WHERE email = ?`, u.Email).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if !a.CanGrantRole(u.Role, org.Kind) {
			return false, false, lineErr("role", fmt.Sprintf("You do not have permission to give someone the %s role.", u.Role.Label()))
		}
		if u.Status != itsm.UserActive && u.Status != itsm.UserDisabled {
			return false, false, lineErr("status", "A new person's status must be active or disabled.")
		}
		return true, false, tx.createUser(&u, importedPassword)
	} else if err != nil {
		return false, false, fmt.Errorf("import user: %w", err)
	}
	before, err := tx.findUser(id)
	if err != nil {
		return false, false, err
	}
	if before.OrgID != org.ID {
		return false, false, lineErr("email", "That email address belongs to someone in another organisation; an import cannot move people.")
	}
	after := *before
	after.Name, after.Role = u.Name, u.Role
	if row.Has("status") && v["status"] != "" {
		after.Status = u.Status
	}
	if after.Name == before.Name && after.Role == before.Role && after.Status == before.Status {
		return false, false, nil
	}
	if before.Role == itsm.RoleAdmin && !a.CanGrantRole(itsm.RoleAdmin, org.Kind) {
		return false, false, lineErr("email", "Only an administrator can change an administrator's account.")
	}
	if after.Role != before.Role && !a.CanGrantRole(after.Role, org.Kind) {
		return false, false, lineErr("role", fmt.Sprintf("You do not have permission to give someone the %s role.", after.Role.Label()))
	}
	if id == a.UserID && (after.Role != before.Role || after.Status != itsm.UserActive) {
		return false, false, lineErr("email", "You cannot change your own role or disable your own account.")
	}
	if _, err := tx.exec(`UPDATE users SET name = ?, role = ?, status = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		after.Name, string(after.Role), string(after.Status), ts(tx.now), id); err != nil {
		return false, false, fmt.Errorf("import user %d: %w", id, err)
	}
	if after.Status != itsm.UserActive {
		if _, err := tx.exec(`DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return false, false, fmt.Errorf("end sessions of user %d: %w", id, err)
		}
	}
	orgID := org.ID
	return false, true, tx.audit(itsm.AuditUpdate, "user", id, &orgID, diff(before, &after))
}

func (tx *Tx) importIntegration(row itsm.CSVRow) (created, changed bool, err error) {
	v := row.Values
	org, err := tx.orgByName(v["organisation"])
	if err != nil {
		return false, false, err
	}
	contacts, err := itsm.ParseContacts(v["contacts"])
	if err != nil {
		return false, false, lineErr("contacts", "Write each contact as Name <email> (role), separated by semicolons.")
	}
	g := itsm.Integration{OrgID: org.ID, Name: v["name"], System: v["system"], Vendor: v["vendor"], SysVersion: v["system_version"],
		Direction: v["direction"], Format: v["format"], Transport: v["transport"], Schedule: v["schedule"], Status: v["status"],
		Environments: itsm.SplitList(v["environments"]), Contacts: contacts, Documents: itsm.SplitList(v["documents"]), Notes: v["notes"]}
	if err := g.Validate(); err != nil {
		return false, false, err
	}
	var id int64
	err = tx.queryRow(`SELECT id FROM integrations WHERE org_id = ? AND name = ?`, org.ID, g.Name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return true, false, tx.createIntegration(&g)
	} else if err != nil {
		return false, false, fmt.Errorf("import integration: %w", err)
	}
	before, err := tx.findIntegration(id)
	if err != nil {
		return false, false, err
	}
	// Columns the file does not have keep their values.
	upd := itsm.IntegrationUpdate{Version: before.Version}
	str := func(col string, val *string) *string {
		if row.Has(col) {
			return val
		}
		return nil
	}
	upd.System, upd.Vendor, upd.SysVersion = str("system", &g.System), str("vendor", &g.Vendor), str("system_version", &g.SysVersion)
	upd.Direction, upd.Format, upd.Transport = str("direction", &g.Direction), str("format", &g.Format), str("transport", &g.Transport)
	upd.Schedule, upd.Status, upd.Notes = str("schedule", &g.Schedule), str("status", &g.Status), str("notes", &g.Notes)
	if row.Has("environments") {
		upd.Environments = &g.Environments
	}
	if row.Has("contacts") {
		upd.Contacts = &g.Contacts
	}
	if row.Has("documents") {
		upd.Documents = &g.Documents
	}
	want := *before
	applyIntegrationUpdate(&want, upd)
	if err := want.Validate(); err != nil {
		return false, false, err
	}
	if reflect.DeepEqual(integrationFieldValues(&want), integrationFieldValues(before)) {
		return false, false, nil
	}
	_, err = tx.updateIntegration(id, upd)
	return false, err == nil, err
}

// applyIntegrationUpdate applies a partial change to g.
func applyIntegrationUpdate(g *itsm.Integration, upd itsm.IntegrationUpdate) {
	for _, f := range []struct {
		dst *string
		src *string
	}{{&g.Name, upd.Name}, {&g.System, upd.System}, {&g.Vendor, upd.Vendor}, {&g.SysVersion, upd.SysVersion}, {&g.Direction, upd.Direction},
		{&g.Format, upd.Format}, {&g.Transport, upd.Transport}, {&g.Status, upd.Status}, {&g.Schedule, upd.Schedule}, {&g.Notes, upd.Notes}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if upd.Environments != nil {
		g.Environments = *upd.Environments
	}
	if upd.Contacts != nil {
		g.Contacts = *upd.Contacts
	}
	if upd.Documents != nil {
		g.Documents = *upd.Documents
	}
}

// ExportCSV returns the header and one line per record the caller may see,
// read in one transaction so that the file is a consistent snapshot.
func (db *DB) ExportCSV(ctx context.Context, kind itsm.CSVKind) ([][]string, error) {
	a := itsm.ActorFromContext(ctx)
	if !kind.Valid() {
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: "Choose what to export: organisations, users or integrations.", Fields: map[string]string{"kind": "Choose organisations, users or integrations."}}
	}
	if kind == itsm.CSVUsers && !a.ReadsEverything() && !a.CanManageUsersIn(a.OrgID, a.OrgKind) {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to export people.")
	}
	if !a.SignedIn() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Sign in to export records.")
	}
	out := [][]string{kind.Columns()}
	err := db.view(ctx, func(tx *Tx) error {
		var w where
		switch kind {
		case itsm.CSVOrganisations:
			if s := a.OrgScope(); s != 0 {
				w.add("id = ?", s)
			}
			orgs, err := queryAll(tx, func(row scanner) (*itsm.Organisation, error) { return scanOrg(row) },
				`SELECT `+orgColumns+` FROM organisations`+w.String()+` ORDER BY lower(name), id`, w.args...)
			for _, o := range orgs {
				out = append(out, itsm.OrganisationCSVRow(o))
			}
			return err
		case itsm.CSVUsers:
			if s := a.OrgScope(); s != 0 {
				w.add("u.org_id = ?", s)
			}
			users, err := queryAll(tx, func(row scanner) (*itsm.User, error) { return scanUser(row) },
				`SELECT `+userColumns+userFrom+w.String()+` ORDER BY lower(o.name), lower(u.name), u.id`, w.args...)
			for _, u := range users {
				out = append(out, itsm.UserCSVRow(u))
			}
			return err
		default:
			w := integrationWhere(a, itsm.IntegrationFilter{})
			gs, err := queryAll(tx, scanIntegration, `SELECT `+integrationColumns+integrationFrom+w.String()+` ORDER BY `+integrationSorts["organisation"], w.args...)
			for _, g := range gs {
				out = append(out, itsm.IntegrationCSVRow(g))
			}
			return err
		}
	})
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", kind, err)
	}
	return out, nil
}
