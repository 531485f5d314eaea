package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"captioner/world"
)

// TestMain doubles as a worker process for the fault tests, which start
// this test binary again with CAPTIONER_TEST_WORKER set: a real process
// that a test can kill with SIGKILL.
func TestMain(m *testing.M) {
	if url := os.Getenv("CAPTIONER_TEST_WORKER"); url != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		ack, _ := time.ParseDuration(os.Getenv("CAPTIONER_TEST_ACK_WAIT"))
		err := Work(ctx, Config{NATS: url, Replicas: 3, AckWait: ack, MaxAttempts: 10, Workers: 1,
			Name: os.Getenv("CAPTIONER_TEST_NAME"), Data: os.Getenv("CAPTIONER_TEST_DATA"),
			Log: slog.New(slog.NewTextHandler(os.Stderr, nil))})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// freePort is a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// videos generates n Shapes-world videos of 4 to 5 s with seed, and
// returns their paths.
func videos(t *testing.T, n int, seed uint64) []string {
	t.Helper()
	dir := t.TempDir()
	err := world.GenerateVideos(context.Background(), world.VideoOptions{N: n, Seed: seed,
		MinDuration: 4 * time.Second, MaxDuration: 5 * time.Second, Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range n {
		out = append(out, filepath.Join(dir, fmt.Sprintf("%04d.mp4", i)))
	}
	return out
}

// client talks to the API at base.
type client struct {
	t     *testing.T
	base  string
	token string
}

type response struct {
	code int
	body []byte
	hdr  http.Header
}

func (r response) errorCode() string {
	var e struct {
		Error apiError `json:"error"`
	}
	json.Unmarshal(r.body, &e)
	return e.Error.Code
}

func (c *client) do(method, path, ctype string, body io.Reader) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{code: resp.StatusCode, body: data, hdr: resp.Header}
}

// upload posts the file at path to route as a multipart form.
func (c *client) upload(route, path string) response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", filepath.Base(path))
	data, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return c.do("POST", route, mw.FormDataContentType(), &buf)
}

// job reads a job.
func (c *client) job(id string) (Job, int) {
	c.t.Helper()
	r := c.do("GET", "/v1/jobs/"+id, "", nil)
	var j Job
	json.Unmarshal(r.body, &j)
	return j, r.code
}

// wait polls the jobs until every one has ended, or fails the test after
// limit.
func (c *client) wait(ids []string, limit time.Duration) map[string]Job {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	out := map[string]Job{}
	for {
		pending := 0
		for _, id := range ids {
			j, code := c.job(id)
			if code == http.StatusOK && j.ended() {
				out[id] = j
			} else {
				pending++
			}
		}
		if pending == 0 {
			return out
		}
		if time.Now().After(deadline) {
			var states []string
			for _, id := range ids {
				j, _ := c.job(id)
				states = append(states, fmt.Sprintf("%s:%s(%d)", id[:6], j.State, j.Attempts))
			}
			c.t.Fatalf("%d jobs not ended after %s: %s", pending, limit, strings.Join(states, " "))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
