package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/batch"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/notify"
)

// cmdRun is `encours run --config FILE [--as-of YYYY-MM-DD] [--out DIR] [--dry-run]`.
func (m *Main) cmdRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "config.yaml")
	asOfText := fs.String("as-of", "", "the date to compute the run for (YYYY-MM-DD); default today")
	out := fs.String("out", "", "output folder; default data_dir/runs/<as_of>-<n>/")
	dry := fs.Bool("dry-run", false, "compute and write outputs; move, commit and send nothing")
	logFormat := fs.String("log-format", "text", "text or json")
	if err := fs.Parse(args); err != nil {
		return usagef("run: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q", fs.Arg(0))
	}
	if *cfgPath == "" {
		return usagef("run: --config FILE is required")
	}
	var asOf reconcile.Date
	if *asOfText != "" {
		d, err := reconcile.ParseISO(*asOfText)
		if err != nil {
			return usagef("run: --as-of: %v", err)
		}
		asOf = d
	}
	log, err := m.logger(*logFormat)
	if err != nil {
		return err
	}
	cfg, err := m.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	runner, err := m.runner(cfg, log, "encours run")
	if err != nil {
		return err
	}
	if f, ok := m.Stderr.(*os.File); ok && m.IsTerminal != nil && m.IsTerminal(f) {
		p := &progress{w: f}
		runner.Progress = p.update
		defer p.clear()
	}
	res, err := runner.Run(ctx, batch.Options{AsOf: asOf, Out: *out, DryRun: *dry})
	if err != nil {
		return err
	}
	m.printSummary(res)
	return nil
}

// loadConfig reads config.yaml and its rules; a bad file is exit 2.
func (m *Main) loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, configError{err}
	}
	return cfg, nil
}

// runner wires a batch.Runner to the process: clock, logs, mail transport.
func (m *Main) runner(cfg *config.Config, log *slog.Logger, holder string) (*batch.Runner, error) {
	t, err := m.transport(cfg)
	if err != nil {
		return nil, err
	}
	lc, err := m.ledgerConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &batch.Runner{Config: cfg, Log: log, Now: m.Now, Holder: holder, Transport: t, Ledger: lc,
		CommitMemoryLimit: runCommitMemoryLimit()}, nil
}

// ledgerConfig says which ledger the config names: data_dir/ledger.db, or
// the PostgreSQL database whose DSN is in the environment variable
// ledger.dsn_env (or in ledger.dsn).
func (m *Main) ledgerConfig(cfg *config.Config) (ledger.Config, error) {
	l := cfg.Ledger
	if l.Driver != config.DriverPostgres {
		return ledger.Config{Driver: ledger.SQLite, Path: filepath.Join(cfg.DataDir, "ledger.db")}, nil
	}
	dsn := l.DSN
	if l.DSNEnv != "" {
		dsn = m.Getenv(l.DSNEnv)
		if dsn == "" {
			return ledger.Config{}, configError{fmt.Errorf("ledger.dsn_env: the environment variable %s is not set; export it with the PostgreSQL DSN, like postgres://encours:PASSWORD@db.example:5432/encours", l.DSNEnv)}
		}
	}
	return ledger.Config{Driver: ledger.Postgres, DSN: dsn}, nil
}

// transport builds the mail transport the config names. The SMTP password
// comes from the environment variable the config names, never the file.
func (m *Main) transport(cfg *config.Config) (notify.Transport, error) {
	mc := cfg.Mail
	switch mc.Transport {
	case "", "dir":
		return &notify.DirTransport{Dir: filepath.Join(cfg.DataDir, "outbox")}, nil
	case "smtp":
		return &notify.SMTPTransport{
			Host: mc.SMTP.Host, Port: mc.SMTP.Port, TLS: mc.SMTP.TLS,
			Username: mc.SMTP.Username, Password: m.Getenv(mc.SMTP.PasswordEnv),
			Timeout: 30 * time.Second,
		}, nil
	}
	return nil, configError{fmt.Errorf("mail.transport must be dir or smtp, not %q", mc.Transport)}
}

func (m *Main) printSummary(res *batch.Result) {
	r := res.Report
	count := map[reconcile.FileStatus]int{}
	for _, f := range r.Files {
		count[f.Status]++
	}
	lines := map[reconcile.LineStatus]int{}
	for _, l := range r.Lines {
		lines[l.Status]++
	}
	answers := ""
	if n := count[reconcile.Responses]; n > 0 {
		answers = fmt.Sprintf(", %d with answers", n)
	}
	fmt.Fprintf(m.Stdout, "run %s as of %s: %d files (%d processed, %d duplicate, %d quarantined, %d deferred%s)\n",
		res.RunID, r.AsOf, len(r.Files), count[reconcile.Processed], count[reconcile.Duplicate],
		count[reconcile.Quarantined], count[reconcile.Deferred], answers)
	newFindings := 0
	for _, d := range r.Discrepancies {
		if d.State == reconcile.FindingNew {
			newFindings++
		}
	}
	fmt.Fprintf(m.Stdout, "lines: %d (%d granted, %d increased, %d extended, %d active, %d expired, %d revoked); %d discrepancies (%d new, %d resolved, %d answers); %d rejected rows; %d messages\n",
		len(r.Lines), lines[reconcile.Granted], lines[reconcile.Increased], lines[reconcile.Extended],
		lines[reconcile.Unchanged], lines[reconcile.Ended], lines[reconcile.Withdrawn],
		len(r.Discrepancies), newFindings, len(r.Resolved), len(r.Responses), len(r.RejectedRows), len(r.Mail))
	for _, w := range r.Warnings {
		fmt.Fprintf(m.Stdout, "warning: %s\n", w)
	}
	fmt.Fprintf(m.Stdout, "outputs: %s\n", res.Out)
}
