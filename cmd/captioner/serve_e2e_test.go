package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestServeUsageErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "token")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"worker without nats", []string{"worker"}, "--nats is required"},
		{"empty token file", []string{"serve", "--token-file", empty}, "is empty"},
		{"missing token file", []string{"serve", "--token-file", empty + ".missing"}, "token file"},
		{"serve with an argument", []string{"serve", "x"}, `unexpected argument "x"`},
		{"bad workers", []string{"serve", "--workers", "-1"}, "--workers must be 0 to 64"},
	} {
		r := captioner(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: code %d (want 2), stderr %q (want %q)", tc.name, r.code, r.stderr, tc.want)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs the binary in the background; the test stops it.
func start(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &errb
}

// stop sends SIGTERM and wants the process gone, drained, within 10 s.
func stop(t *testing.T, name string, cmd *exec.Cmd, stderr *bytes.Buffer) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still running 10 s after SIGTERM; stderr %s", name, stderr)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("%s: exit %d after SIGTERM, want 130; stderr %s", name, code, stderr)
	}
}

// TestServeWithWorkerProcess runs `captioner serve` with no local worker
// and a `captioner worker` joined to its embedded NATS server, as a second
// machine would: a video uploaded to the service is subtitled by the
// worker, and both stop cleanly on SIGTERM.
func TestServeWithWorkerProcess(t *testing.T) {
	dir := t.TempDir()
	if r := captioner(t, "synth", "videos", "--n", "1", "--seed", "4", "--min-duration", "4s", "--max-duration", "4s", "--out", dir); r.code != 0 {
		t.Fatalf("synth: %s", r.stderr)
	}
	httpPort, natsPort := freePort(t), freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	serve, serveErr := start(t, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", httpPort), "--nats-listen", fmt.Sprintf("127.0.0.1:%d", natsPort),
		"--data", filepath.Join(dir, "data"), "--workers", "0")
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 90 s: %s", serveErr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	worker, workerErr := start(t, "worker", "--nats", fmt.Sprintf("nats://127.0.0.1:%d", natsPort), "--name", "second-machine", "--workers", "1")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "0000.mp4")
	data, _ := os.ReadFile(filepath.Join(dir, "0000.mp4"))
	fw.Write(data)
	mw.Close()
	resp, err := http.Post(base+"/v1/jobs", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		ID, State, Worker string
		Result            *struct{ Cues []struct{ Text string } }
	}
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	deadline = time.Now().Add(2 * time.Minute)
	for job.State != "done" {
		if time.Now().After(deadline) || job.State == "failed" {
			t.Fatalf("job %+v; worker's stderr %s", job, workerErr)
		}
		time.Sleep(250 * time.Millisecond)
		resp, err := http.Get(base + "/v1/jobs/" + job.ID)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&job)
		resp.Body.Close()
	}
	if job.Worker != "second-machine" || job.Result == nil || len(job.Result.Cues) == 0 {
		t.Errorf("done job: %+v", job)
	}
	resp, err = http.Get(base + "/v1/jobs/" + job.ID + "/subtitles.vtt")
	if err != nil {
		t.Fatal(err)
	}
	vtt, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(vtt), "WEBVTT") || !strings.Contains(string(vtt), job.Result.Cues[0].Text) {
		t.Errorf("track: %q", vtt)
	}
	stop(t, "worker", worker, workerErr)
	stop(t, "serve", serve, serveErr)
	if !strings.Contains(serveErr.String(), "draining") {
		t.Errorf("serve did not say it drained: %s", serveErr)
	}
}
