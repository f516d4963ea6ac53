package inbox

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// Names of the lock and of the note saying who holds it, in the data dir.
const (
	LockFile     = "encours.lock"
	LockInfoFile = "encours.lock.info"
	// DaemonLockFile is held by a daemon for its whole life, so that a
	// second daemon on the same data dir stops at once; the daemon's runs
	// take LockFile as any run does.
	DaemonLockFile = "encours-daemon.lock"
)

// LockedError is returned by Lock when another run holds the data dir.
type LockedError struct {
	DataDir string
	// Holder describes the run holding the lock (pid, host, command,
	// start time), or says it is unknown.
	Holder string
	// Daemon is set when the lock is a daemon's.
	Daemon bool
}

func (e *LockedError) Error() string {
	if e.Daemon {
		return fmt.Sprintf("another encours daemon is running on %s (%s): stop it first, or give this one another data_dir", e.DataDir, e.Holder)
	}
	return fmt.Sprintf("another encours run is in progress on %s (%s): wait for it to finish, or stop it, and try again", e.DataDir, e.Holder)
}

// Held is the lock of one data dir, held by this process.
type Held struct {
	lock *flock.Flock
	info string
}

// Lock takes the lock of dataDir without waiting, creating the folder if
// needed, and records who holds it (pid, host, who, start time) so that a
// second run can say so. who describes this run, e.g. "encours daemon".
// When another run holds the lock, the error is a *LockedError. The
// operating system drops the lock when the process dies, so a crashed run
// never blocks the next one.
func Lock(dataDir, who string) (*Held, error) {
	return lock(dataDir, LockFile, who, false)
}

// LockDaemon takes the daemon lock of dataDir, as Lock does; it is held
// while the daemon lives, beside the run lock each of its runs takes.
func LockDaemon(dataDir, who string) (*Held, error) {
	return lock(dataDir, DaemonLockFile, who, true)
}

func lock(dataDir, name, who string, daemon bool) (*Held, error) {
	info := name + ".info"
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("inbox: creating the data folder: %w", err)
	}
	l := flock.New(filepath.Join(dataDir, name), flock.SetPermissions(0o640))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("inbox: taking the lock %s: %w", l.Path(), err)
	}
	if !ok {
		return nil, &LockedError{DataDir: dataDir, Holder: holder(filepath.Join(dataDir, info)), Daemon: daemon}
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown host"
	}
	line := fmt.Sprintf("held by pid %d on %s, running %q since %s", os.Getpid(), host, oneLine(who), time.Now().Format(time.RFC3339))
	err = WriteAtomic(dataDir, info, 0o640, func(w io.Writer) error {
		_, err := io.WriteString(w, line+"\n")
		return err
	})
	if err != nil {
		l.Unlock()
		return nil, fmt.Errorf("inbox: recording the lock holder: %w", err)
	}
	return &Held{lock: l, info: filepath.Join(dataDir, info)}, nil
}

func holder(infoPath string) string {
	b, err := os.ReadFile(infoPath)
	if err != nil || len(strings.TrimSpace(string(b))) == 0 {
		return "holder unknown: it has not recorded itself yet"
	}
	return strings.TrimSpace(string(b))
}

// Release removes the holder note and drops the lock. Releasing twice is
// harmless.
func (h *Held) Release() error {
	if h == nil || h.lock == nil {
		return nil
	}
	errInfo := os.Remove(h.info)
	if errors.Is(errInfo, fs.ErrNotExist) {
		errInfo = nil
	}
	errUnlock := h.lock.Unlock()
	h.lock = nil
	if err := errors.Join(errUnlock, errInfo); err != nil {
		return fmt.Errorf("inbox: releasing the lock: %w", err)
	}
	return nil
}
