package api

import (
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/itsm"
)

// problemCreate is the body of POST /api/v1/problems.
type problemCreate struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	RootCause   string `json:"root_cause"`
	Workaround  string `json:"workaround"`
	KnownError  bool   `json:"known_error"`
	Status      string `json:"status"`
	ProviderID  *int64 `json:"provider_id"`
	OwnerID     *int64 `json:"owner_id"`
}

// problemChange is the body of PATCH /api/v1/problems/{id}.
type problemChange struct {
	Version     *int64  `json:"version"`
	Title       *string `json:"title"`
	Description *string `json:"description"`
	RootCause   *string `json:"root_cause"`
	Workaround  *string `json:"workaround"`
	KnownError  *bool   `json:"known_error"`
	Status      *string `json:"status"`
	ProviderID  *int64  `json:"provider_id"`
	OwnerID     *int64  `json:"owner_id"`
}

// incidentLink is the body of POST /api/v1/problems/{id}/incidents.
type incidentLink struct {
	TicketID int64 `json:"ticket_id"`
}

// knownError is what a caller who may not read a problem sees of a known
// error linked to one of their tickets: what it is and how to work around
// it, not its investigation.
type knownError struct {
	ID         int64              `json:"id"`
	Ref        string             `json:"ref"`
	Title      string             `json:"title"`
	Status     itsm.ProblemStatus `json:"status"`
	KnownError bool               `json:"known_error"`
	Workaround string             `json:"workaround"`
}

func validProblemStatus(s string) bool { return itsm.ProblemStatus(s).Valid() }

const problemStatusChoices = "open, investigating, resolved or closed"

// listProblems serves GET /api/v1/problems: programme staff and auditors
// see every problem, providers those assigned to them; customers are
// refused (they see known errors on their tickets).
func (a *API) listProblems(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "status", "known_error", "provider_id")
	if err != nil {
		return err
	}
	f := itsm.ProblemFilter{KnownError: q.boolean("known_error"), ProviderID: q.id("provider_id")}
	if s := q.oneOf("status", validProblemStatus, problemStatusChoices); s != nil {
		status := itsm.ProblemStatus(*s)
		f.Status = &status
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	problems, total, err := a.svc.Problems.FindProblems(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, problems, total, p)
	return nil
}

// createProblem serves POST /api/v1/problems (programme staff).
func (a *API) createProblem(w http.ResponseWriter, r *http.Request) error {
	var in problemCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := checkRefs(in.ProviderID, in.OwnerID, 1); err != nil {
		return err
	}
	p := &itsm.Problem{Title: in.Title, Description: in.Description, RootCause: in.RootCause, Workaround: in.Workaround,
		KnownError: in.KnownError, Status: itsm.ProblemStatus(in.Status), ProviderID: in.ProviderID, OwnerID: in.OwnerID}
	if err := a.svc.Problems.CreateProblem(r.Context(), p); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/problems/"+strconv.FormatInt(p.ID, 10))
	writeRecord(w, http.StatusCreated, p.Version, p)
	return nil
}

// checkRefs checks the provider and owner IDs sent for a problem: IDs are
// at least least, which is 1 on creation and 0 on a change, where 0 clears
// them.
func checkRefs(provider, owner *int64, least int64) error {
	hint := ""
	if least == 0 {
		hint = ", or 0 for none"
	}
	if provider != nil && *provider < least {
		return fieldError("provider_id", "Give provider_id as the ID of a provider organisation"+hint+".")
	}
	if owner != nil && *owner < least {
		return fieldError("owner_id", "Give owner_id as the ID of a member of the service desk or the provider"+hint+".")
	}
	return nil
}

// getProblem serves GET /api/v1/problems/{id}.
func (a *API) getProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "problem")
	if err != nil {
		return err
	}
	p, err := a.svc.Problems.FindProblemByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, p.Version, p)
	return nil
}

// updateProblem serves PATCH /api/v1/problems/{id}: programme staff change
// anything; the provider a problem is assigned to records its root cause,
// workaround and status. provider_id or owner_id 0 clears them.
func (a *API) updateProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "problem")
	if err != nil {
		return err
	}
	var in problemChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	if in.Title == nil && in.Description == nil && in.RootCause == nil && in.Workaround == nil && in.KnownError == nil &&
		in.Status == nil && in.ProviderID == nil && in.OwnerID == nil {
		return errNothingToChange
	}
	if err := checkRefs(in.ProviderID, in.OwnerID, 0); err != nil {
		return err
	}
	upd := itsm.ProblemUpdate{Title: in.Title, Description: in.Description, RootCause: in.RootCause, Workaround: in.Workaround,
		KnownError: in.KnownError, ProviderID: in.ProviderID, OwnerID: in.OwnerID, Version: version}
	if in.Status != nil {
		if !validProblemStatus(*in.Status) {
			return fieldError("status", "Set status to "+problemStatusChoices+".")
		}
		status := itsm.ProblemStatus(*in.Status)
		upd.Status = &status
	}
	p, err := a.svc.Problems.UpdateProblem(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, p.Version, p)
	return nil
}

// listIncidents serves GET /api/v1/problems/{id}/incidents: the tickets
// linked to the problem that the caller may see, newest first.
func (a *API) listIncidents(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "problem", a.svc.Problems.ProblemIncidents)
}

// linkIncident serves POST /api/v1/problems/{id}/incidents: the service
// desk records that a ticket is caused by the problem. Linking twice is not
// an error.
func (a *API) linkIncident(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "problem")
	if err != nil {
		return err
	}
	var in incidentLink
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.TicketID < 1 {
		return errChooseTicket
	}
	// The problem is looked up first so that a missing ticket, the only
	// other thing the service can fail to find, is a field of the body.
	if _, err := a.svc.Problems.FindProblemByID(r.Context(), id); err != nil {
		return err
	}
	err = a.svc.Problems.LinkIncident(r.Context(), id, in.TicketID)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		return errChooseTicket
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var errChooseTicket = fieldError("ticket_id", "Give ticket_id as the ID of an existing ticket.")

// unlinkIncident serves DELETE /api/v1/problems/{id}/incidents/{ticket_id}.
// Removing a link that is not there is not an error.
func (a *API) unlinkIncident(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "problem")
	if err != nil {
		return err
	}
	ticket, err := pathInt(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	if _, err := a.svc.Problems.FindProblemByID(r.Context(), id); err != nil {
		return err
	}
	if err := a.svc.Problems.UnlinkIncident(r.Context(), id, ticket); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listTicketProblems serves GET /api/v1/tickets/{id}/problems: the problems
// the ticket is linked to. Whoever may read a problem gets all of it;
// others (customers, and providers for problems not assigned to them) get
// known errors only, as knownError.
func (a *API) listTicketProblems(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
	if err != nil {
		return err
	}
	p, err := listPaging(r)
	if err != nil {
		return err
	}
	problems, err := a.svc.Problems.TicketProblems(r.Context(), id)
	if err != nil {
		return err
	}
	actor := itsm.ActorFromContext(r.Context())
	out := make([]any, 0, len(problems))
	for _, pr := range problems {
		if actor.ReadsEverything() || (actor.IsProvider() && pr.ProviderID != nil && *pr.ProviderID == actor.OrgID) {
			out = append(out, pr)
			continue
		}
		out = append(out, knownError{ID: pr.ID, Ref: pr.Ref, Title: pr.Title, Status: pr.Status, KnownError: pr.KnownError, Workaround: pr.Workaround})
	}
	writeList(w, out, p)
	return nil
}
