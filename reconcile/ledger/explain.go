package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/encours/encours/reconcile"
)

// RunRef names a committed run.
type RunRef struct {
	ID   string
	AsOf reconcile.Date
}

// LineEvent is one entry of a line's history with the line it belongs to
// and the run that wrote it.
type LineEvent struct {
	Run        RunRef
	Program    string
	ValidFrom  reconcile.Date
	Status     reconcile.LineStatus
	Amount     reconcile.Cents
	ValidUntil reconcile.Date
	Reason     string
	Source     reconcile.Source
}

// ResponseEvent is one answer as received by a run.
type ResponseEvent struct {
	Run RunRef
	reconcile.FindingResponse
}

// Episode names one episode of a finding: its key and the run that
// opened it.
type Episode struct {
	reconcile.FindingKey
	FirstRun string
}

// EpisodeOf returns the episode a finding belongs to.
func EpisodeOf(f reconcile.Finding) Episode { return Episode{f.Key(), f.FirstRun} }

// FiguresEvent is the figures an episode of a finding was listed with
// from the run Run on: the run that opened it or one that changed them.
type FiguresEvent struct {
	Run           RunRef
	ExpectedCents reconcile.Cents
	ActualCents   reconcile.Cents
	Hours         int64
}

// ResellerHistory is everything the ledger knows of one reseller at one
// wholesaler, for `encours explain`.
type ResellerHistory struct {
	// Lines are the events of its lines, oldest run first.
	Lines []LineEvent
	// Findings are its findings' episodes, by first_seen, each with its
	// latest figures.
	Findings []reconcile.Finding
	// Figures are, for each episode, the figures it had from each run
	// that opened it or changed them, oldest run first: in a run between
	// two of them it had the earlier's. An episode without rows here
	// (none is written before this table existed) had its latest figures
	// throughout.
	Figures map[Episode][]FiguresEvent
	// Responses are the answers received about its findings, oldest first.
	Responses []ResponseEvent
	// Deliveries are the runs in which the wholesaler delivered an export,
	// oldest first (a finding is listed as open in each of them between
	// its first and its resolving run). Empty when it has no finding.
	Deliveries []RunRef
	// Runs gives the as-of of the runs that first saw or resolved one of
	// its findings.
	Runs map[string]reconcile.Date
}

// Empty reports whether the ledger knows nothing of the reseller.
func (h ResellerHistory) Empty() bool {
	return len(h.Lines) == 0 && len(h.Findings) == 0 && len(h.Responses) == 0
}

// ResellerHistory reads one reseller's lines, findings and answers at one
// wholesaler through the (wholesaler, reseller_id) indexes of lines,
// findings and responses: its cost does not grow with the ledger.
func (s *Store) ResellerHistory(ctx context.Context, wholesaler, reseller string) (ResellerHistory, error) {
	h := ResellerHistory{Runs: map[string]reconcile.Date{}, Figures: map[Episode][]FiguresEvent{}}
	fail := func(err error) (ResellerHistory, error) {
		return ResellerHistory{}, fmt.Errorf("read the history of %s at %s: %w", reseller, wholesaler, err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT e.run_id, r.as_of, l.program, l.valid_from, e.status, e.amount_cents,
		e.valid_until, e.reason, e.source_file, e.source_sheet, e.source_row
		FROM lines l JOIN line_events e ON e.line_id = l.id JOIN runs r ON r.id = e.run_id
		WHERE l.wholesaler = ? AND l.reseller_id = ?
		ORDER BY r.as_of, r.finished_at, e.id`), wholesaler, reseller)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var e LineEvent
		var asOf, from, status, until string
		var amount, row int64
		if err := rows.Scan(&e.Run.ID, &asOf, &e.Program, &from, &status, &amount, &until, &e.Reason,
			&e.Source.File, &e.Source.Sheet, &row); err != nil {
			rows.Close()
			return fail(err)
		}
		e.Status, e.Amount, e.Source.Row = reconcile.LineStatus(status), reconcile.Cents(amount), int(row)
		for _, p := range []struct {
			s string
			d *reconcile.Date
		}{{asOf, &e.Run.AsOf}, {from, &e.ValidFrom}, {until, &e.ValidUntil}} {
			if *p.d, err = parseDate(p.s); err != nil {
				rows.Close()
				return fail(err)
			}
		}
		h.Lines = append(h.Lines, e)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, s.q(`SELECT `+findingColumns+` FROM findings
		WHERE wholesaler = ? AND reseller_id = ? ORDER BY first_seen, first_run, kind, program, order_id`), wholesaler, reseller)
	if err != nil {
		return fail(err)
	}
	if h.Findings, err = scanFindings(rows); err != nil {
		return fail(err)
	}

	rows, err = s.db.QueryContext(ctx, s.q(`SELECT g.kind, g.program, g.order_id, g.first_run, g.run_id, r.as_of,
		g.expected_cents, g.actual_cents, g.hours
		FROM finding_figures g JOIN runs r ON r.id = g.run_id
		WHERE g.wholesaler = ? AND g.reseller_id = ? ORDER BY r.as_of, r.finished_at`), wholesaler, reseller)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		ep := Episode{FindingKey: reconcile.FindingKey{Wholesaler: wholesaler, ResellerID: reseller}}
		var e FiguresEvent
		var kind, asOf string
		var expected, actual int64
		if err := rows.Scan(&kind, &ep.Program, &ep.OrderID, &ep.FirstRun, &e.Run.ID, &asOf, &expected, &actual, &e.Hours); err != nil {
			rows.Close()
			return fail(err)
		}
		ep.Kind, e.ExpectedCents, e.ActualCents = reconcile.DiscrepancyKind(kind), reconcile.Cents(expected), reconcile.Cents(actual)
		if e.Run.AsOf, err = parseDate(asOf); err != nil {
			rows.Close()
			return fail(err)
		}
		h.Figures[ep] = append(h.Figures[ep], e)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, s.q(`SELECT p.run_id, r.as_of, p.file, p.kind, p.program, p.order_id, p.first_run,
		p.response, p.comment, p.row_num
		FROM responses p JOIN runs r ON r.id = p.run_id
		WHERE p.wholesaler = ? AND p.reseller_id = ? ORDER BY r.as_of, r.finished_at, p.file, p.row_num`), wholesaler, reseller)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		e := ResponseEvent{FindingResponse: reconcile.FindingResponse{Wholesaler: wholesaler, ResellerID: reseller}}
		var asOf, kind, response string
		var row int64
		if err := rows.Scan(&e.Run.ID, &asOf, &e.File, &kind, &e.Program, &e.OrderID, &e.FirstRun,
			&response, &e.Comment, &row); err != nil {
			rows.Close()
			return fail(err)
		}
		e.Kind, e.Response, e.Row = reconcile.DiscrepancyKind(kind), reconcile.Answer(response), int(row)
		if e.Run.AsOf, err = parseDate(asOf); err != nil {
			rows.Close()
			return fail(err)
		}
		h.Responses = append(h.Responses, e)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	rows.Close()

	if len(h.Findings) == 0 {
		return h, nil
	}
	rows, err = s.db.QueryContext(ctx, s.q(`SELECT d.run_id, d.as_of FROM deliveries d JOIN runs r ON r.id = d.run_id
		WHERE d.wholesaler = ? ORDER BY r.as_of, r.finished_at`), wholesaler)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var r RunRef
		var asOf string
		if err := rows.Scan(&r.ID, &asOf); err != nil {
			rows.Close()
			return fail(err)
		}
		if r.AsOf, err = parseDate(asOf); err != nil {
			rows.Close()
			return fail(err)
		}
		h.Deliveries = append(h.Deliveries, r)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	rows.Close()
	for _, f := range h.Findings {
		h.Runs[f.FirstRun] = f.FirstSeen
		if !f.Open() {
			h.Runs[f.ResolvedRun] = f.ResolvedOn
		}
	}
	return h, nil
}

// WaitingEvent is an entry a reseller has on a program's waitlist now,
// with the run that last wrote it (Rank is its place now).
type WaitingEvent struct {
	Run RunRef
	reconcile.WaitEntry
}

// Waiting returns the entries one reseller of one wholesaler has on the
// waitlists of the given programs now, in their order. The ledger keeps
// the current waitlist only: an entry that left it (granted, or its claim
// gone) is not returned. Each lookup goes through the waitlist's primary
// key and its rank through the (program, seq) index.
func (s *Store) Waiting(ctx context.Context, wholesaler, reseller string, programs []string) ([]WaitingEvent, error) {
	var out []WaitingEvent
	for _, p := range programs {
		e := WaitingEvent{WaitEntry: reconcile.WaitEntry{Wholesaler: wholesaler, Program: p, ResellerID: reseller}}
		var amount int64
		var until, since, asOf string
		err := s.db.QueryRowContext(ctx, s.q(`SELECT w.amount_cents, w.valid_until, w.since, w.seq, w.reason, w.run_id, r.as_of,
			(SELECT count(*) FROM waitlist o WHERE o.program = w.program AND o.seq <= w.seq)
			FROM waitlist w JOIN runs r ON r.id = w.run_id
			WHERE w.wholesaler = ? AND w.program = ? AND w.reseller_id = ?`), wholesaler, p, reseller).
			Scan(&amount, &until, &since, &e.Seq, &e.Reason, &e.Run.ID, &asOf, &e.Rank)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the waitlist entries of %s at %s: %w", reseller, wholesaler, err)
		}
		e.AmountCents, e.Claim = reconcile.Cents(amount), e.Reason
		for _, d := range []struct {
			s string
			d *reconcile.Date
		}{{until, &e.ValidUntil}, {since, &e.Since}, {asOf, &e.Run.AsOf}} {
			if *d.d, err = parseDate(d.s); err != nil {
				return nil, fmt.Errorf("read waitlist entry %s/%s/%s: %w", wholesaler, p, reseller, err)
			}
		}
		out = append(out, e)
	}
	return out, nil
}
