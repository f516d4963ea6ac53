// Package whatif is encours simulate: it replays committed runs with
// candidate rules through the run's own code (batch.Runner) on a scratch
// copy of the ledger, the inbox and the config, and compares the outcome
// with what was committed. The real data_dir is only read: its ledger
// (SQLite or PostgreSQL) through a read-only connection and in one brief
// transaction, its ledger snapshot, archived exports and response files
// and the key that signs the workbooks by copying them. No lock is taken there,
// so a daemon's runs go on meanwhile, and simulations do not hinder each
// other.
package whatif

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/batch"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/notify"
	"github.com/encours/encours/reconcile/xlsx"
)

// Replay modes (--replay).
const (
	// ReplayLast evaluates the latest committed run again, from the ledger
	// as it stood before it (its snapshot).
	ReplayLast = "last"
	// ReplayAll replays every committed run from the first, in order, from
	// an empty ledger.
	ReplayAll = "all"
)

// Errors a simulation may end with; each comes wrapped in a message that
// says what to do.
var (
	// ErrNoRun: the ledger holds no committed run to replay.
	ErrNoRun = errors.New("no committed run to replay")
	// ErrNoSnapshot: the copy of the ledger before the latest run is not
	// there (a ledger written before encours kept them).
	ErrNoSnapshot = errors.New("no copy of the ledger as it stood before the latest run")
	// ErrMissingFile: a file a replayed run processed is not in the archive.
	ErrMissingFile = errors.New("a file the run processed is not in the archive")
)

// Request is one simulation.
type Request struct {
	// Config is the real configuration: its data_dir is read, its
	// wholesalers, layouts and limits are those of the replay.
	Config *config.Config
	// Ledger is the real ledger, read only; its zero value is the SQLite
	// file data_dir/ledger.db. The replays run on an SQLite copy in the
	// scratch folder whatever its engine.
	Ledger ledger.Config
	// Rules are the candidate programs, validated as encours check
	// validates rules (config.ParseRules with the config's wholesaler ids).
	Rules []reconcile.Program
	// Replay is ReplayLast or ReplayAll.
	Replay string
	// Out receives simulation.json and simulation-<as_of>.xlsx. The scratch
	// copy lives in a temp folder inside it while the simulation runs.
	Out string
	// Lang is the workbook's language: "fr" (the default) or "en".
	Lang string
	Log  *slog.Logger
	// Progress, when set, receives the replayed runs' progress lines.
	Progress func(phase string, done, total int)
}

// Result is what a simulation compared and wrote.
type Result struct {
	Simulation *reconcile.Simulation
	// Run is the latest committed run, whose outcome is compared.
	Run ledger.Run
	// Replayed is the number of runs replayed.
	Replayed int
	// JSON and Workbook are the files written into Request.Out.
	JSON, Workbook string
	// Names maps, by wholesaler, reseller ids to the names the replayed
	// exports give them.
	Names map[string]map[string]string
}

// Run simulates req. Nothing is committed, moved or sent in the real
// data_dir: the replayed runs commit, if at all, into the scratch ledger.
func Run(ctx context.Context, req Request) (*Result, error) {
	if req.Replay != ReplayLast && req.Replay != ReplayAll {
		return nil, fmt.Errorf("replay must be %s or %s, not %q", ReplayLast, ReplayAll, req.Replay)
	}
	log := req.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := req.Config
	if err := os.MkdirAll(req.Out, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create the output folder: %w", err)
	}
	scratch, err := os.MkdirTemp(req.Out, ".simulate-")
	if err != nil {
		return nil, fmt.Errorf("cannot create the scratch folder: %w", err)
	}
	defer func() {
		if err := os.RemoveAll(scratch); err != nil {
			log.Warn("cannot remove the scratch folder", "path", scratch, "err", err)
		}
	}()
	s := &simulation{req: req, log: log, scratch: scratch,
		data: filepath.Join(scratch, "var"), inbox: filepath.Join(scratch, "inbox")}
	for _, dir := range []string{s.data, s.inbox} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("cannot create the scratch folder: %w", err)
		}
	}
	// The replayed runs verify the markers of the response files with the
	// key of the real data_dir, as the runs did.
	if err := inbox.CopySigningKey(cfg.DataDir, s.data); err != nil {
		return nil, fmt.Errorf("cannot copy the signing key of the responses into the scratch folder: %w", err)
	}

	h, err := s.history(ctx)
	if err != nil {
		return nil, err
	}
	runs := h.Runs
	if req.Replay == ReplayLast {
		runs = runs[len(runs)-1:]
	}
	latest := runs[len(runs)-1]
	log.Info("simulation starting", "replay", req.Replay, "runs", len(runs), "latest_run", latest.ID, "as_of", latest.AsOf.String())

	var candidate *batch.Result
	for i, run := range runs {
		last := i == len(runs)-1
		res, err := s.replay(ctx, run, last, h.LatestReport)
		if err != nil {
			return nil, err
		}
		if last {
			candidate = res
		}
	}

	// The committed report is decoded only now, after the replay's peak.
	var current reconcile.Report
	if err := json.Unmarshal(h.LatestReport, &current); err != nil {
		return nil, fmt.Errorf("cannot read the report of run %s in the ledger: %w", latest.ID, err)
	}
	h.LatestReport = nil
	sim := &reconcile.Simulation{
		AsOf: latest.AsOf, Replay: req.Replay,
		Current:   reconcile.OutcomeOf(&current),
		Candidate: reconcile.OutcomeOf(candidate.Report),
	}
	programs := append(append([]reconcile.Program(nil), req.Rules...), cfg.Programs...)
	sim.Totals, sim.Changes = reconcile.Compare(sim.Current.Lines, sim.Candidate.Lines, programs, cfg.WholesalerIDs())

	res := &Result{Simulation: sim, Run: latest.Run, Replayed: len(runs), Names: candidate.Names}
	if res.JSON, res.Workbook, err = s.write(sim, candidate.Names); err != nil {
		return nil, err
	}
	log.Info("simulation done", "changes", len(sim.Changes), "json", res.JSON, "workbook", res.Workbook)
	return res, nil
}

// simulation is one Run in progress.
type simulation struct {
	req     Request
	log     *slog.Logger
	scratch string
	// data and inbox are the scratch data_dir and inbox.
	data, inbox string
}

// history reads the committed runs of the real ledger; for --replay last
// it also copies the snapshot of the ledger before the latest run into
// the scratch data_dir. A run committed between the two (a daemon's) makes
// the snapshot it read stale: it reads again then.
func (s *simulation) history(ctx context.Context) (ledger.ReplayHistory, error) {
	lc := s.req.Ledger
	if lc.Driver == "" && lc.Path == "" {
		lc = ledger.Config{Driver: ledger.SQLite, Path: filepath.Join(s.req.Config.DataDir, "ledger.db")}
	}
	const tries = 5
	for try := 1; ; try++ {
		h, name, err := readHistory(ctx, lc)
		if err != nil {
			return ledger.ReplayHistory{}, err
		}
		if len(h.Runs) == 0 {
			return ledger.ReplayHistory{}, fmt.Errorf("%w: the ledger %s holds none; run encours run first", ErrNoRun, name)
		}
		if s.req.Replay == ReplayAll {
			return h, nil
		}
		latest := h.Runs[len(h.Runs)-1]
		snap := batch.SnapshotPath(s.req.Config.DataDir, latest.ID)
		err = copySnapshot(snap, filepath.Join(s.data, "ledger.db"))
		if err == nil {
			return h, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return ledger.ReplayHistory{}, fmt.Errorf("cannot copy %s: %w", snap, err)
		}
		if try < tries {
			if again, _, rerr := readHistory(ctx, lc); rerr == nil && len(again.Runs) > 0 && again.Runs[len(again.Runs)-1].ID != latest.ID {
				continue // a run committed meanwhile and replaced the snapshot
			}
		}
		return ledger.ReplayHistory{}, fmt.Errorf("%w %s (%s is missing): the ledger was written by an encours that kept no such copy, or it was removed; --replay all replays every run from the first and does not need it, and the next run will keep one",
			ErrNoSnapshot, latest.ID, snap)
	}
}

// readHistory reads the committed runs of the ledger lc names, and names
// it for messages (never with a password).
func readHistory(ctx context.Context, lc ledger.Config) (ledger.ReplayHistory, string, error) {
	store, err := ledger.OpenReadOnlyConfig(ctx, lc)
	if err != nil {
		return ledger.ReplayHistory{}, "", fmt.Errorf("cannot open the ledger: %w", err)
	}
	defer store.Close()
	h, err := store.Replays(ctx)
	return h, store.String(), err
}

// copySnapshot copies the snapshot at src to dst. It opens src first: a
// run that removes it afterwards does not cut the copy short.
func copySnapshot(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return inbox.WriteAtomic(filepath.Dir(dst), filepath.Base(dst), 0o600, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// replay runs one committed run again in the scratch folder with the
// candidate rules: its files staged into the scratch inbox, its as-of and
// as-of instant, its start as the clock. The last replayed run is a dry
// run (nothing of it is needed after); the others commit into the scratch
// ledger, and archive their files there, for the next.
func (s *simulation) replay(ctx context.Context, run ledger.ReplayRun, last bool, latestReport []byte) (*batch.Result, error) {
	cfg := s.req.Config
	for _, f := range run.Files {
		if err := s.stage(run, f); err != nil {
			return nil, err
		}
	}
	scratch := *cfg
	scratch.DataDir, scratch.Inbox = s.data, s.inbox
	scratch.Programs = s.req.Rules
	// The files were ready when the run took them; the copies are new.
	scratch.MinFileAge = 0
	began := time.Now()
	r := &batch.Runner{
		Config: &scratch, Log: s.log.With("replaying", run.ID), Holder: "encours simulate",
		Now:      func() time.Time { return run.StartedAt.Add(time.Since(began)) },
		Progress: s.req.Progress,
	}
	opt := batch.Options{
		AsOf: run.AsOf, AsOfInstant: s.asOfInstant(run.Run), Out: filepath.Join(s.scratch, "out"),
		DryRun: last, SkipWorkbooks: true, SkipMail: true, SkipSnapshot: true,
		// The run's own id: the references of the findings it opens derive
		// from it.
		RunID: run.ID,
	}
	if last {
		opt.NameResellers = committedResellers(latestReport)
	}
	res, err := r.Run(ctx, opt)
	if err != nil {
		return nil, fmt.Errorf("replaying run %s (as of %s): %w", run.ID, run.AsOf, err)
	}
	return res, nil
}

// asOfInstant is the instant the run's financing SLA measured from. A run
// committed before encours kept it is taken to have started on its as-of
// day without --as-of when it did start that day, and to have had --as-of
// (00:00) otherwise.
func (s *simulation) asOfInstant(run ledger.Run) time.Time {
	if !run.AsOfInstant.IsZero() {
		return run.AsOfInstant
	}
	loc := s.req.Config.Location
	if reconcile.DateIn(run.StartedAt.In(loc)) == run.AsOf {
		return run.StartedAt
	}
	return run.AsOf.Time(loc)
}

// stage copies one processed file of run into the scratch inbox, from
// where the ledger says it was archived, or else from the copy with its
// content anywhere in the wholesaler's archive.
func (s *simulation) stage(run ledger.ReplayRun, f ledger.FileRecord) error {
	dataDir := s.req.Config.DataDir
	dir := filepath.Join(s.inbox, f.Wholesaler)
	if f.ArchivedPath != "" {
		p := f.ArchivedPath
		if !filepath.IsAbs(p) {
			p = filepath.Join(dataDir, p)
		}
		dst, sum, err := inbox.Stage(p, dir, f.Name)
		if err == nil && sum == f.SHA256 {
			return nil
		}
		if err == nil {
			os.Remove(dst) // not the content the run read
		}
	}
	real := &inbox.Inbox{DataDir: dataDir}
	p, ok, err := real.FindArchived(f.Wholesaler, f.Name, f.SHA256)
	if err != nil {
		return err
	}
	if !ok {
		where := filepath.Join(dataDir, "archive", f.Wholesaler)
		if f.ArchivedPath != "" {
			where = f.ArchivedPath + " nor anywhere under " + where
		}
		return fmt.Errorf("%w: run %s (as of %s) processed %s/%s (SHA-256 %s), which is neither at %s; put that file back into %s to replay this run",
			ErrMissingFile, run.ID, run.AsOf, f.Wholesaler, f.Name, f.SHA256, where, filepath.Join(dataDir, "archive", f.Wholesaler, run.AsOf.String()))
	}
	if _, sum, err := inbox.Stage(p, dir, f.Name); err != nil {
		return err
	} else if sum != f.SHA256 {
		return fmt.Errorf("%s changed while it was copied; try again", p)
	}
	return nil
}

// committedResellers lists, by wholesaler, the resellers with a line in the
// committed report, for their names.
func committedResellers(report []byte) map[string]map[string]bool {
	var r struct {
		Lines []struct {
			Wholesaler string `json:"wholesaler"`
			ResellerID string `json:"reseller_id"`
		} `json:"lines"`
	}
	if json.Unmarshal(report, &r) != nil {
		return nil
	}
	out := map[string]map[string]bool{}
	for _, l := range r.Lines {
		m := out[l.Wholesaler]
		if m == nil {
			m = map[string]bool{}
			out[l.Wholesaler] = m
		}
		m[l.ResellerID] = true
	}
	return out
}

// write writes simulation.json and the workbook into req.Out.
func (s *simulation) write(sim *reconcile.Simulation, names map[string]map[string]string) (jsonPath, book string, err error) {
	out := s.req.Out
	if err := inbox.WriteAtomic(out, "simulation.json", 0o640, func(w io.Writer) error {
		return encodeSimulation(w, sim)
	}); err != nil {
		return "", "", fmt.Errorf("cannot write simulation.json: %w", err)
	}
	cfg := s.req.Config
	b := xlsx.SimulationBook{
		AsOf: sim.AsOf, Replay: sim.Replay, Lang: s.req.Lang, Totals: sim.Totals, Changes: sim.Changes,
		Current: sim.Current.Lines, Candidate: sim.Candidate.Lines, Names: names, TmpDir: s.scratch,
	}
	if s.req.Lang != "en" {
		// The reasons are the engine's English, as in run.json.
		b.Changes = make([]reconcile.SimulationChange, len(sim.Changes))
		for i, c := range sim.Changes {
			c.CurrentReason, c.CandidateReason = notify.LocalReason("fr", c.CurrentReason), notify.LocalReason("fr", c.CandidateReason)
			b.Changes[i] = c
		}
	}
	for _, w := range cfg.Wholesalers {
		b.Wholesalers = append(b.Wholesalers, xlsx.Wholesaler{ID: w.ID, Name: w.Name, Language: w.Language})
	}
	seen := map[string]bool{}
	for _, p := range append(append([]reconcile.Program(nil), s.req.Rules...), cfg.Programs...) {
		if !seen[p.ID] {
			seen[p.ID] = true
			b.Programs = append(b.Programs, xlsx.Program{ID: p.ID, Name: p.Name})
		}
	}
	name := fmt.Sprintf("simulation-%s.xlsx", sim.AsOf)
	if err := inbox.WriteAtomic(out, name, 0o640, func(w io.Writer) error { return xlsx.WriteSimulation(w, b) }); err != nil {
		return "", "", fmt.Errorf("cannot write %s: %w", name, err)
	}
	return filepath.Join(out, "simulation.json"), filepath.Join(out, name), nil
}
