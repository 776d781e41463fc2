package store

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// contentTable names the tables of one kind of published content
// (documents or help articles) that its audience is kept in.
type contentTable struct {
	table    string // "documents"
	audience string // "document_audience"
	tags     string // "document_tags"
	idCol    string // "document_id"
	noun     string // "document", for messages
}

var (
	documentTables = contentTable{table: "documents", audience: "document_audience", tags: "document_tags", idCol: "document_id", noun: "document"}
	articleTables  = contentTable{table: "articles", audience: "article_audience", tags: "article_tags", idCol: "article_id", noun: "article"}
)

// audienceScope limits w to the rows (aliased alias) of ct that a may read:
// everything for programme staff and auditors; for a customer, content for
// all customers or naming its organisation; for a provider, content shared
// with all providers or naming it; nothing for anyone else.
func audienceScope(w *where, a *itsm.Actor, ct contentTable, alias string) {
	named := fmt.Sprintf("EXISTS (SELECT 1 FROM %s x WHERE x.%s = %s.id AND x.org_id = ?)", ct.audience, ct.idCol, alias)
	switch {
	case a.ReadsEverything():
	case a.IsCustomer():
		w.add(fmt.Sprintf("(%[1]s.visibility = 'all_customers' OR (%[1]s.visibility = 'named' AND %[2]s))", alias, named), a.OrgID)
	case a.IsProvider():
		w.add(fmt.Sprintf("(%[1]s.provider_sharing = 'all' OR (%[1]s.provider_sharing = 'named' AND %[2]s))", alias, named), a.OrgID)
	default:
		w.add("1 = 0")
	}
}

// saveAudience replaces the named organisations of a row, checking that the
// named customers are customers and the named providers providers.
func (tx *Tx) saveAudience(ct contentTable, id int64, au *itsm.Audience) error {
	check := func(ids []int64, kind itsm.OrgKind, field, msg string) error {
		for _, org := range ids {
			o, err := tx.findOrg(org)
			if err != nil || o.Kind != kind {
				return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
			}
		}
		return nil
	}
	if err := check(au.CustomerIDs, itsm.OrgCustomer, "customer_ids", "Choose customer organisations from the list."); err != nil {
		return err
	}
	if err := check(au.ProviderIDs, itsm.OrgProvider, "provider_ids", "Choose providers from the list."); err != nil {
		return err
	}
	if _, err := tx.exec(`DELETE FROM `+ct.audience+` WHERE `+ct.idCol+` = ?`, id); err != nil {
		return fmt.Errorf("clear %s %d audience: %w", ct.noun, id, err)
	}
	for _, org := range append(append([]int64{}, au.CustomerIDs...), au.ProviderIDs...) {
		if _, err := tx.exec(`INSERT INTO `+ct.audience+` (`+ct.idCol+`, org_id) VALUES (?, ?)`, id, org); err != nil {
			return fmt.Errorf("name organisation %d for %s %d: %w", org, ct.noun, id, err)
		}
	}
	return nil
}

// loadAudiences fills in the named organisations of the audiences, keyed
// by row ID. Only those who read everything learn whom else a piece of
// content is for; others see only their own organisation's choice.
func (tx *Tx) loadAudiences(ct contentTable, byID map[int64]*itsm.Audience) error {
	if len(byID) == 0 || !tx.actor.ReadsEverything() {
		return nil
	}
	ids := make([]any, 0, len(byID))
	marks := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
		marks = append(marks, "?")
	}
	rows, err := tx.query(`SELECT x.`+ct.idCol+`, x.org_id, o.kind FROM `+ct.audience+` x JOIN organisations o ON o.id = x.org_id
		WHERE x.`+ct.idCol+` IN (`+strings.Join(marks, ", ")+`) ORDER BY o.name`, ids...)
	if err != nil {
		return fmt.Errorf("load %s audiences: %w", ct.noun, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, org int64
		var kind string
		if err := rows.Scan(&id, &org, &kind); err != nil {
			return err
		}
		au := byID[id]
		if itsm.OrgKind(kind) == itsm.OrgProvider {
			au.ProviderIDs = append(au.ProviderIDs, org)
		} else {
			au.CustomerIDs = append(au.CustomerIDs, org)
		}
	}
	return rows.Err()
}

// saveTags replaces a row's tags.
func (tx *Tx) saveTags(ct contentTable, id int64, tags []string) error {
	if _, err := tx.exec(`DELETE FROM `+ct.tags+` WHERE `+ct.idCol+` = ?`, id); err != nil {
		return fmt.Errorf("clear %s %d tags: %w", ct.noun, id, err)
	}
	for _, t := range tags {
		if _, err := tx.exec(`INSERT INTO `+ct.tags+` (`+ct.idCol+`, tag) VALUES (?, ?)`, id, t); err != nil {
			return fmt.Errorf("tag %s %d: %w", ct.noun, id, err)
		}
	}
	return nil
}

// joinTags and splitTags store tags in one column for full-text search.
func joinTags(tags []string) string { return strings.Join(tags, ", ") }

func splitTags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ", ")
}

// canReadRow reports whether the actor may read a row with this audience,
// looking up only the actor's own organisation among the named ones.
func (tx *Tx) canReadRow(ct contentTable, id int64, au itsm.Audience) (bool, error) {
	a := tx.actor
	if a.ReadsEverything() {
		return true, nil
	}
	var named bool
	if a.OrgID != 0 {
		var one int
		err := tx.queryRow(`SELECT 1 FROM `+ct.audience+` WHERE `+ct.idCol+` = ? AND org_id = ?`, id, a.OrgID).Scan(&one)
		if err != nil && err != sql.ErrNoRows {
			return false, fmt.Errorf("check %s %d audience: %w", ct.noun, id, err)
		}
		named = err == nil
	}
	switch {
	case a.IsCustomer():
		return au.Visibility == itsm.VisibleAllCustomers || (au.Visibility == itsm.VisibleNamed && named), nil
	case a.IsProvider():
		return au.Sharing == itsm.ShareAll || (au.Sharing == itsm.ShareNamed && named), nil
	}
	return false, nil
}
