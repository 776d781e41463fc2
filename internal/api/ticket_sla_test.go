package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestTicketSLA reads a ticket's clocks as PRODUCT.md's SLA semantics
// define them: office hours, the response met by the first staff reply,
// the resolution clock paused while pending the customer, and its
// timeline.
func TestTicketSLA(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		clock := storetest.ClockOf(db) // Monday 2 March 2026, 09:00 GMT
		at := func(day, hour, minute int) time.Time { return time.Date(2026, 3, day, hour, minute, 0, 0, time.UTC) }
		read := func(path string) ticketSLA {
			t.Helper()
			var s ticketSLA
			e.get(t, fx.CustomerUserA, path).MustStatus(t, http.StatusOK).MustDecode(t, &s)
			return s
		}

		// Raised before any agreement: no clocks run.
		early := e.MustNewTicket(t, fx.CustomerUserA, "Before the agreement")
		if s := read(idPath("/api/v1/tickets", early.ID, "/sla")); s.AgreementID != nil || s.Response != nil || s.Resolution != nil || len(s.Timeline) != 0 ||
			s.Ref != early.Ref || s.Priority != "P3" || s.Status != "new" || !s.EvaluatedAt.Equal(clock.Now()) {
			t.Fatalf("without an agreement: %+v", s)
		}

		ag := e.MustAgreement(t, "Help desk agreement", nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		tk := e.MustNewTicket(t, fx.CustomerUserA, "Cannot approve orders") // P3: respond in 4h, resolve in 24h
		path := idPath("/api/v1/tickets", tk.ID, "/sla")
		s := read(path)
		want := slaClock{Target: "4h", TargetSeconds: 4 * 3600, Start: at(2, 9, 0), Due: at(2, 13, 0), RemainingSeconds: 4 * 3600,
			Warnings: []slaWarning{{0.75, at(2, 12, 0), false}, {0.9, at(2, 12, 36), false}}}
		if s.AgreementID == nil || *s.AgreementID != ag.ID || s.Response == nil || !sameClock(*s.Response, want) {
			t.Fatalf("response clock: %+v", s.Response)
		}
		if r := s.Resolution; r == nil || r.Target != "24h" || !r.Due.Equal(at(4, 17, 0)) || r.Met || r.Paused || r.Breached {
			t.Fatalf("resolution clock: %+v", r)
		}

		// An hour later the agent replies; then waits two hours on the
		// customer, which pauses the resolution clock.
		clock.Advance(time.Hour)
		if _, err := db.AddComment(storetest.As(fx.Agent), tk.ID, itsm.Comment{Body: "Which orders?"}); err != nil {
			t.Fatal(err)
		}
		pending := itsm.StatusPendingCustomer
		if _, err := db.UpdateTicket(storetest.As(fx.Agent), tk.ID, itsm.TicketUpdate{Status: &pending, Version: e.MustTicket(t, tk.ID).Version}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		s = read(path)
		if r := s.Response; !r.Met || r.MetAt == nil || !r.MetAt.Equal(at(2, 10, 0)) || r.ElapsedSeconds != 3600 || r.RemainingSeconds != 3*3600 || r.Breached {
			t.Fatalf("response met: %+v", r)
		}
		if r := s.Resolution; !r.Paused || r.ElapsedSeconds != 3600 || s.Status != "pending customer" {
			t.Fatalf("paused: %+v (%s)", r, s.Status)
		}
		clock.Advance(time.Hour)
		if _, err := db.AddComment(storetest.As(fx.CustomerUserA), tk.ID, itsm.Comment{Body: "All orders over £500."}); err != nil {
			t.Fatal(err)
		}
		s = read(path)
		// Two business hours of pause push Wednesday 17:00 to Thursday 11:00.
		if r := s.Resolution; r.Paused || !r.Due.Equal(at(5, 11, 0)) || r.ElapsedSeconds != 3600 || s.Status != "in progress" {
			t.Fatalf("resumed: %+v (%s)", r, s.Status)
		}
		wantTimeline := []slaPeriod{{sla.SegmentRunning, at(2, 9, 0), at(2, 10, 0), ""}, {sla.SegmentPaused, at(2, 10, 0), at(2, 12, 0), "pending customer"}}
		if len(s.Timeline) != len(wantTimeline) {
			t.Fatalf("timeline %+v", s.Timeline)
		}
		for i, p := range wantTimeline {
			if g := s.Timeline[i]; g.Kind != p.Kind || !g.From.Equal(p.From) || !g.To.Equal(p.To) || g.Status != p.Status {
				t.Errorf("timeline[%d] = %+v, want %+v", i, g, p)
			}
		}

		// Past the due instant the clock is breached.
		clock.Set(at(5, 12, 0))
		if r := read(path).Resolution; !r.Breached || r.RemainingSeconds >= 0 || !r.Warnings[0].Reached || !r.Warnings[1].Reached {
			t.Fatalf("breached: %+v", r)
		}
		// Customer B cannot read it.
		e.get(t, fx.CustomerUserB, path).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
	})
}

func sameClock(got, want slaClock) bool {
	if got.Target != want.Target || got.TargetSeconds != want.TargetSeconds || !got.Start.Equal(want.Start) || !got.Due.Equal(want.Due) ||
		got.Met != want.Met || got.Breached != want.Breached || got.Paused != want.Paused || got.ElapsedSeconds != want.ElapsedSeconds ||
		got.RemainingSeconds != want.RemainingSeconds || len(got.Warnings) != len(want.Warnings) {
		return false
	}
	for i, w := range want.Warnings {
		if g := got.Warnings[i]; g.Fraction != w.Fraction || !g.At.Equal(w.At) || g.Reached != w.Reached {
			return false
		}
	}
	return true
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Minute: "30m", 4 * time.Hour: "4h", 90 * time.Minute: "1h30m", 36 * time.Hour: "36h",
		90 * time.Second: "1m30s", 45 * time.Second: "45s", 4*time.Hour + 5*time.Second: "4h0m5s"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
