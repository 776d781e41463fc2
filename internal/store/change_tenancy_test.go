package store_test

import (
	"context"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestChangeTenancy: customer A never sees B's changes, quotes or costs
// (404 by ID, absent from lists); a provider sees only the changes
// assigned to it; auditors read everything and change nothing.
func TestChangeTenancy(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		a := mustApproved(t, db, f, "Alpha's change", 50000, day(2026, 5, 1))
		if _, err := db.AddChangeCost(storetest.As(f.ProviderAgent), a.ID, itsm.NewChangeCost{Date: day(2026, 3, 1), Amount: 1000, Note: "Build"}); err != nil {
			t.Fatal(err)
		}
		b, err := db.CreateChange(storetest.As(f.CustomerUserB), itsm.NewChange{Kind: itsm.ChangeWorkRequest, Title: "Beta's work", Description: "Only Beta may see this."})
		if err != nil {
			t.Fatal(err)
		}
		reads := map[string]func(ctx context.Context, id int64) error{
			"change":    func(ctx context.Context, id int64) error { _, err := db.FindChangeByID(ctx, id); return err },
			"estimates": func(ctx context.Context, id int64) error { _, err := db.ChangeEstimates(ctx, id); return err },
			"costs":     func(ctx context.Context, id int64) error { _, err := db.ChangeCosts(ctx, id); return err },
			"votes":     func(ctx context.Context, id int64) error { _, err := db.ChangeVotes(ctx, id); return err },
			"versions":  func(ctx context.Context, id int64) error { _, err := db.ChangeSpecVersions(ctx, id); return err },
			"history":   func(ctx context.Context, id int64) error { _, err := db.ChangeEvents(ctx, id); return err },
			"tickets":   func(ctx context.Context, id int64) error { _, err := db.ChangeTickets(ctx, id); return err },
			"problems":  func(ctx context.Context, id int64) error { _, err := db.ChangeProblems(ctx, id); return err },
		}
		for _, c := range []struct {
			who     *itsm.User
			sees    []int64
			notSees []int64
		}{
			{f.CustomerUserA, []int64{a.ID}, []int64{b.ID}},
			{f.CustomerAdminA, []int64{a.ID}, []int64{b.ID}},
			{f.CustomerUserB, []int64{b.ID}, []int64{a.ID}},
			{f.CustomerAdminB, []int64{b.ID}, []int64{a.ID}},
			{f.ProviderAgent, []int64{a.ID}, []int64{b.ID}},
			{f.Auditor, []int64{a.ID, b.ID}, nil},
			{f.Agent, []int64{a.ID, b.ID}, nil},
		} {
			ctx := storetest.As(c.who)
			for what, read := range reads {
				for _, id := range c.sees {
					if err := read(ctx, id); err != nil {
						t.Errorf("%s cannot read %s of change %d: %v", c.who.Name, what, id, err)
					}
				}
				for _, id := range c.notSees {
					if err := read(ctx, id); itsm.ErrorCode(err) != itsm.ENOTFOUND {
						t.Errorf("%s reads %s of change %d: %v", c.who.Name, what, id, err)
					}
				}
			}
			list, total, err := db.ListChanges(ctx, itsm.ChangeFilter{})
			if err != nil || total != len(c.sees) || len(list) != len(c.sees) {
				t.Errorf("%s lists %d (total %d), want %d: %v", c.who.Name, len(list), total, len(c.sees), err)
			}
			for _, x := range list {
				for _, id := range c.notSees {
					if x.ID == id {
						t.Errorf("%s lists %s", c.who.Name, x.Ref)
					}
				}
			}
			// Naming the other organisation in a filter finds nothing.
			other := f.CustomerB.ID
			if c.who.OrgID == f.CustomerB.ID {
				other = f.CustomerA.ID
			}
			if _, total, _ := db.ListChanges(ctx, itsm.ChangeFilter{OrgID: &other}); len(c.notSees) > 0 && c.who.OrgKind == itsm.OrgCustomer && total != 0 {
				t.Errorf("%s finds %d changes of another organisation", c.who.Name, total)
			}
		}
		// Writes to an invisible change are 404, not 403.
		if _, err := db.TransitionChange(storetest.As(f.CustomerAdminB), a.ID, itsm.ChangeTransition{Action: itsm.ActWithdraw, Note: "x", Version: a.Version}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("customer B withdrew A's change: %v", err)
		}
		if _, err := db.AddChangeCost(storetest.As(f.ProviderAgent), b.ID, itsm.NewChangeCost{Date: day(2026, 3, 1), Amount: 1, Note: "x"}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("the provider costed an unassigned change: %v", err)
		}
		// Auditors change nothing.
		aud := storetest.As(f.Auditor)
		if _, err := db.CreateChange(aud, itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCCosmetic, OrgID: f.CustomerA.ID, Title: "T", Description: "D"}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Errorf("auditor raised a change: %v", err)
		}
		if _, err := db.TransitionChange(aud, b.ID, itsm.ChangeTransition{Action: itsm.ActSubmit, Version: b.Version}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Errorf("auditor submitted: %v", err)
		}
		if _, err := db.AddChangeCost(aud, a.ID, itsm.NewChangeCost{Date: day(2026, 3, 1), Amount: 1, Note: "x"}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Errorf("auditor costed: %v", err)
		}
		// A customer cannot raise for another organisation or as someone else.
		if _, err := db.CreateChange(storetest.As(f.CustomerUserA), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCCosmetic, OrgID: f.CustomerB.ID, Title: "T", Description: "D"}); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("customer A raised for B: %v", err)
		}
		if _, err := db.CreateChange(storetest.As(f.ProviderAgent), itsm.NewChange{Kind: itsm.ChangeWorkRequest, OrgID: f.CustomerA.ID, Title: "T", Description: "D"}); itsm.ErrorCode(err) != itsm.EFORBIDDEN {
			t.Errorf("a provider raised a change: %v", err)
		}
		if _, err := db.CreateChange(storetest.As(f.Agent), itsm.NewChange{Kind: itsm.ChangeRFC, Subtype: itsm.RFCCosmetic, OrgID: f.CustomerA.ID, RequesterID: f.CustomerUserB.ID, Title: "T", Description: "D"}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Errorf("staff raised for A with B's requester: %v", err)
		}
	})
}

// TestChangePortfolio: the RAG filter agrees with itsm.RAGOfChange, the
// denormalised actual cost equals the sum of the entries, and the demo
// data shows every RAG status.
func TestChangePortfolio(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		if _, err := db.SeedDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		sys := storetest.System()
		all, total, err := db.ListChanges(sys, itsm.ChangeFilter{Limit: 500})
		if err != nil || total != 7 {
			t.Fatalf("%d demo changes: %v", total, err)
		}
		byRAG := map[itsm.ChangeRAG]int{}
		for _, c := range all {
			byRAG[c.RAG]++
			costs, err := db.ChangeCosts(sys, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for _, x := range costs {
				sum += x.Amount
			}
			if sum != c.ActualCost {
				t.Errorf("%s: actual cost %d, entries sum to %d", c.Ref, c.ActualCost, sum)
			}
		}
		for _, r := range itsm.ChangeRAGs {
			if byRAG[r] == 0 {
				t.Errorf("no %s change in the demo: %v", r, byRAG)
			}
			rag := r
			_, n, err := db.ListChanges(sys, itsm.ChangeFilter{RAG: &rag})
			if err != nil || n != byRAG[r] {
				t.Errorf("filter %s finds %d, derived %d: %v", r, n, byRAG[r], err)
			}
		}
		open := true
		for _, sort := range itsm.ChangeSorts {
			if _, n, err := db.ListChanges(sys, itsm.ChangeFilter{Open: &open, Sort: sort, Limit: 3}); err != nil || n != 6 {
				t.Errorf("sort %s: %d open, %v", sort, n, err)
			}
		}
		if _, _, err := db.ListChanges(sys, itsm.ChangeFilter{Sort: "colour"}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Errorf("unknown sort: %v", err)
		}
		if _, _, err := db.ListChanges(sys, itsm.ChangeFilter{State: []itsm.ChangeState{"pondering"}}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Errorf("unknown state: %v", err)
		}
	})
}
