package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// gmt is a wall-clock time in February or March 2026, when London is on
// GMT (= UTC) until 29 March.
func gmt(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, time.UTC)
}

// slaScenario drives tickets through the store's public API on the test
// clock, in time order.
type slaScenario struct {
	t     *testing.T
	db    *store.DB
	f     *storetest.Fixture
	clock *storetest.Clock
}

func (s *slaScenario) at(t time.Time) *slaScenario { s.clock.Set(t); return s }

func (s *slaScenario) create(org *itsm.Organisation, requester *itsm.User, impact, urgency itsm.Level, title string) *itsm.Ticket {
	s.t.Helper()
	tk, err := s.db.CreateTicket(storetest.As(s.f.Agent), itsm.NewTicket{OrgID: org.ID, RequesterID: requester.ID, Title: title,
		Description: "Seeded for the SLA report.", Impact: impact, Urgency: urgency})
	if err != nil {
		s.t.Fatalf("create %s: %v", title, err)
	}
	return tk
}

func (s *slaScenario) reply(as *itsm.User, tk *itsm.Ticket) {
	s.t.Helper()
	if _, err := s.db.AddComment(storetest.As(as), tk.ID, itsm.Comment{Body: "Reply from " + as.Name}); err != nil {
		s.t.Fatalf("reply to %s: %v", tk.Ref, err)
	}
}

func (s *slaScenario) update(as *itsm.User, tk *itsm.Ticket, upd itsm.TicketUpdate) {
	s.t.Helper()
	cur, err := s.db.FindTicketByID(storetest.As(s.f.Agent), tk.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	upd.Version = cur.Version
	if _, err := s.db.UpdateTicket(storetest.As(as), tk.ID, upd); err != nil {
		s.t.Fatalf("update %s: %v", tk.Ref, err)
	}
}

func (s *slaScenario) resolve(as *itsm.User, tk *itsm.Ticket) {
	s.t.Helper()
	st := itsm.StatusResolved
	s.update(as, tk, itsm.TicketUpdate{Status: &st, Note: "Resolved."})
}

func (s *slaScenario) escalate(tk *itsm.Ticket) {
	s.t.Helper()
	p := s.f.Provider.ID
	s.update(s.f.Agent, tk, itsm.TicketUpdate{ProviderID: &p})
}

func (s *slaScenario) pendCustomer(tk *itsm.Ticket) {
	s.t.Helper()
	st := itsm.StatusPendingCustomer
	s.update(s.f.Agent, tk, itsm.TicketUpdate{Status: &st})
}

func (s *slaScenario) reopen(as *itsm.User, tk *itsm.Ticket) {
	s.t.Helper()
	cur, err := s.db.FindTicketByID(storetest.As(s.f.Agent), tk.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.db.ReopenTicket(storetest.As(as), tk.ID, "Still broken", cur.Version); err != nil {
		s.t.Fatalf("reopen %s: %v", tk.Ref, err)
	}
}

// seedSLAScenario seeds the tickets whose figures the tests below compute
// by hand. The agreement is office hours (Mon–Fri 09:00–17:00 London) with
// the default targets: P1 30m/4h, P2 1h/8h, P3 4h/24h, P4 8h/40h. "BT" is
// business time to resolve.
//
//	T8 A P1  26 Jan, out of the Feb–Mar period.
//	T1 A P3  provider  Mon 2 Feb 09:00; reply 10:00 (met); resolved Tue 3 Feb 11:00 (due Wed 17:00: met, BT 10h).
//	T2 A P1            Tue 3 Feb 09:00; reply 10:00 (due 09:30: breach); resolved 13:00, exactly at due (met, BT 4h).
//	T3 B P3  provider  Wed 4 Feb 09:00; reply 09:30 (met); pending customer 10:00 until the customer replies
//	                   Thu 10:00 (8 business hours paused, so due Mon 9 Feb 17:00); resolved Tue 10 Feb 10:00 (breach, BT 25h).
//	T9 A P4            Thu 26 Feb 09:00; reply 09:30 (met); resolved 11:00; re-opened by the customer Fri 27 Feb
//	                   09:00; resolved again Mon 2 Mar 11:00 (met, BT 2h + 8h + 2h = 12h): the resolution is March's.
//	T4 B P2            Thu 26 Feb 16:00; reply Fri 27 Feb 09:00 (due Thu 17:00: a February breach);
//	                   resolved Mon 2 Mar 10:00 (due Fri 16:00: a March breach, BT 10h).
//	T5 A P3            Mon 2 Mar 09:00; reply 09:15 (met); resolved 15:00 (met, BT 6h).
//	T6 A P1            Tue 3 Mar 09:00; nothing since: both clocks breached (09:30, 13:00) and still open.
//	T7 B P3  provider  Wed 25 Mar 09:00; reply 10:00 (met); resolution due Fri 27 Mar 17:00, not yet: not counted.
//
// The report is made on Fri 27 Mar 2026 at 12:00.
func seedSLAScenario(t *testing.T, db *store.DB) *storetest.Fixture {
	t.Helper()
	f := storetest.MustSeed(t, db)
	mustAgreement(t, db, f)
	s := &slaScenario{t: t, db: db, f: f, clock: storetest.ClockOf(db)}
	A, B := f.CustomerA, f.CustomerB
	uA, uB := f.CustomerUserA, f.CustomerUserB
	H, M, L := itsm.High, itsm.Medium, itsm.Low

	t8 := s.at(gmt(time.January, 26, 9, 0)).create(A, uA, H, H, "T8")
	s.at(gmt(time.January, 26, 10, 0)).resolve(f.Agent, t8)

	t1 := s.at(gmt(time.February, 2, 9, 0)).create(A, uA, M, M, "T1")
	s.at(gmt(time.February, 2, 10, 0)).reply(f.Agent, t1)
	s.escalate(t1)
	t2 := s.at(gmt(time.February, 3, 9, 0)).create(A, uA, H, H, "T2")
	s.at(gmt(time.February, 3, 10, 0)).reply(f.Agent, t2)
	s.at(gmt(time.February, 3, 11, 0)).resolve(f.ProviderAgent, t1)
	s.at(gmt(time.February, 3, 13, 0)).resolve(f.Agent, t2)

	t3 := s.at(gmt(time.February, 4, 9, 0)).create(B, uB, M, M, "T3")
	s.at(gmt(time.February, 4, 9, 30)).reply(f.Agent, t3)
	s.escalate(t3)
	s.at(gmt(time.February, 4, 10, 0)).pendCustomer(t3)
	s.at(gmt(time.February, 5, 10, 0)).reply(uB, t3)
	s.at(gmt(time.February, 10, 10, 0)).resolve(f.ProviderAgent, t3)

	t9 := s.at(gmt(time.February, 26, 9, 0)).create(A, uA, L, L, "T9")
	s.at(gmt(time.February, 26, 9, 30)).reply(f.Agent, t9)
	s.at(gmt(time.February, 26, 11, 0)).resolve(f.Agent, t9)
	t4 := s.at(gmt(time.February, 26, 16, 0)).create(B, uB, H, M, "T4")
	s.at(gmt(time.February, 27, 9, 0)).reply(f.Agent, t4)
	s.reopen(uA, t9)

	t5 := s.at(gmt(time.March, 2, 9, 0)).create(A, uA, M, M, "T5")
	s.at(gmt(time.March, 2, 9, 15)).reply(f.Agent, t5)
	s.at(gmt(time.March, 2, 10, 0)).resolve(f.Agent, t4)
	s.at(gmt(time.March, 2, 11, 0)).resolve(f.Agent, t9)
	s.at(gmt(time.March, 2, 15, 0)).resolve(f.Agent, t5)

	s.at(gmt(time.March, 3, 9, 0)).create(A, uA, H, H, "T6")

	t7 := s.at(gmt(time.March, 25, 9, 0)).create(B, uB, M, M, "T7")
	s.escalate(t7)
	s.at(gmt(time.March, 25, 10, 0)).reply(f.Agent, t7)

	s.at(gmt(time.March, 27, 12, 0))
	return f
}

// rowLine renders a report row as one line, so that the expectations read
// as a table.
func rowLine(r itsm.SLAReportRow) string {
	opt := func(v *int64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	pct := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf("%.2f%%", *v)
	}
	month := "all"
	if !r.Month.IsZero() {
		month = r.Month.Format("2006-01")
	}
	return fmt.Sprintf("%s %s/%s/%s tickets %d | resp %d met %d breached %d open %d %s | res %d met %d breached %d open %d %s | resolved %d mean %s median %s p90 %s",
		month, r.ProviderLabel(), r.OrgLabel(), r.PriorityLabel(), r.Tickets,
		r.Responses, r.ResponsesMet, r.ResponseBreaches, r.ResponseBreachesOpen, pct(r.ResponseMetPercent),
		r.Resolutions, r.ResolutionsMet, r.ResolutionBreaches, r.ResolutionBreachesOpen, pct(r.ResolutionMetPercent),
		r.Resolved, opt(r.MeanResolveSeconds), opt(r.MedianResolveSeconds), opt(r.P90ResolveSeconds))
}

func reportLines(r *itsm.SLAReport) []string {
	out := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = rowLine(row)
	}
	return out
}

func assertLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		g, w := "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		mark := "  "
		if g != w {
			mark = "✗ "
		}
		fmt.Fprintf(&b, "%sgot  %s\n  want %s\n", mark, g, w)
	}
	t.Fatalf("report rows differ:\n%s", b.String())
}

func months(from, to time.Month) itsm.SLAReportFilter {
	loc := itsm.ReportLocation()
	return itsm.SLAReportFilter{From: time.Date(2026, from, 1, 0, 0, 0, 0, loc), To: time.Date(2026, to, 1, 0, 0, 0, 0, loc)}
}

func ptr[T any](v T) *T { return &v }

func TestSLAReportFigures(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := seedSLAScenario(t, db)
		const P = "Hosting Provider Ltd"
		feb := []string{
			"2026-02 " + P + "/Alpha Council/P3 tickets 1 | resp 1 met 1 breached 0 open 0 100.00% | res 1 met 1 breached 0 open 0 100.00% | resolved 1 mean 36000 median 36000 p90 36000",
			"2026-02 " + P + "/Beta Health Board/P3 tickets 1 | resp 1 met 1 breached 0 open 0 100.00% | res 1 met 0 breached 1 open 0 0.00% | resolved 1 mean 90000 median 90000 p90 90000",
			"2026-02 Not escalated/Alpha Council/P1 tickets 1 | resp 1 met 0 breached 1 open 0 0.00% | res 1 met 1 breached 0 open 0 100.00% | resolved 1 mean 14400 median 14400 p90 14400",
			"2026-02 Not escalated/Alpha Council/P4 tickets 1 | resp 1 met 1 breached 0 open 0 100.00% | res 0 met 0 breached 0 open 0 - | resolved 0 mean - median - p90 -",
			"2026-02 Not escalated/Beta Health Board/P2 tickets 1 | resp 1 met 0 breached 1 open 0 0.00% | res 0 met 0 breached 0 open 0 - | resolved 0 mean - median - p90 -",
			"2026-02 All providers/All customers/All priorities tickets 5 | resp 5 met 3 breached 2 open 0 60.00% | res 3 met 2 breached 1 open 0 66.67% | resolved 3 mean 46800 median 36000 p90 90000",
		}
		mar := []string{
			"2026-03 " + P + "/Beta Health Board/P3 tickets 1 | resp 1 met 1 breached 0 open 0 100.00% | res 0 met 0 breached 0 open 0 - | resolved 0 mean - median - p90 -",
			"2026-03 Not escalated/Alpha Council/P1 tickets 1 | resp 1 met 0 breached 1 open 1 0.00% | res 1 met 0 breached 1 open 1 0.00% | resolved 0 mean - median - p90 -",
			"2026-03 Not escalated/Alpha Council/P3 tickets 1 | resp 1 met 1 breached 0 open 0 100.00% | res 1 met 1 breached 0 open 0 100.00% | resolved 1 mean 21600 median 21600 p90 21600",
			"2026-03 Not escalated/Alpha Council/P4 tickets 1 | resp 0 met 0 breached 0 open 0 - | res 1 met 1 breached 0 open 0 100.00% | resolved 1 mean 43200 median 43200 p90 43200",
			"2026-03 Not escalated/Beta Health Board/P2 tickets 1 | resp 0 met 0 breached 0 open 0 - | res 1 met 0 breached 1 open 0 0.00% | resolved 1 mean 36000 median 36000 p90 36000",
			"2026-03 All providers/All customers/All priorities tickets 5 | resp 3 met 2 breached 1 open 1 66.67% | res 4 met 2 breached 2 open 1 50.00% | resolved 3 mean 33600 median 36000 p90 43200",
		}
		overall := "all All providers/All customers/All priorities tickets 8 | resp 8 met 5 breached 3 open 1 62.50% | res 7 met 4 breached 3 open 1 57.14% | resolved 6 mean 40200 median 36000 p90 90000"

		t.Run("staff see every group, month totals and the overall total", func(t *testing.T) {
			r, err := db.SLAReport(storetest.As(f.Manager), months(time.February, time.April))
			if err != nil {
				t.Fatal(err)
			}
			assertLines(t, reportLines(r), append(append(append([]string{}, feb...), mar...), overall))
			if !r.AsAt.Equal(gmt(time.March, 27, 12, 0)) || len(r.Months) != 2 || r.Unmeasured != 0 {
				t.Fatalf("as at %v, months %v, unmeasured %d", r.AsAt, r.Months, r.Unmeasured)
			}
			if mt := r.MonthTotals(); len(mt) != 2 || mt[1].ResolutionsMet != 2 || r.Overall().Tickets != 8 {
				t.Fatalf("month totals %+v, overall %+v", mt, r.Overall())
			}
		})

		t.Run("auditors see the same", func(t *testing.T) {
			r, err := db.SLAReport(storetest.As(f.Auditor), months(time.February, time.April))
			if err != nil {
				t.Fatal(err)
			}
			if got := rowLine(r.Overall()); got != overall {
				t.Fatalf("auditor's overall:\n got  %s\n want %s", got, overall)
			}
		})

		t.Run("filters", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				f    func(*itsm.SLAReportFilter)
				want string
			}{
				{"priority P3 (T1, T3, T5, T7)", func(x *itsm.SLAReportFilter) { x.Priority = ptr("P3") },
					"all All providers/All customers/All priorities tickets 4 | resp 4 met 4 breached 0 open 0 100.00% | res 3 met 2 breached 1 open 0 66.67% | resolved 3 mean 49200 median 36000 p90 90000"},
				{"customer B (T3, T4, T7)", func(x *itsm.SLAReportFilter) { x.OrgID = &f.CustomerB.ID },
					"all All providers/All customers/All priorities tickets 3 | resp 3 met 2 breached 1 open 0 66.67% | res 2 met 0 breached 2 open 0 0.00% | resolved 2 mean 63000 median 63000 p90 90000"},
				{"provider (T1, T3, T7)", func(x *itsm.SLAReportFilter) { x.ProviderID = &f.Provider.ID },
					"all All providers/All customers/All priorities tickets 3 | resp 3 met 3 breached 0 open 0 100.00% | res 2 met 1 breached 1 open 0 50.00% | resolved 2 mean 63000 median 63000 p90 90000"},
				{"requests only (none)", func(x *itsm.SLAReportFilter) { x.Type = ptr(itsm.Request) },
					"all All providers/All customers/All priorities tickets 0 | resp 0 met 0 breached 0 open 0 - | res 0 met 0 breached 0 open 0 - | resolved 0 mean - median - p90 -"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					flt := months(time.February, time.April)
					tc.f(&flt)
					r, err := db.SLAReport(storetest.As(f.Agent), flt)
					if err != nil {
						t.Fatal(err)
					}
					if got := rowLine(r.Overall()); got != tc.want {
						t.Fatalf("overall:\n got  %s\n want %s", got, tc.want)
					}
				})
			}
		})

		t.Run("January alone counts T8; a month with nothing has a zero total", func(t *testing.T) {
			r, err := db.SLAReport(storetest.As(f.Agent), months(time.January, time.February))
			if err != nil {
				t.Fatal(err)
			}
			// The resolution note at 10:00 is the first reply: 30 minutes late.
			assertLines(t, reportLines(r), []string{
				"2026-01 Not escalated/Alpha Council/P1 tickets 1 | resp 1 met 0 breached 1 open 0 0.00% | res 1 met 1 breached 0 open 0 100.00% | resolved 1 mean 3600 median 3600 p90 3600",
				"2026-01 All providers/All customers/All priorities tickets 1 | resp 1 met 0 breached 1 open 0 0.00% | res 1 met 1 breached 0 open 0 100.00% | resolved 1 mean 3600 median 3600 p90 3600",
				"all All providers/All customers/All priorities tickets 1 | resp 1 met 0 breached 1 open 0 0.00% | res 1 met 1 breached 0 open 0 100.00% | resolved 1 mean 3600 median 3600 p90 3600",
			})
			r, err = db.SLAReport(storetest.As(f.Agent), months(time.April, time.June))
			if err != nil {
				t.Fatal(err)
			}
			empty := "tickets 0 | resp 0 met 0 breached 0 open 0 - | res 0 met 0 breached 0 open 0 - | resolved 0 mean - median - p90 -"
			assertLines(t, reportLines(r), []string{
				"2026-04 All providers/All customers/All priorities " + empty,
				"2026-05 All providers/All customers/All priorities " + empty,
				"all All providers/All customers/All priorities " + empty,
			})
			// April starts at midnight BST, 23:00 UTC on 31 March.
			if want := time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC); !r.Months[0].Equal(want) {
				t.Fatalf("April starts %v, want %v", r.Months[0].UTC(), want)
			}
		})
	})
}

func TestSLAReportTenancy(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := seedSLAScenario(t, db)
		period := months(time.February, time.April)
		orgsOf := func(t *testing.T, r *itsm.SLAReport) map[string]bool {
			t.Helper()
			seen := map[string]bool{}
			for _, row := range r.Rows {
				if row.Level == itsm.SLAGroupRow {
					seen[row.OrgName] = true
					seen["provider:"+row.ProviderLabel()] = true
				}
			}
			return seen
		}

		t.Run("a customer sees only its own organisation", func(t *testing.T) {
			for _, u := range []*itsm.User{f.CustomerUserA, f.CustomerAdminA} {
				r, err := db.SLAReport(storetest.As(u), period)
				if err != nil {
					t.Fatal(err)
				}
				if seen := orgsOf(t, r); seen["Beta Health Board"] || !seen["Alpha Council"] {
					t.Fatalf("%s sees %v", u.Name, seen)
				}
				// T1, T2, T9, T5, T6.
				want := "all All providers/All customers/All priorities tickets 5 | resp 5 met 3 breached 2 open 1 60.00% | res 5 met 4 breached 1 open 1 80.00% | resolved 4 mean 28800 median 28800 p90 43200"
				if got := rowLine(r.Overall()); got != want {
					t.Fatalf("customer A's overall:\n got  %s\n want %s", got, want)
				}
				if r.Filter.OrgID == nil || *r.Filter.OrgID != f.CustomerA.ID {
					t.Fatalf("applied filter %+v", r.Filter)
				}
			}
			// Asking for its own organisation is fine; for another, it does not exist.
			own := period
			own.OrgID = &f.CustomerA.ID
			if _, err := db.SLAReport(storetest.As(f.CustomerUserA), own); err != nil {
				t.Fatal(err)
			}
			other := period
			other.OrgID = &f.CustomerB.ID
			if _, err := db.SLAReport(storetest.As(f.CustomerUserA), other); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("customer A asking for B's report: %v", err)
			}
		})

		t.Run("a provider sees only the tickets escalated to it", func(t *testing.T) {
			r, err := db.SLAReport(storetest.As(f.ProviderAgent), period)
			if err != nil {
				t.Fatal(err)
			}
			if seen := orgsOf(t, r); seen["provider:Not escalated"] || !seen["provider:Hosting Provider Ltd"] {
				t.Fatalf("provider sees %v", seen)
			}
			want := "all All providers/All customers/All priorities tickets 3 | resp 3 met 3 breached 0 open 0 100.00% | res 2 met 1 breached 1 open 0 50.00% | resolved 2 mean 63000 median 63000 p90 90000"
			if got := rowLine(r.Overall()); got != want {
				t.Fatalf("provider's overall:\n got  %s\n want %s", got, want)
			}
			other := period
			other.ProviderID = &f.Programme.ID
			if _, err := db.SLAReport(storetest.As(f.ProviderAgent), other); itsm.ErrorCode(err) != itsm.ENOTFOUND {
				t.Fatalf("provider asking for another provider's report: %v", err)
			}
			// A customer filter narrows the provider's own tickets.
			narrow := period
			narrow.OrgID = &f.CustomerA.ID
			r, err = db.SLAReport(storetest.As(f.ProviderAgent), narrow)
			if err != nil || r.Overall().Tickets != 1 {
				t.Fatalf("provider, customer A: %v %+v", err, r)
			}
		})

		t.Run("nobody signed in sees nothing", func(t *testing.T) {
			if _, err := db.SLAReport(storetest.Ctx(itsm.Anonymous("192.0.2.7")), period); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
				t.Fatalf("anonymous: %v", err)
			}
		})
	})
}

// TestSLAReportColdStart reports from a second handle on the database, whose
// agreement cache is empty (PostgreSQL cannot load an agreement while the
// events stream), over a history that includes a ticket the engine cannot
// measure: it is named, not silently dropped, and does not sink the report.
func TestSLAReportColdStart(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			dsn := storetest.MustDSN(t, e)
			ctx := context.Background()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			db.Enqueue = storetest.DiscardJobs
			now := gmt(time.March, 2, 9, 0)
			db.Now = func() time.Time { return now }
			f := storetest.MustSeed(t, db)
			ag := mustAgreement(t, db, f)
			// Two tickets, so that one is evaluated while the other's events
			// are still streaming.
			for _, org := range []int64{f.CustomerA.ID, f.CustomerB.ID} {
				if _, err := db.CreateTicket(storetest.As(f.Agent), itsm.NewTicket{OrgID: org, Title: "Outage", Description: "Down", Impact: itsm.High, Urgency: itsm.High}); err != nil {
					t.Fatal(err)
				}
			}
			// An import gone wrong: a ticket with no history at all.
			if _, err := db.SQL().Exec(fmt.Sprintf(`INSERT INTO tickets (number, ref, type, org_id, requester_name, title, description, impact, urgency, priority, status, is_open, agreement_id, created_at, updated_at, version)
				VALUES (99, 'INC-000099', 'incident', %d, '', 'Imported', 'No history', 'high', 'high', 'P1', 'new', TRUE, %d, %d, %d, 1)`,
				f.CustomerA.ID, ag.ID, gmt(time.March, 2, 8, 0).UnixMicro(), gmt(time.March, 2, 8, 0).UnixMicro())); err != nil {
				t.Fatal(err)
			}
			now = gmt(time.March, 2, 14, 0) // both clocks breached at 09:30 and 13:00

			cold, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer cold.Close()
			cold.Now = func() time.Time { return now }
			r, err := cold.SLAReport(storetest.As(f.Agent), months(time.March, time.April))
			if err != nil {
				t.Fatal(err)
			}
			all := r.Overall()
			if all.Tickets != 2 || all.ResponseBreachesOpen != 2 || all.ResolutionBreachesOpen != 2 || r.Unmeasured != 1 || len(r.UnmeasuredRefs) != 1 || r.UnmeasuredRefs[0] != "INC-000099" {
				t.Fatalf("%s; unmeasured %d %v", rowLine(all), r.Unmeasured, r.UnmeasuredRefs)
			}
		})
	}
}

func TestSLAReportValidation(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite)
	f := storetest.MustSeed(t, db)
	loc := itsm.ReportLocation()
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	for _, tc := range []struct {
		name  string
		f     itsm.SLAReportFilter
		field string
	}{
		{"no start", itsm.SLAReportFilter{To: jan}, "from"},
		{"no end", itsm.SLAReportFilter{From: jan}, "to"},
		{"end before start", itsm.SLAReportFilter{From: jan, To: jan.AddDate(0, -1, 0)}, "to"},
		{"empty period", itsm.SLAReportFilter{From: jan, To: jan}, "to"},
		{"mid-month start", itsm.SLAReportFilter{From: jan.AddDate(0, 0, 14), To: jan.AddDate(0, 2, 0)}, "from"},
		// Midnight UTC on 1 July is 01:00 in London: not a month boundary there.
		{"UTC month in summer", itsm.SLAReportFilter{From: jan, To: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}, "to"},
		{"over five years", itsm.SLAReportFilter{From: jan, To: jan.AddDate(5, 1, 0)}, "to"},
		{"unknown priority", itsm.SLAReportFilter{From: jan, To: jan.AddDate(0, 1, 0), Priority: ptr("P9")}, "priority"},
		{"unknown type", itsm.SLAReportFilter{From: jan, To: jan.AddDate(0, 1, 0), Type: ptr(itsm.TicketType("problem"))}, "type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.SLAReport(storetest.As(f.Agent), tc.f)
			if itsm.ErrorCode(err) != itsm.EINVALID || itsm.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("got %v, want EINVALID naming %q", err, tc.field)
			}
		})
	}
	// Exactly five years is allowed.
	if _, err := db.SLAReport(storetest.As(f.Agent), itsm.SLAReportFilter{From: jan, To: jan.AddDate(5, 0, 0)}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSLAReport20k times the report over a year of 20,000 tickets and
// about 110,000 events on each engine (SQLite always). The tickets are
// inserted directly, in batches, for speed, but their histories are shaped
// like a real desk's: created at any hour, a staff reply, pauses for the
// customer, priority changes, internal notes (which the report must skip),
// most resolved, some re-opened, some still open.
func BenchmarkSLAReport20k(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.MustOpen(b, e)
			f := storetest.MustSeed(b, db)
			ag := &itsm.ServiceAgreement{Name: "Help desk agreement", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
				Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
			if err := db.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
				b.Fatal(err)
			}
			storetest.ClockOf(db).Set(time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC))
			tickets, events := seedBenchTickets(b, db, ag.ID, []int64{f.CustomerA.ID, f.CustomerB.ID}, f.Provider.ID, 20_000)
			b.Logf("seeded %d tickets, %d events", tickets, events)
			loc := itsm.ReportLocation()
			flt := itsm.SLAReportFilter{From: time.Date(2025, 1, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 1, 1, 0, 0, 0, 0, loc)}
			ctx := storetest.As(f.Manager)
			var r *itsm.SLAReport
			for b.Loop() {
				var err error
				if r, err = db.SLAReport(ctx, flt); err != nil {
					b.Fatal(err)
				}
			}
			all := r.Overall()
			if all.Responses < 15_000 || all.Resolutions < 15_000 || r.Unmeasured != 0 {
				b.Fatalf("implausible report: %s (unmeasured %d)", rowLine(all), r.Unmeasured)
			}
			b.ReportMetric(float64(all.Tickets), "tickets")
		})
	}
}

// batchInsert gathers rows for one multi-row INSERT.
type batchInsert struct {
	b      *testing.B
	tx     *sql.Tx
	pg     bool
	prefix string // INSERT INTO … VALUES
	width  int    // columns per row
	rows   int
	args   []any
}

func (bi *batchInsert) add(args ...any) {
	bi.args = append(bi.args, args...)
	bi.rows++
}

func (bi *batchInsert) flush() {
	if bi.rows == 0 {
		return
	}
	var q strings.Builder
	q.WriteString(bi.prefix)
	n := 0
	for r := range bi.rows {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range bi.width {
			if c > 0 {
				q.WriteString(", ")
			}
			n++
			if bi.pg {
				fmt.Fprintf(&q, "$%d", n)
			} else {
				q.WriteByte('?')
			}
		}
		q.WriteByte(')')
	}
	if _, err := bi.tx.Exec(q.String(), bi.args...); err != nil {
		bi.b.Fatal(err)
	}
	bi.rows, bi.args = 0, bi.args[:0]
}

// seedBenchTickets inserts n tickets with realistic histories in one
// transaction and returns how many tickets and events it wrote.
func seedBenchTickets(b *testing.B, db *store.DB, agreement int64, orgs []int64, provider int64, n int) (int, int) {
	b.Helper()
	tx, err := db.SQL().Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	pg := db.Engine() == store.Postgres
	tickets := &batchInsert{b: b, tx: tx, pg: pg, width: 19, prefix: `INSERT INTO tickets (id, number, ref, type, org_id, requester_name, title, description, impact, urgency,
		priority, status, is_open, provider_id, agreement_id, created_at, updated_at, resolved_at, version) VALUES `}
	events := &batchInsert{b: b, tx: tx, pg: pg, width: 7, prefix: `INSERT INTO ticket_events (ticket_id, at, type, by_kind, status, priority, public) VALUES `}
	rng := rand.New(rand.NewPCG(20, 26))
	prios := []string{"P1", "P2", "P3", "P4"}
	first := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	nEvents := 0
	for i := 1; i <= n; i++ {
		created := first.Add(time.Duration(rng.Int64N(int64(end.Sub(first) - 30*24*time.Hour))))
		at := created
		step := func(max time.Duration) int64 {
			at = at.Add(time.Minute + time.Duration(rng.Int64N(int64(max))))
			return at.UnixMicro()
		}
		prio := prios[rng.IntN(4)]
		ev := func(at int64, typ, by, status, priority string, public bool) {
			events.add(i, at, typ, by, status, priority, public)
			nEvents++
		}
		ev(created.UnixMicro(), "created", "customer", "new", prio, true)
		if rng.IntN(3) == 0 {
			ev(step(2*time.Hour), "internal_note", "staff", "", "", false)
		}
		ev(step(6*time.Hour), "public_reply", "staff", "", "", true)
		ev(step(2*time.Hour), "status", "", "in progress", "", true)
		if rng.IntN(3) == 0 {
			ev(step(8*time.Hour), "status", "", "pending customer", "", true)
			ev(step(48*time.Hour), "public_reply", "customer", "", "", true)
			ev(at.UnixMicro(), "status", "", "in progress", "", true)
		}
		if rng.IntN(8) == 0 {
			prio = prios[rng.IntN(4)]
			ev(step(4*time.Hour), "priority", "", "", prio, false)
		}
		status, open := "in progress", true
		var resolved any
		if rng.IntN(10) != 0 {
			ev(step(72*time.Hour), "status", "", "resolved", "", true)
			status, open, resolved = "resolved", false, at.UnixMicro()
			if rng.IntN(12) == 0 {
				ev(step(24*time.Hour), "status", "", "in progress", "", true)
				ev(step(24*time.Hour), "status", "", "resolved", "", true)
				resolved = at.UnixMicro()
			}
		}
		var prov any
		if rng.IntN(2) == 0 {
			prov = provider
		}
		tickets.add(i, i, fmt.Sprintf("INC-%06d", i), "incident", orgs[i%len(orgs)], "Bench", fmt.Sprintf("Bench ticket %d", i), "Seeded", "medium", "medium",
			prio, status, open, prov, agreement, created.UnixMicro(), at.UnixMicro(), resolved, 1)
		// Events reference their ticket, so tickets are written first.
		if tickets.rows >= 500 || events.rows >= 1000 {
			tickets.flush()
			events.flush()
		}
	}
	tickets.flush()
	events.flush()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return n, nEvents
}
