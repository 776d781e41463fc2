package web

import (
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

var userSortOptions = sortOptions("name", "Name (A to Z)", "-name", "Name (Z to A)", "email", "Email address", "organisation", "Organisation", "-created", "Newest first", "created", "Oldest first")

var userStatusOptions = []option{
	{string(itsm.UserActive), statusLabel(itsm.UserActive)},
	{string(itsm.UserPending), statusLabel(itsm.UserPending)},
	{string(itsm.UserDisabled), statusLabel(itsm.UserDisabled)},
	{string(itsm.UserRejected), statusLabel(itsm.UserRejected)},
}

func allRoleOptions() []option {
	out := make([]option, len(itsm.Roles))
	for i, r := range itsm.Roles {
		out[i] = option{Value: string(r), Label: r.Label()}
	}
	return out
}

func checkListUsers(a *itsm.Actor) error {
	if !canListUsers(a) {
		return forbidden("You do not have permission to see the list of users.")
	}
	return nil
}

// userListPage lists people.
type userListPage struct {
	basePage
	Users                        []*itsm.User
	Pager                        pager
	Orgs, Roles, Statuses, Sorts []option
	Org, Role, Status, Q, Sort   string
	ShowOrgFilter, Filtered      bool
	CanCreate                    bool
	CSVHref                      string
}

func userFilter(q *listQuery, orgs []option) itsm.UserFilter {
	var f itsm.UserFilter
	if orgs != nil {
		f.OrgID = q.id("organisation", "the organisation's number")
	}
	if r := itsm.Role(q.oneOf("role", allRoleOptions(), "a role")); r != "" {
		f.Role = &r
	}
	if st := itsm.UserStatus(q.oneOf("status", userStatusOptions, "a status")); st != "" {
		f.Status = &st
	}
	if s := q.text("q"); s != "" {
		f.Query = &s
	}
	f.Sort = q.sort(userSortOptions, "name")
	return f
}

// userOrgOptions is the organisation filter: every organisation for those
// who read everything, none (their own is implied) for customer admins.
func (s *Server) userOrgOptions(r *http.Request, a *itsm.Actor) ([]option, error) {
	if !a.ReadsEverything() {
		return nil, nil
	}
	return s.orgOptions(r)
}

// userList shows the people the viewer can see, filtered and paged.
func (s *Server) userList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := checkListUsers(a); err != nil {
		return err
	}
	orgs, err := s.userOrgOptions(r, a)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := userFilter(q, orgs)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(page), pageSize
	users, total, err := s.svc.Users.FindUsers(ctx, f)
	if err != nil {
		return err
	}
	p := &userListPage{basePage: s.newPage(w, r, "Users"), Users: users,
		Roles: withAll("All roles", allRoleOptions()), Statuses: withAll("All statuses", userStatusOptions), Sorts: userSortOptions,
		Org: q.keep.Get("organisation"), Role: q.keep.Get("role"), Status: q.keep.Get("status"), Q: q.keep.Get("q"), Sort: f.Sort,
		ShowOrgFilter: orgs != nil, Filtered: q.filtered(), CanCreate: canCreateUsers(a), CSVHref: q.href("/users.csv")}
	if orgs != nil {
		p.Orgs = withAll("All organisations", orgs)
	}
	p.Wide = true
	p.Pager = newPager(q, "/users", page, total, len(users), "users")
	p.setPaged("Users", p.Pager)
	return s.render(w, http.StatusOK, "user_list", p)
}

// userCSV exports every person matching the list's filters.
func (s *Server) userCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := checkListUsers(a); err != nil {
		return err
	}
	orgs, err := s.userOrgOptions(r, a)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := userFilter(q, orgs)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	users, _, err := s.svc.Users.FindUsers(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "users.csv")
	_ = out.Write("id", "name", "email", "organisation_id", "organisation", "role", "status", "created_at", "last_sign_in_at")
	writePages(s, ctx, out, "users", users, 0, func(n int) ([]*itsm.User, error) {
		f.Offset += n
		page, _, err := s.svc.Users.FindUsers(ctx, f)
		return page, err
	}, func(u *itsm.User) []string {
		return []string{strconv.FormatInt(u.ID, 10), u.Name, u.Email, strconv.FormatInt(u.OrgID, 10), u.OrgName,
			string(u.Role), string(u.Status), csvTime(u.CreatedAt), csvTimeOr(u.LastSignInAt)}
	})
	return nil
}

// userDetailPage is one person's account.
type userDetailPage struct {
	basePage
	User                    *itsm.User
	Self, CanEdit           bool
	CanReadAudit, CanDecide bool
	// CanExport and CanErase offer the person's personal data (UK GDPR).
	CanExport, CanErase bool
}

// userDetail shows a person to anyone who can see them (404 otherwise).
func (s *Server) userDetail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := s.svc.Users.FindUserByID(ctx, id)
	if err != nil {
		return err
	}
	p := &userDetailPage{basePage: s.newPage(w, r, u.Name), User: u, Self: u.ID == a.UserID,
		CanEdit:      canEditUser(a, u),
		CanReadAudit: a.CanReadAudit() && (a.AuditScope() == 0 || a.AuditScope() == u.OrgID),
		CanDecide:    u.Status == itsm.UserPending && canEditUser(a, u),
		CanExport:    a.CanManagePersonalData(),
		CanErase:     canErasePerson(a, u)}
	p.Caption = u.OrgName
	return s.render(w, http.StatusOK, "user_detail", p)
}

// canEditUser mirrors the store's rule for changing an account: someone
// who manages the person's organisation, and only an administrator for an
// administrator.
func canEditUser(a *itsm.Actor, u *itsm.User) bool {
	return u.ErasedAt == nil && !a.ReadOnly() && a.CanManageUsersIn(u.OrgID, u.OrgKind) &&
		(u.Role != itsm.RoleAdmin || a.CanGrantRole(itsm.RoleAdmin, u.OrgKind))
}

// canCreateUsers reports whether the actor adds people to any organisation.
func canCreateUsers(a *itsm.Actor) bool {
	return !a.ReadOnly() && a.CanManageUsersIn(a.OrgID, a.OrgKind)
}
