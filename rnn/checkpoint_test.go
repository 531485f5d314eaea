package rnn

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	type state struct{ Epoch, BestEpoch int }
	if err := SaveCheckpoint(dir, []byte("epoch 1"), true, state{1, 1}); err != nil {
		t.Fatal(err)
	}
	if err := SaveCheckpoint(dir, []byte("epoch 2"), false, state{2, 1}); err != nil {
		t.Fatal(err)
	}
	var s state
	if err := LoadCheckpointState(dir, &s); err != nil || s != (state{2, 1}) {
		t.Errorf("state %+v, %v", s, err)
	}
	for name, want := range map[string]string{BestWeights: "epoch 1", CheckpointWeights: "epoch 2"} {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != want {
			t.Errorf("%s holds %q, want %q", name, got, want)
		}
	}
	if err := LoadCheckpointState(t.TempDir(), &s); err == nil {
		t.Error("a folder without a checkpoint loaded")
	}
	os.WriteFile(filepath.Join(dir, CheckpointState), []byte("{"), 0o644)
	if err := LoadCheckpointState(dir, &s); err == nil {
		t.Error("a damaged checkpoint loaded")
	}
}
