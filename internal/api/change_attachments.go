package api

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// This file serves the files of change requests, as tickets' files are
// served (attachments.go): the same multipart upload, limits and checks.

// changeFiles returns the change attachment service, or a 500 when the
// API was built without it.
func (a *API) changeFiles() (itsm.ChangeAttachmentService, error) {
	if a.svc.ChangeAttachments == nil {
		return nil, itsm.Errorf(itsm.EINTERNAL, "The change attachment service is not configured.")
	}
	return a.svc.ChangeAttachments, nil
}

// listChangeAttachments serves GET /api/v1/changes/{id}/attachments: the
// change's files, oldest first; customers do not see internal ones.
func (a *API) listChangeAttachments(w http.ResponseWriter, r *http.Request) error {
	svc, err := a.changeFiles()
	if err != nil {
		return err
	}
	return serveSubList(w, r, "change", svc.ChangeAttachments)
}

// addChangeAttachment serves POST /api/v1/changes/{id}/attachments: a
// multipart/form-data body, capped at Config.MaxUpload, with a part "file"
// and optionally "internal", read as for ticket files (readUpload).
func (a *API) addChangeAttachment(w http.ResponseWriter, r *http.Request) error {
	svc, err := a.changeFiles()
	if err != nil {
		return err
	}
	id, err := pathID(r, "change")
	if err != nil {
		return err
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return errNotMultipart
	}
	if r.ContentLength > a.maxUpload {
		return errTooLarge(a.maxUpload)
	}
	up, err := readUpload(multipart.NewReader(http.MaxBytesReader(w, r.Body, a.maxUpload), params["boundary"]))
	if err != nil {
		return err
	}
	att, err := svc.AddChangeAttachment(r.Context(), id, itsm.NewAttachment{Filename: up.filename, Data: bytes.NewReader(up.data), Internal: up.internal})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/change-attachments/"+strconv.FormatInt(att.ID, 10))
	writeJSON(w, http.StatusCreated, att)
	return nil
}

// downloadChangeAttachment serves GET /api/v1/change-attachments/{id}: the
// file, always as a download, with the content type recorded when it was
// checked and its SHA-256 as a strong ETag.
func (a *API) downloadChangeAttachment(w http.ResponseWriter, r *http.Request) error {
	svc, err := a.changeFiles()
	if err != nil {
		return err
	}
	id, err := pathID(r, "file")
	if err != nil {
		return err
	}
	att, data, err := svc.OpenChangeAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.ServeDownload(w, r, att.Filename, att.ContentType, att.SHA256, data)
	return nil
}
