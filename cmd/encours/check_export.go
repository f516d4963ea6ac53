package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/batch"
	"github.com/encours/encours/reconcile/config"
)

// errWouldQuarantine is a checked export that a run would quarantine: exit 1.
var errWouldQuarantine = errors.New("the file would be quarantined")

// checkExport reads the export at path through the layout of wholesaler
// wid with the run's own reading code (batch.ReadExport), touching
// nothing: no ledger, no data_dir, the file left where it is. It prints
// the header rows found, the rows read and every rejected row; its error
// wraps errWouldQuarantine when a run would quarantine the file.
func (m *Main) checkExport(ctx context.Context, cfg *config.Config, wid, path string, asOf reconcile.Date) error {
	w, _ := cfg.Wholesaler(wid)
	out := m.Stdout
	name := filepath.Base(path)
	fmt.Fprintf(out, "\nexport %s, read through the layout of %s (%s), as a run of %s would:\n", path, w.ID, w.Name, asOf)
	quarantine := func(reason string) error {
		fmt.Fprintf(out, "  the file would be quarantined: %s\n", reason)
		return fmt.Errorf("%w: %s: %s", errWouldQuarantine, name, reason)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("check: cannot read the export: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("check: cannot read the export: %w", err)
	}
	e, err := batch.ReadExport(ctx, f, info.Size(), w.Layout, batch.ExportOptions{File: name, Location: cfg.Location, Limits: cfg.Limits})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return quarantine(err.Error())
	}
	acc := e.Accounts
	fmt.Fprintf(out, "  accounts: sheet %q, header on row %d: %s\n", e.AccountsSheet, acc.HeaderRow, headers(acc.Header))
	rejected := e.Rejected(w.Layout, asOf)
	sort.SliceStable(rejected, func(i, j int) bool {
		a, b := rejected[i], rejected[j]
		if (a.Sheet == e.AccountsSheet) != (b.Sheet == e.AccountsSheet) {
			return a.Sheet == e.AccountsSheet
		}
		return a.Row < b.Row
	})
	count := func(sheet string) int {
		n := 0
		for _, r := range rejected {
			if r.Sheet == sheet {
				n++
			}
		}
		return n
	}
	nAcc := count(e.AccountsSheet)
	fmt.Fprintf(out, "    %d rows read: %d accounts, %d rejected\n", len(acc.Rows)+nAcc, len(acc.Rows), nAcc)
	switch {
	case w.Layout.Orders == nil:
		fmt.Fprintf(out, "  orders: none (the layout has no orders sheet)\n")
	case e.OrdersSheet == "":
		fmt.Fprintf(out, "  orders: none (no sheet of the file has the orders' headers: a file without orders is fine)\n")
	default:
		nOrd := count(e.OrdersSheet)
		fmt.Fprintf(out, "  orders: sheet %q, header on row %d: %s\n", e.OrdersSheet, e.Orders.HeaderRow, headers(e.Orders.Header))
		fmt.Fprintf(out, "    %d rows read: %d order lines, %d rejected\n", len(e.Orders.Rows)+len(e.Orders.Rejected), len(e.Orders.Rows)+len(e.Orders.Rejected)-nOrd, nOrd)
	}
	writeRejected(out, rejected)
	fmt.Fprintf(out, "  the file would be processed")
	if len(rejected) > 0 {
		fmt.Fprintf(out, " with %d rejected rows (the rest is read)", len(rejected))
	}
	fmt.Fprintln(out)
	return nil
}

// writeRejected lists rejected rows, one a line.
func writeRejected(out io.Writer, rows []reconcile.RejectedRow) {
	if len(rows) == 0 {
		fmt.Fprintf(out, "  no rejected row\n")
		return
	}
	fmt.Fprintf(out, "  rejected rows:\n")
	for _, r := range rows {
		fmt.Fprintf(out, "    sheet %q, row %d, column %q: %s\n", r.Sheet, r.Row, r.Column, r.Reason)
	}
}

// headers quotes the non-empty headers of a row, in order.
func headers(cells []string) string {
	var q []string
	for _, c := range cells {
		if c = strings.TrimSpace(c); c != "" {
			q = append(q, fmt.Sprintf("%q", c))
		}
	}
	return strings.Join(q, ", ")
}
