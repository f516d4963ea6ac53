package main

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/inbox"
)

// TestSimulateOnBothBackends: the sample season run on each ledger
// backend gives the same simulation.json for --replay last and --replay
// all (TestSimulateEquivalence proves SQLite's equal to real runs). On
// either, simulate reads the configured ledger while another run holds
// the lock, and leaves the ledger and the data_dir as they were; on
// PostgreSQL it writes no data_dir/ledger.db.
func TestSimulateOnBothBackends(t *testing.T) {
	cand := filepath.Join(t.TempDir(), "candidate.yaml")
	if err := os.WriteFile(cand, []byte(candidateCapAndNew), 0o644); err != nil {
		t.Fatal(err)
	}
	var same sameOnEveryBackend
	for _, b := range ledgerBackends {
		t.Run(b.name, func(t *testing.T) {
			s := newSeasonOn(t, b)
			s.run(t, sampleWeeks[0])
			s.run(t, sampleWeeks[1])
			s.runAt(t, sampleWeeks[2], true)
			release := holdRunLock(t, s.lc, filepath.Join(s.dir, "var"))
			before, ledgerBefore := dataDirState(t, s.dir), ledgerDump(t, s.lc)
			for _, replay := range []string{"last", "all"} {
				out := t.TempDir()
				simulate(t, s.cfg, cand, replay, out)
				raw, err := os.ReadFile(filepath.Join(out, "simulation.json"))
				if err != nil {
					t.Fatal(err)
				}
				same.check(t, b, "simulation.json of --replay "+replay, raw)
				sim := readSimulation(t, out)
				sameOutcome(t, replay+" current", sim.Current, readReport(t, filepath.Join(s.outs[sampleWeeks[2]], "run.json")))
				if replay == "all" && len(sim.Changes) == 0 {
					t.Error("all: the candidate changes no line: the test proves nothing")
				}
			}
			if after := dataDirState(t, s.dir); after != before {
				t.Errorf("simulate changed the data_dir:\n%s", firstDiff([]byte(after), []byte(before)))
			}
			if after := ledgerDump(t, s.lc); after != ledgerBefore {
				t.Errorf("simulate changed the ledger:\n%s", firstDiff([]byte(after), []byte(ledgerBefore)))
			}
			release()
			noSQLiteFile(t, b, filepath.Join(s.dir, "var"))
		})
	}
}

// TestSimulateWithAnswers: a wholesaler answers its findings in the
// workbook of week 1 and sends it back with its export of week 2.
// simulate --replay last of week 2 reads that response file as the run
// did, its marker verified with data_dir's key: the candidate equals a
// real run with the candidate rules on a copy of the data_dir taken
// before week 2, answers beside their findings. On both backends; the
// key is never printed.
func TestSimulateWithAnswers(t *testing.T) {
	cand := filepath.Join(t.TempDir(), "candidate.yaml")
	if err := os.WriteFile(cand, []byte(candidateCapAndNew), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, b := range ledgerBackends {
		t.Run(b.name, func(t *testing.T) {
			s := newSeasonOn(t, b)
			// C1 holds a line of 3 400 €
			// but Actebis applies 1 000 €; C2 gets 9 999 € applied and no line.
			drop(t, s.dir, "actebis", "w1.xlsx", actebisBook(t, acc("C1", 9000, 12340, 1000), acc("C2", 9000, 12340, 9999)))
			runWeek(t, s.dir, s.cfg, "2009-04-20")
			book := filepath.Join(s.dir, "out", "2009-04-20", "actebis-2009-04-20.xlsx")
			drop(t, s.dir, "actebis", "reponses.xlsx", fillExcelize(t, book, map[string][2]string{
				"C1": {"contesté", "appliqué en totalité le 22/04"}, "C2": {"en cours", ""}}, nil))
			drop(t, s.dir, "actebis", "w2.xlsx", actebisBook(t, acc("C1", 9000, 12340, 1000), acc("C2", 9000, 12350, 9999)))

			beforeLast := s.clone(t)
			w2 := runWeek(t, s.dir, s.cfg, "2009-04-27")
			if len(w2.Responses) != 2 || len(w2.Discrepancies) != 2 {
				t.Fatalf("week 2 recorded %d answers to %d findings, want 2 and 2: %+v", len(w2.Responses), len(w2.Discrepancies), w2)
			}

			out := t.TempDir()
			m, stdout, stderr := newTestMain()
			if code := m.Run(context.Background(), []string{"simulate", "--config", s.cfg, "--rules", cand, "--replay", "last", "--out", out, "--verbose"}); code != 0 {
				t.Fatalf("simulate: exit %d\n%s", code, stderr)
			}
			key, err := inbox.SigningKey(filepath.Join(s.dir, "var"))
			if err != nil {
				t.Fatal(err)
			}
			if k := hex.EncodeToString(key); strings.Contains(stdout.String()+stderr.String(), k) {
				t.Error("simulate printed the signing key")
			}

			beforeLast.setRules(t, candidateCapAndNew)
			want := runWeek(t, beforeLast.dir, beforeLast.cfg, "2009-04-27")
			sim := readSimulation(t, out)
			sameOutcome(t, "candidate", sim.Candidate, want)
			sameOutcome(t, "current", sim.Current, w2)
			answered := 0
			for _, d := range sim.Candidate.Discrepancies {
				switch {
				case d.ResellerID == "C1" && d.Kind == reconcile.UnderApplied:
					answered++
					if d.Response != reconcile.AnswerDisputed || d.Comment != "appliqué en totalité le 22/04" {
						t.Errorf("C1's finding in the candidate: %+v", d)
					}
				case d.ResellerID == "C2" && d.Response == reconcile.AnswerInProgress:
					answered++
				}
			}
			if answered != 2 {
				t.Errorf("the candidate shows %d of the 2 answers beside their findings: %+v", answered, sim.Candidate.Discrepancies)
			}
			if left, _ := filepath.Glob(filepath.Join(out, ".simulate-*")); len(left) > 0 {
				t.Errorf("the scratch folder (with its copy of the key) was left: %v", left)
			}
		})
	}
}
