package batch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"captioner/caption"
	"captioner/models"
	"captioner/subtitle"
)

// companions are the model parts that answer beside a part: a photo unlike
// the Shapes world is captioned from the detector's findings by the objects
// captioner, a video by the objects labeller.
func companions(part string) []string {
	switch part {
	case "caption":
		return []string{"detector", "objects_caption"}
	case "subtitle":
		return []string{"detector", "objects_subtitle"}
	}
	return nil
}

// ModelChecksum identifies what in the model bundle fsys answers for part
// ("caption" for images, "subtitle" for videos, with their companions, the
// parts that answer files of the objects domain): two bundles with the same
// checksum give the same answers. It is the sha256 of the bundle's manifest
// less what cannot change the answers: the other model parts and their
// weight files, the version label, and the part's training record, scores
// and speed. So adding a labeller to a bundle, or recording a captioner's
// scores, does not make a batch caption its images again; a new CNN, new
// weights or a new threshold do. It also returns the bundle's version label ("" if none).
func ModelChecksum(fsys fs.FS, part string) (sum, version string, err error) {
	man, err := models.ReadManifest(fsys)
	if err != nil {
		return "", "", fmt.Errorf("batch: model bundle: %w", err)
	}
	if _, err := man.Get("version", &version); err != nil {
		return "", "", fmt.Errorf("batch: model bundle: %w", err)
	}
	files, err := man.Files()
	if err != nil {
		return "", "", fmt.Errorf("batch: model bundle: %w", err)
	}
	answers := append([]string{part}, companions(part)...)
	keep := map[string]any{}
	for key, raw := range man {
		switch key {
		case "version", "files":
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", "", fmt.Errorf("batch: model bundle: manifest.json: %s: %w", key, err)
		}
		obj, _ := v.(map[string]any)
		mine := slices.Contains(answers, key)
		if w, ok := obj["weights"].(string); ok && !mine {
			delete(files, w) // another model's part
			continue
		}
		if mine {
			for _, record := range []string{"training", "scores", "speed"} {
				delete(obj, record) // how it was trained and measured, not how it answers
			}
		}
		keep[key] = v
	}
	if _, ok := keep[part]; !ok {
		keep[part] = nil // a bundle without the part: loading it will say so
	}
	keep["files"] = files
	canon, err := json.Marshal(keep) // map keys sorted: a canonical form
	if err != nil {
		return "", "", fmt.Errorf("batch: model bundle: %w", err)
	}
	h := sha256.Sum256(canon)
	return hex.EncodeToString(h[:]), version, nil
}

// ImageCaptioner captions image files. Caption returns a caption for each
// path; a file that cannot be read gets its error in errs and the others go
// on; err stops the whole call (ctx, the CNN).
type ImageCaptioner interface {
	Caption(ctx context.Context, paths []string) (caps []Caption, errs []error, err error)
}

// VideoLabeller labels a video, telling progress (if not nil) how far it
// has got; *subtitle.Labeller is one.
type VideoLabeller interface {
	LabelProgress(ctx context.Context, path string, progress subtitle.Progress) (*subtitle.Track, error)
}

var (
	_ VideoLabeller  = (*subtitle.Labeller)(nil)
	_ VideoLabeller  = (*Labellers)(nil)
	_ ImageCaptioner = (*Captioner)(nil)
)

// Labellers is a VideoLabeller that labels as many videos at once as it
// has labellers: a subtitle.Model serves one video at a time (its layers
// keep their buffers), so each concurrent video needs its own. The
// labellers may share one sampler and CNN.
type Labellers struct {
	free chan VideoLabeller
}

// NewLabellers pools ls.
func NewLabellers(ls ...VideoLabeller) *Labellers {
	p := &Labellers{free: make(chan VideoLabeller, len(ls))}
	for _, l := range ls {
		p.free <- l
	}
	return p
}

// LabelProgress labels path with the first labeller free.
func (p *Labellers) LabelProgress(ctx context.Context, path string, progress subtitle.Progress) (*subtitle.Track, error) {
	select {
	case l := <-p.free:
		defer func() { p.free <- l }()
		return l.LabelProgress(ctx, path, progress)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Captioner is the ImageCaptioner of a caption model: the images' feature
// vectors come from Source (whose CNN takes the images of one call in
// batches), each is decoded with Decode. It is safe for concurrent use:
// the feature vectors of several calls are computed concurrently, their
// decoding takes turns, since the model's layers keep their buffers (rnn:
// a layer serves one forward pass at a time), even with one caption.Decoder
// per goroutine.
type Captioner struct {
	Source *caption.FeatureSource
	Model  *caption.Model
	Entry  *caption.Entry
	Decode caption.DecodeOptions
	mu     sync.Mutex // one decoding at a time
}

// Caption captions the images at paths.
func (c *Captioner) Caption(ctx context.Context, paths []string) ([]Caption, []error, error) {
	feats, errs, err := c.Source.Images(ctx, paths, nil)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	dec, err := c.Model.NewDecoder(c.Decode)
	if err != nil {
		return nil, nil, err
	}
	caps := make([]Caption, len(paths))
	for i := range paths {
		if errs[i] != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		res, err := dec.Caption(feats[i])
		if err != nil {
			errs[i] = err
			continue
		}
		r := res[0]
		caps[i] = Caption{Text: r.Text, Score: r.Score, Novelty: r.Novelty, LowConfidence: c.Entry.Unsure(r), Domain: "shapes"}
	}
	return caps, errs, nil
}
