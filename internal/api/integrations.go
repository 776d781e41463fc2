package api

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// integrationCreate is the body of POST /api/v1/integrations.
type integrationCreate struct {
	OrgID        *int64                    `json:"organisation_id"`
	Name         string                    `json:"name"`
	System       string                    `json:"system"`
	Vendor       string                    `json:"vendor"`
	SysVersion   string                    `json:"system_version"`
	Direction    string                    `json:"direction"`
	Format       string                    `json:"format"`
	Transport    string                    `json:"transport"`
	Schedule     string                    `json:"schedule"`
	Environments []string                  `json:"environments"`
	Status       string                    `json:"status"`
	Contacts     []itsm.IntegrationContact `json:"contacts"`
	Documents    []string                  `json:"documents"`
	Notes        string                    `json:"notes"`
}

// integrationChange is the body of PATCH /api/v1/integrations/{id}.
type integrationChange struct {
	Version      *int64                     `json:"version"`
	Name         *string                    `json:"name"`
	System       *string                    `json:"system"`
	Vendor       *string                    `json:"vendor"`
	SysVersion   *string                    `json:"system_version"`
	Direction    *string                    `json:"direction"`
	Format       *string                    `json:"format"`
	Transport    *string                    `json:"transport"`
	Schedule     *string                    `json:"schedule"`
	Environments *[]string                  `json:"environments"`
	Status       *string                    `json:"status"`
	Contacts     *[]itsm.IntegrationContact `json:"contacts"`
	Documents    *[]string                  `json:"documents"`
	Notes        *string                    `json:"notes"`
}

// ticketLink is the body of POST /api/v1/integrations/{id}/tickets.
type ticketLink struct {
	TicketID int64 `json:"ticket_id"`
}

func validChoice(choices []itsm.IntegrationChoice) func(string) bool {
	return func(s string) bool { v, ok := itsm.ChoiceValue(choices, s); return ok && v == s }
}

// listIntegrations serves GET /api/v1/integrations: the register entries
// the caller may see (customers their organisation's; staff, auditors and
// providers every one).
func (a *API) listIntegrations(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "organisation_id", "status", "direction", "q", "sort")
	if err != nil {
		return err
	}
	f := itsm.IntegrationFilter{OrgID: q.id("organisation_id"), Query: q.text("q"),
		Status:    q.oneOf("status", validChoice(itsm.IntegrationStatuses), "planned, in_build, testing, live or retired"),
		Direction: q.oneOf("direction", validChoice(itsm.IntegrationDirections), "outbound_orders, inbound_invoices, master_data, payments or other")}
	if s := q.oneOf("sort", func(s string) bool { return s == "name" || s == "updated" || s == "organisation" }, "name, updated or organisation"); s != nil {
		f.Sort = *s
	}
	p := q.paging()
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = p.offset, p.limit
	entries, total, err := a.svc.Integrations.FindIntegrations(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, entries, total, p)
	return nil
}

// createIntegration serves POST /api/v1/integrations: staff for any
// customer organisation, customer administrators for their own (whose
// organisation_id may be left out).
func (a *API) createIntegration(w http.ResponseWriter, r *http.Request) error {
	var in integrationCreate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	g := &itsm.Integration{Name: in.Name, System: in.System, Vendor: in.Vendor, SysVersion: in.SysVersion, Direction: in.Direction,
		Format: in.Format, Transport: in.Transport, Schedule: in.Schedule, Environments: in.Environments, Status: in.Status,
		Contacts: in.Contacts, Documents: in.Documents, Notes: in.Notes}
	if in.OrgID != nil {
		g.OrgID = *in.OrgID
	}
	if err := a.svc.Integrations.CreateIntegration(r.Context(), g); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/integrations/"+strconv.FormatInt(g.ID, 10))
	writeRecord(w, http.StatusCreated, g.Version, g)
	return nil
}

// getIntegration serves GET /api/v1/integrations/{id}.
func (a *API) getIntegration(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "interface")
	if err != nil {
		return err
	}
	g, err := a.svc.Integrations.FindIntegrationByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, g.Version, g)
	return nil
}

// updateIntegration serves PATCH /api/v1/integrations/{id}.
func (a *API) updateIntegration(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "interface")
	if err != nil {
		return err
	}
	var in integrationChange
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	version, err := requireVersion(in.Version)
	if err != nil {
		return err
	}
	upd := itsm.IntegrationUpdate{Name: in.Name, System: in.System, Vendor: in.Vendor, SysVersion: in.SysVersion, Direction: in.Direction,
		Format: in.Format, Transport: in.Transport, Schedule: in.Schedule, Environments: in.Environments, Status: in.Status,
		Contacts: in.Contacts, Documents: in.Documents, Notes: in.Notes, Version: version}
	if upd == (itsm.IntegrationUpdate{Version: version}) {
		return errNothingToChange
	}
	g, err := a.svc.Integrations.UpdateIntegration(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, g.Version, g)
	return nil
}

// integrationHistory serves GET /api/v1/integrations/{id}/history.
func (a *API) integrationHistory(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "interface", a.svc.Integrations.IntegrationHistory)
}

// listIntegrationTickets serves GET /api/v1/integrations/{id}/tickets.
func (a *API) listIntegrationTickets(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "interface", a.svc.Integrations.IntegrationTickets)
}

// linkIntegrationTicket serves POST /api/v1/integrations/{id}/tickets.
func (a *API) linkIntegrationTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "interface")
	if err != nil {
		return err
	}
	var in ticketLink
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.TicketID < 1 {
		return errChooseTicket
	}
	if _, err := a.svc.Integrations.FindIntegrationByID(r.Context(), id); err != nil {
		return err
	}
	err = a.svc.Integrations.LinkIntegrationTicket(r.Context(), id, in.TicketID)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		return errChooseTicket
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// unlinkIntegrationTicket serves DELETE
// /api/v1/integrations/{id}/tickets/{ticket_id}.
func (a *API) unlinkIntegrationTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "interface")
	if err != nil {
		return err
	}
	ticket, err := pathInt(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	if err := a.svc.Integrations.UnlinkIntegrationTicket(r.Context(), id, ticket); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listTicketIntegrations serves GET /api/v1/tickets/{id}/integrations: the
// interfaces a ticket is about.
func (a *API) listTicketIntegrations(w http.ResponseWriter, r *http.Request) error {
	return serveSubList(w, r, "ticket", a.svc.Integrations.TicketIntegrations)
}

// importCSV serves POST /api/v1/imports/{kind}: a CSV file as the body
// (Content-Type: text/csv), checked line by line and written only when
// every line is right and dry_run is not true. A file with problems is
// answered 422 with the report.
func (a *API) importCSV(w http.ResponseWriter, r *http.Request) error {
	kind := itsm.CSVKind(r.PathValue("kind"))
	if !kind.Valid() {
		return itsm.Errorf(itsm.ENOTFOUND, "There is no import of %q: import organisations, users or integrations.", r.PathValue("kind"))
	}
	q, err := parseQuery(r, "dry_run")
	if err != nil {
		return err
	}
	dry := q.boolean("dry_run")
	if err := q.err(); err != nil {
		return err
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if cs, ok := params["charset"]; err != nil || mt != "text/csv" || (ok && !strings.EqualFold(cs, "utf-8")) {
		return itsm.Errorf(codeUnsupportedMediaType, "Send the file as the request body, with the header Content-Type: text/csv.")
	}
	body, err := readLimited(w, r, a.maxUpload)
	if err != nil {
		return err
	}
	rows, rep, err := itsm.ParseCSV(kind, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if len(rep.Errors) == 0 {
		if rep, err = a.svc.Exchange.ImportCSV(r.Context(), kind, rows, dry != nil && *dry); err != nil {
			return err
		}
	}
	rep.DryRun = dry != nil && *dry
	status := http.StatusOK
	if len(rep.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, rep)
	return nil
}

// exportCSV serves GET /api/v1/exports/{kind}: every record of the kind the
// caller may see, with the columns an import reads, formula-safe.
func (a *API) exportCSV(w http.ResponseWriter, r *http.Request) error {
	kind := itsm.CSVKind(r.PathValue("kind"))
	if !kind.Valid() {
		return itsm.Errorf(itsm.ENOTFOUND, "There is no export of %q: export organisations, users or integrations.", r.PathValue("kind"))
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	if err := q.err(); err != nil {
		return err
	}
	rows, err := a.svc.Exchange.ExportCSV(r.Context(), kind)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, rows[0], rows[1:]); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+string(kind)+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}
