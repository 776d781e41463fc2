package web

import (
	"net/http"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// This file carries the files of change requests: the upload form on a
// change's page, the file chosen when a change is raised, and downloads.

// changeFilesConfigured is the answer when the server runs without the
// change attachment service (a partial wiring in tests).
func (s *Server) changeFilesConfigured() error {
	if s.svc.ChangeAttachments == nil {
		return notConfigured("the change attachment service")
	}
	return nil
}

// worksChange reports whether the actor may add internal files to the
// change: the programme team and the assigned provider, auditors never.
func worksChange(a *itsm.Actor, c *itsm.ChangeRequest) bool {
	writes := a.SignedIn() && !a.ReadOnly()
	return writes && (a.IsStaff() || assignedProvider(a, c))
}

// changeUpload adds a file to a change: anyone who may see it (auditors
// excepted), with "internal" (not seen by customers) for the programme
// team and the assigned provider.
func (s *Server) changeUpload(w http.ResponseWriter, r *http.Request) error {
	if err := s.changeFilesConfigured(); err != nil {
		return err
	}
	a := itsm.ActorFromContext(r.Context())
	internal := r.PostFormValue("internal") == "true"
	return s.changeAction(w, r, func(c *itsm.ChangeRequest) (string, error) {
		file, err := formFile(r, "file")
		if err != nil {
			return "", err
		}
		if file == nil {
			return "", fieldErr("file", "Choose a file to upload.")
		}
		defer file.Close()
		if internal && !worksChange(a, c) {
			return "", forbidden("Only the programme team and the provider can add internal files.")
		}
		if _, err := s.svc.ChangeAttachments.AddChangeAttachment(r.Context(), c.ID, itsm.NewAttachment{Filename: file.name, Data: file, Internal: internal}); err != nil {
			return "", err
		}
		return file.name + " has been added to " + c.Ref + ".", nil
	}, func(p *changeDetailPage) { p.InternalFile = internal }, nil)
}

// addNewChangeFile adds the file chosen on "Raise a change" to the change
// just raised. The change is never lost to a file the store refuses (its
// content does not match its type, say): its page opens with a message
// saying the file was not added and why.
func (s *Server) addNewChangeFile(w http.ResponseWriter, r *http.Request, c *itsm.ChangeRequest, msg string, file *postedFile) error {
	ctx := r.Context()
	_, err := s.svc.ChangeAttachments.AddChangeAttachment(ctx, c.ID, itsm.NewAttachment{Filename: file.name, Data: file})
	if err == nil {
		return s.redirect(w, r, changeHref(c), msg+" Your file "+file.name+" has been added.")
	}
	why := itsm.ErrorMessage(err)
	if itsm.ErrorCode(err) == itsm.EINTERNAL {
		s.log.ErrorContext(ctx, "add the file of a new change", "request_id", httpx.RequestID(ctx), "change", c.Ref, "error", err)
		why = "There was a problem on our side."
	}
	s.setFlash(w, flash{Kind: flashError, Message: msg + " But your file " + file.name + " was not added: " + why + " Add it again below."})
	http.Redirect(w, r, changeHref(c), http.StatusSeeOther)
	return nil
}

// changeAttachmentDownload sends a change's file to anyone who may see it
// (404 to anyone else), as ticket files are sent: always as a download
// with its name, with the content type recorded when it was checked.
func (s *Server) changeAttachmentDownload(w http.ResponseWriter, r *http.Request) error {
	if err := s.changeFilesConfigured(); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	at, data, err := s.svc.ChangeAttachments.OpenChangeAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.ServeDownload(w, r, at.Filename, at.ContentType, at.SHA256, data)
	return nil
}

// changeFilesAndRisks fills the page's files, with the upload form for
// those who may add one while the change is open, and the risks linked
// to the change for those who may see the risk register.
func (s *Server) changeFilesAndRisks(r *http.Request, p *changeDetailPage, c *itsm.ChangeRequest) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if s.svc.ChangeAttachments != nil {
		var err error
		if p.Attachments, err = s.svc.ChangeAttachments.ChangeAttachments(ctx, c.ID); err != nil {
			return err
		}
		open := c.State.Open()
		p.CanUpload = a.SignedIn() && !a.ReadOnly() && open
		p.CanUploadInternal = open && worksChange(a, c)
		p.FileHint = changeFileHint()
	}
	if s.svc.Risks != nil && (a.ReadsEverything() || a.IsProvider()) {
		risks, err := s.svc.Risks.RisksForChange(ctx, c.ID)
		if err != nil {
			return err
		}
		p.ShowRisks = true
		for _, rk := range risks {
			p.Risks = append(p.Risks, riskView{rk})
		}
	}
	return nil
}

// FileSize says a file's size the way people read it, as on tickets.
func (p *changeDetailPage) FileSize(n int64) string { return fileSize(n) }
