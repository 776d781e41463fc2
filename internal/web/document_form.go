package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

var audienceVisibilityOptions = []option{
	{string(itsm.VisibleProgramme), itsm.VisibleProgramme.Label()},
	{string(itsm.VisibleAllCustomers), itsm.VisibleAllCustomers.Label()},
	{string(itsm.VisibleNamed), "Only the customers chosen below"},
}

var sharingOptions = []option{
	{string(itsm.ShareNone), itsm.ShareNone.Label()},
	{string(itsm.ShareAll), itsm.ShareAll.Label()},
	{string(itsm.ShareNamed), "Only the providers chosen below"},
}

// audienceForm is the part of the document and article forms that says
// who may read them.
type audienceForm struct {
	// Page is the form's page, whose errors the fields show.
	Page                 page
	Visibility, Sharing  string
	Customers, Providers checkboxGroup
	Visibilities, Shares []option
}

// audienceInput reads and checks the audience fields of a posted form
// against the organisations offered.
func readAudience(r *http.Request, v *itsm.Validation, customers, providers []option) (itsm.Audience, []string, []string) {
	au := itsm.Audience{Visibility: itsm.Visibility(r.PostFormValue("visibility")), Sharing: itsm.ProviderSharing(r.PostFormValue("provider_sharing"))}
	v.Check(hasOption(audienceVisibilityOptions, string(au.Visibility)), "visibility", "Choose who can read it.")
	v.Check(hasOption(sharingOptions, string(au.Sharing)), "provider_sharing", "Choose whether providers can read it.")
	ids := func(name string, offered []option, msg string) ([]int64, []string) {
		var out []int64
		raw := r.PostForm[name]
		for _, s := range raw {
			id, ok := optionalID(s, offered)
			if !ok || id == nil {
				v.Add(name, msg)
				continue
			}
			out = append(out, *id)
		}
		return out, raw
	}
	var cs, ps []string
	au.CustomerIDs, cs = ids("customer_ids", customers, "Choose customer organisations from the list.")
	au.ProviderIDs, ps = ids("provider_ids", providers, "Choose providers from the list.")
	return au, cs, ps
}

// newAudienceForm fills the audience part of a form.
func (s *Server) newAudienceForm(r *http.Request, p *basePage, visibility, sharing string, customers, providers []string) (audienceForm, error) {
	cust, err := s.orgsOfKind(r, itsm.OrgCustomer)
	if err != nil {
		return audienceForm{}, err
	}
	prov, err := s.orgsOfKind(r, itsm.OrgProvider)
	if err != nil {
		return audienceForm{}, err
	}
	return audienceForm{Page: p, Visibility: visibility, Sharing: sharing, Visibilities: audienceVisibilityOptions, Shares: sharingOptions,
		Customers: newCheckboxGroup(p, "customer_ids", "Customers who can read it", "Used when you choose only the customers chosen here.", cust, customers),
		Providers: newCheckboxGroup(p, "provider_ids", "Providers who can read it", "Used when you choose only the providers chosen here.", prov, providers)}, nil
}

func idStrings(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

// documentFormPage publishes a new document or changes one.
type documentFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel string
	Editing                         bool
	Type, DocTitle, Summary, Tags   string
	Owner, Note, FileHint           string
	Version                         int64
	Types, Owners                   []option
	Audience                        audienceForm
}

var documentFields = []string{"type", "title", "summary", "tags", "owner_id", "visibility", "customer_ids", "provider_sharing", "provider_ids", "file", "change_note"}

type documentInput struct {
	typ, title, summary, tags, owner, note string
	customers, providers                   []string
	audience                               itsm.Audience
}

func (s *Server) documentOwnerOptions(r *http.Request) ([]option, error) {
	out := []option{{Value: "", Label: "No owner"}}
	active := itsm.UserActive
	for _, role := range []itsm.Role{itsm.RoleAgent, itsm.RoleManager, itsm.RoleAdmin} {
		users, _, err := s.svc.Users.FindUsers(r.Context(), itsm.UserFilter{Role: &role, Status: &active, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			out = append(out, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
		}
	}
	return out, nil
}

func (s *Server) documentFormPage(w http.ResponseWriter, r *http.Request, title string, in documentInput) (*documentFormPage, error) {
	p := &documentFormPage{basePage: s.newPage(w, r, title), Types: documentTypeOptions(), FileHint: documentFileHint(),
		Type: in.typ, DocTitle: in.title, Summary: in.summary, Tags: in.tags, Owner: in.owner, Note: in.note}
	var err error
	if p.Owners, err = s.documentOwnerOptions(r); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) fillDocumentAudience(r *http.Request, p *documentFormPage, in documentInput) error {
	var err error
	p.Audience, err = s.newAudienceForm(r, &p.basePage, string(in.audience.Visibility), string(in.audience.Sharing), in.customers, in.providers)
	return err
}

func (s *Server) readDocumentForm(r *http.Request, p *documentFormPage) (documentInput, *itsm.Document, error) {
	in := documentInput{typ: r.PostFormValue("type"), title: strings.TrimSpace(r.PostFormValue("title")), summary: strings.TrimSpace(r.PostFormValue("summary")),
		tags: strings.TrimSpace(r.PostFormValue("tags")), owner: r.PostFormValue("owner_id"), note: strings.TrimSpace(r.PostFormValue("change_note"))}
	var v itsm.Validation
	v.Check(hasOption(documentTypeOptions(), in.typ), "type", "Choose the type of document.")
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
	d := &itsm.Document{Type: itsm.DocumentType(in.typ), Title: in.title, Summary: in.summary, Tags: itsm.SplitTags(in.tags), Audience: in.audience}
	var ok bool
	d.OwnerID, ok = optionalID(in.owner, p.Owners)
	v.Check(ok, "owner_id", "Choose an owner from the list, or none.")
	return in, d, mergeErrors(v.Err(), d.Validate())
}

func canPublishPage(a *itsm.Actor) error {
	if !a.CanPublish() {
		return forbidden("Only the programme team can publish documents and help articles.")
	}
	return nil
}

// documentNewForm shows the programme team the form for a new document
// and its first file.
func (s *Server) documentNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := canPublishPage(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	in := documentInput{typ: string(itsm.DocUserDocumentation), audience: itsm.Audience{Visibility: itsm.VisibleProgramme, Sharing: itsm.ShareNone}}
	p, err := s.documentFormPage(w, r, "Publish a document", in)
	if err != nil {
		return err
	}
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/documents/new", "/documents", "Publish document", "/documents"
	if err := s.fillDocumentAudience(r, p, in); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "document_form", p)
}

// documentCreate describes the document and streams its first file in; if
// the file is refused the document is not kept, so nothing is half-made.
func (s *Server) documentCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := canPublishPage(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	p, err := s.documentFormPage(w, r, "Publish a document", documentInput{})
	if err != nil {
		return err
	}
	in, d, err := s.readDocumentForm(r, p)
	var file *postedFile
	if ferr := func() error { var e error; file, e = documentFile(r); return e }(); ferr != nil {
		err = mergeErrors(err, ferr)
	} else if _, nerr := itsm.CheckDocumentName(file.name); nerr != nil {
		err = mergeErrors(err, nerr)
	}
	if file != nil {
		defer file.Close()
	}
	if err == nil {
		err = s.svc.Documents.CreateDocument(ctx, d)
		if err == nil {
			if _, err = s.svc.Documents.AddDocumentVersion(ctx, d.ID, itsm.NewDocumentVersion{Filename: file.name, Data: file, Note: in.note}); err != nil {
				s.discardDocument(r, d)
			}
		}
	}
	if formFailed(err) || itsm.ErrorCode(err) == itsm.ETOOLARGE {
		p, perr := s.documentFormPage(w, r, "Publish a document", in)
		if perr != nil {
			return perr
		}
		p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = "/documents/new", "/documents", "Publish document", "/documents"
		p.setErrors(err, documentFields...)
		if perr := s.fillDocumentAudience(r, p, in); perr != nil {
			return perr
		}
		status := formStatus(err)
		if itsm.ErrorCode(err) == itsm.ETOOLARGE {
			status = http.StatusRequestEntityTooLarge
		}
		return s.render(w, status, "document_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, documentHref(d), d.Title+" has been published.")
}

// discardDocument removes a document whose first file was refused, so
// that a failed form leaves nothing half-made.
func (s *Server) discardDocument(r *http.Request, d *itsm.Document) {
	if err := s.svc.Documents.DeleteDocument(r.Context(), d.ID, d.Version); err != nil {
		s.log.ErrorContext(r.Context(), "remove a document whose upload was refused", "document", d.ID, "error", err)
	}
}

// documentEditForm shows the programme team a document's description and
// audience to change.
func (s *Server) documentEditForm(w http.ResponseWriter, r *http.Request) error {
	d, err := s.findDocument(r)
	if err != nil {
		return err
	}
	if err := canPublishPage(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	in := documentInput{typ: string(d.Type), title: d.Title, summary: d.Summary, tags: strings.Join(d.Tags, ", "), owner: idValue(d.OwnerID),
		audience: d.Audience, customers: idStrings(d.CustomerIDs), providers: idStrings(d.ProviderIDs)}
	p, err := s.documentEditPage(w, r, d, in)
	if err != nil {
		return err
	}
	p.Version = d.Version
	return s.render(w, http.StatusOK, "document_form", p)
}

func (s *Server) documentEditPage(w http.ResponseWriter, r *http.Request, d *itsm.Document, in documentInput) (*documentFormPage, error) {
	p, err := s.documentFormPage(w, r, "Change "+d.Title, in)
	if err != nil {
		return nil, err
	}
	p.Editing = true
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = documentHref(d)+"/edit", documentHref(d), "Save changes", documentHref(d)
	return p, s.fillDocumentAudience(r, p, in)
}

// documentUpdate saves a document's description and audience.
func (s *Server) documentUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.findDocument(r)
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
	p, err := s.documentFormPage(w, r, "Change "+d.Title, documentInput{})
	if err != nil {
		return err
	}
	in, nd, err := s.readDocumentForm(r, p)
	if err == nil {
		owner := int64(0)
		if nd.OwnerID != nil {
			owner = *nd.OwnerID
		}
		_, err = s.svc.Documents.UpdateDocument(ctx, d.ID, itsm.DocumentUpdate{Type: &nd.Type, Title: &nd.Title, Summary: &nd.Summary, Tags: &nd.Tags,
			OwnerID: &owner, Audience: &nd.Audience, Version: version})
	}
	if formFailed(err) {
		p, perr := s.documentEditPage(w, r, d, in)
		if perr != nil {
			return perr
		}
		p.Version = version
		p.setErrors(err, documentFields...)
		p.Audience.Customers.Error, p.Audience.Providers.Error = p.FieldError("customer_ids"), p.FieldError("provider_ids")
		return s.render(w, formStatus(err), "document_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, documentHref(d), "Your changes to "+nd.Title+" have been saved.")
}
