package inbox

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

// t0 is the frozen "now" of the tests; files are dated relative to it.
var t0 = time.Date(2009, 5, 4, 7, 0, 0, 0, time.UTC)

func writeFile(t *testing.T, path, content string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func newInbox(t *testing.T) *Inbox {
	t.Helper()
	dir := t.TempDir()
	in := &Inbox{
		Root:    filepath.Join(dir, "inbox"),
		DataDir: filepath.Join(dir, "var"),
		MinAge:  time.Minute,
		Now:     func() time.Time { return t0 },
	}
	if err := os.MkdirAll(in.Root, 0o750); err != nil {
		t.Fatal(err)
	}
	return in
}

func names(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Wholesaler+"/"+f.Name)
	}
	return out
}

func TestIgnored(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"export.xlsx", false},
		{"export.XLSM", false},
		{"legacy.xls", false},
		{"binary.xlsb", false},
		{"data.csv", false},
		{"scan.pdf", false},
		{".hidden.xlsx", true},
		{".DS_Store", true},
		{"~$export.xlsx", true},
		{"export.xlsx.tmp", true},
		{"export.xlsx.TMP", true},
		{"export.xlsx.part", true},
		{"export.xlsx.Partial", true},
		{"export.xlsx.crdownload", true},
		{"tmp.xlsx", false},
		{"~export.xlsx", false},
	} {
		if got := Ignored(tc.name); got != tc.want {
			t.Errorf("Ignored(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestScanCandidatesAndOrder(t *testing.T) {
	in := newInbox(t)
	old := t0.Add(-48 * time.Hour)
	writeFile(t, filepath.Join(in.Root, "actebis", "b.xlsx"), "b", old)
	writeFile(t, filepath.Join(in.Root, "actebis", "a.xlsx"), "a", old) // same mtime: by name
	writeFile(t, filepath.Join(in.Root, "actebis", "oldest.xlsm"), "o", old.Add(-time.Hour))
	writeFile(t, filepath.Join(in.Root, "actebis", "legacy.xls"), "x", old)
	writeFile(t, filepath.Join(in.Root, "actebis", "~$a.xlsx"), "lock", old)
	writeFile(t, filepath.Join(in.Root, "actebis", ".hidden.xlsx"), "h", old)
	writeFile(t, filepath.Join(in.Root, "actebis", "c.xlsx.crdownload"), "c", old)
	writeFile(t, filepath.Join(in.Root, "etc", "e.xlsx"), "e", old.Add(-24*time.Hour))

	s, err := in.Scan([]string{"etc", "actebis", "techdata"}) // techdata has no folder
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"etc/e.xlsx", "actebis/oldest.xlsm", "actebis/a.xlsx", "actebis/b.xlsx", "actebis/legacy.xls"}
	if got := names(s.Files); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files = %v, want %v", got, want)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings = %q, want none", s.Warnings)
	}
	f := s.Files[1]
	if f.Path != filepath.Join(in.Root, "actebis", "oldest.xlsm") || f.Size != 1 || !f.ModTime.Equal(old.Add(-time.Hour)) || f.Deferred {
		t.Errorf("file = %+v", f)
	}
}

func TestScanDefersYoungFiles(t *testing.T) {
	in := newInbox(t)
	writeFile(t, filepath.Join(in.Root, "actebis", "young.xlsx"), "y", t0.Add(-30*time.Second))
	writeFile(t, filepath.Join(in.Root, "actebis", "ready.xlsx"), "r", t0.Add(-2*time.Minute))
	writeFile(t, filepath.Join(in.Root, "actebis", "future.xlsx"), "f", t0.Add(time.Hour))
	s, err := in.Scan([]string{"actebis"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]File{}
	for _, f := range s.Files {
		got[f.Name] = f
	}
	if f := got["ready.xlsx"]; f.Deferred {
		t.Errorf("ready.xlsx deferred: %s", f.DeferReason)
	}
	if f := got["young.xlsx"]; !f.Deferred || !strings.Contains(f.DeferReason, "min_file_age") {
		t.Errorf("young.xlsx = %+v, want deferred for min_file_age", f)
	}
	if f := got["future.xlsx"]; !f.Deferred || !strings.Contains(f.DeferReason, "future") {
		t.Errorf("future.xlsx = %+v, want deferred for a future time", f)
	}

	// Once the clock moves on, the young file is ready.
	in.Now = func() time.Time { return t0.Add(time.Minute) }
	s, err = in.Scan([]string{"actebis"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files {
		if f.Name == "young.xlsx" && f.Deferred {
			t.Errorf("young.xlsx still deferred a minute later: %s", f.DeferReason)
		}
	}
}

func TestScanWarnings(t *testing.T) {
	in := newInbox(t)
	old := t0.Add(-time.Hour)
	target := filepath.Join(t.TempDir(), "elsewhere.xlsx")
	writeFile(t, target, "secret", old)
	writeFile(t, filepath.Join(in.Root, "actebis", "good.xlsx"), "g", old)
	if err := os.Symlink(target, filepath.Join(in.Root, "actebis", "link.xlsx")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(in.Root, "actebis", "sub", "inner.xlsx"), "i", old)
	writeFile(t, filepath.Join(in.Root, "unknown-co", "x.xlsx"), "x", old)
	writeFile(t, filepath.Join(in.Root, "stray.xlsx"), "s", old)
	writeFile(t, filepath.Join(in.Root, ".hidden"), "s", old)

	s, err := in.Scan([]string{"actebis"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(s.Files); len(got) != 1 || got[0] != "actebis/good.xlsx" {
		t.Errorf("files = %v, want only actebis/good.xlsx", got)
	}
	wantWarnings := []struct{ path, says string }{
		{filepath.Join(in.Root, "stray.xlsx"), "root of the inbox"},
		{filepath.Join(in.Root, "unknown-co"), "does not belong to any configured wholesaler"},
		{filepath.Join(in.Root, "actebis", "link.xlsx"), "symbolic link"},
		{filepath.Join(in.Root, "actebis", "sub"), "sub-folders are not read"},
	}
	if len(s.Warnings) != len(wantWarnings) {
		t.Fatalf("warnings = %q, want %d", s.Warnings, len(wantWarnings))
	}
	for _, w := range wantWarnings {
		found := false
		for _, got := range s.Warnings {
			if strings.Contains(got, w.path) && strings.Contains(got, w.says) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning naming %s and saying %q in %q", w.path, w.says, s.Warnings)
		}
	}
	// Nothing was moved.
	for _, p := range []string{"stray.xlsx", "unknown-co/x.xlsx", "actebis/sub/inner.xlsx"} {
		if _, err := os.Stat(filepath.Join(in.Root, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestScanErrors(t *testing.T) {
	in := newInbox(t)
	if _, err := in.Scan([]string{"../etc"}); err == nil {
		t.Error("Scan accepted the wholesaler id ../etc")
	}
	if _, err := in.Scan([]string{"Actebis"}); err == nil {
		t.Error("Scan accepted an uppercase wholesaler id")
	}
	in.Root = filepath.Join(in.Root, "not-mounted")
	_, err := in.Scan([]string{"actebis"})
	if err == nil || !strings.Contains(err.Error(), "mounted") {
		t.Errorf("missing root: err = %v, want one about the share", err)
	}
}

func scanOne(t *testing.T, in *Inbox, wholesaler string) File {
	t.Helper()
	s, err := in.Scan([]string{wholesaler})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files) != 1 {
		t.Fatalf("scan found %v, want one file", names(s.Files))
	}
	return s.Files[0]
}

func TestLoad(t *testing.T) {
	in := newInbox(t)
	p := filepath.Join(in.Root, "actebis", "export.xlsx")
	writeFile(t, p, "hello", t0.Add(-time.Hour))
	f := scanOne(t, in, "actebis")
	c, err := f.Load(0)
	if err != nil {
		t.Fatal(err)
	}
	// sha256("hello")
	if c.SHA256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" || string(c.Data) != "hello" || c.Reader().Size() != 5 {
		t.Errorf("content = %q %s", c.Data, c.SHA256)
	}
	if _, err := f.Load(5); err != nil {
		t.Errorf("a file of exactly the limit: %v", err)
	}
	_, err = f.Load(4)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "max_file_bytes") {
		t.Errorf("over the limit: err = %v, want ErrTooLarge naming the setting", err)
	}
}

func TestLoadDetectsChange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{"grew", func(t *testing.T, p string) { writeFile(t, p, "hello, world", t0.Add(-time.Hour)) }},
		{"touched", func(t *testing.T, p string) { writeFile(t, p, "hello", t0.Add(-time.Minute)) }},
		{"removed", func(t *testing.T, p string) { os.Remove(p) }},
		{"replaced", func(t *testing.T, p string) {
			other := p + ".new.tmp"
			writeFile(t, other, "HELLO", t0.Add(-time.Hour)) // same size and time, another file
			if err := os.Rename(other, p); err != nil {
				t.Fatal(err)
			}
		}},
		{"became a link", func(t *testing.T, p string) {
			target := p + ".target.tmp"
			writeFile(t, target, "hello", t0.Add(-time.Hour))
			os.Remove(p)
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := newInbox(t)
			p := filepath.Join(in.Root, "actebis", "export.xlsx")
			writeFile(t, p, "hello", t0.Add(-time.Hour))
			f := scanOne(t, in, "actebis")
			tc.change(t, p)
			_, err := f.Load(0)
			if !errors.Is(err, ErrChanged) {
				t.Errorf("err = %v, want ErrChanged", err)
			}
		})
	}
}

func TestStable(t *testing.T) {
	in := newInbox(t)
	old := t0.Add(-time.Hour)
	growing := filepath.Join(in.Root, "actebis", "growing.xlsx")
	writeFile(t, growing, "part", old)
	writeFile(t, filepath.Join(in.Root, "actebis", "still.xlsx"), "done", old.Add(-time.Minute))
	writeFile(t, filepath.Join(in.Root, "actebis", "young.xlsx"), "y", t0)
	s, err := in.Scan([]string{"actebis"})
	if err != nil {
		t.Fatal(err)
	}
	var waited time.Duration
	in.Wait = func(ctx context.Context, d time.Duration) error {
		waited = d
		// cp -p: the file grows but keeps its old modification time.
		writeFile(t, growing, "part and more", old)
		return nil
	}
	out, err := in.Stable(context.Background(), s.Files, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if waited != 2*time.Second {
		t.Errorf("waited %v", waited)
	}
	got := map[string]File{}
	for _, f := range out {
		got[f.Name] = f
	}
	if f := got["growing.xlsx"]; !f.Deferred || !strings.Contains(f.DeferReason, "still being copied") {
		t.Errorf("growing.xlsx = %+v, want deferred", f)
	}
	if f := got["still.xlsx"]; f.Deferred {
		t.Errorf("still.xlsx deferred: %s", f.DeferReason)
	}
	if f := got["young.xlsx"]; !f.Deferred || !strings.Contains(f.DeferReason, "min_file_age") {
		t.Errorf("young.xlsx lost its reason: %+v", f)
	}
	for _, f := range s.Files {
		if f.Name == "growing.xlsx" && f.Deferred {
			t.Error("Stable changed its input slice")
		}
	}

	// The real timer, briefly, and one cancelled.
	in.Wait = nil
	if _, err := in.Stable(context.Background(), s.Files, time.Millisecond); err != nil {
		t.Error(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := in.Stable(ctx, s.Files, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestArchive(t *testing.T) {
	in := newInbox(t)
	asOf := reconcile.MustDate("2009-05-04")
	dir := filepath.Join(in.DataDir, "archive", "actebis", "2009-05-04")
	mtime := t0.Add(-time.Hour)
	var got []string
	for i, content := range []string{"first", "second", "third"} {
		writeFile(t, filepath.Join(in.Root, "actebis", "export.xlsx"), content, mtime)
		f := scanOne(t, in, "actebis")
		p, err := in.Archive(f, asOf)
		if err != nil {
			t.Fatalf("archive %d: %v", i, err)
		}
		got = append(got, p)
		b, err := os.ReadFile(p)
		if err != nil || string(b) != content {
			t.Errorf("%s holds %q (%v), want %q", p, b, err, content)
		}
		if _, err := os.Stat(f.Path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still in the inbox", f.Path)
		}
	}
	want := []string{filepath.Join(dir, "export.xlsx"), filepath.Join(dir, "export (2).xlsx"), filepath.Join(dir, "export (3).xlsx")}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("archived as %q, want %q", got, want)
	}
	if _, err := in.Archive(File{Wholesaler: "actebis", Name: "x.xlsx", Path: "x"}, 0); err == nil {
		t.Error("archive without an as-of date")
	}
}

func TestCopyAcrossFileSystems(t *testing.T) {
	// The EXDEV branch of move, exercised directly.
	in := newInbox(t)
	src := filepath.Join(in.Root, "actebis", "export.xlsx")
	mtime := t0.Add(-time.Hour)
	writeFile(t, src, "content", mtime)
	info, err := os.Lstat(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(in.DataDir, "copy.xlsx")
	os.MkdirAll(in.DataDir, 0o750)
	if err := copyFile(src, dst, info); err != nil {
		t.Fatal(err)
	}
	got, err := os.Stat(dst)
	if err != nil || got.Size() != 7 || !got.ModTime().Equal(mtime) || got.Mode().Perm() != 0o640 {
		t.Errorf("copy = %v %v", got, err)
	}
	assertNoTemp(t, in.DataDir)
}

func TestQuarantine(t *testing.T) {
	in := newInbox(t)
	dir := filepath.Join(in.DataDir, "quarantine", "etc")
	// A note left from an earlier file of the same name keeps that name taken.
	writeFile(t, filepath.Join(dir, "bad.xlsx.error.txt"), "old note", t0)
	src := filepath.Join(in.Root, "etc", "bad.xlsx")
	writeFile(t, src, "not a workbook", t0.Add(-time.Hour))
	f := scanOne(t, in, "etc")
	p, err := in.Quarantine(f, "this is not an Excel workbook (not a zip file)\nsecond line")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "bad (2).xlsx"); p != want {
		t.Errorf("quarantined as %s, want %s", p, want)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Error("file still in the inbox")
	}
	note, err := os.ReadFile(p + ".error.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"not an Excel workbook (not a zip file) second line", src, "2009-05-04T07:00:00Z", "drop a new copy"} {
		if !strings.Contains(string(note), want) {
			t.Errorf("note lacks %q:\n%s", want, note)
		}
	}
	if old, _ := os.ReadFile(filepath.Join(dir, "bad.xlsx.error.txt")); string(old) != "old note" {
		t.Error("the old note was overwritten")
	}
	assertNoTemp(t, in.DataDir)
}

func TestConfinement(t *testing.T) {
	in := newInbox(t)
	victim := filepath.Join(in.Root, "actebis", "export.xlsx")
	writeFile(t, victim, "x", t0.Add(-time.Hour))
	asOf := reconcile.MustDate("2009-05-04")
	for _, f := range []File{
		{Wholesaler: "../actebis", Name: "export.xlsx", Path: victim},
		{Wholesaler: "..", Name: "export.xlsx", Path: victim},
		{Wholesaler: "", Name: "export.xlsx", Path: victim},
		{Wholesaler: "actebis/x", Name: "export.xlsx", Path: victim},
		{Wholesaler: "actebis", Name: "../../export.xlsx", Path: victim},
		{Wholesaler: "actebis", Name: "..", Path: victim},
		{Wholesaler: "actebis", Name: `..\x.xlsx`, Path: victim},
		{Wholesaler: "actebis", Name: "", Path: victim},
	} {
		if p, err := in.Archive(f, asOf); err == nil {
			t.Errorf("Archive(%q, %q) = %s, want an error", f.Wholesaler, f.Name, p)
		}
		if p, err := in.Quarantine(f, "r"); err == nil {
			t.Errorf("Quarantine(%q, %q) = %s, want an error", f.Wholesaler, f.Name, p)
		}
		if _, err := f.Load(0); err == nil {
			t.Errorf("Load(%q) read a file", f.Name)
		}
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("the file moved: %v", err)
	}
	if err := WriteAtomic(in.DataDir, "../escape.txt", 0, func(w io.Writer) error { return nil }); err == nil {
		t.Error("WriteAtomic wrote ../escape.txt")
	}
	for _, name := range []string{"ok.xlsx", "a..b.xlsx", "export (2).xlsx"} {
		if err := ValidName(name); err != nil {
			t.Errorf("ValidName(%q): %v", name, err)
		}
	}
	if _, err := join("/data", "a", "..", "..", "etc"); err == nil {
		t.Error("join let a path leave its root")
	}
}

func TestScanWholesalerFolderForms(t *testing.T) {
	in := newInbox(t)
	old := t0.Add(-time.Hour)
	// A wholesaler's folder may itself be a link to a mounted share.
	share := filepath.Join(t.TempDir(), "share")
	writeFile(t, filepath.Join(share, "e.xlsx"), "e", old)
	if err := os.Symlink(share, filepath.Join(in.Root, "etc")); err != nil {
		t.Fatal(err)
	}
	// A file where a folder should be is a warning, not a failed run.
	writeFile(t, filepath.Join(in.Root, "actebis"), "oops", old)
	s, err := in.Scan([]string{"actebis", "etc"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(s.Files); len(got) != 1 || got[0] != "etc/e.xlsx" {
		t.Errorf("files = %v, want etc/e.xlsx", got)
	}
	if f := s.Files[0]; f.Path != filepath.Join(in.Root, "etc", "e.xlsx") {
		t.Errorf("path = %s, want it under the inbox", f.Path)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "is a file") {
		t.Errorf("warnings = %q", s.Warnings)
	}
}

func TestScanUnreadableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every folder")
	}
	in := newInbox(t)
	writeFile(t, filepath.Join(in.Root, "actebis", "a.xlsx"), "a", t0.Add(-time.Hour))
	writeFile(t, filepath.Join(in.Root, "etc", "e.xlsx"), "e", t0.Add(-time.Hour))
	locked := filepath.Join(in.Root, "actebis")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o750)
	s, err := in.Scan([]string{"actebis", "etc"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(s.Files); len(got) != 1 || got[0] != "etc/e.xlsx" {
		t.Errorf("files = %v", got)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], locked) {
		t.Errorf("warnings = %q", s.Warnings)
	}
}

func TestArchiveAcrossFileSystems(t *testing.T) {
	// /dev/shm is often another file system than the temp dir: then the
	// rename fails with EXDEV and Archive copies.
	shm, err := os.MkdirTemp("/dev/shm", "encours-test-")
	if err != nil {
		t.Skip("no /dev/shm")
	}
	defer os.RemoveAll(shm)
	in := newInbox(t)
	a, errA := os.Stat(in.Root)
	b, errB := os.Stat(shm)
	if errA != nil || errB != nil || sameDevice(a, b) {
		t.Skip("the temp dir and /dev/shm are on one file system")
	}
	in.DataDir = shm
	mtime := t0.Add(-time.Hour)
	src := filepath.Join(in.Root, "actebis", "export.xlsx")
	writeFile(t, src, "content", mtime)
	f := scanOne(t, in, "actebis")
	p, err := in.Archive(f, reconcile.MustDate("2009-05-04"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.Stat(p); err != nil || got.Size() != 7 || !got.ModTime().Equal(mtime) {
		t.Errorf("archived copy = %v, %v", got, err)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Error("the inbox file was not removed after the copy")
	}
	assertNoTemp(t, shm)
}

func TestLockDaemon(t *testing.T) {
	dir := t.TempDir()
	d, err := LockDaemon(dir, "encours daemon --config a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Release()
	_, err = LockDaemon(dir, "encours daemon --config b.yaml")
	var le *LockedError
	if !errors.As(err, &le) || !le.Daemon || !strings.Contains(err.Error(), "a.yaml") || !strings.Contains(err.Error(), "daemon is running") {
		t.Fatalf("second daemon: %v", err)
	}
	// A run still takes its own lock while the daemon lives.
	r, err := Lock(dir, "encours run")
	if err != nil {
		t.Fatalf("run beside a daemon: %v", err)
	}
	r.Release()
}
