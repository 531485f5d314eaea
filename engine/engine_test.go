package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"captioner/internal/realmedia"
	"captioner/subtitle"
	"captioner/world"
)

// TestCaptionTask captions a Shapes-world image and a real photo with one
// task: each in its domain, with the Shapes image's canonical caption; a
// video and a text file are refused as bad input.
func TestCaptionTask(t *testing.T) {
	e := New(Options{})
	defer e.Close()
	task, err := e.CaptionTask(CaptionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	shapes := filepath.Join("..", "testdata", "shapes", "000001.png")
	res, outs, err := task.Run(ctx, Input{Path: shapes})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Caption; res.Kind != "caption" || c == nil || c.Text != "a large yellow square at the top" || c.Domain != DomainShapes || len(outs) != 0 {
		t.Errorf("shapes image: %+v %+v", res, res.Caption)
	}
	res, _, err = task.Run(ctx, Input{Path: realmedia.Path(t, "dog.jpg")})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Caption; c.Domain != DomainObjects || !strings.Contains(c.Text, "dog") {
		t.Errorf("dog.jpg: %+v, want a dog in the objects domain", c)
	}
	text := filepath.Join(t.TempDir(), "notes.png")
	os.WriteFile(text, []byte("not a picture at all\n"), 0o644)
	if _, _, err := task.Run(ctx, Input{Path: text}); err == nil || !BadInput(err) || !strings.HasPrefix(err.Error(), "media: ") {
		t.Errorf("text file: %v, want a bad-input media error", err)
	}
	other, err := e.CaptionTask(CaptionOptions{Beam: 1})
	if err != nil {
		t.Fatal(err)
	}
	same, err := e.CaptionTask(CaptionOptions{Beam: 3})
	if err != nil {
		t.Fatal(err)
	}
	if other.Fingerprint() == task.Fingerprint() || same.Fingerprint() != task.Fingerprint() || len(task.Fingerprint()) != 64 {
		t.Errorf("fingerprints: beam 3 %s, beam 1 %s, beam 3 again %s", task.Fingerprint(), other.Fingerprint(), same.Fingerprint())
	}
	if len(e.exs) != 1 {
		t.Errorf("%d CNNs for three caption tasks, want 1 shared", len(e.exs))
	}
}

// TestSubtitleTask subtitles a generated Shapes-world video: its track in
// the Shapes domain, rendered as WebVTT and SRT whose cues are the
// summary's; an image is refused as bad input.
func TestSubtitleTask(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := world.GenerateVideos(ctx, world.VideoOptions{N: 1, Seed: 7, MinDuration: 6 * time.Second, MaxDuration: 6 * time.Second, Out: dir}); err != nil {
		t.Fatal(err)
	}
	e := New(Options{})
	defer e.Close()
	task, err := e.SubtitleTask(2, SubtitleOptions{Cue: subtitle.DefaultOptions()}, []string{"vtt", "srt"}, true)
	if err != nil {
		t.Fatal(err)
	}
	var last time.Duration
	res, outs, err := task.Run(ctx, Input{Path: filepath.Join(dir, "0000.mp4"), Progress: func(done, total time.Duration) { last = done }})
	if err != nil {
		t.Fatal(err)
	}
	v := res.Video
	if v == nil || v.Domain != DomainShapes || v.Steps != 24 || len(v.Cues) == 0 || v.FPS != 4 || last < 5*time.Second {
		t.Fatalf("video: %+v (progress to %v)", v, last)
	}
	if len(outs) != 2 || outs[0].Name != "subtitles.vtt" || outs[1].Name != "subtitles.srt" {
		t.Fatalf("outputs %v", outs)
	}
	vtt := string(outs[0].Data)
	if !strings.HasPrefix(vtt, "WEBVTT") || !strings.Contains(vtt, v.Cues[0].Text) || !strings.Contains(vtt, "NOTE") {
		t.Errorf("vtt %q lacks the first cue %q or its notes", vtt, v.Cues[0].Text)
	}
	if srt := string(outs[1].Data); !strings.Contains(srt, "00:00:0") || !strings.Contains(srt, v.Cues[len(v.Cues)-1].Text) {
		t.Errorf("srt %q lacks the last cue", srt)
	}
	if _, err := world.ParseLabel(v.Cues[0].Text); err != nil {
		t.Errorf("first cue %q is not a Shapes label: %v", v.Cues[0].Text, err)
	}
	if _, _, err := task.Run(ctx, Input{Path: filepath.Join("..", "testdata", "shapes", "000000.png")}); !BadInput(err) {
		t.Errorf("image given to the subtitle task: %v, want bad input", err)
	}
}

// Pooled labellers hold the weights once: the Shapes labellers and the
// objects labellers of a pool share their parameters' memory, each with
// buffers of its own.
func TestPooledLabellersShareWeights(t *testing.T) {
	e := New(Options{})
	defer e.Close()
	pool, err := e.VideoLabellers(2, SubtitleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var vs []*VideoLabeller
	for range 2 {
		vs = append(vs, <-pool.free)
	}
	a, b := vs[0].Shapes.Model, vs[1].Shapes.Model
	if a == b || &a.Net.Params()[0].W[0] != &b.Net.Params()[0].W[0] {
		t.Fatal("the Shapes labellers do not share their weights")
	}
	for _, v := range vs {
		if err := v.Obj.load(); err != nil {
			t.Fatal(err)
		}
	}
	oa, ob := vs[0].Obj.l, vs[1].Obj.l
	if oa == nil || ob == nil {
		t.Fatal("no objects labeller in the default bundle")
	}
	if oa.Model == ob.Model || &oa.Model.Net.Params()[0].W[0] != &ob.Model.Net.Params()[0].W[0] {
		t.Fatal("the objects labellers do not share their weights")
	}
}
