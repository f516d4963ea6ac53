package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/encours/encours/reconcile"
)

// writeFindings records a run's findings, answers and stale-feed notices
// inside its transaction: new episodes are inserted, resolved ones closed,
// changed figures rewritten; the figures of new and changed episodes are
// also kept as of this run in finding_figures, for `encours explain`. Open
// findings the run only listed again are not touched.
func (s *Store) writeFindings(ctx context.Context, tx *sql.Tx, runID, asOf string, c Commit) error {
	ins := newInserter(ctx, tx, s.d, `INSERT INTO findings (wholesaler, kind, reseller_id, program, order_id, first_run,
		first_seen, ref, expected_cents, actual_cents, hours)`, "", 11)
	defer ins.close()
	for _, f := range c.Findings.New {
		if err := ins.add(f.Wholesaler, string(f.Kind), f.ResellerID, f.Program, f.OrderID, runID,
			f.FirstSeen.String(), f.Ref, int64(f.ExpectedCents), int64(f.ActualCents), f.Hours); err != nil {
			return fmt.Errorf("record new findings: %w", err)
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("record new findings: %w", err)
	}
	figs := newInserter(ctx, tx, s.d, `INSERT INTO finding_figures (wholesaler, reseller_id, kind, program, order_id, first_run,
		run_id, expected_cents, actual_cents, hours)`, "", 10)
	defer figs.close()
	for _, set := range []struct {
		fs       []reconcile.Finding
		firstRun func(reconcile.Finding) string
	}{
		{c.Findings.New, func(reconcile.Finding) string { return runID }},
		{c.Findings.Changed, func(f reconcile.Finding) string { return f.FirstRun }},
	} {
		for _, f := range set.fs {
			if err := figs.add(f.Wholesaler, f.ResellerID, string(f.Kind), f.Program, f.OrderID, set.firstRun(f),
				runID, int64(f.ExpectedCents), int64(f.ActualCents), f.Hours); err != nil {
				return fmt.Errorf("record the figures of findings: %w", err)
			}
		}
	}
	if err := figs.flush(); err != nil {
		return fmt.Errorf("record the figures of findings: %w", err)
	}

	const where = ` WHERE wholesaler = ? AND kind = ? AND reseller_id = ? AND program = ? AND order_id = ? AND first_run = ?`
	key := func(f reconcile.Finding) []any {
		return []any{f.Wholesaler, string(f.Kind), f.ResellerID, f.Program, f.OrderID, f.FirstRun}
	}
	if err := updateEach(ctx, tx, s.q(`UPDATE findings SET resolved_run = ?, resolved_on = ?`+where), c.Findings.Resolved,
		func(f reconcile.Finding) []any { return append([]any{runID, asOf}, key(f)...) }); err != nil {
		return fmt.Errorf("record resolved findings: %w", err)
	}
	if err := updateEach(ctx, tx, s.q(`UPDATE findings SET expected_cents = ?, actual_cents = ?, hours = ?`+where), c.Findings.Changed,
		func(f reconcile.Finding) []any {
			return append([]any{int64(f.ExpectedCents), int64(f.ActualCents), f.Hours}, key(f)...)
		}); err != nil {
		return fmt.Errorf("record changed findings: %w", err)
	}

	resp := newInserter(ctx, tx, s.d, `INSERT INTO responses (run_id, file, wholesaler, kind, reseller_id, program, order_id,
		first_run, response, comment, row_num)`, `ON CONFLICT DO NOTHING`, 11)
	defer resp.close()
	for _, r := range c.Responses {
		if err := resp.add(runID, r.File, r.Wholesaler, string(r.Kind), r.ResellerID, r.Program, r.OrderID, r.FirstRun,
			string(r.Response), r.Comment, int64(r.Row)); err != nil {
			return fmt.Errorf("record responses: %w", err)
		}
	}
	if err := resp.flush(); err != nil {
		return fmt.Errorf("record responses: %w", err)
	}
	if err := updateEach(ctx, tx, s.q(`UPDATE findings SET response = ?, comment = ?, response_file = ?, answered_run = ?, answered_on = ?`+where),
		c.Responses, func(r reconcile.FindingResponse) []any {
			return []any{string(r.Response), r.Comment, r.File, runID, asOf,
				r.Wholesaler, string(r.Kind), r.ResellerID, r.Program, r.OrderID, r.FirstRun}
		}); err != nil {
		return fmt.Errorf("record the latest answers: %w", err)
	}

	for _, w := range c.StaleMailed {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO stale_notices (wholesaler, mailed_on) VALUES (?, ?)
			ON CONFLICT (wholesaler) DO UPDATE SET mailed_on = excluded.mailed_on`), w, asOf); err != nil {
			return fmt.Errorf("record stale feed notice of %s: %w", w, err)
		}
	}
	for _, w := range c.StaleCleared {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM stale_notices WHERE wholesaler = ?`), w); err != nil {
			return fmt.Errorf("clear stale feed notice of %s: %w", w, err)
		}
	}
	return nil
}

// updateEach runs one prepared UPDATE per item; each must hit one row.
func updateEach[T any](ctx context.Context, tx *sql.Tx, query string, items []T, args func(T) []any) error {
	if len(items) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, it := range items {
		a := args(it)
		res, err := st.ExecContext(ctx, a...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("no finding %v in the ledger", a[len(a)-6:])
		}
	}
	return nil
}

const findingColumns = `wholesaler, kind, reseller_id, program, order_id, first_run, first_seen, ref,
	expected_cents, actual_cents, hours, coalesce(resolved_run, ''), coalesce(resolved_on, ''),
	response, comment, response_file, coalesce(answered_on, '')`

func scanFindings(rows *sql.Rows) ([]reconcile.Finding, error) {
	defer rows.Close()
	var out []reconcile.Finding
	for rows.Next() {
		var f reconcile.Finding
		var kind, first, resolved, answered, response string
		var expected, actual int64
		if err := rows.Scan(&f.Wholesaler, &kind, &f.ResellerID, &f.Program, &f.OrderID, &f.FirstRun, &first, &f.Ref,
			&expected, &actual, &f.Hours, &f.ResolvedRun, &resolved, &response, &f.Comment, &f.AnswerFile, &answered); err != nil {
			return nil, err
		}
		f.Kind, f.Response = reconcile.DiscrepancyKind(kind), reconcile.Answer(response)
		f.ExpectedCents, f.ActualCents = reconcile.Cents(expected), reconcile.Cents(actual)
		var err error
		if f.FirstSeen, err = parseDate(first); err != nil {
			return nil, err
		}
		if f.ResolvedOn, err = parseDate(resolved); err != nil {
			return nil, err
		}
		if f.AnsweredOn, err = parseDate(answered); err != nil {
			return nil, err
		}
		if f.Open() {
			f.State = reconcile.FindingOpen
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// OpenFindings returns the open findings of the given wholesalers, by
// wholesaler, reseller, kind, program and order. It reads them through
// the open-findings index: resolved episodes cost nothing.
func (s *Store) OpenFindings(ctx context.Context, wholesalers []string) ([]reconcile.Finding, error) {
	var out []reconcile.Finding
	for _, w := range wholesalers {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+findingColumns+` FROM findings
			WHERE wholesaler = ? AND resolved_run IS NULL ORDER BY reseller_id, kind, program, order_id`), w)
		if err != nil {
			return nil, fmt.Errorf("read open findings of %s: %w", w, err)
		}
		fs, err := scanFindings(rows)
		if err != nil {
			return nil, fmt.Errorf("read open findings of %s: %w", w, err)
		}
		out = append(out, fs...)
	}
	return out, nil
}

// FindingsByRef returns the episodes of a wholesaler's findings with the
// given references, open or resolved: what an answer in a response file
// points at once it is not an open finding.
func (s *Store) FindingsByRef(ctx context.Context, wholesaler string, refs []string) ([]reconcile.Finding, error) {
	var out []reconcile.Finding
	for start := 0; start < len(refs); start += seenBatch {
		chunk := refs[start:min(start+seenBatch, len(refs))]
		args := []any{wholesaler}
		for _, r := range chunk {
			args = append(args, r)
		}
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+findingColumns+` FROM findings WHERE wholesaler = ? AND ref IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("read findings of %s: %w", wholesaler, err)
		}
		fs, err := scanFindings(rows)
		if err != nil {
			return nil, fmt.Errorf("read findings of %s: %w", wholesaler, err)
		}
		out = append(out, fs...)
	}
	return out, nil
}

// StaleNotices returns, per wholesaler, the as-of of the run that last
// mailed it about its stale feed, while the feed stays stale.
func (s *Store) StaleNotices(ctx context.Context) (map[string]reconcile.Date, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT wholesaler, mailed_on FROM stale_notices`)
	if err != nil {
		return nil, fmt.Errorf("read stale feed notices: %w", err)
	}
	defer rows.Close()
	out := map[string]reconcile.Date{}
	for rows.Next() {
		var w, d string
		if err := rows.Scan(&w, &d); err != nil {
			return nil, fmt.Errorf("read stale feed notices: %w", err)
		}
		if out[w], err = parseDate(d); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}
