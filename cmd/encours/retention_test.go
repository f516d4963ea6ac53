package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// retention.runs removes, after a committed run, the run folders of
// data_dir/runs whose as-of is older than that — dry runs' included — and
// nothing else: not a --out folder elsewhere, not the archive, the
// quarantine, the outbox or the ledger. check says what it does.
func TestRetentionRemovesOldRunFolders(t *testing.T) {
	dir, cfg := copySamples(t)
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(b, "retention: {runs: 1w}\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	m, stdout, _ := newTestMain()
	if code := m.Run(t.Context(), []string{"check", "--config", cfg}); code != 0 || !strings.Contains(stdout.String(),
		"retention: after each run, the folders of runs more than 7 days older (by as-of) are removed from data_dir/runs") {
		t.Errorf("check: exit %d\n%s", code, stdout)
	}
	run := func(args ...string) {
		t.Helper()
		if code, stderr := cliRun(t, append([]string{"run", "--config", cfg}, args...)...); code != 0 {
			t.Fatalf("run %q: exit %d\n%s", args, code, stderr)
		}
	}
	stage(t, dir, "2009-04-20")
	run("--as-of", "2009-04-20", "--dry-run")
	elsewhere := filepath.Join(dir, "kept", "2009-04-20")
	run("--as-of", "2009-04-20", "--out", elsewhere)
	stage(t, dir, "2009-04-27")
	run("--as-of", "2009-04-27")
	runs := filepath.Join(dir, "var", "runs")
	if got := names(t, runs); !slices.Equal(got, []string{"2009-04-20-1-dry", "2009-04-27-1"}) {
		t.Fatalf("runs after week 2: %q (7 days is not more than 1w)", got)
	}
	stage(t, dir, "2009-05-04")
	run("--as-of", "2009-05-04")
	if got := names(t, runs); !slices.Equal(got, []string{"2009-04-27-1", "2009-05-04-1"}) {
		t.Errorf("runs after week 3: %q, want the 14-day-old dry run removed", got)
	}
	for _, p := range []string{
		filepath.Join(elsewhere, "run.json"),
		filepath.Join(dir, "var", "archive", "actebis", "2009-04-20"),
		filepath.Join(dir, "var", "quarantine", "techdata"),
		filepath.Join(dir, "var", "outbox"),
		filepath.Join(dir, "var", "ledger.db"),
	} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("retention removed %s: %v", p, err)
		}
	}
	rep := readReport(t, filepath.Join(runs, "2009-05-04-1", "run.json"))
	for _, w := range rep.Warnings {
		if strings.HasPrefix(w, "retention") {
			t.Errorf("warning %q", w)
		}
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
