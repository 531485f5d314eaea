package tag

import (
	"fmt"
	"io/fs"

	"captioner/caption"
	"captioner/models"
)

// captionCode returns the configuration of the captioner's image code of
// the bundle in fsys, and copies the captioner's standardisation and the
// layer that sets its initial hidden state into m's CodeNorm and Code
// (made by NewModel with that configuration); with m nil it only returns
// the configuration.
func captionCode(fsys fs.FS, name string, m *Model) (CodeConfig, error) {
	cm, ce, err := caption.LoadBundle(fsys, name)
	if err != nil {
		return CodeConfig{}, fmt.Errorf("tag: the captioner's image code: %w", err)
	}
	if cm.InitH == nil || cm.Encoder != nil {
		return CodeConfig{}, fmt.Errorf("tag: the captioner of %s does not set its state from the image (condition %q)", name, cm.Config.Condition)
	}
	man, err := models.ReadManifest(fsys)
	if err != nil {
		return CodeConfig{}, fmt.Errorf("tag: model bundle %s: %w", name, err)
	}
	files, err := man.Files()
	if err != nil {
		return CodeConfig{}, fmt.Errorf("tag: model bundle %s: %w", name, err)
	}
	cc := CodeConfig{Features: cm.Config.FeatureDim, Hidden: cm.Config.Hidden, From: files[ce.Weights].SHA256}
	if m != nil {
		copy(m.CodeNorm.Mean.W, cm.Norm.Mean.W)
		copy(m.CodeNorm.Scale.W, cm.Norm.Scale.W)
		copy(m.Code.W.W, cm.InitH.W.W)
		copy(m.Code.B.W, cm.InitH.B.W)
	}
	return cc, nil
}
