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
	ScheduledAt time.Time
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

	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create data_dir %s: %w", cfg.DataDir, err)
	}
	held, err := inbox.Lock(cfg.DataDir, r.Holder)
	if err != nil {
		return nil, err
	}
	defer held.Release()
	if err := recoverLeftovers(cfg.DataDir, opt.Out, r.log()); err != nil {
		return nil, err
	}

	store, err := ledger.Open(ctx, filepath.Join(cfg.DataDir, "ledger.db"))
	if err != nil {
		return nil, fmt.Errorf("cannot open the ledger: %w", err)
	}
	defer store.Close()

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
		progress: r.Progress,
	}
	committed, err := r.execute(ctx, st, store, out, final, opt, start)
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
	return &Result{RunID: runID, Out: final, Report: st.report}, nil
}

// execute runs the steps of one run; committed says whether the ledger
// commit happened, after which a failure no longer undoes anything. The
// outputs are written into out and published (renamed) to final right
// after the commit, so a folder under runs/ always holds a committed run.
func (r *Runner) execute(ctx context.Context, st *state, store *ledger.Store, out, final string, opt Options, start time.Time) (committed bool, err error) {
	if err := st.read(ctx); err != nil {
		return false, err
	}
	if err := st.evaluate(ctx); err != nil {
		return false, err
	}
	if err := st.writeOutputs(out); err != nil {
		return false, err
	}
	if err := st.renderMail(start); err != nil {
		return false, err
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
	st.moveFiles()
	failpoint("after-move")
	st.sendMail(ctx, r.sender(store))
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
		_, exists, err := store.RunReport(ctx, id)
		if err != nil {
			return "", "", "", err
		}
		if exists {
			continue
		}
		final = filepath.Join(runs, id)
		if _, err := os.Stat(final); err == nil {
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
