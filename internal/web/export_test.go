package web

// Patterns returns the route table's patterns, for tests that must cover
// every route (every POST needs a CSRF token).
func (s *Server) Patterns() []string {
	var out []string
	for _, rt := range s.routes() {
		out = append(out, rt.pattern)
	}
	return out
}
