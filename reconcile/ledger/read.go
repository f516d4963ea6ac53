package ledger

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/encours/encours/reconcile"
)

// Event is one entry of a line's history.
type Event struct {
	RunID      string
	Status     reconcile.LineStatus
	Amount     reconcile.Cents
	ValidUntil reconcile.Date
	Reason     string
	At         time.Time
}

// ValidLines returns the lines valid now, ordered by wholesaler, program
// and reseller.
func (s *Store) ValidLines(ctx context.Context) ([]reconcile.Line, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, wholesaler, program, reseller_id, amount_cents, valid_from,
		valid_until, state, reason FROM lines WHERE state = 'valid' ORDER BY wholesaler, program, reseller_id`)
	if err != nil {
		return nil, fmt.Errorf("read valid lines: %w", err)
	}
	defer rows.Close()
	var out []reconcile.Line
	for rows.Next() {
		var l reconcile.Line
		var from, until, state string
		var amount int64
		if err := rows.Scan(&l.ID, &l.Wholesaler, &l.Program, &l.ResellerID, &amount, &from, &until, &state, &l.Reason); err != nil {
			return nil, fmt.Errorf("read valid lines: %w", err)
		}
		l.Amount = reconcile.Cents(amount)
		l.State = reconcile.LineState(state)
		if l.ValidFrom, err = parseDate(from); err != nil {
			return nil, fmt.Errorf("read line %d: %w", l.ID, err)
		}
		if l.ValidUntil, err = parseDate(until); err != nil {
			return nil, fmt.Errorf("read line %d: %w", l.ID, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read valid lines: %w", err)
	}
	return out, nil
}

// LineHistory returns the events of one line, oldest first.
func (s *Store) LineHistory(ctx context.Context, lineID int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT run_id, status, amount_cents, valid_until, reason, at
		FROM line_events WHERE line_id = ? ORDER BY id`), lineID)
	if err != nil {
		return nil, fmt.Errorf("read history of line %d: %w", lineID, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var status, until, at string
		var amount int64
		if err := rows.Scan(&e.RunID, &status, &amount, &until, &e.Reason, &at); err != nil {
			return nil, fmt.Errorf("read history of line %d: %w", lineID, err)
		}
		e.Status = reconcile.LineStatus(status)
		e.Amount = reconcile.Cents(amount)
		if e.ValidUntil, err = parseDate(until); err != nil {
			return nil, err
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read history of line %d: %w", lineID, err)
	}
	return out, nil
}

// seenBatch is how many order ids one lookup statement binds; well under
// SQLite's limit of 32766 variables.
const seenBatch = 500

// SeenOrders reports which of ids were seen at wholesaler in an earlier
// run: the map holds true for each seen id and nothing for the others.
// One prepared statement answers batches of ids through the primary key,
// so 100,000 ids cost 200 indexed statements.
func (s *Store) SeenOrders(ctx context.Context, wholesaler string, ids []string) (map[string]bool, error) {
	seen := make(map[string]bool)
	if len(ids) == 0 {
		return seen, nil
	}
	n := min(len(ids), seenBatch)
	q := `SELECT order_id FROM seen_orders WHERE wholesaler = ? AND order_id IN (?` +
		strings.Repeat(", ?", n-1) + `)`
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("read seen orders of %s: %w", wholesaler, err)
	}
	defer conn.Close()
	st, err := conn.PrepareContext(ctx, s.q(q))
	if err != nil {
		return nil, fmt.Errorf("read seen orders of %s: %w", wholesaler, err)
	}
	defer st.Close()
	args := make([]any, n+1)
	args[0] = wholesaler
	for start := 0; start < len(ids); start += n {
		chunk := ids[start:min(start+n, len(ids))]
		// A short last chunk repeats its last id to fill the statement.
		for i := range n {
			args[i+1] = chunk[min(i, len(chunk)-1)]
		}
		if err := func() error {
			rows, err := st.QueryContext(ctx, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				seen[id] = true
			}
			return rows.Err()
		}(); err != nil {
			return nil, fmt.Errorf("read seen orders of %s: %w", wholesaler, err)
		}
	}
	return seen, nil
}

// FileProcessed reports whether a file with this SHA-256 was processed by
// a committed run.
func (s *Store) FileProcessed(ctx context.Context, sha256 string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT 1 FROM files WHERE sha256 = ?`), sha256).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up file %s: %w", sha256, err)
	}
	return true, nil
}

// LastRun returns the last committed run (the one with the latest as-of,
// then the latest finish); false when none was ever committed.
func (s *Store) LastRun(ctx context.Context) (Run, bool, error) {
	var r Run
	var asOf, started, finished string
	var scheduled sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, as_of, started_at, finished_at, scheduled_at, status FROM runs
		ORDER BY as_of DESC, finished_at DESC LIMIT 1`).Scan(&r.ID, &asOf, &started, &finished, &scheduled, &r.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("read last run: %w", err)
	}
	if r.AsOf, err = parseDate(asOf); err != nil {
		return Run{}, false, err
	}
	if r.StartedAt, err = parseTime(started); err != nil {
		return Run{}, false, err
	}
	if r.FinishedAt, err = parseTime(finished); err != nil {
		return Run{}, false, err
	}
	if r.ScheduledAt, err = parseNullTime(scheduled); err != nil {
		return Run{}, false, err
	}
	return r, true, nil
}

// RunReport returns the run.json kept with a committed run, decompressed
// when it was committed gzip-compressed; false when no run has this id.
func (s *Store) RunReport(ctx context.Context, runID string) ([]byte, bool, error) {
	return runReport(ctx, s.db, s.d, runID)
}

// rowQuerier is what *sql.DB and *sql.Tx have in common for one-row reads.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func runReport(ctx context.Context, q rowQuerier, d dialect, runID string) ([]byte, bool, error) {
	var b []byte
	err := q.QueryRowContext(ctx, d.rebind(`SELECT report FROM runs WHERE id = ?`), runID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read report of run %s: %w", runID, err)
	}
	if isGzip(b) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false, fmt.Errorf("read report of run %s: %w", runID, err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			return nil, false, fmt.Errorf("read report of run %s: %w", runID, err)
		}
	}
	return b, true, nil
}

// isGzip reports whether b starts with gzip's magic number, which no JSON
// text does.
func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// FirstRunAsOf returns the as-of of the earliest committed run; false when
// none was ever committed.
func (s *Store) FirstRunAsOf(ctx context.Context) (reconcile.Date, bool, error) {
	var asOf sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT min(as_of) FROM runs`).Scan(&asOf); err != nil {
		return 0, false, fmt.Errorf("read first run: %w", err)
	}
	if !asOf.Valid {
		return 0, false, nil
	}
	d, err := parseDate(asOf.String)
	return d, err == nil, err
}

// LastExports returns, per wholesaler, the as-of of the last run that
// processed one of its files.
func (s *Store) LastExports(ctx context.Context) (map[string]reconcile.Date, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT wholesaler, last_as_of FROM feeds`)
	if err != nil {
		return nil, fmt.Errorf("read feeds: %w", err)
	}
	defer rows.Close()
	out := make(map[string]reconcile.Date)
	for rows.Next() {
		var w, d string
		if err := rows.Scan(&w, &d); err != nil {
			return nil, fmt.Errorf("read feeds: %w", err)
		}
		if out[w], err = parseDate(d); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read feeds: %w", err)
	}
	return out, nil
}

// Keys of the schedule table.
const (
	lastTickKey   = "last_scheduled_tick"
	lastTickByKey = "last_scheduled_by"
)

// LastScheduled returns the daemon's last scheduled tick; false when the
// daemon never recorded one.
func (s *Store) LastScheduled(ctx context.Context) (time.Time, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT value FROM schedule WHERE key = ?`), lastTickKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read last scheduled tick: %w", err)
	}
	t, err := parseTime(v)
	return t, err == nil, err
}

// LastScheduledBy returns the replica that ran the last scheduled tick;
// empty when unknown (no tick, or one recorded without a replica).
func (s *Store) LastScheduledBy(ctx context.Context) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT value FROM schedule WHERE key = ?`), lastTickByKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read last scheduled tick: %w", err)
	}
	return v, nil
}

// SetLastScheduled records the daemon's last scheduled tick. The record
// never goes back: an earlier tick than the one recorded changes nothing.
func (s *Store) SetLastScheduled(ctx context.Context, t time.Time) error {
	if err := setLastScheduled(ctx, s, s.db, t, ""); err != nil {
		return fmt.Errorf("record last scheduled tick: %w", err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// setLastScheduled records tick and, when given, the replica that ran it.
// The instants are fixed-width UTC text: they compare as strings.
func setLastScheduled(ctx context.Context, s *Store, ex execer, t time.Time, replica string) error {
	res, err := ex.ExecContext(ctx, s.q(`INSERT INTO schedule (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE excluded.value > schedule.value`), lastTickKey, fmtTime(t))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 || replica == "" {
		return err
	}
	_, err = ex.ExecContext(ctx, s.q(`INSERT INTO schedule (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`), lastTickByKey, replica)
	return err
}
