package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
	fs := newFlags("sla "+sub, e)
	set := fs.String("set", "scotland", "holiday set (holidays): "+fmt.Sprint(sla.HolidaySetNames()))
	year := fs.Int("year", time.Now().Year(), "year (holidays)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if sub == "holidays" {
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
		return enc.Encode(out)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "usage: steward sla simulate FILE.json   (- reads standard input)")
		return errUsage
	}
	in := e.stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
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
