package web_test

import (
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestTicketPageHelpArticles: the ticket page lists the help articles
// linked to it, but only those the viewer may read.
func TestTicketPageHelpArticles(t *testing.T) {
	e := newEnv(t, storetest.MustOpen(t, store.SQLite))
	mgr := storetest.As(e.f.Manager)
	tk, err := e.db.CreateTicket(storetest.As(e.f.CustomerUserA), itsm.NewTicket{Title: "SFTP drop failing", Description: "Since Monday.", Impact: itsm.Medium, Urgency: itsm.Medium})
	if err != nil {
		t.Fatal(err)
	}
	cats, err := e.db.ArticleCategories(mgr)
	if err != nil || len(cats) == 0 {
		t.Fatalf("categories: %v", err)
	}
	for _, a := range []*itsm.Article{
		{CategoryID: cats[0].ID, Title: "Setting up the SFTP drop", Summary: "Keys and folders", Body: "Steps.", Audience: itsm.Audience{Visibility: itsm.VisibleAllCustomers}},
		{CategoryID: cats[0].ID, Title: "Provider runbook for SFTP", Body: "Internal steps.", Audience: itsm.Audience{}},
	} {
		if err := e.db.CreateArticle(mgr, a); err != nil {
			t.Fatal(err)
		}
		if err := e.db.LinkArticleTicket(mgr, a.ID, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	path := "/tickets/" + id(tk.ID)
	customer := e.as(e.f.CustomerUserA).Get(path).Body
	mustContain(t, customer, "customer's ticket page", `id="help-articles"`, "Setting up the SFTP drop", "Keys and folders")
	if strings.Contains(customer, "Provider runbook") {
		t.Fatal("the customer sees a programme-only article on the ticket page")
	}
	mustContain(t, e.as(e.f.Agent).Get(path).Body, "agent's ticket page", "Setting up the SFTP drop", "Provider runbook for SFTP")
}
