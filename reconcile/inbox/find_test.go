package inbox

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStageKeepsTheModificationTime(t *testing.T) {
	src := filepath.Join(t.TempDir(), "export.xlsx")
	if err := os.WriteFile(src, []byte("content"), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2009, 4, 20, 6, 0, 0, 0, time.UTC)
	if err := os.Chtimes(src, at, at); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "inbox", "actebis")
	dst, sum, err := Stage(src, dir, "renamed.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := FileSHA256(src); sum != want {
		t.Errorf("Stage's SHA-256 %s, the file's %s", sum, want)
	}
	info, err := os.Stat(dst)
	if err != nil || !info.ModTime().Equal(at) || dst != filepath.Join(dir, "renamed.xlsx") {
		t.Fatalf("staged %s: %v, %v", dst, info, err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "content" {
		t.Errorf("staged content %q", b)
	}
	if _, _, err := Stage(src, dir, "../x.xlsx"); err == nil {
		t.Error("a name with a separator was staged")
	}
	if _, _, err := Stage(filepath.Join(t.TempDir(), "none"), dir, "n.xlsx"); err == nil {
		t.Error("a missing file was staged")
	}
}

func TestFindArchived(t *testing.T) {
	data := t.TempDir()
	in := &Inbox{DataDir: data}
	write := func(rel, content string) string {
		p := filepath.Join(data, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("archive/actebis/2009-04-20/export.xlsx", "week 1")
	dup := write("archive/actebis/2009-04-27/export (2).xlsx", "week 2")
	renamed := write("archive/actebis/2009-05-04/kept by hand.xlsx", "week 3")
	write("archive/etc/2009-04-20/export.xlsx", "week 3 at etc")
	write("archive/actebis/2009-05-04/.export.xlsx-123.tmp", "week 4")
	sum := func(s string) string {
		p := filepath.Join(t.TempDir(), "f")
		os.WriteFile(p, []byte(s), 0o644)
		h, _ := FileSHA256(p)
		return h
	}
	for _, c := range []struct {
		content, want string
		ok            bool
	}{
		{"week 2", dup, true},
		{"week 3", renamed, true},
		{"week 3 at etc", "", false}, // another wholesaler's archive is not looked at
		{"week 4", "", false},        // nor a temp file
		{"never", "", false},
	} {
		got, ok, err := in.FindArchived("actebis", "export.xlsx", sum(c.content))
		if err != nil || ok != c.ok || got != c.want {
			t.Errorf("%q: %q %v %v, want %q %v", c.content, got, ok, err, c.want, c.ok)
		}
	}
	if _, ok, err := in.FindArchived("ingram", "x.xlsx", sum("week 1")); ok || err != nil {
		t.Errorf("no archive folder: %v %v", ok, err)
	}
	for name, want := range map[string]bool{"export.xlsx": true, "export (2).xlsx": true, "export (12).xlsx": true,
		"export ().xlsx": false, "export (a).xlsx": false, "export (2).xls": false, "other.xlsx": false} {
		if got := sameStem(name, "export.xlsx"); got != want {
			t.Errorf("sameStem(%q) = %v", name, got)
		}
	}
}
