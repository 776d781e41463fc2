package web

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// articleDetailPage is one help article, rendered from its Markdown.
type articleDetailPage struct {
	basePage
	Article             articleView
	Body                template.HTML
	Tickets             []*itsm.Ticket
	CanPublish, CanVote bool
	CanLink             bool
	// CanReport offers "report an issue" to those who may raise tickets.
	CanReport bool
	Ref       string
	Audience  *audienceSummary
}

var articleLinkFields = []string{"ref"}

func (s *Server) articleDetailPage(w http.ResponseWriter, r *http.Request, ar *itsm.Article) (*articleDetailPage, error) {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	tickets, err := s.svc.Articles.ArticleTickets(ctx, ar.ID)
	if err != nil {
		return nil, err
	}
	p := &articleDetailPage{basePage: s.newPage(w, r, ar.Title), Article: articleView{ar}, Body: markdown.Render(ar.Body), Tickets: tickets,
		CanPublish: a.CanPublish(), CanVote: canSubscribe(a), CanLink: a.IsStaff(), CanReport: canRaiseTickets(a) == nil}
	p.Caption = ar.Category
	p.BackHref = "/help-articles"
	if a.ReadsEverything() {
		if p.Audience, err = s.audienceSummary(r, ar.Audience); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (s *Server) findArticle(r *http.Request) (*itsm.Article, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Articles.FindArticleByID(r.Context(), id)
}

func articleHref(ar *itsm.Article) string { return "/help-articles/" + strconv.FormatInt(ar.ID, 10) }

// articleDetail shows an article to anyone who may read it (404 to anyone
// else).
func (s *Server) articleDetail(w http.ResponseWriter, r *http.Request) error {
	ar, err := s.findArticle(r)
	if err != nil {
		return err
	}
	p, err := s.articleDetailPage(w, r, ar)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "article_detail", p)
}

// articleVote records whether the article helped the reader.
func (s *Server) articleVote(w http.ResponseWriter, r *http.Request) error {
	ar, err := s.findArticle(r)
	if err != nil {
		return err
	}
	var helpful bool
	switch r.PostFormValue("helpful") {
	case "yes":
		helpful = true
	case "no":
	default:
		return itsm.Errorf(itsm.EINVALID, "Say whether the article helped: yes or no.")
	}
	if _, err := s.svc.Articles.VoteArticle(r.Context(), ar.ID, helpful); err != nil {
		return err
	}
	return s.redirect(w, r, articleHref(ar), "Thank you for your feedback.")
}

// articleLink links the article to a ticket by its reference (the service
// desk).
func (s *Server) articleLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ar, err := s.findArticle(r)
	if err != nil {
		return err
	}
	if !itsm.ActorFromContext(ctx).IsStaff() {
		return forbidden("Only the service desk can link help articles to tickets.")
	}
	ref := normaliseRef(r.PostFormValue("ref"))
	var t *itsm.Ticket
	if ref == "" {
		err = fieldErr("ref", "Enter the reference of the ticket, like INC-000123.")
	} else if t, err = s.svc.Tickets.FindTicketByRef(ctx, ref); itsm.ErrorCode(err) == itsm.ENOTFOUND {
		err = fieldErr("ref", "There is no ticket "+ref+", or you cannot see it. Check the reference.")
	}
	if err == nil {
		err = s.svc.Articles.LinkArticleTicket(ctx, ar.ID, t.ID)
	}
	if formFailed(err) {
		p, perr := s.articleDetailPage(w, r, ar)
		if perr != nil {
			return perr
		}
		p.Ref = ref
		p.setErrors(err, articleLinkFields...)
		return s.render(w, formStatus(err), "article_detail", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, articleHref(ar), t.Ref+" is now linked to this article.")
}

// articleUnlink removes a ticket's link to the article.
func (s *Server) articleUnlink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ar, err := s.findArticle(r)
	if err != nil {
		return err
	}
	if !itsm.ActorFromContext(ctx).IsStaff() {
		return forbidden("Only the service desk can unlink help articles from tickets.")
	}
	ticketID, err := strconv.ParseInt(r.PostFormValue("ticket_id"), 10, 64)
	if err != nil || ticketID <= 0 {
		return itsm.Errorf(itsm.EINVALID, "The form does not say which ticket to unlink. Go back, reload the page and try again.")
	}
	t, err := s.svc.Tickets.FindTicketByID(ctx, ticketID)
	if err != nil {
		return err
	}
	if err := s.svc.Articles.UnlinkArticleTicket(ctx, ar.ID, t.ID); err != nil {
		return err
	}
	return s.redirect(w, r, articleHref(ar), t.Ref+" is no longer linked to this article.")
}

// articleFormPage writes a new article or changes one.
type articleFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel string
	Editing                         bool
	Category, ArticleTitle, Summary string
	Body, Tags                      string
	Version                         int64
	Categories                      []option
	Audience                        audienceForm
}

var articleFields = []string{"category_id", "title", "summary", "body", "tags", "visibility", "customer_ids", "provider_sharing", "provider_ids"}

type articleInput struct {
	category, title, summary, body, tags string
	customers, providers                 []string
	audience                             itsm.Audience
}

func (s *Server) articleFormPage(w http.ResponseWriter, r *http.Request, title string, in articleInput) (*articleFormPage, error) {
	_, cats, err := s.categoryOptions(r)
	if err != nil {
		return nil, err
	}
	p := &articleFormPage{basePage: s.newPage(w, r, title), Categories: cats, Category: in.category, ArticleTitle: in.title, Summary: in.summary, Body: in.body, Tags: in.tags}
	return p, nil
}

func (s *Server) fillArticleAudience(r *http.Request, p *articleFormPage, in articleInput) error {
	var err error
	p.Audience, err = s.newAudienceForm(r, &p.basePage, string(in.audience.Visibility), string(in.audience.Sharing), in.customers, in.providers)
	return err
}

func (s *Server) readArticleForm(r *http.Request, p *articleFormPage) (articleInput, *itsm.Article, error) {
	in := articleInput{category: r.PostFormValue("category_id"), title: strings.TrimSpace(r.PostFormValue("title")), summary: strings.TrimSpace(r.PostFormValue("summary")),
		body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"), tags: strings.TrimSpace(r.PostFormValue("tags"))}
	var v itsm.Validation
	v.Check(hasOption(p.Categories, in.category), "category_id", "Choose a category.")
	v.Check(utf8.RuneCountInString(in.tags) <= 1000, "tags", "Use at most 20 tags.")
	cust, err := s.orgsOfKind(r, itsm.OrgCustomer)
	if err != nil {
		return in, nil, err
	}
	prov, err := s.orgsOfKind(r, itsm.OrgProvider)
	if err != nil {
		return in, nil, err
	}
	in.audience, in.customers, in.providers = readAudience(r, &v, cust, prov)
	cat, _ := strconv.ParseInt(in.category, 10, 64)
	ar := &itsm.Article{CategoryID: cat, Title: in.title, Summary: in.summary, Body: in.body, Tags: itsm.SplitTags(in.tags), Audience: in.audience}
	return in, ar, mergeErrors(v.Err(), ar.Validate())
}

// articleNewForm shows the programme team the form for a new article.
func (s *Server) articleNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := canPublishPage(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	in := articleInput{category: r.URL.Query().Get("category"), audience: itsm.Audience{Visibility: itsm.VisibleAllCustomers, Sharing: itsm.ShareNone}}
	p, err := s.articleFormPage(w, r, "Write a help article", in)
	if err != nil {
		return err
	}
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/help-articles/new", "/help-articles", "Publish article", "/help-articles"
	if err := s.fillArticleAudience(r, p, in); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "article_form", p)
}

// articleCreate publishes the article.
func (s *Server) articleCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := canPublishPage(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	p, err := s.articleFormPage(w, r, "Write a help article", articleInput{})
	if err != nil {
		return err
	}
	in, ar, err := s.readArticleForm(r, p)
	if err == nil {
		err = s.svc.Articles.CreateArticle(ctx, ar)
	}
	if formFailed(err) {
		p, perr := s.articleFormPage(w, r, "Write a help article", in)
		if perr != nil {
			return perr
		}
		p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/help-articles/new", "/help-articles", "Publish article", "/help-articles"
		p.setErrors(err, articleFields...)
		if perr := s.fillArticleAudience(r, p, in); perr != nil {
			return perr
		}
		return s.render(w, formStatus(err), "article_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, articleHref(ar), ar.Title+" has been published.")
}

// articleEditForm shows the programme team an article to change.
func (s *Server) articleEditForm(w http.ResponseWriter, r *http.Request) error {
	ar, err := s.findArticle(r)
	if err != nil {
		return err
	}
	if err := canPublishPage(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	in := articleInput{category: strconv.FormatInt(ar.CategoryID, 10), title: ar.Title, summary: ar.Summary, body: ar.Body, tags: strings.Join(ar.Tags, ", "),
		audience: ar.Audience, customers: idStrings(ar.CustomerIDs), providers: idStrings(ar.ProviderIDs)}
	p, err := s.articleEditPage(w, r, ar, in)
	if err != nil {
		return err
	}
	if err := s.fillArticleAudience(r, p, in); err != nil {
		return err
	}
	p.Version = ar.Version
	return s.render(w, http.StatusOK, "article_form", p)
}

func (s *Server) articleEditPage(w http.ResponseWriter, r *http.Request, ar *itsm.Article, in articleInput) (*articleFormPage, error) {
	p, err := s.articleFormPage(w, r, "Change "+ar.Title, in)
	if err != nil {
		return nil, err
	}
	p.Editing = true
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = articleHref(ar)+"/edit", articleHref(ar), "Save changes", articleHref(ar)
	return p, nil
}

// articleUpdate saves the changed article.
func (s *Server) articleUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ar, err := s.findArticle(r)
	if err != nil {
		return err
	}
	if err := canPublishPage(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	p, err := s.articleFormPage(w, r, "Change "+ar.Title, articleInput{})
	if err != nil {
		return err
	}
	in, na, err := s.readArticleForm(r, p)
	if err == nil {
		_, err = s.svc.Articles.UpdateArticle(ctx, ar.ID, itsm.ArticleUpdate{CategoryID: &na.CategoryID, Title: &na.Title, Summary: &na.Summary,
			Body: &na.Body, Tags: &na.Tags, Audience: &na.Audience, Version: version})
	}
	if formFailed(err) {
		p, perr := s.articleEditPage(w, r, ar, in)
		if perr != nil {
			return perr
		}
		p.Version = version
		p.setErrors(err, articleFields...)
		if perr := s.fillArticleAudience(r, p, in); perr != nil {
			return perr
		}
		return s.render(w, formStatus(err), "article_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, articleHref(ar), "Your changes to "+na.Title+" have been saved.")
}
