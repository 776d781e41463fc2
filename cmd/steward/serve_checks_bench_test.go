package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// BenchmarkServeChecks measures what `steward serve` costs while it runs
// 1,000, 5,000 and 10,000 HTTP checks at a 30-second interval against a
// local target (goal: 5,000 checks under 10 % of one core). It builds the
// binary, imports the checks into a fresh SQLite database, starts the
// server, lets one interval pass so that every check has run once, then
// reads the process's CPU time and resident memory from /proc over the
// next 60 seconds. It is slow (about two minutes a size), so it runs only
// when asked: go test ./cmd/steward -run '^$' -bench ServeChecks -benchtime 1x.
// STEWARD_BENCH_CHECKS=1000,5000 chooses the sizes.
func BenchmarkServeChecks(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc: Linux only")
	}
	sizes := []int{1000, 5000, 10000}
	if s := os.Getenv("STEWARD_BENCH_CHECKS"); s != "" {
		sizes = nil
		for _, p := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				b.Fatalf("STEWARD_BENCH_CHECKS: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	bin := filepath.Join(b.TempDir(), "steward")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build steward: %v\n%s", err, out)
	}
	// The target answers every check with a small body, keeping alive.
	var hits atomic.Int64
	target := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("OK: the service is running\n"))
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = target.Serve(ln) }()
	defer target.Close()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("checks-%d", n), func(b *testing.B) {
			dir := b.TempDir()
			dsn := filepath.Join(dir, "steward.db")
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			db.Enqueue = storetest.DiscardJobs
			defs := make([]*itsm.Check, n)
			for i := range defs {
				defs[i] = &itsm.Check{Name: fmt.Sprintf("Check %05d", i), Service: fmt.Sprintf("Service %02d", i%50), Kind: itsm.CheckHTTP,
					URL: fmt.Sprintf("http://%s/health/%d", ln.Addr(), i), Interval: 30 * time.Second, Timeout: 5 * time.Second,
					BodyContains: "running", Enabled: true, IncidentPriority: "P2"}
			}
			if res, err := db.ImportChecks(storetest.System(), defs, false); err != nil || len(res.Errors) > 0 {
				b.Fatalf("import: %v %+v", err, res)
			}
			db.Close()
			port := freePort(b)
			cmd := exec.Command(bin, "serve", "--db", dsn, "--data", dir, "--listen", "127.0.0.1:"+port, "--log-level", "warn")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
			time.Sleep(40 * time.Second) // one interval: every check has run once
			startHits := hits.Load()
			cpu0 := procCPU(b, cmd.Process.Pid)
			t0 := time.Now()
			time.Sleep(60 * time.Second)
			cpu1 := procCPU(b, cmd.Process.Pid)
			elapsed := time.Since(t0)
			runs := hits.Load() - startHits
			rss := procRSS(b, cmd.Process.Pid)
			pct := 100 * (cpu1 - cpu0).Seconds() / elapsed.Seconds()
			b.ReportMetric(pct, "cpu-%-of-core")
			b.ReportMetric(float64(rss)/1024, "rss-MB")
			b.ReportMetric(float64(runs)/elapsed.Seconds(), "runs/s")
			want := float64(n) / 30
			if got := float64(runs) / elapsed.Seconds(); got < 0.9*want {
				b.Errorf("%d checks ran %.0f times a second, want about %.0f", n, got, want)
			}
		})
	}
}

func freePort(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// procCPU is the user and system CPU time a process has used.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// procRSS is a process's resident memory in KiB.
func procRSS(b *testing.B, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
