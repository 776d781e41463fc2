package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// seedDocuments adds the demonstration document library and knowledge
// base: release notes for two customers, user documentation for all, the
// help desk service agreement (a PDF), and three help articles on finance
// system integration. A customer user of the first council is subscribed
// to release notes afterwards, so that the next release notes e-mail them.
func (db *DB) seedDocuments(ctx context.Context, orgs map[string]*itsm.Organisation) error {
	var managerID int64
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT id FROM users WHERE email = ?`), "manager@programme.example").Scan(&managerID); err != nil {
		return fmt.Errorf("seed documents: find the manager: %w", err)
	}
	programme := orgs["National e-Procurement Programme"]
	mgr := itsm.NewContextWithActor(ctx, &itsm.Actor{UserID: managerID, Name: "Hamish Grant", OrgID: programme.ID, OrgKind: itsm.OrgProgramme, Role: itsm.RoleManager, IP: "127.0.0.1"})
	glen, nhs, provider := orgs["Glenmorven Council"].ID, orgs["NHS Strathallan"].ID, orgs["Cairngorm Hosting Services Ltd"].ID
	docs := []struct {
		doc      itsm.Document
		filename string
		content  []byte
		note     string
	}{
		{itsm.Document{Type: itsm.DocReleaseNotes, Title: "Release 4.2 release notes", Summary: "Faster invoice matching, a new approvals dashboard and the fixes delivered in release 4.2.",
			Tags: []string{"release 4.2", "invoices"}, OwnerID: &managerID,
			Audience: itsm.Audience{Visibility: itsm.VisibleNamed, CustomerIDs: []int64{glen, nhs}, Sharing: itsm.ShareNamed, ProviderIDs: []int64{provider}}},
			"release-4.2-notes.md", []byte(demoReleaseNotes), "First issue, for the councils and health boards upgraded in March."},
		{itsm.Document{Type: itsm.DocUserDocumentation, Title: "Purchasing system user guide", Summary: "How to raise requisitions, approve orders, receipt goods and match invoices.",
			Tags: []string{"guide", "requisitions", "approvals"}, OwnerID: &managerID, Audience: itsm.Audience{Visibility: itsm.VisibleAllCustomers, Sharing: itsm.ShareAll}},
			"user-guide.md", []byte(demoUserGuide), "Updated for release 4.2."},
		{itsm.Document{Type: itsm.DocServiceAgreement, Title: "Help desk service agreement 2026", Summary: "Response and resolution targets by priority, service hours and how to escalate.",
			Tags: []string{"sla"}, OwnerID: &managerID, Audience: itsm.Audience{Visibility: itsm.VisibleAllCustomers, Sharing: itsm.ShareAll}},
			"help-desk-service-agreement-2026.pdf", demoPDF("Help desk service agreement 2026. Priority 1 incidents: response within 30 minutes, resolution within 4 business hours."), "Signed version."},
	}
	for _, d := range docs {
		doc := d.doc
		if err := db.CreateDocument(mgr, &doc); err != nil {
			return fmt.Errorf("seed document %s: %w", doc.Title, err)
		}
		if _, err := db.AddDocumentVersion(mgr, doc.ID, itsm.NewDocumentVersion{Filename: d.filename, Data: bytes.NewReader(d.content), Note: d.note}); err != nil {
			return fmt.Errorf("seed document %s: %w", doc.Title, err)
		}
	}
	cats, err := db.ArticleCategories(mgr)
	if err != nil || len(cats) == 0 {
		return fmt.Errorf("seed help articles: find the categories: %w", err)
	}
	var finance int64
	for _, c := range cats {
		if c.Name == itsm.FinanceIntegrationCategory {
			finance = c.ID
		}
	}
	all := itsm.Audience{Visibility: itsm.VisibleAllCustomers, Sharing: itsm.ShareAll}
	for _, ar := range []itsm.Article{
		{Title: "Sending purchase orders to your finance system", Summary: "Choose the order export format, schedule and transport for your finance system.", Tags: []string{"orders", "export"},
			Body: "Orders can be exported as **CSV**, **UBL 2.1** or **PEPPOL BIS 3** documents.\n\n## Set it up\n\n1. Agree the format with your finance team.\n2. Ask the service desk for an SFTP account, or an API token.\n3. Choose a schedule: every 15 minutes, hourly or nightly.\n\nTest in the training environment first."},
		{Title: "Receiving invoices: matching and tolerances", Summary: "How invoices are matched to orders and receipts, and what to do when they are not.", Tags: []string{"invoices", "matching"},
			Body: "Invoices are matched three ways: order, receipt and invoice.\n\n- A price difference within the **tolerance** (by default 2% or £50) is accepted.\n- Anything larger is held for a buyer to approve.\n\nIf invoices are rejected by your finance system, report an issue with the invoice number and the error message."},
		{Title: "Troubleshooting the nightly SFTP transfer", Summary: "What to check when files do not arrive.", Tags: []string{"sftp", "troubleshooting"},
			Body: "## Files have not arrived\n\n- Check the transfer window: files are sent between 01:00 and 03:00.\n- Check the SFTP server's host key has not changed.\n- Check the disk on your side is not full.\n\nStill missing? Report an issue and say which night's file is missing."},
	} {
		ar.CategoryID, ar.Audience = finance, all
		if err := db.CreateArticle(mgr, &ar); err != nil {
			return fmt.Errorf("seed help article %s: %w", ar.Title, err)
		}
	}
	var buyer int64
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT id FROM users WHERE email = ?`), "buyer@glenmorven.example").Scan(&buyer); err != nil {
		return fmt.Errorf("seed subscriptions: %w", err)
	}
	buyerCtx := itsm.NewContextWithActor(ctx, &itsm.Actor{UserID: buyer, Name: "Duncan Reid", OrgID: glen, OrgKind: itsm.OrgCustomer, Role: itsm.RoleCustomerUser})
	return db.Subscribe(buyerCtx, itsm.DocReleaseNotes)
}

// demoPDF makes a small, valid one-page PDF showing text, so that the demo
// shows text extracted from a PDF in search.
func demoPDF(text string) []byte {
	text = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(text)
	stream := fmt.Sprintf("BT /F1 11 Tf 56 780 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

const demoReleaseNotes = `# Release 4.2

## New
- An approvals dashboard shows every order waiting for you.
- Invoice matching now tolerates rounding differences of up to 1p per line.

## Fixed
- Orders over £10,000 could not be approved by a second approver.
- The nightly invoice export skipped credit notes.
`

const demoUserGuide = `# Purchasing system user guide

## Raising a requisition
Choose items from the catalogue, add them to your basket and submit it for approval.

## Approving orders
Approvers see orders waiting for them on the approvals dashboard.

## Receipting and invoices
Receipt goods when they arrive; invoices are matched against the order and the receipt.
`
