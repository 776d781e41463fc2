package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/monitorfile"
	"github.com/steward-itsm/steward/internal/report"
	"github.com/steward-itsm/steward/internal/store"
)

const checksImportUsage = `usage: steward checks import [--dry-run] [--json] FILE

Creates or updates checks from a YAML or JSON file (a list of checks, or
{"checks": [...]}; the format is described in docs/monitoring.md) as the
operator. A check whose service and name match one that exists changes it.
Every definition is checked; nothing is written unless every one is right,
and nothing at all with --dry-run.

Flags:
`

// cmdChecks runs `steward checks import|list|export`.
func cmdChecks(ctx context.Context, args []string, e env) error {
	sub, args, err := subcommand(args, "checks", []string{"import", "list", "export"}, e)
	if err != nil {
		return err
	}
	switch sub {
	case "import":
		return cmdChecksImport(ctx, args, e)
	case "list":
		return cmdChecksList(ctx, args, e)
	}
	return cmdChecksExport(ctx, args, e)
}

// errChecksImportFailed is an import refused for the problems already
// printed.
var errChecksImportFailed = itsm.Errorf(itsm.EINVALID, "Nothing was imported: correct the checks listed and run the import again.")

func cmdChecksImport(ctx context.Context, args []string, e env) error {
	var c config
	fs := newFlags("checks import", e)
	bindCommon(fs, &c)
	dry := fs.Bool("dry-run", false, "check the file and report, writing nothing")
	asJSON := fs.Bool("json", false, "print the outcome as JSON")
	fs.Usage = func() {
		fmt.Fprint(e.stderr, checksImportUsage)
		fs.PrintDefaults()
	}
	// The file may come before or after the flags.
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files, rest = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintln(e.stderr, "steward checks import: give one file")
		fs.Usage()
		return errUsage
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return fmt.Errorf("cannot read the file: %w", err)
	}
	db, err := openDB(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = operator(ctx)
	orgs, err := monitorfile.Organisations(ctx, db)
	if err != nil {
		return err
	}
	parsed, err := monitorfile.Parse(data, monitorfile.FormatOf(files[0]), orgs)
	if err != nil {
		return err
	}
	out := &itsm.CheckImport{Errors: parsed.Errors}
	if len(parsed.Errors) == 0 {
		if out, err = db.ImportChecks(ctx, parsed.Checks, *dry); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			DryRun bool `json:"dry_run"`
			*itsm.CheckImport
		}{*dry, out})
	} else {
		printCheckImport(e.stdout, out, *dry)
	}
	if len(out.Errors) > 0 {
		return errChecksImportFailed
	}
	return nil
}

func printCheckImport(w io.Writer, out *itsm.CheckImport, dry bool) {
	if len(out.Errors) > 0 {
		fmt.Fprintf(w, "%d check(s) in the file have problems; nothing was written.\n", len(out.Errors))
		for _, e := range out.Errors {
			name := e.Name
			if name == "" {
				name = "(no name)"
			}
			if len(e.Fields) == 0 {
				fmt.Fprintf(w, "  check %d, %s: %s\n", e.Index, name, e.Message)
				continue
			}
			keys := make([]string, 0, len(e.Fields))
			for k := range e.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "  check %d, %s, %s: %s\n", e.Index, name, k, e.Fields[k])
			}
		}
		return
	}
	if dry {
		fmt.Fprintf(w, "Checked (dry run, nothing written): %d would be created, %d changed.\n", out.Created, out.Updated)
		return
	}
	fmt.Fprintf(w, "Imported: %d created, %d changed.\n", out.Created, out.Updated)
}

// allChecks reads every check matching f, a page at a time.
func allChecks(ctx context.Context, db *store.DB, f itsm.CheckFilter) ([]*itsm.Check, error) {
	var out []*itsm.Check
	f.Limit = 500
	for {
		page, _, err := db.FindChecks(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out, nil
		}
		f.Offset += len(page)
	}
}

// checksOfService parses a checks subcommand's flags (a --service filter
// and no arguments) and reads every matching check as the operator.
func checksOfService(ctx context.Context, args []string, e env, name, usage string) ([]*itsm.Check, error) {
	var c config
	fs := newFlags(name, e)
	bindCommon(fs, &c)
	service := fs.String("service", "", "only the checks of this service")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(e.stderr, "usage: "+usage)
		return nil, errUsage
	}
	db, err := openDB(ctx, &c)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var f itsm.CheckFilter
	if *service != "" {
		f.Service = service
	}
	return allChecks(operator(ctx), db, f)
}

func cmdChecksList(ctx context.Context, args []string, e env) error {
	checks, err := checksOfService(ctx, args, e, "checks list", "steward checks list [--service S]")
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSERVICE\tCOMPONENT\tNAME\tKIND\tTARGET\tEVERY\tSTATUS\tLAST CHECKED")
	for _, ch := range checks {
		target := ch.Address
		if ch.Kind == itsm.CheckHTTP {
			target = ch.Method + " " + ch.URL
		}
		status := ch.Status
		if !ch.Enabled {
			status = "paused"
		}
		last := "never"
		if ch.LastCheckedAt != nil {
			last = ch.LastCheckedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ch.ID, oneLine(ch.Service), oneLine(ch.Component), oneLine(ch.Name), ch.Kind,
			oneLine(target), ch.Interval, status, last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d check(s).\n", len(checks))
	return nil
}

// oneLine keeps a value on its line of the table.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, s)
}

func cmdChecksExport(ctx context.Context, args []string, e env) error {
	checks, err := checksOfService(ctx, args, e, "checks export", "steward checks export [--service S] > checks.csv")
	if err != nil {
		return err
	}
	rows := make([][]string, len(checks))
	for i, ch := range checks {
		rows[i] = monitorfile.CSVRow(ch)
	}
	if err := report.WriteCSV(e.stdout, monitorfile.CSVColumns, rows); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}
