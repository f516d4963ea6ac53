package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// LockedError is returned by LockRun when another run holds the ledger.
type LockedError struct {
	// Ledger names the database (no password).
	Ledger string
	// Holder describes the run holding the lock (pid, host, command,
	// start time), or says it is unknown.
	Holder string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another encours run is in progress on the ledger %s (%s): wait for it to finish, or stop it, and try again",
		e.Ledger, e.Holder)
}

// ErrNoSharedLock is returned by LockRun on a ledger whose engine has no
// lock of its own (SQLite: take the data dir's file lock instead).
var ErrNoSharedLock = errors.New("this ledger has no run lock of its own; lock the data dir")

// SharedLock reports whether the ledger itself holds the run lock (a
// PostgreSQL ledger shared by several machines), rather than the file lock
// of the data dir.
func (s *Store) SharedLock() bool { return s.d.name() == Postgres }

// RunLock is the run lock of a PostgreSQL ledger: a session advisory lock
// on a connection kept for the run. PostgreSQL drops it when that session
// ends, so a run killed on any machine never blocks the next one.
type RunLock struct {
	conn   *sql.Conn
	store  *Store
	holder string
}

// lockPoll is how often a waiting LockRun tries the lock again.
const lockPoll = 250 * time.Millisecond

// LockRun takes the run lock of the ledger and records who holds it (who
// describes this run, e.g. "encours daemon --config …"; pid and host are
// added). With wait nil it does not wait: when another run holds the lock
// the error is a *LockedError naming it. Otherwise it tries again until it
// gets the lock or wait ends (then wait's error). While the store holds the
// lock, its commits are written on the lock's connection. Take and release
// the lock around a run, not while the store commits on another goroutine.
func (s *Store) LockRun(ctx context.Context, who string, wait context.Context) (*RunLock, error) {
	if !s.SharedLock() {
		return nil, ErrNoSharedLock
	}
	if s.readOnly {
		return nil, errors.New("lock the ledger: a ledger opened read-only takes no run lock")
	}
	if s.lock != nil {
		return nil, errors.New("lock the ledger: this store already holds the run lock")
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock the ledger %s: %w", s.path, err)
	}
	for {
		var ok bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+lockArgs(lockRun)+`)`).Scan(&ok); err != nil {
			discard(conn)
			return nil, fmt.Errorf("lock the ledger %s: %w", s.path, err)
		}
		if ok {
			break
		}
		if wait == nil {
			holder := s.lockHolder(ctx, conn)
			discard(conn)
			return nil, &LockedError{Ledger: s.path, Holder: holder}
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-wait.Done():
			t.Stop()
			discard(conn)
			return nil, wait.Err()
		case <-ctx.Done():
			t.Stop()
			discard(conn)
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown host"
	}
	line := fmt.Sprintf("held by pid %d on %s, running %q since %s", os.Getpid(), host,
		strings.Join(strings.Fields(who), " "), time.Now().Format(time.RFC3339))
	if _, err := conn.ExecContext(ctx, `INSERT INTO ledger_locks (name, holder, since) VALUES ('run', $1, $2)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, since = excluded.since`, line, fmtTime(time.Now())); err != nil {
		discard(conn)
		return nil, fmt.Errorf("lock the ledger %s: recording the holder: %w", s.path, err)
	}
	l := &RunLock{conn: conn, store: s, holder: line}
	s.lock = l
	return l, nil
}

func (s *Store) lockHolder(ctx context.Context, conn *sql.Conn) string {
	var h string
	if err := conn.QueryRowContext(ctx, `SELECT holder FROM ledger_locks WHERE name = 'run'`).Scan(&h); err != nil || h == "" {
		return "holder unknown: it has not recorded itself yet"
	}
	return h
}

// Release drops the lock. Releasing twice is harmless. The lock is
// unlocked on its session before the connection is closed: PostgreSQL
// ends a closed session, and frees its locks, only after the client has
// gone, so a run started right after would find the lock still held. The
// connection is then closed rather than pooled: whatever went wrong on it,
// no other use of the pool can inherit the lock.
func (l *RunLock) Release() error {
	if l == nil || l.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := l.conn.ExecContext(ctx, `DELETE FROM ledger_locks WHERE name = 'run' AND holder = $1`, l.holder)
	if _, uerr := l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+lockArgs(lockRun)+`)`); err == nil {
		err = uerr
	}
	discard(l.conn)
	l.conn = nil
	if l.store.lock == l {
		l.store.lock = nil
	}
	if err != nil {
		return fmt.Errorf("release the ledger lock: %w", err)
	}
	return nil
}

// discard closes a connection for good: the pool drops it instead of
// keeping it, and PostgreSQL ends its session and its advisory locks.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}
