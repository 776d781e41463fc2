package store_test

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/store"
	"github.com/steward-itsm/steward/internal/store/storetest"
)

// Benchmarks of the document library, on SQLite:
//
//	go test ./internal/store -run '^$' -bench 'BenchmarkContent|BenchmarkDocumentFile' -benchtime 1x
//
// BenchmarkContentSearch searches 100,000 documents and articles as a
// customer and reports the 50th and 99th percentile latency;
// BenchmarkDocumentFile50MB uploads and downloads a 50 MB file and reports
// throughput and how far the heap and the resident set grew while it ran.
// STEWARD_BENCH_KEEP=/path/search.db keeps a copy of the search database.

// benchWords is a vocabulary drawn from with a Zipf distribution, so that a
// few words are everywhere and most are rare, as in real text.
func benchWords() []string {
	stems := []string{"invoice", "order", "supplier", "ledger", "journal", "approval", "receipt", "catalogue", "budget", "tender",
		"contract", "payment", "credit", "export", "import", "sftp", "peppol", "ubl", "release", "upgrade", "report", "tax", "vat",
		"account", "cost", "centre", "project", "asset", "stock", "delivery", "requisition", "buyer", "finance", "schedule", "interface"}
	var out []string
	for i := 0; len(out) < 5000; i++ {
		out = append(out, stems[i%len(stems)]+strconv.Itoa(i/len(stems)))
	}
	return out
}

var searchDB struct {
	once sync.Once
	db   *store.DB
	f    *storetest.Fixture
	err  error
}

// mustSearchDB builds, once per run, a SQLite database of 50,000
// documents and 50,000 help articles, a third for all customers, a third
// for one named customer and a third for the programme only.
func mustSearchDB(b *testing.B) (*store.DB, *storetest.Fixture) {
	searchDB.once.Do(func() {
		db := storetest.MustOpen(b, store.SQLite)
		f := storetest.MustSeed(b, db)
		words := benchWords()
		rng := rand.New(rand.NewPCG(1, 2))
		zipf := rand.NewZipf(rng, 1.1, 1, uint64(len(words)-1))
		text := func(n int) string {
			ws := make([]string, n)
			for i := range ws {
				ws[i] = words[zipf.Uint64()]
			}
			return strings.Join(ws, " ")
		}
		tx, err := db.SQL().Begin()
		if err != nil {
			searchDB.err = err
			return
		}
		defer tx.Rollback()
		now := time.Now().UnixMicro()
		orgs := []int64{f.CustomerA.ID, f.CustomerB.ID}
		for i := range 50000 {
			vis := []string{"all_customers", "named", "programme"}[i%3]
			res, err := tx.Exec(`INSERT INTO documents (type, title, summary, tags, visibility, provider_sharing, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'none', ?, ?, ?)`,
				string(itsm.DocumentTypes[i%len(itsm.DocumentTypes)]), text(6), text(20), text(2), vis, text(150), now, now)
			if err != nil {
				searchDB.err = err
				return
			}
			id, _ := res.LastInsertId()
			if vis == "named" {
				if _, err := tx.Exec(`INSERT INTO document_audience (document_id, org_id) VALUES (?, ?)`, id, orgs[i%2]); err != nil {
					searchDB.err = err
					return
				}
			}
			res, err = tx.Exec(`INSERT INTO articles (category_id, title, summary, body, tags, visibility, provider_sharing, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, 'none', ?, ?)`,
				text(6), text(20), text(150), text(2), vis, now, now)
			if err != nil {
				searchDB.err = err
				return
			}
			if vis == "named" {
				id, _ := res.LastInsertId()
				if _, err := tx.Exec(`INSERT INTO article_audience (article_id, org_id) VALUES (?, ?)`, id, orgs[i%2]); err != nil {
					searchDB.err = err
					return
				}
			}
		}
		if searchDB.err = tx.Commit(); searchDB.err == nil {
			_, searchDB.err = db.SQL().Exec(`ANALYZE`)
		}
		if keep := os.Getenv("STEWARD_BENCH_KEEP"); keep != "" && searchDB.err == nil {
			_, searchDB.err = db.SQL().Exec(`VACUUM INTO '` + keep + `'`)
		}
		searchDB.db, searchDB.f = db, f
	})
	if searchDB.err != nil {
		b.Fatal(searchDB.err)
	}
	return searchDB.db, searchDB.f
}

func BenchmarkContentSearch(b *testing.B) {
	db, f := mustSearchDB(b)
	words := benchWords()
	rng := rand.New(rand.NewPCG(3, 4))
	ctx := storetest.As(f.CustomerUserA)
	// Queries: one word or two, from anywhere in the vocabulary (most are
	// rare; a tenth are among the 20 commonest, which match tens of
	// thousands of rows).
	query := func() string {
		pick := func() string {
			if rng.IntN(10) == 0 {
				return words[rng.IntN(20)]
			}
			return words[rng.IntN(len(words))]
		}
		if rng.IntN(2) == 0 {
			return pick()
		}
		return pick() + " " + pick()
	}
	// Wall-clock latency, and the CPU time of the searching thread, which
	// is the latency a machine not shared with other work would see (the
	// SQLite driver is pure Go and runs in the caller's goroutine).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var lat, cpu []time.Duration
	b.ResetTimer()
	for range max(b.N, 1000) {
		q := query()
		start, cpuStart := time.Now(), threadCPU()
		if _, err := db.SearchContent(ctx, q, 20); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		cpu = append(cpu, threadCPU()-cpuStart)
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(cpu)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(ms(cpu[len(cpu)/2]), "p50-cpu-ms")
	b.ReportMetric(ms(cpu[len(cpu)*99/100]), "p99-cpu-ms")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.Logf("load average while measuring: %s", strings.TrimSpace(string(load)))
	}
}

// textStream generates size bytes of plain text on the fly, so that the
// benchmark itself holds none of the file.
type textStream struct{ left, n int64 }

func (t *textStream) Read(p []byte) (int, error) {
	if t.left <= 0 {
		return 0, io.EOF
	}
	w := 0
	for w < len(p) && t.left > 0 {
		line := fmt.Sprintf("Line %09d of the release notes: invoice matching, approvals and exports.\n", t.n)
		c := copy(p[w:], line[:min(int64(len(line)), t.left)])
		if c < len(line) && int64(c) < t.left {
			// p is full; the rest of the line starts the next read.
			t.left -= int64(c)
			t.n++
			return w + c, nil
		}
		w += c
		t.left -= int64(c)
		t.n++
	}
	return w, nil
}

// memWatch samples the heap in use while a step runs and reports its peak
// above the starting point; the resident set's peak comes from VmHWM,
// reset first through /proc/self/clear_refs where Linux allows it.
type memWatch struct {
	base, peak uint64
	stop       chan struct{}
	done       sync.WaitGroup
	rssBase    int64
}

func watchMemory() *memWatch {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := &memWatch{base: ms.HeapInuse, peak: ms.HeapInuse, stop: make(chan struct{})}
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	m.rssBase = procKB("VmRSS")
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > atomic.LoadUint64(&m.peak) {
					atomic.StoreUint64(&m.peak, ms.HeapInuse)
				}
			}
		}
	}()
	return m
}

func (m *memWatch) finish() (heapMB, rssMB float64) {
	close(m.stop)
	m.done.Wait()
	return float64(m.peak-m.base) / (1 << 20), float64(procKB("VmHWM")-m.rssBase) / 1024
}

// procKB reads a "VmXXX:  123 kB" line of /proc/self/status; 0 elsewhere.
func procKB(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func BenchmarkDocumentFile50MB(b *testing.B) {
	const size = 50 << 20
	db := storetest.MustOpen(b, store.SQLite)
	f := storetest.MustSeed(b, db)
	mgr := storetest.As(f.Manager)
	d := &itsm.Document{Type: itsm.DocUserDocumentation, Title: "Large manual", Audience: itsm.Audience{Visibility: itsm.VisibleAllCustomers}}
	if err := db.CreateDocument(mgr, d); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	var upSecs, downSecs, upHeap, downHeap, upRSS, downRSS float64
	for range b.N {
		m := watchMemory()
		start := time.Now()
		v, err := db.AddDocumentVersion(mgr, d.ID, itsm.NewDocumentVersion{Filename: "manual.txt", Data: &textStream{left: size}})
		if err != nil {
			b.Fatal(err)
		}
		upSecs += time.Since(start).Seconds()
		h, r := m.finish()
		upHeap, upRSS = max(upHeap, h), max(upRSS, r)

		m = watchMemory()
		start = time.Now()
		_, rc, err := db.OpenDocumentVersion(storetest.As(f.CustomerUserA), v.ID)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil || n != size {
			b.Fatalf("downloaded %d bytes: %v", n, err)
		}
		downSecs += time.Since(start).Seconds()
		h, r = m.finish()
		downHeap, downRSS = max(downHeap, h), max(downRSS, r)
	}
	b.ReportMetric(float64(b.N)*size/(1<<20)/upSecs, "upload-MB/s")
	b.ReportMetric(float64(b.N)*size/(1<<20)/downSecs, "download-MB/s")
	b.ReportMetric(upHeap, "upload-heap-growth-MB")
	b.ReportMetric(downHeap, "download-heap-growth-MB")
	b.ReportMetric(upRSS, "upload-rss-growth-MB")
	b.ReportMetric(downRSS, "download-rss-growth-MB")
}

// threadCPU is the CPU time used so far by the calling OS thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
