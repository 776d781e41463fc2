package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

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
		fmt.Fprintln(fs.Output(), "usage: steward sla holidays [--set SET] [--year YEAR]\n\nLists a holiday set's bank holidays for a year as JSON, like GET /api/v1/holidays.\n\nFlags:")
		fs.PrintDefaults()
	}
	set := fs.String("set", sla.SetScotland, "holiday set: "+strings.Join(sla.HolidaySetNames(), ", "))
	year := fs.Int("year", time.Now().Year(), "year")
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
