// Package ledger keeps encours' lasting state in one SQLite file or one
// PostgreSQL database: credit lines and their history, runs, processed file
// hashes, seen order ids, the last export date of each feed, the outbox of
// emails, the daemon's last scheduled tick, the programs' waitlists, the
// resellers' last known SIRENs and one History row per run and program. It
// is the only importer of the database drivers: the SQL is written once,
// for both (placeholders `?`, TEXT and BIGINT, INSERT … ON CONFLICT), and
// what differs between the engines lives in dialect.go and postgres.go.
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

// Drivers of Config.Driver.
const (
	SQLite   = "sqlite"   // one file, data_dir/ledger.db by default
	Postgres = "postgres" // a PostgreSQL database shared by several machines
)

// Config says which ledger to open. Its zero value with a Path is the
// SQLite file at Path.
type Config struct {
	// Driver is SQLite (when empty) or Postgres.
	Driver string
	// Path is the SQLite file; its directory must exist.
	Path string
	// DSN is the PostgreSQL connection string (a URL or key=value pairs).
	// It holds a password: never print it, print Masked(DSN).
	DSN string
}

// Store is an open ledger. It is safe for concurrent use; the writes of
// Commit are serialised (SQLite's write lock, a PostgreSQL advisory lock).
type Store struct {
	db   *sql.DB
	path string // the file, or the masked DSN: for messages
	d    dialect
	// lock is the run lock while this store holds one (PostgreSQL): Commit
	// writes on its connection, so that a commit cannot outlive the lock.
	lock *RunLock
	// Now is the clock used for the few instants the store stamps itself
	// (sent_at of a message); tests replace it.
	Now func() time.Time
	// readOnly is set by OpenReadOnly.
	readOnly bool
}

// ErrSchemaTooNew is returned by Open for a ledger written by a newer
// encours.
var ErrSchemaTooNew = errors.New("ledger schema is newer than this encours")

// Open opens the SQLite ledger at path, creating it when missing, and
// brings its schema up to date. The directory of path must exist.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenConfig(ctx, Config{Path: path})
}

// OpenConfig opens the ledger c names, creating its schema when missing,
// and brings the schema up to date.
func OpenConfig(ctx context.Context, c Config) (*Store, error) {
	switch c.Driver {
	case "", SQLite:
		return openSQLite(ctx, c.Path)
	case Postgres:
		return openPostgres(ctx, c.DSN)
	}
	return nil, fmt.Errorf("open ledger: unknown driver %q; use sqlite or postgres", c.Driver)
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
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
	s, err := openDB(path, q)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	return s, nil
}

// openDB opens the SQLite file at path with the DSN parameters q (a busy
// timeout is added).
func openDB(path string, q url.Values) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	// SQLite's own word for this is "unable to open database file".
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("open ledger %s: directory %s does not exist; create it or fix data_dir", path, filepath.Dir(abs))
	}
	q.Set("_busy_timeout", "10000")
	// A file: URI with an escaped path, so that a '?' or '#' in a directory
	// name cannot be read as DSN parameters.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), OmitHost: true, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	return &Store{db: db, path: path, d: sqliteDialect{}, Now: time.Now}, nil
}

// Driver returns SQLite or Postgres.
func (s *Store) Driver() string { return s.d.name() }

// String names the ledger for people: the SQLite file, or the PostgreSQL
// server and database without the password.
func (s *Store) String() string { return s.path }

// Close releases the database and a run lock still held. It does not
// wait for nor cancel running queries; callers finish their work first.
func (s *Store) Close() error {
	if s.lock != nil {
		s.lock.Release()
	}
	if !s.readOnly {
		s.d.close(s.db)
	}
	return s.db.Close()
}

// SchemaVersion returns the schema version of the open ledger.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return s.d.version(ctx, s.db)
}

// migrations are applied in order; migrations[i] brings the schema from
// version i to i+1 (SQLite: PRAGMA user_version; PostgreSQL: the table
// ledger_schema). Never edit a released entry: append a new one, in SQL
// that both engines run (dialect.ddl maps SQLite's types for PostgreSQL),
// and add each new table to tables (copy.go).
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
	// 2: program budgets (spec §8): the waitlist, the last known SIREN and
	// name of the resellers holding a line or an entry, and one row per
	// run × program for the History sheet. Portable SQL: it runs unchanged
	// on PostgreSQL.
	`
CREATE TABLE waitlist (
	wholesaler   TEXT NOT NULL,
	program      TEXT NOT NULL,
	reseller_id  TEXT NOT NULL,
	amount_cents BIGINT NOT NULL,
	valid_until  TEXT NOT NULL,
	since        TEXT NOT NULL,
	seq          BIGINT NOT NULL,
	reason       TEXT NOT NULL,
	run_id       TEXT NOT NULL REFERENCES runs(id),
	PRIMARY KEY (wholesaler, program, reseller_id)
);
CREATE INDEX waitlist_rank ON waitlist(program, seq);

CREATE TABLE resellers (
	wholesaler  TEXT NOT NULL,
	reseller_id TEXT NOT NULL,
	siren       TEXT NOT NULL,
	name        TEXT NOT NULL,
	run_id      TEXT NOT NULL REFERENCES runs(id),
	PRIMARY KEY (wholesaler, reseller_id)
);

CREATE TABLE program_runs (
	run_id         TEXT NOT NULL REFERENCES runs(id),
	program        TEXT NOT NULL,
	pos            BIGINT NOT NULL,
	lines          BIGINT NOT NULL,
	exposure_cents BIGINT NOT NULL,
	beneficiaries  BIGINT NOT NULL,
	granted        BIGINT NOT NULL,
	expired        BIGINT NOT NULL,
	revoked        BIGINT NOT NULL,
	PRIMARY KEY (run_id, program)
);
`,
	// 3 (schemaAsOfInstant): the instant each run's financing SLA measured
	// from, so that encours simulate can replay the run with it (NULL for
	// older runs).
	`ALTER TABLE runs ADD COLUMN as_of_instant TEXT;`,
	// 4: findings that live on and the wholesalers' answers (spec §10):
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

// schemaAsOfInstant is the schema version that added runs.as_of_instant.
const schemaAsOfInstant = 3

// migrate applies the migrations the ledger lacks, each in its own
// transaction together with the version bump, so that a crash leaves the
// ledger at a known version. On PostgreSQL an advisory lock taken in that
// transaction keeps replicas that start together from migrating twice.
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
	if err := s.d.lockMigrations(ctx, tx); err != nil {
		return false, err
	}
	v, err := s.d.version(ctx, tx)
	if err != nil {
		return false, err
	}
	switch {
	case v > len(migrations):
		return false, fmt.Errorf("%w: the ledger has schema version %d, this encours knows up to %d; upgrade encours or point the config at another ledger",
			ErrSchemaTooNew, v, len(migrations))
	case v == len(migrations):
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, s.d.ddl(migrations[v])); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", v+1, err)
	}
	if err := s.d.setVersion(ctx, tx, v+1); err != nil {
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
