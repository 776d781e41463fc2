package store_test

import (
	"context"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

func TestArticles(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mgr, custA, custB, prov := storetest.As(f.Manager), storetest.As(f.CustomerUserA), storetest.As(f.CustomerUserB), storetest.As(f.ProviderAgent)
		cats, err := db.ArticleCategories(custA)
		if err != nil || len(cats) != 1 || cats[0].Name != itsm.FinanceIntegrationCategory || cats[0].Articles != 0 {
			t.Fatalf("seeded categories %v %+v", err, cats)
		}
		fin := cats[0].ID
		if err := db.CreateArticleCategory(mgr, &itsm.ArticleCategory{Name: "finance SYSTEM integration"}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("duplicate category: %v", err)
		}
		if err := db.CreateArticleCategory(custA, &itsm.ArticleCategory{Name: "Mine"}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer added a category: %v", err)
		}
		onlyA := &itsm.Article{CategoryID: fin, Title: "Posting journals to Ledgerline", Summary: "Nightly journal export", Body: "Use the **UBL** export.",
			Tags: []string{"ledgerline"}, Audience: itsm.Audience{Visibility: itsm.VisibleNamed, CustomerIDs: []int64{f.CustomerA.ID}}}
		forAll := &itsm.Article{CategoryID: fin, Title: "Supplier master data", Body: "Suppliers are synchronised hourly.",
			Audience: itsm.Audience{Visibility: itsm.VisibleAllCustomers, Sharing: itsm.ShareAll}}
		for _, ar := range []*itsm.Article{onlyA, forAll} {
			if err := db.CreateArticle(mgr, ar); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateArticle(custA, &itsm.Article{CategoryID: fin, Title: "x", Body: "y"}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer wrote an article: %v", err)
		}
		if err := db.CreateArticle(mgr, &itsm.Article{CategoryID: 999, Title: "x", Body: "y"}); itsm.ErrorFields(err)["category_id"] == "" {
			t.Fatalf("unknown category: %v", err)
		}
		for _, c := range []struct {
			name string
			ctx  context.Context
			sees []int64
		}{
			{"customer A", custA, []int64{onlyA.ID, forAll.ID}},
			{"customer B", custB, []int64{forAll.ID}},
			{"provider", prov, []int64{forAll.ID}},
			{"auditor", storetest.As(f.Auditor), []int64{onlyA.ID, forAll.ID}},
		} {
			list, total, err := db.FindArticles(c.ctx, itsm.ArticleFilter{})
			if err != nil || total != len(c.sees) || len(list) != len(c.sees) {
				t.Errorf("%s lists %d articles, want %d: %v", c.name, total, len(c.sees), err)
			}
			seesA := len(c.sees) == 2
			if _, err := db.FindArticleByID(c.ctx, onlyA.ID); (err == nil) != seesA {
				t.Errorf("%s opening A's article: %v", c.name, err)
			}
			q := "journal"
			if found, _, _ := db.FindArticles(c.ctx, itsm.ArticleFilter{Query: &q}); (len(found) == 1) != seesA {
				t.Errorf("%s searching found %d", c.name, len(found))
			}
			if sugg, _ := db.SuggestArticles(c.ctx, "Journals not posting to Ledgerline", 5); (len(sugg) == 1) != seesA {
				t.Errorf("%s was suggested %d articles", c.name, len(sugg))
			}
			if hits, _ := db.SearchContent(c.ctx, "ledgerline", 5); (len(hits) == 1) != seesA {
				t.Errorf("%s content search found %d", c.name, len(hits))
			}
			cats, _ := db.ArticleCategories(c.ctx)
			if cats[0].Articles != len(c.sees) {
				t.Errorf("%s category count %d", c.name, cats[0].Articles)
			}
		}
		// "Was this helpful": one answer per person, changeable.
		for _, v := range []bool{true, true, false} {
			if _, err := db.VoteArticle(custA, onlyA.ID, v); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.VoteArticle(mgr, onlyA.ID, false)
		if err != nil || got.Helpful != 0 || got.NotHelpful != 2 || got.MyVote == nil || *got.MyVote {
			t.Fatalf("votes %v %+v", err, got)
		}
		if _, err := db.VoteArticle(custB, onlyA.ID, true); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("B voted on A's article: %v", err)
		}
		if _, err := db.VoteArticle(storetest.As(f.Auditor), onlyA.ID, true); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("auditor voted: %v", err)
		}
		// Ticket links: staff link; each sees only the tickets it may.
		tkA, err := db.CreateTicket(custA, itsm.NewTicket{Title: "Journals missing", Description: "Since the upgrade."})
		if err != nil {
			t.Fatal(err)
		}
		tkB, err := db.CreateTicket(custB, itsm.NewTicket{Title: "Suppliers stale", Description: "Hourly sync late."})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.LinkArticleTicket(custA, forAll.ID, tkA.ID); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Fatalf("customer linked: %v", err)
		}
		for _, tk := range []*itsm.Ticket{tkA, tkB, tkA} {
			if err := db.LinkArticleTicket(mgr, forAll.ID, tk.ID); err != nil {
				t.Fatal(err)
			}
		}
		if ts, _ := db.ArticleTickets(custA, forAll.ID); len(ts) != 1 || ts[0].ID != tkA.ID {
			t.Fatalf("A sees linked tickets %+v", ts)
		}
		if ts, _ := db.ArticleTickets(mgr, forAll.ID); len(ts) != 2 {
			t.Fatalf("manager sees %d linked tickets", len(ts))
		}
		if as, _ := db.TicketArticles(custB, tkB.ID); len(as) != 1 || as[0].ID != forAll.ID {
			t.Fatalf("B's ticket articles %+v", as)
		}
		if err := db.UnlinkArticleTicket(mgr, forAll.ID, tkB.ID); err != nil {
			t.Fatal(err)
		}
		if ts, _ := db.ArticleTickets(mgr, forAll.ID); len(ts) != 1 {
			t.Fatalf("after unlinking: %d", len(ts))
		}
		// Narrowing an article hides it; a stale change is refused.
		prog := itsm.Audience{Visibility: itsm.VisibleProgramme}
		if _, err := db.UpdateArticle(mgr, forAll.ID, itsm.ArticleUpdate{Audience: &prog, Version: forAll.Version + 5}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Fatalf("stale update: %v", err)
		}
		if _, err := db.UpdateArticle(mgr, forAll.ID, itsm.ArticleUpdate{Audience: &prog, Version: forAll.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindArticleByID(custB, forAll.ID); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Fatalf("narrowed article still visible: %v", err)
		}
	})
}

// TestDemoDocuments: the demonstration library has release notes for two
// customers only, documentation and the service agreement for all, and
// three finance integration articles; the agreement's PDF text is found.
func TestDemoDocuments(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite)
	if _, err := db.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	sys := storetest.System()
	if _, total, _ := db.FindDocuments(sys, itsm.DocumentFilter{}); total != 3 {
		t.Fatalf("%d demo documents", total)
	}
	if _, total, _ := db.FindArticles(sys, itsm.ArticleFilter{}); total != 3 {
		t.Fatalf("%d demo articles", total)
	}
	hits, err := db.SearchContent(sys, "resolution within business hours", 5)
	if err != nil || len(hits) == 0 || hits[0].Title != "Help desk service agreement 2026" {
		t.Fatalf("PDF text search: %v %+v", err, hits)
	}
}
