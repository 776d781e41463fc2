package server_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/server"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// BenchmarkAPIList50Clients measures an authenticated API list request
// (GET /api/v1/users, a page of 50 of 500 people, with the total) with 50
// concurrent clients over loopback HTTP, on each engine. It reports
// requests per second and the 99th percentile latency.
func BenchmarkAPIList50Clients(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.MustOpen(b, e)
			f := storetest.MustSeed(b, db)
			var hash string
			if err := db.SQL().QueryRow(`SELECT password_hash FROM users WHERE id = ` + fmt.Sprint(f.Agent.ID)).Scan(&hash); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < 491; i++ {
				q := `INSERT INTO users (org_id, email, name, role, status, password_hash, version, created_at, updated_at) VALUES (%d, 'bench%d@alpha.test', 'Bench Person %d', 'customer_user', 'active', '%s', 1, 0, 0)`
				if _, err := db.SQL().Exec(fmt.Sprintf(q, f.CustomerA.ID, i, i, hash)); err != nil {
					b.Fatal(err)
				}
			}
			_, token, err := db.CreateAPIToken(storetest.As(f.Agent), f.Agent.ID, "bench", nil)
			if err != nil {
				b.Fatal(err)
			}
			h, err := server.New(server.Config{Services: db.Services(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "bench", Now: db.Now})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 100}}
			url := srv.URL + "/api/v1/users?limit=50"
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(max(1, 50/runtime.GOMAXPROCS(0))) // 50 clients on 2 cores
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					t0 := time.Now()
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			b.StopTimer()
			if len(lat) == 0 {
				return
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkTicketCreate compares creating a ticket through the API (HTTP,
// token, validation, reference number, SLA clocks, watcher, audit entry,
// outbox e-mail, all in one transaction) with a raw single-row INSERT in
// its own transaction on the same database and durability settings.
func BenchmarkTicketCreate(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(string(e)+"/api", func(b *testing.B) {
			db := storetest.MustOpen(b, e)
			f := storetest.MustSeed(b, db)
			_, token, err := db.CreateAPIToken(storetest.As(f.CustomerUserA), f.CustomerUserA.ID, "bench", nil)
			if err != nil {
				b.Fatal(err)
			}
			h, err := server.New(server.Config{Services: db.Services(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "bench", Now: db.Now})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			body := `{"type":"incident","title":"Cannot approve orders","description":"The approve button fails for orders over £5,000.","impact":"medium","urgency":"high"}`
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest("POST", srv.URL+"/api/v1/tickets", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 201 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
		b.Run(string(e)+"/raw-insert", func(b *testing.B) {
			db := storetest.MustOpen(b, e)
			if _, err := db.SQL().Exec(`CREATE TABLE bench_rows (id BIGINT PRIMARY KEY, title TEXT NOT NULL, created_at BIGINT NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			q := `INSERT INTO bench_rows (id, title, created_at) VALUES (?, ?, ?)`
			if e == "postgres" {
				q = `INSERT INTO bench_rows (id, title, created_at) VALUES ($1, $2, $3)`
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.SQL().Exec(q, i, "Cannot approve orders", time.Now().UnixMicro()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
