package batch

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"
	"unsafe"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/sheet"
	"github.com/encours/encours/reconcile/xlsx"
)

// state is one run in progress.
type state struct {
	cfg         *config.Config
	store       *ledger.Store
	log         *slog.Logger
	asOf        reconcile.Date
	asOfInstant time.Time
	runID       string
	replica     string // the daemon replica running a scheduled tick
	progress    func(phase string, done, total int)
	opt         Options

	in       *inbox.Inbox
	files    []*fileWork
	feeds    []reconcile.Feed
	rejected []reconcile.RejectedRow
	warnings []string

	outcome reconcile.Outcome
	report  *reconcile.Report
	names   map[string]map[string]string // by wholesaler: reseller id → name, for the mail
	// ledgerReport is the report as committed: compact, gzip-compressed.
	ledgerReport []byte
	books        map[string]book      // by wholesaler id; "" is the consolidated one
	local        map[string]localized // by wholesaler id: see localFor
	messages     []reconcile.Message

	// history is one row per committed run × program, oldest first, then
	// this run's rows (not committed yet when the workbooks are written):
	// the consolidated workbook's History sheet.
	history []reconcile.ProgramRun
	// resellers is the SIREN and name of every reseller account holding a
	// line or a waitlist entry after the run, sorted for
	// reconcile.FindReseller; resellersPut and resellersGone are what the
	// commit changes in the ledger's copy; runHistory is this run's rows.
	resellers, resellersPut, resellersGone []reconcile.Reseller
	runHistory                             []reconcile.ProgramRun
	// Findings (spec §10): the signing key of the workbooks' markers, what
	// the run changed in the findings, the open findings of wholesalers
	// that did not deliver (shown again), the answers received, the
	// wholesalers whose feed is stale, and who is mailed.
	key          []byte
	findings     reconcile.FindingChanges
	carried      []reconcile.Discrepancy
	shownList    []reconcile.Discrepancy // see shown
	responses    []reconcile.FindingResponse
	stale        map[string]bool
	mailed       map[string]bool
	mailManagers bool
	staleMailed  []string
	staleCleared []string
}

// fileWork is one inbox file on its way through the run.
type fileWork struct {
	file     inbox.File
	result   reconcile.FileResult
	accounts layout.Accounts
	orders   layout.Orders
	raw      rawRows
	sheet    string // the accounts sheet
	// ordersSheet is the sheet the orders were read from, if any.
	ordersSheet string
	// responses is set for a response file (spec §10.2); sheet is then its
	// Discrepancies sheet. response says the file carries encours' marker,
	// read or not: its quarantine note is about a response file.
	responses *responseFile
	response  bool
}

func (st *state) progressf(phase string, done, total int) {
	if st.progress != nil {
		st.progress(phase, done, total)
	}
}

// read scans the inbox and reads every ready file through its wholesaler's
// layout. Unreadable files are marked for quarantine; nothing moves yet.
func (st *state) read(ctx context.Context) error {
	cfg := st.cfg
	st.in = &inbox.Inbox{Root: cfg.Inbox, DataDir: cfg.DataDir, MinAge: cfg.MinFileAge}
	ids := make([]string, len(cfg.Wholesalers))
	for i, w := range cfg.Wholesalers {
		ids[i] = w.ID
	}
	scan, err := st.in.Scan(ids)
	if err != nil {
		return fmt.Errorf("cannot read the inbox %s: %w", cfg.Inbox, err)
	}
	// Copies that keep an old modification time while they grow (cp -p)
	// are caught by a second look a moment later.
	if scan.Files, err = st.in.Stable(ctx, scan.Files, stableInterval(cfg.MinFileAge)); err != nil {
		return err
	}
	st.warnings = append(st.warnings, scan.Warnings...)
	for _, w := range scan.Warnings {
		st.log.Warn(w)
	}

	seen := map[string]bool{} // hashes read in this run
	for i, f := range scan.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		st.progressf("reading "+f.Name, i, len(scan.Files))
		fw := &fileWork{file: f, result: reconcile.FileResult{Wholesaler: f.Wholesaler, Name: f.Name}}
		st.files = append(st.files, fw)
		log := st.log.With("wholesaler", f.Wholesaler, "file", f.Name)
		if f.Deferred {
			fw.result.Status = reconcile.Deferred
			fw.result.Error = f.DeferReason
			log.Info("file deferred", "reason", f.DeferReason)
			continue
		}
		if err := st.readFile(ctx, fw, seen, log); err != nil {
			return err
		}
	}
	st.buildFeeds()
	return nil
}

// readFile reads one file, recording what became of it in fw. Its only
// error is the run's cancellation: a file cut short by it is not bad.
func (st *state) readFile(ctx context.Context, fw *fileWork, seen map[string]bool, log *slog.Logger) error {
	opened, err := fw.file.Load(st.cfg.Limits.MaxFileBytes)
	if errors.Is(err, inbox.ErrTooLarge) {
		fw.result.Status = reconcile.Quarantined
		fw.result.Error = fmt.Sprintf("the file is larger than the limit of %d bytes (limits.max_file_bytes); split the export or raise the limit", st.cfg.Limits.MaxFileBytes)
		log.Warn("file quarantined", "reason", fw.result.Error)
		return nil
	}
	if errors.Is(err, inbox.ErrChanged) {
		fw.result.Status = reconcile.Deferred
		fw.result.Error = "the file changed while it was read (still being copied?); it will be read at the next run"
		log.Info("file deferred", "reason", fw.result.Error)
		return nil
	}
	if err != nil {
		fw.result.Status = reconcile.Deferred
		fw.result.Error = "cannot read the file: " + err.Error()
		log.Warn("file unreadable, deferred", "err", err)
		return nil
	}
	fw.result.SHA256 = opened.SHA256
	done, err := st.store.FileProcessed(ctx, opened.SHA256)
	if err != nil {
		fw.result.Status = reconcile.Deferred
		fw.result.Error = "cannot check the ledger: " + err.Error()
		return nil
	}
	if done || seen[opened.SHA256] {
		fw.result.Status = reconcile.Duplicate
		log.Info("file is a duplicate of one already processed", "sha256", opened.SHA256)
		return nil
	}
	seen[opened.SHA256] = true

	w, _ := st.cfg.Wholesaler(fw.file.Wholesaler)
	if err := st.parse(ctx, fw, opened, w.Layout); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("run cancelled while reading %s/%s: nothing was committed: %w", fw.file.Wholesaler, fw.file.Name, ctx.Err())
		}
		fw.result.Status = reconcile.Quarantined
		fw.result.Error = err.Error()
		log.Warn("file quarantined", "reason", err)
		return nil
	}
	fw.result.Status = reconcile.Processed
	if fw.responses != nil {
		fw.result.Status = reconcile.Responses
		log.Info("response file read", "answers", len(fw.responses.read.Rows), "rejected_rows", len(fw.responses.read.Rejected))
		return nil
	}
	log.Info("file read", "accounts", len(fw.accounts.Rows), "orders", len(fw.orders.Rows),
		"rejected_rows", len(fw.accounts.Rejected)+len(fw.orders.Rejected))
	return nil
}

// parse reads a response file (spec §10.2), recognised by its marker
// sheet, or an export: its accounts sheet (required) and its orders sheet
// (optional).
func (st *state) parse(ctx context.Context, fw *fileWork, opened *inbox.Content, l layout.Layout) error {
	wb, err := openWorkbook(opened.Reader(), int64(len(opened.Data)), st.cfg.Limits)
	if err != nil {
		return err
	}
	defer wb.Close()
	if isResponseWorkbook(wb) {
		fw.response = true
		return st.readResponseFile(ctx, fw, wb)
	}
	o := ExportOptions{
		File: fw.file.Name, Location: st.cfg.Location, Limits: st.cfg.Limits,
		Progress: func(sheet string, n int) {
			st.progressf(fmt.Sprintf("reading %s: %s, %d rows", fw.file.Name, sheet, n), 0, 1)
		},
	}
	if !st.opt.SkipWorkbooks {
		// The rows as sent, for the annotated copy in the workbook.
		o.OnRow = fw.raw.add
	}
	e, err := readExport(ctx, wb, l, o)
	if err != nil {
		return err
	}
	fw.sheet, fw.accounts = e.AccountsSheet, e.Accounts
	fw.raw.link(fw.accounts)
	fw.orders, fw.ordersSheet = e.Orders, e.OrdersSheet
	return nil
}

// orderSheets lists where to look for orders: the named sheet when it is
// there (a file without it brings no orders), else every other sheet.
func orderSheets(sheets []string, accounts, named string) []string {
	var out []string
	for _, s := range sheets {
		if named != "" && s == named {
			return []string{s}
		}
		if named == "" && s != accounts {
			out = append(out, s)
		}
	}
	return out
}

// buildFeeds turns each wholesaler's processed files, oldest first, into
// one Feed: the last file's accounts are the current state, statuses take
// the latest word on each reseller, and orders are the union (an order
// re-sent in a later file replaces the earlier copy).
func (st *state) buildFeeds() {
	byW := map[string][]*fileWork{}
	var order []string
	for _, fw := range st.files {
		if fw.result.Status != reconcile.Processed {
			continue
		}
		w := fw.file.Wholesaler
		if _, ok := byW[w]; !ok {
			order = append(order, w)
		}
		byW[w] = append(byW[w], fw)
	}
	for _, w := range order {
		files := byW[w]
		feed := reconcile.Feed{Wholesaler: w, Statuses: map[string]reconcile.Status{}}
		for _, fw := range files {
			for _, a := range fw.accounts.Rows {
				feed.Statuses[a.ResellerID] = a.Status
			}
			feed.AppliedLineMapped = fw.accounts.AppliedLineMapped
		}
		last := files[len(files)-1]
		feed.Accounts = last.accounts.Rows
		feed.AccountsFile, feed.AccountsSheet = last.file.Name, last.sheet

		byOrder := map[string][]reconcile.Order{}
		var ids []string
		for _, fw := range files {
			st.addRejected(w, fw.accounts.Rejected)
			st.addRejected(w, fw.orders.Rejected)
			inFile := map[string][]reconcile.Order{}
			for _, o := range fw.orders.Rows {
				if field, reason := st.checkOrder(o, feed.Statuses); reason != "" {
					st.rejected = append(st.rejected, reconcile.RejectedRow{
						Wholesaler: w, File: fw.file.Name, Sheet: fw.ordersSheet, Row: o.Row,
						Column: st.orderColumn(fw, field), Reason: reason,
					})
					continue
				}
				o.Sheet = fw.ordersSheet
				inFile[o.OrderID] = append(inFile[o.OrderID], o)
			}
			for id, lines := range inFile {
				if _, ok := byOrder[id]; !ok {
					ids = append(ids, id)
				}
				byOrder[id] = lines
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			feed.Orders = append(feed.Orders, byOrder[id]...)
		}
		st.feeds = append(st.feeds, feed)
	}
	// The feeds hold the accepted orders now; the files' copies go.
	for _, fw := range st.files {
		fw.orders.Rows = nil
	}
}

func (st *state) addRejected(w string, rows []reconcile.RejectedRow) {
	for _, r := range rows {
		r.Wholesaler = w
		st.rejected = append(st.rejected, r)
	}
}

// checkOrder applies the run-level rules on an order line (orderProblem)
// with the run's as-of.
func (st *state) checkOrder(o reconcile.Order, statuses map[string]reconcile.Status) (string, string) {
	return orderProblem(o, statuses, st.asOf)
}

// stableInterval is how long the stability check waits between its two
// looks at the inbox: a tenth of min_file_age, at most two seconds.
func stableInterval(minAge time.Duration) time.Duration {
	return min(minAge/10, 2*time.Second)
}

// orderColumn returns the header, as written in the file, of an orders field.
func (st *state) orderColumn(fw *fileWork, field string) string {
	w, _ := st.cfg.Wholesaler(fw.file.Wholesaler)
	return orderColumn(w.Layout, fw.orders.Header, field)
}

// rawRows keeps the rows of an accounts sheet as the wholesaler sent them,
// for the annotated copy in its workbook, compactly: every cell's text goes
// into large shared strings (length-prefixed), with 20 bytes of index per
// row. A []string per row costs ~400 MiB for a million rows of a dozen
// cells, mostly in string and slice headers; this costs the text plus 20 MB.
type rawRows struct {
	chunks []string // sealed chunks of encoded rows
	cur    []byte   // the chunk being filled, sealed into chunks by seal
	rows   []rawRow
	// reseller gives an accepted row's reseller id and name from its cells
	// (layout.Accounts.Reseller), so the accounts need not be kept.
	reseller func(cells []string) (id, name string)
}

type rawRow struct {
	num        int32
	chunk      int32
	start, end uint32
	// account is the index of the row's accepted account in the sheet's
	// accounts, -1 for a rejected or totals row.
	account int32
}

// rawChunk is the size a chunk is sealed at.
const rawChunk = 1 << 20

// add keeps one row, and replaces each cell with its copy in the chunk, so
// that what the layout keeps of the row (the account's id, name, SIREN)
// shares the chunk instead of holding the reader's string per cell.
func (r *rawRows) add(num int, cells []string) {
	need := 0
	for _, c := range cells {
		need += binary.MaxVarintLen32 + len(c)
	}
	if len(r.cur)+need > cap(r.cur) {
		r.seal()
		r.cur = make([]byte, 0, max(rawChunk, need))
	}
	start := len(r.cur)
	for i, c := range cells {
		r.cur = binary.AppendUvarint(r.cur, uint64(len(c)))
		at := len(r.cur)
		r.cur = append(r.cur, c...)
		if len(c) > 0 {
			cells[i] = unsafe.String(&r.cur[at], len(c))
		}
	}
	r.rows = append(r.rows, rawRow{num: int32(num), chunk: int32(len(r.chunks)),
		start: uint32(start), end: uint32(len(r.cur)), account: -1})
}

// seal moves the chunk being filled into chunks. The chunk's bytes are
// never written again (add appends only within its capacity and then
// starts a new one), which is what makes the strings over it immutable.
func (r *rawRows) seal() {
	if len(r.cur) == 0 {
		return
	}
	r.chunks = append(r.chunks, unsafe.String(&r.cur[0], len(r.cur)))
	r.cur = nil
}

// link seals the last chunk and ties each raw row to its accepted account;
// both are in ascending row order.
func (r *rawRows) link(a layout.Accounts) {
	r.seal()
	r.cur = nil
	accounts := a.Rows
	// The method value copies a: without its rows, or they would live as
	// long as the raw rows.
	a.Rows, a.Rejected, a.Header = nil, nil, nil
	r.reseller = a.Reseller
	j := 0
	for i := range r.rows {
		num := int(r.rows[i].num)
		for j < len(accounts) && accounts[j].Row < num {
			j++
		}
		if j < len(accounts) && accounts[j].Row == num {
			r.rows[i].account = int32(j)
		}
	}
}

// each streams the rows for the workbook writer; a row's Cells are reused
// by the next row.
func (r *rawRows) each(yield func(xlsx.SourceRow) bool) {
	var cells []string
	for _, x := range r.rows {
		s := r.chunks[x.chunk][x.start:x.end]
		cells = cells[:0]
		for len(s) > 0 {
			n, k := uvarint(s)
			cells = append(cells, s[k:k+n])
			s = s[k+n:]
		}
		row := xlsx.SourceRow{Num: int(x.num), Cells: cells}
		if x.account >= 0 {
			row.ResellerID, row.ResellerName = r.reseller(cells)
		}
		if !yield(row) {
			return
		}
	}
}

// uvarint decodes a length written by binary.AppendUvarint at the start of
// s; it returns the value and the bytes it took.
func uvarint(s string) (int, int) {
	var v uint64
	var shift uint
	for i := 0; i < len(s); i++ {
		b := s[i]
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return int(v), i + 1
		}
		shift += 7
	}
	return 0, len(s)
}

// cancellable stops reading a sheet once ctx is done, so that a cancelled
// run (SIGTERM past shutdown_grace) does not read a million rows first.
func cancellable(ctx context.Context, rows *sheet.Rows) *ctxRows {
	return &ctxRows{Rows: rows, ctx: ctx}
}

type ctxRows struct {
	*sheet.Rows
	ctx context.Context
	n   int
}

func (r *ctxRows) Next() bool {
	if r.n++; r.n%1024 == 0 && r.ctx.Err() != nil {
		return false
	}
	return r.Rows.Next()
}

func (r *ctxRows) Err() error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	return r.Rows.Err()
}
