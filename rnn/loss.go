package rnn

import (
	"fmt"
	"math"
	"sync"
)

// N = rows (T*B), V = classes (vocabulary).

// SoftmaxCrossEntropy returns the mean over rows with targets[n] >= 0 of
//
//	loss_n = logsumexp(logits_n) - logits_n[targets[n]]
//
// computed stably (max subtracted before exponentiating), and the number of
// such rows. Rows whose target is negative are padding and contribute nothing.
// If grad is non-nil (N,V) it receives dloss/dlogits:
//
//	grad_n = (softmax(logits_n) - onehot(targets[n])) / count, zero for padding
//
// grad may be logits itself, overwriting the logits with their gradient
// (saving a buffer as large as the logits in training).
// Large batches are split over two goroutines.
func SoftmaxCrossEntropy(logits []float32, N, V int, targets []int, grad []float32) (loss float64, count int) {
	if len(logits) != N*V || len(targets) != N || (grad != nil && len(grad) != N*V) {
		panic(fmt.Sprintf("rnn: SoftmaxCrossEntropy: logits %d, targets %d, grad %d for N=%d V=%d", len(logits), len(targets), len(grad), N, V))
	}
	for n, t := range targets {
		if t >= V {
			panic(fmt.Sprintf("rnn: SoftmaxCrossEntropy: target[%d] = %d outside %d classes", n, t, V))
		}
		if t >= 0 {
			count++
		}
	}
	if count == 0 {
		clear(grad)
		return 0, 0
	}
	scale := float32(1 / float64(count))
	rows := func(lo, hi int) float64 {
		var sum float64
		for n := lo; n < hi; n++ {
			row := logits[n*V : (n+1)*V]
			var g []float32
			if grad != nil {
				g = grad[n*V : (n+1)*V]
			}
			if targets[n] < 0 {
				clear(g)
				continue
			}
			if g == nil {
				sum += float64(logSumExp(row, nil) - row[targets[n]])
				continue
			}
			// g = exp(row - m) / Σ exp(row - m) ... as (softmax - onehot)/count
			m, target := maxOf(row), row[targets[n]] // read before g overwrites row
			s := expShiftRow(g, row, m)
			sum += float64(m + float32(math.Log(float64(s))) - target)
			k := scale / s
			for j := range g {
				g[j] *= k
			}
			g[targets[n]] -= scale
		}
		return sum
	}
	if N*V < 1<<16 {
		return rows(0, N) / float64(count), count
	}
	var wg sync.WaitGroup
	var other float64
	mid := N / 2
	wg.Add(1)
	go func() { defer wg.Done(); other = rows(mid, N) }()
	first := rows(0, mid)
	wg.Wait()
	return (first + other) / float64(count), count
}

// maxOf returns the largest value of a non-empty row.
func maxOf(row []float32) float32 {
	m := row[0]
	for _, v := range row[1:] {
		if v > m {
			m = v
		}
	}
	return m
}

// logSumExp returns log Σ exp(row) computed as max + log Σ exp(row - max).
// If scratch is non-nil it receives exp(row - max).
func logSumExp(row, scratch []float32) float32 {
	m := maxOf(row)
	return m + float32(math.Log(float64(expShiftRow(scratch, row, m))))
}

// MSE returns mean((y - target)²) over all values and, if grad is non-nil,
// writes dloss/dy = 2 (y - target) / len(y) into it.
func MSE(y, target, grad []float32) float64 {
	if len(y) != len(target) || (grad != nil && len(grad) != len(y)) {
		panic(fmt.Sprintf("rnn: MSE: len(y)=%d, len(target)=%d, len(grad)=%d", len(y), len(target), len(grad)))
	}
	if len(y) == 0 {
		return 0
	}
	var sum float64
	k := float32(2 / float64(len(y)))
	for i, v := range y {
		d := v - target[i]
		sum += float64(d) * float64(d)
		if grad != nil {
			grad[i] = k * d
		}
	}
	return sum / float64(len(y))
}

// SigmoidBinaryCrossEntropy is the multi-label loss: each of the C logits
// of a row is an independent yes/no with target 0 or 1 (or in between),
// and the loss is the mean over the N rows of the sum over classes of
//
//	loss_nc = softplus(x) - y·x = log(1 + e^x) - y·x,  x = logits[n,c], y = targets[n,c]
//
// computed stably as max(x, 0) + log1p(e^-|x|) - y·x. If grad is non-nil
// (N,C) it receives dloss/dlogits:
//
//	grad_nc = (sigmoid(x) - y) / N
func SigmoidBinaryCrossEntropy(logits []float32, N, C int, targets, grad []float32) float64 {
	if len(logits) != N*C || len(targets) != N*C || (grad != nil && len(grad) != N*C) {
		panic(fmt.Sprintf("rnn: SigmoidBinaryCrossEntropy: logits %d, targets %d, grad %d for N=%d C=%d", len(logits), len(targets), len(grad), N, C))
	}
	if N == 0 {
		return 0
	}
	var sum float64
	scale := float32(1 / float64(N))
	for i, x := range logits {
		y := targets[i]
		sum += float64(max(x, 0)) + math.Log1p(math.Exp(-math.Abs(float64(x)))) - float64(y)*float64(x)
		if grad != nil {
			grad[i] = (sigmoid(x) - y) * scale
		}
	}
	return sum / float64(N)
}

// Sigmoid writes 1/(1+e^-x) of every x into dst (grown to len(x)) and
// returns it: the probabilities of SigmoidBinaryCrossEntropy's logits.
func Sigmoid(x, dst []float32) []float32 {
	dst = grow(dst, len(x))
	for i, v := range x {
		dst[i] = sigmoid(v)
	}
	return dst
}
