package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The embedded model captions the committed fixtures exactly:
// `captioner testdata/shapes/000000.png` and the like.
func TestEmbeddedCaptionerOnFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "shapes")
	f, err := os.Open(filepath.Join(dir, "captions.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		name, want, _ := strings.Cut(sc.Text(), "\t")
		img := filepath.Join(dir, name)
		r := captioner(t, img)
		if r.code != 0 || r.stdout != img+": "+want+"\n" {
			t.Errorf("captioner %s: code %d, printed %q, want %q", img, r.code, r.stdout, img+": "+want)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d fixtures", n)
	}
}

// On fresh images of the whole contract (every aspect ratio, noise kind,
// edge kind and format; sides up to 480 to keep it quick) from a seed its
// training never saw, the embedded model's exact-match rate is near what its
// manifest records for its test set, and few captions are flagged unsure.
func TestEmbeddedCaptionerOnFreshImages(t *testing.T) {
	const n = 80
	dir := t.TempDir()
	if r := captioner(t, "synth", "images", "--n", fmt.Sprint(n), "--seed", "31", "--sides", "160..480", "--out", dir); r.code != 0 {
		t.Fatalf("synth: %q", r.stderr)
	}
	truth := map[string]string{}
	var paths []string
	for _, line := range readLines(t, filepath.Join(dir, "captions.jsonl")) {
		var rec struct{ File, Caption string }
		json.Unmarshal([]byte(line), &rec)
		p := filepath.Join(dir, rec.File)
		truth[p] = rec.Caption
		paths = append(paths, p)
	}
	r := captioner(t, append([]string{"caption", "--json"}, paths...)...)
	if r.code != 0 {
		t.Fatalf("caption: code %d, %q", r.code, r.stderr)
	}
	right, unsure := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var rec captionRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Caption == truth[rec.File] {
			right++
		}
		if rec.LowConfidence {
			unsure++
		}
	}
	var man struct {
		Caption struct {
			Scores struct {
				Test struct {
					Report struct {
						Scene struct {
							ExactMatch float64 `json:"exact_match"`
						} `json:"scene"`
					} `json:"report"`
				} `json:"test"`
			} `json:"scores"`
		} `json:"caption"`
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "models", "default", "manifest.json"))
	if err != nil || json.Unmarshal(data, &man) != nil || man.Caption.Scores.Test.Report.Scene.ExactMatch == 0 {
		t.Fatalf("manifest: %v", err)
	}
	// Three standard errors of a rate measured on n images, and one image.
	want := man.Caption.Scores.Test.Report.Scene.ExactMatch
	least := want - 3*math.Sqrt(want*(1-want)/n) - 1.0/n
	t.Logf("%d of %d exact (manifest: %.3f), %d flagged unsure", right, n, want, unsure)
	if float64(right)/n < least || unsure > n/20 {
		t.Errorf("%d of %d exact (want at least %.3f of them, near the manifest's %.3f), %d flagged unsure (want at most %d)", right, n, least, want, unsure, n/20)
	}
}

// An image unlike the Shapes world goes to the objects domain, where a test
// pattern holds nothing the detector knows, said with low confidence; forced
// to the Shapes world, it gets a caption marked as a guess.
func TestEmbeddedCaptionerSaysWhenUnsure(t *testing.T) {
	img := filepath.Join(t.TempDir(), "pattern.png")
	if out, err := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", img).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	r := captioner(t, img)
	if r.code != 0 || !strings.HasPrefix(r.stdout, img+": no objects I know (low confidence") {
		t.Errorf("captioner on a test pattern: code %d, %q", r.code, r.stdout)
	}
	r = captioner(t, "--domain", "shapes", img)
	if r.code != 0 || !strings.HasSuffix(r.stdout, " (low confidence: unlike the images this model was trained on)\n") {
		t.Errorf("captioner --domain shapes on a test pattern: code %d, %q", r.code, r.stdout)
	}
}
