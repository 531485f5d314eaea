package objcaption

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"captioner/internal/atomicfile"
	"captioner/models"
)

// Install copies the objects captioner of the bundle folder from (its
// manifest entry and weights) into the bundle folder to, leaving every
// other entry and file of to as it is: the weights file is written, then
// the manifest with the entry and the file's checksum.
func Install(from, to string) error {
	src, err := models.ReadManifest(os.DirFS(from))
	if err != nil {
		return fmt.Errorf("objcaption: %s: %w", from, err)
	}
	var e struct {
		Weights string `json:"weights"`
	}
	if ok, err := src.Get(Part, &e); err != nil || !ok {
		return fmt.Errorf("objcaption: %s has no %s entry (%v)", from, Part, err)
	}
	files, err := src.Files()
	if err != nil {
		return fmt.Errorf("objcaption: %s: %w", from, err)
	}
	weights, err := models.ReadFile(os.DirFS(from), files, e.Weights)
	if err != nil {
		return fmt.Errorf("objcaption: %s: %w", from, err)
	}
	dst, err := models.ReadManifest(os.DirFS(to))
	if err != nil {
		return fmt.Errorf("objcaption: %s: %w", to, err)
	}
	dfiles, err := dst.Files()
	if err != nil {
		return fmt.Errorf("objcaption: %s: %w", to, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(to, e.Weights), weights, 0o644); err != nil {
		return fmt.Errorf("objcaption: %w", err)
	}
	dfiles[e.Weights] = models.Entry(weights)
	dst[Part] = json.RawMessage(src[Part])
	if err := dst.Set("files", dfiles); err != nil {
		return err
	}
	if err := dst.Write(to); err != nil {
		return fmt.Errorf("objcaption: %s: %w", to, err)
	}
	return nil
}
