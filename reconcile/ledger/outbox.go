package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/encours/encours/reconcile"
)

// ErrUnknownMessage is returned by RecordAttempt for an id not in the outbox.
var ErrUnknownMessage = errors.New("no such message in the outbox")

const mailColumns = `message_id, run_id, wholesaler, recipient, subject, status, attempts, last_error,
	next_attempt_at, created_at`

// PendingMail returns the queued messages due at now, EML included, oldest
// first.
func (s *Store) PendingMail(ctx context.Context, now time.Time) ([]reconcile.Message, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+mailColumns+`, eml FROM outbox
		WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY created_at, message_id`), fmtTime(now))
	if err != nil {
		return nil, fmt.Errorf("read pending mail: %w", err)
	}
	out, err := scanMessages(rows, true)
	if err != nil {
		return nil, fmt.Errorf("read pending mail: %w", err)
	}
	return out, nil
}

// RunMail returns every message of a run with where it stands, without
// its EML, ordered by wholesaler (the program managers' message, with no
// wholesaler, first), recipient and id.
func (s *Store) RunMail(ctx context.Context, runID string) ([]reconcile.Message, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+mailColumns+` FROM outbox WHERE run_id = ?
		ORDER BY wholesaler, recipient, message_id`), runID)
	if err != nil {
		return nil, fmt.Errorf("read mail of run %s: %w", runID, err)
	}
	out, err := scanMessages(rows, false)
	if err != nil {
		return nil, fmt.Errorf("read mail of run %s: %w", runID, err)
	}
	return out, nil
}

func scanMessages(rows *sql.Rows, withEML bool) ([]reconcile.Message, error) {
	defer rows.Close()
	var out []reconcile.Message
	for rows.Next() {
		var m reconcile.Message
		var status, next, created string
		dest := []any{&m.ID, &m.RunID, &m.Wholesaler, &m.Recipient, &m.Subject, &status, &m.Attempts,
			&m.LastError, &next, &created}
		if withEML {
			dest = append(dest, &m.EML)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		m.Status = reconcile.MailStatus(status)
		var err error
		if m.NextAttempt, err = parseTime(next); err != nil {
			return nil, err
		}
		if m.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// RecordAttempt records one sending attempt of a message: its new status,
// the error text (empty on success) and when to try next (ignored unless
// status is queued). A sent message gets its sent time from s.Now.
func (s *Store) RecordAttempt(ctx context.Context, id string, status reconcile.MailStatus, errText string, next time.Time) error {
	switch status {
	case reconcile.MailQueued, reconcile.MailSent, reconcile.MailFailed:
	default:
		return fmt.Errorf("record attempt of message %s: unknown status %q", id, status)
	}
	var sentAt any
	if status == reconcile.MailSent {
		sentAt = fmtTime(s.Now())
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?,
		next_attempt_at = coalesce(?, next_attempt_at), sent_at = coalesce(?, sent_at) WHERE message_id = ?`),
		string(status), errText, nullTime(next), sentAt, id)
	if err != nil {
		return fmt.Errorf("record attempt of message %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("record attempt of message %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("record attempt of message %s: %w", id, ErrUnknownMessage)
	}
	return nil
}

// MarkFailedOlderThan gives up on the queued messages created before
// cutoff: they become failed, their error saying so. It returns how many.
func (s *Store) MarkFailedOlderThan(ctx context.Context, cutoff time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE outbox SET status = 'failed',
		last_error = 'gave up after ' || attempts || CASE attempts WHEN 1 THEN ' attempt' ELSE ' attempts' END
			|| ' since ' || created_at || CASE WHEN last_error != '' THEN ': ' || last_error ELSE '' END
		WHERE status = 'queued' AND created_at < ?`), fmtTime(cutoff))
	if err != nil {
		return 0, fmt.Errorf("give up on old mail: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("give up on old mail: %w", err)
	}
	return int(n), nil
}

// ClaimMail takes a queued message due at now for one delivery attempt:
// its next attempt moves to until, so that no other process sending from
// this outbox (a daemon replica on another machine) takes it meanwhile.
// False when the message is not due any more: another process claimed it,
// sent it or gave up on it. RecordAttempt then says how the attempt went;
// a process that dies after its claim leaves the message due again at
// until, for the next run.
func (s *Store) ClaimMail(ctx context.Context, id string, now, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE outbox SET next_attempt_at = ?
		WHERE message_id = ? AND status = 'queued' AND next_attempt_at <= ?`), fmtTime(until), id, fmtTime(now))
	if err != nil {
		return false, fmt.Errorf("claim message %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim message %s: %w", id, err)
	}
	return n == 1, nil
}
