package rnn

import "math"

// Standardizer standardises feature vectors with the mean and standard
// deviation measured on training data: z_i = (x_i - mean_i) * scale_i with
// scale_i = 1/sd_i. Both are parameters (not trained) so that they are saved
// with the weights, as norm.mean and norm.scale.
type Standardizer struct {
	Mean, Scale *Param
}

// NewStandardizer returns the identity standardiser for dim values.
func NewStandardizer(dim int) *Standardizer {
	s := &Standardizer{
		Mean:  &Param{Name: "norm.mean", Shape: []int{dim}, W: make([]float32, dim)},
		Scale: &Param{Name: "norm.scale", Shape: []int{dim}, W: make([]float32, dim)},
	}
	for i := range s.Scale.W {
		s.Scale.W[i] = 1
	}
	return s
}

// Params returns the mean and scale.
func (s *Standardizer) Params() []*Param { return []*Param{s.Mean, s.Scale} }

// Fit measures the mean and standard deviation of each value over feats,
// skipping nil vectors; a value that hardly varies (sd under 1e-3) is
// scaled by 1000 at most. With no vectors it changes nothing.
func (s *Standardizer) Fit(feats [][]float32) {
	F := len(s.Mean.W)
	sum, sq := make([]float64, F), make([]float64, F)
	n := 0
	for _, f := range feats {
		if f == nil {
			continue
		}
		for i, v := range f {
			sum[i] += float64(v)
			sq[i] += float64(v) * float64(v)
		}
		n++
	}
	if n == 0 {
		return
	}
	for i := range sum {
		mean := sum[i] / float64(n)
		sd := math.Sqrt(max(sq[i]/float64(n)-mean*mean, 0))
		s.Mean.W[i] = float32(mean)
		s.Scale.W[i] = float32(1 / max(sd, 1e-3))
	}
}

// Apply writes the standardised x into dst (grown to len(x)) and returns it.
func (s *Standardizer) Apply(x, dst []float32) []float32 {
	if cap(dst) < len(x) {
		dst = make([]float32, len(x))
	}
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = (v - s.Mean.W[i]) * s.Scale.W[i]
	}
	return dst
}

// Novelty is the mean square of a standardised vector z: about 1 for
// vectors like the training data, larger the further z lies from it.
func Novelty(z []float32) float64 {
	var sum float64
	for _, v := range z {
		sum += float64(v) * float64(v)
	}
	return sum / float64(max(len(z), 1))
}
