package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/sla"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// govUKFeed is a small hand-written bank-holidays.json in gov.uk's exact
// shape.
const govUKFeed = `{"england-and-wales":{"division":"england-and-wales","events":[{"title":"Boxing Day","date":"2026-12-28","notes":"Substitute day","bunting":true}]},` +
	`"scotland":{"division":"scotland","events":[{"title":"St Andrew’s Day","date":"2026-11-30","notes":"","bunting":true},` +
	`{"title":"Christmas Day","date":"2026-12-25","notes":"","bunting":true}]}}`

// TestAgreementAddBankHolidays runs `steward agreement add --bank-holidays
// FILE --division D`: the division's dates join the calendar's holidays;
// a bad division, a file that is not the feed or a flag without its
// partner is refused, naming the flag, and nothing is added.
func TestAgreementAddBankHolidays(t *testing.T) {
	dsn := storetest.MustDSN(t, store.SQLite)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := storetest.MustSeed(t, db)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	feed := write("bank-holidays.json", govUKFeed)
	spec := write("agreement.json", `{"calendar":{"timezone":"Europe/London","week":{"mon":[["09:00","17:00"]]},"holidays":["2026-12-25","2026-12-24"]}}`)
	provider := "--provider=" + strconv.FormatInt(f.Provider.ID, 10)
	count := func() int {
		all, err := db.FindAgreements(storetest.System())
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}

	for _, c := range []struct {
		name string
		args []string
		says string
	}{
		{"unknown division", []string{"--bank-holidays", feed, "--division", "wales"}, `--division: "wales" is not one of gov.uk's divisions`},
		{"division the file lacks", []string{"--bank-holidays", feed, "--division", "northern-ireland"}, "--division: " + feed + ` has no bank holidays for "northern-ireland"`},
		{"not the feed", []string{"--bank-holidays", spec, "--division", "scotland"}, "--bank-holidays: " + spec + " is not gov.uk's bank-holidays.json"},
		{"malformed feed", []string{"--bank-holidays", write("bad.json", `{"scotland":{"events":[{"title":"X","date":"30/11/2026"}]}}`), "--division", "scotland"}, "scotland.events[0].date"},
		{"no such file", []string{"--bank-holidays", filepath.Join(dir, "missing.json"), "--division", "scotland"}, "--bank-holidays: open "},
		{"no division", []string{"--bank-holidays", feed}, "--bank-holidays FILE and --division go together"},
	} {
		args := append([]string{"agreement", "add", "--db", dsn, "--name", "Scottish hours", provider, "--file", spec}, c.args...)
		code, _, errOut := runCLI(t, args...)
		if code != 1 || !strings.Contains(errOut, c.says) {
			t.Errorf("%s: exit %d, %q does not say %q", c.name, code, errOut, c.says)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("refused commands added %d agreements", n)
	}

	code, out, errOut := runCLI(t, "agreement", "add", "--db", dsn, "--name", "Scottish hours", provider, "--file", spec, "--bank-holidays", feed, "--division", "scotland")
	if code != 0 || !strings.Contains(out, "Created service agreement") {
		t.Fatalf("add: exit %d\n%s%s", code, out, errOut)
	}
	all, _ := db.FindAgreements(storetest.System())
	if want := []string{"2026-11-30", "2026-12-24", "2026-12-25"}; len(all) != 1 || !slices.Equal(all[0].Calendar.Holidays, want) {
		t.Fatalf("stored %+v, want holidays %v", all, want)
	}
}

// TestSLACommandMessages: each sla subcommand has its own flags and help,
// and a missing file is named once.
func TestSLACommandMessages(t *testing.T) {
	code, _, errOut := runCLI(t, "sla", "simulate", "/nonexist.json")
	if code != 1 || strings.Count(errOut, "/nonexist.json") != 1 || !strings.Contains(errOut, "no such file or directory") {
		t.Errorf("missing file: exit %d, %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "sla", "simulate", "--help")
	if code != 0 || strings.Contains(errOut, "-set") || strings.Contains(errOut, "-year") || !strings.Contains(errOut, "usage: steward sla simulate FILE.json") {
		t.Errorf("simulate --help: exit %d\n%s", code, errOut)
	}
	code, _, errOut = runCLI(t, "sla", "holidays", "--help")
	if code != 0 || !strings.Contains(errOut, "-set") || !strings.Contains(errOut, "-year") {
		t.Errorf("holidays --help: exit %d\n%s", code, errOut)
	}
	if code, _, errOut = runCLI(t, "sla", "simulate", "--set", "scotland", "x.json"); code == 0 || !strings.Contains(errOut, "flag provided but not defined: -set") {
		t.Errorf("simulate --set: exit %d, %q", code, errOut)
	}
	in := filepath.Join(t.TempDir(), "sim.json")
	if err := os.WriteFile(in, []byte(`{"calendar":{"24x7":true},"targets":{"P1":{"response":"30m","resolution":"100000h"}},"tickets":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "sla", "simulate", in)
	if code != 1 || !strings.Contains(errOut, "targets.P1.resolution: 100000h is more than 10 years") {
		t.Errorf("too long a target: exit %d, %q", code, errOut)
	}
}

// TestSLAHolidaysCompareGovUK runs `steward sla holidays --govuk FILE`: a
// feed matching the computed set says so; one that differs prints each
// difference and fails.
func TestSLAHolidaysCompareGovUK(t *testing.T) {
	hs, err := sla.HolidaySet(sla.SetScotland, 2027)
	if err != nil {
		t.Fatal(err)
	}
	events := []map[string]any{}
	for _, h := range hs {
		name, notes := strings.TrimSuffix(h.Name, " (substitute day)"), ""
		if h.Substitute {
			notes = "Substitute day"
		}
		events = append(events, map[string]any{"title": strings.ReplaceAll(name, "'", "’"), "date": h.Date.String(), "notes": notes, "bunting": true})
	}
	write := func(events []map[string]any) string {
		b, err := json.Marshal(map[string]any{"scotland": map[string]any{"division": "scotland", "events": events}})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "bank-holidays.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	code, out, errOut := runCLI(t, "sla", "holidays", "--set", "scotland", "--year", "2027", "--govuk", write(events))
	if code != 0 || !strings.Contains(out, "match the computed set") {
		t.Fatalf("matching feed: exit %d\n%s%s", code, out, errOut)
	}
	changed := append(slices.Clone(events[1:]), map[string]any{"title": "Extra day", "date": "2027-06-07", "notes": "", "bunting": true})
	code, out, errOut = runCLI(t, "sla", "holidays", "--set", "scotland", "--year", "2027", "--govuk", write(changed))
	if code != 1 || !strings.Contains(out, "2027-01-01  only computed: New Year's Day") || !strings.Contains(out, "2027-06-07  only gov.uk:   Extra day") ||
		!strings.Contains(errOut, "differ from the computed set on 2 days") {
		t.Fatalf("differing feed: exit %d\n%s%s", code, out, errOut)
	}
}
