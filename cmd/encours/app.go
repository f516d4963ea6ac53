package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/ledger"
)

// Exit codes of spec §6.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
	exitLocked = 3
)

// Main is the program with its outside world made explicit, so that
// end-to-end tests build it just as main does.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	// IsTerminal says whether a file is a terminal: the progress line is
	// drawn on stderr only then.
	IsTerminal func(*os.File) bool
}

// NewMain returns a Main wired to the process.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now, IsTerminal: isTerminal}
}

// usageError is bad usage of the command line: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// configError is a config or rules file that does not validate: exit 2.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

const usage = `usage: encours <command> [flags]

commands:
  run     --config FILE [--as-of YYYY-MM-DD] [--out DIR] [--dry-run]   one run now
  daemon  --config FILE [--log-format text|json] [--replica NAME]      runs on the schedule until SIGINT/SIGTERM
  check   --config FILE [--as-of D] [--export FILE.xlsx --wholesaler ID]   validates config and rules, prints the programs, budget warnings
                                                                       (on D, default the last run's as-of) and next run times;
                                                                       with --export, reads that file as a run of D (default today) would
  simulate --config FILE --rules CANDIDATE.yaml [--replay last|all] --out DIR [--lang fr|en]   what the committed runs would have given with other rules
  explain --config FILE --wholesaler ID --reseller ID [--json]          one reseller's history: lines, findings, answers
  layout  suggest FILE.xlsx [--id ID]                                 prints a wholesalers: entry whose layout reads that export
  demo    [--out DIR]                                                  runs the samples/ weeks in a scratch folder
  ledger migrate --config FILE --to postgres|sqlite                   copies data_dir/ledger.db into the config's PostgreSQL ledger (or back)
  gen     --samples DIR                                                rewrites the sample exports of DIR/exports (samples/)
  gen     --config FILE --wholesaler ID --rows N [--orders M] --out FILE.xlsx [--seed S] [--as-of D]   writes a large export (benchmarks)
`

// Run executes one command line and returns the process exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "run":
		err = m.cmdRun(ctx, args[1:])
	case "daemon":
		err = m.cmdDaemon(ctx, args[1:])
	case "check":
		err = m.cmdCheck(ctx, args[1:])
	case "simulate":
		err = m.cmdSimulate(ctx, args[1:])
	case "demo":
		err = m.cmdDemo(ctx, args[1:])
	case "gen":
		err = m.cmdGen(ctx, args[1:])
	case "ledger":
		err = m.cmdLedger(ctx, args[1:])
	case "explain":
		err = m.cmdExplain(ctx, args[1:])
	case "layout":
		err = m.cmdLayout(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return exitOK
	default:
		err = usagef("unknown command %q", args[0])
	}
	return m.exitCode(err)
}

// exitCode maps an error to the exit codes of the spec, at one edge.
func (m *Main) exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(m.Stderr, "encours: %v\n", err)
	var ue usageError
	var le *inbox.LockedError
	var lle *ledger.LockedError
	var ce configError
	switch {
	case errors.As(err, &ue):
		fmt.Fprint(m.Stderr, "\n"+usage)
		return exitUsage
	case errors.As(err, &ce):
		return exitUsage
	case errors.As(err, &le), errors.As(err, &lle):
		return exitLocked
	case errors.Is(err, context.Canceled):
		return exitFailed
	}
	return exitFailed
}

func (m *Main) logger(format string) (*slog.Logger, error) {
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(m.Stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(m.Stderr, nil)), nil
	}
	return nil, usagef("--log-format must be text or json, not %q", format)
}
