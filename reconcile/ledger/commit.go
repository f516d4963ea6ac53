package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/encours/encours/reconcile"
)

// Run is one committed run.
type Run struct {
	ID         string
	AsOf       reconcile.Date
	StartedAt  time.Time
	FinishedAt time.Time
	// ScheduledAt is the daemon tick that started the run; zero for a run
	// started by hand.
	ScheduledAt time.Time
	// Status is free text for people ("done" when empty at commit).
	Status string
	// AsOfInstant is the instant the run's financing SLA measured from:
	// its start, or 00:00 of an explicit as-of. Zero for a run committed
	// before encours kept it.
	AsOfInstant time.Time
}

// FileRecord is one inbox file as a run leaves it.
type FileRecord struct {
	Wholesaler, Name, SHA256 string
	Status                   reconcile.FileStatus
	ArchivedPath             string
}

// Commit is everything one run changes in the ledger, written at once.
type Commit struct {
	Run Run
	// Report is run.json, kept with the run, as JSON or gzip-compressed
	// JSON (a million-row run's report is ~60 MB of JSON, a tenth of that
	// compressed); RunReport returns the JSON either way.
	Report []byte
	// Lines are the run's line changes. A line with ID 0 is inserted (and
	// Commit sets its ID in this slice); any other is updated unless its
	// status is active. Every granted, increased, extended, expired or
	// revoked line adds one history event.
	Lines []reconcile.LineChange
	// Seen are the orders to remember as seen.
	Seen []reconcile.OrderKey
	// Files are the run's inbox files; only processed ones are recorded
	// (a duplicate is already there; quarantined and deferred files must be
	// accepted when they come back).
	Files []FileRecord
	// Feeds are the wholesalers that delivered an export in this run; their
	// last export date becomes Run.AsOf.
	Feeds []string
	// Outbox holds the run's rendered messages, queued for sending. A
	// message whose ID is already stored is left as it is.
	Outbox []reconcile.Message
	// Waitlist is what the run changed in the waitlist (spec §8.2).
	Waitlist reconcile.WaitlistChanges
	// Resellers are reseller accounts to remember with their SIREN and
	// name (new to the ledger, or either changed); ResellersGone are those
	// to forget, holding neither a line nor a waitlist entry any more
	// (only their keys count).
	Resellers, ResellersGone []reconcile.Reseller
	// History is the run's row per program, for the History sheet.
	History []reconcile.ProgramRun
	// Replica names the daemon replica that ran Run.ScheduledAt; it is
	// recorded with the tick (LastScheduledBy).
	Replica string
	// Findings is what the run changed in the findings (spec §10.1): its
	// New, Resolved and Changed findings; Discrepancies is not used.
	Findings reconcile.FindingChanges
	// Responses are the answers received in the run (spec §10.2): each is
	// recorded and becomes its finding's latest answer.
	Responses []reconcile.FindingResponse
	// StaleMailed are the wholesalers whose stale feed this run mailed
	// about; StaleCleared those whose feed is fresh again (spec §10.3).
	StaleMailed, StaleCleared []string
}

// ErrAsOfBackwards is matched (errors.Is) by the error of a Commit whose
// as-of precedes the last committed run's.
var ErrAsOfBackwards = errors.New("as-of precedes the last committed run")

// AsOfBackwardsError is the error of a Commit whose as-of precedes the last
// committed run's; it matches ErrAsOfBackwards.
type AsOfBackwardsError struct {
	AsOf, Last reconcile.Date
}

func (e *AsOfBackwardsError) Error() string {
	return fmt.Sprintf("as-of %s precedes %s, the as-of of the last committed run: pass --as-of %s or later",
		e.AsOf, e.Last, e.Last)
}

// Is makes errors.Is(err, ErrAsOfBackwards) true.
func (e *AsOfBackwardsError) Is(target error) bool { return target == ErrAsOfBackwards }

// commitHook, when set by a test, runs between the stages of Commit; an
// error from it aborts the commit as a crash would.
var commitHook func(stage string) error

func hook(stage string) error {
	if commitHook == nil {
		return nil
	}
	return commitHook(stage)
}

// eventStatus reports whether a line status is recorded in the history.
func eventStatus(s reconcile.LineStatus) bool {
	switch s {
	case reconcile.Granted, reconcile.Increased, reconcile.Extended, reconcile.Ended, reconcile.Withdrawn:
		return true
	}
	return false
}

// Commit writes a run in one transaction: all of it or, on any error or
// cancellation, none of it.
func (s *Store) Commit(ctx context.Context, c Commit) error {
	if err := s.commit(ctx, c); err != nil {
		var back *AsOfBackwardsError
		if errors.As(err, &back) {
			return err
		}
		return fmt.Errorf("commit run %s: %w", c.Run.ID, err)
	}
	return nil
}

func (s *Store) commit(ctx context.Context, c Commit) error {
	r := c.Run
	if r.ID == "" {
		return errors.New("run has no id")
	}
	if r.AsOf.IsZero() {
		return errors.New("run has no as-of date")
	}
	if r.Status == "" {
		r.Status = "done"
	}
	at := r.FinishedAt
	if at.IsZero() {
		at = r.StartedAt
	}
	if at.IsZero() {
		at = s.Now()
	}

	conn, done, err := s.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.d.lockCommit(ctx, tx); err != nil {
		return err
	}

	var last sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT max(as_of) FROM runs").Scan(&last); err != nil {
		return err
	}
	if last.Valid {
		l, err := parseDate(last.String)
		if err != nil {
			return err
		}
		if r.AsOf < l {
			return &AsOfBackwardsError{AsOf: r.AsOf, Last: l}
		}
	}

	asOf := r.AsOf.String()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO runs (id, as_of, started_at, finished_at, scheduled_at, status, report, as_of_instant)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, asOf, fmtTime(r.StartedAt), fmtTime(at), nullTime(r.ScheduledAt), r.Status, c.Report, nullTime(r.AsOfInstant)); err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	if err := hook("run"); err != nil {
		return err
	}

	if !r.ScheduledAt.IsZero() {
		// The tick is run when, and only when, its run commits: a replica
		// that takes the tick after this one died runs it again, one that
		// takes it after this commit does not (TickDone).
		if err := setLastScheduled(ctx, s, tx, r.ScheduledAt, c.Replica); err != nil {
			return err
		}
	}

	newIDs, err := s.writeLines(ctx, conn, tx, r.ID, fmtTime(at), c.Lines)
	if err != nil {
		return err
	}
	if err := hook("lines"); err != nil {
		return err
	}
	if err := writeWaitlist(ctx, tx, s.d, r.ID, c.Waitlist); err != nil {
		return err
	}
	if err := writeResellers(ctx, tx, s.d, r.ID, c.Resellers, c.ResellersGone); err != nil {
		return err
	}
	if err := writeHistory(ctx, tx, s.d, r.ID, c.History); err != nil {
		return err
	}
	if err := hook("budgets"); err != nil {
		return err
	}

	seen := s.d.bulk(ctx, conn, tx, "seen_orders", []string{"wholesaler", "order_id", "run_id"}, `ON CONFLICT DO NOTHING`)
	defer seen.close()
	for _, k := range c.Seen {
		if err := seen.add(k.Wholesaler, k.OrderID, r.ID); err != nil {
			return fmt.Errorf("record seen orders: %w", err)
		}
	}
	if err := seen.flush(); err != nil {
		return fmt.Errorf("record seen orders: %w", err)
	}
	if err := hook("seen"); err != nil {
		return err
	}

	// A processed file whose hash is already stored (the same bytes twice in
	// one run) is the same content: keep the first record rather than fail.
	fst, err := tx.PrepareContext(ctx, s.q(`INSERT INTO files (sha256, wholesaler, name, run_id, status, archived_path)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`))
	if err != nil {
		return err
	}
	defer fst.Close()
	for _, f := range c.Files {
		if f.Status != reconcile.Processed && f.Status != reconcile.Responses {
			continue
		}
		if f.SHA256 == "" {
			return fmt.Errorf("processed file %s/%s has no sha256", f.Wholesaler, f.Name)
		}
		if _, err := fst.ExecContext(ctx, f.SHA256, f.Wholesaler, f.Name, r.ID, string(f.Status), f.ArchivedPath); err != nil {
			return fmt.Errorf("record file %s/%s: %w", f.Wholesaler, f.Name, err)
		}
	}

	for _, w := range c.Feeds {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO feeds (wholesaler, last_as_of) VALUES (?, ?)
			ON CONFLICT (wholesaler) DO UPDATE SET last_as_of = excluded.last_as_of`), w, asOf); err != nil {
			return fmt.Errorf("record feed %s: %w", w, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO deliveries (wholesaler, run_id, as_of) VALUES (?, ?, ?)`), w, r.ID, asOf); err != nil {
			return fmt.Errorf("record delivery of %s: %w", w, err)
		}
	}
	if err := s.writeFindings(ctx, tx, r.ID, asOf, c); err != nil {
		return err
	}
	if err := hook("files"); err != nil {
		return err
	}

	if len(c.Outbox) > 0 {
		ost, err := tx.PrepareContext(ctx, s.q(`INSERT INTO outbox
			(message_id, run_id, wholesaler, recipient, subject, eml, status, attempts, last_error, next_attempt_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`))
		if err != nil {
			return err
		}
		defer ost.Close()
		for _, m := range c.Outbox {
			if m.ID == "" {
				return fmt.Errorf("message to %s has no id", m.Recipient)
			}
			created := m.CreatedAt
			if created.IsZero() {
				created = at
			}
			next := m.NextAttempt
			if next.IsZero() {
				next = created
			}
			status := m.Status
			if status == "" {
				status = reconcile.MailQueued
			}
			eml := m.EML
			if eml == nil {
				eml = []byte{}
			}
			if _, err := ost.ExecContext(ctx, m.ID, r.ID, m.Wholesaler, m.Recipient, m.Subject, eml,
				string(status), m.Attempts, m.LastError, fmtTime(next), fmtTime(created)); err != nil {
				return fmt.Errorf("queue message %s: %w", m.ID, err)
			}
		}
	}
	if err := hook("outbox"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Only now do the new lines exist: a failed commit leaves c.Lines as
	// the caller gave it, ready for a retry.
	for i, id := range newIDs {
		c.Lines[i].ID = id
	}
	return nil
}

// writeLines updates the changed lines first, then inserts the new ones, so
// that a line that ends in this run frees its slot for a new line of the
// same key in the same run. It returns the IDs of the inserted lines by
// their index in lines.
func (s *Store) writeLines(ctx context.Context, conn *sql.Conn, tx *sql.Tx, runID, at string, lines []reconcile.LineChange) (map[int]int64, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	for _, l := range lines {
		if err := checkLine(l); err != nil {
			return nil, err
		}
	}
	// Events and new lines get their IDs here rather than from the engine
	// one by one, so that they can be written in bulk (multi-row INSERT,
	// COPY); the transaction holds the commit lock, so nobody else takes
	// these IDs meanwhile.
	var maxEvent, maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM line_events`).Scan(&maxEvent); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM lines`).Scan(&maxID); err != nil {
		return nil, err
	}
	events := s.d.bulk(ctx, conn, tx, "line_events",
		[]string{"id", "line_id", "run_id", "status", "amount_cents", "valid_until", "reason", "at",
			"source_file", "source_sheet", "source_row"}, "")
	defer events.close()
	event := func(id int64, l reconcile.LineChange) error {
		if !eventStatus(l.Status) {
			return nil
		}
		maxEvent++
		return events.add(maxEvent, id, runID, string(l.Status), int64(l.Amount), l.ValidUntil.String(), l.Reason, at,
			l.Source.File, l.Source.Sheet, int64(l.Source.Row))
	}

	up, err := tx.PrepareContext(ctx, s.q(`UPDATE lines SET amount_cents = ?, valid_from = ?, valid_until = ?, state = ?,
		reason = ?, updated_run = ? WHERE id = ?`))
	if err != nil {
		return nil, err
	}
	defer up.Close()
	for _, l := range lines {
		if l.ID == 0 || !eventStatus(l.Status) {
			continue
		}
		res, err := up.ExecContext(ctx, int64(l.Amount), l.ValidFrom.String(), l.ValidUntil.String(), string(l.State),
			l.Reason, runID, l.ID)
		if err != nil {
			return nil, fmt.Errorf("update line %d %s: %w", l.ID, keyString(l.Line), err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, err
		} else if n != 1 {
			return nil, fmt.Errorf("update line %d %s: no such line in the ledger", l.ID, keyString(l.Line))
		}
		if err := event(l.ID, l); err != nil {
			return nil, fmt.Errorf("record history of line %d: %w", l.ID, err)
		}
	}

	ids := make(map[int]int64)
	ins := s.d.bulk(ctx, conn, tx, "lines", []string{"id", "wholesaler", "program", "reseller_id", "amount_cents",
		"valid_from", "valid_until", "state", "reason", "created_run", "updated_run"}, "")
	defer ins.close()
	dates := dateStrings{}
	for i, l := range lines {
		if l.ID != 0 {
			continue
		}
		maxID++
		ids[i] = maxID
		if err := ins.add(maxID, l.Wholesaler, l.Program, l.ResellerID, int64(l.Amount), dates.of(l.ValidFrom),
			dates.of(l.ValidUntil), string(l.State), l.Reason, runID, runID); err != nil {
			return nil, s.lineError(lines, ids, err)
		}
	}
	if err := ins.flush(); err != nil {
		return nil, s.lineError(lines, ids, err)
	}
	for i, l := range lines {
		if l.ID == 0 {
			if err := event(ids[i], l); err != nil {
				return nil, fmt.Errorf("record history of line %d: %w", ids[i], err)
			}
		}
	}
	if err := events.flush(); err != nil {
		return nil, fmt.Errorf("record line history: %w", err)
	}
	return ids, nil
}

// lineError names the new line an insert failed on, when the batch could
// tell.
func (s *Store) lineError(lines []reconcile.LineChange, ids map[int]int64, err error) error {
	if key, ok := uniqueKey(err, "lines_one_valid"); ok {
		return fmt.Errorf("insert line %s: the ledger already holds a valid line for this wholesaler, program and reseller: %w", key, err)
	}
	var re *rowError
	if !errors.As(err, &re) {
		return fmt.Errorf("insert lines: %w", err)
	}
	id, _ := re.Row[0].(int64)
	for i, nid := range ids {
		if nid != id {
			continue
		}
		l := lines[i]
		if s.d.isConstraint(err) && l.State == reconcile.Valid {
			return fmt.Errorf("insert line %s: the ledger already holds a valid line for this wholesaler, program and reseller: %w",
				keyString(l.Line), re.Err)
		}
		return fmt.Errorf("insert line %s: %w", keyString(l.Line), re.Err)
	}
	return fmt.Errorf("insert lines: %w", err)
}

// dateStrings formats dates once: a run's lines share few dates.
type dateStrings map[reconcile.Date]string

func (m dateStrings) of(d reconcile.Date) string {
	s, ok := m[d]
	if !ok {
		s = d.String()
		m[d] = s
	}
	return s
}

func checkLine(l reconcile.LineChange) error {
	switch l.State {
	case reconcile.Valid, reconcile.Expired, reconcile.Revoked:
	default:
		return fmt.Errorf("line %s has unknown state %q", keyString(l.Line), l.State)
	}
	if !eventStatus(l.Status) && l.Status != reconcile.Unchanged && l.Status != reconcile.Expiring {
		return fmt.Errorf("line %s has unknown status %q", keyString(l.Line), l.Status)
	}
	if l.ValidFrom.IsZero() || l.ValidUntil.IsZero() {
		return fmt.Errorf("line %s has no validity dates", keyString(l.Line))
	}
	return nil
}

// conn returns the connection a commit writes on: the run lock's while
// the store holds it, so that a commit never outlives its lock (a
// PostgreSQL session that died took its lock along and fails the commit);
// else one from the pool. done gives it back.
func (s *Store) conn(ctx context.Context) (conn *sql.Conn, done func(), err error) {
	if s.lock != nil && s.lock.conn != nil {
		return s.lock.conn, func() {}, nil
	}
	c, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c, func() { c.Close() }, nil
}

func keyString(l reconcile.Line) string {
	return l.Wholesaler + "/" + l.Program + "/" + l.ResellerID
}
