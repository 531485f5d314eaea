package caption

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"captioner/world"
)

// Example is one image with its reference captions.
type Example struct {
	Image    string   // path of the image file
	Captions []string // the reference captions, as written
	Split    string   // "train", "val", "test", "restval", or "" when the dataset has no split
	// Slices name the slices of an evaluation the image belongs to, each
	// "kind=value" (Shapes-world images: "aspect=16:9", "size=401-960",
	// "noise=channel", "format=jpg"); Evaluate scores each slice apart.
	Slices []string
}

// Dataset is a set of captioned images read from one of the layouts below.
type Dataset struct {
	Format   string // "shapes", "coco", "flickr" or "karpathy"
	Examples []Example
	// Source describes where the data came from, when the folder says so
	// (the synth.json that `captioner synth` writes); it goes into a trained
	// model's manifest.
	Source map[string]any
}

// Split returns the examples of one split ("" and "all" return all).
func (d *Dataset) Split(name string) []Example {
	if name == "" || name == AllSplits {
		return d.Examples
	}
	var out []Example
	for _, e := range d.Examples {
		if e.Split == name {
			out = append(out, e)
		}
	}
	return out
}

// AllSplits names the whole of a dataset, whatever its splits.
const AllSplits = "all"

// EvalSplit is the split a model is scored on by default: "test" when the
// dataset has one (COCO/Karpathy/Flickr test lists, the test part of a
// generated set), else AllSplits. Scoring a model on the images it was
// trained on flatters it.
func (d *Dataset) EvalSplit() string {
	for _, e := range d.Examples {
		if e.Split == "test" {
			return "test"
		}
	}
	return AllSplits
}

// Open reads the dataset in dir, recognising its layout:
//
//	shapes:   DIR/captions.jsonl, as `captioner synth images` writes it
//	karpathy: DIR/dataset_*.json (Karpathy's splits), images under DIR/<filepath>/<filename>
//	coco:     DIR/annotations/captions_<split>2014.json (or captions_*.json), images under DIR/<split>2014/
//	flickr:   DIR/Flickr8k.token.txt or DIR/results_20130124.token (Flickr30k), split files
//	          Flickr_8k.{train,dev,test}Images.txt where present, images under DIR/Flicker8k_Dataset,
//	          DIR/flickr30k-images, DIR/Images or DIR
//	parts:    DIR/train, DIR/val, DIR/test, each a dataset of the layouts above (a generated set:
//	          `captioner synth images --out DIR/train`, then `--out DIR/test` with another seed);
//	          each part's examples get the part's name as their split
func Open(dir string) (*Dataset, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("caption: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("caption: %s: not a folder", dir)
	}
	if exists(filepath.Join(dir, "captions.jsonl")) {
		return ReadShapes(dir)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "dataset_*.json")); len(m) > 0 {
		return ReadKarpathy(m[0], dir)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "annotations", "captions_*.json")); len(m) > 0 {
		d := &Dataset{Format: "coco"}
		for _, f := range m {
			split := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "captions_"), ".json")
			part, err := ReadCOCO(f, filepath.Join(dir, split))
			if err != nil {
				return nil, err
			}
			d.Examples = append(d.Examples, part.Examples...)
		}
		return d, nil
	}
	for _, token := range []string{"Flickr8k.token.txt", "results_20130124.token"} {
		tf := filepath.Join(dir, token)
		if !exists(tf) {
			continue
		}
		images := dir
		for _, sub := range []string{"Flicker8k_Dataset", "Flickr8k_Dataset", "flickr30k-images", "Images"} {
			if exists(filepath.Join(dir, sub)) {
				images = filepath.Join(dir, sub)
				break
			}
		}
		splits := map[string]string{}
		for split, name := range map[string]string{"train": "Flickr_8k.trainImages.txt", "val": "Flickr_8k.devImages.txt", "test": "Flickr_8k.testImages.txt"} {
			if p := filepath.Join(dir, name); exists(p) {
				splits[split] = p
			}
		}
		return ReadFlickr(tf, images, splits)
	}
	if d, err := openParts(dir); d != nil || err != nil {
		return d, err
	}
	return nil, fmt.Errorf("caption: %s: no dataset found (want captions.jsonl, dataset_*.json, annotations/captions_*.json, Flickr8k.token.txt, or train/ and test/ folders holding them)", dir)
}

// openParts reads a dataset made of parts in subfolders train, val and
// test (nil when dir has none).
func openParts(dir string) (*Dataset, error) {
	var d *Dataset
	for _, part := range []string{"train", "val", "test"} {
		sub := filepath.Join(dir, part)
		if st, err := os.Stat(sub); err != nil || !st.IsDir() {
			continue
		}
		p, err := Open(sub)
		if err != nil {
			return nil, err
		}
		if d == nil {
			d = &Dataset{Format: p.Format, Source: p.Source}
		}
		for _, e := range p.Examples {
			e.Split = part
			d.Examples = append(d.Examples, e)
		}
	}
	return d, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ReadShapes reads a folder written by `captioner synth images`.
func ReadShapes(dir string) (*Dataset, error) {
	path := filepath.Join(dir, "captions.jsonl")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("caption: %w", err)
	}
	defer f.Close()
	recs, err := world.ReadImageRecords(f)
	if err != nil {
		return nil, fmt.Errorf("caption: %s: %w", path, err)
	}
	d := &Dataset{Format: "shapes"}
	var info world.SynthInfo
	if data, err := os.ReadFile(filepath.Join(dir, "synth.json")); err == nil {
		json.Unmarshal(data, &d.Source) // description only: a bad one is left out
		json.Unmarshal(data, &info)
	}
	for _, r := range recs {
		d.Examples = append(d.Examples, Example{Image: filepath.Join(dir, r.File), Captions: []string{r.Caption}, Slices: shapesSlices(r, info)})
	}
	return d, nil
}

// shapesSlices names the slices a generated image belongs to: its aspect
// ratio, size class, noise kind and file format (world.AspectOf, SizeOf).
// Without its own size in the record, synth.json's holds.
func shapesSlices(r world.ImageRecord, info world.SynthInfo) []string {
	w, h := r.Width, r.Height
	if w == 0 || h == 0 {
		w, h = info.Width, info.Height
	}
	var out []string
	if w > 0 && h > 0 {
		out = append(out, "aspect="+world.AspectOf(w, h), "size="+world.SizeOf(w, h))
	}
	out = append(out, "noise="+r.Background.NoiseKind())
	if ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(r.File)), "."); ext != "" {
		if ext == "jpeg" {
			ext = "jpg"
		}
		out = append(out, "format="+ext)
	}
	return out
}

// ReadCOCO reads a COCO captions file (captions_train2014.json layout:
// "images" with id and file_name, "annotations" with image_id and caption),
// with the images in imageDir. The split is taken from the file name
// (captions_val2014.json gives "val").
func ReadCOCO(path, imageDir string) (*Dataset, error) {
	var doc struct {
		Images []struct {
			ID       *int64 `json:"id"`
			FileName string `json:"file_name"`
		} `json:"images"`
		Annotations []struct {
			ImageID *int64 `json:"image_id"`
			Caption string `json:"caption"`
		} `json:"annotations"`
	}
	if err := readJSON(path, &doc); err != nil {
		return nil, err
	}
	split := ""
	for _, s := range []string{"train", "val", "test"} {
		if strings.Contains(filepath.Base(path), "_"+s) {
			split = s
		}
	}
	byID := map[int64]int{}
	d := &Dataset{Format: "coco"}
	for i, im := range doc.Images {
		if im.ID == nil || im.FileName == "" {
			return nil, fmt.Errorf("caption: %s: image %d has no id or file_name", path, i)
		}
		if _, dup := byID[*im.ID]; dup {
			return nil, fmt.Errorf("caption: %s: image id %d appears twice", path, *im.ID)
		}
		byID[*im.ID] = len(d.Examples)
		d.Examples = append(d.Examples, Example{Image: filepath.Join(imageDir, im.FileName), Split: split})
	}
	for i, a := range doc.Annotations {
		if a.ImageID == nil {
			return nil, fmt.Errorf("caption: %s: annotation %d has no image_id", path, i)
		}
		k, ok := byID[*a.ImageID]
		if !ok {
			return nil, fmt.Errorf("caption: %s: annotation %d refers to image %d, which is not listed", path, i, *a.ImageID)
		}
		d.Examples[k].Captions = append(d.Examples[k].Captions, a.Caption)
	}
	d.Examples = slices.DeleteFunc(d.Examples, func(e Example) bool { return len(e.Captions) == 0 })
	return d, nil
}

// ReadKarpathy reads Karpathy's split file (dataset_coco.json,
// dataset_flickr8k.json, dataset_flickr30k.json: "images" with filepath,
// filename, split and sentences with raw text), with image paths relative to
// root.
func ReadKarpathy(path, root string) (*Dataset, error) {
	var doc struct {
		Images []struct {
			FilePath  string `json:"filepath"`
			FileName  string `json:"filename"`
			Split     string `json:"split"`
			Sentences []struct {
				Raw    string   `json:"raw"`
				Tokens []string `json:"tokens"`
			} `json:"sentences"`
		} `json:"images"`
	}
	if err := readJSON(path, &doc); err != nil {
		return nil, err
	}
	d := &Dataset{Format: "karpathy"}
	for i, im := range doc.Images {
		if im.FileName == "" {
			return nil, fmt.Errorf("caption: %s: image %d has no filename", path, i)
		}
		e := Example{Image: filepath.Join(root, im.FilePath, im.FileName), Split: im.Split}
		for _, s := range im.Sentences {
			text := s.Raw
			if text == "" {
				text = strings.Join(s.Tokens, " ")
			}
			e.Captions = append(e.Captions, text)
		}
		if len(e.Captions) > 0 {
			d.Examples = append(d.Examples, e)
		}
	}
	return d, nil
}

// ReadFlickr reads a Flickr8k/Flickr30k token file (lines
// "IMAGE.jpg#N<TAB>caption") with the images in imageDir; splits maps a
// split name to a file listing that split's images, one a line. Images in no
// split file get "" when splits is empty and are dropped otherwise.
func ReadFlickr(tokenFile, imageDir string, splits map[string]string) (*Dataset, error) {
	splitOf := map[string]string{}
	for split, file := range splits {
		lines, err := readLines(file)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			splitOf[l] = split
		}
	}
	lines, err := readLines(tokenFile)
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	d := &Dataset{Format: "flickr"}
	for n, l := range lines {
		key, text, ok := strings.Cut(l, "\t")
		name, _, hasNum := strings.Cut(key, "#")
		if !ok || !hasNum || name == "" {
			return nil, fmt.Errorf("caption: %s: line %d: want IMAGE#N<TAB>caption, got %q", tokenFile, n+1, truncate(l, 60))
		}
		split, listed := splitOf[name]
		if len(splits) > 0 && !listed {
			continue
		}
		k, seen := index[name]
		if !seen {
			k = len(d.Examples)
			index[name] = k
			d.Examples = append(d.Examples, Example{Image: filepath.Join(imageDir, name), Split: split})
		}
		d.Examples[k].Captions = append(d.Examples[k].Captions, strings.TrimSpace(text))
	}
	return d, nil
}

// MissingImages lists the examples whose image file is not there (at most
// limit of them), so that a training run can refuse a broken dataset early.
func (d *Dataset) MissingImages(limit int) []string {
	var missing []string
	for _, e := range d.Examples {
		if _, err := os.Stat(e.Image); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, e.Image)
			if len(missing) == limit {
				break
			}
		}
	}
	return missing
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("caption: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("caption: %s: %w", path, err)
	}
	return nil
}

// readLines returns the non-empty lines of a text file, without their ends.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("caption: %w", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("caption: %s: %w", path, err)
	}
	return lines, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
