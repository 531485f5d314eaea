package caption

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"captioner/world"
)

// summary renders a dataset as "split image: caption | caption" lines.
func summary(d *Dataset, root string) string {
	var b strings.Builder
	for _, e := range d.Examples {
		rel, _ := filepath.Rel(root, e.Image)
		b.WriteString(e.Split + " " + rel + ": " + strings.Join(e.Captions, " | ") + "\n")
	}
	return b.String()
}

func TestReaders(t *testing.T) {
	for _, tc := range []struct {
		name, dir, format, want string
	}{
		{"coco", "testdata/coco", "coco", "" +
			"val val2014/COCO_val2014_000000391895.jpg: A man riding a bike down a dirt road. | A person on a bicycle on a country road\n" +
			"val val2014/COCO_val2014_000000522418.jpg: A woman cutting a cake with a knife.\n"},
		{"flickr8k", "testdata/flickr8k", "flickr", "" +
			"train 1000268201_693b08cb0e.jpg: A child in a pink dress is climbing up a set of stairs in an entry way . | A girl going into a wooden building .\n" +
			"val 1001773457_577c3a7d70.jpg: A black dog and a spotted dog are fighting | Two dogs on pavement moving toward each other .\n" +
			"train 1002674143_1b742ab4b8.jpg: A little girl covered in paint sits in front of a painted rainbow .\n"},
		{"karpathy", "testdata/karpathy", "karpathy", "" +
			"test val2014/COCO_val2014_000000391895.jpg: A man with a red helmet on a small moped on a dirt road.  | Man riding a motor bike on a dirt road on the countryside.\n" +
			"train train2014/COCO_train2014_000000057870.jpg: a restaurant has modern wooden tables and chairs\n" +
			"restval val2014/COCO_val2014_000000184613.jpg: A child holding a flowered umbrella and petting a yak.\n"},
	} {
		d, err := Open(tc.dir)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d.Format != tc.format {
			t.Errorf("%s: format %q, want %q", tc.name, d.Format, tc.format)
		}
		if got := summary(d, tc.dir); got != tc.want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", tc.name, got, tc.want)
		}
	}
	d, _ := Open("testdata/flickr8k")
	if n := len(d.Split("train")); n != 2 {
		t.Errorf("flickr8k train split: %d images, want 2", n)
	}
}

func TestReadShapes(t *testing.T) {
	dir := t.TempDir()
	if err := world.GenerateImages(context.Background(), world.ImageOptions{N: 3, Seed: 9, Out: dir}); err != nil {
		t.Fatal(err)
	}
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != "shapes" || len(d.Examples) != 3 {
		t.Fatalf("format %q, %d examples", d.Format, len(d.Examples))
	}
	for i, e := range d.Examples {
		if len(e.Captions) != 1 {
			t.Fatalf("example %d: %d captions", i, len(e.Captions))
		}
		if _, err := world.ParseCaption(e.Captions[0]); err != nil {
			t.Errorf("example %d: %v", i, err)
		}
	}
	if m := d.MissingImages(10); len(m) != 0 {
		t.Errorf("missing images: %v", m)
	}
	os.Remove(d.Examples[1].Image)
	if m := d.MissingImages(10); len(m) != 1 || m[0] != d.Examples[1].Image {
		t.Errorf("after removing one: missing %v", m)
	}
}

func TestReaderErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		read func() error
		says string
	}{
		{"coco not json", func() error {
			_, err := ReadCOCO(write("c1.json", "{not json"), dir)
			return err
		}, "c1.json: invalid character"},
		{"coco unknown image", func() error {
			_, err := ReadCOCO(write("c2.json", `{"images":[{"id":1,"file_name":"a.jpg"}],"annotations":[{"image_id":2,"caption":"x"}]}`), dir)
			return err
		}, "c2.json: annotation 0 refers to image 2"},
		{"flickr bad line", func() error {
			_, err := ReadFlickr(write("f.token", "no tab here\n"), dir, nil)
			return err
		}, "f.token: line 1: want IMAGE#N<TAB>caption"},
		{"karpathy no filename", func() error {
			_, err := ReadKarpathy(write("k.json", `{"images":[{"split":"train"}]}`), dir)
			return err
		}, "k.json: image 0 has no filename"},
		{"empty folder", func() error {
			_, err := Open(t.TempDir())
			return err
		}, "no dataset found"},
		{"missing folder", func() error {
			_, err := Open(filepath.Join(dir, "nope"))
			return err
		}, "no such file or directory"},
	} {
		err := tc.read()
		if err == nil || !strings.HasPrefix(err.Error(), "caption: ") || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.says)
		}
	}
}

// A folder of parts (train/, test/, each a dataset) reads as one dataset
// whose examples carry their part as split; its test part is what eval
// scores by default, and a dataset without one is scored whole.
func TestOpenPartsAndEvalSplit(t *testing.T) {
	dir := t.TempDir()
	for part, n := range map[string]int{"train": 3, "test": 2} {
		if err := world.GenerateImages(context.Background(), world.ImageOptions{N: n, Seed: uint64(n), Width: 64, Height: 48, Out: filepath.Join(dir, part)}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != "shapes" || len(d.Examples) != 5 || len(d.Split("train")) != 3 || len(d.Split("test")) != 2 || len(d.Split(AllSplits)) != 5 {
		t.Errorf("parts: format %q, %d examples, train %d, test %d", d.Format, len(d.Examples), len(d.Split("train")), len(d.Split("test")))
	}
	if s := d.EvalSplit(); s != "test" {
		t.Errorf("parts: eval split %q, want test", s)
	}
	if tr, val := splits(d); len(tr)+len(val) != 3 {
		t.Errorf("training on parts uses %d+%d images, want the 3 of train", len(tr), len(val))
	}
	whole, err := Open(filepath.Join(dir, "train"))
	if err != nil {
		t.Fatal(err)
	}
	if s := whole.EvalSplit(); s != AllSplits {
		t.Errorf("one generated set: eval split %q, want all", s)
	}
}

// Flickr's test list is the split eval scores by default.
func TestFlickrTestListIsEvalSplit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tokens := write("Flickr8k.token.txt", "a.jpg#0\ta dog runs\nb.jpg#0\ta cat sits\nc.jpg#0\ta bird flies\n")
	d, err := ReadFlickr(tokens, dir, map[string]string{
		"train": write("train.txt", "a.jpg\nb.jpg\n"),
		"test":  write("test.txt", "c.jpg\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := d.EvalSplit(); s != "test" || len(d.Split(s)) != 1 || d.Split(s)[0].Captions[0] != "a bird flies" {
		t.Errorf("eval split %q: %+v", s, d.Split(s))
	}
}
