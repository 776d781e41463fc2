package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
)

// describe turns an error into what an operator should read: the domain's
// sentence and field messages, or the wrapped cause.
func describe(err error) string {
	var e *itsm.Error
	if errors.As(err, &e) {
		msg := e.Message
		for k, v := range e.Fields {
			if v != e.Message {
				msg += fmt.Sprintf("\n  %s: %s", k, v)
			}
		}
		return msg
	}
	return err.Error()
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("steward "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// openDB opens and migrates the configured database.
func openDB(ctx context.Context, c *config) (*store.DB, error) {
	db, err := store.Open(ctx, c.dsn())
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := migrateJobs(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// operator is the actor for command-line changes, named in the audit log.
func operator(ctx context.Context) context.Context {
	return itsm.NewContextWithActor(ctx, itsm.SystemActor("steward CLI"))
}

func cmdMigrate(ctx context.Context, args []string, e env) error {
	var c config
	fs := newFlags("migrate", e)
	bindCommon(fs, &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := store.Open(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if err := migrateJobs(ctx, db); err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, "Database %s is up to date.\n", redactDSN(c.dsn()))
	} else {
		fmt.Fprintf(e.stdout, "Applied migrations %v to %s.\n", applied, redactDSN(c.dsn()))
	}
	return nil
}

func subcommand(args []string, name string, subs []string, e env) (string, []string, error) {
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "usage: steward %s %s [flags]\n", name, strings.Join(subs, "|"))
		return "", nil, errUsage
	}
	for _, s := range subs {
		if args[0] == s {
			return s, args[1:], nil
		}
	}
	fmt.Fprintf(e.stderr, "steward %s: unknown subcommand %q; use %s\n", name, args[0], strings.Join(subs, ", "))
	return "", nil, errUsage
}

func cmdOrg(ctx context.Context, args []string, e env) error {
	sub, args, err := subcommand(args, "org", []string{"add", "list"}, e)
	if err != nil {
		return err
	}
	var c config
	fs := newFlags("org "+sub, e)
	bindCommon(fs, &c)
	name := fs.String("name", "", "organisation name (required for add)")
	kind := fs.String("kind", "customer", "kind: programme, customer or provider")
	tz := fs.String("time-zone", itsm.DefaultTimeZone, "IANA time zone")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = operator(ctx)
	if sub == "add" {
		o := &itsm.Organisation{Name: *name, Kind: itsm.OrgKind(*kind), TimeZone: *tz}
		if err := db.CreateOrganisation(ctx, o); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Created %s organisation %q with ID %d.\n", o.Kind, o.Name, o.ID)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKIND\tACTIVE\tTIME ZONE")
	for offset := 0; ; offset += 500 {
		orgs, total, err := db.FindOrganisations(ctx, itsm.OrganisationFilter{Offset: offset, Limit: 500})
		if err != nil {
			return err
		}
		for _, o := range orgs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%t\t%s\n", o.ID, o.Name, o.Kind, o.Active, o.TimeZone)
		}
		if offset+len(orgs) >= total || len(orgs) == 0 {
			break
		}
	}
	return tw.Flush()
}

// readPassword reads one line from stdin, for --password-stdin.
func readPassword(e env) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// findUserID resolves --id or --email to a user ID.
func findUserID(ctx context.Context, db *store.DB, id int64, email string) (int64, error) {
	if id > 0 {
		return id, nil
	}
	if email == "" {
		return 0, itsm.Errorf(itsm.EINVALID, "Name the user with --email or --id.")
	}
	users, _, err := db.FindUsers(ctx, itsm.UserFilter{Email: &email, Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(users) == 0 {
		return 0, itsm.Errorf(itsm.ENOTFOUND, "There is no user with the email address %s.", email)
	}
	return users[0].ID, nil
}

func cmdUser(ctx context.Context, args []string, e env) error {
	sub, args, err := subcommand(args, "user", []string{"add", "list", "disable", "passwd", "export", "erase"}, e)
	if err != nil {
		return err
	}
	var c config
	fs := newFlags("user "+sub, e)
	bindCommon(fs, &c)
	email := fs.String("email", "", "e-mail address")
	name := fs.String("name", "", "full name (add)")
	role := fs.String("role", "", "role (add): customer_user, customer_admin, agent, manager, provider_agent, auditor or admin")
	org := fs.Int64("org", 0, "organisation ID (add; list filter)")
	id := fs.Int64("id", 0, "user ID (disable, passwd, export, erase)")
	out := fs.String("out", "", "file to write the personal data to (export; default standard output)")
	reason := fs.String("reason", "", "why the personal data is erased, such as the request's date and reference; not the person's name (erase)")
	stdinPass := fs.Bool("password-stdin", false, "read the password from standard input instead of generating one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = operator(ctx)
	switch sub {
	case "add", "passwd":
		password, generated := "", false
		if *stdinPass {
			if password, err = readPassword(e); err != nil {
				return err
			}
		} else {
			password, generated = store.NewPassword(), true
		}
		var u *itsm.User
		if sub == "add" {
			u = &itsm.User{OrgID: *org, Email: *email, Name: *name, Role: itsm.Role(*role)}
			if err := db.CreateUser(ctx, u, password); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Created %s %s <%s> with ID %d.\n", u.Role.Label(), u.Name, u.Email, u.ID)
		} else {
			uid, err := findUserID(ctx, db, *id, *email)
			if err != nil {
				return err
			}
			if err := db.SetPassword(ctx, uid, password); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Changed the password of user %d and ended their sessions.\n", uid)
		}
		if generated {
			fmt.Fprintf(e.stdout, "Password (shown once): %s\n", password)
		}
		return nil
	case "export":
		return exportPersonalData(ctx, db, *id, *email, *out, e)
	case "erase":
		return erasePerson(ctx, db, *id, *email, *reason, e)
	case "disable":
		uid, err := findUserID(ctx, db, *id, *email)
		if err != nil {
			return err
		}
		u, err := db.FindUserByID(ctx, uid)
		if err != nil {
			return err
		}
		st := itsm.UserDisabled
		if _, err := db.UpdateUser(ctx, uid, itsm.UserUpdate{Status: &st, Version: u.Version}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Disabled %s <%s> and ended their sessions.\n", u.Name, u.Email)
		return nil
	}
	f := itsm.UserFilter{Limit: 500}
	if *org > 0 {
		f.OrgID = org
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tORGANISATION")
	for {
		users, total, err := db.FindUsers(ctx, f)
		if err != nil {
			return err
		}
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, u.Status, u.OrgName)
		}
		f.Offset += len(users)
		if f.Offset >= total || len(users) == 0 {
			break
		}
	}
	return tw.Flush()
}

// exportPersonalData writes everything held about a person as JSON, to a
// file readable by its owner only, or to standard output.
func exportPersonalData(ctx context.Context, db *store.DB, id int64, email, out string, e env) error {
	uid, err := findUserID(ctx, db, id, email)
	if err != nil {
		return err
	}
	p, err := db.PersonalData(ctx, uid)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encode personal data: %w", err)
	}
	b = append(b, '\n')
	if out == "" {
		_, err := e.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		return fmt.Errorf("write personal data: %w", err)
	}
	fmt.Fprintf(e.stderr, "Wrote everything held about user %d (%d records) to %s.\n", uid, p.Records(), out)
	return nil
}

// erasePerson erases a person's personal data and prints what changed.
func erasePerson(ctx context.Context, db *store.DB, id int64, email, reason string, e env) error {
	uid, err := findUserID(ctx, db, id, email)
	if err != nil {
		return err
	}
	sum, err := db.ErasePerson(ctx, uid, reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Erased the personal data of user %d; audit entry %d records it.\n", uid, sum.AuditEntryID)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, c := range sum.Counts {
		fmt.Fprintf(tw, "  %s\t%d\n", c.Label, c.Count)
	}
	return tw.Flush()
}

func cmdToken(ctx context.Context, args []string, e env) error {
	sub, args, err := subcommand(args, "token", []string{"add", "revoke"}, e)
	if err != nil {
		return err
	}
	var c config
	fs := newFlags("token "+sub, e)
	bindCommon(fs, &c)
	email := fs.String("email", "", "the user the token acts as (add)")
	uid := fs.Int64("user", 0, "the user ID the token acts as (add)")
	name := fs.String("name", "", "what the token is for (add)")
	expires := fs.Duration("expires", 0, "lifetime, e.g. 2160h for 90 days (add; default: no expiry)")
	id := fs.Int64("id", 0, "token ID (revoke)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = operator(ctx)
	if sub == "revoke" {
		if *id <= 0 {
			return itsm.Errorf(itsm.EINVALID, "Name the token to revoke with --id.")
		}
		if err := db.RevokeAPIToken(ctx, *id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Revoked token %d.\n", *id)
		return nil
	}
	user, err := findUserID(ctx, db, *uid, *email)
	if err != nil {
		return err
	}
	var exp *time.Time
	if *expires > 0 {
		t := time.Now().Add(*expires)
		exp = &t
	}
	if *name == "" {
		*name = "created with steward token add"
	}
	t, secret, err := db.CreateAPIToken(ctx, user, *name, exp)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Created token %d for user %d. Copy it now: it is shown only once.\n", t.ID, user)
	fmt.Fprintln(e.stdout, secret)
	return nil
}

var errVerifyFailed = errors.New("verification failed")

func cmdVerify(ctx context.Context, args []string, e env) error {
	var c config
	fs := newFlags("verify", e)
	bindCommon(fs, &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := store.Open(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	problems, err := db.VerifyAuditChain(ctx, nil)
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		fmt.Fprintln(e.stdout, "Audit chain verified: every entry is intact and in order.")
		return nil
	}
	for _, p := range problems {
		fmt.Fprintf(e.stdout, "audit entry %s: %s\n", strconv.FormatInt(p.EntryID, 10), p.Problem)
	}
	fmt.Fprintf(e.stderr, "Audit chain verification FAILED: %d problem(s).\n", len(problems))
	return errVerifyFailed
}
