package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// tables are the ledger's tables, each after the tables it references:
// the order Copy writes them in. A migration that adds a table adds it
// here (TestLedger/*/CopyLedger fails until it does).
var tables = []string{"runs", "lines", "line_events", "files", "seen_orders", "feeds", "outbox", "schedule", "waitlist", "resellers", "program_runs",
	"findings", "finding_figures", "responses", "deliveries", "stale_notices"}

// TableCount is how many rows a table holds.
type TableCount struct {
	Table string
	Rows  int64
}

// ErrNotEmpty is matched (errors.Is) by the error of a Copy into a ledger
// that already holds data.
var ErrNotEmpty = errors.New("the target ledger is not empty")

// Copy copies every table of src into dst, which must be empty, in one
// transaction of dst: all of it or nothing. Rows stream table by table
// (COPY into PostgreSQL, multi-row INSERTs into SQLite) and each table's
// count is verified on both sides before the commit. Either store may be
// of either engine. The caller keeps both ledgers from changing meanwhile
// (the run lock of each). progress, when set, hears each table copied.
func Copy(ctx context.Context, dst, src *Store, progress func(TableCount)) ([]TableCount, error) {
	sv, err := src.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy ledger: read the schema version of %s: %w", src, err)
	}
	if dv, err := dst.SchemaVersion(ctx); err != nil || dv != sv {
		return nil, fmt.Errorf("copy ledger: %s has schema version %d and %s %d (%v); open both with the same encours",
			src, sv, dst, dv, err)
	}
	for _, t := range tables {
		n, err := count(ctx, dst.db, t)
		if err != nil {
			return nil, fmt.Errorf("copy ledger: count the rows of %s in %s: %w", t, dst, err)
		}
		if n > 0 {
			return nil, fmt.Errorf("%w: %s holds %d rows in table %s; copy into an empty database (create a new one, or drop and recreate this one)",
				ErrNotEmpty, dst, n, t)
		}
	}

	opts := &sql.TxOptions{ReadOnly: true}
	if src.Driver() == Postgres {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for every table
	}
	stx, err := src.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("copy ledger: read %s: %w", src, err)
	}
	defer stx.Rollback()
	conn, done, err := dst.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy ledger: write %s: %w", dst, err)
	}
	defer done()
	dtx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("copy ledger: write %s: %w", dst, err)
	}
	defer dtx.Rollback()
	if err := dst.d.lockCommit(ctx, dtx); err != nil {
		return nil, fmt.Errorf("copy ledger: write %s: %w", dst, err)
	}

	var out []TableCount
	for _, t := range tables {
		n, err := copyTable(ctx, dst, conn, dtx, stx, t)
		if err != nil {
			return nil, fmt.Errorf("copy ledger: table %s: %w", t, err)
		}
		want, err := count(ctx, stx, t)
		if err != nil {
			return nil, fmt.Errorf("copy ledger: count the rows of %s in %s: %w", t, src, err)
		}
		got, err := count(ctx, dtx, t)
		if err != nil {
			return nil, fmt.Errorf("copy ledger: count the rows of %s in %s: %w", t, dst, err)
		}
		if n != want || got != want {
			return nil, fmt.Errorf("copy ledger: table %s: %d rows in %s, %d read, %d written to %s; nothing was committed",
				t, want, src, n, got, dst)
		}
		out = append(out, TableCount{Table: t, Rows: got})
		if progress != nil {
			progress(out[len(out)-1])
		}
	}
	if err := dtx.Commit(); err != nil {
		return nil, fmt.Errorf("copy ledger: commit into %s: %w", dst, err)
	}
	return out, nil
}

// copyTable streams the rows of one table from stx into dtx and returns
// how many it wrote.
func copyTable(ctx context.Context, dst *Store, conn *sql.Conn, dtx, stx *sql.Tx, table string) (int64, error) {
	rows, err := stx.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	w := dst.d.bulk(ctx, conn, dtx, table, cols, "")
	defer w.close()
	var n int64
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if err := w.add(vals...); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, w.flush()
}

func count(ctx context.Context, q querier, table string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n)
	return n, err
}

// Tables returns the ledger's tables and their row counts.
func (s *Store) Tables(ctx context.Context) ([]TableCount, error) {
	var out []TableCount
	for _, t := range tables {
		n, err := count(ctx, s.db, t)
		if err != nil {
			return nil, fmt.Errorf("count the rows of %s: %w", t, err)
		}
		out = append(out, TableCount{Table: t, Rows: n})
	}
	return out, nil
}

// schemaTables lists the tables the ledger's schema holds, the engine's
// own and the PostgreSQL coordination tables (ledger_schema, ledger_locks)
// aside.
func (s *Store) schemaTables(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if s.Driver() == Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
			AND table_type = 'BASE TABLE' AND table_name NOT IN ('ledger_schema', 'ledger_locks') ORDER BY table_name`
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, strings.ToLower(n))
	}
	return out, rows.Err()
}
