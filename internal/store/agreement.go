package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

const agreementColumns = `id, name, provider_id, customer_id, effective_from, calendar, targets, pause_statuses, warn_fractions, version, created_at`

func scanAgreement(row interface{ Scan(...any) error }) (*itsm.ServiceAgreement, error) {
	var a itsm.ServiceAgreement
	var cust sql.NullInt64
	var eff, created int64
	var cal, targets, pause, warn string
	if err := row.Scan(&a.ID, &a.Name, &a.ProviderID, &cust, &eff, &cal, &targets, &pause, &warn, &a.Version, &created); err != nil {
		return nil, err
	}
	if cust.Valid {
		a.CustomerID = &cust.Int64
	}
	a.EffectiveFrom, a.CreatedAt = fromTS(eff), fromTS(created)
	for _, p := range []struct {
		s string
		v any
	}{{cal, &a.Calendar}, {targets, &a.Targets}, {pause, &a.PauseStatuses}, {warn, &a.WarnFractions}} {
		if err := json.Unmarshal([]byte(p.s), p.v); err != nil {
			return nil, fmt.Errorf("decode agreement %d: %w", a.ID, err)
		}
	}
	return &a, nil
}

// FindAgreements lists every service agreement, newest first. Staff,
// auditors and providers (their own) may read them; customers read theirs
// and the general ones, since they are published in the customer area.
func (db *DB) FindAgreements(ctx context.Context) ([]*itsm.ServiceAgreement, error) {
	a := itsm.ActorFromContext(ctx)
	var w where
	switch {
	case a.ReadsEverything():
	case a.IsProvider():
		w.add("provider_id = ?", a.OrgID)
	case a.IsCustomer():
		w.add("(customer_id IS NULL OR customer_id = ?)", a.OrgID)
	default:
		return nil, itsm.Errorf(itsm.EFORBIDDEN, "Sign in to read service agreements.")
	}
	var out []*itsm.ServiceAgreement
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		out, err = queryAll(tx, func(row scanner) (*itsm.ServiceAgreement, error) { return scanAgreement(row) }, `SELECT `+agreementColumns+` FROM service_agreements`+w.String()+` ORDER BY effective_from DESC, id DESC`, w.args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find agreements: %w", err)
	}
	return out, nil
}

// FindAgreementByID returns one agreement the caller may read.
func (db *DB) FindAgreementByID(ctx context.Context, id int64) (*itsm.ServiceAgreement, error) {
	all, err := db.FindAgreements(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if a.ID == id {
			return a, nil
		}
	}
	return nil, itsm.ErrNotFound("service agreement")
}

// CreateAgreement adds an agreement. It applies to tickets created from its
// effective date; open tickets keep the agreement they were created under.
func (db *DB) CreateAgreement(ctx context.Context, ag *itsm.ServiceAgreement) error {
	a := itsm.ActorFromContext(ctx)
	if !a.CanManageOrgs() {
		return itsm.Errorf(itsm.EFORBIDDEN, "Only managers and administrators can add service agreements.")
	}
	if ag.PauseStatuses == nil {
		ag.PauseStatuses = []string{string(itsm.StatusPendingCustomer)}
	}
	if ag.WarnFractions == nil {
		ag.WarnFractions = sla.DefaultWarnFractions()
	}
	if err := ag.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		p, err := tx.findOrg(ag.ProviderID)
		if err != nil || p.Kind != itsm.OrgProvider {
			return &itsm.Error{Code: itsm.EINVALID, Message: "Choose a provider organisation.", Fields: map[string]string{"provider_id": "Choose a provider organisation."}}
		}
		if ag.CustomerID != nil {
			c, err := tx.findOrg(*ag.CustomerID)
			if err != nil || c.Kind != itsm.OrgCustomer {
				return &itsm.Error{Code: itsm.EINVALID, Message: "Choose a customer organisation, or none for every customer.", Fields: map[string]string{"customer_id": "Choose a customer organisation."}}
			}
		}
		cal, _ := json.Marshal(ag.Calendar)
		targets, _ := json.Marshal(ag.Targets)
		pause, _ := json.Marshal(ag.PauseStatuses)
		warn, _ := json.Marshal(ag.WarnFractions)
		ag.Version, ag.CreatedAt = 1, tx.now
		id, err := tx.insert(`INSERT INTO service_agreements (name, provider_id, customer_id, effective_from, calendar, targets, pause_statuses, warn_fractions, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
			ag.Name, ag.ProviderID, ag.CustomerID, ts(ag.EffectiveFrom), string(cal), string(targets), string(pause), string(warn), ts(tx.now))
		if err != nil {
			return fmt.Errorf("create agreement: %w", err)
		}
		ag.ID = id
		return tx.audit(itsm.AuditCreate, "service_agreement", id, nil, diff(nil, ag))
	})
}

// agreementFor picks the agreement for a new ticket of a customer at an
// instant: the customer's own agreement if one is in force, otherwise the
// general one, the most recently effective first.
func (tx *Tx) agreementFor(customerID int64) (*int64, error) {
	var id int64
	err := tx.queryRow(`SELECT id FROM service_agreements WHERE (customer_id = ? OR customer_id IS NULL) AND effective_from <= ?
		ORDER BY CASE WHEN customer_id IS NULL THEN 1 ELSE 0 END, effective_from DESC, id DESC LIMIT 1`, customerID, ts(tx.now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("choose agreement: %w", err)
	}
	return &id, nil
}

// policy returns the parsed SLA policy of an agreement, cached: agreements
// never change once made (a change is a new agreement).
func (tx *Tx) policy(id int64) (sla.Policy, error) {
	if p, ok := tx.db.policies.Load(id); ok {
		return p.(sla.Policy), nil
	}
	ag, err := scanAgreement(tx.queryRow(`SELECT `+agreementColumns+` FROM service_agreements WHERE id = ?`, id))
	if err != nil {
		return sla.Policy{}, fmt.Errorf("load agreement %d: %w", id, err)
	}
	p, err := ag.Policy()
	if err != nil {
		return sla.Policy{}, fmt.Errorf("agreement %d: %w", id, err)
	}
	tx.db.policies.Store(id, p)
	return p, nil
}
