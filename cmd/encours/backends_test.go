package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/ledger/pgtest"
)

// ledgerBackend is where the ledger of a CLI test lives: data_dir/ledger.db
// (the default), or a database of its own in the test PostgreSQL cluster,
// written into the config as ledger.dsn so that every Main and binary of
// the test finds it. Without ENCOURS_TEST_PG_DSN the PostgreSQL variant
// skips, or fails under ENCOURS_REQUIRE_PG or CI.
type ledgerBackend struct {
	name string
	// use points the config at this backend's ledger and returns its
	// ledger.Config.
	use func(t *testing.T, cfg string) ledger.Config
}

var ledgerBackends = []ledgerBackend{
	{name: ledger.SQLite, use: func(t *testing.T, cfg string) ledger.Config {
		t.Helper()
		return ledger.Config{Driver: ledger.SQLite, Path: filepath.Join(configDataDir(t, cfg), "ledger.db")}
	}},
	{name: ledger.Postgres, use: func(t *testing.T, cfg string) ledger.Config {
		t.Helper()
		dsn := pgtest.DSN(t)
		appendConfig(t, cfg, "\nledger: {driver: postgres, dsn: \""+dsn+"\"}\n")
		return ledger.Config{Driver: ledger.Postgres, DSN: dsn}
	}},
}

// appendConfig adds text at the end of the config file.
func appendConfig(t *testing.T, cfg, text string) {
	t.Helper()
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// configDataDir is the data_dir of a config file.
func configDataDir(t *testing.T, cfg string) string {
	t.Helper()
	m, _, _ := newTestMain()
	c, err := m.loadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c.DataDir
}

// ledgerDump is the content of a ledger (ledger.Store.Dump), read only.
func ledgerDump(t *testing.T, lc ledger.Config) string {
	t.Helper()
	s, err := ledger.OpenReadOnlyConfig(context.Background(), lc)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b bytes.Buffer
	if err := s.Dump(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// sameOnEveryBackend compares the outputs (run.json, simulation.json, …)
// of one scenario across the backends: the first backend to produce an
// output under a name sets it, the others must produce the same bytes.
// Safe for parallel subtests.
type sameOnEveryBackend struct {
	mu   sync.Mutex
	want map[string][]byte
	from map[string]string
}

// check records or compares the output called name of backend b.
func (s *sameOnEveryBackend) check(t *testing.T, b ledgerBackend, name string, got []byte) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.want == nil {
		s.want, s.from = map[string][]byte{}, map[string]string{}
	}
	want, ok := s.want[name]
	if !ok {
		s.want[name], s.from[name] = got, b.name
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s on %s differs from %s's:\n%s", name, b.name, s.from[name], firstDiff(got, want))
	}
}

// noSQLiteFile fails when a test on PostgreSQL wrote an SQLite ledger in
// data_dir.
func noSQLiteFile(t *testing.T, b ledgerBackend, dataDir string) {
	t.Helper()
	if b.name != ledger.Postgres {
		return
	}
	if left, _ := filepath.Glob(filepath.Join(dataDir, "ledger.db*")); len(left) > 0 {
		t.Errorf("a run on PostgreSQL wrote %s", strings.Join(left, ", "))
	}
}

// holdRunLock takes the run lock of a ledger as a run elsewhere would (the
// file lock of data_dir for SQLite, the ledger's own on PostgreSQL) and
// returns its release: a command that needs the lock would then fail.
func holdRunLock(t *testing.T, lc ledger.Config, dataDir string) func() {
	t.Helper()
	if lc.Driver != ledger.Postgres {
		held, err := inbox.Lock(dataDir, "encours run --config elsewhere.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return func() { held.Release() }
	}
	s, err := ledger.OpenConfig(context.Background(), lc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LockRun(context.Background(), "encours run --config elsewhere.yaml", nil); err != nil {
		s.Close()
		t.Fatal(err)
	}
	return func() { s.Close() }
}
