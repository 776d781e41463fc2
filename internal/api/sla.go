package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/sla"
)

// holiday is one bank holiday in GET /api/v1/holidays.
type holiday struct {
	Date string `json:"date"`
	Name string `json:"name"`
}

// simulateSLA serves POST /api/v1/sla/simulate, the what-if simulator:
// the body is a calendar, targets and ticket histories, the answer each
// ticket's clocks. It reads and writes no records, so any signed-in caller
// may use it, auditors included. A mistake is a 400 naming the field by
// its path, such as "tickets[0].events[2].at".
func (a *API) simulateSLA(w http.ResponseWriter, r *http.Request) error {
	body, err := a.readJSON(w, r)
	if err != nil {
		return err
	}
	if err := checkShape(body, reflect.TypeFor[sla.SimulationInput]()); err != nil {
		return err
	}
	in, err := sla.DecodeSimulationInput(bytes.NewReader(body))
	if err != nil {
		return slaInputError(err)
	}
	if len(in.Tickets) > maxSimulatedTickets {
		return fieldError("tickets", fmt.Sprintf("Simulate at most %d tickets at a time.", maxSimulatedTickets))
	}
	out, err := sla.Simulate(in, a.now())
	if err != nil {
		return slaInputError(err)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maxSimulatedTickets bounds the work one request can ask for: a ticket
// whose history spans centuries costs the engine about 10 ms.
const maxSimulatedTickets = 100

// slaInputError turns the SLA engine's *sla.ValidationError, whose message
// is a phrase about the field ("is missing"), into a 400 with a sentence
// that names the field.
func slaInputError(err error) error {
	var ve *sla.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	if ve.Field == "" {
		msg := ve.Message
		if msg != "" {
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
		return itsm.Errorf(itsm.EINVALID, "%s.", msg)
	}
	sep := ": "
	for _, verb := range []string{"is ", "must ", "has "} {
		if strings.HasPrefix(ve.Message, verb) {
			sep = " "
		}
	}
	return fieldError(ve.Field, ve.Field+sep+ve.Message+".")
}

// listHolidays serves GET /api/v1/holidays?set=scotland&year=2027: a
// built-in set of UK bank holidays, in date order. They are public
// knowledge, so no token is needed. The year defaults to this year.
func (a *API) listHolidays(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "set", "year")
	if err != nil {
		return err
	}
	for _, k := range []string{"offset", "limit"} {
		if _, ok := q.get(k); ok {
			q.v.Add(k, fmt.Sprintf("There is no query parameter %q for this list: it is never paged.", k))
		}
	}
	names := sla.HolidaySetNames()
	set, _ := q.get("set")
	if !slices.Contains(names, set) {
		q.v.Add("set", "Give set as one of "+strings.Join(names, ", ")+".")
	}
	year := a.now().UTC().Year()
	if s, ok := q.get("year"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1583 || n > 9999 || strconv.Itoa(n) != s {
			q.v.Add("year", "Give year as a year from 1583 to 9999, such as 2027.")
		}
		year = n
	}
	if err := q.err(); err != nil {
		return err
	}
	hs, err := sla.HolidaySet(set, year)
	if err != nil {
		return fmt.Errorf("holidays %s %d: %w", set, year, err)
	}
	out := make([]holiday, len(hs))
	for i, h := range hs {
		out[i] = holiday{Date: h.Date.String(), Name: h.Name}
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, out)
	return nil
}
