package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// ICalEvent is one VEVENT of an iCalendar (RFC 5545) feed. Times are
// written in UTC.
type ICalEvent struct {
	// UID identifies the event across downloads, so calendar programs
	// update it rather than add a copy.
	UID         string
	Summary     string
	Description string
	Location    string
	URL         string
	Categories  []string
	Start, End  time.Time
	// Transparent events do not make the person look busy (freezes).
	Transparent bool
}

// ICalendar is a VCALENDAR: a name and its events.
type ICalendar struct {
	Name   string
	Events []ICalEvent
}

// icalTime formats an instant as an RFC 5545 UTC DATE-TIME.
func icalTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// ICalText escapes a TEXT value (RFC 5545 section 3.3.11): backslash,
// semicolon, comma and newlines; carriage returns and other control
// characters are dropped.
func ICalText(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 && r != '\t', r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icalWriter writes content lines, folded at 75 octets and ended with CRLF.
type icalWriter struct {
	w   *bufio.Writer
	err error
}

// line writes one content line, folding it so that no physical line is
// longer than 75 octets (without the CRLF), never splitting a UTF-8
// character; continuation lines start with a space.
func (iw *icalWriter) line(name, value string) {
	if iw.err != nil {
		return
	}
	s := name + ":" + value
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		iw.w.WriteString(s[:cut])
		iw.w.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	iw.w.WriteString(s)
	_, iw.err = iw.w.WriteString("\r\n")
}

// WriteICalendar writes c as an RFC 5545 VCALENDAR with CRLF line ends,
// folded lines and escaped text; stamp is every event's DTSTAMP (the time
// the feed was produced).
func WriteICalendar(w io.Writer, c ICalendar, stamp time.Time) error {
	iw := &icalWriter{w: bufio.NewWriter(w)}
	iw.line("BEGIN", "VCALENDAR")
	iw.line("VERSION", "2.0")
	iw.line("PRODID", "-//Steward//Change calendar//EN")
	iw.line("CALSCALE", "GREGORIAN")
	iw.line("METHOD", "PUBLISH")
	if c.Name != "" {
		iw.line("X-WR-CALNAME", ICalText(c.Name))
	}
	for _, e := range c.Events {
		iw.line("BEGIN", "VEVENT")
		iw.line("UID", ICalText(e.UID))
		iw.line("DTSTAMP", icalTime(stamp))
		iw.line("DTSTART", icalTime(e.Start))
		iw.line("DTEND", icalTime(e.End))
		iw.line("SUMMARY", ICalText(e.Summary))
		if e.Description != "" {
			iw.line("DESCRIPTION", ICalText(e.Description))
		}
		if e.Location != "" {
			iw.line("LOCATION", ICalText(e.Location))
		}
		if len(e.Categories) > 0 {
			cs := make([]string, len(e.Categories))
			for i, c := range e.Categories {
				cs[i] = ICalText(c)
			}
			iw.line("CATEGORIES", strings.Join(cs, ","))
		}
		if e.URL != "" {
			iw.line("URL", e.URL)
		}
		if e.Transparent {
			iw.line("TRANSP", "TRANSPARENT")
		}
		iw.line("END", "VEVENT")
	}
	iw.line("END", "VCALENDAR")
	if iw.err != nil {
		return iw.err
	}
	return iw.w.Flush()
}

// CalendarEvents turns a calendar into feed events: one per change window
// (linking to the change at baseURL + "/changes/{id}") and one per freeze.
// UIDs are stable: "change-{id}@{host}" and "freeze-{id}@{host}".
func CalendarEvents(cal *itsm.Calendar, baseURL, host string) []ICalEvent {
	out := make([]ICalEvent, 0, len(cal.Windows)+len(cal.Freezes))
	for _, f := range cal.Freezes {
		desc := "Changes may not be implemented on " + f.ServiceLabel() + "."
		if f.Reason != "" {
			desc += "\n\n" + f.Reason
		}
		out = append(out, ICalEvent{
			UID:         "freeze-" + strconv.FormatInt(f.ID, 10) + "@" + host,
			Summary:     fmt.Sprintf("Change freeze: %s (%s)", f.Name, f.ServiceLabel()),
			Description: desc,
			Categories:  []string{"Change freeze"},
			Start:       f.Start, End: f.End,
			Transparent: true,
		})
	}
	for _, w := range cal.Windows {
		summary := w.Ref + ": " + w.Title
		if w.Service != "" {
			summary += " (" + w.Service + ")"
		}
		var d []string
		if w.State != "" {
			d = append(d, "State: "+w.State+".")
		}
		if w.OrgName != "" {
			d = append(d, "For: "+w.OrgName+".")
		}
		if w.TargetRelease != "" {
			d = append(d, "Target release: "+w.TargetRelease+".")
		}
		for _, c := range w.Conflicts {
			d = append(d, "Conflict: "+c.Message)
		}
		out = append(out, ICalEvent{
			UID:         "change-" + strconv.FormatInt(w.ChangeID, 10) + "@" + host,
			Summary:     summary,
			Description: strings.Join(d, "\n"),
			Location:    w.Service,
			URL:         strings.TrimSuffix(baseURL, "/") + "/changes/" + strconv.FormatInt(w.ChangeID, 10),
			Categories:  []string{"Change window"},
			Start:       w.Start, End: w.End,
		})
	}
	return out
}
