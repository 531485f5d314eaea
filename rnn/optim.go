package rnn

import (
	"math"
	"sync"
)

// Optimizer updates parameters from their accumulated gradients.
type Optimizer interface {
	// Step applies one update to params using p.G.
	Step(params []*Param)
	// SetLR sets the learning rate used by following steps.
	SetLR(lr float64)
}

// SGD is stochastic gradient descent with momentum and L2 weight decay:
//
//	g = G + WeightDecay·W
//	v = Momentum·v + g
//	W -= LR·v
type SGD struct {
	LR, Momentum, WeightDecay float64
	vel                       map[*Param][]float32
}

// SetLR sets the learning rate.
func (o *SGD) SetLR(lr float64) { o.LR = lr }

// Step applies one update.
func (o *SGD) Step(params []*Param) {
	if o.vel == nil {
		o.vel = make(map[*Param][]float32)
	}
	lr, mu, wd := float32(o.LR), float32(o.Momentum), float32(o.WeightDecay)
	for _, p := range params {
		v, ok := o.vel[p]
		if !ok {
			v = make([]float32, len(p.W))
			o.vel[p] = v
		}
		for i, g := range p.G {
			g += wd * p.W[i]
			v[i] = mu*v[i] + g
			p.W[i] -= lr * v[i]
		}
	}
}

// Adam is Adam (Kingma & Ba) with bias correction, PyTorch's formulation. With
// Decoupled set it is AdamW: weight decay shrinks W directly
// (W -= LR·WeightDecay·W) instead of being added to the gradient.
//
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	W -= LR/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε)
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Decoupled                          bool

	t    int
	m, v map[*Param][]float32
}

// NewAdam returns Adam with β1=0.9, β2=0.999, ε=1e-8.
func NewAdam(lr float64) *Adam { return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// NewAdamW returns AdamW with β1=0.9, β2=0.999, ε=1e-8 and the given decay.
func NewAdamW(lr, weightDecay float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay, Decoupled: true}
}

// SetLR sets the learning rate.
func (o *Adam) SetLR(lr float64) { o.LR = lr }

// Step applies one update; large tensors are split over two goroutines.
func (o *Adam) Step(params []*Param) {
	if o.m == nil {
		o.m, o.v = make(map[*Param][]float32), make(map[*Param][]float32)
	}
	o.t++
	bc1 := 1 - math.Pow(o.Beta1, float64(o.t))
	bc2 := 1 - math.Pow(o.Beta2, float64(o.t))
	step := float32(o.LR / bc1)
	rbc2 := float32(1 / math.Sqrt(bc2))
	b1, b2, eps := float32(o.Beta1), float32(o.Beta2), float32(o.Eps)
	wd := float32(o.WeightDecay)
	shrink := float32(1 - o.LR*o.WeightDecay) // AdamW: W -= LR·λ·W
	for _, p := range params {
		m, ok := o.m[p]
		if !ok {
			m = make([]float32, len(p.W))
			o.m[p] = m
			o.v[p] = make([]float32, len(p.W))
		}
		v := o.v[p]
		if !o.Decoupled {
			shrink = 1
		} else {
			wd = 0
		}
		k := adamKernel{b1: b1, b2: b2, step: step, rbc2: rbc2, eps: eps, wd: wd, shrink: shrink}
		n := len(p.W)
		if n < 1<<16 {
			k.run(p.W, p.G, m, v)
			continue
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); k.run(p.W[n/2:], p.G[n/2:], m[n/2:], v[n/2:]) }()
		k.run(p.W[:n/2], p.G[:n/2], m[:n/2], v[:n/2])
		wg.Wait()
	}
}

// adamKernel is one Adam update over a slice of a parameter.
type adamKernel struct{ b1, b2, step, rbc2, eps, wd, shrink float32 }

func (k adamKernel) run(w, g, m, v []float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	b1, b2, c1, c2 := k.b1, k.b2, 1-k.b1, 1-k.b2
	for i, wi := range w {
		gi := g[i] + k.wd*wi // L2 (Adam); wd is 0 for AdamW
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		w[i] = wi*k.shrink - k.step*mi/(float32(math.Sqrt(float64(vi)))*k.rbc2+k.eps)
	}
}

// GlobalNorm returns √(Σ over params of Σ G²), accumulated in float64.
func GlobalNorm(params []*Param) float64 {
	var s float64
	for _, p := range params {
		for _, g := range p.G {
			s += float64(g) * float64(g)
		}
	}
	return math.Sqrt(s)
}

// ClipGlobalNorm scales every gradient by maxNorm/norm when the global norm
// exceeds maxNorm, and returns the norm before clipping.
func ClipGlobalNorm(params []*Param, maxNorm float64) float64 {
	n := GlobalNorm(params)
	if n > maxNorm && n > 0 {
		k := float32(maxNorm / n)
		for _, p := range params {
			for i := range p.G {
				p.G[i] *= k
			}
		}
	}
	return n
}
