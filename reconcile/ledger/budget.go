package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/encours/encours/reconcile"
)

// Waitlist returns every waitlist entry (spec §8.2), by program, then rank:
// Rank is filled from the order the entries joined in (Seq); Reason holds
// the claim's own reason, as Claim does (the run says why it waits).
func (s *Store) Waitlist(ctx context.Context) ([]reconcile.WaitEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT wholesaler, program, reseller_id, amount_cents, valid_until, since, seq, reason
		FROM waitlist ORDER BY program, seq`)
	if err != nil {
		return nil, fmt.Errorf("read the waitlist: %w", err)
	}
	defer rows.Close()
	var out []reconcile.WaitEntry
	dates := map[string]reconcile.Date{}
	date := func(s string) (reconcile.Date, error) {
		if d, ok := dates[s]; ok {
			return d, nil
		}
		d, err := parseDate(s)
		dates[s] = d
		return d, err
	}
	rank := 0
	for rows.Next() {
		var w reconcile.WaitEntry
		var amount int64
		var until, since string
		if err := rows.Scan(&w.Wholesaler, &w.Program, &w.ResellerID, &amount, &until, &since, &w.Seq, &w.Claim); err != nil {
			return nil, fmt.Errorf("read the waitlist: %w", err)
		}
		w.AmountCents, w.Reason = reconcile.Cents(amount), w.Claim
		if w.ValidUntil, err = date(until); err != nil {
			return nil, fmt.Errorf("read waitlist entry %s/%s/%s: %w", w.Wholesaler, w.Program, w.ResellerID, err)
		}
		if w.Since, err = date(since); err != nil {
			return nil, fmt.Errorf("read waitlist entry %s/%s/%s: %w", w.Wholesaler, w.Program, w.ResellerID, err)
		}
		if rank++; len(out) > 0 && out[len(out)-1].Program != w.Program {
			rank = 1
		}
		w.Rank = rank
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the waitlist: %w", err)
	}
	return out, nil
}

// Resellers returns the last known SIREN and name of every reseller
// account holding a line or a waitlist entry after the last run, sorted
// by wholesaler, then reseller id (bytewise, whatever the database's
// collation), for reconcile.FindReseller.
func (s *Store) Resellers(ctx context.Context) ([]reconcile.Reseller, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT wholesaler, reseller_id, siren, name FROM resellers ORDER BY wholesaler, reseller_id`)
	if err != nil {
		return nil, fmt.Errorf("read resellers: %w", err)
	}
	defer rows.Close()
	var out []reconcile.Reseller
	var last string
	for rows.Next() {
		var r reconcile.Reseller
		if err := rows.Scan(&r.Wholesaler, &r.ID, &r.SIREN, &r.Name); err != nil {
			return nil, fmt.Errorf("read resellers: %w", err)
		}
		// Rows come grouped by wholesaler: share its string.
		if r.Wholesaler == last {
			r.Wholesaler = last
		}
		last = r.Wholesaler
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read resellers: %w", err)
	}
	if !slices.IsSortedFunc(out, reconcile.CompareResellers) {
		slices.SortFunc(out, reconcile.CompareResellers)
	}
	return out, nil
}

// History returns one row per committed run × program (spec §8.3), oldest
// run first, programs in the order the run recorded them.
func (s *Store) History(ctx context.Context) ([]reconcile.ProgramRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.run_id, r.as_of, p.program, p.lines, p.exposure_cents, p.beneficiaries,
		p.granted, p.expired, p.revoked
		FROM program_runs p JOIN runs r ON r.id = p.run_id
		ORDER BY r.as_of, r.finished_at, r.id, p.pos`)
	if err != nil {
		return nil, fmt.Errorf("read program history: %w", err)
	}
	defer rows.Close()
	var out []reconcile.ProgramRun
	for rows.Next() {
		var h reconcile.ProgramRun
		var asOf string
		var exposure int64
		if err := rows.Scan(&h.RunID, &asOf, &h.Program, &h.Lines, &exposure, &h.Beneficiaries,
			&h.Granted, &h.Expired, &h.Revoked); err != nil {
			return nil, fmt.Errorf("read program history: %w", err)
		}
		h.Exposure = reconcile.Cents(exposure)
		if h.AsOf, err = parseDate(asOf); err != nil {
			return nil, fmt.Errorf("read program history of run %s: %w", h.RunID, err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read program history: %w", err)
	}
	return out, nil
}

// writeWaitlist writes what the run changed in the waitlist: removals
// first, then the entries added or changed, so that a key leaving and
// joining in one run is not a conflict.
func writeWaitlist(ctx context.Context, tx *sql.Tx, d dialect, runID string, ch reconcile.WaitlistChanges) error {
	if len(ch.Remove) > 0 {
		// The inserter's VALUES list serves as the list of keys to delete.
		del := newInserter(ctx, tx, d, `DELETE FROM waitlist WHERE (wholesaler, program, reseller_id) IN (`, `)`, 3)
		defer del.close()
		for _, k := range ch.Remove {
			if err := del.add(k.Wholesaler, k.Program, k.ResellerID); err != nil {
				return fmt.Errorf("remove waitlist entries: %w", err)
			}
		}
		if err := del.flush(); err != nil {
			return fmt.Errorf("remove waitlist entries: %w", err)
		}
	}
	if len(ch.Put) == 0 {
		return nil
	}
	put := newInserter(ctx, tx, d, `INSERT INTO waitlist (wholesaler, program, reseller_id, amount_cents, valid_until, since, seq, reason, run_id)`,
		`ON CONFLICT (wholesaler, program, reseller_id) DO UPDATE SET amount_cents = excluded.amount_cents,
		valid_until = excluded.valid_until, since = excluded.since, seq = excluded.seq, reason = excluded.reason,
		run_id = excluded.run_id`, 9)
	defer put.close()
	dates := dateStrings{}
	for _, w := range ch.Put {
		if w.ValidUntil.IsZero() || w.Since.IsZero() {
			return fmt.Errorf("waitlist entry %s/%s/%s has no valid_until or since", w.Wholesaler, w.Program, w.ResellerID)
		}
		if err := put.add(w.Wholesaler, w.Program, w.ResellerID, int64(w.AmountCents), dates.of(w.ValidUntil),
			dates.of(w.Since), w.Seq, w.Claim, runID); err != nil {
			return fmt.Errorf("record waitlist entries: %w", err)
		}
	}
	if err := put.flush(); err != nil {
		return fmt.Errorf("record waitlist entries: %w", err)
	}
	return nil
}

// writeResellers records the resellers whose SIREN or name changed (or
// that are new to the ledger) and forgets those that hold nothing any more.
func writeResellers(ctx context.Context, tx *sql.Tx, d dialect, runID string, put, gone []reconcile.Reseller) error {
	if len(gone) > 0 {
		del := newInserter(ctx, tx, d, `DELETE FROM resellers WHERE (wholesaler, reseller_id) IN (`, `)`, 2)
		defer del.close()
		for _, r := range gone {
			if err := del.add(r.Wholesaler, r.ID); err != nil {
				return fmt.Errorf("forget resellers: %w", err)
			}
		}
		if err := del.flush(); err != nil {
			return fmt.Errorf("forget resellers: %w", err)
		}
	}
	if len(put) == 0 {
		return nil
	}
	ins := newInserter(ctx, tx, d, `INSERT INTO resellers (wholesaler, reseller_id, siren, name, run_id)`,
		`ON CONFLICT (wholesaler, reseller_id) DO UPDATE SET siren = excluded.siren, name = excluded.name, run_id = excluded.run_id`, 5)
	defer ins.close()
	for _, r := range put {
		if err := ins.add(r.Wholesaler, r.ID, r.SIREN, r.Name, runID); err != nil {
			return fmt.Errorf("record resellers: %w", err)
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("record resellers: %w", err)
	}
	return nil
}

// writeHistory records the run's row per program.
func writeHistory(ctx context.Context, tx *sql.Tx, d dialect, runID string, rows []reconcile.ProgramRun) error {
	if len(rows) == 0 {
		return nil
	}
	ins := newInserter(ctx, tx, d, `INSERT INTO program_runs (run_id, program, pos, lines, exposure_cents, beneficiaries,
		granted, expired, revoked)`, "", 9)
	defer ins.close()
	for i, h := range rows {
		if err := ins.add(runID, h.Program, int64(i), int64(h.Lines), int64(h.Exposure), int64(h.Beneficiaries),
			int64(h.Granted), int64(h.Expired), int64(h.Revoked)); err != nil {
			return fmt.Errorf("record program history: %w", err)
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("record program history: %w", err)
	}
	return nil
}
