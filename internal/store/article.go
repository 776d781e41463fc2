package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

const articleColumns = `ar.id, ar.category_id, c.name, ar.title, ar.summary, ar.body, ar.tags, ar.visibility, ar.provider_sharing,
	ar.helpful, ar.not_helpful, ar.author_id, COALESCE(u.name, ''), ar.created_at, ar.updated_at, ar.version`

const articleFrom = ` FROM articles ar JOIN article_categories c ON c.id = ar.category_id LEFT JOIN users u ON u.id = ar.author_id`

func scanArticle(s scanner) (*itsm.Article, error) {
	var ar itsm.Article
	var tags string
	var created, updated int64
	if err := s.Scan(&ar.ID, &ar.CategoryID, &ar.Category, &ar.Title, &ar.Summary, &ar.Body, &tags, &ar.Visibility, &ar.Sharing,
		&ar.Helpful, &ar.NotHelpful, &ar.AuthorID, &ar.Author, &created, &updated, &ar.Version); err != nil {
		return nil, err
	}
	ar.Tags = splitTags(tags)
	ar.CustomerIDs, ar.ProviderIDs = []int64{}, []int64{}
	ar.CreatedAt, ar.UpdatedAt = fromTS(created), fromTS(updated)
	return &ar, nil
}

// findArticle reads an article the caller may read, with their own vote.
func (tx *Tx) findArticle(id int64) (*itsm.Article, error) {
	ar, err := scanArticle(tx.queryRow(`SELECT `+articleColumns+articleFrom+` WHERE ar.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, itsm.ErrNotFound("article")
	} else if err != nil {
		return nil, fmt.Errorf("find article %d: %w", id, err)
	}
	if ok, err := tx.canReadRow(articleTables, id, ar.Audience); err != nil {
		return nil, err
	} else if !ok {
		return nil, itsm.ErrNotFound("article")
	}
	if tx.actor.UserID != 0 {
		var helpful bool
		err := tx.queryRow(`SELECT helpful FROM article_votes WHERE article_id = ? AND user_id = ?`, id, tx.actor.UserID).Scan(&helpful)
		if err == nil {
			ar.MyVote = &helpful
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("find vote on article %d: %w", id, err)
		}
	}
	return ar, tx.loadAudiences(articleTables, map[int64]*itsm.Audience{ar.ID: &ar.Audience})
}

func (tx *Tx) checkCategory(id int64) error {
	var one int
	err := tx.queryRow(`SELECT 1 FROM article_categories WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		msg := "Choose a category from the list."
		return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"category_id": msg}}
	}
	return err
}

// CreateArticle publishes a help article (programme staff).
func (db *DB) CreateArticle(ctx context.Context, ar *itsm.Article) error {
	a := itsm.ActorFromContext(ctx)
	if err := canPublish(a, "help articles"); err != nil {
		return err
	}
	if err := ar.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.checkCategory(ar.CategoryID); err != nil {
			return err
		}
		var author *int64
		if a.UserID != 0 {
			author = &a.UserID
		}
		id, err := tx.insert(`INSERT INTO articles (category_id, title, summary, body, tags, author_id, visibility, provider_sharing, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, ar.CategoryID, ar.Title, ar.Summary, ar.Body, joinTags(ar.Tags), author, string(ar.Visibility), string(ar.Sharing), ts(tx.now), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create article: %w", err)
		}
		if err := tx.saveAudience(articleTables, id, &ar.Audience); err != nil {
			return err
		}
		if err := tx.saveTags(articleTables, id, ar.Tags); err != nil {
			return err
		}
		got, err := tx.findArticle(id)
		if err != nil {
			return err
		}
		*ar = *got
		return tx.audit(itsm.AuditCreate, "article", id, nil, diff(nil, ar))
	})
}

// FindArticleByID returns an article the caller may read.
func (db *DB) FindArticleByID(ctx context.Context, id int64) (*itsm.Article, error) {
	var ar *itsm.Article
	err := db.view(ctx, func(tx *Tx) (err error) { ar, err = tx.findArticle(id); return err })
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		_ = db.RecordAccessRefused(ctx, "article", strconv.FormatInt(id, 10), "article not visible to the caller")
	}
	return ar, err
}

// FindArticles returns a page of the articles the caller may read: the best
// matches first when searching, otherwise by title.
func (db *DB) FindArticles(ctx context.Context, f itsm.ArticleFilter) ([]*itsm.Article, int, error) {
	var w where
	audienceScope(&w, itsm.ActorFromContext(ctx), articleTables, "ar")
	if f.CategoryID != nil {
		w.add("ar.category_id = ?", *f.CategoryID)
	}
	if f.Tag != nil && *f.Tag != "" {
		w.add("ar.id IN (SELECT article_id FROM article_tags WHERE tag = ?)", strings.ToLower(strings.TrimSpace(*f.Tag)))
	}
	order := "ar.title, ar.id"
	if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
		db.matchText(&w, articleTables, "ar", *f.Query)
		order = "ar.helpful - ar.not_helpful DESC, ar.title, ar.id"
	}
	offset, limit := page(f.Offset, f.Limit)
	var out []*itsm.Article
	total := 0
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if out, err = queryAll(tx, scanArticle, `SELECT `+articleColumns+articleFrom+w.String()+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(w.args, limit, offset)...); err != nil {
			return err
		}
		if err := tx.queryRow(`SELECT COUNT(*) FROM articles ar`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		byID := map[int64]*itsm.Audience{}
		for _, ar := range out {
			byID[ar.ID] = &ar.Audience
		}
		return tx.loadAudiences(articleTables, byID)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find articles: %w", err)
	}
	return out, total, nil
}

// UpdateArticle changes an article (programme staff).
func (db *DB) UpdateArticle(ctx context.Context, id int64, upd itsm.ArticleUpdate) (*itsm.Article, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.Article
	err := db.update(ctx, func(tx *Tx) error {
		before, err := tx.findArticle(id)
		if err != nil {
			return err
		}
		if err := canPublish(a, "help articles"); err != nil {
			return err
		}
		ar := *before
		if upd.CategoryID != nil {
			ar.CategoryID = *upd.CategoryID
		}
		for _, s := range []struct {
			dst *string
			src *string
		}{{&ar.Title, upd.Title}, {&ar.Summary, upd.Summary}, {&ar.Body, upd.Body}} {
			if s.src != nil {
				*s.dst = *s.src
			}
		}
		if upd.Tags != nil {
			ar.Tags = *upd.Tags
		}
		if upd.Audience != nil {
			ar.Audience = *upd.Audience
		}
		if err := ar.Validate(); err != nil {
			return err
		}
		if err := tx.checkCategory(ar.CategoryID); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE articles SET category_id = ?, title = ?, summary = ?, body = ?, tags = ?, visibility = ?, provider_sharing = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`, ar.CategoryID, ar.Title, ar.Summary, ar.Body, joinTags(ar.Tags), string(ar.Visibility), string(ar.Sharing), ts(tx.now), id, upd.Version)
		if err != nil {
			return fmt.Errorf("update article %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return itsm.ErrStale("article")
		}
		if err := tx.saveAudience(articleTables, id, &ar.Audience); err != nil {
			return err
		}
		if err := tx.saveTags(articleTables, id, ar.Tags); err != nil {
			return err
		}
		if out, err = tx.findArticle(id); err != nil {
			return err
		}
		return tx.audit(itsm.AuditUpdate, "article", id, nil, diff(before, out))
	})
	return out, err
}

// VoteArticle records the caller's answer to "was this helpful": one
// answer per person, which they may change. The counts are kept on the
// article so that lists can sort by them.
func (db *DB) VoteArticle(ctx context.Context, id int64, helpful bool) (*itsm.Article, error) {
	a := itsm.ActorFromContext(ctx)
	var out *itsm.Article
	err := db.update(ctx, func(tx *Tx) error {
		ar, err := tx.findArticle(id)
		if err != nil {
			return err
		}
		if a.UserID == 0 || a.ReadOnly() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only people with their own account can say whether an article helped; auditors cannot.")
		}
		if ar.MyVote != nil && *ar.MyVote == helpful {
			out = ar
			return nil
		}
		if ar.MyVote != nil {
			if _, err := tx.exec(`UPDATE article_votes SET helpful = ?, at = ? WHERE article_id = ? AND user_id = ?`, helpful, ts(tx.now), id, a.UserID); err != nil {
				return fmt.Errorf("change vote on article %d: %w", id, err)
			}
		} else if _, err := tx.exec(`INSERT INTO article_votes (article_id, user_id, helpful, at) VALUES (?, ?, ?, ?)`, id, a.UserID, helpful, ts(tx.now)); err != nil {
			return fmt.Errorf("vote on article %d: %w", id, err)
		}
		if _, err := tx.exec(`UPDATE articles SET helpful = (SELECT COUNT(*) FROM article_votes WHERE article_id = ? AND helpful = ?),
			not_helpful = (SELECT COUNT(*) FROM article_votes WHERE article_id = ? AND helpful = ?) WHERE id = ?`, id, true, id, false, id); err != nil {
			return fmt.Errorf("count votes on article %d: %w", id, err)
		}
		if out, err = tx.findArticle(id); err != nil {
			return err
		}
		org := a.OrgID
		return tx.audit("vote", "article", id, &org, fields("helpful", helpful))
	})
	return out, err
}

// LinkArticleTicket joins an article to a ticket it helps with (programme
// staff). Linking twice is not an error.
func (db *DB) LinkArticleTicket(ctx context.Context, articleID, ticketID int64) error {
	return db.linkArticle(ctx, articleID, ticketID, true)
}

// UnlinkArticleTicket removes the link.
func (db *DB) UnlinkArticleTicket(ctx context.Context, articleID, ticketID int64) error {
	return db.linkArticle(ctx, articleID, ticketID, false)
}

func (db *DB) linkArticle(ctx context.Context, articleID, ticketID int64, link bool) error {
	a := itsm.ActorFromContext(ctx)
	return db.update(ctx, func(tx *Tx) error {
		ar, err := tx.findArticle(articleID)
		if err != nil {
			return err
		}
		if !a.IsStaff() {
			return itsm.Errorf(itsm.EFORBIDDEN, "Only the service desk can link help articles to tickets.")
		}
		t, err := tx.visibleTicket(ticketID)
		if err != nil {
			return err
		}
		action := "link"
		if link {
			_, err = tx.exec(`INSERT INTO article_tickets (article_id, ticket_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, articleID, ticketID, ts(tx.now))
		} else {
			action = "unlink"
			_, err = tx.exec(`DELETE FROM article_tickets WHERE article_id = ? AND ticket_id = ?`, articleID, ticketID)
		}
		if err != nil {
			return fmt.Errorf("%s article %d and ticket %d: %w", action, articleID, ticketID, err)
		}
		return tx.audit(action, "article", ar.ID, &t.OrgID, fields("ticket", t.Ref))
	})
}

// ArticleTickets lists the tickets linked to a readable article that the
// caller may see.
func (db *DB) ArticleTickets(ctx context.Context, articleID int64) ([]*itsm.Ticket, error) {
	a := itsm.ActorFromContext(ctx)
	var out []*itsm.Ticket
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.findArticle(articleID); err != nil {
			return err
		}
		var w where
		ticketScope(a, &w)
		w.add("t.id IN (SELECT ticket_id FROM article_tickets WHERE article_id = ?)", articleID)
		var err error
		out, err = queryAll(tx, scanTicketRow, `SELECT `+ticketColumns+ticketFrom+w.String()+` ORDER BY t.created_at DESC LIMIT 500`, w.args...)
		return err
	})
	return out, err
}

// TicketArticles lists the readable articles linked to a visible ticket.
func (db *DB) TicketArticles(ctx context.Context, ticketID int64) ([]*itsm.Article, error) {
	var out []*itsm.Article
	err := db.view(ctx, func(tx *Tx) error {
		if _, err := tx.visibleTicket(ticketID); err != nil {
			return err
		}
		var w where
		audienceScope(&w, tx.actor, articleTables, "ar")
		w.add("ar.id IN (SELECT article_id FROM article_tickets WHERE ticket_id = ?)", ticketID)
		var err error
		out, err = queryAll(tx, scanArticle, `SELECT `+articleColumns+articleFrom+w.String()+` ORDER BY ar.title LIMIT 100`, w.args...)
		return err
	})
	return out, err
}

// SuggestArticles returns readable articles matching any of the longer
// words of an issue's title, most helpful first.
func (db *DB) SuggestArticles(ctx context.Context, text string, limit int) ([]*itsm.Article, error) {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f)
	}) {
		if len(w) >= 4 && !stopWords[w] && len(words) < 8 {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return nil, nil
	}
	if limit <= 0 || limit > 20 {
		limit = 5
	}
	var w where
	audienceScope(&w, itsm.ActorFromContext(ctx), articleTables, "ar")
	if db.engine == Postgres {
		w.add("ar.search @@ to_tsquery('english', ?)", strings.Join(words, " | "))
	} else {
		q := make([]string, len(words))
		for i, x := range words {
			q[i] = `"` + x + `"*`
		}
		w.add("ar.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)", strings.Join(q, " OR "))
	}
	var out []*itsm.Article
	err := db.view(ctx, func(tx *Tx) (err error) {
		out, err = queryAll(tx, scanArticle, `SELECT `+articleColumns+articleFrom+w.String()+` ORDER BY ar.helpful - ar.not_helpful DESC, ar.updated_at DESC LIMIT ?`, append(w.args, limit)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("suggest articles: %w", err)
	}
	return out, nil
}

// stopWords are common words that would suggest every article.
var stopWords = map[string]bool{"with": true, "that": true, "this": true, "from": true, "have": true, "when": true, "what": true,
	"does": true, "into": true, "cannot": true, "will": true, "they": true, "there": true, "been": true, "were": true, "about": true,
	"after": true, "before": true, "some": true, "than": true, "then": true, "them": true, "your": true, "working": true, "issue": true, "problem": true}

// ArticleCategories lists the categories, each with the number of articles
// the caller may read in it.
func (db *DB) ArticleCategories(ctx context.Context) ([]*itsm.ArticleCategory, error) {
	var w where
	audienceScope(&w, itsm.ActorFromContext(ctx), articleTables, "ar")
	w.add("ar.category_id = c.id")
	var out []*itsm.ArticleCategory
	err := db.view(ctx, func(tx *Tx) (err error) {
		out, err = queryAll(tx, func(s scanner) (*itsm.ArticleCategory, error) {
			var c itsm.ArticleCategory
			err := s.Scan(&c.ID, &c.Name, &c.Description, &c.Articles)
			return &c, err
		}, `SELECT c.id, c.name, c.description, (SELECT COUNT(*) FROM articles ar`+w.String()+`) FROM article_categories c ORDER BY c.name`, w.args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find article categories: %w", err)
	}
	return out, nil
}

// CreateArticleCategory adds a category (programme staff).
func (db *DB) CreateArticleCategory(ctx context.Context, c *itsm.ArticleCategory) error {
	if err := canPublish(itsm.ActorFromContext(ctx), "help article categories"); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		var one int
		if err := tx.queryRow(`SELECT 1 FROM article_categories WHERE LOWER(name) = LOWER(?)`, c.Name).Scan(&one); err == nil {
			msg := "There is already a category called " + c.Name + "."
			return &itsm.Error{Code: itsm.ECONFLICT, Message: msg, Fields: map[string]string{"name": msg}}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		id, err := tx.insert(`INSERT INTO article_categories (name, description, created_at) VALUES (?, ?, ?)`, c.Name, c.Description, ts(tx.now))
		if err != nil {
			return fmt.Errorf("create article category: %w", err)
		}
		c.ID = id
		return tx.audit(itsm.AuditCreate, "article_category", id, nil, diff(nil, c))
	})
}
