package subtitle

import (
	"context"
	"sync"
)

// forEach calls fn(i) for every i in [0, n), workers at a time, and
// returns when all calls have returned. Once ctx is done no new call
// starts; the caller checks ctx.
func forEach(ctx context.Context, n, workers int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
}
