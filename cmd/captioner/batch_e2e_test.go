package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"captioner/batch"
	"captioner/subtitle"
)

// batchResult is a finished `captioner batch --json` run.
type batchResult struct {
	code    int
	files   map[string]batchFileRecord // by file
	summary batchSummaryRecord
	stderr  string
}

// batchCmd is the command for `captioner batch args...`; with asNobody (and
// when the tests run as root) the process runs as the user nobody, to whom
// a file with mode 0 is unreadable.
func batchCmd(asNobody bool, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, append([]string{"batch"}, args...)...)
	if asNobody && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	return cmd
}

// parseBatch reads the lines of `batch --json`.
func parseBatch(t *testing.T, stdout string) (map[string]batchFileRecord, batchSummaryRecord, int) {
	t.Helper()
	files := map[string]batchFileRecord{}
	var sum batchSummaryRecord
	summaries := 0
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if l == "" {
			continue
		}
		var typ struct{ Type string }
		if err := json.Unmarshal([]byte(l), &typ); err != nil {
			t.Fatalf("--json printed %q: %v", l, err)
		}
		switch typ.Type {
		case "file":
			var rec batchFileRecord
			json.Unmarshal([]byte(l), &rec)
			if _, dup := files[rec.File]; dup {
				t.Errorf("%s printed twice", rec.File)
			}
			files[rec.File] = rec
		case "summary":
			json.Unmarshal([]byte(l), &sum)
			summaries++
		default:
			t.Errorf("line of type %q: %s", typ.Type, l)
		}
	}
	return files, sum, summaries
}

// runBatchJSON runs `captioner batch --json args...` to the end.
func runBatchJSON(t *testing.T, asNobody bool, args ...string) batchResult {
	t.Helper()
	cmd := batchCmd(asNobody, append([]string{"--json"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	r := batchResult{stderr: errb.String()}
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var n int
	r.files, r.summary, n = parseBatch(t, out.String())
	if n != 1 {
		t.Errorf("batch %s: %d summaries; stderr %q", strings.Join(args, " "), n, r.stderr)
	}
	if len(r.files) != r.summary.Files {
		t.Errorf("batch %s: %d file lines, summary says %d files", strings.Join(args, " "), len(r.files), r.summary.Files)
	}
	return r
}

// statusesOf maps each file (relative to dir) to its status.
func statusesOf(dir string, files map[string]batchFileRecord) map[string]string {
	out := map[string]string{}
	for f, rec := range files {
		rel, _ := filepath.Rel(dir, f)
		out[filepath.ToSlash(rel)] = rec.Status
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// synthImages generates n 160x120 images for seed and returns their paths.
func synthImages(t *testing.T, n, seed int) []string {
	t.Helper()
	dir := t.TempDir()
	if r := captioner(t, "synth", "images", "--spread=false", "--n", fmt.Sprint(n), "--seed", fmt.Sprint(seed), "--size", "160x120", "--out", dir); r.code != 0 {
		t.Fatal(r.stderr)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "images", "*.png"))
	if len(paths) != n {
		t.Fatalf("synth wrote %d images", len(paths))
	}
	return paths
}

// openToNobody lets the user nobody run the binary, read the model and
// write in dir.
func openToNobody(t *testing.T, model string, dirs ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	os.Chmod(filepath.Dir(binary), 0o755)
	os.Chmod(filepath.Dir(model), 0o755)
	for _, d := range dirs {
		os.Chmod(filepath.Dir(d), 0o755)
		filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				os.Chmod(p, 0o777)
			}
			return nil
		})
	}
}

// captionsOf runs `captioner caption --json` on paths: what batch must agree with.
func captionsOf(t *testing.T, model string, paths ...string) map[string]captionRecord {
	t.Helper()
	r := captioner(t, append([]string{"caption", "--json", "--model", model}, paths...)...)
	if r.code != 0 {
		t.Fatalf("caption: %s", r.stderr)
	}
	out := map[string]captionRecord{}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var rec captionRecord
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		out[rec.File] = rec
	}
	return out
}

// A folder of everything: good images and videos (names with spaces,
// commas and accents), text, a text file named like a video, empty,
// truncated and unreadable files, a symbolic link loop, a subfolder.
func TestBatchMixedFolder(t *testing.T) {
	model, data := tinyLabellerBundle(t)
	dir := t.TempDir()
	imgs := synthImages(t, 7, 11)
	names := []string{"a photo.png", "ünïcödé.png", "red, blue.png", "d.png", "e.png"}
	for i, n := range names {
		copyFile(t, imgs[i], filepath.Join(dir, n))
	}
	copyFile(t, imgs[5], filepath.Join(dir, "sub", "deep.png"))
	copyFile(t, filepath.Join(data, "0000.mp4"), filepath.Join(dir, "clip one.mp4"))
	copyFile(t, filepath.Join(data, "0001.mp4"), filepath.Join(dir, "vidéo.mp4"))
	copyFile(t, filepath.Join(data, "0002.mp4"), filepath.Join(dir, "sub", "inner.mp4"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not media at all\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "fake.mp4"), []byte("not a video at all\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "empty.jpg"), nil, 0o644)
	png, _ := os.ReadFile(imgs[6])
	os.WriteFile(filepath.Join(dir, "cut.png"), png[:len(png)/2], 0o644)
	mp4, _ := os.ReadFile(filepath.Join(data, "0003.mp4"))
	os.WriteFile(filepath.Join(dir, "cut.mp4"), mp4[:len(mp4)/3], 0o644)
	copyFile(t, imgs[6], filepath.Join(dir, "secret.png"))
	os.Chmod(filepath.Join(dir, "secret.png"), 0)
	os.Symlink("loop", filepath.Join(dir, "loop"))
	openToNobody(t, model, dir)
	join := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	// A subfolder that may not be listed.
	os.Mkdir(join("locked"), 0)
	t.Cleanup(func() { os.Chmod(join("locked"), 0o755) })

	// Without --recursive: the subfolder is counted, not searched.
	r := runBatchJSON(t, true, dir, "--model", model)
	want := map[string]string{
		"a photo.png": "done", "ünïcödé.png": "done", "red, blue.png": "done", "d.png": "done", "e.png": "done",
		"clip one.mp4": "done", "vidéo.mp4": "done", "notes.txt": "skipped",
		"fake.mp4": "failed", "empty.jpg": "failed", "cut.png": "failed", "cut.mp4": "failed", "secret.png": "failed", "loop": "failed",
	}
	if got := statusesOf(dir, r.files); !maps.Equal(got, want) {
		t.Errorf("statuses %v\nwant %v\nstderr %s", got, want, r.stderr)
	}
	s := r.summary
	if r.code != 1 || s.Files != 14 || s.Done != 7 || s.Images != 5 || s.Videos != 2 || s.Skipped != 1 || s.Failed != 6 ||
		s.Subfolders != 2 || strings.Join(s.ModelsLoaded, ",") != "caption,subtitle" {
		t.Errorf("exit %d, summary %+v", r.code, s)
	}
	// One line for each failure, naming the file and the reason, then the count.
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	reasons := map[string]string{"fake.mp4": "not an image or a video", "empty.jpg": "empty file", "cut.png": "corrupt PNG",
		"cut.mp4": "truncated or corrupt MP4", "secret.png": "permission denied", "loop": "symbolic link loop"}
	for name, reason := range reasons {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, join(name)+": ") && strings.Contains(l, reason) {
				n++
			}
		}
		if n != 1 || !strings.Contains(r.files[join(name)].Error, reason) {
			t.Errorf("%s: %d stderr lines say %q; JSON error %q", name, n, reason, r.files[join(name)].Error)
		}
	}
	if len(lines) != 7 || lines[6] != "captioner: 6 of 14 inputs failed" {
		t.Errorf("stderr: %q", r.stderr)
	}
	if rec := r.files[join("notes.txt")]; !strings.Contains(rec.Reason, "not an image or a video") {
		t.Errorf("notes.txt: %+v", rec)
	}

	// The captions are those of `captioner caption`, and the index holds them.
	var paths []string
	for _, n := range names {
		paths = append(paths, join(n))
	}
	ref := captionsOf(t, model, paths...)
	for _, p := range paths {
		got, want := r.files[p], ref[p]
		if got.Caption == nil || got.Caption.Text != want.Caption || got.Score != want.Score || got.LowConfidence != want.LowConfidence || got.Kind != "image" {
			t.Errorf("%s: batch %+v, caption %+v", p, got.Caption, want)
		}
	}
	var index []batch.IndexEntry
	for _, l := range readLines(t, join("captions.jsonl")) {
		var e batch.IndexEntry
		json.Unmarshal([]byte(l), &e)
		index = append(index, e)
	}
	sorted := slices.Sorted(slices.Values(names))
	if len(index) != len(names) {
		t.Fatalf("index has %d entries, want %d", len(index), len(names))
	}
	f, _ := os.Open(join("captions.csv"))
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != len(names)+1 || strings.Join(rows[0], ",") != "file,caption,score,novelty,low_confidence,domain,model,model_checksum" {
		t.Fatalf("captions.csv: %v %v", rows, err)
	}
	for i, e := range index {
		want := ref[join(sorted[i])]
		if e.File != sorted[i] || e.Caption != want.Caption || e.Score != want.Score || len(e.ModelChecksum) != 64 || e.Model == "" {
			t.Errorf("index entry %d: %+v, want %s: %q", i, e, sorted[i], want.Caption)
		}
		if row := rows[i+1]; row[0] != e.File || row[1] != e.Caption || row[5] != e.Domain || row[7] != e.ModelChecksum {
			t.Errorf("csv row %d: %q, want %+v", i+1, row, e)
		}
	}

	// The tracks are those of `captioner subtitle`.
	refDir := t.TempDir()
	if rr := captioner(t, "subtitle", "--model", model, "--out", refDir, join("clip one.mp4"), join("vidéo.mp4")); rr.code != 0 {
		t.Fatal(rr.stderr)
	}
	for _, stem := range []string{"clip one", "vidéo"} {
		rec := r.files[join(stem+".mp4")]
		vtt, srt := join(stem+".vtt"), join(stem+".srt")
		if strings.Join(rec.Outputs, "|") != vtt+"|"+srt || rec.Video == nil || rec.Video.Cues == 0 || rec.Kind != "video" {
			t.Errorf("%s: %+v", stem, rec)
		}
		got := checkTrack(t, vtt, time.Duration(rec.Video.Duration*float64(time.Second)))
		want, _ := subtitle.ReadTrack(filepath.Join(refDir, stem+".vtt"))
		if len(got) != rec.Video.Cues || len(got) != len(want) {
			t.Fatalf("%s: %d cues, JSON says %d, subtitle wrote %d", stem, len(got), rec.Video.Cues, len(want))
		}
		for i := range got {
			if got[i].Start != want[i].Start || got[i].End != want[i].End || got[i].Text() != want[i].Text {
				t.Errorf("%s cue %d: %+v, subtitle wrote %+v", stem, i, got[i], want[i])
			}
		}
	}

	// --recursive adds the subfolder; what was done is not done again, the
	// broken files fail again without a model, the unreadable one is tried.
	r = runBatchJSON(t, true, dir, "--model", model, "--recursive")
	want["sub/deep.png"], want["sub/inner.mp4"], want["locked"] = "done", "done", "failed"
	for _, n := range append(names, "clip one.mp4", "vidéo.mp4") {
		want[n] = "unchanged"
	}
	if got := statusesOf(dir, r.files); !maps.Equal(got, want) {
		t.Errorf("--recursive: %v\nwant %v", got, want)
	}
	if s := r.summary; s.Done != 2 || s.Unchanged != 7 || s.Failed != 7 || s.Subfolders != 0 {
		t.Errorf("--recursive summary %+v", s)
	}
	for _, p := range []string{"sub/inner.vtt", "sub/inner.srt"} {
		if _, err := os.Stat(join(p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if rec := r.files[join("locked")]; !strings.Contains(rec.Error, "locked: cannot list the folder: permission denied") {
		t.Errorf("locked: %+v", rec)
	}
	if n := len(readLines(t, join("captions.jsonl"))); n != 6 {
		t.Errorf("index has %d entries after --recursive, want 6", n)
	}

	// Unchanged: no model is loaded, nothing is written, and it is quick.
	before := mtimes(t, dir)
	r = runBatchJSON(t, true, dir, "--model", model, "--recursive")
	if s := r.summary; s.Done != 0 || s.Unchanged != 9 || len(s.ModelsLoaded) != 0 || s.Elapsed > 2 || r.code != 1 {
		t.Errorf("unchanged folder: exit %d, summary %+v", r.code, s)
	}
	if after := mtimes(t, dir); !maps.Equal(before, after) {
		t.Errorf("an unchanged run wrote files:\nbefore %v\nafter  %v", before, after)
	}
	t.Logf("unchanged folder of %d files checked in %.3f s", r.summary.Files, r.summary.Elapsed)

	// A touched file is not done again; a changed one is.
	later := time.Now().Add(time.Hour)
	os.Chtimes(join("d.png"), later, later)
	copyFile(t, imgs[6], join("e.png"))
	r = runBatchJSON(t, true, dir, "--model", model, "--recursive")
	if s := r.summary; s.Done != 1 || r.files[join("e.png")].Status != "done" || r.files[join("d.png")].Status != "unchanged" ||
		strings.Join(s.ModelsLoaded, ",") != "caption" {
		t.Errorf("touched d.png, changed e.png: %v %+v", statusesOf(dir, r.files), s)
	}
	if got, want := r.files[join("e.png")].Caption.Text, captionsOf(t, model, join("e.png"))[join("e.png")].Caption; got != want {
		t.Errorf("changed e.png: caption %q, want %q", got, want)
	}

	// --force redoes every file; the plain log has a line per file.
	cmd := batchCmd(true, dir, "--model", model, "--recursive", "--force")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	lines = strings.Split(strings.TrimSpace(stderr.String()), "\n")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("--force: %v", err)
	}
	count := func(prefix string) int {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				n++
			}
		}
		return n
	}
	if count("done "+dir) != 9 || count("skipped "+join("notes.txt")+": ") != 1 || count("captioner: ") != 8 ||
		!strings.Contains(stderr.String(), "batch: 17 files in ") || !strings.Contains(stderr.String(), ": 9 done (6 images, 3 videos), 0 unchanged, 1 skipped, 7 failed") {
		t.Errorf("--force log:\n%s", stderr.String())
	}
	if !slices.Contains(lines, "done "+join("a photo.png")+": "+ref[join("a photo.png")].Caption) {
		t.Errorf("no log line for a photo.png:\n%s", stderr.String())
	}
}

// mtimes maps every file under dir to its modification time.
func mtimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if st, err := os.Lstat(p); err == nil {
				out[p] = st.ModTime()
			}
		}
		return nil
	})
	return out
}

// readJournal reads a batch manifest as it is on disk, superseded lines
// and all: the latest record of each file. A torn last line is allowed.
func readJournal(t *testing.T, path string) map[string]batch.Record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	out := map[string]batch.Record{}
	for i, l := range lines[1:] {
		if l == "" {
			continue
		}
		var r batch.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			if i+2 == len(lines) {
				continue // the last line, cut short by the kill
			}
			t.Fatalf("manifest line %d %q: %v", i+2, l, err)
		}
		out[r.File] = r
	}
	return out
}

// startBatch starts `captioner batch --json args...`.
func startBatch(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bufio.Reader) {
	t.Helper()
	cmd := batchCmd(false, append([]string{"--json"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr, bufio.NewReader(stdout)
}

// doneLines reads JSON lines until n files are done, and returns them.
func doneLines(t *testing.T, rd *bufio.Reader, n int) []string {
	t.Helper()
	var done []string
	for len(done) < n {
		l, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("the run ended after %d files done: %v", len(done), err)
		}
		var rec batchFileRecord
		json.Unmarshal([]byte(l), &rec)
		if rec.Status == "done" {
			done = append(done, rec.File)
		}
	}
	return done
}

// A run killed (SIGKILL) half-way, then one interrupted (SIGINT), then one
// to the end: no file is done twice, none is missing, no output is left
// half-written, and the input folder is untouched.
func TestBatchKillAndResume(t *testing.T) {
	model, data := tinyLabellerBundle(t)
	dir, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	for i, p := range synthImages(t, 40, 12) {
		copyFile(t, p, filepath.Join(dir, fmt.Sprintf("img %02d.png", i)))
	}
	for i := range 3 {
		copyFile(t, filepath.Join(data, fmt.Sprintf("%04d.mp4", i)), filepath.Join(dir, "videos", fmt.Sprintf("v%d.mp4", i)))
	}
	inputs := mtimes(t, dir)
	args := []string{dir, "--model", model, "--out", out, "--recursive", "--sidecar", "--jobs", "2"}
	manifest := filepath.Join(out, batch.ManifestName)

	// 1: killed once the first files are done.
	cmd, _, rd := startBatch(t, args...)
	printed := doneLines(t, rd, 1)
	cmd.Process.Kill()
	cmd.Wait()
	journal := readJournal(t, manifest)
	var first []string
	for f, r := range journal {
		if r.Status == batch.Done {
			first = append(first, f)
		}
	}
	for _, p := range printed {
		rel, _ := filepath.Rel(dir, p)
		if journal[filepath.ToSlash(rel)].Status != batch.Done {
			t.Errorf("%s was reported done but is not done in the manifest", rel)
		}
	}
	if len(first) == 0 || len(first) >= 43 {
		t.Fatalf("the killed run finished %d of 43 files", len(first))
	}
	checkOutputs(t, out, journal)
	outTimes := map[string]time.Time{} // of the outputs of files done
	for _, f := range first {
		for _, o := range journal[f].Outputs {
			st, err := os.Stat(filepath.Join(out, filepath.FromSlash(o)))
			if err != nil {
				t.Fatal(err)
			}
			outTimes[o] = st.ModTime()
		}
	}

	// 2: interrupted with SIGINT once it has done one more file: exit 130.
	cmd, stderr, rd := startBatch(t, args...)
	doneLines(t, rd, 1)
	cmd.Process.Signal(syscall.SIGINT)
	rest, _ := io.ReadAll(rd)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "captioner: interrupted") ||
		!strings.Contains(string(rest), `"interrupted":true`) {
		t.Errorf("SIGINT: exit %d, stderr %q, last lines %q", code, stderr.String(), rest)
	}
	journal = readJournal(t, manifest)
	var second []string
	for f, r := range journal {
		if r.Status == batch.Done && !slices.Contains(first, f) {
			second = append(second, f)
		}
	}
	if len(second) == 0 {
		t.Fatal("the interrupted run finished nothing")
	}
	checkOutputs(t, out, journal)

	t.Logf("killed after %d files done, interrupted after %d more", len(first), len(second))

	// 3: to the end.
	r := runBatchJSON(t, false, args...)
	var third []string
	for f, rec := range r.files {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		switch rec.Status {
		case "done":
			third = append(third, rel)
		case "unchanged":
			if !slices.Contains(first, rel) && !slices.Contains(second, rel) {
				t.Errorf("%s unchanged but done by neither earlier run", rel)
			}
		default:
			t.Errorf("%s: %s %s", rel, rec.Status, rec.Error)
		}
	}
	all := slices.Concat(first, second, third)
	slices.Sort(all)
	if len(all) != 43 || len(slices.Compact(slices.Clone(all))) != 43 || r.code != 0 {
		t.Errorf("runs did %d, %d and %d files (%d distinct), want 43 in all, each once; exit %d", len(first), len(second), len(third),
			len(slices.Compact(slices.Clone(all))), r.code)
	}
	if r.summary.Unchanged != len(first)+len(second) {
		t.Errorf("last run: %d unchanged, want %d", r.summary.Unchanged, len(first)+len(second))
	}
	// Outputs of the killed run's files were not written again, and no
	// temporary file is left.
	if len(outTimes) != len(first) && !slices.ContainsFunc(first, func(f string) bool { return strings.HasSuffix(f, ".mp4") }) {
		t.Errorf("%d outputs for %d files done", len(outTimes), len(first))
	}
	for o, tm := range outTimes {
		if st, err := os.Stat(filepath.Join(out, filepath.FromSlash(o))); err != nil || !st.ModTime().Equal(tm) {
			t.Errorf("%s was written again (%v)", o, err)
		}
	}
	for _, d := range []string{dir, out} {
		for p := range mtimes(t, d) {
			if strings.HasPrefix(filepath.Base(p), ".") && strings.Contains(p, ".tmp-") {
				t.Errorf("temporary file %s left behind", p)
			}
		}
	}
	journal = readJournal(t, manifest)
	if len(journal) != 43 {
		t.Errorf("manifest has %d files, want 43", len(journal))
	}
	checkOutputs(t, out, journal)
	// The captions, made by groups of images in turn and side by side, are
	// those of `captioner caption`.
	var paths []string
	for i := range 40 {
		paths = append(paths, filepath.Join(dir, fmt.Sprintf("img %02d.png", i)))
	}
	ref := captionsOf(t, model, paths...)
	lines := readLines(t, filepath.Join(out, "captions.jsonl"))
	if len(lines) != 40 {
		t.Errorf("index has %d images, want 40", len(lines))
	}
	for _, l := range lines {
		var e batch.IndexEntry
		json.Unmarshal([]byte(l), &e)
		if want := ref[filepath.Join(dir, e.File)]; e.Caption != want.Caption || e.Score != want.Score {
			t.Errorf("%s: %q (%g), caption says %q (%g)", e.File, e.Caption, e.Score, want.Caption, want.Score)
		}
	}
	if got := mtimes(t, dir); !maps.Equal(got, inputs) {
		t.Errorf("the input folder changed")
	}
}

// checkOutputs checks that every output named by a done record is whole,
// and that no temporary file is left beside them once a run has ended
// normally.
func checkOutputs(t *testing.T, out string, journal map[string]batch.Record) {
	t.Helper()
	for f, r := range journal {
		if r.Status != batch.Done {
			continue
		}
		for _, o := range r.Outputs {
			p := filepath.Join(out, filepath.FromSlash(o))
			data, err := os.ReadFile(p)
			switch {
			case err != nil:
				t.Errorf("%s: output %s: %v", f, o, err)
			case strings.HasSuffix(o, ".json"):
				var e batch.IndexEntry
				if err := json.Unmarshal(data, &e); err != nil || e.Caption == "" || e.Caption != r.Caption.Text {
					t.Errorf("%s: sidecar %q: %v", f, data, err)
				}
			default:
				if cues, err := subtitle.ReadTrack(p); err != nil || len(cues) != r.Video.Cues {
					t.Errorf("%s: track %s: %d cues, %v", f, o, len(cues), err)
				}
			}
		}
	}
}

// With the embedded model, images are captioned whatever the bundle holds;
// videos are subtitled once it has a labeller, and until then each fails
// on its own line.
func TestBatchEmbeddedModel(t *testing.T) {
	_, data := tinyLabellerBundle(t)
	dir := t.TempDir()
	img := synthImages(t, 1, 13)[0]
	copyFile(t, img, filepath.Join(dir, "a.png"))
	copyFile(t, filepath.Join(data, "0004.mp4"), filepath.Join(dir, "b.mp4"))
	r := runBatchJSON(t, false, dir)
	a, b := r.files[filepath.Join(dir, "a.png")], r.files[filepath.Join(dir, "b.mp4")]
	if a.Status != "done" || a.Caption == nil || a.Caption.Text != captionsOf(t, "", filepath.Join(dir, "a.png"))[filepath.Join(dir, "a.png")].Caption {
		t.Errorf("a.png: %+v", a)
	}
	switch {
	case b.Status == "done" && r.code == 0:
	case b.Status == "failed" && strings.Contains(b.Error, "bundle has no subtitle labeller") && r.code == 1:
		t.Log("the embedded bundle has no labeller yet")
	default:
		t.Errorf("b.mp4: %+v, exit %d", b, r.code)
	}
}

func TestBatchUsage(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.png")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"batch"}, "needs one folder"},
		{[]string{"batch", dir, dir}, "needs one folder"},
		{[]string{"batch", file}, "not a folder"},
		{[]string{"batch", dir, "--jobs", "0"}, "--jobs must be"},
		{[]string{"batch", dir, "--format", "doc"}, "unknown track format"},
		{[]string{"batch", dir, "--out", file}, "not a folder"},
	} {
		r := captioner(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, r.code, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("usage errors wrote into the folder: %d entries", len(entries))
	}
}
