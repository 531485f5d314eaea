package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"captioner/engine"
	"captioner/world"
)

// Load measurements (BENCHMARKS.md): run with
//
//	go test ./server -run '^$' -bench Load -benchtime 1x
//
// Each is one timed round of its load; the figures are reported as
// metrics.

func BenchmarkLoadCaptions50Concurrent(b *testing.B) { captionLoadBench(b, 50, 400) }
func BenchmarkLoadCaptions1Client(b *testing.B)      { captionLoadBench(b, 1, 100) }
func BenchmarkLoadCaptionsInProcess(b *testing.B)    { captionInProcessBench(b, 400, 32) }
func BenchmarkLoadCaptionsInProcess1(b *testing.B)   { captionInProcessBench(b, 100, 1) }
func BenchmarkLoadVideoJobs10(b *testing.B)          { videoJobsBench(b, 10, 20*time.Second) }
func BenchmarkLoadUploads10x100MB(b *testing.B)      { uploadMemoryBench(b, 10, 100<<20) }

// benchImages generates n Shapes-world images (PNG, 320x240).
func benchImages(b *testing.B, n int) []string {
	dir := b.TempDir()
	if err := world.GenerateImages(context.Background(), world.ImageOptions{N: n, Seed: 11, Out: dir}); err != nil {
		b.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "images", "*"))
	if len(paths) != n {
		b.Fatalf("%d images generated, want %d", len(paths), n)
	}
	return paths
}

// benchServe starts Serve for a benchmark and waits until it is ready.
func benchServe(b *testing.B, c Config) (base string, stop func()) {
	c.Addr, c.NATSListen, c.Data = "127.0.0.1:0", "127.0.0.1:0", b.TempDir()
	c.Log = discardLog()
	got := make(chan string, 1)
	c.Listening = func(h, n string) { got <- h }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, c) }()
	select {
	case h := <-got:
		base = "http://" + h
	case err := <-done:
		b.Fatal(err)
	}
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return base, func() { cancel(); <-done }
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// captionLoadBench posts n images from clients at once to POST
// /v1/captions, each client its share in turn, and reports the rate and
// the latency percentiles.
func captionLoadBench(b *testing.B, clients, n int) {
	paths := benchImages(b, n)
	bodies := make([][]byte, n)
	for i, p := range paths {
		bodies[i], _ = os.ReadFile(p)
	}
	base, stop := benchServe(b, Config{Workers: 0})
	defer stop()
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	hc := &http.Client{Transport: tr}
	b.ResetTimer()
	for range b.N {
		lat := make([]time.Duration, n)
		var next, failed atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					t0 := time.Now()
					resp, err := hc.Post(base+"/v1/captions", "image/png", bytes.NewReader(bodies[i]))
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					lat[i] = time.Since(t0)
					if err != nil || resp.StatusCode != 200 {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		el := time.Since(start)
		if failed.Load() > 0 {
			b.Fatalf("%d of %d requests failed", failed.Load(), n)
		}
		slices.Sort(lat)
		b.ReportMetric(float64(n)/el.Seconds(), "images/s")
		b.ReportMetric(percentile(lat, 0.50).Seconds()*1000, "p50-ms")
		b.ReportMetric(percentile(lat, 0.95).Seconds()*1000, "p95-ms")
		b.ReportMetric(percentile(lat, 0.99).Seconds()*1000, "p99-ms")
	}
}

// captionInProcessBench captions the same images as `captioner caption`
// does in one process: the engine's captioner, chunk files a round (the
// command line takes 32).
func captionInProcessBench(b *testing.B, n, chunk int) {
	paths := benchImages(b, n)
	e := engine.New(engine.Options{})
	defer e.Close()
	c, err := e.Captioner(engine.CaptionOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := c.Caption(ctx, paths[:1]); err != nil { // loads what loads lazily
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		for i := 0; i < n; i += chunk {
			_, errs, err := c.Caption(ctx, paths[i:min(i+chunk, n)])
			if err != nil {
				b.Fatal(err)
			}
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "images/s")
	}
}

// videoJobsBench uploads n videos of length d at once to POST /v1/jobs
// with one local worker, and reports how long until all are done and each
// job's time from upload to done.
func videoJobsBench(b *testing.B, n int, d time.Duration) {
	dir := b.TempDir()
	if err := world.GenerateVideos(context.Background(), world.VideoOptions{N: n, Seed: 12, MinDuration: d, MaxDuration: d, Out: dir}); err != nil {
		b.Fatal(err)
	}
	base, stop := benchServe(b, Config{Workers: 1})
	defer stop()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				f, _ := os.Open(filepath.Join(dir, fmt.Sprintf("%04d.mp4", i)))
				defer f.Close()
				resp, err := http.Post(base+"/v1/jobs", "video/mp4", f)
				if err != nil {
					return
				}
				var j Job
				json.NewDecoder(resp.Body).Decode(&j)
				resp.Body.Close()
				ids[i] = j.ID
			})
		}
		wg.Wait()
		uploaded := time.Since(start)
		var lat []time.Duration
		for _, id := range ids {
			for {
				resp, err := http.Get(base + "/v1/jobs/" + id)
				if err != nil {
					b.Fatal(err)
				}
				var j Job
				json.NewDecoder(resp.Body).Decode(&j)
				resp.Body.Close()
				if j.State == Failed || j.Cached {
					b.Fatalf("job %s: %+v", id, j)
				}
				if j.State == Done {
					lat = append(lat, j.Updated.Sub(j.Created))
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		el := time.Since(start)
		slices.Sort(lat)
		b.ReportMetric(uploaded.Seconds(), "upload-s")
		b.ReportMetric(el.Seconds(), "all-done-s")
		b.ReportMetric(float64(n)*d.Seconds()/el.Seconds(), "video-s/s")
		b.ReportMetric(percentile(lat, 0.5).Seconds(), "job-p50-s")
		b.ReportMetric(lat[len(lat)-1].Seconds(), "job-max-s")
	}
}

// uploadMemoryBench streams n uploads of size bytes at once (not media:
// each is received whole, then refused) and reports the server process's
// peak heap against the bytes in flight.
func uploadMemoryBench(b *testing.B, n int, size int64) {
	base, stop := benchServe(b, Config{Workers: 0, MaxVideoBytes: 2 * size})
	defer stop()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		var peak atomic.Uint64
		done := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}()
		start := time.Now()
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				resp, err := http.Post(base+"/v1/jobs", "video/mp4", io.LimitReader(zeros{}, size))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 400 {
						b.Errorf("status %d, want 400 (not media)", resp.StatusCode)
					}
				}
			})
		}
		wg.Wait()
		close(done)
		el := time.Since(start)
		b.ReportMetric(float64(n*int(size))/el.Seconds()/(1<<20), "MiB/s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(before.HeapInuse)/(1<<20), "idle-heap-MiB")
		b.ReportMetric(float64(int64(n)*size)/(1<<20), "uploaded-MiB")
	}
}

// zeros reads as zero bytes forever.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
