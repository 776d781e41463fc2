// Package sla is Steward's business-time calendar and SLA clock.
//
// It answers two questions for the rest of the product: how much business
// time lies between two instants under a service agreement's calendar, and,
// given a ticket's history, when its response and resolution are (or were)
// due, whether they were met, and when each early warning fires.
//
// Everything here is a pure function of its inputs: no I/O, no clock, no
// global state. Callers pass "now" explicitly, so the SLA job, the web view,
// the what-if simulator and the tests all see the same answer for the same
// history. Clocks are recomputed from the event history every time rather
// than kept as counters, so a correction to the history (a back-dated status
// change, a priority override) is reflected everywhere without migration.
//
// The exact semantics are those of PRODUCT.md, "SLA semantics":
//
//   - A Calendar has an IANA time zone, working intervals per weekday in
//     local wall-clock time, and holidays (whole local days); or it is 24×7.
//     Because intervals are wall-clock, 09:00–17:00 is 8 h on the days the
//     clocks change as on any other weekday.
//   - Business time between two instants is the length of their overlap with
//     the working intervals.
//   - A clock starts at creation, or at the next opening if the ticket was
//     created outside working hours. Its due instant is the earliest instant
//     at which the business time counted, excluding time in a pausing status,
//     equals the target; a target used up exactly at 17:00 is due at 17:00.
//   - Met exactly at the due instant is on time; later is a breach.
//
// Time zone data: the package loads zones with time.LoadLocation. A binary
// that may run without /usr/share/zoneinfo should import time/tzdata once,
// in package main.
package sla
