package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// dialect is what differs between the engines. The queries of the ledger
// are written once, with `?` placeholders, and pass through rebind; the
// migrations pass through ddl.
type dialect interface {
	name() string
	// rebind turns the `?` placeholders of q into the engine's.
	rebind(q string) string
	// ddl maps a migration written for SQLite to the engine's types.
	ddl(q string) string
	// version and setVersion read and write the schema version.
	version(ctx context.Context, q querier) (int, error)
	setVersion(ctx context.Context, tx *sql.Tx, v int) error
	// lockMigrations serialises migrations across processes, inside the
	// migration's transaction; lockCommit does so for commits.
	lockMigrations(ctx context.Context, tx *sql.Tx) error
	lockCommit(ctx context.Context, tx *sql.Tx) error
	// bulk returns the fastest way to write many rows into table inside
	// tx (on conn). conflict is an ON CONFLICT clause or empty.
	bulk(ctx context.Context, conn *sql.Conn, tx *sql.Tx, table string, cols []string, conflict string) bulkWriter
	// isConstraint reports whether err is a constraint violation.
	isConstraint(err error) bool
	// close runs the engine's housekeeping before the pool closes.
	close(db *sql.DB)
}

// querier is a *sql.DB, *sql.Conn or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// bulkWriter writes rows in batches: add queues one row (and may write),
// flush writes what is queued, close releases statements.
type bulkWriter interface {
	add(vals ...any) error
	flush() error
	close()
}

// q rebinds a query for the store's engine.
func (s *Store) q(query string) string { return s.d.rebind(query) }

type sqliteDialect struct{}

func (sqliteDialect) name() string           { return SQLite }
func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) ddl(q string) string    { return q }

func (sqliteDialect) version(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (sqliteDialect) setVersion(ctx context.Context, tx *sql.Tx, v int) error {
	// PRAGMA takes no bound parameters; v is our own integer.
	_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}

// SQLite transactions take the write lock when they begin (_txlock=immediate).
func (sqliteDialect) lockMigrations(context.Context, *sql.Tx) error { return nil }
func (sqliteDialect) lockCommit(context.Context, *sql.Tx) error     { return nil }

func (sqliteDialect) bulk(ctx context.Context, _ *sql.Conn, tx *sql.Tx, table string, cols []string, conflict string) bulkWriter {
	return newInserter(ctx, tx, sqliteDialect{}, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+")", conflict, len(cols))
}

func (sqliteDialect) isConstraint(err error) bool {
	return strings.Contains(err.Error(), "constraint failed")
}

func (sqliteDialect) close(db *sql.DB) {
	// optimize is cheap and keeps the planner's statistics fresh.
	_, _ = db.Exec("PRAGMA optimize")
}
