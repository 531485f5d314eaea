package server

import (
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"captioner/internal/realmedia"
)

// TestPageInBrowser drives the web page in headless Chromium (installed by
// scripts/setup.sh): an image picked on the page gets its caption shown;
// a video is uploaded, its job followed to the end, and the page's video
// element then carries the generated track with the job's cues.
func TestPageInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("no chromium on PATH: scripts/setup.sh installs it")
	}
	vids := videos(t, 1, 5)
	s := serve(t, Config{Workers: 1})

	// Offline: the page and its script name no other host.
	for _, p := range []string{"/", "/static/app.js", "/static/style.css"} {
		r := s.do("GET", p, "", nil)
		if r.code != 200 || strings.Contains(string(r.body), "http://") || strings.Contains(string(r.body), "https://") {
			t.Errorf("%s: %d, or it names another host", p, r.code)
		}
	}

	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("mute-audio", true),
		chromedp.Flag("disable-dev-shm-usage", true))...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()

	png, _ := filepath.Abs(filepath.Join("..", "testdata", "shapes", "000001.png"))
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.base+"/"),
		chromedp.WaitVisible(chromedp.ID("drop")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{png}),
	)
	if err != nil {
		t.Fatalf("image: %v", err)
	}
	caption, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("caption").textContent`, chromedp.WithPollingTimeout(90*time.Second)))
	if err != nil {
		t.Fatalf("image: %v", err)
	}
	meta, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("caption-meta")))
	if caption != "a large yellow square at the top" || !strings.Contains(meta, "domain shapes") {
		t.Errorf("page shows %q (%s)", caption, meta)
	}

	// A photo: its boxes drawn over it.
	dog, _ := filepath.Abs(realmedia.Path(t, "dog.jpg"))
	err = chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{dog}),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#boxes .box").length > 0`, chromedp.WithPollingTimeout(90*time.Second)),
	)
	if err != nil {
		t.Fatalf("photo: %v", err)
	}
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#boxes .box span")).map(s => s.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, "dog 0.") }) ||
		!slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, "bicycle 0.") }) {
		t.Errorf("boxes drawn on dog.jpg: %q, want a dog and a bicycle", labels)
	}

	video, _ := filepath.Abs(vids[0])
	type cue struct {
		Start, End float64
		Text       string
	}
	err = chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{video}),
		chromedp.Poll[chromedp.Void](`document.getElementById("job-state").textContent.startsWith("done")`, chromedp.WithPollingTimeout(3*time.Minute)),
	)
	if err != nil {
		t.Fatalf("video: %v", err)
	}
	id, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("job-id")))
	if err != nil {
		t.Fatal(err)
	}
	cues, err := chromedp.Run(ctx, chromedp.Poll[[]cue](`(() => {
		const v = document.getElementById("video");
		const t = v && v.textTracks[0];
		if (!t || !t.cues || t.cues.length === 0) return null;
		return Array.from(t.cues).map(c => ({Start: c.startTime, End: c.endTime, Text: c.text}));
	})()`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("the video element's text track: %v", err)
	}
	vttName, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("download-vtt"), "download"))
	if err != nil {
		t.Fatal(err)
	}
	j, code := s.job(id)
	if code != 200 || j.Result == nil {
		t.Fatalf("job %s: %d %+v", id, code, j)
	}
	if len(cues) != len(j.Result.Cues) {
		t.Fatalf("the video element's track has %d cues, the job %d: %+v", len(cues), len(j.Result.Cues), cues)
	}
	for i, c := range cues {
		want := j.Result.Cues[i]
		if c.Text != want.Text || math.Abs(c.Start-want.Start) > 0.002 || math.Abs(c.End-want.End) > 0.002 {
			t.Errorf("cue %d: the page's %+v, the job's %+v", i, c, want)
		}
	}
	if vttName.Value != "0000.vtt" {
		t.Errorf("the VTT download is named %q", vttName.Value)
	}
	km, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("video").textTracks[0].kind + " " + document.getElementById("video").textTracks[0].mode`))
	if kind, mode, _ := strings.Cut(km, " "); kind != "captions" || mode != "showing" {
		t.Errorf("track kind %q mode %q, want captions showing", kind, mode)
	}
}
