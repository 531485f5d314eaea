package world

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readRecords(t *testing.T, dir string) []ImageRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "captions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := ReadImageRecords(f)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestImagesAgainstWorld generates images and checks them against WORLD.md
// from their pixels: objects found by colour, their boxes, sizes, colours,
// margins, grid cells and relations.
func TestImagesAgainstWorld(t *testing.T) {
	const n = 80
	dir := t.TempDir()
	calls := 0
	err := GenerateImages(context.Background(), ImageOptions{N: n, Seed: 7, Out: dir, Progress: func(done, total int) {
		calls++
		if done != calls || total != n {
			t.Errorf("progress(%d, %d) at call %d", done, total, calls)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != n {
		t.Errorf("progress called %d times, want %d", calls, n)
	}
	var info SynthInfo
	data, err := os.ReadFile(filepath.Join(dir, "synth.json"))
	if err != nil || json.Unmarshal(data, &info) != nil {
		t.Fatalf("synth.json: %v %s", err, data)
	}
	if want := (SynthInfo{Kind: "images", Generator: Version, Seed: 7, N: n, Width: 320, Height: 240, Format: "png"}); info != want {
		t.Errorf("synth.json = %+v, want %+v", info, want)
	}
	recs := readRecords(t, dir)
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}

	var caps []string
	var scenes []Scene
	for _, rec := range recs {
		caps, scenes = append(caps, rec.Caption), append(scenes, rec.Scene)
	}
	if r, err := ScoreCaptions(caps, scenes); err != nil || r.ExactMatch != 1 || r.Attributes != 1 {
		t.Errorf("ground truth scored against itself: %+v, %v", r, err)
	}

	const w, h = 320, 240
	short := 240.0
	seen := map[string]int{}
	for i, rec := range recs {
		name := rec.File
		if want := filepath.Join("images", filepath.Base(name)); name != want || filepath.Base(name) != sprintf("%06d.png", i) {
			t.Fatalf("record %d names %q", i, name)
		}
		sc, err := ParseCaption(rec.Caption)
		if err != nil || !sc.Equal(rec.Scene) || rec.Scene.Caption() != rec.Caption {
			t.Fatalf("%s: caption %q does not parse back to its scene (%v)", name, rec.Caption, err)
		}
		pix, pw, ph := loadRGB(t, filepath.Join(dir, name))
		if pw != w || ph != h {
			t.Fatalf("%s: size %dx%d", name, pw, ph)
		}
		bg := backgroundOf(pix, w, h)
		for c := range 3 {
			if math.Abs(bg[c]-float64(rec.Background.Level)) > 2 {
				t.Errorf("%s: background %v, want level %d", name, bg, rec.Background.Level)
			}
		}
		blobs := findBlobs(pix, w, h, bg)
		if len(blobs) != len(rec.Scene.Objects) {
			t.Fatalf("%s (%q): found %d objects in the pixels, want %d", name, rec.Caption, len(blobs), len(rec.Scene.Objects))
		}
		found := make([]blob, len(blobs))
		for k, o := range rec.Scene.Objects {
			found[k] = nearestBlob(blobs, o.Centre)
			checkObject(t, name, o, found[k], w, h)
			seen[o.Shape.String()]++
			seen[o.Colour.String()]++
			seen[o.Size.String()]++
		}
		switch len(found) {
		case 1:
			c := found[0].centre()
			if got := cellOf(c, w, h); got != rec.Scene.Position {
				t.Errorf("%s: measured centre %v is in cell %v, caption says %v", name, c, got, rec.Scene.Position)
			}
			for k := 1; k <= 2; k++ {
				if math.Abs(c.X-float64(k*w)/3) < 0.02*w || math.Abs(c.Y-float64(k*h)/3) < 0.02*h {
					t.Errorf("%s: measured centre %v within 2 %% of a grid line", name, c)
				}
			}
			seen[rec.Scene.Position.String()]++
		case 2:
			a, b := found[0], found[1]
			gap := math.Max(float64(max(b.x0-a.x1, a.x0-b.x1)), float64(max(b.y0-a.y1, a.y0-b.y1)))
			if gap < 0.02*short {
				t.Errorf("%s: boxes %v and %v only %g apart", name, a, b, gap)
			}
			ca, cb := a.centre(), b.centre()
			dx, dy := cb.X-ca.X, cb.Y-ca.Y
			if math.Abs(math.Abs(dx)-math.Abs(dy)) < 0.06*short {
				t.Errorf("%s: centre vector (%g, %g) too close to diagonal", name, dx, dy)
			}
			rel, aFirst := relationOf(ca, cb)
			if rel != rec.Scene.Relation || !aFirst {
				t.Errorf("%s: measured %v with subject first %v, caption %q", name, rel, aFirst, rec.Caption)
			}
			o, p := rec.Scene.Objects[0], rec.Scene.Objects[1]
			if o.Colour == p.Colour && o.Shape == p.Shape {
				t.Errorf("%s: two %v %v", name, o.Colour, o.Shape)
			}
			seen[rec.Scene.Relation.String()]++
		}
		seen[rec.Background.Kind]++
		if rec.Background.Noise > 0 {
			seen["noise"]++
		}
		if rec.AntiAliased {
			seen["aa"]++
		}
	}
	for _, k := range []string{"circle", "square", "triangle", "star", "red", "green", "blue", "yellow", "purple", "orange",
		"small", "large", "left of", "above", "white", "black", "gray", "noise", "aa"} {
		if seen[k] == 0 {
			t.Errorf("no %q in %d images", k, n)
		}
	}
	cells := 0
	for _, p := range allPositions {
		cells += min(seen[p.String()], 1)
	}
	if cells < 7 {
		t.Errorf("only %d grid cells used in %d images", cells, n)
	}
}

func nearestBlob(blobs []blob, c Point) blob {
	best, bestD := blob{}, math.Inf(1)
	for _, b := range blobs {
		bc := b.centre()
		if d := math.Hypot(bc.X-c.X, bc.Y-c.Y); d < bestD {
			best, bestD = b, d
		}
	}
	return best
}

// checkObject compares an object of the ground truth with what the pixels show.
func checkObject(t *testing.T, name string, o Object, b blob, w, h int) {
	t.Helper()
	long, short := float64(max(w, h)), float64(min(w, h))
	const tol = 1.5 // pixels between a drawn box and its geometry
	if math.Abs(float64(b.x0)-o.Box.X0) > tol || math.Abs(float64(b.x1)-o.Box.X1) > tol ||
		math.Abs(float64(b.y0)-o.Box.Y0) > tol || math.Abs(float64(b.y1)-o.Box.Y1) > tol {
		t.Errorf("%s: %v %v measured box [%d,%d)x[%d,%d), ground truth %+v", name, o.Colour, o.Shape, b.x0, b.x1, b.y0, b.y1, o.Box)
	}
	side := float64(max(b.w(), b.h())) / short
	lo, hi := 0.10, 0.16
	if o.Size == Large {
		lo, hi = 0.26, 0.36
	}
	if side < lo || side > hi {
		t.Errorf("%s: %v %v %v measures %.3f of the shorter side", name, o.Size, o.Colour, o.Shape, side)
	}
	m := 0.02 * long
	if float64(b.x0) < m || float64(b.y0) < m || float64(b.x1) > float64(w)-m || float64(b.y1) > float64(h)-m {
		t.Errorf("%s: box [%d,%d)x[%d,%d) within %g of the border", name, b.x0, b.x1, b.y0, b.y1, m)
	}
	pal := o.Colour.RGB()
	for c := range 3 {
		if math.Abs(b.rgb[c]-float64(pal[c])) > 20 || math.Abs(b.rgb[c]-float64(o.RGB[c])) > 1 {
			t.Errorf("%s: %v object has colour %v, palette %v, drawn %v", name, o.Colour, b.rgb, pal, o.RGB)
		}
	}
	fill := map[Shape][2]float64{Square: {0.92, 1}, Circle: {0.70, 0.86}, Triangle: {0.42, 0.58}, Star: {0.25, 0.47}}[o.Shape]
	if f := b.fill(); f < fill[0] || f > fill[1] {
		t.Errorf("%s: %v fills %.3f of its box, want %v", name, o.Shape, f, fill)
	}
	switch o.Shape {
	case Triangle, Star: // pointing up: a narrow top
		if top, mid := b.rowCount(0), b.rowCount(b.h()/2); top*3 > mid {
			t.Errorf("%s: %v top row %d pixels, middle %d: not pointing up", name, o.Shape, top, mid)
		}
	case Square:
		if top := b.rowCount(0); float64(top) < 0.8*float64(b.w()) {
			t.Errorf("%s: square's top row %d of %d pixels", name, top, b.w())
		}
	}
	if o.Shape == Triangle {
		slop := 2 / float64(b.w())
		if r := float64(b.h()) / float64(b.w()); r < 0.8-slop || r > 1+slop {
			t.Errorf("%s: triangle measures %.3f of its base high", name, r)
		}
	}
	if o.Shape == Star && (o.Inner < 0.38 || o.Inner > 0.5) {
		t.Errorf("%s: star inner radius %.3f of the outer", name, o.Inner)
	}
}

func TestImagesDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	if err := GenerateImages(ctx, ImageOptions{N: 6, Seed: 3, Out: a}); err != nil {
		t.Fatal(err)
	}
	// Fewer images: the same first ones, byte for byte.
	if err := GenerateImages(ctx, ImageOptions{N: 3, Seed: 3, Out: b}); err != nil {
		t.Fatal(err)
	}
	if err := GenerateImages(ctx, ImageOptions{N: 3, Seed: 4, Out: c}); err != nil {
		t.Fatal(err)
	}
	differ := 0
	for i := range 3 {
		name := filepath.Join("images", sprintf("%06d.png", i))
		da, _ := os.ReadFile(filepath.Join(a, name))
		db, _ := os.ReadFile(filepath.Join(b, name))
		dc, _ := os.ReadFile(filepath.Join(c, name))
		if len(da) == 0 || !bytes.Equal(da, db) {
			t.Errorf("%s: same seed, different bytes", name)
		}
		if !bytes.Equal(da, dc) {
			differ++
		}
	}
	if differ != 3 {
		t.Errorf("seeds 3 and 4 share %d of 3 images", 3-differ)
	}
	ra, rb := readRecords(t, a), readRecords(t, b)
	for i := range rb {
		ja, _ := json.Marshal(ra[i])
		jb, _ := json.Marshal(rb[i])
		if !bytes.Equal(ja, jb) {
			t.Errorf("record %d differs between runs of 6 and 3:\n%s\n%s", i, ja, jb)
		}
	}
	// Images in memory are the pixels of the files.
	im, err := MakeImage(3, 1, 320, 240)
	if err != nil {
		t.Fatal(err)
	}
	pix, _, _ := loadRGB(t, filepath.Join(a, "images", "000001.png"))
	if !bytes.Equal(pix, im.Pix) || im.Caption != ra[1].Caption {
		t.Error("MakeImage differs from the written image")
	}
}

func TestImagesJPEGAndSize(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateImages(context.Background(), ImageOptions{N: 2, Seed: 1, Out: dir, Format: "jpg", Width: 200, Height: 300}); err != nil {
		t.Fatal(err)
	}
	for i, rec := range readRecords(t, dir) {
		if rec.File != sprintf("images/%06d.jpg", i) {
			t.Errorf("file %q", rec.File)
		}
		if _, w, h := loadRGB(t, filepath.Join(dir, rec.File)); w != 200 || h != 300 {
			t.Errorf("%s: %dx%d, want 200x300", rec.File, w, h)
		}
	}
}

func TestReadImageRecordsRejects(t *testing.T) {
	good := `{"file":"images/000000.png","caption":"a small red circle at the top","scene":{"objects":[{"shape":"circle","colour":"red","size":"small"}],"position":"top"}}`
	if recs, err := ReadImageRecords(strings.NewReader(good + "\n")); err != nil || len(recs) != 1 || recs[0].Scene.Position != Top {
		t.Fatalf("good record: %+v, %v", recs, err)
	}
	for _, bad := range []string{
		strings.Replace(good, "at the top", "at the bottom", 1),
		strings.Replace(good, `"circle"`, `"hexagon"`, 1),
		strings.Replace(good, "a small red", "a smallish red", 1),
		"{",
	} {
		if _, err := ReadImageRecords(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadImageRecords(%s): no error", bad)
		}
	}
}

func TestGenerateImagesErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	err := GenerateImages(ctx, ImageOptions{N: 50, Seed: 1, Out: dir})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "synth.json")); err == nil {
		t.Error("cancelled run wrote synth.json")
	}
	for _, o := range []ImageOptions{
		{N: 1, Out: ""},
		{N: -1, Out: dir},
		{N: 1, Out: dir, Format: "gif"},
		{N: 1, Out: dir, Width: 10, Height: 10},
	} {
		if err := GenerateImages(context.Background(), o); err == nil || err.Error()[:7] != "world: " {
			t.Errorf("%+v: error %v", o, err)
		}
	}
}
