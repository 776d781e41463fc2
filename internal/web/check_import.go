package web

import (
	"fmt"
	"io"
	"net/http"
	"sort"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/monitorfile"
)

// checkImportPage is the upload form for a file of checks and, after a
// post, what the import did or why it did nothing.
type checkImportPage struct {
	basePage
	Modes     []option
	Mode      string
	Done      bool
	DryRun    bool
	Result    *itsm.CheckImport
	Problems  []checkImportProblem
	Fields    []string
	CanManage bool
	Mask      string
}

// checkImportProblem is one bad definition with its fields' messages in
// a stable order.
type checkImportProblem struct {
	Index    int
	Name     string
	Message  string
	Messages []fieldError
}

var checkImportFields = []string{"file", "mode"}

var checkImportModes = []option{
	{"check", "Check only (dry run): nothing is saved"},
	{"import", "Import: save every check if none has a problem"},
}

func (s *Server) checkImportPage(w http.ResponseWriter, r *http.Request) *checkImportPage {
	p := &checkImportPage{basePage: s.newPage(w, r, "Import checks"), Modes: checkImportModes, Mode: "check", Fields: monitorfile.Fields, CanManage: true, Mask: itsm.SecretMask}
	p.BackHref = "/checks"
	return p
}

// checkImportForm shows the upload form.
func (s *Server) checkImportForm(w http.ResponseWriter, r *http.Request) error {
	if err := mayManageChecks(r); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "check_import", s.checkImportPage(w, r))
}

// monitorOrgs are the organisations a file of checks may name.
func (s *Server) monitorOrgs(r *http.Request) ([]*itsm.Organisation, error) {
	return monitorfile.Organisations(r.Context(), s.svc.Organisations)
}

// checkImportUpload checks or imports the uploaded file: all or nothing.
func (s *Server) checkImportUpload(w http.ResponseWriter, r *http.Request) error {
	if err := mayManageChecks(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := s.checkImportPage(w, r)
	p.Mode = r.PostFormValue("mode")
	var v itsm.Validation
	v.Check(hasOption(checkImportModes, p.Mode), "mode", "Choose whether to check the file only or import it.")
	err := v.Err()
	var parsed *monitorfile.Result
	if err == nil {
		var data []byte
		var name string
		if data, name, err = checkFile(r); err == nil {
			var orgs []*itsm.Organisation
			if orgs, err = s.monitorOrgs(r); err == nil {
				parsed, err = monitorfile.Parse(data, monitorfile.FormatOf(name), orgs)
			}
		}
	}
	if err == nil && len(parsed.Errors) == 0 {
		p.Result, err = s.svc.Monitor.ImportChecks(ctx, parsed.Checks, p.Mode != "import")
		if err != nil && itsm.ErrorCode(err) == itsm.EINVALID && len(itsm.ErrorFields(err)) == 0 {
			err = fieldErr("file", itsm.ErrorMessage(err))
		}
	}
	if formFailed(err) || itsm.ErrorCode(err) == itsm.ETOOLARGE {
		p.setErrors(err, checkImportFields...)
		status := formStatus(err)
		if itsm.ErrorCode(err) == itsm.ETOOLARGE {
			status = http.StatusRequestEntityTooLarge
		}
		return s.render(w, status, "check_import", p)
	} else if err != nil {
		return err
	}
	if p.Result == nil {
		p.Result = &itsm.CheckImport{Errors: parsed.Errors}
	}
	p.Done, p.DryRun = true, p.Mode != "import"
	status := http.StatusOK
	if len(p.Result.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		p.Title = "Problems in the file: import checks"
		for _, e := range p.Result.Errors {
			pr := checkImportProblem{Index: e.Index, Name: e.Name, Message: e.Message}
			keys := make([]string, 0, len(e.Fields))
			for k := range e.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				pr.Messages = append(pr.Messages, fieldError{Field: k, Message: e.Fields[k]})
			}
			p.Problems = append(p.Problems, pr)
		}
	}
	return s.render(w, status, "check_import", p)
}

// checkFile reads the uploaded file of checks. Unlike attachments, it is
// never stored, so only its size is checked here; monitorfile judges the
// rest.
func checkFile(r *http.Request) ([]byte, string, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return nil, "", fieldErr("file", "Choose a YAML or JSON file of checks to upload.")
	}
	files := r.MultipartForm.File["file"]
	if len(files) > 1 {
		return nil, "", fieldErr("file", "Choose one file at a time.")
	}
	if files[0].Size > itsm.MaxAttachmentSize {
		return nil, "", errTooLargeFile
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, "", fmt.Errorf("open uploaded file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, itsm.MaxAttachmentSize))
	if err != nil {
		return nil, "", fmt.Errorf("read uploaded file: %w", err)
	}
	return data, files[0].Filename, nil
}
