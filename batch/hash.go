package batch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// hashFile returns the sha256 of the file at p, in hex. It reads in blocks
// and stops at the next one when ctx is cancelled.
func hashFile(ctx context.Context, p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("batch: %s: %s", p, fsReason(err))
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("batch: %s: reading: %s", p, fsReason(err))
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
