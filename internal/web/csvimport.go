package web

import (
	"net/http"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// CSV exchange: programme administrators and managers import and export
// organisations and people; customer administrators their own people; and
// whoever manages register entries imports them. Everyone may export what
// they can see of the register. Imports are all or nothing: a check (a dry
// run) shows the report by line, and nothing is written if any line fails.

// importPage is the upload form and, after a post, the report.
type importPage struct {
	basePage
	Kinds, Modes []option
	Kind, Mode   string
	Columns      []kindColumns
	Report       *itsm.ImportReport
	KindLabel    string
	CanOrgs      bool
}

// kindColumns lists a kind's columns for the page's guidance.
type kindColumns struct {
	Kind, Label, Columns, Required string
}

var importFields = []string{"kind", "file", "mode"}

var importModes = []option{
	{"check", "Check the file only: nothing is saved"},
	{"import", "Import it: save every line if none has a problem"},
}

func canImport(a *itsm.Actor) error {
	if a.ReadOnly() || !(a.CanManageOrgs() || a.CanManageSomeIntegrations() || a.Role == itsm.RoleCustomerAdmin) {
		return forbidden("Only administrators, managers, customer administrators and the service desk can import files.")
	}
	return nil
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) *importPage {
	a := itsm.ActorFromContext(r.Context())
	p := &importPage{basePage: s.newPage(w, r, "Import and export CSV files"), Modes: importModes, Mode: "check", CanOrgs: a.CanManageOrgs()}
	for _, k := range itsm.CSVKinds {
		p.Kinds = append(p.Kinds, option{string(k), k.Label()})
		cols := k.Columns()
		req := k.RequiredColumns()
		p.Columns = append(p.Columns, kindColumns{Kind: string(k), Label: k.Label(), Columns: joinWords(cols), Required: joinWords(req)})
	}
	p.Kind = string(itsm.CSVIntegrations)
	p.BackHref = "/integrations"
	return p
}

func joinWords(ws []string) string {
	out := ""
	for i, w := range ws {
		if i > 0 {
			out += ", "
		}
		out += w
	}
	return out
}

// importForm shows the upload form.
func (s *Server) importForm(w http.ResponseWriter, r *http.Request) error {
	if err := canImport(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	p := s.importPage(w, r)
	if k := itsm.CSVKind(r.URL.Query().Get("kind")); k.Valid() {
		p.Kind = string(k)
	}
	return s.render(w, http.StatusOK, "import_form", p)
}

// importUpload checks or imports the uploaded file and shows the report.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := canImport(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	p := s.importPage(w, r)
	p.Kind, p.Mode = r.PostFormValue("kind"), r.PostFormValue("mode")
	kind := itsm.CSVKind(p.Kind)
	var v itsm.Validation
	v.Check(kind.Valid(), "kind", "Choose what the file holds.")
	v.Check(hasOption(importModes, p.Mode), "mode", "Choose whether to check the file or import it.")
	var rep *itsm.ImportReport
	err := v.Err()
	if err == nil {
		var file *postedFile
		file, err = formFile(r, "file")
		if err == nil && file == nil {
			err = fieldErr("file", "Choose a CSV file to upload.")
		}
		if err == nil {
			defer file.Close()
			var rows []itsm.CSVRow
			rows, rep, err = itsm.ParseCSV(kind, file)
			if err == nil && len(rep.Errors) == 0 {
				rep, err = s.svc.Exchange.ImportCSV(ctx, kind, rows, p.Mode != "import")
			}
		}
	}
	if formFailed(err) || itsm.ErrorCode(err) == itsm.ETOOLARGE {
		p.setErrors(err, importFields...)
		status := formStatus(err)
		if itsm.ErrorCode(err) == itsm.ETOOLARGE {
			status = http.StatusRequestEntityTooLarge
		}
		return s.render(w, status, "import_form", p)
	} else if err != nil {
		return err
	}
	rep.DryRun = p.Mode != "import"
	p.Report, p.KindLabel = rep, kind.Label()
	status := http.StatusOK
	p.Title = "Import report: " + strings.ToLower(kind.Label())
	if len(rep.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		p.Title = "Problems in the file: " + p.Title
	}
	return s.render(w, status, "import_report", p)
}

// exportCSV downloads every record of a kind the viewer may see, with the
// columns an import reads.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request) error {
	kind := itsm.CSVKind(r.PathValue("kind"))
	if !kind.Valid() {
		return errPageNotFound
	}
	rows, err := s.svc.Exchange.ExportCSV(r.Context(), kind)
	if err != nil {
		return err
	}
	out := newSafeCSV(w, string(kind)+".csv")
	for _, row := range rows {
		if err := out.Write(row...); err != nil {
			return nil // the client went away
		}
	}
	_ = out.Flush()
	return nil
}
