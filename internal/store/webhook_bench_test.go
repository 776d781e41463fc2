package store_test

import (
	"fmt"
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// BenchmarkTicketEventWebhooks measures what emitting ticket.created costs
// a ticket's creation: with no subscriptions (one indexed look-up), and with
// ten matching ones (ten deliveries and ten outbox jobs in the same
// transaction).
func BenchmarkTicketEventWebhooks(b *testing.B) {
	for _, subs := range []int{0, 10} {
		b.Run(fmt.Sprintf("subscriptions=%d", subs), func(b *testing.B) {
			db := storetest.MustOpen(b, store.SQLite)
			db.Enqueue = storetest.DiscardJobs
			f := storetest.MustSeed(b, db)
			for i := range subs {
				s := &itsm.WebhookSubscription{URL: fmt.Sprintf("https://hook%d.example.org/", i), EventTypes: []string{"ticket.created"}}
				if err := db.CreateWebhook(storetest.As(f.Admin), s); err != nil {
					b.Fatal(err)
				}
			}
			ctx := storetest.As(f.CustomerUserA)
			b.ResetTimer()
			for range b.N {
				if _, err := db.CreateTicket(ctx, itsm.NewTicket{Title: "Invoices stuck", Description: "Since 09:00"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
