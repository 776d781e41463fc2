package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// audit appends one entry to the hash chain in tx. orgID is the organisation
// whose record changed (nil for programme-wide records), so that customer
// admins can read their own organisation's trail.
func (tx *Tx) audit(action, objectType string, objectID int64, orgID *int64, diff json.RawMessage) error {
	return tx.auditRef(action, objectType, strconv.FormatInt(objectID, 10), orgID, diff)
}

func (tx *Tx) auditRef(action, objectType, objectID string, orgID *int64, diff json.RawMessage) error {
	return tx.auditMany([]auditItem{{action, objectType, objectID, orgID, diff}})
}

// auditItem is one entry for auditMany.
type auditItem struct {
	action, objectType, objectID string
	orgID                        *int64
	diff                         json.RawMessage
}

// auditMany appends entries to the hash chain in tx, in order, by the
// transaction's actor. It takes as many numbers from the head at once as
// there are entries, chains their hashes in memory and writes them many rows
// to a statement, so an import of 20,000 tickets costs a few dozen round
// trips to the database instead of 60,000; the chain is the same as one
// entry at a time would make.
func (tx *Tx) auditMany(items []auditItem) error {
	if len(items) == 0 {
		return nil
	}
	a := tx.actor
	var actorID *int64
	if a.UserID != 0 {
		id := a.UserID
		actorID = &id
	}
	name := a.Name
	if a.System && name == "" {
		name = "system"
	}
	first := items[0]
	// Taking the head row first locks it (PostgreSQL) or holds the write
	// lock (SQLite), so entries are appended one writer at a time.
	var last int64
	var prev string
	if err := tx.queryRow(`UPDATE audit_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash`, len(items)).Scan(&last, &prev); err != nil {
		return fmt.Errorf("audit %s %s: advance head: %w", first.action, first.objectType, err)
	}
	const width, chunk = 15, 500
	args := make([]any, 0, min(len(items), chunk)*width)
	for start := 0; start < len(items); start += chunk {
		part := items[start:min(start+chunk, len(items))]
		args = args[:0]
		for i, it := range part {
			e := itsm.AuditEntry{
				ID: last - int64(len(items)) + int64(start+i) + 1, At: tx.now, ActorID: actorID, ActorName: name, OrgID: it.orgID,
				Action: it.action, ObjectType: it.objectType, ObjectID: it.objectID, Diff: it.diff, IP: a.IP, RequestID: a.RequestID, PrevHash: prev,
			}
			if len(e.Diff) == 0 {
				e.Diff = json.RawMessage("{}")
			}
			if authObjects[it.objectType] {
				tx.authChanged = true
			}
			e.ContentHash = contentHash(&e)
			e.Hash = chainHash(e.ID, e.PrevHash, e.ContentHash)
			prev = e.Hash
			args = append(args, e.ID, ts(e.At), e.ActorID, e.ActorName, e.OrgID, e.Action, e.ObjectType, e.ObjectID, string(e.Diff), e.IP, e.RequestID,
				e.ContentHash, e.PrevHash, e.Hash, false)
		}
		if _, err := tx.exec(`INSERT INTO audit_log (id, at, actor_id, actor_name, org_id, action, object_type, object_id, diff, ip, request_id, content_hash, prev_hash, hash, tombstoned)
		VALUES `+placeholders(len(part), width), args...); err != nil {
			return fmt.Errorf("audit %s %s: insert: %w", first.action, first.objectType, err)
		}
	}
	if _, err := tx.exec(`UPDATE audit_head SET hash = ? WHERE id = 1`, prev); err != nil {
		return fmt.Errorf("audit %s %s: update head: %w", first.action, first.objectType, err)
	}
	return nil
}

// contentHash covers everything an entry says. Erasure replaces the content
// and keeps this hash, so the chain still verifies.
func contentHash(e *itsm.AuditEntry) string {
	var actor, org any
	if e.ActorID != nil {
		actor = *e.ActorID
	}
	if e.OrgID != nil {
		org = *e.OrgID
	}
	b, _ := json.Marshal([]any{ts(e.At), actor, e.ActorName, org, e.Action, e.ObjectType, e.ObjectID, string(e.Diff), e.IP, e.RequestID})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// chainHash covers the entry's number, its content and its predecessor.
func chainHash(id int64, prev, content string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(id, 10) + "|" + prev + "|" + content))
	return hex.EncodeToString(sum[:])
}

// diff returns {"field":{"from":…,"to":…}} for the JSON fields that differ
// between before and after (either may be nil, for a create or a delete).
// Bookkeeping fields that change on every write are left out.
func diff(before, after any) json.RawMessage {
	b, a := toMap(before), toMap(after)
	out := map[string]map[string]any{}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	for k := range keys {
		if k == "updated_at" || k == "created_at" || k == "version" {
			continue
		}
		bv, bok := b[k]
		av, aok := a[k]
		if bok && aok && reflect.DeepEqual(bv, av) {
			continue
		}
		d := map[string]any{}
		if bok {
			d["from"] = bv
		}
		if aok {
			d["to"] = av
		}
		out[k] = d
	}
	j, _ := json.Marshal(out)
	return j
}

func toMap(v any) map[string]any {
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		return nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(j, &m)
	return m
}

// fields returns a diff-shaped object from explicit values, for actions that
// are not a change of a record (sign-in, refusal).
func fields(kv ...any) json.RawMessage {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	j, _ := json.Marshal(m)
	return j
}

// RecordAccessRefused writes a refused access to the audit log in its own
// transaction: what the caller tried to reach and why it was refused.
func (db *DB) RecordAccessRefused(ctx context.Context, objectType, objectID, reason string) error {
	return db.update(ctx, func(tx *Tx) error {
		return tx.auditRef(itsm.AuditAccessRefused, objectType, objectID, nil, fields("reason", reason))
	})
}

const auditColumns = `id, at, actor_id, actor_name, org_id, action, object_type, object_id, diff, ip, request_id, content_hash, prev_hash, hash, tombstoned`

// scanAuditRow scans an entry with no extra columns.
func scanAuditRow(row scanner) (*itsm.AuditEntry, error) { return scanAudit(row) }

func scanAudit(rows interface{ Scan(...any) error }, extra ...any) (*itsm.AuditEntry, error) {
	var e itsm.AuditEntry
	var at int64
	var actor, org sql.NullInt64
	var d string
	dest := append([]any{&e.ID, &at, &actor, &e.ActorName, &org, &e.Action, &e.ObjectType, &e.ObjectID, &d, &e.IP, &e.RequestID, &e.ContentHash, &e.PrevHash, &e.Hash, &e.Tombstoned}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	e.At = fromTS(at)
	if actor.Valid {
		e.ActorID = &actor.Int64
	}
	if org.Valid {
		e.OrgID = &org.Int64
	}
	e.Diff = json.RawMessage(d)
	return &e, nil
}

// FindAuditEntries returns a page of entries, newest first, that the caller
// may read.
func (db *DB) FindAuditEntries(ctx context.Context, f itsm.AuditFilter) ([]*itsm.AuditEntry, int, error) {
	a := itsm.ActorFromContext(ctx)
	if !a.CanReadAudit() {
		return nil, 0, itsm.Errorf(itsm.EFORBIDDEN, "You do not have permission to read the audit log.")
	}
	var w where
	if s := a.AuditScope(); s != 0 {
		w.add("org_id = ?", s)
	}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.ActorID != nil {
		w.add("actor_id = ?", *f.ActorID)
	}
	if f.OrgID != nil {
		w.add("org_id = ?", *f.OrgID)
	}
	if f.Action != nil {
		w.add("action = ?", *f.Action)
	}
	if f.ObjectType != nil {
		w.add("object_type = ?", *f.ObjectType)
	}
	if f.ObjectID != nil {
		w.add("object_id = ?", *f.ObjectID)
	}
	if f.From != nil {
		w.add("at >= ?", ts(*f.From))
	}
	if f.To != nil {
		w.add("at < ?", ts(*f.To))
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.AuditEntry
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT `+auditColumns+`, COUNT(*) OVER () FROM audit_log`+w.String()+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(w.args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAudit(rows, &total)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 && offset > 0 {
			return tx.queryRow(`SELECT COUNT(*) FROM audit_log`+w.String(), w.args...).Scan(&total)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find audit entries: %w", err)
	}
	return out, total, nil
}

// FindAuditEntryByID returns one entry the caller may read.
func (db *DB) FindAuditEntryByID(ctx context.Context, id int64) (*itsm.AuditEntry, error) {
	es, _, err := db.FindAuditEntries(ctx, itsm.AuditFilter{ID: &id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		if db.auditExists(ctx, id) {
			_ = db.RecordAccessRefused(ctx, "audit_entry", strconv.FormatInt(id, 10), "not visible to the caller")
		}
		return nil, itsm.ErrNotFound("audit entry")
	}
	return es[0], nil
}

func (db *DB) auditExists(ctx context.Context, id int64) bool {
	var n int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM audit_log WHERE id = ?`), id).Scan(&n)
	return err == nil && n > 0
}

// VerifyAuditChain walks the whole chain and reports every entry that was
// altered, removed or inserted. An empty result means the chain verifies.
// progress, when set, is called with the number of entries checked so far.
func (db *DB) VerifyAuditChain(ctx context.Context, progress func(done, total int64)) ([]itsm.ChainProblem, error) {
	var problems []itsm.ChainProblem
	add := func(id int64, format string, args ...any) {
		problems = append(problems, itsm.ChainProblem{EntryID: id, Problem: fmt.Sprintf(format, args...)})
	}
	var headSeq int64
	var headHash string
	if err := db.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return nil, fmt.Errorf("verify audit chain: read head: %w", err)
	}
	var total int64
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&total); err != nil {
		return nil, fmt.Errorf("verify audit chain: count: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("verify audit chain: %w", err)
	}
	defer rows.Close()
	var lastID int64
	lastHash := ""
	var done int64
	tombstoned := map[int64]string{} // erased entry → digest of its content now
	erasures := map[int64]erasureRecord{}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("verify audit chain: %w", err)
		}
		if e.Tombstoned {
			tombstoned[e.ID] = contentHash(e)
		}
		if e.Action == itsm.AuditPersonErased {
			var r erasureRecord
			if json.Unmarshal(e.Diff, &r) == nil {
				erasures[e.ID] = r
			}
		}
		switch {
		case e.ID > headSeq:
			add(e.ID, "entry %d was inserted: it lies beyond the chain's last entry (%d)", e.ID, headSeq)
		case e.ID != lastID+1:
			if e.ID-lastID == 2 {
				add(lastID+1, "entry %d was removed (the chain jumps from %d to %d)", lastID+1, lastID, e.ID)
			} else {
				add(lastID+1, "entries %d to %d were removed (the chain jumps from %d to %d)", lastID+1, e.ID-1, lastID, e.ID)
			}
		}
		if !e.Tombstoned && contentHash(e) != e.ContentHash {
			add(e.ID, "entry %d was altered: its content does not match its recorded digest", e.ID)
		}
		if chainHash(e.ID, e.PrevHash, e.ContentHash) != e.Hash {
			add(e.ID, "entry %d was altered or inserted: its hash does not match its content and predecessor", e.ID)
		} else if e.PrevHash != lastHash && e.ID == lastID+1 {
			add(e.ID, "entry %d was inserted or its predecessor altered: it does not follow entry %d", e.ID, lastID)
		}
		lastID, lastHash = e.ID, e.Hash
		done++
		if progress != nil && done%1000 == 0 {
			progress(done, total)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify audit chain: %w", err)
	}
	rows.Close()
	if err := db.verifyErasures(ctx, tombstoned, erasures, lastID, add); err != nil {
		return nil, err
	}
	if lastID < headSeq {
		if headSeq-lastID == 1 {
			add(headSeq, "entry %d was removed from the end of the chain", headSeq)
		} else {
			add(lastID+1, "entries %d to %d were removed from the end of the chain", lastID+1, headSeq)
		}
	} else if lastID == headSeq && lastHash != headHash {
		add(lastID, "entry %d was altered: it does not match the chain's recorded head", lastID)
	}
	if progress != nil {
		progress(done, total)
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].EntryID < problems[j].EntryID })
	return problems, nil
}

// verifyErasures checks that every tombstoned entry was tombstoned by an
// erasure and not changed since: listed in audit_erasures under a
// person_erased entry whose recorded count and digest match the (entry,
// content digest) pairs listed under it, each entry older than the erasure,
// and its content now matching the digest the latest such erasure recorded.
// A tombstone flag set by hand, an entry added to an erasure's list
// afterwards and a change to an erased entry do not pass. lastID is the
// last entry the walk read; erasures after it (committed since) are not
// judged.
func (db *DB) verifyErasures(ctx context.Context, tombstoned map[int64]string, erasures map[int64]erasureRecord, lastID int64, add func(int64, string, ...any)) error {
	rows, err := db.read.QueryContext(ctx, `SELECT entry_id, erasure_id, content_hash FROM audit_erasures ORDER BY erasure_id, entry_id`)
	if err != nil {
		return fmt.Errorf("verify audit chain: read erasures: %w", err)
	}
	defer rows.Close()
	groups := map[int64][]tombstone{}
	for rows.Next() {
		var t tombstone
		var erasure int64
		if err := rows.Scan(&t.id, &erasure, &t.hash); err != nil {
			return fmt.Errorf("verify audit chain: read erasures: %w", err)
		}
		groups[erasure] = append(groups[erasure], t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify audit chain: read erasures: %w", err)
	}
	// latest is, for each erased entry, the digest the last valid erasure
	// listing it recorded.
	type record struct {
		erasure int64
		hash    string
	}
	latest := map[int64]record{}
	for erasure, entries := range groups {
		if erasure > lastID {
			continue
		}
		r, ok := erasures[erasure]
		good := ok && r.Entries == len(entries) && r.Digest == erasureDigest(entries)
		for _, e := range entries {
			good = good && e.id < erasure
		}
		if !good {
			add(erasure, "entry %d records an erasure whose list of erased entries was changed afterwards", erasure)
			continue
		}
		for _, e := range entries {
			if l, ok := latest[e.id]; !ok || erasure > l.erasure {
				latest[e.id] = record{erasure, e.hash}
			}
		}
	}
	for id, now := range tombstoned {
		switch l, ok := latest[id]; {
		case !ok:
			add(id, "entry %d is marked erased but no erasure records it", id)
		case l.hash != now:
			add(id, "entry %d was altered after its erasure by entry %d", id, l.erasure)
		}
	}
	return nil
}
