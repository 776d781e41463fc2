package web

import "net/http"

// accessibilityPage is the accessibility statement that UK public sector
// websites must publish.
type accessibilityPage struct {
	basePage
}

// accessibility shows the accessibility statement to everyone.
func (s *Server) accessibility(w http.ResponseWriter, r *http.Request) error {
	p := &accessibilityPage{basePage: s.newPage(w, r, "Accessibility statement for Steward")}
	return s.render(w, http.StatusOK, "accessibility", p)
}
