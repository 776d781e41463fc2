package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

const userColumns = `u.id, u.org_id, o.name, o.kind, u.email, u.name, u.role, u.status, u.version, u.created_at, u.updated_at, u.last_sign_in_at, u.erased_at`
const userFrom = ` FROM users u JOIN organisations o ON o.id = u.org_id`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*itsm.User, error) {
	var u itsm.User
	var created, updated int64
	var last, erased sql.NullInt64
	if err := row.Scan(append([]any{&u.ID, &u.OrgID, &u.OrgName, &u.OrgKind, &u.Email, &u.Name, &u.Role, &u.Status, &u.Version, &created, &updated, &last, &erased}, extra...)...); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt, u.LastSignInAt, u.ErasedAt = fromTS(created), fromTS(updated), fromNullTS(last), fromNullTS(erased)
	return &u, nil
}

// findUser reads a user without scoping; callers check visibility.
func (tx *Tx) findUser(id int64) (*itsm.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+userFrom+` WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("user")
	} else if err != nil {
		return nil, fmt.Errorf("find user %d: %w", id, err)
	}
	return u, nil
}

// canSeeUser applies the read rule for people: staff and auditors see all;
// others see their own organisation; a provider agent never sees customers.
func canSeeUser(a *itsm.Actor, u *itsm.User) bool {
	return a.CanSeeOrg(u.OrgID) || a.UserID == u.ID
}

// FindUserByID returns a user the caller may see.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*itsm.User, error) {
	var u *itsm.User
	if err := db.view(ctx, func(tx *Tx) (err error) { u, err = tx.findUser(id); return err }); err != nil {
		return nil, err
	}
	if !canSeeUser(itsm.ActorFromContext(ctx), u) {
		_ = db.RecordAccessRefused(ctx, "user", strconv.FormatInt(id, 10), "user not visible to the caller")
		return nil, itsm.ErrNotFound("user")
	}
	return u, nil
}

// FindUsers returns a page of the users the caller may see.
func (db *DB) FindUsers(ctx context.Context, f itsm.UserFilter) ([]*itsm.User, int, error) {
	a := itsm.ActorFromContext(ctx)
	var w where
	if s := a.OrgScope(); s != 0 {
		w.add("u.org_id = ?", s)
	}
	if f.ID != nil {
		w.add("u.id = ?", *f.ID)
	}
	if f.OrgID != nil {
		w.add("u.org_id = ?", *f.OrgID)
	}
	if f.Email != nil {
		w.add("u.email = ?", itsm.NormaliseEmail(*f.Email))
	}
	if f.Role != nil {
		w.add("u.role = ?", string(*f.Role))
	}
	if f.Status != nil {
		w.add("u.status = ?", string(*f.Status))
	}
	if f.Query != nil && *f.Query != "" {
		p := likePattern(*f.Query)
		w.add(`(lower(u.name) LIKE ? ESCAPE '\' OR u.email LIKE ? ESCAPE '\')`, p, p)
	}
	order := map[string]string{"": "lower(u.name), u.id", "name": "lower(u.name), u.id", "-name": "lower(u.name) DESC, u.id DESC",
		"email": "u.email", "-email": "u.email DESC", "created": "u.created_at, u.id", "-created": "u.created_at DESC, u.id DESC",
		"organisation": "lower(o.name), lower(u.name)"}[f.Sort]
	if order == "" {
		return nil, 0, &itsm.Error{Code: itsm.EINVALID, Message: "Sort by name, -name, email, -email, created, -created or organisation.", Fields: map[string]string{"sort": "Choose a known sort order."}}
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.User
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT `+userColumns+`, COUNT(*) OVER ()`+userFrom+w.String()+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(w.args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows, &total)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 && offset > 0 {
			return tx.queryRow(`SELECT COUNT(*)`+userFrom+w.String(), w.args...).Scan(&total)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find users: %w", err)
	}
	return out, total, nil
}

// errErased refuses changes to an account whose personal data was erased:
// it holds placeholders only, and must not become someone's account again.
var errErased = itsm.Errorf(itsm.ECONFLICT, "This person's personal data has been erased, so the account cannot be changed.")

var errEmailTaken = &itsm.Error{Code: itsm.ECONFLICT, Message: "An account with that email address already exists.", Fields: map[string]string{"email": "An account with that email address already exists."}}

// CreateUser creates an active user in an organisation the caller manages,
// with a role the caller may grant.
func (db *DB) CreateUser(ctx context.Context, u *itsm.User, password string) error {
	a := itsm.ActorFromContext(ctx)
	if a.ReadOnly() || !a.SignedIn() {
		return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to create users.")
	}
	if u.Status == "" {
		u.Status = itsm.UserActive
	}
	err := u.Validate()
	if perr := itsm.ValidatePassword("password", password); perr != nil {
		var v itsm.Validation
		for k, m := range itsm.ErrorFields(err) {
			v.Add(k, m)
		}
		v.Add("password", itsm.ErrorFields(perr)["password"])
		err = v.Err()
	}
	if err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		org, err := tx.findOrg(u.OrgID)
		if err != nil || !a.CanSeeOrg(org.ID) {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose an organisation you manage.", Fields: map[string]string{"organisation_id": "Choose an organisation you manage."}}
		}
		if !a.CanManageUsersIn(org.ID, org.Kind) {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to add people to %s.", org.Name)
		}
		if !u.Role.FitsOrg(org.Kind) {
			return &itsm.Error{Code: itsm.EINVALID, Message: fmt.Sprintf("A %s cannot belong to a %s organisation.", u.Role.Label(), org.Kind), Fields: map[string]string{"role": "Choose a role that fits the organisation."}}
		}
		if !a.CanGrantRole(u.Role, org.Kind) {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to give someone the %s role.", u.Role.Label())
		}
		u.OrgName, u.OrgKind = org.Name, org.Kind
		return tx.createUser(u, hash)
	})
}

func (tx *Tx) createUser(u *itsm.User, hash string) error {
	u.Version, u.CreatedAt, u.UpdatedAt = 1, tx.now, tx.now
	id, err := tx.insert(`INSERT INTO users (org_id, email, name, role, status, password_hash, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		u.OrgID, u.Email, u.Name, string(u.Role), string(u.Status), hash, ts(tx.now), ts(tx.now))
	if isUniqueViolation(err) {
		return errEmailTaken
	} else if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	u.ID = id
	org := u.OrgID
	return tx.audit(itsm.AuditCreate, "user", id, &org, diff(nil, u))
}

// UpdateUser changes a user the caller manages.
func (db *DB) UpdateUser(ctx context.Context, id int64, upd itsm.UserUpdate) (*itsm.User, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.User
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findUser(id)
		if err != nil {
			return err
		}
		if !canSeeUser(a, before) {
			return itsm.ErrNotFound("user")
		}
		if !a.CanManageUsersIn(before.OrgID, before.OrgKind) {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change this person's account.")
		}
		if before.Role == itsm.RoleAdmin && !a.CanGrantRole(itsm.RoleAdmin, before.OrgKind) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only an administrator can change an administrator's account.")
		}
		if before.ErasedAt != nil {
			return errErased
		}
		u := *before
		if upd.Name != nil {
			u.Name = *upd.Name
		}
		if upd.Email != nil {
			u.Email = *upd.Email
		}
		if upd.Role != nil {
			u.Role = *upd.Role
		}
		if upd.Status != nil {
			u.Status = *upd.Status
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if u.Role != before.Role {
			if !u.Role.FitsOrg(before.OrgKind) {
				return &itsm.Error{Code: itsm.EINVALID, Message: fmt.Sprintf("A %s cannot belong to a %s organisation.", u.Role.Label(), before.OrgKind), Fields: map[string]string{"role": "Choose a role that fits the organisation."}}
			}
			if !a.CanGrantRole(u.Role, before.OrgKind) {
				return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to give someone the %s role.", u.Role.Label())
			}
		}
		if u.ID == a.UserID && (u.Status != itsm.UserActive || u.Role != before.Role) {
			return itsm.Errorf(itsm.EFORBIDDEN, "You cannot change your own role or disable your own account; ask another administrator.")
		}
		res, err := tx.exec(`UPDATE users SET name = ?, email = ?, role = ?, status = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			u.Name, u.Email, string(u.Role), string(u.Status), ts(tx.now), id, upd.Version)
		if isUniqueViolation(err) {
			return errEmailTaken
		} else if err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("account")
		}
		if u.Status != itsm.UserActive {
			if _, err := tx.exec(`DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return fmt.Errorf("end sessions of user %d: %w", id, err)
			}
		}
		u.Version, u.UpdatedAt = before.Version+1, tx.now
		out = &u
		org := u.OrgID
		return tx.audit(itsm.AuditUpdate, "user", id, &org, diff(before, &u))
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "user", strconv.FormatInt(id, 10), "update of a user not visible to the caller")
	}
	return out, err
}

// SetPassword replaces a user's password: the user themself, or someone who
// manages their organisation. Every session of that user ends.
func (db *DB) SetPassword(ctx context.Context, id int64, password string) error {
	a := itsm.ActorFromContext(ctx)
	if err := itsm.ValidatePassword("password", password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		u, err := tx.findUser(id)
		if err != nil {
			return err
		}
		if !canSeeUser(a, u) {
			return itsm.ErrNotFound("user")
		}
		self := a.UserID == id
		if !self && (!a.CanManageUsersIn(u.OrgID, u.OrgKind) || (u.Role == itsm.RoleAdmin && !a.CanGrantRole(itsm.RoleAdmin, u.OrgKind))) {
			return itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to change this person's password.")
		}
		if u.ErasedAt != nil {
			return errErased
		}
		if _, err := tx.exec(`UPDATE users SET password_hash = ?, version = version + 1, updated_at = ? WHERE id = ?`, hash, ts(tx.now), id); err != nil {
			return fmt.Errorf("set password of user %d: %w", id, err)
		}
		if _, err := tx.exec(`DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return fmt.Errorf("end sessions of user %d: %w", id, err)
		}
		org := u.OrgID
		return tx.audit(itsm.AuditPassword, "user", id, &org, fields("password", "changed"))
	})
}

// Register records a pending self-registration to a customer organisation
// and tells that organisation's customer admins. For an address that
// already has an account it records nothing, e-mails the address instead,
// and returns a nil user and no error: the caller answers as for a new
// registration, so registering cannot be used to learn who has an account.
func (db *DB) Register(ctx context.Context, r itsm.Registration) (*itsm.User, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return nil, err
	}
	u := &itsm.User{OrgID: r.OrgID, Name: r.Name, Email: r.Email, Role: itsm.RoleCustomerUser, Status: itsm.UserPending}
	ip := itsm.ActorFromContext(ctx).IP
	err = db.update(ctx, func(tx *Tx) error {
		// Registration is open to anyone, so one address may make only a
		// few an hour.
		var recent int
		if err := tx.queryRow(`SELECT COUNT(*) FROM audit_log WHERE action IN ('create', 'registration_duplicate') AND ip = ? AND at >= ? AND object_type = 'user' AND actor_id IS NULL`,
			ip, ts(tx.now.Add(-time.Hour))).Scan(&recent); err != nil {
			return fmt.Errorf("count recent registrations: %w", err)
		}
		if ip != "" && recent >= db.Throttle.RegistrationsPerHour {
			return itsm.Errorf(itsm.ETOOMANY, "There have been too many registrations from your network in the last hour. Try again later, or ask your organisation's administrator to add you.")
		}
		org, err := tx.findOrg(r.OrgID)
		if err != nil || org.Kind != itsm.OrgCustomer || !org.Active {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose your organisation from the list.", Fields: map[string]string{"organisation_id": "Choose your organisation from the list."}}
		}
		u.OrgName, u.OrgKind = org.Name, org.Kind
		// An address that already has an account gets the same answer as
		// a new one, so the form cannot tell anyone who has an account;
		// the owner of the address is told by e-mail instead.
		var existing int
		if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE LOWER(email) = LOWER(?)`, u.Email).Scan(&existing); err != nil {
			return fmt.Errorf("look for an existing account: %w", err)
		}
		if existing > 0 {
			u = nil
			if err := tx.auditRef(itsm.AuditRegistrationDuplicate, "user", "", &org.ID, fields("organisation", org.Name)); err != nil {
				return err
			}
			return tx.enqueue(itsm.EmailJob{To: []string{r.Email}, Subject: "Someone asked to register this address with Steward",
				Text: "Someone asked to register this e-mail address for " + org.Name + " in the Steward customer area, but the address already has an account.\n\n" +
					"If it was you, sign in with that account; if you have forgotten its password, ask your organisation's administrator to set a new one. If it was not you, you need do nothing.\n"})
		}
		if err := tx.createUser(u, hash); err != nil {
			return err
		}
		admins, err := tx.emailsOf(`org_id = ? AND role = ? AND status = 'active'`, org.ID, string(itsm.RoleCustomerAdmin))
		if err != nil {
			return err
		}
		if len(admins) == 0 {
			return nil
		}
		return tx.enqueue(itsm.EmailJob{To: admins, Subject: "New registration to approve: " + u.Name,
			Text: fmt.Sprintf("%s (%s) has asked to join %s in the Steward customer area.\n\nSign in to approve or reject the request.\n", u.Name, u.Email, org.Name)})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func (tx *Tx) emailsOf(cond string, args ...any) ([]string, error) {
	rows, err := tx.query(`SELECT email FROM users WHERE `+cond+` ORDER BY email`, args...)
	if err != nil {
		return nil, fmt.Errorf("find e-mail addresses: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DecideRegistration approves or rejects a pending registration and tells
// the person.
func (db *DB) DecideRegistration(ctx context.Context, userID int64, approve bool, version int64) (*itsm.User, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.User
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findUser(userID)
		if err != nil || before.Status != itsm.UserPending || !canSeeUser(a, before) {
			return itsm.ErrNotFound("registration")
		}
		if !a.CanManageUsersIn(before.OrgID, before.OrgKind) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only %s's customer admin or the programme team can decide this registration.", before.OrgName)
		}
		status, action := itsm.UserRejected, itsm.AuditReject
		if approve {
			status, action = itsm.UserActive, itsm.AuditApprove
		}
		res, err := tx.exec(`UPDATE users SET status = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND status = 'pending'`,
			string(status), ts(tx.now), userID, version)
		if err != nil {
			return fmt.Errorf("decide registration %d: %w", userID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("registration")
		}
		u := *before
		u.Status, u.Version, u.UpdatedAt = status, before.Version+1, tx.now
		out = &u
		org := u.OrgID
		if err := tx.audit(action, "user", userID, &org, diff(before, &u)); err != nil {
			return err
		}
		subject, text := "Your Steward registration was not approved", fmt.Sprintf("Your request to join %s in the Steward customer area was not approved. Contact your organisation's administrator if you think this is wrong.\n", u.OrgName)
		if approve {
			subject, text = "Your Steward registration is approved", fmt.Sprintf("Your request to join %s in the Steward customer area is approved. You can now sign in with the email address and password you registered.\n", u.OrgName)
		}
		return tx.enqueue(itsm.EmailJob{To: []string{u.Email}, Subject: subject, Text: text})
	})
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "registration", strconv.FormatInt(userID, 10), "registration not visible to the caller")
	}
	return out, err
}
