package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestAgreementForm adds an agreement through the form and checks every
// kind of mistake is shown against its input.
func TestAgreementForm(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		c := e.as(f.Manager)
		form := c.Get("/agreements/new")
		mustContain(t, form.Body, "new agreement form", `id="mon-1-start" name="mon-1-start" value="09:00"`, `id="target-P1-response" name="target-P1-response" value="30m"`,
			`value="pending customer" checked`, `value="75, 90"`, `<option value="scotland" selected>`)

		bad := []struct {
			name   string
			change func(url.Values)
			field  string
		}{
			{"no name", func(v url.Values) { v.Set("name", " ") }, "name"},
			{"no provider", func(v url.Values) { v.Set("provider_id", "") }, "provider_id"},
			{"a customer as provider", func(v url.Values) { v.Set("provider_id", id(f.CustomerA.ID)) }, "provider_id"},
			{"unknown customer", func(v url.Values) { v.Set("customer_id", "999999") }, "customer_id"},
			{"impossible date", func(v url.Values) { v.Set("effective_from", "2026-02-30") }, "effective_from"},
			{"unknown zone", func(v url.Values) { v.Set("time_zone", "Europe/Lndon") }, "time_zone"},
			{"local zone", func(v url.Values) { v.Set("time_zone", "Local") }, "time_zone"},
			{"hours in words", func(v url.Values) { v.Set("mon-1-start", "9am") }, "mon-1-start"},
			{"hours the wrong way round", func(v url.Values) { v.Set("tue-1-start", "17:00"); v.Set("tue-1-end", "09:00") }, "tue-1-start"},
			{"half an interval", func(v url.Values) { v.Set("wed-1-end", "") }, "wed-1-start"},
			{"overlapping intervals", func(v url.Values) { v.Set("fri-2-start", "12:00") }, "fri-2-start"},
			{"second interval alone", func(v url.Values) {
				v.Set("thu-1-start", "")
				v.Set("thu-1-end", "")
				v.Set("thu-2-start", "13:00")
				v.Set("thu-2-end", "14:00")
			}, "thu-2-start"},
			{"no hours at all", func(v url.Values) {
				for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
					for _, s := range []string{"-1-start", "-1-end", "-2-start", "-2-end"} {
						v.Del(d + s)
					}
				}
			}, "mon-1-start"},
			{"24×7 with hours", func(v url.Values) { v.Set("all_day", "yes") }, "all_day"},
			{"unknown holiday set", func(v url.Values) { v.Set("holiday_set", "wales") }, "holiday_set"},
			{"impossible holiday", func(v url.Values) { v.Set("extra_holidays", "2026-12-24\n2026-02-30") }, "extra_holidays"},
			{"target in words", func(v url.Values) { v.Set("target-P1-response", "half an hour") }, "target-P1-response"},
			{"zero target", func(v url.Values) { v.Set("target-P2-resolution", "0h") }, "target-P2-resolution"},
			{"negative target", func(v url.Values) { v.Set("target-P3-response", "-4h") }, "target-P3-response"},
			{"absurd target", func(v url.Values) { v.Set("target-P4-resolution", "100000h") }, "target-P4-resolution"},
			{"missing target", func(v url.Values) { v.Del("target-P4-response") }, "target-P4-response"},
			{"unknown pause status", func(v url.Values) { v.Set("pause_statuses", "resolved") }, "pause_statuses"},
			{"warning over 100%", func(v url.Values) { v.Set("warn_percentages", "75, 150") }, "warn_percentages"},
			{"warning twice", func(v url.Values) { v.Set("warn_percentages", "90, 90") }, "warn_percentages"},
		}
		for _, b := range bad {
			v := agreementForm(f.Provider.ID)
			b.change(v)
			res := c.Post("/agreements/new", v)
			mustFormError(t, res, http.StatusBadRequest, b.name, b.field)
			if b.name == "hours the wrong way round" {
				mustContain(t, res.Body, b.name, "Tuesday’s hours must end after they start.", `value="17:00"`)
			}
		}
		if all, _ := db.FindAgreements(storetest.System()); len(all) != 0 {
			t.Fatalf("bad forms added %d agreements", len(all))
		}

		v := agreementForm(f.Provider.ID)
		v.Set("name", "Alpha's agreement")
		v.Set("customer_id", id(f.CustomerA.ID))
		v.Set("target-P1-response", "15m")
		v["pause_statuses"] = []string{"pending customer", "pending provider"}
		res := c.Post("/agreements/new", v)
		mustStatus(t, res, http.StatusSeeOther, "add agreement")
		page := c.Get(res.Location())
		mustContain(t, page.Body, "new agreement", "Alpha&#39;s agreement has been added.", "Alpha Council", "1 April 2026", "Not yet in force",
			"08:00 to 12:30 and 13:30 to 17:00", "Scotland bank holidays", "24 December 2026", "15 minutes", "pending provider", "At 75% and 90% of the target")
		all, _ := db.FindAgreements(storetest.System())
		if len(all) != 1 || all[0].EffectiveFrom.Format("2006-01-02T15:04Z07:00") != "2026-03-31T23:00Z" || all[0].Targets["P1"].Response != "15m" ||
			len(all[0].Calendar.Week.Fri) != 2 || len(all[0].Calendar.Holidays) != 2 || all[0].WarnFractions[1] != 0.9 {
			t.Errorf("stored agreement: %+v", all[0])
		}

		// A 24×7 agreement with no warnings and nothing pausing.
		v = agreementForm(f.Provider.ID)
		for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
			for _, s := range []string{"-1-start", "-1-end", "-2-start", "-2-end"} {
				v.Del(d + s)
			}
		}
		v.Set("all_day", "yes")
		v.Set("holiday_set", "")
		v.Set("extra_holidays", "")
		v.Set("warn_percentages", "")
		v.Del("pause_statuses")
		mustStatus(t, c.Post("/agreements/new", v), http.StatusSeeOther, "24×7 agreement")
		all, _ = db.FindAgreements(storetest.System())
		if len(all) != 2 || !all[0].Calendar.AllDay || len(all[0].PauseStatuses) != 0 || len(all[0].WarnFractions) != 0 {
			t.Errorf("24×7 agreement: %+v", all[0])
		}
	})
}

// TestAgreementsByAudience checks each reader sees the agreements that
// apply to them, and the export carries the targets.
func TestAgreementsByAudience(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		d := e.mustDesk()
		list := e.as(f.CustomerUserA).Get("/agreements")
		mustContain(t, list.Body, "customer A's list", d.general.Name, "The service provider", "Every customer")
		if strings.Contains(list.Body, "Beta") || strings.Contains(list.Body, "Add a service agreement") || strings.Contains(list.Body, `name="provider"`) {
			t.Errorf("customer A sees B's agreement or the staff's controls:\n%s", excerpt(list.Body))
		}
		rows := mustCSV(t, e.as(f.CustomerUserB).Get("/agreements.csv"))
		if len(rows) != 3 || rows[0][10] != "p1_response" || rows[1][1] != "Beta's own agreement" || rows[1][10] != "30m" || rows[1][17] != "40h" {
			t.Errorf("customer B's export: %v", rows)
		}
		staff := e.as(f.Auditor)
		mustContain(t, staff.Get("/agreements?provider="+id(f.Provider.ID)).Body, "filtered list", "Showing 1 to 2 of 2 agreements")
		mustStatus(t, staff.Get("/agreements?provider=x"), http.StatusBadRequest, "bad provider filter")
		page := staff.Get("/agreements/" + id(d.general.ID))
		mustContain(t, page.Body, "auditor's view", `href="/sla/what-if?agreement=`+id(d.general.ID)+`"`)
		if strings.Contains(e.as(f.CustomerUserA).Get("/agreements/"+id(d.general.ID)).Body, "/sla/what-if") {
			t.Error("a customer is offered the what-if comparison")
		}

		// A provider reads its own agreements, not another provider's.
		other := &itsm.Organisation{Name: "Other Provider Ltd", Kind: itsm.OrgProvider}
		if err := db.CreateOrganisation(storetest.System(), other); err != nil {
			t.Fatal(err)
		}
		theirs := &itsm.ServiceAgreement{Name: "Other provider's agreement", ProviderID: other.ID, EffectiveFrom: d.general.EffectiveFrom,
			Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
		if err := db.CreateAgreement(storetest.As(f.Manager), theirs); err != nil {
			t.Fatal(err)
		}
		prov := e.as(f.ProviderAgent)
		if list := prov.Get("/agreements"); strings.Contains(list.Body, "Other provider") || !strings.Contains(list.Body, d.general.Name) {
			t.Errorf("the provider's list:\n%s", excerpt(list.Body))
		}
		mustStatus(t, prov.Get("/agreements/"+id(theirs.ID)), http.StatusNotFound, "another provider's agreement")
	})
}

// TestDeskSettings changes the priority matrix and the reopen window, and
// checks a new ticket takes its priority from the new matrix.
func TestDeskSettings(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := e.f
		c := e.as(f.Admin)
		page := c.Get("/settings/service-desk")
		mustContain(t, page.Body, "settings", `<select class="ds_select" id="priority_matrix.high.high" name="priority_matrix.high.high">`,
			`<option value="P1" selected>P1</option>`, `name="reopen_days" value="10"`)

		res := c.Post("/settings/service-desk", settingsForm("P9", "-1"))
		mustFormError(t, res, http.StatusBadRequest, "bad settings", "priority_matrix.high.high", "reopen_days")
		mustContain(t, res.Body, "bad settings", `value="-1"`, "Choose P1 to P4 for high impact and high urgency.")
		res = c.Post("/settings/service-desk", settingsForm("P2", "400"))
		mustFormError(t, res, http.StatusBadRequest, "reopen window too long", "reopen_days")

		res = c.Post("/settings/service-desk", settingsForm("P2", "5"))
		mustStatus(t, res, http.StatusSeeOther, "save settings")
		mustContain(t, c.Get(res.Location()).Body, "saved settings", "The service desk settings have been saved.", `name="reopen_days" value="5"`)
		tk, err := db.CreateTicket(storetest.As(f.CustomerUserA), itsm.NewTicket{Title: "Down", Description: "All down.", Impact: itsm.High, Urgency: itsm.High})
		if err != nil || tk.Priority != "P2" {
			t.Errorf("new ticket's priority: %v %v", tk, err)
		}

		// The auditor reads the rules, with no form.
		page = e.as(f.Auditor).Get("/settings/service-desk")
		mustContain(t, page.Body, "auditor's settings", "5 days after a ticket is resolved")
		if strings.Contains(page.Body, "<select") || strings.Contains(page.Body, "Save settings") {
			t.Error("the auditor is offered the settings form")
		}
	})
}
