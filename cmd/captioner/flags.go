package main

import (
	"fmt"
	"strconv"
	"strings"
)

// parseSize reads WIDTHxHEIGHT, both positive and at most 16384.
func parseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		w, err = strconv.Atoi(ws)
		if err == nil {
			h, err = strconv.Atoi(hs)
		}
	}
	if !ok || err != nil || w <= 0 || h <= 0 || w > 16384 || h > 16384 {
		return 0, 0, usagef("size %q: want WIDTHxHEIGHT, e.g. 224x224", s)
	}
	return w, h, nil
}

// plural writes "1 video", "2 videos".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
