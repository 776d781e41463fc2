package importer

import (
	"errors"
	"time"
)

// errNotDateTime says a value is not in any of the formats read.
var errNotDateTime = errors.New("is not a date and time such as 29/2/2016 01:16")

// parseDateTime reads a local wall-clock time written d/m/yyyy HH:MM (the
// ServiceNow export), dd-mm-yyyy HH:MM (the same re-saved by a
// spreadsheet) or yyyy-mm-dd HH:MM; seconds (":SS") are optional and
// leading zeros are not required. The format is detected per value.
//
// The wall time is read in loc, DST-correctly: an hour that occurs twice
// (the autumn change) is the first occurrence; a time that never occurs
// (inside the spring gap) is read with the offset in force before the
// change, so 01:30 on the morning clocks go forward in London is 02:30 BST.
func parseDateTime(s string, loc *time.Location) (time.Time, error) {
	var n [6]int // the numbers in the order written
	var seps [5]byte
	i, k := 0, 0
	for k < 6 {
		start := i
		v := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-start < 4 {
			v = v*10 + int(s[i]-'0')
			i++
		}
		if i == start {
			return time.Time{}, errNotDateTime
		}
		n[k] = v
		k++
		if i == len(s) {
			break
		}
		if k == 6 {
			return time.Time{}, errNotDateTime
		}
		seps[k-1] = s[i]
		i++
		// Several spaces between date and time are tolerated.
		for seps[k-1] == ' ' && i < len(s) && s[i] == ' ' {
			i++
		}
	}
	if k < 5 {
		return time.Time{}, errNotDateTime
	}
	var y, m, d int
	switch {
	case seps[0] == '/' && seps[1] == '/', seps[0] == '-' && seps[1] == '-' && n[0] <= 31:
		d, m, y = n[0], n[1], n[2]
		if y < 1000 {
			return time.Time{}, errors.New("does not have a four-digit year")
		}
	case seps[0] == '-' && seps[1] == '-':
		y, m, d = n[0], n[1], n[2]
	default:
		return time.Time{}, errNotDateTime
	}
	if seps[2] != ' ' && seps[2] != 'T' || seps[3] != ':' || (k == 6 && seps[4] != ':') {
		return time.Time{}, errNotDateTime
	}
	hh, mm, ss := n[3], n[4], n[5]
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, errors.New("is not a real date and time")
	}
	return localInstant(y, time.Month(m), d, hh, mm, ss, loc), nil
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// localInstant resolves a wall-clock time in loc as parseDateTime documents.
// time.Date leaves the choice in a transition unspecified; this does not.
func localInstant(y int, m time.Month, d, hh, mm, ss int, loc *time.Location) time.Time {
	wall := time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
	_, before := wall.Add(-26 * time.Hour).In(loc).Zone()
	_, after := wall.Add(26 * time.Hour).In(loc).Zone()
	if before == after {
		// No change of offset near this day: the common case.
		if _, off := wall.Add(-time.Duration(before) * time.Second).In(loc).Zone(); off == before {
			return wall.Add(-time.Duration(before) * time.Second)
		}
	}
	// Try each offset; keep the earliest instant whose local time is wall.
	var best time.Time
	for _, off := range []int{before, after} {
		t := wall.Add(-time.Duration(off) * time.Second)
		if _, o := t.In(loc).Zone(); o == off && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if best.IsZero() {
		// In the gap: read with the offset before the change.
		best = wall.Add(-time.Duration(before) * time.Second)
	}
	return best
}
