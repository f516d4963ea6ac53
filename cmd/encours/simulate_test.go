package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/ledger/pgtest"
)

var sampleWeeks = []string{"2009-04-20", "2009-04-27", "2009-05-04"}

// candidateCapAndNew caps the Mezzanine at 3,000 €, gives Tech Data an OEM
// Office line of its own (it files Office under "Software") and removes
// the financing SLA.
const candidateCapAndNew = `programs:
  - {id: mezzanine, name: Programme Mezzanine, kind: credit_top_up, wholesalers: [actebis],
     from: 2009-03-02, until: 2009-06-30, max_amount: 3000, round_up_to: 100}
  - {id: oem-office, name: Ligne OEM Office, kind: order_triggered_line, wholesalers: [etc],
     amount: 5000, duration_months: 6,
     trigger: {category: [OEM], product_contains: [Office], min_order_amount: 1000}}
  - {id: oem-office-td, name: Ligne OEM Office (Tech Data), kind: order_triggered_line, wholesalers: [techdata],
     amount: 5000, duration_months: 6,
     trigger: {category: [Software], product_contains: [Office], min_order_amount: 1000}}
`

// candidateRemoveOEM removes the OEM line, opens the Mezzanine to every
// wholesaler with smaller steps, and keeps the SLA with a tighter limit.
const candidateRemoveOEM = `programs:
  - {id: ms-financing, name: Microsoft Financing, kind: financing_sla, wholesalers: ["*"],
     payment_values: [Microsoft Financing], max_hours: 36}
  - {id: mezzanine, name: Programme Mezzanine, kind: credit_top_up, wholesalers: ["*"],
     from: 2009-03-02, until: 2009-06-30, max_amount: 8000, round_up_to: 50}
`

// season is a data_dir that ran sample weeks with the CLI.
type season struct {
	dir, cfg string
	outs     map[string]string // week → its run's output folder
	// lc is the season's ledger: data_dir/ledger.db, or a PostgreSQL
	// database of its own.
	lc ledger.Config
}

func newSeason(t *testing.T) *season {
	t.Helper()
	return newSeasonOn(t, ledgerBackends[0])
}

// newSeasonOn is a season whose ledger is on backend b.
func newSeasonOn(t *testing.T, b ledgerBackend) *season {
	t.Helper()
	dir, cfg := copySamples(t)
	return &season{dir: dir, cfg: cfg, outs: map[string]string{}, lc: b.use(t, cfg)}
}

// run stages a sample week into the inbox and runs it with --as-of.
func (s *season) run(t *testing.T, week string) { s.runAt(t, week, false) }

// runAt runs a sample week; started, it runs without --as-of on a clock
// at 09:30 that day, as the daemon would (the financing SLA then measures
// from 09:30, not midnight).
func (s *season) runAt(t *testing.T, week string, started bool) {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Paris")
	if err := stageWeek(filepath.Join("..", "..", "samples", "exports", week), filepath.Join(s.dir, "inbox"), reconcile.MustDate(week), loc); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(s.dir, "out", week)
	m, _, stderr := newTestMain()
	args := []string{"run", "--config", s.cfg, "--as-of", week, "--out", out}
	if started {
		at := reconcile.MustDate(week).Time(loc).Add(9*time.Hour + 30*time.Minute)
		m.Now = func() time.Time { return at }
		args = []string{"run", "--config", s.cfg, "--out", out}
	}
	if code := m.Run(context.Background(), args); code != 0 {
		t.Fatalf("run %s: exit %d\n%s", week, code, stderr)
	}
	s.outs[week] = out
}

func (s *season) setRules(t *testing.T, rules string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.dir, "rules.yaml"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
}

// clone copies the whole season folder (config, inbox, data_dir) and a
// PostgreSQL ledger into a database of its own, named in the copy's config.
func (s *season) clone(t *testing.T) *season {
	t.Helper()
	c := &season{dir: t.TempDir(), outs: map[string]string{}}
	c.cfg = filepath.Join(c.dir, "config.yaml")
	defer func() {
		if !t.Failed() {
			c.lc = cloneLedger(t, s.lc, c.cfg)
		}
	}()
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.dir, p)
		dst := filepath.Join(c.dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := copyFile(p, dst, info.ModTime()); err != nil {
			return err
		}
		// The copy keeps the mode: the signing key must stay 0600.
		return os.Chmod(dst, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cloneLedger copies a PostgreSQL ledger into a new database and points
// the config cfg at it; an SQLite ledger is the file copied with data_dir.
func cloneLedger(t *testing.T, lc ledger.Config, cfg string) ledger.Config {
	t.Helper()
	if lc.Driver != ledger.Postgres {
		return ledger.Config{Driver: ledger.SQLite, Path: filepath.Join(configDataDir(t, cfg), "ledger.db")}
	}
	ctx := context.Background()
	to := ledger.Config{Driver: ledger.Postgres, DSN: pgtest.DSN(t)}
	src, err := ledger.OpenReadOnlyConfig(ctx, lc)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := ledger.OpenConfig(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := ledger.Copy(ctx, dst, src, nil); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), lc.DSN) {
		t.Fatalf("%s does not name the ledger %s", cfg, lc.DSN)
	}
	if err := os.WriteFile(cfg, []byte(strings.ReplaceAll(string(text), lc.DSN, to.DSN)), 0o644); err != nil {
		t.Fatal(err)
	}
	return to
}

func readSimulation(t *testing.T, dir string) reconcile.Simulation {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "simulation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s reconcile.Simulation
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// simulate runs encours simulate and returns its stdout.
func simulate(t *testing.T, cfg, rules, replay, out string, extra ...string) string {
	t.Helper()
	m, stdout, stderr := newTestMain()
	args := append([]string{"simulate", "--config", cfg, "--rules", rules, "--replay", replay, "--out", out}, extra...)
	if code := m.Run(context.Background(), args); code != 0 {
		t.Fatalf("simulate --replay %s: exit %d\n%s", replay, code, stderr)
	}
	return stdout.String()
}

// sameOutcome compares a side of simulation.json with a run's report.
func sameOutcome(t *testing.T, what string, got reconcile.SimulationOutcome, want reconcile.Report) {
	t.Helper()
	w := reconcile.OutcomeOf(&want)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"lines", got.Lines, w.Lines}, {"discrepancies", got.Discrepancies, w.Discrepancies},
		{"rejected_rows", got.RejectedRows, w.RejectedRows}, {"waitlist", got.Waitlist, w.Waitlist},
		{"budgets", got.Budgets, w.Budgets},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			g, _ := json.MarshalIndent(c.got, "", " ")
			x, _ := json.MarshalIndent(c.want, "", " ")
			t.Errorf("%s: %s differ:\n%s", what, c.name, firstDiff(g, x))
		}
	}
}

// dataDirState is every file and folder of dir with its mode, and each
// file's size and modification time, and the ledger's dump. Folders'
// modification times are left out: any SQLite reader makes and removes
// the ledger's -wal and -shm files when it is the only one.
func dataDirState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			fmt.Fprintf(&b, "%s %v\n", rel, info.Mode())
			return nil
		}
		fmt.Fprintf(&b, "%s %v %d %s\n", rel, info.Mode(), info.Size(), info.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "var", "ledger.db")
	if _, err := os.Stat(db); err == nil {
		b.WriteString(ledgerDump(t, ledger.Config{Driver: ledger.SQLite, Path: db}))
	}
	return b.String()
}

// TestSimulateEquivalence: on the sample season, simulate --replay last
// with candidate rules B gives what a real run with B gives on a copy of
// the data_dir taken before the last run, and --replay all what a fresh
// data_dir running the whole season with B gives; current is the
// committed run; totals and changes follow from both sides; the data_dir
// and the ledger are as they were.
func TestSimulateEquivalence(t *testing.T) {
	for name, rules := range map[string]string{"cap, new program, no SLA": candidateCapAndNew, "OEM removed, Mezzanine for all": candidateRemoveOEM} {
		t.Run(name, func(t *testing.T) {
			real := newSeason(t)
			real.run(t, sampleWeeks[0])
			real.run(t, sampleWeeks[1])
			beforeLast := real.clone(t)
			real.runAt(t, sampleWeeks[2], true)
			cand := filepath.Join(t.TempDir(), "candidate.yaml")
			if err := os.WriteFile(cand, []byte(rules), 0o644); err != nil {
				t.Fatal(err)
			}
			before := dataDirState(t, real.dir)

			lastOut, allOut := t.TempDir(), t.TempDir()
			stdout := simulate(t, real.cfg, cand, "last", lastOut)
			simulate(t, real.cfg, cand, "all", allOut, "--lang", "en")
			if after := dataDirState(t, real.dir); after != before {
				t.Errorf("the simulations changed the season's folder:\n%s", firstDiff([]byte(after), []byte(before)))
			}

			// B for real on the copy taken before the last run.
			beforeLast.setRules(t, rules)
			beforeLast.runAt(t, sampleWeeks[2], true)
			// B for real over the whole season on a fresh data_dir.
			fresh := newSeason(t)
			fresh.setRules(t, rules)
			fresh.run(t, sampleWeeks[0])
			fresh.run(t, sampleWeeks[1])
			fresh.runAt(t, sampleWeeks[2], true)
			committed := readReport(t, filepath.Join(real.outs[sampleWeeks[2]], "run.json"))
			for _, c := range []struct {
				replay, out string
				want        reconcile.Report
			}{
				{"last", lastOut, readReport(t, filepath.Join(beforeLast.outs[sampleWeeks[2]], "run.json"))},
				{"all", allOut, readReport(t, filepath.Join(fresh.outs[sampleWeeks[2]], "run.json"))},
			} {
				sim := readSimulation(t, c.out)
				if sim.AsOf != reconcile.MustDate(sampleWeeks[2]) || sim.Replay != c.replay {
					t.Errorf("%s: as_of %s replay %q", c.replay, sim.AsOf, sim.Replay)
				}
				sameOutcome(t, c.replay+" candidate", sim.Candidate, c.want)
				sameOutcome(t, c.replay+" current", sim.Current, committed)
				checkConsistent(t, c.replay, sim)
				if c.replay == "all" && len(sim.Changes) == 0 {
					t.Error("all: the candidate changes no line: the test proves nothing")
				}
				if _, err := os.Stat(filepath.Join(c.out, "simulation-"+sampleWeeks[2]+".xlsx")); err != nil {
					t.Errorf("%s: %v", c.replay, err)
				}
				if left, _ := filepath.Glob(filepath.Join(c.out, ".simulate-*")); len(left) > 0 {
					t.Errorf("%s: the scratch folder was left: %v", c.replay, left)
				}
			}
			if !strings.Contains(stdout, "mezzanine (Programme Mezzanine)") || !strings.Contains(stdout, " → ") ||
				!strings.Contains(stdout, filepath.Join(lastOut, "simulation.json")) {
				t.Errorf("the terminal summary lacks the totals or the outputs:\n%s", stdout)
			}
		})
	}
}

// checkConsistent recomputes totals and changes from the two sides.
func checkConsistent(t *testing.T, what string, sim reconcile.Simulation) {
	t.Helper()
	type key struct{ w, p, r string }
	pick := func(lines []reconcile.ReportLine) map[key]reconcile.ReportLine {
		m := map[key]reconcile.ReportLine{}
		for _, l := range lines {
			k := key{l.Wholesaler, l.Program, l.ResellerID}
			if have, ok := m[k]; ok && reconcile.InForce(have.Status) {
				continue
			}
			m[k] = l
		}
		return m
	}
	cur, cand := pick(sim.Current.Lines), pick(sim.Candidate.Lines)
	want := map[key]bool{}
	for k, c := range cur {
		if d, ok := cand[k]; !ok || d.AmountCents != c.AmountCents || d.Status != c.Status {
			want[k] = true
		}
	}
	for k := range cand {
		if _, ok := cur[k]; !ok {
			want[k] = true
		}
	}
	got := map[key]bool{}
	for _, c := range sim.Changes {
		k := key{c.Wholesaler, c.Program, c.ResellerID}
		got[k] = true
		if c.CurrentAmountCents != cur[k].AmountCents || c.CurrentStatus != cur[k].Status ||
			c.CandidateAmountCents != cand[k].AmountCents || c.CandidateStatus != cand[k].Status {
			t.Errorf("%s: change %+v does not match the sides (%+v, %+v)", what, c, cur[k], cand[k])
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: changes %v, want %v", what, got, want)
	}
	sums := map[[2]string][4]int64{}
	for _, side := range []struct {
		lines []reconcile.ReportLine
		at    int
	}{{sim.Current.Lines, 0}, {sim.Candidate.Lines, 2}} {
		for _, l := range side.lines {
			if reconcile.InForce(l.Status) {
				s := sums[[2]string{l.Program, l.Wholesaler}]
				s[side.at]++
				s[side.at+1] += int64(l.AmountCents)
				sums[[2]string{l.Program, l.Wholesaler}] = s
			}
		}
	}
	seen := map[[2]string]bool{}
	for _, tt := range sim.Totals {
		k := [2]string{tt.Program, tt.Wholesaler}
		seen[k] = true
		s := sums[k]
		if int64(tt.CurrentLines) != s[0] || int64(tt.CurrentAmountCents) != s[1] || int64(tt.CandidateLines) != s[2] || int64(tt.CandidateAmountCents) != s[3] {
			t.Errorf("%s: total %+v, the lines say %v", what, tt, s)
		}
	}
	for k := range sums {
		if !seen[k] {
			t.Errorf("%s: no total for %v", what, k)
		}
	}
}

// TestSimulateWorkbook: the workbook's two sheets, in French by default
// and in English with --lang en, show the totals and every change.
func TestSimulateWorkbook(t *testing.T) {
	s := newSeason(t)
	for _, w := range sampleWeeks {
		s.run(t, w)
	}
	cand := filepath.Join(t.TempDir(), "candidate.yaml")
	os.WriteFile(cand, []byte(candidateCapAndNew), 0o644)
	for _, c := range []struct{ lang, summary, changes, gains string }{
		{"fr", "Synthèse", "Changements", "obtient une ligne"},
		{"en", "Summary", "Changes", "gains a line"},
	} {
		out := t.TempDir()
		simulate(t, s.cfg, cand, "all", out, "--lang", c.lang)
		sim := readSimulation(t, out)
		f, err := excelize.OpenFile(filepath.Join(out, "simulation-2009-05-04.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{c.summary, c.changes}) {
			t.Errorf("%s: sheets %v", c.lang, got)
		}
		rows, _ := f.GetRows(c.changes)
		if len(rows) != len(sim.Changes)+1 {
			t.Errorf("%s: %d change rows, simulation.json has %d", c.lang, len(rows)-1, len(sim.Changes))
		}
		gains := 0
		for _, r := range rows[1:] {
			if len(r) > 4 && r[4] == c.gains {
				gains++
				if r[2] == "" {
					t.Errorf("%s: a reseller who gains a line has no name: %v", c.lang, r)
				}
			}
		}
		if gains != 4 {
			t.Errorf("%s: %d resellers gain a line, want 4 (Tech Data's Office orders)", c.lang, gains)
		}
		summary, _ := f.GetRows(c.summary)
		if len(summary) < 4+len(sim.Totals)+1 {
			t.Errorf("%s: summary has %d rows for %d totals", c.lang, len(summary), len(sim.Totals))
		}
		f.Close()
		zr, err := zip.OpenReader(filepath.Join(out, "simulation-2009-05-04.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		var chart string
		for _, zf := range zr.File {
			if strings.HasPrefix(zf.Name, "xl/charts/chart") {
				rc, _ := zf.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				chart = string(b)
			}
		}
		zr.Close()
		if !strings.Contains(chart, `<barDir val="bar">`) || !strings.Contains(chart, `<grouping val="clustered">`) || strings.Count(chart, "<ser>") != 2 {
			t.Errorf("%s: no clustered bar chart of two series in the workbook", c.lang)
		}
	}
}

// TestSimulateRefusesBadCandidates: the candidate is validated as check
// validates rules, exit 2 naming the key; bad usage is exit 2 too.
func TestSimulateRefusesBadCandidates(t *testing.T) {
	s := newSeason(t)
	s.run(t, sampleWeeks[0])
	write := func(text string) string {
		p := filepath.Join(t.TempDir(), "candidate.yaml")
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown key", []string{"--rules", write(strings.Replace(candidateCapAndNew, "max_amount: 3000", "max_amont: 3000", 1))}, "programs[0].max_amont"},
		{"unknown wholesaler", []string{"--rules", write(strings.Replace(candidateCapAndNew, "wholesalers: [techdata]", "wholesalers: [techdata, bogus]", 1))}, `programs[2].wholesalers[1]: unknown wholesaler "bogus"`},
		{"bad amount", []string{"--rules", write(strings.Replace(candidateCapAndNew, "max_amount: 3000", "max_amount: -3", 1))}, "programs[0].max_amount"},
		{"missing file", []string{"--rules", filepath.Join(t.TempDir(), "none.yaml")}, "cannot read the candidate rules"},
		{"no rules", nil, "--rules CANDIDATE.yaml is required"},
		{"bad replay", []string{"--rules", write(candidateCapAndNew), "--replay", "some"}, "--replay must be last or all"},
		{"bad lang", []string{"--rules", write(candidateCapAndNew), "--lang", "de"}, "--lang must be fr or en"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			m, stdout, stderr := newTestMain()
			args := append([]string{"simulate", "--config", s.cfg, "--out", out}, c.args...)
			if code := m.Run(context.Background(), args); code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitUsage, stdout, stderr)
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("the message does not name %q:\n%s", c.want, stderr)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("a refused simulation wrote %v", entries)
			}
		})
	}
}

// TestSimulateWithoutSnapshot: a ledger without the copy of the ledger
// before its latest run (written before encours kept one) cannot be
// replayed with --replay last, says so and names --replay all, which
// still works; a processed file missing from the archive is named; one
// renamed in the archive is found by its content.
func TestSimulateWithoutSnapshot(t *testing.T) {
	s := newSeason(t)
	for _, w := range sampleWeeks {
		s.run(t, w)
	}
	snaps, _ := filepath.Glob(filepath.Join(s.dir, "var", "snapshots", "*"))
	if len(snaps) != 1 {
		t.Fatalf("snapshots: %v, want the latest run's only", snaps)
	}
	os.Remove(snaps[0])
	cand := filepath.Join(t.TempDir(), "candidate.yaml")
	os.WriteFile(cand, []byte(candidateCapAndNew), 0o644)

	m, _, stderr := newTestMain()
	if code := m.Run(context.Background(), []string{"simulate", "--config", s.cfg, "--rules", cand, "--out", t.TempDir()}); code != exitFailed {
		t.Fatalf("replay last without a snapshot: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"no copy of the ledger as it stood before the latest run 2009-05-04-1", "--replay all"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the message lacks %q:\n%s", want, stderr)
		}
	}
	out := t.TempDir()
	simulate(t, s.cfg, cand, "all", out)
	want := readSimulation(t, out)

	// Renamed in the archive: found by its SHA-256.
	archived := filepath.Join(s.dir, "var", "archive", "actebis", "2009-04-27", "actebis-encours-2009-04-27.xlsx")
	moved := filepath.Join(s.dir, "var", "archive", "actebis", "kept by hand.xlsx")
	if err := os.Rename(archived, moved); err != nil {
		t.Fatal(err)
	}
	out = t.TempDir()
	simulate(t, s.cfg, cand, "all", out)
	if got := readSimulation(t, out); !reflect.DeepEqual(got, want) {
		t.Error("the replay with a file renamed in the archive differs")
	}

	// Gone: named, with where to put it back.
	os.Remove(moved)
	m, _, stderr = newTestMain()
	if code := m.Run(context.Background(), []string{"simulate", "--config", s.cfg, "--rules", cand, "--replay", "all", "--out", t.TempDir()}); code != exitFailed {
		t.Fatalf("replay all with a file missing: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"run 2009-04-27-1", "actebis/actebis-encours-2009-04-27.xlsx", "archive/actebis/2009-04-27"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the message lacks %q:\n%s", want, stderr)
		}
	}
}

// TestSimulateNoRun: a data_dir that never ran has nothing to replay.
func TestSimulateNoRun(t *testing.T) {
	_, cfg := copySamples(t)
	cand := filepath.Join(t.TempDir(), "candidate.yaml")
	os.WriteFile(cand, []byte(candidateCapAndNew), 0o644)
	m, _, stderr := newTestMain()
	if code := m.Run(context.Background(), []string{"simulate", "--config", cfg, "--rules", cand, "--out", t.TempDir()}); code != exitFailed {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "no ledger") {
		t.Errorf("message: %s", stderr)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "var", "ledger.db")); err == nil {
		t.Error("simulate created a ledger")
	}
}
