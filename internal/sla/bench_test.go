package sla

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkDueInstantScotland measures the due-instant primitive with the
// Scotland calendar over a realistic spread of start instants (any time of
// any day in 2024–2027, so weekends, holidays and both DST changes occur)
// and typical targets from 30 minutes to 36 hours.
func BenchmarkDueInstantScotland(b *testing.B) {
	cal := MustScotlandCalendar(b)
	rng := rand.New(rand.NewPCG(1, 2))
	targets := []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 36 * time.Hour}
	first := MustLondon(b, "2024-01-01 00:00")
	const n = 4096
	starts := make([]time.Time, n)
	ds := make([]time.Duration, n)
	for i := range starts {
		starts[i] = first.Add(time.Duration(rng.Int64N(int64(4 * 365 * 24 * time.Hour))))
		ds[i] = targets[rng.IntN(len(targets))]
	}
	b.ReportAllocs()
	var sink time.Time
	for i := 0; b.Loop(); i++ {
		sink = cal.AddBusinessTime(starts[i&(n-1)], ds[i&(n-1)])
	}
	_ = sink
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dues/s")
}

// benchTickets builds n ticket histories of 5–10 events, shaped like a real
// service desk's: created at any hour, a staff reply, some pauses for the
// customer, some priority changes, most resolved, a few re-opened.
func benchTickets(n int, seed uint64) (Policy, [][]Event, []string, time.Time) {
	loc, _ := time.LoadLocation("Europe/London")
	cal, err := NewCalendar(CalendarConfig{
		Location:   loc,
		Week:       OfficeHours(Interval{8 * time.Hour, 12*time.Hour + 30*time.Minute}, Interval{13*time.Hour + 30*time.Minute, 17 * time.Hour}),
		HolidaySet: SetScotland,
	})
	if err != nil {
		panic(err)
	}
	policy := Policy{Calendar: cal, Targets: Targets{
		"P1": {30 * time.Minute, 4 * time.Hour},
		"P2": {time.Hour, 8 * time.Hour},
		"P3": {4 * time.Hour, 24 * time.Hour},
		"P4": {8 * time.Hour, 36 * time.Hour},
	}}
	prios := []string{"P1", "P2", "P3", "P4"}
	rng := rand.New(rand.NewPCG(seed, 7))
	first := time.Date(2025, 1, 1, 0, 0, 0, 0, loc)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, loc)
	all := make([][]Event, n)
	ps := make([]string, n)
	for i := range all {
		at := first.Add(time.Duration(rng.Int64N(int64(430 * 24 * time.Hour))))
		step := func() time.Time {
			at = at.Add(time.Duration(rng.Int64N(int64(20 * time.Hour))))
			return at
		}
		evs := []Event{{At: at, Type: EventCreated}}
		if rng.IntN(3) == 0 {
			evs = append(evs, Event{At: step(), Type: EventPublicReply, By: ByCustomer})
		}
		evs = append(evs, Event{At: step(), Type: EventStatus, Status: "in progress"})
		evs = append(evs, Event{At: step(), Type: EventPublicReply, By: ByStaff})
		for range rng.IntN(3) {
			evs = append(evs, Event{At: step(), Type: EventStatus, Status: DefaultPauseStatus})
			evs = append(evs, Event{At: step(), Type: EventPublicReply, By: ByCustomer})
			evs = append(evs, Event{At: step(), Type: EventStatus, Status: "in progress"})
		}
		if rng.IntN(4) == 0 {
			evs = append(evs, Event{At: step(), Type: EventPriority, Priority: prios[rng.IntN(4)]})
		}
		evs = append(evs, Event{At: step(), Type: EventStatus, Status: StatusResolved})
		if rng.IntN(10) == 0 {
			evs = append(evs, Event{At: step(), Type: EventStatus, Status: "in progress"})
			evs = append(evs, Event{At: step(), Type: EventStatus, Status: StatusResolved})
		}
		all[i] = evs
		ps[i] = prios[rng.IntN(4)]
	}
	return policy, all, ps, now
}

// BenchmarkRecompute100kTickets recomputes both clocks of 100,000 tickets
// from their histories, as the SLA job does; one op is all 100,000.
func BenchmarkRecompute100kTickets(b *testing.B) {
	const n = 100_000
	policy, tickets, prios, now := benchTickets(n, 42)
	events := 0
	for _, t := range tickets {
		events += len(t)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, evs := range tickets {
			if _, err := Evaluate(policy, prios[i], evs, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	perOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(perOp, "s/100k")
	b.ReportMetric(float64(n)/perOp, "tickets/s")
	b.ReportMetric(float64(events)/n, "events/ticket")
}
