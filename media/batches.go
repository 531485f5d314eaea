package media

import (
	"errors"
	"io"
)

// Batches hands the stream's frames to fn n at a time, the last batch
// possibly shorter. The next batch is decoded (read in a goroutine) while
// fn works on this one, so memory holds at most two batches however long
// the video is. It returns nil at the end of the stream, else the first
// error from the stream or fn, or the cause of the stream's cancellation.
// It does not close the stream.
func (s *VideoStream) Batches(n int, fn func([]Frame) error) error {
	n = max(n, 1)
	type batch struct {
		frames []Frame
		err    error // after the last frames: io.EOF or why decoding stopped
	}
	ch := make(chan batch, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(ch)
		for {
			b := batch{frames: make([]Frame, 0, n)}
			for len(b.frames) < n {
				var f Frame
				if f, b.err = s.Next(); b.err != nil {
					break
				}
				b.frames = append(b.frames, f)
			}
			select {
			case ch <- b:
			case <-done:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	for b := range ch {
		if len(b.frames) > 0 {
			if err := fn(b.frames); err != nil {
				return err
			}
		}
		if b.err != nil {
			if errors.Is(b.err, io.EOF) {
				return nil
			}
			return b.err
		}
	}
	return nil
}
