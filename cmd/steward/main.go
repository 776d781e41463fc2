// Command steward is Steward's one binary: the server (web, API and
// background jobs) and the operator's command line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // zone data in the binary, for servers without /usr/share/zoneinfo
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Steward — IT service management for a programme that runs a managed service.

Usage: steward COMMAND [flags]

Commands:
  serve                     run the web site, the API and the background jobs
  migrate                   apply database migrations and exit
  org add|list              manage organisations
  user add|list|disable|passwd
                            manage people
  user export|erase         export everything held about a person (JSON), or
                            erase their personal data (UK GDPR)
  token add|revoke          manage API tokens
  agreement add|list        manage help desk service agreements
  verify                    check the audit log's hash chain
  sla simulate FILE.json    what-if SLA simulation (same JSON as the API)
  sla holidays              list a holiday set's bank holidays for a year, or compare
                            them with gov.uk's bank-holidays.json (--govuk FILE)
  import servicenow FILE    import a ServiceNow incident export (CSV or zip)
  import csv --kind K FILE  import organisations, users or integrations (all or nothing)
  export csv --kind K       export organisations, users or integrations as CSV
  checks import FILE        set up checks from a YAML or JSON file (all or nothing; --dry-run)
  checks list               list the checks (--service S)
  checks export             write every check as CSV to standard output, secrets masked
  report sla                write the monthly SLA compliance report (CSV or XLSX)
  version                   print the version

Run "steward COMMAND -h" for a command's flags. Every flag has a STEWARD_*
environment variable equivalent, listed in its help.
`

// env is what a command reads and writes, so tests can run commands in
// process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// errUsage marks an error whose message is already printed with usage.
var errUsage = errors.New("usage")

// run runs one command and returns the process exit code.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], e)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], e)
	case "org":
		err = cmdOrg(ctx, args[1:], e)
	case "user":
		err = cmdUser(ctx, args[1:], e)
	case "token":
		err = cmdToken(ctx, args[1:], e)
	case "verify":
		err = cmdVerify(ctx, args[1:], e)
	case "sla":
		err = cmdSLA(ctx, args[1:], e)
	case "import":
		err = cmdImport(ctx, args[1:], e)
	case "report":
		err = cmdReport(ctx, args[1:], e)
	case "export":
		err = cmdExport(ctx, args[1:], e)
	case "agreement":
		err = cmdAgreement(ctx, args[1:], e)
	case "checks":
		err = cmdChecks(ctx, args[1:], e)
	case "version", "-v", "--version":
		fmt.Fprintf(e.stdout, "steward %s\n", version)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
	default:
		fmt.Fprintf(e.stderr, "steward: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errVerifyFailed):
		return 1
	}
	fmt.Fprintf(e.stderr, "steward %s: %s\n", args[0], describe(err))
	return 1
}
