package tag

import (
	"fmt"
	"io/fs"

	"captioner/caption"
	"captioner/models"
	"captioner/world"
)

// NamedConfig is the "named" input of a Shapes-world tagger: at each step,
// which colour-shape objects the bundle's captioner names in the frame
// (one value for each of the world's 24 object tags: 1 when its caption of
// the frame, decoded greedily, names such an object, else 0). The
// captioner learnt from 40,000 still images what the tagger's few
// thousand videos cannot teach it: which colour goes with which shape;
// the tagger learns to gather the frames' namings over the video, and
// what happens from the other parts.
type NamedConfig struct {
	// From is the sha256 of the captioner's weights file the tagger was
	// trained with; a bundle whose captioner differs is refused.
	From string `json:"from"`
	// Every names the objects of one step in Every (the first, then every
	// Every-th; the others' values are 0): decoding a caption costs about
	// what the CNN does. 0 is 1.
	Every int `json:"every,omitempty"`
}

// namedTags are the tags the named part has a value for.
func namedTags() []string { return world.AllTags()[:24] }

// namer names the objects of frames with a bundle's captioner.
type namer struct {
	dec  *caption.Decoder
	dim  int
	slot map[string]int
}

// newNamer loads the captioner of the bundle in fsys; sha, if not "",
// must be its weights' checksum. It returns the checksum.
func newNamer(fsys fs.FS, name, sha string) (*namer, string, error) {
	cm, ce, err := caption.LoadBundle(fsys, name)
	if err != nil {
		return nil, "", fmt.Errorf("tag: the captioner that names objects: %w", err)
	}
	man, err := models.ReadManifest(fsys)
	if err != nil {
		return nil, "", fmt.Errorf("tag: model bundle %s: %w", name, err)
	}
	files, err := man.Files()
	if err != nil {
		return nil, "", fmt.Errorf("tag: model bundle %s: %w", name, err)
	}
	got := files[ce.Weights].SHA256
	if sha != "" && got != sha {
		return nil, "", fmt.Errorf("tag: model bundle %s: the tagger was trained with the captioner whose weights have sha256 %s, the bundle's has %s", name, sha, got)
	}
	dec, err := cm.NewDecoder(caption.DecodeOptions{Beam: 1, NBest: 1, LengthAlpha: 1})
	if err != nil {
		return nil, "", fmt.Errorf("tag: %w", err)
	}
	n := &namer{dec: dec, dim: cm.Config.FeatureDim, slot: map[string]int{}}
	for i, t := range namedTags() {
		n.slot[t] = i
	}
	return n, got, nil
}

// name writes the named part of one frame's feature vector into dst (24
// values).
func (n *namer) name(dst, feat []float32) {
	clear(dst)
	res, err := n.dec.Caption(feat[:n.dim])
	if err != nil || len(res) == 0 {
		return
	}
	scene, err := world.ParseCaption(res[0].Text)
	if err != nil {
		return
	}
	for _, o := range scene.Objects {
		if i, ok := n.slot[world.ObjectTag(o.Colour, o.Shape)]; ok {
			dst[i] = 1
		}
	}
}
