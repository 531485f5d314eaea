package main

import (
	"strings"
	"testing"

	"captioner/internal/realmedia"
)

// TestNoLibraryWarnings captions real PNG photos whose iCCP profile makes
// libpng warn ("known incorrect sRGB profile"): stderr holds nothing, and
// stdout only the program's own lines.
func TestNoLibraryWarnings(t *testing.T) {
	a, c := realmedia.Path(t, "astronaut.png"), realmedia.Path(t, "chelsea.png")
	r := captioner(t, "caption", "--domain", "shapes", a, c)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], a+": ") || !strings.HasPrefix(lines[1], c+": ") {
		t.Errorf("stdout %q", r.stdout)
	}
}
