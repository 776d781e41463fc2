// Package importer reads other service desks' exports into Steward's
// imported tickets. It parses and maps; the store writes.
//
// ServiceNow's incident audit export has one row per update of an incident.
// Rows are streamed (never the whole file in memory), grouped by incident
// number wherever they are in the file, ordered, and turned into one ticket
// each with its status and priority history. Values outside the mapping are
// handled by a stated rule and reported with counts and line numbers; rows
// that cannot be used at all are reported with their line numbers. Nothing
// is dropped silently.
package importer

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

// ServiceNowRefPrefix begins the external reference of every ticket
// imported from ServiceNow: "servicenow:INC0000045".
const ServiceNowRefPrefix = "servicenow:"

// Options control a parse.
type Options struct {
	// Location is the time zone the export's wall-clock times are read in;
	// nil means Europe/London.
	Location *time.Location
	// Progress, when set, is called every few thousand rows and at the end.
	Progress func(Progress)
}

// Progress is how far a parse has got.
type Progress struct {
	Rows  int
	Bytes int64 // CSV bytes read so far
	Total int64 // CSV bytes in all, or 0 when unknown
}

// Result is a parsed export: one ticket per incident, in the order the
// incidents first appear, and the summary.
type Result struct {
	Tickets []itsm.ImportedTicket
	Summary itsm.ImportSummary
}

// The export's columns.
const (
	colNumber = iota
	colState
	colActive
	colReassignments
	colReopens
	colModCount
	colMadeSLA
	colCaller
	colOpenedBy
	colOpenedAt
	colCreatedBy
	colCreatedAt
	colUpdatedBy
	colUpdatedAt
	colContactType
	colLocation
	colCategory
	colSubcategory
	colSymptom
	colCI
	colImpact
	colUrgency
	colPriority
	colGroup
	colAssignedTo
	colKnowledge
	colPriorityConfirmed
	colNotify
	colProblem
	colRFC
	colVendor
	colCausedBy
	colClosedCode
	colResolvedBy
	colResolvedAt
	colClosedAt
	numColumns
)

var columnNames = [numColumns]string{
	"number", "incident_state", "active", "reassignment_count", "reopen_count", "sys_mod_count", "made_sla",
	"caller_id", "opened_by", "opened_at", "sys_created_by", "sys_created_at", "sys_updated_by", "sys_updated_at",
	"contact_type", "location", "category", "subcategory", "u_symptom", "cmdb_ci", "impact", "urgency", "priority",
	"assignment_group", "assigned_to", "knowledge", "u_priority_confirmation", "notify", "problem_id", "rfc", "vendor",
	"caused_by", "closed_code", "resolved_by", "resolved_at", "closed_at",
}

// requiredColumns cannot be done without; the others are used when present.
var requiredColumns = []int{colNumber, colState, colModCount, colOpenedAt, colUpdatedAt, colImpact, colUrgency, colPriority}

// described are the columns of an incident's latest row kept for its
// fields and description.
var described = []int{colActive, colReassignments, colReopens, colMadeSLA, colCaller, colOpenedBy, colContactType, colLocation,
	colCategory, colSubcategory, colSymptom, colCI, colGroup, colAssignedTo, colKnowledge, colPriorityConfirmed, colNotify,
	colProblem, colRFC, colVendor, colCausedBy, colClosedCode, colResolvedBy, colResolvedAt, colClosedAt}

// boolColumns hold true/false.
var boolColumns = []int{colActive, colMadeSLA, colKnowledge, colPriorityConfirmed}

// ParseServiceNowFile reads a ServiceNow incident export: a CSV file, or a
// zip archive holding exactly one CSV file.
func ParseServiceNowFile(name string, opts Options) (*Result, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	isZip := n == 4 && bytes.Equal(magic[:], []byte("PK\x03\x04"))
	if !isZip && strings.EqualFold(filepath.Ext(name), ".zip") {
		return nil, itsm.Errorf(itsm.EINVALID, "%s is named .zip but is not a zip archive; give the export's CSV file or the zip archive ServiceNow produced.", name)
	}
	if isZip {
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			return nil, fmt.Errorf("read zip archive %s: %w", name, err)
		}
		var csvs []*zip.File
		for _, zf := range zr.File {
			base := path.Base(zf.Name)
			if zf.FileInfo().IsDir() || strings.HasPrefix(zf.Name, "__MACOSX/") || strings.HasPrefix(base, "._") {
				continue
			}
			if strings.EqualFold(path.Ext(base), ".csv") {
				csvs = append(csvs, zf)
			}
		}
		if len(csvs) != 1 {
			return nil, itsm.Errorf(itsm.EINVALID, "The zip archive %s holds %d CSV files; it must hold exactly one.", name, len(csvs))
		}
		rc, err := csvs[0].Open()
		if err != nil {
			return nil, fmt.Errorf("open %s in %s: %w", csvs[0].Name, name, err)
		}
		defer rc.Close()
		res, err := ParseServiceNow(rc, int64(csvs[0].UncompressedSize64), opts)
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", csvs[0].Name, name, err)
		}
		return res, nil
	}
	res, err := ParseServiceNow(f, st.Size(), opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return res, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// row is what an incident keeps of one of its rows for the history.
type row struct {
	line      int
	mod       int
	updated   time.Time
	status    itsm.TicketStatus // "" when the state was not recognised
	priority  string            // P1..P4, already mapped
	updatedBy string
}

// compareRows orders an incident's rows: sys_mod_count, then
// sys_updated_at, then line.
func compareRows(a, b *row) int {
	if c := cmp.Compare(a.mod, b.mod); c != 0 {
		return c
	}
	if c := a.updated.Compare(b.updated); c != 0 {
		return c
	}
	return cmp.Compare(a.line, b.line)
}

// incident gathers one incident's rows while the file streams by.
type incident struct {
	number   string
	rows     []row
	latest   row // the latest row so far, for the descriptive fields
	fields   [numColumns]string
	openedAt time.Time
	// The last raw opened_at, resolved_at and closed_at, to parse each
	// once rather than on every row.
	openedRaw    string
	openedParsed time.Time
	timeRaw      [2]string
	timeOut      [2]string
	impact       itsm.Level
	urgency      itsm.Level
}

// parser is one parse's state.
type parser struct {
	loc       *time.Location
	col       [numColumns]int // index of each column in the file, -1 if absent
	intern    map[string]string
	incidents map[string]*incident
	order     []*incident
	unknown   map[[2]string]*itsm.UnknownValue
	sum       itsm.ImportSummary
}

// ParseServiceNow reads a ServiceNow incident export CSV from r. size is
// the number of bytes r holds, for progress, or 0 when unknown. A missing
// required column or an unreadable file is an error; bad rows and unknown
// values are reported in the summary.
func ParseServiceNow(r io.Reader, size int64, opts Options) (*Result, error) {
	loc := opts.Location
	if loc == nil {
		loc = itsm.LoadLocation(itsm.DefaultTimeZone)
	}
	p := &parser{loc: loc, intern: map[string]string{}, incidents: map[string]*incident{}, unknown: map[[2]string]*itsm.UnknownValue{}}
	p.sum.Source = "ServiceNow incident event log"
	cr := &countingReader{r: r}
	cv := csv.NewReader(cr)
	cv.ReuseRecord = true
	header, err := cv.Read()
	if errors.Is(err, io.EOF) {
		return nil, itsm.Errorf(itsm.EINVALID, "The file is empty: there is no header row.")
	} else if err != nil {
		return nil, fmt.Errorf("read the header row: %w", err)
	}
	if err := p.bindHeader(header); err != nil {
		return nil, err
	}
	width := len(header)
	report := func() {
		if opts.Progress != nil {
			opts.Progress(Progress{Rows: p.sum.Rows, Bytes: cr.n, Total: size})
		}
	}
	for {
		rec, err := cv.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return nil, fmt.Errorf("read row %d: %w", p.sum.Rows+2, err)
		}
		p.sum.Rows++
		if p.sum.Rows%4096 == 0 {
			report()
		}
		if pe != nil {
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				line, _ := cv.FieldPos(0)
				p.bad(line, numberOf(rec, p.col[colNumber]), fmt.Sprintf("has %d columns; the header has %d", len(rec), width))
			} else if pe.Line > pe.StartLine {
				// An unclosed quote runs on: say which lines it took.
				lost := fmt.Sprintf("line %d was", pe.Line)
				if pe.Line > pe.StartLine+1 {
					lost = fmt.Sprintf("lines %d to %d were", pe.StartLine+1, pe.Line)
				}
				p.bad(pe.StartLine, "", fmt.Sprintf("is not valid CSV (%v); the field quoted there runs to line %d, so %s not read", pe.Err, pe.Line, lost))
			} else {
				p.bad(pe.StartLine, "", fmt.Sprintf("is not valid CSV (%v)", pe.Err))
			}
			continue
		}
		line, _ := cv.FieldPos(0)
		p.add(line, rec)
	}
	p.sum.Bytes = cr.n
	report()
	if p.sum.Rows == 0 {
		return nil, itsm.Errorf(itsm.EINVALID, "The file has a header but no rows.")
	}
	return p.finish(), nil
}

func numberOf(rec []string, i int) string {
	if i >= 0 && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// bindHeader finds each column by name.
func (p *parser) bindHeader(header []string) error {
	for i := range p.col {
		p.col[i] = -1
	}
	index := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := index[h]; !dup {
			index[h] = i
		}
	}
	for c, name := range columnNames {
		if i, ok := index[name]; ok {
			p.col[c] = i
		}
	}
	var missing []string
	for _, c := range requiredColumns {
		if p.col[c] < 0 {
			missing = append(missing, columnNames[c])
		}
	}
	if len(missing) > 0 {
		return itsm.Errorf(itsm.EINVALID, "This is not a ServiceNow incident export: the header row lacks the column%s %s.", plural(len(missing)), strings.Join(missing, ", "))
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// value returns a column's value, "" for NULL (`?`) or an absent column.
func (p *parser) value(rec []string, c int) string {
	i := p.col[c]
	if i < 0 || i >= len(rec) {
		return ""
	}
	v := strings.TrimSpace(rec[i])
	if v == "?" {
		return ""
	}
	return v
}

// keep returns a copy of s that does not pin the CSV reader's line buffer;
// repeated values share one copy.
func (p *parser) keep(s string) string {
	if v, ok := p.intern[s]; ok {
		return v
	}
	s = strings.Clone(s)
	p.intern[s] = s
	return s
}

func (p *parser) bad(line int, ref, problem string) {
	p.sum.BadRows = append(p.sum.BadRows, itsm.ImportProblem{Line: line, Ref: ref, Problem: "Line " + strconv.Itoa(line) + " " + problem + "."})
}

func (p *parser) unknownValue(line int, c int, value, rule string) {
	k := [2]string{columnNames[c], value}
	u := p.unknown[k]
	if u == nil {
		u = &itsm.UnknownValue{Column: columnNames[c], Value: p.keep(value), Rule: rule}
		p.unknown[k] = u
	}
	u.Count++
	if len(u.Lines) < itsm.MaxLines {
		u.Lines = append(u.Lines, line)
	}
}

// add reads one well-formed row into its incident.
func (p *parser) add(line int, rec []string) {
	number := p.value(rec, colNumber)
	if number == "" {
		p.bad(line, "", "has no incident number")
		return
	}
	mod, err := strconv.Atoi(p.value(rec, colModCount))
	if err != nil || mod < 0 {
		p.bad(line, number, fmt.Sprintf("has sys_mod_count %q, which is not a whole number", p.value(rec, colModCount)))
		return
	}
	inc := p.incidents[number]
	updated, err := p.requiredTime(rec, colUpdatedAt, nil)
	if err != nil {
		p.bad(line, number, err.Error())
		return
	}
	opened, err := p.requiredTime(rec, colOpenedAt, inc)
	if err != nil {
		p.bad(line, number, err.Error())
		return
	}
	r := row{line: line, mod: mod, updated: updated, updatedBy: p.keep(p.value(rec, colUpdatedBy))}
	state := p.value(rec, colState)
	if st, ok := mapState(state); ok {
		r.status = st
	} else {
		p.unknownValue(line, colState, state, ruleUnknownState)
	}
	impact, urgency := p.level(line, rec, colImpact), p.level(line, rec, colUrgency)
	raw := p.value(rec, colPriority)
	if pr, ok := mapPriority(raw); ok {
		r.priority = pr
	} else {
		p.unknownValue(line, colPriority, raw, ruleUnknownPriority)
		r.priority = itsm.DefaultPriorityMatrix.Priority(impact, urgency)
	}
	for _, c := range boolColumns {
		if v := p.value(rec, c); v != "" {
			if _, ok := parseBool(v); !ok {
				p.unknownValue(line, c, v, ruleUnknownBool)
			}
		}
	}
	if inc == nil {
		inc = &incident{number: p.keep(number), openedRaw: p.keep(p.value(rec, colOpenedAt)), openedParsed: opened}
		p.incidents[inc.number] = inc
		p.order = append(p.order, inc)
	}
	inc.rows = append(inc.rows, r)
	if len(inc.rows) > 1 && compareRows(&r, &inc.latest) < 0 {
		return
	}
	inc.latest, inc.openedAt, inc.impact, inc.urgency = r, opened, impact, urgency
	for _, c := range described {
		v := p.value(rec, c)
		if c == colResolvedAt || c == colClosedAt {
			v = p.optionalTime(line, c, v, inc)
		}
		// Most columns repeat from one update to the next: compare before
		// keeping a copy.
		if v != inc.fields[c] {
			inc.fields[c] = p.keep(v)
		}
	}
}

// requiredTime reads a time that a row cannot do without. The incident's
// opened_at repeats on every row, so inc (when set) remembers the last one.
func (p *parser) requiredTime(rec []string, c int, inc *incident) (time.Time, error) {
	v := p.value(rec, c)
	if v == "" {
		return time.Time{}, fmt.Errorf("has no %s", columnNames[c])
	}
	if inc != nil && v == inc.openedRaw {
		return inc.openedParsed, nil
	}
	t, err := parseDateTime(v, p.loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("has %s %q, which %w", columnNames[c], v, err)
	}
	return t, nil
}

// optionalTime renders an optional time for the description the GOV.UK
// way, so that the same instant reads the same whatever the export's date
// format; an unreadable one is reported and left out.
func (p *parser) optionalTime(line, c int, v string, inc *incident) string {
	if v == "" {
		return ""
	}
	i := 0
	if c == colClosedAt {
		i = 1
	}
	if v == inc.timeRaw[i] {
		return inc.timeOut[i]
	}
	t, err := parseDateTime(v, p.loc)
	if err != nil {
		p.unknownValue(line, c, v, ruleBadOptionalDate)
		return ""
	}
	inc.timeRaw[i], inc.timeOut[i] = p.keep(v), t.In(p.loc).Format("2 Jan 2006 15:04 MST")
	return inc.timeOut[i]
}

func (p *parser) level(line int, rec []string, c int) itsm.Level {
	v := p.value(rec, c)
	if l, ok := mapLevel(v); ok {
		return l
	}
	p.unknownValue(line, c, v, ruleUnknownLevel)
	return itsm.Medium
}

// finish orders each incident's rows and builds its ticket.
func (p *parser) finish() *Result {
	res := &Result{Tickets: make([]itsm.ImportedTicket, 0, len(p.order))}
	for _, inc := range p.order {
		res.Tickets = append(res.Tickets, p.ticket(inc))
	}
	p.sum.Incidents = len(res.Tickets)
	for _, u := range p.unknown {
		p.sum.Unknown = append(p.sum.Unknown, *u)
	}
	itsm.SortUnknown(p.sum.Unknown)
	byLine := func(a, b itsm.ImportProblem) int { return cmp.Compare(a.Line, b.Line) }
	slices.SortStableFunc(p.sum.BadRows, byLine)
	slices.SortStableFunc(p.sum.Clamped, byLine)
	p.sum.Rules = []string{RuleStates, RuleResponse, RulePriority, RuleOrder, RuleFields}
	res.Summary = p.sum
	return res
}

// ticket turns an incident's rows into a ticket and its history.
func (p *parser) ticket(inc *incident) itsm.ImportedTicket {
	slices.SortFunc(inc.rows, func(a, b row) int { return compareRows(&a, &b) })
	f := &inc.fields
	t := itsm.ImportedTicket{
		ExternalRef: ServiceNowRefPrefix + inc.number,
		Type:        itsm.Incident,
		Title:       title(inc.number, f[colCategory], f[colSubcategory], f[colSymptom]),
		Description: description(inc.number, f),
		Category:    clip(f[colCategory], 100),
		Service:     clip(f[colGroup], 100),
		Component:   clip(f[colCI], 100),
		Requester:   clip(f[colCaller], 200),
		Impact:      inc.impact,
		Urgency:     inc.urgency,
		CreatedAt:   inc.openedAt,
	}
	status, priority := itsm.StatusNew, inc.rows[0].priority
	t.Events = make([]itsm.ImportedEvent, 0, len(inc.rows)+2)
	t.Events = append(t.Events, itsm.ImportedEvent{At: t.CreatedAt, Type: "created", ActorName: clip(f[colOpenedBy], 200), By: "customer", Status: status, Priority: priority, Public: true})
	last, responded := t.CreatedAt, false
	var resolvedAt, closedAt *time.Time
	for i := range inc.rows {
		r := &inc.rows[i]
		at := r.updated
		if at.Before(last) {
			p.sum.Clamped = append(p.sum.Clamped, itsm.ImportProblem{Line: r.line, Ref: inc.number,
				Problem: fmt.Sprintf("Line %d (%s, sys_mod_count %d) was updated at %s, before the update ordered ahead of it; it is placed at %s.",
					r.line, inc.number, r.mod, r.updated.In(p.loc).Format("2 Jan 2006 15:04"), last.In(p.loc).Format("2 Jan 2006 15:04"))})
			at = last
		}
		last = at
		actor := clip(r.updatedBy, 200)
		st := r.status
		if st == "" {
			st = status // an unknown state keeps the previous one
		}
		if !responded && st != itsm.StatusNew {
			responded = true
			t.Events = append(t.Events, itsm.ImportedEvent{At: at, Type: "public_reply", ActorName: actor, By: "staff", Body: responseNote, Public: true})
		}
		if r.priority != priority {
			t.Events = append(t.Events, itsm.ImportedEvent{At: at, Type: "priority", ActorName: actor, Priority: r.priority,
				Body: fmt.Sprintf("Imported: priority changed in ServiceNow from %s to %s.", priority, r.priority)})
			priority = r.priority
		}
		if st != status {
			t.Events = append(t.Events, itsm.ImportedEvent{At: at, Type: "status", ActorName: actor, Status: st, Public: true})
			status = st
			switch {
			case st == itsm.StatusResolved:
				at := at
				resolvedAt = &at
			case st == itsm.StatusClosed:
				at := at
				closedAt = &at
			default: // re-opened, as Steward's re-open does
				resolvedAt, closedAt = nil, nil
			}
		}
	}
	t.Status, t.Priority, t.UpdatedAt = status, priority, last
	switch status {
	case itsm.StatusClosed:
		t.ResolvedAt, t.ClosedAt = resolvedAt, closedAt
	case itsm.StatusResolved:
		t.ResolvedAt = resolvedAt
	}
	return t
}

func title(number, category, subcategory, symptom string) string {
	var parts []string
	for _, s := range []string{category, subcategory} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	t := number
	if len(parts) > 0 {
		t += ": " + strings.Join(parts, " / ")
	}
	if symptom != "" {
		t += " (" + symptom + ")"
	}
	return clip(t, 200)
}

// descriptionLines label the described columns, in reading order.
var descriptionLines = []struct {
	col   int
	label string
}{
	{colCaller, "Caller"}, {colOpenedBy, "Opened by"}, {colContactType, "Contact type"}, {colLocation, "Location"},
	{colCategory, "Category"}, {colSubcategory, "Subcategory"}, {colSymptom, "Symptom"}, {colCI, "Configuration item"},
	{colGroup, "Assignment group"}, {colAssignedTo, "Assigned to"}, {colActive, "Active"}, {colKnowledge, "Knowledge"},
	{colPriorityConfirmed, "Priority confirmed"}, {colNotify, "Notify"}, {colProblem, "Problem"}, {colRFC, "Change (RFC)"},
	{colVendor, "Vendor"}, {colCausedBy, "Caused by"}, {colClosedCode, "Close code"}, {colResolvedBy, "Resolved by"},
	{colResolvedAt, "Resolved at (ServiceNow)"}, {colClosedAt, "Closed at (ServiceNow)"}, {colReassignments, "Reassignments"},
	{colReopens, "Re-opens"}, {colMadeSLA, "Made SLA (ServiceNow)"},
}

func description(number string, f *[numColumns]string) string {
	var b strings.Builder
	b.Grow(512)
	b.WriteString("Imported from ServiceNow incident ")
	b.WriteString(number)
	b.WriteString(". Details from its latest update:\n")
	for _, l := range descriptionLines {
		v := f[l.col]
		if v == "" {
			continue
		}
		if slices.Contains(boolColumns, l.col) {
			if x, ok := parseBool(v); ok {
				v = "no"
				if x {
					v = "yes"
				}
			} else {
				continue
			}
		}
		b.WriteString("\n")
		b.WriteString(l.label)
		b.WriteString(": ")
		b.WriteString(v)
	}
	return b.String()
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
