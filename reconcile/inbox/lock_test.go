package inbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLock(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "var") // created by Lock
	held, err := Lock(dataDir, "encours run --config a.yaml")
	if err != nil {
		t.Fatal(err)
	}

	// flock belongs to an open file description, so a second Lock in
	// this same process conflicts as another process would.
	_, err = Lock(dataDir, "encours daemon")
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second Lock: err = %v, want *LockedError", err)
	}
	msg := err.Error()
	for _, want := range []string{"another encours run is in progress", dataDir, fmt.Sprintf("pid %d", os.Getpid()), `"encours run --config a.yaml"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}

	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
	if err := held.Release(); err != nil {
		t.Errorf("second release: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, LockInfoFile)); !errors.Is(err, os.ErrNotExist) {
		t.Error("holder note left after release")
	}
	again, err := Lock(dataDir, "encours daemon")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	defer again.Release()
	assertNoTemp(t, dataDir)
}

func TestLockHolderUnknown(t *testing.T) {
	dataDir := t.TempDir()
	held, err := Lock(dataDir, "first")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	os.Remove(filepath.Join(dataDir, LockInfoFile))
	_, err = Lock(dataDir, "second")
	var locked *LockedError
	if !errors.As(err, &locked) || !strings.Contains(locked.Holder, "unknown") {
		t.Errorf("err = %v, want a LockedError with an unknown holder", err)
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && tempPattern.MatchString(d.Name()) {
			t.Errorf("temp file left: %s", p)
		}
		return nil
	})
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "report.xlsx")
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := WriteAtomic(dir, "report.xlsx", 0, write("v1")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dst)
	if err != nil || info.Mode().Perm() != 0o640 {
		t.Fatalf("stat = %v, %v; want mode 0640", info, err)
	}
	if err := WriteAtomic(dir, "report.xlsx", 0o600, write("v2")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "v2" {
		t.Errorf("content = %q, want v2", b)
	}

	t.Run("error", func(t *testing.T) {
		boom := errors.New("boom")
		err := WriteAtomic(dir, "report.xlsx", 0, func(w io.Writer) error {
			io.WriteString(w, "half")
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
		if b, _ := os.ReadFile(dst); string(b) != "v2" {
			t.Errorf("content = %q after a failed write, want v2", b)
		}
		assertNoTemp(t, dir)
	})
	t.Run("panic", func(t *testing.T) {
		func() {
			defer func() { recover() }()
			WriteAtomic(dir, "other.xlsx", 0, func(w io.Writer) error { panic("boom") })
		}()
		assertNoTemp(t, dir)
		if _, err := os.Stat(filepath.Join(dir, "other.xlsx")); !errors.Is(err, os.ErrNotExist) {
			t.Error("other.xlsx exists after a panic")
		}
	})
	t.Run("rename fails", func(t *testing.T) {
		// A folder in the way makes the rename fail after the temp was written.
		os.Mkdir(filepath.Join(dir, "taken"), 0o750)
		os.WriteFile(filepath.Join(dir, "taken", "x"), nil, 0o640)
		if err := WriteAtomic(dir, "taken", 0, write("v")); err == nil {
			t.Error("rename over a non-empty folder succeeded")
		}
		assertNoTemp(t, dir)
	})
	t.Run("missing dir", func(t *testing.T) {
		if err := WriteAtomic(filepath.Join(dir, "nope"), "a", 0, write("v")); err == nil {
			t.Error("wrote into a missing folder")
		}
	})
}

func TestCleanTemp(t *testing.T) {
	dir := t.TempDir()
	files := map[string]bool{ // path -> removed
		".report.xlsx-123456.tmp":               true,
		"runs/2009-05-04-1/.run.json-42.tmp":    true,
		"archive/etc/2009-05-04/.x.xlsx-7.tmp":  true,
		"report.xlsx":                           false,
		".report.xlsx-abc.tmp":                  false,
		".report.xlsx-123456":                   false,
		"export-123.tmp":                        false,
		"runs/2009-05-04-1/consolidated.xlsx":   false,
		"archive/etc/2009-05-04/.~lock.x.xlsx#": false,
	}
	for p := range files {
		writeFile(t, filepath.Join(dir, p), "x", t0)
	}
	if err := CleanTemp(dir); err != nil {
		t.Fatal(err)
	}
	for p, removed := range files {
		_, err := os.Stat(filepath.Join(dir, p))
		if gone := errors.Is(err, os.ErrNotExist); gone != removed {
			t.Errorf("%s: removed = %v, want %v", p, gone, removed)
		}
	}
	if err := CleanTemp(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing dir: %v", err)
	}

	// What WriteAtomic leaves when killed matches what CleanTemp removes.
	f, err := os.CreateTemp(dir, ".name.xlsx-*"+tempSuffix)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if !tempPattern.MatchString(filepath.Base(f.Name())) {
		t.Errorf("CleanTemp would not recognise %s", f.Name())
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{512: "512 bytes", 1024: "1 KiB", 1536: "1.5 KiB", 100 << 20: "100 MiB", 1 << 30: "1 GiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
