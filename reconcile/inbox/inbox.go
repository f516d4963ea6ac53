// Package inbox is the shared-folder protocol of encours: it finds the
// exports that are ready in each wholesaler's folder, reads them whole while
// making sure they did not change underneath, moves them to the archive or
// to quarantine without ever overwriting anything, writes outputs
// atomically, and holds the lock that lets one run at a time use a data
// directory. With cmd, it is the only package that opens paths.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Inbox is a shared inbox folder (Root, one sub-folder per wholesaler) and
// the data directory its files are archived and quarantined into. The zero
// values of MinAge, Now and Wait are safe: no age limit, the real clock,
// a real timer.
type Inbox struct {
	// Root holds one folder per wholesaler id.
	Root string
	// DataDir receives archive/ and quarantine/.
	DataDir string
	// MinAge defers files modified less than MinAge ago (min_file_age).
	MinAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Wait pauses for d or until ctx ends; nil means a real timer. Tests
	// inject it so that the stability check never waits on real time.
	Wait func(ctx context.Context, d time.Duration) error
}

// File is one candidate file found by Scan in a wholesaler's folder.
type File struct {
	Wholesaler string
	// Name is the base name in the wholesaler's folder.
	Name string
	// Path is where the file is now.
	Path    string
	Size    int64
	ModTime time.Time
	// Deferred files are left for a later run, for DeferReason.
	Deferred    bool
	DeferReason string

	// info is what Scan saw, to tell a replaced file from the scanned one.
	info fs.FileInfo
}

// Scan is what one look at the inbox found.
type Scan struct {
	// Files are the candidates, per wholesaler in the order given to Scan,
	// oldest first (modification time, then name).
	Files []File
	// Warnings are plain sentences about things left where they are.
	Warnings []string
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// ValidID reports whether id can name a wholesaler (and thus a folder).
func ValidID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("wholesaler id %q is not valid: use lowercase letters, digits and dashes, starting with a letter or digit", id)
	}
	return nil
}

// ValidName reports whether name is a plain file name that cannot leave the
// folder it is joined to: not empty, not "." or "..", no path separator.
func ValidName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("file name %q is not a file name", name)
	case strings.ContainsAny(name, `/\`+string(filepath.Separator)) || strings.ContainsRune(name, 0):
		return fmt.Errorf("file name %q contains a path separator; rename the file", name)
	}
	return nil
}

// Ignored reports whether a name in a wholesaler's folder is never looked
// at: hidden files, Excel lock files (~$) and partial downloads or copies.
func Ignored(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
		return true
	}
	lower := strings.ToLower(name)
	for _, ext := range []string{".tmp", ".part", ".partial", ".crdownload"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

// join joins root and elements that were validated as ids or names, and
// checks that the result is still below root.
func join(root string, elem ...string) (string, error) {
	p := filepath.Join(append([]string{root}, elem...)...)
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("path %q would leave %q", p, root)
	}
	return p, nil
}

func (in *Inbox) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

// Scan lists the folders of the given wholesalers. A missing wholesaler
// folder holds nothing; a missing inbox root is an error, since it usually
// means the share is not mounted. Hidden files, lock files and partial
// copies are skipped silently; every other regular file is a candidate, so
// that the reader can quarantine what it cannot read with a reason.
// Sub-folders, symbolic links, other wholesalers' folders and files at the
// root are left where they are, with a warning.
func (in *Inbox) Scan(wholesalers []string) (Scan, error) {
	var s Scan
	known := map[string]bool{}
	var ids []string
	for _, id := range wholesalers {
		if err := ValidID(id); err != nil {
			return Scan{}, fmt.Errorf("inbox: %w", err)
		}
		if !known[id] {
			known[id] = true
			ids = append(ids, id)
		}
	}

	rootEntries, err := os.ReadDir(in.Root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Scan{}, fmt.Errorf("inbox: the inbox folder %s does not exist: check `inbox` in the config, or whether the shared folder is mounted", in.Root)
		}
		return Scan{}, fmt.Errorf("inbox: reading the inbox folder: %w", err)
	}
	for _, e := range rootEntries {
		name := e.Name()
		if known[name] || Ignored(name) {
			continue
		}
		p := filepath.Join(in.Root, name)
		switch {
		case e.IsDir():
			s.Warnings = append(s.Warnings, fmt.Sprintf("folder %s does not belong to any configured wholesaler and was left alone: add the wholesaler to the config or move its files into the right wholesaler's folder", p))
		default:
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s lies at the root of the inbox and was left alone: move it into its wholesaler's folder", p))
		}
	}

	now := in.now()
	for _, id := range ids {
		files, warnings, err := in.scanFolder(id, now)
		if err != nil {
			return Scan{}, err
		}
		s.Files = append(s.Files, files...)
		s.Warnings = append(s.Warnings, warnings...)
	}
	return s, nil
}

func (in *Inbox) scanFolder(id string, now time.Time) ([]File, []string, error) {
	dir, err := join(in.Root, id)
	if err != nil {
		return nil, nil, fmt.Errorf("inbox: %w", err)
	}
	// A wholesaler's folder itself may be a symbolic link (to a mounted
	// share, say); only what is inside is not followed.
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, nil
	case err != nil:
		return nil, nil, fmt.Errorf("inbox: looking at the folder of %s: %w", id, err)
	case !info.IsDir():
		return nil, []string{fmt.Sprintf("%s should be the folder of wholesaler %s but is a file; it was left alone: move it aside and create the folder", dir, id)}, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrPermission) {
		// One unreadable folder must not hold back the other wholesalers.
		return nil, []string{fmt.Sprintf("folder %s could not be read (%v): its files were left for a later run; give encours read and write access to it", dir, err)}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("inbox: reading the folder of %s: %w", id, err)
	}
	var files []File
	var warnings []string
	for _, e := range entries {
		name := e.Name()
		if Ignored(name) {
			continue
		}
		p := filepath.Join(dir, name)
		if err := ValidName(name); err != nil {
			warnings = append(warnings, fmt.Sprintf("%s was left alone: its name cannot be handled safely (%v)", p, err))
			continue
		}
		info, err := e.Info() // Lstat: links are seen as links.
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // gone since the listing
			}
			return nil, nil, fmt.Errorf("inbox: %w", err)
		}
		switch mode := info.Mode(); {
		case mode&fs.ModeSymlink != 0:
			warnings = append(warnings, fmt.Sprintf("%s is a symbolic link and was not followed: put the file itself in the folder", p))
			continue
		case mode.IsDir():
			warnings = append(warnings, fmt.Sprintf("folder %s was not opened: sub-folders are not read, move its files up into %s", p, dir))
			continue
		case !mode.IsRegular():
			warnings = append(warnings, fmt.Sprintf("%s is not a regular file and was left alone", p))
			continue
		}
		f := File{Wholesaler: id, Name: name, Path: p, Size: info.Size(), ModTime: info.ModTime(), info: info}
		if age := now.Sub(f.ModTime); age < in.MinAge {
			f.Deferred = true
			if age < 0 {
				f.DeferReason = fmt.Sprintf("its modification time %s is in the future (are the clocks of the machines in sync?); it is left for a later run", f.ModTime.Format(time.RFC3339))
			} else {
				f.DeferReason = fmt.Sprintf("modified %s ago, less than min_file_age %s: it may still be being copied and is left for the next run", age.Round(time.Second), in.MinAge)
			}
		}
		files = append(files, f)
	}
	sort.SliceStable(files, func(i, j int) bool {
		if !files[i].ModTime.Equal(files[j].ModTime) {
			return files[i].ModTime.Before(files[j].ModTime)
		}
		return files[i].Name < files[j].Name
	})
	return files, warnings, nil
}
