package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"captioner/media"
	"captioner/subtitle"
	"captioner/world"
)

// fakeCaptioner captions an image with its file name and counts the
// calls; hook, if set, runs before each call.
type fakeCaptioner struct {
	mu    sync.Mutex
	calls [][]string // file names of each call
	hook  func(call int)
}

func (f *fakeCaptioner) Caption(ctx context.Context, paths []string) ([]Caption, []error, error) {
	f.mu.Lock()
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	f.calls = append(f.calls, names)
	n := len(f.calls)
	f.mu.Unlock()
	if f.hook != nil {
		f.hook(n)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	caps := make([]Caption, len(paths))
	errs := make([]error, len(paths))
	for i, p := range paths {
		// Read the image as the real captioner would, so that corrupt
		// files fail here.
		if _, err := media.LoadImage(ctx, p, media.ImageOptions{Width: 32, Height: 32}); err != nil {
			errs[i] = err
			continue
		}
		caps[i] = Caption{Text: "caption of " + filepath.Base(p), Score: -0.25, Novelty: 1}
	}
	return caps, errs, nil
}

func (f *fakeCaptioner) files() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		out = append(out, c...)
	}
	sort.Strings(out)
	return out
}

// fakeLabeller gives every video one cue over its whole length.
type fakeLabeller struct {
	mu    sync.Mutex
	calls []string
}

// It reports progress at the start, half-way and at the end.
func (f *fakeLabeller) LabelProgress(ctx context.Context, path string, progress subtitle.Progress) (*subtitle.Track, error) {
	f.mu.Lock()
	f.calls = append(f.calls, filepath.Base(path))
	f.mu.Unlock()
	info, err := media.Probe(ctx, path)
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(0, info.Duration)
		progress(info.Duration/2, info.Duration)
		progress(info.Duration, info.Duration)
	}
	cue := subtitle.Cue{Start: 0, End: info.Duration, Lines: []string{"a red circle moves left"}, Confidence: 0.75}
	return &subtitle.Track{Info: info, Cues: []subtitle.Cue{cue}, Steps: 4, Confidence: 0.75, Novelty: 1}, nil
}

func (f *fakeLabeller) files() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(slices.Values(f.calls))
}

// fixture is a test's input folder and fakes.
type fixture struct {
	t    *testing.T
	dir  string
	capt *fakeCaptioner
	lab  *fakeLabeller
	opts Options
}

// shapesImages writes n generated 160x120 PNG images and returns their
// bytes, item i for seed and i.
func shapesImages(t *testing.T, seed uint64, n int) [][]byte {
	t.Helper()
	dir := t.TempDir()
	if err := world.GenerateImages(context.Background(), world.ImageOptions{N: n, Seed: seed, Width: 160, Height: 120, Out: dir}); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for i := range n {
		data, err := os.ReadFile(filepath.Join(dir, "images", fmt.Sprintf("%06d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// tinyVideo writes a one-second 64x48 H.264 video.
func tinyVideo(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// newFixture makes a folder of three images, a video, a text file, a text
// file named like a video and an empty "image".
func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	imgs := shapesImages(t, 5, 3)
	writeFile(t, filepath.Join(dir, "a.png"), imgs[0])
	writeFile(t, filepath.Join(dir, "b b.png"), imgs[1])
	writeFile(t, filepath.Join(dir, "çé.png"), imgs[2])
	tinyVideo(t, filepath.Join(dir, "clip.mp4"))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("shopping list\n"))
	writeFile(t, filepath.Join(dir, "fake.mp4"), []byte("not a video\n"))
	writeFile(t, filepath.Join(dir, "empty.jpg"), nil)
	f := &fixture{t: t, dir: dir, capt: &fakeCaptioner{}, lab: &fakeLabeller{}}
	f.opts = Options{
		Dir: dir, Jobs: 2,
		Images: Images{Load: func(context.Context) (ImageCaptioner, error) { return f.capt, nil }, Model: "cap1", Version: "v1", Settings: "beam=3"},
		Videos: Videos{Load: func(context.Context) (VideoLabeller, error) { return f.lab, nil }, Model: "sub1", Settings: "fps=4"},
	}
	return f
}

// run runs a batch and returns its summary and events by file.
func (f *fixture) run(opts Options) (Summary, map[string]Event) {
	f.t.Helper()
	events := map[string]Event{}
	var mu sync.Mutex
	opts.Report = func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := events[ev.File]; dup {
			f.t.Errorf("%s reported twice", ev.File)
		}
		events[ev.File] = ev
	}
	sum, err := Run(context.Background(), opts)
	if err != nil {
		f.t.Fatalf("Run: %v", err)
	}
	if len(events) != sum.Files {
		f.t.Errorf("%d events for %d files", len(events), sum.Files)
	}
	return sum, events
}

func statuses(events map[string]Event) map[string]Status {
	out := map[string]Status{}
	for k, ev := range events {
		out[k] = ev.Status
	}
	return out
}

func readManifest(t *testing.T, dir string) map[string]Record {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if lines[0] != `{"format":"captioner-batch","version":1}` {
		t.Errorf("manifest header %q", lines[0])
	}
	out := map[string]Record{}
	for _, l := range lines[1:] {
		var r Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("manifest line %q: %v", l, err)
		}
		if _, dup := out[r.File]; dup {
			t.Errorf("compacted manifest has %s twice", r.File)
		}
		out[r.File] = r
	}
	return out
}

func readIndex(t *testing.T, dir string) []IndexEntry {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, IndexJSONL))
	if err != nil {
		t.Fatal(err)
	}
	var out []IndexEntry
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l == "" {
			continue
		}
		var e IndexEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestRunAndResume(t *testing.T) {
	f := newFixture(t)

	// First run: everything is new.
	sum, events := f.run(f.opts)
	want := map[string]Status{"a.png": Done, "b b.png": Done, "çé.png": Done, "clip.mp4": Done,
		"notes.txt": Skipped, "fake.mp4": Failed, "empty.jpg": Failed}
	if got := statuses(events); !maps.Equal(got, want) {
		t.Errorf("first run: %v, want %v", got, want)
	}
	if sum.Done != 4 || sum.Images != 3 || sum.Videos != 1 || sum.Skipped != 1 || sum.Failed != 2 || sum.Files != 7 ||
		strings.Join(sum.Loaded, ",") != "caption,subtitle" || sum.VideoSeconds < 0.9 || sum.VideoSeconds > 1.1 {
		t.Errorf("first run summary %+v", sum)
	}
	if got := f.capt.files(); strings.Join(got, "|") != "a.png|b b.png|çé.png" {
		t.Errorf("captioned %q", got)
	}
	for _, name := range []string{"fake.mp4", "empty.jpg"} {
		if err := events[name].Err; err == nil || !strings.Contains(err.Error(), filepath.Join(f.dir, name)) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
	if ev := events["a.png"]; ev.Caption == nil || ev.Caption.Text != "caption of a.png" || ev.Kind != "image" {
		t.Errorf("a.png event %+v", ev)
	}
	vtt := filepath.Join(f.dir, "clip.vtt")
	if ev := events["clip.mp4"]; strings.Join(ev.Outputs, "|") != vtt+"|"+filepath.Join(f.dir, "clip.srt") || ev.Video.Cues != 1 {
		t.Errorf("clip.mp4 event %+v", ev)
	}
	if data, err := os.ReadFile(vtt); err != nil || !strings.Contains(string(data), "a red circle moves left") {
		t.Errorf("clip.vtt: %q, %v", data, err)
	}
	man := readManifest(t, f.dir)
	if len(man) != 7 {
		t.Errorf("manifest has %d records, want 7", len(man))
	}
	a := man["a.png"]
	st, _ := os.Stat(filepath.Join(f.dir, "a.png"))
	if a.Status != Done || a.Size != st.Size() || !a.MTime.Equal(st.ModTime()) || len(a.SHA256) != 64 || a.Model != "cap1" ||
		a.Settings != "beam=3" || a.Caption.Text != "caption of a.png" || a.Kind != "image" {
		t.Errorf("a.png record %+v", a)
	}
	if c := man["clip.mp4"]; c.Status != Done || strings.Join(c.Outputs, "|") != "clip.vtt|clip.srt" || c.Model != "sub1" {
		t.Errorf("clip.mp4 record %+v", c)
	}
	if r := man["fake.mp4"]; r.Status != Failed || !r.BadContent || !strings.Contains(r.Error, "not an image or a video") {
		t.Errorf("fake.mp4 record %+v", r)
	}
	if r := man["notes.txt"]; r.Status != Skipped || !strings.Contains(r.Reason, "not an image or a video") {
		t.Errorf("notes.txt record %+v", r)
	}
	index := readIndex(t, f.dir)
	if len(index) != 3 || index[0].File != "a.png" || index[1].File != "b b.png" || index[2].File != "çé.png" ||
		index[0].Caption != "caption of a.png" || index[0].Model != "v1" || index[0].ModelChecksum != "cap1" || index[0].Score != -0.25 {
		t.Errorf("index %+v", index)
	}
	csv, _ := os.ReadFile(filepath.Join(f.dir, IndexCSV))
	if want := "file,caption,score,novelty,low_confidence,domain,model,model_checksum\na.png,caption of a.png,-0.250000,1.000000,false,,v1,cap1\n"; !strings.HasPrefix(string(csv), want) {
		t.Errorf("captions.csv starts %q, want %q", csv, want)
	}

	// Second run: nothing changed, no model is loaded, nothing is written.
	before := snapshot(t, f.dir)
	f.capt.calls, f.lab.calls = nil, nil
	sum, events = f.run(f.opts)
	want = map[string]Status{"a.png": Unchanged, "b b.png": Unchanged, "çé.png": Unchanged, "clip.mp4": Unchanged,
		"notes.txt": Skipped, "fake.mp4": Failed, "empty.jpg": Failed}
	if got := statuses(events); !maps.Equal(got, want) {
		t.Errorf("unchanged run: %v, want %v", got, want)
	}
	if len(sum.Loaded) != 0 || sum.Done != 0 || len(f.capt.calls) != 0 || len(f.lab.calls) != 0 {
		t.Errorf("unchanged run loaded %v, did %d files", sum.Loaded, sum.Done)
	}
	if after := snapshot(t, f.dir); !maps.Equal(before, after) {
		t.Errorf("unchanged run changed the folder:\nbefore %v\nafter  %v", before, after)
	}
	if ev := events["a.png"]; ev.Caption == nil || ev.Caption.Text != "caption of a.png" {
		t.Errorf("unchanged a.png event %+v", ev)
	}

	// A touched file (same content, new time) is not done again; its
	// record gets the new time.
	later := time.Now().Add(time.Hour).Truncate(time.Second)
	os.Chtimes(filepath.Join(f.dir, "a.png"), later, later)
	// A changed file is.
	other := shapesImages(t, 6, 1)[0]
	writeFile(t, filepath.Join(f.dir, "b b.png"), other)
	sum, events = f.run(f.opts)
	if events["a.png"].Status != Unchanged || events["b b.png"].Status != Done || sum.Done != 1 {
		t.Errorf("touched and changed: %v", statuses(events))
	}
	if got := f.capt.files(); strings.Join(got, "|") != "b b.png" {
		t.Errorf("captioned %q, want only the changed file", got)
	}
	man = readManifest(t, f.dir)
	if !man["a.png"].MTime.Equal(later) {
		t.Errorf("touched file's record has time %v, want %v", man["a.png"].MTime, later)
	}

	// A different captioner redoes the images, not the video.
	f.capt.calls = nil
	opts := f.opts
	opts.Images.Model = "cap2"
	sum, _ = f.run(opts)
	if sum.Images != 3 || sum.Videos != 0 || strings.Join(sum.Loaded, ",") != "caption" {
		t.Errorf("new captioner: %+v", sum)
	}

	// A removed file leaves the index and the manifest.
	os.Remove(filepath.Join(f.dir, "çé.png"))
	sum, _ = f.run(opts)
	if sum.Files != 6 || sum.Done != 0 {
		t.Errorf("after removal: %+v", sum)
	}
	if index := readIndex(t, f.dir); len(index) != 2 || index[1].File != "b b.png" || index[0].ModelChecksum != "cap2" {
		t.Errorf("index after removal %+v", index)
	}
	if _, ok := readManifest(t, f.dir)["çé.png"]; ok {
		t.Error("the removed file is still in the manifest")
	}

	// A deleted track makes the video be done again; --force redoes all.
	os.Remove(vtt)
	f.lab.calls = nil
	if sum, _ = f.run(opts); sum.Videos != 1 || sum.Images != 0 {
		t.Errorf("deleted track: %+v", sum)
	}
	opts.Force = true
	f.capt.calls, f.lab.calls = nil, nil
	sum, events = f.run(opts)
	if sum.Images != 2 || sum.Videos != 1 || sum.Skipped != 1 || sum.Failed != 2 || len(f.lab.calls) != 1 {
		t.Errorf("--force: %+v %v", sum, statuses(events))
	}
}

// snapshot maps every file under dir to its size and time.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		out[p] = st.ModTime().String() + " " + strconv.Itoa(int(st.Size()))
		return nil
	})
	return out
}

// An interrupted run keeps what it finished; the next run does exactly the
// rest.
func TestInterruptAndResume(t *testing.T) {
	dir := t.TempDir()
	imgs := shapesImages(t, 8, 10)
	for i, data := range imgs {
		writeFile(t, filepath.Join(dir, "img"+strconv.Itoa(i)+".png"), data)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	capt := &fakeCaptioner{hook: func(call int) {
		if call == 3 {
			cancel() // during the third group
		}
	}}
	opts := Options{Dir: dir, Jobs: 1, Images: Images{Load: func(context.Context) (ImageCaptioner, error) { return capt, nil }, Model: "m", Group: 2}}
	var first []string
	opts.Report = func(ev Event) {
		if ev.Status != Done {
			t.Errorf("%s: %s %v", ev.File, ev.Status, ev.Err)
		}
		first = append(first, ev.File)
	}
	sum, err := Run(ctx, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v", err)
	}
	if sum.Done != 4 || len(first) != 4 {
		t.Fatalf("interrupted run did %d files (%v), want the first two groups", sum.Done, first)
	}
	if index := readIndex(t, dir); len(index) != 4 {
		t.Errorf("index after the interrupt has %d entries, want 4", len(index))
	}
	capt2 := &fakeCaptioner{}
	opts.Images.Load = func(context.Context) (ImageCaptioner, error) { return capt2, nil }
	var second []string
	opts.Report = func(ev Event) {
		if ev.Status == Done {
			second = append(second, ev.File)
		}
	}
	if _, err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	all := append(slices.Clone(first), second...)
	sort.Strings(all)
	if len(all) != 10 || len(slices.Compact(slices.Clone(all))) != 10 {
		t.Errorf("first run did %v, second %v: want each of the 10 files once", first, second)
	}
	if index := readIndex(t, dir); len(index) != 10 {
		t.Errorf("index has %d entries, want 10", len(index))
	}
}

func TestSidecarsAndMirror(t *testing.T) {
	f := newFixture(t)
	os.MkdirAll(filepath.Join(f.dir, "sub"), 0o755)
	os.Rename(filepath.Join(f.dir, "a.png"), filepath.Join(f.dir, "sub", "a.png"))
	out := filepath.Join(t.TempDir(), "out")
	opts := f.opts
	opts.Out, opts.Recursive, opts.Images.Sidecar = out, true, true
	before := snapshot(t, f.dir)
	sum, events := f.run(opts)
	if sum.Images != 3 || sum.Videos != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if after := snapshot(t, f.dir); !maps.Equal(before, after) {
		t.Errorf("the input folder changed:\nbefore %v\nafter  %v", before, after)
	}
	side := filepath.Join(out, "sub", "a.png.caption.json")
	var e IndexEntry
	if data, err := os.ReadFile(side); err != nil || json.Unmarshal(data, &e) != nil || e.File != "a.png" || e.Caption != "caption of a.png" {
		t.Errorf("sidecar %s: %+v, %v", side, e, err)
	}
	if ev := events["sub/a.png"]; strings.Join(ev.Outputs, "|") != side {
		t.Errorf("sub/a.png outputs %v", ev.Outputs)
	}
	for _, p := range []string{"clip.vtt", "clip.srt", ManifestName, IndexJSONL, IndexCSV, "b b.png.caption.json"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("output %s: %v", p, err)
		}
	}
	// A sidecar deleted is written again from the manifest: no model runs.
	os.Remove(side)
	f.capt.calls = nil
	sum, events = f.run(opts)
	if sum.Done != 0 || len(sum.Loaded) != 0 || events["sub/a.png"].Status != Unchanged {
		t.Errorf("sidecar rewrite: %+v", sum)
	}
	if _, err := os.Stat(side); err != nil {
		t.Errorf("sidecar not written again: %v", err)
	}
	// Without --recursive the subfolder is counted, not searched, and its
	// records stay.
	opts.Recursive = false
	sum, _ = f.run(opts)
	if sum.Subfolders != 1 || sum.Files != 6 {
		t.Errorf("not recursive: %+v", sum)
	}
	if index := readIndex(t, out); len(index) != 3 {
		t.Errorf("index lost the subfolder's image: %+v", index)
	}
}

// Tracks that the batch did not write are kept unless Force is set; the
// batch's own outputs are not taken for inputs.
func TestForeignTracks(t *testing.T) {
	dir := t.TempDir()
	tinyVideo(t, filepath.Join(dir, "clip.mp4"))
	writeFile(t, filepath.Join(dir, "clip.srt"), []byte("1\n00:00:00,000 --> 00:00:01,000\nmine\n"))
	lab := &fakeLabeller{}
	opts := Options{Dir: dir, Videos: Videos{Load: func(context.Context) (VideoLabeller, error) { return lab, nil }, Model: "s"}}
	var errs []string
	opts.Report = func(ev Event) {
		if ev.Err != nil {
			errs = append(errs, ev.Err.Error())
		}
	}
	sum, err := Run(context.Background(), opts)
	if err != nil || sum.Failed != 1 || len(errs) != 1 || !strings.Contains(errs[0], "clip.srt exists (use --force to overwrite)") || len(lab.calls) != 0 {
		t.Errorf("foreign track: %+v %v %q, labelled %v", sum, err, errs, lab.calls)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "clip.srt")); !strings.Contains(string(data), "mine") {
		t.Error("a foreign track was overwritten")
	}
	opts.Force = true
	if sum, err = Run(context.Background(), opts); err != nil || sum.Videos != 1 || sum.Skipped != 1 {
		t.Errorf("--force: %+v %v", sum, err)
	}
	// Now the tracks are the batch's own: a second run does not list them
	// as skipped files, and redoes the video without Force when asked to.
	opts.Force = false
	opts.Videos.Settings = "fps=2"
	if sum, err = Run(context.Background(), opts); err != nil || sum.Files != 1 || sum.Videos != 1 {
		t.Errorf("own tracks: %+v %v", sum, err)
	}
	if man := readManifest(t, dir); len(man) != 1 {
		t.Errorf("the manifest still has records of the tracks as inputs: %v", man)
	}
}

func TestStaleTempsRemoved(t *testing.T) {
	dir := t.TempDir()
	tinyVideo(t, filepath.Join(dir, "clip.mp4"))
	lab := &fakeLabeller{}
	opts := Options{Dir: dir, Videos: Videos{Load: func(context.Context) (VideoLabeller, error) { return lab, nil }, Model: "s"}}
	if _, err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	stale := []string{".clip.vtt.tmp-123", ".captions.csv.tmp-9", "." + ManifestName + ".tmp-77"}
	for _, n := range stale {
		writeFile(t, filepath.Join(dir, n), []byte("half"))
	}
	writeFile(t, filepath.Join(dir, ".other.tmp-1"), []byte("not ours"))
	sum, err := Run(context.Background(), opts)
	if err != nil || sum.Files != 2 || sum.Unchanged != 1 || sum.Skipped != 1 {
		t.Errorf("%+v %v", sum, err)
	}
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s left behind", n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".other.tmp-1")); err != nil {
		t.Errorf("a temporary file that is not ours was removed: %v", err)
	}
}

func TestTempTarget(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		ok           bool
	}{
		{".clip.vtt.tmp-123", "clip.vtt", true},
		{".a.tmp-b.tmp-4", "a.tmp-b", true},
		{"clip.vtt.tmp-123", "", false},
		{".clip.vtt.tmp-", "", false},
		{".clip.vtt.tmp-12x", "", false},
		{".tmp-1", "", false},
	} {
		got, ok := tempTarget(tc.name)
		if got != tc.target || ok != tc.ok {
			t.Errorf("%s: got %q, %v; want %q, %v", tc.name, got, ok, tc.target, tc.ok)
		}
	}
}

// A folder whose captions.jsonl is someone else's (a dataset's) is not
// overwritten.
func TestForeignIndex(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.png"), shapesImages(t, 5, 1)[0])
	writeFile(t, filepath.Join(dir, IndexJSONL), []byte(`{"file":"a.png","caption":"the truth"}`+"\n"))
	capt := &fakeCaptioner{}
	opts := Options{Dir: dir, Images: Images{Load: func(context.Context) (ImageCaptioner, error) { return capt, nil }, Model: "m"}}
	_, err := Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "captions.jsonl exists and was not written by a batch") || len(capt.calls) != 0 {
		t.Errorf("foreign index: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); err == nil {
		t.Error("a manifest was written")
	}
	opts.Out = filepath.Join(dir, "out")
	if sum, err := Run(context.Background(), opts); err != nil || sum.Images != 1 {
		t.Errorf("with another output folder: %+v %v", sum, err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, IndexJSONL)); !strings.Contains(string(data), "the truth") {
		t.Error("the foreign index was changed")
	}
}

// halfLabeller reports half of each video done, then fails.
type halfLabeller struct{}

func (halfLabeller) LabelProgress(ctx context.Context, path string, progress subtitle.Progress) (*subtitle.Track, error) {
	info, err := media.Probe(ctx, path)
	if err != nil {
		return nil, err
	}
	progress(info.Duration/2, info.Duration)
	return nil, errors.New("the labeller broke")
}

// Progress counts work, not files: images and seconds of video, known as
// files are checked, done as they are done (a video part-way through as
// far as it got); files that need no work add none, and a video that
// fails leaves the total at what was done of it.
func TestProgressCountsWork(t *testing.T) {
	f := newFixture(t)
	info, err := media.Probe(context.Background(), filepath.Join(f.dir, "clip.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	secs := info.Duration.Seconds()
	var seen []Progress
	opts := f.opts
	opts.Progress = func(p Progress) { seen = append(seen, p) }
	f.run(opts)
	last := seen[len(seen)-1]
	want := Progress{Files: 7, Checked: 7, Settled: 7, Images: 3, ImagesDone: 3, Videos: 1, VideoDone: 1, VideoSeconds: secs, VideoSecondsDone: secs}
	if last != want {
		t.Errorf("last progress %+v, want %+v", last, want)
	}
	half := false
	var prev float64
	for i, p := range seen {
		done, total := p.Work(4)
		if done < prev || done > total+1e-9 || p.Checked > p.Files || p.Settled > p.Checked {
			t.Errorf("progress %d: %+v (work %g of %g, %g before)", i, p, done, total, prev)
		}
		prev = done
		half = half || (p.VideoDone == 0 && math.Abs(p.VideoSecondsDone-secs/2) < 1e-9)
	}
	if !half {
		t.Errorf("the video's half-way point was never reported: %+v", seen)
	}
	if done, total := last.Work(4); math.Abs(done-(secs+0.75)) > 1e-9 || done != total {
		t.Errorf("work %g of %g, want %g: 3 images at 4 frames a second weigh 0.75 s", done, total, secs+0.75)
	}

	// Nothing changed: no work.
	seen = nil
	f.run(opts)
	if last := seen[len(seen)-1]; last != (Progress{Files: 7, Checked: 7, Settled: 7}) {
		t.Errorf("second run: last progress %+v, want no work", last)
	}

	// A video that fails half-way leaves half of it in the work.
	seen = nil
	opts.Force = true
	opts.Videos.Load = func(context.Context) (VideoLabeller, error) { return halfLabeller{}, nil }
	f.run(opts)
	last = seen[len(seen)-1]
	if math.Abs(last.VideoSeconds-secs/2) > 1e-9 || last.VideoSecondsDone != last.VideoSeconds || last.VideoDone != 1 {
		t.Errorf("failed video: last progress %+v, want %g s of video done of %g", last, secs/2, secs/2)
	}
}
