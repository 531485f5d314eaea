package rnn

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"captioner/internal/atomicfile"
)

// The files of a training run's checkpoint, in its output folder: the last
// epoch's weights, the best epoch's weights, and the trainer's state.
const (
	CheckpointWeights = "checkpoint.safetensors"
	BestWeights       = "best.safetensors"
	CheckpointState   = "checkpoint.json"
)

// SaveCheckpoint writes an epoch's checkpoint into dir: weights as the last
// epoch's (and as the best's when best), then state as JSON, each
// atomically and state last, so that a run killed at any moment resumes
// from a complete epoch.
func SaveCheckpoint(dir string, weights []byte, best bool, state any) error {
	if best {
		if err := atomicfile.WriteFile(filepath.Join(dir, BestWeights), weights, 0o644); err != nil {
			return fmt.Errorf("rnn: checkpoint: %w", err)
		}
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, CheckpointWeights), weights, 0o644); err != nil {
		return fmt.Errorf("rnn: checkpoint: %w", err)
	}
	data, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("rnn: checkpoint: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, CheckpointState), data, 0o644); err != nil {
		return fmt.Errorf("rnn: checkpoint: %w", err)
	}
	return nil
}

// LoadCheckpointState reads the state SaveCheckpoint wrote into dir.
func LoadCheckpointState(dir string, state any) error {
	data, err := os.ReadFile(filepath.Join(dir, CheckpointState))
	if err != nil {
		return fmt.Errorf("rnn: checkpoint: %w", err)
	}
	if err := json.Unmarshal(data, state); err != nil {
		return fmt.Errorf("rnn: checkpoint: %s: %w", filepath.Join(dir, CheckpointState), err)
	}
	return nil
}
