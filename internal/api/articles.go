package api

import (
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// articleCreate is the body of POST /api/v1/articles.
type articleCreate struct {
	CategoryID int64         `json:"category_id"`
	Title      string        `json:"title"`
	Summary    string        `json:"summary"`
	Body       string        `json:"body"`
	Tags       []string      `json:"tags"`
	Audience   *audienceBody `json:"audience"`
}

// articleChange is the body of PATCH /api/v1/articles/{id}.
type articleChange struct {
	Version    *int64        `json:"version"`
	CategoryID *int64        `json:"category_id"`
	Title      *string       `json:"title"`
	Summary    *string       `json:"summary"`
	Body       *string       `json:"body"`
	Tags       *[]string     `json:"tags"`
	Audience   *audienceBody `json:"audience"`
}

// voteBody is the body of PUT /api/v1/articles/{id}/vote.
type voteBody struct {
	Helpful *bool `json:"helpful"`
}

// ticketLinkBody is the body of POST /api/v1/articles/{id}/tickets.
type ticketLinkBody struct {
	TicketID int64 `json:"ticket_id"`
}

// categoryCreate is the body of POST /api/v1/article-categories.
type categoryCreate struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// listArticles serves GET /api/v1/articles: the help articles the caller
// may read, by category, tag or words.
func (a *API) listArticles(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "category_id", "tag", "q")
	if err != nil {
		return err
	}
	f := itsm.ArticleFilter{CategoryID: q.id("category_id"), Tag: q.text("tag"), Query: q.text("q")}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	articles, total, err := a.svc.Articles.FindArticles(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, articles, total, p)
	return nil
}

// createArticle serves POST /api/v1/articles (the programme team).
func (a *API) createArticle(w http.ResponseWriter, r *http.Request) error {
	var in articleCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	ar := &itsm.Article{CategoryID: in.CategoryID, Title: in.Title, Summary: in.Summary, Body: in.Body, Tags: in.Tags}
	if in.Audience != nil {
		au, err := in.Audience.audience()
		if err != nil {
			return err
		}
		ar.Audience = au
	}
	if err := a.svc.Articles.CreateArticle(r.Context(), ar); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/articles/"+strconv.FormatInt(ar.ID, 10))
	writeRecord(w, http.StatusCreated, ar.Version, ar)
	return nil
}

// getArticle serves GET /api/v1/articles/{id}.
func (a *API) getArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "article")
	if err != nil {
		return err
	}
	ar, err := a.svc.Articles.FindArticleByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, ar.Version, ar)
	return nil
}

// updateArticle serves PATCH /api/v1/articles/{id} (the programme team).
func (a *API) updateArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "article")
	if err != nil {
		return err
	}
	var in articleChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.CategoryID == nil && in.Title == nil && in.Summary == nil && in.Body == nil && in.Tags == nil && in.Audience == nil {
		return errNothingToChange
	}
	upd := itsm.ArticleUpdate{CategoryID: in.CategoryID, Title: in.Title, Summary: in.Summary, Body: in.Body, Tags: in.Tags, Version: version}
	if in.Audience != nil {
		au, err := in.Audience.audience()
		if err != nil {
			return err
		}
		upd.Audience = &au
	}
	ar, err := a.svc.Articles.UpdateArticle(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, ar.Version, ar)
	return nil
}

// voteArticle serves PUT /api/v1/articles/{id}/vote: the caller's answer
// to "was this helpful", which replaces any earlier answer of theirs.
func (a *API) voteArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "article")
	if err != nil {
		return err
	}
	var in voteBody
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Helpful == nil {
		return fieldError("helpful", "Say whether the article helped, as helpful: true or false.")
	}
	ar, err := a.svc.Articles.VoteArticle(r.Context(), id, *in.Helpful)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, ar.Version, ar)
	return nil
}

// listArticleTickets serves GET /api/v1/articles/{id}/tickets: the linked
// tickets the caller may see.
func (a *API) listArticleTickets(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "article", a.svc.Articles.ArticleTickets)
}

var errChooseArticleTicket = fieldError("ticket_id", "Give ticket_id as the ID of a ticket you can see.")

// linkArticleTicket serves POST /api/v1/articles/{id}/tickets (the service
// desk). Linking twice is not an error.
func (a *API) linkArticleTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "article")
	if err != nil {
		return err
	}
	var in ticketLinkBody
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.TicketID < 1 {
		return errChooseArticleTicket
	}
	if _, err := a.svc.Articles.FindArticleByID(r.Context(), id); err != nil {
		return err
	}
	err = a.svc.Articles.LinkArticleTicket(r.Context(), id, in.TicketID)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		return errChooseArticleTicket
	} else if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// unlinkArticleTicket serves DELETE /api/v1/articles/{id}/tickets/{ticket_id}.
func (a *API) unlinkArticleTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "article")
	if err != nil {
		return err
	}
	ticketID, err := pathInt(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	if err := a.svc.Articles.UnlinkArticleTicket(r.Context(), id, ticketID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listArticleCategories serves GET /api/v1/article-categories, each with
// the number of articles the caller may read in it.
func (a *API) listArticleCategories(w http.ResponseWriter, r *http.Request) error {
	p, err := listPaging(r)
	if err != nil {
		return err
	}
	cats, err := a.svc.Articles.ArticleCategories(r.Context())
	if err != nil {
		return err
	}
	writeList(w, cats, p)
	return nil
}

// createArticleCategory serves POST /api/v1/article-categories (the
// programme team).
func (a *API) createArticleCategory(w http.ResponseWriter, r *http.Request) error {
	var in categoryCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	c := &itsm.ArticleCategory{Name: in.Name, Description: in.Description}
	if err := a.svc.Articles.CreateArticleCategory(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// suggestArticles serves GET /api/v1/article-suggestions?text=: help
// articles that may answer an issue with this title, before it is raised.
func (a *API) suggestArticles(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "text")
	if err != nil {
		return err
	}
	text := q.text("text")
	if err := q.err(); err != nil {
		return err
	}
	if text == nil {
		return fieldError("text", "Give the issue's title as text.")
	}
	articles, err := a.svc.Articles.SuggestArticles(r.Context(), *text, 5)
	if err != nil {
		return err
	}
	if articles == nil {
		articles = []*itsm.Article{}
	}
	writeJSON(w, http.StatusOK, map[string][]*itsm.Article{"items": articles})
	return nil
}
