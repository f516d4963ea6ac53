package inbox

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
)

// tempSuffix ends every temp name, so that a leftover is both ignored by
// Scan and recognised by CleanTemp.
const tempSuffix = ".tmp"

// tempPattern matches the names os.CreateTemp makes from "."+name+"-*.tmp".
var tempPattern = regexp.MustCompile(`^\..+-[0-9]+\.tmp$`)

// WriteAtomic writes dir/name so that readers see the old content or the
// new one, never a part: write fills a temp file ".name-NNN.tmp" in dir,
// which is synced, given perm (0640 when 0), renamed over name, and the
// folder synced. The temp file is removed on every error.
func WriteAtomic(dir, name string, perm os.FileMode, write func(io.Writer) error) error {
	return writeAtomic(dir, name, perm, write, nil)
}

// writeAtomic is WriteAtomic with a hook run on the closed temp file just
// before the rename.
func writeAtomic(dir, name string, perm os.FileMode, write func(io.Writer) error, beforeRename func(tmp string) error) error {
	if err := ValidName(name); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	if perm == 0 {
		perm = 0o640
	}
	dst, err := join(dir, name)
	if err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+name+"-*"+tempSuffix)
	if err != nil {
		return fmt.Errorf("inbox: writing %s: %w", dst, err)
	}
	tmp := f.Name()
	// done is set only once the rename happened, so that every early
	// return and a panic in write alike remove the temp file.
	closed, done := false, false
	defer func() {
		if !done {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("inbox: writing %s: %w", dst, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("inbox: writing %s: %w", dst, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("inbox: writing %s: %w", dst, err)
	}
	closed = true
	if err = f.Close(); err != nil {
		return fmt.Errorf("inbox: writing %s: %w", dst, err)
	}
	if beforeRename != nil {
		if err = beforeRename(tmp); err != nil {
			return fmt.Errorf("inbox: writing %s: %w", dst, err)
		}
	}
	if err = os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("inbox: writing %s: %w", dst, err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		// The file is in place; only its durability is in doubt.
		return fmt.Errorf("inbox: %s was written but its folder could not be synced: %w", dst, err)
	}
	return nil
}

// CleanTemp removes, in dir and every folder below it, the temp files that
// WriteAtomic, Archive and Quarantine leave when a run is killed mid-write
// (".name-NNN.tmp"); nothing else is touched and symbolic links are not
// followed. A missing dir is not an error. Call it while holding the lock.
func CleanTemp(dir string) error {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() && tempPattern.MatchString(d.Name()) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("inbox: cleaning temp files under %s: %w", dir, err)
	}
	return nil
}

// syncDir makes a rename in dir durable. File systems that cannot sync a
// folder say so with EINVAL or ENOTSUP; there is nothing more to do there.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	return nil
}
