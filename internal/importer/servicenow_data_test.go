package importer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
)

// dataDir finds the shared real data: $STEWARD_TEST_DATA, or shared/data
// beside the repository. Tests that need it skip when it is absent.
func dataDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("STEWARD_TEST_DATA")
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; filepath.Dir(d) != d; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(filepath.Dir(d), "shared", "data")
				break
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "incident_event_log.zip")); err != nil {
		tb.Skipf("real-data test skipped: no incident_event_log.zip in %q (set STEWARD_TEST_DATA to the shared data directory)", dir)
	}
	return dir
}

// fullHistory renders a ticket's events with their UTC instants.
func fullHistory(tk *itsm.ImportedTicket) []string {
	var out []string
	for _, e := range tk.Events {
		s := e.At.UTC().Format("2006-01-02 15:04 ") + e.Type
		switch e.Type {
		case "status":
			s += " " + string(e.Status)
		case "priority", "created":
			s += " " + e.Priority
		}
		out = append(out, s)
	}
	return out
}

// TestParseRealExport reads the real ServiceNow export (zip, d/m/yyyy) and
// its spreadsheet-saved sample (dd-mm-yyyy). The expected histories were
// read off the CSV by hand; times are UTC (London is GMT until 27 March
// 2016, BST after).
func TestParseRealExport(t *testing.T) {
	dir := dataDir(t)
	res, err := ParseServiceNowFile(filepath.Join(dir, "incident_event_log.zip"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.Rows != 119998 || s.Incidents != 20769 || len(res.Tickets) != 20769 || len(s.BadRows) != 0 || s.Bytes != 39147503 {
		t.Fatalf("rows %d incidents %d bad %d bytes %d", s.Rows, s.Incidents, len(s.BadRows), s.Bytes)
	}
	if len(s.Unknown) != 1 || s.Unknown[0].Value != "-100" || s.Unknown[0].Count != 2 || !slices.Equal(s.Unknown[0].Lines, []int{115643, 115644}) {
		t.Fatalf("unknown values: %+v", s.Unknown)
	}
	var clamped []int
	for _, c := range s.Clamped {
		clamped = append(clamped, c.Line)
	}
	// INC0000130, 131, 134, 135, 137 and 164 have a row stamped before the
	// row ordered ahead of it (or before opened_at).
	if !slices.Equal(clamped, []int{330, 336, 346, 351, 361, 438}) {
		t.Fatalf("clamped rows: %v", clamped)
	}
	for i := range res.Tickets {
		if err := res.Tickets[i].Validate(); err != nil {
			t.Fatalf("%s: %v", res.Tickets[i].ExternalRef, err)
		}
	}
	cases := []struct {
		number           string
		status           itsm.TicketStatus
		priority         string
		impact, urgency  itsm.Level
		resolved, closed string
		history          []string
	}{
		{"INC0000045", itsm.StatusClosed, "P3", itsm.Medium, itsm.Medium, "2016-02-29 08:53", "2016-03-05 12:00", []string{
			"2016-02-29 01:16 created P3",
			"2016-02-29 08:53 public_reply",
			"2016-02-29 08:53 status resolved",
			"2016-03-05 12:00 status closed",
		}},
		// Re-prioritised while New, then resolved, re-opened and resolved again.
		{"INC0002483", itsm.StatusClosed, "P2", itsm.High, itsm.Medium, "2016-03-09 12:17", "2016-03-24 18:40", []string{
			"2016-03-04 12:32 created P3",
			"2016-03-08 08:54 priority P2",
			"2016-03-08 15:42 public_reply",
			"2016-03-08 15:42 status in progress",
			"2016-03-09 08:23 status resolved",
			"2016-03-09 08:29 status in progress",
			"2016-03-09 12:17 status resolved",
			"2016-03-24 18:40 status closed",
		}},
		// Two rows share sys_mod_count 7; the one stamped 09:27 (before the
		// incident was opened) follows sys_mod_count 6 and is moved up to it.
		{"INC0000135", itsm.StatusClosed, "P3", itsm.Medium, itsm.Medium, "", "2016-03-05 17:00", []string{
			"2016-02-29 09:45 created P3",
			"2016-02-29 11:45 public_reply",
			"2016-02-29 11:45 status in progress",
			"2016-02-29 15:27 status resolved",
			"2016-02-29 16:17 status in progress",
			"2016-03-05 17:00 status closed",
		}},
		// The two -100 rows keep New; summer times are BST.
		{"INC0028089", itsm.StatusClosed, "P3", itsm.Medium, itsm.Medium, "2016-06-16 11:03", "2016-06-21 12:07", []string{
			"2016-05-10 21:09 created P3",
			"2016-06-16 11:03 public_reply",
			"2016-06-16 11:03 status resolved",
			"2016-06-21 12:07 status closed",
		}},
		// The last row of the file: never left New, so no response yet.
		{"INC0029233", itsm.StatusNew, "P3", itsm.Medium, itsm.Medium, "", "", []string{
			"2016-05-13 10:49 created P3",
		}},
	}
	for _, c := range cases {
		tk := find(t, res, c.number)
		if got := fullHistory(tk); !slices.Equal(got, c.history) {
			t.Errorf("%s history:\n got %s\nwant %s", c.number, strings.Join(got, "\n     "), strings.Join(c.history, "\n     "))
		}
		resolved, closed := "", ""
		if tk.ResolvedAt != nil {
			resolved = tk.ResolvedAt.UTC().Format("2006-01-02 15:04")
		}
		if tk.ClosedAt != nil {
			closed = tk.ClosedAt.UTC().Format("2006-01-02 15:04")
		}
		if tk.Status != c.status || tk.Priority != c.priority || tk.Impact != c.impact || tk.Urgency != c.urgency || resolved != c.resolved || closed != c.closed {
			t.Errorf("%s: status %s priority %s impact %s urgency %s resolved %q closed %q", c.number, tk.Status, tk.Priority, tk.Impact, tk.Urgency, resolved, closed)
		}
	}

	// The sample is the first 5,998 rows re-saved by a spreadsheet: other
	// date and boolean spellings, the same 890 incidents, the same content.
	sample, err := ParseServiceNowFile(filepath.Join(dir, "incident_event_log_sample.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sample.Summary.Rows != 5998 || sample.Summary.Incidents != 890 || len(sample.Summary.BadRows) != 0 || len(sample.Summary.Unknown) != 0 {
		t.Fatalf("sample: %+v", sample.Summary)
	}
	for i := range sample.Tickets {
		if sample.Tickets[i].ContentHash() != res.Tickets[i].ContentHash() {
			t.Fatalf("%s reads differently from the sample and the zip", sample.Tickets[i].ExternalRef)
		}
	}
}

// BenchmarkParseServiceNow measures parsing the whole real export.
func BenchmarkParseServiceNow(b *testing.B) {
	name := filepath.Join(dataDir(b), "incident_event_log.zip")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseServiceNowFile(name, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
