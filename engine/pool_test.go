package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// poolCount counts the members at work at once.
type poolCount struct {
	mu         sync.Mutex
	busy, most int
	clash      bool // a member was given two inputs at once
}

// slowWorker takes 20 ms an input.
type slowWorker struct {
	c    *poolCount
	mu   sync.Mutex
	mine bool
}

func (l *slowWorker) work() {
	l.mu.Lock()
	l.c.mu.Lock()
	l.c.clash = l.c.clash || l.mine
	l.c.busy++
	l.c.most = max(l.c.most, l.c.busy)
	l.c.mu.Unlock()
	l.mine = true
	l.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	l.mu.Lock()
	l.c.mu.Lock()
	l.c.busy--
	l.c.mu.Unlock()
	l.mine = false
	l.mu.Unlock()
}

func TestPoolOneInputEach(t *testing.T) {
	c := &poolCount{}
	p := NewPool(&slowWorker{c: c}, &slowWorker{c: c})
	if p.Size() != 2 {
		t.Errorf("size %d, want 2", p.Size())
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			p.Do(context.Background(), func(w *slowWorker) error { w.work(); return nil })
		})
	}
	wg.Wait()
	if c.most != 2 || c.clash {
		t.Errorf("at most %d inputs at once (want 2); a member given two at once: %v", c.most, c.clash)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := NewPool[*slowWorker]().Do(ctx, func(*slowWorker) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("waiting for a member ignores the context: %v", err)
	}
}
