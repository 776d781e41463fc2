package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/notify"
	"github.com/steward-itsm/steward/internal/report"
)

// bindWebhookFlags declares `serve`'s webhook delivery flags and returns the
// policy they fill in once parsed.
func bindWebhookFlags(fs *flag.FlagSet) *notify.WebhookPolicy {
	p := &notify.WebhookPolicy{}
	fs.BoolVar(&p.AllowPrivate, "webhook-allow-private", envOr("STEWARD_WEBHOOK_ALLOW_PRIVATE", "") == "1",
		"let webhooks reach private, loopback and link-local addresses, for receivers on your own network (env STEWARD_WEBHOOK_ALLOW_PRIVATE=1; cloud metadata addresses stay refused)")
	fs.BoolVar(&p.AllowLoopback, "webhook-allow-loopback", envOr("STEWARD_WEBHOOK_ALLOW_LOOPBACK", "") == "1",
		"let webhooks reach loopback addresses only, for a receiver on this machine in development (env STEWARD_WEBHOOK_ALLOW_LOOPBACK=1)")
	return p
}

const importCSVUsage = `usage: steward import csv --kind organisations|users|integrations [--dry-run] FILE

Imports a CSV file (UTF-8, a header line naming the columns) as the
operator. Every line is checked; nothing is written unless every line is
right, and nothing at all with --dry-run. Problems are listed by line and
column. Lines create records or change the one their key names: an
organisation by name, a person by e-mail address, an interface by its
organisation and name. People created by an import have no password until
one is set (steward user passwd).

Flags:
`

// cmdImportCSV runs `steward import csv`.
func cmdImportCSV(ctx context.Context, args []string, e env) error {
	var c config
	fs := newFlags("import csv", e)
	bindCommon(fs, &c)
	kind := fs.String("kind", "", "what the file holds: organisations, users or integrations (required)")
	dry := fs.Bool("dry-run", false, "check the file and report, writing nothing")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprint(e.stderr, importCSVUsage)
		fs.PrintDefaults()
	}
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
	k := itsm.CSVKind(*kind)
	if len(files) != 1 || !k.Valid() {
		fmt.Fprintln(e.stderr, "steward import csv: give --kind organisations, users or integrations, and one file")
		fs.Usage()
		return errUsage
	}
	f, err := os.Open(files[0])
	if err != nil {
		return fmt.Errorf("cannot read the file: %w", err)
	}
	defer f.Close()
	rows, rep, err := itsm.ParseCSV(k, f)
	if err != nil {
		return err
	}
	if len(rep.Errors) == 0 {
		db, err := openDB(ctx, &c)
		if err != nil {
			return err
		}
		defer db.Close()
		if rep, err = db.ImportCSV(operator(ctx), k, rows, *dry); err != nil {
			return err
		}
	}
	rep.DryRun = *dry
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printImportReport(e.stdout, rep)
	}
	if len(rep.Errors) > 0 {
		return errImportFailed
	}
	return nil
}

// errImportFailed is an import refused for the problems already printed.
var errImportFailed = itsm.Errorf(itsm.EINVALID, "Nothing was imported: correct the lines listed and run the import again.")

func printImportReport(w io.Writer, rep *itsm.ImportReport) {
	if len(rep.Errors) > 0 {
		fmt.Fprintf(w, "The file has %d problem(s); nothing was written.\n", len(rep.Errors))
		for _, e := range rep.Errors {
			col := e.Column
			if col == "" {
				col = "(whole line)"
			}
			fmt.Fprintf(w, "  line %d, %s: %s\n", e.Line, col, e.Message)
		}
		return
	}
	verb := "Imported"
	if !rep.Applied {
		verb = "Checked (dry run, nothing written)"
	}
	fmt.Fprintf(w, "%s %d line(s) of %s: %d created, %d changed, %d unchanged.\n", verb, rep.Rows, rep.Kind, rep.Created, rep.Updated, rep.Unchanged)
}

// cmdExport runs `steward export csv`.
func cmdExport(ctx context.Context, args []string, e env) error {
	if _, rest, err := subcommand(args, "export", []string{"csv"}, e); err != nil {
		return err
	} else {
		args = rest
	}
	var c config
	fs := newFlags("export csv", e)
	bindCommon(fs, &c)
	kind := fs.String("kind", "", "what to export: organisations, users or integrations (required)")
	out := fs.String("out", "-", "file to write, - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	k := itsm.CSVKind(*kind)
	if !k.Valid() || fs.NArg() != 0 {
		fmt.Fprintln(e.stderr, "usage: steward export csv --kind organisations|users|integrations [--out FILE]")
		return errUsage
	}
	db, err := openDB(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.ExportCSV(operator(ctx), k)
	if err != nil {
		return err
	}
	w := e.stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("create %s: %w", *out, err)
		}
		defer f.Close()
		w = f
	}
	if err := report.WriteCSV(w, rows[0], rows[1:]); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	if *out != "-" {
		fmt.Fprintf(e.stderr, "Wrote %d %s to %s.\n", len(rows)-1, k, *out)
	}
	return nil
}
