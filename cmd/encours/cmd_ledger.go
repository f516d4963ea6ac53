package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/ledger"
)

// cmdLedger is `encours ledger migrate --config FILE --to postgres|sqlite`.
func (m *Main) cmdLedger(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "migrate" {
		return usagef("ledger: the only subcommand is migrate: encours ledger migrate --config FILE --to postgres")
	}
	fs := flag.NewFlagSet("ledger migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "config.yaml")
	to := fs.String("to", "", "postgres: copy data_dir/ledger.db into the config's PostgreSQL ledger; sqlite: the other way")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("ledger migrate: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("ledger migrate: unexpected argument %q", fs.Arg(0))
	}
	if *cfgPath == "" {
		return usagef("ledger migrate: --config FILE is required")
	}
	if *to != ledger.Postgres && *to != ledger.SQLite {
		return usagef("ledger migrate: --to must be postgres or sqlite")
	}
	cfg, err := m.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.Ledger.Driver != config.DriverPostgres {
		return configError{fmt.Errorf("ledger migrate: %s has no PostgreSQL ledger: set ledger: {driver: postgres, dsn_env: ENCOURS_PG_DSN} first", *cfgPath)}
	}
	pg, err := m.ledgerConfig(cfg)
	if err != nil {
		return err
	}
	file := ledger.Config{Driver: ledger.SQLite, Path: filepath.Join(cfg.DataDir, "ledger.db")}
	from, into := file, pg
	if *to == ledger.SQLite {
		from, into = pg, file
		if _, err := os.Stat(file.Path); err == nil {
			return fmt.Errorf("ledger migrate: %s exists; move it away first, the copy goes into a new file", file.Path)
		}
	} else if _, err := os.Stat(file.Path); err != nil {
		return fmt.Errorf("ledger migrate: no SQLite ledger to copy: %w", err)
	}

	// Neither ledger may change during the copy: the data dir's file lock
	// (runs on SQLite) and the PostgreSQL ledger's run lock (replicas).
	held, err := inbox.Lock(cfg.DataDir, "encours ledger migrate --config "+*cfgPath)
	if err != nil {
		return err
	}
	defer held.Release()
	src, err := ledger.OpenConfig(ctx, from)
	if err != nil {
		return fmt.Errorf("ledger migrate: %w", err)
	}
	defer src.Close()
	dst, err := ledger.OpenConfig(ctx, into)
	if err != nil {
		return fmt.Errorf("ledger migrate: %w", err)
	}
	defer dst.Close()
	shared := dst
	if src.SharedLock() {
		shared = src
	}
	if _, err := shared.LockRun(ctx, "encours ledger migrate --config "+*cfgPath, nil); err != nil {
		return err
	}

	fmt.Fprintf(m.Stdout, "copying %s into %s\n", src, dst)
	counts, err := ledger.Copy(ctx, dst, src, nil)
	if errors.Is(err, ledger.ErrNotEmpty) {
		return fmt.Errorf("ledger migrate: %w", err)
	}
	if err != nil {
		if *to == ledger.SQLite {
			dst.Close()
			os.Remove(file.Path)
		}
		return fmt.Errorf("ledger migrate: %w; nothing was copied", err)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TABLE\tROWS\t")
	for _, c := range counts {
		fmt.Fprintf(tw, "%s\t%d\t\n", c.Table, c.Rows)
	}
	tw.Flush()
	fmt.Fprintf(m.Stdout, "copied and verified: every table holds the same number of rows on both sides\n")
	if *to == ledger.Postgres {
		fmt.Fprintf(m.Stdout, "runs now use %s; %s is left as it was (keep it as a backup, or remove it)\n", dst, file.Path)
	}
	return nil
}
