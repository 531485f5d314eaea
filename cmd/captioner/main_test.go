package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The end-to-end tests run the real binary, built once for the package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "captioner-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "captioner")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building captioner:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// captioner runs the binary with args and a 2-minute limit.
func captioner(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("captioner %s: no answer in 2 minutes", strings.Join(args, " "))
	}
	r := result{stdout: out.String(), stderr: errb.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVersion(t *testing.T) {
	r := captioner(t, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "captioner ") || !strings.Contains(r.stdout, "OpenCV 4.") {
		t.Fatalf("version: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"version", "--help"}, {"synth", "--help"}, {"synth", "images", "--help"},
		{"synth", "videos", "--help"}, {"probe", "--help"}, {"frames", "--help"},
	} {
		name := strings.Join(args, " ")
		r := captioner(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%s: code %d, stdout %q", name, r.code, r.stdout)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"paint"}, `unknown command "paint"`},
		{"unknown flag", []string{"probe", "--bogus", "x"}, "unknown flag: --bogus"},
		{"no files", []string{"probe"}, "needs at least 1 argument"},
		{"missing --out", []string{"synth", "images"}, "--out is required"},
		{"bad size", []string{"synth", "images", "--out", dir, "--size", "12"}, `size "12"`},
		{"bad n", []string{"synth", "images", "--out", dir, "--n", "0"}, "--n must be positive"},
		{"bad fit", []string{"frames", "--fit", "zoom", "x.png"}, `unknown fit "zoom"`},
		{"bad duration", []string{"synth", "videos", "--out", dir, "--max-duration", "2m"}, "durations must satisfy"},
	} {
		r := captioner(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: code %d (want 2), stderr %q (want %q)", tc.name, r.code, r.stderr, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("usage errors wrote %d entries into the output folder", len(entries))
	}
}
