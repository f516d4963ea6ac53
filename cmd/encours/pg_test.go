package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/ledger/pgtest"
)

// usePostgres points the config at dir to the PostgreSQL ledger whose DSN
// is in $ENCOURS_PG_DSN.
func usePostgres(t *testing.T, cfg string) {
	t.Helper()
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("\nledger: {driver: postgres, dsn_env: ENCOURS_PG_DSN}\n"); err != nil {
		t.Fatal(err)
	}
}

// pgMain is a Main whose environment holds the DSN.
func pgMain(dsn string) (*Main, *bytes.Buffer, *bytes.Buffer) {
	m, out, errb := newTestMain()
	m.Getenv = func(k string) string {
		if k == "ENCOURS_PG_DSN" {
			return dsn
		}
		return ""
	}
	return m, out, errb
}

// runWeek stages a sample week and runs it into dir/out/<week>; it returns
// the run.json.
func runSampleWeek(t *testing.T, m *Main, dir, cfg, week string) []byte {
	t.Helper()
	stage(t, dir, week)
	out := filepath.Join(dir, "out", week)
	if code := m.Run(context.Background(), []string{"run", "--config", cfg, "--as-of", week, "--out", out}); code != 0 {
		t.Fatalf("run %s: exit %d\n%s", week, code, m.Stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameAsGolden(t *testing.T, week string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", "golden", "run-"+week+".json")
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("run %s: run.json on PostgreSQL differs from %s, written on SQLite:\n%s", week, golden, firstDiff(got, want))
	}
}

// TestPostgresSeasonGolden runs the sample season on a PostgreSQL ledger:
// each run.json is byte for byte the one SQLite gives (the golden files).
func TestPostgresSeasonGolden(t *testing.T) {
	dsn := pgtest.DSN(t)
	dir, cfg := copySamples(t)
	usePostgres(t, cfg)
	for _, week := range []string{"2009-04-20", "2009-04-27", "2009-05-04"} {
		m, _, _ := pgMain(dsn)
		sameAsGolden(t, week, runSampleWeek(t, m, dir, cfg, week))
	}
	if _, err := os.Stat(filepath.Join(dir, "var", "ledger.db")); err == nil {
		t.Error("a PostgreSQL season wrote data_dir/ledger.db")
	}
}

// TestLedgerMigrate: two weeks on SQLite, `ledger migrate --to postgres`,
// the third week on PostgreSQL goes on from the copy as it would have on
// SQLite; a second migrate into the now full database is refused.
func TestLedgerMigrate(t *testing.T) {
	dsn := pgtest.DSN(t)
	dir, cfg := copySamples(t)
	for _, week := range []string{"2009-04-20", "2009-04-27"} {
		m, _, _ := newTestMain()
		runSampleWeek(t, m, dir, cfg, week)
	}
	// The SQLite ledger's counts, to compare with what migrate prints.
	src, err := ledger.Open(context.Background(), filepath.Join(dir, "var", "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	counts, err := src.Tables(context.Background())
	src.Close()
	if err != nil {
		t.Fatal(err)
	}

	m, _, _ := pgMain(dsn)
	if code := m.Run(context.Background(), []string{"ledger", "migrate", "--config", cfg, "--to", "postgres"}); code != 2 {
		t.Fatalf("migrate with an SQLite config: exit %d, want 2\n%s", code, m.Stderr)
	}
	usePostgres(t, cfg)
	m, out, _ := pgMain(dsn)
	if code := m.Run(context.Background(), []string{"ledger", "migrate", "--config", cfg, "--to", "postgres"}); code != 0 {
		t.Fatalf("migrate: exit %d\n%s", code, m.Stderr)
	}
	for _, c := range counts {
		// The samples have no budget, hence no waitlist, and nobody answers
		// in them, hence no responses (the ledger's own CopyLedger test
		// copies both); no daemon ran, hence no schedule; no feed is stale
		// yet in the first two weeks, hence no stale notice.
		if c.Rows == 0 && !slices.Contains([]string{"schedule", "waitlist", "responses", "stale_notices"}, c.Table) {
			t.Errorf("the SQLite ledger has no %s: the test copies too little", c.Table)
		}
		if !strings.Contains(out.String(), c.Table) {
			t.Errorf("migrate does not report table %s:\n%s", c.Table, out)
		}
	}
	if !strings.Contains(out.String(), "verified") || strings.Contains(out.String(), "password") {
		t.Errorf("migrate output:\n%s", out)
	}

	m, _, _ = pgMain(dsn)
	sameAsGolden(t, "2009-05-04", runSampleWeek(t, m, dir, cfg, "2009-05-04"))

	m, _, errb := pgMain(dsn)
	if code := m.Run(context.Background(), []string{"ledger", "migrate", "--config", cfg, "--to", "postgres"}); code != 1 ||
		!strings.Contains(errb.String(), "not empty") || !strings.Contains(errb.String(), "rows in table runs") {
		t.Errorf("second migrate: exit %d\n%s", code, errb)
	}
}

// TestCheckPostgres: check says which ledger the config uses and whether
// it answers, without the password.
func TestCheckPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	_, cfg := copySamples(t)
	usePostgres(t, cfg)

	withPassword := strings.Replace(dsn, "postgres@", "postgres:s3cret@", 1)
	m, out, errb := pgMain(withPassword)
	if code := m.Run(context.Background(), []string{"check", "--config", cfg}); code != 0 {
		t.Fatalf("check: exit %d\n%s", code, errb)
	}
	if !strings.Contains(out.String(), "ledger: postgres, postgres://postgres@127.0.0.1:") ||
		!strings.Contains(out.String(), "(DSN from $ENCOURS_PG_DSN): connected") || strings.Contains(out.String(), "s3cret") {
		t.Errorf("check output:\n%s", out)
	}

	missing := strings.Replace(withPassword, "/encours_test_", "/nodb_", 1)
	m, _, errb = pgMain(missing)
	if code := m.Run(context.Background(), []string{"check", "--config", cfg}); code != 2 ||
		!strings.Contains(errb.String(), "does not exist") || strings.Contains(errb.String(), "s3cret") {
		t.Errorf("check with a missing database: exit %d\n%s", code, errb)
	}

	m, _, errb = pgMain("")
	if code := m.Run(context.Background(), []string{"check", "--config", cfg}); code != 2 ||
		!strings.Contains(errb.String(), "ENCOURS_PG_DSN is not set") {
		t.Errorf("check without the variable: exit %d\n%s", code, errb)
	}
}

// TestRunLockPostgresExit3: a run while another holds the PostgreSQL
// ledger's lock exits 3 and names the holder.
func TestRunLockPostgresExit3(t *testing.T) {
	dsn := pgtest.DSN(t)
	dir, cfg := copySamples(t)
	usePostgres(t, cfg)
	ctx := context.Background()
	s, err := ledger.OpenConfig(ctx, ledger.Config{Driver: ledger.Postgres, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.LockRun(ctx, "encours daemon --config elsewhere.yaml", nil); err != nil {
		t.Fatal(err)
	}
	stage(t, dir, "2009-04-20")
	m, _, errb := pgMain(dsn)
	if code := m.Run(ctx, []string{"run", "--config", cfg, "--as-of", "2009-04-20"}); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, errb)
	}
	if !strings.Contains(errb.String(), "another encours run is in progress") || !strings.Contains(errb.String(), "elsewhere.yaml") {
		t.Errorf("message does not name the holder:\n%s", errb)
	}
	if left := inboxFiles(t, dir); len(left) == 0 {
		t.Error("the refused run moved the inbox")
	}
	if _, ok, _ := s.LastRun(ctx); ok {
		t.Error("the refused run committed")
	}
}
