package web

import (
	"net/http"

	"github.com/steward-itsm/steward/internal/itsm"
)

// ticketSuggest re-renders "Report an issue" with the help articles that
// may answer it, found from its summary, keeping what the customer typed.
// It raises nothing: a server-side answer to the "Find help articles"
// button, since the page runs no inline script.
func (s *Server) ticketSuggest(w http.ResponseWriter, r *http.Request, a *itsm.Actor, org *itsm.Organisation, n itsm.NewTicket) error {
	p, err := s.ticketNewPage(w, r, a, org)
	if err != nil {
		return err
	}
	p.Type, p.Summary, p.Description, p.Category, p.Service, p.Component = string(n.Type), n.Title, n.Description, n.Category, n.Service, n.Component
	p.Impact, p.Urgency = string(n.Impact), string(n.Urgency)
	articles, err := s.svc.Articles.SuggestArticles(r.Context(), n.Title+" "+n.Service+" "+n.Component, 5)
	if err != nil {
		return err
	}
	p.Suggestions, p.Suggested = articleViews(articles), true
	return s.render(w, http.StatusOK, "ticket_new", p)
}
