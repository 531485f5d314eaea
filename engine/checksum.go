package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"

	"captioner/models"
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
		return "", "", fmt.Errorf("engine: model bundle: %w", err)
	}
	if _, err := man.Get("version", &version); err != nil {
		return "", "", fmt.Errorf("engine: model bundle: %w", err)
	}
	files, err := man.Files()
	if err != nil {
		return "", "", fmt.Errorf("engine: model bundle: %w", err)
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
			return "", "", fmt.Errorf("engine: model bundle: manifest.json: %s: %w", key, err)
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
		return "", "", fmt.Errorf("engine: model bundle: %w", err)
	}
	h := sha256.Sum256(canon)
	return hex.EncodeToString(h[:]), version, nil
}
