package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"captioner/engine"
	"captioner/subtitle"
	"captioner/vision"
)

// Config is what `captioner serve` and `captioner worker` are told.
type Config struct {
	Addr string // HTTP listener of serve
	Data string // folder of the embedded NATS server's storage and of uploads in transit
	// NATS is the URL(s) of an external NATS cluster; "" starts an
	// embedded server (serve only) listening on NATSListen.
	NATS                         string
	NATSListen                   string // host:port of the embedded server's clients; "" is 127.0.0.1:4222
	Replicas                     int    // copies of the stream and buckets; 0 is 1
	Workers                      int    // jobs this process works on at once (serve: local workers, 0 for none)
	Model                        string // bundle folder; "" is the embedded one
	Token                        string // bearer token of the API; "" for none
	MaxImageBytes, MaxVideoBytes int64
	AckWait                      time.Duration // see StoreOptions
	MaxAttempts                  int           // see WorkerOptions
	Name                         string        // worker name; "" is host and pid
	Version                      string        // shown on the page
	Log                          *slog.Logger
	// Listening, if not nil, is told the HTTP address and the NATS URL
	// once serve listens.
	Listening func(addr, nats string)
}

func (c *Config) fill() {
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
}

// Settings of the service's tasks: the engine's defaults, tracks as
// WebVTT (what a page's <track> plays) and SRT, with confidence notes.
func trackFormats() []string { return []string{"vtt", "srt"} }

func subtitleOptions() engine.SubtitleOptions {
	return engine.SubtitleOptions{Cue: subtitle.DefaultOptions()}
}

// newEngine is the engine of a process that runs slots jobs at once.
func newEngine(model string, slots int) *engine.Engine {
	workers := max(1, min(slots, runtime.NumCPU()))
	return engine.New(engine.Options{Model: model,
		CNN: vision.Options{Workers: workers, Threads: max(1, runtime.NumCPU()/workers), BatchSize: 8}})
}

// Serve runs the service until ctx ends: the embedded NATS server (unless
// c.NATS names a cluster), the HTTP API and page, and c.Workers local
// workers; then it drains: requests in flight finish, jobs in flight
// finish or go back to the queue.
func Serve(ctx context.Context, c Config) error {
	c.fill()
	if c.Data == "" {
		return errors.New("server: no data folder")
	}
	tmp := filepath.Join(c.Data, "tmp")
	os.RemoveAll(tmp) // uploads in transit when the last run stopped
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	url := c.NATS
	if url == "" {
		host, port, err := splitHostPort(c.NATSListen, "127.0.0.1", 4222)
		if err != nil {
			return err
		}
		ns, err := StartNATS(NATSOptions{Name: "captioner", Dir: filepath.Join(c.Data, "nats"), Host: host, Port: port})
		if err != nil {
			return err
		}
		defer func() {
			ns.Shutdown()
			ns.WaitForShutdown()
		}()
		url = ns.ClientURL()
		c.Log.Info("embedded NATS with JetStream", "url", url, "store", filepath.Join(c.Data, "nats"))
	}
	st, err := OpenStore(ctx, StoreOptions{URL: url, Name: "captioner serve", Replicas: c.Replicas, AckWait: c.AckWait})
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := engine.OpenBundle(c.Model)
	if err != nil {
		return err
	}
	fp, err := engine.SubtitleFingerprint(b, subtitleOptions(), trackFormats(), true)
	if err != nil {
		return err
	}
	eng := newEngine(c.Model, max(2, c.Workers))
	defer eng.Close()
	metrics := NewMetrics(st)
	var ready atomic.Bool
	var captions atomic.Pointer[engine.CaptionTask]
	var detect atomic.Pointer[engine.DetectTask]
	api := NewAPI(APIOptions{Store: st, Fingerprint: fp, TempDir: tmp, MaxImageBytes: c.MaxImageBytes, MaxVideoBytes: c.MaxVideoBytes,
		Token: c.Token, Metrics: metrics, Ready: ready.Load, Version: c.Version, Log: c.Log, CaptionSlots: max(2, runtime.NumCPU()),
		Captions: func() engine.Task {
			if t := captions.Load(); t != nil {
				return t
			}
			return nil
		},
		Detect: func() engine.Task {
			if t := detect.Load(); t != nil {
				return t
			}
			return nil
		}})

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	c.Log.Info("serving", "addr", "http://"+ln.Addr().String())
	if c.Listening != nil {
		c.Listening(ln.Addr().String(), url)
	}

	// Models load while the server answers /healthz; /readyz waits.
	workersDone := make(chan error, 1)
	go func() {
		t, err := eng.CaptionTask(engine.CaptionOptions{})
		if err != nil {
			workersDone <- err
			return
		}
		if d, err := eng.DetectTask(0); err == nil {
			detect.Store(d)
		} else {
			c.Log.Warn("no detector: photos are answered without boxes", "err", err)
		}
		captions.Store(t)
		if c.Workers == 0 {
			ready.Store(true)
			workersDone <- nil
			return
		}
		task, err := eng.SubtitleTask(c.Workers, subtitleOptions(), trackFormats(), true)
		if err != nil {
			workersDone <- err
			return
		}
		ready.Store(true)
		w := NewWorker(st, task, WorkerOptions{Name: c.Name, Slots: c.Workers, MaxAttempts: c.MaxAttempts, TempDir: tmp, Log: c.Log, Metrics: metrics})
		workersDone <- w.Run(ctx)
	}()

	var werr error
	select {
	case err := <-served:
		return fmt.Errorf("server: %w", err)
	case werr = <-workersDone:
		if werr != nil {
			srv.Close()
			return werr
		}
		<-ctx.Done()
	case <-ctx.Done():
		defer func() { <-workersDone }() // the workers drain
	}
	c.Log.Info("draining")
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	return nil
}

// Work runs c.Workers workers (at least one) on the jobs of the NATS
// cluster at c.NATS until ctx ends, then drains.
func Work(ctx context.Context, c Config) error {
	c.fill()
	if c.NATS == "" {
		return errors.New("server: worker: no NATS URL")
	}
	slots := max(1, c.Workers)
	st, err := OpenStore(ctx, StoreOptions{URL: c.NATS, Name: "captioner worker", Replicas: c.Replicas, AckWait: c.AckWait})
	if err != nil {
		return err
	}
	defer st.Close()
	eng := newEngine(c.Model, slots)
	defer eng.Close()
	task, err := eng.SubtitleTask(slots, subtitleOptions(), trackFormats(), true)
	if err != nil {
		return err
	}
	if c.Data != "" {
		if err := os.MkdirAll(c.Data, 0o700); err != nil {
			return fmt.Errorf("server: %w", err)
		}
	}
	c.Log.Info("worker ready", "nats", c.NATS, "slots", slots)
	w := NewWorker(st, task, WorkerOptions{Name: c.Name, Slots: slots, MaxAttempts: c.MaxAttempts, TempDir: c.Data, Log: c.Log})
	return w.Run(ctx)
}

// ReadToken reads a bearer token from a file: its first line, trimmed.
func ReadToken(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("server: token file: %w", err)
	}
	tok := strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0])
	if tok == "" {
		return "", fmt.Errorf("server: token file %s is empty", path)
	}
	return tok, nil
}

func splitHostPort(s, host string, port int) (string, int, error) {
	if s == "" {
		return host, port, nil
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Errorf("server: --nats-listen %q: %w", s, err)
	}
	var n int
	if _, err := fmt.Sscan(p, &n); err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("server: --nats-listen %q: bad port", s)
	}
	if n == 0 {
		n = -1
	}
	return h, n, nil
}
