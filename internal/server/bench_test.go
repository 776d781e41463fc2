package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/jobs"
	"github.com/steward-itsm/steward/internal/notify"
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
// token, strict JSON, validation, reference number, SLA clocks, full-text
// index, watcher, hash-chained audit entry and the outbox e-mail inserted
// into River's job table, all in one transaction) with a raw single-row
// INSERT in its own transaction on the same database and durability
// settings. Both sides run with the same number of concurrent clients
// (clients-1 and clients-16); the ratio compares their throughput.
func BenchmarkTicketCreate(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		for _, clients := range []int{1, 16} {
			name := fmt.Sprintf("%s/clients-%d", e, clients)
			b.Run(name+"/api", func(b *testing.B) {
				db := storetest.MustOpen(b, e)
				f := storetest.MustSeed(b, db)
				if err := jobs.Migrate(context.Background(), string(e), db.SQL(), db.Pool()); err != nil {
					b.Fatal(err)
				}
				// The real outbox: River's insert in the ticket's transaction
				// (the queue is not started, so no worker competes).
				q, err := jobs.New(jobs.Config{Engine: string(e), DB: db.SQL(), Pool: db.Pool(), Mailer: notify.LogMailer{Logger: slog.New(slog.DiscardHandler)}})
				if err != nil {
					b.Fatal(err)
				}
				db.Enqueue = q.Enqueue
				// A service agreement, so that the ticket's SLA clocks are
				// evaluated and stored as they are in real use.
				ag := &itsm.ServiceAgreement{Name: "Help desk", ProviderID: f.Provider.ID, EffectiveFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
					Calendar: itsm.OfficeHoursSpec(), Targets: itsm.DefaultTargets()}
				if err := db.CreateAgreement(storetest.As(f.Manager), ag); err != nil {
					b.Fatal(err)
				}
				_, token, err := db.CreateAPIToken(storetest.As(f.CustomerUserA), f.CustomerUserA.ID, "bench", nil)
				if err != nil {
					b.Fatal(err)
				}
				h, err := server.New(server.Config{Services: db.Services(), Logger: slog.New(benchLog(b)), Version: "bench", Now: db.Now})
				if err != nil {
					b.Fatal(err)
				}
				srv := httptest.NewServer(h)
				defer srv.Close()
				client := &http.Client{Transport: &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 100}}
				body := `{"type":"incident","title":"Cannot approve orders","description":"The approve button fails for orders over £5,000.","impact":"medium","urgency":"high"}`
				create := func() error {
					req, _ := http.NewRequest("POST", srv.URL+"/api/v1/tickets", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					res, err := client.Do(req)
					if err != nil {
						return err
					}
					msg, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != 201 {
						return fmt.Errorf("status %d: %s", res.StatusCode, msg)
					}
					return nil
				}
				// One ticket first, outside the timing: it starts the
				// reference sequence and warms the connections.
				if err := create(); err != nil {
					b.Fatal(err)
				}
				runClients(b, clients, create)
			})
			b.Run(name+"/raw-insert", func(b *testing.B) {
				db := storetest.MustOpen(b, e)
				if _, err := db.SQL().Exec(`CREATE TABLE bench_rows (id BIGINT PRIMARY KEY, title TEXT NOT NULL, created_at BIGINT NOT NULL)`); err != nil {
					b.Fatal(err)
				}
				q := `INSERT INTO bench_rows (id, title, created_at) VALUES (?, ?, ?)`
				if e == "postgres" {
					q = `INSERT INTO bench_rows (id, title, created_at) VALUES ($1, $2, $3)`
				}
				var n atomic.Int64
				runClients(b, clients, func() error {
					_, err := db.SQL().Exec(q, n.Add(1), "Cannot approve orders", time.Now().UnixMicro())
					return err
				})
			})
		}
	}
}

// runClients calls op b.N times from the given number of concurrent
// clients and reports operations per second and this process's CPU time
// per operation (user and system; PostgreSQL's own processes are not in it).
func runClients(b *testing.B, clients int, op func() error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := op(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchLog discards the server's logs unless STEWARD_BENCH_LOG is set, when
// errors go to the benchmark's output.
func benchLog(b *testing.B) slog.Handler {
	if os.Getenv("STEWARD_BENCH_LOG") == "" {
		return slog.DiscardHandler
	}
	return slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})
}
