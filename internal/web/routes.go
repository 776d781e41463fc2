package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// handlerFunc is a page handler. It returns an error instead of writing one;
// serveError turns it into a status and a page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access says who may reach a route before its handler runs. Finer rules
// (which records, which roles) are the handler's and the store's.
type access int

const (
	// public routes are open to everyone, signed in or not.
	public access = iota
	// signedIn routes send anonymous callers to the sign-in page.
	signedIn
)

type route struct {
	pattern string
	access  access
	handler handlerFunc
}

// routes is the one route table. HTML changes state only with POST, and
// every POST passes the CSRF check in wrap. Who may use each route is noted
// beside it; the handlers enforce it and permissions_test.go checks it.
func (s *Server) routes() []route {
	return []route{
		// Anyone.
		{"GET /sign-in", public, s.signInForm},
		{"POST /sign-in", public, s.signIn},
		{"GET /register", public, s.registerForm},
		{"POST /register", public, s.register},
		{"GET /register/complete", public, s.registerComplete},
		{"GET /accessibility", public, s.accessibility},

		// Everyone signed in.
		{"POST /sign-out", signedIn, s.signOut},
		{"GET /{$}", signedIn, s.home},
		{"GET /account", signedIn, s.account},
		{"GET /account/password", signedIn, s.accountPasswordForm},
		{"POST /account/password", signedIn, s.accountPassword},
		{"GET /account/tokens", signedIn, s.tokenList},
		{"GET /account/tokens/new", signedIn, s.tokenForm},
		{"POST /account/tokens/new", signedIn, s.tokenCreate},
		{"POST /account/tokens/{id}/revoke", signedIn, s.tokenRevoke},

		// Lists: programme staff and auditors. Detail: anyone who can see
		// the organisation. Changes: programme managers and administrators.
		{"GET /organisations", signedIn, s.organisationList},
		{"GET /organisations.csv", signedIn, s.organisationCSV},
		{"GET /organisations/new", signedIn, s.organisationNewForm},
		{"POST /organisations/new", signedIn, s.organisationCreate},
		{"GET /organisations/{id}", signedIn, s.organisationDetail},
		{"GET /organisations/{id}/edit", signedIn, s.organisationEditForm},
		{"POST /organisations/{id}/edit", signedIn, s.organisationUpdate},

		// Lists: staff, auditors and customer admins (their own people).
		// Detail: anyone who can see the person. Changes: whoever manages
		// the person's organisation.
		{"GET /users", signedIn, s.userList},
		{"GET /users.csv", signedIn, s.userCSV},
		{"GET /users/new", signedIn, s.userNewForm},
		{"POST /users/new", signedIn, s.userCreate},
		{"GET /users/{id}", signedIn, s.userDetail},
		{"GET /users/{id}/edit", signedIn, s.userEditForm},
		{"POST /users/{id}/edit", signedIn, s.userUpdate},
		{"GET /users/{id}/password", signedIn, s.userPasswordForm},
		{"POST /users/{id}/password", signedIn, s.userPassword},

		// Programme managers and administrators, and customer admins for
		// their own organisation.
		{"GET /registrations", signedIn, s.registrationList},
		{"POST /registrations/{id}/approve", signedIn, s.registrationApprove},
		{"POST /registrations/{id}/reject", signedIn, s.registrationReject},

		// Whoever may read the audit log (customer admins: their own
		// organisation's entries).
		{"GET /audit", signedIn, s.auditList},
		{"GET /audit.csv", signedIn, s.auditCSV},
		{"GET /audit/{id}", signedIn, s.auditDetail},
	}
}

// wrap applies a route's access rule and the CSRF check, then runs its
// handler through the error adapter.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.NoteRoute(r)
		a := itsm.ActorFromContext(r.Context())
		if rt.access == signedIn && !a.SignedIn() {
			s.redirectToSignIn(w, r)
			return
		}
		if !safeMethod(r.Method) {
			if err := s.checkCSRF(r, rt.access == public); err != nil {
				s.serveError(w, r, err)
				return
			}
		}
		if err := rt.handler(w, r); err != nil {
			s.serveError(w, r, err)
		}
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// unmatched answers every request no route took: 405 when the path exists
// for another method, 404 otherwise, both as pages.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" && p != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 && !slices.Contains(allowed, r.Method) {
		if slices.Contains(allowed, http.MethodGet) {
			allowed = append(allowed, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.serveError(w, r, errMethodNotAllowed)
		return
	}
	s.serveError(w, r, errPageNotFound)
}
