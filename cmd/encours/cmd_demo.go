package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/batch"
)

// demoMarker marks a folder as the demo's own scratch space, which the
// demo may wipe; it never deletes a folder without it.
const demoMarker = ".encours-demo"

// cmdDemo is `encours demo [--samples DIR] [--out DIR]`: it copies the
// samples' config and rules into a scratch folder and runs each week of
// samples/exports/<as_of>/ in turn, as the daemon would have. The samples
// themselves are never moved or changed, so the demo can run again.
func (m *Main) cmdDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	samples := fs.String("samples", "samples", "the samples folder (config.yaml, rules.yaml, exports/<as_of>/<wholesaler>/)")
	out := fs.String("out", "demo-out", "scratch folder for the demo (wiped at each demo run)")
	if err := fs.Parse(args); err != nil {
		return usagef("demo: %v", err)
	}
	if err := resetScratch(*out); err != nil {
		return err
	}
	work := filepath.Join(*out, "work")
	for _, name := range []string{"config.yaml", "rules.yaml"} {
		if err := copyFile(filepath.Join(*samples, name), filepath.Join(work, name), time.Time{}); err != nil {
			return fmt.Errorf("demo: %w (run it from the repository root, or pass --samples)", err)
		}
	}
	cfg, err := m.loadConfig(filepath.Join(work, "config.yaml"))
	if err != nil {
		return err
	}
	weeks, err := os.ReadDir(filepath.Join(*samples, "exports"))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	log, _ := m.logger("text")
	runner, err := m.runner(cfg, log, "encours demo")
	if err != nil {
		return err
	}
	for _, week := range weeks {
		asOf, err := reconcile.ParseISO(week.Name())
		if err != nil || !week.IsDir() {
			continue
		}
		if err := stageWeek(filepath.Join(*samples, "exports", week.Name()), cfg.Inbox, asOf, cfg.Location); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		res, err := runner.Run(ctx, batch.Options{AsOf: asOf, Out: filepath.Join(*out, "runs", week.Name())})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "\n== week of %s ==\n", week.Name())
		m.printSummary(res)
	}
	fmt.Fprintf(m.Stdout, "\nmail written as .eml files to %s\n", filepath.Join(cfg.DataDir, "outbox"))
	return nil
}

// resetScratch empties the demo folder, refusing one the demo did not make.
func resetScratch(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("demo: %s exists and is not a demo folder; pass another --out", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("scratch folder of `encours demo`; safe to delete\n"), 0o640)
}

// stageWeek copies one week's exports into the inbox, dated at 06:00 on
// the as-of day (a minute apart, in name order) as if dropped that morning.
func stageWeek(src, inbox string, asOf reconcile.Date, loc *time.Location) error {
	wholesalers, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, w := range wholesalers {
		if !w.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(src, w.Name()))
		if err != nil {
			return err
		}
		sort.Slice(files, func(i, j int) bool { return files[i].Name() < files[j].Name() })
		at := asOf.Time(loc).Add(6 * time.Hour)
		for i, f := range files {
			if f.IsDir() {
				continue
			}
			dst := filepath.Join(inbox, w.Name(), f.Name())
			if err := copyFile(filepath.Join(src, w.Name(), f.Name()), dst, at.Add(time.Duration(i)*time.Minute)); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyFile copies src to dst, creating folders, and sets its mtime when given.
func copyFile(src, dst string, mtime time.Time) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, 0o640); err != nil {
		return err
	}
	if !mtime.IsZero() {
		return os.Chtimes(dst, mtime, mtime)
	}
	return nil
}
