package store_test

import (
	"testing"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// BenchmarkSignIn measures one successful sign-in: the argon2id check, the
// session insert and the audit entry.
func BenchmarkSignIn(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.MustOpen(b, e)
			f := storetest.MustSeed(b, db)
			ctx := storetest.Ctx(itsm.Anonymous("192.0.2.1"))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, _, err := db.SignIn(ctx, f.Agent.Email, storetest.Password); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHashPassword measures the argon2id hash alone.
func BenchmarkHashPassword(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := store.HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
