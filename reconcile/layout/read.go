package layout

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/encours/encours/reconcile"
)

// ReadOptions says where the rows come from and how to read what the sheet
// cannot say itself.
type ReadOptions struct {
	// File is the export's file name, copied into rejected rows.
	File string
	// Date1904 is the workbook's date system, for serial dates.
	Date1904 bool
	// Location is the zone of dates and times typed without one; nil is UTC.
	Location *time.Location
	// OnRow, when set, receives every non-empty row under the header (data,
	// totals and rejected rows alike) with its raw cells padded to the
	// header's width, so that the caller can keep the original rows for
	// annotation. The slice is reused by the next call: copy what you keep.
	// OnRow may replace a cell with an equal string (its own copy); the
	// row is then parsed from the replaced cells.
	OnRow func(num int, cells []string)
	// Progress, when set, is called every ProgressEvery rows read under the
	// header with the number read so far, for a progress display.
	Progress func(rows int)
}

// ProgressEvery is how many rows pass between two ReadOptions.Progress calls.
const ProgressEvery = 50000

// Accounts is what ReadAccounts read from an accounts sheet.
type Accounts struct {
	Rows     []reconcile.Account
	Rejected []reconcile.RejectedRow
	// Header is the header row as written in the file; HeaderRow its Excel
	// row number.
	Header    []string
	HeaderRow int
	// AppliedLineMapped reports whether the sheet has the applied_line
	// column. A layout may map it while a file lacks it: that file then does
	// not take part in the applied-line reconciliation, rather than reading
	// as 0 for everyone.
	AppliedLineMapped bool
	// AmountCols are the cell indexes of the sheet's amount columns
	// (insured_limit, outstanding, applied_line when the file has it), for
	// the annotated copy's number formats.
	AmountCols []int
	// idCol and nameCol are the cell indexes of reseller_id and
	// reseller_name, for Reseller.
	idCol, nameCol int
}

// Reseller returns the reseller id and name that the cells of a row, as
// OnRow received them, give the account read from that row: callers that
// keep the raw rows need not keep the accounts as well.
func (a Accounts) Reseller(cells []string) (id, name string) {
	at := func(j int) string {
		if j < 0 || j >= len(cells) {
			return ""
		}
		return trim(cells[j])
	}
	return at(a.idCol), at(a.nameCol)
}

// Orders is what ReadOrders read from an orders sheet.
type Orders struct {
	Rows      []reconcile.Order
	Rejected  []reconcile.RejectedRow
	Header    []string
	HeaderRow int
}

// Built-in status words, before the layout's StatusValues.
var builtinStatus = map[string][]string{
	"active":     {"active", "actif", "ok"},
	"terminated": {"terminated", "résilié", "resilie", "closed"},
}

// statusWords maps folded status words to statuses, and lists the accepted
// words for messages.
func (s Sheet) statusWords() (map[string]reconcile.Status, string) {
	m := make(map[string]reconcile.Status)
	var words []string
	for _, k := range []struct {
		key string
		st  reconcile.Status
	}{{"active", reconcile.Active}, {"terminated", reconcile.Terminated}} {
		for _, w := range append(append([]string(nil), builtinStatus[k.key]...), s.StatusValues[k.key]...) {
			n := normalize(w)
			if _, dup := m[n]; n == "" || dup {
				continue
			}
			m[n] = k.st
			words = append(words, w)
		}
	}
	return m, strings.Join(words, ", ")
}

// Examples shown in reasons, in the layout's own writing.
func (l Layout) amountExample() string {
	if l.Decimal == DecimalPoint {
		return "12,340.00"
	}
	return "12 340,00"
}

func (l Layout) dateExample() string {
	switch l.DateOrder {
	case MDY:
		return "06/30/2009"
	case YMD:
		return "2009-06-30"
	}
	return "30/06/2009"
}

// sheetReader holds what reading one sheet shares between rows.
type sheetReader struct {
	l       Layout
	sheet   string
	o       ReadOptions
	cols    columns
	h       header
	rejects []reconcile.RejectedRow
	// numbers tells the cells the workbook stores as numbers, when the
	// source knows (nil otherwise).
	numbers NumberCells
	// problems of the current row; the first names the column.
	problemCol string
	problems   []string
}

func (r *sheetReader) cell(cells []string, field int) string {
	j := r.h.col[field]
	if j < 0 || j >= len(cells) {
		return ""
	}
	return trim(cells[j])
}

func (r *sheetReader) colName(field int) string {
	return trim(r.h.cells[r.h.col[field]])
}

func (r *sheetReader) fail(field int, format string, args ...any) {
	if len(r.problems) == 0 {
		r.problemCol = r.colName(field)
	}
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// reject records the current row's problems, if any, and reports whether
// there were.
func (r *sheetReader) reject(num int) bool {
	if len(r.problems) == 0 {
		return false
	}
	r.rejects = append(r.rejects, reconcile.RejectedRow{
		File: r.o.File, Sheet: r.sheet, Row: num,
		Column: r.problemCol, Reason: strings.Join(r.problems, "; "),
	})
	r.problems = r.problems[:0]
	return true
}

func (r *sheetReader) required(cells []string, field int) string {
	v := r.cell(cells, field)
	if v == "" {
		r.fail(field, "%s is empty: fill it in", r.colName(field))
	}
	return v
}

func (r *sheetReader) amount(cells []string, field int, optional, nonNegative bool) reconcile.Cents {
	j := r.h.col[field]
	if j < 0 {
		return 0
	}
	raw := ""
	if j < len(cells) {
		raw = cells[j]
	}
	if optional && trim(raw) == "" {
		return 0
	}
	decimal := r.l.Decimal
	if r.numbers != nil && r.numbers.IsNumber(j) {
		// A number cell is read as it is stored ("350.004"), never as
		// text with dot thousands (spec §4: numeric cells as is).
		decimal = DecimalPoint
	}
	c, err := ParseAmount(raw, decimal)
	switch {
	case err == nil:
		if nonNegative && c < 0 {
			r.fail(field, "%s %s is negative: it cannot be below 0", r.colName(field), quoted(trim(raw)))
		}
	case errors.Is(err, ErrEmpty):
		r.fail(field, "%s is empty: write the amount, 0 if none", r.colName(field))
	case errors.Is(err, ErrAmountTooLarge):
		r.fail(field, "%s %s is over 10 000 000 000 000 €: check the column", r.colName(field), quoted(trim(raw)))
	default:
		r.fail(field, "%s %s is not an amount: write it like %s", r.colName(field), quoted(trim(raw)), r.l.amountExample())
	}
	return c
}

func (r *sheetReader) dateTime(cells []string, field int) time.Time {
	v := r.cell(cells, field)
	if v == "" {
		return time.Time{}
	}
	t, err := ParseDate(v, r.l.DateOrder, r.o.Date1904, r.o.Location)
	if err != nil {
		r.fail(field, "%s %s is not a date: write it like %s or %s 08:00", r.colName(field), quoted(v), r.l.dateExample(), r.l.dateExample())
	}
	return t
}

func (r *sheetReader) day(cells []string, field int) reconcile.Date {
	v := r.cell(cells, field)
	if v == "" {
		r.fail(field, "%s is empty: write the date like %s", r.colName(field), r.l.dateExample())
		return 0
	}
	d, err := ParseDay(v, r.l.DateOrder, r.o.Date1904)
	if err != nil {
		r.fail(field, "%s %s is not a date: write it like %s", r.colName(field), quoted(v), r.l.dateExample())
	}
	return d
}

// rows reads the header, then hands every data row to fn; empty and totals
// rows are skipped. idField is the row's key (reseller_id, order_id): a row
// whose key is filled in is data even when another cell starts with
// "total", so that a product called "Total Security" is not dropped.
func (r *sheetReader) rows(src RowSource, required, optional []string, sheet Sheet, idField int, fn func(num int, cells []string)) error {
	r.cols = sheet.compile(required, optional)
	h, err := r.cols.findHeader(src)
	if err != nil {
		return r.sheetErr(err)
	}
	r.h = h
	width := len(h.cells)
	var padded []string
	read := 0
	for src.Next() {
		num, cells := src.Row()
		if read++; r.o.Progress != nil && read%ProgressEvery == 0 {
			r.o.Progress(read)
		}
		if emptyRow(cells) {
			continue
		}
		if r.o.OnRow != nil {
			padded = append(padded[:0], cells...)
			for len(padded) < width {
				padded = append(padded, "")
			}
			r.o.OnRow(num, padded)
			// OnRow may have put its own copies of the strings in the
			// cells: the row is parsed from those, so that what it keeps
			// of them shares the caller's memory.
			cells = padded[:len(cells)]
		}
		if id := r.cell(cells, idField); (id == "" || isTotal(id)) && totalsRow(cells) {
			continue
		}
		fn(num, cells)
	}
	if err := src.Err(); err != nil {
		return r.sheetErr(err)
	}
	return nil
}

func (r *sheetReader) sheetErr(err error) error {
	name := r.sheet
	if name == "" {
		name = "first sheet"
	} else {
		name = fmt.Sprintf("sheet %q", name)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func totalsRow(cells []string) bool {
	for _, c := range cells {
		if isTotal(c) {
			return true
		}
	}
	return false
}

// Field indexes, in the order of AccountFields then AccountOptionalFields.
const (
	aResellerID = iota
	aName
	aStatus
	aInsuredLimit
	aOutstanding
	aSIREN
	aAppliedLine
)

// ReadAccounts reads an accounts sheet from src; sheet is its name, for
// messages. It returns an error, and the file should be quarantined, when the
// required headers are missing, when no data row follows the header, or when
// src fails. Bad rows do not stop it: they are returned in Rejected with a
// reason, and the rest is read. Empty rows and totals rows (a cell starting
// with the word "total" and no reseller_id) are skipped.
//
// Reseller ids are trimmed of spaces (NBSP included) and otherwise compared
// as written, case included: wholesalers' codes are case-sensitive keys.
// A repeated reseller_id keeps the first accepted row.
func (l Layout) ReadAccounts(src RowSource, sheet string, o ReadOptions) (Accounts, error) {
	numbers, _ := src.(NumberCells)
	r := sheetReader{l: l, sheet: sheet, o: o, numbers: numbers}
	status, words := l.Accounts.statusWords()
	var out Accounts
	seen := make(map[string]int)
	err := r.rows(src, AccountFields, AccountOptionalFields, l.Accounts, aResellerID, func(num int, cells []string) {
		a := reconcile.Account{Row: num}
		a.ResellerID = r.cell(cells, aResellerID)
		if a.ResellerID == "" {
			r.fail(aResellerID, "%s is empty: every row needs the reseller's code", r.colName(aResellerID))
		}
		a.Name = r.cell(cells, aName)
		if j := r.h.col[aSIREN]; j >= 0 {
			if v := r.cell(cells, aSIREN); v != "" {
				a.SIREN, a.InvalidSIREN = readSIREN(v, numbers != nil && numbers.IsNumber(j))
			}
		}
		if v := r.cell(cells, aStatus); v == "" {
			r.fail(aStatus, "%s is empty: write one of %s", r.colName(aStatus), words)
		} else if st, ok := status[normalize(v)]; ok {
			a.Status = st
		} else {
			r.fail(aStatus, "%s %s is not a known status: write one of %s, or add it to status_values in config.yaml", r.colName(aStatus), quoted(v), words)
		}
		a.InsuredLimit = r.amount(cells, aInsuredLimit, false, true)
		a.Outstanding = r.amount(cells, aOutstanding, false, false) // a credit balance is negative
		a.AppliedLine = r.amount(cells, aAppliedLine, true, true)
		if len(r.problems) == 0 {
			if kept, dup := seen[a.ResellerID]; dup {
				r.fail(aResellerID, "%s %s already appears on row %d, which is kept: remove one of the two rows", r.colName(aResellerID), quoted(a.ResellerID), kept)
			}
		}
		if r.reject(num) {
			return
		}
		seen[a.ResellerID] = num
		out.Rows = append(out.Rows, a)
	})
	out.Header, out.HeaderRow, out.Rejected = r.h.cells, r.h.row, r.rejects
	if err != nil {
		return out, err
	}
	out.AppliedLineMapped = r.h.col[aAppliedLine] >= 0
	out.idCol, out.nameCol = r.h.col[aResellerID], r.h.col[aName]
	for _, field := range []int{aInsuredLimit, aOutstanding, aAppliedLine} {
		if j := r.h.col[field]; j >= 0 {
			out.AmountCols = append(out.AmountCols, j)
		}
	}
	if len(out.Rows) == 0 && len(out.Rejected) == 0 {
		return out, r.sheetErr(fmt.Errorf("%w (header on row %d): the accounts sheet must list every reseller; export it again", ErrNoRows, r.h.row))
	}
	return out, nil
}

// Field indexes, in the order of OrderFields then OrderOptionalFields.
const (
	oOrderID = iota
	oResellerID
	oDate
	oProduct
	oCategory
	oAmount
	oPayment
	oAcceptedAt
	oPaidAt
)

// ReadOrders reads an orders sheet from src, like ReadAccounts. An orders
// sheet with a header and no rows is fine: that week brought no orders.
// Several rows may share an order_id (one per order line). Orders for
// resellers absent from the accounts, and orders dated after the run's
// as-of date, are the caller's to reject.
func (l Layout) ReadOrders(src RowSource, sheet string, o ReadOptions) (Orders, error) {
	numbers, _ := src.(NumberCells)
	r := sheetReader{l: l, sheet: sheet, o: o, numbers: numbers}
	var cfg Sheet
	if l.Orders != nil {
		cfg = *l.Orders
	}
	var out Orders
	err := r.rows(src, OrderFields, OrderOptionalFields, cfg, oOrderID, func(num int, cells []string) {
		od := reconcile.Order{File: o.File, Row: num}
		od.OrderID = r.required(cells, oOrderID)
		od.ResellerID = r.required(cells, oResellerID)
		od.Date = r.day(cells, oDate)
		od.Product = r.cell(cells, oProduct)
		od.Category = r.cell(cells, oCategory)
		od.Amount = r.amount(cells, oAmount, false, false)
		if r.h.col[oPayment] >= 0 {
			od.Payment = r.cell(cells, oPayment)
		}
		if r.h.col[oAcceptedAt] >= 0 {
			od.FinancingAcceptedAt = r.dateTime(cells, oAcceptedAt)
		}
		if r.h.col[oPaidAt] >= 0 {
			od.FinancingPaidAt = r.dateTime(cells, oPaidAt)
		}
		if r.reject(num) {
			return
		}
		out.Rows = append(out.Rows, od)
	})
	out.Header, out.HeaderRow, out.Rejected = r.h.cells, r.h.row, r.rejects
	return out, err
}

// NumberCells is implemented by a RowSource that knows which cells of the
// current row the workbook stores as numbers rather than as text (the
// cell text alone cannot tell 12345678 typed as a number from the same
// digits typed as text). sheet.Rows implements it.
type NumberCells interface {
	IsNumber(i int) bool
}

// readSIREN reads a SIREN cell (spec §8.3). Text is read as typed, spaces
// (NBSP included) aside. A number cannot keep a leading zero: a number of
// 8 digits is read with the zero it lost put back, and must then pass the
// Luhn check like any other (a zero in front never changes the Luhn sum,
// so the key still guards against a digit typed wrong or lost elsewhere).
// It returns the nine digits, or "" and true when the cell holds something
// that is not a SIREN.
func readSIREN(v string, number bool) (siren string, invalid bool) {
	if number {
		if d, ok := wholeNumber(v); ok && len(d) == 8 {
			v = "0" + d
		} else if ok {
			v = d
		}
	}
	s, ok := reconcile.ParseSIREN(v)
	return s, !ok
}

// wholeNumber returns the digits of a number cell's value when it is a
// whole number from 0 to 999 999 999 ("552100554", "5.52100554E8" as some
// writers put it, "552100554.0").
func wholeNumber(v string) (string, bool) {
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > 999_999_999 {
			return "", false
		}
		return strconv.FormatUint(n, 10), true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 999_999_999 || f != math.Trunc(f) {
		return "", false
	}
	return strconv.FormatInt(int64(f), 10), true
}

// quoted puts cell text between quotes for a reason a person reads: unlike
// %q it leaves accents and the euro sign alone, and shows non-breaking and
// other odd spaces as plain ones.
func quoted(s string) string {
	return `"` + strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s) + `"`
}
