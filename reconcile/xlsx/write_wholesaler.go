package xlsx

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

// WholesalerBook is everything one wholesaler's workbook shows: only its
// own data.
type WholesalerBook struct {
	Wholesaler    Wholesaler
	AsOf          reconcile.Date
	Programs      []Program
	Lines         []reconcile.ReportLine
	Discrepancies []reconcile.Discrepancy
	Rejected      []reconcile.RejectedRow
	// Accounts are the accounts sheets of the files processed this run,
	// oldest first; the last is the wholesaler's current state.
	Accounts []AccountsSheet
	Files    []reconcile.FileResult
	// Waitlist holds the wholesaler's own waitlist entries (spec §8.2),
	// shown on the Lines sheet after its lines, program by program in
	// rank order; WriteWholesaler refuses an entry of another wholesaler.
	Waitlist []reconcile.WaitEntry
	// Resolved are the wholesaler's findings this run resolved (spec
	// §10.1), on a sheet of their own.
	Resolved []reconcile.ResolvedFinding
	// Marker and Signature, when Signature is set, make the workbook one
	// the wholesaler can send back with its answers (spec §10.2): the
	// Discrepancies sheet gets the response, comment and reference
	// columns, and a very hidden sheet carries the signed marker.
	Marker    reconcile.Marker
	Signature string
	// Names are reseller names (id → name) for the resellers the
	// accounts sheets of this run do not name: those of a wholesaler that
	// did not deliver, as the ledger last knew them. The accounts sheets
	// win where both name a reseller.
	Names map[string]string
	// TmpDir is where the writer keeps its temp files, in a private folder
	// "encours-xlsx-*" it removes; empty means the system's temp folder.
	TmpDir string
}

// WriteWholesaler writes b as a workbook in the wholesaler's language:
// its lines (status word and colour, amounts and dates as real numbers, a
// note explaining each decision), its accounts sheets annotated with the
// decisions, its discrepancies, its rejected rows and its inbox files.
//
// The Lines and Accounts sheets are streamed, so they may hold a million
// rows. Every line's explanation is in its Reason column; the note on its
// status cell repeats it where a reader looks first. Above 1,000 lines a
// sheet is summarised: notes go only on lines whose status is not
// "active", at most 1,000 of them, revoked lines first, then expired,
// expiring, waitlisted, increased, extended and granted ones; excelize
// holds every note in memory and each one added costs more than the last.
// Every other sheet (discrepancies, rejected rows, files) is streamed too.
//
// Waitlisted resellers follow the lines on the Lines sheet, with a status
// word and a colour of their own, the amount they claim and the end date
// they would get; two columns, only when there are some, give their rank
// (program-wide) and the date they joined the waitlist.
func WriteWholesaler(w io.Writer, b WholesalerBook) error {
	for i, e := range b.Waitlist {
		if e.Wholesaler != b.Wholesaler.ID {
			return fmt.Errorf("write workbook of wholesaler %s: waitlist entry %d belongs to %q: a workbook shows only its wholesaler's data",
				b.Wholesaler.ID, i, e.Wholesaler)
		}
	}
	for i, d := range b.Discrepancies {
		if d.Wholesaler != b.Wholesaler.ID {
			return fmt.Errorf("write workbook of wholesaler %s: discrepancy %d belongs to %q: a workbook shows only its wholesaler's data",
				b.Wholesaler.ID, i, d.Wholesaler)
		}
	}
	for i, r := range b.Resolved {
		if r.Wholesaler != b.Wholesaler.ID {
			return fmt.Errorf("write workbook of wholesaler %s: resolved finding %d belongs to %q: a workbook shows only its wholesaler's data",
				b.Wholesaler.ID, i, r.Wholesaler)
		}
	}
	if b.Signature != "" && b.Marker.Wholesaler != b.Wholesaler.ID {
		return fmt.Errorf("write workbook of wholesaler %s: its marker names %q", b.Wholesaler.ID, b.Marker.Wholesaler)
	}
	l := language(b.Wholesaler.Language)
	f, z, err := newFile(b.AsOf, b.Wholesaler.Name+" "+b.AsOf.String(), b.TmpDir)
	if err != nil {
		return err
	}
	defer z.cleanup()
	ww := &wholesalerWriter{f: f, b: b, l: l, programs: programNames(b.Programs), wait: waitOrder(b.Waitlist, b.Programs)}
	if err := ww.write(); err != nil {
		return fmt.Errorf("write workbook of wholesaler %s: %w", b.Wholesaler.ID, err)
	}
	return finish(f, z, w)
}

type wholesalerWriter struct {
	f        *excelize.File
	b        WholesalerBook
	l        lang
	st       *styles
	programs map[string]string
	wait     []reconcile.WaitEntry // b.Waitlist by program (configured order), then rank
	names    map[string]string     // reseller id → name, from the accounts sheets
	decided  map[string]decision   // reseller id → decision columns, made once for every accounts sheet
}

func programNames(ps []Program) map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.ID] = p.Name
	}
	return m
}

func (ww *wholesalerWriter) program(id string) string {
	if n := ww.programs[id]; n != "" {
		return n
	}
	return id
}

func (ww *wholesalerWriter) accountSheetNames() []string {
	n := len(ww.b.Accounts)
	if n <= 1 {
		return []string{ww.l.accounts}
	}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s (%d)", ww.l.accounts, i+1)
	}
	return names
}

func (ww *wholesalerWriter) write() error {
	f, l := ww.f, ww.l
	if err := f.SetSheetName("Sheet1", l.lines); err != nil {
		return err
	}
	accNames := ww.accountSheetNames()
	fw := wordsOf(l)
	for _, name := range append(append([]string{}, accNames...), l.discrepancies, fw.resolvedSheet, l.reject, l.files) {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	if ww.b.Signature != "" {
		if err := writeMarker(f, ww.b.Marker, ww.b.Signature); err != nil {
			return err
		}
	}
	if err := printable(f); err != nil {
		return err
	}
	var err error
	if ww.st, err = newStyles(f, l); err != nil {
		return err
	}
	fst, err := newFindingStyles(f)
	if err != nil {
		return err
	}
	// Names only of the resellers the lines and discrepancies show: an
	// accounts sheet may hold a million.
	ww.names = map[string]string{}
	shown := map[string]bool{}
	for _, ln := range ww.b.Lines {
		shown[ln.ResellerID] = true
	}
	for _, d := range ww.b.Discrepancies {
		shown[d.ResellerID] = true
	}
	for _, r := range ww.b.Resolved {
		shown[r.ResellerID] = true
	}
	for _, e := range ww.wait {
		shown[e.ResellerID] = true
	}
	for _, a := range ww.b.Accounts {
		for r := range a.rows() {
			if r.ResellerID != "" && r.ResellerName != "" && shown[r.ResellerID] {
				ww.names[r.ResellerID] = r.ResellerName
			}
		}
	}
	for id, n := range ww.b.Names {
		if _, ok := ww.names[id]; !ok && n != "" && shown[id] {
			ww.names[id] = n
		}
	}
	name := func(_, id string) string { return ww.names[id] }
	if err := ww.writeLines(); err != nil {
		return fmt.Errorf("sheet %s: %w", l.lines, err)
	}
	if len(ww.b.Accounts) == 0 {
		if err := writeNone(f, accNames[0], l.noAccounts, ww.st); err != nil {
			return err
		}
	}
	for i, a := range ww.b.Accounts {
		if err := ww.writeAccounts(accNames[i], a); err != nil {
			return fmt.Errorf("sheet %s: %w", accNames[i], err)
		}
	}
	if err := writeDiscrepancies(f, l, ww.st, fst, discSheet{name: l.discrepancies, answers: ww.b.Signature != "",
		asOf: ww.b.AsOf, reseller: name, program: ww.program}, ww.b.Discrepancies); err != nil {
		return fmt.Errorf("sheet %s: %w", l.discrepancies, err)
	}
	if err := writeResolved(f, l, ww.st, fw.resolvedSheet, "", nil, ww.b.Resolved, ww.b.AsOf, name, ww.program); err != nil {
		return fmt.Errorf("sheet %s: %w", fw.resolvedSheet, err)
	}
	if err := ww.writeRejected(); err != nil {
		return fmt.Errorf("sheet %s: %w", l.reject, err)
	}
	wholesaler := func(string) string { return ww.b.Wholesaler.Name }
	if err := writeFiles(f, l, ww.st, l.files, ww.b.Files, wholesaler); err != nil {
		return fmt.Errorf("sheet %s: %w", l.files, err)
	}
	f.SetActiveSheet(0)
	return nil
}

// note is the text of a status cell's note: the decision and its figures.
func (ww *wholesalerWriter) note(ln reconcile.ReportLine) string {
	word := ww.l.status[displayStatus(ln)]
	if ln.Reason == "" {
		return ""
	}
	return word + " — " + ln.Reason
}

// waitNote is the note of a waitlisted row: the status word, then
// waitDetail.
func (ww *wholesalerWriter) waitNote(e reconcile.WaitEntry) string {
	return ww.l.status[waitlisted] + " — " + ww.waitDetail(e)
}

// waitDetail says a waitlisted claim's rank and since, even when the
// engine gave no reason, then the reason.
func (ww *wholesalerWriter) waitDetail(e reconcile.WaitEntry) string {
	txt := fmt.Sprintf(ww.l.waitNote, e.Rank, e.Since.Format(ww.l.code))
	if e.Reason != "" {
		txt += " — " + e.Reason
	}
	return txt
}

// waitOrder returns the entries by program, in the configured order
// (unknown ids after, by id), then by rank: a copy, the caller's slice is
// not reordered.
func waitOrder(entries []reconcile.WaitEntry, programs []Program) []reconcile.WaitEntry {
	out := slices.Clone(entries)
	slices.SortStableFunc(out, func(a, b reconcile.WaitEntry) int {
		return cmp.Or(cmp.Compare(programRank(programs, a.Program), programRank(programs, b.Program)),
			cmp.Compare(a.Program, b.Program), cmp.Compare(a.Rank, b.Rank))
	})
	return out
}

func (ww *wholesalerWriter) writeLines() error {
	f, l, st, lines, wait := ww.f, ww.l, ww.st, ww.b.Lines, ww.wait
	sheet := l.lines
	if len(lines)+len(wait) == 0 {
		return writeNone(f, sheet, l.noLines, st)
	}
	// The waitlist columns (rank, since) go before the reason, which
	// stays last and wide; a sheet without waitlisted resellers keeps its
	// eight columns.
	head := l.lineHeader
	widths := []float64{16, 32, 26, 16, 13, 17, 13, 90}
	if len(wait) > 0 {
		head = slices.Concat(l.lineHeader[:7], l.waitHeader, l.lineHeader[7:])
		widths = []float64{16, 32, 26, 16, 13, 17, 19, 11, 13, 90}
	}
	ncol := len(head)
	if err := prepareStream(f, sheet, 1, ncol, len(lines)+len(wait)+1); err != nil {
		return err
	}
	// Notes go in before the stream starts: excelize cannot add them to a
	// streamed sheet afterwards.
	statusAt := func(i int) reconcile.LineStatus {
		if i < len(lines) {
			return displayStatus(lines[i])
		}
		return waitlisted
	}
	for _, i := range noteRowsOf(len(lines)+len(wait), statusAt) {
		var txt string
		if i < len(lines) {
			txt = ww.note(lines[i])
		} else {
			txt = ww.waitNote(wait[i-len(lines)])
		}
		if txt == "" {
			continue
		}
		if err := f.AddComment(sheet, excelize.Comment{
			Cell: fmt.Sprintf("G%d", i+2), Author: "encours", Text: txt, Width: 320, Height: 110,
		}); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := freezeHeader(sw, 1); err != nil {
		return err
	}
	if err := setWidths(sw, widths...); err != nil {
		return err
	}
	if err := sw.SetRow("A1", headerCells(st, head), headerHeight(head, widths)...); err != nil {
		return err
	}
	row := make([]any, ncol)
	reason := ncol - 1
	for i, ln := range lines {
		clear(row)
		s := st.status[displayStatus(ln)]
		row[0] = cell(s[kText], text(ln.ResellerID))
		row[1] = cell(s[kText], text(ww.names[ln.ResellerID]))
		row[2] = cell(s[kText], text(ww.program(ln.Program)))
		row[3] = cell(s[kAmount], amount(ln.AmountCents))
		row[4] = cell(s[kDate], serial(ln.ValidFrom))
		row[5] = cell(s[kDate], serial(ln.ValidUntil))
		row[6] = cell(s[kText], l.status[displayStatus(ln)])
		if len(wait) > 0 {
			row[7] = cell(s[kInt], nil)
			row[8] = cell(s[kDate], nil)
		}
		row[reason] = cell(s[kText], text(ln.Reason))
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), row); err != nil {
			return err
		}
	}
	s := st.status[waitlisted]
	for i, e := range wait {
		row[0] = cell(s[kText], text(e.ResellerID))
		row[1] = cell(s[kText], text(ww.names[e.ResellerID]))
		row[2] = cell(s[kText], text(ww.program(e.Program)))
		row[3] = cell(s[kAmount], amount(e.AmountCents))
		row[4] = cell(s[kDate], nil) // not valid yet
		row[5] = cell(s[kDate], serial(e.ValidUntil))
		row[6] = cell(s[kText], l.status[waitlisted])
		row[7] = cell(s[kInt], e.Rank)
		row[8] = cell(s[kDate], serial(e.Since))
		row[9] = cell(s[kText], text(e.Reason))
		if err := sw.SetRow(fmt.Sprintf("A%d", len(lines)+i+2), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// maxNotes caps the notes of one sheet: excelize's AddComment costs time
// proportional to the notes already there (quadratic overall: ~1.5 s for
// 10,000 notes, ~20 s for 35,000; 1,000 about a hundredth of 10,000).
const maxNotes = 1000

// notePriority ranks the statuses whose lines get a note on a large sheet,
// most urgent first; an active line (absent) gets none.
var notePriority = map[reconcile.LineStatus]int{
	reconcile.Withdrawn: 0, reconcile.Ended: 1, reconcile.Expiring: 2, waitlisted: 3,
	reconcile.Increased: 4, reconcile.Extended: 5, reconcile.Granted: 6,
}

// noteRows returns, in ascending order, the indexes of the lines that get
// a note on their status cell. Up to largeSheet lines, every line; above,
// at most maxNotes lines whose status is not "active", by notePriority
// (revoked, expired, expiring, waitlisted, increased, extended, granted),
// in sheet order within a status.
func noteRows(lines []reconcile.ReportLine) []int {
	return noteRowsOf(len(lines), func(i int) reconcile.LineStatus { return displayStatus(lines[i]) })
}

// noteRowsOf is noteRows over n rows whose displayed status is status(i).
func noteRowsOf(n int, status func(i int) reconcile.LineStatus) []int {
	if n <= largeSheet {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	// One bucket per priority, none longer than the cap: a million lines
	// cost no more than a few thousand indexes.
	buckets := make([][]int, len(notePriority))
	for i := range n {
		p, ok := notePriority[status(i)]
		if ok && len(buckets[p]) < maxNotes {
			buckets[p] = append(buckets[p], i)
		}
	}
	var out []int
	for _, b := range buckets {
		out = append(out, b[:min(len(b), maxNotes-len(out))]...)
	}
	slices.Sort(out)
	return out
}

// decision is what the decision columns of one account row show.
type decision struct {
	program, word, reason string
	amount                reconcile.Cents
	until                 reconcile.Date
	status                reconcile.LineStatus
	hasAmount             bool
}

// decisions folds each reseller's lines and waitlist entries into the
// decision columns. With several (several programs), names and words are
// joined and the amount is the sum of the lines still in force; a
// waitlisted claim shows its amount only alone, and its reason says its
// rank.
func (ww *wholesalerWriter) decisions() map[string]decision {
	by := map[string][]reconcile.ReportLine{}
	for _, ln := range ww.b.Lines {
		by[ln.ResellerID] = append(by[ln.ResellerID], ln)
	}
	for _, e := range ww.wait {
		by[e.ResellerID] = append(by[e.ResellerID], reconcile.ReportLine{
			Wholesaler: e.Wholesaler, Program: e.Program, ResellerID: e.ResellerID, AmountCents: e.AmountCents,
			ValidUntil: e.ValidUntil, Status: waitlisted, Reason: ww.waitDetail(e),
		})
	}
	out := make(map[string]decision, len(by))
	for id, ls := range by {
		if len(ls) == 1 {
			ln := ls[0]
			out[id] = decision{
				program: ww.program(ln.Program), word: ww.l.status[displayStatus(ln)], reason: ln.Reason,
				amount: ln.AmountCents, until: ln.ValidUntil, status: displayStatus(ln), hasAmount: true,
			}
			continue
		}
		var d decision
		var progs, words, reasons []string
		for _, ln := range ls {
			progs = append(progs, ww.program(ln.Program))
			words = append(words, ww.l.status[displayStatus(ln)])
			reasons = append(reasons, ww.program(ln.Program)+" : "+ln.Reason)
			if inForce(ln.Status) {
				d.amount += ln.AmountCents
				d.hasAmount = true
				if ln.ValidUntil > d.until {
					d.until = ln.ValidUntil
				}
			}
		}
		d.program, d.word, d.reason = strings.Join(progs, " / "), strings.Join(words, " / "), strings.Join(reasons, " | ")
		d.status = displayStatus(ls[0])
		out[id] = d
	}
	return out
}

// widthSample is how many rows of an accounts sheet its column widths
// are measured on.
const widthSample = 500

func (ww *wholesalerWriter) writeAccounts(sheet string, a AccountsSheet) error {
	f, l, st := ww.f, ww.l, ww.st
	rejected := map[int]reconcile.RejectedRow{} // this sheet's, by row
	for _, r := range ww.b.Rejected {
		if r.File == a.File && r.Sheet == a.Sheet {
			if _, dup := rejected[r.Row]; !dup {
				rejected[r.Row] = r
			}
		}
	}
	if ww.decided == nil {
		ww.decided = ww.decisions()
	}
	decisions := ww.decided
	hr := a.HeaderRow
	if hr < 1 {
		hr = 1
	}
	width := len(a.Header)
	lastRow := hr
	// Each column is as wide as its header or the widest of its first
	// rows' values, within bounds.
	runes := make([]int, 0, width)
	measure := func(i int, v string) {
		for len(runes) <= i {
			runes = append(runes, 0)
		}
		runes[i] = max(runes[i], utf8.RuneCountInString(v))
	}
	for i, h := range a.Header {
		measure(i, h)
	}
	n := 0
	for r := range a.rows() {
		width = max(width, len(r.Cells))
		lastRow = max(lastRow, r.Num)
		if n < widthSample {
			for i, v := range r.Cells {
				measure(i, v)
			}
			n++
		}
	}
	isAmount := make([]bool, width)
	for _, j := range a.AmountCols {
		if j >= 0 && j < width {
			isAmount[j] = true
		}
	}
	ncol := width + len(l.accountDecision)
	if err := prepareStream(f, sheet, hr, ncol, lastRow); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := freezeHeader(sw, hr); err != nil {
		return err
	}
	widths := make([]float64, width, ncol)
	for i := range widths {
		widths[i] = 10
		if i < len(runes) {
			widths[i] = min(max(float64(runes[i])+2, 10), 48)
		}
		if isAmount[i] {
			widths[i] = max(widths[i], 16) // "12 340,00 €"
		}
	}
	if err := setWidths(sw, append(widths, 26, 18, 18, 17, 90)...); err != nil {
		return err
	}
	if hr > 1 {
		if err := sw.SetRow("A1", []any{cell(st.title, text(fmt.Sprintf(l.sourceFile, a.File, a.Sheet)))}); err != nil {
			return err
		}
	}
	head := make([]string, 0, ncol)
	head = append(head, a.Header...)
	for len(head) < width {
		head = append(head, "")
	}
	head = append(head, l.accountDecision...)
	if err := sw.SetRow(fmt.Sprintf("A%d", hr), headerCells(st, head)); err != nil {
		return err
	}
	// The cells are made once and handed to SetRow by pointer: a Cell
	// boxed into the row's []any for each of a million rows' dozen cells
	// was ~600 MB of garbage at a million rows.
	cells := make([]excelize.Cell, ncol)
	row := make([]any, ncol)
	put := func(i, style int, v any) {
		cells[i] = excelize.Cell{StyleID: style, Value: v}
		row[i] = &cells[i]
	}
	prev := hr
	for r := range a.rows() {
		if r.Num <= prev {
			return fmt.Errorf("row %d of %s comes after row %d: rows must be in ascending order below the header", r.Num, a.File, prev)
		}
		prev = r.Num
		clear(row)
		styleOf := st.plain
		rej, isRej := rejected[r.Num]
		d, hasLine := decisions[r.ResellerID]
		switch {
		case isRej:
			styleOf = st.reject
		case hasLine && r.ResellerID != "":
			styleOf = st.status[d.status]
		}
		for i := 0; i < width; i++ {
			v := ""
			if i < len(r.Cells) {
				v = r.Cells[i]
			}
			val := sourceValue(v)
			if _, number := val.(float64); number && isAmount[i] {
				put(i, styleOf[kAmount], val)
			} else {
				put(i, styleOf[kText], val)
			}
		}
		switch {
		case isRej:
			reason := rej.Reason // it names the column already
			put(width, styleOf[kText], "")
			put(width+1, styleOf[kText], l.rejected)
			put(width+2, styleOf[kAmount], nil)
			put(width+3, styleOf[kDate], nil)
			put(width+4, styleOf[kText], text(reason))
		case hasLine && r.ResellerID != "":
			put(width, styleOf[kText], text(d.program))
			put(width+1, styleOf[kText], d.word)
			if d.hasAmount {
				put(width+2, styleOf[kAmount], amount(d.amount))
			}
			put(width+3, styleOf[kDate], serial(d.until))
			put(width+4, styleOf[kText], text(d.reason))
		}
		if err := sw.SetRow("A"+strconv.Itoa(r.Num), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func (ww *wholesalerWriter) writeRejected() error {
	f, l, st, rs := ww.f, ww.l, ww.st, ww.b.Rejected
	sheet := l.reject
	if len(rs) == 0 {
		return writeNone(f, sheet, l.noReject, st)
	}
	return streamTable(f, sheet, st, l.rejectHeader, []float64{36, 18, 8, 22, 80}, len(rs), func(i int, row []any) {
		r := rs[i]
		row[0] = cell(st.plain[kText], text(r.File))
		row[1] = cell(st.plain[kText], text(r.Sheet))
		row[2] = cell(st.plain[kInt], r.Row)
		row[3] = cell(st.plain[kText], text(r.Column))
		row[4] = cell(st.plain[kText], text(r.Reason))
	})
}

func programOrEmpty(program func(string) string, id string) string {
	if id == "" {
		return ""
	}
	return program(id)
}

func kindWord(l lang, k reconcile.DiscrepancyKind) string {
	if w := l.kind[k]; w != "" {
		return w
	}
	return string(k)
}

// writeNone makes an empty sheet say so in its first row.
func writeNone(f *excelize.File, sheet, msg string, st *styles) error {
	if err := f.SetCellStr(sheet, "A1", msg); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", st.title); err != nil {
		return err
	}
	return f.SetColWidth(sheet, "A", "A", 60)
}

func headerCells(st *styles, head []string) []any {
	out := make([]any, len(head))
	for i, h := range head {
		out[i] = cell(st.header, text(h))
	}
	return out
}

func freezeHeader(sw *excelize.StreamWriter, headerRow int) error {
	cellRef := fmt.Sprintf("A%d", headerRow+1)
	return sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: headerRow, TopLeftCell: cellRef, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: cellRef, ActiveCell: cellRef, Pane: "bottomLeft"}},
	})
}

// setWidths sets the width of columns 1, 2, … on a streamed sheet. The
// StreamWriter puts each new column first, so they go in from the last:
// Excel wants <col> elements in ascending order.
func setWidths(sw *excelize.StreamWriter, widths ...float64) error {
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return err
		}
	}
	return nil
}

// prepareStream sets what a streamed sheet needs before its stream opens:
// the <dimension> (the StreamWriter writes it before any row and would
// leave "A1"), and an autofilter over the table from headerRow.
func prepareStream(f *excelize.File, sheet string, headerRow, ncol, lastRow int) error {
	col, err := excelize.ColumnNumberToName(ncol)
	if err != nil {
		return err
	}
	if err := f.SetSheetDimension(sheet, fmt.Sprintf("A1:%s%d", col, lastRow)); err != nil {
		return err
	}
	return autoFilter(f, sheet, fmt.Sprintf("A%d:%s%d", headerRow, col, lastRow))
}

// streamTable streams a sheet holding one table of n rows under a frozen,
// filtered header row. fill sets row i's cells into row, which is cleared
// before each call and reused.
func streamTable(f *excelize.File, sheet string, st *styles, head []string, widths []float64, n int,
	fill func(i int, row []any)) error {
	if err := prepareStream(f, sheet, 1, len(head), n+1); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := freezeHeader(sw, 1); err != nil {
		return err
	}
	if err := setWidths(sw, widths...); err != nil {
		return err
	}
	if err := sw.SetRow("A1", headerCells(st, head), headerHeight(head, widths)...); err != nil {
		return err
	}
	row := make([]any, len(head))
	for i := range n {
		clear(row)
		fill(i, row)
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// headerHeight gives a header row the height of the lines its widest
// title wraps to in its column (the header style wraps text), two or
// three: the default height would cut the next lines off.
func headerHeight(head []string, widths []float64) []excelize.RowOpts {
	lines := 1
	for i, h := range head {
		if i < len(widths) && widths[i] > 0 {
			lines = max(lines, int(math.Ceil(float64(utf8.RuneCountInString(h))/widths[i])))
		}
	}
	if lines == 1 {
		return nil
	}
	return []excelize.RowOpts{{Height: 15 * float64(min(lines, 3))}}
}

// setRow writes styled cells on a normal sheet. Strings go through
// SetCellStr, so no text ever becomes a formula.
func setRow(f *excelize.File, sheet string, row int, vals []any) error {
	for i, v := range vals {
		c, ok := v.(excelize.Cell)
		if !ok {
			continue
		}
		ref, err := excelize.CoordinatesToCellName(i+1, row)
		if err != nil {
			return err
		}
		switch x := c.Value.(type) {
		case nil:
		case string:
			err = f.SetCellStr(sheet, ref, x)
		default:
			err = f.SetCellValue(sheet, ref, x)
		}
		if err != nil {
			return err
		}
		if c.StyleID != 0 {
			if err := f.SetCellStyle(sheet, ref, ref, c.StyleID); err != nil {
				return err
			}
		}
	}
	return nil
}

// autoFilter sets an autofilter on ref. excelize's AutoFilter replaces the
// sheet properties, dropping the fit-to-page flag printable set, so it is
// set again.
func autoFilter(f *excelize.File, sheet, ref string) error {
	if err := f.AutoFilter(sheet, ref, nil); err != nil {
		return err
	}
	fit := true
	return f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit})
}

// plainNumber reports how a numeric cell's raw value reads: no leading
// zero, no thousands separator, no exponent, what the pattern
// ^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,14})?$ matches (checked by hand: it
// runs on every cell of a million-row sheet); sourceValue also checks that
// it converts to a float64 and back unchanged.
func plainNumber(v string) bool {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	whole := len(v) - len(strings.TrimLeft(v, "0123456789"))
	if whole == 0 || whole > 15 || whole > 1 && v[0] == '0' {
		return false
	}
	frac := v[whole:]
	if frac == "" {
		return true
	}
	digits := len(frac) - 1
	return frac[0] == '.' && digits >= 1 && digits <= 14 && strings.TrimLeft(frac[1:], "0123456789") == ""
}

// sourceValue writes a cell of the wholesaler's own rows back as it came:
// what reads as a plain number becomes a number again (no "number stored as
// text" flags in Excel), everything else stays text, never a formula.
func sourceValue(v string) any {
	if plainNumber(v) {
		// Only when the text is exactly how the number writes itself, so
		// "1000.50" (text, as written) stays text.
		var buf [32]byte
		if f, err := strconv.ParseFloat(v, 64); err == nil && string(strconv.AppendFloat(buf[:0], f, 'f', -1, 64)) == v {
			return f
		}
	}
	return text(v)
}
