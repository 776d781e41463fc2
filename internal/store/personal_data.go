package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// What the export holds, table by table (every column of every migration
// that refers to users or holds an e-mail address or a person's name):
//
//   - users: the account (never password_hash), its organisation and role.
//   - sessions: created, last seen, expiry and address (never token_hash or
//     csrf_token). api_tokens: name and dates (never token_hash or prefix).
//     calendar_feeds: dates (never token_hash).
//   - sign_in_attempts: by e-mail address (time, address, outcome).
//   - tickets.requester_id, tickets.assignee_id, ticket_watchers.user_id,
//     ticket_events.actor_id (with the text they wrote), attachments.uploader_id
//     (name, type, size, checksum; never the bytes).
//   - change_requests.requester_id and assignee_id, change_events.actor_id,
//     change_estimates.author_id, change_votes.member_id, change_costs.author_id,
//     change_spec_versions.frozen_by, change_attachments.uploader_id.
//   - problems.owner_id, escalations.raised_by and owner_id, risks.owner_id,
//     programme_issues.owner_id, raid_actions.owner_id, risk_score_changes.actor_id,
//     review_actions.owner_id.
//   - documents.owner_id, document_versions.uploader_id, document_subscriptions,
//     articles.author_id, article_votes.
//   - integrations.contacts (JSON naming the address), integration_history.actor_id,
//     escalation_contacts.email, freeze_periods.created_by,
//     maintenance_windows.created_by.
//   - audit_log: entries whose actor or object is the person.
//
// Left out: columns holding only a copy of the person's name next to one of
// the IDs above (requester_name, actor_name, author_name, member_name,
// uploader_name, frozen_by_name, owner_name, document_versions.uploader: the
// records are exported through the ID), and free text that might mention a
// person without saying who (change_requests.approved_by and
// quote_accepted_by, escalation_events.actor_name, reviews.attendees, ticket
// and change descriptions, webhook bodies and queued e-mails), which cannot
// be attributed to one person reliably.

// PersonalData returns everything held about a person, for those who may
// manage personal data, and audits the export.
func (db *DB) PersonalData(ctx context.Context, userID int64) (*itsm.PersonalData, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.PersonalData
	err := db.view(ctx, func(tx *Tx) error {
		u, err := tx.personalDataSubject(a, userID)
		if err != nil {
			return err
		}
		out, err = tx.personalData(u)
		return err
	})
	if err != nil {
		if c := itsm.ErrorCode(err); c != itsm.EINTERNAL {
			if c == itsm.ENOTFOUND {
				_ = db.RecordAccessRefused(ctx, "user", strconv.FormatInt(userID, 10), "personal data export of a user not visible to the caller")
			}
			return nil, err
		}
		return nil, fmt.Errorf("export personal data of user %d: %w", userID, err)
	}
	err = db.update(ctx, func(tx *Tx) error {
		out.ExportedAt = tx.now
		org := out.Person.OrgID
		return tx.audit(itsm.AuditPersonalDataExported, "user", userID, &org, fields("records", out.Records()))
	})
	if err != nil {
		return nil, fmt.Errorf("audit personal data export of user %d: %w", userID, err)
	}
	return out, nil
}

// personalDataSubject reads the person whose data is asked for: ENOTFOUND
// for someone the caller cannot see, EFORBIDDEN unless the caller may
// manage personal data.
func (tx *Tx) personalDataSubject(a *itsm.Actor, userID int64) (*itsm.User, error) {
	u, err := tx.findUser(userID)
	if err != nil {
		return nil, err
	}
	if !canSeeUser(a, u) {
		return nil, itsm.ErrNotFound("user")
	}
	if !a.CanManagePersonalData() {
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Only the programme's administrators and managers can export or erase a person's personal data.")
	}
	return u, nil
}

func (tx *Tx) personalData(u *itsm.User) (*itsm.PersonalData, error) {
	p := &itsm.PersonalData{Person: *u, ErasedAt: u.ErasedAt}
	id := u.ID
	var err error
	step := func(what string, f func() error) {
		if err == nil {
			if e := f(); e != nil {
				err = fmt.Errorf("read %s: %w", what, e)
			}
		}
	}
	step("sessions", func() (e error) {
		p.Sessions, e = queryAll(tx, func(r scanner) (itsm.PersonalSession, error) {
			var s itsm.PersonalSession
			var c, l, x int64
			err := r.Scan(&c, &l, &x, &s.IP)
			s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromTS(c), fromTS(l), fromTS(x)
			return s, err
		}, `SELECT created_at, last_seen_at, expires_at, ip FROM sessions WHERE user_id = ? ORDER BY created_at, id`, id)
		return e
	})
	step("API tokens", func() (e error) {
		p.APITokens, e = queryAll(tx, func(r scanner) (itsm.PersonalAPIToken, error) {
			var t itsm.PersonalAPIToken
			var c int64
			var l, x, rv sql.NullInt64
			err := r.Scan(&t.Name, &c, &l, &x, &rv)
			t.CreatedAt, t.LastUsedAt, t.ExpiresAt, t.RevokedAt = fromTS(c), fromNullTS(l), fromNullTS(x), fromNullTS(rv)
			return t, err
		}, `SELECT name, created_at, last_used_at, expires_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY created_at, id`, id)
		return e
	})
	step("calendar feed", func() error {
		feeds, e := queryAll(tx, func(r scanner) (itsm.PersonalCalendarFeed, error) {
			var f itsm.PersonalCalendarFeed
			var c int64
			var l sql.NullInt64
			err := r.Scan(&c, &l)
			f.CreatedAt, f.LastUsedAt = fromTS(c), fromNullTS(l)
			return f, err
		}, `SELECT created_at, last_used_at FROM calendar_feeds WHERE user_id = ?`, id)
		if len(feeds) > 0 {
			p.CalendarFeed = &feeds[0]
		}
		return e
	})
	step("sign-in attempts", func() (e error) {
		p.SignInAttempts, e = queryAll(tx, func(r scanner) (itsm.PersonalSignInAttempt, error) {
			var s itsm.PersonalSignInAttempt
			var at int64
			err := r.Scan(&at, &s.IP, &s.Succeeded)
			s.At = fromTS(at)
			return s, err
		}, `SELECT at, ip, ok FROM sign_in_attempts WHERE email = ? ORDER BY at, id`, u.Email)
		return e
	})
	records := []struct {
		what  string
		dest  *[]itsm.PersonalRecord
		query string
		args  []any
	}{
		{"tickets requested", &p.TicketsRequested, `SELECT ref, title, status, '', created_at FROM tickets WHERE requester_id = ? ORDER BY created_at, id`, []any{id}},
		{"tickets assigned", &p.TicketsAssigned, `SELECT ref, title, status, '', created_at FROM tickets WHERE assignee_id = ? ORDER BY created_at, id`, []any{id}},
		{"tickets watched", &p.TicketsWatched, `SELECT t.ref, t.title, t.status, '', t.created_at FROM ticket_watchers w JOIN tickets t ON t.id = w.ticket_id WHERE w.user_id = ? ORDER BY t.created_at, t.id`, []any{id}},
		{"ticket events", &p.TicketEvents, `SELECT t.ref, t.title, e.type, e.body, e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE e.actor_id = ? ORDER BY e.at, e.id`, []any{id}},
		{"changes requested", &p.ChangesRequested, `SELECT ref, title, state, '', created_at FROM change_requests WHERE requester_id = ? ORDER BY created_at, id`, []any{id}},
		{"changes assigned", &p.ChangesAssigned, `SELECT ref, title, state, '', created_at FROM change_requests WHERE assignee_id = ? ORDER BY created_at, id`, []any{id}},
		{"change events", &p.ChangeEvents, `SELECT c.ref, c.title, e.type, e.note, e.at FROM change_events e JOIN change_requests c ON c.id = e.change_id WHERE e.actor_id = ? ORDER BY e.at, e.id`, []any{id}},
		{"change contributions", &p.ChangeContributions, `SELECT c.ref, c.title, 'estimate', x.note, x.created_at FROM change_estimates x JOIN change_requests c ON c.id = x.change_id WHERE x.author_id = ?
			UNION ALL SELECT c.ref, c.title, 'vote: ' || x.vote, x.comment, x.at FROM change_votes x JOIN change_requests c ON c.id = x.change_id WHERE x.member_id = ?
			UNION ALL SELECT c.ref, c.title, 'cost', x.note, x.created_at FROM change_costs x JOIN change_requests c ON c.id = x.change_id WHERE x.author_id = ?
			UNION ALL SELECT c.ref, c.title, 'specification frozen', '', x.frozen_at FROM change_spec_versions x JOIN change_requests c ON c.id = x.change_id WHERE x.frozen_by = ?
			ORDER BY 5, 1`, []any{id, id, id, id}},
		{"problems", &p.Problems, `SELECT ref, title, status, '', created_at FROM problems WHERE owner_id = ? ORDER BY created_at, id`, []any{id}},
		{"escalations", &p.Escalations, `SELECT t.ref, t.title, CASE WHEN e.raised_by = ? THEN 'raised, ' ELSE '' END || CASE WHEN e.owner_id = ? THEN 'owner, ' ELSE '' END || e.status, e.reason, e.created_at
			FROM escalations e JOIN tickets t ON t.id = e.ticket_id WHERE e.raised_by = ? OR e.owner_id = ? ORDER BY e.created_at, e.id`, []any{id, id, id, id}},
		{"risks", &p.Risks, `SELECT ref, title, status, '', created_at FROM risks WHERE owner_id = ? ORDER BY created_at, id`, []any{id}},
		{"issues", &p.Issues, `SELECT ref, title, status, '', created_at FROM programme_issues WHERE owner_id = ? ORDER BY created_at, id`, []any{id}},
		{"actions", &p.RAIDActions, `SELECT parent_type || '/' || CAST(parent_id AS TEXT), description, status, '', created_at FROM raid_actions WHERE owner_id = ? ORDER BY created_at, id`, []any{id}},
		{"risk score changes", &p.RiskScoreChanges, `SELECT r.ref, r.title, 'score ' || CAST(s.old_likelihood * s.old_impact AS TEXT) || ' to ' || CAST(s.new_likelihood * s.new_impact AS TEXT), s.note, s.at
			FROM risk_score_changes s JOIN risks r ON r.id = s.risk_id WHERE s.actor_id = ? ORDER BY s.at, s.id`, []any{id}},
		{"review actions", &p.ReviewActions, `SELECT 'review/' || CAST(a.review_id AS TEXT), a.title, a.status, a.note, a.created_at FROM review_actions a WHERE a.owner_id = ? ORDER BY a.created_at, a.id`, []any{id}},
		{"documents", &p.Documents, `SELECT 'document/' || CAST(id AS TEXT), title, type, '', created_at FROM documents WHERE owner_id = ? ORDER BY created_at, id`, []any{id}},
		{"document subscriptions", &p.DocumentSubscriptions, `SELECT 'documents/' || type, '', 'subscribed', '', created_at FROM document_subscriptions WHERE user_id = ? ORDER BY created_at, type`, []any{id}},
		{"articles", &p.Articles, `SELECT 'article/' || CAST(id AS TEXT), title, '', '', created_at FROM articles WHERE author_id = ? ORDER BY created_at, id`, []any{id}},
		{"article votes", &p.ArticleVotes, `SELECT 'article/' || CAST(a.id AS TEXT), a.title, CASE WHEN v.helpful THEN 'helpful' ELSE 'not helpful' END, '', v.at
			FROM article_votes v JOIN articles a ON a.id = v.article_id WHERE v.user_id = ? ORDER BY v.at, a.id`, []any{id}},
		{"integration changes", &p.IntegrationChanges, `SELECT 'integration/' || CAST(i.id AS TEXT), i.name, h.field, h.old_value || ' → ' || h.new_value, h.at
			FROM integration_history h JOIN integrations i ON i.id = h.integration_id WHERE h.actor_id = ? ORDER BY h.at, h.id`, []any{id}},
		{"escalation contacts", &p.EscalationContacts, `SELECT 'provider/' || CAST(c.provider_id AS TEXT), o.name, 'level ' || CAST(c.level AS TEXT), c.name, 0
			FROM escalation_contacts c JOIN organisations o ON o.id = c.provider_id WHERE LOWER(c.email) = ? ORDER BY c.provider_id, c.level`, []any{u.Email}},
		{"freeze periods", &p.FreezePeriods, `SELECT 'freeze/' || CAST(id AS TEXT), name, '', reason, created_at FROM freeze_periods WHERE created_by = ? ORDER BY created_at, id`, []any{id}},
		{"maintenance windows", &p.MaintenanceWindows, `SELECT 'maintenance/' || CAST(id AS TEXT), title, service, notes, created_at FROM maintenance_windows WHERE created_by = ? ORDER BY created_at, id`, []any{id}},
	}
	for _, r := range records {
		step(r.what, func() (e error) {
			*r.dest, e = queryAll(tx, scanPersonalRecord, r.query, r.args...)
			nonNil(r.dest)
			return e
		})
	}
	step("integration contacts", func() error {
		ints, e := tx.integrationsNaming(u.Email)
		for _, in := range ints {
			for _, c := range in.contacts {
				if itsm.NormaliseEmail(c.Email) == u.Email {
					p.IntegrationContacts = append(p.IntegrationContacts, itsm.PersonalRecord{
						Ref: "integration/" + strconv.FormatInt(in.id, 10), Title: in.name, What: "contact: " + c.Role, Text: c.Name, At: in.created})
				}
			}
		}
		return e
	})
	files := []struct {
		what  string
		dest  *[]itsm.PersonalFile
		query string
	}{
		{"ticket attachments", &p.TicketAttachments, `SELECT t.ref, f.filename, f.content_type, f.size, f.sha256, f.created_at FROM attachments f JOIN tickets t ON t.id = f.ticket_id WHERE f.uploader_id = ? ORDER BY f.created_at, f.id`},
		{"change attachments", &p.ChangeAttachments, `SELECT c.ref, f.filename, f.content_type, f.size, f.sha256, f.created_at FROM change_attachments f JOIN change_requests c ON c.id = f.change_id WHERE f.uploader_id = ? ORDER BY f.created_at, f.id`},
		{"document versions", &p.DocumentVersions, `SELECT 'document/' || CAST(v.document_id AS TEXT) || '/v' || CAST(v.number AS TEXT), v.filename, v.content_type, v.size, v.sha256, v.created_at FROM document_versions v WHERE v.uploader_id = ? ORDER BY v.created_at, v.id`},
	}
	for _, f := range files {
		step(f.what, func() (e error) {
			*f.dest, e = queryAll(tx, func(r scanner) (itsm.PersonalFile, error) {
				var pf itsm.PersonalFile
				var at int64
				err := r.Scan(&pf.Ref, &pf.Filename, &pf.ContentType, &pf.Size, &pf.SHA256, &at)
				pf.At = fromTS(at)
				return pf, err
			}, f.query, id)
			nonNil(f.dest)
			return e
		})
	}
	step("audit entries", func() (e error) {
		p.AuditEntries, e = queryAll(tx, func(r scanner) (*itsm.AuditEntry, error) { return scanAudit(r) },
			`SELECT `+auditColumns+` FROM audit_log WHERE actor_id = ? OR (object_type = 'user' AND object_id = ?) ORDER BY id`, id, strconv.FormatInt(id, 10))
		return e
	})
	nonNil(&p.Sessions)
	nonNil(&p.APITokens)
	nonNil(&p.SignInAttempts)
	nonNil(&p.IntegrationContacts)
	nonNil(&p.AuditEntries)
	return p, err
}

// nonNil makes an empty list an empty array in JSON rather than null.
func nonNil[T any](s *[]T) {
	if *s == nil {
		*s = []T{}
	}
}

func scanPersonalRecord(r scanner) (itsm.PersonalRecord, error) {
	var p itsm.PersonalRecord
	var at int64
	err := r.Scan(&p.Ref, &p.Title, &p.What, &p.Text, &at)
	if at != 0 {
		p.At = fromTS(at)
	}
	return p, err
}

type integrationContacts struct {
	id, version int64
	name        string
	created     time.Time
	contacts    []itsm.IntegrationContact
}

// integrationsNaming reads the integration register entries whose contacts
// hold the address (already normalised).
func (tx *Tx) integrationsNaming(email string) ([]integrationContacts, error) {
	return queryAll(tx, func(r scanner) (integrationContacts, error) {
		var in integrationContacts
		var raw string
		var created int64
		if err := r.Scan(&in.id, &in.version, &in.name, &created, &raw); err != nil {
			return in, err
		}
		in.created = fromTS(created)
		if err := json.Unmarshal([]byte(raw), &in.contacts); err != nil {
			return in, fmt.Errorf("integration %d contacts: %w", in.id, err)
		}
		return in, nil
	}, `SELECT id, version, name, created_at, contacts FROM integrations WHERE LOWER(contacts) LIKE ? ESCAPE '\' ORDER BY id`, likePattern(strings.ToLower(email)))
}
