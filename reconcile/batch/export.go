package batch

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet"
)

// Export is one export file as read through its wholesaler's layout.
type Export struct {
	// AccountsSheet is the name of the sheet the accounts were read from.
	AccountsSheet string
	Accounts      layout.Accounts
	// OrdersSheet is the sheet the orders were read from; "" when the file
	// brings no orders.
	OrdersSheet string
	Orders      layout.Orders
}

// ExportOptions says how to read an export.
type ExportOptions struct {
	// File is the export's name, copied into rejected rows.
	File string
	// Location is the zone of dates typed without one.
	Location *time.Location
	Limits   config.Limits
	// OnRow, when set, receives the accounts sheet's rows (layout.ReadOptions.OnRow).
	OnRow func(num int, cells []string)
	// Progress, when set, is called every layout.ProgressEvery rows read.
	Progress func(sheet string, rows int)
}

// ReadExport reads an export of size bytes from r as a run reads it: the
// accounts sheet (required; the layout's, or the first sheet of cells) and
// the orders sheet (optional: the layout's when the file has it, else the
// first other sheet whose headers are the orders'). Its error is why the
// run would quarantine the file; rows it rejects are in the result. It
// stops early, with ctx's error, when ctx is done.
func ReadExport(ctx context.Context, r io.ReaderAt, size int64, l layout.Layout, o ExportOptions) (Export, error) {
	wb, err := openWorkbook(r, size, o.Limits)
	if err != nil {
		return Export{}, err
	}
	defer wb.Close()
	return readExport(ctx, wb, l, o)
}

// openWorkbook opens a workbook within the config's limits.
func openWorkbook(r io.ReaderAt, size int64, lim config.Limits) (*sheet.Workbook, error) {
	return sheet.Open(r, size, sheet.Limits{
		MaxFileBytes: lim.MaxFileBytes, MaxUnzippedBytes: lim.MaxUnzippedBytes, MaxRows: int64(lim.MaxRows),
	})
}

// readExport is ReadExport on an open workbook.
func readExport(ctx context.Context, wb *sheet.Workbook, l layout.Layout, o ExportOptions) (Export, error) {
	var e Export
	opts := layout.ReadOptions{File: o.File, Date1904: wb.Date1904(), Location: o.Location, OnRow: o.OnRow}
	progress := func(name string) func(int) {
		if o.Progress == nil {
			return nil
		}
		return func(n int) { o.Progress(name, n) }
	}

	sheetRows, err := wb.Rows(l.Accounts.Name)
	if err != nil {
		return e, err
	}
	rows := cancellable(ctx, sheetRows)
	e.AccountsSheet = sheetRows.Sheet()
	opts.Progress = progress(e.AccountsSheet)
	e.Accounts, err = l.ReadAccounts(rows, e.AccountsSheet, opts)
	rows.Close()
	if err != nil {
		return e, err
	}
	opts.OnRow = nil
	if l.Orders == nil {
		return e, nil
	}
	names := wb.Worksheets()
	if l.Orders.Name != "" {
		names = wb.SheetNames()
	}
	for _, name := range orderSheets(names, e.AccountsSheet, l.Orders.Name) {
		sheetRows, err := wb.Rows(name)
		if err != nil {
			return e, err
		}
		rows := cancellable(ctx, sheetRows)
		opts.Progress = progress(name)
		orders, err := l.ReadOrders(rows, name, opts)
		rows.Close()
		if err == nil {
			e.Orders, e.OrdersSheet = orders, name
			return e, nil
		}
		if l.Orders.Name != "" || ctx.Err() != nil {
			return e, err
		}
	}
	return e, nil
}

// Rejected lists the rows a run would reject in this export if it came
// alone: the layout's, then the orders for a reseller absent from its
// accounts or dated after asOf (in a run, the accounts of every file of
// the wholesaler count).
func (e Export) Rejected(l layout.Layout, asOf reconcile.Date) []reconcile.RejectedRow {
	out := append(append([]reconcile.RejectedRow(nil), e.Accounts.Rejected...), e.Orders.Rejected...)
	statuses := make(map[string]reconcile.Status, len(e.Accounts.Rows))
	for _, a := range e.Accounts.Rows {
		statuses[a.ResellerID] = a.Status
	}
	for _, o := range e.Orders.Rows {
		if field, reason := orderProblem(o, statuses, asOf); reason != "" {
			out = append(out, reconcile.RejectedRow{File: o.File, Sheet: e.OrdersSheet, Row: o.Row,
				Column: orderColumn(l, e.Orders.Header, field), Reason: reason})
		}
	}
	return out
}

// orderProblem applies the run-level rules on an order line: its reseller
// must be known from an accounts sheet, and it may not be dated after
// as-of. It returns the offending field and the reason, or "".
func orderProblem(o reconcile.Order, statuses map[string]reconcile.Status, asOf reconcile.Date) (string, string) {
	if _, ok := statuses[o.ResellerID]; !ok {
		return "reseller_id", fmt.Sprintf("reseller %q is not in any accounts sheet sent with this order; add the account or correct the code", o.ResellerID)
	}
	if o.Date > asOf {
		return "order_date", fmt.Sprintf("order dated %s is after the run date %s; check the date", o.Date, asOf)
	}
	return "", ""
}

// orderColumn returns the header, as written in the file, of an orders field.
func orderColumn(l layout.Layout, header []string, field string) string {
	if l.Orders != nil {
		for _, h := range header {
			for _, alias := range l.Orders.Columns[field] {
				if layout.Fold(h) == layout.Fold(alias) {
					return h
				}
			}
		}
	}
	return field
}
