package main

import (
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"captioner/server"
)

type serveFlags struct {
	c         server.Config
	tokenFile string
}

const serveLong = `serve runs the media service on one machine, with nothing else to install:
the HTTP API, the web page at /, an embedded NATS server with JetStream
(file storage under --data) that holds the job queue, the uploads, the
results and the job states, and --workers local workers.

  POST /v1/captions             an image in the body (or a multipart "file"): its caption
  POST /v1/jobs                 a video: 202 and a job id; the upload streams to the store
  GET  /v1/jobs[/{id}]          jobs (paged), a job's state, progress and error
  GET  /v1/jobs/{id}/subtitles.vtt, .srt
  DELETE /v1/jobs/{id}          cancels and removes
  /healthz /readyz /metrics /openapi.json

More machines join with "captioner worker --nats nats://THIS-HOST:4222"
(--nats-listen 0.0.0.0:4222 to let them reach the embedded server), or
every process uses an external NATS cluster with --nats URL. With
--token-file, every /v1 route wants "Authorization: Bearer TOKEN".
SIGTERM drains: requests in flight finish, jobs in flight finish within
5 s or go back to the queue.`

func newServeCommand(g *globals) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--data DIR] [--workers N] [--nats URL]",
		Short: "Serve captions and subtitles over HTTP, with a web page and a job queue",
		Long:  serveLong,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.tokenFile != "" {
				tok, err := server.ReadToken(f.tokenFile)
				if err != nil {
					return usageError{err}
				}
				f.c.Token = tok
			}
			if f.c.Workers < 0 || f.c.Workers > 64 {
				return usagef("--workers must be 0 to 64, got %d", f.c.Workers)
			}
			f.c.Version = versionString()
			return server.Serve(cmd.Context(), f.c)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.c.Addr, "addr", "127.0.0.1:8080", "HTTP address to listen on")
	fl.StringVar(&f.c.Data, "data", defaultDataDir(), "folder of the embedded NATS server's storage and uploads in transit")
	fl.IntVar(&f.c.Workers, "workers", 1, "videos worked on at once in this process (0: leave them to `captioner worker`s)")
	fl.StringVar(&f.tokenFile, "token-file", "", "file whose first line is the bearer token every /v1 route wants")
	sharedServerFlags(fl, &f.c)
	fl.StringVar(&f.c.NATSListen, "nats-listen", "127.0.0.1:4222", "where the embedded NATS server takes clients (workers)")
	fl.Int64Var(&f.c.MaxImageBytes, "max-image-bytes", 32<<20, "largest image upload")
	fl.Int64Var(&f.c.MaxVideoBytes, "max-video-bytes", 2<<30, "largest video upload")
	return cmd
}

// sharedServerFlags are the flags of serve and worker alike.
func sharedServerFlags(fl interface {
	StringVar(p *string, name, value, usage string)
	IntVar(p *int, name string, value int, usage string)
	DurationVar(p *time.Duration, name string, value time.Duration, usage string)
}, c *server.Config) {
	fl.StringVar(&c.NATS, "nats", "", "URL(s) of a NATS cluster, comma-separated (serve: instead of the embedded server)")
	fl.StringVar(&c.Model, "model", "", "model bundle folder (default: the embedded model)")
	fl.IntVar(&c.Replicas, "replicas", 1, "copies of the queue and store in the NATS cluster (3 on a three-node cluster)")
	fl.DurationVar(&c.AckWait, "ack-wait", 30*time.Second, "how long a job may go without a sign of life from its worker before another takes it")
	fl.IntVar(&c.MaxAttempts, "max-attempts", 4, "deliveries of a job before it is failed with its last error")
}

func defaultDataDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		return "captioner-data"
	}
	return filepath.Join(base, "captioner", "serve")
}

const workerLong = `worker takes video jobs from the queue of a captioner service (the
embedded NATS server of "captioner serve", or the cluster it uses) and
subtitles them: start one on every machine that should share the work.
A worker that dies has its job handed to another after --ack-wait; a job
that keeps failing ends failed with its reason after --max-attempts
deliveries. SIGTERM drains: jobs in flight finish within 5 s or go back to
the queue.`

func newWorkerCommand(g *globals) *cobra.Command {
	var c server.Config
	cmd := &cobra.Command{
		Use:   "worker --nats URL [--workers N]",
		Short: "Take video jobs from a captioner service's queue",
		Long:  workerLong,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if c.NATS == "" {
				return usagef("worker: --nats is required")
			}
			if c.Workers < 1 || c.Workers > 64 {
				return usagef("--workers must be 1 to 64, got %d", c.Workers)
			}
			return server.Work(cmd.Context(), c)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&c.Workers, "workers", max(1, runtime.NumCPU()/2), "videos worked on at once")
	fl.StringVar(&c.Name, "name", "", "name shown in job states (default: host name and process id)")
	fl.StringVar(&c.Data, "data", "", "folder for media being worked on (default: the system's temporary folder)")
	sharedServerFlags(fl, &c)
	return cmd
}
