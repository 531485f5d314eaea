// Command gradients draws the vanishing gradient: how much of the loss's
// gradient reaches the first input of a sequence, against the number of
// steps between them (the lag), for a plain RNN and an LSTM as rnn/ builds
// them (freshly initialised, 8 inputs, 32 units; the same measure as rnn's
// Example_gradientNormVsLag). The plain RNN's shrinks geometrically; the
// LSTM's cell path carries it much further.
//
//	go run ./examples/gradients [--out docs/gradients.png]
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"captioner/rnn"
)

func main() {
	out := flag.String("out", "docs/gradients.png", "the plot (PNG)")
	flag.Parse()
	lags, rnnN, lstmN := measure(100)
	fmt.Println("lag   RNN      LSTM")
	for i, lag := range lags {
		if lag == 1 || lag%10 == 0 {
			fmt.Printf("%-5d %.1e  %.1e\n", lag, rnnN[i], lstmN[i])
		}
	}
	if err := draw(lags, rnnN, lstmN, *out); err != nil {
		log.Fatal(err)
	}
	fmt.Println("plot:", *out)
}

// measure returns the gradient norms at lags 1..maxLag for each layer.
func measure(maxLag int) (lags []int, rnnN, lstmN []float64) {
	for lag := 1; lag <= maxLag; lag++ {
		lags = append(lags, lag)
		rnnN = append(rnnN, rnn.GradientAtLag(rnn.NewRNN(rnn.NativeBLAS(), 8, 32, rand.New(rand.NewPCG(3, 0))), lag))
		lstmN = append(lstmN, rnn.GradientAtLag(rnn.NewLSTM(rnn.NativeBLAS(), 8, 32, rand.New(rand.NewPCG(3, 0))), lag))
	}
	return lags, rnnN, lstmN
}

// draw plots log10 of the norms against the lag.
func draw(lags []int, rnnN, lstmN []float64, path string) error {
	p := plot.New()
	p.Title.Text = "gradient reaching the first input, against the lag"
	p.X.Label.Text = "lag (steps)"
	p.Y.Label.Text = "log10 of the gradient's norm"
	line := func(v []float64) plotter.XYs {
		xy := make(plotter.XYs, len(lags))
		for i, lag := range lags {
			xy[i].X, xy[i].Y = float64(lag), math.Log10(max(v[i], 1e-45))
		}
		return xy
	}
	if err := plotutil.AddLines(p, "plain RNN", line(rnnN), "LSTM", line(lstmN)); err != nil {
		return fmt.Errorf("gradients: %w", err)
	}
	tmp := path + ".tmp.png"
	if err := p.Save(7*vg.Inch, 4*vg.Inch, tmp); err != nil {
		return fmt.Errorf("gradients: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("gradients: %w", err)
	}
	return nil
}
