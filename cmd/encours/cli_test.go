package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/inbox"
)

// cliRun runs one command line in-process and returns its exit code and stderr.
func cliRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	m, _, stderr := newTestMain()
	code := m.Run(context.Background(), args)
	return code, stderr.String()
}

// stage copies one sample week into the inbox of dir.
func stage(t *testing.T, dir, week string) {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Paris")
	if err := stageWeek(filepath.Join("..", "..", "samples", "exports", week), filepath.Join(dir, "inbox"), reconcile.MustDate(week), loc); err != nil {
		t.Fatal(err)
	}
}

// inboxFiles lists the files left in the wholesalers' folders.
func inboxFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "inbox", "*", "*"))
	return files
}

func readReport(t *testing.T, path string) reconcile.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r reconcile.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func statuses(r reconcile.Report) map[reconcile.FileStatus]int {
	n := map[reconcile.FileStatus]int{}
	for _, f := range r.Files {
		n[f.Status]++
	}
	return n
}

func TestExitUsage(t *testing.T) {
	_, cfg := copySamples(t)
	for _, args := range [][]string{
		nil,
		{"frobnicate"},
		{"run"},
		{"run", "--config", cfg, "--as-of", "30/06/2009"},
		{"run", "--config", cfg, "extra"},
		{"run", "--no-such-flag"},
	} {
		if code, stderr := cliRun(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want 2\n%s", args, code, stderr)
		}
	}
}

func TestExitBadConfigNamesKey(t *testing.T) {
	dir, cfg := copySamples(t)
	b, _ := os.ReadFile(cfg)
	bad := strings.Replace(string(b), "max_rows: 1048576", "max_rows: -5", 1)
	if bad == string(b) {
		t.Fatal("sample config changed: cannot break limits.max_rows")
	}
	os.WriteFile(cfg, []byte(bad), 0o644)
	code, stderr := cliRun(t, "run", "--config", cfg)
	if code != exitUsage || !strings.Contains(stderr, "limits.max_rows") {
		t.Errorf("exit %d, want 2 naming limits.max_rows:\n%s", code, stderr)
	}
	if files, _ := os.ReadDir(filepath.Join(dir, "var")); len(files) != 0 {
		t.Errorf("a bad config still touched data_dir: %v", files)
	}
}

func TestExitLockedNamesHolder(t *testing.T) {
	dir, cfg := copySamples(t)
	stage(t, dir, "2009-04-20")
	data := filepath.Join(dir, "var")
	os.MkdirAll(data, 0o750)
	held, err := inbox.Lock(data, "encours daemon (test holder)")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	start := time.Now()
	code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20")
	if code != exitLocked || !strings.Contains(stderr, "test holder") {
		t.Errorf("exit %d, want 3 naming the holder:\n%s", code, stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to fail; want fast", d)
	}
	if len(inboxFiles(t, dir)) != 4 {
		t.Errorf("inbox changed under someone else's lock: %v", inboxFiles(t, dir))
	}
}

func TestExitAsOfBackwards(t *testing.T) {
	dir, cfg := copySamples(t)
	os.MkdirAll(filepath.Join(dir, "inbox"), 0o750)
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-27", "--out", filepath.Join(dir, "o1")); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20", "--out", filepath.Join(dir, "o2"))
	if code != exitFailed || !strings.Contains(stderr, "precedes") || !strings.Contains(stderr, "--as-of 2009-04-27") {
		t.Errorf("exit %d, want 1 with a clear message:\n%s", code, stderr)
	}
}

// A dry run moves nothing, commits nothing and sends nothing: a real run
// on the same as-of afterwards processes the same files.
func TestDryRunTouchesNothing(t *testing.T) {
	dir, cfg := copySamples(t)
	stage(t, dir, "2009-04-20")
	before := inboxFiles(t, dir)
	code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20", "--dry-run", "--out", filepath.Join(dir, "dry"))
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, stderr)
	}
	if after := inboxFiles(t, dir); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("dry run moved files: %v -> %v", before, after)
	}
	if emls, _ := filepath.Glob(filepath.Join(dir, "var", "outbox", "*")); len(emls) != 0 {
		t.Errorf("dry run wrote to the outbox: %v", emls)
	}
	if arch, _ := filepath.Glob(filepath.Join(dir, "var", "archive", "*", "*", "*")); len(arch) != 0 {
		t.Errorf("dry run archived: %v", arch)
	}
	dry := readReport(t, filepath.Join(dir, "dry", "run.json"))

	code, stderr = cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20", "--out", filepath.Join(dir, "real"))
	if code != 0 {
		t.Fatalf("real run: exit %d\n%s", code, stderr)
	}
	real := readReport(t, filepath.Join(dir, "real", "run.json"))
	if got, want := statuses(real), statuses(dry); got[reconcile.Processed] != want[reconcile.Processed] || got[reconcile.Processed] == 0 {
		t.Errorf("real run after a dry run: %v, dry run said %v", got, want)
	}
	if len(inboxFiles(t, dir)) != 0 {
		t.Errorf("real run left %v", inboxFiles(t, dir))
	}
}

// A run killed after its commit but before moving its files: the next run
// sees them as duplicates, archives them and counts nothing twice.
func TestCrashAfterCommitBeforeMove(t *testing.T) {
	dir, cfg := copySamples(t)
	stage(t, dir, "2009-04-20")
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20", "--out", filepath.Join(dir, "a")); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	first := readReport(t, filepath.Join(dir, "a", "run.json"))
	// Put the files back, as if the move had never happened.
	stage(t, dir, "2009-04-20")
	// And the temp files a kill leaves.
	leftover := filepath.Join(dir, "var", "runs", ".run.json-123.tmp")
	os.WriteFile(leftover, []byte("half"), 0o640)
	os.MkdirAll(filepath.Join(dir, "var", "encours-xlsx-1"), 0o750)

	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20", "--out", filepath.Join(dir, "b")); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	second := readReport(t, filepath.Join(dir, "b", "run.json"))
	if n := statuses(second); n[reconcile.Duplicate] != statuses(first)[reconcile.Processed] || n[reconcile.Processed] != 0 {
		t.Errorf("second run: %v, want every file a duplicate", n)
	}
	if len(inboxFiles(t, dir)) != 0 {
		t.Errorf("duplicates left in the inbox: %v", inboxFiles(t, dir))
	}
	for i, l := range second.Lines {
		if l.Status != reconcile.Unchanged || l.AmountCents != first.Lines[i].AmountCents {
			t.Errorf("line counted twice: %+v", l)
		}
	}
	for _, p := range []string{leftover, filepath.Join(dir, "var", "encours-xlsx-1")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s not cleaned at start", p)
		}
	}
}

// An inbox that is not mounted fails the run with a clear message, and
// nothing is committed.
func TestInboxUnmounted(t *testing.T) {
	dir, cfg := copySamples(t)
	os.RemoveAll(filepath.Join(dir, "inbox"))
	code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-05-04", "--out", filepath.Join(dir, "a"))
	if code != exitFailed || !strings.Contains(stderr, "does not exist") || !strings.Contains(stderr, "mounted") {
		t.Errorf("exit %d, want 1 saying the inbox is missing:\n%s", code, stderr)
	}
	// Nothing committed: an earlier as-of is still accepted.
	stage(t, dir, "2009-04-20")
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20", "--out", filepath.Join(dir, "b")); code != 0 {
		t.Errorf("run after the failed one: exit %d\n%s", code, stderr)
	}
}

// A run whose ledger commit fails (a full disk, say; here a trigger that
// refuses the run) exits 1 and leaves the inbox and the ledger as they were.
func TestLedgerCommitFails(t *testing.T) {
	dir, cfg := copySamples(t)
	os.MkdirAll(filepath.Join(dir, "inbox"), 0o750)
	// A first run creates the ledger.
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-13", "--out", filepath.Join(dir, "a")); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "var", "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TRIGGER full_disk BEFORE INSERT ON runs BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	stage(t, dir, "2009-04-20")
	before := inboxFiles(t, dir)
	mailBefore, _ := filepath.Glob(filepath.Join(dir, "var", "outbox", "*"))
	code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20") // default output folder
	if code != exitFailed || !strings.Contains(stderr, "disk is full") {
		t.Errorf("exit %d, want 1 naming the failure:\n%s", code, stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "var", "runs", "2009-04-20*")); len(left) != 0 {
		t.Errorf("the failed run left outputs that look like a finished run's: %v", left)
	}
	if after := inboxFiles(t, dir); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("inbox changed by a failed run: %v -> %v", before, after)
	}
	var files, lines int
	db.QueryRow(`SELECT count(*) FROM files`).Scan(&files)
	db.QueryRow(`SELECT count(*) FROM lines`).Scan(&lines)
	if files != 0 || lines != 0 {
		t.Errorf("ledger changed by a failed run: %d files, %d lines", files, lines)
	}
	if emls, _ := filepath.Glob(filepath.Join(dir, "var", "outbox", "*")); len(emls) != len(mailBefore) {
		t.Errorf("mail sent by a failed run: %d messages, %d before", len(emls), len(mailBefore))
	}
	// Repaired, the next run processes the files.
	db.Exec(`DROP TRIGGER full_disk`)
	db.Close()
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20", "--out", filepath.Join(dir, "c")); code != 0 {
		t.Fatalf("run after repair: exit %d\n%s", code, stderr)
	}
	if len(inboxFiles(t, dir)) != 0 {
		t.Errorf("files left after repair: %v", inboxFiles(t, dir))
	}
}

// TestHostileFolder drops hostile and broken files next to a good week:
// the run exits 0, every good file is processed, every bad one quarantined
// with its named reason and a note, ignored names stay where they are, and
// no temp file is left anywhere.
func TestHostileFolder(t *testing.T) {
	dir, cfg := copySamples(t)
	stage(t, dir, "2009-04-20")
	old := time.Date(2009, 4, 20, 5, 0, 0, 0, time.UTC)
	hostile := filepath.Join("..", "..", "reconcile", "sheet", "testdata", "hostile")
	reasons := map[string]string{
		"doctype-sheet.xlsx":          "DOCTYPE",
		"sst-index-out-of-range.xlsx": "bad shared-string index",
		"ref-beyond-xfd.xlsx":         "XFD1048576",
		"xls-renamed.xlsx":            "97-2003",
		"encrypted.xlsx":              "password",
		"notzip-csv.xlsx":             "not an Excel workbook",
		"truncated.xlsx":              "damaged or incomplete",
	}
	for name := range reasons {
		if err := copyFile(filepath.Join(hostile, name), filepath.Join(dir, "inbox", "actebis", name), old); err != nil {
			t.Fatal(err)
		}
	}
	ignored := []string{"~$export.xlsx", ".hidden.xlsx", "export.xlsx.part", "export.xlsx.crdownload", "export.xlsx.tmp"}
	for _, name := range ignored {
		if err := copyFile(filepath.Join(hostile, "doctype-sheet.xlsx"), filepath.Join(dir, "inbox", "actebis", name), old); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	if code, stderr := cliRun(t, "run", "--config", cfg, "--as-of", "2009-04-20", "--out", out); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	rep := readReport(t, filepath.Join(out, "run.json"))
	processed := 0
	for _, f := range rep.Files {
		want, bad := reasons[f.Name]
		switch {
		case bad && (f.Status != reconcile.Quarantined || !strings.Contains(f.Error, want)):
			t.Errorf("%s: %s %q, want quarantined for %q", f.Name, f.Status, f.Error, want)
		case bad:
			note, err := os.ReadFile(filepath.Join(dir, "var", "quarantine", "actebis", f.Name+".error.txt"))
			if err != nil || !strings.Contains(string(note), want) {
				t.Errorf("%s: quarantine note %q, %v", f.Name, note, err)
			}
		case f.Status == reconcile.Processed:
			processed++
		default:
			t.Errorf("good file %s: %s %s", f.Name, f.Status, f.Error)
		}
	}
	if processed != 4 {
		t.Errorf("%d good files processed, want 4", processed)
	}
	left := inboxFiles(t, dir)
	if len(left) != len(ignored) {
		t.Errorf("inbox holds %v, want only the ignored names", left)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasPrefix(d.Name(), "encours-xlsx-") || strings.HasSuffix(d.Name(), ".tmp") && !strings.Contains(p, "inbox")) {
			t.Errorf("temp file left: %s", p)
		}
		return nil
	})
	if tmp, _ := filepath.Glob(filepath.Join(os.TempDir(), "encours-xlsx-*")); len(tmp) > 0 {
		t.Logf("note: %v in the system temp dir (other tests may be running)", tmp)
	}
}
