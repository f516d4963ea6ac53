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
)

// FindArchived looks under DataDir/archive/<wholesaler>/ for a file whose
// SHA-256 is sum, and returns its path; false when there is none. Files
// named like name (or its "name (n).ext" variants) are hashed first, then
// any other file of the wholesaler's archive, so that a file renamed in
// the archive is still found. It is how encours simulate finds an input
// whose archived path the ledger does not know (a run that died between
// its commit and the move).
func (in *Inbox) FindArchived(wholesaler, name, sum string) (string, bool, error) {
	if err := ValidID(wholesaler); err != nil {
		return "", false, fmt.Errorf("inbox: %w", err)
	}
	root, err := join(in.DataDir, "archive", wholesaler)
	if err != nil {
		return "", false, fmt.Errorf("inbox: %w", err)
	}
	var likely, others []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() || tempPattern.MatchString(d.Name()) {
			return nil
		}
		if sameStem(d.Name(), name) {
			likely = append(likely, p)
		} else {
			others = append(others, p)
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("inbox: looking for %s in the archive: %w", name, err)
	}
	for _, p := range append(likely, others...) {
		got, err := FileSHA256(p)
		if err != nil {
			return "", false, fmt.Errorf("inbox: looking for %s in the archive: %w", name, err)
		}
		if got == sum {
			return p, true, nil
		}
	}
	return "", false, nil
}

// sameStem reports whether got is name or one of the "name (n).ext" that
// Archive makes when name is taken.
func sameStem(got, name string) bool {
	if got == name {
		return true
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	rest, ok := strings.CutPrefix(got, stem+" (")
	if !ok {
		return false
	}
	n, ok := strings.CutSuffix(rest, ")"+ext)
	return ok && n != "" && strings.Trim(n, "0123456789") == ""
}

// FileSHA256 returns the lowercase hex SHA-256 of the file at path, as
// Load computes it.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
