package api

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// TestRegistrationThrottled: one address may register only a few people an
// hour; past that it gets 429 with a sentence, and nothing is created.
func TestRegistrationThrottled(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := MustEnv(t, db)
		db.Throttle.RegistrationsPerHour = 2
		for i := 0; i < 2; i++ {
			e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/registrations", body: map[string]any{
				"organisation_id": e.fx.CustomerA.ID, "name": "Person " + strconv.Itoa(i), "email": "p" + strconv.Itoa(i) + "@alpha.test", "password": storetest.Password}}).MustStatus(t, http.StatusAccepted)
		}
		e.MustDo(t, request{method: http.MethodPost, path: "/api/v1/registrations", body: map[string]any{
			"organisation_id": e.fx.CustomerA.ID, "name": "Late", "email": "late@alpha.test", "password": storetest.Password}}).MustError(t, http.StatusTooManyRequests, itsm.ETOOMANY)
		email := "late@alpha.test"
		if _, total, _ := db.FindUsers(storetest.System(), itsm.UserFilter{Email: &email}); total != 0 {
			t.Fatal("a throttled registration created an account")
		}
	})
}
