package caption

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"captioner/media"
	"captioner/models"
	"captioner/vision"
	"captioner/world"
)

// layouts writes the same generated images and captions in each dataset
// layout the readers know: COCO, Flickr8k and Karpathy's splits.
func layouts(t *testing.T, root string, n int) map[string]string {
	t.Helper()
	src := filepath.Join(root, "shapes")
	if err := world.GenerateImages(context.Background(), world.ImageOptions{N: n, Seed: 41, Out: src}); err != nil {
		t.Fatal(err)
	}
	d, err := ReadShapes(src)
	if err != nil {
		t.Fatal(err)
	}
	copyTo := func(from, to string) {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(to), 0o755)
		if err := os.WriteFile(to, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	split := func(i int) string {
		if i < n*8/10 {
			return "train"
		}
		return "val"
	}
	// COCO: one annotations file per split, images in <split>2014/.
	coco := filepath.Join(root, "coco")
	type img struct {
		ID   int    `json:"id"`
		File string `json:"file_name"`
	}
	type ann struct {
		ImageID int    `json:"image_id"`
		ID      int    `json:"id"`
		Caption string `json:"caption"`
	}
	docs := map[string]*struct {
		Images      []img `json:"images"`
		Annotations []ann `json:"annotations"`
	}{}
	// Flickr: a token file, split files, images in Flicker8k_Dataset/.
	flickr := filepath.Join(root, "flickr8k")
	var tokens strings.Builder
	lists := map[string]*strings.Builder{"train": {}, "val": {}}
	// Karpathy: dataset_coco.json with images below the root.
	karpathy := filepath.Join(root, "karpathy")
	type sent struct {
		Raw string `json:"raw"`
	}
	type kimg struct {
		FilePath  string `json:"filepath"`
		FileName  string `json:"filename"`
		Split     string `json:"split"`
		Sentences []sent `json:"sentences"`
	}
	var kimgs []kimg
	for i, e := range d.Examples {
		s := split(i)
		name := fmt.Sprintf("COCO_%s2014_%012d.png", s, i)
		copyTo(e.Image, filepath.Join(coco, s+"2014", name))
		if docs[s] == nil {
			docs[s] = &struct {
				Images      []img `json:"images"`
				Annotations []ann `json:"annotations"`
			}{}
		}
		docs[s].Images = append(docs[s].Images, img{ID: i, File: name})
		docs[s].Annotations = append(docs[s].Annotations, ann{ImageID: i, ID: 1000 + i, Caption: strings.ToUpper(e.Captions[0][:1]) + e.Captions[0][1:] + "."})

		fname := fmt.Sprintf("%d_%x.jpg.png", 1000+i, i*7919)
		copyTo(e.Image, filepath.Join(flickr, "Flicker8k_Dataset", fname))
		fmt.Fprintf(&tokens, "%s#0\t%s .\n", fname, e.Captions[0])
		fmt.Fprintln(lists[s], fname)

		copyTo(e.Image, filepath.Join(karpathy, s+"2014", name))
		kimgs = append(kimgs, kimg{FilePath: s + "2014", FileName: name, Split: s, Sentences: []sent{{Raw: e.Captions[0]}}})
	}
	for s, doc := range docs {
		data, _ := json.Marshal(doc)
		copyBytes(t, filepath.Join(coco, "annotations", "captions_"+s+"2014.json"), data)
	}
	copyBytes(t, filepath.Join(flickr, "Flickr8k.token.txt"), []byte(tokens.String()))
	copyBytes(t, filepath.Join(flickr, "Flickr_8k.trainImages.txt"), []byte(lists["train"].String()))
	copyBytes(t, filepath.Join(flickr, "Flickr_8k.devImages.txt"), []byte(lists["val"].String()))
	data, _ := json.Marshal(map[string]any{"images": kimgs, "dataset": "coco"})
	copyBytes(t, filepath.Join(karpathy, "dataset_coco.json"), data)
	return map[string]string{"shapes": src, "coco": coco, "flickr": flickr, "karpathy": karpathy}
}

func copyBytes(t *testing.T, path string, data []byte) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Training and evaluation run on every dataset layout, with real images.
func TestTrainOnEveryLayout(t *testing.T) {
	root := t.TempDir()
	ex, err := vision.NewDefault(vision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	src := &FeatureSource{Extractor: ex, Load: media.ImageOptions{Width: 224, Height: 224}}
	for format, dir := range layouts(t, root, 40) {
		d, err := Open(dir)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if d.Format != format || len(d.Examples) != 40 {
			t.Fatalf("%s: read as %q with %d images", format, d.Format, len(d.Examples))
		}
		if s := d.EvalSplit(); s != AllSplits {
			t.Errorf("%s: train and val only, eval split %q, want all", format, s)
		}
		out := filepath.Join(root, "model-"+format)
		cond, inject := "state", 0
		switch format {
		case "shapes":
			cond = "mlp" // with the default encoder width
		case "coco":
			inject = 8 // the image's code read at every step too
		}
		res, err := Train(context.Background(), TrainOptions{
			Data: d, Features: src, Out: out, Base: models.Default(), BaseName: "embedded",
			Seed: 1, Epochs: 2, Batch: 16, Config: Config{Embed: 16, Hidden: 32, MaxLen: 20, Condition: cond, Inject: inject},
		})
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		wantTrain, wantVal := 32, 8
		if format == "shapes" {
			wantTrain, wantVal = 36, 4 // no split: the last tenth validates
		}
		if got := res.Report.Images; got != wantVal {
			t.Errorf("%s: validated on %d images, want %d", format, got, wantVal)
		}
		m, entry, err := LoadBundle(os.DirFS(out), out)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if got := entry.Training["training_images"]; got != float64(wantTrain) {
			t.Errorf("%s: trained on %v images, want %d", format, got, wantTrain)
		}
		// Tokenisation makes the vocabulary the same whatever the casing
		// and punctuation of the layout's captions.
		if m.Vocab.ID("circle") == Unk && m.Vocab.ID("square") == Unk {
			t.Errorf("%s: vocabulary lacks the shapes: %d words", format, m.Vocab.Len())
		}
		// The layers that set the initial state are trained, not left as
		// initialised (Train draws the model from PCG(seed, 1)).
		if m.Config.Condition != cond || (cond == "mlp") != (m.Config.Encoder == 512) {
			t.Errorf("%s: trained %+v", format, m.Config)
		}
		init, err := NewModel(m.Config, m.Vocab, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		before := map[string][]float32{}
		for _, p := range init.Params() {
			before[p.Name] = p.W
		}
		for _, p := range m.Params() {
			if !strings.HasPrefix(p.Name, "feat.") && slices.Equal(p.W, before[p.Name]) { // feat.* is the unused input projection
				t.Errorf("%s: %s left untrained", format, p.Name)
			}
		}
	}
}
