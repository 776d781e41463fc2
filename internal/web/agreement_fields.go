package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// This file holds the fields an agreement's calendar and targets are
// edited with, shared by the new agreement form and the what-if
// comparison: a weekly hours editor (up to two working intervals a day),
// the holiday set, extra holidays and the targets per priority.

// groupInput is one small input of an inputGroup.
type groupInput struct {
	ID, Label, Value string
	Error            bool
}

// inputGroup is what the "inputGroups" partial draws: a fieldset of small
// inputs that share one error message, such as a day's working hours.
type inputGroup struct {
	ID, Legend, Error string
	Inputs            []groupInput
}

// weekday is a day of the weekly hours editor, Monday first.
type weekday struct{ key, label string }

var weekdays = []weekday{
	{"mon", "Monday"}, {"tue", "Tuesday"}, {"wed", "Wednesday"}, {"thu", "Thursday"},
	{"fri", "Friday"}, {"sat", "Saturday"}, {"sun", "Sunday"},
}

// hoursSlots are a day's four inputs: two intervals, each a start and end.
var hoursSlots = []struct{ suffix, label string }{
	{"-1-start", "From"}, {"-1-end", "To"}, {"-2-start", "Then from"}, {"-2-end", "To"},
}

// weekHours is the weekly hours editor's values by input id ("mon-1-start").
type weekHours map[string]string

// weekHoursOf fills the editor from a calendar's week.
func weekHoursOf(w sla.SimulationWeek) weekHours {
	h := weekHours{}
	days := map[string][][]string{"mon": w.Mon, "tue": w.Tue, "wed": w.Wed, "thu": w.Thu, "fri": w.Fri, "sat": w.Sat, "sun": w.Sun}
	for _, d := range weekdays {
		for i, iv := range days[d.key] {
			if i < 2 && len(iv) == 2 {
				h[d.key+"-"+strconv.Itoa(i+1)+"-start"], h[d.key+"-"+strconv.Itoa(i+1)+"-end"] = iv[0], iv[1]
			}
		}
	}
	return h
}

// readWeekHours reads the editor from a form.
func readWeekHours(form url.Values) weekHours {
	h := weekHours{}
	for _, d := range weekdays {
		for _, s := range hoursSlots {
			h[d.key+s.suffix] = strings.TrimSpace(form.Get(d.key + s.suffix))
		}
	}
	return h
}

// parse checks the hours and returns the week. Each day's problem is
// reported against the first input of the interval concerned.
func (h weekHours) parse(v *itsm.Validation) sla.SimulationWeek {
	var w sla.SimulationWeek
	days := map[string]*[][]string{"mon": &w.Mon, "tue": &w.Tue, "wed": &w.Wed, "thu": &w.Thu, "fri": &w.Fri, "sat": &w.Sat, "sun": &w.Sun}
	for _, d := range weekdays {
		var ivs []sla.Interval
		for n := 1; n <= 2; n++ {
			id := d.key + "-" + strconv.Itoa(n)
			start, end := h[id+"-start"], h[id+"-end"]
			which := "hours"
			if n == 2 {
				which = "second interval"
			}
			switch {
			case start == "" && end == "":
				continue
			case start == "" || end == "":
				v.Add(id+"-start", fmt.Sprintf("Enter both the start and the end of %s’s %s, or neither.", d.label, which))
				continue
			case n == 2 && len(ivs) == 0 && h[d.key+"-1-start"] == "":
				v.Add(id+"-start", fmt.Sprintf("Enter %s’s first interval before its second.", d.label))
				continue
			}
			if !isClock(start) || !isClock(end) {
				v.Add(id+"-start", fmt.Sprintf("Enter %s’s %s as 24-hour times, like 09:00 and 17:00.", d.label, which))
				continue
			}
			iv, err := sla.ParseInterval(start, end)
			if err != nil {
				msg := fmt.Sprintf("%s’s hours must end after they start.", d.label)
				if n == 2 {
					msg = fmt.Sprintf("%s’s second interval must end after it starts.", d.label)
				}
				v.Add(id+"-start", msg)
				continue
			}
			if n == 2 && len(ivs) == 1 && iv.Start < ivs[0].End {
				v.Add(id+"-start", fmt.Sprintf("%s’s second interval must start after the first one ends.", d.label))
				continue
			}
			ivs = append(ivs, iv)
			*days[d.key] = append(*days[d.key], []string{start, end})
		}
	}
	return w
}

// isClock reports whether s is a time of day the calendar accepts, 00:00
// to 24:00.
func isClock(s string) bool {
	if _, err := sla.ParseInterval(s, "24:00"); err == nil {
		return true
	}
	_, err := sla.ParseInterval("00:00", s)
	return err == nil
}

// groups lays the editor out for the "inputGroups" partial.
func (h weekHours) groups(p *basePage) []inputGroup {
	out := make([]inputGroup, 0, len(weekdays))
	for _, d := range weekdays {
		g := inputGroup{ID: d.key, Legend: d.label}
		for _, s := range hoursSlots {
			id := d.key + s.suffix
			msg := p.FieldError(id)
			if msg != "" && g.Error == "" {
				g.Error = msg
			}
			g.Inputs = append(g.Inputs, groupInput{ID: id, Label: s.label, Value: h[id], Error: msg != ""})
		}
		out = append(out, g)
	}
	return out
}

// weekFieldIDs are the editor's input ids in form order.
func weekFieldIDs() []string {
	var out []string
	for _, d := range weekdays {
		for _, s := range hoursSlots {
			out = append(out, d.key+s.suffix)
		}
	}
	return out
}

// maxTarget bounds a target: more business time than a year of office
// hours is a typing mistake, not an agreement.
const maxTarget = 2000 * time.Hour

// targetValues are the targets' inputs by id ("target-P1-response").
type targetValues map[string]string

func targetID(priority, clock string) string { return "target-" + priority + "-" + clock }

// targetValuesOf fills the inputs from an agreement's targets.
func targetValuesOf(ts map[string]itsm.Target) targetValues {
	out := targetValues{}
	for p, t := range ts {
		out[targetID(p, "response")], out[targetID(p, "resolution")] = t.Response, t.Resolution
	}
	return out
}

// readTargets reads the inputs from a form.
func readTargets(form url.Values) targetValues {
	out := targetValues{}
	for _, p := range itsm.Priorities {
		for _, c := range []string{"response", "resolution"} {
			out[targetID(p, c)] = strings.TrimSpace(form.Get(targetID(p, c)))
		}
	}
	return out
}

// parse checks every priority's targets and returns them.
func (t targetValues) parse(v *itsm.Validation) map[string]itsm.Target {
	out := map[string]itsm.Target{}
	for _, p := range itsm.Priorities {
		var got [2]string
		for i, c := range []string{"response", "resolution"} {
			id, s := targetID(p, c), t[targetID(p, c)]
			d, err := time.ParseDuration(s)
			switch {
			case s == "":
				v.Add(id, fmt.Sprintf("Enter the %s target for %s, like 30m, 4h or 36h.", c, p))
			case err != nil || d <= 0:
				v.Add(id, fmt.Sprintf("Enter the %s target for %s as business time, like 30m, 4h or 36h.", c, p))
			case d > maxTarget:
				v.Add(id, fmt.Sprintf("The %s target for %s must be at most %s of business time.", c, p, businessTime(maxTarget)))
			default:
				got[i] = s
			}
		}
		out[p] = itsm.Target{Response: got[0], Resolution: got[1]}
	}
	return out
}

// groups lays the inputs out for the "inputGroups" partial.
func (t targetValues) groups(p *basePage) []inputGroup {
	legends := map[string]string{"P1": "P1 (critical)", "P2": "P2 (high)", "P3": "P3 (moderate)", "P4": "P4 (low)"}
	out := make([]inputGroup, 0, len(itsm.Priorities))
	for _, pr := range itsm.Priorities {
		g := inputGroup{ID: "target-" + pr, Legend: legends[pr]}
		for _, c := range []struct{ clock, label string }{{"response", "Response"}, {"resolution", "Resolution"}} {
			id := targetID(pr, c.clock)
			msg := p.FieldError(id)
			if msg != "" && g.Error == "" {
				g.Error = msg
			}
			g.Inputs = append(g.Inputs, groupInput{ID: id, Label: c.label, Value: t[id], Error: msg != ""})
		}
		out = append(out, g)
	}
	return out
}

// targetFieldIDs are the targets' input ids in form order.
func targetFieldIDs() []string {
	var out []string
	for _, p := range itsm.Priorities {
		out = append(out, targetID(p, "response"), targetID(p, "resolution"))
	}
	return out
}

// holidaySetOptions are the built-in holiday sets, with none first.
func holidaySetOptions() []option {
	out := []option{{Value: "", Label: "None"}}
	for _, n := range sla.HolidaySetNames() {
		out = append(out, option{Value: n, Label: holidaySetLabel(n)})
	}
	return out
}

func holidaySetLabel(name string) string {
	switch name {
	case sla.SetEnglandAndWales:
		return "England and Wales bank holidays"
	case sla.SetScotland:
		return "Scotland bank holidays"
	case sla.SetNorthernIreland:
		return "Northern Ireland bank holidays"
	case "":
		return "None"
	}
	return name
}

// parseHolidays reads extra holidays, one date per line.
func parseHolidays(v *itsm.Validation, text string) []string {
	var out []string
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		d, err := sla.ParseDate(line)
		if err != nil || !d.Valid() || utf8.RuneCountInString(line) != 10 {
			v.Add("extra_holidays", fmt.Sprintf("Line %d, “%s”, is not a real date. Write each date on its own line, like 2026-12-24.", i+1, truncate(line, 40)))
			return nil
		}
		out = append(out, d.String())
	}
	if len(out) > 366 {
		v.Add("extra_holidays", "Give at most 366 extra holidays.")
	}
	return out
}

// truncate shortens what someone typed for an error message.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// calendarFieldID maps a field the SLA engine names in a calendar or policy
// error ("calendar.week.mon[1]", "targets.P2.response") to the form's input.
func calendarFieldID(f string) string {
	switch {
	case f == "calendar.timezone":
		return "time_zone"
	case f == "calendar.holiday_set":
		return "holiday_set"
	case strings.HasPrefix(f, "calendar.holidays"):
		return "extra_holidays"
	case strings.HasPrefix(f, "calendar.week."):
		day, rest, _ := strings.Cut(strings.TrimPrefix(f, "calendar.week."), "[")
		n := 1
		if i, err := strconv.Atoi(strings.TrimSuffix(rest, "]")); err == nil && i == 1 {
			n = 2
		}
		return day + "-" + strconv.Itoa(n) + "-start"
	case f == "calendar.week" || f == "calendar":
		return "mon-1-start"
	case strings.HasPrefix(f, "targets."):
		parts := strings.Split(f, ".")
		clock := "response"
		if len(parts) > 2 {
			clock = parts[2]
		}
		if len(parts) > 1 {
			return targetID(parts[1], clock)
		}
	case strings.HasPrefix(f, "pause_statuses"):
		return "pause_statuses"
	case strings.HasPrefix(f, "warn_fractions"):
		return "warn_percentages"
	}
	return f
}

// remapFields renames the fields of a validation error to the form's
// inputs and makes each message a sentence.
func remapFields(err error, rename func(string) string) error {
	fields := itsm.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	out := &itsm.Error{Code: itsm.ErrorCode(err), Message: sentence(itsm.ErrorMessage(err)), Fields: map[string]string{}}
	for k, msg := range fields {
		id := rename(k)
		if _, dup := out.Fields[id]; !dup {
			out.Fields[id] = sentence(msg)
		}
	}
	return out
}

// sentence starts a phrase with a capital letter and ends it with a full
// stop: the SLA engine's messages are phrases about a field.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// allDayGroup is the 24×7 checkbox.
func allDayGroup(p *basePage, allDay bool) checkboxGroup {
	var checked []string
	if allDay {
		checked = []string{"yes"}
	}
	return newCheckboxGroup(p, "all_day", "Round the clock", "", []option{{"yes", "Count every hour of every day (24×7), with no holidays"}}, checked)
}
