package ledger

import (
	"context"
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

// ResellerHistory is everything the ledger knows of one reseller at one
// wholesaler, for `encours explain`.
type ResellerHistory struct {
	// Lines are the events of its lines, oldest run first.
	Lines []LineEvent
	// Findings are its findings' episodes, by first_seen.
	Findings []reconcile.Finding
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
	h := ResellerHistory{Runs: map[string]reconcile.Date{}}
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
