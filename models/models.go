// Package models holds the embedded default model bundle (models/default):
// the files the binary needs to caption without any download. Each package
// reads its own part of the bundle's manifest.json (vision: the CNN).
//
// The CNN in the bundle is rebuilt from the npm package nsfwjs 4.3.0 with
//
//	npm pack nsfwjs@4.3.0
//	go run ./vision/cmd/convert-nsfwjs --package nsfwjs-4.3.0.tgz --out models/default
package models

import (
	"embed"
	"encoding/json"
	"io/fs"
)

//go:embed default
var bundle embed.FS

// Default returns the default bundle's files (manifest.json at its root).
func Default() fs.FS {
	sub, err := fs.Sub(bundle, "default")
	if err != nil {
		panic(err) // "default" is a valid path: cannot happen
	}
	return sub
}

// Version returns the default bundle's version, as its manifest.json says,
// or "" when the manifest has none.
func Version() string {
	data, err := fs.ReadFile(bundle, "default/manifest.json")
	if err != nil {
		return ""
	}
	var m struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	return m.Version
}
