package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/steward-itsm/steward/internal/itsm"
)

// searchCandidates bounds the work of one search: of each kind, the
// searchCandidates most recent matches the caller may read are ranked.
// A query of rare words (most queries) has fewer matches than that and is
// ranked exactly; one made only of words found everywhere ranks its most
// recent matches instead of all of them, which keeps every search fast
// (the p99 over 100,000 documents and articles is in document_bench_test).
const searchCandidates = 200

// SearchContent searches the documents and help articles the caller may
// read, over titles, summaries, tags and text (Markdown bodies, and the
// text extracted from PDFs), and returns the best matches first. Each kind
// is ranked by the engine (bm25 on SQLite with titles and tags weighted
// above summaries and bodies; ts_rank on PostgreSQL) among its
// searchCandidates newest readable matches, and its best limit rows merged
// with the other's.
func (db *DB) SearchContent(ctx context.Context, query string, limit int) ([]*itsm.ContentHit, error) {
	a := itsm.ActorFromContext(ctx)
	query = strings.TrimSpace(query)
	if query == "" {
		msg := "Enter the words to search for."
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"q": msg}}
	}
	if len(query) > 200 {
		msg := "Search for 200 characters or fewer."
		return nil, &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"q": msg}}
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	type scored struct {
		hit   *itsm.ContentHit
		score float64
	}
	scan := func(kind string) func(scanner) (scored, error) {
		return func(s scanner) (scored, error) {
			h := &itsm.ContentHit{Kind: kind}
			var at int64
			var score float64
			err := s.Scan(&h.ID, &h.Title, &h.Summary, &h.Type, &at, &score)
			h.At = fromTS(at)
			return scored{h, score}, err
		}
	}
	var all []scored
	err := db.view(ctx, func(tx *Tx) error {
		for _, side := range []struct {
			kind, alias, cols, join string
			ct                      contentTable
		}{
			{"document", "d", "d.id, d.title, d.summary, d.type, d.updated_at", "", documentTables},
			{"article", "ar", "ar.id, ar.title, ar.summary, c.name, ar.updated_at", " JOIN article_categories c ON c.id = ar.category_id", articleTables},
		} {
			table := " FROM " + side.ct.table + " " + side.alias
			var w where
			audienceScope(&w, a, side.ct, side.alias)
			var q string
			// The inner query walks the index newest first and stops at
			// the candidates; the outer one ranks them.
			if db.engine == Postgres {
				w.add(side.alias+".search @@ websearch_to_tsquery('english', ?)", query)
				q = `SELECT ` + side.cols + `, -ts_rank(` + side.alias + `.search, websearch_to_tsquery('english', ?))` + table + side.join + w.String() + ` ORDER BY ` + side.alias + `.id DESC LIMIT ?`
				w.args = append([]any{query}, w.args...)
			} else {
				fts := side.ct.table + "_fts"
				w.add(fts+" MATCH ?", contentFTSQuery(query))
				q = `SELECT ` + side.cols + `, bm25(` + fts + `, 10.0, 3.0, 10.0, 1.0) FROM ` + fts + ` JOIN ` + side.ct.table + ` ` + side.alias +
					` ON ` + side.alias + `.id = ` + fts + `.rowid` + side.join + w.String() + ` ORDER BY ` + fts + `.rowid DESC LIMIT ?`
			}
			q = `SELECT * FROM (` + q + `) hits ORDER BY 6 LIMIT ?`
			rows, err := queryAll(tx, scan(side.kind), q, append(w.args, searchCandidates, limit)...)
			if err != nil {
				return fmt.Errorf("search %ss: %w", side.kind, err)
			}
			all = append(all, rows...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score < all[j].score })
	out := make([]*itsm.ContentHit, 0, min(limit, len(all)))
	for i := 0; i < len(all) && i < limit; i++ {
		out = append(out, all[i].hit)
	}
	return out, nil
}

// contentFTSQuery turns a person's words into an FTS5 query that matches
// every word, each as a single token (so that "4.2" is the tokens 4 and
// 2, as the tokenizer indexed it) and whole, not as a prefix: the porter
// stemmer already matches a word's other forms, and a prefix of a common
// stem would merge thousands of terms' lists.
func contentFTSQuery(s string) string {
	var terms []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		terms = append(terms, `"`+f+`"`)
	}
	if len(terms) == 0 {
		return `""`
	}
	return strings.Join(terms, " ")
}
