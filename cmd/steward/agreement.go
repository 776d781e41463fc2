package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// cmdAgreement adds and lists help desk service agreements.
func cmdAgreement(ctx context.Context, args []string, e env) error {
	sub, args, err := subcommand(args, "agreement", []string{"add", "list"}, e)
	if err != nil {
		return err
	}
	var c config
	fs := newFlags("agreement "+sub, e)
	bindCommon(fs, &c)
	name := fs.String("name", "", "agreement name (add)")
	provider := fs.Int64("provider", 0, "provider organisation ID (add)")
	customer := fs.Int64("customer", 0, "customer organisation ID, for a customer-specific agreement (add; default: every customer)")
	from := fs.String("from", "", "effective date, YYYY-MM-DD (add; default: today)")
	file := fs.String("file", "", "JSON with calendar, targets, pause_statuses and warn_fractions as the API takes them (add; default: Mon–Fri 09:00–17:00 Europe/London, Scottish holidays, P1 30m/4h … P4 8h/40h)")
	bankHolidays := fs.String("bank-holidays", "", "gov.uk's bank-holidays.json (from https://www.gov.uk/bank-holidays.json) whose --division's dates are added to the calendar's holidays (add)")
	division := fs.String("division", "", "division of --bank-holidays: "+strings.Join(sla.GovUKDivisions(), ", ")+" (add)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*bankHolidays == "") != (*division == "") {
		return errors.New("--bank-holidays FILE and --division go together: give both, or neither")
	}
	db, err := openDB(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = operator(ctx)
	if sub == "list" {
		ags, err := db.FindAgreements(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPROVIDER\tCUSTOMER\tEFFECTIVE FROM")
		for _, a := range ags {
			cust := "all"
			if a.CustomerID != nil {
				cust = fmt.Sprint(*a.CustomerID)
			}
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", a.ID, a.Name, a.ProviderID, cust, a.EffectiveFrom.Format("2006-01-02"))
		}
		return tw.Flush()
	}
	ag := &itsm.ServiceAgreement{Name: *name, ProviderID: *provider, Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
	if *customer > 0 {
		ag.CustomerID = customer
	}
	ag.EffectiveFrom = time.Now().UTC().Truncate(24 * time.Hour)
	if *from != "" {
		t, err := time.ParseInLocation("2006-01-02", *from, itsm.LoadLocation(""))
		if err != nil {
			return fmt.Errorf("--from: %q is not a date like 2026-04-01", *from)
		}
		ag.EffectiveFrom = t.UTC()
	}
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		var spec struct {
			Calendar      *itsm.CalendarSpec     `json:"calendar"`
			Targets       map[string]itsm.Target `json:"targets"`
			PauseStatuses []string               `json:"pause_statuses"`
			WarnFractions []float64              `json:"warn_fractions"`
		}
		if err := json.Unmarshal(b, &spec); err != nil {
			return fmt.Errorf("read %s: %w", *file, err)
		}
		if spec.Calendar != nil {
			ag.Calendar = *spec.Calendar
		}
		if spec.Targets != nil {
			ag.Targets = spec.Targets
		}
		ag.PauseStatuses, ag.WarnFractions = spec.PauseStatuses, spec.WarnFractions
	}
	if *bankHolidays != "" {
		if err := addBankHolidays(&ag.Calendar, *bankHolidays, *division); err != nil {
			return err
		}
	}
	if err := db.CreateAgreement(ctx, ag); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Created service agreement %d %q, in force from %s.\n", ag.ID, ag.Name, ag.EffectiveFrom.Format("2 January 2006"))
	return nil
}

// addBankHolidays adds a division of gov.uk's bank-holidays.json, read from
// a file, to the calendar's holidays, naming the flag at fault.
func addBankHolidays(cal *itsm.CalendarSpec, file, division string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("--bank-holidays: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, itsm.MaxBankHolidaysFile+1))
	if err != nil {
		return fmt.Errorf("--bank-holidays: read %s: %w", file, err)
	}
	if len(data) > itsm.MaxBankHolidaysFile {
		return fmt.Errorf("--bank-holidays: %s is larger than 1 MiB; gov.uk's bank-holidays.json is about 20 KB", file)
	}
	err = itsm.ApplyBankHolidays(cal, data, division)
	var ve *sla.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	switch ve.Field {
	case "bank_holidays.feed":
		return fmt.Errorf("--bank-holidays: %s %s", file, ve.Message)
	case "bank_holidays.division":
		return fmt.Errorf("--division: %s", strings.Replace(ve.Message, "the feed", file, 1))
	case "bank_holidays":
		return fmt.Errorf("--bank-holidays: %s", ve.Message)
	}
	return fmt.Errorf("invalid calendar: %s", ve.Error())
}
