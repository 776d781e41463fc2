package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// DeskSettings are the service desk's rules (see itsm.DeskSettings).
type DeskSettings = itsm.DeskSettings

// DeskSettingsService reads and changes them (see itsm.DeskSettingsService).
type DeskSettingsService = itsm.DeskSettingsService

// levels are impact and urgency, highest first.
var levels = []itsm.Level{itsm.High, itsm.Medium, itsm.Low}

// matrixCell is one impact × urgency choice of the settings form.
type matrixCell struct {
	ID, Label, Value, Error string
}

// matrixRow is one impact's cells, one per urgency.
type matrixRow struct {
	Impact string
	Cells  []matrixCell
}

// deskSettingsPage shows, and to managers and administrators changes, the
// service desk's rules. Auditors read it.
type deskSettingsPage struct {
	basePage
	CanChange  bool
	Matrix     []matrixRow
	Urgencies  []string
	ReopenDays string
	Priorities []option
}

func matrixID(impact, urgency itsm.Level) string {
	return "priority_matrix." + string(impact) + "." + string(urgency)
}

// deskSettingsFields are the form's inputs in order.
func deskSettingsFields() []string {
	var out []string
	for _, i := range levels {
		for _, u := range levels {
			out = append(out, matrixID(i, u))
		}
	}
	return append(out, "reopen_days")
}

// canReadDeskSettings: managers and administrators change the rules,
// auditors read them; the rest of the team works with them.
func canReadDeskSettings(a *itsm.Actor) error {
	if !a.CanManageOrgs() && !(a.ReadOnly() && a.ReadsEverything()) {
		return forbidden("Only managers and administrators can see and change the service desk’s rules.")
	}
	return nil
}

func (s *Server) deskSettingsPage(w http.ResponseWriter, r *http.Request, values map[string]string, reopen string) *deskSettingsPage {
	a := itsm.ActorFromContext(r.Context())
	p := &deskSettingsPage{basePage: s.newPage(w, r, "Service desk settings"), CanChange: a.CanManageOrgs() && !a.ReadOnly(),
		ReopenDays: reopen, Priorities: priorityOptions()}
	for _, u := range levels {
		p.Urgencies = append(p.Urgencies, u.Label())
	}
	return p.fill(values)
}

// fill lays out the matrix, after any errors are set.
func (p *deskSettingsPage) fill(values map[string]string) *deskSettingsPage {
	p.Matrix = nil
	for _, i := range levels {
		row := matrixRow{Impact: i.Label()}
		for _, u := range levels {
			id := matrixID(i, u)
			row.Cells = append(row.Cells, matrixCell{ID: id, Value: values[id], Error: p.FieldError(id),
				Label: i.Label() + " impact, " + strings.ToLower(u.Label()) + " urgency"})
		}
		p.Matrix = append(p.Matrix, row)
	}
	return p
}

func matrixValues(m itsm.PriorityMatrix) map[string]string {
	out := map[string]string{}
	for _, i := range levels {
		for _, u := range levels {
			out[matrixID(i, u)] = m.Priority(i, u)
		}
	}
	return out
}

// deskSettings shows the rules.
func (s *Server) deskSettings(w http.ResponseWriter, r *http.Request) error {
	if err := canReadDeskSettings(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	if s.desk == nil {
		return notConfigured("service desk settings")
	}
	cur, err := s.desk.DeskSettings(r.Context())
	if err != nil {
		return err
	}
	p := s.deskSettingsPage(w, r, matrixValues(cur.PriorityMatrix), strconv.Itoa(cur.ReopenDays))
	return s.render(w, http.StatusOK, "desk_settings", p)
}

// deskSettingsSave changes the rules. New tickets get their priority from
// the new matrix; tickets already raised keep theirs.
func (s *Server) deskSettingsSave(w http.ResponseWriter, r *http.Request) error {
	a := itsm.ActorFromContext(r.Context())
	if !a.CanManageOrgs() || a.ReadOnly() {
		return forbidden("Only managers and administrators can change the service desk’s rules.")
	}
	if s.desk == nil {
		return notConfigured("service desk settings")
	}
	values := map[string]string{}
	set := DeskSettings{PriorityMatrix: itsm.PriorityMatrix{}}
	var v itsm.Validation
	for _, i := range levels {
		set.PriorityMatrix[i] = map[itsm.Level]string{}
		for _, u := range levels {
			id := matrixID(i, u)
			values[id] = r.PostFormValue(id)
			if !itsm.ValidPriority(values[id]) {
				v.Add(id, "Choose P1 to P4 for "+string(i)+" impact and "+string(u)+" urgency.")
			}
			set.PriorityMatrix[i][u] = values[id]
		}
	}
	reopen := strings.TrimSpace(r.PostFormValue("reopen_days"))
	n, err := strconv.Atoi(reopen)
	if err != nil || n < 0 || n > 365 {
		v.Add("reopen_days", "Enter the reopen window as a whole number of days from 0 to 365.")
	}
	set.ReopenDays = n
	err = v.Err()
	if err == nil {
		err = s.desk.SetDeskSettings(r.Context(), set)
	}
	if formFailed(err) {
		p := s.deskSettingsPage(w, r, values, reopen)
		p.setErrors(err, deskSettingsFields()...)
		p.fill(values)
		return s.render(w, formStatus(err), "desk_settings", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, "/settings/service-desk", "The service desk settings have been saved. New tickets use them from now on.")
}
