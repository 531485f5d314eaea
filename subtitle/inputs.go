package subtitle

import (
	"fmt"
	"strings"

	"captioner/objects"
	"captioner/rnn"
)

// The parts a labeller's input can be made of, in the order they are laid
// out. Motion is not visible in one frame, so all but InputFeatures look at
// the change z_t - z_(t-1) of the standardised features z since the step
// before (zero at the first step).
const (
	// InputFeatures: z itself.
	InputFeatures = "features"
	// InputChange: z_t - z_(t-1), value by value.
	InputChange = "change"
	// InputMotion: for each channel of each grid (see Grid), four sums of
	// its change over the grid's cells: sum d (it appeared or grew: > 0,
	// vanished or shrank: < 0), sum |d| (it changed: what moves), and sum
	// d*x, sum d*y with x, y the cell's column and row from -1 to 1 (gained
	// on the right, lost on the left: a move right). Pooled over positions,
	// they mean the same wherever the change happens.
	InputMotion = "motion"
	// InputMoving: for each channel of each grid, its value now and before
	// at the cells that changed, weighted by how much each cell changed:
	// what the moving thing looks like, wherever it is, next to what was
	// there before it.
	InputMoving = "moving"
	// InputPresent: for each channel of each grid, its largest value over
	// the cells: what is in view, wherever it is.
	InputPresent = "present"
	// InputObjects: for an objects featurizer's vector (FeatureDim a
	// multiple of objects.FeaturesPerClass), objectsPerClass values a
	// class read from the raw (unstandardised) values, so that they mean
	// the same for every class: its best score, how many of its four
	// best reach objectsCountScore, their changes since the step before,
	// and, when it is seen at both steps, the change of its centre x, y
	// and of its size (square root of its largest box), scaled by
	// objectsMoveScale.
	InputObjects = "objects"
	// InputObjectCells: for an objects featurizer's vector, motion's four
	// sums over each class's 3x3 grid of best scores (raw values): sum d,
	// sum |d|, sum d*x, sum d*y of the change d of each cell since the
	// step before.
	InputObjectCells = "objectcells"
)

const (
	objectsPerClass   = 7
	objectsCountScore = 0.3
	objectsMoveScale  = 20
	objectsStride     = objects.FeaturesPerClass
)

// Grid is a feature map pooled to Side x Side cells, Channels of them,
// stored channel by channel (row by row within a channel) from Offset on.
type Grid struct {
	Offset   int `json:"offset"`
	Channels int `json:"channels"`
	Side     int `json:"side"`
}

// ParseInputs reads a comma-separated list of input parts.
func ParseInputs(list string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		switch p {
		case InputFeatures, InputChange, InputMotion, InputMoving, InputPresent, InputObjects, InputObjectCells:
			out = append(out, p)
		default:
			return nil, fmt.Errorf("subtitle: unknown input part %q (want features, change, motion, moving, present, objects or objectcells)", p)
		}
	}
	return out, nil
}

// partDim is how many values part p takes.
func (c Config) partDim(p string) int {
	channels := 0
	for _, g := range c.Grids {
		channels += g.Channels
	}
	switch p {
	case InputFeatures, InputChange:
		return c.FeatureDim
	case InputObjects:
		return c.FeatureDim / objectsStride * objectsPerClass
	case InputObjectCells:
		return c.FeatureDim / objectsStride * 4
	case InputMotion:
		return 4 * channels
	case InputMoving:
		return 2 * channels
	case InputPresent:
		return channels
	}
	return 0
}

func (c Config) inDim() int {
	d := 0
	for _, p := range c.Inputs {
		d += c.partDim(p)
	}
	return d
}

func (c Config) validateInputs() error {
	if len(c.Inputs) == 0 {
		return fmt.Errorf("subtitle: a labeller needs at least one input part")
	}
	for _, p := range c.Inputs {
		if _, err := ParseInputs(p); err != nil {
			return err
		}
		if (p == InputMotion || p == InputMoving || p == InputPresent) && len(c.Grids) == 0 {
			return fmt.Errorf("subtitle: input part %q needs the grids of the feature vector", p)
		}
	}
	for _, g := range c.Grids {
		if g.Offset < 0 || g.Channels < 1 || g.Side < 2 || g.Offset+g.Channels*g.Side*g.Side > c.FeatureDim {
			return fmt.Errorf("subtitle: grid %+v does not fit a feature vector of %d values", g, c.FeatureDim)
		}
	}
	return nil
}

// InputDim is how many values one step of the network's input takes.
func (c Config) InputDim() int { return c.inDim() }

// BuildInputs returns the network input of every step of feats, as a
// model of this configuration with feature standardisation norm sees them
// (one row of InputDim values a step; the first step has no step before
// it, so no change). The models that read whole clips (tag, describe)
// take the same inputs as the labeller.
func (c Config) BuildInputs(norm *rnn.Standardizer, feats [][]float32) [][]float32 {
	D := c.inDim()
	x := make([]float32, len(feats)*D)
	c.writeInputs(norm, x, len(feats), 1, 0, feats, nil)
	rows := make([][]float32, len(feats))
	for t := range rows {
		rows[t] = x[t*D : (t+1)*D : (t+1)*D]
	}
	return rows
}

// inputs writes the network input of sequence b of a batch into x (T,B,D)
// for steps [0, len(feats)); prev is the features of the step before the
// first (nil: none, no change). Steps past len(feats) are left alone.
func (m *Model) inputs(x []float32, T, B, b int, feats [][]float32, prev []float32) {
	m.Config.writeInputs(m.Norm, x, T, B, b, feats, prev)
}

func (c Config) writeInputs(norm *rnn.Standardizer, x []float32, T, B, b int, feats [][]float32, prev []float32) {
	F, D := c.FeatureDim, c.inDim()
	var last, z, lastRaw []float32
	if prev != nil {
		last = norm.Apply(prev, nil)
		lastRaw = prev
	}
	for t, f := range feats {
		row := x[(t*B+b)*D : (t*B+b+1)*D]
		z = norm.Apply(f, make([]float32, 0, F))
		for _, p := range c.Inputs {
			n := c.partDim(p)
			part := row[:n]
			row = row[n:]
			if last == nil && p != InputFeatures && p != InputPresent {
				clear(part)
				continue
			}
			switch p {
			case InputFeatures:
				copy(part, z)
			case InputChange:
				for i := range part {
					part[i] = z[i] - last[i]
				}
			case InputMotion:
				motion(part, z, last, c.Grids)
			case InputMoving:
				moving(part, z, last, c.Grids)
			case InputPresent:
				present(part, z, c.Grids)
			case InputObjects:
				objectsMotion(part, f, lastRaw)
			case InputObjectCells:
				objectCells(part, f, lastRaw)
			}
		}
		last, lastRaw = z, f
	}
}

// objectsMotion writes the InputObjects part from the raw vectors f and
// last (the step before).
func objectsMotion(dst, f, last []float32) {
	count := func(row []float32) float32 {
		var n float32
		for _, s := range row[:4] {
			if s >= objectsCountScore {
				n++
			}
		}
		return n
	}
	for c := 0; c < len(dst)/objectsPerClass; c++ {
		now := f[c*objectsStride : (c+1)*objectsStride]
		was := last[c*objectsStride : (c+1)*objectsStride]
		d := dst[c*objectsPerClass : (c+1)*objectsPerClass]
		nNow, nWas := count(now), count(was)
		d[0], d[1] = now[0], nNow
		d[2], d[3] = now[0]-was[0], nNow-nWas
		d[4], d[5], d[6] = 0, 0, 0
		if now[0] > 0 && was[0] > 0 {
			d[4] = (now[5] - was[5]) * objectsMoveScale
			d[5] = (now[6] - was[6]) * objectsMoveScale
			d[6] = (now[4] - was[4]) * objectsMoveScale
		}
	}
}

// objectCells writes the InputObjectCells part from the raw vectors f
// and last: each class's grid (values 9-17 of its row) read as motion
// reads a grid channel.
func objectCells(dst, f, last []float32) {
	g := []Grid{{Offset: 9, Channels: 1, Side: 3}}
	for c := 0; c < len(dst)/4; c++ {
		motion(dst[4*c:4*c+4], f[c*objectsStride:(c+1)*objectsStride], last[c*objectsStride:(c+1)*objectsStride], g)
	}
}

// motion writes the InputMotion part.
func motion(dst, z, last []float32, grids []Grid) {
	k := 0
	for _, g := range grids {
		n := g.Side * g.Side
		for c := 0; c < g.Channels; c++ {
			var sum, abs, sx, sy float32
			base := g.Offset + c*n
			for cell := 0; cell < n; cell++ {
				d := z[base+cell] - last[base+cell]
				x := float32(2*(cell%g.Side))/float32(g.Side-1) - 1
				y := float32(2*(cell/g.Side))/float32(g.Side-1) - 1
				sum += d
				abs += max(d, -d)
				sx += d * x
				sy += d * y
			}
			dst[k], dst[k+1], dst[k+2], dst[k+3] = sum, abs, sx, sy
			k += 4
		}
	}
}

// moving writes the InputMoving part: per grid, each cell's weight is its
// share of the grid's total absolute change (over all its channels).
func moving(dst, z, last []float32, grids []Grid) {
	k := 0
	for _, g := range grids {
		n := g.Side * g.Side
		w := make([]float32, n)
		var total float32
		for c := 0; c < g.Channels; c++ {
			base := g.Offset + c*n
			for cell := 0; cell < n; cell++ {
				d := z[base+cell] - last[base+cell]
				w[cell] += max(d, -d)
			}
		}
		for _, v := range w {
			total += v
		}
		if total > 0 {
			for i := range w {
				w[i] /= total
			}
		}
		for c := 0; c < g.Channels; c++ {
			base := g.Offset + c*n
			var now, before float32
			for cell := 0; cell < n; cell++ {
				now += w[cell] * z[base+cell]
				before += w[cell] * last[base+cell]
			}
			dst[k], dst[k+1] = now, before
			k += 2
		}
	}
}

// present writes the InputPresent part.
func present(dst, z []float32, grids []Grid) {
	k := 0
	for _, g := range grids {
		n := g.Side * g.Side
		for c := 0; c < g.Channels; c++ {
			cells := z[g.Offset+c*n : g.Offset+(c+1)*n]
			best := cells[0]
			for _, v := range cells {
				best = max(best, v)
			}
			dst[k] = best
			k++
		}
	}
}

// DefaultInputs is what a labeller sees when training is not told.
var DefaultInputs = []string{InputMotion, InputMoving}
