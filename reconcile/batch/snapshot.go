package batch

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/encours/encours/reconcile/ledger"
)

// snapshotPrefix and snapshotExt frame a snapshot's run id in its name.
const (
	snapshotPrefix = "before-"
	snapshotExt    = ".db"
)

// SnapshotPath is where a run keeps the ledger as it stood before it:
// data_dir/snapshots/before-<run id>.db, an SQLite file written under the
// run's lock before its commit. encours simulate --replay last starts from
// it. Only the latest committed run's is kept.
func SnapshotPath(dataDir, runID string) string {
	return filepath.Join(dataDir, "snapshots", snapshotPrefix+runID+snapshotExt)
}

// snapshot is a copy of the ledger being written beside the run.
type snapshot struct {
	path string
	done chan struct{}
	err  error
	took time.Duration
	size int64
}

// startSnapshot copies the ledger into SnapshotPath(dataDir, runID) in the
// background; wait returns when it is done.
func startSnapshot(ctx context.Context, store *ledger.Store, dataDir, runID string) *snapshot {
	s := &snapshot{path: SnapshotPath(dataDir, runID), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		began := time.Now()
		s.err = s.write(ctx, store)
		s.took = time.Since(began)
	}()
	return s
}

// write copies the ledger into a temp file (".before-<id>.db-NNN.tmp",
// which recoverLeftovers removes if the run is killed) renamed into place.
func (s *snapshot) write(ctx context.Context, store *ledger.Store) error {
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(s.path)+"-*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if err := store.Snapshot(ctx, name); err != nil {
		os.Remove(name)
		return err
	}
	if info, err := os.Stat(name); err == nil {
		s.size = info.Size()
	}
	if err := os.Rename(name, s.path); err != nil {
		os.Remove(name)
		return err
	}
	return syncDir(dir)
}

// wait waits for the copy and returns its error; a nil snapshot is none.
func (s *snapshot) wait() error {
	if s == nil {
		return nil
	}
	<-s.done
	return s.err
}

// prune removes every other run's snapshot once this run is committed:
// only the latest committed run can be replayed from one.
func (s *snapshot) prune(log *slog.Logger) {
	log.Info("ledger copied before the run", "snapshot", s.path, "bytes", s.size, "took", s.took.Round(time.Millisecond).String())
	dir := filepath.Dir(s.path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Warn("cannot list the ledger snapshots", "err", err)
		return
	}
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(dir, name)
		if !e.Type().IsRegular() || p == s.path || !strings.HasPrefix(name, snapshotPrefix) || !strings.HasSuffix(name, snapshotExt) {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Warn("cannot remove an old ledger snapshot", "path", p, "err", err)
		}
	}
}

// discard removes the snapshot of a run that did not commit.
func (s *snapshot) discard(log *slog.Logger) {
	if s == nil || s.err != nil {
		return
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Warn("cannot remove the ledger snapshot of a run that did not commit", "path", s.path, "err", err)
	}
}
