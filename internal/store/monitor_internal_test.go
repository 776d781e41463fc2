package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func mustUTC(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func fmtSpans(spans [][2]time.Time) string {
	var s []string
	for _, sp := range spans {
		s = append(s, sp[0].Format("02 15:04")+"-"+sp[1].Format("02 15:04"))
	}
	return strings.Join(s, ",")
}

// TestCountedSpans: the availability arithmetic. A period less its
// maintenance windows (widened to whole minutes), within business hours
// when the target counts them.
func TestCountedSpans(t *testing.T) {
	cal, err := defaultBusinessCalendar()
	if err != nil {
		t.Fatal(err)
	}
	w := func(a, b string) [2]time.Time { return [2]time.Time{mustUTC(a), mustUTC(b)} }
	for _, tc := range []struct {
		name     string
		from, to string
		business bool
		maint    [][2]time.Time
		want     string
	}{
		{"whole day, no maintenance", "2026-03-02 00:00", "2026-03-03 00:00", false, nil, "02 00:00-03 00:00"},
		{"a window inside", "2026-03-02 00:00", "2026-03-03 00:00", false, [][2]time.Time{w("2026-03-02 02:00", "2026-03-02 04:30")}, "02 00:00-02 02:00,02 04:30-03 00:00"},
		{"a window over the start", "2026-03-02 00:00", "2026-03-03 00:00", false, [][2]time.Time{w("2026-03-01 22:00", "2026-03-02 01:00")}, "02 01:00-03 00:00"},
		{"a window over the whole period", "2026-03-02 00:00", "2026-03-03 00:00", false, [][2]time.Time{w("2026-03-01 00:00", "2026-03-04 00:00")}, ""},
		{"overlapping windows", "2026-03-02 00:00", "2026-03-03 00:00", false, [][2]time.Time{w("2026-03-02 02:00", "2026-03-02 04:00"), w("2026-03-02 03:00", "2026-03-02 05:00")}, "02 00:00-02 02:00,02 05:00-03 00:00"},
		{"a window outside", "2026-03-02 00:00", "2026-03-03 00:00", false, [][2]time.Time{w("2026-03-05 02:00", "2026-03-05 04:00")}, "02 00:00-03 00:00"},
		{"business hours on a Monday (GMT)", "2026-03-02 00:00", "2026-03-03 00:00", true, nil, "02 09:00-02 17:00"},
		{"business hours after the clocks change (BST)", "2026-03-30 00:00", "2026-03-31 00:00", true, nil, "30 08:00-30 16:00"},
		{"business hours at a weekend", "2026-03-07 00:00", "2026-03-09 00:00", true, nil, ""},
		{"business hours less maintenance", "2026-03-02 00:00", "2026-03-03 00:00", true, [][2]time.Time{w("2026-03-02 12:00", "2026-03-02 13:00")}, "02 09:00-02 12:00,02 13:00-02 17:00"},
		{"St Andrew's Day substitute is a holiday", "2026-11-30 00:00", "2026-12-01 00:00", true, nil, ""},
	} {
		var c = cal
		if !tc.business {
			c = nil
		}
		got := fmtSpans(countedSpans(mustUTC(tc.from), mustUTC(tc.to), c, tc.maint))
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	// Seconds are widened to whole minutes: a window from 10:00:30 to
	// 10:01:10 excuses 10:00 to 10:02.
	sec := [][2]time.Time{{mustUTC("2026-03-02 10:00").Add(30 * time.Second), mustUTC("2026-03-02 10:01").Add(10 * time.Second)}}
	if got := fmtSpans(countedSpans(mustUTC("2026-03-02 10:00"), mustUTC("2026-03-02 10:05"), nil, sec)); got != "02 10:02-02 10:05" {
		t.Errorf("widening: %s", got)
	}
}

// TestRollupRuns: spans are read from as few roll-up rows as possible.
func TestRollupRuns(t *testing.T) {
	runs := rollupRuns([][2]time.Time{{mustUTC("2026-01-01 23:15"), mustUTC("2026-01-05 01:10")}})
	count := func(level int) string {
		var parts []string
		for _, r := range runs[level] {
			parts = append(parts, fmt.Sprintf("%d", (r[1]-r[0])/int64(levelSpan[level]/time.Microsecond)))
		}
		return strings.Join(parts, "+")
	}
	if got := count(levelMinute) + "|" + count(levelHour) + "|" + count(levelDay); got != "45+10|1|3" {
		t.Fatalf("runs (minutes|hours|days): %s", got)
	}
}
