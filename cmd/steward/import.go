package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/steward-itsm/steward/internal/importer"
	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
)

const importUsage = `usage: steward import servicenow [flags] FILE

Imports a ServiceNow incident audit export (a CSV file, or a zip archive
holding one) as the incidents of one customer organisation. Each incident
becomes one ticket with its status and priority history; its SLA clocks run
under the service agreement in force when it was opened. Importing the same
file again changes nothing; a changed incident is brought up to date.

Flags:
`

// cmdImport runs `steward import servicenow FILE`.
func cmdImport(ctx context.Context, args []string, e env) error {
	sub, args, err := subcommand(args, "import", []string{"servicenow", "csv"}, e)
	if err != nil {
		return err
	}
	if sub == "csv" {
		return cmdImportCSV(ctx, args, e)
	}
	var c config
	fs := newFlags("import "+sub, e)
	bindCommon(fs, &c)
	orgFlag := fs.String("org", "", "the customer organisation the incidents belong to, by ID or exact name (default: the only customer organisation)")
	tz := fs.String("tz", itsm.DefaultTimeZone, "the IANA time zone the export's dates and times are in")
	check := fs.Bool("agreement-check", false, "refuse to import unless a service agreement was in force when each incident was opened, so that every ticket gets SLA clocks")
	fs.Usage = func() {
		fmt.Fprint(e.stderr, importUsage)
		fs.PrintDefaults()
	}
	// Flags may come before or after the file.
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
		fmt.Fprintf(e.stderr, "steward import %s: name one export file\n\n", sub)
		fs.Usage()
		return errUsage
	}
	file := files[0]
	loc, err := time.LoadLocation(*tz)
	if err != nil || *tz == "" {
		return itsm.Errorf(itsm.EINVALID, "--tz: %q is not an IANA time zone such as Europe/London.", *tz)
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("cannot read the export: %w", err)
	}
	db, err := openDB(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = operator(ctx)
	org, err := importCustomer(ctx, db, *orgFlag)
	if err != nil {
		return err
	}

	start := time.Now()
	var readBar *progressbar.ProgressBar
	parsed, err := importer.ParseServiceNowFile(file, importer.Options{Location: loc, Progress: func(p importer.Progress) {
		if readBar == nil {
			readBar = importBar(e.stderr, p.Total, "Reading "+file, true)
		}
		if readBar != nil {
			_ = readBar.Set64(p.Bytes)
		}
	}})
	if readBar != nil {
		_ = readBar.Finish()
	}
	if err != nil {
		return err
	}
	readTime := time.Since(start)
	sum := parsed.Summary
	if sum.Incidents == 0 {
		printImportSummary(e.stdout, file, org, sum, nil, readTime, 0)
		return itsm.Errorf(itsm.EINVALID, "No incident could be read from %s: all %d rows are bad (see above).", file, sum.Rows)
	}
	if *check {
		if err := importAgreementCheck(ctx, db, org, parsed.Tickets, loc); err != nil {
			return err
		}
	}

	loadStart := time.Now()
	writeBar := importBar(e.stderr, int64(len(parsed.Tickets)), "Importing incidents", false)
	res, loadErr := importer.Load(ctx, db, org.ID, parsed.Tickets, importer.BatchSize, func(done, total int) {
		if writeBar != nil {
			_ = writeBar.Set(done)
		}
	})
	if writeBar != nil {
		_ = writeBar.Finish()
	}
	printImportSummary(e.stdout, file, org, sum, &res, readTime, time.Since(loadStart))
	return loadErr
}

// importCustomer resolves --org (an ID or an exact name) to a customer
// organisation; without it, the only customer organisation there is.
func importCustomer(ctx context.Context, db *store.DB, arg string) (*itsm.Organisation, error) {
	kind := itsm.OrgCustomer
	arg = strings.TrimSpace(arg)
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 {
		o, err := db.FindOrganisationByID(ctx, id)
		if err != nil {
			return nil, itsm.Errorf(itsm.ENOTFOUND, "There is no organisation with ID %d; run \"steward org list\" to see them.", id)
		}
		if o.Kind != itsm.OrgCustomer {
			return nil, itsm.Errorf(itsm.EINVALID, "Organisation %d (%s) is a %s organisation; incidents are imported for a customer organisation.", o.ID, o.Name, o.Kind)
		}
		return o, nil
	}
	var customers []*itsm.Organisation
	f := itsm.OrganisationFilter{Kind: &kind, Limit: 500}
	if arg != "" {
		f.Query = &arg
	}
	for {
		page, total, err := db.FindOrganisations(ctx, f)
		if err != nil {
			return nil, err
		}
		customers = append(customers, page...)
		f.Offset += len(page)
		if f.Offset >= total || len(page) == 0 {
			break
		}
	}
	if arg != "" {
		for _, o := range customers {
			if strings.EqualFold(o.Name, arg) {
				return o, nil
			}
		}
		return nil, itsm.Errorf(itsm.ENOTFOUND, "There is no customer organisation named %q.%s", arg, importChoices(customers, " Did you mean:"))
	}
	switch len(customers) {
	case 0:
		return nil, itsm.Errorf(itsm.EINVALID, "There is no customer organisation to import into; add one with \"steward org add --kind customer --name NAME\".")
	case 1:
		return customers[0], nil
	}
	return nil, itsm.Errorf(itsm.EINVALID, "There are %d customer organisations; choose the one the incidents belong to with --org ID or --org NAME.%s", len(customers), importChoices(customers, ""))
}

// importChoices lists organisations for an error message, 20 at most.
func importChoices(orgs []*itsm.Organisation, intro string) string {
	if len(orgs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(intro)
	for i, o := range orgs {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more (steward org list)", len(orgs)-20)
			break
		}
		fmt.Fprintf(&b, "\n  --org %d  (%s)", o.ID, o.Name)
	}
	return b.String()
}

// importAgreementCheck refuses an import in which some incident was opened
// when no service agreement was in force for the customer.
func importAgreementCheck(ctx context.Context, db *store.DB, org *itsm.Organisation, tickets []itsm.ImportedTicket, loc *time.Location) error {
	agreements, err := db.FindAgreements(ctx)
	if err != nil {
		return err
	}
	missing := 0
	var earliest *itsm.ImportedTicket
	for i := range tickets {
		t := &tickets[i]
		if itsm.AgreementInForce(agreements, org.ID, t.CreatedAt) == nil {
			missing++
			if earliest == nil || t.CreatedAt.Before(earliest.CreatedAt) {
				earliest = t
			}
		}
	}
	if missing == 0 {
		return nil
	}
	when := earliest.CreatedAt.In(loc).Format("2 January 2006 15:04")
	return itsm.Errorf(itsm.EINVALID, "No service agreement was in force for %s when %s of the %s incidents were opened (the earliest, %s, on %s). "+
		"Add an agreement effective from that date or earlier, or import without --agreement-check (those tickets will have no SLA clocks). Nothing was imported.",
		org.Name, importCount(missing), importCount(len(tickets)), strings.TrimPrefix(earliest.ExternalRef, importer.ServiceNowRefPrefix), when)
}

// importBar returns a progress bar on w, or nil when w is not a terminal
// (a pipe, a file, a test's buffer), where a bar would only be noise.
func importBar(w io.Writer, max int64, description string, bytes bool) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionShowTotalBytes(true))
	} else {
		opts = append(opts, progressbar.OptionShowCount())
	}
	return progressbar.NewOptions64(max, opts...)
}

// printImportSummary says what was read and what the import did; res is
// nil when nothing was imported.
func printImportSummary(w io.Writer, file string, org *itsm.Organisation, s itsm.ImportSummary, res *itsm.ImportResult, read, load time.Duration) {
	fmt.Fprintf(w, "Read %s (%s) of %s: %s.\n", importNoun(s.Rows, "row"), importSize(s.Bytes), file, importNoun(s.Incidents, "incident"))
	if res != nil {
		fmt.Fprintf(w, "Imported into %s (organisation %d):\n", org.Name, org.ID)
		fmt.Fprintf(w, "  created    %s\n  updated    %s\n  unchanged  %s\n  skipped    %s\n",
			importCount(res.Created), importCount(res.Updated), importCount(res.Unchanged), importCount(len(res.Skipped)))
		if res.WithoutAgreement > 0 {
			they := "they were"
			if res.WithoutAgreement == 1 {
				they = "it was"
			}
			fmt.Fprintf(w, "  No SLA clocks for %s: no service agreement was in force when %s opened.\n", importNoun(res.WithoutAgreement, "ticket"), they)
		}
		importList(w, "Skipped", len(res.Skipped), func(i int) string { return res.Skipped[i].Reason })
	}
	if len(s.Unknown) == 0 {
		fmt.Fprintln(w, "Unknown values: none.")
	} else {
		fmt.Fprintln(w, "Unknown values, mapped by rule:")
		for _, u := range s.Unknown {
			lines := make([]string, len(u.Lines))
			for i, l := range u.Lines {
				lines[i] = strconv.Itoa(l)
			}
			more := ""
			if u.Count > len(u.Lines) {
				more = fmt.Sprintf(" and %s more", importCount(u.Count-len(u.Lines)))
			}
			fmt.Fprintf(w, "  %s %q: %s (line%s %s%s) — %s\n", u.Column, u.Value, importNoun(u.Count, "row"),
				importPlural(len(u.Lines)), strings.Join(lines, ", "), more, u.Rule)
		}
	}
	importList(w, "Rows stamped out of time order, moved up to keep the history in order", len(s.Clamped), func(i int) string { return s.Clamped[i].Problem })
	if len(s.BadRows) == 0 {
		fmt.Fprintln(w, "Bad rows: none.")
	} else {
		importList(w, "Bad rows, not imported", len(s.BadRows), func(i int) string { return s.BadRows[i].Problem })
	}
	fmt.Fprintln(w, "Rules applied:")
	for _, r := range s.Rules {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	fmt.Fprintf(w, "Elapsed: %s (reading %s, importing %s).\n", importSeconds(read+load), importSeconds(read), importSeconds(load))
}

// importList prints a heading with a count and the first 20 items.
func importList(w io.Writer, heading string, n int, item func(int) string) {
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "%s: %s\n", heading, importCount(n))
	for i := 0; i < n && i < 20; i++ {
		fmt.Fprintf(w, "  %s\n", item(i))
	}
	if n > 20 {
		fmt.Fprintf(w, "  and %s more\n", importCount(n-20))
	}
}

// importCount writes a whole number with thousands separators: 20,769.
func importCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// importNoun writes a count and a noun that takes an s: "1 row", "2 rows".
func importNoun(n int, noun string) string {
	return importCount(n) + " " + noun + importPlural(n)
}

func importPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// importSize writes a byte count in kB or MB (powers of 1,000).
func importSize(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

func importSeconds(d time.Duration) string {
	return fmt.Sprintf("%.1f s", d.Seconds())
}
