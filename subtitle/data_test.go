package subtitle

import (
	"path/filepath"
	"testing"
)

// A video's split is its folder right under the data's, when that is
// train, val or test; the test part is what eval scores by default and
// what training leaves out.
func TestDataSplits(t *testing.T) {
	dir := filepath.Join("data", "set")
	for _, c := range []struct{ path, split string }{
		{"train/0000.mp4", "train"},
		{"test/0001.mp4", "test"},
		{"val/deep/0002.mp4", "val"},
		{"takes/test/0003.mp4", ""},
		{"test.mp4", ""},
		{"testing/0004.mp4", ""},
	} {
		if got := SplitOf(dir, filepath.Join(dir, filepath.FromSlash(c.path))); got != c.split {
			t.Errorf("%s: split %q, want %q", c.path, got, c.split)
		}
	}
	d := &Data{Examples: []Example{{Video: "a", Split: "train"}, {Video: "b", Split: "test"}, {Video: "c"}}}
	if s := d.EvalSplit(); s != "test" || len(d.Split(s)) != 1 || d.Split(s)[0].Video != "b" || len(d.Split(AllSplits)) != 3 {
		t.Errorf("eval split %q: %v", s, d.Split(s))
	}
	if tr := d.trainable(); len(tr) != 2 || tr[0].Video != "a" || tr[1].Video != "c" {
		t.Errorf("trainable %v, want a and c", tr)
	}
	if s := (&Data{Examples: []Example{{Video: "a"}}}).EvalSplit(); s != AllSplits {
		t.Errorf("data without a test part: eval split %q, want all", s)
	}
}
