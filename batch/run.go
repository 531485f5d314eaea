package batch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"captioner/media"
	"captioner/subtitle"
)

// Options configure Run.
type Options struct {
	Dir string // the input folder
	// Out is the output folder: the manifest, the index, and the outputs
	// of each file, mirroring the input folder's layout. "" means Dir.
	Out       string
	Recursive bool // also the files of subfolders
	// Jobs is how many files, or groups of images, are worked on at once;
	// 0 means 1.
	Jobs int
	// Force redoes every file, done or not, and overwrites existing tracks.
	Force  bool
	Images Images
	Videos Videos
	// Started, if not nil, is called once the folder has been walked, with
	// the number of files found.
	Started func(files int)
	// Report, if not nil, is called once for every file found, when it is
	// settled, from one goroutine at a time.
	Report func(Event)
	// Progress, if not nil, is called whenever the run's progress changes
	// (a file checked or settled, a video's frames done: every few seconds
	// of video), from one goroutine at a time, Report's included; it must
	// return quickly.
	Progress func(Progress)
	// IndexEvery is how often the index is rewritten while the run goes
	// on (it is always rewritten at the end); 0 means 30 s.
	IndexEvery time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Images says how images are captioned.
type Images struct {
	// Load returns the captioner; Run calls it once, when the first image
	// needs it.
	Load func(context.Context) (ImageCaptioner, error)
	// Model is the captioner's engine.ModelChecksum, Version the bundle's
	// version label, Settings the options that change the captions.
	Model, Version, Settings string
	// Sidecar also writes each caption beside its image (mirrored in the
	// output folder): photo.jpg.caption.json.
	Sidecar bool
	// Group is how many images are captioned together (their frames go
	// through the CNN together); 0 means 16.
	Group int
}

// Videos says how videos are subtitled.
type Videos struct {
	// Load returns the labeller; Run calls it once, when the first video
	// needs it.
	Load func(context.Context) (VideoLabeller, error)
	// Model is the labeller's engine.ModelChecksum, Version the bundle's version
	// label, Settings the options that change the tracks.
	Model, Version, Settings string
	// Tracks are the formats, language and notes of the tracks; OutDir and
	// Force are set by Run for each video.
	Tracks subtitle.TrackOptions
}

// Event reports what became of one file.
type Event struct {
	File    string // relative to the input folder, slash-separated
	Path    string // the input folder joined with File
	Kind    string // "image", "video", or "" when neither (or not known)
	Status  Status // Done, Unchanged, Skipped or Failed
	Reason  string // why Skipped
	Err     error  // why Failed
	Caption *Caption
	Video   *VideoResult
	Outputs []string // the files written for it (output folder joined)
	// Elapsed is the time this run spent on the file (an image's share of
	// its group's).
	Elapsed time.Duration
}

// Summary counts what a run did.
type Summary struct {
	Files                            int // files found
	Done, Unchanged, Skipped, Failed int
	Images, Videos                   int     // images captioned and videos subtitled in this run
	VideoSeconds                     float64 // the duration of those videos
	Subfolders                       int     // subfolders not searched (Recursive not set)
	// Loaded lists the models the run had to load, "caption" and
	// "subtitle": none when no file needed work.
	Loaded  []string
	Elapsed time.Duration
}

// Run processes the files of o.Dir: it captions images, writes subtitle
// tracks for videos, skips what is neither, and records each file in the
// manifest of the output folder as soon as it is settled (see the package
// documentation). A file that fails is reported and the others go on; the
// returned error is for the run as a whole: a folder that cannot be read or
// written, or ctx cancelled (the work finished so far is kept and the
// index written). The summary counts the files settled either way.
func Run(ctx context.Context, o Options) (Summary, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	if o.Jobs <= 0 {
		o.Jobs = 1
	}
	if o.Images.Group <= 0 {
		o.Images.Group = 16
	}
	if o.IndexEvery <= 0 {
		o.IndexEvery = 30 * time.Second
	}
	if st, err := os.Stat(o.Dir); err != nil {
		return Summary{}, fmt.Errorf("batch: %s: %s", o.Dir, fsReason(err))
	} else if !st.IsDir() {
		return Summary{}, fmt.Errorf("batch: %s: not a folder", o.Dir)
	}
	out := o.Out
	if out == "" {
		out = o.Dir
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return Summary{}, fmt.Errorf("batch: %w", err)
	}
	absDir, err := filepath.Abs(o.Dir)
	if err != nil {
		return Summary{}, fmt.Errorf("batch: %w", err)
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return Summary{}, fmt.Errorf("batch: %w", err)
	}
	if err := checkForeignIndex(out, o.Force); err != nil {
		return Summary{}, err
	}
	m, err := openManifest(out)
	if err != nil {
		return Summary{}, err
	}
	defer m.close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &runner{o: o, out: out, absDir: absDir, absOut: absOut, m: m, now: now, cancel: cancel, lastIndex: start}
	own := r.ownFiles()
	r.removeTemps(own)
	w, err := walk(ctx, o.Dir, absDir, absOut, o.Recursive, func(abs string) bool { return own[abs] })
	if err != nil {
		return Summary{}, err
	}
	r.sum.Files, r.sum.Subfolders = len(w.files), w.subfolders
	r.seen = map[string]bool{}
	for _, c := range w.files {
		r.seen[c.rel] = true
	}
	if o.Started != nil {
		o.Started(len(w.files))
	}
	r.mu.Lock()
	r.prog.p.Files = len(w.files)
	r.progressed()
	r.mu.Unlock()
	r.pipeline(ctx, w.files)
	ferr := r.finish()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Loaded = []string{}
	if r.imgs.tried {
		r.sum.Loaded = append(r.sum.Loaded, "caption")
	}
	if r.vids.tried {
		r.sum.Loaded = append(r.sum.Loaded, "subtitle")
	}
	r.sum.Elapsed = now().Sub(start)
	switch {
	case r.fatal != nil:
		return r.sum, r.fatal
	case ctx.Err() != nil && ferr == nil:
		return r.sum, ctx.Err()
	}
	return r.sum, ferr
}

// checkForeignIndex refuses an output folder without a manifest that
// holds a file named like the index (the captions.jsonl of a dataset, say):
// it is not a batch's to overwrite, unless force says so.
func checkForeignIndex(out string, force bool) error {
	if _, err := os.Lstat(filepath.Join(out, ManifestName)); err == nil || force {
		return nil
	}
	for _, name := range []string{IndexJSONL, IndexCSV} {
		p := filepath.Join(out, name)
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("batch: %s exists and was not written by a batch (give another output folder, or force to overwrite it)", p)
		}
	}
	return nil
}

// runner is one Run's state.
type runner struct {
	o      Options
	out    string // the output folder, as given
	absDir string
	absOut string
	m      *manifest
	now    func() time.Time
	cancel context.CancelFunc
	seen   map[string]bool // the files walked; read-only once the pipeline starts
	imgs   lazy[ImageCaptioner]
	vids   lazy[VideoLabeller]

	indexMu sync.Mutex // one index writer at a time

	mu        sync.Mutex // guards what follows
	sum       Summary
	prog      progress
	fatal     error
	lastIndex time.Time
}

// lazy is a value loaded on first use, at most once.
type lazy[T any] struct {
	once  sync.Once
	v     T
	err   error
	tried bool
}

func (l *lazy[T]) get(ctx context.Context, load func(context.Context) (T, error)) (T, error) {
	l.once.Do(func() {
		l.tried = true
		if load == nil {
			l.err = errors.New("batch: no model given for this kind of file")
			return
		}
		l.v, l.err = load(ctx)
	})
	return l.v, l.err
}

// item is a file that needs work.
type item struct {
	c    candidate
	prev *Record // its record before this run, if any
	sha  string
	kind media.Kind
}

// pipeline checks the files (Jobs at a time) and hands images and videos
// to Jobs workers; it returns when every file is settled or ctx is done.
// Checking runs ahead of the work, its queues unbounded (an item is a few
// hundred bytes), so that the whole run's work is known early (Progress).
func (r *runner) pipeline(ctx context.Context, files []candidate) {
	in := make(chan candidate)
	imgs, imgsOut := make(chan item), make(chan item)
	vids, vidsOut := make(chan item), make(chan item)
	go unbounded(imgs, imgsOut)
	go unbounded(vids, vidsOut)
	var checkers, workers sync.WaitGroup
	for range r.o.Jobs {
		checkers.Go(func() {
			for c := range in {
				r.check(ctx, c, imgs, vids)
			}
		})
		workers.Go(func() { r.work(ctx, imgsOut, vidsOut) })
	}
feed:
	for _, c := range files {
		select {
		case in <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(in)
	checkers.Wait()
	close(imgs)
	close(vids)
	workers.Wait()
}

// check settles a file that needs no work (unchanged, skipped, failed
// before any work) or sends it to the workers.
func (r *runner) check(ctx context.Context, c candidate, imgs, vids chan<- item) {
	if ctx.Err() != nil {
		return
	}
	it := item{c: c}
	rec, ok := r.m.get(c.rel)
	if ok {
		it.prev = &rec
	}
	switch {
	case c.err != nil:
		r.fail(it, c.err)
		return
	case c.skip != "":
		r.skip(c, c.skip, !ok || rec.Status != Skipped || rec.Reason != c.skip)
		return
	}
	if ok {
		if !r.o.Force {
			switch {
			case rec.Status == Done && rec.Size == c.size:
				same := rec.MTime.Equal(c.mtime)
				if !same {
					// Touched: hash it to tell a changed file from a copy of itself.
					sum, err := hashFile(ctx, c.path)
					if err != nil {
						if ctx.Err() == nil {
							r.fail(it, err)
						}
						return
					}
					it.sha, same = sum, sum == rec.SHA256
				}
				if same && r.current(rec) {
					r.unchanged(c, rec)
					return
				}
			case rec.Status == Skipped && rec.Size == c.size && rec.MTime.Equal(c.mtime):
				r.skip(c, rec.Reason, false)
				return
			case rec.Status == Failed && rec.BadContent && rec.Size == c.size && rec.MTime.Equal(c.mtime):
				// Still the same broken file: no need to try (and load a model) again.
				r.report(Event{File: c.rel, Path: c.path, Kind: rec.Kind, Status: Failed, Err: errors.New(rec.Error)})
				return
			}
		}
	}
	info, err := media.Probe(ctx, c.path)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		if (errors.Is(err, media.ErrNotMedia) || errors.Is(err, media.ErrNoVideo)) && !promisesMedia(c.rel) {
			r.skip(c, mediaReason(err), true)
			return
		}
		r.fail(it, err)
		return
	}
	if it.sha == "" {
		if it.sha, err = hashFile(ctx, c.path); err != nil {
			if ctx.Err() == nil {
				r.fail(it, err)
			}
			return
		}
	}
	it.kind = info.Kind
	ch := vids
	if info.Kind == media.Image {
		ch = imgs
	}
	r.mu.Lock()
	r.prog.queue(c.rel, info.Kind == media.Image, info.Duration)
	r.progressed()
	r.mu.Unlock()
	select {
	case ch <- it:
	case <-ctx.Done():
	}
}

// mediaReason is a media error's reason, without the path.
func mediaReason(err error) string {
	var me *media.Error
	if errors.As(err, &me) {
		return me.Err.Error()
	}
	return err.Error()
}

// current says whether a done record answers as this run would: same
// model, same settings, outputs still there. (An image's sidecar, if
// wanted and gone, is written again from the record by unchanged.)
func (r *runner) current(rec Record) bool {
	switch rec.Kind {
	case "image":
		return rec.Caption != nil && rec.Model == r.o.Images.Model && rec.Settings == r.o.Images.Settings
	case "video":
		if rec.Model != r.o.Videos.Model || rec.Settings != r.o.Videos.Settings || len(rec.Outputs) == 0 {
			return false
		}
		for _, o := range rec.Outputs {
			if _, err := os.Stat(r.outPath(o)); err != nil {
				return false
			}
		}
		return true
	}
	return false
}

// unchanged settles a file done before: its record gets the file's new
// time if it was touched, and an image its sidecar if one is wanted and
// missing (from the record: no model runs).
func (r *runner) unchanged(c candidate, rec Record) {
	upd := rec
	changed := !rec.MTime.Equal(c.mtime)
	upd.MTime = c.mtime
	if rec.Kind == "image" && r.o.Images.Sidecar {
		rel := r.sidecarRel(c.rel)
		if _, err := os.Stat(r.outPath(rel)); err != nil {
			if err := r.writeSidecar(rel, rec); err != nil {
				r.fail(item{c: c, prev: &rec, sha: rec.SHA256, kind: media.Image}, err)
				return
			}
			if !slices.Contains(upd.Outputs, rel) {
				upd.Outputs = append(slices.Clip(upd.Outputs), rel)
			}
			changed = true
		}
	}
	if changed {
		upd.At = r.now()
		if !r.append(upd) {
			return
		}
	}
	r.report(Event{File: c.rel, Path: c.path, Kind: rec.Kind, Status: Unchanged, Caption: rec.Caption, Video: rec.Video, Outputs: r.outPaths(upd.Outputs)})
}

// skip settles a file that is neither an image nor a video.
func (r *runner) skip(c candidate, reason string, record bool) {
	if record {
		rec := Record{File: c.rel, Size: c.size, MTime: c.mtime, Status: Skipped, Reason: reason, At: r.now()}
		if !r.append(rec) {
			return
		}
	}
	r.report(Event{File: c.rel, Path: c.path, Status: Skipped, Reason: reason})
}

// failedRecord is the record of a file that failed with err; outputs it
// may have started writing stay its own.
func (r *runner) failedRecord(it item, err error, outputs []string) Record {
	return Record{File: it.c.rel, Size: it.c.size, MTime: it.c.mtime, SHA256: it.sha, Kind: kindName(it.kind),
		Status: Failed, Error: oneLine(err.Error()), BadContent: badContent(err), Outputs: outputs, At: r.now()}
}

// errNoFrames is the failure of a video in which no frame could be sampled.
var errNoFrames = errors.New("no frame could be sampled")

// badContent says whether err blames the file's content, so that trying
// the same file again would fail the same way.
func badContent(err error) bool {
	for _, e := range []error{media.ErrCorrupt, media.ErrNotMedia, media.ErrNoVideo, media.ErrImageSize, errNoFrames} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// fail settles a file that could not be done.
func (r *runner) fail(it item, err error) {
	r.failWith(it, err, nil)
}

func (r *runner) failWith(it item, err error, outputs []string) {
	rec := r.failedRecord(it, err, outputs)
	if p := it.prev; p == nil || p.Status != Failed || p.Error != rec.Error || p.Size != rec.Size || !p.MTime.Equal(rec.MTime) ||
		!slices.Equal(p.Outputs, rec.Outputs) {
		// (The same failure again needs no new record.)
		if !r.append(rec) {
			return
		}
	}
	r.report(Event{File: it.c.rel, Path: it.c.path, Kind: kindName(it.kind), Status: Failed, Err: err})
}

func kindName(k media.Kind) string {
	if k == media.Image || k == media.Video {
		return k.String()
	}
	return ""
}

// work runs a worker: it captions groups of images and subtitles videos
// until both channels are closed.
func (r *runner) work(ctx context.Context, imgs, vids <-chan item) {
	for imgs != nil || vids != nil {
		select {
		case it, ok := <-imgs:
			if !ok {
				imgs = nil
				continue
			}
			r.caption(ctx, r.gather(it, imgs))
		case it, ok := <-vids:
			if !ok {
				vids = nil
				continue
			}
			r.subtitle(ctx, it)
		}
	}
}

// gatherWait is how long a worker with some images waits for more to fill
// its group.
const gatherWait = 20 * time.Millisecond

// gather adds to first the images that arrive within gatherWait, up to a
// group.
func (r *runner) gather(first item, imgs <-chan item) []item {
	group := []item{first}
	timer := time.NewTimer(gatherWait)
	defer timer.Stop()
	for len(group) < r.o.Images.Group {
		select {
		case it, ok := <-imgs:
			if !ok {
				return group
			}
			group = append(group, it)
		case <-timer.C:
			return group
		}
	}
	return group
}

// caption captions a group of images: their frames go through the CNN
// together. Each image's record is appended once its sidecar (if any) is
// written, all in one sync.
func (r *runner) caption(ctx context.Context, group []item) {
	if ctx.Err() != nil {
		return
	}
	start := r.now()
	capt, err := r.imgs.get(ctx, r.o.Images.Load)
	if err != nil {
		if ctx.Err() == nil {
			for _, it := range group {
				r.fail(it, err)
			}
		}
		return
	}
	var sidecars []string
	if r.o.Images.Sidecar {
		// Name the sidecars before writing them, so that a run killed
		// half-way leaves the next one knowing them as its own.
		var recs []Record
		for _, it := range group {
			rel := r.sidecarRel(it.c.rel)
			sidecars = append(sidecars, rel)
			recs = append(recs, Record{File: it.c.rel, Size: it.c.size, MTime: it.c.mtime, SHA256: it.sha, Kind: "image",
				Status: Started, Outputs: []string{rel}, At: start})
		}
		if !r.append(recs...) {
			return
		}
	}
	paths := make([]string, len(group))
	for i, it := range group {
		paths[i] = it.c.path
	}
	caps, errs, err := capt.Caption(ctx, paths)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		for _, it := range group {
			r.fail(it, err)
		}
		return
	}
	per := r.now().Sub(start) / time.Duration(len(group))
	var recs []Record
	var events []Event
	for i, it := range group {
		if errs[i] != nil {
			recs = append(recs, r.failedRecord(it, errs[i], nil))
			events = append(events, Event{File: it.c.rel, Path: it.c.path, Kind: "image", Status: Failed, Err: errs[i]})
			continue
		}
		rec := Record{File: it.c.rel, Size: it.c.size, MTime: it.c.mtime, SHA256: it.sha, Kind: "image", Status: Done,
			Model: r.o.Images.Model, ModelVersion: r.o.Images.Version, Settings: r.o.Images.Settings, Caption: &caps[i], At: r.now()}
		if sidecars != nil {
			if err := r.writeSidecar(sidecars[i], rec); err != nil {
				recs = append(recs, r.failedRecord(it, err, sidecars[i:i+1]))
				events = append(events, Event{File: it.c.rel, Path: it.c.path, Kind: "image", Status: Failed, Err: err})
				continue
			}
			rec.Outputs = sidecars[i : i+1]
		}
		recs = append(recs, rec)
		events = append(events, Event{File: it.c.rel, Path: it.c.path, Kind: "image", Status: Done, Caption: &caps[i],
			Outputs: r.outPaths(rec.Outputs), Elapsed: per})
	}
	if !r.append(recs...) {
		return
	}
	for _, ev := range events {
		r.report(ev)
	}
}

// subtitle labels one video and writes its tracks.
func (r *runner) subtitle(ctx context.Context, it item) {
	if ctx.Err() != nil {
		return
	}
	start := r.now()
	topts := r.o.Videos.Tracks
	topts.OutDir = filepath.Dir(r.outPath(it.c.rel))
	topts.Force = true // checked here: only the user's own tracks are kept
	tracks := subtitle.TrackPaths(it.c.path, topts)
	rels := make([]string, len(tracks))
	for i, p := range tracks {
		rels[i] = path.Join(path.Dir(it.c.rel), filepath.Base(p))
		if r.o.Force {
			continue
		}
		if _, err := os.Lstat(p); err == nil && (it.prev == nil || !slices.Contains(it.prev.Outputs, rels[i])) {
			r.fail(it, fmt.Errorf("batch: %s: %s exists (use --force to overwrite)", it.c.path, p))
			return
		}
	}
	// Name the tracks before writing them (see caption).
	if !r.append(Record{File: it.c.rel, Size: it.c.size, MTime: it.c.mtime, SHA256: it.sha, Kind: "video",
		Status: Started, Outputs: rels, At: start}) {
		return
	}
	lab, err := r.vids.get(ctx, r.o.Videos.Load)
	if err != nil {
		if ctx.Err() == nil {
			r.failWith(it, err, rels)
		}
		return
	}
	tr, err := lab.LabelProgress(ctx, it.c.path, func(done, _ time.Duration) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.prog.label(it.c.rel, done)
		r.progressed()
	})
	if ctx.Err() != nil {
		return
	}
	if err == nil && tr.Steps == 0 {
		err = fmt.Errorf("batch: %s: %w", it.c.path, errNoFrames)
	}
	if err == nil {
		err = os.MkdirAll(topts.OutDir, 0o755)
	}
	if err == nil {
		_, err = subtitle.WriteTracks(it.c.path, tr.Cues, topts)
	}
	if err != nil {
		r.failWith(it, err, rels)
		return
	}
	v := &VideoResult{Duration: tr.Info.Duration.Seconds(), Steps: tr.Steps, Cues: len(tr.Cues),
		Confidence: tr.Confidence, Novelty: tr.Novelty, LowConfidence: tr.Unsure}
	rec := Record{File: it.c.rel, Size: it.c.size, MTime: it.c.mtime, SHA256: it.sha, Kind: "video", Status: Done,
		Model: r.o.Videos.Model, ModelVersion: r.o.Videos.Version, Settings: r.o.Videos.Settings, Outputs: rels, Video: v, At: r.now()}
	if !r.append(rec) {
		return
	}
	r.report(Event{File: it.c.rel, Path: it.c.path, Kind: "video", Status: Done, Video: v, Outputs: tracks, Elapsed: r.now().Sub(start)})
}

// append journals records; a manifest that cannot be written stops the run.
func (r *runner) append(recs ...Record) bool {
	if len(recs) == 0 {
		return true
	}
	if err := r.m.append(recs...); err != nil {
		r.mu.Lock()
		if r.fatal == nil {
			r.fatal = err
		}
		r.mu.Unlock()
		r.cancel()
		return false
	}
	r.mu.Lock()
	due := r.now().Sub(r.lastIndex) >= r.o.IndexEvery
	if due {
		r.lastIndex = r.now()
	}
	r.mu.Unlock()
	if due {
		r.writeIndex(r.m.all()) // best effort: finish writes it for certain
	}
	return true
}

func (r *runner) writeIndex(recs []Record) error {
	r.indexMu.Lock()
	defer r.indexMu.Unlock()
	return writeIndex(r.out, recs)
}

// report counts ev and passes it on.
func (r *runner) report(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev.Status {
	case Done:
		r.sum.Done++
		if ev.Kind == "image" {
			r.sum.Images++
		} else {
			r.sum.Videos++
			r.sum.VideoSeconds += ev.Video.Duration
		}
	case Unchanged:
		r.sum.Unchanged++
	case Skipped:
		r.sum.Skipped++
	case Failed:
		r.sum.Failed++
	}
	if r.o.Report != nil {
		r.o.Report(ev)
	}
	r.prog.settle(ev.File, ev.Status == Done)
	r.progressed()
}

// progressed passes the run's progress on; r.mu is held.
func (r *runner) progressed() {
	if r.o.Progress != nil {
		r.o.Progress(r.prog.p)
	}
}

// unbounded passes what comes in on in to out, in order, holding as many
// as out is behind by; it closes out once in is closed and all is passed.
func unbounded[T any](in <-chan T, out chan<- T) {
	defer close(out)
	var q []T
	for in != nil || len(q) > 0 {
		var send chan<- T
		var head T
		if len(q) > 0 {
			send, head = out, q[0]
		}
		select {
		case v, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			q = append(q, v)
		case send <- head:
			var zero T
			q[0] = zero
			q = q[1:]
		}
	}
}

// finish drops the records of files that are gone (or have become
// outputs), compacts the manifest and writes the index.
func (r *runner) finish() error {
	gone := map[string]bool{}
	own := r.ownFiles()
	for _, rec := range r.m.all() {
		if own[filepath.Join(r.absDir, filepath.FromSlash(rec.File))] {
			gone[rec.File] = true
			continue
		}
		if r.seen[rec.File] {
			continue
		}
		if _, err := os.Lstat(filepath.Join(r.o.Dir, filepath.FromSlash(rec.File))); errors.Is(err, fs.ErrNotExist) {
			gone[rec.File] = true
		}
	}
	if err := r.m.compact(func(rec Record) bool { return gone[rec.File] }); err != nil {
		return err
	}
	return r.writeIndex(r.m.all())
}

// outPath is the output folder joined with rel (slash-separated).
func (r *runner) outPath(rel string) string {
	return filepath.Join(r.out, filepath.FromSlash(rel))
}

func (r *runner) outPaths(rels []string) []string {
	var out []string
	for _, rel := range rels {
		out = append(out, r.outPath(rel))
	}
	return out
}

// sidecarRel is where the sidecar of the image rel goes, relative to the
// output folder.
func (r *runner) sidecarRel(rel string) string { return rel + SidecarSuffix }

func (r *runner) writeSidecar(rel string, rec Record) error {
	p := r.outPath(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return writeSidecar(p, rec)
}

// ownFiles are the files of the output folder that runs write: the
// manifest, the index, every output the manifest names (absolute paths).
// Walking leaves them out.
func (r *runner) ownFiles() map[string]bool {
	own := map[string]bool{}
	for _, name := range []string{ManifestName, IndexJSONL, IndexCSV} {
		own[filepath.Join(r.absOut, name)] = true
	}
	for _, rec := range r.m.all() {
		for _, o := range rec.Outputs {
			own[filepath.Join(r.absOut, filepath.FromSlash(o))] = true
		}
	}
	return own
}

// removeTemps removes the temporary files of own files that a killed run
// left behind (atomicfile names them .NAME.tmp-DIGITS beside NAME).
func (r *runner) removeTemps(own map[string]bool) {
	dirs := map[string]bool{}
	for p := range own {
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if target, ok := tempTarget(e.Name()); ok && own[filepath.Join(d, target)] && e.Type().IsRegular() {
				os.Remove(filepath.Join(d, e.Name()))
			}
		}
	}
}

// tempTarget returns NAME for a temporary file name .NAME.tmp-DIGITS.
func tempTarget(name string) (string, bool) {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 2 {
		return "", false
	}
	if _, err := strconv.ParseUint(name[i+len(".tmp-"):], 10, 64); err != nil {
		return "", false
	}
	return name[1:i], true
}

// oneLine folds the line breaks of an error message into spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
