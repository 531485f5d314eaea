package rnn

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"captioner/internal/atomicfile"
)

// CheckpointOptimizer is the file of the optimiser's state in a checkpoint,
// beside CheckpointWeights: a resumed run continues with the moments the
// interrupted one had, so that it ends where an uninterrupted run would.
const CheckpointOptimizer = "checkpoint.optimizer.safetensors"

// SaveState writes Adam's state for params: its step count (metadata "t")
// and both moments of every parameter, as tensors "m.NAME" and "v.NAME"
// (zeros for a parameter not yet stepped).
func (o *Adam) SaveState(params []*Param) ([]byte, error) {
	ts := make(map[string]Tensor, 2*len(params))
	for _, p := range params {
		m, v := o.m[p], o.v[p]
		if m == nil {
			m, v = make([]float32, len(p.W)), make([]float32, len(p.W))
		}
		if _, dup := ts["m."+p.Name]; dup {
			return nil, fmt.Errorf("rnn: two parameters named %s", p.Name)
		}
		ts["m."+p.Name] = Tensor{Shape: p.Shape, Data: m}
		ts["v."+p.Name] = Tensor{Shape: p.Shape, Data: v}
	}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, ts, map[string]string{"optimizer": "adam", "t": strconv.Itoa(o.t)}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// LoadState restores the state SaveState wrote for params (matched by name).
// A missing tensor or another shape is an error and leaves o unchanged.
func (o *Adam) LoadState(data []byte, params []*Param) error {
	ts, meta, err := ReadSafetensors(data)
	if err != nil {
		return err
	}
	t, err := strconv.Atoi(meta["t"])
	if err != nil || t < 0 || meta["optimizer"] != "adam" {
		return fmt.Errorf("rnn: optimizer state: metadata %v: %w", meta, ErrFormat)
	}
	for _, p := range params {
		for _, k := range []string{"m.", "v."} {
			x, ok := ts[k+p.Name]
			if !ok {
				return fmt.Errorf("rnn: optimizer state %s%s: %w", k, p.Name, ErrMissingTensor)
			}
			if !sameShape(x.Shape, p.Shape) {
				return fmt.Errorf("rnn: optimizer state %s%s: shape %v, want %v: %w", k, p.Name, x.Shape, p.Shape, ErrShape)
			}
		}
	}
	o.t = t
	o.m, o.v = make(map[*Param][]float32, len(params)), make(map[*Param][]float32, len(params))
	for _, p := range params {
		o.m[p] = append([]float32(nil), ts["m."+p.Name].Data...)
		o.v[p] = append([]float32(nil), ts["v."+p.Name].Data...)
	}
	return nil
}

// SaveOptimizerCheckpoint writes o's state for params into dir as
// CheckpointOptimizer, atomically. Call it before SaveCheckpoint, which
// writes the run's state last.
func SaveOptimizerCheckpoint(dir string, o *Adam, params []*Param) error {
	data, err := o.SaveState(params)
	if err != nil {
		return fmt.Errorf("rnn: checkpoint: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, CheckpointOptimizer), data, 0o644); err != nil {
		return fmt.Errorf("rnn: checkpoint: %w", err)
	}
	return nil
}

// LoadOptimizerCheckpoint restores o's state for params from dir's
// CheckpointOptimizer.
func LoadOptimizerCheckpoint(dir string, o *Adam, params []*Param) error {
	path := filepath.Join(dir, CheckpointOptimizer)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("rnn: checkpoint: %w", err)
	}
	if err := o.LoadState(data, params); err != nil {
		return fmt.Errorf("rnn: checkpoint: %s: %w", path, err)
	}
	return nil
}
