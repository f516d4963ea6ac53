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
	"strconv"
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

	runID, out, err := r.outputFolder(ctx, store, asOf, opt)
	if err != nil {
		return nil, err
	}
	log := r.log().With("run", runID)
	log.Info("run starting", "as_of", asOf.String(), "out", out, "dry_run", opt.DryRun)

	st := &state{
		cfg: cfg, store: store, log: log, asOf: asOf, asOfInstant: asOfInstant, runID: runID,
		progress: r.Progress,
	}
	committed, err := r.execute(ctx, st, store, out, opt, start)
	if err != nil && !committed && opt.Out == "" {
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
	return &Result{RunID: runID, Out: out, Report: st.report}, nil
}

// execute runs the steps of one run; committed says whether the ledger
// commit happened, after which a failure no longer undoes anything.
func (r *Runner) execute(ctx context.Context, st *state, store *ledger.Store, out string, opt Options, start time.Time) (committed bool, err error) {
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
	if ctx.Err() != nil {
		return false, fmt.Errorf("run cancelled before commit: nothing was committed: %w", ctx.Err())
	}
	if opt.DryRun {
		st.dryRunMail()
		if err := st.writeReport(out); err != nil {
			return false, err
		}
		st.log.Info("dry run: nothing committed, moved or sent")
		return false, nil
	}
	if err := st.commit(ctx, start, r.now(), opt.ScheduledAt); err != nil {
		return false, err
	}
	// From here on the run is committed: moving files and sending mail are
	// finished by the next run if this process dies now.
	st.moveFiles()
	st.sendMail(ctx, r.sender(store))
	return true, st.writeReport(out)
}

// outputFolder picks the run id <as_of>-<n> and the folder for outputs.
func (r *Runner) outputFolder(ctx context.Context, store *ledger.Store, asOf reconcile.Date, opt Options) (string, string, error) {
	runs := filepath.Join(r.Config.DataDir, "runs")
	for n := 1; ; n++ {
		id := asOf.String() + "-" + strconv.Itoa(n)
		if opt.DryRun {
			id += "-dry"
		}
		_, exists, err := store.RunReport(ctx, id)
		if err != nil {
			return "", "", err
		}
		if exists {
			continue
		}
		dir := filepath.Join(runs, id)
		if _, err := os.Stat(dir); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", "", err
		}
		out := opt.Out
		if out == "" {
			out = dir
		}
		if err := os.MkdirAll(out, 0o750); err != nil {
			return "", "", fmt.Errorf("cannot create the output folder: %w", err)
		}
		return id, out, nil
	}
}

func (r *Runner) sender(store *ledger.Store) *notify.Sender {
	if r.Transport == nil {
		return nil
	}
	return &notify.Sender{Outbox: store, Transport: r.Transport, Now: r.Now, Log: r.log(),
		MaxAge: r.Config.Mail.MaxAge, Sleep: r.Sleep}
}
