package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// OutageCategory is the ticket category of incidents that monitoring opens.
const OutageCategory = "Service outage"

// openOutageIncident raises the incident for an outage, or, when the check
// recovered from an outage with an incident less than itsm.FlapWindow ago,
// re-opens that incident instead: a flapping check makes one incident, not
// one per flap.
func (tx *Tx) openOutageIncident(c *itsm.Check, o *openOutage, r itsm.CheckResult) error {
	var recent sql.NullInt64
	err := tx.queryRow(`SELECT ticket_id FROM check_outages WHERE check_id = ? AND id <> ? AND ticket_id IS NOT NULL AND ended_at IS NOT NULL AND ended_at >= ?
		ORDER BY ended_at DESC LIMIT 1`, c.ID, o.id, ts(o.startedAt.Add(-itsm.FlapWindow))).Scan(&recent)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("find recent incident of check %d: %w", c.ID, err)
	}
	if recent.Valid {
		t, err := tx.findTicket(recent.Int64)
		if err == nil && t.Status != itsm.StatusClosed {
			return tx.reopenOutageIncident(c, o, t, r)
		} else if err != nil && itsm.ErrorCode(err) != itsm.ENOTFOUND {
			return err
		}
	}
	orgID := c.OrgID
	if orgID == nil {
		var id int64
		if err := tx.queryRow(`SELECT id FROM organisations WHERE kind = ? ORDER BY id LIMIT 1`, string(itsm.OrgProgramme)).Scan(&id); err != nil {
			return fmt.Errorf("find the programme organisation: %w", err)
		}
		orgID = &id
	}
	org, err := tx.findOrg(*orgID)
	if err != nil {
		return err
	}
	what := c.Service
	if c.Component != "" {
		what += " — " + c.Component
	}
	n := itsm.NewTicket{Type: itsm.Incident, OrgID: org.ID, Category: OutageCategory, Service: c.Service, Component: c.Component,
		Impact: itsm.High, Urgency: itsm.High, Priority: c.IncidentPriority,
		PriorityReason: fmt.Sprintf("Set by monitoring: the check %q opens %s incidents.", c.Name, c.IncidentPriority),
		Title:          truncateRunes(fmt.Sprintf("Outage: %s is failing (%s)", c.Name, what), 200),
		Description: fmt.Sprintf("Monitoring opened this incident after %d consecutive failed runs of the check **%s** on %s.\n\n"+
			"- Failing since: %s UTC\n- Latest error: %s\n- Target: %s\n\nIt will be resolved automatically when the check passes again.",
			c.ConsecutiveFailures, c.Name, what, o.startedAt.Format("2 January 2006 15:04:05"), r.Error, checkTarget(c))}
	t, err := tx.insertTicket(n, org, nil)
	if err != nil {
		return fmt.Errorf("raise outage incident for check %d: %w", c.ID, err)
	}
	if c.ProviderID != nil {
		if _, err := tx.exec(`UPDATE tickets SET provider_id = ? WHERE id = ?`, *c.ProviderID, t.ID); err != nil {
			return fmt.Errorf("escalate outage incident %d: %w", t.ID, err)
		}
		if err := tx.addEvent(&itsm.TicketEvent{TicketID: t.ID, Type: "escalate", Body: c.ProviderName, Public: false}); err != nil {
			return err
		}
	}
	if _, err := tx.exec(`UPDATE check_outages SET ticket_id = ? WHERE id = ?`, t.ID, o.id); err != nil {
		return fmt.Errorf("link outage %d to %s: %w", o.id, t.Ref, err)
	}
	o.ticketID = &t.ID
	return tx.notifyOutage(c, t.Ref, fmt.Sprintf("[%s] %s: %s", t.Ref, c.IncidentPriority, t.Title),
		fmt.Sprintf("Monitoring has opened %s (%s).\n\nCheck: %s\nService: %s\nFailing since: %s UTC\nLatest error: %s\n",
			t.Ref, c.IncidentPriority, c.Name, what, o.startedAt.Format("2 January 2006 15:04"), r.Error))
}

func checkTarget(c *itsm.Check) string {
	if c.Kind == itsm.CheckHTTP {
		return c.Method + " " + c.URL
	}
	return c.Address
}

// reopenOutageIncident attaches a new outage to the incident of the last
// one, re-opening it if it was resolved.
func (tx *Tx) reopenOutageIncident(c *itsm.Check, o *openOutage, t *itsm.Ticket, r itsm.CheckResult) error {
	if err := tx.addEvent(&itsm.TicketEvent{TicketID: t.ID, Type: "internal_note", By: "staff",
		Body: fmt.Sprintf("Monitoring: %s is failing again since %s UTC (%s). The check is flapping, so this incident is re-opened rather than a new one raised.",
			c.Name, o.startedAt.Format("2 January 2006 15:04:05"), r.Error)}); err != nil {
		return err
	}
	if t.Status == itsm.StatusResolved {
		if err := tx.setStatus(t, itsm.StatusInProgress); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE tickets SET updated_at = ?, version = version + 1 WHERE id = ?`, ts(tx.now), t.ID); err != nil {
			return fmt.Errorf("re-open %s: %w", t.Ref, err)
		}
		if err := tx.recomputeSLALive(t.ID); err != nil {
			return err
		}
	}
	if _, err := tx.exec(`UPDATE check_outages SET ticket_id = ? WHERE id = ?`, t.ID, o.id); err != nil {
		return fmt.Errorf("link outage %d to %s: %w", o.id, t.Ref, err)
	}
	o.ticketID = &t.ID
	if err := tx.audit("outage_incident_reopened", "ticket", t.ID, &t.OrgID, fields("check", c.ID, "outage", o.id)); err != nil {
		return err
	}
	return tx.notifyOutage(c, t.Ref, fmt.Sprintf("[%s] Failing again: %s", t.Ref, c.Name),
		fmt.Sprintf("%s is failing again (%s); %s has been re-opened.\n", c.Name, r.Error, t.Ref))
}

// endOutage closes an outage at the first passing run and resolves its
// incident with a note of how long it lasted.
func (tx *Tx) endOutage(c *itsm.Check, o *openOutage, at time.Time) error {
	if _, err := tx.exec(`UPDATE check_outages SET ended_at = ? WHERE id = ?`, ts(at), o.id); err != nil {
		return fmt.Errorf("end outage %d: %w", o.id, err)
	}
	d := at.Sub(o.startedAt).Round(time.Second)
	if err := tx.audit("outage_ended", "check", c.ID, c.OrgID, fields("outage", o.id, "duration_seconds", int64(d.Seconds()))); err != nil {
		return err
	}
	if o.ticketID == nil {
		return nil
	}
	t, err := tx.findTicket(*o.ticketID)
	if itsm.ErrorCode(err) == itsm.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if err := tx.addEvent(&itsm.TicketEvent{TicketID: t.ID, Type: "internal_note", By: "staff",
		Body: fmt.Sprintf("Monitoring: %s passed at %s UTC. The outage lasted %s.", c.Name, at.Format("2 January 2006 15:04:05"), d)}); err != nil {
		return err
	}
	if t.Status == itsm.StatusResolved || t.Status == itsm.StatusClosed {
		return nil
	}
	before := *t
	if err := tx.setStatus(t, itsm.StatusResolved); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE tickets SET updated_at = ?, version = version + 1 WHERE id = ?`, ts(tx.now), t.ID); err != nil {
		return fmt.Errorf("resolve %s: %w", t.Ref, err)
	}
	if err := tx.recomputeSLALive(t.ID); err != nil {
		return err
	}
	if err := tx.audit(itsm.AuditUpdate, "ticket", t.ID, &t.OrgID, mergeDiff(diff(&before, t), fields("reason", "monitoring recovery"))); err != nil {
		return err
	}
	if err := tx.notifyWatchers(t, fmt.Sprintf("[%s] Resolved: %s", t.Ref, t.Title), fmt.Sprintf("%s has recovered after %s. %s is resolved.\n", c.Name, d, t.Ref)); err != nil {
		return err
	}
	return tx.notifyOutage(c, t.Ref, fmt.Sprintf("[%s] Recovered: %s", t.Ref, c.Name), fmt.Sprintf("%s passed again at %s UTC after %s; %s is resolved.\n", c.Name, at.Format("2 January 2006 15:04"), d, t.Ref))
}

// notifyOutage e-mails the programme's managers and agents and, for a
// check a provider operates, the provider's agents.
func (tx *Tx) notifyOutage(c *itsm.Check, ref, subject, text string) error {
	cond := `status = 'active' AND ((role IN (?, ?) AND org_id IN (SELECT id FROM organisations WHERE kind = ?))`
	args := []any{string(itsm.RoleManager), string(itsm.RoleAgent), string(itsm.OrgProgramme)}
	if c.ProviderID != nil {
		cond += ` OR (role = ? AND org_id = ?)`
		args = append(args, string(itsm.RoleProviderAgent), *c.ProviderID)
	}
	to, err := tx.emailsOf(cond+")", args...)
	if err != nil || len(to) == 0 {
		return err
	}
	return tx.enqueue(itsm.EmailJob{To: to, Subject: subject, Text: strings.TrimSpace(text) + "\n\nSee " + ref + " in Steward.\n"})
}
