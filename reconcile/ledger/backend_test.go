package ledger

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/encours/encours/reconcile/ledger/pgtest"
)

// backend opens fresh ledgers of one engine for the tests that run on both.
type backend struct {
	name string
	// open returns an empty ledger and where it is (a path or a DSN), for
	// reopen; it closes when the test ends.
	open   func(t testing.TB) (*Store, string)
	reopen func(ctx context.Context, at string) (*Store, error)
	// readOnly opens the ledger at at with OpenReadOnlyConfig.
	readOnly func(ctx context.Context, at string) (*Store, error)
	// missing returns where no ledger is: a path in a folder that does
	// not exist, an empty database.
	missing func(t testing.TB) string
}

var sqliteBackend = backend{
	name: SQLite,
	open: func(t testing.TB) (*Store, string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "ledger.db")
		s, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, path
	},
	reopen: func(ctx context.Context, path string) (*Store, error) { return Open(ctx, path) },
	readOnly: func(ctx context.Context, path string) (*Store, error) {
		return OpenReadOnlyConfig(ctx, Config{Driver: SQLite, Path: path})
	},
	missing: func(t testing.TB) string { return filepath.Join(t.TempDir(), "var", "ledger.db") },
}

var postgresBackend = backend{
	name: Postgres,
	open: func(t testing.TB) (*Store, string) {
		t.Helper()
		dsn := pgtest.DSN(t)
		s, err := OpenConfig(context.Background(), Config{Driver: Postgres, DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, dsn
	},
	reopen: func(ctx context.Context, dsn string) (*Store, error) {
		return OpenConfig(ctx, Config{Driver: Postgres, DSN: dsn})
	},
	readOnly: func(ctx context.Context, dsn string) (*Store, error) {
		return OpenReadOnlyConfig(ctx, Config{Driver: Postgres, DSN: dsn})
	},
	missing: func(t testing.TB) string { return pgtest.DSN(t) },
}

var backends = []backend{sqliteBackend, postgresBackend}

// TestLedger runs the ledger's behaviour on each engine: one table of
// tests, two backends.
func TestLedger(t *testing.T) {
	tests := []struct {
		name string
		fn   func(*testing.T, backend)
	}{
		{"OpenAppliesNewMigrationsInOrder", testOpenAppliesNewMigrationsInOrder},
		{"OpenRollsBackAFailedMigration", testOpenRollsBackAFailedMigration},
		{"OpenRefusesNewerSchema", testOpenRefusesNewerSchema},
		{"CommitLinesAndHistory", testCommitLinesAndHistory},
		{"CommitManyLines", testCommitManyLines},
		{"EmptyLedger", testEmptyLedger},
		{"ScheduledRun", testScheduledRun},
		{"OneValidLinePerKey", testOneValidLinePerKey},
		{"AsOfBackwardsRefused", testAsOfBackwardsRefused},
		{"SeenOrders", testSeenOrders},
		{"FilesAndFeeds", testFilesAndFeeds},
		{"LastScheduled", testLastScheduled},
		{"OutboxLifecycle", testOutboxLifecycle},
		{"CommitIsAtomic", testCommitIsAtomic},
		{"ConcurrentOpen", testConcurrentOpen},
		{"RunReportGzip", testRunReportGzip},
		{"ClaimMail", testClaimMail},
		{"CopyLedger", testCopyLedger},
		{"WaitlistWrittenAsADiff", testWaitlistWrittenAsADiff},
		{"ResellersAndHistory", testResellersAndHistory},
		{"MigrateFromVersion1", testMigrateFromVersion1},
		{"MigrateFindingsFromVersion1", testMigrateFindingsFromVersion1},
		{"FindingsLifecycle", testFindingsLifecycle},
		{"Snapshot", testSnapshot},
		{"OpenReadOnly", testOpenReadOnly},
		{"OpenReadOnlyRefusesNewerSchema", testOpenReadOnlyRefusesNewerSchema},
		{"Replays", testReplays},
		{"ReplaysOfAnUnmigratedLedger", testReplaysOfAnUnmigratedLedger},
		{"SetArchivedKeepsTheFirstPath", testSetArchivedKeepsTheFirstPath},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
			}
		})
	}
}

// tableExists reports whether the ledger has a table of that name.
func tableExists(t *testing.T, s *Store, name string) bool {
	t.Helper()
	q := `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`
	if s.Driver() == Postgres {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	var n int
	if err := s.db.QueryRow(s.q(q), name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// setVersion writes a schema version, as a newer encours would.
func setVersion(t *testing.T, s *Store, v int) {
	t.Helper()
	tx, err := s.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := s.d.setVersion(context.Background(), tx, v); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
