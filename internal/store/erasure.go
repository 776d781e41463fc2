package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// ErasePerson erases a person's personal data in one transaction (UK GDPR
// right to erasure). Service records (tickets, replies, changes, risks…)
// stay, showing the person as itsm.ErasedName; what identifies them or lets
// them act is removed; and every audit entry about them is tombstoned: its
// content replaced while its content hash, and so the chain, stays. The
// tombstoned entries are listed in audit_erasures under the one
// person_erased entry, whose diff holds a digest of their IDs, so that
// VerifyAuditChain can tell an erasure from a tombstone flag set by hand.
func (db *DB) ErasePerson(ctx context.Context, userID int64, reason string) (*itsm.ErasureSummary, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.ErasureSummary
	err := db.update(ctx, func(tx *Tx) error {
		u, err := tx.personalDataSubject(a, userID)
		if err != nil {
			return err
		}
		if u.Role == itsm.RoleAdmin && !a.CanGrantRole(itsm.RoleAdmin, u.OrgKind) {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only an administrator can erase an administrator's personal data.")
		}
		if u.ID == a.UserID {
			return &itsm.Error{Code: itsm.EINVALID, Message: "You cannot erase your own personal data. Ask another administrator or manager to do it."}
		}
		if u.ErasedAt != nil {
			return itsm.Errorf(itsm.ECONFLICT, "This person's personal data has already been erased.")
		}
		e := itsm.Erasure{Reason: reason}
		if err := e.Validate(u); err != nil {
			return err
		}
		out, err = tx.erasePerson(u, e.Reason)
		return err
	})
	if c := itsm.ErrorCode(err); c == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "user", strconv.FormatInt(userID, 10), "erasure of a user not visible to the caller")
		return nil, err
	} else if c == itsm.EINTERNAL {
		return nil, fmt.Errorf("erase personal data of user %d: %w", userID, err)
	}
	return out, err
}

// erasedNameColumns are the copies of a person's name kept on service
// records beside the person's ID: each becomes itsm.ErasedName.
var erasedNameColumns = []struct{ table, name, id string }{
	{"tickets", "requester_name", "requester_id"},
	{"ticket_events", "actor_name", "actor_id"},
	{"change_requests", "requester_name", "requester_id"},
	{"change_spec_versions", "frozen_by_name", "frozen_by"},
	{"change_estimates", "author_name", "author_id"},
	{"change_votes", "member_name", "member_id"},
	{"change_costs", "author_name", "author_id"},
	{"change_events", "actor_name", "actor_id"},
	{"change_attachments", "uploader_name", "uploader_id"},
	{"document_versions", "uploader", "uploader_id"},
	{"risk_score_changes", "actor_name", "actor_id"},
	{"integration_history", "actor_name", "actor_id"},
	{"review_actions", "owner_name", "owner_id"},
}

// erasedNameOnlyColumns hold a name with no ID beside it (who accepted a
// quote or approved a change, who acted on an escalation): an exact match
// of the person's full name becomes itsm.ErasedName.
var erasedNameOnlyColumns = []struct{ table, name string }{
	{"change_requests", "quote_accepted_by"},
	{"change_requests", "approved_by"},
	{"escalation_events", "actor_name"},
}

// erasedDiff is what a tombstoned entry says instead of its content.
const erasedDiff = `{"erased":true}`

func (tx *Tx) erasePerson(u *itsm.User, reason string) (*itsm.ErasureSummary, error) {
	id, email, name := u.ID, itsm.NormaliseEmail(u.Email), u.Name
	var counts []itsm.ErasureCount
	add := func(kind, label string, n int) {
		for i := range counts {
			if counts[i].Kind == kind {
				counts[i].Count += n
				return
			}
		}
		counts = append(counts, itsm.ErasureCount{Kind: kind, Label: label, Count: n})
	}
	exec := func(kind, label, query string, args ...any) error {
		res, err := tx.exec(query, args...)
		if err != nil {
			return fmt.Errorf("erase %s: %w", kind, err)
		}
		n, _ := res.RowsAffected()
		add(kind, label, int(n))
		return nil
	}
	steps := []struct {
		kind, label, query string
		arg                any
	}{
		{"sessions", "Sessions ended", `DELETE FROM sessions WHERE user_id = ?`, id},
		{"api_tokens", "API tokens deleted", `DELETE FROM api_tokens WHERE user_id = ?`, id},
		{"calendar_feeds", "Calendar feeds deleted", `DELETE FROM calendar_feeds WHERE user_id = ?`, id},
		{"sign_in_attempts", "Sign-in attempts deleted", `DELETE FROM sign_in_attempts WHERE email = ?`, email},
		{"ticket_watching", "Tickets no longer watched", `DELETE FROM ticket_watchers WHERE user_id = ?`, id},
		{"document_subscriptions", "Document subscriptions removed", `DELETE FROM document_subscriptions WHERE user_id = ?`, id},
		{"article_votes", "Article votes removed (the totals stay)", `DELETE FROM article_votes WHERE user_id = ?`, id},
		{"escalation_contacts", "Escalation contacts removed", `DELETE FROM escalation_contacts WHERE LOWER(email) = ?`, email},
	}
	for _, s := range steps {
		if err := exec(s.kind, s.label, s.query, s.arg); err != nil {
			return nil, err
		}
	}
	// Integration contacts are a JSON list on the register entry.
	ints, err := tx.integrationsNaming(email)
	if err != nil {
		return nil, fmt.Errorf("erase integration contacts: %w", err)
	}
	removed := 0
	for _, in := range ints {
		kept := []itsm.IntegrationContact{}
		for _, c := range in.contacts {
			if itsm.NormaliseEmail(c.Email) == email {
				removed++
			} else {
				kept = append(kept, c)
			}
		}
		if len(kept) == len(in.contacts) {
			continue
		}
		j, _ := json.Marshal(kept)
		if _, err := tx.exec(`UPDATE integrations SET contacts = ?, version = version + 1, updated_at = ? WHERE id = ?`, string(j), ts(tx.now), in.id); err != nil {
			return nil, fmt.Errorf("erase integration contacts of %d: %w", in.id, err)
		}
	}
	add("integration_contacts", "Integration contacts removed", removed)
	scrubbed, err := tx.scrubIntegrationHistory(email)
	if err != nil {
		return nil, err
	}
	add("integration_history", "Integration history entries no longer naming them", scrubbed)
	const renamed = "Service records now showing “" + itsm.ErasedName + "”"
	for _, c := range erasedNameColumns {
		if err := exec("service_records", renamed, `UPDATE `+c.table+` SET `+c.name+` = ? WHERE `+c.id+` = ?`, itsm.ErasedName, id); err != nil {
			return nil, err
		}
	}
	// A name alone identifies the person only if no other account has it.
	var namesakes int
	if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE id <> ? AND LOWER(name) = ?`, id, strings.ToLower(name)).Scan(&namesakes); err != nil {
		return nil, fmt.Errorf("look for namesakes: %w", err)
	}
	if namesakes == 0 {
		for _, c := range erasedNameOnlyColumns {
			if err := exec("service_records", renamed, `UPDATE `+c.table+` SET `+c.name+` = ? WHERE `+c.name+` = ?`, itsm.ErasedName, name); err != nil {
				return nil, err
			}
		}
	}
	placeholder := fmt.Sprintf("erased-%d@%s", id, itsm.ErasedEmailDomain)
	if err := exec("account", "Account anonymised and disabled", `UPDATE users SET name = ?, email = ?, password_hash = '', status = ?, erased_at = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		itsm.ErasedName, placeholder, string(itsm.UserDisabled), ts(tx.now), ts(tx.now), id); err != nil {
		return nil, err
	}
	ids, err := tx.tombstoneAuditOf(id, email, name, namesakes > 0)
	if err != nil {
		return nil, err
	}
	add("audit_entries", "Audit entries replaced by a tombstone", len(ids))
	digest := erasureDigest(ids)
	byKind := map[string]int{}
	for _, c := range counts {
		byKind[c.Kind] = c.Count
	}
	org := u.OrgID
	if err := tx.audit(itsm.AuditPersonErased, "user", id, &org, fields("reason", reason, "entries_tombstoned", len(ids), "entries_digest", digest, "counts", byKind)); err != nil {
		return nil, err
	}
	var entryID int64
	if err := tx.queryRow(`SELECT seq FROM audit_head WHERE id = 1`).Scan(&entryID); err != nil {
		return nil, fmt.Errorf("read erasure entry: %w", err)
	}
	const batch = 400
	for i := 0; i < len(ids); i += batch {
		chunk := ids[i:min(i+batch, len(ids))]
		args := make([]any, 0, 3*len(chunk))
		for _, e := range chunk {
			args = append(args, e.id, entryID, e.hash)
		}
		if _, err := tx.exec(`INSERT INTO audit_erasures (entry_id, erasure_id, content_hash) VALUES `+placeholders(len(chunk), 3), args...); err != nil {
			return nil, fmt.Errorf("record erased entries: %w", err)
		}
	}
	return &itsm.ErasureSummary{UserID: id, At: tx.now, AuditEntryID: entryID, EntriesDigest: digest, Counts: counts}, nil
}

// scrubIntegrationHistory takes the person's contact out of the old and
// new values of the integration register's history of contacts, as
// itsm.FormatContacts wrote them; a value that does not read back is
// replaced whole. It returns how many history entries changed.
func (tx *Tx) scrubIntegrationHistory(email string) (int, error) {
	type change struct {
		id       int64
		old, new string
	}
	rows, err := queryAll(tx, func(r scanner) (change, error) {
		var c change
		err := r.Scan(&c.id, &c.old, &c.new)
		return c, err
	}, `SELECT id, old_value, new_value FROM integration_history WHERE field = 'contacts' AND (LOWER(old_value) LIKE ? ESCAPE '\' OR LOWER(new_value) LIKE ? ESCAPE '\')`,
		likePattern(email), likePattern(email))
	if err != nil {
		return 0, fmt.Errorf("read integration history: %w", err)
	}
	without := func(v string) string {
		cs, err := itsm.ParseContacts(v)
		if err != nil {
			return "(erased)"
		}
		kept := cs[:0]
		for _, c := range cs {
			if itsm.NormaliseEmail(c.Email) != email {
				kept = append(kept, c)
			}
		}
		return itsm.FormatContacts(kept)
	}
	for _, c := range rows {
		if _, err := tx.exec(`UPDATE integration_history SET old_value = ?, new_value = ? WHERE id = ?`, without(c.old), without(c.new), c.id); err != nil {
			return 0, fmt.Errorf("scrub integration history %d: %w", c.id, err)
		}
	}
	return len(rows), nil
}

// tombstone is one audit entry an erasure tombstoned, with the digest of
// its content as the erasure left it.
type tombstone struct {
	id   int64
	hash string
}

// tombstoneAuditOf replaces the content of every audit entry the person
// made, every entry about their account, and every entry whose actor name,
// object, diff or address holds their address, or their full name as a
// whole value of the diff, and returns those entries with the digests of
// their new content, by ID. The content hash, previous hash and hash stay,
// so the chain still verifies. An entry an earlier erasure tombstoned is
// scrubbed again (it may name this person too) and listed again. A
// person_erased entry keeps its diff, which names nobody and holds the
// digest that verification checks.
//
// A name says who someone is only if nobody else has it: when another
// account has the same name (nameShared), only the person's ID and address
// are looked for, so a namesake's entries are left alone.
func (tx *Tx) tombstoneAuditOf(id int64, email, name string, nameShared bool) ([]tombstone, error) {
	idText := strconv.FormatInt(id, 10)
	cond := `actor_id = ? OR (object_type = 'user' AND (object_id = ? OR LOWER(object_id) = ?)) OR LOWER(actor_name) = ?
		OR LOWER(diff) LIKE ? ESCAPE '\' OR LOWER(ip) LIKE ? ESCAPE '\' OR LOWER(object_id) = ?`
	args := []any{id, idText, email, email, likePattern(email), likePattern(email), email}
	mine := `actor_id = ? OR LOWER(actor_name) = ?`
	mineArgs := []any{id, email}
	if !nameShared {
		// The name is looked for as a whole JSON string value in the diff
		// ("to":"Ann Lee"), written as encoding/json writes it, so that a
		// short name inside a longer word or sentence does not tombstone
		// unrelated entries; free text naming the person is left, as it is
		// elsewhere.
		quoted, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		lname := strings.ToLower(name)
		cond += ` OR LOWER(actor_name) = ? OR LOWER(diff) LIKE ? ESCAPE '\'`
		args = append(args, lname, likePattern(string(quoted)))
		mine += ` OR LOWER(actor_name) = ?`
		mineArgs = append(mineArgs, lname)
	}
	var ids []int64
	rows, err := tx.query(`SELECT id FROM audit_log WHERE `+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find audit entries to erase: %w", err)
	}
	for rows.Next() {
		var e int64
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	update := `UPDATE audit_log SET
		actor_name = CASE WHEN ` + mine + ` THEN ? ELSE actor_name END,
		object_id = CASE WHEN LOWER(object_id) = ? THEN ? ELSE object_id END,
		diff = CASE WHEN action = ? THEN diff ELSE ? END,
		ip = '', tombstoned = ?
		WHERE ` + cond
	uargs := append(append(mineArgs, itsm.ErasedName, email, "erased", itsm.AuditPersonErased, erasedDiff, true), args...)
	if _, err := tx.exec(update, uargs...); err != nil {
		return nil, fmt.Errorf("tombstone audit entries: %w", err)
	}
	// The digests of the entries as they are now.
	out := make([]tombstone, 0, len(ids))
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		in := make([]any, len(part))
		for i, v := range part {
			in[i] = v
		}
		entries, err := queryAll(tx, scanAuditRow, `SELECT `+auditColumns+` FROM audit_log WHERE id IN (`+placeholders(len(part), 1)+`) ORDER BY id`, in...)
		if err != nil {
			return nil, fmt.Errorf("read tombstoned audit entries: %w", err)
		}
		for _, e := range entries {
			out = append(out, tombstone{e.ID, contentHash(e)})
		}
	}
	return out, nil
}

// erasureDigest is the SHA-256 of the tombstoned entries, ascending by ID,
// each written "id:digest" and joined by commas: what a person_erased entry
// records of the entries it tombstoned and of what it left in them.
func erasureDigest(ts []tombstone) string {
	s := append([]tombstone(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i].id < s[j].id })
	parts := make([]string, len(s))
	for i, t := range s {
		parts[i] = strconv.FormatInt(t.id, 10) + ":" + t.hash
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, ",")))
	return hex.EncodeToString(sum[:])
}

// erasureRecord is what verification reads from a person_erased entry.
type erasureRecord struct {
	Entries int    `json:"entries_tombstoned"`
	Digest  string `json:"entries_digest"`
}
