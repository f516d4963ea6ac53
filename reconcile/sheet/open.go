package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/encours/encours/reconcile/layout"
)

// Reasons a file cannot be read as a whole. Open wraps them with a message
// for the person who sent the file; test them with errors.Is.
var (
	// ErrNotWorkbook: not an Excel workbook at all (text, PDF, another zip).
	ErrNotWorkbook = errors.New("not an Excel workbook")
	// ErrTruncated: a workbook that is damaged or incomplete.
	ErrTruncated = errors.New("damaged or incomplete workbook")
	// ErrLegacyXLS: an Excel 97-2003 .xls file, even when renamed .xlsx.
	ErrLegacyXLS = errors.New("legacy Excel 97-2003 workbook")
	// ErrEncrypted: a workbook protected by a password to open.
	ErrEncrypted = errors.New("password-protected workbook")
	// ErrXLSB: an Excel binary workbook (.xlsb).
	ErrXLSB = errors.New("Excel binary workbook (.xlsb)")
	// ErrTooLarge: over one of the Limits.
	ErrTooLarge = errors.New("workbook too large")
	// ErrSheetNotFound: the workbook has no sheet of that name.
	ErrSheetNotFound = errors.New("sheet not found")
	// ErrNotWorksheet: a chart, dialog or macro sheet, which holds no table.
	ErrNotWorksheet = errors.New("not a sheet of cells")
)

// Default limits, used for the zero fields of Limits.
const (
	DefaultMaxFileBytes     = 100 << 20
	DefaultMaxUnzippedBytes = 1 << 30
	DefaultMaxRows          = 1048576
)

// Limits bound what Open accepts, so that one odd file cannot exhaust the
// machine. Zero fields take the defaults: 100 MiB, 1 GiB unzipped,
// 1 048 576 rows per sheet.
type Limits struct {
	MaxFileBytes     int64
	MaxUnzippedBytes int64
	MaxRows          int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxUnzippedBytes <= 0 {
		l.MaxUnzippedBytes = DefaultMaxUnzippedBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	return l
}

// Workbook is an open workbook, read-only, read straight from its zip:
// nothing is unzipped to disk. The shared-string table is in memory.
type Workbook struct {
	zr       *zip.Reader
	size     int64
	lim      Limits
	budget   int64 // inflated bytes a sheet may still take
	date1904 bool
	sheets   []sheetEntry
	sst      *sharedStrings
}

var (
	oleSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipSignature = []byte("PK\x03\x04")
	// An encrypted OOXML file is an OLE2 container holding these streams;
	// directory entry names are UTF-16LE.
	encryptionInfo = utf16le("EncryptionInfo")
)

// Open reads the workbook of size bytes from r. It checks the size, the
// kind of file and the zip before parsing anything, and returns errors
// wrapping ErrTooLarge, ErrNotWorkbook, ErrTruncated, ErrLegacyXLS,
// ErrEncrypted, ErrXLSB or one of the hostile-file reasons (ErrZipBomb…)
// with a plain-language message that says what to do.
//
// The parts are found as Excel finds them, whatever tool wrote the file:
// the workbook through the package relationships (_rels/.rels), its sheets
// and shared strings through the workbook's, with relative or absolute
// targets, and part names compared without regard to case.
func Open(r io.ReaderAt, size int64, lim Limits) (*Workbook, error) {
	lim = lim.withDefaults()
	if size > lim.MaxFileBytes {
		return nil, fmt.Errorf("%w: the file is %s, over the %s limit: export fewer rows or columns, or raise limits.max_file_bytes in config.yaml",
			ErrTooLarge, bytesText(size), bytesText(lim.MaxFileBytes))
	}
	if size <= 0 {
		return nil, fmt.Errorf("%w: the file is empty: export it again from Excel", ErrNotWorkbook)
	}
	head := make([]byte, 8)
	if n, _ := r.ReadAt(head, 0); n < len(head) {
		head = head[:n]
	}
	switch {
	case bytes.Equal(head, oleSignature):
		return nil, classifyOLE(r, size)
	case !bytes.HasPrefix(head, zipSignature) && !bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return nil, fmt.Errorf("%w (perhaps a CSV, PDF or web page renamed .xlsx): open it in Excel and save it as \"Excel Workbook (.xlsx)\"", ErrNotWorkbook)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, truncated(err)
	}
	if err := checkZip(zr, size, lim); err != nil {
		return nil, err
	}
	wb := &Workbook{zr: zr, size: size, lim: lim, budget: lim.MaxUnzippedBytes}
	pkg := newPackage(zr)
	st, err := wb.readStructure(pkg)
	if err != nil {
		return nil, err
	}
	if st.sst != nil && st.sst.UncompressedSize64 > uint64(lim.sstCap()) {
		return nil, sstTooLarge(st.sst.UncompressedSize64, lim.sstCap())
	}
	n, err := inspect(zr, size, wb.budget, st.read)
	if err != nil {
		return nil, err
	}
	wb.budget -= n
	if len(wb.sheets) == 0 {
		return nil, fmt.Errorf("%w: the workbook has no sheet: export it again from Excel", ErrNotWorkbook)
	}
	if st.sst != nil {
		maxItems := lim.MaxRows * maxStringsPerRow
		err := wb.parse(st.sst, lim.sstCap(), func(sc *scanner) error {
			var err error
			wb.sst, err = readSharedStrings(sc, maxItems)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return wb, nil
}

// structure is what readStructure found: the shared strings' part, and
// the parts that inspect need not look at again (read already, or read
// with the same checks when their sheet is read).
type structure struct {
	sst  *zip.File
	read map[*zip.File]bool
}

// readStructure finds the workbook part, reads its sheets, their kinds and
// parts, and the 1904 flag, and finds the shared strings.
func (w *Workbook) readStructure(pkg *opcPackage) (structure, error) {
	st := structure{read: map[*zip.File]bool{}}
	notWorkbook := fmt.Errorf("%w but another zip archive (perhaps a Word document or a zipped folder): send the .xlsx export itself", ErrNotWorkbook)

	book := "xl/workbook.xml"
	rootRels, err := w.readRels(pkg, "", st.read)
	if err != nil {
		return st, err
	}
	for _, r := range rootRels {
		if r.kind() == "officeDocument" && !r.external {
			book = r.target
			break
		}
	}
	if strings.EqualFold(path.Ext(book), ".bin") {
		return st, errXLSB()
	}
	zf := pkg.part(book)
	if zf == nil {
		if err := otherSpreadsheet(pkg); err != nil {
			return st, err
		}
		return st, notWorkbook
	}
	st.read[zf] = true
	type sheetRef struct{ name, id string }
	var refs []sheetRef
	err = w.parse(zf, -1, func(sc *scanner) error {
		root, inSheets := true, false
		for {
			kind, err := sc.next()
			if err != nil || kind == tokEOF {
				return err
			}
			switch {
			case kind == tokStart && root:
				if !sc.is("workbook") {
					return notWorkbook
				}
				root = false
			case kind == tokEnd:
				if sc.is("sheets") {
					inSheets = false
				}
			case sc.is("workbookPr"):
				if v, ok := sc.attr("date1904"); ok {
					w.date1904, _ = strconv.ParseBool(strings.TrimSpace(v))
				}
			case sc.is("sheets"):
				inSheets = !sc.selfClose
			case sc.is("sheet") && inSheets:
				name, _ := sc.attr("name")
				id, _ := sc.attr("id")
				refs = append(refs, sheetRef{name, id})
			}
		}
	})
	if err != nil {
		return st, err
	}
	rels, err := w.readRels(pkg, book, st.read)
	if err != nil {
		return st, err
	}
	byID := make(map[string]rel, len(rels))
	for _, r := range rels {
		byID[r.id] = r
		if r.kind() == "sharedStrings" && !r.external && st.sst == nil {
			st.sst = pkg.part(r.target)
		}
	}
	if st.sst == nil {
		// Not declared: where Excel puts it, as excelize reads it.
		st.sst = pkg.part("xl/sharedStrings.xml")
	}
	if st.sst != nil {
		st.read[st.sst] = true
	}
	for _, ref := range refs {
		e := sheetEntry{name: ref.name, kind: kindMissing}
		if r, ok := byID[ref.id]; ok && !r.external {
			e.target = r.target
			e.part = pkg.part(r.target)
			e.kind = sheetKind(r.kind())
		}
		if e.part == nil {
			e.kind = kindMissing
		} else if e.kind == kindWorksheet {
			st.read[e.part] = true
		}
		w.sheets = append(w.sheets, e)
	}
	return st, nil
}

// otherSpreadsheet names the spreadsheets of other programs that are zip
// archives too, when a file without a workbook part is one of them: an
// OpenDocument spreadsheet (LibreOffice's .ods) or an Apple Numbers
// document, renamed .xlsx.
func otherSpreadsheet(pkg *opcPackage) error {
	if zf := pkg.part("mimetype"); zf != nil && zf.UncompressedSize64 < 100 {
		if rc, err := zf.Open(); err == nil {
			head, _ := io.ReadAll(io.LimitReader(rc, 100))
			rc.Close()
			if bytes.HasPrefix(head, []byte("application/vnd.oasis.opendocument.spreadsheet")) {
				return fmt.Errorf("%w but an OpenDocument spreadsheet (.ods), even if its name ends in .xlsx: open it in LibreOffice and save it as \"Excel 2007-365 (.xlsx)\"", ErrNotWorkbook)
			}
		}
	}
	if pkg.part("Index/Document.iwa") != nil {
		return fmt.Errorf("%w but an Apple Numbers document, even if its name ends in .xlsx: in Numbers, use File > Export To > Excel and send that file", ErrNotWorkbook)
	}
	return nil
}

// parse reads a part with a scanner, counting its bytes against the budget.
func (w *Workbook) parse(zf *zip.File, sstCap int64, read func(*scanner) error) error {
	n, err := readPart(zf, w.size, w.budget, sstCap, func(br *bufio.Reader) error {
		return read(newScanner(br, zf.Name))
	})
	w.budget -= n
	return err
}

// classifyOLE tells an encrypted OOXML workbook from a legacy .xls: both
// are OLE2 containers, only the former holds an EncryptionInfo stream.
func classifyOLE(r io.ReaderAt, size int64) error {
	if containsAt(r, size, encryptionInfo) {
		return fmt.Errorf("%w: Excel asks for a password to open it: remove the password (File > Info > Protect Workbook) and send it again", ErrEncrypted)
	}
	return fmt.Errorf("%w (.xls), even if its name ends in .xlsx: open it in Excel and save it as \"Excel Workbook (.xlsx)\"", ErrLegacyXLS)
}

func truncated(err error) error {
	var corrupt flate.CorruptInputError
	detail := err.Error()
	if errors.As(err, &corrupt) || errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
		detail = "the zip structure is broken"
	}
	return fmt.Errorf("%w, perhaps cut short while being copied (%s): export it again from Excel and copy it once more", ErrTruncated, detail)
}

// containsAt reports whether pat occurs in the first size bytes of r,
// reading overlapping windows so that a match across two is not missed.
func containsAt(r io.ReaderAt, size int64, pat []byte) bool {
	const chunk = 64 << 10
	buf := make([]byte, chunk+len(pat)-1)
	for off := int64(0); off < size; off += chunk {
		n, _ := r.ReadAt(buf, off)
		if bytes.Contains(buf[:n], pat) {
			return true
		}
		if n < len(buf) {
			return false
		}
	}
	return false
}

func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

// bytesText writes a size for people: "12.3 MiB".
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Date1904 reports whether the workbook counts dates from 1904 (set by
// old Mac Excel): the same serial is then four years later.
func (w *Workbook) Date1904() bool { return w.date1904 }

// SheetNames returns the sheets' names in workbook order, every kind of
// sheet included.
func (w *Workbook) SheetNames() []string {
	names := make([]string, len(w.sheets))
	for i, s := range w.sheets {
		names[i] = s.name
	}
	return names
}

// Worksheets returns, in workbook order, the names of the sheets that hold
// a table of cells: not chart, dialog or macro sheets, nor sheets whose
// part is missing from the file.
func (w *Workbook) Worksheets() []string {
	var names []string
	for _, s := range w.sheets {
		if s.kind == kindWorksheet {
			names = append(names, s.name)
		}
	}
	return names
}

// Rows streams the rows of a sheet; "" means the first worksheet. A name
// matches exactly, or else ignoring case, accents and spaces. A missing
// sheet is an error wrapping ErrSheetNotFound that names the sheets found;
// a chart, dialog or macro sheet one wrapping ErrNotWorksheet; a sheet
// whose part is missing from the file one wrapping ErrTruncated. Only that
// sheet is unreadable then: the workbook's other sheets still read.
func (w *Workbook) Rows(sheet string) (*Rows, error) {
	e, ok := w.findSheet(sheet)
	switch {
	case !ok && sheet == "":
		return nil, fmt.Errorf("%w: the workbook has no sheet of cells, only %s: export the table itself",
			ErrSheetNotFound, quoteList(w.SheetNames()))
	case !ok:
		return nil, fmt.Errorf("%w: %q (the workbook has %s): rename the sheet, or set the sheet name in the layout of config.yaml",
			ErrSheetNotFound, sheet, quoteList(w.SheetNames()))
	case e.kind == kindMissing && e.target == "":
		return nil, truncated(fmt.Errorf("sheet %q has no part in the file", e.name))
	case e.kind == kindMissing:
		return nil, truncated(fmt.Errorf("sheet %q: its part %s is missing from the file", e.name, e.target))
	case e.kind != kindWorksheet:
		return nil, fmt.Errorf("%w: sheet %q is a %s, which holds no table to read: set the name of the sheet holding the data in the layout of config.yaml",
			ErrNotWorksheet, e.name, e.kind)
	}
	rc, c, err := openPart(e.part, w.budget, -1)
	if err != nil {
		return nil, err
	}
	r := &Rows{
		sheet: e.name, rc: rc, count: c, zf: e.part, size: w.size, budget: w.budget,
		p: &sheetReader{sc: newScanner(c, e.part.Name), sst: w.sst, sheet: e.name, max: w.lim.MaxRows},
	}
	r.start()
	return r, nil
}

// findSheet finds a sheet by name, "" being the first worksheet.
func (w *Workbook) findSheet(sheet string) (sheetEntry, bool) {
	if sheet == "" {
		for _, s := range w.sheets {
			if s.kind == kindWorksheet {
				return s, true
			}
		}
		return sheetEntry{}, false
	}
	for _, s := range w.sheets {
		if s.name == sheet {
			return s, true
		}
	}
	want := layout.Fold(sheet)
	for _, s := range w.sheets {
		if layout.Fold(s.name) == want {
			return s, true
		}
	}
	return sheetEntry{}, false
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// Close releases the workbook. It holds no file: Close is for symmetry
// with Rows.Close and for callers that defer it.
func (w *Workbook) Close() error {
	w.sst = nil
	return nil
}

// Rows streams a sheet's rows with their raw values. It implements
// layout.RowSource; Close it when done.
//
// A goroutine inflates and decodes the sheet and hands rows over in
// batches, so that the caller's parsing runs on another core meanwhile.
type Rows struct {
	sheet  string
	rc     io.ReadCloser
	count  *countReader
	zf     *zip.File
	size   int64
	budget int64
	p      *sheetReader

	num     int
	cells   []string
	numbers uint64
	err     error

	batches chan rowBatch
	stop    chan struct{}
	done    chan struct{}
	cur     rowBatch
	pos     int
}

// rowBatch is a run of decoded rows; err, set on the last batch, is what
// stopped the decoding early.
type rowBatch struct {
	nums    []int
	cells   [][]string
	numbers []uint64
	err     error
}

// rowBatchSize is how many rows go over the channel at once: large enough
// that the hand-over costs nothing, small enough to stay in cache.
const rowBatchSize = 512

func (r *Rows) start() {
	r.batches = make(chan rowBatch, 4)
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	go r.decode()
}

// decode runs in its own goroutine until the sheet ends, fails, or Close.
func (r *Rows) decode() {
	defer close(r.done)
	defer close(r.batches)
	batch := func() rowBatch {
		return rowBatch{nums: make([]int, 0, rowBatchSize), cells: make([][]string, 0, rowBatchSize),
			numbers: make([]uint64, 0, rowBatchSize)}
	}
	b := batch()
	send := func() bool {
		select {
		case r.batches <- b:
			b = batch()
			return true
		case <-r.stop:
			return false
		}
	}
	err := r.p.run(func(num int, cells []string, numbers uint64) error {
		b.nums = append(b.nums, num)
		b.cells = append(b.cells, cells)
		b.numbers = append(b.numbers, numbers)
		if len(b.nums) == rowBatchSize && !send() {
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return
	}
	if err == nil {
		_, err = io.Copy(io.Discard, r.count) // the rest of the part, counted and checksummed
	}
	b.err = partError(r.zf, r.count, err, r.size, r.budget, -1)
	send()
}

// Next moves to the next row, empty rows included, so that row numbers
// are Excel's.
func (r *Rows) Next() bool {
	for r.err == nil && r.batches != nil {
		if r.pos < len(r.cur.nums) {
			r.num, r.cells, r.numbers = r.cur.nums[r.pos], r.cur.cells[r.pos], r.cur.numbers[r.pos]
			r.cur.cells[r.pos] = nil
			r.pos++
			return true
		}
		if r.cur.err != nil {
			r.err = r.cur.err
			return false
		}
		b, ok := <-r.batches
		if !ok {
			r.batches = nil
			return false
		}
		r.cur, r.pos = b, 0
	}
	return false
}

// Row returns the current row's Excel number (1-based) and raw values:
// numbers and dates as Excel stores them ("5000.5", "39994"), text as typed.
// Trailing empty cells are absent. The slice is the caller's to keep.
func (r *Rows) Row() (int, []string) { return r.num, r.cells }

// IsNumber reports whether cell i of the current row is stored as a
// number (dates included, which Excel stores as numbers) rather than as
// text; cells past the 64th read as text. It implements
// layout.NumberCells, so that a SIREN typed as a number is told from one
// typed as text.
func (r *Rows) IsNumber(i int) bool { return i >= 0 && i < 64 && r.numbers&(1<<i) != 0 }

// Sheet is the name of the sheet, as the workbook writes it.
func (r *Rows) Sheet() string { return r.sheet }

// Err reports what stopped the rows early, if anything.
func (r *Rows) Err() error { return r.err }

// Close stops the decoding and releases the sheet's reader.
func (r *Rows) Close() error {
	if r.rc == nil {
		return nil
	}
	if r.stop != nil {
		close(r.stop)
		<-r.done
		r.stop = nil
	}
	r.rc.Close()
	r.rc = nil
	return nil
}
