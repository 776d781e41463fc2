package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// govUKFeed is a small hand-written bank-holidays.json in gov.uk's exact
// shape, typographic apostrophe and substitute-day notes included.
const govUKFeed = `{"england-and-wales":{"division":"england-and-wales","events":[{"title":"Boxing Day","date":"2026-12-28","notes":"Substitute day","bunting":true}]},` +
	`"scotland":{"division":"scotland","events":[{"title":"St Andrew’s Day","date":"2026-11-30","notes":"","bunting":true},` +
	`{"title":"2nd January","date":"2027-01-04","notes":"Substitute day","bunting":true},{"title":"Christmas Day","date":"2026-12-25","notes":"","bunting":true}]}}`

// TestAgreementFormBankHolidays adds an agreement with gov.uk's
// bank-holidays.json chosen on the form: the division's dates join the
// other holidays, sorted and without repeats. A file that is not the feed,
// is too large or lacks the division is refused beside the field and
// nothing is added.
func TestAgreementFormBankHolidays(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDeskEnv(t, db)
		f := e.f
		c := e.as(f.Manager)
		form := c.Get("/agreements/new")
		mustContain(t, form.Body, "new agreement form", `enctype="multipart/form-data"`, `<label class="ds_label" for="bank_holidays_file">Bank holidays from gov.uk (bank-holidays.json)</label>`,
			`<option value="scotland" selected>Scotland</option>`, `<option value="northern-ireland">Northern Ireland</option>`)

		feed := func(data string) fileUpload {
			return fileUpload{"bank_holidays_file", "bank-holidays.json", []byte(data)}
		}
		bad := []struct {
			name, division string
			file           fileUpload
			field, says    string
		}{
			{"not JSON", "scotland", feed("Date,Name\n2026-11-30,St Andrew's Day\n"), "bank_holidays_file", "The file is not gov.uk’s bank-holidays.json"},
			{"a JSON list", "scotland", feed(`[{"date":"2026-11-30"}]`), "bank_holidays_file", "it is not a JSON object"},
			{"another JSON file", "scotland", feed(`{"calendar":{"timezone":"Europe/London"},"targets":{}}`), "bank_holidays_file", "none of gov.uk’s divisions"},
			{"a bad date", "scotland", feed(`{"scotland":{"division":"scotland","events":[{"title":"St Andrew’s Day","date":"2026-11-31"}]}}`), "bank_holidays_file", "scotland.events[0].date"},
			{"too large", "scotland", feed(govUKFeed + strings.Repeat(" ", 1<<20)), "bank_holidays_file", "must be smaller than 1 MB"},
			{"empty", "scotland", feed(""), "bank_holidays_file", "is empty"},
			{"division missing from the file", "northern-ireland", feed(govUKFeed), "bank_holidays_division", "has no bank holidays for Northern Ireland"},
			{"unknown division", "wales", feed(govUKFeed), "bank_holidays_division", "Choose England and Wales, Scotland or Northern Ireland."},
			{"no division", "", feed(govUKFeed), "bank_holidays_division", "Choose the division"},
		}
		for _, b := range bad {
			v := agreementForm(f.Provider.ID)
			v.Set("bank_holidays_division", b.division)
			res := postMultipart(c, "/agreements/new", v, b.file)
			mustFormError(t, res, http.StatusBadRequest, b.name, b.field)
			mustContain(t, res.Body, b.name, b.says)
		}
		// A 24×7 calendar has no holidays to add them to.
		v := agreementForm(f.Provider.ID)
		for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
			for _, s := range []string{"-1-start", "-1-end", "-2-start", "-2-end"} {
				v.Del(d + s)
			}
		}
		v.Set("all_day", "yes")
		v.Set("holiday_set", "")
		v.Set("extra_holidays", "")
		v.Set("bank_holidays_division", "scotland")
		mustFormError(t, postMultipart(c, "/agreements/new", v, feed(govUKFeed)), http.StatusBadRequest, "24×7 with a file", "bank_holidays_file")
		if all, _ := db.FindAgreements(storetest.System()); len(all) != 0 {
			t.Fatalf("bad files added %d agreements", len(all))
		}

		// The form with a file is still protected from cross-site posts.
		v = agreementForm(f.Provider.ID)
		v.Set("csrf_token", "forged")
		mustStatus(t, postMultipart(c, "/agreements/new", v, feed(govUKFeed)), http.StatusForbidden, "forged token")

		// Scotland's dates join the other holidays (2026-12-25 is in both).
		v = agreementForm(f.Provider.ID)
		v.Set("extra_holidays", "2026-12-25\n2026-12-24")
		v.Set("bank_holidays_division", "scotland")
		res := postMultipart(c, "/agreements/new", v, feed(govUKFeed))
		mustStatus(t, res, http.StatusSeeOther, "agreement with gov.uk's holidays")
		all, _ := db.FindAgreements(storetest.System())
		want := []string{"2026-11-30", "2026-12-24", "2026-12-25", "2027-01-04"}
		if len(all) != 1 || !slices.Equal(all[0].Calendar.Holidays, want) {
			t.Fatalf("stored holidays: %+v, want %v", all, want)
		}
		mustContain(t, c.Get(res.Location()).Body, "the agreement's page", "30 November 2026", "4 January 2027")

		// With no file chosen the form works as before, division or not.
		v = agreementForm(f.Provider.ID)
		v.Set("bank_holidays_division", "england-and-wales")
		mustStatus(t, postMultipart(c, "/agreements/new", v), http.StatusSeeOther, "no file")
		// Nor is the form without a file refused when posted URL-encoded.
		mustStatus(t, c.Post("/agreements/new", agreementForm(f.Provider.ID)), http.StatusSeeOther, "URL-encoded form")
	})
}
