package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// cmdSLA runs the SLA what-if simulator and lists holiday sets, with the
// same JSON as POST /api/v1/sla/simulate and GET /api/v1/holidays.
func cmdSLA(ctx context.Context, args []string, e env) error {
	sub, args, err := subcommand(args, "sla", []string{"simulate", "holidays"}, e)
	if err != nil {
		return err
	}
	if sub == "holidays" {
		return cmdSLAHolidays(args, e)
	}
	return cmdSLASimulate(args, e)
}

// cmdSLAHolidays lists a built-in holiday set's bank holidays for a year.
func cmdSLAHolidays(args []string, e env) error {
	fs := newFlags("sla holidays", e)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: steward sla holidays [--set SET] [--year YEAR] [--govuk bank-holidays.json]\n\nLists a holiday set's bank holidays for a year as JSON, like GET /api/v1/holidays;\nwith --govuk, compares them with gov.uk's published list instead and prints the differences.\n\nFlags:")
		fs.PrintDefaults()
	}
	set := fs.String("set", sla.SetScotland, "holiday set: "+strings.Join(sla.HolidaySetNames(), ", "))
	year := fs.Int("year", time.Now().Year(), "year")
	govuk := fs.String("govuk", "", "gov.uk's bank-holidays.json (from https://www.gov.uk/bank-holidays.json) to compare with the computed set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	hs, err := sla.HolidaySet(*set, *year)
	if err != nil {
		return err
	}
	if *govuk != "" {
		return compareGovUK(e, *govuk, *set, *year, hs)
	}
	type holiday struct {
		Date string `json:"date"`
		Name string `json:"name"`
	}
	out := make([]holiday, 0, len(hs))
	for _, h := range hs {
		out = append(out, holiday{Date: h.Date.String(), Name: h.Name})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// cmdSLASimulate runs the what-if simulator on a file of the API's JSON.
func cmdSLASimulate(args []string, e env) error {
	fs := newFlags("sla simulate", e)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: steward sla simulate FILE.json   (- reads standard input)\n\nEvaluates ticket histories under a calendar and targets, with the same JSON as POST /api/v1/sla/simulate.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	in := e.stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err // *fs.PathError says "open NAME: …" itself
		}
		defer f.Close()
		in = f
	}
	input, err := sla.DecodeSimulationInput(in)
	if err != nil {
		return simulationError(err)
	}
	out, err := sla.Simulate(input, time.Now())
	if err != nil {
		return simulationError(err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// simulationError names the field of a validation error for the operator.
func simulationError(err error) error {
	var ve *sla.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("invalid input: %s", ve.Error())
	}
	return err
}

// compareGovUK prints where gov.uk's published bank holidays for a division
// and year differ from the computed set: days only one of them has, and
// days they name differently. Differences make the command fail, so a
// script can check the rules before a new year.
func compareGovUK(e env, file, set string, year int, computed []sla.Holiday) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("--govuk: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, itsm.MaxBankHolidaysFile+1))
	if err != nil {
		return fmt.Errorf("--govuk: read %s: %w", file, err)
	}
	if len(data) > itsm.MaxBankHolidaysFile {
		return fmt.Errorf("--govuk: %s is larger than 1 MiB; gov.uk's bank-holidays.json is about 20 KB", file)
	}
	all, err := sla.GovUKDivisionHolidays(data, set)
	var ve *sla.ValidationError
	switch {
	case errors.As(err, &ve) && ve.Field == "feed":
		return fmt.Errorf("--govuk: %s %s", file, ve.Message)
	case err != nil:
		return fmt.Errorf("--govuk: %s: %w", file, err)
	}
	published := map[string]string{}
	for _, h := range all {
		if h.Date.Year == year {
			published[h.Date.String()] = h.Name
		}
	}
	if len(published) == 0 {
		return fmt.Errorf("--govuk: %s has no %s bank holidays in %d; gov.uk publishes about two years ahead", file, set, year)
	}
	ours := map[string]string{}
	for _, h := range computed {
		ours[h.Date.String()] = h.Name
	}
	dates := slices.Sorted(maps.Keys(published))
	for d := range ours {
		if _, ok := published[d]; !ok {
			dates = append(dates, d)
		}
	}
	slices.Sort(dates)
	diffs := 0
	for _, d := range dates {
		g, inFeed := published[d]
		c, inSet := ours[d]
		switch {
		case !inSet:
			fmt.Fprintf(e.stdout, "%s  only gov.uk:   %s\n", d, g)
		case !inFeed:
			fmt.Fprintf(e.stdout, "%s  only computed: %s\n", d, c)
		case g != c:
			fmt.Fprintf(e.stdout, "%s  named differently: gov.uk %q, computed %q\n", d, g, c)
		default:
			continue
		}
		diffs++
	}
	if diffs > 0 {
		return fmt.Errorf("gov.uk's %s bank holidays for %d differ from the computed set on %d days", set, year, diffs)
	}
	fmt.Fprintf(e.stdout, "gov.uk's %s bank holidays for %d match the computed set (%d days).\n", set, year, len(published))
	return nil
}
