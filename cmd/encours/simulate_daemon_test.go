package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

// TestSimulateBesideDaemon drives the real binary: while a daemon ticks
// every two seconds on a data_dir, two simulations of it run at once
// (--replay last and --replay all of a season that read 150,000 accounts
// rows). They take no lock there: the daemon's ticks that come meanwhile
// all run and commit, none is skipped or fails, and both simulations give
// what the committed runs imply. Everything is judged on the order of
// what the daemon and the simulations record, never on how long anything
// took.
func TestSimulateBesideDaemon(t *testing.T) {
	bin := buildEncours(t)
	dir, cfg := daemonConfig(t, "0s", "30s")
	d := startDaemon(t, bin, cfg)
	d.waitLog(t, "daemon started")
	// Many rows for the replay to read, few lines: the daemon's own ticks,
	// which report every line in force, stay light.
	const rows, over = 150000, 15
	if err := os.WriteFile(filepath.Join(dir, "inbox", "actebis", "big.xlsx"), sparseExport(t, rows, rows/over), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the export to be processed", func() bool {
		for _, r := range d.records("scheduled run done") {
			if n, _ := r["files"].(float64); n == 1 {
				return true
			}
		}
		return false
	})
	// Each reseller is 3,340 € over its limit: 3,400 € with the current
	// rules, 3,000 € under a cap of 3,000 €.
	cand := filepath.Join(t.TempDir(), "candidate.yaml")
	if err := os.WriteFile(cand, []byte(`programs:
  - {id: mezzanine, name: Programme Mezzanine, kind: credit_top_up, wholesalers: [actebis],
     from: 2000-01-01, until: 2099-12-31, max_amount: 3000, round_up_to: 100}
`), 0o644); err != nil {
		t.Fatal(err)
	}

	var bigRun string
	for _, r := range d.records("scheduled run done") {
		if n, _ := r["files"].(float64); n == 1 {
			bigRun, _ = r["run"].(string)
		}
	}

	type simRun struct {
		replay, out string
		output      []byte
		err         error
		start, done time.Time
	}
	logTime := func(r map[string]any) time.Time {
		at, _ := time.Parse(time.RFC3339Nano, r["time"].(string))
		return at
	}
	// inside counts the daemon runs that both started and finished while
	// one simulation was running.
	var all []*simRun
	inside := func() int {
		starts := map[string]time.Time{}
		for _, r := range d.records("scheduled run starting") {
			starts[r["tick"].(string)] = logTime(r)
		}
		n := 0
		for _, r := range d.records("scheduled run done") {
			begun, done := starts[r["tick"].(string)], logTime(r)
			for _, s := range all {
				if begun.After(s.start) && done.Before(s.done) {
					n++
					break
				}
			}
		}
		return n
	}
	// Rounds of two simulations at once, until two daemon runs have come
	// and gone within simulations.
	for round := 0; round < 20 && inside() < 2; round++ {
		sims := []*simRun{{replay: "all", out: t.TempDir()}, {replay: "last", out: t.TempDir()}}
		var wg sync.WaitGroup
		for _, s := range sims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.start = time.Now()
				s.output, s.err = exec.Command(bin, "simulate", "--config", cfg, "--rules", cand, "--replay", s.replay, "--out", s.out).CombinedOutput()
				s.done = time.Now()
			}()
		}
		wg.Wait()
		all = append(all, sims...)
		for _, s := range sims {
			if s.err != nil {
				t.Fatalf("simulate --replay %s: %v\n%s", s.replay, s.err, s.output)
			}
			sim := readSimulation(t, s.out)
			if len(sim.Totals) != 1 {
				t.Fatalf("%s: totals %+v", s.replay, sim.Totals)
			}
			tot := sim.Totals[0]
			if tot.CurrentLines != over || tot.CurrentAmountCents != over*340000 {
				t.Errorf("%s: current %+v, want %d lines of 3 400 €", s.replay, tot, over)
			}
			// The whole season grants every line at the cap; replaying a
			// later tick (no file) from the ledger before it cannot lower
			// the lines granted earlier.
			want, changes := reconcile.Cents(over*300000), over
			if s.replay == "last" && !strings.Contains(string(s.output), "simulation of run "+bigRun+" ") {
				want, changes = over*340000, 0
			}
			if tot.CandidateLines != over || tot.CandidateAmountCents != want || len(sim.Changes) != changes {
				t.Errorf("%s: candidate %+v with %d changes, want %d lines for %d cents and %d changes\n%s",
					s.replay, tot, len(sim.Changes), over, want, changes, s.output)
			}
		}
	}
	n := inside()
	// One more tick after the simulations: the daemon is still at work.
	after := len(d.records("scheduled run done"))
	waitFor(t, "a tick after the simulations", func() bool { return len(d.records("scheduled run done")) > after })
	if code := d.stop(t); code != 0 {
		t.Fatalf("daemon exit %d", code)
	}
	t.Logf("%d simulations; %d daemon runs started and finished while one ran", len(all), n)
	if n < 2 {
		t.Errorf("only %d daemon runs went on within %d simulations: were its ticks blocked?", n, len(all))
	}
	// (The big run itself may have made the daemon skip ticks before.)
	for _, msg := range []string{"scheduled run failed", "skipping a tick: the previous run is still running", "run panicked; the daemon goes on"} {
		for _, r := range d.records(msg) {
			at := logTime(r)
			for _, s := range all {
				if at.After(s.start) && at.Before(s.done) {
					t.Errorf("during a simulation the daemon logged %q: %v", msg, r)
					break
				}
			}
		}
	}
}

// sparseExport is an accounts export of n resellers of which every
// every-th is 3,340 € over its insured limit, the others under it.
func sparseExport(t *testing.T, n, every int) []byte {
	t.Helper()
	return accountsExport(t, n, func(i int) int {
		if i%every == 0 {
			return 12340
		}
		return 5000
	})
}
