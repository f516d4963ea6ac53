package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// newTestMain returns a Main writing to buffers.
func newTestMain() (*Main, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: time.Now}, &out, &errb
}

// copySamples makes a scratch copy of samples/config.yaml and rules.yaml.
func copySamples(t *testing.T) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	for _, name := range []string{"config.yaml", "rules.yaml"} {
		if err := copyFile(filepath.Join("..", "..", "samples", name), filepath.Join(dir, name), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	return dir, filepath.Join(dir, "config.yaml")
}

// TestSamplesGolden runs the CLI over the three sample weeks on one
// data_dir and compares each run.json with its golden file.
func TestSamplesGolden(t *testing.T) {
	dir, cfg := copySamples(t)
	loc, _ := time.LoadLocation("Europe/Paris")
	weeks := []string{"2009-04-20", "2009-04-27", "2009-05-04"}
	for _, week := range weeks {
		asOf := reconcile.MustDate(week)
		if err := stageWeek(filepath.Join("..", "..", "samples", "exports", week), filepath.Join(dir, "inbox"), asOf, loc); err != nil {
			t.Fatal(err)
		}
		m, stdout, stderr := newTestMain()
		out := filepath.Join(dir, "out", week)
		if code := m.Run(context.Background(), []string{"run", "--config", cfg, "--as-of", week, "--out", out}); code != 0 {
			t.Fatalf("run %s: exit %d\n%s", week, code, stderr)
		}
		if !strings.Contains(stdout.String(), "as of "+week) {
			t.Errorf("run %s: summary does not name the as-of date:\n%s", week, stdout)
		}
		got, err := os.ReadFile(filepath.Join(out, "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "golden", "run-"+week+".json")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("run %s: run.json differs from %s (rerun with -update after checking the change):\n%s", week, golden, firstDiff(got, want))
		}
		for _, name := range []string{"consolidated-" + week + ".xlsx", "actebis-" + week + ".xlsx", "ingram-" + week + ".xlsx"} {
			if _, err := os.Stat(filepath.Join(out, name)); err != nil {
				t.Errorf("run %s: %v", week, err)
			}
		}
	}

	// Nothing lost: every staged file was archived or quarantined, except
	// the Excel lock file, which stays in the inbox untouched.
	var left []string
	filepath.WalkDir(filepath.Join(dir, "inbox"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, d.Name())
		}
		return nil
	})
	if len(left) != 1 || !strings.HasPrefix(left[0], "~$") {
		t.Errorf("inbox after the runs holds %v, want only the Excel lock file", left)
	}
	quarantined := filepath.Join(dir, "var", "quarantine", "techdata", "export.xlsx.error.txt")
	if b, err := os.ReadFile(quarantined); err != nil || !strings.Contains(string(b), "not an Excel workbook") {
		t.Errorf("quarantine note %s: %v %q", quarantined, err, b)
	}
	archived := filepath.Join(dir, "var", "archive", "techdata", "2009-05-04", "TD_FR_credit_2009-04-27 (renvoi).xlsx")
	if _, err := os.Stat(archived); err != nil {
		t.Errorf("duplicate not archived: %v", err)
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "var", "outbox", "*.eml"))
	if len(emls) != 18 {
		t.Errorf("outbox holds %d messages, want 18 (6 per run)", len(emls))
	}
}

// TestRunTwiceSameAsOf checks that a second run on the same as-of with no
// new file changes no line and archives nothing twice.
func TestRunTwiceSameAsOf(t *testing.T) {
	dir, cfg := copySamples(t)
	loc, _ := time.LoadLocation("Europe/Paris")
	week := "2009-04-20"
	if err := stageWeek(filepath.Join("..", "..", "samples", "exports", week), filepath.Join(dir, "inbox"), reconcile.MustDate(week), loc); err != nil {
		t.Fatal(err)
	}
	var reports [2]reconcile.Report
	for i := range 2 {
		m, _, stderr := newTestMain()
		out := filepath.Join(dir, "out", string(rune('a'+i)))
		if code := m.Run(context.Background(), []string{"run", "--config", cfg, "--as-of", week, "--out", out}); code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i, code, stderr)
		}
		b, _ := os.ReadFile(filepath.Join(out, "run.json"))
		if err := json.Unmarshal(b, &reports[i]); err != nil {
			t.Fatal(err)
		}
	}
	if len(reports[1].Files) != 0 {
		t.Errorf("second run saw files %v, want none", reports[1].Files)
	}
	if len(reports[0].Lines) != len(reports[1].Lines) {
		t.Fatalf("lines: %d then %d", len(reports[0].Lines), len(reports[1].Lines))
	}
	for i, l := range reports[1].Lines {
		first := reports[0].Lines[i]
		if l.Status != reconcile.Unchanged || l.AmountCents != first.AmountCents || l.ValidUntil != first.ValidUntil {
			t.Errorf("second run changed %s/%s: %+v", l.Wholesaler, l.ResellerID, l)
		}
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + a + "\nwant: " + b
		}
	}
	return ""
}
