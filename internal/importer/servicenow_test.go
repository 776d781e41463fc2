package importer

import (
	"archive/zip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo

	"github.com/steward-itsm/steward/internal/itsm"
)

// csvOf writes an export with the given header and rows, each row a map
// from column name to value; absent columns are "?".
func csvOf(header []string, rows ...map[string]string) string {
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + "\n")
	for _, r := range rows {
		vals := make([]string, len(header))
		for i, h := range header {
			v, ok := r[h]
			if !ok {
				v = "?"
			}
			vals[i] = v
		}
		b.WriteString(strings.Join(vals, ",") + "\n")
	}
	return b.String()
}

// ev is one row of an incident: number, state, sys_mod_count, sys_updated_at.
func ev(number, state, mod, updated string, more ...string) map[string]string {
	r := map[string]string{"number": number, "incident_state": state, "sys_mod_count": mod, "sys_updated_at": updated,
		"opened_at": "1/3/2016 09:00", "impact": "2 - Medium", "urgency": "2 - Medium", "priority": "3 - Moderate",
		"category": "Category 1", "subcategory": "Subcategory 2", "u_symptom": "Symptom 3", "assignment_group": "Group 4",
		"caller_id": "Caller 5", "sys_updated_by": "Updated by 6", "active": "true"}
	for i := 0; i+1 < len(more); i += 2 {
		r[more[i]] = more[i+1]
	}
	return r
}

func mustParse(t *testing.T, csv string) *Result {
	t.Helper()
	res, err := ParseServiceNow(strings.NewReader(csv), int64(len(csv)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Tickets {
		if err := res.Tickets[i].Validate(); err != nil {
			t.Fatalf("ticket %s does not validate: %v", res.Tickets[i].ExternalRef, err)
		}
	}
	return res
}

func find(t *testing.T, res *Result, number string) *itsm.ImportedTicket {
	t.Helper()
	for i := range res.Tickets {
		if res.Tickets[i].ExternalRef == ServiceNowRefPrefix+number {
			return &res.Tickets[i]
		}
	}
	t.Fatalf("no ticket for %s", number)
	return nil
}

// history renders a ticket's events as "type[:status|priority]@HH:MM" in
// UTC, one word each.
func history(tk *itsm.ImportedTicket) string {
	var out []string
	for _, e := range tk.Events {
		s := e.Type
		switch e.Type {
		case "status":
			s += ":" + string(e.Status)
		case "priority", "created":
			s += ":" + e.Priority
		}
		out = append(out, s+"@"+e.At.UTC().Format("02T15:04"))
	}
	return strings.Join(out, " ")
}

var header = columnNames[:]

// TestParseGroupsAndOrdersRows: rows of one incident scattered through the
// file become one ticket whose history follows sys_mod_count, whatever the
// file order; a status event only when the state changes; the first move
// out of New is the first response.
func TestParseGroupsAndOrdersRows(t *testing.T) {
	res := mustParse(t, csvOf(header,
		ev("INC1", "New", "0", "1/3/2016 09:00"),
		ev("INC2", "Active", "0", "1/3/2016 10:00", "opened_at", "1/3/2016 10:00"),
		ev("INC1", "Resolved", "3", "1/3/2016 12:00", "priority", "2 - High", "impact", "1 - High"),
		ev("INC2", "Awaiting User Info", "1", "1/3/2016 10:30", "opened_at", "1/3/2016 10:00"),
		ev("INC1", "Active", "1", "1/3/2016 09:15"),
		ev("INC1", "Active", "2", "1/3/2016 09:20", "priority", "2 - High", "impact", "1 - High"),
		ev("INC1", "Closed", "4", "2/3/2016 12:00", "active", "false", "priority", "2 - High", "impact", "1 - High"),
	))
	if res.Summary.Rows != 7 || res.Summary.Incidents != 2 || len(res.Tickets) != 2 || res.Tickets[0].ExternalRef != "servicenow:INC1" {
		t.Fatalf("summary %+v, tickets %d", res.Summary, len(res.Tickets))
	}
	inc1 := find(t, res, "INC1")
	if got, want := history(inc1), "created:P3@01T09:00 public_reply@01T09:15 status:in progress@01T09:15 priority:P2@01T09:20 status:resolved@01T12:00 status:closed@02T12:00"; got != want {
		t.Fatalf("INC1 history\n got %s\nwant %s", got, want)
	}
	if inc1.Status != itsm.StatusClosed || inc1.Priority != "P2" || inc1.Impact != itsm.High || inc1.Urgency != itsm.Medium ||
		inc1.ResolvedAt == nil || inc1.ResolvedAt.Hour() != 12 || inc1.ClosedAt == nil || inc1.ClosedAt.Day() != 2 || !inc1.UpdatedAt.Equal(*inc1.ClosedAt) {
		t.Fatalf("INC1: %+v", inc1)
	}
	if inc1.Events[1].By != "staff" || !inc1.Events[1].Public || inc1.Events[1].Body != responseNote || inc1.Events[1].ActorName != "Updated by 6" {
		t.Fatalf("first response event: %+v", inc1.Events[1])
	}
	if inc1.Title != "INC1: Category 1 / Subcategory 2 (Symptom 3)" || inc1.Category != "Category 1" || inc1.Service != "Group 4" || inc1.Requester != "Caller 5" {
		t.Fatalf("INC1 fields: %+v", inc1)
	}
	if !strings.Contains(inc1.Description, "Imported from ServiceNow incident INC1.") || !strings.Contains(inc1.Description, "\nActive: no") {
		t.Fatalf("INC1 description (from the latest row):\n%s", inc1.Description)
	}
	// Never New: the first row is the first response.
	inc2 := find(t, res, "INC2")
	if got, want := history(inc2), "created:P3@01T10:00 public_reply@01T10:00 status:in progress@01T10:00 status:pending customer@01T10:30"; got != want {
		t.Fatalf("INC2 history\n got %s\nwant %s", got, want)
	}
	if inc2.Status != itsm.StatusPendingCustomer || inc2.ResolvedAt != nil || inc2.ClosedAt != nil {
		t.Fatalf("INC2: %+v", inc2)
	}
}

// TestParseDateFormatsAndNulls: d/m/yyyy and dd-mm-yyyy in one file, `?`
// as NULL, TRUE/false booleans, a CRLF file with a byte-order mark and
// columns in another order, found by name.
func TestParseDateFormatsAndNulls(t *testing.T) {
	// Reversed, with number (required) first, behind the byte-order mark.
	h := slices.Clone(header)
	slices.Reverse(h)
	h = append([]string{"number"}, slices.DeleteFunc(h, func(s string) bool { return s == "number" })...)
	csv := "\ufeff" + csvOf(h,
		ev("INC1", "New", "0", "01-03-2016 09:00", "opened_at", "01-03-2016 09:00", "active", "TRUE", "knowledge", "FALSE"),
		ev("INC1", "Active", "1", "1/3/2016 9:30", "category", "?", "active", "true", "knowledge", "false"),
	)
	csv = strings.ReplaceAll(csv, "\n", "\r\n")
	res := mustParse(t, csv)
	tk := find(t, res, "INC1")
	if got, want := history(tk), "created:P3@01T09:00 public_reply@01T09:30 status:in progress@01T09:30"; got != want {
		t.Fatalf("history\n got %s\nwant %s", got, want)
	}
	if tk.Category != "" || tk.Title != "INC1: Subcategory 2 (Symptom 3)" || !strings.Contains(tk.Description, "Knowledge: no") || strings.Contains(tk.Description, "Category:") {
		t.Fatalf("NULL category: %+v", tk)
	}
	if len(res.Summary.BadRows) != 0 || len(res.Summary.Unknown) != 0 {
		t.Fatalf("problems: %+v", res.Summary)
	}
}

// TestParseTimeZone: wall times are read in the zone given, DST-correctly.
func TestParseTimeZone(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	cases := []struct{ in, want string }{
		{"1/3/2016 09:00", "2016-03-01T09:00:00Z"},      // GMT
		{"13-05-2016 11:49", "2016-05-13T10:49:00Z"},    // BST
		{"27/3/2016 01:30", "2016-03-27T01:30:00Z"},     // the spring gap: read as GMT, i.e. 02:30 BST
		{"30/10/2016 01:30", "2016-10-30T00:30:00Z"},    // twice that night: the first, BST
		{"30/10/2016 02:30", "2016-10-30T02:30:00Z"},    // GMT again
		{"2016-10-30 01:30:15", "2016-10-30T00:30:15Z"}, // ISO with seconds
	}
	for _, c := range cases {
		got, err := parseDateTime(c.in, london)
		if err != nil || got.UTC().Format(time.RFC3339) != c.want {
			t.Errorf("parseDateTime(%q) = %v, %v; want %s", c.in, got.UTC(), err, c.want)
		}
	}
	for _, bad := range []string{"", "29/2/2015 10:00", "31/4/2016 10:00", "1/3/16 10:00", "1/3/2016", "1/3/2016 24:00", "1.3.2016 10:00", "1/3/2016 10:00pm", "1/3-2016 10:00"} {
		if got, err := parseDateTime(bad, london); err == nil {
			t.Errorf("parseDateTime(%q) = %v, want an error", bad, got)
		}
	}
	// The zone is an option.
	ny, _ := time.LoadLocation("America/New_York")
	csv := csvOf(header, ev("INC1", "New", "0", "1/3/2016 09:00"))
	res, err := ParseServiceNow(strings.NewReader(csv), 0, Options{Location: ny})
	if err != nil || !res.Tickets[0].CreatedAt.Equal(time.Date(2016, 3, 1, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("New York: %v %v", res.Tickets[0].CreatedAt, err)
	}
}

// TestParseReportsBadRowsAndUnknownValues: bad rows are reported with
// their line numbers and left out; unknown values are mapped by a stated
// rule and reported with counts and lines. Nothing is dropped silently.
func TestParseReportsBadRowsAndUnknownValues(t *testing.T) {
	csv := csvOf(header,
		ev("INC1", "New", "0", "1/3/2016 09:00"),                                                      // line 2
		ev("INC1", "-100", "1", "1/3/2016 09:10"),                                                     // 3: unknown state
		ev("INC1", "Active", "2", "31/2/2016 09:20"),                                                  // 4: bad date
		ev("", "Active", "2", "1/3/2016 09:20"),                                                       // 5: no number
		ev("INC1", "Awaiting Problem", "x", "1/3/2016 09:20"),                                         // 6: bad sys_mod_count
		ev("INC1", "-100", "3", "1/3/2016 09:30", "priority", "5 - Planning"),                         // 7
		ev("INC1", "Awaiting Evidence", "4", "1/3/2016 09:40", "urgency", "High", "knowledge", "yes"), // 8
		ev("INC2", "New", "0", "1/3/2016 09:00", "opened_at", "?"),                                    // 9: no opened_at
	)
	csv += "INC1,Active,true\n"                                                                                                                                                                                             // line 10: too few columns
	csv += "INC1,\"Active\nstill active\",true,0,0,5,true,Caller 5,Opened by 1,1/3/2016 09:00,?,?,Updated by 6,1/3/2016 09:50,Phone,?,?,?,?,?,2 - Medium,2 - Medium,3 - Moderate,Group 4,?,false,false,?,?,?,?,?,?,?,?,?\n" // 11-12: a quoted newline: an unknown state
	csv += csvOf(header, ev("INC1", "Awaiting Vendor", "6", "1/3/2016 10:00"))[len(strings.Join(header, ","))+1:]                                                                                                           // 13
	res := mustParse(t, csv)
	s := res.Summary
	if s.Rows != 11 || s.Incidents != 1 {
		t.Fatalf("rows %d incidents %d", s.Rows, s.Incidents)
	}
	var bad []string
	for _, p := range s.BadRows {
		bad = append(bad, p.Problem)
	}
	want := []string{
		`Line 4 has sys_updated_at "31/2/2016 09:20", which is not a real date and time.`,
		`Line 5 has no incident number.`,
		`Line 6 has sys_mod_count "x", which is not a whole number.`,
		`Line 9 has no opened_at.`,
		`Line 10 has 3 columns; the header has 36.`,
	}
	if strings.Join(bad, "\n") != strings.Join(want, "\n") {
		t.Fatalf("bad rows:\n%s\nwant:\n%s", strings.Join(bad, "\n"), strings.Join(want, "\n"))
	}
	if s.BadRows[4].Ref != "INC1" {
		t.Fatalf("the short row's incident: %+v", s.BadRows[4])
	}
	got := map[string]itsm.UnknownValue{}
	for _, u := range s.Unknown {
		got[u.Column+"="+u.Value] = u
	}
	check := func(key string, count int, lines []int, rule string) {
		t.Helper()
		u, ok := got[key]
		if !ok || u.Count != count || !slices.Equal(u.Lines, lines) || u.Rule != rule {
			t.Errorf("unknown %s: %+v", key, u)
		}
	}
	check("incident_state=-100", 2, []int{3, 7}, ruleUnknownState)
	check("incident_state=Active\nstill active", 1, []int{11}, ruleUnknownState)
	check("priority=5 - Planning", 1, []int{7}, ruleUnknownPriority)
	check("urgency=High", 1, []int{8}, ruleUnknownLevel)
	check("knowledge=yes", 1, []int{8}, ruleUnknownBool)
	if len(s.Unknown) != 5 || s.Unknown[0].Value != "-100" {
		t.Fatalf("unknown values (most frequent first): %+v", s.Unknown)
	}
	// -100 keeps the state; Awaiting Evidence is in progress; Awaiting
	// Vendor pending provider; the unknown priority comes from the matrix
	// (medium × medium = P3).
	tk := find(t, res, "INC1")
	if got, want := history(tk), "created:P3@01T09:00 public_reply@01T09:40 status:in progress@01T09:40 status:pending provider@01T10:00"; got != want {
		t.Fatalf("history\n got %s\nwant %s", got, want)
	}
	for _, r := range s.Rules {
		if strings.HasPrefix(r, "First response:") {
			return
		}
	}
	t.Fatal("the summary does not state the first-response rule")
}

// TestParseReportsBrokenQuotes: a stray quote spoils one row; an unclosed
// one swallows the lines after it, and the report says which.
func TestParseReportsBrokenQuotes(t *testing.T) {
	rows := strings.Split(csvOf(header, ev("INC1", "New", "0", "1/3/2016 09:00"), ev("INC2", "New", "0", "1/3/2016 09:00"), ev("INC3", "New", "0", "1/3/2016 09:00")), "\n")
	stray := slices.Clone(rows)
	stray[2] = strings.Replace(stray[2], "INC2,New", `INC2,"Ne"w`, 1)
	res := mustParse(t, strings.Join(stray, "\n"))
	if res.Summary.Incidents != 2 || len(res.Summary.BadRows) != 1 || res.Summary.BadRows[0].Problem != `Line 3 is not valid CSV (extraneous or missing " in quoted-field).` {
		t.Fatalf("stray quote: %+v", res.Summary)
	}
	unclosed := slices.Clone(rows)
	unclosed[2] = strings.Replace(unclosed[2], "INC2,New", `INC2,"New`, 1)
	res = mustParse(t, strings.Join(unclosed, "\n"))
	if res.Summary.Incidents != 1 || len(res.Summary.BadRows) != 1 || !strings.Contains(res.Summary.BadRows[0].Problem, "the field quoted there runs to line 4, so line 4 was not read.") {
		t.Fatalf("unclosed quote: %+v", res.Summary)
	}
}

// TestParseClampsTimesBackwards: a row stamped before the row ordered ahead
// of it is moved up to keep the history in time order, and reported.
func TestParseClampsTimesBackwards(t *testing.T) {
	res := mustParse(t, csvOf(header,
		ev("INC1", "New", "0", "1/3/2016 08:30"), // before opened_at (09:00)
		ev("INC1", "Resolved", "1", "1/3/2016 11:00"),
		ev("INC1", "Active", "2", "1/3/2016 10:00"), // mod 2, but earlier
	))
	tk := find(t, res, "INC1")
	if got, want := history(tk), "created:P3@01T09:00 public_reply@01T11:00 status:resolved@01T11:00 status:in progress@01T11:00"; got != want {
		t.Fatalf("history\n got %s\nwant %s", got, want)
	}
	if tk.ResolvedAt != nil || tk.Status != itsm.StatusInProgress {
		t.Fatalf("re-opened ticket: %+v", tk)
	}
	if len(res.Summary.Clamped) != 2 || res.Summary.Clamped[0].Line != 2 || res.Summary.Clamped[1].Line != 4 {
		t.Fatalf("clamped: %+v", res.Summary.Clamped)
	}
}

// TestParseRefusesWhatIsNotAnExport: missing columns are named; an empty
// file or a header alone is an error.
func TestParseRefusesWhatIsNotAnExport(t *testing.T) {
	h := slices.DeleteFunc(slices.Clone(header), func(s string) bool { return s == "priority" || s == "sys_mod_count" })
	_, err := ParseServiceNow(strings.NewReader(csvOf(h, ev("INC1", "New", "0", "1/3/2016 09:00"))), 0, Options{})
	if itsm.ErrorCode(err) != itsm.EINVALID || !strings.Contains(itsm.ErrorMessage(err), "lacks the columns sys_mod_count, priority") {
		t.Fatalf("missing columns: %v", err)
	}
	// Optional columns may be absent.
	if _, err := ParseServiceNow(strings.NewReader(csvOf(columnNames[:10], ev("INC1", "New", "0", "1/3/2016 09:00"))), 0, Options{}); err == nil {
		t.Fatal("a header without impact, urgency and priority was accepted")
	}
	min := []string{"number", "incident_state", "sys_mod_count", "opened_at", "sys_updated_at", "impact", "urgency", "priority"}
	if res, err := ParseServiceNow(strings.NewReader(csvOf(min, ev("INC1", "New", "0", "1/3/2016 09:00"))), 0, Options{}); err != nil || res.Tickets[0].Title != "INC1" {
		t.Fatalf("minimal columns: %v", err)
	}
	for _, in := range []string{"", strings.Join(header, ",") + "\n"} {
		if _, err := ParseServiceNow(strings.NewReader(in), 0, Options{}); itsm.ErrorCode(err) != itsm.EINVALID {
			t.Fatalf("%q: %v", in, err)
		}
	}
}

// TestParseFileReadsZipAndReportsProgress: a zip holding one CSV is read
// like the CSV; progress ends at the whole file.
func TestParseFileReadsZipAndReportsProgress(t *testing.T) {
	csv := csvOf(header, ev("INC1", "New", "0", "1/3/2016 09:00"), ev("INC1", "Active", "1", "1/3/2016 09:30"))
	dir := t.TempDir()
	write := func(name string, members ...string) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for _, m := range members {
			w, _ := zw.Create(m)
			w.Write([]byte(csv))
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	var last Progress
	res, err := ParseServiceNowFile(write("one.zip", "export/incidents.csv", "export/readme.txt"), Options{Progress: func(p Progress) { last = p }})
	if err != nil || len(res.Tickets) != 1 {
		t.Fatalf("zip: %v", err)
	}
	if last.Rows != 2 || last.Bytes != int64(len(csv)) || last.Total != int64(len(csv)) || res.Summary.Bytes != int64(len(csv)) {
		t.Fatalf("progress %+v", last)
	}
	if _, err := ParseServiceNowFile(write("two.zip", "a.csv", "b.csv"), Options{}); !strings.Contains(itsm.ErrorMessage(err), "holds 2 CSV files") {
		t.Fatalf("two CSVs: %v", err)
	}
	plain := filepath.Join(dir, "plain.csv")
	os.WriteFile(plain, []byte(csv), 0o600)
	if res2, err := ParseServiceNowFile(plain, Options{}); err != nil || res2.Tickets[0].ContentHash() != res.Tickets[0].ContentHash() {
		t.Fatalf("plain CSV: %v", err)
	}
	if _, err := ParseServiceNowFile(filepath.Join(dir, "absent.csv"), Options{}); err == nil {
		t.Fatal("absent file read")
	}
	junk := filepath.Join(dir, "junk.zip")
	os.WriteFile(junk, []byte("not an archive at all"), 0o600)
	if _, err := ParseServiceNowFile(junk, Options{}); !strings.Contains(itsm.ErrorMessage(err), "is named .zip but is not a zip archive") {
		t.Fatalf("a .zip that is not an archive: %v", err)
	}
}

// TestContentHashIgnoresZoneOfTimes: the same instants hash the same.
func TestContentHashIgnoresZoneOfTimes(t *testing.T) {
	csv := csvOf(header, ev("INC1", "New", "0", "1/6/2016 09:00", "opened_at", "1/6/2016 09:00"))
	a := mustParse(t, csv).Tickets[0]
	b := a
	b.CreatedAt = a.CreatedAt.In(time.FixedZone("X", 3600))
	b.Events = slices.Clone(a.Events)
	b.Events[0].At = b.CreatedAt
	if a.ContentHash() != b.ContentHash() {
		t.Fatal("hash depends on the zone")
	}
	b.Priority = "P1"
	if a.ContentHash() == b.ContentHash() {
		t.Fatal("hash ignores the priority")
	}
}
