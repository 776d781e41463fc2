package store_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// personWithHistory gives the fixture's customer user of Alpha a session,
// an API token, a failed sign-in, a ticket with a reply, and a watch.
func personWithHistory(t *testing.T, db *store.DB, f *storetest.Fixture) (ticket *itsm.Ticket, session, secret string) {
	t.Helper()
	u := f.CustomerUserA
	anon := storetest.Ctx(itsm.Anonymous("198.51.100.20"))
	if _, _, _, err := db.SignIn(anon, u.Email, "not the password at all"); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
		t.Fatalf("failed sign-in: %v", err)
	}
	session, _, _, err := db.SignIn(anon, u.Email, storetest.Password)
	if err != nil {
		t.Fatal(err)
	}
	cust := storetest.As(u)
	if _, secret, err = db.CreateAPIToken(cust, u.ID, "finance sync", nil); err != nil {
		t.Fatal(err)
	}
	ticket, err = db.CreateTicket(cust, itsm.NewTicket{Title: "Invoices stuck in approval", Description: "Since Monday.", Impact: itsm.Medium, Urgency: itsm.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddComment(cust, ticket.ID, itsm.Comment{Body: "Here is the supplier number you asked for: 40021."}); err != nil {
		t.Fatal(err)
	}
	if err := db.Watch(storetest.As(f.Agent), ticket.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	return ticket, session, secret
}

func count(t *testing.T, db *store.DB, query string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestPersonalDataExport(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		u := f.CustomerUserA
		tk, session, secret := personWithHistory(t, db, f)
		var tokenHash, sessionHash, passwordHash string
		_ = db.SQL().QueryRow(fmt.Sprintf(`SELECT token_hash FROM api_tokens WHERE user_id = %d`, u.ID)).Scan(&tokenHash)
		_ = db.SQL().QueryRow(fmt.Sprintf(`SELECT token_hash FROM sessions WHERE user_id = %d`, u.ID)).Scan(&sessionHash)
		_ = db.SQL().QueryRow(fmt.Sprintf(`SELECT password_hash FROM users WHERE id = %d`, u.ID)).Scan(&passwordHash)
		if tokenHash == "" || sessionHash == "" || passwordHash == "" {
			t.Fatal("fixture has no token, session or password hash")
		}

		p, err := db.PersonalData(storetest.As(f.Manager), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(p)
		text := string(j)
		for _, want := range []string{tk.Ref, "Invoices stuck in approval", "supplier number you asked for", "finance sync", u.Email, "198.51.100.20", `"action":"sign_in"`} {
			if !strings.Contains(text, want) {
				t.Errorf("export lacks %q", want)
			}
		}
		for _, secretText := range []string{passwordHash, "argon2id", tokenHash, sessionHash, session, secret, "token_hash", "password_hash"} {
			if strings.Contains(text, secretText) {
				t.Errorf("export holds %q", secretText)
			}
		}
		if len(p.Sessions) != 1 || len(p.APITokens) != 1 || len(p.SignInAttempts) != 1 || len(p.TicketsRequested) != 1 ||
			len(p.TicketsWatched) != 1 || len(p.TicketEvents) < 2 || len(p.AuditEntries) < 4 {
			t.Errorf("export counts: sessions %d tokens %d attempts %d tickets %d watched %d events %d audit %d", len(p.Sessions), len(p.APITokens),
				len(p.SignInAttempts), len(p.TicketsRequested), len(p.TicketsWatched), len(p.TicketEvents), len(p.AuditEntries))
		}
		if p.Person.OrgName != f.CustomerA.Name || p.Person.Role != itsm.RoleCustomerUser {
			t.Errorf("person: %+v", p.Person)
		}
		// The export is audited.
		if n := count(t, db, fmt.Sprintf(`SELECT COUNT(*) FROM audit_log WHERE action = 'personal_data_exported' AND object_id = '%d'`, u.ID)); n != 1 {
			t.Errorf("%d export audit entries", n)
		}
		// Who may not: 404 for someone they cannot see, 403 otherwise.
		for _, c := range []struct {
			who  *itsm.User
			code string
		}{{f.CustomerAdminB, itsm.ENOTFOUND}, {f.ProviderAgent, itsm.ENOTFOUND}, {f.Agent, itsm.EFORBIDDEN}, {f.Auditor, itsm.EFORBIDDEN}, {f.CustomerAdminA, itsm.EFORBIDDEN}, {f.CustomerUserA, itsm.EFORBIDDEN}} {
			if _, err := db.PersonalData(storetest.As(c.who), u.ID); itsm.ErrorCode(err) != c.code {
				t.Errorf("%s exported: %v, want %s", c.who.Name, err, c.code)
			}
		}
		if _, err := db.PersonalData(storetest.As(f.Admin), 999999); itsm.ErrorCode(err) != itsm.ENOTFOUND {
			t.Errorf("unknown person: %v", err)
		}
	})
}

func TestErasePerson(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		u := f.CustomerUserA
		tk, session, secret := personWithHistory(t, db, f)
		anon := storetest.Ctx(itsm.Anonymous("198.51.100.20"))
		mgr := storetest.As(f.Manager)
		if _, err := db.PersonalData(mgr, u.ID); err != nil {
			t.Fatal(err)
		}

		// Refusals change nothing.
		for _, c := range []struct {
			name   string
			who    *itsm.User
			id     int64
			reason string
			code   string
		}{
			{"agent", f.Agent, u.ID, "Subject request 2026/14", itsm.EFORBIDDEN},
			{"auditor", f.Auditor, u.ID, "Subject request 2026/14", itsm.EFORBIDDEN},
			{"own customer admin", f.CustomerAdminA, u.ID, "Subject request 2026/14", itsm.EFORBIDDEN},
			{"other customer admin", f.CustomerAdminB, u.ID, "Subject request 2026/14", itsm.ENOTFOUND},
			{"provider", f.ProviderAgent, u.ID, "Subject request 2026/14", itsm.ENOTFOUND},
			{"empty reason", f.Manager, u.ID, "  ", itsm.EINVALID},
			{"reason naming the person", f.Manager, u.ID, "Asked by " + u.Name, itsm.EINVALID},
			{"self", f.Admin, f.Admin.ID, "Leaving", itsm.EINVALID},
			{"manager erasing an administrator", f.Manager, f.Admin.ID, "Leaving", itsm.EFORBIDDEN},
		} {
			if _, err := db.ErasePerson(storetest.As(c.who), c.id, c.reason); itsm.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}
		if got, _ := db.FindUserByID(mgr, u.ID); got.Name != u.Name {
			t.Fatalf("a refusal changed the person: %+v", got)
		}

		// An organisation whose name holds the person's name inside a longer
		// one is not about them: its audit entry must survive the erasure.
		namesake := &itsm.Organisation{Name: u.Name + " Supplies Ltd", Kind: itsm.OrgCustomer}
		if err := db.CreateOrganisation(mgr, namesake); err != nil {
			t.Fatal(err)
		}
		sum, err := db.ErasePerson(mgr, u.ID, "Subject request 2026/14, received 2 March")
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, c := range sum.Counts {
			counts[c.Kind] = c.Count
		}
		if counts["sessions"] != 1 || counts["api_tokens"] != 1 || counts["ticket_watching"] != 1 || counts["account"] != 1 ||
			counts["sign_in_attempts"] < 1 || counts["service_records"] < 3 || counts["audit_entries"] < 5 {
			t.Errorf("summary: %+v", sum.Counts)
		}
		if _, err := db.ErasePerson(mgr, u.ID, "Again"); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Errorf("second erasure: %v", err)
		}

		// The account holds placeholders only.
		got, err := db.FindUserByID(mgr, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != itsm.ErasedName || got.Email != fmt.Sprintf("erased-%d@erased.invalid", u.ID) || got.Status != itsm.UserDisabled || got.ErasedAt == nil {
			t.Errorf("erased account: %+v", got)
		}
		name := "Back again"
		if _, err := db.UpdateUser(mgr, u.ID, itsm.UserUpdate{Name: &name, Version: got.Version}); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Errorf("update of an erased account: %v", err)
		}
		if err := db.SetPassword(mgr, u.ID, "a brand new password"); itsm.ErrorCode(err) != itsm.ECONFLICT {
			t.Errorf("new password for an erased account: %v", err)
		}
		for _, q := range []string{
			fmt.Sprintf(`SELECT COUNT(*) FROM sessions WHERE user_id = %d`, u.ID),
			fmt.Sprintf(`SELECT COUNT(*) FROM api_tokens WHERE user_id = %d`, u.ID),
			fmt.Sprintf(`SELECT COUNT(*) FROM ticket_watchers WHERE user_id = %d`, u.ID),
			fmt.Sprintf(`SELECT COUNT(*) FROM users WHERE id = %d AND password_hash <> ''`, u.ID),
			`SELECT COUNT(*) FROM sign_in_attempts WHERE email = 'user@alpha.test'`,
		} {
			if n := count(t, db, q); n != 0 {
				t.Errorf("%s: %d", q, n)
			}
		}
		// No audit entry mentions the person's address or name any more.
		rows, err := db.SQL().Query(`SELECT id, actor_name, object_type, object_id, diff, ip, tombstoned FROM audit_log ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var actor, typ, object, d, ip string
			var tombstoned bool
			if err := rows.Scan(&id, &actor, &typ, &object, &d, &ip, &tombstoned); err != nil {
				t.Fatal(err)
			}
			if typ == "organisation" && object == strconv.FormatInt(namesake.ID, 10) {
				if tombstoned || !strings.Contains(d, namesake.Name) {
					t.Errorf("the namesake organisation's entry %d was erased: %s", id, d)
				}
				continue
			}
			all := strings.ToLower(actor + " " + object + " " + d + " " + ip)
			if strings.Contains(all, "user@alpha.test") || strings.Contains(all, strings.ToLower(u.Name)) {
				t.Errorf("audit entry %d still names the person: %s", id, all)
			}
		}
		rows.Close()
		// Service records stay, showing "Erased person".
		tk2, err := db.FindTicketByID(storetest.As(f.Agent), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tk2.Requester != itsm.ErasedName || tk2.RequesterID != u.ID {
			t.Errorf("ticket requester: %q %d", tk2.Requester, tk2.RequesterID)
		}
		evs, _ := db.TicketEvents(storetest.As(f.Agent), tk.ID)
		replies := 0
		for _, e := range evs {
			if e.ActorID != nil && *e.ActorID == u.ID {
				replies++
				if e.ActorName != itsm.ErasedName {
					t.Errorf("event %d by %q", e.ID, e.ActorName)
				}
			}
		}
		if replies < 2 {
			t.Errorf("%d of the person's ticket events left", replies)
		}
		// The chain still verifies.
		ctx := storetest.System()
		if problems, err := db.VerifyAuditChain(ctx, nil); err != nil || len(problems) != 0 {
			t.Fatalf("chain after erasure: %v %v", problems, err)
		}
		// Nobody signs in as the person, by session, token or password.
		if _, _, err := db.SessionActor(anon, session); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Errorf("old session: %v", err)
		}
		if _, err := db.TokenActor(anon, secret); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
			t.Errorf("old token: %v", err)
		}
		for _, email := range []string{"user@alpha.test", got.Email} {
			if _, _, _, err := db.SignIn(anon, email, storetest.Password); itsm.ErrorCode(err) != itsm.EUNAUTHORIZED {
				t.Errorf("sign in as %s: %v", email, err)
			}
		}

		// A tombstone set by hand is caught.
		var victim int64
		if err := db.SQL().QueryRow(`SELECT MIN(id) FROM audit_log WHERE tombstoned = FALSE`).Scan(&victim); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(fmt.Sprintf(`UPDATE audit_log SET tombstoned = TRUE, diff = '{}' WHERE id = %d`, victim)); err != nil {
			t.Fatal(err)
		}
		problems, err := db.VerifyAuditChain(ctx, nil)
		if err != nil || len(problems) != 1 || problems[0].EntryID != victim || !strings.Contains(problems[0].Problem, "is marked erased but no erasure records it") {
			t.Fatalf("hand-made tombstone: %+v %v", problems, err)
		}
		// So is listing it under the real erasure afterwards: the erasure
		// is named, not each entry it erased.
		if _, err := db.SQL().Exec(fmt.Sprintf(`INSERT INTO audit_erasures (entry_id, erasure_id, content_hash) VALUES (%d, %d, 'x')`, victim, sum.AuditEntryID)); err != nil {
			t.Fatal(err)
		}
		problems, _ = db.VerifyAuditChain(ctx, nil)
		var found []string
		for _, p := range problems {
			found = append(found, p.Problem)
		}
		if !strings.Contains(strings.Join(found, "\n"), fmt.Sprintf("entry %d records an erasure whose list of erased entries was changed afterwards", sum.AuditEntryID)) {
			t.Fatalf("entry added to an erasure: %v", found)
		}
		// Undo both, and the chain verifies again.
		if _, err := db.SQL().Exec(fmt.Sprintf(`DELETE FROM audit_erasures WHERE entry_id = %d`, victim)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(fmt.Sprintf(`UPDATE audit_log SET tombstoned = FALSE, diff = '{}' WHERE id = %d`, victim)); err != nil {
			t.Fatal(err)
		}
		// A change to an erased entry's remaining content is caught too.
		var erased int64
		if err := db.SQL().QueryRow(`SELECT MIN(entry_id) FROM audit_erasures`).Scan(&erased); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(fmt.Sprintf(`UPDATE audit_log SET action = 'delete', object_id = '99' WHERE id = %d`, erased)); err != nil {
			t.Fatal(err)
		}
		problems, _ = db.VerifyAuditChain(ctx, nil)
		found = found[:0]
		for _, p := range problems {
			found = append(found, fmt.Sprintf("%d: %s", p.EntryID, p.Problem))
		}
		if !strings.Contains(strings.Join(found, "\n"), fmt.Sprintf("%d: entry %d was altered after its erasure by entry %d", erased, erased, sum.AuditEntryID)) {
			t.Fatalf("erased entry altered: %v", found)
		}
	})
}

// Erasing someone whose name another account shares looks for them by ID
// and address only: the namesake's records and audit entries stay.
func TestEraseLeavesNamesakesAlone(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		mgr := storetest.As(f.Manager)
		namesake := f.CustomerUserB
		twin := &itsm.User{OrgID: f.CustomerA.ID, Email: "twin@alpha.test", Name: namesake.Name, Role: itsm.RoleCustomerUser}
		if err := db.CreateUser(mgr, twin, "a long enough password 1"); err != nil {
			t.Fatal(err)
		}
		// The namesake acts, and is named in a diff.
		if _, err := db.CreateTicket(storetest.As(namesake), itsm.NewTicket{Title: "Invoices late", Description: "Since Monday"}); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		theirs := fmt.Sprintf(`SELECT COUNT(*) FROM audit_log WHERE actor_id = %d AND tombstoned = FALSE`, namesake.ID)
		before := count(theirs)
		if before == 0 {
			t.Fatal("the namesake has no audit entries to protect")
		}
		if _, err := db.ErasePerson(mgr, twin.ID, "Subject request 2026/20"); err != nil {
			t.Fatal(err)
		}
		if after := count(theirs); after != before {
			t.Errorf("the namesake's intact audit entries went from %d to %d", before, after)
		}
		if n := count(fmt.Sprintf(`SELECT COUNT(*) FROM tickets WHERE requester_id = %d AND requester_name = '%s'`, namesake.ID, namesake.Name)); n != 1 {
			t.Errorf("the namesake's ticket no longer names them (%d)", n)
		}
		if problems, err := db.VerifyAuditChain(storetest.System(), nil); err != nil || len(problems) != 0 {
			t.Fatalf("chain after erasure: %v %v", problems, err)
		}
	})
}

// The integration register's history of contacts stops naming the person;
// the other contacts in it stay.
func TestEraseScrubsIntegrationHistory(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := storetest.MustSeed(t, db)
		u := f.CustomerUserA
		g := mustIntegration(t, db, f.CustomerA, "Invoices to Oracle Fusion")
		contacts := append(g.Contacts, itsm.IntegrationContact{Name: u.Name, Email: u.Email, Role: "Accounts payable"})
		if _, err := db.UpdateIntegration(storetest.As(f.Agent), g.ID, itsm.IntegrationUpdate{Contacts: &contacts, Version: g.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ErasePerson(storetest.As(f.Manager), u.ID, "Subject request 2026/21"); err != nil {
			t.Fatal(err)
		}
		var n, ann int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM integration_history WHERE LOWER(old_value || new_value) LIKE '%user@alpha.test%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM integration_history WHERE field = 'contacts' AND new_value LIKE '%ann@example.org%'`).Scan(&ann); err != nil {
			t.Fatal(err)
		}
		if n != 0 || ann == 0 {
			t.Errorf("after erasure the history names the person %d times, and Ann %d times", n, ann)
		}
		if problems, err := db.VerifyAuditChain(storetest.System(), nil); err != nil || len(problems) != 0 {
			t.Fatalf("chain after erasure: %v %v", problems, err)
		}
	})
}
