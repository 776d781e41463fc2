package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// problemFormPage records a new problem or changes one. Staff see every
// field; the provider a problem is assigned to records only what it found:
// root cause, workaround and status (Findings).
type problemFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel     string
	Editing, Findings                   bool
	Summary, Description, RootCause     string
	Workaround, Status, Provider, Owner string
	KnownError                          checkboxGroup
	Version                             int64
	Statuses, Providers, Owners         []option
}

var problemFields = []string{"title", "description", "root_cause", "workaround", "known_error", "status", "provider_id", "owner_id"}

// problemInput is what the problem form sent.
type problemInput struct {
	title, description, rootCause, workaround, status, provider, owner string
	knownError                                                         bool
}

func readProblemForm(r *http.Request) problemInput {
	return problemInput{
		title:       strings.TrimSpace(r.PostFormValue("title")),
		description: strings.TrimSpace(r.PostFormValue("description")),
		rootCause:   strings.TrimSpace(r.PostFormValue("root_cause")),
		workaround:  strings.TrimSpace(r.PostFormValue("workaround")),
		status:      r.PostFormValue("status"),
		provider:    r.PostFormValue("provider_id"),
		owner:       r.PostFormValue("owner_id"),
		knownError:  r.PostFormValue("known_error") == "yes",
	}
}

// ownerOptions lists who may own a problem: active members of the service
// desk and of the providers.
func (s *Server) ownerOptions(r *http.Request) ([]option, error) {
	out := []option{{Value: "", Label: "No owner"}}
	active := itsm.UserActive
	for _, role := range []itsm.Role{itsm.RoleAgent, itsm.RoleManager, itsm.RoleAdmin, itsm.RoleProviderAgent} {
		users, _, err := s.svc.Users.FindUsers(r.Context(), itsm.UserFilter{Role: &role, Status: &active, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			out = append(out, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name + " (" + u.OrgName + ")"})
		}
	}
	return out, nil
}

func (s *Server) problemFormPage(w http.ResponseWriter, r *http.Request, title string, findings bool) (*problemFormPage, error) {
	p := &problemFormPage{basePage: s.newPage(w, r, title), Findings: findings, Statuses: problemStatusOptions}
	if !findings {
		providers, err := s.orgsOfKind(r, itsm.OrgProvider)
		if err != nil {
			return nil, err
		}
		p.Providers = withAll("Not assigned to a provider", providers)
		if p.Owners, err = s.ownerOptions(r); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *problemFormPage) fill(in problemInput) {
	p.Summary, p.Description, p.RootCause, p.Workaround = in.title, in.description, in.rootCause, in.workaround
	p.Status, p.Provider, p.Owner = in.status, in.provider, in.owner
	var checked []string
	if in.knownError {
		checked = []string{"yes"}
	}
	p.KnownError = newCheckboxGroup(&p.basePage, "known_error", "Known error", "A known error has a documented root cause or workaround that the service desk can give customers.",
		[]option{{"yes", "This is a known error"}}, checked)
}

func canCreateProblems(a *itsm.Actor) error {
	if !a.IsStaff() {
		return forbidden("Only the service desk can record problems.")
	}
	return nil
}

// problemNewForm shows the service desk the form for a new problem.
func (s *Server) problemNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := canCreateProblems(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	p, err := s.problemFormPage(w, r, "Record a problem", false)
	if err != nil {
		return err
	}
	p.Action, p.CancelHref, p.SubmitLabel = "/problems/new", "/problems", "Record problem"
	p.BackHref = "/problems"
	p.fill(problemInput{status: string(itsm.ProblemOpen)})
	return s.render(w, http.StatusOK, "problem_form", p)
}

// problemCreate records the problem and shows it.
func (s *Server) problemCreate(w http.ResponseWriter, r *http.Request) error {
	if err := canCreateProblems(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	p, err := s.problemFormPage(w, r, "Record a problem", false)
	if err != nil {
		return err
	}
	in := readProblemForm(r)
	prob := &itsm.Problem{Title: in.title, Description: in.description, RootCause: in.rootCause, Workaround: in.workaround,
		KnownError: in.knownError, Status: itsm.ProblemStatus(in.status)}
	var v itsm.Validation
	checkProblemText(&v, in)
	var ok bool
	prob.ProviderID, ok = optionalID(in.provider, p.Providers)
	v.Check(ok, "provider_id", "Choose a provider from the list, or none.")
	prob.OwnerID, ok = optionalID(in.owner, p.Owners)
	v.Check(ok, "owner_id", "Choose an owner from the list, or none.")
	err = mergeErrors(v.Err(), prob.Validate())
	if err == nil {
		err = s.svc.Problems.CreateProblem(r.Context(), prob)
	}
	if formFailed(err) {
		p.Action, p.CancelHref, p.SubmitLabel = "/problems/new", "/problems", "Record problem"
		p.BackHref = "/problems"
		p.fill(in)
		p.setErrors(err, problemFields...)
		return s.render(w, formStatus(err), "problem_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, problemHref(prob), prob.Ref+" has been recorded.")
}

// checkProblemText checks what the domain's Validate leaves to the form:
// that a status is one offered and nothing is absurdly long.
func checkProblemText(v *itsm.Validation, in problemInput) {
	v.Check(hasOption(problemStatusOptions, in.status), "status", "Choose open, investigating, resolved or closed.")
	for _, f := range []struct{ name, val string }{{"description", in.description}, {"root_cause", in.rootCause}, {"workaround", in.workaround}} {
		v.Check(utf8.ValidString(f.val), f.name, "The text contains characters that are not valid text.")
	}
}

// findProblemToEdit finds a problem the caller can see (404 otherwise) and
// checks they may change it (403 otherwise).
func (s *Server) findProblemToEdit(r *http.Request) (*itsm.Problem, error) {
	p, err := s.findProblem(r)
	if err != nil {
		return nil, err
	}
	if !canEditProblem(itsm.ActorFromContext(r.Context())) {
		return nil, forbidden("You do not have permission to change problems.")
	}
	return p, nil
}

func (s *Server) problemEditPage(w http.ResponseWriter, r *http.Request, prob *itsm.Problem) (*problemFormPage, error) {
	findings := !itsm.ActorFromContext(r.Context()).IsStaff()
	title := "Change " + prob.Ref
	if findings {
		title = "Record findings for " + prob.Ref
	}
	p, err := s.problemFormPage(w, r, title, findings)
	if err != nil {
		return nil, err
	}
	p.Caption = prob.Title
	p.Editing, p.Version = true, prob.Version
	p.Action, p.CancelHref, p.SubmitLabel = problemHref(prob)+"/edit", problemHref(prob), "Save changes"
	p.BackHref = problemHref(prob)
	p.fill(problemInput{title: prob.Title, description: prob.Description, rootCause: prob.RootCause, workaround: prob.Workaround,
		status: string(prob.Status), provider: idValue(prob.ProviderID), owner: idValue(prob.OwnerID), knownError: prob.KnownError})
	return p, nil
}

// problemEditForm shows the form to change a problem.
func (s *Server) problemEditForm(w http.ResponseWriter, r *http.Request) error {
	prob, err := s.findProblemToEdit(r)
	if err != nil {
		return err
	}
	p, err := s.problemEditPage(w, r, prob)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "problem_form", p)
}

// problemUpdate saves the change unless someone else changed the problem
// since the form was opened.
func (s *Server) problemUpdate(w http.ResponseWriter, r *http.Request) error {
	prob, err := s.findProblemToEdit(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	p, err := s.problemEditPage(w, r, prob)
	if err != nil {
		return err
	}
	in := readProblemForm(r)
	status := itsm.ProblemStatus(in.status)
	upd := itsm.ProblemUpdate{RootCause: &in.rootCause, Workaround: &in.workaround, Status: &status, Version: version}
	var v itsm.Validation
	checkProblemText(&v, in)
	if p.Findings {
		// The provider's form has no other fields: keep what is stored.
		in.title, in.description, in.knownError = prob.Title, prob.Description, prob.KnownError
		in.provider, in.owner = idValue(prob.ProviderID), idValue(prob.OwnerID)
	} else {
		upd.Title, upd.Description, upd.KnownError = &in.title, &in.description, &in.knownError
		provider, ok := optionalID(in.provider, p.Providers)
		v.Check(ok, "provider_id", "Choose a provider from the list, or none.")
		owner, ok := optionalID(in.owner, p.Owners)
		v.Check(ok, "owner_id", "Choose an owner from the list, or none.")
		none := int64(0)
		upd.ProviderID, upd.OwnerID = &none, &none
		if provider != nil {
			upd.ProviderID = provider
		}
		if owner != nil {
			upd.OwnerID = owner
		}
	}
	check := itsm.Problem{Title: in.title, Description: in.description, RootCause: in.rootCause, Workaround: in.workaround,
		KnownError: in.knownError, Status: status}
	err = mergeErrors(v.Err(), check.Validate())
	var saved *itsm.Problem
	if err == nil {
		saved, err = s.svc.Problems.UpdateProblem(r.Context(), prob.ID, upd)
	}
	if formFailed(err) {
		p.fill(in)
		p.Version = version
		p.setErrors(err, problemFields...)
		return s.render(w, formStatus(err), "problem_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, problemHref(saved), "Your changes to "+saved.Ref+" have been saved.")
}

// paragraphs splits text people typed into its paragraphs, for pages that
// show it as they wrote it.
func paragraphs(s string) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			out = append(out, para)
		}
	}
	return out
}

// normaliseRef tidies a reference people typed: "inc-123 " is INC-123.
func normaliseRef(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}
