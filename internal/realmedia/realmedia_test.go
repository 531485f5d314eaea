package realmedia

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records what Path does with a testing.TB.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped, f.msg = true, fmt.Sprint(args...)
	panic(f)
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

// call runs Path with a fake TB and reports what happened.
func call(name string) (path string, tb *fakeTB) {
	tb = &fakeTB{}
	defer func() {
		if r := recover(); r != nil && r != tb {
			panic(r)
		}
	}()
	return Path(tb, name), tb
}

func TestDirDefaultsToHomeCache(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv(Env, "")
	dir, err := Dir()
	want := filepath.Join(home, ".cache", "captioner", "realmedia")
	if dir != want {
		t.Fatalf("Dir() = %q, want %q", dir, want)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "realmedia: ") || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "scripts/realmedia.sh") {
		t.Fatalf("Dir() error = %v, want one naming %s and scripts/realmedia.sh", err, want)
	}
}

func TestPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(Env, dir)
	for _, f := range []string{"SOURCES.txt", "dog.jpg"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if p, tb := call("dog.jpg"); tb.failed || tb.skipped || p != filepath.Join(dir, "dog.jpg") {
		t.Errorf("Path(dog.jpg) = %q, failed %v, skipped %v", p, tb.failed, tb.skipped)
	}
	// A missing file in a present folder always fails.
	t.Setenv(RequireEnv, "")
	if _, tb := call("cat.jpg"); !tb.failed || !strings.Contains(tb.msg, "cat.jpg") || !strings.Contains(tb.msg, "scripts/realmedia.sh") {
		t.Errorf("Path(cat.jpg): failed %v, message %q", tb.failed, tb.msg)
	}
}

func TestMissingFolderSkipsUnlessRequired(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	t.Setenv(Env, missing)
	t.Setenv(RequireEnv, "")
	if _, tb := call("dog.jpg"); !tb.skipped || tb.failed {
		t.Errorf("without %s: skipped %v, failed %v", RequireEnv, tb.skipped, tb.failed)
	}
	t.Setenv(RequireEnv, "1")
	_, tb := call("dog.jpg")
	if !tb.failed || !strings.HasPrefix(tb.msg, "realmedia: ") || !strings.Contains(tb.msg, missing) || !strings.Contains(tb.msg, "scripts/realmedia.sh") {
		t.Errorf("with %s=1: failed %v, message %q", RequireEnv, tb.failed, tb.msg)
	}
}

// TestFetched checks the folder that scripts/realmedia.sh fills, when there
// is one (and always under CI_REQUIRE_REALMEDIA).
func TestFetched(t *testing.T) {
	for _, f := range []string{"dog.jpg", "astronaut.png", "vtest.avi", "cockatoo.mp4"} {
		p := Path(t, f)
		if fi, err := os.Stat(p); err != nil || fi.Size() < 10000 {
			t.Errorf("%s: %v (want a real file of at least 10 kB)", p, err)
		}
	}
}
