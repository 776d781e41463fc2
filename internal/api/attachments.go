package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/steward-itsm/steward/internal/httpx"
	"github.com/steward-itsm/steward/internal/itsm"
)

// upload is a file sent to POST /api/v1/tickets/{id}/attachments.
type upload struct {
	filename string
	data     []byte
	internal bool
}

var errNotMultipart = itsm.Errorf(codeUnsupportedMediaType,
	`Send the file as multipart/form-data, in a part named "file" with the file's name, and optionally a part "internal" set to true or false.`)

// listAttachments serves GET /api/v1/tickets/{id}/attachments: the
// ticket's files, oldest first; customers do not see internal ones.
func (a *API) listAttachments(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "ticket", a.svc.Attachments.FindAttachments)
}

// addAttachment serves POST /api/v1/tickets/{id}/attachments. The body is
// multipart/form-data, capped at Config.MaxUpload rather than MaxBody, and
// read as a stream: the file part is kept only up to the largest
// attachment. The file's name is taken exactly as sent, never reduced to
// its last path element, so that a name with a path in it is refused
// rather than quietly renamed.
func (a *API) addAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "ticket")
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
	att, err := a.svc.Attachments.AddAttachment(r.Context(), id, itsm.NewAttachment{Filename: up.filename, Data: bytes.NewReader(up.data), Internal: up.internal})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/attachments/"+strconv.FormatInt(att.ID, 10))
	writeJSON(w, http.StatusCreated, att)
	return nil
}

// readUpload reads the parts of an upload: exactly one "file", at most one
// "internal", nothing else.
func readUpload(mr *multipart.Reader) (*upload, error) {
	var up upload
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, uploadReadError(err)
		}
		disposition, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		if err != nil || disposition != "form-data" || params["name"] == "" {
			return nil, itsm.Errorf(itsm.EINVALID, "Every part of the upload needs a header Content-Disposition: form-data with the part's name.")
		}
		name := params["name"]
		switch {
		case name != "file" && name != "internal":
			return nil, fieldError(shorten(name), fmt.Sprintf("The part %q is not one this request accepts: send \"file\" and, optionally, \"internal\".", shorten(name)))
		case seen[name]:
			return nil, fieldError(name, fmt.Sprintf("The part %q appears more than once: send one file at a time.", name))
		}
		seen[name] = true
		if name == "internal" {
			v, err := io.ReadAll(io.LimitReader(part, 8))
			if err != nil {
				return nil, uploadReadError(err)
			}
			switch string(v) {
			case "true", "false":
				up.internal = string(v) == "true"
			default:
				return nil, fieldError("internal", "Give internal as true or false.")
			}
			continue
		}
		if up.filename = params["filename"]; !plainName(up.filename) {
			return nil, fieldError("file", "The file name contains characters that are not allowed; rename the file and try again.")
		}
		if up.data, err = io.ReadAll(io.LimitReader(part, itsm.MaxAttachmentSize+1)); err != nil {
			return nil, uploadReadError(err)
		}
		if len(up.data) > itsm.MaxAttachmentSize {
			msg := fmt.Sprintf("The file is too large: the limit is 10 MB (%d bytes).", itsm.MaxAttachmentSize)
			return nil, &itsm.Error{Code: itsm.ETOOLARGE, Message: msg, Fields: map[string]string{"file": msg}}
		}
	}
	if !seen["file"] {
		return nil, fieldError("file", `Choose a file to upload, sent in a part named "file".`)
	}
	return &up, nil
}

// plainName refuses what itsm.CheckAttachmentName lets through but a file
// name should not hold: a tab (fine in text), and the bidirectional
// controls that make "photo\u202Egnp.exe" read as "photoexe.png".
func plainName(name string) bool {
	return !strings.ContainsFunc(name, func(r rune) bool { return r == '\t' || unicode.Is(unicode.Bidi_Control, r) })
}

// uploadReadError is 413 past the body's limit and 400 for anything else
// that stops the parts being read.
func uploadReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errTooLarge(tooBig.Limit)
	}
	return itsm.Errorf(itsm.EINVALID, "The upload is not well-formed multipart/form-data: check the boundary and the parts.")
}

// downloadAttachment serves GET /api/v1/attachments/{id}: the file, always
// as a download, never shown in place, with the content type recorded when
// it was checked on upload and its SHA-256 as a strong ETag.
func (a *API) downloadAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "file")
	if err != nil {
		return err
	}
	att, data, err := a.svc.Attachments.OpenAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.ServeDownload(w, r, att.Filename, att.ContentType, att.SHA256, data)
	return nil
}
