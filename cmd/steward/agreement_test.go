package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

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
