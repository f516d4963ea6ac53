package ledger

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestRunLockPostgres: one run at a time per PostgreSQL ledger, whatever
// process or machine asks; the second is told who holds it, a waiting one
// gets it when the first lets go, and a commit cannot outlive its lock.
func TestRunLockPostgres(t *testing.T) {
	ctx := context.Background()
	a, dsn := postgresBackend.open(t)
	b, err := postgresBackend.reopen(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	la, err := a.LockRun(ctx, "encours run --config a.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.LockRun(ctx, "encours run --config b.yaml", nil)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second lock: %v; want a *LockedError", err)
	}
	for _, want := range []string{"another encours run is in progress", `"encours run --config a.yaml"`, "pid ", "127.0.0.1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "password") {
		t.Errorf("message shows the DSN: %v", err)
	}

	// A waiting lock gives up when its wait ends...
	wctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.LockRun(ctx, "waiter", wctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	// ...and gets the lock once the holder releases it.
	got := make(chan error, 1)
	go func() {
		_, err := b.LockRun(ctx, "waiter", ctx)
		got <- err
	}()
	// The waiter cannot have it while a holds it.
	select {
	case err := <-got:
		t.Fatalf("the waiter got the lock while it was held: %v", err)
	case <-time.After(3 * lockPoll):
	}
	if err := a.Commit(ctx, Commit{Run: run("r1", "2009-05-04")}); err != nil {
		t.Fatalf("commit under the lock: %v", err)
	}
	if err := la.Release(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}

	// b's lock session dies (the server cut it, as when PostgreSQL
	// restarts): its commit fails rather than writing without the lock,
	// and the lock is free for a.
	var pid int
	if err := b.lock.conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.ExecContext(ctx, `SELECT pg_terminate_backend($1, 60000)`, pid); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(ctx, Commit{Run: run("r2", "2009-05-05")}); err == nil {
		t.Fatal("a commit after the lock's session died went through")
	}
	if _, ok, _ := a.LastRun(ctx); !ok {
		t.Fatal("no run")
	}
	if r, _, _ := a.LastRun(ctx); r.ID != "r1" {
		t.Errorf("last run = %s", r.ID)
	}
	la, err = a.LockRun(ctx, "again", nil)
	if err != nil {
		t.Fatalf("the dead session's lock was not freed: %v", err)
	}
	la.Release()
}

func TestRunLockSQLiteIsTheFileLock(t *testing.T) {
	s, _ := open(t)
	if s.SharedLock() {
		t.Error("an SQLite ledger claims a lock of its own")
	}
	if _, err := s.LockRun(context.Background(), "x", nil); !errors.Is(err, ErrNoSharedLock) {
		t.Errorf("err = %v", err)
	}
}

// TestRunLockFreeOnRelease: once Release returns, another store gets the
// lock at once, without waiting (PostgreSQL frees a closed session's locks
// only when its backend has ended, some time after the client closed it).
func TestRunLockFreeOnRelease(t *testing.T) {
	ctx := context.Background()
	a, dsn := postgresBackend.open(t)
	b, err := postgresBackend.reopen(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	stores := [2]*Store{a, b}
	for i := range 40 {
		l, err := stores[i%2].LockRun(ctx, "encours run", nil)
		if err != nil {
			t.Fatalf("lock %d, right after the previous release: %v", i, err)
		}
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
	}
}
