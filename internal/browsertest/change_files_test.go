package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestChangeFilesAndRisks: a customer raises a work request with a file
// chosen in the form, adds another on the change's page (a wrong one
// first, which the form refuses with its error summary), and the
// programme team sees the files and the risks linked to the change, and
// follows a risk's link. axe runs on each page.
func TestChangeFilesAndRisks(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := mustBrowser(t)
			s := mustSite(t, engine)
			f := s.F
			dir := t.TempDir()
			write := func(name string, data []byte) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, data, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			mockUp := write("mock-up.png", append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...))
			extract := write("extract.csv", []byte("supplier,vat\nAcme,GB123\n"))
			tool := write("tool.exe", []byte("MZ\x90\x00"))

			signIn(t, ctx, s, f.CustomerUserA.Email, storetest.Password)
			do(t, ctx, chromedp.Navigate(s.URL+"/changes/new?kind=work_request"), chromedp.WaitReady(chromedp.CSS(`form[action="/changes/new"]`)))
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`[name="title"]`), "Supplier extract"),
				chromedp.SendKeys(chromedp.CSS(`[name="description"]`), "Every supplier with its VAT number, as CSV."),
				chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{mockUp}),
			)
			clickAndWait(t, ctx, `form[action="/changes/new"] button[value="submit"]`)
			m := changePathRE.FindStringSubmatch(location(t, ctx))
			if m == nil {
				t.Fatalf("after raising: %s\n%s", location(t, ctx), text(t, ctx))
			}
			id, _ := strconv.ParseInt(m[1], 10, 64)
			mustSee(t, ctx, "WR-0001 has been submitted", "Your file mock-up.png has been added.", "Added the file mock-up.png")
			mustAxe(t, ctx, "change with a file")

			form := fmt.Sprintf(`form[action="/changes/%d/attachments"]`, id)
			do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{tool}))
			clickAndWait(t, ctx, form+` button[type="submit"]`)
			mustSee(t, ctx, "There is a problem", "The file must be a PDF")
			mustAxe(t, ctx, "refused file")
			do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{extract}))
			clickAndWait(t, ctx, form+` button[type="submit"]`)
			mustSee(t, ctx, "extract.csv has been added to WR-0001.")
			signOut(t, ctx)

			risk := &itsm.Risk{Title: "Supplier data quality", Category: itsm.RiskCategoryTechnical, Likelihood: 3, Impact: 4, Proximity: itsm.ProximityNear,
				ReviewDate: itsm.RAIDDate(storetest.ClockOf(s.DB).Now()).AddDate(0, 0, 14)}
			if err := s.DB.CreateRisk(storetest.As(f.Agent), risk); err != nil {
				t.Fatal(err)
			}
			if err := s.DB.LinkRiskChange(storetest.As(f.Agent), risk.ID, id); err != nil {
				t.Fatal(err)
			}
			signIn(t, ctx, s, f.Agent.Email, storetest.Password)
			openChange(t, ctx, fmt.Sprintf("%s/changes/%d", s.URL, id))
			mustSee(t, ctx, "mock-up.png", "extract.csv", "Linked risks", risk.Ref, "Supplier data quality")
			mustAxe(t, ctx, "change with files and risks")
			clickAndWait(t, ctx, fmt.Sprintf(`a[href="/risks/%d"]`, risk.ID))
			mustSee(t, ctx, "Supplier data quality")
		})
	}
}
