package batch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/ledger"
)

// xlsxTempPrefix names the private folders the workbook writers make in
// data_dir for their spills; they remove them when done, a killed run does not.
const xlsxTempPrefix = "encours-xlsx-"

// recoverLeftovers removes what a run killed mid-way leaves behind: temp
// files of atomic writes and moves (".name-NNN.tmp") under data_dir and the
// output folder, and the workbook writers' temp folders in data_dir. It
// runs under the lock, so no other run is writing them. What a killed run
// had committed needs no repair: its files are seen as duplicates and
// archived, and its queued mail is sent from the outbox.
func recoverLeftovers(dataDir, out string, log *slog.Logger) error {
	for _, dir := range []string{dataDir, out} {
		if dir == "" {
			continue
		}
		if err := inbox.CleanTemp(dir); err != nil {
			return fmt.Errorf("cannot clean the temp files a previous run left: %w", err)
		}
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot clean the temp files a previous run left: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), xlsxTempPrefix) {
			p := filepath.Join(dataDir, e.Name())
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("cannot remove %s, left by a previous run: %w", p, err)
			}
			log.Info("removed the temp folder of a previous run", "path", p)
		}
	}
	return nil
}

// recoverPartials finishes or clears the output folders that runs killed
// mid-way left in runs/: a ".<id>.partial" folder of a committed run is
// published under its name; one of a run that never committed is removed,
// since nothing it computed counts.
func recoverPartials(ctx context.Context, store *ledger.Store, runs string, log *slog.Logger) error {
	entries, err := os.ReadDir(runs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot look for the outputs of an interrupted run: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, partialSuffix) {
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(name, "."), partialSuffix)
		p := filepath.Join(runs, name)
		_, committed, err := store.RunReport(ctx, id)
		if err != nil {
			return err
		}
		if committed {
			if err := publish(p, filepath.Join(runs, id)); err != nil {
				return err
			}
			log.Info("published the outputs of a run interrupted after its commit", "run", id)
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("cannot remove %s, left by an interrupted run: %w", p, err)
		}
		log.Info("removed the outputs of a run interrupted before its commit", "run", id)
	}
	return nil
}
