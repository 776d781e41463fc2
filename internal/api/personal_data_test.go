package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestPersonalDataAPI exports and erases a customer user through the API:
// the refusals (none of which changes anything), the export's content, and
// the erasure's summary.
func TestPersonalDataAPI(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		fx := e.fx
		u := fx.CustomerUserA
		tk := e.MustNewTicket(t, u, "Supplier portal is slow")
		export := "/api/v1/users/" + strconv.FormatInt(u.ID, 10) + "/personal-data"
		erase := "/api/v1/users/" + strconv.FormatInt(u.ID, 10) + "/erase"
		good := map[string]any{"reason": "Subject request 2026/15", "confirm_email": u.Email}

		before := e.MustCount(t)
		e.MustDo(t, request{method: http.MethodGet, path: export}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.get(t, fx.Agent, export).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.get(t, fx.CustomerAdminB, export).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.MustDo(t, request{method: http.MethodPost, path: erase, body: good}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.Auditor, http.MethodPost, erase, good).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.Agent, http.MethodPost, erase, good).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.CustomerAdminB, http.MethodPost, erase, good).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, fx.Manager, http.MethodPost, "/api/v1/users/"+strconv.FormatInt(fx.Admin.ID, 10)+"/erase",
			map[string]any{"reason": "Leaving", "confirm_email": fx.Admin.Email}).MustError(t, http.StatusForbidden, itsm.EFORBIDDEN)
		e.send(t, fx.Admin, http.MethodPost, "/api/v1/users/"+strconv.FormatInt(fx.Admin.ID, 10)+"/erase",
			map[string]any{"reason": "Leaving", "confirm_email": fx.Admin.Email}).MustError(t, http.StatusBadRequest, itsm.EINVALID)
		if d := e.send(t, fx.Manager, http.MethodPost, erase, map[string]any{"reason": "Request", "confirm_email": "someone@alpha.test"}).
			MustError(t, http.StatusBadRequest, itsm.EINVALID); d.Fields["confirm_email"] == "" {
			t.Errorf("wrong confirmation: %+v", d)
		}
		if d := e.send(t, fx.Manager, http.MethodPost, erase, map[string]any{"reason": " ", "confirm_email": u.Email}).
			MustError(t, http.StatusBadRequest, itsm.EINVALID); d.Fields["reason"] == "" {
			t.Errorf("empty reason: %+v", d)
		}
		// Every mistake at once.
		if d := e.send(t, fx.Manager, http.MethodPost, erase, map[string]any{}).
			MustError(t, http.StatusBadRequest, itsm.EINVALID); d.Fields["reason"] == "" || d.Fields["confirm_email"] == "" {
			t.Errorf("empty body: %+v", d)
		}
		e.MustDo(t, request{method: http.MethodPost, path: erase, token: e.token(fx.Manager), body: `{}`, header: http.Header{"Content-Type": {"text/plain"}}}).
			MustError(t, http.StatusUnsupportedMediaType, codeUnsupportedMediaType)
		e.MustDo(t, request{method: http.MethodPost, path: erase, token: e.token(fx.Manager), body: `{"reason":"` + strings.Repeat("a", maxBody) + `"}`}).
			MustError(t, http.StatusRequestEntityTooLarge, itsm.ETOOLARGE)
		e.MustUnchanged(t, before)

		rep := e.get(t, fx.Manager, export).MustStatus(t, http.StatusOK)
		var p itsm.PersonalData
		rep.MustDecode(t, &p)
		if p.Person.ID != u.ID || len(p.TicketsRequested) != 1 || p.TicketsRequested[0].Ref != tk.Ref || len(p.APITokens) != 1 || len(p.AuditEntries) == 0 {
			t.Errorf("export: %+v", p)
		}
		if body := string(rep.body); strings.Contains(body, "argon2id") || strings.Contains(body, e.token(u)) {
			t.Error("the export holds a secret")
		}

		var sum itsm.ErasureSummary
		e.send(t, fx.Manager, http.MethodPost, erase, good).MustStatus(t, http.StatusOK).MustDecode(t, &sum)
		if sum.UserID != u.ID || sum.AuditEntryID == 0 || len(sum.Counts) == 0 {
			t.Errorf("summary: %+v", sum)
		}
		e.MustDo(t, request{method: http.MethodGet, path: "/api/v1/me", token: e.token(u)}).MustError(t, http.StatusUnauthorized, itsm.EUNAUTHORIZED)
		e.send(t, fx.Manager, http.MethodPost, erase, good).MustError(t, http.StatusConflict, itsm.ECONFLICT)
		var after itsm.PersonalData
		e.get(t, fx.Manager, export).MustStatus(t, http.StatusOK).MustDecode(t, &after)
		if after.Person.Name != itsm.ErasedName || after.ErasedAt == nil || len(after.APITokens) != 0 {
			t.Errorf("export after erasure: %+v", after.Person)
		}
		if problems, err := db.VerifyAuditChain(storetest.System(), nil); err != nil || len(problems) != 0 {
			t.Errorf("chain: %v %v", problems, err)
		}
	})
}
