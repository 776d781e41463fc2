package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// cmdReport writes the SLA compliance report as CSV or XLSX, for operators
// and scheduled exports.
func cmdReport(ctx context.Context, args []string, e env) error {
	sub, args, err := subcommand(args, "report", []string{"sla"}, e)
	if err != nil {
		return err
	}
	var c config
	fs := newFlags("report "+sub, e)
	bindCommon(fs, &c)
	from := fs.String("from", "", "first month, YYYY-MM (default: 12 months ago)")
	to := fs.String("to", "", "last month, YYYY-MM, inclusive (default: this month)")
	format := fs.String("format", "csv", "csv or xlsx (xlsx is written to --out)")
	out := fs.String("out", "", "file to write (default: standard output, csv only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	now := time.Now()
	f := itsm.SLAReportFilter{From: itsm.AddMonths(itsm.MonthStart(now), -11), To: itsm.AddMonths(itsm.MonthStart(now), 1)}
	if *from != "" {
		if f.From, err = itsm.ParseMonth(*from); err != nil {
			return fmt.Errorf("--from: %w", err)
		}
	}
	if *to != "" {
		last, err := itsm.ParseMonth(*to)
		if err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		f.To = itsm.AddMonths(last, 1)
	}
	db, err := openDB(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	started := time.Now()
	r, err := db.SLAReport(operator(ctx), f)
	if err != nil {
		return err
	}
	w := e.stdout
	if *out != "" {
		file, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	switch strings.ToLower(*format) {
	case "csv":
		err = report.WriteSLACSV(w, r)
	case "xlsx":
		if *out == "" {
			return fmt.Errorf("--format xlsx needs --out FILE.xlsx")
		}
		err = report.WriteSLAXLSX(w, r)
	default:
		return fmt.Errorf("--format: %q is not csv or xlsx", *format)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "SLA report for %s to %s: %d rows in %s.\n", f.From.Format("January 2006"), itsm.AddMonths(f.To, -1).Format("January 2006"), len(r.Rows), time.Since(started).Round(time.Millisecond))
	return nil
}
