// Package probe runs the service's availability checks: HTTP(S) requests,
// TCP connects and TLS certificate expiry checks (see itsm.Check).
//
// # Executor
//
// An Executor runs one check, with its retries, and returns an
// itsm.CheckResult whose errors are short sentences ("connection refused",
// "status 503, expected 200-299", "certificate expired on 1 November 2026")
// rather than Go's wrapped errors. It is shared by every run: two HTTP
// transports (one verifying certificates, one not) keep connections alive
// between runs, and each check's expected statuses and body pattern are
// parsed once and cached by check ID, so a run costs one request and little
// else. A run never outlasts its interval: a retry that could not finish
// before the next run is due is not attempted, so runs of one check never
// overlap and every interval leaves a sample.
//
// # Scheduler
//
// A Scheduler runs this node's share of the checks. Every Tick it sends a
// heartbeat (which returns the live nodes) and claims, through
// itsm.ProbeStore.ClaimDueChecks, the checks due before the next tick.
//
// Claiming is a compare-and-set in the database: the claim moves each
// check's next due instant on by its interval in the same statement, so a
// check is handed out once per interval however many nodes ask, and no two
// nodes ever run it twice in one interval. Each node claims the checks whose
// ID falls in its share of the live nodes; checks overdue by more than two
// intervals are claimable by anyone, so a dead node's checks move to the
// others within a couple of intervals, before its heartbeat even expires.
//
// Checks are spread by phase: a check's first due instant is set within its
// interval by itsm.FirstDue from its ID, and itsm.NextDue keeps that phase,
// so a thousand checks at a 30-second interval run about 33 a second, not
// all at once. The scheduler starts each claimed check at its due instant
// (not when it was claimed) from a heap with one timer, bounded by a
// semaphore of Concurrency. Overdue checks (after downtime, or taken over
// from a dead node) are spread over the next few seconds by the same phase
// rather than started together. When the node falls behind, it stops
// claiming, so its checks become overdue and other nodes take them.
//
// Results are buffered and written with RecordCheckResults in batches,
// every FlushEvery or as soon as a thousand are waiting, which keeps the
// database's write rate to one transaction a second however many checks
// run. If the store fails, the batch is kept for the next flush, up to
// MaxBuffered results, beyond which the oldest are dropped and counted in
// the log. A batch refused three times in a row is tried a result at a
// time: if some are written, the few refused (say of a check deleted while
// it ran) are dropped and logged rather than blocking every later result;
// if none are, the store is down and the batch is kept. When its context is cancelled, the scheduler claims no more,
// lets the runs in flight finish within their time-outs (without further
// retries), writes their results and returns.
//
// Metrics reports the results to Prometheus as steward_check_up,
// steward_check_latency_seconds and steward_check_runs_total.
package probe
