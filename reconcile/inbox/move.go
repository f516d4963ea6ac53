package inbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/encours/encours/reconcile"
)

// maxSuffix bounds the search for a free name; past it something is wrong.
const maxSuffix = 10000

// Archive moves f to DataDir/archive/<wholesaler>/<asOf>/ and returns its
// new path. It never overwrites: when the name is taken, "name (2).xlsx",
// "name (3).xlsx"… is used instead.
func (in *Inbox) Archive(f File, asOf reconcile.Date) (string, error) {
	if asOf.IsZero() {
		return "", errors.New("inbox: archiving needs an as-of date")
	}
	if err := f.validate(); err != nil {
		return "", err
	}
	dir, err := join(in.DataDir, "archive", f.Wholesaler, asOf.String())
	if err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	dst, err := move(f.Path, dir, f.Name, nil)
	if err != nil {
		return "", fmt.Errorf("inbox: archiving %s: %w", f.Path, err)
	}
	return dst, nil
}

// What the quarantine note tells to do, for an export and for a response
// file (a workbook encours wrote, sent back with answers).
const (
	exportTodo = `Fix the export (or ask the wholesaler for a good one) and drop a new copy
  into the wholesaler's inbox folder; the next run will read it.
  This file can then be deleted.`
	responseTodo = `This is a workbook encours wrote, sent back with answers; none of its
  answers was read. Take the latest workbook encours sent to this wholesaler,
  change nothing in it but the answer columns (Votre réponse / Your response,
  Votre commentaire / Your comment), and drop it into this wholesaler's own
  inbox folder; the next run will read the answers. Nothing else is lost:
  lines and amounts never depend on a response file.
  This file can then be deleted.`
)

// Quarantine moves f to DataDir/quarantine/<wholesaler>/ (never
// overwriting, as Archive) and writes <name>.error.txt beside it, saying
// why, where the file came from, when, and what to do about the export.
// It returns the new path of the file.
func (in *Inbox) Quarantine(f File, reason string) (string, error) {
	return in.quarantine(f, reason, exportTodo)
}

// QuarantineResponse quarantines a response file (a workbook encours
// wrote, filled in and dropped back) as Quarantine does, its note saying
// what to do about a response file: send back the workbook encours sent,
// unchanged but for its answer columns.
func (in *Inbox) QuarantineResponse(f File, reason string) (string, error) {
	return in.quarantine(f, reason, responseTodo)
}

func (in *Inbox) quarantine(f File, reason, todo string) (string, error) {
	if err := f.validate(); err != nil {
		return "", err
	}
	dir, err := join(in.DataDir, "quarantine", f.Wholesaler)
	if err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	// The note's name must be free too, so that an old note never
	// describes a new file.
	noteFree := func(name string) bool {
		_, err := os.Lstat(filepath.Join(dir, name+".error.txt"))
		return errors.Is(err, fs.ErrNotExist)
	}
	dst, err := move(f.Path, dir, f.Name, noteFree)
	if err != nil {
		return "", fmt.Errorf("inbox: quarantining %s: %w", f.Path, err)
	}
	// The file is moved first: a crash before the note is written loses
	// an explanation, never a file.
	name := filepath.Base(dst)
	note := fmt.Sprintf(`This file was set aside by encours and was not used.

File:       %s
Came from:  %s
Wholesaler: %s
Set aside:  %s

Why:
  %s

What to do:
  %s
`, name, f.Path, f.Wholesaler, in.now().Format(time.RFC3339), oneLine(reason), todo)
	err = WriteAtomic(dir, name+".error.txt", 0o640, func(w io.Writer) error {
		_, err := io.WriteString(w, note)
		return err
	})
	if err != nil {
		return dst, fmt.Errorf("inbox: %s was quarantined as %s but its note could not be written: %w", f.Path, dst, err)
	}
	return dst, nil
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "(no reason given)"
	}
	return strings.Join(strings.Fields(s), " ")
}

func (f File) validate() error {
	if err := ValidID(f.Wholesaler); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	if err := ValidName(f.Name); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	if f.Path == "" {
		return fmt.Errorf("inbox: %s has no path", f.Name)
	}
	return nil
}

// move moves src into dir under name, or the first free "name (n).ext",
// and returns the new path. free, when set, must also accept the name.
// Callers hold the data-dir lock, so nothing else creates names in dir
// between the look and the rename. Across file systems it copies, syncs,
// and only then removes src.
func move(src, dir, name string, free func(string) bool) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	info, err := os.Lstat(src)
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", src)
	}
	dst, err := freeName(dir, name, free)
	if err != nil {
		return "", err
	}
	err = os.Rename(src, dst)
	if err == nil {
		if err := syncDir(dir); err != nil {
			return dst, err
		}
		_ = syncDir(filepath.Dir(src)) // the inbox may be a share that cannot sync a folder
		return dst, nil
	}
	if !errors.Is(err, syscall.EXDEV) {
		return "", err
	}
	if err := copyFile(src, dst, info); err != nil {
		return "", err
	}
	if err := os.Remove(src); err != nil {
		return dst, fmt.Errorf("%s was copied to %s but could not be removed from the inbox: %w", src, dst, err)
	}
	_ = syncDir(filepath.Dir(src))
	return dst, nil
}

// freeName returns the first path in dir for name, "name (2).ext", … that
// does not exist (and that free accepts).
func freeName(dir, name string, free func(string) bool) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 1; n <= maxSuffix; n++ {
		candidate := name
		if n > 1 {
			candidate = fmt.Sprintf("%s (%d)%s", stem, n, ext)
		}
		p, err := join(dir, candidate)
		if err != nil {
			return "", err
		}
		_, err = os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) && (free == nil || free(candidate)) {
			return p, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name for %s in %s after %d tries: clean up that folder", name, dir, maxSuffix)
}

// copyFile copies src to dst through a temp file in dst's folder, so that
// dst appears whole or not at all, keeping src's modification time.
func copyFile(src, dst string, info fs.FileInfo) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeAtomic(filepath.Dir(dst), filepath.Base(dst), 0o640, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	}, func(tmp string) error {
		return os.Chtimes(tmp, info.ModTime(), info.ModTime())
	})
}

// Stage copies the file at src into dir under name, keeping its
// modification time, so that Scan orders the copy as it ordered the
// original, and returns the copy's path and SHA-256 (as Load computes
// it); dir is created when missing and the copy appears whole or not at
// all. encours simulate stages archived exports into a scratch inbox so.
func Stage(src, dir, name string) (path, sum string, err error) {
	if err := ValidName(name); err != nil {
		return "", "", fmt.Errorf("inbox: %w", err)
	}
	in, err := os.Open(src)
	if err != nil {
		return "", "", fmt.Errorf("inbox: staging %s: %w", src, err)
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return "", "", fmt.Errorf("inbox: staging %s: %w", src, err)
	}
	if !info.Mode().IsRegular() {
		return "", "", fmt.Errorf("inbox: staging %s: it is not a regular file", src)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", "", fmt.Errorf("inbox: staging %s: %w", src, err)
	}
	h := sha256.New()
	err = writeAtomic(dir, name, 0o640, func(w io.Writer) error {
		_, err := io.Copy(io.MultiWriter(w, h), in)
		return err
	}, func(tmp string) error {
		return os.Chtimes(tmp, info.ModTime(), info.ModTime())
	})
	if err != nil {
		return "", "", fmt.Errorf("inbox: staging %s: %w", src, err)
	}
	return filepath.Join(dir, name), hex.EncodeToString(h.Sum(nil)), nil
}
