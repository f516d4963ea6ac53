package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/encours/encours/reconcile"
)

// ErrNoLedger is matched (errors.Is) by the error of OpenReadOnly and
// OpenReadOnlyConfig where there is no ledger yet: no SQLite file, or a
// PostgreSQL database no encours ever wrote. The SQLite error also
// matches fs.ErrNotExist.
var ErrNoLedger = errors.New("there is no ledger there")

// OpenReadOnlyConfig opens the existing ledger c names for reading only:
// it never creates, migrates nor writes anything (a statement that would
// write fails) and takes no lock. encours check, explain and simulate read
// the configured ledger this way, also while a daemon writes it. A schema
// newer than this encours knows is refused as OpenConfig refuses it; an
// older one is read as it is.
func OpenReadOnlyConfig(ctx context.Context, c Config) (*Store, error) {
	switch c.Driver {
	case "", SQLite:
		return OpenReadOnly(ctx, c.Path)
	case Postgres:
		return openPostgresReadOnly(ctx, c.DSN)
	}
	return nil, fmt.Errorf("open ledger: unknown driver %q; use sqlite or postgres", c.Driver)
}

// OpenReadOnly opens an existing SQLite ledger for reading only: it never
// creates, migrates nor writes the file (a statement that would write
// fails), and closing it leaves the folder as it was (OpenReadOnlyConfig).
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open ledger %s: %w (%w): no run was ever committed with this data_dir; check data_dir or run encours run first", path, ErrNoLedger, fs.ErrNotExist)
	} else if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	q := url.Values{}
	// Read-write but never create: a read-only connection ("mode=ro")
	// cannot remove the -wal and -shm files it makes, which would stay
	// beside a ledger that had none. query_only refuses every write.
	q.Set("mode", "rw")
	q.Add("_pragma", "query_only(1)")
	s, err := openDB(path, q)
	if err != nil {
		return nil, err
	}
	s.readOnly = true
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	if v > len(migrations) {
		s.db.Close()
		return nil, fmt.Errorf("open ledger %s: %w: the file has schema version %d, this encours knows up to %d; upgrade encours",
			path, ErrSchemaTooNew, v, len(migrations))
	}
	return s, nil
}

// Snapshot writes a consistent copy of the whole ledger, schema version
// included, into a new SQLite file at path, which must not exist or be
// empty, and syncs it. Readers go on meanwhile. encours keeps the copy
// taken before each run's commit, so that encours simulate can replay the
// latest run from the ledger as it stood before it; a driver for another
// database writes the same tables into an SQLite file at path.
func (s *Store) Snapshot(ctx context.Context, path string) error {
	if s.d.name() != SQLite {
		return s.snapshotCopy(ctx, path)
	}
	if _, err := s.db.ExecContext(ctx, s.q(`VACUUM INTO ?`), path); err != nil {
		return fmt.Errorf("snapshot the ledger into %s: %w", path, err)
	}
	// VACUUM INTO does not sync what it wrote.
	if err := syncFile(path); err != nil {
		return fmt.Errorf("snapshot the ledger into %s: %w", path, err)
	}
	return nil
}

// snapshotCopy writes the ledger of another engine into a new SQLite file
// at path with Copy: every table, counts verified, then the file synced.
func (s *Store) snapshotCopy(ctx context.Context, path string) error {
	dst, err := openCopyTarget(ctx, path)
	if err != nil {
		return fmt.Errorf("snapshot the ledger into %s: %w", path, err)
	}
	// An index built once over the copied rows costs a fraction of one
	// kept up to date row by row.
	indexes, err := dropIndexes(ctx, dst)
	if err == nil {
		_, err = Copy(ctx, dst, s, nil)
	}
	for _, ix := range indexes {
		if err != nil {
			break
		}
		_, err = dst.db.ExecContext(ctx, ix)
	}
	if err != nil {
		dst.Close()
		return fmt.Errorf("snapshot the ledger into %s: %w", path, err)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("snapshot the ledger into %s: %w", path, err)
	}
	return syncFile(path)
}

// openCopyTarget opens a new SQLite ledger at path to be written once, by
// Copy, and then only read: no journal (a copy that fails is removed, not
// rolled back), no sync until syncFile, no foreign key checks (the source
// kept them), a larger page cache while the indexes grow. It writes each
// page once, where WAL would write it to the log and then to the file.
func openCopyTarget(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	q.Set("_journal_mode", "OFF")
	q.Set("_synchronous", "OFF")
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "cache_size(-32768)")
	s, err := openDB(path, q)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// dropIndexes drops the indexes of an SQLite ledger the schema created
// (not those of primary keys) and returns the statements that create them
// again.
func dropIndexes(ctx context.Context, s *Store) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names, creates []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return nil, err
		}
		names, creates = append(names, name), append(creates, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		// The names come from sqlite_schema, not from anyone's input.
		if _, err := s.db.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
			return nil, err
		}
	}
	return creates, nil
}

// syncFile flushes what was written to the file at path to its disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Archived says where the file with content SHA256 was archived.
type Archived struct {
	SHA256 string
	// Path is the archived file, relative to data_dir when inside it.
	Path string
}

// SetArchived records where processed files were archived. A path is
// recorded only where none is yet: a file whose run died before moving it
// is archived by a later run as a duplicate, and that copy is the one
// recorded then. Content no run processed is ignored.
func (s *Store) SetArchived(ctx context.Context, files []Archived) error {
	if len(files) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record archived files: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, s.q(`UPDATE files SET archived_path = ? WHERE sha256 = ? AND archived_path = ''`))
	if err != nil {
		return fmt.Errorf("record archived files: %w", err)
	}
	defer st.Close()
	for _, f := range files {
		if _, err := st.ExecContext(ctx, f.Path, f.SHA256); err != nil {
			return fmt.Errorf("record where %s was archived: %w", f.Path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record archived files: %w", err)
	}
	return nil
}

// ReplayRun is a committed run with the files it processed.
type ReplayRun struct {
	Run
	// Files are the files the run processed (its duplicates are not), by
	// wholesaler and name; ArchivedPath is empty where the move was never
	// recorded.
	Files []FileRecord
}

// ReplayHistory is what encours simulate replays, read in one transaction: a
// run committed meanwhile is wholly in it or not at all.
type ReplayHistory struct {
	// Runs are every committed run, oldest first, in the order LastRun
	// reads them backwards (as-of, then finish).
	Runs []ReplayRun
	// LatestReport is the run.json kept with the last of Runs; nil when
	// there is no run.
	LatestReport []byte
}

// Replays reads every committed run, the files each processed and the
// latest run's report.
func (s *Store) Replays(ctx context.Context) (ReplayHistory, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.d.name() == Postgres {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for the runs and their files
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return ReplayHistory{}, fmt.Errorf("read the runs: %w", err)
	}
	defer tx.Rollback()
	h, err := history(ctx, tx, s.d)
	if err != nil {
		return ReplayHistory{}, fmt.Errorf("read the runs: %w", err)
	}
	return h, tx.Commit()
}

func history(ctx context.Context, tx *sql.Tx, d dialect) (ReplayHistory, error) {
	// A ledger read-only opened before migration 3 has no as_of_instant.
	v, err := d.version(ctx, tx)
	if err != nil {
		return ReplayHistory{}, err
	}
	instant := "NULL"
	if v >= schemaAsOfInstant {
		instant = "as_of_instant"
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, as_of, started_at, finished_at, scheduled_at, status, `+instant+`
		FROM runs ORDER BY as_of, finished_at, id`)
	if err != nil {
		return ReplayHistory{}, err
	}
	defer rows.Close()
	var h ReplayHistory
	index := map[string]int{}
	for rows.Next() {
		var r ReplayRun
		var asOf, started, finished string
		var scheduled, inst sql.NullString
		if err := rows.Scan(&r.ID, &asOf, &started, &finished, &scheduled, &r.Status, &inst); err != nil {
			return ReplayHistory{}, err
		}
		if r.AsOf, err = parseDate(asOf); err != nil {
			return ReplayHistory{}, err
		}
		if r.StartedAt, err = parseTime(started); err != nil {
			return ReplayHistory{}, err
		}
		if r.FinishedAt, err = parseTime(finished); err != nil {
			return ReplayHistory{}, err
		}
		if r.ScheduledAt, err = parseNullTime(scheduled); err != nil {
			return ReplayHistory{}, err
		}
		if r.AsOfInstant, err = parseNullTime(inst); err != nil {
			return ReplayHistory{}, err
		}
		index[r.ID] = len(h.Runs)
		h.Runs = append(h.Runs, r)
	}
	if err := rows.Err(); err != nil {
		return ReplayHistory{}, err
	}
	rows.Close()

	frows, err := tx.QueryContext(ctx, `SELECT run_id, sha256, wholesaler, name, status, archived_path FROM files
		ORDER BY run_id, wholesaler, name, sha256`)
	if err != nil {
		return ReplayHistory{}, err
	}
	defer frows.Close()
	for frows.Next() {
		var runID, status string
		var f FileRecord
		if err := frows.Scan(&runID, &f.SHA256, &f.Wholesaler, &f.Name, &status, &f.ArchivedPath); err != nil {
			return ReplayHistory{}, err
		}
		f.Status = reconcile.FileStatus(status)
		if i, ok := index[runID]; ok {
			h.Runs[i].Files = append(h.Runs[i].Files, f)
		}
	}
	if err := frows.Err(); err != nil {
		return ReplayHistory{}, err
	}
	if len(h.Runs) > 0 {
		last := h.Runs[len(h.Runs)-1].ID
		b, _, err := runReport(ctx, tx, d, last)
		if err != nil {
			return ReplayHistory{}, err
		}
		h.LatestReport = b
	}
	return h, nil
}

// Dump writes the schema version and every row of every table of the
// ledger's schema, tables by name, rows in the order of their columns, one
// line per row (a BLOB as its SHA-256): two ledgers with the same content
// give the same text, whatever their engines. It is for comparing ledgers
// (encours simulate's tests prove with it that the real ledger is left as
// it was; the snapshot's, that it holds the whole ledger).
func (s *Store) Dump(ctx context.Context, w io.Writer) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("dump the ledger: %w", err)
	}
	fmt.Fprintf(w, "user_version %d\n", v)
	names, err := s.schemaTables(ctx)
	if err != nil {
		return fmt.Errorf("dump the ledger: %w", err)
	}
	for _, t := range names {
		if err := dumpTable(ctx, s.db, w, t); err != nil {
			return fmt.Errorf("dump table %s: %w", t, err)
		}
	}
	return nil
}

func dumpTable(ctx context.Context, db *sql.DB, w io.Writer, table string) error {
	// The names come from the schema, not from anyone's input.
	rows, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`" LIMIT 0`)
	if err != nil {
		return err
	}
	cols, err := rows.Columns()
	rows.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "table %s: %s\n", table, strings.Join(cols, ", "))
	// Every column, NULLs first on both engines (PostgreSQL puts them
	// last by default): the order does not depend on how rows were stored.
	order := make([]string, len(cols))
	for i := range cols {
		order[i] = strconv.Itoa(i+1) + " NULLS FIRST"
	}
	rows, err = db.QueryContext(ctx, `SELECT * FROM "`+table+`" ORDER BY `+strings.Join(order, ", "))
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s:", table)
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				fmt.Fprintf(w, " %s=%x", cols[i], sha256.Sum256(b))
				continue
			}
			fmt.Fprintf(w, " %s=%v", cols[i], v)
		}
		fmt.Fprintln(w)
	}
	return rows.Err()
}
