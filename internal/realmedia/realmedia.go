// Package realmedia finds the real photos and videos that tests look at:
// Debian-packaged media (darknet's, opencv-doc's, scikit-image's and
// imageio's test photos and clips) that scripts/realmedia.sh fetches into one
// flat folder, $CAPTIONER_REALMEDIA or else $HOME/.cache/captioner/realmedia,
// with SOURCES.txt there naming each file's package, version and licence.
//
// A test asks for a file with Path. When the folder is missing, the test is
// skipped, unless CI_REQUIRE_REALMEDIA is set (scripts/test.sh and CI set
// it), in which case it fails and says how to fetch the files.
package realmedia

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Env names the environment variable that overrides the folder.
const Env = "CAPTIONER_REALMEDIA"

// RequireEnv names the environment variable that, when set to anything but
// "" or "0", turns a missing folder or file into a test failure.
const RequireEnv = "CI_REQUIRE_REALMEDIA"

// Dir returns the folder of the real media. The error, if any, names the
// folder and says to run scripts/realmedia.sh: the folder cannot be worked
// out, or it does not hold the files (its SOURCES.txt is missing).
func Dir() (string, error) {
	dir := os.Getenv(Env)
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("realmedia: no $%s and no home folder (%v): set %s and run scripts/realmedia.sh", Env, err, Env)
		}
		dir = filepath.Join(home, ".cache", "captioner", "realmedia")
	}
	if _, err := os.Stat(filepath.Join(dir, "SOURCES.txt")); err != nil {
		return dir, fmt.Errorf("realmedia: %s lacks the real media files (no SOURCES.txt): run scripts/realmedia.sh", dir)
	}
	return dir, nil
}

// Path returns the path of the named file of the real media folder, for a
// test. When the folder or the file is missing, it calls tb.Fatalf with a
// message that says to run scripts/realmedia.sh, or, only when the whole
// folder is missing and CI_REQUIRE_REALMEDIA is unset, tb.Skip.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	p, noDir, err := find(name)
	if err != nil {
		if noDir && !required() {
			tb.Skip(err.Error())
		}
		tb.Fatalf("%v", err)
	}
	return p
}

// find returns the path of name in Dir, or an error and whether the folder
// itself is missing.
func find(name string) (path string, noDir bool, err error) {
	dir, err := Dir()
	if err != nil {
		if dir == "" {
			return "", true, err
		}
		_, serr := os.Stat(dir)
		return "", serr != nil, err
	}
	p := filepath.Join(dir, name)
	if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Size() == 0 {
		return "", false, fmt.Errorf("realmedia: %s has no %s: run scripts/realmedia.sh", dir, name)
	}
	return p, false, nil
}

func required() bool {
	v := os.Getenv(RequireEnv)
	return v != "" && v != "0"
}
