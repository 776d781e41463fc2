package store

import (
	"context"
	"fmt"

	"github.com/steward-itsm/steward/internal/itsm"
)

// seedIntegrations fills each demonstration customer's integration register
// with believable interfaces to its finance and HR systems, changes one so
// that its history shows, and links the demo's PEPPOL ticket to the
// interface it is about.
func (db *DB) seedIntegrations(ctx context.Context, orgs map[string]*itsm.Organisation) error {
	sys := itsm.NewContextWithActor(ctx, itsm.SystemActor("demo seed"))
	contact := func(name, email, role string) []itsm.IntegrationContact {
		return []itsm.IntegrationContact{{Name: name, Email: email, Role: role}}
	}
	entries := []struct {
		org string
		g   itsm.Integration
	}{
		{"Glenmorven Council", itsm.Integration{Name: "Invoices to Oracle Fusion", System: "Oracle Fusion Financials", Vendor: "Oracle", SysVersion: "24D",
			Direction: "inbound_invoices", Format: "ubl", Transport: "sftp", Schedule: "hourly 07:00–19:00", Environments: []string{"test", "production"}, Status: "live",
			Contacts: contact("Alasdair Munro", "a.munro@glenmorven.example", "Finance systems lead"), Documents: []string{"Glenmorven UBL 2.1 invoice mapping v3"},
			Notes: "Invoices approved in the purchasing system are sent as UBL 2.1 files to the council's SFTP drop; Oracle picks them up on the hour."}},
		{"Glenmorven Council", itsm.Integration{Name: "Supplier master data from Oracle", System: "Oracle Fusion Financials", Vendor: "Oracle",
			Direction: "master_data", Format: "csv", Transport: "sftp", Schedule: "nightly at 02:00", Environments: []string{"production"}, Status: "live",
			Contacts: contact("Alasdair Munro", "a.munro@glenmorven.example", "Finance systems lead")}},
		{"Glenmorven Council", itsm.Integration{Name: "Purchase orders to Oracle", System: "Oracle Fusion Financials", Vendor: "Oracle",
			Direction: "outbound_orders", Format: "xml", Transport: "api", Schedule: "as each order is approved", Environments: []string{"test"}, Status: "testing"}},
		{"NHS Strathallan", itsm.Integration{Name: "PEPPOL invoices to SAP", System: "SAP S/4HANA", Vendor: "SAP", SysVersion: "2023",
			Direction: "inbound_invoices", Format: "peppol_bis3", Transport: "as2", Schedule: "continuous", Environments: []string{"uat", "production"}, Status: "live",
			Contacts: contact("Callum Murray", "finance@strathallan.example", "Accounts payable manager"), Documents: []string{"PEPPOL access point agreement"}}},
		{"NHS Strathallan", itsm.Integration{Name: "Payments file from SAP", System: "SAP S/4HANA", Vendor: "SAP",
			Direction: "payments", Format: "csv", Transport: "sftp", Schedule: "daily at 18:00", Environments: []string{"production"}, Status: "in_build"}},
		{"University of Inverdee", itsm.Integration{Name: "Orders to Agresso", System: "Unit4 ERP (Agresso)", Vendor: "Unit4", SysVersion: "7",
			Direction: "outbound_orders", Format: "cxml", Transport: "api", Schedule: "every 15 minutes", Environments: []string{"test", "production"}, Status: "live",
			Contacts: contact("Ailsa Robertson", "admin@inverdee.example", "Procurement systems")}},
		{"University of Inverdee", itsm.Integration{Name: "Invoices by e-mail to Agresso", System: "Unit4 ERP (Agresso)", Vendor: "Unit4",
			Direction: "inbound_invoices", Format: "other", Transport: "email", Environments: []string{"production"}, Status: "retired",
			Notes: "Replaced by PEPPOL in 2025; kept for the record."}},
	}
	made := map[string]*itsm.Integration{}
	for _, e := range entries {
		g := e.g
		g.OrgID = orgs[e.org].ID
		if err := db.CreateIntegration(sys, &g); err != nil {
			return fmt.Errorf("seed interface %s: %w", g.Name, err)
		}
		made[g.Name] = &g
	}
	// A change, so that the history has something to show.
	g := made["Purchase orders to Oracle"]
	schedule := "every 10 minutes, as orders are approved"
	if _, err := db.UpdateIntegration(sys, g.ID, itsm.IntegrationUpdate{Schedule: &schedule, Version: g.Version}); err != nil {
		return fmt.Errorf("seed interface change: %w", err)
	}
	q := "PEPPOL"
	org := orgs["NHS Strathallan"].ID
	tickets, _, err := db.FindTickets(sys, itsm.TicketFilter{OrgID: &org, Query: &q, Limit: 1})
	if err != nil {
		return fmt.Errorf("seed interface tickets: %w", err)
	}
	for _, t := range tickets {
		if err := db.LinkIntegrationTicket(sys, made["PEPPOL invoices to SAP"].ID, t.ID); err != nil {
			return fmt.Errorf("seed interface ticket link: %w", err)
		}
	}
	return nil
}
