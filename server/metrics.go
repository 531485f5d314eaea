package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the service's Prometheus metrics, in a registry of its own
// (no package-level state).
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec   // by route and status code
	latency   *prometheus.HistogramVec // by route
	frames    prometheus.Counter       // frames (images and sampled video frames) through the models
	jobsEnded *prometheus.CounterVec   // jobs this process ended, by state
}

// NewMetrics makes the metrics; st, if not nil, is read at each scrape
// for the queue depth and the jobs by state.
func NewMetrics(st *Store) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "captioner_http_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "captioner_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"route"})
	m.frames = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "captioner_frames_processed_total", Help: "Images and sampled video frames run through the models by this process.",
	})
	m.jobsEnded = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "captioner_jobs_ended_total", Help: "Jobs this process ended, by final state.",
	}, []string{"state"})
	m.reg.MustRegister(m.requests, m.latency, m.frames, m.jobsEnded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if st != nil {
		m.reg.MustRegister(newQueueCollector(st))
	}
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// instrument counts and times the requests of one route.
func (m *Metrics) instrument(route string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h(sw, r)
		m.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	}
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// queueCollector reads the queue depth and the jobs by state at each
// scrape.
type queueCollector struct {
	st    *Store
	depth *prometheus.Desc
	jobs  *prometheus.Desc
}

func newQueueCollector(st *Store) *queueCollector {
	return &queueCollector{st: st,
		depth: prometheus.NewDesc("captioner_queue_depth", "Jobs waiting in the queue (waiting) or delivered and not yet acknowledged (working).", []string{"kind"}, nil),
		jobs:  prometheus.NewDesc("captioner_jobs", "Jobs in the store by state.", []string{"state"}, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.jobs
}

// maxScan bounds the jobs read at a scrape.
const maxScan = 10000

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if waiting, working, err := c.st.Depth(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(waiting), "waiting")
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(working), "working")
	}
	counts := map[string]int{Queued: 0, Running: 0, Done: 0, Failed: 0}
	lister, err := c.st.Jobs.ListKeys(ctx)
	if err != nil {
		return
	}
	n := 0
	for key := range lister.Keys() {
		if n++; n > maxScan {
			lister.Stop()
			break
		}
		e, err := c.st.Jobs.Get(ctx, key)
		if err != nil {
			continue
		}
		var j Job
		if json.Unmarshal(e.Value(), &j) == nil {
			counts[j.State]++
		}
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(n), state)
	}
}
