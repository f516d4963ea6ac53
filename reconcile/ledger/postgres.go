package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Advisory lock ids, as the second key of pg_advisory_*(int, int); the
// first is a hash of the schema, so that two ledgers in two schemas of one
// database do not share locks.
const (
	lockMigrate = 1 // held by a migration's transaction
	lockCommit  = 2 // held by a commit's transaction
	lockRun     = 3 // held by a run, on its own connection, for the run's life
)

// lockArgs is the SQL of the two keys of an advisory lock.
func lockArgs(id int) string { return "hashtext(current_schema()), " + strconv.Itoa(id) }

// copyChunk is how many rows one COPY carries: enough that the statement
// costs nothing per row, few enough that the queued rows stay small.
const copyChunk = 10000

type pgDialect struct{}

var rebound sync.Map // query → rebound query

func (pgDialect) name() string { return Postgres }

// rebind numbers the `?` placeholders outside quotes: `$1`, `$2`, …
func (pgDialect) rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	rebound.Store(q, out)
	return out
}

var ddlRules = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?i)\)\s*WITHOUT\s+ROWID`), ")"},
	{regexp.MustCompile(`(?i)\bINTEGER\b`), "BIGINT"},
	{regexp.MustCompile(`(?i)\bBLOB\b`), "BYTEA"},
	// Byte order, as SQLite compares: ORDER BY, max() and the instants
	// stored as text must not follow the database's locale.
	{regexp.MustCompile(`(?i)\bTEXT\b`), `TEXT COLLATE "C"`},
}

// ddl maps SQLite's column types: INTEGER is 64 bits there (BIGINT), BLOB
// is BYTEA, TEXT compares bytes (COLLATE "C"), WITHOUT ROWID means nothing.
func (pgDialect) ddl(q string) string {
	for _, r := range ddlRules {
		q = r.re.ReplaceAllString(q, r.with)
	}
	return q
}

func (pgDialect) version(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT version FROM ledger_schema`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

func (pgDialect) setVersion(ctx context.Context, tx *sql.Tx, v int) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ledger_schema`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ledger_schema (version) VALUES ($1)`, v)
	return err
}

// lockMigrations also creates the two tables that are not ledger data and
// that no migration makes: the schema version and who holds the run lock.
func (pgDialect) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+lockArgs(lockMigrate)+`)`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `
CREATE TABLE IF NOT EXISTS ledger_schema (version BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_locks (
	name   TEXT COLLATE "C" PRIMARY KEY,
	holder TEXT NOT NULL,
	since  TEXT NOT NULL
)`)
	return err
}

func (pgDialect) lockCommit(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+lockArgs(lockCommit)+`)`)
	return err
}

func (pgDialect) bulk(ctx context.Context, conn *sql.Conn, tx *sql.Tx, table string, cols []string, conflict string) bulkWriter {
	return &copyWriter{ctx: ctx, conn: conn, tx: tx, table: table, cols: cols, conflict: conflict}
}

func (pgDialect) isConstraint(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasPrefix(pe.Code, "23")
}

func (pgDialect) close(*sql.DB) {}

// copyWriter writes rows with COPY, copyChunk rows at a time, inside the
// transaction on conn. With a conflict clause, the rows go to a temporary
// table first and from there into the table with INSERT … SELECT …
// conflict: COPY itself knows no ON CONFLICT.
type copyWriter struct {
	ctx      context.Context
	conn     *sql.Conn
	tx       *sql.Tx
	table    string
	cols     []string
	conflict string
	rows     [][]any
	staged   bool // the temporary table exists
}

func (w *copyWriter) add(vals ...any) error {
	if len(vals) != len(w.cols) {
		return fmt.Errorf("copy into %s: %d values for %d columns", w.table, len(vals), len(w.cols))
	}
	w.rows = append(w.rows, vals)
	if len(w.rows) >= copyChunk {
		return w.flush()
	}
	return nil
}

func (w *copyWriter) flush() error {
	if len(w.rows) == 0 {
		return nil
	}
	target := w.table
	if w.conflict != "" {
		target = "staged_" + w.table
		if !w.staged {
			if _, err := w.tx.ExecContext(w.ctx, `CREATE TEMPORARY TABLE `+target+` (LIKE `+w.table+`) ON COMMIT DROP`); err != nil {
				return err
			}
			w.staged = true
		}
	}
	err := w.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: the connection is not pgx's", w.table)
		}
		_, err := c.Conn().CopyFrom(w.ctx, pgx.Identifier{target}, w.cols, pgx.CopyFromRows(w.rows))
		return err
	})
	clear(w.rows)
	w.rows = w.rows[:0]
	if err != nil {
		return err
	}
	if w.conflict != "" {
		cols := strings.Join(w.cols, ", ")
		if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO `+w.table+` (`+cols+`) SELECT `+cols+` FROM `+target+` `+w.conflict); err != nil {
			return err
		}
		if _, err := w.tx.ExecContext(w.ctx, `TRUNCATE `+target); err != nil {
			return err
		}
	}
	return nil
}

func (w *copyWriter) close() {}

// uniqueKey reads the key a unique violation names in its detail
// ("Key (wholesaler, program, reseller_id)=(etc, oem-office, E1) already
// exists.") as "etc/oem-office/E1"; false for any other error.
func uniqueKey(err error, constraint string) (string, bool) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" || pe.ConstraintName != constraint {
		return "", false
	}
	_, vals, ok := strings.Cut(pe.Detail, ")=(")
	if !ok {
		return "", false
	}
	vals, _, _ = strings.Cut(vals, ") already exists")
	return strings.ReplaceAll(vals, ", ", "/"), true
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	s, err := connectPostgres(ctx, dsn, nil)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", s.path, err)
	}
	return s, nil
}

// openPostgresReadOnly opens an existing PostgreSQL ledger whose every
// transaction is read-only (the server refuses any write), without
// migrating it: for OpenReadOnlyConfig.
func openPostgresReadOnly(ctx context.Context, dsn string) (*Store, error) {
	s, err := connectPostgres(ctx, dsn, map[string]string{"default_transaction_read_only": "on"})
	if err != nil {
		return nil, err
	}
	s.readOnly = true
	// The version table comes with the first migration: without it, no
	// encours ever wrote into this database.
	var exists bool
	if err := s.db.QueryRowContext(ctx, `SELECT to_regclass('ledger_schema') IS NOT NULL`).Scan(&exists); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", s.path, err)
	}
	v := 0
	if exists {
		if v, err = s.SchemaVersion(ctx); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("open ledger %s: %w", s.path, err)
		}
	}
	switch {
	case v == 0:
		s.db.Close()
		return nil, fmt.Errorf("open ledger %s: %w: this database holds no encours ledger, no run was ever committed into it; check the DSN or run encours run first",
			s.path, ErrNoLedger)
	case v > len(migrations):
		s.db.Close()
		return nil, fmt.Errorf("open ledger %s: %w: the ledger has schema version %d, this encours knows up to %d; upgrade encours",
			s.path, ErrSchemaTooNew, v, len(migrations))
	}
	return s, nil
}

// connectPostgres opens a pool on dsn, with the session settings params,
// and checks that the server answers.
func connectPostgres(ctx context.Context, dsn string, params map[string]string) (*Store, error) {
	if err := unescapedUserinfo(dsn); err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open ledger: the PostgreSQL DSN %s cannot be read: %v; write it as postgres://user:password@host:5432/database or as host=… dbname=… pairs",
			Masked(dsn), unquoteDSN(err, dsn))
	}
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	name := describe(cfg)
	db := stdlib.OpenDB(*cfg)
	// A run uses a few connections at once (the run lock, a commit, reads).
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", name, explainConnect(err, cfg))
	}
	return &Store{db: db, path: name, d: pgDialect{}, Now: time.Now}, nil
}

// Ping checks that the ledger answers: for `encours check`.
func Ping(ctx context.Context, c Config) error {
	if c.Driver != Postgres {
		return nil
	}
	if err := unescapedUserinfo(c.DSN); err != nil {
		return err
	}
	cfg, err := pgx.ParseConfig(c.DSN)
	if err != nil {
		return fmt.Errorf("the PostgreSQL DSN %s cannot be read: %v", Masked(c.DSN), unquoteDSN(err, c.DSN))
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("PostgreSQL ledger %s: %w", describe(cfg), explainConnect(err, cfg))
	}
	return conn.Close(ctx)
}

// Describe names the PostgreSQL database of a DSN for people, without its
// password: "postgres://user@host:5432/database"; the masked DSN when it
// cannot be read.
func Describe(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return Masked(dsn)
	}
	return describe(cfg)
}

func describe(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("postgres://%s@%s/%s", cfg.User, net.JoinHostPort(host, strconv.Itoa(int(cfg.Port))), cfg.Database)
}

var (
	kvPassword    = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
	queryPassword = regexp.MustCompile(`(?i)([?&]password=)[^&]*`)
)

// Masked returns dsn with its password replaced by xxxxx, for messages. A
// URL is masked by hand, not through url.Parse, so that one that does not
// parse (a bad port, a password with an unescaped / or #) is masked too:
// everything between "user:" and the last @ is the password.
func Masked(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok || !strings.EqualFold(scheme, "postgres") && !strings.EqualFold(scheme, "postgresql") {
		return kvPassword.ReplaceAllString(dsn, "${1}xxxxx")
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, hasPassword := strings.Cut(rest[:at], ":"); hasPassword {
			rest = user + ":xxxxx" + rest[at:]
		}
	}
	return scheme + "://" + queryPassword.ReplaceAllString(rest, "${1}xxxxx")
}

// unescapedUserinfo refuses a URL whose user or password holds a / or #
// that is not percent-encoded: a URL parser would end the host there and
// read the rest of the password as the port, the database or a fragment,
// and name it in its messages.
func unescapedUserinfo(dsn string) error {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok || !strings.EqualFold(scheme, "postgres") && !strings.EqualFold(scheme, "postgresql") {
		return nil
	}
	rest, _, _ = strings.Cut(rest, "?")
	if at := strings.LastIndex(rest, "@"); at >= 0 && strings.ContainsAny(rest[:at], "/#") {
		return fmt.Errorf("the PostgreSQL DSN %s cannot be read: its user or password holds a / or # that must be percent-encoded (%%2F, %%23)", Masked(dsn))
	}
	return nil
}

// unquoteDSN is the parse error's reason, without the DSN it quotes.
func unquoteDSN(err error, dsn string) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		msg = msg[i+3:]
	}
	return strings.ReplaceAll(msg, dsn, Masked(dsn))
}

// explainConnect says in plain words why a connection failed, and what to
// do; the error stays wrapped.
func explainConnect(err error, cfg *pgx.ConnConfig) error {
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	var pe *pgconn.PgError
	var ne net.Error
	var dns *net.DNSError
	switch {
	case errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000"):
		return fmt.Errorf("authentication failed for user %q: check the user and password of the DSN: %w", cfg.User, err)
	case errors.As(err, &pe) && pe.Code == "3D000":
		return fmt.Errorf("database %q does not exist on %s: create it (createdb %s) or fix the database name of the DSN: %w",
			cfg.Database, addr, cfg.Database, err)
	case errors.As(err, &pe) && pe.Code == "57P03":
		return fmt.Errorf("the PostgreSQL server at %s is starting up or shutting down: try again shortly: %w", addr, err)
	case errors.As(err, &dns):
		return fmt.Errorf("host %q is unknown: fix the host of the DSN: %w", cfg.Host, err)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("the PostgreSQL server at %s did not answer in time: check the host, the port and the network: %w", addr, err)
	case errors.As(err, &ne):
		return fmt.Errorf("cannot reach the PostgreSQL server at %s: check that it runs and that the host and port of the DSN are right: %w", addr, err)
	}
	return err
}
