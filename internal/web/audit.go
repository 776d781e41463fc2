package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// auditActions are the actions the audit filter offers.
var auditActions = []option{
	{itsm.AuditCreate, "Created"},
	{itsm.AuditUpdate, "Changed"},
	{itsm.AuditDelete, "Deleted"},
	{itsm.AuditApprove, "Approved"},
	{itsm.AuditReject, "Rejected"},
	{itsm.AuditRevoke, "Revoked"},
	{itsm.AuditPassword, "Password changed"},
	{itsm.AuditSignIn, "Signed in"},
	{itsm.AuditSignOut, "Signed out"},
	{itsm.AuditSignInFailed, "Sign-in failed"},
	{itsm.AuditAccessRefused, "Access refused"},
}

func actionLabel(action string) string {
	for _, o := range auditActions {
		if o.Value == action {
			return o.Label
		}
	}
	if to, ok := strings.CutPrefix(action, "transition:"); ok {
		return "Moved to " + humanise(to)
	}
	return humanise(action)
}

// objectTypeLabels names the record types whose code does not read well.
var objectTypeLabels = map[string]string{"api_token": "API token"}

// objectLabel names an audited record: "User 12", "Organisation 3".
func objectLabel(objectType, objectID string) string {
	if l, ok := objectTypeLabels[objectType]; ok {
		return l + " " + objectID
	}
	return humanise(objectType) + " " + objectID
}

// objectHref links to an audited record when Steward has a page for it.
func objectHref(objectType, objectID string) string {
	if _, err := strconv.ParseInt(objectID, 10, 64); err != nil {
		return ""
	}
	switch objectType {
	case "user", "registration":
		return "/users/" + objectID
	case "organisation":
		return "/organisations/" + objectID
	case "audit_entry":
		return "/audit/" + objectID
	}
	return ""
}

// auditRow is an audit entry as the pages show it.
type auditRow struct {
	*itsm.AuditEntry
	ActionLabel, ObjectLabel, ObjectHref string
	Diff                                 diffView
}

func auditRows(entries []*itsm.AuditEntry) []auditRow {
	out := make([]auditRow, len(entries))
	for i, e := range entries {
		out[i] = auditRow{
			AuditEntry:  e,
			ActionLabel: actionLabel(e.Action),
			ObjectLabel: objectLabel(e.ObjectType, e.ObjectID),
			ObjectHref:  objectHref(e.ObjectType, e.ObjectID),
			Diff:        readDiff(e.Diff, e.Tombstoned),
		}
	}
	return out
}

// auditTable is what the "auditRows" partial draws.
type auditTable struct {
	Page        *basePage
	Entries     []auditRow
	ShowChanges bool
}

// auditListPage is the audit log with its filters.
type auditListPage struct {
	basePage
	Table                          auditTable
	Pager                          pager
	Orgs, Actions                  []option
	ShowOrgFilter, Filtered        bool
	ActorFilter, Org, Action       string
	ObjectType, ObjectID, From, To string
	CSVHref                        string
}

// auditFilter reads the audit log's filters. Dates are whole days in the
// viewer's time zone; "to" includes its day.
func auditFilter(q *listQuery, loc *time.Location) itsm.AuditFilter {
	var f itsm.AuditFilter
	f.ActorID = q.id("actor", "the person's user number")
	f.OrgID = q.id("organisation", "the organisation's number")
	if s := q.oneOf("action", auditActions, "an action"); s != "" {
		f.Action = &s
	}
	if s := q.text("object_type"); s != "" {
		f.ObjectType = &s
	}
	if s := q.text("object_id"); s != "" {
		f.ObjectID = &s
	}
	f.From = q.date("from", loc, "first day")
	if to := q.date("to", loc, "last day"); to != nil {
		end := to.AddDate(0, 0, 1)
		f.To = &end
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		q.v.Add("to", "The last day must be the same as or after the first day.")
	}
	return f
}

func (s *Server) canReadAudit(a *itsm.Actor) error {
	if !a.CanReadAudit() {
		return forbidden("You do not have permission to read the audit log.")
	}
	return nil
}

// auditList shows a page of the audit log, newest first, filtered.
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := s.canReadAudit(a); err != nil {
		return err
	}
	p := &auditListPage{basePage: s.newPage(w, r, "Audit log"), Actions: withAll("All actions", auditActions)}
	p.Wide = true
	q := newListQuery(r.URL.Query())
	f := auditFilter(q, p.location())
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	in := r.URL.Query()
	p.ActorFilter, p.Org, p.Action = in.Get("actor"), in.Get("organisation"), in.Get("action")
	p.ObjectType, p.ObjectID, p.From, p.To = in.Get("object_type"), in.Get("object_id"), in.Get("from"), in.Get("to")
	p.Filtered = q.filtered()
	if p.ShowOrgFilter = a.AuditScope() == 0; p.ShowOrgFilter {
		orgs, err := s.orgOptions(r)
		if err != nil {
			return err
		}
		p.Orgs = withAll("All organisations", orgs)
	}
	f.Offset, f.Limit = offset(page), pageSize
	entries, total, err := s.svc.Audit.FindAuditEntries(ctx, f)
	if err != nil {
		return err
	}
	p.Table = auditTable{Page: &p.basePage, Entries: auditRows(entries), ShowChanges: true}
	p.Pager = newPager(q, "/audit", page, total, len(entries), "entries")
	p.setPaged("Audit log", p.Pager)
	p.CSVHref = q.href("/audit.csv")
	return s.render(w, http.StatusOK, "audit_list", p)
}

// auditDetailPage is one audit entry in full.
type auditDetailPage struct {
	basePage
	Entry   auditRow
	OrgName string
}

// auditDetail shows one entry, if the viewer may read it (404 otherwise).
func (s *Server) auditDetail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := s.canReadAudit(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	e, err := s.svc.Audit.FindAuditEntryByID(ctx, id)
	if err != nil {
		return err
	}
	p := &auditDetailPage{basePage: s.newPage(w, r, "Audit entry "+strconv.FormatInt(id, 10)), Entry: auditRows([]*itsm.AuditEntry{e})[0]}
	p.Caption = "Audit log"
	p.BackHref = "/audit"
	if e.OrgID != nil {
		if org, err := s.svc.Organisations.FindOrganisationByID(ctx, *e.OrgID); err == nil {
			p.OrgName = org.Name
		}
	}
	return s.render(w, http.StatusOK, "audit_detail", p)
}

// auditCSV exports every entry that matches the filters, newest first,
// with times in RFC 3339 UTC.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := s.canReadAudit(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	_, loc := s.viewerOrg(r)
	f := auditFilter(q, loc)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	entries, _, err := s.svc.Audit.FindAuditEntries(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "audit-log.csv")
	_ = out.Write("id", "at", "actor_id", "actor_name", "organisation_id", "action", "object_type", "object_id", "diff", "ip", "request_id", "hash")
	// Entries written while the export runs push older ones to later
	// pages; remembering the last ID written skips the repeats.
	last := int64(-1)
	writePages(s, ctx, out, "audit log", entries, 0, func(n int) ([]*itsm.AuditEntry, error) {
		f.Offset += n
		page, _, err := s.svc.Audit.FindAuditEntries(ctx, f)
		return page, err
	}, func(e *itsm.AuditEntry) []string {
		if last != -1 && e.ID >= last {
			return nil
		}
		last = e.ID
		return []string{strconv.FormatInt(e.ID, 10), csvTime(e.At), idText(e.ActorID), e.ActorName, idText(e.OrgID),
			e.Action, e.ObjectType, e.ObjectID, string(e.Diff), e.IP, e.RequestID, e.Hash}
	})
	return nil
}

func idText(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}
