package inbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// ErrChanged means a file changed, moved or vanished between the look that
// found it and its read: it is probably still being copied, and the caller
// defers it to the next run.
var ErrChanged = errors.New("the file changed while encours was looking at it")

// ErrTooLarge means a file is over the size limit; the caller quarantines it.
var ErrTooLarge = errors.New("the file is too large")

// Content is a file read whole into memory, with its SHA-256.
type Content struct {
	File File
	Data []byte
	// SHA256 is the lowercase hex digest of Data.
	SHA256 string
}

// Reader returns the content as an io.ReaderAt, for readers of zip files.
func (c *Content) Reader() *bytes.Reader { return bytes.NewReader(c.Data) }

// Load reads f whole, computing its SHA-256 on the way. Before and after
// reading it checks that the file is still the one Scan saw, with the same
// size and modification time; if not, the error wraps ErrChanged. A file
// over maxBytes (when maxBytes > 0) is not read: the error wraps ErrTooLarge.
func (f File) Load(maxBytes int64) (*Content, error) {
	if err := ValidName(f.Name); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	h, err := os.Open(f.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("inbox: %s: %w: it is no longer in the inbox", f.Path, ErrChanged)
		}
		return nil, fmt.Errorf("inbox: opening %s: %w", f.Path, err)
	}
	defer h.Close()

	before, err := f.check(h)
	if err != nil {
		return nil, err
	}
	if maxBytes > 0 && before.Size() > maxBytes {
		return nil, fmt.Errorf("inbox: %s: %w: it is %s, over the limit of %s (limits.max_file_bytes); send a smaller export or raise the limit",
			f.Name, ErrTooLarge, byteSize(before.Size()), byteSize(maxBytes))
	}

	var buf bytes.Buffer
	buf.Grow(int(before.Size()) + 1)
	sum := sha256.New()
	r := io.Reader(h)
	if maxBytes > 0 {
		r = io.LimitReader(h, maxBytes+1)
	}
	if _, err := io.Copy(io.MultiWriter(&buf, sum), r); err != nil {
		return nil, fmt.Errorf("inbox: reading %s: %w", f.Path, err)
	}
	if maxBytes > 0 && int64(buf.Len()) > maxBytes {
		return nil, fmt.Errorf("inbox: %s: %w: it grew past the limit of %s while being read", f.Name, ErrChanged, byteSize(maxBytes))
	}
	if _, err := f.check(h); err != nil {
		return nil, err
	}
	if int64(buf.Len()) != f.Size {
		return nil, fmt.Errorf("inbox: %s: %w: %d bytes were read where %d were expected", f.Name, ErrChanged, buf.Len(), f.Size)
	}
	return &Content{File: f, Data: buf.Bytes(), SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// check compares the open file, and what its path names now, with what Scan
// saw.
func (f File) check(h *os.File) (fs.FileInfo, error) {
	open, err := h.Stat()
	if err != nil {
		return nil, fmt.Errorf("inbox: %s: %w", f.Path, err)
	}
	now, err := os.Lstat(f.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("inbox: %s: %w: it is no longer in the inbox", f.Path, ErrChanged)
		}
		return nil, fmt.Errorf("inbox: %s: %w", f.Path, err)
	}
	switch {
	case !now.Mode().IsRegular():
		return nil, fmt.Errorf("inbox: %s: %w: it is no longer a regular file", f.Path, ErrChanged)
	case !os.SameFile(open, now), f.info != nil && !os.SameFile(f.info, now):
		return nil, fmt.Errorf("inbox: %s: %w: it was replaced by another file", f.Path, ErrChanged)
	}
	if err := f.same(open); err != nil {
		return nil, err
	}
	return open, nil
}

// same reports ErrChanged when info differs in size or modification time
// from what Scan saw.
func (f File) same(info fs.FileInfo) error {
	if info.Size() != f.Size || !info.ModTime().Equal(f.ModTime) {
		return fmt.Errorf("inbox: %s: %w: it was %d bytes modified at %s, it is now %d bytes modified at %s; it is probably still being copied",
			f.Name, ErrChanged, f.Size, f.ModTime.Format(time.RFC3339Nano), info.Size(), info.ModTime().Format(time.RFC3339Nano))
	}
	return nil
}

// Stable is the check for copies that keep an old modification time while
// they grow (cp -p, robocopy): it waits interval once, looks at every file
// not yet deferred again, and defers those whose size or modification time
// changed, or that are gone. It returns a new slice; an interval <= 0
// checks nothing. The error is only ever ctx's.
func (in *Inbox) Stable(ctx context.Context, files []File, interval time.Duration) ([]File, error) {
	out := append([]File(nil), files...)
	if interval <= 0 {
		return out, nil
	}
	wait := in.Wait
	if wait == nil {
		wait = sleep
	}
	if err := wait(ctx, interval); err != nil {
		return nil, err
	}
	for i := range out {
		f := &out[i]
		if f.Deferred {
			continue
		}
		info, err := os.Lstat(f.Path)
		switch {
		case err != nil:
			f.Deferred, f.DeferReason = true, fmt.Sprintf("it could not be looked at again after %s (%v); it is left for the next run", interval, err)
		case !info.Mode().IsRegular():
			f.Deferred, f.DeferReason = true, "it is no longer a regular file; it is left for the next run"
		case f.same(info) != nil:
			f.Deferred, f.DeferReason = true, fmt.Sprintf("its size or modification time changed within %s: it is still being copied and is left for the next run", interval)
		}
	}
	return out, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// byteSize writes n for people: 1.5 MiB, 100 MiB, 512 bytes.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n)/unit, 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	s := fmt.Sprintf("%.1f", v)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s + " " + units[i]
}
