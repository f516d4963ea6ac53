// Package batch runs one reconciliation: inbox → layout → Evaluate → ledger
// → reports → notify. It is the only package that knows the order of the
// steps; each step lives in its own package.
package batch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/notify"
)

// Options are the knobs of one run.
type Options struct {
	// AsOf is the date the run is computed for; zero means today in the
	// configured time zone.
	AsOf reconcile.Date
	// Out is the output folder; empty means data_dir/runs/<as_of>-<n>/.
	Out string
	// DryRun computes and writes outputs but moves nothing, commits
	// nothing and sends nothing.
	DryRun bool
	// ScheduledAt is the schedule tick that started the run (daemon only).
	// A tick the ledger records as run already (by another daemon replica
	// sharing it) is not run again: the error is a *TickDoneError.
	ScheduledAt time.Time
	// WaitLock, when set, makes a run on a PostgreSQL ledger wait for the
	// run lock another process holds, until WaitLock ends, instead of
	// failing at once: daemon replicas queue behind the one running a tick,
	// and the next takes the tick over if that one dies before its commit.
	WaitLock context.Context

	// AsOfInstant, when set, is the instant the financing SLA measures
	// from instead of the run's start (or 00:00 of an explicit AsOf):
	// encours simulate replays a run with the instant that run used.
	AsOfInstant time.Time
	// SkipWorkbooks writes no workbook, only run.json; SkipMail renders,
	// queues and sends no mail (not even what earlier runs left in the
	// outbox). What only people read is not needed by encours simulate,
	// which compares outcomes; reading, deciding and the report are the
	// same either way.
	SkipWorkbooks, SkipMail bool
	// SkipSnapshot keeps no copy of the ledger before the commit (see
	// SnapshotPath): for a scratch ledger nobody replays.
	SkipSnapshot bool
	// NameResellers are more resellers, by wholesaler, whose names from
	// the run's exports Result.Names gives, besides those with a line or
	// a discrepancy in the run (encours simulate names those who lose a
	// line).
	NameResellers map[string]map[string]bool
	// RunID, when set, is the run's id instead of the next free
	// <as_of>-<n>: encours simulate replays a run under the id it had, so
	// that what derives from it (the references of the findings it opens)
	// is what the run gave. The ledger must not hold a run of that id.
	RunID string
}

// ErrStoppedWaiting is matched by the error of a run whose WaitLock ended
// before it got the run lock: it ran nothing.
var ErrStoppedWaiting = errors.New("stopped waiting for the run lock")

// TickDoneError is returned by a scheduled run whose tick the ledger
// records as run already: another daemon replica ran it (or a later one).
type TickDoneError struct {
	Tick time.Time
	// Last is the last tick recorded, By the replica that ran it ("" when
	// unknown).
	Last time.Time
	By   string
}

func (e *TickDoneError) Error() string {
	by := "another daemon"
	if e.By != "" {
		by = "replica " + e.By
	}
	return fmt.Sprintf("tick %s was already run by %s (last tick run: %s): nothing to do",
		e.Tick.Format(time.RFC3339), by, e.Last.Format(time.RFC3339))
}

// Runner runs reconciliations for one configuration.
type Runner struct {
	Config *config.Config
	Log    *slog.Logger
	// Now is the clock; tests freeze it.
	Now func() time.Time
	// Progress, when set, receives progress lines for long runs.
	Progress func(phase string, done, total int)
	// Holder describes this process in the lock file ("encours run", …).
	Holder string
	// Transport delivers mail; nil leaves messages queued in the outbox.
	Transport notify.Transport
	// Ledger is the ledger to use; its zero value is the SQLite file
	// data_dir/ledger.db.
	Ledger ledger.Config
	// Replica names this process among daemon replicas sharing a
	// PostgreSQL ledger; it is recorded with each tick it runs.
	Replica string
	// Sleep waits between mail attempts (nil: a real timer); tests make
	// it instant so a retried delivery does not wait real seconds.
	Sleep func(context.Context, time.Duration) error
	// CommitMemoryLimit, when positive and below the Go memory limit in
	// force, replaces that limit once the workbooks and mail are written,
	// for run.json, the commit and the mail, and the old one is restored
	// when the run returns. Less is live by then, so a lower limit costs
	// little GC and leaves room for SQLite's memory, outside the Go heap.
	CommitMemoryLimit int64
}

// Result is what a run produced.
type Result struct {
	RunID  string
	Out    string
	Report *reconcile.Report
	// Names maps, by wholesaler, the reseller ids of the run's lines and
	// discrepancies (and Options.NameResellers) to the names the run's
	// exports give them.
	Names map[string]map[string]string
}

// ErrAsOfBackwards is returned when a run's as-of precedes the last committed run's.
var ErrAsOfBackwards = ledger.ErrAsOfBackwards

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run performs one run. A run that fails commits nothing and leaves the
// inbox as it was; rejected rows and quarantined files are not failures.
func (r *Runner) Run(ctx context.Context, opt Options) (*Result, error) {
	cfg := r.Config
	start := r.now()
	loc := cfg.Location
	asOf := opt.AsOf
	asOfInstant := start
	if asOf.IsZero() {
		asOf = reconcile.DateIn(start.In(loc))
	} else {
		asOfInstant = asOf.Time(loc)
	}
	if !opt.AsOfInstant.IsZero() {
		asOfInstant = opt.AsOfInstant
	}

	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create data_dir %s: %w", cfg.DataDir, err)
	}
	store, release, err := r.openLocked(ctx, opt)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := recoverLeftovers(cfg.DataDir, opt.Out, r.log()); err != nil {
		return nil, err
	}
	if tick := opt.ScheduledAt; !tick.IsZero() {
		last, ok, err := store.LastScheduled(ctx)
		if err != nil {
			return nil, err
		}
		if ok && !last.Before(tick) {
			by, err := store.LastScheduledBy(ctx)
			if err != nil {
				return nil, err
			}
			return nil, &TickDoneError{Tick: tick, Last: last, By: by}
		}
	}

	if last, ok, err := store.LastRun(ctx); err != nil {
		return nil, err
	} else if ok && asOf < last.AsOf {
		return nil, fmt.Errorf("%w: as-of %s precedes the last committed run's %s; pass --as-of %s or later",
			ErrAsOfBackwards, asOf, last.AsOf, last.AsOf)
	}

	if err := recoverPartials(ctx, store, filepath.Join(cfg.DataDir, "runs"), r.log()); err != nil {
		return nil, err
	}
	runID, out, final, err := r.outputFolder(ctx, store, asOf, opt)
	if err != nil {
		return nil, err
	}
	log := r.log().With("run", runID)
	log.Info("run starting", "as_of", asOf.String(), "out", final, "dry_run", opt.DryRun)

	st := &state{
		cfg: cfg, store: store, log: log, asOf: asOf, asOfInstant: asOfInstant, runID: runID,
		replica: r.Replica, progress: r.Progress, opt: opt,
	}
	var snap *snapshot
	if !opt.DryRun && !opt.SkipSnapshot {
		// The ledger cannot change under the lock until the commit: the
		// copy, taken while the files are read, is the state before this run.
		snap = startSnapshot(ctx, store, cfg.DataDir, runID)
	}
	committed, err := r.execute(ctx, st, store, out, final, opt, start, snap)
	if snapErr := snap.wait(); snap != nil && committed && snapErr == nil {
		snap.prune(log)
	} else if snap != nil && !committed {
		snap.discard(log)
	}
	if err != nil && !committed && out != final {
		// A run that failed before its commit leaves no outputs that could
		// be taken for a finished run's.
		if rmErr := os.RemoveAll(out); rmErr != nil {
			log.Warn("cannot remove the outputs of the failed run", "out", out, "err", rmErr)
		}
	}
	if err != nil {
		return nil, err
	}
	log.Info("run done", "files", len(st.report.Files), "lines", len(st.report.Lines),
		"discrepancies", len(st.report.Discrepancies), "rejected_rows", len(st.report.RejectedRows))
	return &Result{RunID: runID, Out: final, Report: st.report, Names: st.names}, nil
}

// openLocked takes the run lock and opens the ledger: the file lock of
// data_dir for an SQLite ledger; for a PostgreSQL one, shared by several
// machines, the ledger's own lock (a file lock over shared storage is no
// lock). release closes the ledger and drops the lock.
func (r *Runner) openLocked(ctx context.Context, opt Options) (store *ledger.Store, release func(), err error) {
	lc := r.Ledger
	if lc.Driver == "" && lc.Path == "" {
		lc = ledger.Config{Driver: ledger.SQLite, Path: filepath.Join(r.Config.DataDir, "ledger.db")}
	}
	if lc.Driver != ledger.Postgres {
		held, err := inbox.Lock(r.Config.DataDir, r.Holder)
		if err != nil {
			return nil, nil, err
		}
		store, err := ledger.OpenConfig(ctx, lc)
		if err != nil {
			held.Release()
			return nil, nil, fmt.Errorf("cannot open the ledger: %w", err)
		}
		return store, func() { store.Close(); held.Release() }, nil
	}
	store, err = ledger.OpenConfig(ctx, lc)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the ledger: %w", err)
	}
	if _, err := store.LockRun(ctx, r.Holder, opt.WaitLock); err != nil {
		store.Close()
		if opt.WaitLock != nil && opt.WaitLock.Err() != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrStoppedWaiting, err)
		}
		return nil, nil, err
	}
	return store, func() { store.Close() }, nil
}

// execute runs the steps of one run; committed says whether the ledger
// commit happened, after which a failure no longer undoes anything. The
// outputs are written into out and published (renamed) to final right
// after the commit, so a folder under runs/ always holds a committed run.
func (r *Runner) execute(ctx context.Context, st *state, store *ledger.Store, out, final string, opt Options, start time.Time, snap *snapshot) (committed bool, err error) {
	if err := st.read(ctx); err != nil {
		return false, err
	}
	if err := st.evaluate(ctx); err != nil {
		return false, err
	}
	if !opt.SkipWorkbooks {
		if err := st.writeOutputs(out); err != nil {
			return false, err
		}
	}
	if !opt.SkipMail {
		if err := st.renderMail(ctx, start); err != nil {
			return false, err
		}
	}
	if lim := r.CommitMemoryLimit; lim > 0 {
		if old := debug.SetMemoryLimit(-1); lim < old {
			debug.SetMemoryLimit(lim)
			defer debug.SetMemoryLimit(old)
		}
	}
	if ctx.Err() != nil {
		return false, fmt.Errorf("run cancelled before commit: nothing was committed: %w", ctx.Err())
	}
	if opt.DryRun {
		st.queuedMail("dry run: not sent")
		if err := st.writeReport(out, false); err != nil {
			return false, err
		}
		st.log.Info("dry run: nothing committed, moved or sent")
		return false, publish(out, final)
	}
	st.queuedMail("")
	if snap != nil {
		st.progressf("copying the ledger", 0, 1)
		if err := snap.wait(); err != nil {
			if ctx.Err() != nil {
				return false, fmt.Errorf("run cancelled before commit: nothing was committed: %w", ctx.Err())
			}
			st.warn(fmt.Sprintf("the ledger could not be copied before this run (%v): encours simulate --replay last cannot replay this run; --replay all still can", err))
		}
	}
	if err := st.writeReport(out, true); err != nil {
		return false, err
	}
	failpoint("before-commit")
	if err := st.commit(ctx, start, r.now(), opt.ScheduledAt); err != nil {
		return false, err
	}
	failpoint("after-commit")
	// From here on the run is committed: publishing the outputs, moving
	// files and sending mail are finished by the next run if this process
	// dies now (recoverPartials, duplicates, the outbox).
	if err := publish(out, final); err != nil {
		return true, err
	}
	failpoint("after-publish")
	st.moveFiles(ctx)
	failpoint("after-move")
	if !opt.SkipMail {
		st.sendMail(ctx, r.sender(store))
	}
	failpoint("after-mail")
	st.retain(final)
	return true, st.writeReport(final, false)
}

// publish renames the folder a run wrote its outputs into to its final
// name (nothing to do when the run writes straight into --out).
func publish(out, final string) error {
	if out == final {
		return nil
	}
	if err := os.Rename(out, final); err != nil {
		return fmt.Errorf("cannot publish the outputs in %s: %w", final, err)
	}
	return syncDir(filepath.Dir(final))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// partialSuffix marks a run's output folder while the run is not committed.
const partialSuffix = ".partial"

// failpoint stops the process with SIGKILL at a named step when
// ENCOURS_FAILPOINT names it: the crash tests use it to cut a real run
// where a power cut could. Without the variable it does nothing.
func failpoint(step string) {
	if os.Getenv("ENCOURS_FAILPOINT") == step {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// outputFolder picks the run id <as_of>-<n>, the folder the run writes
// into and the one it publishes to: data_dir/runs/.<id>.partial then
// data_dir/runs/<id> by default, or --out for both.
func (r *Runner) outputFolder(ctx context.Context, store *ledger.Store, asOf reconcile.Date, opt Options) (id, out, final string, err error) {
	runs := filepath.Join(r.Config.DataDir, "runs")
	for n := 1; ; n++ {
		id := asOf.String() + "-" + strconv.Itoa(n)
		if opt.DryRun {
			id += "-dry"
		}
		if opt.RunID != "" {
			id = opt.RunID
		}
		_, exists, err := store.RunReport(ctx, id)
		if err != nil {
			return "", "", "", err
		}
		if exists && opt.RunID != "" {
			return "", "", "", fmt.Errorf("the ledger already holds a run %s", id)
		}
		if exists {
			continue
		}
		final = filepath.Join(runs, id)
		if _, err := os.Stat(final); err == nil && opt.RunID != "" {
			return "", "", "", fmt.Errorf("the folder of run %s already exists: %s", id, final)
		} else if err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", "", "", err
		}
		out = filepath.Join(runs, "."+id+partialSuffix)
		if opt.Out != "" {
			out, final = opt.Out, opt.Out
		} else if err := os.RemoveAll(out); err != nil { // an uncommitted run's leftovers
			return "", "", "", err
		}
		if err := os.MkdirAll(out, 0o750); err != nil {
			return "", "", "", fmt.Errorf("cannot create the output folder: %w", err)
		}
		return id, out, final, nil
	}
}

func (r *Runner) sender(store *ledger.Store) *notify.Sender {
	if r.Transport == nil {
		return nil
	}
	return &notify.Sender{Outbox: store, Transport: r.Transport, Now: r.Now, Log: r.log(),
		MaxAge: r.Config.Mail.MaxAge, Sleep: r.Sleep}
}
