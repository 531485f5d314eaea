package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"captioner/caption"
	"captioner/internal/featcache"
	"captioner/media"
	"captioner/models"
	"captioner/objects/objcaption"
	"captioner/subtitle"
	"captioner/vision"
)

// bundle is a model bundle: the embedded default, or a folder given with --model.
type bundle struct {
	fsys fs.FS
	name string
	dir  string // the folder given with --model; "" for the embedded default
	spec vision.Spec
}

func openBundle(dir string) (*bundle, error) {
	if dir == "" {
		spec, err := vision.DefaultSpec()
		if err != nil {
			return nil, err
		}
		return &bundle{fsys: models.Default(), name: "embedded default", spec: spec}, nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("model bundle: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model bundle %s: not a folder", dir)
	}
	spec, err := vision.OpenSpec(dir)
	if err != nil {
		return nil, err
	}
	return &bundle{fsys: os.DirFS(dir), name: dir, dir: dir, spec: spec}, nil
}

// detectorSpec returns the bundle's object detector.
func (b *bundle) detectorSpec() (vision.Spec, error) {
	if b.dir == "" {
		return vision.DefaultDetectorSpec()
	}
	return vision.OpenDetectorSpec(b.dir)
}

// photoCaptioner returns what captions a photo in the objects domain from
// its detections, the detector input size and the lowest score it reads:
// the bundle's objects captioner, or, in a bundle with a detector but
// none, the detector's findings said in the domain's grammar.
func (b *bundle) photoCaptioner() (pc photoCaptioner, size int, floor float64, err error) {
	c, err := objcaption.Load(b.fsys, b.name, objcaption.DefaultOptions())
	switch {
	case err == nil:
		return modelCaptioner{c}, c.InputSize(), c.Featurizer().Floor(), nil
	case errors.Is(err, caption.ErrNoCaptioner):
		return grammarCaptioner{minScore: vision.DefaultMinScore}, defaultImageSize, vision.DefaultMinScore, nil
	}
	return nil, 0, 0, err
}

// captioner loads the bundle's caption model.
func (b *bundle) captioner() (*caption.Model, *caption.Entry, error) {
	return caption.LoadBundle(b.fsys, b.name)
}

// imageOptions is how images are decoded for the bundle's CNN.
func (b *bundle) imageOptions() (media.ImageOptions, error) {
	in := b.spec.Input
	fit := media.Stretch
	if in.Fit != "" && in.Fit != "stretch" {
		f, err := media.ParseFit(in.Fit)
		if err != nil {
			return media.ImageOptions{}, err
		}
		fit = f
	}
	return media.ImageOptions{Width: in.Width, Height: in.Height, Fit: fit}, nil
}

// fingerprint identifies the CNN, its preprocessing and the outputs that
// ex (an extractor of the bundle's CNN) puts in its vectors, for the
// feature cache.
func (b *bundle) fingerprint(ex *vision.Extractor) (string, error) {
	h := sha256.New()
	model, config := b.spec.ModelData, b.spec.ConfigData
	var err error
	if model == nil {
		if model, err = os.ReadFile(b.spec.Model); err != nil {
			return "", fmt.Errorf("model spec: %w", err)
		}
	}
	if config == nil && b.spec.Config != "" {
		if config, err = os.ReadFile(b.spec.Config); err != nil {
			return "", fmt.Errorf("model spec: %w", err)
		}
	}
	h.Write(model)
	h.Write(config)
	pre, _ := json.Marshal(struct {
		In  vision.InputSpec
		Out []vision.OutputSpec
	}{b.spec.Input, ex.Spec().Outputs})
	h.Write(pre)
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// featureCache opens the feature cache for the vectors of ex under dir
// ("" is the user's cache folder; "off" disables caching).
func (b *bundle) featureCache(dir string, ex *vision.Extractor) (*featcache.Cache, error) {
	if dir == "off" {
		return nil, nil
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, nil // no home: work without a cache
		}
		dir = filepath.Join(base, "captioner", "features")
	}
	fp, err := b.fingerprint(ex)
	if err != nil {
		return nil, err
	}
	return featcache.Open(dir, fp, ex.Dim())
}

// cnn sets up the bundle's CNN: the extractor (to be closed by the
// caller), how frames are sized for it, and the feature cache under
// cacheDir (see featureCache).
func (b *bundle) cnn(cacheDir string, opts vision.Options) (*vision.Extractor, media.ImageOptions, *featcache.Cache, error) {
	load, err := b.imageOptions()
	if err != nil {
		return nil, load, nil, err
	}
	ex, err := vision.New(b.spec, opts)
	if err != nil {
		return nil, load, nil, err
	}
	cache, err := b.featureCache(cacheDir, ex)
	if err != nil {
		ex.Close()
		return nil, load, nil, err
	}
	return ex, load, cache, nil
}

// featureSource sets up the bundle's CNN for images (see cnn).
func (b *bundle) featureSource(cacheDir string, opts vision.Options) (*caption.FeatureSource, *vision.Extractor, error) {
	ex, load, cache, err := b.cnn(cacheDir, opts)
	if err != nil {
		return nil, nil, err
	}
	return &caption.FeatureSource{Extractor: ex, Cache: cache, Load: load}, ex, nil
}

// labeller loads the bundle's subtitle labeller.
func (b *bundle) labeller() (*subtitle.Model, *subtitle.Entry, error) {
	return subtitle.LoadBundle(b.fsys, b.name)
}

// sampler sets up the bundle's CNN for videos sampled at fps (see cnn),
// with the layout of its spatial outputs for the labeller.
func (b *bundle) sampler(cacheDir string, fps float64, opts vision.Options) (*subtitle.Sampler, *vision.Extractor, error) {
	ex, load, cache, err := b.cnn(cacheDir, opts)
	if err != nil {
		return nil, nil, err
	}
	var grids []subtitle.Grid
	for _, g := range ex.Grids() {
		grids = append(grids, subtitle.Grid{Offset: g.Offset, Channels: g.Channels, Side: g.Side})
	}
	return &subtitle.Sampler{Extractor: ex, FPS: fps, Width: load.Width, Height: load.Height, Fit: load.Fit, Batch: opts.BatchSize, Cache: cache, Grids: grids}, ex, nil
}
