package engine

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

// Detector input sizes of the embedded detector, chosen by measurement
// (vision/BENCHMARKS.md): images at 512x512, video frames at 416x416.
const (
	DefaultImageSize = 512
	DefaultVideoSize = 416
)

// Bundle is a model bundle: the embedded default, or a folder.
type Bundle struct {
	FS   fs.FS
	Name string // "embedded default", or the folder
	Dir  string // the folder; "" for the embedded default
	Spec vision.Spec
}

// OpenBundle opens the bundle in dir, or the embedded default when dir is "".
func OpenBundle(dir string) (*Bundle, error) {
	if dir == "" {
		spec, err := vision.DefaultSpec()
		if err != nil {
			return nil, err
		}
		return &Bundle{FS: models.Default(), Name: "embedded default", Spec: spec}, nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("engine: model bundle: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("engine: model bundle %s: not a folder", dir)
	}
	spec, err := vision.OpenSpec(dir)
	if err != nil {
		return nil, err
	}
	return &Bundle{FS: os.DirFS(dir), Name: dir, Dir: dir, Spec: spec}, nil
}

// DetectorSpec returns the bundle's object detector.
func (b *Bundle) DetectorSpec() (vision.Spec, error) {
	if b.Dir == "" {
		return vision.DefaultDetectorSpec()
	}
	return vision.OpenDetectorSpec(b.Dir)
}

// PhotoCaptioner returns what captions a photo in the objects domain from
// its detections, the detector input size and the lowest score it reads:
// the bundle's objects captioner, or, in a bundle with a detector but
// none, the detector's findings said in the domain's grammar.
func (b *Bundle) PhotoCaptioner() (pc PhotoCaptioner, size int, floor float64, err error) {
	c, err := objcaption.Load(b.FS, b.Name, objcaption.DefaultOptions())
	switch {
	case err == nil:
		return modelCaptioner{c}, c.InputSize(), c.Featurizer().Floor(), nil
	case errors.Is(err, caption.ErrNoCaptioner):
		return grammarCaptioner{minScore: vision.DefaultMinScore}, DefaultImageSize, vision.DefaultMinScore, nil
	}
	return nil, 0, 0, err
}

// Captioner loads the bundle's caption model.
func (b *Bundle) Captioner() (*caption.Model, *caption.Entry, error) {
	return caption.LoadBundle(b.FS, b.Name)
}

// ImageOptions is how images are decoded for the bundle's CNN.
func (b *Bundle) ImageOptions() (media.ImageOptions, error) {
	in := b.Spec.Input
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

// Fingerprint identifies the CNN, its preprocessing and the outputs that
// ex (an extractor of the bundle's CNN) puts in its vectors, for the
// feature cache.
func (b *Bundle) Fingerprint(ex *vision.Extractor) (string, error) {
	h := sha256.New()
	model, config := b.Spec.ModelData, b.Spec.ConfigData
	var err error
	if model == nil {
		if model, err = os.ReadFile(b.Spec.Model); err != nil {
			return "", fmt.Errorf("engine: model spec: %w", err)
		}
	}
	if config == nil && b.Spec.Config != "" {
		if config, err = os.ReadFile(b.Spec.Config); err != nil {
			return "", fmt.Errorf("engine: model spec: %w", err)
		}
	}
	h.Write(model)
	h.Write(config)
	pre, _ := json.Marshal(struct {
		In  vision.InputSpec
		Out []vision.OutputSpec
	}{b.Spec.Input, ex.Spec().Outputs})
	h.Write(pre)
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// FeatureCache opens the feature cache for the vectors of ex under dir
// ("" is the user's cache folder; "off" disables caching).
func (b *Bundle) FeatureCache(dir string, ex *vision.Extractor) (*featcache.Cache, error) {
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
	fp, err := b.Fingerprint(ex)
	if err != nil {
		return nil, err
	}
	return featcache.Open(dir, fp, ex.Dim())
}

// CNN sets up the bundle's CNN: the extractor (to be closed by the
// caller), how frames are sized for it, and the feature cache under
// cacheDir (see FeatureCache).
func (b *Bundle) CNN(cacheDir string, opts vision.Options) (*vision.Extractor, media.ImageOptions, *featcache.Cache, error) {
	load, err := b.ImageOptions()
	if err != nil {
		return nil, load, nil, err
	}
	ex, err := vision.New(b.Spec, opts)
	if err != nil {
		return nil, load, nil, err
	}
	cache, err := b.FeatureCache(cacheDir, ex)
	if err != nil {
		ex.Close()
		return nil, load, nil, err
	}
	return ex, load, cache, nil
}

// FeatureSource sets up the bundle's CNN for images (see CNN).
func (b *Bundle) FeatureSource(cacheDir string, opts vision.Options) (*caption.FeatureSource, *vision.Extractor, error) {
	ex, load, cache, err := b.CNN(cacheDir, opts)
	if err != nil {
		return nil, nil, err
	}
	return &caption.FeatureSource{Extractor: ex, Cache: cache, Load: load}, ex, nil
}

// Labeller loads the bundle's subtitle labeller.
func (b *Bundle) Labeller() (*subtitle.Model, *subtitle.Entry, error) {
	return subtitle.LoadBundle(b.FS, b.Name)
}

// Sampler sets up the bundle's CNN for videos sampled at fps (see CNN),
// with the layout of its spatial outputs for the labeller.
func (b *Bundle) Sampler(cacheDir string, fps float64, opts vision.Options) (*subtitle.Sampler, *vision.Extractor, error) {
	ex, load, cache, err := b.CNN(cacheDir, opts)
	if err != nil {
		return nil, nil, err
	}
	return samplerOf(ex, load, fps, opts.BatchSize, cache), ex, nil
}

// samplerOf is the subtitle sampler over ex, with the layout of its
// spatial outputs for the labeller.
func samplerOf(ex *vision.Extractor, load media.ImageOptions, fps float64, batch int, cache *featcache.Cache) *subtitle.Sampler {
	var grids []subtitle.Grid
	for _, g := range ex.Grids() {
		grids = append(grids, subtitle.Grid{Offset: g.Offset, Channels: g.Channels, Side: g.Side})
	}
	return &subtitle.Sampler{Extractor: ex, FPS: fps, Width: load.Width, Height: load.Height, Fit: load.Fit, Batch: batch, Cache: cache, Grids: grids}
}
