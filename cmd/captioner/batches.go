package main

import (
	"errors"
	"io"

	"captioner/media"
)

// inBatches hands a video stream's frames to fn n at a time, the last batch
// possibly shorter, then closes the stream and returns its error: the first
// error from fn or the stream stops it.
func inBatches(stream *media.VideoStream, n int, fn func([]media.Frame) error) error {
	batch := make([]media.Frame, 0, max(n, 1))
	for {
		fr, err := stream.Next()
		if errors.Is(err, io.EOF) {
			if len(batch) > 0 {
				if err := fn(batch); err != nil {
					return err
				}
			}
			return stream.Close()
		}
		if err != nil {
			return err
		}
		batch = append(batch, fr)
		if len(batch) == cap(batch) {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
}
