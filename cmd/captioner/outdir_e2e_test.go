package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSubtitleOutCreated: subtitle --out creates a folder that does not
// exist yet (as synth --out and batch --out do), refuses a file, and
// creates nothing when the command line is wrong.
func TestSubtitleOutCreated(t *testing.T) {
	dir := t.TempDir()
	vids := filepath.Join(dir, "v")
	if r := captioner(t, "synth", "videos", "--n", "1", "--seed", "3", "--min-duration", "4s", "--max-duration", "4s", "--size", "160x120", "--out", vids); r.code != 0 {
		t.Fatalf("synth: code %d, stderr %q", r.code, r.stderr)
	}
	video := filepath.Join(vids, "0000.mp4")
	bad := filepath.Join(dir, "never")
	if r := captioner(t, "subtitle", "--out", bad, "--progress=-1s", video); r.code != 2 {
		t.Errorf("bad --progress: code %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Errorf("a usage error created %s", bad)
	}
	if r := captioner(t, "subtitle", "--out", filepath.Join(vids, "0000.json"), video); r.code != 2 || !strings.Contains(r.stderr, "not a folder") {
		t.Errorf("--out a file: code %d, stderr %q", r.code, r.stderr)
	}
	out := filepath.Join(dir, "tracks", "en")
	if r := captioner(t, "subtitle", "--out", out, video); r.code != 0 {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	for _, f := range []string{"0000.vtt", "0000.srt"} {
		data, err := os.ReadFile(filepath.Join(out, f))
		if err != nil || !strings.Contains(string(data), "-->") {
			t.Errorf("%s: %v %q", f, err, data)
		}
	}
}
