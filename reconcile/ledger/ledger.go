// Package ledger keeps encours' lasting state in one SQLite file: credit
// lines and their history, runs, processed file hashes, seen order ids,
// the last export date of each feed, the outbox of emails and the daemon's
// last scheduled tick. It is the only importer of the database driver.
package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/encours/encours/reconcile"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Store is an open ledger. It is safe for concurrent use; writes are
// serialised by SQLite.
type Store struct {
	db   *sql.DB
	path string
	// Now is the clock used for the few instants the store stamps itself
	// (sent_at of a message); tests replace it.
	Now func() time.Time
	// readOnly is set by OpenReadOnly.
	readOnly bool
}

// ErrSchemaTooNew is returned by Open for a ledger written by a newer
// encours.
var ErrSchemaTooNew = errors.New("ledger schema is newer than this encours")

// Open opens the ledger at path, creating it when missing, and brings its
// schema up to date. The directory of path must exist.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	// SQLite's own word for this is "unable to open database file".
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("open ledger %s: directory %s does not exist; create it or fix data_dir", path, filepath.Dir(abs))
	}
	// A file: URI with an escaped path, so that a '?' or '#' in a directory
	// name cannot be read as DSN parameters.
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "FULL")
	// Every write transaction takes the write lock up front, so that the
	// as-of check in Commit and the writes it guards cannot interleave with
	// another writer, and so that a busy database waits instead of failing
	// on lock upgrade.
	q.Set("_txlock", "immediate")
	// 8 MiB of page cache (the default is 2 MiB). It is C memory, outside
	// the Go heap and its limit: 64 MiB cost ~100 MiB of peak RSS on a
	// million-line run, and with WAL a transaction that outgrows the cache
	// only writes its pages to the log earlier (the commit took as long).
	q.Add("_pragma", "cache_size(-8192)")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), OmitHost: true, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	s := &Store{db: db, path: path, Now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	return s, nil
}

// OpenReadOnly opens an existing ledger to read it only, as `encours
// check` does: it creates nothing (a missing file is an error wrapping
// fs.ErrNotExist), migrates nothing and writes nothing. Its schema may be
// older than this encours's; reads of what it lacks fail.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "10000")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), OmitHost: true, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	s := &Store{db: db, path: path, Now: time.Now}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	if v > len(migrations) {
		db.Close()
		return nil, fmt.Errorf("open ledger %s: %w: the file has schema version %d, this encours knows up to %d; upgrade encours",
			path, ErrSchemaTooNew, v, len(migrations))
	}
	s.readOnly = true
	return s, nil
}

// Close releases the database. It does not wait for nor cancel running
// queries; callers finish their work first.
func (s *Store) Close() error {
	if !s.readOnly {
		// optimize is cheap and keeps the planner's statistics fresh.
		_, _ = s.db.Exec("PRAGMA optimize")
	}
	return s.db.Close()
}

// SchemaVersion returns the schema version of the open ledger.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// migrations are applied in order; migrations[i] brings the schema from
// version i to i+1 (PRAGMA user_version). Never edit a released entry:
// append a new one.
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE runs (
	id           TEXT PRIMARY KEY,
	as_of        TEXT NOT NULL,
	started_at   TEXT NOT NULL,
	finished_at  TEXT NOT NULL,
	scheduled_at TEXT,
	status       TEXT NOT NULL,
	report       BLOB
);
CREATE INDEX runs_as_of ON runs(as_of, finished_at);

CREATE TABLE lines (
	id           INTEGER PRIMARY KEY,
	wholesaler   TEXT NOT NULL,
	program      TEXT NOT NULL,
	reseller_id  TEXT NOT NULL,
	amount_cents INTEGER NOT NULL,
	valid_from   TEXT NOT NULL,
	valid_until  TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('valid', 'expired', 'revoked')),
	reason       TEXT NOT NULL DEFAULT '',
	created_run  TEXT NOT NULL REFERENCES runs(id),
	updated_run  TEXT NOT NULL REFERENCES runs(id)
);
-- At most one valid line per (wholesaler, program, reseller); this index
-- also serves ValidLines in its order.
CREATE UNIQUE INDEX lines_one_valid ON lines(wholesaler, program, reseller_id) WHERE state = 'valid';

CREATE TABLE line_events (
	id           INTEGER PRIMARY KEY,
	line_id      INTEGER NOT NULL REFERENCES lines(id),
	run_id       TEXT NOT NULL REFERENCES runs(id),
	status       TEXT NOT NULL CHECK (status IN ('granted', 'increased', 'extended', 'expired', 'revoked')),
	amount_cents INTEGER NOT NULL,
	valid_until  TEXT NOT NULL,
	reason       TEXT NOT NULL,
	at           TEXT NOT NULL
);
CREATE INDEX line_events_line ON line_events(line_id, id);

CREATE TABLE files (
	sha256        TEXT PRIMARY KEY,
	wholesaler    TEXT NOT NULL,
	name          TEXT NOT NULL,
	run_id        TEXT NOT NULL REFERENCES runs(id),
	status        TEXT NOT NULL,
	archived_path TEXT NOT NULL DEFAULT ''
);

CREATE TABLE seen_orders (
	wholesaler TEXT NOT NULL,
	order_id   TEXT NOT NULL,
	run_id     TEXT NOT NULL REFERENCES runs(id),
	PRIMARY KEY (wholesaler, order_id)
) WITHOUT ROWID;

CREATE TABLE feeds (
	wholesaler TEXT PRIMARY KEY,
	last_as_of TEXT NOT NULL
);

CREATE TABLE outbox (
	message_id      TEXT PRIMARY KEY,
	run_id          TEXT NOT NULL REFERENCES runs(id),
	wholesaler      TEXT NOT NULL,
	recipient       TEXT NOT NULL,
	subject         TEXT NOT NULL,
	eml             BLOB NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	next_attempt_at TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	sent_at         TEXT
);
CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);
CREATE INDEX outbox_created ON outbox(status, created_at);
CREATE INDEX outbox_run ON outbox(run_id);

CREATE TABLE schedule (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
`,
	// 2: findings that live on and the wholesalers' answers (spec §10):
	// one row per episode of a finding (open while resolved_run is NULL,
	// with its latest answer), every answer received, the runs each
	// wholesaler delivered in, when a stale feed was last mailed about,
	// and the export row each line decision came from. Portable SQL: it
	// runs unchanged on PostgreSQL.
	`
CREATE TABLE findings (
	wholesaler     TEXT NOT NULL,
	kind           TEXT NOT NULL,
	reseller_id    TEXT NOT NULL,
	program        TEXT NOT NULL,
	order_id       TEXT NOT NULL,
	first_run      TEXT NOT NULL REFERENCES runs(id),
	first_seen     TEXT NOT NULL,
	ref            TEXT NOT NULL,
	expected_cents BIGINT NOT NULL,
	actual_cents   BIGINT NOT NULL,
	hours          BIGINT NOT NULL,
	resolved_run   TEXT REFERENCES runs(id),
	resolved_on    TEXT,
	response       TEXT NOT NULL DEFAULT '',
	comment        TEXT NOT NULL DEFAULT '',
	response_file  TEXT NOT NULL DEFAULT '',
	answered_run   TEXT REFERENCES runs(id),
	answered_on    TEXT,
	PRIMARY KEY (wholesaler, kind, reseller_id, program, order_id, first_run)
);
-- One open episode per key; the index also finds a wholesaler's open
-- findings without reading its resolved ones.
CREATE UNIQUE INDEX findings_open ON findings(wholesaler, kind, reseller_id, program, order_id) WHERE resolved_run IS NULL;
CREATE INDEX findings_reseller ON findings(wholesaler, reseller_id);
CREATE INDEX findings_ref ON findings(wholesaler, ref);

CREATE TABLE responses (
	run_id      TEXT NOT NULL REFERENCES runs(id),
	file        TEXT NOT NULL,
	wholesaler  TEXT NOT NULL,
	kind        TEXT NOT NULL,
	reseller_id TEXT NOT NULL,
	program     TEXT NOT NULL,
	order_id    TEXT NOT NULL,
	first_run   TEXT NOT NULL,
	response    TEXT NOT NULL,
	comment     TEXT NOT NULL,
	row_num     BIGINT NOT NULL,
	PRIMARY KEY (run_id, file, wholesaler, kind, reseller_id, program, order_id, first_run)
);
CREATE INDEX responses_reseller ON responses(wholesaler, reseller_id);

CREATE TABLE deliveries (
	wholesaler TEXT NOT NULL,
	run_id     TEXT NOT NULL REFERENCES runs(id),
	as_of      TEXT NOT NULL,
	PRIMARY KEY (wholesaler, run_id)
);

CREATE TABLE stale_notices (
	wholesaler TEXT PRIMARY KEY,
	mailed_on  TEXT NOT NULL
);

ALTER TABLE line_events ADD COLUMN source_file TEXT NOT NULL DEFAULT '';
ALTER TABLE line_events ADD COLUMN source_sheet TEXT NOT NULL DEFAULT '';
ALTER TABLE line_events ADD COLUMN source_row BIGINT NOT NULL DEFAULT 0;
CREATE INDEX lines_reseller ON lines(wholesaler, reseller_id);
`,
}

// migrate applies the migrations the file lacks, each in its own
// transaction together with the version bump, so that a crash leaves the
// file at a known version.
func (s *Store) migrate(ctx context.Context) error {
	for {
		done, err := s.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

func (s *Store) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, err
	}
	switch {
	case v > len(migrations):
		return false, fmt.Errorf("%w: the file has schema version %d, this encours knows up to %d; upgrade encours or point data_dir elsewhere",
			ErrSchemaTooNew, v, len(migrations))
	case v == len(migrations):
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", v+1, err)
	}
	// PRAGMA takes no bound parameters; v+1 is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", v+1, err)
	}
	return false, tx.Commit()
}

// timeLayout is RFC 3339 with a fixed nine-digit fraction, always in UTC,
// so that instants stored as TEXT compare correctly as strings
// (time.RFC3339Nano trims trailing zeros, and "…05Z" would sort after
// "…05.5Z").
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("ledger holds a malformed instant %q", s)
	}
	return t.UTC(), nil
}

func parseNullTime(ns sql.NullString) (time.Time, error) {
	if !ns.Valid || ns.String == "" {
		return time.Time{}, nil
	}
	return parseTime(ns.String)
}

func parseDate(s string) (reconcile.Date, error) {
	if s == "" {
		return 0, nil
	}
	return reconcile.ParseISO(s)
}
