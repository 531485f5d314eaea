package main

import (
	"encoding/json"
	"testing"

	descr "captioner/describe"
	"captioner/models"
)

// The embedded describer, on 10 generated clips of 4 to 12 s from a seed
// neither training nor the recorded test saw (9191), scores near what its
// manifest records for the recipe's 200 test clips.
func TestEmbeddedDescriberOnUnseenClips(t *testing.T) {
	_, e, err := descr.LoadBundle(models.Default(), "embedded default")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(e.Scores["test"])
	var rec struct{ Report descr.Report }
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Report.All.Clips != 200 {
		t.Fatalf("manifest test scores %s: %v", raw, err)
	}
	want := rec.Report.All
	dir := t.TempDir()
	if r := captioner(t, "synth", "videos", "--n", "10", "--seed", "9191", "--max-duration", "12s", "--out", dir); r.code != 0 {
		t.Fatalf("synth: %q", r.stderr)
	}
	r := captioner(t, "eval", "describe", "--data", dir, "--split", "all", "--cache", "off", "--json")
	if r.code != 0 {
		t.Fatalf("eval describe: code %d, %q", r.code, r.stderr)
	}
	var got descr.Report
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	g := got.All
	t.Logf("10 clips: exact %.3f, BLEU-4 %.3f, CIDEr-D %.3f; the manifest, 200 clips: %.3f, %.3f, %.3f; %d low confidence",
		g.ExactMatch, g.BLEU4, g.CIDErD, want.ExactMatch, want.BLEU4, want.CIDErD, got.LowConfidence)
	// 10 clips are few: one wrong is 0.1 of the exact match.
	if g.Clips != 10 || g.ExactMatch < want.ExactMatch-0.25 || g.BLEU4 < want.BLEU4-0.12 || got.LowConfidence > 1 {
		t.Errorf("10 clips: exact %.3f, BLEU-4 %.3f, %d low confidence; the manifest records %.3f, %.3f over 200",
			g.ExactMatch, g.BLEU4, got.LowConfidence, want.ExactMatch, want.BLEU4)
	}
}
