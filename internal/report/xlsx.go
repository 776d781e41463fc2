package report

import (
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Cell types for WriteXLSX beyond the plain Go values. Plain values are
// written as themselves: strings as text (never as formulas, so XLSX needs
// no quoting), integers and floats as numbers, bools as booleans,
// time.Time as a date and time in UTC, nil and nil pointers as empty cells.
// Non-nil pointers are written as what they point to.
type (
	// Percent is a percentage (95.5 means 95.5 %), written as a number
	// shown with one decimal place and a per cent sign.
	Percent float64
	// Hours is an amount of time in hours, written as a number with two
	// decimal places.
	Hours float64
	// Month is the calendar month of a wall-clock time (give it a month's
	// start in the zone the month is counted in), written as a date shown
	// as "January 2026".
	Month time.Time
)

// WriteXLSX writes a workbook of one sheet: a bold header row that stays in
// view when scrolling, a filter on every column, the rows, and columns
// sized to their contents.
func WriteXLSX(w io.Writer, sheet string, header []string, rows [][]any) error {
	return writeXLSX(w, xlsxSheet{name: sheet, header: header, rows: rows, filter: true})
}

// xlsxSheet is one sheet to write. bold, when set, says which rows (by
// index into rows) are totals to be shown in bold; filter adds a filter
// button to every header cell.
type xlsxSheet struct {
	name   string
	header []string
	rows   [][]any
	bold   func(i int) bool
	filter bool
}

// cellKind selects a cell's number format.
type cellKind uint8

const (
	kindText cellKind = iota
	kindNumber
	kindPercent
	kindHours
	kindMonth
	kindTime
)

var numFmts = map[cellKind]string{
	kindPercent: "0.0%",
	kindHours:   "0.00",
	kindMonth:   "mmmm yyyy",
	kindTime:    "yyyy-mm-dd hh:mm:ss",
}

type styleKey struct {
	kind cellKind
	bold bool
}

type xlsxWriter struct {
	f      *excelize.File
	styles map[styleKey]int
}

func (x *xlsxWriter) style(k styleKey) (int, error) {
	if id, ok := x.styles[k]; ok {
		return id, nil
	}
	s := &excelize.Style{}
	if f, ok := numFmts[k.kind]; ok {
		s.CustomNumFmt = &f
	}
	if k.bold {
		s.Font = &excelize.Font{Bold: true}
	}
	id, err := x.f.NewStyle(s)
	if err != nil {
		return 0, err
	}
	x.styles[k] = id
	return id, nil
}

// cell converts a value to what excelize writes, its kind and the width of
// its text.
func cell(v any) (value any, kind cellKind, width int) {
	if v == nil {
		return nil, kindText, 0
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, kindText, 0
		}
		v = rv.Elem().Interface()
	}
	switch v := v.(type) {
	case string:
		return v, kindText, utf8.RuneCountInString(v)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		s := fmt.Sprint(v)
		return v, kindNumber, len(s)
	case float32:
		return cell(float64(v))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, kindText, 0
		}
		return v, kindNumber, len(strconv.FormatFloat(v, 'g', 10, 64))
	case Percent:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, kindText, 0
		}
		return float64(v) / 100, kindPercent, 7
	case Hours:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, kindText, 0
		}
		return float64(v), kindHours, len(strconv.FormatFloat(float64(v), 'f', 2, 64))
	case Month:
		t := time.Time(v)
		if t.IsZero() {
			return nil, kindText, 0
		}
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), kindMonth, len(t.Month().String()) + 5
	case time.Time:
		if v.IsZero() {
			return nil, kindText, 0
		}
		return v.UTC(), kindTime, 19
	case bool:
		return v, kindText, 5
	}
	s := fmt.Sprint(v)
	return s, kindText, utf8.RuneCountInString(s)
}

// sheetName makes a valid Excel sheet name: at most 31 characters, none of
// []:*?/\ and not starting or ending with an apostrophe.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) || r < ' ' {
			return ' '
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), "'")
	if utf8.RuneCountInString(s) > 31 {
		s = string([]rune(s)[:31])
	}
	if s == "" {
		return "Sheet1"
	}
	return s
}

// widthSample is how many rows are measured to size the columns.
const widthSample = 1000

// writeXLSX writes a workbook of the sheets, in order.
func writeXLSX(w io.Writer, sheets ...xlsxSheet) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	x := &xlsxWriter{f: f, styles: map[styleKey]int{}}
	for i, s := range sheets {
		name := sheetName(s.name)
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
				return fmt.Errorf("name sheet: %w", err)
			}
			if err := f.SetDocProps(&excelize.DocProperties{Creator: "Steward", Title: name, Language: "en-GB"}); err != nil {
				return fmt.Errorf("set document properties: %w", err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("add sheet %s: %w", name, err)
		}
		if err := x.writeSheet(name, s); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// writeSheet streams one sheet's header and rows.
func (x *xlsxWriter) writeSheet(name string, s xlsxSheet) error {
	f := x.f
	ncol := len(s.header)
	for _, r := range s.rows {
		ncol = max(ncol, len(r))
	}
	widths := make([]int, ncol)
	for i, h := range s.header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for i, r := range s.rows {
		if i >= widthSample {
			break
		}
		for j, v := range r {
			_, _, n := cell(v)
			widths[j] = max(widths[j], n)
		}
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	for j, n := range widths {
		if err := sw.SetColWidth(j+1, j+1, float64(min(max(n+2, 8), 60))); err != nil {
			return fmt.Errorf("size column %d: %w", j+1, err)
		}
	}
	if len(s.header) > 0 {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("freeze header: %w", err)
		}
		hs, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F3F2F1"}},
			Border:    []excelize.Border{{Type: "bottom", Color: "0B0C0C", Style: 1}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
		if err != nil {
			return fmt.Errorf("header style: %w", err)
		}
		cells := make([]any, len(s.header))
		for j, h := range s.header {
			cells[j] = excelize.Cell{StyleID: hs, Value: h}
		}
		if err := sw.SetRow("A1", cells); err != nil {
			return fmt.Errorf("write header: %w", err)
		}
	}
	first := 1
	if len(s.header) > 0 {
		first = 2
	}
	cells := make([]any, 0, ncol)
	for i, r := range s.rows {
		bold := s.bold != nil && s.bold(i)
		cells = cells[:0]
		for _, v := range r {
			value, kind, _ := cell(v)
			if value == nil {
				cells = append(cells, nil)
				continue
			}
			st := 0
			if kind != kindText && kind != kindNumber || bold {
				if st, err = x.style(styleKey{kind, bold}); err != nil {
					return fmt.Errorf("cell style: %w", err)
				}
			}
			cells = append(cells, excelize.Cell{StyleID: st, Value: value})
		}
		ref, _ := excelize.CoordinatesToCellName(1, first+i)
		if err := sw.SetRow(ref, cells); err != nil {
			return fmt.Errorf("write row %d: %w", i+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("finish: %w", err)
	}
	if s.filter && len(s.header) > 0 && ncol > 0 {
		last, _ := excelize.CoordinatesToCellName(ncol, first-1+len(s.rows))
		if err := f.AutoFilter(name, "A1:"+last, nil); err != nil {
			return fmt.Errorf("add filter: %w", err)
		}
	}
	return nil
}
