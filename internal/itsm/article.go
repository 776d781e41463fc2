package itsm

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// FinanceIntegrationCategory is the first help-article category, seeded by
// the migration: guidance on integrating the purchasing system with
// finance systems.
const FinanceIntegrationCategory = "Finance system integration"

// ArticleCategory groups help articles.
type ArticleCategory struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Articles    int    `json:"article_count"`
}

// Validate checks a category's fields.
func (c *ArticleCategory) Validate() error {
	var v Validation
	c.Name = strings.TrimSpace(c.Name)
	c.Description = strings.TrimSpace(c.Description)
	v.Check(c.Name != "", "name", "Enter the category's name.")
	v.Check(utf8.RuneCountInString(c.Name) <= 100 && !HasControl(c.Name), "name", "The name must be 100 characters or fewer, without control characters.")
	v.Check(utf8.RuneCountInString(c.Description) <= 1000, "description", "The description must be 1,000 characters or fewer.")
	return v.Err()
}

// Article is a help article in the knowledge base, written in Markdown.
type Article struct {
	ID         int64    `json:"id"`
	CategoryID int64    `json:"category_id"`
	Category   string   `json:"category_name"`
	Title      string   `json:"title"`
	Summary    string   `json:"summary"`
	Body       string   `json:"body"`
	Tags       []string `json:"tags"`
	Audience   `json:"audience"`
	Helpful    int `json:"helpful_count"`
	NotHelpful int `json:"not_helpful_count"`
	// MyVote is the caller's own answer to "was this helpful": nil when
	// they have not answered.
	MyVote    *bool     `json:"my_vote"`
	AuthorID  *int64    `json:"author_id"`
	Author    string    `json:"author_name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// Validate checks an article's fields.
func (ar *Article) Validate() error {
	var v Validation
	ar.Title = strings.TrimSpace(ar.Title)
	ar.Summary = strings.TrimSpace(ar.Summary)
	v.Check(ar.Title != "", "title", "Enter a title.")
	v.Check(utf8.RuneCountInString(ar.Title) <= 200 && !HasControl(ar.Title), "title", "The title must be 200 characters or fewer, without control characters.")
	v.Check(utf8.RuneCountInString(ar.Summary) <= 1000, "summary", "The summary must be 1,000 characters or fewer.")
	v.Check(strings.TrimSpace(ar.Body) != "", "body", "Write the article.")
	v.Check(len(ar.Body) <= 100000, "body", "The article must be 100,000 characters or fewer.")
	v.Check(ar.CategoryID > 0, "category_id", "Choose a category.")
	var ok bool
	ar.Tags, ok = NormaliseTags(ar.Tags)
	v.Check(ok, "tags", "Use at most 20 tags, each of 1 to 40 letters, digits, spaces or hyphens.")
	ar.Audience.validate(&v)
	return v.Err()
}

// ArticleFilter selects help articles. Query is full-text over the title,
// summary, tags and body.
type ArticleFilter struct {
	CategoryID *int64
	Tag        *string
	Query      *string
	Offset     int
	Limit      int
}

// ArticleUpdate is a partial change to an article. Version must be the
// version last read.
type ArticleUpdate struct {
	CategoryID *int64
	Title      *string
	Summary    *string
	Body       *string
	Tags       *[]string
	Audience   *Audience
	Version    int64
}

// ArticleService is the knowledge base. Everyone signed in reads the
// articles whose audience includes them; programme staff write them and
// link them to tickets; anyone who may read an article (but auditors)
// answers "was this helpful" once, and may change their answer.
type ArticleService interface {
	// CreateArticle publishes an article (EINVALID, EFORBIDDEN).
	CreateArticle(ctx context.Context, ar *Article) error
	// FindArticleByID returns an article the caller may read (ENOTFOUND).
	FindArticleByID(ctx context.Context, id int64) (*Article, error)
	// FindArticles returns a page of the articles the caller may read,
	// best matches first when searching, otherwise by title.
	FindArticles(ctx context.Context, f ArticleFilter) ([]*Article, int, error)
	// UpdateArticle changes an article (EINVALID, EFORBIDDEN, ENOTFOUND,
	// ECONFLICT).
	UpdateArticle(ctx context.Context, id int64, upd ArticleUpdate) (*Article, error)
	// VoteArticle records the caller's answer to "was this helpful"
	// (ENOTFOUND, EFORBIDDEN for auditors).
	VoteArticle(ctx context.Context, id int64, helpful bool) (*Article, error)
	// LinkArticleTicket and UnlinkArticleTicket join an article to a
	// ticket it helps with (programme staff).
	LinkArticleTicket(ctx context.Context, articleID, ticketID int64) error
	UnlinkArticleTicket(ctx context.Context, articleID, ticketID int64) error
	// ArticleTickets lists the linked tickets the caller may see.
	ArticleTickets(ctx context.Context, articleID int64) ([]*Ticket, error)
	// TicketArticles lists the readable articles linked to a visible
	// ticket.
	TicketArticles(ctx context.Context, ticketID int64) ([]*Article, error)
	// SuggestArticles returns up to limit readable articles that match the
	// words of an issue's title, for the "Report an issue" form.
	SuggestArticles(ctx context.Context, text string, limit int) ([]*Article, error)
	// ArticleCategories lists the categories with the number of articles
	// the caller may read in each.
	ArticleCategories(ctx context.Context) ([]*ArticleCategory, error)
	// CreateArticleCategory adds a category (programme staff; ECONFLICT
	// when the name is taken).
	CreateArticleCategory(ctx context.Context, c *ArticleCategory) error
}
