package api

import (
	"net/http"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestDeskRouting: the service desk's addresses answer wrong methods with
// 405 and Allow, and IDs that are not positive integers with 404.
func TestDeskRouting(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		admin := e.fx.Admin
		for _, c := range []struct{ method, path, allow string }{
			{http.MethodDelete, "/api/v1/tickets", "GET, HEAD, POST"},
			{http.MethodPut, "/api/v1/tickets/1", "GET, HEAD, PATCH"},
			{http.MethodGet, "/api/v1/tickets/1/reopen", "POST"},
			{http.MethodGet, "/api/v1/tickets/1/comments", "POST"},
			{http.MethodPost, "/api/v1/tickets/1/sla", "GET, HEAD"},
			{http.MethodDelete, "/api/v1/attachments/1", "GET, HEAD"},
			{http.MethodGet, "/api/v1/tickets/1/watchers/2", "DELETE"},
			{http.MethodDelete, "/api/v1/tickets/1/links", "GET, HEAD, POST"},
			{http.MethodGet, "/api/v1/tickets/1/escalate", "POST"},
			{http.MethodPatch, "/api/v1/problems", "GET, HEAD, POST"},
			{http.MethodPut, "/api/v1/problems/1/incidents", "GET, HEAD, POST"},
			{http.MethodGet, "/api/v1/problems/1/incidents/2", "DELETE"},
			{http.MethodPost, "/api/v1/escalations", "GET, HEAD"},
			{http.MethodGet, "/api/v1/escalations/1/actions", "POST"},
			{http.MethodGet, "/api/v1/escalation-contacts/1", "DELETE"},
			{http.MethodPatch, "/api/v1/agreements/1", "GET, HEAD"},
			{http.MethodGet, "/api/v1/sla/simulate", "POST"},
			{http.MethodPost, "/api/v1/holidays", "GET, HEAD"},
		} {
			rep := e.MustDo(t, request{method: c.method, path: c.path, token: e.token(admin)})
			rep.MustError(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
			if rep.header.Get("Allow") != c.allow {
				t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, rep.header.Get("Allow"), c.allow)
			}
		}
		for _, id := range []string{"abc", "0", "-1", "01", "1.0", "99999999999999999999", "1%3B%20DROP%20TABLE%20tickets"} {
			for _, p := range []string{"/api/v1/tickets/", "/api/v1/attachments/", "/api/v1/problems/", "/api/v1/escalations/", "/api/v1/agreements/"} {
				e.get(t, admin, p+id).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			}
			e.get(t, admin, "/api/v1/tickets/"+id+"/sla").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			e.get(t, admin, "/api/v1/organisations/"+id+"/escalation-contacts").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			e.send(t, admin, http.MethodDelete, "/api/v1/tickets/1/watchers/"+id, nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			e.send(t, admin, http.MethodDelete, "/api/v1/problems/1/incidents/"+id, nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			e.send(t, admin, http.MethodDelete, "/api/v1/escalation-contacts/"+id, nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
			e.send(t, admin, http.MethodPost, "/api/v1/tickets/"+id+"/comments", map[string]any{"body": "x"}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		}
		// Someone who does not exist is not watching.
		tk := e.MustNewTicket(t, e.fx.CustomerUserA, "Watched")
		e.send(t, admin, http.MethodDelete, idPath("/api/v1/tickets", tk.ID, "/watchers/999999"), nil).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, admin, http.MethodPost, idPath("/api/v1/tickets", tk.ID, "/watchers"), map[string]any{"user_id": 999999}).MustField(t, "user_id")
		e.send(t, admin, http.MethodPost, idPath("/api/v1/tickets", tk.ID, "/watchers"), map[string]any{"user_id": 0}).MustField(t, "user_id")
		e.send(t, admin, http.MethodPost, idPath("/api/v1/tickets", tk.ID, "/watchers"), map[string]any{"user_id": e.fx.CustomerUserB.ID}).MustField(t, "user_id")
		e.send(t, admin, http.MethodPost, idPath("/api/v1/tickets", tk.ID, "/links"), map[string]any{"kind": "related", "target_id": tk.ID}).MustField(t, "target_id")
		e.send(t, admin, http.MethodPost, idPath("/api/v1/tickets", tk.ID, "/links"), map[string]any{"kind": "related", "target_id": 0}).MustField(t, "target_id")
		e.send(t, admin, http.MethodPost, idPath("/api/v1/tickets", tk.ID, "/links"), map[string]any{"kind": "related", "target_id": 999999}).MustField(t, "target_id")
		e.send(t, admin, http.MethodPost, idPath("/api/v1/tickets", tk.ID, "/links"), map[string]any{"kind": "caused_by", "target_id": 1}).MustField(t, "kind")
		e.send(t, admin, http.MethodPost, "/api/v1/tickets/999999/links", map[string]any{"kind": "related", "target_id": tk.ID}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, admin, http.MethodPost, "/api/v1/tickets/999999/watchers", map[string]any{}).MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.send(t, admin, http.MethodPost, "/api/v1/escalations/999999/actions", map[string]any{"action": "note", "body": "x", "version": 1}).
			MustError(t, http.StatusNotFound, itsm.ENOTFOUND)
		e.get(t, admin, "/api/v1/tickets/999999/problems").MustError(t, http.StatusNotFound, itsm.ENOTFOUND)

		// Every sub-list pages like any list, and refuses what is not paging.
		problem := &itsm.Problem{Title: "Paged"}
		if err := db.CreateProblem(storetest.As(admin), problem); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/events", "/attachments", "/watchers", "/links", "/problems"} {
			e.get(t, admin, idPath("/api/v1/tickets", tk.ID, p+"?limit=0")).MustField(t, "limit")
			e.get(t, admin, idPath("/api/v1/tickets", tk.ID, p+"?sort=name")).MustField(t, "sort")
		}
		e.get(t, admin, idPath("/api/v1/problems", problem.ID, "/incidents?offset=-1")).MustField(t, "offset")
		e.get(t, admin, "/api/v1/agreements?limit=none").MustField(t, "limit")
		var watchers page[itsm.Watcher]
		e.get(t, admin, idPath("/api/v1/tickets", tk.ID, "/watchers?offset=5")).MustStatus(t, http.StatusOK).MustDecode(t, &watchers)
		if watchers.Total != 1 || len(watchers.Items) != 0 || watchers.Offset != 5 {
			t.Fatalf("past the end: %+v", watchers)
		}
	})
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"Enter a name.":                                "Enter a name.",
		"Enter a name. (and 1 more problems)":          "Enter a name. There is 1 more problem: see fields.",
		"Enter a name. (and 3 more problems)":          "Enter a name. There are 3 more problems: see fields.",
		"Use (and keep) a name. (and 2 more problems)": "Use (and keep) a name. There are 2 more problems: see fields.",
		"Odd (and x more problems)":                    "Odd (and x more problems)",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}
