// Package xlsx is the only importer of excelize: it writes the annotated
// workbooks, one per wholesaler and the consolidated one. Exports are read
// by package sheet, which needs no spreadsheet library.
package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"iter"
	"os"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile"
)

// Wholesaler is what a workbook needs to know of a configured wholesaler.
type Wholesaler struct {
	ID, Name string
	// Language is "fr" or "en"; anything else is written in French.
	Language string
}

// Program names a program for people; workbooks show Name, never the id.
type Program struct{ ID, Name string }

// SourceRow is one data row of a wholesaler's accounts sheet exactly as it
// sent it: raw cell text, in its column order.
type SourceRow struct {
	// Num is the Excel row number (1-based) in the wholesaler's sheet.
	Num   int
	Cells []string
	// ResellerID and ResellerName are the row's reseller_id and
	// reseller_name as the layout read them (trimmed, normalised); empty
	// when unreadable. They tie the row to its lines.
	ResellerID, ResellerName string
}

// AccountsSheet is a wholesaler's accounts sheet as it sent it.
type AccountsSheet struct {
	File, Sheet string
	Header      []string
	// HeaderRow is the Excel row number of Header (1 when zero).
	HeaderRow int
	// AmountCols are the cell indexes of the amount columns: their
	// numbers get the workbook's euro format.
	AmountCols []int
	// Rows are in ascending Num order, each Num above HeaderRow.
	Rows []SourceRow
	// Each, when set, streams the rows instead of Rows, in the same order,
	// so that a million-row sheet need not be held as a []SourceRow. The
	// row's Cells may be reused after yield returns; Each may be called
	// more than once.
	Each iter.Seq[SourceRow]
}

// rows streams a's rows from Each, or else from Rows.
func (a AccountsSheet) rows() iter.Seq[SourceRow] {
	if a.Each != nil {
		return a.Each
	}
	return slices.Values(a.Rows)
}

// largeSheet is the number of lines above which notes go only where they
// carry news (see noteRows): excelize keeps every note in memory and adding
// one costs time proportional to the notes already there.
const largeSheet = 1000

// lang holds every word a workbook shows, in one language.
type lang struct {
	code                                   string
	lines, accounts, discrepancies, reject string
	files                                  string
	lineHeader                             []string
	waitHeader                             []string // the Lines sheet's waitlist columns, before the reason
	accountDecision                        []string
	discHeader                             []string
	rejectHeader                           []string
	status                                 map[reconcile.LineStatus]string
	kind                                   map[reconcile.DiscrepancyKind]string
	noLines, noAccounts, noDisc, noReject  string
	rejected                               string
	sourceFile                             string
	waitNote                               string // a waitlisted claim's rank and since
	amountFmt, dateFmt                     string
}

var french = lang{
	code:  "fr",
	lines: "Lignes", accounts: "Comptes", discrepancies: "Écarts", reject: "Lignes rejetées", files: "Fichiers",
	lineHeader:      []string{"Code revendeur", "Raison sociale", "Programme", "Montant", "Valable du", "Valable jusqu'au", "Statut", "Motif"},
	waitHeader:      []string{"Rang d'attente", "En attente depuis"},
	accountDecision: []string{"Programme", "Décision", "Montant de la ligne", "Valable jusqu'au", "Motif"},
	discHeader:      []string{"Écart", "Code revendeur", "Raison sociale", "Programme", "N° commande", "Attendu (éditeur)", "Appliqué (grossiste)", "Différence", "Heures"},
	rejectHeader:    []string{"Fichier", "Feuille", "Ligne", "Colonne", "Motif"},
	status: map[reconcile.LineStatus]string{
		reconcile.Granted: "accordée", reconcile.Increased: "relevée", reconcile.Extended: "prolongée",
		reconcile.Unchanged: "active", reconcile.Expiring: "à échéance", reconcile.Ended: "expirée",
		reconcile.Withdrawn: "révoquée", waitlisted: "en liste d'attente",
	},
	kind: map[reconcile.DiscrepancyKind]string{
		reconcile.OverApplied:      "ligne appliquée supérieure à la ligne accordée",
		reconcile.UnderApplied:     "ligne appliquée inférieure à la ligne accordée",
		reconcile.MissingAccount:   "compte absent de l'export",
		reconcile.FinancingLate:    "financement payé hors délai",
		reconcile.FinancingOverdue: "financement non payé dans le délai",
		reconcile.InvalidSIREN:     "SIREN invalide : corrigez-le dans votre système",
	},
	noLines:    "Aucune ligne de crédit pour ce grossiste.",
	noAccounts: "Aucun export reçu pour cette exécution.",
	noDisc:     "Aucun écart.",
	noReject:   "Aucune ligne rejetée.",
	rejected:   "rejetée",
	sourceFile: "Fichier : %s — feuille : %s",
	waitNote:   "rang %d, depuis le %s",
	// Excel stores formats with "," for thousands and "." for decimals and
	// renders them with the reader's locale: "12 340,00 €" in French.
	amountFmt: `#,##0.00\ "€"`,
	dateFmt:   "dd/mm/yyyy",
}

var english = lang{
	code:  "en",
	lines: "Lines", accounts: "Accounts", discrepancies: "Discrepancies", reject: "Rejected rows", files: "Files",
	lineHeader:      []string{"Reseller ID", "Reseller name", "Program", "Amount", "Valid from", "Valid until", "Status", "Reason"},
	waitHeader:      []string{"Waitlist rank", "Waitlisted since"},
	accountDecision: []string{"Program", "Decision", "Line amount", "Valid until", "Reason"},
	discHeader:      []string{"Discrepancy", "Reseller ID", "Reseller name", "Program", "Order", "Expected (vendor)", "Applied (wholesaler)", "Difference", "Hours"},
	rejectHeader:    []string{"File", "Sheet", "Row", "Column", "Reason"},
	status: map[reconcile.LineStatus]string{
		reconcile.Granted: "granted", reconcile.Increased: "increased", reconcile.Extended: "extended",
		reconcile.Unchanged: "active", reconcile.Expiring: "expiring", reconcile.Ended: "expired",
		reconcile.Withdrawn: "revoked", waitlisted: "waitlisted",
	},
	kind: map[reconcile.DiscrepancyKind]string{
		reconcile.OverApplied:      "applied line above the granted line",
		reconcile.UnderApplied:     "applied line below the granted line",
		reconcile.MissingAccount:   "account missing from the export",
		reconcile.FinancingLate:    "financing paid late",
		reconcile.FinancingOverdue: "financing not paid in time",
		reconcile.InvalidSIREN:     "invalid SIREN: correct it in your system",
	},
	noLines:    "None: no credit line for this wholesaler.",
	noAccounts: "None: no export received in this run.",
	noDisc:     "None: no discrepancies.",
	noReject:   "None: no rejected rows.",
	rejected:   "rejected",
	sourceFile: "File: %s — sheet: %s",
	waitNote:   "rank %d, since %s",
	amountFmt:  `"€"#,##0.00`,
	dateFmt:    "d mmm yyyy",
}

func language(code string) lang {
	if code == "en" {
		return english
	}
	return french
}

// displayStatus is the status a person reads: an active line close to its
// end is "expiring".
func displayStatus(l reconcile.ReportLine) reconcile.LineStatus {
	if l.Status == reconcile.Unchanged && l.Expiring {
		return reconcile.Expiring
	}
	return l.Status
}

// waitlisted is the status the workbooks show for a waitlist entry (spec
// §8.2): not a line status of run.json but a claim that waits for room in
// its program's budget.
const waitlisted reconcile.LineStatus = "waitlisted"

// inForce reports whether a line still backs the reseller after the run;
// a waitlisted claim does not.
func inForce(s reconcile.LineStatus) bool {
	return s != reconcile.Ended && s != reconcile.Withdrawn && s != waitlisted
}

// statusFill is the fill colour per displayed status.
var statusFill = map[reconcile.LineStatus]string{
	reconcile.Granted:   "A9D08E", // green
	reconcile.Increased: "E2EFDA", // light green
	reconcile.Extended:  "BDD7EE", // blue
	reconcile.Unchanged: "FFFFFF", // white
	reconcile.Expiring:  "FFD966", // amber
	reconcile.Ended:     "D9D9D9", // grey
	reconcile.Withdrawn: "F4A6A6", // red
	waitlisted:          "CCC0DA", // lavender
}

// rejectedFill marks rejected rows of the accounts sheet.
const rejectedFill = "F4A6A6"

// statusOrder fixes the order styles are created in, so style ids (and
// the bytes of styles.xml) are the same from run to run.
var statusOrder = []reconcile.LineStatus{
	reconcile.Granted, reconcile.Increased, reconcile.Extended, reconcile.Unchanged,
	reconcile.Expiring, reconcile.Ended, reconcile.Withdrawn, waitlisted,
}

// cellKind is what a cell holds, which decides its number format.
type cellKind int

const (
	kText cellKind = iota
	kAmount
	kDate
	kInt
	nKinds
)

// styles holds the style ids of one workbook.
type styles struct {
	header int
	plain  [nKinds]int
	status map[reconcile.LineStatus][nKinds]int
	reject [nKinds]int
	totals [nKinds]int
	title  int
	// absent is a figure that does not apply ("sans limite", "—"):
	// right-aligned like the numbers of its column, in grey.
	absent int
}

func newStyles(f *excelize.File, l lang) (*styles, error) {
	s := &styles{status: map[reconcile.LineStatus][nKinds]int{}}
	var err error
	var mkStyle func(fill string, k cellKind, bold bool) (int, error)
	mk := func(fill string, k cellKind) (int, error) { return mkStyle(fill, k, false) }
	mkStyle = func(fill string, k cellKind, bold bool) (int, error) {
		st := &excelize.Style{}
		if bold {
			st.Font = &excelize.Font{Bold: true}
			st.Border = []excelize.Border{{Type: "top", Color: "808080", Style: 1}}
		}
		switch k {
		case kAmount:
			st.CustomNumFmt = &l.amountFmt
		case kDate:
			st.CustomNumFmt = &l.dateFmt
		case kInt:
			st.NumFmt = 1 // "0"
		}
		if fill != "" {
			st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill}}
		}
		return f.NewStyle(st)
	}
	if s.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
	}); err != nil {
		return nil, err
	}
	if s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Italic: true}}); err != nil {
		return nil, err
	}
	for k := cellKind(0); k < nKinds; k++ {
		if s.plain[k], err = mk("", k); err != nil {
			return nil, err
		}
		if s.reject[k], err = mk(rejectedFill, k); err != nil {
			return nil, err
		}
		if s.totals[k], err = mkStyle("DDEBF7", k, true); err != nil {
			return nil, err
		}
	}
	if s.absent, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Italic: true, Color: "595959"},
		Alignment: &excelize.Alignment{Horizontal: "right"},
	}); err != nil {
		return nil, err
	}
	for _, st := range statusOrder {
		var ids [nKinds]int
		for k := cellKind(0); k < nKinds; k++ {
			if ids[k], err = mk(statusFill[st], k); err != nil {
				return nil, err
			}
		}
		s.status[st] = ids
	}
	return s, nil
}

// excelEpoch is day 0 of Excel's 1900 date system as excelize writes it
// (serial 1 is 1900-01-01 only after the leap-year bug, which every date we
// write is past).
var excelEpoch = reconcile.DateOf(1899, time.December, 30)

// serial returns d as an Excel date serial, or nil for an unset date so the
// cell stays empty.
func serial(d reconcile.Date) any {
	if d.IsZero() {
		return nil
	}
	return int64(d - excelEpoch)
}

// amount returns c as a cell value in euros. The float is only for the
// cell: two decimals of a value below 2^53 cents are exact in the XML.
func amount(c reconcile.Cents) any { return c.Float() }

// text returns s as a string cell value. Untrusted text always goes
// through here: a string value is never read as a formula, even "=1+1".
func text(s string) any { return s }

// cell is a styled stream cell.
func cell(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }

// newFile returns an empty workbook with fixed document properties, so the
// same input gives the same bytes, and the zip writer it writes through.
// Temp files (excelize's streamed sheets, compressed parts) go into a
// private folder "encours-xlsx-*" under tmpDir (the system's when empty),
// which finish or z.cleanup removes.
func newFile(asOf reconcile.Date, title, tmpDir string) (*excelize.File, *sortedZip, error) {
	z := &sortedZip{}
	if tmpDir != "" {
		dir, err := os.MkdirTemp(tmpDir, "encours-xlsx-")
		if err != nil {
			return nil, nil, err
		}
		z.tmpDir, z.ownDir = dir, true
	}
	z.spool.dir = z.tmpDir
	f := excelize.NewFile(excelize.Options{TmpDir: z.tmpDir})
	z.f = f
	// excelize hands its in-memory buffer to this function; the zip goes
	// to finish's writer instead (see finish).
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return z })
	stamp := asOf.String() + "T00:00:00Z"
	if asOf.IsZero() {
		stamp = "2000-01-01T00:00:00Z"
	}
	err := f.SetDocProps(&excelize.DocProperties{
		Created: stamp, Modified: stamp, Creator: "encours", LastModifiedBy: "encours",
		Title: title, Language: "",
	})
	if err != nil {
		_ = z.cleanup()
		return nil, nil, err
	}
	return f, z, nil
}

// finish writes f to w and cleans up (excelize's temp files, the private
// temp folder). excelize's Write builds the whole zip in a bytes.Buffer
// before copying it out; through z the archive is written straight to w
// instead, and excelize's buffer stays empty.
func finish(f *excelize.File, z *sortedZip, w io.Writer) error {
	z.dest = w
	err := f.Write(io.Discard)
	if cerr := z.cleanup(); err == nil {
		err = cerr
	}
	return err
}

// printable lays every sheet out landscape and one page wide: printed or
// exported to PDF, a row of a line stays on one sheet of paper instead of
// its columns being spread over several pages. It must run before a
// sheet's StreamWriter is made, which copies the settings.
func printable(f *excelize.File) error {
	landscape, wide, tall, fit := "landscape", 1, 0, true
	for _, sh := range f.GetSheetList() {
		if err := f.SetPageLayout(sh, &excelize.PageLayoutOptions{
			Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall,
		}); err != nil {
			return err
		}
		if err := f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
			return err
		}
	}
	return nil
}

// sortedZip is an excelize.ZipWriter that writes its entries sorted by
// name when closed. excelize writes streamed sheets in map order, which
// would make two runs on the same input differ in their bytes. Entries are
// compressed as they come into a spool (memory, then a temp file past
// spoolMem), so a million-row sheet costs disk, not memory; Close copies
// them to dest in order.
type sortedZip struct {
	dest    io.Writer
	f       *excelize.File
	tmpDir  string
	ownDir  bool // tmpDir was made by newFile and is removed by cleanup
	done    bool
	spool   spool
	entries []*zipEntry
	cur     *zipEntry
}

// zipEntry is one compressed part: n bytes at off in the spool, or raw
// bytes in buf ([Content_Types].xml) until Close.
type zipEntry struct {
	name   string
	off, n int64
	buf    *bytes.Buffer
	fw     *deflater
	crc    uint32
	size   uint64
}

func (e *zipEntry) Write(p []byte) (int, error) {
	e.crc = crc32.Update(e.crc, crc32.IEEETable, p)
	e.size += uint64(len(p))
	return e.fw.Write(p)
}

// spoolMem is how many compressed bytes a workbook keeps in memory before
// its spool moves to a temp file.
var spoolMem = 8 << 20 // a var so tests can make it spill

// spool holds the compressed parts one after another.
type spool struct {
	dir  string
	mem  bytes.Buffer
	file *os.File
	n    int64
}

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && s.mem.Len()+len(p) > spoolMem {
		f, err := os.CreateTemp(s.dir, "encours-zip-")
		if err != nil {
			return 0, err
		}
		s.file = f
		if _, err := s.mem.WriteTo(f); err != nil {
			return 0, err
		}
		s.mem = bytes.Buffer{}
	}
	var n int
	var err error
	if s.file != nil {
		n, err = s.file.Write(p)
	} else {
		n, err = s.mem.Write(p)
	}
	s.n += int64(n)
	return n, err
}

// section returns the n bytes at off.
func (s *spool) section(off, n int64) io.Reader {
	if s.file != nil {
		return io.NewSectionReader(s.file, off, n)
	}
	return bytes.NewReader(s.mem.Bytes()[off : off+n])
}

func (s *spool) close() error {
	s.mem = bytes.Buffer{}
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	if rerr := os.Remove(s.file.Name()); err == nil {
		err = rerr
	}
	s.file = nil
	return err
}

// cleanup closes the workbook (excelize removes its temp files), the spool,
// and removes the private temp folder. It may be called more than once.
func (z *sortedZip) cleanup() error {
	if z.done {
		return nil
	}
	z.done = true
	var err error
	if z.f != nil {
		err = z.f.Close()
	}
	if serr := z.spool.close(); err == nil {
		err = serr
	}
	if z.ownDir {
		if rerr := os.RemoveAll(z.tmpDir); err == nil {
			err = rerr
		}
	}
	return err
}

func (z *sortedZip) Create(name string) (io.Writer, error) {
	if err := z.closeCurrent(); err != nil {
		return nil, err
	}
	e := &zipEntry{name: name}
	z.entries = append(z.entries, e)
	if name == contentTypes {
		// Kept raw until Close: its Default elements come from a map.
		e.buf = &bytes.Buffer{}
		return e.buf, nil
	}
	e.off = z.spool.n
	e.fw = &deflater{out: &z.spool}
	z.cur = e
	return e, nil
}

const contentTypes = "[Content_Types].xml"

var defaultElem = regexp.MustCompile(`<Default [^>]*>(</Default>)?|<Default [^>]*/>`)

// canonicalContentTypes sorts the Default elements of [Content_Types].xml,
// which excelize writes in map order once a workbook has a drawing.
func canonicalContentTypes(b []byte) []byte {
	locs := defaultElem.FindAllIndex(b, -1)
	if len(locs) < 2 {
		return b
	}
	elems := make([]string, len(locs))
	for i, l := range locs {
		elems[i] = string(b[l[0]:l[1]])
	}
	sort.Strings(elems)
	var out bytes.Buffer
	prev := 0
	for i, l := range locs {
		out.Write(b[prev:l[0]])
		out.WriteString(elems[i])
		prev = l[1]
	}
	out.Write(b[prev:])
	return out.Bytes()
}

// compressRaw compresses e's raw content, in its canonical form, into
// the spool.
func (z *sortedZip) compressRaw(e *zipEntry) error {
	raw := canonicalContentTypes(e.buf.Bytes())
	e.buf = nil
	e.crc = crc32.ChecksumIEEE(raw)
	e.size = uint64(len(raw))
	e.off = z.spool.n
	fw, err := flate.NewWriter(&z.spool, 5)
	if err != nil {
		return err
	}
	if _, err := fw.Write(raw); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	e.n = z.spool.n - e.off
	return nil
}

// AddFS adds every regular file of fsys; excelize does not call it when
// writing a workbook, it is here to satisfy the interface.
func (z *sortedZip) AddFS(fsys fs.FS) error {
	return fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		w, err := z.Create(name)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
}

func (z *sortedZip) closeCurrent() error {
	if z.cur == nil {
		return nil
	}
	e := z.cur
	z.cur = nil
	err := e.fw.Close()
	e.fw = nil
	e.n = z.spool.n - e.off
	return err
}

func (z *sortedZip) Close() error {
	if err := z.closeCurrent(); err != nil {
		return err
	}
	if z.dest == nil {
		return errors.New("workbook written without a destination: use finish")
	}
	for _, e := range z.entries {
		if e.buf != nil {
			if err := z.compressRaw(e); err != nil {
				return err
			}
		}
	}
	sort.SliceStable(z.entries, func(i, j int) bool { return zipRank(z.entries[i].name) < zipRank(z.entries[j].name) })
	zw := zip.NewWriter(z.dest)
	for _, e := range z.entries {
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: e.name, Method: zip.Deflate, CRC32: e.crc,
			CompressedSize64: uint64(e.n), UncompressedSize64: e.size,
		})
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, z.spool.section(e.off, e.n)); err != nil {
			return err
		}
	}
	z.entries = nil
	if err := zw.Close(); err != nil {
		return err
	}
	return z.spool.close()
}

// deflateChunk is the size of the pieces a part is compressed in, each on
// its own goroutine.
const deflateChunk = 1 << 20

// flateWriters recycles compressors: each holds about a megabyte of state.
var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, 5)
	return w
}}

// chunks recycles the deflater's input buffers, and outs its output
// buffers (grown from empty for every chunk they were ~300 MB of garbage
// at a million rows).
var (
	chunks = sync.Pool{New: func() any { return make([]byte, 0, deflateChunk) }}
	outs   = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// deflater compresses one part in chunks of deflateChunk bytes on up to
// GOMAXPROCS goroutines and writes them to out in order: deflate is most
// of the cost of writing a million-row workbook, and the second core is
// idle then. Every chunk but the last ends with a sync flush (an empty
// stored block on a byte boundary), so the chunks one after another are
// one valid deflate stream, as pgzip does it; the dictionary restarts at
// each chunk, which costs well under 1% of the size. The bytes depend only
// on the input, not on scheduling.
type deflater struct {
	out   io.Writer
	buf   []byte
	queue []*deflateJob
}

type deflateJob struct {
	in    []byte
	out   *bytes.Buffer
	final bool
	done  chan error
}

func (d *deflater) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if d.buf == nil {
			d.buf = chunks.Get().([]byte)[:0]
		}
		k := min(len(p), deflateChunk-len(d.buf))
		d.buf = append(d.buf, p[:k]...)
		p = p[k:]
		if len(d.buf) == deflateChunk {
			if err := d.submit(false); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// submit compresses the pending chunk in the background and writes out
// the chunks already done while too many are in flight.
func (d *deflater) submit(final bool) error {
	j := &deflateJob{in: d.buf, out: outs.Get().(*bytes.Buffer), final: final, done: make(chan error, 1)}
	d.buf = nil
	d.queue = append(d.queue, j)
	go j.run()
	for len(d.queue) > runtime.GOMAXPROCS(0) {
		if err := d.writeHead(); err != nil {
			return err
		}
	}
	return nil
}

func (j *deflateJob) run() {
	fw := flateWriters.Get().(*flate.Writer)
	fw.Reset(j.out)
	_, err := fw.Write(j.in)
	if err == nil {
		if j.final {
			err = fw.Close()
		} else {
			err = fw.Flush()
		}
	}
	flateWriters.Put(fw)
	chunks.Put(j.in[:0])
	j.in = nil
	j.done <- err
}

func (d *deflater) writeHead() error {
	j := d.queue[0]
	d.queue[0] = nil
	d.queue = d.queue[1:]
	if err := <-j.done; err != nil {
		return err
	}
	_, err := j.out.WriteTo(d.out)
	j.out.Reset()
	outs.Put(j.out)
	j.out = nil
	return err
}

// Close compresses what is pending as the final chunk and writes every
// chunk out.
func (d *deflater) Close() error {
	if err := d.submit(true); err != nil {
		return err
	}
	for len(d.queue) > 0 {
		if err := d.writeHead(); err != nil {
			return err
		}
	}
	return nil
}

// zipRank puts [Content_Types].xml first, as Office writes it, then the
// rest by name.
func zipRank(name string) string {
	if name == "[Content_Types].xml" {
		return ""
	}
	return name
}
