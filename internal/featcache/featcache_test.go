package featcache

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	root := t.TempDir()
	c, err := Open(root, "abc123", 3)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(root, "a.png")
	os.WriteFile(img, []byte("one"), 0o644)
	key, err := FileKey(img, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(key); ok {
		t.Fatal("hit in an empty cache")
	}
	want := []float32{1.5, -2, 3e-7}
	if err := c.Put(key, want); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get(key)
	if !ok || !slices.Equal(got, want) {
		t.Fatalf("Get: %v %v, want %v", got, ok, want)
	}
	// Another CNN has its own entries.
	other, _ := Open(root, "def456", 3)
	if _, ok := other.Get(key); ok {
		t.Error("another CNN's cache hit")
	}
	// A changed file has a new key.
	os.WriteFile(img, []byte("two!"), 0o644)
	os.Chtimes(img, time.Now().Add(time.Hour), time.Now().Add(time.Hour))
	key2, _ := FileKey(img, "")
	if key2 == key {
		t.Fatal("changing the file kept its key")
	}
	if _, ok := c.Get(key2); ok {
		t.Error("hit for a changed file")
	}
	if k3, _ := FileKey(img, "fps=4"); k3 == key2 {
		t.Error("extra does not change the key")
	}
	if err := c.Put(key, []float32{1}); err == nil {
		t.Error("a vector of the wrong size was stored")
	}
	// A damaged entry is a miss, not an error.
	os.WriteFile(c.path(key), []byte("junk"), 0o644)
	if _, ok := c.Get(key); ok {
		t.Error("a damaged entry was returned")
	}
	if _, err := Open(root, "", 3); err == nil {
		t.Error("Open without checksum succeeded")
	}
}

func TestSequence(t *testing.T) {
	c, err := Open(t.TempDir(), "abc123", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.GetSequence("k"); ok {
		t.Fatal("hit in an empty cache")
	}
	want := Sequence{
		Times:    []time.Duration{125 * time.Millisecond, 375 * time.Millisecond, 625 * time.Millisecond},
		Vectors:  [][]float32{{1, 2}, {-3, 4.5}, {0, 1e-9}},
		Duration: 700 * time.Millisecond,
	}
	if err := c.PutSequence("k", want); err != nil {
		t.Fatal(err)
	}
	got, ok := c.GetSequence("k")
	if !ok || got.Duration != want.Duration || !slices.Equal(got.Times, want.Times) || len(got.Vectors) != 3 {
		t.Fatalf("GetSequence: %+v %v, want %+v", got, ok, want)
	}
	for i := range want.Vectors {
		if !slices.Equal(got.Vectors[i], want.Vectors[i]) {
			t.Errorf("vector %d: %v, want %v", i, got.Vectors[i], want.Vectors[i])
		}
	}
	// A sequence and a single vector under one key do not collide.
	if _, ok := c.Get("k"); ok {
		t.Error("a sequence was returned as a vector")
	}
	if err := c.PutSequence("bad", Sequence{Times: []time.Duration{0}, Vectors: [][]float32{{1, 2, 3}}}); err == nil {
		t.Error("a vector of the wrong size was stored")
	}
	os.WriteFile(c.seqPath("k"), []byte("CFS1junk"), 0o644)
	if _, ok := c.GetSequence("k"); ok {
		t.Error("a damaged entry was returned")
	}
	empty := Sequence{Duration: time.Second}
	if err := c.PutSequence("empty", empty); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.GetSequence("empty"); !ok || len(got.Times) != 0 || got.Duration != time.Second {
		t.Errorf("empty sequence: %+v %v", got, ok)
	}
}
