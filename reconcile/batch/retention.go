package batch

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/encours/encours/reconcile"
)

// runFolder is the name of a published run folder: <as_of>-<n>, with -dry
// for a dry run's.
var runFolder = regexp.MustCompile(`^(\d{4}-\d\d-\d\d)-\d+(?:-dry)?$`)

// removeOldRuns applies retention.runs after a committed run: it removes
// the run folders of runs (data_dir/runs) whose as-of — the date in their
// name, not their modification time, so that a backfilled or copied
// data_dir keeps what its runs say — is more than keep before asOf. It
// keeps current (this run's folder), anything else in runs (partial
// folders, files, names it does not know), and never looks outside runs:
// archive, quarantine, outbox, the ledger and a --out folder elsewhere are
// not its business. keep 0 keeps everything. It returns the folders removed
// and a warning per folder it could not remove.
func removeOldRuns(runs string, asOf reconcile.Date, keep time.Duration, current string, log *slog.Logger) (removed, warnings []string) {
	if keep <= 0 {
		return nil, nil
	}
	entries, err := os.ReadDir(runs)
	if err != nil {
		if !os.IsNotExist(err) {
			warnings = append(warnings, fmt.Sprintf("retention: cannot list %s: %v", runs, err))
		}
		return nil, warnings
	}
	for _, e := range entries {
		m := runFolder.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		p := filepath.Join(runs, e.Name())
		if p == current {
			continue
		}
		d, err := reconcile.ParseISO(m[1])
		if err != nil || time.Duration(asOf-d)*24*time.Hour <= keep {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			warnings = append(warnings, fmt.Sprintf("retention: run folder %s could not be removed: %v", p, err))
			continue
		}
		log.Info("retention: old run folder removed", "folder", p, "as_of", m[1])
		removed = append(removed, p)
	}
	return removed, warnings
}

// retain applies retention.runs after the commit; what it cannot remove is
// a warning of the run (run.json), never a failure.
func (st *state) retain(final string) {
	_, warnings := removeOldRuns(filepath.Join(st.cfg.DataDir, "runs"), st.asOf, st.cfg.Retention.Runs, final, st.log)
	for _, w := range warnings {
		st.log.Warn(w)
	}
	st.report.Warnings = append(st.report.Warnings, warnings...)
}
