package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// batchRows is how many rows one multi-row INSERT carries. Per-statement
// overhead (the driver, database/sql) dominates single-row inserts; 100
// rows of at most 10 columns stay far below SQLite's 32766 variables.
const batchRows = 100

// inserter writes rows through a prepared multi-row INSERT, batchRows at a
// time, inside one transaction.
type inserter struct {
	ctx  context.Context
	tx   *sql.Tx
	head string // INSERT INTO t (a, b)
	tail string // ON CONFLICT …, may be empty
	cols int
	// rebind turns the `?` placeholders into the engine's.
	rebind func(string) string
	full   *sql.Stmt
	args   []any
	rows   int
	single *sql.Stmt
}

func newInserter(ctx context.Context, tx *sql.Tx, d dialect, head, tail string, cols int) *inserter {
	return &inserter{ctx: ctx, tx: tx, rebind: d.rebind, head: head, tail: tail, cols: cols, args: make([]any, 0, cols*batchRows)}
}

func (in *inserter) query(rows int) string {
	tuple := "(?" + strings.Repeat(", ?", in.cols-1) + ")"
	return in.rebind(in.head + " VALUES " + tuple + strings.Repeat(", "+tuple, rows-1) + " " + in.tail)
}

// add queues one row; it may write a full batch.
func (in *inserter) add(vals ...any) error {
	if len(vals) != in.cols {
		return fmt.Errorf("insert: %d values for %d columns", len(vals), in.cols)
	}
	in.args = append(in.args, vals...)
	in.rows++
	if in.rows == batchRows {
		return in.flush()
	}
	return nil
}

// flush writes the queued rows. When a batch fails, its rows are written
// again one by one, so that the error names the row at fault; the failed
// statement left the transaction as it was before it.
func (in *inserter) flush() error {
	if in.rows == 0 {
		return nil
	}
	var err error
	if in.rows == batchRows {
		if in.full == nil {
			if in.full, err = in.tx.PrepareContext(in.ctx, in.query(batchRows)); err != nil {
				return err
			}
		}
		_, err = in.full.ExecContext(in.ctx, in.args...)
	} else {
		_, err = in.tx.ExecContext(in.ctx, in.query(in.rows), in.args...)
	}
	switch {
	case err == nil || in.ctx.Err() != nil:
	case in.rows == 1:
		err = &rowError{Row: append([]any(nil), in.args...), Err: err}
	default:
		err = in.oneByOne(err)
	}
	in.args, in.rows = in.args[:0], 0
	return err
}

func (in *inserter) oneByOne(batchErr error) error {
	if in.single == nil {
		var err error
		if in.single, err = in.tx.PrepareContext(in.ctx, in.query(1)); err != nil {
			return batchErr
		}
	}
	for r := range in.rows {
		if _, err := in.single.ExecContext(in.ctx, in.args[r*in.cols:(r+1)*in.cols]...); err != nil {
			return &rowError{Row: in.args[r*in.cols : (r+1)*in.cols], Err: err}
		}
	}
	return batchErr
}

func (in *inserter) close() {
	if in.full != nil {
		in.full.Close()
	}
	if in.single != nil {
		in.single.Close()
	}
}

// rowError is the failure of one row of a batch, with its values.
type rowError struct {
	Row []any
	Err error
}

func (e *rowError) Error() string { return fmt.Sprint(e.Row, ": ", e.Err) }
func (e *rowError) Unwrap() error { return e.Err }
