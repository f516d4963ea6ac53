package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/encours/encours/reconcile"
)

// TestCrashAndRestart kills a real `encours run` with SIGKILL at each step
// of a run (ENCOURS_FAILPOINT), restarts it, runs the next week, and checks
// that the ledger ends as a clean sequence leaves it, every file is counted
// once, every committed run has its published report, and every message is
// in the outbox once.
func TestCrashAndRestart(t *testing.T) {
	bin := buildEncours(t)

	// The clean sequence: week 1 then week 2.
	clean := crashScenario(t, bin, "")
	for _, fp := range []string{"before-commit", "after-commit", "after-publish", "after-move", "after-mail"} {
		t.Run(fp, func(t *testing.T) {
			got := crashScenario(t, bin, fp)
			if !reflect.DeepEqual(got.week2.Lines, clean.week2.Lines) {
				t.Errorf("lines after the restart differ from a clean sequence's:\n got %+v\nwant %+v", got.week2.Lines, clean.week2.Lines)
			}
			if !reflect.DeepEqual(got.week2.Discrepancies, clean.week2.Discrepancies) {
				t.Errorf("discrepancies differ:\n got %+v\nwant %+v", got.week2.Discrepancies, clean.week2.Discrepancies)
			}
			if got.moved != clean.moved {
				t.Errorf("%d files archived or quarantined, want %d (each exactly once)", got.moved, clean.moved)
			}
			// A crash before the commit changed nothing: the restart is the
			// same run. After it, the restart is one more run, with its own
			// six summaries; the crashed run's messages are each there once.
			extra := 6
			if fp == "before-commit" {
				extra = 0
			}
			if got.emails != clean.emails+extra {
				t.Errorf("%d messages in the outbox, want %d", got.emails, clean.emails+extra)
			}
		})
	}
}

type crashResult struct {
	week2  reconcile.Report
	moved  int
	emails int
}

func crashScenario(t *testing.T, bin, failpoint string) crashResult {
	t.Helper()
	dir, cfg := copySamples(t)
	stage(t, dir, "2009-04-20")
	run := func(fp, asOf string) error {
		cmd := exec.Command(bin, "run", "--config", cfg, "--as-of", asOf)
		cmd.Env = append(os.Environ(), "ENCOURS_FAILPOINT="+fp)
		out, err := cmd.CombinedOutput()
		if err != nil && fp == "" {
			t.Fatalf("run %s: %v\n%s", asOf, err, out)
		}
		return err
	}
	if failpoint != "" {
		err := run(failpoint, "2009-04-20")
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("failpoint %s: the run was not killed: %v", failpoint, err)
		}
	}
	run("", "2009-04-20")
	stage(t, dir, "2009-04-27")
	run("", "2009-04-27")

	var res crashResult
	runs, _ := os.ReadDir(filepath.Join(dir, "var", "runs"))
	for _, e := range runs {
		if strings.HasSuffix(e.Name(), ".partial") {
			t.Errorf("an interrupted run's outputs are left unpublished: %s", e.Name())
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "var", "runs", e.Name(), "run.json")); err != nil {
			t.Errorf("run folder %s has no run.json: %v", e.Name(), err)
		}
		if strings.HasPrefix(e.Name(), "2009-04-27") {
			b, _ := os.ReadFile(filepath.Join(dir, "var", "runs", e.Name(), "run.json"))
			if err := json.Unmarshal(b, &res.week2); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, sub := range []string{"archive", "quarantine"} {
		filepath.WalkDir(filepath.Join(dir, "var", sub), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".error.txt") {
				res.moved++
			}
			return nil
		})
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "var", "outbox", "*.eml"))
	res.emails = len(emls)
	if left := inboxFiles(t, dir); len(left) != 1 || !strings.Contains(left[0], "~$") {
		t.Errorf("inbox holds %v, want only the Excel lock file", left)
	}
	return res
}
