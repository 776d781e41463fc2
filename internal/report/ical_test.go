package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// unfold reverses RFC 5545 line folding.
func unfold(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }

func TestICalText(t *testing.T) {
	cases := map[string]string{
		`plain`:              `plain`,
		`a, b; c\d`:          `a\, b\; c\\d`,
		"line one\nline two": `line one\nline two`,
		"crlf\r\nend":        `crlf\nend`,
		"bell\x07gone":       `bellgone`,
		"tab\tkept":          "tab\tkept",
	}
	for in, want := range cases {
		if got := ICalText(in); got != want {
			t.Errorf("ICalText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteICalendar(t *testing.T) {
	stamp := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	bst := time.FixedZone("BST", 3600)
	long := strings.Repeat("Überprüfung der Lohnabrechnung, ", 6) // multi-byte characters across folds
	cal := ICalendar{Name: "Steward: Ada's changes", Events: []ICalEvent{{
		UID:         "change-3@steward.test",
		Summary:     "RFC-0003: Upgrade; database, payroll",
		Description: long + "\nsecond line",
		Location:    "Payroll",
		URL:         "https://steward.test/changes/3",
		Categories:  []string{"Change window", "a,b"},
		Start:       time.Date(2026, 10, 25, 1, 30, 0, 0, bst),
		End:         time.Date(2026, 10, 25, 3, 0, 0, 0, time.UTC),
	}, {
		UID: "freeze-7@steward.test", Summary: "Change freeze", Transparent: true,
		Start: time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 14, 23, 0, 0, 0, time.UTC),
	}}}
	var buf bytes.Buffer
	if err := WriteICalendar(&buf, cal, stamp); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") || !strings.HasPrefix(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:") {
		t.Errorf("not a VCALENDAR:\n%s", out)
	}
	if strings.Count(out, "\n") != strings.Count(out, "\r\n") {
		t.Error("every line must end with CRLF")
	}
	folded := 0
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("fold split a character: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded < 2 {
		t.Errorf("the long description should fold over several lines, got %d continuations", folded)
	}
	u := unfold(out)
	for _, want := range []string{
		"X-WR-CALNAME:Steward: Ada's changes\r\n",
		"UID:change-3@steward.test\r\n",
		"DTSTAMP:20261129T080000Z\r\n",
		"DTSTART:20261025T003000Z\r\n", // 01:30 BST is 00:30 UTC
		"DTEND:20261025T030000Z\r\n",
		`SUMMARY:RFC-0003: Upgrade\; database\, payroll` + "\r\n",
		"DESCRIPTION:" + ICalText(long) + `\nsecond line` + "\r\n",
		`CATEGORIES:Change window,a\,b` + "\r\n",
		"URL:https://steward.test/changes/3\r\n",
		"UID:freeze-7@steward.test\r\nDTSTAMP:20261129T080000Z\r\nDTSTART:20260329T000000Z\r\nDTEND:20260414T230000Z\r\n",
		"TRANSP:TRANSPARENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	} {
		if !strings.Contains(u, want) {
			t.Errorf("feed lacks %q:\n%s", want, u)
		}
	}
	if n := strings.Count(out, "BEGIN:VEVENT\r\n"); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
}

func TestICalFoldBoundary(t *testing.T) {
	iw := &bytes.Buffer{}
	// "SUMMARY:" is 8 octets: 67 more make exactly 75, which must not fold;
	// 68 must.
	for _, n := range []int{67, 68} {
		iw.Reset()
		if err := WriteICalendar(iw, ICalendar{Events: []ICalEvent{{UID: "u", Summary: strings.Repeat("x", n)}}}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		foldedLine := strings.Contains(iw.String(), "\r\n x")
		if foldedLine != (n == 68) {
			t.Errorf("summary of %d: folded = %v", n, foldedLine)
		}
	}
}

func TestCalendarEvents(t *testing.T) {
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	cal := &itsm.Calendar{
		Windows: []*itsm.CalendarEntry{{ChangeWindow: itsm.ChangeWindow{ChangeID: 3, Ref: "RFC-0003", Title: "Patch", Service: "Payroll", Start: start, End: start.Add(time.Hour),
			State: "scheduled", OrgName: "Glenmorven Council", TargetRelease: "2026.6"}, Conflicts: []itsm.ScheduleConflict{{Kind: "overlap", Message: "The window overlaps RFC-0004."}}}},
		Freezes: []*itsm.FreezePeriod{{ID: 7, Name: "Financial year end", Reason: "Accounts close.", Start: start, End: start.Add(time.Hour)}},
	}
	evs := CalendarEvents(cal, "https://steward.test/", "steward.test")
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	f, w := evs[0], evs[1]
	if f.UID != "freeze-7@steward.test" || f.Summary != "Change freeze: Financial year end (all services)" || !f.Transparent || !strings.Contains(f.Description, "Accounts close.") {
		t.Errorf("freeze event %+v", f)
	}
	if w.UID != "change-3@steward.test" || w.Summary != "RFC-0003: Patch (Payroll)" || w.URL != "https://steward.test/changes/3" ||
		!strings.Contains(w.Description, "Glenmorven Council") || !strings.Contains(w.Description, "Conflict: The window overlaps RFC-0004.") {
		t.Errorf("window event %+v", w)
	}
}
