package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// articleView is a help article as the pages show it.
type articleView struct{ *itsm.Article }

// Href is the article's page.
func (v articleView) Href() string { return "/help-articles/" + strconv.FormatInt(v.ID, 10) }

// TagList is the tags, comma-separated.
func (v articleView) TagList() string { return strings.Join(v.Tags, ", ") }

// Votes is how many people answered "was this helpful".
func (v articleView) Votes() int { return v.Helpful + v.NotHelpful }

// AudienceLabel says who may read the article.
func (v articleView) AudienceLabel() string { return audienceLabel(v.Audience) }

func articleViews(as []*itsm.Article) []articleView {
	out := make([]articleView, len(as))
	for i, a := range as {
		out[i] = articleView{a}
	}
	return out
}

// kbPage is the knowledge base: help articles by category, searchable.
type kbPage struct {
	basePage
	Articles             []articleView
	Categories           []*itsm.ArticleCategory
	CategoryOptions      []option
	Pager                pager
	Category, Query      string
	Filtered, CanPublish bool
	// CanReport offers "report an issue" to those who may raise tickets.
	CanReport                bool
	ShowAudience, HasSearch  bool
	CSVHref                  string
	CategoryName, CategoryDe string
}

func (s *Server) categoryOptions(r *http.Request) ([]*itsm.ArticleCategory, []option, error) {
	cats, err := s.svc.Articles.ArticleCategories(r.Context())
	if err != nil {
		return nil, nil, err
	}
	opts := make([]option, len(cats))
	for i, c := range cats {
		opts[i] = option{strconv.FormatInt(c.ID, 10), c.Name}
	}
	return cats, opts, nil
}

func articleFilter(q *listQuery, cats []option) itsm.ArticleFilter {
	var f itsm.ArticleFilter
	if c := q.oneOf("category", cats, "a category"); c != "" {
		id, _ := strconv.ParseInt(c, 10, 64)
		f.CategoryID = &id
	}
	if s := q.text("q"); s != "" {
		f.Query = &s
	}
	return f
}

// kbList shows the help articles the viewer may read, by category or
// matching their words.
func (s *Server) kbList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	cats, opts, err := s.categoryOptions(r)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := articleFilter(q, opts)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = offset(page), pageSize
	articles, total, err := s.svc.Articles.FindArticles(ctx, f)
	if err != nil {
		return err
	}
	p := &kbPage{basePage: s.newPage(w, r, "Help articles"), Articles: articleViews(articles), Categories: cats, CategoryOptions: withAll("All categories", opts),
		Category: q.keep.Get("category"), Query: q.keep.Get("q"), Filtered: q.filtered(), CanPublish: a.CanPublish(), ShowAudience: a.ReadsEverything(),
		CanReport: canRaiseTickets(a) == nil, HasSearch: f.Query != nil, CSVHref: q.href("/help-articles.csv")}
	p.Wide = true
	p.Pager = newPager(q, "/help-articles", page, total, len(articles), "articles")
	p.setPaged("Help articles", p.Pager)
	return s.render(w, http.StatusOK, "article_list", p)
}

// kbCSV exports the help articles matching the list's filters (without
// their bodies' Markdown, which belongs on the page).
func (s *Server) kbCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, opts, err := s.categoryOptions(r)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	f := articleFilter(q, opts)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = 500
	articles, _, err := s.svc.Articles.FindArticles(ctx, f)
	if err != nil {
		return err
	}
	out := newCSV(w, "help-articles.csv")
	_ = out.Write("id", "category", "title", "summary", "tags", "visibility", "provider_sharing", "helpful", "not_helpful", "author", "created_at", "updated_at")
	writePages(s, ctx, out, "help articles", articles, 0, func(n int) ([]*itsm.Article, error) {
		f.Offset += n
		page, _, err := s.svc.Articles.FindArticles(ctx, f)
		return page, err
	}, func(ar *itsm.Article) []string {
		return []string{strconv.FormatInt(ar.ID, 10), ar.Category, ar.Title, ar.Summary, strings.Join(ar.Tags, ", "), string(ar.Visibility), string(ar.Sharing),
			strconv.Itoa(ar.Helpful), strconv.Itoa(ar.NotHelpful), ar.Author, csvTime(ar.CreatedAt), csvTime(ar.UpdatedAt)}
	})
	return nil
}

// categoryPage adds a help-article category.
type categoryPage struct {
	basePage
	Name, Description string
}

var categoryFields = []string{"name", "description"}

// categoryNewForm shows the programme team the form for a new category.
func (s *Server) categoryNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := canPublishPage(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	p := &categoryPage{basePage: s.newPage(w, r, "Add a help article category")}
	p.BackHref = "/help-articles"
	return s.render(w, http.StatusOK, "article_category", p)
}

// categoryCreate adds the category.
func (s *Server) categoryCreate(w http.ResponseWriter, r *http.Request) error {
	if err := canPublishPage(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	c := &itsm.ArticleCategory{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	err := s.svc.Articles.CreateArticleCategory(r.Context(), c)
	if formFailed(err) {
		p := &categoryPage{basePage: s.newPage(w, r, "Add a help article category"), Name: c.Name, Description: c.Description}
		p.BackHref = "/help-articles"
		p.setErrors(err, categoryFields...)
		return s.render(w, formStatus(err), "article_category", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, "/help-articles?category="+strconv.FormatInt(c.ID, 10), "The category "+c.Name+" has been added.")
}

// contentSearchPage is one search over the documents and help articles the
// viewer may read.
type contentSearchPage struct {
	basePage
	Query string
	Hits  []contentHitView
	Done  bool
}

// contentHitView is a search result as the page shows it.
type contentHitView struct{ *itsm.ContentHit }

// Href is the result's page.
func (h contentHitView) Href() string {
	if h.Kind == "article" {
		return "/help-articles/" + strconv.FormatInt(h.ID, 10)
	}
	return "/documents/" + strconv.FormatInt(h.ID, 10)
}

// KindLabel names what the result is.
func (h contentHitView) KindLabel() string {
	if h.Kind == "article" {
		return "Help article: " + h.Type
	}
	return itsm.DocumentType(h.Type).Label()
}

// contentSearch searches documents and help articles together.
func (s *Server) contentSearch(w http.ResponseWriter, r *http.Request) error {
	q := newListQuery(r.URL.Query())
	text := q.text("q")
	if err := q.err(); err != nil {
		return err
	}
	p := &contentSearchPage{basePage: s.newPage(w, r, "Search documents and help articles"), Query: text}
	if text != "" {
		hits, err := s.svc.Documents.SearchContent(r.Context(), text, 50)
		if err != nil {
			return err
		}
		for _, h := range hits {
			p.Hits = append(p.Hits, contentHitView{h})
		}
		p.Done = true
	}
	return s.render(w, http.StatusOK, "document_search", p)
}
